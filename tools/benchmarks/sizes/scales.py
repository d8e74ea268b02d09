"""Scale-aware SR for the mixed-size evaluation: an x2 SR neck trained in front of a row's
own pose network (kept frozen), merged into the row's checkpoint as ``extra_sr_necks.x2``,
and the three-path routing (x4 SR / x2 SR / direct) with its two thresholds chosen on the
sizes-tune split; then an x1 neck beside both (``extra_sr_necks.x1``: the person resized
to the pose input and restored there) and the four-path routing (x4 / x2 / x1 / direct).

The x2 neck learns the LR its route serves: half of its samples are the row's simulated LR
at x2, half are camera LR (``CameraLowResDegrade``: the whole frame reduced, the person
warped to the 64x48 crop) with the person's crop region 0.5-2 times the LR crop height, so
it sees people enlarged and shrunk into the crop as the route's people are (chosen on the
sizes-tune split against simulated-only and camera-only training: docs/tuning.md)."""
import copy
import itertools
import json
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config

from lrpose_mm.config import load_config
from lrpose_mm.datasets.transforms import AdaptiveTopdownAffine
from lrpose_mm.models import merge_sr_neck_checkpoints

from ..budget import Budget
from ..common.stages import StageRecord, StageRunner
from ..pose.configure import configure
from ..pose.rows import CONFIG_PREFIX, FROZEN_POSE_LR
from .pipelines import ALWAYS_SR, NEVER_SR, routed_pipeline, with_pipeline
from .threshold import DUMP_FILES, THRESHOLD_GRID, ComposedRoutes, choose, region_heights

#: the SR factor of the extra neck
EXTRA_SCALE = 2
DEGRADES = ('LowResDegrade', 'CameraLowResDegrade')
#: PDSR trained on simulated + camera LR; its ``camera_degrade`` (kernels, antialiasing,
#: phase, blur, noise, JPEG) is also the extra neck's
CAMERA_CONFIG = CONFIG_PREFIX + 'pdsr-x4-camera_hrnet-tiny_synthetic-lr32x24.py'
#: the extra neck's camera samples: person crop region / LR crop height, drawn log-uniformly
#: (0.5-2: 32-128 px regions into the 64 px crop, the heights the x2 route serves)
EXTRA_CROP_RATIO = (0.5, 2.0)
#: share of camera samples in the extra neck's training (the rest: simulated LR)
EXTRA_CAMERA_PROB = 0.5
#: the x1 neck: the crop at the pose input size restored in place, its body at half the size
#: (``unshuffle``: the cost of the x2 neck); half of its samples are camera LR of crop regions
#: 0.35-1x the pose input height, enlarged into it; half are the row's simulated LR reduced
#: x1 or x2 and resized back (chosen on the sizes-tune split: docs/tuning.md)
RESTORE_UNSHUFFLE = 2
RESTORE_CROP_RATIO = (0.35, 1.0)
RESTORE_SIM_SCALES = (1, 2)


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


def camera_mix_pipeline(pipeline, camera_degrade: dict, camera_prob: float) -> list:
    """A training ``pipeline`` whose ``LowResDegrade`` becomes a draw (mmcv's
    ``RandomChoice``) between itself and ``camera_degrade`` (probability ``camera_prob``),
    with ``KeepFrame`` before the crop for the camera path."""
    pipeline = [copy.deepcopy(dict(t)) for t in pipeline]
    types = [t.get('type') for t in pipeline]
    if 'LowResDegrade' not in types or 'TopdownAffine' not in types:
        raise ValueError('a camera mix needs a training pipeline with TopdownAffine and '
                         f'LowResDegrade, got {types}')
    i = types.index('LowResDegrade')
    pipeline[i] = dict(type='RandomChoice', prob=[1.0 - camera_prob, camera_prob],
                       transforms=[[pipeline[i]], [copy.deepcopy(dict(camera_degrade))]])
    if 'KeepFrame' not in types:
        j = len(types) - 1 - types[::-1].index('TopdownAffine')
        pipeline.insert(j, dict(type='KeepFrame'))
    return pipeline


def extra_neck_config(row_cfg: Config, pose_checkpoint: str, scale: int = EXTRA_SCALE,
                      camera_prob: float = EXTRA_CAMERA_PROB) -> Config:
    """The row's config training an SR neck of factor ``scale`` in front of its pose network
    (``pose_checkpoint``, frozen), like the plug-in configs: the frozen-pose PDSR settings
    (the feature term, no teacher, the neck at the frozen rows' rate), on the row's
    simulated LR mixed with camera LR of the route's person sizes (``camera_prob``; 0: the
    row's simulated LR only)."""
    cfg = copy.deepcopy(row_cfg)
    if camera_prob > 0:
        camera = dict(load_config(CAMERA_CONFIG).camera_degrade, crop_ratio=EXTRA_CROP_RATIO)
        dataset = cfg.train_dataloader.dataset
        dataset.pipeline = camera_mix_pipeline(dataset.pipeline, camera, camera_prob)
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


def restore_neck_config(row_cfg: Config, pose_checkpoint: str) -> Config:
    """The row's config training an x1 neck in front of its pose network (frozen), as
    :func:`extra_neck_config` trains the x2 one: on the row's simulated LR reduced by one of
    ``RESTORE_SIM_SCALES`` and resized back to the pose input (``model_scale=1``), and on
    camera LR of people whose crop region is ``RESTORE_CROP_RATIO`` times the input height,
    half and half."""
    cfg = extra_neck_config(row_cfg, pose_checkpoint, scale=1, camera_prob=0)
    cfg.model.sr_neck.unshuffle = RESTORE_UNSHUFFLE
    dataset = cfg.train_dataloader.dataset
    pipeline = [copy.deepcopy(dict(t)) for t in dataset.pipeline]
    i = [t.get('type') for t in pipeline].index('LowResDegrade')
    pipeline[i] = dict(pipeline[i], scale=list(RESTORE_SIM_SCALES), model_scale=1)
    camera = dict(load_config(CAMERA_CONFIG).camera_degrade, scale=1,
                  crop_ratio=RESTORE_CROP_RATIO)
    dataset.pipeline = camera_mix_pipeline(pipeline, camera, EXTRA_CAMERA_PROB)
    return cfg


def three_path_config(row_cfg: Config, *extra_necks: dict) -> Config:
    """The row's config with the extra necks beside its own (``extra_sr_necks``)."""
    cfg = copy.deepcopy(row_cfg)
    cfg.model.extra_sr_necks = [copy.deepcopy(dict(n)) for n in extra_necks]
    return cfg


def _merge_stage(runner: StageRunner, name: str, entry: dict, necks: Dict[int, str],
                 settings: dict) -> StageRecord:
    """A stage writing the row's checkpoint with ``necks`` ({factor: trained checkpoint})
    merged beside its own neck (``merged.pth``, its record's ``checkpoint`` file)."""
    def merge(stage_dir: Path) -> Dict[str, dict]:
        out = str(stage_dir / 'merged.pth')
        merge_sr_neck_checkpoints(entry['checkpoint'], necks, out)
        return dict(files=dict(checkpoint=out))

    return runner.compute(name, dict(base=entry['checkpoint'], **settings), merge)


def train_extra_neck(runner: StageRunner, name: str, neck_cfg: Config, entry: dict,
                     budget: Budget, data_root: str, data_key: dict
                     ) -> Tuple[StageRecord, StageRecord]:
    """Train the extra neck of ``neck_cfg`` (:func:`extra_neck_config`, ``budget.ft_iters``)
    and merge it into the row's checkpoint; the records of both stages (the merge's
    ``checkpoint`` is the three-path model's)."""
    scale = int(neck_cfg.model.sr_neck.scale)
    cfg = configure(neck_cfg, budget, data_root, budget.ft_iters, budget.seed, 'val')
    trained = runner.train(f'{name}-x{scale}-neck', cfg,
                           dict(data=data_key, parent=entry['checkpoint']))
    merged = _merge_stage(runner, f'{name}-x4-x{scale}', entry, {scale: trained.checkpoint},
                          dict(extra=trained.checkpoint, extra_key=trained.key))
    return trained, merged


def merge_four_path(runner: StageRunner, name: str, entry: dict, x2: StageRecord,
                    x1: StageRecord) -> StageRecord:
    """The row's checkpoint with the trained x2 and x1 necks merged beside its own."""
    return _merge_stage(runner, f'{name}-x4-x2-x1', entry,
                        {2: x2.checkpoint, 1: x1.checkpoint}, dict(x2=x2.key, x1=x1.key))


def default_thresholds(cfg: Config) -> Tuple[float, ...]:
    """``AdaptiveTopdownAffine``'s own default thresholds for ``cfg``'s SR factors."""
    crop = next(t for t in routed_pipeline(cfg, None) if t['type'] == 'AdaptiveTopdownAffine')
    return AdaptiveTopdownAffine(crop['input_size'], crop['sr_scale']).size_thresholds


def three_path_pipeline(cfg: Config, thresholds: Optional[Sequence[float]]) -> list:
    """``cfg`` (with ``extra_sr_necks``) routed three ways at ``thresholds`` (x4 below the
    first, x2 below the second, direct above)."""
    return routed_pipeline(cfg, None if thresholds is None else tuple(thresholds))


#: thresholds that send every person to the x2 neck (three paths) / the x1 neck (four)
ALWAYS_X2 = (NEVER_SR, ALWAYS_SR)
ALWAYS_X1 = (NEVER_SR, 2 * NEVER_SR, ALWAYS_SR)


def _tune_routes(base: Config, data: dict, routes: Sequence[StageRecord],
                 default: Sequence[float]) -> dict:
    """Choose one threshold per SR route on the tune split: ``routes`` are the tune
    evaluations of every person through each route, smallest people's route first and
    never-SR last; every strictly increasing tuple of the grid is composed per person (a
    person below the i-th threshold takes the i-th route), highest AP, then PCK@0.1; ties
    nearest ``default``."""
    gt_data = json.loads(Path(data['ann_file']).read_text())
    composed = ComposedRoutes(routes, gt_data)
    heights = region_heights(composed.instances[-1],
                             with_pipeline(base, routed_pipeline(base, NEVER_SR)))
    grid = {}
    for thr in itertools.combinations(THRESHOLD_GRID, len(routes) - 1):
        which = np.searchsorted(np.asarray(thr), heights, side='right')
        grid[thr] = (composed.ap(which), composed.pck(which))
    chosen = choose(grid, lambda t: sum(abs(a - b) for a, b in zip(t, default)))
    return dict(grid={'/'.join(f'{t:g}' for t in k): dict(AP=v[0], PCK=v[1])
                      for k, v in grid.items()},
                chosen=list(chosen), default=list(default), num_images=data['num_images'],
                num_people=data['num_people'])


def _always_x(runner: StageRunner, name: str, cfg: Config, checkpoint: str, data: dict,
              thresholds: Tuple[float, ...]) -> StageRecord:
    """The tune evaluation of every person through one extra neck."""
    return runner.test(name, with_pipeline(cfg, three_path_pipeline(cfg, thresholds)),
                       checkpoint, dict(data=data['cache_key']), files=DUMP_FILES)


def tune_three_path(runner: StageRunner, base: Config, cfg: Config, checkpoint: str,
                    data: dict, two_path: Dict[str, StageRecord],
                    default: Tuple[float, float], stage_prefix: str) -> dict:
    """Choose (x4 upper end, x2 upper end) on the tune split: never-SR and always-x4 are the
    two-path tuning's own stages (``base``: the row's config, :func:`tune_route_stages`),
    always-x2 is evaluated once (``cfg``: with the extra neck, ``checkpoint``: merged), every
    grid pair is composed per person from the three (highest AP, then PCK@0.1; ties nearest
    the default)."""
    always_x2 = _always_x(runner, f'{stage_prefix}always-x2', cfg, checkpoint, data, ALWAYS_X2)
    return _tune_routes(base, data, [two_path['always-sr'], always_x2, two_path['never-sr']],
                        default)


def tune_four_path(runner: StageRunner, base: Config, cfg3: Config, checkpoint3: str,
                   cfg4: Config, checkpoint4: str, data: dict,
                   two_path: Dict[str, StageRecord], default: Tuple[float, float, float],
                   stage_prefix: str) -> dict:
    """Choose (x4, x2, x1 upper ends) on the tune split as :func:`tune_three_path` chooses
    two: always-x2 is the three-path tuning's stage (``cfg3``, ``checkpoint3``), always-x1
    is evaluated once (``cfg4``, ``checkpoint4``: with both extra necks), every grid triple
    is composed per person from the four routes."""
    always_x2 = _always_x(runner, f'{stage_prefix}always-x2', cfg3, checkpoint3, data,
                          ALWAYS_X2)
    always_x1 = _always_x(runner, f'{stage_prefix}always-x1', cfg4, checkpoint4, data,
                          ALWAYS_X1)
    return _tune_routes(base, data, [two_path['always-sr'], always_x2, always_x1,
                                     two_path['never-sr']], default)
