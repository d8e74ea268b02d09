"""Bootstrap statistics of the benchmark: they reproduce the metrics they put intervals on."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'tools'))
from benchmarks.common.stats import (  # noqa: E402
    Bootstrapped,
    CocoKeypointAP,
    bootstrap,
    per_image_pck,
    person_hits,
    resample_indices,
    verdict,
)

SIGMAS = [.026, .025, .025, .035, .035, .079, .079, .072, .072, .062, .062, .107, .107, .087,
          .087, .089, .089]


def _coco_files(tmp_path, noise, seed=0, n_images=12):
    """GT with 1-3 people per image and results = GT + Gaussian noise (pixels)."""
    rng = np.random.default_rng(seed)
    images, anns, res = [], [], []
    for i in range(n_images):
        images.append(dict(id=i + 1, file_name=f'{i}.jpg', width=200, height=200))
        for _ in range(int(rng.integers(1, 4))):
            x, y = rng.uniform(10, 100, 2)
            kp = np.concatenate([rng.uniform([x, y], [x + 60, y + 90], (17, 2)),
                                 np.full((17, 1), 2.0)], 1)
            anns.append(dict(id=len(anns) + 1, image_id=i + 1, category_id=1, iscrowd=0,
                             bbox=[x, y, 60, 90], area=2000.0, num_keypoints=17,
                             keypoints=kp.reshape(-1).tolist()))
            pk = kp.copy()
            pk[:, :2] += rng.normal(0, noise, (17, 2))
            res.append(dict(image_id=i + 1, category_id=1, score=1.0,
                            keypoints=pk.reshape(-1).tolist()))
    gt_file, res_file = tmp_path / 'gt.json', tmp_path / f'res{noise}.json'
    gt_file.write_text(json.dumps(dict(images=images, annotations=anns, categories=[
        dict(id=1, name='person', keypoints=[str(k) for k in range(17)], skeleton=[])])))
    res_file.write_text(json.dumps(res))
    return gt_file, res_file


def test_ap_on_all_images_equals_cocoeval(tmp_path):
    import contextlib
    import io

    from xtcocotools.coco import COCO
    from xtcocotools.cocoeval import COCOeval
    gt_file, res_file = _coco_files(tmp_path, noise=3.0)
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(gt_file))
        ev = COCOeval(gt, gt.loadRes(str(res_file)), 'keypoints', np.array(SIGMAS), use_area=True)
        ev.params.useSegm = None
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    ap = CocoKeypointAP(gt, str(res_file), SIGMAS, sorted(gt.getImgIds()))
    assert ap(np.arange(12)) == pytest.approx(ev.stats[0], abs=1e-9)
    assert 0.05 < ev.stats[0] < 0.99  # a case where AP is neither trivial 0 nor 1


def test_paired_difference_of_a_row_with_itself_is_exactly_zero(tmp_path):
    from xtcocotools.coco import COCO
    gt_file, res_file = _coco_files(tmp_path, noise=3.0)
    gt = COCO(str(gt_file))
    ap = CocoKeypointAP(gt, str(res_file), SIGMAS, sorted(gt.getImgIds()))
    idx = resample_indices(12, 50, seed=1)
    a = bootstrap(ap, idx)
    d = (a - bootstrap(ap, idx)).interval()
    assert d == (0.0, 0.0, 0.0)
    p, lo, hi = a.interval()
    assert lo <= p <= hi and hi - lo > 0.0  # a real spread over resamples


def test_better_predictions_give_a_significant_paired_difference(tmp_path):
    from xtcocotools.coco import COCO
    gt_file, good = _coco_files(tmp_path, noise=1.0, n_images=30)
    _, bad = _coco_files(tmp_path, noise=4.0, n_images=30)
    gt = COCO(str(gt_file))
    ids = sorted(gt.getImgIds())
    idx = resample_indices(30, 200, seed=0)
    diff = bootstrap(CocoKeypointAP(gt, str(good), SIGMAS, ids), idx) - bootstrap(
        CocoKeypointAP(gt, str(bad), SIGMAS, ids), idx)
    assert verdict(diff.interval()) == 'significant'
    assert verdict((Bootstrapped(-diff.point, -diff.samples)).interval()) == 'reversed'


def test_pck_equals_mmpose_pck_accuracy():
    from mmpose.evaluation import PCKAccuracy
    rng = np.random.default_rng(0)
    n = 40
    gt = rng.uniform(0, 100, (n, 17, 2))
    pred = gt + rng.normal(0, 6, (n, 17, 2))
    mask = rng.random((n, 17)) > 0.3
    bbox = np.concatenate([gt.min(1), gt.max(1)], 1)
    metric = PCKAccuracy(thr=0.1, norm_item='bbox')
    metric.dataset_meta = dict(num_keypoints=17)
    metric.process([], [dict(pred_instances=dict(keypoints=pred[i:i + 1]),
                             gt_instances=dict(keypoints=gt[i:i + 1],
                                               keypoints_visible=mask[i:i + 1].astype(float),
                                               bboxes=bbox[i:i + 1])) for i in range(n)])
    expected = metric.compute_metrics(metric.results)['PCK']
    image_index = np.arange(n) // 4
    pck = per_image_pck(person_hits(pred, gt, mask, bbox), image_index, 10)
    assert pck(np.arange(10)) == pytest.approx(expected, abs=1e-9)
    assert 0.1 < expected < 0.95


def test_resampling_rejects_impossible_sizes():
    with pytest.raises(ValueError, match='at least 2 items'):
        resample_indices(1, 100)
    with pytest.raises(ValueError, match='n_resamples'):
        resample_indices(10, 3)
