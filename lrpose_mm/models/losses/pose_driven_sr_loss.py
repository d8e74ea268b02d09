"""SR losses of pose-driven SR: pixel, keypoint-weighted pixel, pose-feature."""
from typing import Dict, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor

from ..utils import gaussian_keypoint_weights

PIXEL_LOSSES = ('l1', 'charbonnier', 'mse')
FEAT_LOSSES = ('mse', 'l1')


@MODELS.register_module()
class PoseDrivenSRLoss(nn.Module):
    """The SR-side loss terms; the head's pose loss stays with the head.

    - ``loss_sr_pix``: pixel loss between SR output and HR target.
    - ``loss_sr_kpt``: the same pixel loss weighted by Gaussians (``kpt_sigma``
      HR pixels) around the visible GT keypoints, normalised by the weights,
      so reconstruction near the joints counts most.
    - ``loss_sr_feat``: distance between pose-backbone features of the SR
      output and of the HR target (the estimator computes the HR side under
      ``no_grad``); which features is chosen by ``feat_indices`` (into the
      backbone's output tuple) or ``feat_layers`` (module names inside the
      estimator, e.g. ``'backbone.layer1'``, captured with forward hooks).

    A term whose weight is 0 is neither computed nor returned. All terms are
    exactly 0 when SR == HR (the Charbonnier form is ``sqrt(d^2+eps^2)-eps``).

    Keypoints with a non-finite coordinate or visibility are excluded from
    ``loss_sr_kpt`` (weight 0) and counted: the batch's count is returned as
    ``sr_kpt_nonfinite`` (a logged value, not a loss) when it is not 0.

    Args:
        pixel_weight (float): weight of ``loss_sr_pix``. Defaults to 1.0.
        pixel_loss (str): 'l1' | 'charbonnier' | 'mse'. Defaults to 'l1'.
        eps (float): Charbonnier epsilon. Defaults to 1e-3.
        kpt_weight (float): weight of ``loss_sr_kpt``. Defaults to 0.
        kpt_sigma (float): Gaussian sigma in HR pixels. Defaults to 6.0.
        feat_weight (float): weight of ``loss_sr_feat``. Defaults to 0.
        feat_loss (str): 'mse' | 'l1'. Defaults to 'mse'.
        feat_indices (Sequence[int]): backbone outputs to compare.
        feat_layers (Sequence[str], optional): module names to compare instead.
    """

    def __init__(self,
                 pixel_weight: float = 1.0,
                 pixel_loss: str = 'l1',
                 eps: float = 1e-3,
                 kpt_weight: float = 0.0,
                 kpt_sigma: float = 6.0,
                 feat_weight: float = 0.0,
                 feat_loss: str = 'mse',
                 feat_indices: Sequence[int] = (-1, ),
                 feat_layers: Optional[Sequence[str]] = None) -> None:
        super().__init__()
        if pixel_loss not in PIXEL_LOSSES:
            raise ValueError(f'PoseDrivenSRLoss.pixel_loss must be one of {PIXEL_LOSSES}, '
                             f'got {pixel_loss!r}')
        if feat_loss not in FEAT_LOSSES:
            raise ValueError(f'PoseDrivenSRLoss.feat_loss must be one of {FEAT_LOSSES}, '
                             f'got {feat_loss!r}')
        for name, w in (('pixel_weight', pixel_weight), ('kpt_weight', kpt_weight),
                        ('feat_weight', feat_weight)):
            if w < 0:
                raise ValueError(f'PoseDrivenSRLoss.{name} must be >= 0, got {w!r}')
        if kpt_sigma <= 0:
            raise ValueError(f'PoseDrivenSRLoss.kpt_sigma must be > 0, got {kpt_sigma!r}')
        if feat_layers is not None and not feat_layers:
            raise ValueError('PoseDrivenSRLoss.feat_layers must name at least one module')
        if feat_layers is None and not feat_indices:
            raise ValueError('PoseDrivenSRLoss.feat_indices must select at least one output')
        self.pixel_weight = float(pixel_weight)
        self.pixel_loss = pixel_loss
        self.eps = float(eps)
        self.kpt_weight = float(kpt_weight)
        self.kpt_sigma = float(kpt_sigma)
        self.feat_weight = float(feat_weight)
        self.feat_loss = feat_loss
        self.feat_indices = tuple(feat_indices)
        self.feat_layers = tuple(feat_layers) if feat_layers is not None else None

    @property
    def with_kpt(self) -> bool:
        return self.kpt_weight > 0

    @property
    def with_feat(self) -> bool:
        return self.feat_weight > 0

    def pixel_error(self, sr: Tensor, hr: Tensor) -> Tensor:
        """Element-wise pixel error (same shape as ``sr``)."""
        d = sr - hr
        if self.pixel_loss == 'l1':
            return d.abs()
        if self.pixel_loss == 'mse':
            return d * d
        return torch.sqrt(d * d + self.eps ** 2) - self.eps

    def keypoint_weights(self, keypoints: Tensor, visible: Tensor, size_hw) -> Tensor:
        """(N, 1, H, W) Gaussian weights around the visible keypoints."""
        return gaussian_keypoint_weights(keypoints, visible, size_hw, self.kpt_sigma)

    def forward(self,
                sr: Tensor,
                hr: Tensor,
                keypoints: Optional[Tensor] = None,
                keypoints_visible: Optional[Tensor] = None,
                sr_feats: Optional[Sequence[Tensor]] = None,
                hr_feats: Optional[Sequence[Tensor]] = None) -> Dict[str, Tensor]:
        """Compute the enabled terms.

        Args:
            sr, hr: (N, C, H, W) SR output and HR target (same normalisation).
            keypoints: (N, K, 2) GT keypoints in HR pixels (for ``loss_sr_kpt``).
            keypoints_visible: (N, K) visibility (for ``loss_sr_kpt``).
            sr_feats, hr_feats: matching feature lists (for ``loss_sr_feat``).
        """
        if sr.shape != hr.shape:
            raise ValueError(f'PoseDrivenSRLoss: SR output {tuple(sr.shape)} and HR target '
                             f'{tuple(hr.shape)} differ; sr_neck.scale x the LR size must equal '
                             'the HR crop size (TopdownAffine.input_size)')
        losses: Dict[str, Tensor] = {}
        need_err = self.pixel_weight > 0 or self.with_kpt
        err = self.pixel_error(sr, hr) if need_err else None
        if self.pixel_weight > 0:
            losses['loss_sr_pix'] = self.pixel_weight * err.mean()
        if self.with_kpt:
            if keypoints is None or keypoints_visible is None:
                raise ValueError(
                    'PoseDrivenSRLoss.kpt_weight > 0 needs HR keypoints: pack them with '
                    'LowResDegrade + PackSRPoseInputs (gt_instances.hr_keypoints)')
            keypoints, keypoints_visible = keypoints.to(sr), keypoints_visible.to(sr)
            # a joint with a NaN/inf coordinate is excluded (weight 0, never NaN * 0) and counted
            nonfinite = (~torch.isfinite(keypoints).all(-1) | ~torch.isfinite(keypoints_visible))
            w = self.keypoint_weights(keypoints, keypoints_visible, sr.shape[-2:])
            denom = (w.sum() * sr.shape[1]).clamp_min(1e-6)
            losses['loss_sr_kpt'] = self.kpt_weight * (w * err).sum() / denom
            if bool(nonfinite.any()):
                losses['sr_kpt_nonfinite'] = nonfinite.sum().float()
        if self.with_feat:
            if not sr_feats or hr_feats is None or len(sr_feats) != len(hr_feats):
                raise ValueError('PoseDrivenSRLoss.feat_weight > 0 needs matching SR and HR '
                                 'feature lists from the estimator')
            fn = F.mse_loss if self.feat_loss == 'mse' else F.l1_loss
            total = sum(fn(fs, fh.detach()) for fs, fh in zip(sr_feats, hr_feats))
            losses['loss_sr_feat'] = self.feat_weight * total / len(sr_feats)
        return losses
