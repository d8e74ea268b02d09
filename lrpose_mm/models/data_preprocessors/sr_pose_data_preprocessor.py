"""PoseDataPreprocessor that normalises the HR targets like the LR inputs."""
from typing import List, Optional

import torch
from mmpose.models.data_preprocessors import PoseDataPreprocessor
from mmpose.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class SRPoseDataPreprocessor(PoseDataPreprocessor):
    """Normalise LR ``inputs`` and HR targets ``data_samples[i].hr_img`` identically.

    The SR output is compared with the HR target in the network's normalised
    space, so both must see the same ``bgr_to_rgb`` and ``mean``/``std``.
    After ``forward`` each sample's ``hr_img`` is a normalised float
    (3, H, W) tensor (use :meth:`stack_hr` for the batch). Samples without an
    HR target (real LR input) are fine; a batch that mixes both, or LR inputs
    of different sizes (which padding would silently misalign with the HR
    targets), raises a ValueError.

    Args: as :class:`mmpose.models.PoseDataPreprocessor`.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs = data.get('inputs')
        if isinstance(inputs, (list, tuple)) and len({tuple(x.shape[-2:]) for x in inputs}) > 1:
            sizes = sorted({tuple(x.shape[-2:]) for x in inputs})
            raise ValueError(f'SRPoseDataPreprocessor: LR inputs of different sizes {sizes} in one '
                             'batch; with a list LowResDegrade.scale set LowResDegrade.model_scale '
                             'so all samples share the model input size')
        data = super().forward(data, training=training)
        samples = data.get('data_samples')
        if not samples:
            return data
        has_hr = [('hr_img' in s) for s in samples]
        if any(has_hr) and not all(has_hr):
            raise ValueError('SRPoseDataPreprocessor: some samples carry hr_img and some do not '
                             '(PackSRPoseInputs.img_hr must be present for all or none)')
        if all(has_hr):
            hr = self.normalize(torch.stack([s.hr_img for s in samples]))
            for s, h in zip(samples, hr):
                s.hr_img = h
        return data

    def normalize(self, imgs: Tensor) -> Tensor:
        """(N, 3, H, W) packed uint8 images -> the network's normalised space."""
        imgs = imgs.to(self.device)
        if self._channel_conversion and imgs.shape[1] == 3:
            imgs = imgs[:, [2, 1, 0], ...]
        imgs = imgs.float()
        if self._enable_normalize:
            imgs = (imgs - self.mean) / self.std
        return imgs

    @staticmethod
    def stack_hr(data_samples: Optional[List]) -> Optional[Tensor]:
        """Stack the (normalised) HR targets of a batch, or None if absent."""
        if not data_samples or 'hr_img' not in data_samples[0]:
            return None
        return torch.stack([s.hr_img for s in data_samples])
