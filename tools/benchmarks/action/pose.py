"""The pose models that extract skeletons: the pose job's checkpoints, or tiny smoke ones.

The pose job writes ``<pose_work_dir>/checkpoints.json``::

    {"lr-direct": {"config": "<path or lrpose_mm:: name>", "checkpoint": "<path>",
                   "overrides": {<config changes on top of config, e.g. an ablation's>}}, ...}

For the quick (CI) run, :func:`make_smoke_pose_checkpoints` trains each pose config for a
few iterations on a few generated people, in-process through the shared StageRunner, and
writes the same file.
"""
import json
from pathlib import Path
from typing import Dict, Optional, Sequence

from mmengine.config import Config
from mmpose.apis import init_model

from lrpose_mm.action import real_lr_pipeline
from lrpose_mm.config import load_config
from lrpose_mm.datasets.synthetic import generate_people_splits
from lrpose_mm.fileio import atomic_json_dump

from ..common.stages import StageRunner

CHECKPOINTS_FILE = 'checkpoints.json'
POSE_CONFIGS = {
    'lr-direct': 'lrpose_mm::synthetic/lr-direct_hrnet-tiny_synthetic-lr32x24.py',
    'bicubic': 'lrpose_mm::synthetic/bicubic-x4_hrnet-tiny_synthetic-lr32x24.py',
    'pdsr': 'lrpose_mm::synthetic/pdsr-x4_hrnet-tiny_synthetic-lr32x24.py',
}


def read_pose_checkpoints(pose_work_dir: Path, keys: Sequence[str]) -> Dict[str, dict]:
    """``{variant: dict(config, checkpoint)}`` for ``keys``; an error naming what is missing."""
    path = Path(pose_work_dir) / CHECKPOINTS_FILE
    hint = ('run the pose benchmark first (python tools/benchmark.py), or pass '
            '--make-smoke-pose for barely trained smoke checkpoints')
    if not path.is_file():
        raise FileNotFoundError(f'{path} does not exist: {hint}')
    try:
        table = json.loads(path.read_text())
    except ValueError as e:
        raise ValueError(f'{path} is not readable JSON: {e}') from e
    out, missing = {}, []
    for k in keys:
        entry = table.get(k) if isinstance(table, dict) else None
        if not isinstance(entry, dict) or not {'config', 'checkpoint'} <= set(entry):
            missing.append(f'{k} (no entry with config and checkpoint)')
        elif not Path(entry['checkpoint']).is_file():
            missing.append(f'{k} (checkpoint {entry["checkpoint"]} does not exist)')
        else:
            out[k] = dict(config=str(entry['config']), checkpoint=str(entry['checkpoint']),
                          overrides=dict(entry.get('overrides') or {}))
    if missing:
        raise FileNotFoundError(f'{path}: {"; ".join(missing)}: {hint}')
    return out


def smoke_pose_config(name: str, data_root: Path, iters: int, batch_size: int = 4) -> Config:
    """``name`` trained from scratch for ``iters`` iterations on ``data_root``, no validation."""
    cfg = load_config(name)
    ds = cfg.train_dataloader.dataset
    ds.data_root = f'{Path(data_root).resolve()}/'
    cfg.train_dataloader.update(batch_size=batch_size, num_workers=0, persistent_workers=False)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters)
    cfg.param_scheduler = [
        dict(type='LinearLR', begin=0, end=max(1, iters // 5), start_factor=0.01, by_epoch=False),
        dict(type='CosineAnnealingLR', begin=0, end=iters, T_max=iters, eta_min=1e-5,
             by_epoch=False)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters, by_epoch=False,
                                        max_keep_ckpts=1)
    cfg.default_hooks.logger.interval = 1
    cfg.visualizer = dict(type='PoseLocalVisualizer', vis_backends=[])
    if 'pose_init_cfg' in cfg.model:
        cfg.model.pose_init_cfg = None
    return cfg


def make_smoke_pose_checkpoints(runner: StageRunner, pose_work_dir: Path, people_root: Path,
                                keys: Sequence[str] = tuple(POSE_CONFIGS), iters: int = 2,
                                num_images: int = 6, batch_size: int = 4,
                                frozen_pose: bool = False) -> Dict[str, dict]:
    """Briefly trained pose checkpoints (from scratch, on ``num_images`` generated images) and
    their ``checkpoints.json``: for smoke tests, and for trying the action benchmark before
    the pose job has run. Not the pose job's models. ``frozen_pose`` also writes the
    frozen-oracle rows (``frozen-<key>``: the same smoke checkpoint with ``freeze_pose``, as
    the pose job's ``--frozen-pose`` rows carry it)."""
    generate_people_splits(str(people_root), num_train=num_images, num_val=2, seed=0,
                           workers=1, progress=False)
    out = {}
    for k in keys:
        cfg = smoke_pose_config(POSE_CONFIGS[k], people_root, iters, batch_size)
        cfg.experiment_name = f'smoke-pose-{k}'
        rec = runner.train(f'smoke_pose/{k}', cfg,
                           inputs=dict(people=str(people_root), images=num_images))
        out[k] = dict(config=POSE_CONFIGS[k], checkpoint=rec.checkpoint)
        if frozen_pose and k != 'lr-direct':
            out[f'frozen-{k}'] = dict(out[k], overrides=dict(model=dict(freeze_pose=True)))
    Path(pose_work_dir).mkdir(parents=True, exist_ok=True)
    atomic_json_dump(out, str(Path(pose_work_dir) / CHECKPOINTS_FILE))
    return out


def pose_config(pose: dict) -> Config:
    """A pose entry's config with its ``overrides`` merged in."""
    cfg = load_config(pose['config'])
    if pose.get('overrides'):
        cfg.merge_from_dict(pose['overrides'])
    return cfg


def load_real_lr_model(pose: dict, flip_test: Optional[bool] = None, device: str = 'cpu'):
    """``mmpose.apis.init_model`` with the real-LR test pipeline (no second degradation), so
    batched extraction and ``inference_topdown`` crop alike. Returns ``(model, pipeline)``."""

    cfg = pose_config(pose)
    cfg.test_dataloader.dataset.pipeline = real_lr_pipeline(cfg)
    if 'pose_init_cfg' in cfg.model:
        cfg.model.pose_init_cfg = None
    if flip_test is not None:
        cfg.model.setdefault('test_cfg', {})
        cfg.model.test_cfg['flip_test'] = bool(flip_test)
    return (init_model(cfg, pose['checkpoint'], device=device),
            list(cfg.test_dataloader.dataset.pipeline))
