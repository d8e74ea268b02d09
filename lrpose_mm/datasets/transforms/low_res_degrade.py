"""Turn the HR top-down crop into the LR network input (simulated low resolution)."""
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS

from .degrade_ops import (
    add_noise,
    as_hwc_float,
    check_prob,
    check_range,
    draw_blur_sigma,
    gaussian_blur,
    like_input,
    quantize_jpeg,
    sample_rng,
    set_lr_results,
)

KERNELS = ('bicubic', 'area', 'bilinear', 'gaussian')


@TRANSFORMS.register_module()
class LowResDegrade(BaseTransform):
    """Degrade the HR crop to the LR input; keep the HR crop as the SR target.

    Runs after ``TopdownAffine`` at the HR size (and, for SR variants, after
    ``GenerateTarget`` with the codec at the HR size). Order of operations:
    optional Gaussian blur (HR) -> downsampling by ``scale`` with ``kernel`` ->
    optional resize to ``model_scale`` -> optional Gaussian noise -> optional
    Poisson noise -> optional JPEG. All resampling uses the half-pixel (pixel
    centre) convention, so an SR output of ``scale`` x the LR size lies exactly
    on the HR crop's pixel grid.

    Coordinate contract: ``input_size`` becomes the LR size actually fed to the
    model, ``transformed_keypoints`` are divided by the model scale (kept at
    HR in ``hr_transformed_keypoints``), ``sr_scale`` / ``hr_input_size``
    are recorded, and ``coord_mode='hr_crop'`` tells the estimator that the
    input lies on the HR crop's grid (see ``SRTopdownPoseEstimator``).
    ``input_center`` / ``input_scale`` are unchanged, so MMPose's
    input-space -> image-space mapping stays valid.

    Args:
        scale (int | Sequence[int]): downsampling factor; a list samples one
            per sample (multi-scale training).
        kernel (str): 'bicubic' | 'bilinear' (antialiased, like PIL/MATLAB),
            'area', or 'gaussian' (Gaussian blur with ``kernel_sigma`` then
            subsampling).
        kernel_sigma (float, optional): blur sigma (HR pixels) of the
            'gaussian' kernel. Defaults to ``0.4 * scale``.
        blur_sigma (tuple, optional): extra Gaussian blur sigma range (HR
            pixels), applied with probability ``blur_prob``.
        noise_sigma (tuple, optional): Gaussian noise std range (0..255
            units), applied with probability ``noise_prob``.
        poisson_peak (tuple, optional): Poisson (shot) noise; the photon count
            of a white pixel is sampled from this range (smaller = noisier),
            applied with probability ``poisson_prob``.
        jpeg_quality (tuple, optional): JPEG quality range (1..100), applied
            with probability ``jpeg_prob``.
        model_scale (int, optional): if set, the degraded image is resized
            (bicubic) to ``HR / model_scale`` so every sample has the model's
            input size whatever ``scale`` was sampled; ``sr_scale`` is then
            ``model_scale``. Without it a list ``scale`` gives per-sample LR
            sizes, which a batch can only hold if they agree.
        deterministic (bool): use a per-sample RNG seeded by ``seed``,
            ``img_id`` and ``id`` so the same sample is always degraded the
            same way (test pipelines). Otherwise numpy's global RNG is used
            (seeded by mmengine's ``randomness``).
        seed (int): base seed for ``deterministic``.
        keep_hr (bool): store the HR crop as ``img_hr``. Defaults to True.
    """

    def __init__(self,
                 scale: Union[int, Sequence[int]] = 4,
                 kernel: str = 'bicubic',
                 kernel_sigma: Optional[float] = None,
                 blur_sigma: Optional[Sequence[float]] = None,
                 blur_prob: float = 1.0,
                 noise_sigma: Optional[Sequence[float]] = None,
                 noise_prob: float = 1.0,
                 poisson_peak: Optional[Sequence[float]] = None,
                 poisson_prob: float = 1.0,
                 jpeg_quality: Optional[Sequence[int]] = None,
                 jpeg_prob: float = 1.0,
                 model_scale: Optional[int] = None,
                 deterministic: bool = False,
                 seed: int = 0,
                 keep_hr: bool = True) -> None:
        scales = list(scale) if isinstance(scale, (list, tuple)) else [scale]
        if not scales or not all(isinstance(s, (int, np.integer)) and s >= 1 for s in scales):
            raise ValueError(f'LowResDegrade.scale must be an int >= 1 or a list of them, '
                             f'got {scale!r}')
        if kernel not in KERNELS:
            raise ValueError(f'LowResDegrade.kernel must be one of {KERNELS}, got {kernel!r}')
        if model_scale is not None and not (isinstance(model_scale, int) and model_scale >= 1):
            raise ValueError(f'LowResDegrade.model_scale must be an int >= 1, got {model_scale!r}')
        if kernel_sigma is not None and kernel_sigma <= 0:
            raise ValueError(f'LowResDegrade.kernel_sigma must be > 0, got {kernel_sigma!r}')
        self.scales = [int(s) for s in scales]
        self.kernel = kernel
        self.kernel_sigma = kernel_sigma
        name = type(self).__name__
        self.blur_sigma = check_range(name, 'blur_sigma', blur_sigma, 0.0, 50.0)
        self.noise_sigma = check_range(name, 'noise_sigma', noise_sigma, 0.0, 255.0)
        self.poisson_peak = check_range(name, 'poisson_peak', poisson_peak, 1e-3, 1e9)
        self.jpeg_quality = check_range(name, 'jpeg_quality', jpeg_quality, 1, 100)
        self.blur_prob = check_prob(name, 'blur_prob', blur_prob)
        self.noise_prob = check_prob(name, 'noise_prob', noise_prob)
        self.poisson_prob = check_prob(name, 'poisson_prob', poisson_prob)
        self.jpeg_prob = check_prob(name, 'jpeg_prob', jpeg_prob)
        self.model_scale = model_scale
        self.deterministic = deterministic
        self.seed = int(seed)
        self.keep_hr = keep_hr

    # ------------------------------------------------------------------ helpers
    def _rng(self, results: dict):
        """A per-sample Generator (deterministic) or numpy's global RNG."""
        return sample_rng(results, self.deterministic, self.seed)

    def _downsample(self, img: np.ndarray, s: int, size: Tuple[int, int]) -> np.ndarray:
        """Downsample a float32 HxWxC image by ``s`` to ``size`` = (w, h)."""
        if s == 1:
            return img
        if self.kernel == 'area':
            return cv2.resize(img, size, interpolation=cv2.INTER_AREA)
        if self.kernel == 'gaussian':
            sigma = self.kernel_sigma if self.kernel_sigma is not None else 0.4 * s
            img = gaussian_blur(img, sigma)
            mode, antialias = 'bilinear', False
        else:
            mode, antialias = self.kernel, True
        t = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)[None]
        t = F.interpolate(t, size=(size[1], size[0]), mode=mode, align_corners=False,
                          antialias=antialias)
        return t[0].permute(1, 2, 0).numpy()

    # ---------------------------------------------------------------- transform
    def transform(self, results: dict) -> dict:
        img = results.get('img')
        if img is None or not isinstance(img, np.ndarray):
            raise ValueError("LowResDegrade needs results['img'] (the HR crop from TopdownAffine "
                             f'at the HR input_size), got {type(img).__name__}')
        rng = self._rng(results)
        s = self.scales[0] if len(self.scales) == 1 else int(rng.choice(self.scales))
        h, w = img.shape[:2]
        ms = self.model_scale or s
        for name, value in (('scale', s), ('model_scale', ms)):
            if h % value or w % value:
                raise ValueError(
                    f'LowResDegrade.{name}={value} does not divide the HR crop size '
                    f'(w={w}, h={h}); set TopdownAffine.input_size to a multiple of it')
        x = as_hwc_float(img)
        sigma = draw_blur_sigma(rng, self.blur_sigma, self.blur_prob)
        if sigma > 0:
            x = gaussian_blur(x, sigma)
        x = self._downsample(x, s, (w // s, h // s)).reshape(h // s, w // s, -1)
        if ms != s:
            t = torch.from_numpy(np.ascontiguousarray(x)).permute(2, 0, 1)[None]
            t = F.interpolate(t, size=(h // ms, w // ms), mode='bicubic', align_corners=False,
                              antialias=ms > s)
            x = t[0].permute(1, 2, 0).numpy()
        x = add_noise(x, rng, self.noise_sigma, self.noise_prob, self.poisson_peak,
                      self.poisson_prob)
        lr = quantize_jpeg(x, rng, self.jpeg_quality, self.jpeg_prob)
        return set_lr_results(results, img, like_input(lr, img), ms, s, self.keep_hr)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scales}, kernel={self.kernel!r}, '
                f'blur_sigma={self.blur_sigma}, noise_sigma={self.noise_sigma}, '
                f'poisson_peak={self.poisson_peak}, jpeg_quality={self.jpeg_quality}, '
                f'model_scale={self.model_scale}, deterministic={self.deterministic})')
