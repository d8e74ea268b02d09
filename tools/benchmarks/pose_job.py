"""The pose benchmark: procedural LR people -> every variant trained and evaluated fairly.

Protocol (DESIGN.md): train the HR pose network once (the HR oracle, the upper bound of
every row), start every other variant from its checkpoint and give each the same number
of further steps on the same data and LR images. Hyper-parameters live in the configs and
were chosen on the *tune* split (``--split tune`` evaluates there); val is read only by
the final evaluation. Every row is evaluated by MMPose's ``CocoMetric`` and
``PCKAccuracy`` with per-person dumps, from which ``stats`` draws paired bootstrap
intervals over val images.
"""
import copy
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.config import Config

from lrpose_mm.fileio import atomic_json_dump

from . import instance_dump  # noqa: F401  (registers KeypointInstanceDump)
from .precision import CANDIDATES as PRECISION_CANDIDATES
from .report import machine as report_machine
from .stages import StageRecord, StageRunner, file_digest
from .stats import (
    Bootstrapped,
    CocoKeypointAP,
    bootstrap,
    per_image_pck,
    person_hits,
    resample_indices,
)

if TYPE_CHECKING:
    from .sizes_job import SizesBudget

CONFIG_PREFIX = 'lrpose_mm::synthetic/'
TRAIN_CFG_SPLIT = 'val'  # named in a training config's evaluation fields, never read by it


@dataclass
class Variant:
    key: str
    label: str
    config: str
    sr: bool = False  # has an SR image (SR quality metric, picture grid)
    overrides: Optional[dict] = None  # config changes on top of ``config`` (ablations)
    trains: bool = True  # False: evaluated on the HR oracle's checkpoint as it is
    of: Optional[str] = None  # an ablation: the row it changes (the report pairs them)

    def load(self) -> Config:
        cfg = load_config(self.config)
        if self.overrides:
            cfg.merge_from_dict(self.overrides)
        return cfg


VARIANTS: List[Variant] = [
    Variant('lr-direct', 'LR-direct (heatmap)', 'lr-direct_hrnet-tiny_synthetic-lr32x24.py'),
    Variant('lr-direct-simcc', 'LR-direct SimCC (MMPose peer)',
            'lr-direct-simcc_hrnet-tiny_synthetic-lr32x24.py'),
    Variant('bicubic', 'bicubic x4', 'bicubic-x4_hrnet-tiny_synthetic-lr32x24.py', sr=True),
    Variant('two-stage', 'two-stage pixel SR', 'two-stage-x4_hrnet-tiny_synthetic-lr32x24.py',
            sr=True),
    Variant('pdsr', 'pose-driven SR (PDSR)', 'pdsr-x4_hrnet-tiny_synthetic-lr32x24.py', sr=True),
]
HR_ORACLE = Variant('hr-oracle', 'HR oracle (128x96)', 'hr-oracle_hrnet-tiny_synthetic-128x96.py')

# the configs train the SR neck at 16x the fine-tuning rate (chosen on tune among 1 / 4 / 16 /
# 64); the ablation tries the others
SR_NECK_LR_MULTS = (1.0, 4.0, 64.0)


def sr_neck_lr(mult: float) -> dict:
    """Config change: the SR neck's parameters at ``mult`` x the optimizer's rate."""
    return dict(optim_wrapper=dict(paramwise_cfg=dict(
        custom_keys={'sr_neck': dict(lr_mult=float(mult))})))


# --ablation: one change each to a row (the key's prefix), trained and evaluated like every
# row (on the tune split: the outcome chooses the configuration, val never does); the report
# pairs each against the row it changes
ABLATIONS: Dict[str, Tuple[str, dict]] = {
    'pdsr-no-pixel': ('PDSR without the pixel term',
                      dict(model=dict(sr_loss=dict(pixel_weight=0.0)))),
    'pdsr-no-kpt': ('PDSR without the keypoint-weighted term',
                    dict(model=dict(sr_loss=dict(kpt_weight=0.0)))),
    'pdsr-feat': ('PDSR with the feature term (weight 1)',
                  dict(model=dict(sr_loss=dict(feat_weight=1.0)))),
    'pdsr-pose-only': ('PDSR with the pose loss only', dict(model=dict(sr_loss=dict(
        pixel_weight=0.0, kpt_weight=0.0)))),
    'pdsr-pixel-warmup': ('PDSR after 50 pixel-only iterations',
                          dict(custom_hooks=[dict(type='SRPixelWarmupHook', warmup_iters=50)])),
    'pdsr-feat-early': ('PDSR with the feature term on backbone.layer1', dict(model=dict(
        sr_loss=dict(feat_weight=1.0, feat_layers=['backbone.layer1'])))),
    'pdsr-wide': ('PDSR, neck 2x wider (64 channels)',
                  dict(model=dict(sr_neck=dict(mid_channels=64)))),
    'pdsr-deep': ('PDSR, neck 2x deeper (8 blocks)', dict(model=dict(sr_neck=dict(num_blocks=8)))),
}
# the SR neck starts from scratch (as bicubic) while the pose network is fine-tuned from the
# oracle: the neck at other multiples of the fine-tuning rate, for both rows that have one
for mult in SR_NECK_LR_MULTS:
    for row, name in (('pdsr', 'PDSR'), ('two-stage', 'two-stage')):
        ABLATIONS[f'{row}-neck-lr{mult:g}'] = (
            f'{name}, SR neck at {mult:g}x the fine-tuning rate', sr_neck_lr(mult))
# the pose-driven terms judged by a frozen copy of the HR oracle (the checkpoint every joint
# row starts from; ``configure`` points the teacher at it) instead of the moving student


def with_teacher(pose_loss_to_sr: bool = True, **weights) -> dict:
    """Config change: ``FrozenPoseTeacher`` terms with these weights (feat/heatmap/pose)."""
    teacher = dict(type='FrozenPoseTeacher', feat_weight=0.0, heatmap_weight=0.0,
                   pose_weight=0.0)
    teacher.update({f'{k}_weight': float(v) for k, v in weights.items()})
    return dict(model=dict(teacher=teacher, pose_loss_to_sr=pose_loss_to_sr))


ABLATIONS.update({
    'pdsr-teacher-feat': ('PDSR + teacher feature term', with_teacher(feat=1.0)),
    'pdsr-teacher-hm': ('PDSR + teacher heatmap term', with_teacher(heatmap=1.0)),
    'pdsr-teacher-pose': ('PDSR + teacher pose loss', with_teacher(pose=1.0)),
    'pdsr-teacher-feat-pose': ('PDSR + teacher feature and pose terms',
                               with_teacher(feat=1.0, pose=1.0)),
    'pdsr-teacher-only': ('PDSR, teacher feature and pose terms, no student pose loss to SR',
                          with_teacher(pose_loss_to_sr=False, feat=1.0, pose=1.0)),
})
# the frozen-pose PDSR row without the feature term (the joint row's choice; needs
# --frozen-pose: the report pairs it with frozen-pdsr)
ABLATIONS['frozen-pdsr-no-feat'] = ('PDSR -> frozen HR oracle, without the feature term',
                                    dict(model=dict(sr_loss=dict(feat_weight=0.0))))


# --frozen-pose: the SR front ends in front of the HR oracle as it is (``freeze_pose``: no
# gradient, BN in eval mode), i.e. SR as a plug-in for a fixed (e.g. model-zoo) pose network:
# only the SR neck learns (two-stage from pixels, PDSR from the pose network's loss too), and
# bicubic is the oracle itself on upsampled crops. The SR neck starts from random weights, so
# these rows train it at 1e-3 (the joint rows' 2.5e-4 is a fine-tuning rate for the pose net).
# Each: (label, the joint row whose config it uses, its own changes to that config). PDSR keeps
# its feature term here: with the backbone fixed the term's target does not move (tune AP 0.140
# against 0.089 without it, +0.051 [0.032, 0.070]; the joint row drops it, README)
FROZEN_POSE: Dict[str, Tuple[str, str, dict]] = {
    'frozen-bicubic': ('bicubic x4 -> frozen HR oracle', 'bicubic', dict(model=dict(teacher=None))),
    'frozen-two-stage': ('two-stage pixel SR -> frozen HR oracle', 'two-stage',
                         dict(model=dict(teacher=None))),
    'frozen-pdsr': ('PDSR -> frozen HR oracle', 'pdsr',
                    dict(model=dict(teacher=None, sr_loss=dict(feat_weight=1.0),
                                    pose_loss_to_sr=True))),
}
FROZEN_POSE_LR = 1e-3

# relative cost of one training iteration (HR oracle = 1), measured on this kind of machine
ITER_COST = {'hr-oracle': 1.0, 'lr-direct': 0.35, 'lr-direct-simcc': 0.35, 'bicubic': 1.0,
             'two-stage': 1.4, 'pdsr': 1.6, 'frozen-bicubic': 0.0, 'frozen-two-stage': 1.2,
             'frozen-pdsr': 1.4}


def frozen_pose_variants() -> List[Variant]:
    """The :data:`FROZEN_POSE` rows (bicubic does not train: it is the oracle as it is).

    Their SR neck learns at :data:`FROZEN_POSE_LR` itself: a joint row's multiple of its
    fine-tuning rate for the neck (``paramwise_cfg``) is set back to 1."""
    base = {v.key: v for v in VARIANTS}
    out = []
    for key, (label, of, own) in FROZEN_POSE.items():
        trains = of != 'bicubic'
        overrides = _merged(dict(model=dict(freeze_pose=True)), own)
        if trains:
            overrides = _merged(_with_lr(overrides, FROZEN_POSE_LR), sr_neck_lr(1.0))
        out.append(Variant(key, label, base[of].config, sr=True, overrides=overrides,
                           trains=trains))
    return out


def ablation_base(key: str) -> str:
    """The row an :data:`ABLATIONS` entry changes (the longest row key that prefixes it)."""
    rows = [v.key for v in VARIANTS] + list(FROZEN_POSE)
    return next(k for k in sorted(rows, key=len, reverse=True) if key.startswith(k + '-'))


def _merged(base: Optional[dict], change: dict) -> dict:
    """``change`` merged into a copy of ``base``, nested dicts key by key."""
    out = copy.deepcopy(base) if base else {}
    for k, v in change.items():
        out[k] = _merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) \
            else copy.deepcopy(v)
    return out


def ablation_variants() -> List[Variant]:
    """Each :data:`ABLATIONS` entry as a row: its base row's config and overrides plus the
    change (a frozen-pose row's ablation stays frozen, at its rate)."""
    rows = {v.key: v for v in VARIANTS + frozen_pose_variants()}
    out = []
    for key, (label, change) in ABLATIONS.items():
        of = rows[ablation_base(key)]
        out.append(Variant(key, label, of.config, sr=True,
                           overrides=_merged(of.overrides, change), of=of.key))
    return out


LR_TAG = '@lr'  # sweep rows are named '<variant>@lr<value>'


def _with_lr(overrides: Optional[dict], lr: float) -> dict:
    out = copy.deepcopy(overrides) if overrides else {}
    out.setdefault('optim_wrapper', {}).setdefault('optimizer', {})['lr'] = float(lr)
    return out


def config_lr(v: Variant) -> float:
    """The learning rate a variant's config trains with."""
    return float(v.load().optim_wrapper.optimizer.lr)


def lr_variants(variants: Sequence[Variant], grid: Sequence[float]) -> List[Variant]:
    """Each variant at each learning rate of ``grid`` other than its config's own."""
    out = []
    for v in variants:
        if not v.trains:
            continue
        own = config_lr(v)
        out += [Variant(f'{v.key}{LR_TAG}{lr:g}', f'{v.label}, lr {lr:g}', v.config, sr=v.sr,
                        overrides=_with_lr(v.overrides, lr))
                for lr in grid if not np.isclose(lr, own)]
    return out


def with_row_lr(variants: Sequence[Variant], row_lr: Dict[str, float]) -> List[Variant]:
    """The variants with the learning rates chosen on the tune split (same keys)."""
    unknown = sorted(set(row_lr) - {v.key for v in VARIANTS})
    if unknown:
        raise KeyError(f'learning rates given for unknown rows {unknown}; rows are '
                       f'{[v.key for v in VARIANTS]}')
    return [Variant(v.key, v.label, v.config, sr=v.sr,
                    overrides=_with_lr(v.overrides, row_lr[v.key]))
            if v.key in row_lr else v for v in variants]


def choose_learning_rates(rows: Dict[str, 'RowEval']) -> Dict[str, dict]:
    """Per fine-tuned row, the learning rate with the highest AP on this split (PCK breaks
    ties); every candidate's AP and PCK are kept beside the choice."""
    out: Dict[str, dict] = {}
    for key, row in rows.items():
        base = key.split(LR_TAG)[0]
        if base not in {v.key for v in VARIANTS}:
            continue
        lr = float(key.split(LR_TAG)[1]) if LR_TAG in key else config_lr(row.variant)
        out.setdefault(base, dict(candidates={}))['candidates'][f'{lr:g}'] = dict(
            AP=row.ap.interval(), PCK=row.pck.interval())
    for entry in out.values():
        best = max(entry['candidates'].items(), key=lambda kv: (kv[1]['AP'][0], kv[1]['PCK'][0]))
        entry['lr'] = float(best[0])
    return {k: v for k, v in out.items() if len(v['candidates']) > 1}


@dataclass
class Budget:
    """Data and schedule sizes: one budget for every variant."""
    num_train_images: int = 1500
    num_tune_images: int = 150
    num_val_images: int = 450  # about 1100 val people
    # 3000 with bfloat16 take about the wall time 1800 took in float32 (chosen on tune:
    # oracle AP 0.299 against 0.190, README "Training speed")
    hr_iters: int = 3000
    ft_iters: int = 250
    batch_size: int = 32
    seed: int = 0
    ft_seeds: int = 1  # trainings per fine-tuned row (a second seed where the budget allows)
    n_resamples: int = 500
    cost_batch: int = 32  # crops per timed forward pass in the cost table
    data_root: str = 'data/synthetic_people'
    minutes: float = 27.0  # wall-time budget; 0 = no fitting (iterations as given)
    # both cores compute and the main process loads the batches: a batch of the HR pipeline
    # costs about 0.05 s of one core, so a data worker of its own idled most of the time
    # (one HR iteration, bfloat16 + channels-last, alone: 2 threads + loading in the main
    # process 0.21-0.25 s, 1 thread + 1 worker 0.31-0.32 s; README "Training speed")
    threads: int = 2  # torch threads
    workers: int = 0  # data-loader worker processes
    # training speed (README "Training speed"): the forward pass under bfloat16 autocast
    # (BF16AutocastOptimWrapper) and channels-last convolutions (ChannelsLastHook);
    # 'auto' times a few training steps under each and keeps the fastest (bfloat16 only
    # where this CPU runs it natively; precision.py); evaluation stays float32
    amp: Union[bool, str] = 'auto'
    channels_last: Union[bool, str] = 'auto'


BUDGETS = {
    'default': Budget(),
    # 2.5x the HR steps, 2x the fine-tuning steps with a second seed per row, 2x the train
    # images (the first 1500 and every val/tune image are the default budget's): about two
    # hours on a 2-core machine, minutes on a GPU
    # (float32 training: the README's long table was trained before the bfloat16 choice)
    'long': Budget(num_train_images=3000, hr_iters=4500, ft_iters=500, ft_seeds=2,
                   data_root='data/synthetic_people_long', minutes=0, n_resamples=1000,
                   amp=False, channels_last=False, threads=1, workers=1),
    'quick': Budget(num_train_images=40, num_tune_images=8, num_val_images=16, hr_iters=12,
                    ft_iters=4, batch_size=8, n_resamples=50, cost_batch=4, workers=0,
                    data_root='data/synthetic_people_quick',
                    minutes=0, amp=True, channels_last=True, threads=1),  # exercises both
}


def load_config(name: str) -> Config:
    """A benchmark config as a user gets it: from the installed package (MIM path)."""
    from lrpose_mm.config import load_config as load_installed
    return load_installed(CONFIG_PREFIX + name)


def configure(cfg: Config, budget: Budget, data_root: str, iters: int, seed: int,
              split: str = 'val', load_from: Optional[str] = None) -> Config:
    """The benchmark's data, schedule and evaluation on top of a variant's config."""
    cfg = copy.deepcopy(cfg)
    root = data_root.rstrip('/') + '/'
    ann = f'{root}annotations/person_keypoints_{split}.json'
    cfg.train_dataloader.dataset.data_root = root
    cfg.train_dataloader.batch_size = budget.batch_size
    for name in ('train_dataloader', 'test_dataloader'):
        dl = cfg[name]
        dl.num_workers = budget.workers
        dl.persistent_workers = budget.workers > 0
    test = cfg.test_dataloader.dataset
    test.data_root = root
    test.ann_file = f'annotations/person_keypoints_{split}.json'
    test.data_prefix = dict(img=f'{split}/')
    evaluators = []
    for ev in cfg.test_evaluator:
        ev = dict(ev)
        if ev['type'] == 'CocoMetric':
            ev.update(ann_file=ann, outfile_prefix='{stage_dir}/coco')
        evaluators.append(ev)
    evaluators.append(dict(type='KeypointInstanceDump', out_file='{stage_dir}/instances.npz'))
    cfg.test_evaluator = evaluators
    # no validation loop at all (mmengine's iteration loop would validate at the last
    # iteration whatever val_interval says): the split is read only by the test stage
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.pop('val_interval', None)
    warmup = max(1, min(100, iters // 10))
    cfg.param_scheduler[0].end = warmup
    cfg.param_scheduler[1].end = iters
    cfg.param_scheduler[1].T_max = iters
    cfg.default_hooks.checkpoint.interval = max(1, iters // 3)
    cfg.default_hooks.logger.interval = max(1, min(50, iters // 5))
    if not isinstance(budget.amp, bool) or not isinstance(budget.channels_last, bool):
        raise ValueError('resolve the budget\'s amp/channels_last (resolve_precision) '
                         f'before configuring a stage: {budget.amp!r}, {budget.channels_last!r}')
    if budget.amp:
        cfg.optim_wrapper.type = 'BF16AutocastOptimWrapper'
    if budget.channels_last:
        cfg.custom_hooks = [*(cfg.get('custom_hooks') or []), dict(type='ChannelsLastHook')]
    cfg.randomness = dict(seed=seed)
    cfg.load_from = load_from
    teacher = cfg.model.get('teacher')
    if teacher is not None and not teacher.get('checkpoint') and load_from:
        teacher['checkpoint'] = load_from  # the teacher is the network the row starts from
    cfg.launcher = 'none'
    return cfg


def ensure_data(budget: Budget) -> Dict[str, dict]:
    """Generate (or reuse) the procedural train/tune/val people."""
    from lrpose_mm.datasets.synthetic import generate_people_splits
    return generate_people_splits(budget.data_root, num_train=budget.num_train_images,
                                  num_val=budget.num_val_images, num_tune=budget.num_tune_images,
                                  seed=budget.seed, progress=True, overwrite=True,
                                  workers=max(2, budget.workers))


def resolve_precision(budget: Budget) -> Optional[dict]:
    """Replace ``'auto'`` in ``budget.amp`` / ``budget.channels_last`` by the fastest
    setting measured here (:mod:`.precision`, on the HR oracle's model); an explicit
    boolean is kept. Returns the measurement, or None when nothing was ``'auto'``."""
    if isinstance(budget.amp, bool) and isinstance(budget.channels_last, bool):
        return None
    for name in ('amp', 'channels_last'):
        if getattr(budget, name) not in (True, False, 'auto'):
            raise ValueError(f'Budget.{name} must be true, false or \'auto\', '
                             f'got {getattr(budget, name)!r}')
    from .precision import probe_pose_model
    cfg = load_config(HR_ORACLE.config)
    w, h = cfg.codec['input_size']
    probe = probe_pose_model(cfg.model, budget.batch_size, (h, w))
    if budget.amp == 'auto':
        budget.amp = probe['amp']
    if budget.channels_last == 'auto':  # the fastest candidate under the amp in force
        under_amp = [c for c in PRECISION_CANDIDATES if c[1] == budget.amp]
        budget.channels_last = min(under_amp, key=lambda c: probe['seconds'][c[0]])[2]
    return probe


def precision_text(probe: dict) -> str:
    """'float32 0.58 s, ... on cpu' of a :func:`resolve_precision` measurement."""
    return (', '.join(f'{k} {v:.2f} s' for k, v in probe['seconds'].items())
            + f' on {probe["device"]}')


def calibrate(budget: Budget, data_root: str, work_dir: Path, iters: int = 14) -> float:
    """Seconds per HR-oracle training iteration here, data loading included (the time
    between the ends of consecutive warm iterations of a real, short training)."""
    from mmengine.hooks import Hook
    from mmengine.runner import Runner
    cfg = configure(load_config(HR_ORACLE.config), budget, data_root, iters, budget.seed)
    cfg.work_dir = str(work_dir / 'calibration')
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10 ** 6)
    cfg.log_level = 'WARNING'
    stamps: List[float] = []

    class _Stamp(Hook):
        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            stamps.append(time.perf_counter())

    runner = Runner.from_cfg(cfg)
    runner.register_hook(_Stamp())
    runner.train()
    del runner
    warm = 4
    return (stamps[-1] - stamps[warm - 1]) / (len(stamps) - warm)


def fit_iterations(budget: Budget, per_iter: float, variants: Sequence[Variant],
                   fixed_seconds: float) -> float:
    """Shrink hr_iters/ft_iters alike so that training fits the budget; returns the factor."""
    if not budget.minutes:
        return 1.0
    ft_cost = sum(ITER_COST.get(v.key, ITER_COST['pdsr']) for v in variants) * budget.ft_seeds
    need = per_iter * (budget.hr_iters + budget.ft_iters * ft_cost)
    have = budget.minutes * 60 - fixed_seconds
    factor = float(min(1.0, max(0.05, have / max(need, 1e-6))))
    budget.hr_iters = max(10, int(budget.hr_iters * factor))
    budget.ft_iters = max(4, int(budget.ft_iters * factor))
    return factor


@dataclass
class RowEval:
    """Everything the report needs of one row."""
    variant: Variant
    train: List[StageRecord]
    test: List[StageRecord]
    ap: Bootstrapped = None
    pck: Bootstrapped = None
    extra: Dict[str, float] = field(default_factory=dict)


def evaluate_rows(rows: Dict[str, RowEval], ann_file: str, n_resamples: int,
                  seed: int) -> np.ndarray:
    """Fill each row's AP and PCK (on all val images and on shared resamples)."""
    import contextlib
    import io

    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    from xtcocotools.coco import COCO

    from .instance_dump import load_instances
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(ann_file)
    image_ids = sorted(gt.getImgIds())
    pos = {iid: i for i, iid in enumerate(image_ids)}
    sigmas = parse_pose_metainfo(dict(from_file='configs/_base_/datasets/coco.py'))['sigmas']
    idx = resample_indices(len(image_ids), n_resamples, seed)
    for row in rows.values():
        aps, pcks = [], []
        for rec in row.test:  # one test per training seed: the row is their mean
            ap = CocoKeypointAP(gt, rec.files['coco'], sigmas, image_ids)
            inst = load_instances(rec.files['instances'])
            hits = person_hits(inst['pred'], inst['gt'], inst['mask'], inst['bbox'])
            pck = per_image_pck(hits, np.array([pos[i] for i in inst['img_id']]), len(image_ids))
            aps.append(bootstrap(ap, idx))
            pcks.append(bootstrap(pck, idx))
        row.ap = _mean(aps)
        row.pck = _mean(pcks)
    return idx


def analyse_learner(rows: Dict[str, RowEval], ann_file: str) -> dict:
    """Per-joint PCK and left/right collapse/swap rates of the HR oracle (and PDSR), and the
    AP that the ground truth itself gets with noise: what limits the learner."""
    from mmpose.datasets.datasets.utils import parse_pose_metainfo

    from .error_analysis import ap_of_noisy_ground_truth, left_right, per_joint_pck
    from .instance_dump import load_instances
    meta = parse_pose_metainfo(dict(from_file='configs/_base_/datasets/coco.py'))
    names = [meta['keypoint_id2name'][i] for i in range(meta['num_keypoints'])]
    out = dict(noisy_gt_ap=ap_of_noisy_ground_truth(ann_file, meta['sigmas']))
    for key in (HR_ORACLE.key, 'pdsr'):
        if key in rows and rows[key].test:
            inst = load_instances(rows[key].test[0].files['instances'])
            out[key] = dict(per_joint_pck=per_joint_pck(inst, names),
                            left_right=left_right(inst, meta))
    return out


def given_checkpoint(name: str, path: str) -> StageRecord:
    """A stage record for a checkpoint given by the user, keyed by its content."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f'--hr-checkpoint {path!r} does not exist')
    return StageRecord(name=name, key=file_digest(path)[:16], work_dir=os.path.dirname(path),
                       seconds=0.0, checkpoint=os.path.abspath(path), reused=True)


def _mean(items: List[Bootstrapped]) -> Bootstrapped:
    return Bootstrapped(float(np.mean([b.point for b in items])),
                        np.mean([b.samples for b in items], axis=0))


def run_pose_benchmark(out_dir: Path, work_dir: Path, budget: Budget, command: str,
                       variants: Optional[Sequence[str]] = None, split: str = 'val',
                       grid_people: int = 3, ablation: Optional[Sequence[str]] = None,
                       hr_checkpoint: Optional[str] = None,
                       lr_grid: Optional[Sequence[float]] = None,
                       row_lr: Optional[Dict[str, float]] = None,
                       sizes: Optional['SizesBudget'] = None,
                       frozen_pose: bool = False) -> dict:
    """Run (or resume) the whole job and write the report; returns the report dict.

    ``lr_grid`` (tune split only) adds every fine-tuned row at each of these learning rates
    and writes the best per row to ``<out_dir>/chosen_lr.json``; ``row_lr`` (that file's
    ``{row: lr}``) trains the rows with the chosen rates. ``sizes`` (val only) also runs the
    mixed-size and real-LR evaluation on this run's checkpoints into ``<out_dir>/sizes`` and
    puts its tables into the report. ``frozen_pose`` adds the :data:`FROZEN_POSE` rows."""
    import torch

    from . import pose_report, pose_visual
    t_start = time.time()
    torch.set_num_threads(budget.threads)
    out_dir, work_dir = Path(out_dir), Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    chosen = [v for v in VARIANTS if variants is None or v.key in variants]
    if row_lr:
        chosen = with_row_lr(chosen, row_lr)
    if (ablation is not None or lr_grid) and split != 'tune':
        raise ValueError('--ablation and --lr-grid choose settings: they run on the tune '
                         'split only (--split tune), never on val')
    if sizes is not None and split != 'val':
        raise ValueError('the mixed-size evaluation reports on val: run it without --split tune')
    if frozen_pose:
        chosen += frozen_pose_variants()
    if lr_grid:
        chosen += lr_variants(chosen, lr_grid)
    if ablation is not None:
        extra = [v for v in ablation_variants() if not ablation or v.key in ablation]
        if not frozen_pose:  # a frozen-pose ablation has no row to be paired with
            frozen = sorted(v.key for v in extra if v.of in FROZEN_POSE)
            if ablation and frozen:
                raise ValueError(f'the ablations {frozen} change a frozen-pose row: add '
                                 '--frozen-pose')
            extra = [v for v in extra if v.of not in FROZEN_POSE]
        chosen += extra
    print(f'[1/6] data: procedural people under {budget.data_root}', flush=True)
    data = ensure_data(budget)
    data_root = str(Path(budget.data_root).resolve())
    data_key = {k: v['cache_key'] for k, v in data.items()}

    # the time-fitted schedule is kept for a rerun of the *same* request (so an interrupted job
    # resumes its stages); any changed budget field is a new request, fitted anew
    saved = work_dir / 'budget.json'
    requested = asdict(budget)
    factor, per_iter, precision = 1.0, None, None
    prev = json.loads(saved.read_text()) if saved.is_file() else {}
    same_request = prev.get('requested') == requested
    if same_request:
        budget.hr_iters, budget.ft_iters = prev['hr_iters'], prev['ft_iters']
        budget.amp, budget.channels_last = prev['amp'], prev['channels_last']
        factor, per_iter = prev['time_factor'], prev['seconds_per_hr_iter']
        precision = prev.get('precision_probe')
    else:
        precision = resolve_precision(budget)
        if precision:
            print(f'      precision: {precision["chosen"]} (one training step '
                  f'{precision_text(precision)})', flush=True)
    if not same_request and budget.minutes:
        per_iter = calibrate(budget, data_root, work_dir)
        elapsed = time.time() - t_start
        fixed = elapsed + 60 + 25 * (len(chosen) + 1) * (1 + budget.num_val_images / 450)
        if sizes is not None:  # 6 mixed-size evaluations, one real-LR evaluation per LR row
            fixed += 25 * (6 * sizes.num_images / 300 + len(chosen))
        factor = fit_iterations(budget, per_iter, chosen, fixed)
        print(f'      time budget: {per_iter:.2f} s per HR iteration here; '
              f'iterations x{factor:.2f} '
              f'-> HR {budget.hr_iters}, fine-tune {budget.ft_iters}', flush=True)
    atomic_json_dump(dict(asdict(budget), requested=requested, time_factor=factor,
                          seconds_per_hr_iter=per_iter, precision_probe=precision), str(saved))

    runner = StageRunner(work_dir)
    print(f'[2/6] HR oracle: {hr_checkpoint} (given)' if hr_checkpoint else
          f'[2/6] HR oracle: {budget.hr_iters} iterations from scratch', flush=True)
    # a training never validates: its config carries the val split in its unused test fields
    # whichever split evaluates it, so that --split tune reuses the trainings
    hr_cfg = configure(load_config(HR_ORACLE.config), budget, data_root, budget.hr_iters,
                       budget.seed, TRAIN_CFG_SPLIT)
    if hr_checkpoint:  # an HR pose checkpoint of the user's (e.g. an earlier oracle): start there
        hr = given_checkpoint(HR_ORACLE.key, hr_checkpoint)
        runner.log.append(hr)
    else:
        hr = runner.train(HR_ORACLE.key, hr_cfg, dict(data=data_key))
    rows: Dict[str, RowEval] = {HR_ORACLE.key: RowEval(HR_ORACLE, [hr], [])}

    print(f'[3/6] {len(chosen)} variants x {budget.ft_seeds} seed(s): {budget.ft_iters} '
          'iterations each from the HR oracle', flush=True)
    for v in chosen:
        rows[v.key] = RowEval(v, [], [])
        if not v.trains:  # evaluated on the oracle's checkpoint as it is
            rows[v.key].train.append(hr)
            continue
        for s in range(budget.ft_seeds):
            cfg = configure(v.load(), budget, data_root, budget.ft_iters,
                            budget.seed + s, TRAIN_CFG_SPLIT, load_from=hr.checkpoint)
            name = v.key if s == 0 else f'{v.key}-seed{budget.seed + s}'
            rows[v.key].train.append(runner.train(name, cfg, dict(data=data_key, parent=hr.key)))

    print(f'[4/6] evaluation on {split} (CocoMetric, PCKAccuracy, per-person dumps)', flush=True)
    ordered = chosen + [HR_ORACLE]
    for v in ordered:
        for rec in rows[v.key].train:
            cfg = configure(v.load(), budget, data_root, 1, budget.seed, split)
            rows[v.key].test.append(runner.test(
                f'test-{rec.name if v.trains else v.key}', cfg, rec.checkpoint,
                dict(data=data_key),
                files=dict(coco='coco.keypoints.json', instances='instances.npz')))
    ann_file = f'{data_root}/annotations/person_keypoints_{split}.json'
    evaluate_rows(rows, ann_file, budget.n_resamples, budget.seed)
    learner = analyse_learner(rows, ann_file)
    chosen_lr = choose_learning_rates(rows) if lr_grid else None
    if chosen_lr:
        out_dir.mkdir(parents=True, exist_ok=True)
        atomic_json_dump({k: v['lr'] for k, v in chosen_lr.items()},
                         str(out_dir / 'chosen_lr.json'))

    print('[5/6] cost (params, GFLOPs, CPU img/s side by side) and the picture grid', flush=True)
    models = pose_visual.load_models(
        {v.key: (configure(v.load(), budget, data_root, 1, budget.seed, split),
                 rows[v.key].train[0].checkpoint) for v in ordered})
    for key, c in pose_visual.cost_table(models, batch=budget.cost_batch).items():
        rows[key].extra.update(c)
    grid = None
    if 'pdsr' in rows and 'bicubic' in rows:
        grid = pose_visual.difference_grid(models, rows, out_dir / 'grid.png', grid_people)

    print('[6/6] report', flush=True)
    atomic_json_dump({k: dict(config=CONFIG_PREFIX + r.variant.config,
                              overrides=r.variant.overrides or {},
                              checkpoint=r.train[0].checkpoint) for k, r in rows.items()},
                     str(work_dir / 'checkpoints.json'))
    sized = None
    if sizes is not None:
        from .sizes_job import run_sizes_benchmark
        sized = run_sizes_benchmark(out_dir / 'sizes', work_dir, sizes, command)
    meta = dict(
        data=(f'procedural people, seed {budget.seed}: '
              + ', '.join(f'{k} {v["num_people"]} people in {v["num_images"]} images'
                          for k, v in data.items())
              + '; HR crops 128x96, LR 32x24 (x4)'),
        protocol=((f'HR oracle: the given checkpoint {hr_checkpoint}; every other '
                   if hr_checkpoint else
                   f'HR oracle trained {budget.hr_iters} iterations from scratch; every other ')
                  + f'row starts from it and trains {budget.ft_iters} iterations '
                  f'(batch {budget.batch_size}, {budget.ft_seeds} seed(s), the row is their '
                  'mean; learning rate '
                  + (', '.join(f'{k} {v:g}' for k, v in row_lr.items())
                     + ' (chosen on tune), the others their config\'s' if row_lr
                     else 'of each config')
                  + '); same data, LR images, backbone and step count; '
                  + ('training under bfloat16 autocast (BF16AutocastOptimWrapper) '
                     if budget.amp else 'training in float32 ')
                  + ('with channels-last convolutions (ChannelsLastHook)'
                     if budget.channels_last else '')
                  + (f' (the fastest here: one training step {precision_text(precision)}); '
                     if precision else '; ')
                  + f'evaluated (float32) on {split} with flip test; intervals: '
                  f'{budget.n_resamples} bootstrap resamples of {split} images, percentile 95%, '
                  'paired across rows'),
        machine=report_machine(), command=command, budget=asdict(budget), time_factor=factor,
        seconds_per_hr_iter=per_iter, precision_probe=precision, split=split,
        grid=grid is not None,
        reused_stages=runner.reused(), learner=learner, chosen_lr=chosen_lr, sizes=sized,
        stage_seconds={r.name: r.seconds for r in runner.log},
        wall_seconds=round(time.time() - t_start, 1))
    return pose_report.write_report(out_dir, rows, meta)
