"""The Runner's test loop evaluates an adaptive test pipeline (mixed batches) with CocoMetric."""
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import lrpose_mm  # noqa: F401

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')


def test_runner_test_loop_with_adaptive_pipeline(tiny_coco, tmp_path):
    codec = dict(type='MSRAHeatmap', input_size=(48, 64), heatmap_size=(12, 16), sigma=2)
    # tiny_coco boxes are 70-100 px tall: regions of 87-125 px, so a 110 px threshold mixes paths
    pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
                dict(type='AdaptiveTopdownAffine', input_size=(48, 64), sr_scale=4,
                     size_threshold=110), dict(type='PackSRPoseInputs')]
    ann = str(tiny_coco / 'annotations' / 'train.json')
    cfg = Config(dict(
        default_scope='mmpose', work_dir=str(tmp_path),
        model=dict(
            type='SRTopdownPoseEstimator',
            data_preprocessor=dict(type='SRPoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                                   std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
            sr_neck=dict(type='PoseDrivenSRNeck', scale=4, mid_channels=8, num_blocks=1),
            backbone=dict(type='ResNet', depth=18, num_stages=1, out_indices=(0, ),
                          strides=(1, ), dilations=(1, )),
            head=dict(type='HeatmapHead', in_channels=64, out_channels=17,
                      deconv_out_channels=None, loss=dict(type='KeypointMSELoss'), decoder=codec),
            test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=False)),
        test_dataloader=dict(
            batch_size=6, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type='CocoDataset', data_root=str(tiny_coco), data_mode='topdown',
                         ann_file='annotations/train.json', data_prefix=dict(img='images/'),
                         test_mode=True, pipeline=pipeline)),
        test_evaluator=dict(type='CocoMetric', ann_file=ann, use_area=False),
        test_cfg=dict()))
    runner = Runner.from_cfg(cfg)
    paths = [runner.test_dataloader.dataset[i]['data_samples'].metainfo['sr_path']
             for i in range(len(runner.test_dataloader.dataset))]
    assert set(paths) == {'sr', 'direct'}  # one batch of 6 holds both
    metrics = runner.test()
    assert 0.0 <= metrics['coco/AP'] <= 1.0
