"""Resolution-adaptive top-down crop: SR at the scale a person needs, or a direct crop."""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.datasets.transforms import TopdownAffine
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class AdaptiveTopdownAffine(BaseTransform):
    """Crop a person at an LR size (an SR path) or at the pose input size (direct path).

    SR helps small people and hurts large ones (Hardy et al., VISAPP 2022), and
    a fixed LR crop throws away pixels that a mid-size person still has. The
    person's size is the height, in original-image pixels, of the region the
    crop covers (``bbox_scale`` after GetBBoxCenterScale's padding and the
    aspect-ratio fix of ``TopdownAffine``). With SR factors ``s_1 > ... > s_n``
    and thresholds ``t_1 < ... < t_n``, a person below ``t_1`` is warped
    straight to ``input_size / s_1``, one in ``[t_{i-1}, t_i)`` to
    ``input_size / s_i`` (``sr_path='sr'``, ``sr_scale=s_i``,
    ``coord_mode='lr_crop'``, like real low-resolution input), and one at or
    above ``t_n`` is cropped at ``input_size`` for the pose network alone
    (``sr_path='direct'``). One ``SRTopdownPoseEstimator`` serves every path
    (its ``sr_neck`` and ``extra_sr_necks``, chosen by ``sr_scale``); batches
    must not mix paths (``lrpose_mm.apis.iter_topdown_batched`` groups them).

    Required Keys: img, bbox_center, bbox_scale (keypoints, optional)

    Modified Keys: img, img_shape, bbox_scale

    Added Keys: input_size, input_center, input_scale, transformed_keypoints,
    sr_path, adaptive_size, coord_mode (SR paths), sr_scale (SR paths)

    Args:
        input_size (Tuple[int, int]): (w, h) of the pose network's input, i.e.
            the SR-output size and the head's codec ``input_size``.
        sr_scale (int | Sequence[int]): the SR factor(s) of the model's necks,
            strictly decreasing (e.g. ``(4, 2)``); each divides ``input_size``.
        size_threshold (float | Sequence[float], optional): one region height
            (image pixels) per factor, strictly increasing: the upper end of
            that factor's sizes; the last one starts the direct path. Defaults:
            ``h / s_{i+1}`` for every factor but the last and ``h`` (the pose
            input height) for the last, i.e. a person goes to the smallest
            factor whose LR crop does not have more rows than the person: fewer
            rows than a crop would mean plain interpolation on that path. With
            an x1 neck last (a crop at the pose input, restored in place), which
            loses no row of anyone smaller than the input, the defaults are
            ``h / s_i``: each factor up to its own crop height.
        use_udp (bool): as in ``TopdownAffine``.
    """

    def __init__(self, input_size: Tuple[int, int], sr_scale: Union[int, Sequence[int]],
                 size_threshold: Union[None, float, Sequence[float]] = None,
                 use_udp: bool = False) -> None:
        scales = tuple(sr_scale) if isinstance(sr_scale, (list, tuple)) else (sr_scale, )
        if not scales or not all(isinstance(s, int) and s >= 1 for s in scales):
            raise ValueError(f'AdaptiveTopdownAffine.sr_scale must be an int >= 1 or a sequence '
                             f'of them, got {sr_scale!r}')
        if any(a <= b for a, b in zip(scales, scales[1:])):
            raise ValueError(f'AdaptiveTopdownAffine.sr_scale must be strictly decreasing, '
                             f'got {sr_scale!r}')
        w, h = (int(v) for v in input_size)
        for s in scales:
            if w % s or h % s:
                raise ValueError(f'AdaptiveTopdownAffine.input_size {(w, h)} is not divisible '
                                 f'by sr_scale={s}')
        thresholds = self._thresholds(size_threshold, scales, h)
        self.input_size = (w, h)
        self.sr_scales = scales
        self.size_thresholds = thresholds
        self.direct = TopdownAffine(input_size=(w, h), use_udp=use_udp)
        self.lr = {s: TopdownAffine(input_size=(w // s, h // s), use_udp=use_udp)
                   for s in scales}

    @staticmethod
    def _thresholds(size_threshold, scales: Tuple[int, ...], h: int) -> Tuple[float, ...]:
        if size_threshold is None:
            if scales[-1] == 1:
                return tuple(float(h) / s for s in scales)
            return tuple(float(h) / s for s in scales[1:]) + (float(h), )
        values = (tuple(size_threshold) if isinstance(size_threshold, (list, tuple))
                  else (size_threshold, ))
        if len(values) != len(scales):
            raise ValueError(f'AdaptiveTopdownAffine.size_threshold needs one value per '
                             f'sr_scale {scales}, got {size_threshold!r}')
        try:
            values = tuple(float(v) for v in values)
        except (TypeError, ValueError):
            raise ValueError(f'AdaptiveTopdownAffine.size_threshold must be positive numbers, '
                             f'got {size_threshold!r}') from None
        if not all(np.isfinite(v) and v > 0 for v in values):
            raise ValueError(f'AdaptiveTopdownAffine.size_threshold must be positive numbers, '
                             f'got {size_threshold!r}')
        if any(a >= b for a, b in zip(values, values[1:])):
            raise ValueError(f'AdaptiveTopdownAffine.size_threshold must be strictly '
                             f'increasing (one per sr_scale {scales}), got {size_threshold!r}')
        return values

    @property
    def sr_scale(self) -> int:
        """The largest SR factor (the model's ``sr_neck.scale`` in the two-path case)."""
        return self.sr_scales[0]

    @property
    def size_threshold(self) -> float:
        """The region height from which the direct path is used."""
        return self.size_thresholds[-1]

    def person_size(self, bbox_scale: np.ndarray) -> float:
        """Height of the cropped region (image pixels) for a (1, 2) ``bbox_scale``."""
        w, h = self.input_size
        fixed = TopdownAffine._fix_aspect_ratio(np.asarray(bbox_scale, np.float32), w / h)
        return float(fixed.reshape(-1, 2)[0, 1])

    def route_scale(self, size: float) -> Optional[int]:
        """The SR factor of a person of region height ``size``; None = direct path."""
        for scale, threshold in zip(self.sr_scales, self.size_thresholds):
            if size < threshold:
                return scale
        return None

    def route(self, size: float) -> str:
        """'sr' below the last threshold, 'direct' at or above it."""
        return 'direct' if self.route_scale(size) is None else 'sr'

    def transform(self, results: dict) -> dict:
        if 'bbox_scale' not in results or 'bbox_center' not in results:
            raise ValueError('AdaptiveTopdownAffine needs bbox_center/bbox_scale: put '
                             'GetBBoxCenterScale before it')
        size = self.person_size(results['bbox_scale'])
        if not np.isfinite(size) or size <= 0:
            raise ValueError(f'AdaptiveTopdownAffine: the box has no valid size ({size})')
        scale = self.route_scale(size)
        results = (self.direct if scale is None else self.lr[scale]).transform(results)
        results['sr_path'] = 'direct' if scale is None else 'sr'
        results['adaptive_size'] = size
        if scale is not None:
            results['coord_mode'] = 'lr_crop'
            results['sr_scale'] = scale
        return results

    def __repr__(self) -> str:
        scales = self.sr_scales if len(self.sr_scales) > 1 else self.sr_scales[0]
        thresholds = (self.size_thresholds if len(self.size_thresholds) > 1
                      else self.size_thresholds[0])
        return (f'{self.__class__.__name__}(input_size={self.input_size}, '
                f'sr_scale={scales}, size_threshold={thresholds})')
