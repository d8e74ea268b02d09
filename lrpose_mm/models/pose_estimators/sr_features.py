"""The pose features that the SR feature loss compares (SR output against HR crop)."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from ..utils import capture_outputs, frozen_bn_stats, no_param_grad


def loss_features(model: nn.Module, x: Tensor, layers: Optional[Sequence[str]],
                  indices: Sequence[int]) -> List[Tensor]:
    """The outputs of the named ``layers`` (inside backbone or neck) on ``x``,
    or, without layers, the backbone outputs at ``indices``."""
    run_neck = model.with_neck and any(n.startswith('neck') for n in layers or ())
    with capture_outputs(model, layers) as store:
        outs = model.forward_backbone(x)
        if run_neck:
            model.neck(outs)
    if layers:
        return [t for n in layers for t in store.get(n, [])]
    outs = outs if isinstance(outs, (list, tuple)) else (outs, )
    return [outs[i] for i in indices]


def sr_hr_features(model: nn.Module, sr: Tensor, hr: Tensor, layers: Optional[Sequence[str]],
                   indices: Sequence[int]) -> Tuple[List[Tensor], List[Tensor]]:
    """Features of the SR output (gradients reach the SR network only: the
    pose network is a fixed judge) and of the HR crop (no gradients); neither
    pass moves the BatchNorm statistics."""
    with frozen_bn_stats(model), no_param_grad(model.backbone, getattr(model, 'neck', None)):
        sr_feats = loss_features(model, sr, layers, indices)
    with torch.no_grad(), frozen_bn_stats(model):
        hr_feats = loss_features(model, hr, layers, indices)
    return sr_feats, hr_feats
