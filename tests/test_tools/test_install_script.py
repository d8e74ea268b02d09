"""tools/install.sh refuses bad requests early, before it changes any environment."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _install(*args: str, venv: str = sys.prefix) -> subprocess.CompletedProcess:
    env = dict(os.environ, LRPOSE_VENV=venv, PYTHON=sys.executable)
    return subprocess.run(['bash', str(ROOT / 'tools' / 'install.sh'), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize('args,message', [
    (['--bogus'], "unknown option '--bogus'"),
    (['--with-ops', '--wheelhouse', 'x'], 'a wheelhouse carries mmcv-lite'),
    (['--wheelhouse', 'a', '--build-wheelhouse', 'b'], 'do not go together'),
    (['--build-wheelhouse', 'b', '--have', '/no/such/freeze.txt'], 'no such file'),
])
def test_bad_options_are_refused(args, message):
    proc = _install(*args)
    assert proc.returncode == 1
    assert message in proc.stderr


def test_wheelhouse_without_its_list_is_refused(tmp_path):
    proc = _install('--wheelhouse', str(tmp_path))
    assert proc.returncode == 1
    assert 'has no lrpose-wheelhouse.txt' in proc.stderr


def test_wheelhouse_for_another_python_is_refused(tmp_path):
    (tmp_path / 'lrpose-wheelhouse.txt').write_text(
        '# lrpose_mm wheelhouse: python=3.99 machine=riscv extras=-\nmmengine==0.10.7\n')
    proc = _install('--wheelhouse', str(tmp_path))
    assert proc.returncode == 1
    assert "wheels for Python/machine '3.99 riscv'" in proc.stderr


def test_wheelhouse_needs_torch_when_it_creates_the_venv(tmp_path):
    fake = tmp_path / 'python3'  # a Python without torch
    fake.write_text('#!/bin/sh\nexec env PYTHONPATH= "%s" -S "$@"\n' % sys.executable)
    fake.chmod(0o755)
    env = dict(os.environ, LRPOSE_VENV=str(tmp_path / 'venv'), PYTHON=str(fake))
    proc = subprocess.run(['bash', str(ROOT / 'tools' / 'install.sh'), '--wheelhouse',
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env=env)
    assert proc.returncode == 1
    assert 'has no torch/torchvision' in proc.stderr
    assert not (tmp_path / 'venv').exists()
