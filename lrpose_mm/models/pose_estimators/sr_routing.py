"""Per-path routing of resolution-adaptive batches (metainfo ``sr_path``)."""
from typing import Callable, Optional

import torch
from mmpose.utils.typing import SampleList
from torch import Tensor

from ..utils import COORD_MODES, SR_PATHS


def batch_sr_path(data_samples: Optional[SampleList]) -> str:
    """The path of a batch from metainfo ``sr_path`` ('sr' when absent).

    ``'sr'``: LR crop -> sr_neck -> pose network; ``'direct'``: a crop at the
    pose network's own input size -> pose network (no SR), the large people
    of resolution-adaptive inference (``AdaptiveTopdownAffine``). A batch
    that mixes paths is an error: :func:`step_per_path` splits one.
    """
    paths = {ds.metainfo.get('sr_path', 'sr') for ds in data_samples or ()} or {'sr'}
    if len(paths) > 1:
        raise ValueError(f'one batch mixes metainfo sr_path values {sorted(paths)}: group '
                         'samples by path (lrpose_mm.apis.inference_topdown_batched does)')
    path = paths.pop()
    if path not in SR_PATHS:
        raise ValueError(f'metainfo sr_path must be one of {SR_PATHS}, got {path!r}')
    return path


def sample_coord_mode(data_sample) -> str:
    """metainfo ``coord_mode``; absent = 'lr_crop' (MMPose's own crop rule)."""
    mode = data_sample.metainfo.get('coord_mode', 'lr_crop')
    if mode not in COORD_MODES:
        raise ValueError(f'metainfo coord_mode must be one of {COORD_MODES}, got {mode!r}')
    return mode


def step_per_path(data: dict, step: Callable[[dict], SampleList]) -> SampleList:
    """``step(data)`` run once per ``sr_path`` group of the batch.

    Resolution-adaptive pipelines give one batch crops of two sizes (LR for
    the SR path, the pose input size for the direct path); each group is
    pre-processed and predicted on its own and the results come back in batch
    order, so the Runner's val/test loops work with any batch size.
    """
    samples = data.get('data_samples') if isinstance(data, dict) else None
    paths = [ds.metainfo.get('sr_path', 'sr') for ds in samples or ()]
    if len(set(paths)) < 2:
        return step(data)
    out: list = [None] * len(paths)
    for path in sorted(set(paths)):
        idx = [i for i, p in enumerate(paths) if p == path]
        sub = {k: ([v[i] for i in idx] if isinstance(v, (list, tuple)) else
                   v[torch.as_tensor(idx)] if isinstance(v, Tensor) else v)
               for k, v in data.items()}
        for i, res in zip(idx, step(sub)):
            out[i] = res
    return out
