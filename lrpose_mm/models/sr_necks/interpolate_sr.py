"""Parameter-free interpolation "SR" (bicubic baseline, LR-direct, HR oracle)."""
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor

MODES = ('bicubic', 'bilinear', 'nearest')


@MODELS.register_module()
class InterpolateSR(BaseModule):
    """Upsample by an integer ``scale`` with ``F.interpolate``; identity at scale 1.

    Why: the bicubic baseline, LR-direct (scale 1 on the LR crop) and the HR
    oracle (scale 1 on the HR crop) then use the same estimator class as the
    learned SR variants, so the baselines differ only in the SR part.

    Args:
        scale (int): upsampling factor (>= 1).
        mode (str): 'bicubic' | 'bilinear' | 'nearest'. Defaults to 'bicubic'.
        align_corners (bool): passed to ``F.interpolate`` for bicubic/bilinear.
            Defaults to False (half-pixel centres: the output lies on the HR
            crop's pixel grid, matching ``LowResDegrade``).
    """

    def __init__(self, scale: int = 4, mode: str = 'bicubic', align_corners: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(scale, int) or scale < 1:
            raise ValueError(f'InterpolateSR.scale must be an int >= 1, got {scale!r}')
        if mode not in MODES:
            raise ValueError(f'InterpolateSR.mode must be one of {MODES}, got {mode!r}')
        self.scale = scale
        self.mode = mode
        self.align_corners = align_corners

    def forward(self, x: Tensor) -> Tensor:
        if self.scale == 1:
            return x
        kwargs = {} if self.mode == 'nearest' else dict(align_corners=self.align_corners)
        return F.interpolate(x, scale_factor=self.scale, mode=self.mode, **kwargs)
