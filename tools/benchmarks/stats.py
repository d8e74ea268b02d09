"""Confidence intervals for the benchmark tables (cluster bootstrap over val images).

COCO keypoint AP is not a mean over people, so it is re-accumulated for every bootstrap
resample from the per-image match tables that ``COCOeval.evaluate`` computed once (the
same xtcocotools ``COCOeval`` with the same sigmas and ``use_area`` that MMPose's
``CocoMetric`` uses). PCK@0.1 per image is a ratio (correct / labelled keypoints) whose
resampled value is sum/sum. Resampling whole images keeps the people of one image
(crowds, occlusion) together. The resampling and percentile intervals are
``scipy.stats.bootstrap``'s; the same seed gives every row the same resamples, so the
intervals of differences are paired.
"""
import copy
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np
from scipy import stats

Interval = Tuple[float, float, float]  # (point estimate, low, high)


def bootstrap_interval(statistic: Callable[[np.ndarray], float], num_items: int,
                       n_resamples: int = 500, seed: int = 0,
                       confidence: float = 0.95) -> Interval:
    """Point estimate and percentile interval of ``statistic(indices)`` over items.

    ``statistic`` receives an integer index array (a resample of ``range(num_items)``).
    """
    if num_items < 2:
        raise ValueError(f'a bootstrap interval needs at least 2 items, got {num_items}')
    idx = np.arange(num_items)
    res = stats.bootstrap((idx, ), lambda i: statistic(np.asarray(i, int)), vectorized=False,
                          n_resamples=n_resamples, confidence_level=confidence,
                          method='percentile', random_state=np.random.default_rng(seed))
    return float(statistic(idx)), float(res.confidence_interval.low), float(
        res.confidence_interval.high)


class CocoKeypointAP:
    """COCO keypoint AP of one result file, re-accumulated for any subset of images.

    Args:
        gt: an ``xtcocotools.coco.COCO`` ground truth.
        results_json: the ``*.keypoints.json`` that ``CocoMetric(outfile_prefix=...)`` wrote.
        sigmas: per-keypoint OKS sigmas (the dataset metainfo's).
        image_ids: the evaluation images, in the order the bootstrap indexes them.
    """

    def __init__(self, gt, results_json: str, sigmas: Sequence[float],
                 image_ids: Sequence[int]) -> None:
        from xtcocotools.cocoeval import COCOeval
        dt = gt.loadRes(results_json)
        ev = COCOeval(gt, dt, 'keypoints', np.asarray(sigmas), use_area=True)
        ev.params.useSegm = None
        ev.params.imgIds = list(image_ids)
        ev.params.areaRng = ev.params.areaRng[:1]  # 'all' only: AP is the all-area figure
        ev.params.areaRngLbl = ev.params.areaRngLbl[:1]
        ev.evaluate()
        self._ev = ev
        self._per_image = list(ev.evalImgs)  # one category, one area range: one entry an image

    def __call__(self, indices: np.ndarray) -> float:
        """AP over the images ``indices`` (repeats allowed)."""
        ev = copy.copy(self._ev)
        ev._paramsEval = copy.copy(self._ev._paramsEval)
        ev._paramsEval.imgIds = list(range(len(indices)))
        ev.evalImgs = [self._per_image[i] for i in indices]
        ev.accumulate()
        prec = ev.eval['precision'][:, :, 0, 0, -1]  # T x R, area all, maxDets 20
        valid = prec[prec > -1]
        return float(valid.mean()) if valid.size else 0.0


@dataclass
class PerImagePCK:
    """Per-image, per-joint hit and labelled counts (num_images, K).

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


def per_image_pck(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray, bbox: np.ndarray,
                  image_index: np.ndarray, num_images: int, thr: float = 0.1) -> PerImagePCK:
    """Per-image PCK counts with MMPose's hit test (``PCKAccuracy(norm_item='bbox')``).

    Args:
        pred, gt: (N, K, 2) keypoints of N people; mask: (N, K) labelled keypoints;
        bbox: (N, 4) GT boxes xyxy (normalised by the larger side, as MMPose does);
        image_index: (N,) index of each person's image in ``range(num_images)``.
    """
    from mmpose.evaluation.functional import keypoint_pck_accuracy
    K = pred.shape[1]
    correct = np.zeros((num_images, K))
    labelled = np.zeros((num_images, K))
    size = np.max(bbox[:, 2:] - bbox[:, :2], axis=1)
    for n in range(len(pred)):  # MMPose's own hit test, one person at a time
        k = mask[n].astype(bool)
        if not k.any():
            continue
        norm = np.array([[size[n], size[n]]])
        acc, _, _ = keypoint_pck_accuracy(pred[n:n + 1], gt[n:n + 1], mask[n:n + 1], thr, norm)
        acc = np.asarray(acc)  # per joint: 1 hit, 0 miss, -1 not labelled
        correct[image_index[n]] += acc > 0.5
        labelled[image_index[n]] += acc >= 0
    return PerImagePCK(correct, labelled)


def paired_difference(stat_a: Callable[[np.ndarray], float], stat_b: Callable[[np.ndarray], float],
                      num_items: int, n_resamples: int = 500, seed: int = 0) -> Interval:
    """Interval of ``stat_a - stat_b`` over the same resamples (paired)."""
    return bootstrap_interval(lambda i: stat_a(i) - stat_b(i), num_items, n_resamples, seed)


def ratio_interval(num: Callable[[np.ndarray], float], den: Callable[[np.ndarray], float],
                   num_items: int, n_resamples: int = 500, seed: int = 0) -> Optional[Interval]:
    """Interval of ``num / den`` (e.g. gap closure); None when the point denominator is <= 0."""
    idx = np.arange(num_items)
    if den(idx) <= 1e-9:
        return None

    def ratio(i):
        d = den(i)
        return num(i) / d if abs(d) > 1e-9 else np.nan

    return bootstrap_interval(ratio, num_items, n_resamples, seed)


def verdict(diff: Interval) -> str:
    """'significant' (interval above 0), 'reversed' (below 0) or 'not significant'."""
    _, lo, hi = diff
    if lo > 0:
        return 'significant'
    if hi < 0:
        return 'reversed'
    return 'not significant'


def fmt_interval(iv: Optional[Interval], digits: int = 3) -> str:
    if iv is None:
        return '–'
    p, lo, hi = iv
    return f'{p:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]'


def summarize(stat: Dict[str, Callable[[np.ndarray], float]], num_items: int,
              n_resamples: int = 500, seed: int = 0) -> Dict[str, Interval]:
    """Intervals of several statistics over the same resamples."""
    return {k: bootstrap_interval(f, num_items, n_resamples, seed) for k, f in stat.items()}
