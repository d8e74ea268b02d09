"""Per-path routing of resolution-adaptive batches (metainfo ``sr_path``/``sr_scale``)."""
from typing import Callable, Optional, Sequence

import torch
from mmpose.utils.typing import SampleList
from torch import Tensor

from ..utils import COORD_MODES, SR_PATHS, sr_route_name

#: the route of a sample: 'direct', 'sr' (the model's ``sr_neck``) or 'sr_x<k>' (its
#: ``extra_sr_necks`` of factor k)
RouteOf = Callable[[object], str]


def sample_route(data_sample, extra_scales: Sequence[int] = ()) -> str:
    """'direct', 'sr' or 'sr_x<k>' of one sample: metainfo ``sr_path`` (absent = 'sr'),
    and on the SR path its ``sr_scale`` when that is one of ``extra_scales``."""
    path = data_sample.metainfo.get('sr_path', 'sr')
    if path not in SR_PATHS:
        raise ValueError(f'metainfo sr_path must be one of {SR_PATHS}, got {path!r}')
    scale = data_sample.metainfo.get('sr_scale')
    if path == 'sr' and scale is not None and int(scale) in extra_scales:
        return sr_route_name(scale)
    return path


def batch_route(data_samples: Optional[SampleList], extra_scales: Sequence[int] = ()) -> str:
    """The route shared by a batch (see :func:`sample_route`); 'sr' when empty. A batch
    that mixes routes is an error: :func:`step_per_path` splits one."""
    routes = {sample_route(ds, extra_scales) for ds in data_samples or ()} or {'sr'}
    if len(routes) > 1:
        raise ValueError(f'one batch mixes SR routes {sorted(routes)} (metainfo sr_path/'
                         'sr_scale): group samples by route (lrpose_mm.apis.'
                         'inference_topdown_batched does)')
    return routes.pop()


def sample_coord_mode(data_sample) -> str:
    """metainfo ``coord_mode``; absent = 'lr_crop' (MMPose's own crop rule)."""
    mode = data_sample.metainfo.get('coord_mode', 'lr_crop')
    if mode not in COORD_MODES:
        raise ValueError(f'metainfo coord_mode must be one of {COORD_MODES}, got {mode!r}')
    return mode


def step_per_path(data: dict, step: Callable[[dict], SampleList],
                  route_of: Optional[RouteOf] = None) -> SampleList:
    """``step(data)`` run once per route group of the batch (``route_of(sample)``,
    default metainfo ``sr_path``).

    Resolution-adaptive pipelines give one batch crops of several sizes (LR
    sizes for the SR paths, the pose input size for the direct path); each
    group is pre-processed and predicted on its own and the results come back
    in batch order, so the Runner's val/test loops work with any batch size.
    """
    samples = data.get('data_samples') if isinstance(data, dict) else None
    route_of = route_of or (lambda ds: ds.metainfo.get('sr_path', 'sr'))
    paths = [route_of(ds) for ds in samples or ()]
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
