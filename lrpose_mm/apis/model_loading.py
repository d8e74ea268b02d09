"""Build a pose model for inference and load a checkpoint that must fit it."""
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import CheckpointLoader

from ..models.checkpoint_fit import check_checkpoint_fits


def init_pose_model(config: Union[str, Config],
                    checkpoint: Optional[str] = None,
                    device: str = 'cpu',
                    cfg_options: Optional[dict] = None,
                    allow_partial: bool = False) -> torch.nn.Module:
    """:func:`mmpose.apis.init_model`, but a checkpoint must fit the model.

    MMPose's ``init_model`` loads non-strictly: a checkpoint of another
    architecture only produces a log line and the model stays mostly random.
    Here a checkpoint with missing, unexpected or mis-shaped tensors raises a
    :class:`~lrpose_mm.models.checkpoint_fit.CheckpointMismatchError` naming
    the fraction of the model it supplies and example keys; ``allow_partial``
    turns that into a warning. ``dataset_meta`` comes from the checkpoint when
    it has one (as in MMPose), else from the config.
    """
    from mmpose.apis import init_model
    if isinstance(config, str):
        config = Config.fromfile(config)
    if cfg_options is not None:
        config.merge_from_dict(cfg_options)
    if checkpoint is not None and config.model.get('pose_init_cfg') is not None:
        config.model.pose_init_cfg = None  # the checkpoint has every weight
    model = init_model(config, None, device=device)
    if checkpoint is None:
        return model
    ckpt = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
    fit, state = check_checkpoint_fits(
        model, ckpt, f'checkpoint {checkpoint!r}', allow_partial=allow_partial,
        hint='pass the checkpoint trained with this config, or allow_partial=True')
    model.load_state_dict({k: state[k] for k in fit.loaded}, strict=False)
    meta = ckpt.get('meta') or {}
    if isinstance(meta, dict) and 'dataset_meta' in meta:
        model.dataset_meta = meta['dataset_meta']
    return model
