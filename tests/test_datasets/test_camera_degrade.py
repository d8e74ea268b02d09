"""CameraLowResDegrade: frame-then-crop geometry, kernels, phase, determinism and errors."""
import cv2
import numpy as np
import pytest
from mmcv.transforms import Compose
from mmpose.registry import TRANSFORMS
from mmpose.structures.bbox import get_warp_matrix

import lrpose_mm.datasets  # noqa: F401
from lrpose_mm.datasets.transforms import (
    CameraLowResDegrade,
    KeepFrame,
    LowResDegrade,
    PackSRPoseInputs,
)
from lrpose_mm.datasets.transforms.camera_low_res_degrade import CAMERA_KERNELS

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')

HR = (96, 128)  # (w, h)
KP = (150.3, 170.7)  # the dot / keypoint in frame pixels
OFF = dict(antialias_prob=0.0, phase=0.0)  # one fixed draw: no antialiasing, no phase


def _frame(textured=False, gray=False, size=(320, 240)):
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    dot = np.exp(-((xx - KP[0]) ** 2 + (yy - KP[1]) ** 2) / (2 * 3.0 ** 2))
    img = 20 + 220 * dot
    if textured:  # fine stripes that alias differently under every kernel and phase
        img = img + 15 * np.sin(xx * 1.9 + yy * 0.7)
    img = np.clip(img, 0, 255).astype(np.uint8)
    return img if gray else np.repeat(img[..., None], 3, axis=2)


def _cropped(frame=None, rot=None, img_id=1):
    """The HR crop of a person box around the dot, with the frame kept (KeepFrame)."""
    frame = _frame() if frame is None else frame
    res = dict(img=frame, bbox=np.array([[100, 100, 200, 230]], np.float32),
               bbox_score=np.ones(1, np.float32), keypoints=np.array([[KP]], np.float32),
               keypoints_visible=np.ones((1, 1), np.float32), img_id=img_id, id=img_id + 1)
    pipe = [dict(type='GetBBoxCenterScale'), dict(type='KeepFrame'),
            dict(type='TopdownAffine', input_size=HR)]
    res = Compose(pipe[:1])(res)
    if rot is not None:
        res['bbox_rotation'] = np.array([rot], np.float32)
    return Compose(pipe[1:])(res)


def _centroid(img):
    g = np.clip(img[..., 0].astype(np.float64) - np.median(img[..., 0]), 0, None)
    yy, xx = np.mgrid[0:g.shape[0], 0:g.shape[1]]
    return np.array([(g * xx).sum(), (g * yy).sum()]) / g.sum()


def test_registered_and_keys_match_low_res_degrade():
    assert TRANSFORMS.get('CameraLowResDegrade') is CameraLowResDegrade
    assert TRANSFORMS.get('KeepFrame') is KeepFrame
    cam = CameraLowResDegrade(scale=4)(_cropped())
    sim = LowResDegrade(scale=4)(_cropped())
    assert set(cam) - {'camera_degrade'} == set(sim) - {'frame'}
    assert 'frame' not in cam  # dropped once used
    assert cam['img'].shape == (32, 24, 3) and cam['img'].dtype == np.uint8
    for key in ('input_size', 'hr_input_size', 'sr_scale', 'degrade_scale', 'coord_mode',
                'img_shape'):
        assert cam[key] == sim[key], key
    np.testing.assert_array_equal(cam['img_hr'], sim['img_hr'])
    np.testing.assert_allclose(cam['transformed_keypoints'], sim['transformed_keypoints'])
    np.testing.assert_allclose(cam['hr_transformed_keypoints'], sim['hr_transformed_keypoints'])
    packed = PackSRPoseInputs(require_hr=True)(cam)
    assert packed['inputs'].shape == (3, 32, 24)
    assert packed['data_samples'].hr_img.shape == (3, 128, 96)
    assert packed['data_samples'].metainfo['coord_mode'] == 'hr_crop'


@pytest.mark.parametrize('kernel', sorted(CAMERA_KERNELS))
@pytest.mark.parametrize('antialias', [False, True])
def test_keypoint_lands_on_the_hr_crop_grid(kernel, antialias):
    """A dot at the keypoint is found where LowResDegrade puts it: LR pixel j covers
    HR pixels 4j..4j+3, so the dot sits at transformed_keypoints - 3/8 (LR pixels)."""
    t = CameraLowResDegrade(scale=4, kernels=(kernel, ), antialias_prob=float(antialias),
                            phase=(-0.5, 0.5), frame_scale=(2.0, 6.0), deterministic=True)
    for rot in (None, 25.0):
        out = t(_cropped(rot=rot))
        kp = out['transformed_keypoints'][0, 0]
        np.testing.assert_allclose(kp, out['hr_transformed_keypoints'][0, 0] / 4, rtol=1e-6)
        np.testing.assert_allclose(_centroid(out['img']), kp - 3 / 8, atol=0.25)
        assert out['camera_degrade']['kernel'] == kernel
        assert (out['camera_degrade']['antialias_sigma'] > 0) == antialias


def test_frame_is_reduced_before_the_warp():
    """One fixed draw against a direct computation with cv2."""
    frame = _frame(textured=True)
    res = _cropped(frame)
    out = CameraLowResDegrade(scale=4, kernels=('area', ), **OFF)(res)
    small = cv2.resize(frame.astype(np.float32), (80, 60), interpolation=cv2.INTER_AREA)
    # reduced pixel u <-> frame 4u + 1.5; HR-crop pixel x <-> LR pixel (x - 1.5) / 4
    to_frame = np.array([[4, 0, 1.5], [0, 4, 1.5], [0, 0, 1]], np.float64)
    to_hr = np.vstack([get_warp_matrix(res['input_center'], res['input_scale'], 0.0, HR),
                       [0, 0, 1]])
    to_lr = np.array([[0.25, 0, -0.375], [0, 0.25, -0.375], [0, 0, 1]])
    lr = cv2.warpAffine(small, (to_lr @ to_hr @ to_frame)[:2], (24, 32), flags=cv2.INTER_LINEAR)
    np.testing.assert_array_equal(out['img'], np.clip(np.round(lr), 0, 255).astype(np.uint8))
    # and it is not the crop taken first (TopdownAffine straight from the full frame)
    crop_first = cv2.warpAffine(frame, (to_lr @ to_hr)[:2], (24, 32), flags=cv2.INTER_LINEAR)
    assert np.abs(crop_first.astype(int) - out['img']).mean() > 2


def test_phase_changes_the_samples_not_the_geometry():
    outs = {}
    for p in (0.0, 0.25, -0.4):
        t = CameraLowResDegrade(scale=4, kernels=('bilinear', ), antialias_prob=0.0, phase=p)
        outs[p] = t(_cropped(_frame(textured=True)))['img'].astype(int)
        dot = t(_cropped())
        np.testing.assert_allclose(_centroid(dot['img']),
                                   dot['transformed_keypoints'][0, 0] - 3 / 8, atol=0.25)
    assert np.abs(outs[0.0] - outs[0.25]).mean() > 1
    assert np.abs(outs[0.25] - outs[-0.4]).mean() > 1


def test_every_kernel_gives_its_own_image():
    imgs = [CameraLowResDegrade(scale=4, kernels=(k, ), **OFF)(_cropped(_frame(textured=True)))
            ['img'].astype(int) for k in sorted(CAMERA_KERNELS)]
    for i in range(len(imgs)):
        for j in range(i):
            assert np.abs(imgs[i] - imgs[j]).mean() > 0.5


def test_kernel_prob_and_draws():
    np.random.seed(0)
    t = CameraLowResDegrade(kernels=('area', 'bicubic'), kernel_prob=[0.0, 1.0])
    assert {t(_cropped())['camera_degrade']['kernel'] for _ in range(5)} == {'bicubic'}
    t = CameraLowResDegrade(kernels=('area', 'bilinear', 'bicubic'), antialias_prob=0.5,
                            frame_scale=(2.0, 8.0), phase=(-0.5, 0.5))
    draws = [t.draw(np.random, 100.0, 32) for _ in range(200)]
    assert {d['kernel'] for d in draws} == {'area', 'bilinear', 'bicubic'}
    assert 0.3 < np.mean([d['antialias_sigma'] > 0 for d in draws]) < 0.7
    assert all(2.0 <= d['frame_scale'] <= 8.0 for d in draws)
    assert all(-0.5 <= v <= 0.5 for d in draws for v in d['phase'])


def test_crop_ratio_sets_the_frame_factor_from_the_person():
    res = _cropped()
    region_h = float(res['input_scale'][1])
    out = CameraLowResDegrade(scale=4, crop_ratio=(1.5, 1.5))(res)
    assert out['camera_degrade']['frame_scale'] == pytest.approx(region_h / (32 * 1.5))
    out = CameraLowResDegrade(scale=4, crop_ratio=50.0)(_cropped())
    assert out['camera_degrade']['frame_scale'] == 1.0  # never enlarges the frame


def test_deterministic_and_extras():
    extras = dict(blur_sigma=(0.5, 2.0), noise_sigma=(3, 8), poisson_peak=(30, 60),
                  jpeg_quality=(40, 70))
    t = CameraLowResDegrade(**extras, deterministic=True)
    a = t(_cropped(_frame(textured=True)))
    b = t(_cropped(_frame(textured=True)))
    c = t(_cropped(_frame(textured=True), img_id=5))
    np.testing.assert_array_equal(a['img'], b['img'])
    assert a['camera_degrade'] == b['camera_degrade']
    assert not np.array_equal(a['img'], c['img'])
    # with the camera's own draws fixed, the extras change the image, and probability 0 keeps it
    fixed = dict(kernels=('area', ), **OFF, deterministic=True)
    plain = CameraLowResDegrade(**fixed)(_cropped(_frame(textured=True)))
    extra = CameraLowResDegrade(**extras, **fixed)(_cropped(_frame(textured=True)))
    assert np.abs(extra['img'].astype(int) - plain['img']).mean() > 1
    off = CameraLowResDegrade(**extras, blur_prob=0, noise_prob=0, poisson_prob=0, jpeg_prob=0,
                              **fixed)(_cropped(_frame(textured=True)))
    np.testing.assert_array_equal(off['img'], plain['img'])


def test_grayscale_frame():
    out = CameraLowResDegrade(noise_sigma=(1, 2), jpeg_quality=(60, 80))(
        _cropped(_frame(gray=True)))
    assert out['img'].shape == (32, 24) and out['img'].dtype == np.uint8


def test_mix_with_random_choice():
    np.random.seed(1)
    mix = TRANSFORMS.build(dict(type='RandomChoice', prob=[0.5, 0.5], transforms=[
        [dict(type='LowResDegrade', scale=4)], [dict(type='CameraLowResDegrade', scale=4)]]))
    paths = {'camera_degrade' in mix(_cropped()) for _ in range(12)}
    assert paths == {True, False}


@pytest.mark.parametrize('kwargs,match', [
    (dict(scale=0), r'CameraLowResDegrade\.scale'),
    (dict(kernels=('lanczos', )), r'CameraLowResDegrade\.kernels'),
    (dict(kernels=()), r'CameraLowResDegrade\.kernels'),
    (dict(kernels=('area', 'bicubic'), kernel_prob=[1.0]), r'CameraLowResDegrade\.kernel_prob'),
    (dict(kernels=('area', 'bicubic'), kernel_prob=[0.7, 0.7]),
     r'CameraLowResDegrade\.kernel_prob'),
    (dict(phase=(0.5, -0.5)), r'CameraLowResDegrade\.phase'),
    (dict(phase=(-2, 0)), r'CameraLowResDegrade\.phase'),
    (dict(frame_scale=0.5), r'CameraLowResDegrade\.frame_scale'),
    (dict(crop_ratio=(0, 1)), r'CameraLowResDegrade\.crop_ratio'),
    (dict(frame_scale=4, crop_ratio=(1, 2)), 'frame_scale or crop_ratio'),
    (dict(antialias_prob=1.5), r'CameraLowResDegrade\.antialias_prob'),
    (dict(antialias_sigma=(-1, 1)), r'CameraLowResDegrade\.antialias_sigma'),
    (dict(noise_prob=-0.1), r'CameraLowResDegrade\.noise_prob'),
    (dict(jpeg_quality=(0, 50)), r'CameraLowResDegrade\.jpeg_quality'),
])
def test_bad_options_name_the_option(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CameraLowResDegrade(**kwargs)


def test_bad_input_says_what_is_missing():
    res = _cropped()
    res.pop('frame')
    with pytest.raises(ValueError, match='KeepFrame'):
        CameraLowResDegrade()(res)
    with pytest.raises(ValueError, match=r'scale=5 does not divide.*w=96, h=128'):
        CameraLowResDegrade(scale=5)(_cropped())
    with pytest.raises(ValueError, match='input_center'):
        CameraLowResDegrade()(dict(img=np.zeros((128, 96, 3), np.uint8),
                                   frame=np.zeros((240, 320, 3), np.uint8)))
    with pytest.raises(ValueError, match="results\\['img'\\]"):
        KeepFrame()(dict(img_id=1))
