"""The coordinate contract: known keypoints survive HR crop -> degrade -> model -> image space.

The end-to-end tests use an "oracle" pose network: an identity backbone and a
head that outputs the image itself as heatmaps (stride 1). Each of the three
image channels holds a Gaussian blob at one known keypoint, so the decoded
keypoints are wherever the blobs end up after TopdownAffine, LowResDegrade and
the SR network; any coordinate mistake (wrong scale, wrong input_size, a
half-pixel slip, a broken flip) shows up as a pixel error in image space.
"""
import copy

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.model import BaseModule
from mmpose.models.heads import HeatmapHead
from mmpose.registry import MODELS

import lrpose_mm.datasets  # noqa: F401
import lrpose_mm.models  # noqa: F401
from lrpose_mm.models.utils import input_to_image_coords, sr_to_input_coords

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')


HR = (48, 64)  # (w, h)
SCALE = 4
CENTER = np.array([80.0, 100.0])
BOX_SCALE = np.array([96.0, 128.0])  # GetBBoxCenterScale(padding=1.25) of the box below
# keypoints on the HR crop's pixel grid, and the same points in the image (x = 2 X + c - s/2)
KPT_HR = np.array([[14.0, 20.0], [30.0, 41.0], [23.0, 50.0]])
KPT_IMG = KPT_HR * (BOX_SCALE / np.array(HR)) + CENTER - 0.5 * BOX_SCALE


@MODELS.register_module(force=True)
class _IdentityBackbone(BaseModule):
    """Returns the image as the only feature map."""

    def forward(self, x):
        return (x, )


@MODELS.register_module(force=True)
class _ImageAsHeatmapHead(HeatmapHead):
    """The feature map (= the image) is the heatmap: channel k peaks at keypoint k."""

    def forward(self, feats):
        return feats[-1]


def _image(sigma: float = 6.0) -> np.ndarray:
    h, w = 200, 160
    ys, xs = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 3), np.float64)
    for k, (x, y) in enumerate(KPT_IMG):
        img[..., k] = 255.0 * np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2 * sigma ** 2))
    return np.round(img).astype(np.uint8)


def _sample(img: np.ndarray) -> dict:
    half = BOX_SCALE / 1.25 / 2
    return dict(img=img, img_id=1, id=1, img_path='synthetic',
                bbox=np.array([[*(CENTER - half), *(CENTER + half)]], np.float32),
                bbox_score=np.ones(1, np.float32),
                keypoints=KPT_IMG[None].astype(np.float32),
                keypoints_visible=np.ones((1, 3), np.float32), flip_indices=[0, 1, 2])


def _oracle_model(scale: int, codec_size, flip: bool):
    codec = dict(type='MSRAHeatmap', input_size=codec_size, heatmap_size=codec_size, sigma=2,
                 unbiased=True)
    model = MODELS.build(dict(
        type='SRTopdownPoseEstimator',
        data_preprocessor=dict(type='SRPoseDataPreprocessor'),
        sr_neck=dict(type='InterpolateSR', scale=scale),
        backbone=dict(type='_IdentityBackbone'),
        head=dict(type='_ImageAsHeatmapHead', in_channels=3, out_channels=3,
                  deconv_out_channels=None, decoder=codec),
        test_cfg=dict(flip_test=flip, flip_mode='heatmap', shift_heatmap=False)))
    return model.eval()


def _predict(model, pipeline, img) -> np.ndarray:
    packed = Compose(pipeline)(_sample(img))
    with torch.no_grad():
        out = model.test_step(pseudo_collate([packed]))
    return np.asarray(out[0].pred_instances.keypoints[0])


SIM_PIPELINE = [
    dict(type='GetBBoxCenterScale'), dict(type='TopdownAffine', input_size=HR),
    dict(type='LowResDegrade', scale=SCALE, kernel='bicubic', deterministic=True),
    dict(type='PackSRPoseInputs')]
REAL_LR_PIPELINE = [
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=(HR[0] // SCALE, HR[1] // SCALE)),
    dict(type='PackSRPoseInputs')]
HR_PIPELINE = [dict(type='GetBBoxCenterScale'), dict(type='TopdownAffine', input_size=HR),
               dict(type='PackSRPoseInputs')]


def test_mapping_functions_values():
    kp = np.array([[[8.0, 12.0], [0.0, 0.0]]])
    np.testing.assert_allclose(sr_to_input_coords(kp, (64, 48), (16, 12)),
                               [[[2.0, 3.0], [0.0, 0.0]]])
    # real LR crop: LR pixel j is at SR 4 j + 1.5
    np.testing.assert_allclose(
        sr_to_input_coords(np.array([[1.5, 5.5]]), (64, 48), (16, 12), coord_mode='lr_crop'),
        [[0.0, 1.0]])
    # scale 1 is the identity either way
    np.testing.assert_allclose(sr_to_input_coords(kp, (16, 12), (16, 12), 'lr_crop'), kp)
    # LR input space at input_size = HR / 4 maps to the same image points as HR space
    np.testing.assert_allclose(
        input_to_image_coords(KPT_HR[None] / SCALE, CENTER, BOX_SCALE, (12, 16))[0], KPT_IMG)


def test_pipeline_keypoints_in_lr_space():
    packed = Compose(SIM_PIPELINE[:-1] + [dict(type='PackSRPoseInputs', pack_transformed=True)])(
        _sample(_image()))
    ds = packed['data_samples']
    assert tuple(packed['inputs'].shape) == (3, 16, 12)
    assert ds.metainfo['input_size'] == (12, 16) and ds.metainfo['sr_scale'] == SCALE
    np.testing.assert_allclose(ds.gt_instances.transformed_keypoints[0], KPT_HR / SCALE,
                               atol=1e-4)
    np.testing.assert_allclose(ds.gt_instances.hr_keypoints[0].numpy(), KPT_HR, atol=1e-4)
    # and back to the image with MMPose's own mapping
    np.testing.assert_allclose(
        input_to_image_coords(ds.gt_instances.transformed_keypoints[0], ds.metainfo['input_center'],
                              ds.metainfo['input_scale'], ds.metainfo['input_size']),
        KPT_IMG, atol=1e-3)


@pytest.mark.parametrize('flip', [False, True])
def test_simulated_lr_sr_end_to_end(flip):
    """HR crop -> LowResDegrade x4 -> bicubic SR -> heatmaps at HR -> image space."""
    pred = _predict(_oracle_model(SCALE, HR, flip), SIM_PIPELINE, _image())
    np.testing.assert_allclose(pred, KPT_IMG, atol=0.5)  # a half-pixel slip is 3 px


@pytest.mark.parametrize('flip', [False, True])
def test_real_lr_input_end_to_end(flip):
    """TopdownAffine straight to the LR size; no LowResDegrade and no HR anywhere."""
    model = _oracle_model(SCALE, HR, flip)
    packed = Compose(REAL_LR_PIPELINE)(_sample(_image()))
    assert 'hr_img' not in packed['data_samples']
    assert packed['data_samples'].metainfo['input_size'] == (12, 16)
    pred = _predict(model, REAL_LR_PIPELINE, _image())
    np.testing.assert_allclose(pred, KPT_IMG, atol=0.5)


@pytest.mark.parametrize('flip', [False, True])
def test_hr_oracle_end_to_end(flip):
    """InterpolateSR(scale=1) on the HR crop, codec at HR."""
    pred = _predict(_oracle_model(1, HR, flip), HR_PIPELINE, _image())
    np.testing.assert_allclose(pred, KPT_IMG, atol=0.5)


def test_lr_direct_maps_lr_targets_to_image():
    """LR-direct (scale 1, codec at the LR size): a prediction equal to the LR training
    target (transformed_keypoints after LowResDegrade) lands on the image keypoints."""
    model = _oracle_model(1, (12, 16), False)
    packed = Compose(SIM_PIPELINE[:-1] + [dict(type='PackSRPoseInputs', pack_transformed=True)])(
        _sample(_image()))
    data = model.data_preprocessor(pseudo_collate([packed]))
    ds = data['data_samples'][0]
    from mmengine.structures import InstanceData
    pred = InstanceData(keypoints=sr_to_input_coords(
        np.asarray(ds.gt_instances.transformed_keypoints, np.float32), (16, 12), (16, 12)),
        keypoint_scores=np.ones((1, 3), np.float32))
    out = model.add_pred_to_datasample([pred], None, [ds])
    np.testing.assert_allclose(out[0].pred_instances.keypoints[0], KPT_IMG, atol=1e-3)


def test_sr_scale_and_input_size_mismatch_raise():
    model = _oracle_model(SCALE, HR, False)
    packed = Compose(SIM_PIPELINE)(_sample(_image()))
    bad = copy.deepcopy(packed)
    bad['data_samples'].set_metainfo(dict(sr_scale=2))
    with pytest.raises(ValueError, match='sr_scale'):
        model.test_step(pseudo_collate([bad]))
    bad = copy.deepcopy(packed)
    bad['data_samples'].set_metainfo(dict(input_size=HR))
    with pytest.raises(ValueError, match='input_size'):
        model.test_step(pseudo_collate([bad]))
    # HR crop fed to an x4 model: SR output no longer matches head.decoder.input_size
    hr = Compose(HR_PIPELINE)(_sample(_image()))
    with pytest.raises(ValueError, match='head.decoder.input_size'):
        model.test_step(pseudo_collate([hr]))


def test_image_to_input_coords_inverts_input_to_image_coords():
    from lrpose_mm.models.utils import image_to_input_coords, input_to_image_coords
    rng = np.random.default_rng(0)
    kp_input = rng.uniform(0, 96, (2, 17, 2))
    center, scale, size = (50.0, 70.0), (48.0, 64.0), (96, 128)
    kp_image = input_to_image_coords(kp_input, center, scale, size)
    assert np.allclose(image_to_input_coords(kp_image, center, scale, size), kp_input)
    # the crop's corners: the box's top-left is (0, 0), its bottom-right the crop size
    corners = np.array([[26.0, 38.0], [74.0, 102.0]])
    assert np.allclose(image_to_input_coords(corners, center, scale, size), [[0, 0], [96, 128]])
