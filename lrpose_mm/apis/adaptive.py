"""Resolution-adaptive top-down inference: the test pipeline that routes each person."""
import copy
from typing import List, Optional, Sequence, Union

import torch

from ..action.real_lr import SIMULATED_LR_TRANSFORMS


def adaptive_pipeline(model: torch.nn.Module,
                      size_threshold: Union[None, float, Sequence[float]] = None,
                      pipeline: Optional[List[dict]] = None) -> List[dict]:
    """The model's test pipeline with the crop replaced by ``AdaptiveTopdownAffine``.

    ``TopdownAffine`` (and the simulated degradation after it, ``LowResDegrade``
    or ``CameraLowResDegrade``) become one ``AdaptiveTopdownAffine(input_size=<codec input size>,
    sr_scale=model.sr_scales, size_threshold)``: each person is cropped at the
    LR size of the SR factor their size needs and super-resolved (by
    ``sr_neck``, or an ``extra_sr_necks`` neck), or cropped at the pose input
    size and estimated directly when large (see the transform). A pipeline that
    already has ``AdaptiveTopdownAffine`` keeps it (``size_threshold``, when
    given, overrides its threshold).

    Args:
        model: an ``SRTopdownPoseEstimator`` with ``sr_neck.scale > 1`` built
            with ``cfg`` (``mmpose.apis.init_model`` / ``init_pose_model``).
        size_threshold: region height in image pixels from which the direct
            path is used (one per SR factor when the model has extra necks:
            the upper end of each factor's sizes); None = the transform's
            defaults (the last is the pose input height).
        pipeline: the pipeline to convert; default the model's test pipeline.
    """
    scale = getattr(model, 'sr_scale', None)
    scales = tuple(getattr(model, 'sr_scales', (scale, )))
    if not isinstance(scale, int) or scale < 2:
        raise ValueError('resolution-adaptive inference needs an SR model (sr_neck.scale > 1), '
                         f'got sr_scale={scale!r}')
    size = getattr(getattr(model.head, 'decoder', None), 'input_size', None)
    if size is None:
        raise ValueError('resolution-adaptive inference needs head.decoder.input_size '
                         '(the pose input size)')
    if pipeline is None:
        pipeline = model.cfg.test_dataloader.dataset.pipeline
    out = [copy.deepcopy(dict(t)) for t in pipeline
           if t.get('type') not in SIMULATED_LR_TRANSFORMS]
    idx = [i for i, t in enumerate(out)
           if t.get('type') in ('TopdownAffine', 'AdaptiveTopdownAffine')]
    if len(idx) != 1:
        raise ValueError('the test pipeline must have exactly one TopdownAffine to make it '
                         f'resolution-adaptive, found {len(idx)}')
    t = out[idx[0]]
    if t['type'] == 'AdaptiveTopdownAffine':
        if size_threshold is not None:
            t['size_threshold'] = size_threshold
        return out
    out[idx[0]] = dict(type='AdaptiveTopdownAffine', input_size=tuple(int(v) for v in size),
                       sr_scale=scales if len(scales) > 1 else scale,
                       size_threshold=(tuple(size_threshold)
                                       if isinstance(size_threshold, (list, tuple))
                                       else size_threshold),
                       use_udp=bool(t.get('use_udp', False)))
    return out
