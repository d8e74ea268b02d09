"""Make the LR network input the way a camera does: reduce the whole frame, then crop."""
import math
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS
from mmpose.structures.bbox import get_udp_warp_matrix, get_warp_matrix

from .degrade_ops import (
    add_noise,
    as_hwc_float,
    check_kernel_names,
    check_prob,
    check_range,
    draw_blur_sigma,
    gaussian_blur,
    like_input,
    quantize_jpeg,
    sample_rng,
    set_lr_results,
)

#: resampling kernels of the frame reduction (cv2 interpolation flags)
CAMERA_KERNELS = {'area': cv2.INTER_AREA, 'bilinear': cv2.INTER_LINEAR,
                  'bicubic': cv2.INTER_CUBIC, 'nearest': cv2.INTER_NEAREST}


def _affine3(m: np.ndarray) -> np.ndarray:
    return np.vstack([np.asarray(m, np.float64).reshape(2, 3), [0.0, 0.0, 1.0]])


def reduce_frame(frame: np.ndarray, factor: float, kernel: str, phase: Tuple[float, float],
                 antialias_sigma: float = 0.0) -> Tuple[np.ndarray, np.ndarray]:
    """Reduce a float32 HxWxC frame by ``factor`` like a camera's resampler.

    The reduced size is ``round(W / factor) x round(H / factor)`` (at least 1
    pixel); the actual factors per axis are ``W / w'`` and ``H / h'``. The
    sampling grid is shifted by ``phase`` (reduced-frame pixels, x and y) from
    the pixel-centre alignment of ``cv2.resize``. ``antialias_sigma`` > 0
    Gaussian-blurs the frame first (sigma in reduced-frame pixels).

    Kernels: 'bilinear', 'bicubic' and 'nearest' sample the frame with one
    ``cv2.warpAffine`` on the shifted grid (point sampling: aliasing unless
    antialiased); 'area' shifts the frame by a translation (``cv2.warpAffine``,
    bilinear) and averages with ``cv2.resize(..., INTER_AREA)``.

    Returns:
        (reduced, to_frame): the reduced HxWxC frame and the 3x3 matrix that
        maps reduced-frame pixel coordinates to frame pixel coordinates.
    """
    h, w = frame.shape[:2]
    w2, h2 = max(1, int(round(w / factor))), max(1, int(round(h / factor)))
    fx, fy = w / w2, h / h2
    x = frame
    if antialias_sigma > 0:
        x = gaussian_blur(x, antialias_sigma * fx, antialias_sigma * fy)
    # reduced pixel (u, v) samples frame point (fx (u + 0.5) - 0.5 + px fx, ...)
    to_frame = np.array([[fx, 0.0, 0.5 * fx - 0.5 + phase[0] * fx],
                         [0.0, fy, 0.5 * fy - 0.5 + phase[1] * fy],
                         [0.0, 0.0, 1.0]])
    flags = cv2.WARP_INVERSE_MAP
    if kernel == 'area':
        if phase[0] or phase[1]:
            shift = np.array([[1.0, 0.0, phase[0] * fx], [0.0, 1.0, phase[1] * fy]])
            x = cv2.warpAffine(x, shift, (w, h), flags=cv2.INTER_LINEAR | flags,
                               borderMode=cv2.BORDER_REPLICATE).reshape(x.shape)
        out = cv2.resize(x, (w2, h2), interpolation=cv2.INTER_AREA)
    else:
        out = cv2.warpAffine(x, to_frame[:2], (w2, h2), flags=CAMERA_KERNELS[kernel] | flags,
                             borderMode=cv2.BORDER_REPLICATE)
    return out.reshape(h2, w2, -1), to_frame


@TRANSFORMS.register_module()
class CameraLowResDegrade(BaseTransform):
    """Make the LR input from the whole frame, as a camera farther away would.

    ``LowResDegrade`` shrinks the HR person crop, which lies exactly on the LR
    grid. A camera instead samples the whole scene at low resolution, and the
    person is then cropped from that low-resolution frame (real LR input:
    ``TopdownAffine`` straight to the LR size). This transform does the same,
    with the camera's unknowns drawn at random:

    1. optional blur of the frame (``blur_sigma``, drawn as in
       ``LowResDegrade`` in HR-crop pixels and converted to frame pixels);
    2. reduction of the whole frame by ``frame_scale`` (or to the person size
       given by ``crop_ratio``) with a kernel drawn from ``kernels``, Gaussian
       antialiasing with probability ``antialias_prob`` and a sub-pixel
       ``phase`` of the sampling grid (:func:`reduce_frame`);
    3. a bilinear warp of the person from the reduced frame to the LR crop
       (HR size / ``scale``), placed on the HR crop's grid: LR pixel ``j``
       covers HR-crop pixels ``scale*j .. scale*j + scale - 1``, as in
       ``LowResDegrade``, so the HR crop stays the SR target and the keys,
       ``coord_mode='hr_crop'`` and the keypoints are those of
       ``LowResDegrade``;
    4. Gaussian and Poisson noise, rounding and JPEG, drawn as in
       ``LowResDegrade``.

    Geometry is exact whatever is drawn (the phase changes which samples are
    taken, not where the person lands). Resampling is cv2's (the library
    ``TopdownAffine`` and the real-LR data use). MMagic's
    ``random_degradations`` is not used: MMagic is not in this stack, and its
    pipeline degrades a given crop, where the point here is to reduce the
    frame before the crop.

    Put ``KeepFrame`` right before ``TopdownAffine`` (the crop replaces
    ``img``); place this transform where ``LowResDegrade`` would go (after
    ``GenerateTarget`` at the HR size). To train on both paths, wrap the two
    in mmcv's ``RandomChoice``.

    Required Keys: img (HR crop), frame, input_center, input_scale,
    bbox_rotation (optional), transformed_keypoints (optional)

    Modified Keys: img, img_shape, input_size, transformed_keypoints

    Added Keys: img_hr, hr_input_size, sr_scale, degrade_scale, coord_mode,
    hr_transformed_keypoints, camera_degrade (the drawn kernel, antialias
    sigma, phase and frame factor)

    Args:
        scale (int): SR scale; the LR crop is the HR crop size / ``scale``.
        frame_scale (float | tuple, optional): factor (>= 1) by which the
            whole frame is reduced, or a (lo, hi) range drawn log-uniformly.
            Defaults to ``scale`` (the real-LR evaluation: frame / scale).
        crop_ratio (tuple, optional): instead of ``frame_scale``, reduce the
            frame so that the person's crop region is ``ratio`` times the LR
            crop height (drawn log-uniformly from the range); below 1 the
            warp enlarges a tinier person, above 1 it shrinks (and aliases)
            a larger one. The frame is never enlarged (factor at least 1).
        kernels (Sequence[str]): frame reduction kernels to draw from:
            'area', 'bilinear', 'bicubic', 'nearest'.
        kernel_prob (Sequence[float], optional): their probabilities
            (uniform if None).
        antialias_prob (float): probability of a Gaussian pre-blur of the
            frame before the reduction.
        antialias_sigma (tuple): its sigma range, in reduced-frame pixels.
        phase (tuple): (lo, hi) range of the sampling-grid shift, in
            reduced-frame pixels, drawn per axis.
        blur_sigma, blur_prob, noise_sigma, noise_prob, poisson_peak,
        poisson_prob, jpeg_quality, jpeg_prob: as in ``LowResDegrade``.
        use_udp (bool): as ``TopdownAffine.use_udp`` (must match it).
        deterministic (bool): a per-sample RNG seeded by ``seed``, ``img_id``
            and ``id`` (evaluation), as in ``LowResDegrade``.
        seed (int): base seed for ``deterministic``.
        keep_hr (bool): store the HR crop as ``img_hr``. Defaults to True.
    """

    def __init__(self,
                 scale: int = 4,
                 frame_scale: Optional[Union[float, Sequence[float]]] = None,
                 crop_ratio: Optional[Sequence[float]] = None,
                 kernels: Sequence[str] = ('area', 'bilinear', 'bicubic'),
                 kernel_prob: Optional[Sequence[float]] = None,
                 antialias_prob: float = 0.5,
                 antialias_sigma: Sequence[float] = (0.3, 0.6),
                 phase: Sequence[float] = (-0.5, 0.5),
                 blur_sigma: Optional[Sequence[float]] = None,
                 blur_prob: float = 1.0,
                 noise_sigma: Optional[Sequence[float]] = None,
                 noise_prob: float = 1.0,
                 poisson_peak: Optional[Sequence[float]] = None,
                 poisson_prob: float = 1.0,
                 jpeg_quality: Optional[Sequence[int]] = None,
                 jpeg_prob: float = 1.0,
                 use_udp: bool = False,
                 deterministic: bool = False,
                 seed: int = 0,
                 keep_hr: bool = True) -> None:
        name = type(self).__name__
        if not (isinstance(scale, (int, np.integer)) and not isinstance(scale, bool)
                and scale >= 1):
            raise ValueError(f'{name}.scale must be an int >= 1, got {scale!r}')
        if frame_scale is not None and crop_ratio is not None:
            raise ValueError(f'{name}: set frame_scale or crop_ratio, not both')
        self.scale = int(scale)
        self.crop_ratio = check_range(name, 'crop_ratio', crop_ratio, 1e-2, 1e2)
        if self.crop_ratio is None:
            self.frame_scale = check_range(name, 'frame_scale',
                                           self.scale if frame_scale is None else frame_scale,
                                           1.0, 1e3)
        else:
            self.frame_scale = None
        self.kernels = check_kernel_names(name, 'kernels', kernels, tuple(CAMERA_KERNELS))
        if kernel_prob is not None:
            p = np.asarray(kernel_prob, np.float64) if isinstance(
                kernel_prob, (list, tuple, np.ndarray)) else np.zeros(0)
            if (p.shape != (len(self.kernels), ) or not np.all(np.isfinite(p))
                    or np.any(p < 0) or not np.isclose(p.sum(), 1.0)):
                raise ValueError(f'{name}.kernel_prob must be one probability per kernel '
                                 f'({len(self.kernels)}) summing to 1, got {kernel_prob!r}')
            kernel_prob = tuple(float(v) for v in p / p.sum())
        self.kernel_prob = kernel_prob
        self.antialias_prob = check_prob(name, 'antialias_prob', antialias_prob)
        self.antialias_sigma = check_range(name, 'antialias_sigma', antialias_sigma, 0.0, 10.0)
        self.phase = check_range(name, 'phase', phase, -1.0, 1.0)
        self.blur_sigma = check_range(name, 'blur_sigma', blur_sigma, 0.0, 50.0)
        self.noise_sigma = check_range(name, 'noise_sigma', noise_sigma, 0.0, 255.0)
        self.poisson_peak = check_range(name, 'poisson_peak', poisson_peak, 1e-3, 1e9)
        self.jpeg_quality = check_range(name, 'jpeg_quality', jpeg_quality, 1, 100)
        self.blur_prob = check_prob(name, 'blur_prob', blur_prob)
        self.noise_prob = check_prob(name, 'noise_prob', noise_prob)
        self.poisson_prob = check_prob(name, 'poisson_prob', poisson_prob)
        self.jpeg_prob = check_prob(name, 'jpeg_prob', jpeg_prob)
        self.use_udp = bool(use_udp)
        self.deterministic = bool(deterministic)
        self.seed = int(seed)
        self.keep_hr = keep_hr

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _log_uniform(rng, lo: float, hi: float) -> float:
        return lo if lo == hi else float(math.exp(rng.uniform(math.log(lo), math.log(hi))))

    def draw(self, rng, region_h: float, lr_h: int) -> dict:
        """The camera's draws for one sample: kernel, antialias sigma (0: none),
        phase (x, y) and the frame reduction factor, for a crop region
        ``region_h`` frame pixels high and an LR crop ``lr_h`` pixels high."""
        i = 0 if len(self.kernels) == 1 else int(rng.choice(len(self.kernels),
                                                             p=self.kernel_prob))
        aa = 0.0
        if self.antialias_prob > 0 and rng.random() < self.antialias_prob:
            aa = float(rng.uniform(*self.antialias_sigma))
        phase = (float(rng.uniform(*self.phase)), float(rng.uniform(*self.phase)))
        if self.frame_scale is not None:
            factor = self._log_uniform(rng, *self.frame_scale)
        else:
            ratio = self._log_uniform(rng, *self.crop_ratio)
            factor = max(1.0, region_h / (lr_h * ratio))
        return dict(kernel=self.kernels[i], antialias_sigma=aa, phase=phase, frame_scale=factor)

    def _hr_warp(self, results: dict, size: Tuple[int, int]) -> np.ndarray:
        """The 3x3 frame -> HR crop matrix of ``TopdownAffine``."""
        center = np.asarray(results['input_center'], np.float32).reshape(-1)[:2]
        scale = np.asarray(results['input_scale'], np.float32).reshape(-1)[:2]
        rot = results.get('bbox_rotation')
        rot = 0.0 if rot is None else float(np.asarray(rot).reshape(-1)[0])
        fn = get_udp_warp_matrix if self.use_udp else get_warp_matrix
        return _affine3(fn(center, scale, rot, output_size=size))

    # ---------------------------------------------------------------- transform
    def transform(self, results: dict) -> dict:
        name = type(self).__name__
        img, frame = results.get('img'), results.get('frame')
        if not isinstance(img, np.ndarray):
            raise ValueError(f"{name} needs results['img'] (the HR crop from TopdownAffine), "
                             f'got {type(img).__name__}')
        if not isinstance(frame, np.ndarray):
            raise ValueError(f"{name} needs results['frame'] (the whole image): put KeepFrame "
                             'right before TopdownAffine in the pipeline')
        for key in ('input_center', 'input_scale'):
            if key not in results:
                raise ValueError(f"{name} needs results['{key}']: put it after TopdownAffine")
        h, w = img.shape[:2]
        s = self.scale
        if h % s or w % s:
            raise ValueError(f'{name}.scale={s} does not divide the HR crop size (w={w}, h={h}); '
                             'set TopdownAffine.input_size to a multiple of it')
        if frame.ndim != img.ndim or (img.ndim == 3 and frame.shape[2] != img.shape[2]):
            raise ValueError(f'{name}: frame {frame.shape} and HR crop {img.shape} have different '
                             'channels')
        rng = sample_rng(results, self.deterministic, self.seed)
        to_hr = self._hr_warp(results, (w, h))
        hr_per_frame = float(np.hypot(to_hr[0, 0], to_hr[1, 0]))  # isotropic crop scale
        region_h = h / hr_per_frame
        sigma = draw_blur_sigma(rng, self.blur_sigma, self.blur_prob)
        params = self.draw(rng, region_h, h // s)
        x = as_hwc_float(frame)
        if sigma > 0:
            x = gaussian_blur(x, sigma / hr_per_frame)
        reduced, to_frame = reduce_frame(x, params['frame_scale'], params['kernel'],
                                         params['phase'], params['antialias_sigma'])
        # HR crop pixel x -> LR pixel (x - (s - 1) / 2) / s: the HR crop's grid
        to_lr = np.array([[1.0 / s, 0.0, -(s - 1) / (2.0 * s)],
                          [0.0, 1.0 / s, -(s - 1) / (2.0 * s)], [0.0, 0.0, 1.0]])
        m = (to_lr @ to_hr @ to_frame)[:2]
        lr = cv2.warpAffine(reduced, m, (w // s, h // s), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        lr = lr.reshape(h // s, w // s, -1)
        lr = add_noise(lr, rng, self.noise_sigma, self.noise_prob, self.poisson_peak,
                       self.poisson_prob)
        lr = quantize_jpeg(lr, rng, self.jpeg_quality, self.jpeg_prob)
        results.pop('frame')  # done with it: do not carry the frame further
        results['camera_degrade'] = params
        return set_lr_results(results, img, like_input(lr, img), s, s, self.keep_hr)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, frame_scale={self.frame_scale}, '
                f'crop_ratio={self.crop_ratio}, kernels={self.kernels}, '
                f'kernel_prob={self.kernel_prob}, antialias_prob={self.antialias_prob}, '
                f'antialias_sigma={self.antialias_sigma}, phase={self.phase}, '
                f'blur_sigma={self.blur_sigma}, noise_sigma={self.noise_sigma}, '
                f'poisson_peak={self.poisson_peak}, jpeg_quality={self.jpeg_quality}, '
                f'deterministic={self.deterministic})')
