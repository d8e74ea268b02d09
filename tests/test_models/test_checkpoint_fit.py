"""Checkpoints keep MMPose's key names; a checkpoint that does not fit is refused."""
import copy

import pytest
import torch
from mmengine.runner import Runner
from mmengine.runner.checkpoint import save_checkpoint
from mmpose.registry import MODELS

import lrpose_mm  # noqa: F401
from lrpose_mm.apis import init_pose_model
from lrpose_mm.engine import CheckpointFitHook
from lrpose_mm.models.checkpoint_fit import CheckpointMismatchError

from tiny_config import TINY_HRNET  # noqa: E402

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')

RESNET = dict(type='ResNet', depth=18, num_stages=1, out_indices=(0, ), strides=(1, ),
              dilations=(1, ))
CODEC = dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16), sigma=2)
PRE = dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
           std=[58.395, 57.12, 57.375], bgr_to_rgb=True)


def _head(in_channels=8):
    return dict(type='HeatmapHead', in_channels=in_channels, out_channels=17,
                deconv_out_channels=None, decoder=CODEC,
                loss=dict(type='KeypointMSELoss', use_target_weight=True))


def _sr_model_cfg(sr_neck=None, backbone=TINY_HRNET, in_channels=8, **kw):
    return dict(type='SRTopdownPoseEstimator', data_preprocessor=PRE,
                sr_neck=sr_neck or dict(type='InterpolateSR', scale=4),
                backbone=copy.deepcopy(backbone), backbone_size_divisor=32,
                head=_head(in_channels), **kw)


def _zoo_checkpoint(path, backbone=TINY_HRNET, in_channels=8, seed=0):
    """A plain MMPose TopdownPoseEstimator saved as an mmengine checkpoint."""
    torch.manual_seed(seed)
    zoo = MODELS.build(dict(type='TopdownPoseEstimator', data_preprocessor=PRE,
                            backbone=copy.deepcopy(backbone), head=_head(in_channels)))
    zoo.init_weights()
    state = zoo.state_dict()
    save_checkpoint(dict(meta=dict(mmpose_version='1.3.2', dataset_meta=dict(num_keypoints=17)),
                         state_dict=state), str(path))
    return state


def _assert_same_tensors(model_state, zoo_state, keys):
    assert keys, 'nothing compared'
    for k in keys:
        torch.testing.assert_close(model_state[k], zoo_state[k], rtol=0, atol=0, msg=k)


def test_zoo_checkpoint_loads_fully_with_load_from(tmp_path):
    zoo_state = _zoo_checkpoint(tmp_path / 'zoo.pth')
    torch.manual_seed(1)
    runner = Runner(model=_sr_model_cfg(), work_dir=str(tmp_path / 'work'),
                    load_from=str(tmp_path / 'zoo.pth'), default_scope='mmpose',
                    custom_hooks=[dict(type='CheckpointFitHook')])
    assert set(runner.model.state_dict()) == set(zoo_state)  # MMPose's key names
    runner.load_or_resume()
    fit = [h for h in runner.hooks if isinstance(h, CheckpointFitHook)][0].last_fit
    assert fit.complete and fit.fraction == 1.0
    _assert_same_tensors(runner.model.state_dict(), zoo_state, list(zoo_state))


def test_zoo_checkpoint_loads_fully_with_pose_init_cfg(tmp_path):
    zoo_state = _zoo_checkpoint(tmp_path / 'zoo.pth')
    neck = dict(type='PoseDrivenSRNeck', scale=4, mid_channels=8, num_blocks=1)
    models = []
    for init in (None, dict(checkpoint=str(tmp_path / 'zoo.pth'))):
        torch.manual_seed(1)
        models.append(MODELS.build(_sr_model_cfg(sr_neck=neck, pose_init_cfg=init)))
        models[-1].init_weights()
    twin, model = models
    sr_before = twin.sr_neck.state_dict()
    state = model.state_dict()
    pose_keys = [k for k in state if not k.startswith('sr_neck.')]
    assert set(pose_keys) == set(zoo_state)
    _assert_same_tensors(state, zoo_state, pose_keys)
    _assert_same_tensors(model.sr_neck.state_dict(), sr_before, list(sr_before))


@pytest.mark.parametrize('lr_hw', [(32, 24), (64, 48)])
def test_hrnet_runs_at_lr_sizes(lr_hw):
    h, w = lr_hw
    model = MODELS.build(dict(_sr_model_cfg(sr_neck=dict(type='InterpolateSR', scale=1)),
                              head=dict(_head(), decoder=dict(CODEC, input_size=(w, h),
                                                              heatmap_size=(w // 4, h // 4)))))
    model.eval()
    with torch.no_grad():
        out = model(torch.randn(2, 3, h, w), None, mode='tensor')
    assert out.shape == (2, 17, h // 4, w // 4)
    model.backbone_size_divisor = 1  # without padding HRNet's branches do not line up
    with pytest.raises(RuntimeError):
        with torch.no_grad():
            model(torch.randn(1, 3, 32, 24), None, mode='tensor')


def test_pose_init_cfg_refuses_another_architecture(tmp_path):
    _zoo_checkpoint(tmp_path / 'resnet.pth', backbone=RESNET, in_channels=64)
    model = MODELS.build(_sr_model_cfg(pose_init_cfg=dict(checkpoint=str(tmp_path / 'resnet.pth'))))
    with pytest.raises(CheckpointMismatchError, match=r'pose_init_cfg.checkpoint .*supplies '
                       r'\d+\.\d% of the model.*backbone\.conv1\.weight: checkpoint'):
        model.init_weights()
    with pytest.warns(UserWarning, match='PARTIAL CHECKPOINT LOAD'):
        fit = model.load_pose_checkpoint(str(tmp_path / 'resnet.pth'), strict=False)
    assert 0 < fit.fraction < 0.5 and fit.mismatched and fit.missing and fit.unexpected
    with pytest.raises(CheckpointMismatchError, match='Nothing would load'):
        model.load_pose_checkpoint(str(tmp_path / 'resnet.pth'), prefix='nothing.', strict=False)


def test_runner_hook_and_init_pose_model_refuse_a_misfit(tmp_path, tiny_topdown_cfg):
    _zoo_checkpoint(tmp_path / 'resnet.pth', backbone=RESNET, in_channels=64)
    runner = Runner(model=_sr_model_cfg(), work_dir=str(tmp_path / 'work'),
                    load_from=str(tmp_path / 'resnet.pth'), default_scope='mmpose',
                    custom_hooks=[dict(type='CheckpointFitHook')])
    with pytest.raises(CheckpointMismatchError, match='resnet.pth.*does not fit the model'):
        runner.load_or_resume()
    # the tiny MMPose config is a ResNet-18 stage with a 64-channel head: it fits exactly
    _zoo_checkpoint(tmp_path / 'fits.pth', backbone=RESNET, in_channels=64)
    model = init_pose_model(str(tiny_topdown_cfg), str(tmp_path / 'fits.pth'))
    assert model.dataset_meta == dict(num_keypoints=17)  # taken from the checkpoint
    _zoo_checkpoint(tmp_path / 'hrnet.pth')
    with pytest.raises(CheckpointMismatchError, match=r'hrnet.pth.*\d+\.\d% of the model'):
        init_pose_model(str(tiny_topdown_cfg), str(tmp_path / 'hrnet.pth'))
    with pytest.warns(UserWarning, match='PARTIAL CHECKPOINT LOAD'):
        init_pose_model(str(tiny_topdown_cfg), str(tmp_path / 'hrnet.pth'), allow_partial=True)


def test_pose_checkpoint_prefix_and_rename_select_a_sub_model(tmp_path):
    zoo_state = _zoo_checkpoint(tmp_path / 'zoo.pth')
    # a DataParallel-saved checkpoint holding two networks, the wanted one with old head names
    state = {f'module.other.{k}': torch.zeros_like(v) for k, v in zoo_state.items()}
    state.update({'module.teacher.' + k.replace('head.', 'keypoint_head.', 1): v
                  for k, v in zoo_state.items()})
    torch.save(dict(state_dict=state), tmp_path / 'two.pth')
    model = MODELS.build(_sr_model_cfg())
    fit = model.load_pose_checkpoint(str(tmp_path / 'two.pth'), prefix='teacher.',
                                     rename={'keypoint_head.': 'head.'})
    assert fit.complete and fit.fraction == 1.0
    _assert_same_tensors(model.state_dict(), zoo_state, list(zoo_state))
    with pytest.raises(CheckpointMismatchError, match=r'two.pth.*supplies \d+\.\d% .*head\.'):
        model.load_pose_checkpoint(str(tmp_path / 'two.pth'), prefix='teacher.')
