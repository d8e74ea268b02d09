"""A tiny stock MMPose top-down config (random weights are fine) for the
extraction tests (a test fixture: it does not ship with the library)."""
from typing import Tuple


def tiny_topdown_config(input_size: Tuple[int, int] = (48, 64),
                        depth: int = 18, deconv_channels: int = 64,
                        flip_test: bool = False):
    """An ``mmengine.Config`` of a small ResNet + HeatmapHead top-down model
    (COCO-17, MSRAHeatmap codec, ``input_size`` = (w, h)).

    Use with ``mmpose.apis.init_model(tiny_topdown_config(), None, 'cpu')``.
    """
    from mmengine.config import Config
    w, h = input_size
    codec = dict(type='MSRAHeatmap', input_size=(w, h),
                 heatmap_size=(w // 4, h // 4), sigma=2)
    in_ch = 512 if depth in (18, 34) else 2048
    test_pipeline = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=codec['input_size']),
        dict(type='PackPoseInputs'),
    ]
    return Config(dict(
        default_scope='mmpose',
        model=dict(
            type='TopdownPoseEstimator',
            data_preprocessor=dict(
                type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
            backbone=dict(type='ResNet', depth=depth),
            head=dict(
                type='HeatmapHead', in_channels=in_ch, out_channels=17,
                deconv_out_channels=(deconv_channels, ) * 3,
                deconv_kernel_sizes=(4, 4, 4),
                loss=dict(type='KeypointMSELoss', use_target_weight=True),
                decoder=codec),
            test_cfg=dict(flip_test=flip_test, flip_mode='heatmap',
                          shift_heatmap=flip_test)),
        train_dataloader=dict(dataset=dict(type='CocoDataset')),
        test_dataloader=dict(dataset=dict(type='CocoDataset',
                                          pipeline=test_pipeline)),
    ))


#: an HRNet of four one-module stages, widths 8-64: the smallest real HRNet for unit tests
TINY_HRNET = dict(type='HRNet', in_channels=3, extra=dict(
    stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(1, ),
                num_channels=(16, )),
    stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(1, 1),
                num_channels=(8, 16)),
    stage3=dict(num_modules=1, num_branches=3, block='BASIC', num_blocks=(1, 1, 1),
                num_channels=(8, 16, 32)),
    stage4=dict(num_modules=1, num_branches=4, block='BASIC', num_blocks=(1, 1, 1, 1),
                num_channels=(8, 16, 32, 64), multiscale_output=False)))


def tiny_sr_estimator(codec: dict, out_channels: int = 17, **overrides) -> dict:
    """A model dict of the smallest ``SRTopdownPoseEstimator`` for unit tests: x4 PDSR neck
    (8 channels, one block), a one-stage ResNet-18 stem, a heatmap head with ``codec``;
    ``overrides`` (``sr_loss``, ``pose_loss_to_sr``, ``test_cfg``, ...) are added on top."""
    model = dict(
        type='SRTopdownPoseEstimator',
        data_preprocessor=dict(type='SRPoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
        sr_neck=dict(type='PoseDrivenSRNeck', scale=4, mid_channels=8, num_blocks=1),
        backbone=dict(type='ResNet', depth=18, num_stages=1, out_indices=(0, ), strides=(1, ),
                      dilations=(1, )),
        head=dict(type='HeatmapHead', in_channels=64, out_channels=out_channels,
                  deconv_out_channels=None,
                  loss=dict(type='KeypointMSELoss', use_target_weight=True), decoder=codec),
        test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))
    model.update(overrides)
    return model


#: the tiny SR estimator's HR crop (w, h) and codec in :func:`tiny_sr_train_config`
TINY_HR = (48, 64)
TINY_CODEC = dict(type='MSRAHeatmap', input_size=TINY_HR, heatmap_size=(12, 16), sigma=2)


def tiny_sr_train_config(root, max_iters: int = 2):
    """An ``mmengine.Config`` training :func:`tiny_sr_estimator` (x4 PDSR with pixel and
    keypoint SR terms) for ``max_iters`` iterations on the COCO set that
    ``conftest.write_tiny_coco(root)`` writes (batch 3, no workers, no validation)."""
    from mmengine.config import Config
    pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
                dict(type='TopdownAffine', input_size=TINY_HR),
                dict(type='GenerateTarget', encoder=TINY_CODEC),
                dict(type='LowResDegrade', scale=4), dict(type='PackSRPoseInputs')]
    return Config(dict(
        default_scope='mmpose',
        custom_imports=dict(imports=['lrpose_mm'], allow_failed_imports=False),
        model=tiny_sr_estimator(
            TINY_CODEC, sr_loss=dict(type='PoseDrivenSRLoss', pixel_weight=1.0, kpt_weight=1.0),
            test_cfg=dict(flip_test=False)),
        train_dataloader=dict(
            batch_size=3, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type='CheckedCocoDataset', data_root=str(root), data_mode='topdown',
                         ann_file='annotations/train.json', data_prefix=dict(img='images/'),
                         pipeline=pipeline)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters, val_interval=100),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=1e-3)),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1),
                           checkpoint=dict(type='CheckpointHook', interval=max_iters,
                                           by_epoch=False),
                           finite_loss=dict(type='FiniteLossHook')),
        log_processor=dict(by_epoch=False, window_size=1),
        randomness=dict(seed=0)))
