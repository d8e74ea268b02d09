"""Confidence intervals for the benchmark tables: a cluster bootstrap over val items.

Every row of a table is evaluated on the *same* resamples (one index matrix drawn once),
so the distribution of a difference or a ratio between rows is paired. Intervals are the
percentile intervals of those distributions (``numpy.nanpercentile``).

COCO keypoint AP is not a mean over people: it is re-accumulated for every resample from
the per-image match tables that xtcocotools' ``COCOeval.evaluate`` computed once, with the
sigmas and ``use_area`` of MMPose's ``CocoMetric``. PCK is MMPose's ``PCKAccuracy`` (mean
over joints of each joint's hit rate) from per-image counts. Resampling whole images
keeps the people of one image (crowds, occlusion) together.
"""
import contextlib
import copy
import io
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Tuple

import numpy as np
from mmpose.evaluation.functional import keypoint_pck_accuracy
from xtcocotools.cocoeval import COCOeval

Interval = Tuple[float, float, float]  # (point estimate, low, high)


def resample_indices(num_items: int, n_resamples: int, seed: int = 0) -> np.ndarray:
    """(n_resamples, num_items) indices drawn with replacement: shared by every row."""
    if num_items < 2:
        raise ValueError(f'a bootstrap needs at least 2 items, got {num_items}')
    if n_resamples < 10:
        raise ValueError(f'n_resamples must be >= 10, got {n_resamples}')
    return np.random.default_rng(seed).integers(0, num_items, (n_resamples, num_items))


@dataclass
class Bootstrapped:
    """A statistic on all items and on every resample."""
    point: float
    samples: np.ndarray

    def interval(self, confidence: float = 0.95) -> Interval:
        a = (1 - confidence) / 2 * 100
        lo, hi = np.nanpercentile(self.samples, [a, 100 - a])
        return float(self.point), float(lo), float(hi)

    def __sub__(self, other: 'Bootstrapped') -> 'Bootstrapped':
        return Bootstrapped(self.point - other.point, self.samples - other.samples)

    def __truediv__(self, other: 'Bootstrapped') -> 'Bootstrapped':
        with np.errstate(divide='ignore', invalid='ignore'):
            s = np.where(np.abs(other.samples) > 1e-9, self.samples / other.samples, np.nan)
        p = self.point / other.point if abs(other.point) > 1e-9 else float('nan')
        return Bootstrapped(p, s)


def bootstrap(statistic: Callable[[np.ndarray], float], indices: np.ndarray) -> Bootstrapped:
    """``statistic`` (of an index array) on all items and on each row of ``indices``."""
    everything = np.arange(indices.shape[1])
    return Bootstrapped(float(statistic(everything)),
                        np.array([statistic(i) for i in indices], np.float64))


class CocoKeypointAP:
    """COCO keypoint AP of one result file, re-accumulated for any multiset of images.

    Args:
        gt: an ``xtcocotools.coco.COCO`` ground truth.
        results_json: the ``*.keypoints.json`` that ``CocoMetric(outfile_prefix=...)`` wrote.
        sigmas: per-keypoint OKS sigmas (the dataset metainfo's).
        image_ids: the evaluation images, in the order the bootstrap indexes them.
    """

    def __init__(self, gt, results_json: str, sigmas: Sequence[float],
                 image_ids: Sequence[int]) -> None:

        with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress
            dt = gt.loadRes(results_json)
            ev = COCOeval(gt, dt, 'keypoints', np.asarray(sigmas), use_area=True)
            ev.params.useSegm = None
            ev.params.imgIds = list(image_ids)
            ev.params.areaRng = ev.params.areaRng[:1]  # 'all': AP is the all-area figure
            ev.params.areaRngLbl = ev.params.areaRngLbl[:1]
            ev.evaluate()
        self._ev = ev
        self._per_image = list(ev.evalImgs)  # one category, one area: one entry per image

    def __call__(self, indices: np.ndarray) -> float:
        ev = copy.copy(self._ev)
        ev.params = copy.copy(self._ev.params)  # accumulate() reads both parameter sets
        ev._paramsEval = copy.copy(self._ev._paramsEval)
        ev.params.imgIds = ev._paramsEval.imgIds = list(range(len(indices)))
        ev.evalImgs = [self._per_image[i] for i in indices]
        with contextlib.redirect_stdout(io.StringIO()):
            ev.accumulate()
        prec = ev.eval['precision'][:, :, 0, 0, -1]  # T x R, area all, maxDets 20
        valid = prec[prec > -1]
        return float(valid.mean()) if valid.size else 0.0


@dataclass
class PerImagePCK:
    """Per-image, per-joint hit and labelled counts, both (num_images, K).

    The statistic is MMPose's ``PCKAccuracy``: the mean over joints of each joint's hit
    rate, so on all images it equals the ``pck0.1/PCK`` that the metric reports.
    """
    correct: np.ndarray
    labelled: np.ndarray

    def __call__(self, indices: np.ndarray) -> float:
        den = self.labelled[indices].sum(0)
        num = self.correct[indices].sum(0)
        ok = den > 0
        return float((num[ok] / den[ok]).mean()) if ok.any() else 0.0


def person_hits(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray, bbox: np.ndarray,
                thr: float = 0.1) -> np.ndarray:
    """(N, K) 1 hit / 0 miss / -1 unlabelled, by MMPose's ``keypoint_pck_accuracy``
    (distance normalised by the larger side of the GT box, as ``PCKAccuracy`` does)."""
    size = np.max(bbox[:, 2:] - bbox[:, :2], axis=1)
    out = np.full(mask.shape, -1.0)
    for n in range(len(pred)):
        if not mask[n].any():
            continue
        norm = np.array([[size[n], size[n]]])
        acc, _, _ = keypoint_pck_accuracy(pred[n:n + 1], gt[n:n + 1], mask[n:n + 1], thr, norm)
        out[n] = acc
    return out


def per_image_pck(hits: np.ndarray, image_index: np.ndarray, num_images: int) -> PerImagePCK:
    """Sum the per-person hits of :func:`person_hits` per image."""
    K = hits.shape[1]
    correct = np.zeros((num_images, K))
    labelled = np.zeros((num_images, K))
    np.add.at(correct, image_index, hits > 0.5)
    np.add.at(labelled, image_index, hits >= 0)
    return PerImagePCK(correct, labelled)


def verdict(diff: Interval) -> str:
    """'significant' (interval above 0), 'reversed' (below 0) or 'not significant'."""
    _, lo, hi = diff
    if lo > 0:
        return 'significant'
    if hi < 0:
        return 'reversed'
    return 'not significant'


def fmt_interval(iv: Optional[Interval], digits: int = 3) -> str:
    if iv is None or not np.isfinite(iv[0]):
        return '–'
    p, lo, hi = iv
    return f'{p:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]'
