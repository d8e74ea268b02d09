"""``tools/train.py`` refuses a training that would run no iteration, naming the option."""
import importlib.util
import os
import subprocess
import sys

import pytest

from conftest import ROOT, run_tool


@pytest.fixture(scope='module')
def train_tool():
    spec = importlib.util.spec_from_file_location('train_tool_length', ROOT / 'tools/train.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize('option,words', [
    ('train_cfg.max_epochs=0', r'train_cfg.max_epochs=0: a training needs at least one epoch'),
    ('train_cfg.max_epochs=-1', r'train_cfg.max_epochs=-1'),
    ('train_cfg.max_epochs=1.5', r'train_cfg.max_epochs=1.5'),
])
def test_empty_schedule_is_an_error(train_tool, tiny_topdown_cfg, tmp_path, monkeypatch,
                                    option, words):
    monkeypatch.setattr(sys, 'argv', ['train.py', str(tiny_topdown_cfg), '--work-dir',
                                      str(tmp_path / 'w'), '--cfg-options', option])
    with pytest.raises(SystemExit, match=words):
        train_tool.main()
    assert not (tmp_path / 'w').exists()      # refused before the Runner made its folder


def test_iteration_schedule_of_length_zero_is_an_error(train_tool, tiny_topdown_cfg, tmp_path,
                                                       monkeypatch):
    monkeypatch.setattr(sys, 'argv', [
        'train.py', str(tiny_topdown_cfg), '--work-dir', str(tmp_path / 'w'), '--cfg-options',
        'train_cfg.by_epoch=False', 'train_cfg.max_iters=0', 'train_cfg.val_interval=1'])
    with pytest.raises(SystemExit, match=r'train_cfg.max_iters=0: .* at least one iteration'):
        train_tool.main()


@pytest.mark.slow
def test_training_that_ran_no_iteration_exits_non_zero(tiny_topdown_cfg, tmp_path):
    """A resume of a finished training runs nothing: an error, not a silent exit 0."""
    args = [str(tiny_topdown_cfg), '--work-dir', str(tmp_path), '--cfg-options',
            'train_cfg.max_epochs=1', 'train_cfg.val_interval=5']
    run_tool(sys.executable, 'tools/train.py', *args)
    proc = subprocess.run([sys.executable, 'tools/train.py', *args[:3], '--resume', *args[3:]],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(ROOT),
                                   OMP_NUM_THREADS='1'))
    assert proc.returncode != 0
    assert 'the training ran no iteration' in proc.stderr
