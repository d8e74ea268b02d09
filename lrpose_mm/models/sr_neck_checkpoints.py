"""One checkpoint for a scale-aware model: SR necks trained at other factors, added.

An extra SR neck (``SRTopdownPoseEstimator.extra_sr_necks``) is trained as the
``sr_neck`` of its own model, in front of the *same* pose network kept frozen
(``freeze_pose=True``, ``pose_init_cfg`` = the base checkpoint), like the plug-in
configs. :func:`merge_sr_neck_checkpoints` then writes the base checkpoint with
each extra neck's ``sr_neck.*`` tensors under ``extra_sr_necks.x<k>.*``: what
``tools/test.py`` / ``init_model`` load for three-way routing. The pose network
of every extra checkpoint must equal the base's, tensor for tensor: a neck
trained for another pose network is refused.
"""
from typing import Dict, Mapping, Tuple

import torch
from mmengine.runner.checkpoint import CheckpointLoader

from ..fileio import atomic_path
from .checkpoint_fit import checkpoint_state, revise_keys
from .utils import POSE_PARTS, extra_neck_key


def _load(path: str, role: str = 'checkpoint') -> Tuple[Mapping, Dict[str, torch.Tensor]]:
    """(the checkpoint as loaded, its state dict with mmengine's key revision)."""
    ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    return ckpt, revise_keys(checkpoint_state(ckpt, f'{role} {path!r}'))


def merge_sr_neck_checkpoints(base: str, extra: Mapping[int, str], out_file: str) -> str:
    """Write ``base`` plus the ``sr_neck`` of each ``extra[k]`` as ``extra_sr_necks.x<k>``.

    Args:
        base: checkpoint of the model with the primary ``sr_neck`` and the pose network.
        extra: {SR factor: checkpoint whose ``sr_neck`` has that factor}.
        out_file: the merged checkpoint (written atomically; ``meta`` records the sources).

    Raises:
        ValueError: an extra checkpoint has no ``sr_neck`` tensors, its pose network
            differs from the base's, or a factor is not an int >= 1.
    """
    ckpt, state = _load(base, 'base checkpoint')
    pose = {k: v for k, v in state.items() if k.split('.')[0] in POSE_PARTS}
    for scale, path in sorted(extra.items(), reverse=True):
        if not isinstance(scale, int) or scale < 1:
            raise ValueError(f'SR factor must be an int >= 1, got {scale!r} (for {path!r})')
        _, other = _load(path)
        neck = {k[len('sr_neck.'):]: v for k, v in other.items() if k.startswith('sr_neck.')}
        if not neck:
            raise ValueError(f'{path!r} has no sr_neck.* tensors: not an SR pose checkpoint')
        theirs = {k: v for k, v in other.items() if k.split('.')[0] in POSE_PARTS}
        differ = sorted(k for k in pose.keys() | theirs.keys()
                        if k not in pose or k not in theirs or not torch.equal(pose[k], theirs[k]))
        if differ:
            raise ValueError(
                f'the x{scale} neck of {path!r} was trained in front of another pose network '
                f'than {base!r}: {len(differ)} pose tensors differ, e.g. {differ[:3]} '
                '(train it with freeze_pose=True and pose_init_cfg=the base checkpoint)')
        state.update({f'extra_sr_necks.{extra_neck_key(scale)}.{k}': v for k, v in neck.items()})
    meta = dict(ckpt.get('meta') or {}) if isinstance(ckpt, dict) else {}
    meta['merged_sr_necks'] = dict(base=str(base), extra={extra_neck_key(k): str(v)
                                                          for k, v in extra.items()})
    with atomic_path(out_file) as tmp:
        torch.save(dict(state_dict=state, meta=meta), tmp)
    return out_file
