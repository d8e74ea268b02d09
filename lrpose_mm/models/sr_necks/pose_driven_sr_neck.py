"""A light residual SR network that works at LR resolution and upsamples once."""
from typing import Optional

import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor

SCALES = (1, 2, 3, 4, 8)


class ChannelAttention(nn.Module):
    """Squeeze-and-excitation style channel attention (as in RCAN)."""

    def __init__(self, channels: int, reduction: int) -> None:
        super().__init__()
        hidden = max(1, channels // reduction)
        self.body = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(channels, hidden, 1), nn.ReLU(inplace=True),
            nn.Conv2d(hidden, channels, 1), nn.Sigmoid())

    def forward(self, x: Tensor) -> Tensor:
        return x * self.body(x)


class ResidualBlock(nn.Module):
    """conv-ReLU-conv (+ channel attention), scaled and added to the input."""

    def __init__(self, channels: int, channel_attention: bool, reduction: int,
                 res_scale: float) -> None:
        super().__init__()
        layers = [nn.Conv2d(channels, channels, 3, 1, 1), nn.ReLU(inplace=True),
                  nn.Conv2d(channels, channels, 3, 1, 1)]
        if channel_attention:
            layers.append(ChannelAttention(channels, reduction))
        self.body = nn.Sequential(*layers)
        self.res_scale = res_scale

    def forward(self, x: Tensor) -> Tensor:
        return x + self.res_scale * self.body(x)


@MODELS.register_module()
class PoseDrivenSRNeck(BaseModule):
    """Pose-driven SR network: LR (N,3,h,w) -> SR (N,3,h*scale,w*scale).

    Shallow 3x3 conv, ``num_blocks`` residual blocks (optional channel
    attention) and a body conv with a long skip, all at LR resolution; then a
    single sub-pixel convolution (conv to ``out_channels * scale^2`` +
    PixelShuffle) produces the HR residual, added to a bicubic upsampling of
    the input (global skip). The last conv starts near zero, so an untrained
    neck is bicubic interpolation and training learns only the residual.

    Why this shape: the neck must cost at most ~10% of the pose network. With
    the defaults (32 channels, 4 blocks) it costs ~0.30 GFLOPs (mmengine
    counting) from a 64x48 input at x4, against ~7.7 for HRNet-W32 at 256x192.

    ``scale=1`` restores a crop already at the pose input size (a person
    enlarged by a plain resize, whose detail is lost). ``unshuffle=k`` then
    keeps the cost of a neck at 1/k of the size: the input is folded into
    ``k*k`` times the channels (``pixel_unshuffle``, space-to-depth), the body
    works at 1/k resolution and the sub-pixel convolution unfolds it again, as
    BasicSR's RRDBNet does for its x1 and x2 models.

    Args:
        scale (int): upsampling factor, one of 1, 2, 3, 4, 8.
        in_channels (int): image channels. Defaults to 3.
        mid_channels (int): feature channels. Defaults to 32.
        num_blocks (int): residual blocks. Defaults to 4.
        channel_attention (bool): add channel attention to each block.
        reduction (int): channel-attention reduction ratio. Defaults to 8.
        res_scale (float): residual scaling in each block. Defaults to 1.0.
        skip_mode (str): interpolation of the global skip ('bicubic',
            'bilinear'). Defaults to 'bicubic'.
        last_init_std (float): std of the last conv's initial weights.
        unshuffle (int): space-to-depth factor of the input (the body works
            at 1/``unshuffle`` resolution; the input's height and width must
            be multiples of it). Defaults to 1 (none).
    """

    def __init__(self,
                 scale: int = 4,
                 in_channels: int = 3,
                 mid_channels: int = 32,
                 num_blocks: int = 4,
                 channel_attention: bool = True,
                 reduction: int = 8,
                 res_scale: float = 1.0,
                 skip_mode: str = 'bicubic',
                 last_init_std: float = 1e-3,
                 unshuffle: int = 1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if scale not in SCALES:
            raise ValueError(f'PoseDrivenSRNeck.scale must be one of {SCALES}, got {scale!r}')
        if not (isinstance(unshuffle, int) and not isinstance(unshuffle, bool) and unshuffle >= 1):
            raise ValueError(f'PoseDrivenSRNeck.unshuffle must be an int >= 1, got {unshuffle!r}')
        if mid_channels < 1 or num_blocks < 0:
            raise ValueError('PoseDrivenSRNeck.mid_channels must be >= 1 and num_blocks >= 0, '
                             f'got {mid_channels}, {num_blocks}')
        if skip_mode not in ('bicubic', 'bilinear'):
            raise ValueError(f"PoseDrivenSRNeck.skip_mode must be 'bicubic' or 'bilinear', "
                             f'got {skip_mode!r}')
        self.scale = scale
        self.unshuffle = unshuffle
        self.in_channels = in_channels
        self.skip_mode = skip_mode
        self.last_init_std = last_init_std
        self.conv_first = nn.Conv2d(in_channels * unshuffle**2, mid_channels, 3, 1, 1)
        self.body = nn.Sequential(*[
            ResidualBlock(mid_channels, channel_attention, reduction, res_scale)
            for _ in range(num_blocks)])
        self.conv_body = nn.Conv2d(mid_channels, mid_channels, 3, 1, 1)
        self.upsample = nn.Sequential(
            nn.Conv2d(mid_channels, in_channels * (scale * unshuffle)**2, 3, 1, 1),
            nn.PixelShuffle(scale * unshuffle))
        self._init_last()

    def _init_last(self) -> None:
        conv = self.upsample[0]
        nn.init.normal_(conv.weight, 0.0, self.last_init_std)
        nn.init.zeros_(conv.bias)

    def init_weights(self) -> None:
        """Apply ``init_cfg`` if any, then keep the last conv near zero."""
        super().init_weights()
        cfgs = self.init_cfg if isinstance(self.init_cfg, list) else [self.init_cfg or {}]
        if not any(c.get('type') == 'Pretrained' for c in cfgs):
            self._init_last()

    def forward(self, x: Tensor) -> Tensor:
        k = self.unshuffle
        if k > 1:
            if x.shape[-2] % k or x.shape[-1] % k:
                raise ValueError(f'PoseDrivenSRNeck.unshuffle={k} does not divide the input size '
                                 f'{tuple(x.shape[-2:])} (h, w)')
            feat = self.conv_first(F.pixel_unshuffle(x, k))
        else:
            feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        residual = self.upsample(feat)
        if self.scale == 1:
            return x + residual
        skip = F.interpolate(x, scale_factor=self.scale, mode=self.skip_mode, align_corners=False)
        return skip + residual
