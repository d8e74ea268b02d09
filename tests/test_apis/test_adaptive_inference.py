"""Resolution-adaptive inference: routing, grouping by path, same keypoints on both paths."""
import numpy as np
import pytest
from mmengine.config import Config

import lrpose_mm  # noqa: F401
from lrpose_mm.apis import adaptive_pipeline, inference_topdown_batched

from oracle_pose import draw_people, oracle_model

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')

HR, SCALE = (48, 64), 4
SIM_LR_TEST_PIPELINE = [
    dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=HR),
    dict(type='LowResDegrade', scale=SCALE, kernel='bicubic', deterministic=True),
    dict(type='PackSRPoseInputs')]


def _model():
    model = oracle_model(SCALE, HR)
    model.cfg = Config(dict(default_scope='mmpose', test_dataloader=dict(
        dataset=dict(pipeline=SIM_LR_TEST_PIPELINE))))
    model.dataset_meta = None
    batches = []
    test_step = model.test_step

    def recording_test_step(data):
        out = test_step(data)
        batches.append([ds.pred_instances.sr_path[0] for ds in out])
        return out

    model.test_step = recording_test_step
    return model, batches


def _keypoints(results):
    return np.stack([np.asarray(r.pred_instances.keypoints[0]) for r in results])


def test_adaptive_pipeline_replaces_the_crop():
    model, _ = _model()
    pipe = adaptive_pipeline(model, size_threshold=90)
    assert [t['type'] for t in pipe] == ['LoadImage', 'GetBBoxCenterScale',
                                         'AdaptiveTopdownAffine', 'PackSRPoseInputs']
    assert pipe[2] == dict(type='AdaptiveTopdownAffine', input_size=HR, sr_scale=SCALE,
                           size_threshold=90, use_udp=False)
    model.sr_neck.scale = 1
    with pytest.raises(ValueError, match='needs an SR model'):
        adaptive_pipeline(model)


def test_mixed_sizes_are_routed_grouped_and_returned_in_order():
    boxes = [(20, 20, 44, 52), (100, 30, 220, 190), (60, 200, 84, 236), (150, 220, 210, 300)]
    img, gt = draw_people(boxes)
    model, batches = _model()
    res = inference_topdown_batched(model, [img], [np.array(boxes, np.float32)], batch_size=2,
                                    pipeline=adaptive_pipeline(model))[0]
    # region height = 1.25 x box height; threshold = HR height 64
    assert [r.pred_instances.sr_path[0] for r in res] == ['sr', 'direct', 'sr', 'direct']
    assert [r.metainfo['sr_path'] for r in res] == ['sr', 'direct', 'sr', 'direct']
    assert all(len(set(b)) == 1 for b in batches) and sorted(map(len, batches)) == [2, 2]
    heights = np.array([b[3] - b[1] for b in boxes], float)
    err = np.linalg.norm(_keypoints(res) - gt, axis=-1).max(-1)
    assert (err < 0.04 * heights).all(), (err, heights)


@pytest.mark.parametrize('box', [(60, 40, 124, 125), (30, 60, 54, 92)])
def test_both_paths_find_the_same_person(box):
    img, gt = draw_people([box])
    model, _ = _model()
    out = {}
    for path, thr in (('sr', 1e6), ('direct', 1.0)):
        r = inference_topdown_batched(model, [img], [np.array([box], np.float32)],
                                      pipeline=adaptive_pipeline(model, size_threshold=thr))[0]
        assert r[0].pred_instances.sr_path[0] == path
        out[path] = _keypoints(r)[0]
    h = box[3] - box[1]
    assert np.abs(out['sr'] - out['direct']).max() < 0.04 * h
    assert np.abs(out['sr'] - gt[0]).max() < 0.04 * h


def test_mixed_batch_from_a_dataloader_is_split_by_path():
    """The Runner's test loop feeds mixed batches; test_step groups them itself."""
    from mmengine.dataset import Compose, pseudo_collate
    boxes = [(20, 20, 44, 52), (100, 30, 220, 190), (60, 200, 84, 236)]
    img, gt = draw_people(boxes)
    model, batches = _model()
    pipe = Compose(adaptive_pipeline(model))
    packed = [pipe(dict(img=img, bbox=np.array([b], np.float32), bbox_score=np.ones(1, np.float32)))
              for b in boxes]
    res = model.test_step(pseudo_collate(packed))
    assert [r.pred_instances.sr_path[0] for r in res] == ['sr', 'direct', 'sr']
    heights = np.array([b[3] - b[1] for b in boxes], float)
    assert (np.linalg.norm(_keypoints(res) - gt, axis=-1).max(-1) < 0.04 * heights).all()
