"""ESRGAN's RRDBNet x4 (Wang et al. 2018), for the cost table only.

No SR library (BasicSR, MMagic) is installed with lrpose_mm, so the one
definition lives here, beside the cost tool, with BasicSR's layer layout
(``basicsr/archs/rrdbnet_arch.py``: 23 RRDBs, 64 channels, growth 32, two
nearest x2 upsamplings). It is built with random weights, counted and timed,
never trained: it shows what a cascaded general-purpose SR front end would
cost in front of the pose network.
"""
import torch
import torch.nn.functional as F
from torch import nn


class ResidualDenseBlock(nn.Module):
    """Five 3x3 convolutions with dense connections, residual scaled by 0.2."""

    def __init__(self, ch: int = 64, growth: int = 32) -> None:
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(ch + i * growth, growth if i < 4 else ch, 3, 1, 1)
                                   for i in range(5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [x]
        for i, conv in enumerate(self.convs):
            y = conv(torch.cat(feats, 1))
            if i < 4:
                feats.append(F.leaky_relu(y, 0.2))
        return x + 0.2 * y


class RRDB(nn.Module):
    """Residual in residual dense block: three dense blocks, residual scaled by 0.2."""

    def __init__(self, ch: int = 64, growth: int = 32) -> None:
        super().__init__()
        self.blocks = nn.Sequential(*[ResidualDenseBlock(ch, growth) for _ in range(3)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 0.2 * self.blocks(x)


class RRDBNet(nn.Module):
    """An ESRGAN-sized RRDBNet x4 (23 RRDBs, 64 channels, growth 32)."""

    def __init__(self, num_blocks: int = 23, ch: int = 64, growth: int = 32) -> None:
        super().__init__()
        self.head = nn.Conv2d(3, ch, 3, 1, 1)
        self.body = nn.Sequential(*[RRDB(ch, growth) for _ in range(num_blocks)])
        self.body_conv = nn.Conv2d(ch, ch, 3, 1, 1)
        self.up1 = nn.Conv2d(ch, ch, 3, 1, 1)
        self.up2 = nn.Conv2d(ch, ch, 3, 1, 1)
        self.hr_conv = nn.Conv2d(ch, ch, 3, 1, 1)
        self.out = nn.Conv2d(ch, 3, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat = self.head(x)
        feat = feat + self.body_conv(self.body(feat))
        feat = F.leaky_relu(self.up1(F.interpolate(feat, scale_factor=2, mode='nearest')), 0.2)
        feat = F.leaky_relu(self.up2(F.interpolate(feat, scale_factor=2, mode='nearest')), 0.2)
        return self.out(F.leaky_relu(self.hr_conv(feat), 0.2))
