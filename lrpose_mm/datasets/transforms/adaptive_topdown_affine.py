"""Resolution-adaptive top-down crop: SR for small people, a direct crop for large ones."""
from typing import Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.datasets.transforms import TopdownAffine
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class AdaptiveTopdownAffine(BaseTransform):
    """Crop a person at the LR size (SR path) or at the pose input size (direct path).

    SR helps small people and hurts large ones (Hardy et al., VISAPP 2022). The
    person's size is the height, in original-image pixels, of the region the
    crop covers (``bbox_scale`` after GetBBoxCenterScale's padding and the
    aspect-ratio fix of ``TopdownAffine``). Below ``size_threshold`` the person
    is warped straight to the LR size ``input_size / sr_scale`` and goes
    through the SR network (``sr_path='sr'``, ``coord_mode='lr_crop'``, like
    real low-resolution input); otherwise the crop is taken at ``input_size``
    and the pose network runs on it without SR (``sr_path='direct'``). One
    ``SRTopdownPoseEstimator`` checkpoint serves both paths; batches must not
    mix them (``lrpose_mm.apis.iter_topdown_batched`` groups people by path).

    Required Keys: img, bbox_center, bbox_scale (keypoints, optional)

    Modified Keys: img, img_shape, bbox_scale

    Added Keys: input_size, input_center, input_scale, transformed_keypoints,
    sr_path, adaptive_size, coord_mode ('sr' path), sr_scale ('sr' path)

    Args:
        input_size (Tuple[int, int]): (w, h) of the pose network's input, i.e.
            the SR-output size and the head's codec ``input_size``.
        sr_scale (int): the model's SR factor (``sr_neck.scale``); the LR crop
            is ``input_size / sr_scale``.
        size_threshold (float, optional): region height (image pixels) from
            which the direct path is used. Defaults to ``input_size[1]``: a
            person whose region has fewer rows than the pose input would be
            upsampled by plain interpolation on the direct path, so SR is used.
        use_udp (bool): as in ``TopdownAffine``.
    """

    def __init__(self, input_size: Tuple[int, int], sr_scale: int,
                 size_threshold: Optional[float] = None, use_udp: bool = False) -> None:
        if not (isinstance(sr_scale, int) and sr_scale >= 1):
            raise ValueError(f'AdaptiveTopdownAffine.sr_scale must be an int >= 1, '
                             f'got {sr_scale!r}')
        w, h = (int(v) for v in input_size)
        if w % sr_scale or h % sr_scale:
            raise ValueError(f'AdaptiveTopdownAffine.input_size {(w, h)} is not divisible by '
                             f'sr_scale={sr_scale}')
        if size_threshold is None:
            size_threshold = float(h)
        if not (np.isfinite(size_threshold) and size_threshold > 0):
            raise ValueError(f'AdaptiveTopdownAffine.size_threshold must be a positive number, '
                             f'got {size_threshold!r}')
        self.input_size = (w, h)
        self.sr_scale = sr_scale
        self.size_threshold = float(size_threshold)
        self.direct = TopdownAffine(input_size=(w, h), use_udp=use_udp)
        self.lr = TopdownAffine(input_size=(w // sr_scale, h // sr_scale), use_udp=use_udp)

    def person_size(self, bbox_scale: np.ndarray) -> float:
        """Height of the cropped region (image pixels) for a (1, 2) ``bbox_scale``."""
        w, h = self.input_size
        fixed = TopdownAffine._fix_aspect_ratio(np.asarray(bbox_scale, np.float32), w / h)
        return float(fixed.reshape(-1, 2)[0, 1])

    def route(self, size: float) -> str:
        """'sr' below ``size_threshold``, 'direct' at or above it."""
        return 'sr' if size < self.size_threshold else 'direct'

    def transform(self, results: dict) -> dict:
        if 'bbox_scale' not in results or 'bbox_center' not in results:
            raise ValueError('AdaptiveTopdownAffine needs bbox_center/bbox_scale: put '
                             'GetBBoxCenterScale before it')
        size = self.person_size(results['bbox_scale'])
        if not np.isfinite(size) or size <= 0:
            raise ValueError(f'AdaptiveTopdownAffine: the box has no valid size ({size})')
        path = self.route(size)
        results = (self.lr if path == 'sr' else self.direct).transform(results)
        results['sr_path'] = path
        results['adaptive_size'] = size
        if path == 'sr':
            results['coord_mode'] = 'lr_crop'
            results['sr_scale'] = self.sr_scale
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(input_size={self.input_size}, '
                f'sr_scale={self.sr_scale}, size_threshold={self.size_threshold})')
