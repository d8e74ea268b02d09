"""KeypointInstanceDump: registered by the library, writes what PCKAccuracy reads, per person."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmpose.registry import METRICS

import lrpose_mm  # noqa: F401  (registers the metric)
from lrpose_mm.evaluation import load_instances


def _sample(img_id: int, shift: float, sr_path=None) -> dict:
    kpts = np.arange(34, dtype=np.float32).reshape(1, 17, 2)
    pred = dict(keypoints=kpts + shift, keypoint_scores=np.full((1, 17), 0.5, np.float32))
    if sr_path is not None:
        pred['sr_path'] = np.array([sr_path])
    return dict(img_id=img_id, pred_instances=pred,
                gt_instances=dict(keypoints=kpts, keypoints_visible=np.ones((1, 17)),
                                  bboxes=np.array([[0, 0, 40, 80]], np.float32)))


def test_dump_is_built_from_the_mmpose_registry_and_written_per_person(tmp_path):
    init_default_scope('mmpose')
    out = tmp_path / 'instances.npz'
    metric = METRICS.build(dict(type='KeypointInstanceDump', out_file=str(out)))
    metric.process({}, [_sample(7, 1.0, 'sr'), _sample(9, 0.0, 'direct')])
    assert metric.compute_metrics(metric.results) == {}  # no metric of its own
    d = load_instances(str(out))
    assert d['pred'].shape == d['gt'].shape == (2, 17, 2) and d['mask'].shape == (2, 17)
    np.testing.assert_allclose(d['pred'][0] - d['gt'][0], 1.0)
    assert d['img_id'].tolist() == [7, 9] and d['sr_path'].tolist() == ['sr', 'direct']
    assert d['bbox'].tolist() == [[0, 0, 40, 80]] * 2 and d['mask'].all()


def test_dump_refuses_object_arrays_on_read(tmp_path):
    path = tmp_path / 'bad.npz'
    np.savez(path, x=np.array([{'a': 1}], dtype=object))
    with pytest.raises(ValueError):
        load_instances(str(path))  # never unpickles
