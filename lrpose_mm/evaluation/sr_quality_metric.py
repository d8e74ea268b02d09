"""PSNR/SSIM of the SR crops against the HR crops, beside CocoMetric.

The convention is the SR literature's (BasicSR's ``calculate_psnr`` /
``calculate_ssim``, MMagic's ``PSNR``/``SSIM`` metrics), so the numbers compare
with published SR tables: images rounded to 0..255 integers first, ``scale``
pixels cropped at each border, PSNR with peak 255 and no cap (identical crops
give ``inf``), SSIM with the 11x11 Gaussian window over valid positions, both
on the RGB channels (mean over channels) and on the BT.601 luma ``Y``.
``tests/test_evaluation/test_sr_metric.py`` checks the values against
scikit-image's ``skimage.metrics``.
"""
from typing import Any, Dict, List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpose.registry import METRICS

#: the smallest side SSIM's 11x11 window needs (after the border crop)
SSIM_WINDOW = 11


def _to_hwc(img: Any) -> np.ndarray:
    """(3, H, W) tensor/array, 0..255 BGR -> (H, W, 3) float64."""
    if isinstance(img, torch.Tensor):
        img = img.detach().cpu().numpy()
    img = np.asarray(img, dtype=np.float64)
    if img.ndim == 3 and img.shape[0] in (1, 3):
        img = img.transpose(1, 2, 0)
    return img


def bgr_to_y(img: np.ndarray) -> np.ndarray:
    """Luma (ITU-R BT.601, MATLAB ``rgb2ycbcr`` range 16..235) of a BGR 0..255
    image, as BasicSR's ``to_y_channel``: ``(H, W, 1)`` float64, not rounded."""
    b, g, r = img[..., 0], img[..., 1], img[..., 2]
    return (16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0)[..., None]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two 0..255 images (peak 255); identical images give
    ``inf``, as in BasicSR and MMagic (no cap)."""
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float('inf') if mse == 0 else float(10.0 * np.log10(255.0 ** 2 / mse))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two ``(H, W, C)`` 0..255 images, averaged over channels.

    Wang et al. 2004 as BasicSR/MMagic compute it: Gaussian 11x11 window
    (sigma 1.5), ``C1 = (0.01 * 255)^2``, ``C2 = (0.03 * 255)^2``, the mean
    over the *valid* window positions (5 pixels left out at each border), so
    both sides must be at least 11 pixels.
    """
    if min(a.shape[:2]) < SSIM_WINDOW:
        raise ValueError(f'SSIM needs images of at least {SSIM_WINDOW}x{SSIM_WINDOW} pixels '
                         f'(its Gaussian window), got {a.shape[1]}x{a.shape[0]}')
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    win = cv2.getGaussianKernel(SSIM_WINDOW, 1.5)
    win = win @ win.T
    half = SSIM_WINDOW // 2

    def filt(z):
        return cv2.filter2D(z, -1, win)[half:-half, half:-half]

    vals = []
    for c in range(a.shape[2]):
        x, y = a[..., c].astype(np.float64), b[..., c].astype(np.float64)
        mx, my = filt(x), filt(y)
        sxx, syy, sxy = filt(x * x) - mx ** 2, filt(y * y) - my ** 2, filt(x * y) - mx * my
        m = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (sxx + syy + c2))
        vals.append(float(m.mean()))
    return float(np.mean(vals))


@METRICS.register_module()
class SRQualityMetric(BaseMetric):
    """PSNR and SSIM of the SR output vs the HR target on the pose crops.

    Use it beside ``CocoMetric`` in ``val_evaluator=[...]``. It reads
    ``pred_sr_img`` and ``gt_hr_img`` (float (3, H, W), 0..255, BGR) from each
    predicted sample; ``SRTopdownPoseEstimator`` attaches them when
    ``test_cfg.output_sr`` is True, or is None (default) and the batch carries
    HR targets (``LowResDegrade`` + ``PackSRPoseInputs``). Reports
    ``sr/PSNR``, ``sr/SSIM`` (RGB, mean over channels) and ``sr/PSNR_Y``,
    ``sr/SSIM_Y`` (luma), averaged over crops, in the convention of the
    module docstring (an identical crop makes the mean PSNR ``inf``).

    Args:
        crop_border (int, optional): pixels removed at each border before
            scoring. None (default) removes the sample's SR scale (metainfo
            ``sr_scale``, recorded by ``LowResDegrade``), as SR papers do.
        quantize (bool): round both images to integers 0..255 first, like
            saved images (standard SR evaluation). Defaults to True.
        on_missing (str): 'error' (default) raises a ValueError when a sample
            has no SR image or no HR target of the same size; 'skip' skips such
            samples (e.g. LR-direct, HR oracle) and reports ``sr/num_skipped``.
        collect_device, prefix: as :class:`mmengine.evaluator.BaseMetric`.
    """
    default_prefix: Optional[str] = 'sr'

    def __init__(self,
                 crop_border: Optional[int] = None,
                 quantize: bool = True,
                 on_missing: str = 'error',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if on_missing not in ('error', 'skip'):
            raise ValueError(f"SRQualityMetric.on_missing must be 'error' or 'skip', "
                             f'got {on_missing!r}')
        if crop_border is not None and crop_border < 0:
            raise ValueError(f'SRQualityMetric.crop_border must be >= 0, got {crop_border}')
        self.crop_border = None if crop_border is None else int(crop_border)
        self.quantize = quantize
        self.on_missing = on_missing

    def _missing(self, msg: str) -> None:
        if self.on_missing == 'error':
            raise ValueError(f'SRQualityMetric: {msg} (set on_missing="skip" to ignore)')
        self.results.append(dict(skipped=1))

    def _border(self, ds: dict) -> int:
        if self.crop_border is not None:
            return self.crop_border
        scale = ds.get('sr_scale')
        if scale is None:
            raise ValueError('SRQualityMetric: crop_border=None crops the SR scale, but the '
                             'sample has no sr_scale in its metainfo (LowResDegrade + '
                             'PackSRPoseInputs record it); give crop_border explicitly')
        return int(round(float(scale)))

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        for ds in data_samples:
            sr, hr = ds.get('pred_sr_img'), ds.get('gt_hr_img')
            if sr is None:
                self._missing('a prediction has no pred_sr_img: use SRTopdownPoseEstimator with '
                              'model.test_cfg.output_sr=True (or None with HR targets)')
                continue
            if hr is None:
                self._missing('a prediction has no HR target (gt_hr_img): the test pipeline '
                              'needs LowResDegrade(keep_hr=True) + PackSRPoseInputs')
                continue
            a, b = _to_hwc(sr), _to_hwc(hr)
            if a.shape != b.shape:
                self._missing(f'SR crop {a.shape[:2]} and HR crop {b.shape[:2]} differ in size '
                              '(no SR in this model?)')
                continue
            if self.quantize:
                a, b = np.round(np.clip(a, 0, 255)), np.round(np.clip(b, 0, 255))
            cb = self._border(ds)
            if cb:
                a, b = a[cb:-cb, cb:-cb], b[cb:-cb, cb:-cb]
            ya, yb = bgr_to_y(a), bgr_to_y(b)
            self.results.append(dict(skipped=0, PSNR=psnr(a, b), SSIM=ssim(a, b),
                                     PSNR_Y=psnr(ya, yb), SSIM_Y=ssim(ya, yb)))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        scored = [r for r in results if not r['skipped']]
        out: Dict[str, float] = {}
        if scored:
            for k in ('PSNR', 'SSIM', 'PSNR_Y', 'SSIM_Y'):
                out[k] = float(np.mean([r[k] for r in scored]))
        skipped = len(results) - len(scored)
        if skipped:
            out['num_skipped'] = float(skipped)
            print_log(f'SRQualityMetric skipped {skipped} of {len(results)} samples',
                      logger='current')
        return out
