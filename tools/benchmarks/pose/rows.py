"""The rows of the pose benchmark: the variants, the HR oracle, the ablations, the frozen-pose
rows and the learning-rate sweep rows, each a config of the installed package plus overrides."""
import copy
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config

from lrpose_mm.config import load_config as load_installed

CONFIG_PREFIX = 'lrpose_mm::synthetic/'


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
    # the same terms at the scale of the SR pixel terms (at weight 1 the heatmap and pose
    # terms are about 1/100 of them, the feature term about 3x): docs/tuning.md, "Teacher"
    'pdsr-teacher-feat-w0.1': ('PDSR + teacher feature term x0.1', with_teacher(feat=0.1)),
    'pdsr-teacher-hm-w100': ('PDSR + teacher heatmap term x100', with_teacher(heatmap=100.0)),
    'pdsr-teacher-pose-w100': ('PDSR + teacher pose loss x100', with_teacher(pose=100.0)),
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
# its feature term here: with the backbone fixed the term's target does not move (the joint
# row drops it; docs/tuning.md "Feature term")
FROZEN_POSE: Dict[str, Tuple[str, str, dict]] = {
    'frozen-bicubic': ('bicubic x4 -> frozen HR oracle', 'bicubic', dict(model=dict(teacher=None))),
    'frozen-two-stage': ('two-stage pixel SR -> frozen HR oracle', 'two-stage',
                         dict(model=dict(teacher=None))),
    'frozen-pdsr': ('PDSR -> frozen HR oracle', 'pdsr',
                    dict(model=dict(teacher=None, sr_loss=dict(feat_weight=1.0),
                                    pose_loss_to_sr=True))),
}
FROZEN_POSE_LR = 1e-3



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



def load_config(name: str) -> Config:
    """A benchmark config as a user gets it: from the installed package (MIM path)."""
    return load_installed(CONFIG_PREFIX + name)
