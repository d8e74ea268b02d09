"""What holds a pose network back: per-joint PCK, left/right collapse and swaps, and the
keypoint precision that COCO AP asks for on this data.

Left/right *collapse* (both joints of a pair predicted at the same place, the network not
knowing which side is which) and *swaps* (the two predictions exchanged) are told apart
per person from the per-person dump of the benchmark (:mod:`.instance_dump`).
"""
import contextlib
import io
import json
from typing import Dict, List, Sequence

import numpy as np
from xtcocotools.coco import COCO
from xtcocotools.cocoeval import COCOeval

# COCO-17 left/right pairs from MMPose's dataset metainfo (flip_indices)
PAIR_NAMES = ('shoulder', 'elbow', 'wrist', 'hip', 'knee', 'ankle')


def _pairs(metainfo: dict) -> Dict[str, tuple]:
    names = [metainfo['keypoint_id2name'][i] for i in range(metainfo['num_keypoints'])]
    return {p: (names.index(f'left_{p}'), names.index(f'right_{p}')) for p in PAIR_NAMES}


def per_joint_pck(inst: Dict[str, np.ndarray], names: Sequence[str], thr: float = 0.1
                  ) -> Dict[str, float]:
    """PCK@thr of every joint over the people where it is labelled (box-size normalised)."""
    d = np.linalg.norm(inst['pred'] - inst['gt'], axis=-1)
    size = np.max(inst['bbox'][:, 2:] - inst['bbox'][:, :2], axis=1)[:, None]
    hit = d / size < thr
    m = inst['mask'].astype(bool)
    return {n: float(hit[:, j][m[:, j]].mean()) if m[:, j].any() else float('nan')
            for j, n in enumerate(names)}


def left_right(inst: Dict[str, np.ndarray], metainfo: dict, collapse_thr: float = 0.05
               ) -> Dict[str, Dict[str, float]]:
    """Per pair, over the people with both joints labelled and at least ``2 * collapse_thr``
    x box size apart in the ground truth: the share whose two predictions lie within
    ``collapse_thr`` x box size of each other (collapse) and the share whose predictions fit
    the exchanged labels clearly better than the labels (swap, distance sum < 0.7x)."""
    size = np.max(inst['bbox'][:, 2:] - inst['bbox'][:, :2], axis=1)
    out = {}
    for name, (a, b) in _pairs(metainfo).items():
        apart = np.linalg.norm(inst['gt'][:, a] - inst['gt'][:, b], axis=-1) / size
        m = (inst['mask'][:, a].astype(bool) & inst['mask'][:, b].astype(bool)
             & (apart >= 2 * collapse_thr))
        p, g = inst['pred'][m], inst['gt'][m]
        gap = np.linalg.norm(p[:, a] - p[:, b], axis=-1) / size[m]
        right = np.linalg.norm(p[:, a] - g[:, a], axis=-1) + np.linalg.norm(p[:, b] - g[:, b],
                                                                            axis=-1)
        swapped = np.linalg.norm(p[:, a] - g[:, b], axis=-1) + np.linalg.norm(
            p[:, b] - g[:, a], axis=-1)
        out[name] = dict(people=int(m.sum()), collapse=float(np.mean(gap < collapse_thr)),
                         swap=float(np.mean(swapped < 0.7 * right)))
    return out


def ap_of_noisy_ground_truth(ann_file: str, sigmas: Sequence[float],
                             noise: Sequence[float] = (0.01, 0.02, 0.03, 0.05),
                             seed: int = 0) -> Dict[float, float]:
    """COCO AP of the ground truth itself with Gaussian noise of ``noise`` x box size added
    to every coordinate: how precise a network must be for a given AP on this data."""
    rng = np.random.default_rng(seed)
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(ann_file)
    anns = [a for a in gt.dataset['annotations'] if a.get('num_keypoints', 0) > 0]
    out = {}
    for frac in noise:
        res: List[dict] = []
        for a in anns:
            k = np.asarray(a['keypoints'], float).reshape(-1, 3)
            k[:, :2] += rng.normal(0, frac * max(a['bbox'][2], a['bbox'][3]), (len(k), 2))
            k[:, 2] = 1
            res.append(dict(image_id=a['image_id'], category_id=a['category_id'], score=1.0,
                            keypoints=k.reshape(-1).tolist()))
        with contextlib.redirect_stdout(io.StringIO()):
            ev = COCOeval(gt, gt.loadRes(json.loads(json.dumps(res))), 'keypoints',
                          np.asarray(sigmas), use_area=True)
            ev.params.useSegm = None
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
        out[float(frac)] = float(ev.stats[0])
    return out
