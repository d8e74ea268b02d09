"""Run any backbone on inputs whose size is not a multiple of its total stride."""
import math
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class SizeDivisorWrapper(BaseModule):
    """Pads the input (bottom/right, replicate) to a multiple of ``size_divisor``
    and crops every output back to ``ceil(input / stride)``.

    Why: multi-branch backbones such as HRNet add upsampled low-resolution
    branches to high-resolution ones and fail unless the input is divisible by
    32, e.g. at the LR sizes 64x48 and 32x24 that the LR-direct baseline needs.
    Padding at the bottom/right leaves pixel coordinates unchanged, so heatmaps
    and keypoints stay in the unpadded input's frame. ``strides`` gives the
    stride of each output (e.g. ``(4,)`` for HRNet's top branch).

    Args:
        backbone (dict): config of the wrapped backbone (any registry scope).
        size_divisor (int): pad H and W up to a multiple of this. Default 32.
        strides (Sequence[int]): output stride of each backbone output.
    """

    def __init__(self, backbone: dict, size_divisor: int = 32, strides: Sequence[int] = (4,),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if size_divisor < 1:
            raise ValueError(f'size_divisor must be >= 1, got {size_divisor}')
        self.backbone = MODELS.build(backbone)
        self.size_divisor = size_divisor
        self.strides = tuple(strides)

    def init_weights(self) -> None:
        self.backbone.init_weights()

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        h, w = x.shape[-2:]
        ph = (-h) % self.size_divisor
        pw = (-w) % self.size_divisor
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph), mode='replicate')
        outs = self.backbone(x)
        if isinstance(outs, Tensor):
            outs = (outs, )
        if len(outs) != len(self.strides):
            raise ValueError(f'strides has {len(self.strides)} entries but the backbone returned '
                             f'{len(outs)} outputs')
        return tuple(o[..., :math.ceil(h / s), :math.ceil(w / s)] for o, s in zip(outs, self.strides))
