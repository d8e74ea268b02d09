"""PackPoseInputs plus the HR crop (SR target) and the SR meta keys."""
from typing import Sequence

import numpy as np
import torch
from mmpose.datasets.transforms import PackPoseInputs
from mmpose.datasets.transforms.formatting import image_to_tensor
from mmpose.registry import TRANSFORMS

SR_META_KEYS = ('hr_input_size', 'sr_scale', 'degrade_scale', 'coord_mode', 'sr_path',
                'adaptive_size')


@TRANSFORMS.register_module()
class PackSRPoseInputs(PackPoseInputs):
    """Pack the LR crop as ``inputs`` and the HR crop as ``data_sample.hr_img``.

    Everything :class:`PackPoseInputs` packs is packed the same way. In
    addition:

    - ``data_samples.hr_img``: the HR crop ``results['img_hr']`` as a
      (3, H, W) uint8 tensor (BGR, like ``inputs``); absent when the pipeline
      has no HR crop (real LR input), which is allowed.
    - ``data_samples.gt_instances.hr_keypoints``: ``hr_transformed_keypoints``
      (keypoints in HR-crop pixels, used by the keypoint-weighted SR loss).
    - metainfo: ``hr_input_size``, ``sr_scale``, ``degrade_scale``,
      ``coord_mode`` (``LowResDegrade``), ``sr_path`` and ``adaptive_size``
      (``AdaptiveTopdownAffine``) when present, besides MMPose's keys;
      ``input_size`` is the LR size.

    Args:
        meta_keys (Sequence[str]): meta keys; the SR keys are always added.
        pack_transformed (bool): as in :class:`PackPoseInputs`.
        require_hr (bool): raise a ValueError when ``img_hr`` is missing
            (training pipelines of SR variants). Defaults to False.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = ('id', 'img_id', 'img_path', 'category_id',
                                             'crowd_index', 'ori_shape', 'img_shape',
                                             'input_size', 'input_center', 'input_scale',
                                             'flip', 'flip_direction', 'flip_indices',
                                             'raw_ann_info', 'dataset_name'),
                 pack_transformed: bool = False,
                 require_hr: bool = False) -> None:
        meta_keys = tuple(meta_keys) + tuple(k for k in SR_META_KEYS if k not in meta_keys)
        super().__init__(meta_keys=meta_keys, pack_transformed=pack_transformed)
        self.require_hr = require_hr

    def transform(self, results: dict) -> dict:
        img_hr = results.get('img_hr')
        if img_hr is None and self.require_hr:
            raise ValueError("PackSRPoseInputs(require_hr=True) found no results['img_hr']: put "
                             'LowResDegrade (keep_hr=True) before it in the pipeline')
        packed = super().transform(results)
        data_sample = packed['data_samples']
        if img_hr is not None:
            data_sample.hr_img = image_to_tensor(np.ascontiguousarray(img_hr))
        hr_kpts = results.get('hr_transformed_keypoints')
        if isinstance(hr_kpts, np.ndarray) and hr_kpts.ndim >= 2:
            data_sample.gt_instances.set_field(
                torch.from_numpy(np.ascontiguousarray(hr_kpts[..., :2], dtype=np.float32)),
                'hr_keypoints')
        return packed

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(meta_keys={self.meta_keys}, '
                f'pack_transformed={self.pack_transformed}, require_hr={self.require_hr})')
