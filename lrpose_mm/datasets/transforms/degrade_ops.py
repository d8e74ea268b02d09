"""Shared pieces of the LR degradation transforms (``LowResDegrade``, ``CameraLowResDegrade``).

Both transforms validate their options, draw their random numbers and write
their output keys through these functions, so the two paths draw blur, noise
and JPEG the same way and hand the rest of the pipeline the same keys.
"""
import zlib
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np


def check_range(owner: str, name: str, value, low: float,
                high: float) -> Optional[Tuple[float, float]]:
    """Validate an optional ``(lo, hi)`` range option; a number means ``(v, v)``."""
    if value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        value = (value, value)
    try:
        ok = len(value) == 2 and bool(low <= value[0] <= value[1] <= high)
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(f'{owner}.{name} must be a (lo, hi) range with '
                         f'{low} <= lo <= hi <= {high}, got {value!r}')
    return float(value[0]), float(value[1])


def check_prob(owner: str, name: str, value: float) -> float:
    """Validate a probability option."""
    if not isinstance(value, (int, float, np.integer, np.floating)) or not 0.0 <= value <= 1.0:
        raise ValueError(f'{owner}.{name} must be in [0, 1], got {value!r}')
    return float(value)


def sample_rng(results: dict, deterministic: bool, seed: int):
    """A per-sample Generator seeded by ``seed``, ``img_id`` and ``id``
    (``deterministic``, for evaluation) or numpy's global RNG (training,
    seeded by mmengine's ``randomness``)."""
    if not deterministic:
        return np.random
    key = [int(seed)]
    for k in ('img_id', 'id'):
        v = results.get(k)
        if isinstance(v, (int, np.integer)) and v >= 0:
            key.append(int(v))
    if len(key) == 1:
        key.append(zlib.crc32(str(results.get('img_path', '')).encode()))
    return np.random.default_rng(key)


def draw_blur_sigma(rng, blur_sigma: Optional[Tuple[float, float]],
                    blur_prob: float) -> float:
    """The extra Gaussian blur sigma of one sample (0: no blur)."""
    if blur_sigma is not None and rng.random() < blur_prob:
        return float(rng.uniform(*blur_sigma))
    return 0.0


def gaussian_blur(x: np.ndarray, sigma_x: float, sigma_y: Optional[float] = None) -> np.ndarray:
    """Gaussian blur of a float HxWxC image (reflected border); the shape is kept."""
    out = cv2.GaussianBlur(x, (0, 0), sigma_x, sigmaY=sigma_x if sigma_y is None else sigma_y,
                           borderType=cv2.BORDER_REFLECT)
    return out.reshape(x.shape)


def add_noise(x: np.ndarray, rng, noise_sigma: Optional[Tuple[float, float]], noise_prob: float,
              poisson_peak: Optional[Tuple[float, float]], poisson_prob: float) -> np.ndarray:
    """Gaussian then Poisson noise on a float image in 0..255 units."""
    if noise_sigma is not None and rng.random() < noise_prob:
        x = x + rng.normal(0.0, rng.uniform(*noise_sigma), x.shape).astype(np.float32)
    if poisson_peak is not None and rng.random() < poisson_prob:
        peak = rng.uniform(*poisson_peak)
        x = rng.poisson(np.clip(x, 0, 255) / 255.0 * peak).astype(np.float32) / peak * 255.0
    return x


def quantize_jpeg(x: np.ndarray, rng, jpeg_quality: Optional[Tuple[float, float]],
                  jpeg_prob: float) -> np.ndarray:
    """Round a float HxWxC image to uint8, then JPEG it (cv2) when drawn."""
    lr = np.clip(np.round(x), 0, 255).astype(np.uint8)
    if jpeg_quality is not None and rng.random() < jpeg_prob:
        q = int(round(rng.uniform(*jpeg_quality)))
        ok, buf = cv2.imencode('.jpg', lr, [int(cv2.IMWRITE_JPEG_QUALITY), q])
        if ok:
            lr = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED).reshape(lr.shape)
    return lr


def as_hwc_float(img: np.ndarray) -> np.ndarray:
    """A float32 HxWxC copy of an HxW or HxWxC image."""
    x = img.astype(np.float32)
    return x[..., None] if x.ndim == 2 else x


def like_input(lr: np.ndarray, img: np.ndarray) -> np.ndarray:
    """Give the LR HxWxC result the layout of the input (HxW stays HxW)."""
    return lr[..., 0] if img.ndim == 2 else lr


def set_lr_results(results: dict, img_hr: np.ndarray, lr: np.ndarray, model_scale: int,
                   degrade_scale: int, keep_hr: bool) -> dict:
    """Write the LR input and the coordinate-contract keys (see ``LowResDegrade``)."""
    h, w = img_hr.shape[:2]
    if keep_hr:
        results['img_hr'] = img_hr
    results['img'] = lr
    results['img_shape'] = lr.shape[:2]
    results['hr_input_size'] = (w, h)
    results['input_size'] = (w // model_scale, h // model_scale)
    results['sr_scale'] = model_scale
    results['degrade_scale'] = degrade_scale
    results['coord_mode'] = 'hr_crop'
    kpts = results.get('transformed_keypoints')
    if isinstance(kpts, np.ndarray) and kpts.ndim >= 2:
        results['hr_transformed_keypoints'] = kpts.copy()
        kpts = kpts.astype(np.float32, copy=True)
        kpts[..., :2] /= model_scale
        results['transformed_keypoints'] = kpts
    return results


def check_kernel_names(owner: str, name: str, value: Sequence[str],
                       allowed: Sequence[str]) -> Tuple[str, ...]:
    """Validate a non-empty list of kernel names without repeats."""
    if isinstance(value, str):
        value = (value, )
    try:
        names = tuple(value)
    except TypeError:
        names = ()
    if not names or len(set(names)) != len(names) or any(k not in allowed for k in names):
        raise ValueError(f'{owner}.{name} must be a non-empty list of distinct names from '
                         f'{tuple(allowed)}, got {value!r}')
    return names
