"""A training killed while it saves a checkpoint resumes with ``--resume``.

The training runs ``tools/train.py`` in a subprocess that sends itself SIGKILL at
one moment of its second checkpoint save: halfway through writing the file, or
right after the file is complete but before ``last_checkpoint`` points at it.
With ``max_keep_ckpts=1`` mmengine alone deleted the previous checkpoint first
and was left with a cut file or a ``last_checkpoint`` naming a deleted one.
"""
import os
import signal
import subprocess
import sys

import pytest
import torch

from lrpose_mm.engine import is_complete_checkpoint
from lrpose_mm.engine.atomic_checkpoint import atomic_torch_save, newest_complete_checkpoint

from conftest import ROOT

KILLER = '''
import os, runpy, signal, sys
import torch
MODE, AT = os.environ['KILL_MODE'], int(os.environ['KILL_AT'])
saves = 0
orig_save, orig_replace = torch.save, os.replace

def save(obj, f, *args, **kwargs):
    global saves
    if isinstance(obj, dict) and 'state_dict' in obj and 'meta' in obj:
        saves += 1
        if saves == AT and MODE == 'mid-write':   # half of the bytes, then die
            import io
            buf = io.BytesIO()
            orig_save(obj, buf, *args, **kwargs)
            f.write(buf.getvalue()[:len(buf.getvalue()) // 2])
            f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
    return orig_save(obj, f, *args, **kwargs)

def replace(src, dst, *args, **kwargs):
    out = orig_replace(src, dst, *args, **kwargs)
    if MODE == 'after-write' and saves == AT and str(dst).endswith('.pth'):
        os.kill(os.getpid(), signal.SIGKILL)
    return out

torch.save, os.replace = save, replace
sys.argv = ['tools/train.py'] + sys.argv[1:]
runpy.run_path('tools/train.py', run_name='__main__')
'''
OPTIONS = ['--cfg-options', 'train_cfg.max_epochs=3', 'train_cfg.val_interval=10',
           'default_hooks.checkpoint.max_keep_ckpts=1', 'default_hooks.logger.interval=50']


def _train(script, cfg, work_dir, *extra, env=None):
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1', **(env or {}))
    return subprocess.run([sys.executable, script, str(cfg), '--work-dir', str(work_dir),
                           *extra, *OPTIONS], cwd=ROOT, env=full_env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize('mode', ['mid-write', 'after-write'])
def test_training_killed_during_a_checkpoint_save_resumes(tiny_topdown_cfg, tmp_path, mode):
    killer = tmp_path / 'killer.py'
    killer.write_text(KILLER)
    work = tmp_path / 'work'
    killed = _train(str(killer), tiny_topdown_cfg, work,
                    env=dict(KILL_MODE=mode, KILL_AT='2'))
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    # what a kill leaves: last_checkpoint names a complete checkpoint
    named = (work / 'last_checkpoint').read_text().strip()
    assert os.path.basename(named) == 'epoch_1.pth' and is_complete_checkpoint(named)
    resumed = _train('tools/train.py', tiny_topdown_cfg, work, '--resume')
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    ckpt = torch.load(work / 'epoch_3.pth', map_location='cpu')
    assert ckpt['meta']['epoch'] == 3
    assert 'resumed epoch: 1' in resumed.stdout + resumed.stderr
    left = sorted(p.name for p in work.iterdir() if p.suffix in ('.pth', '.tmp'))
    assert left == ['epoch_3.pth']     # max_keep_ckpts=1, no temporary file left


def _ckpt(path, step):
    atomic_torch_save(dict(meta=dict(iter=step), state_dict={}), str(path))


@pytest.mark.parametrize('state', ['names-missing', 'names-cut', 'empty', 'nothing-complete'])
def test_resume_passes_over_what_an_interrupted_save_left(tmp_path, state):
    """Work folders left by mmengine's own (non-atomic) saving: the newest complete
    checkpoint is resumed, or none (a fresh start)."""
    from mmengine.runner import runner as runner_mod
    _ckpt(tmp_path / 'iter_2.pth', 2)
    if state == 'names-cut':
        (tmp_path / 'iter_3.pth').write_bytes((tmp_path / 'iter_2.pth').read_bytes()[:100])
    if state == 'nothing-complete':
        (tmp_path / 'iter_2.pth').write_bytes(b'')
    named = '' if state == 'empty' else str(tmp_path / 'iter_3.pth')
    (tmp_path / 'last_checkpoint').write_text(named)
    found = runner_mod.find_latest_checkpoint(str(tmp_path))
    expected = None if state == 'nothing-complete' else str(tmp_path / 'iter_2.pth')
    assert found == expected
    assert newest_complete_checkpoint(str(tmp_path)) == expected


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    """A save that fails halfway leaves the previous file and no temporary file."""
    path = tmp_path / 'epoch_1.pth'
    _ckpt(path, 1)
    before = path.read_bytes()

    def broken_save(obj, f, *args, **kwargs):
        f.write(b'PK\x03\x04 half a checkpoint')
        raise KeyboardInterrupt   # SIGINT, or any error, in the middle of the write

    monkeypatch.setattr(torch, 'save', broken_save)
    with pytest.raises(KeyboardInterrupt):
        from mmengine.runner.checkpoint import save_checkpoint
        save_checkpoint(dict(meta={}, state_dict={}), str(path))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ['epoch_1.pth']
