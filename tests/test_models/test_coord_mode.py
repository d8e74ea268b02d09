"""The coordinate mode is an explicit metainfo field (``coord_mode``)."""
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.structures import InstanceData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

import lrpose_mm  # noqa: F401

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')

HR, SCALE = (48, 64), 4
CODEC = dict(type='MSRAHeatmap', input_size=HR, heatmap_size=(12, 16), sigma=2)


def _model():
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='SRTopdownPoseEstimator', sr_neck=dict(type='InterpolateSR', scale=SCALE),
        backbone=dict(type='ResNet', depth=18, num_stages=1, out_indices=(0, ), strides=(1, ),
                      dilations=(1, )),
        head=dict(type='HeatmapHead', in_channels=64, out_channels=17, deconv_out_channels=None,
                  decoder=CODEC, loss=dict(type='KeypointMSELoss')),
        test_cfg=dict(flip_test=False))).eval()


def _sample(**meta):
    ds = PoseDataSample(metainfo=dict(
        input_size=(HR[0] // SCALE, HR[1] // SCALE), input_center=np.array([40.0, 50.0]),
        input_scale=np.array([48.0, 64.0]), **meta))
    ds.gt_instances = InstanceData(bboxes=np.array([[16.0, 18.0, 64.0, 82.0]], np.float32),
                                   bbox_scores=np.ones(1, np.float32))
    return ds


def _predict(model, inputs, **meta):
    with torch.no_grad():
        out = model.predict(inputs, [_sample(**meta)])
    return out[0].pred_instances.keypoints[0]


def test_pipelines_set_the_field():
    img = np.random.default_rng(0).integers(0, 255, (80, 60, 3), dtype=np.uint8)
    info = dict(img=img, bbox=np.array([[5, 5, 50, 70]], np.float32),
                bbox_score=np.ones(1, np.float32))
    head = [dict(type='GetBBoxCenterScale'), dict(type='TopdownAffine', input_size=HR)]
    sim = Compose(head + [dict(type='LowResDegrade', scale=SCALE, deterministic=True),
                          dict(type='PackSRPoseInputs')])(dict(info))
    assert sim['data_samples'].metainfo['coord_mode'] == 'hr_crop'
    real = Compose([head[0], dict(type='TopdownAffine', input_size=(12, 16)),
                    dict(type='PackSRPoseInputs')])(dict(info))
    assert 'coord_mode' not in real['data_samples'].metainfo  # estimator default: 'lr_crop'


def test_estimator_reads_the_field_not_hr_input_size():
    model = _model()
    x = torch.randn(1, 3, HR[1] // SCALE, HR[0] // SCALE)
    hr_crop = _predict(model, x, coord_mode='hr_crop')
    lr_crop = _predict(model, x, coord_mode='lr_crop')
    default = _predict(model, x)
    # hr_input_size alone no longer switches the formula
    with_hr_size = _predict(model, x, hr_input_size=HR)
    np.testing.assert_allclose(default, lr_crop)
    np.testing.assert_allclose(with_hr_size, lr_crop)
    # x_in = x_sr / s  vs  (x_sr + 0.5) / s - 0.5: input-space offset 0.5/s - 0.5 pixels,
    # times the image pixels per input pixel (input_scale / input_size = 4)
    np.testing.assert_allclose(lr_crop - hr_crop, np.full_like(lr_crop, (0.5 / SCALE - 0.5) * 4),
                               atol=1e-4)
    with pytest.raises(ValueError, match="coord_mode must be one of .*'hr_crop'.*got 'hr'"):
        _predict(model, x, coord_mode='hr')
