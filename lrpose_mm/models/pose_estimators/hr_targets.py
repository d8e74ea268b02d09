"""HR targets of a batch (crops and keypoints) and the SR crops attached to predictions."""
from typing import Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmpose.utils.typing import SampleList
from torch import Tensor

from ..utils import denormalize


def stack_hr(data_samples: Optional[SampleList]) -> Optional[Tensor]:
    """(N, 3, H, W) float HR crops (``hr_img``) of a batch, or None when any lacks one."""
    if not data_samples or any('hr_img' not in ds for ds in data_samples):
        return None
    return torch.stack([ds.hr_img for ds in data_samples]).float()


def hr_keypoints(data_samples: SampleList, device: torch.device) -> Tuple[Tensor, Tensor]:
    """(N, K, 2) HR-crop keypoints and (N, K) visibility of a batch."""
    kpts, vis = [], []
    for ds in data_samples:
        gi = ds.gt_instances
        if 'hr_keypoints' not in gi:
            raise ValueError('PoseDrivenSRLoss.kpt_weight > 0 needs gt_instances.hr_keypoints '
                             '(LowResDegrade after TopdownAffine, then PackSRPoseInputs)')
        kp = torch.as_tensor(gi.hr_keypoints).float()[..., :2].reshape(-1, 2)
        v = gi.keypoints_visible if 'keypoints_visible' in gi else torch.ones(kp.shape[0])
        v = np.asarray(v.cpu() if isinstance(v, Tensor) else v, dtype=np.float32)
        kpts.append(kp.to(device))
        vis.append(torch.as_tensor(v).reshape(-1).to(device))
    return torch.stack(kpts), torch.stack(vis)


def attach_sr_images(sr: Tensor, results: SampleList, data_preprocessor: Optional[nn.Module],
                     output_sr: Optional[bool] = None) -> None:
    """Attach de-normalised SR crops (``pred_sr_img``) and HR targets
    (``gt_hr_img``) to predictions: always (True), never (False), or only when
    the batch carries HR targets (None, what ``SRQualityMetric`` needs)."""
    hr = stack_hr(results)
    if output_sr is False or (output_sr is None and hr is None):
        return
    sr_img = denormalize(sr, data_preprocessor)
    hr_img = denormalize(hr, data_preprocessor) if hr is not None else None
    for i, ds in enumerate(results):
        ds.pred_sr_img = sr_img[i]
        if hr_img is not None:
            ds.gt_hr_img = hr_img[i]
