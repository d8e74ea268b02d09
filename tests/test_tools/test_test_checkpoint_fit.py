"""tools/test.py refuses a checkpoint that does not fit the config's model."""
import os
import subprocess

import pytest
from mmengine.runner.checkpoint import save_checkpoint
from mmpose.registry import MODELS

from conftest import PY, ROOT


def _run(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1')
    return subprocess.run([PY, 'tools/test.py', *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=env)


@pytest.mark.slow
def test_tools_test_refuses_a_misfit_unless_allowed(tmp_path, tiny_topdown_cfg,
                                                   mmpose_scope_one_thread):
    # another architecture: the tiny config's ResNet stage with a 32-channel head
    other = MODELS.build(dict(
        type='TopdownPoseEstimator',
        backbone=dict(type='ResNet', depth=18, num_stages=1, out_indices=(0, ), strides=(1, ),
                      dilations=(1, )),
        head=dict(type='HeatmapHead', in_channels=64, out_channels=17,
                  deconv_out_channels=(32, ), deconv_kernel_sizes=(4, ),
                  loss=dict(type='KeypointMSELoss'))))
    save_checkpoint(dict(meta={}, state_dict=other.state_dict()), str(tmp_path / 'other.pth'))
    out = tmp_path / 'metrics.json'
    proc = _run(str(tiny_topdown_cfg), str(tmp_path / 'other.pth'), '--work-dir',
                str(tmp_path / 'w1'), '--out', str(out))
    assert proc.returncode != 0
    assert 'CheckpointMismatchError' in proc.stderr and 'does not fit the model' in proc.stderr
    assert 'head.final_layer.weight' in proc.stderr and not out.exists()
    proc = _run(str(tiny_topdown_cfg), str(tmp_path / 'other.pth'), '--work-dir',
                str(tmp_path / 'w2'), '--out', str(out), '--allow-partial-checkpoint')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert out.exists()  # evaluated with the part that fits
