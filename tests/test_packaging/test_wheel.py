"""The package is a library that works from a non-editable install: the wheel
carries the configs (``lrpose_mm/.mim/configs``, the MIM extension), and an
installed copy, run from another folder, loads every shipped config (their
``_base_`` files included) without the checkout."""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns('.git', '.venv', '__pycache__', '*.pyc', '*.egg-info', 'build',
                              'work_dirs', 'reports', 'data', '.mim', '.pytest_cache')

CHECK = r'''
import glob, os, sys
import lrpose_mm
from lrpose_mm.config import config_path, configs_root, load_config
assert lrpose_mm.__file__.startswith(sys.argv[1]), lrpose_mm.__file__
root = configs_root()
names = sorted(os.path.relpath(p, root) for p in glob.glob(os.path.join(root, '*', '*.py')))
for name in names:
    cfg = load_config('lrpose_mm::' + name)
    assert 'model' in cfg, name
print('LOADED', len(names), root)
'''


def _copy_checkout(dst: Path) -> Path:
    shutil.copytree(ROOT, dst, ignore=SKIP, symlinks=True)
    return dst


@pytest.fixture(scope='module')
def wheel(tmp_path_factory) -> Path:
    """A wheel built (no dependencies, no isolation) from a copy of the checkout,
    so the build never writes into the checkout itself."""
    tmp = tmp_path_factory.mktemp('pkg')
    src = _copy_checkout(tmp / 'src')
    proc = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
                           '--no-build-isolation', str(src), '-w', str(tmp / 'wheels')],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return next((tmp / 'wheels').glob('lrpose_mm-*.whl'))


def test_wheel_carries_every_config(wheel):
    shipped = {p.relative_to(ROOT / 'configs').as_posix()
               for p in (ROOT / 'configs').rglob('*.py')}
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    prefix = 'lrpose_mm/.mim/configs/'
    assert {n[len(prefix):] for n in names if n.startswith(prefix)} == shipped
    assert 'lrpose_mm/.mim/model-index.yml' in names
    assert not [n for n in names if n.startswith(('tests/', 'tools/', 'configs/'))]
    assert 'lrpose_mm/apis/tiny.py' not in names   # test fixtures stay in tests/


@pytest.mark.slow
def test_installed_copy_loads_configs_from_another_folder(wheel, tmp_path):
    target = tmp_path / 'site'
    proc = subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps',
                           '--no-build-isolation', '--target', str(target), str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run_dir = tmp_path / 'elsewhere'
    run_dir.mkdir()
    env = dict(os.environ, PYTHONPATH=str(target), OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, '-c', CHECK, str(target)], cwd=run_dir, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    n_top = len(list((ROOT / 'configs').glob('*/*.py')))
    assert f'LOADED {n_top} {target}' in proc.stdout


def _config_names(names, prefix: str):
    return {n[len(prefix):] for n in names if n.startswith(prefix) and n.endswith('.py')}


@pytest.mark.slow
def test_sdist_carries_the_configs_into_its_wheel(tmp_path):
    """``pip install lrpose_mm-x.tar.gz`` builds from the sdist, which has no
    configs/ folder: the configs must travel inside lrpose_mm/.mim."""
    import tarfile
    src = _copy_checkout(tmp_path / 'src')
    proc = subprocess.run([sys.executable, 'setup.py', '-q', 'sdist', '-d', str(tmp_path / 'dist')],
                          cwd=src, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    sdist = next((tmp_path / 'dist').glob('lrpose_mm-*.tar.gz'))
    shipped = {p.relative_to(ROOT / 'configs').as_posix()
               for p in (ROOT / 'configs').rglob('*.py')}
    with tarfile.open(sdist) as t:
        names = [n.split('/', 1)[1] for n in t.getnames() if '/' in n]
    assert _config_names(names, 'lrpose_mm/.mim/configs/') == shipped
    proc = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
                           '--no-build-isolation', str(sdist), '-w', str(tmp_path / 'wh')],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with zipfile.ZipFile(next((tmp_path / 'wh').glob('*.whl'))) as z:
        assert _config_names(z.namelist(), 'lrpose_mm/.mim/configs/') == shipped
