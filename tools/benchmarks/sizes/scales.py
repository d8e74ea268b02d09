"""Scale-aware SR for the mixed-size evaluation: an x2 SR neck trained in front of a row's
own pose network (kept frozen), merged into the row's checkpoint as ``extra_sr_necks.x2``,
and the three-path routing (x4 SR / x2 SR / direct) with its two thresholds chosen on the
sizes-tune split."""
import copy
import itertools
import json
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config

from lrpose_mm.datasets.transforms import AdaptiveTopdownAffine
from lrpose_mm.models import merge_sr_neck_checkpoints

from ..budget import Budget
from ..common.stages import StageRecord, StageRunner
from ..pose.configure import configure
from ..pose.rows import FROZEN_POSE_LR
from .pipelines import ALWAYS_SR, NEVER_SR, routed_pipeline, with_pipeline
from .threshold import DUMP_FILES, THRESHOLD_GRID, ComposedRoutes, choose, region_heights

#: the SR factor of the extra neck
EXTRA_SCALE = 2
DEGRADES = ('LowResDegrade', 'CameraLowResDegrade')


def _rescale_pipeline(pipeline, scale: int) -> list:
    """``pipeline`` with every LR degradation (nested ``RandomChoice`` lists included)
    producing ``scale`` x smaller crops."""
    out = []
    for t in pipeline:
        if isinstance(t, (list, tuple)):
            out.append(_rescale_pipeline(t, scale))
            continue
        t = copy.deepcopy(dict(t))
        if t.get('type') in DEGRADES:
            t['scale'] = scale
            t.pop('model_scale', None)
        if 'transforms' in t:
            t['transforms'] = _rescale_pipeline(t['transforms'], scale)
        out.append(t)
    return out


def extra_neck_config(row_cfg: Config, pose_checkpoint: str, scale: int = EXTRA_SCALE) -> Config:
    """The row's config training an SR neck of factor ``scale`` in front of its pose network
    (``pose_checkpoint``, frozen), like the plug-in configs: the frozen-pose PDSR settings
    (the feature term, no teacher, the neck at the frozen rows' rate)."""
    cfg = copy.deepcopy(row_cfg)
    cfg.model.sr_neck.scale = scale
    cfg.model.freeze_pose = True
    cfg.model.teacher = None
    cfg.model.pose_loss_to_sr = True
    cfg.model.pose_init_cfg = dict(checkpoint=pose_checkpoint)
    if cfg.model.get('sr_loss') is not None:
        cfg.model.sr_loss.feat_weight = 1.0
    cfg.optim_wrapper.optimizer.lr = FROZEN_POSE_LR
    cfg.optim_wrapper.pop('paramwise_cfg', None)
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dl = cfg.get(name)
        if dl is not None:
            dl.dataset.pipeline = _rescale_pipeline(dl.dataset.pipeline, scale)
    return cfg


def three_path_config(row_cfg: Config, extra_neck: dict) -> Config:
    """The row's config with the extra neck beside its own (``extra_sr_necks``)."""
    cfg = copy.deepcopy(row_cfg)
    cfg.model.extra_sr_necks = [copy.deepcopy(dict(extra_neck))]
    return cfg


def train_extra_neck(runner: StageRunner, name: str, neck_cfg: Config, entry: dict,
                     budget: Budget, data_root: str, data_key: dict
                     ) -> Tuple[StageRecord, StageRecord]:
    """Train the extra neck of ``neck_cfg`` (:func:`extra_neck_config`, ``budget.ft_iters``)
    and merge it into the row's checkpoint; the records of both stages (the merge's
    ``checkpoint`` is the three-path model's)."""
    cfg = configure(neck_cfg, budget, data_root, budget.ft_iters, budget.seed, 'val')
    trained = runner.train(f'{name}-x{EXTRA_SCALE}-neck', cfg,
                           dict(data=data_key, parent=entry['checkpoint']))

    def merge(stage_dir: Path) -> Dict[str, dict]:
        out = str(stage_dir / 'merged.pth')
        merge_sr_neck_checkpoints(entry['checkpoint'], {EXTRA_SCALE: trained.checkpoint}, out)
        return dict(files=dict(checkpoint=out))

    merged = runner.compute(f'{name}-x4-x{EXTRA_SCALE}', dict(
        base=entry['checkpoint'], extra=trained.checkpoint, extra_key=trained.key), merge)
    return trained, merged


def default_thresholds(cfg: Config) -> Tuple[float, ...]:
    """``AdaptiveTopdownAffine``'s own default thresholds for ``cfg``'s SR factors."""
    crop = next(t for t in routed_pipeline(cfg, None) if t['type'] == 'AdaptiveTopdownAffine')
    return AdaptiveTopdownAffine(crop['input_size'], crop['sr_scale']).size_thresholds


def three_path_pipeline(cfg: Config, thresholds: Optional[Sequence[float]]) -> list:
    """``cfg`` (with ``extra_sr_necks``) routed three ways at ``thresholds`` (x4 below the
    first, x2 below the second, direct above)."""
    return routed_pipeline(cfg, None if thresholds is None else tuple(thresholds))


#: thresholds that send every person to the x2 neck
ALWAYS_X2 = (NEVER_SR, ALWAYS_SR)


def tune_three_path(runner: StageRunner, base: Config, cfg: Config, checkpoint: str,
                    data: dict, two_path: Dict[str, StageRecord],
                    default: Tuple[float, float], stage_prefix: str) -> dict:
    """Choose (x4 upper end, x2 upper end) on the tune split: never-SR and always-x4 are the
    two-path tuning's own stages (``base``: the row's config, :func:`tune_route_stages`),
    always-x2 is evaluated once (``cfg``: with the extra neck, ``checkpoint``: merged), every
    grid pair is composed per person from the three (highest AP, then PCK@0.1; ties nearest
    the default)."""
    gt_data = json.loads(Path(data['ann_file']).read_text())
    always_x2 = runner.test(
        f'{stage_prefix}always-x2', with_pipeline(cfg, three_path_pipeline(cfg, ALWAYS_X2)),
        checkpoint, dict(data=data['cache_key']), files=DUMP_FILES)
    # route index per person: 0 x4 (always-SR), 1 x2, 2 direct (never-SR)
    routes = ComposedRoutes([two_path['always-sr'], always_x2, two_path['never-sr']], gt_data)
    heights = region_heights(routes.instances[2],
                             with_pipeline(base, routed_pipeline(base, NEVER_SR)))
    grid = {}
    for t4, t2 in itertools.combinations(THRESHOLD_GRID, 2):
        which = np.where(heights < t4, 0, np.where(heights < t2, 1, 2))
        grid[(t4, t2)] = (routes.ap(which), routes.pck(which))
    chosen = choose(grid, lambda t: abs(t[0] - default[0]) + abs(t[1] - default[1]))
    return dict(grid={f'{a:g}/{b:g}': dict(AP=v[0], PCK=v[1]) for (a, b), v in grid.items()},
                chosen=list(chosen), default=list(default), num_images=data['num_images'],
                num_people=data['num_people'])
