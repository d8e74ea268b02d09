"""The evaluation of the pose benchmark's rows: AP and PCK with paired bootstrap intervals
from the per-person dumps, what limits the learner, and the learning rates chosen on tune."""
import contextlib
import io
from dataclasses import dataclass, field
from typing import Dict, List

import numpy as np
from xtcocotools.coco import COCO

from lrpose_mm.datasets.metainfo import coco_metainfo
from lrpose_mm.evaluation import load_instances

from ..common.stages import StageRecord
from ..common.stats import (
    Bootstrapped,
    CocoKeypointAP,
    bootstrap,
    per_image_pck,
    person_hits,
    resample_indices,
)
from .error_analysis import ap_of_noisy_ground_truth, left_right, per_joint_pck
from .rows import HR_ORACLE, LR_TAG, VARIANTS, Variant, config_lr


@dataclass
class RowEval:
    """Everything the report needs of one row."""
    variant: Variant
    train: List[StageRecord]
    test: List[StageRecord]
    ap: Bootstrapped = None
    pck: Bootstrapped = None
    extra: Dict[str, float] = field(default_factory=dict)


def choose_learning_rates(rows: Dict[str, RowEval]) -> Dict[str, dict]:
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


def evaluate_rows(rows: Dict[str, RowEval], ann_file: str, n_resamples: int,
                  seed: int) -> np.ndarray:
    """Fill each row's AP and PCK (on all val images and on shared resamples)."""
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(ann_file)
    image_ids = sorted(gt.getImgIds())
    pos = {iid: i for i, iid in enumerate(image_ids)}
    sigmas = coco_metainfo()['sigmas']
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
    meta = coco_metainfo()
    names = [meta['keypoint_id2name'][i] for i in range(meta['num_keypoints'])]
    out = dict(noisy_gt_ap=ap_of_noisy_ground_truth(ann_file, meta['sigmas']))
    for key in (HR_ORACLE.key, 'pdsr'):
        if key in rows and rows[key].test:
            inst = load_instances(rows[key].test[0].files['instances'])
            out[key] = dict(per_joint_pck=per_joint_pck(inst, names),
                            left_right=left_right(inst, meta))
    return out


def _mean(items: List[Bootstrapped]) -> Bootstrapped:
    return Bootstrapped(float(np.mean([b.point for b in items])),
                        np.mean([b.samples for b in items], axis=0))
