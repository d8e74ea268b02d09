"""The camera-trained synthetic config: the PDSR row's pipeline plus the camera path."""
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose

import lrpose_mm  # noqa: F401

from conftest import ROOT, run_train_pipeline

SYN = ROOT / 'configs' / 'synthetic'
CAMERA_CFG = SYN / 'pdsr-x4-camera_hrnet-tiny_synthetic-lr32x24.py'
EXTRAS = ('blur_sigma', 'blur_prob', 'noise_sigma', 'noise_prob', 'poisson_peak', 'poisson_prob',
          'jpeg_quality', 'jpeg_prob')

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')


def _pipelines():
    cam = Config.fromfile(str(CAMERA_CFG))
    base = Config.fromfile(str(SYN / 'pdsr-x4_hrnet-tiny_synthetic-lr32x24.py'))
    return cam, base


def test_only_the_degradation_differs_from_the_pdsr_row():
    cam, base = _pipelines()
    cam_pipe = [dict(t) for t in cam.train_dataloader.dataset.pipeline]
    base_pipe = [dict(t) for t in base.train_dataloader.dataset.pipeline]
    i_deg = [t['type'] for t in base_pipe].index('LowResDegrade')
    mix = cam_pipe[i_deg + 1]
    assert mix['type'] == 'RandomChoice' and mix['prob'] == [0.75, 0.25]
    (sim, ), (camera, ) = mix['transforms']
    assert sim == base_pipe[i_deg] and camera['type'] == 'CameraLowResDegrade'
    assert camera['scale'] == base.model.sr_neck.scale
    for key in EXTRAS:  # blur, noise and JPEG drawn as on the simulated path
        assert camera.get(key) == sim.get(key), key
    i_crop = [t['type'] for t in base_pipe].index('TopdownAffine')
    assert cam_pipe[i_crop] == dict(type='KeepFrame')
    rest = cam_pipe[:i_crop] + cam_pipe[i_crop + 1:i_deg + 1] + cam_pipe[i_deg + 2:]
    assert rest == base_pipe[:i_deg] + base_pipe[i_deg + 1:]
    for key in ('val_dataloader', 'test_dataloader', 'model', 'optim_wrapper', 'train_cfg'):
        assert cam.to_dict()[key] == base.to_dict()[key], key


def test_train_pipeline_runs_both_paths(tiny_coco):
    cam, _ = _pipelines()
    steps = cam.train_dataloader.dataset.pipeline
    assert steps[-1]['type'] == 'PackSRPoseInputs'
    samples = run_train_pipeline(tiny_coco, steps[:-1], num=8)
    pack = Compose(steps[-1:])
    for res in samples:
        out = pack(res)
        assert tuple(out['inputs'].shape) == (3, 32, 24)
        assert tuple(out['data_samples'].hr_img.shape) == (3, 128, 96)
        assert out['data_samples'].metainfo['coord_mode'] == 'hr_crop'
    assert {'camera_degrade' in r for r in samples} == {True, False}  # both paths drawn
