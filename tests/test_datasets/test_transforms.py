"""LowResDegrade and PackSRPoseInputs: sizes, values, metainfo, keypoints and errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmpose.registry import TRANSFORMS

import lrpose_mm.datasets  # noqa: F401
from lrpose_mm.datasets.transforms import LowResDegrade, PackSRPoseInputs

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')


def _results(h=64, w=48, seed=0, img_id=7):
    rng = np.random.default_rng(seed)
    kpts = np.array([[[4.0, 8.0], [20.0, 32.0], [47.0, 63.0]]], np.float32)
    return dict(img=rng.integers(0, 256, (h, w, 3), dtype=np.uint8), img_id=img_id, id=img_id,
                transformed_keypoints=kpts.copy(), keypoints=kpts + 100,
                keypoints_visible=np.ones((1, 3), np.float32), input_size=(w, h),
                input_center=np.array([124.0, 132.0]), input_scale=np.array([48.0, 64.0]),
                bbox=np.array([[100, 100, 148, 164]], np.float32),
                bbox_score=np.ones(1, np.float32), flip_indices=[0, 1, 2])


def test_registered():
    assert TRANSFORMS.get('LowResDegrade') is LowResDegrade
    assert TRANSFORMS.get('PackSRPoseInputs') is PackSRPoseInputs


@pytest.mark.parametrize('scale', [2, 4, 8])
def test_sizes_metainfo_and_keypoints(scale):
    res = _results()
    hr = res['img'].copy()
    out = LowResDegrade(scale=scale)(res)
    assert out['img'].shape == (64 // scale, 48 // scale, 3) and out['img'].dtype == np.uint8
    assert out['input_size'] == (48 // scale, 64 // scale)
    assert out['hr_input_size'] == (48, 64)
    assert out['sr_scale'] == scale and out['degrade_scale'] == scale
    np.testing.assert_array_equal(out['img_hr'], hr)
    np.testing.assert_allclose(out['transformed_keypoints'],
                               [[[4 / scale, 8 / scale], [20 / scale, 32 / scale],
                                 [47 / scale, 63 / scale]]])
    np.testing.assert_allclose(out['hr_transformed_keypoints'][0, 1], [20, 32])
    # image-space keypoints and the crop geometry are untouched
    np.testing.assert_allclose(out['keypoints'][0, 0], [104, 108])
    np.testing.assert_allclose(out['input_scale'], [48, 64])


def test_bicubic_kernel_equals_antialiased_torch_reference():
    res = _results()
    ref = F.interpolate(torch.from_numpy(res['img']).permute(2, 0, 1)[None].float(),
                        size=(16, 12), mode='bicubic', align_corners=False, antialias=True)
    ref = ref[0].permute(1, 2, 0).round().clamp(0, 255).numpy().astype(np.uint8)
    np.testing.assert_array_equal(LowResDegrade(scale=4, kernel='bicubic')(res)['img'], ref)


def test_area_kernel_is_block_mean():
    img = np.arange(8 * 8 * 3, dtype=np.float64).reshape(8, 8, 3) % 251
    res = dict(img=img.astype(np.uint8))
    out = LowResDegrade(scale=4, kernel='area')(res)['img']
    expected = img.reshape(2, 4, 2, 4, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(out, np.round(expected), atol=1)


def test_constant_image_stays_constant_for_every_kernel():
    for kernel in ('bicubic', 'area', 'bilinear', 'gaussian'):
        res = dict(img=np.full((32, 24, 3), 77, np.uint8))
        out = LowResDegrade(scale=4, kernel=kernel)(res)['img']
        assert out.shape == (8, 6, 3)
        np.testing.assert_array_equal(out, 77)


def test_extras_change_the_image_and_deterministic_is_reproducible():
    cfg = dict(scale=4, blur_sigma=(0.5, 1.5), noise_sigma=(5, 10), poisson_peak=(20, 50),
               jpeg_quality=(30, 50))
    plain = LowResDegrade(scale=4, deterministic=True)(_results())['img']
    a = LowResDegrade(**cfg, deterministic=True)(_results())['img']
    b = LowResDegrade(**cfg, deterministic=True)(_results())['img']
    c = LowResDegrade(**cfg, deterministic=True)(_results(img_id=8))['img']
    np.testing.assert_array_equal(a, b)  # same sample -> same degradation
    assert np.abs(a.astype(int) - plain).mean() > 1  # extras really applied
    assert not np.array_equal(a, c)  # another sample -> another draw
    # probability 0 disables an extra
    off = LowResDegrade(scale=4, noise_sigma=(5, 10), noise_prob=0.0)(_results())['img']
    np.testing.assert_array_equal(off, plain)


def test_multi_scale_with_model_scale():
    np.random.seed(0)
    t = LowResDegrade(scale=[2, 4, 8], model_scale=4)
    seen = set()
    for _ in range(12):
        out = t(_results())
        assert out['img'].shape == (16, 12, 3) and out['input_size'] == (12, 16)
        assert out['sr_scale'] == 4
        np.testing.assert_allclose(out['transformed_keypoints'][0, 1], [5, 8])
        seen.add(out['degrade_scale'])
    assert seen == {2, 4, 8}
    out = LowResDegrade(scale=[2, 4])(_results())  # no model_scale: LR size follows the draw
    assert out['input_size'] == (48 // out['sr_scale'], 64 // out['sr_scale'])


def test_errors_name_the_field():
    with pytest.raises(ValueError, match='kernel'):
        LowResDegrade(kernel='lanczos')
    with pytest.raises(ValueError, match='scale'):
        LowResDegrade(scale=0)
    with pytest.raises(ValueError, match='jpeg_quality'):
        LowResDegrade(jpeg_quality=(50, 120))
    with pytest.raises(ValueError, match='noise_prob'):
        LowResDegrade(noise_sigma=(1, 2), noise_prob=2)
    with pytest.raises(ValueError, match=r'scale=5.*w=48, h=64'):
        LowResDegrade(scale=5)(_results())
    with pytest.raises(ValueError, match="results\\['img'\\]"):
        LowResDegrade(scale=4)(dict(img_id=1))


def test_pack_sr_pose_inputs():
    out = PackSRPoseInputs()(LowResDegrade(scale=4)(_results()))
    inputs, ds = out['inputs'], out['data_samples']
    assert inputs.shape == (3, 16, 12) and inputs.dtype == torch.uint8
    assert ds.hr_img.shape == (3, 64, 48) and ds.hr_img.dtype == torch.uint8
    np.testing.assert_array_equal(ds.hr_img.permute(1, 2, 0).numpy(), _results()['img'])
    assert ds.metainfo['input_size'] == (12, 16)
    assert ds.metainfo['hr_input_size'] == (48, 64) and ds.metainfo['sr_scale'] == 4
    np.testing.assert_allclose(ds.gt_instances.hr_keypoints[0, 2].numpy(), [47, 63])
    np.testing.assert_allclose(ds.gt_instances.keypoints[0, 0], [104, 108])  # image space


def test_pack_without_hr_and_require_hr():
    res = _results()
    out = PackSRPoseInputs()(dict(res))  # real LR input: no HR target at all
    assert 'hr_img' not in out['data_samples']
    assert 'sr_scale' not in out['data_samples'].metainfo
    with pytest.raises(ValueError, match='img_hr'):
        PackSRPoseInputs(require_hr=True)(dict(res))
