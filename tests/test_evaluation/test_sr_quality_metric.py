"""SRQualityMetric: PSNR/SSIM values, Y channel, errors, and use through an Evaluator."""
import math

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmpose.registry import METRICS

import lrpose_mm.evaluation  # noqa: F401
from lrpose_mm.evaluation import SRQualityMetric
from lrpose_mm.evaluation.sr_quality_metric import bgr_to_y, psnr, ssim

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')


def _pair(seed=0, h=24, w=20, offset=0.0):
    g = torch.Generator().manual_seed(seed)
    hr = torch.randint(20, 230, (3, h, w), generator=g).float()
    return dict(pred_sr_img=hr + offset, gt_hr_img=hr)


def test_psnr_ssim_known_values():
    a = np.full((16, 16, 3), 100.0)
    assert psnr(a + 5, a) == pytest.approx(20 * math.log10(255 / 5))
    assert psnr(a, a) == math.inf   # BasicSR/MMagic: no cap
    rng = np.random.default_rng(0)
    b = rng.uniform(0, 255, (32, 32, 3))
    assert ssim(b, b) == pytest.approx(1.0)
    assert ssim(b + rng.normal(0, 20, b.shape), b) < 0.99
    # flat images: SSIM reduces to the luminance term (2 m1 m2 + C1) / (m1^2 + m2^2 + C1)
    c1 = (0.01 * 255) ** 2
    expected = (2 * 100 * 110 + c1) / (100 ** 2 + 110 ** 2 + c1)
    assert ssim(a + 10, a) == pytest.approx(expected)
    # Y of BT.601 (MATLAB rgb2ycbcr): black 16, white 235; input is BGR
    assert bgr_to_y(np.zeros((1, 1, 3)))[0, 0, 0] == pytest.approx(16.0)
    assert bgr_to_y(np.full((1, 1, 3), 255.0))[0, 0, 0] == pytest.approx(235.0, abs=1e-3)
    red_bgr = np.array([[[0.0, 0.0, 255.0]]])
    assert bgr_to_y(red_bgr)[0, 0, 0] == pytest.approx(16 + 65.481, abs=1e-3)
    with pytest.raises(ValueError, match='at least 11x11'):
        ssim(np.zeros((10, 30, 3)), np.zeros((10, 30, 3)))


@pytest.mark.parametrize('shape,noise', [((40, 36, 3), 12.0), ((64, 48, 3), 3.0),
                                         ((11, 11, 3), 30.0)])
def test_psnr_ssim_match_scikit_image(shape, noise):
    """Reference values from scikit-image (Wang et al. 2004 settings: Gaussian
    sigma 1.5, population covariance, data range 255), RGB and Y (skimage's
    ``rgb2ycbcr`` on RGB 0..1 gives the same BT.601 luma 16..235)."""
    metrics = pytest.importorskip('skimage.metrics')
    from skimage.color import rgb2ycbcr
    rng = np.random.default_rng(1)
    hr = rng.integers(0, 256, shape).astype(np.float64)
    sr = np.clip(hr + rng.normal(0, noise, shape), 0, 255).round()
    kw = dict(data_range=255, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
    assert psnr(sr, hr) == pytest.approx(metrics.peak_signal_noise_ratio(hr, sr, data_range=255),
                                         rel=1e-12)
    assert ssim(sr, hr) == pytest.approx(metrics.structural_similarity(hr, sr, channel_axis=-1,
                                                                       **kw), rel=1e-9)
    y_sr = rgb2ycbcr(sr[..., ::-1] / 255.0)[..., 0]
    y_hr = rgb2ycbcr(hr[..., ::-1] / 255.0)[..., 0]
    np.testing.assert_allclose(bgr_to_y(sr)[..., 0], y_sr, atol=1e-9)
    assert psnr(bgr_to_y(sr), bgr_to_y(hr)) == pytest.approx(
        metrics.peak_signal_noise_ratio(y_hr, y_sr, data_range=255), rel=1e-9)
    assert ssim(bgr_to_y(sr), bgr_to_y(hr)) == pytest.approx(
        metrics.structural_similarity(y_hr, y_sr, **kw), rel=1e-9)


def test_crop_border_defaults_to_the_sr_scale():
    """SR papers crop ``scale`` pixels at each border: the default reads the
    sample's ``sr_scale``; an error in the outer ring does not count."""
    pair = _pair(0, h=32, w=28)
    sr = pair['gt_hr_img'].clone()
    sr[:, :4, :] += 50   # only the top 4 rows differ
    metric = SRQualityMetric()
    metric.process({}, [dict(pred_sr_img=sr, gt_hr_img=pair['gt_hr_img'], sr_scale=4)])
    assert metric.results[0]['PSNR'] == math.inf
    metric = SRQualityMetric()
    metric.process({}, [dict(pred_sr_img=sr, gt_hr_img=pair['gt_hr_img'], sr_scale=2)])
    assert metric.results[0]['PSNR'] < 40
    with pytest.raises(ValueError, match='sr_scale'):
        SRQualityMetric().process({}, [pair])


def test_metric_process_and_compute():
    metric = METRICS.build(dict(type='SRQualityMetric', crop_border=0))
    assert isinstance(metric, SRQualityMetric)
    metric.process({}, [_pair(0, offset=4.0), _pair(1, offset=1.0)])
    res = metric.compute_metrics(metric.results)
    assert res['PSNR'] == pytest.approx((20 * math.log10(255 / 4) + 20 * math.log10(255)) / 2)
    assert res['PSNR_Y'] > res['PSNR']  # a uniform +4 on every channel is < 4 in Y
    assert 0.9 < res['SSIM'] <= 1.0 and 0.9 < res['SSIM_Y'] <= 1.0


def test_metric_errors_and_skip():
    metric = SRQualityMetric(crop_border=0)
    with pytest.raises(ValueError, match='gt_hr_img'):
        metric.process({}, [dict(pred_sr_img=torch.zeros(3, 8, 8))])
    with pytest.raises(ValueError, match='output_sr'):
        metric.process({}, [dict(gt_hr_img=torch.zeros(3, 8, 8))])
    with pytest.raises(ValueError, match='differ in size'):
        metric.process({}, [dict(pred_sr_img=torch.zeros(3, 4, 4), gt_hr_img=torch.zeros(3, 8, 8))])
    with pytest.raises(ValueError, match='on_missing'):
        SRQualityMetric(on_missing='ignore')
    skip = SRQualityMetric(crop_border=0, on_missing='skip')
    skip.process({}, [dict(pred_sr_img=torch.zeros(3, 8, 8)), _pair(0, offset=2.0)])
    res = skip.compute_metrics(skip.results)
    assert res['num_skipped'] == 1 and res['PSNR'] == pytest.approx(20 * math.log10(255 / 2))


def test_metric_in_evaluator_with_estimator_outputs():
    """The estimator's predictions carry pred_sr_img/gt_hr_img; the Evaluator prefixes 'sr/'."""
    from mmpose.structures import PoseDataSample
    ds = PoseDataSample()
    pair = _pair(0, offset=3.0)
    ds.pred_sr_img, ds.gt_hr_img = pair['pred_sr_img'], pair['gt_hr_img']
    evaluator = Evaluator([dict(type='SRQualityMetric', crop_border=2)])
    evaluator.process([ds], data_batch={})
    res = evaluator.evaluate(1)
    assert set(res) == {'sr/PSNR', 'sr/SSIM', 'sr/PSNR_Y', 'sr/SSIM_Y'}
    assert res['sr/PSNR'] == pytest.approx(20 * math.log10(255 / 3))
