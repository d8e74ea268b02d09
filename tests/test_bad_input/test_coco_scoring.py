"""What ``CheckedCocoDataset`` skips is not scored, and what is scored was checked.

Evaluation (``test_mode=True``) with oracle predictions (the ground-truth keypoints
of every person the dataset kept): MMPose's ``CocoMetric`` gives AP 1.0 whatever was
skipped, because it evaluates against the filtered annotation file the dataset wrote
(a metric reading another copy of the file, unfiltered, scores a skipped person as a
miss: what happened before). Structural faults are errors naming the file and the id.
"""
import copy
import json

import cv2
import numpy as np
import pytest

from lrpose_mm.datasets import CheckedCocoDataset

from conftest import COCO_MINI, write_tiny_coco

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')

PIPELINE = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
            dict(type='TopdownAffine', input_size=(48, 64)), dict(type='PackPoseInputs')]
METRIC = dict(use_area=True, score_mode='bbox', nms_mode='none')


def _write(tmp_path, edit=None):
    ann_file = write_tiny_coco(tmp_path)
    if edit is not None:
        data = json.loads(ann_file.read_text())
        edit(data)
        ann_file.write_text(json.dumps(data))
    return ann_file


def _dataset(root, test_mode=True, ann='annotations/train.json', img='images/'):
    return CheckedCocoDataset(data_root=str(root), ann_file=ann, data_prefix=dict(img=img),
                              data_mode='topdown', test_mode=test_mode, pipeline=PIPELINE)


def _oracle_ap(ds, ann_file):
    """coco/AP of predictions equal to the ground truth of every kept person."""
    from mmpose.evaluation.metrics import CocoMetric
    metric = CocoMetric(ann_file=str(ann_file), outfile_prefix=None, **METRIC)
    metric.dataset_meta = ds.metainfo
    samples = []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        samples.append(dict(
            id=info['id'], img_id=info['img_id'], category_id=1,
            pred_instances=dict(keypoints=info['keypoints'].astype(np.float32),
                                keypoint_scores=np.ones((1, 17), np.float32)),
            gt_instances=dict(bbox_scores=np.ones(1, np.float32)),
            ori_shape=(128, 96), raw_ann_info=info['raw_ann_info']))
    metric.process([], samples)
    return metric.compute_metrics(metric.results)['AP']


def _ann(i, **fields):
    return lambda d: d['annotations'][i].update(**fields)


def _img(i, **fields):
    return lambda d: d['images'][i].update(**fields)


# (name, edit, skipped, repaired, plain CocoMetric scores a skipped person as a miss)
SCORED_CASES = [
    ('box-outside-image', _ann(1, bbox=[500., 500., 20., 40.]),
     {'box outside the image': 1}, {}, True),
    ('negative-size-box', _ann(1, bbox=[10., 10., -20., -40.]), {'zero-area box': 1}, {}, True),
    ('image-record-of-size-0', _img(2, width=0, height=0),
     {'image record without a positive width/height': 1}, {}, True),
    ('box-1e12', _ann(1, bbox=[0., 0., 1e12, 1e12]), {'absurd box size': 1}, {}, True),
    ('box-1e30', _ann(1, bbox=[0., 0., 1e30, 1e30]), {'absurd box size': 1}, {}, True),
    ('keypoints-far-outside-but-visible', _ann(3, keypoints=[5000., 5000., 2] * 17),
     {'no labelled keypoints': 1}, {'labelled keypoint outside the image': 17}, True),
    ('visibility-minus-1', lambda d: d['annotations'][0]['keypoints'].__setitem__(2, -1),
     {}, {'visibility outside {0, 1, 2}': 1}, False),
    ('image-id-not-in-images', _ann(4, image_id=999), {'image_id not in images': 1}, {}, False),
    ('unknown-category', _ann(4, category_id=7), {'category_id not in categories': 1}, {},
     False),
]


@pytest.mark.parametrize('name,edit,skipped,repaired,plain_misses', SCORED_CASES,
                         ids=[c[0] for c in SCORED_CASES])
def test_evaluation_scores_exactly_the_kept_people(tmp_path, name, edit, skipped, repaired,
                                                   plain_misses):
    ann_file = _write(tmp_path, edit)
    ds = _dataset(tmp_path)
    assert dict(ds.skipped) == skipped and dict(ds.repaired) == repaired
    assert ds.checked_ann_file is not None
    kept = json.loads(open(ds.checked_ann_file).read())
    assert len(kept['annotations']) == 6 - sum(v for k, v in skipped.items()
                                               if k != 'no labelled keypoints')
    assert _oracle_ap(ds, ann_file) == pytest.approx(1.0)
    if plain_misses:   # the same file under another name is not filtered: a miss
        copy_file = tmp_path / 'copy.json'
        copy_file.write_text(ann_file.read_text())
        assert _oracle_ap(ds, copy_file) < 0.95


def test_clean_file_is_evaluated_as_is(tmp_path):
    ann_file = _write(tmp_path)
    ds = _dataset(tmp_path)
    assert ds.checked_ann_file is None and not ds.skipped and not ds.repaired
    assert _oracle_ap(ds, ann_file) == pytest.approx(1.0)


def _dup_ann(d):
    d['annotations'][1]['id'] = d['annotations'][0]['id']


def _dup_img(d):
    d['images'][1]['id'] = d['images'][0]['id']


# (name, edit, error words in evaluation, skipped in training or None: an error in both)
ERROR_CASES = [
    ('duplicate-annotation-id', _dup_ann, r'train.json: annotation id 1 is used twice',
     {'duplicate annotation id': 1}),
    ('duplicate-image-id', _dup_img, r'train.json: image id 1 is used by two image records',
     {'duplicate image id': 1, 'image_id not in images': 1}),
    ('10-keypoints', _ann(2, keypoints=[10., 10., 2] * 10),
     r'train.json: annotation id 3 has 30 keypoint values \(10 keypoints\).*17 keypoints', None),
    ('20-keypoints', _ann(2, keypoints=[10., 10., 2] * 20),
     r'annotation id 3 has 60 keypoint values \(20 keypoints\)', None),
    ('no-categories-key', lambda d: d.pop('categories'),
     r"train.json is not a COCO keypoint annotation file: the 'categories' key is missing",
     None),
    ('no-images-key', lambda d: d.pop('images'),
     r"train.json is not a COCO keypoint annotation file: the 'images' key is missing", None),
    ('annotation-id-abc', _ann(1, id='abc'),
     r"train.json: annotation #1 has id 'abc', not an integer id", None),
    ('image-id-float', _img(1, id=2.5), r"train.json: image #1 has id 2.5, not an integer id",
     None),
]


@pytest.mark.parametrize('name,edit,words,train_skipped', ERROR_CASES,
                         ids=[c[0] for c in ERROR_CASES])
def test_structural_faults_are_named(tmp_path, name, edit, words, train_skipped):
    _write(tmp_path, edit)
    with pytest.raises(ValueError, match=words):
        _dataset(tmp_path, test_mode=True)
    if train_skipped is None:
        with pytest.raises(ValueError, match=words):
            _dataset(tmp_path, test_mode=False)
    else:
        ds = _dataset(tmp_path, test_mode=False)
        assert dict(ds.skipped) == train_skipped and len(ds) == 6 - sum(train_skipped.values())


def test_decoded_image_size_is_checked_against_the_record(tmp_path):
    """A 7680x5760 image file whose record says 96x128: evaluation raises, training
    skips that image's people (counted) and draws another sample."""
    _write(tmp_path)
    path = tmp_path / 'images' / '000002.jpg'
    cv2.imwrite(str(path), cv2.resize(cv2.imread(str(path)), (768, 576)))
    ds = _dataset(tmp_path, test_mode=True)
    assert ds[0]['data_samples'].metainfo['ori_shape'] == (128, 96)
    with pytest.raises(ValueError, match=r'000002.jpg: decoded size 768x576 differs from its '
                                         r'record in .*train.json \(image id 3: 96x128\)'):
        ds[2]
    train = _dataset(tmp_path, test_mode=False)
    assert train.prepare_data(2) is None
    assert train.skipped['image size differs from its record'] == 1
    assert train[2] is not None        # MMPose's dataset draws another sample instead


@pytest.mark.skipif(not COCO_MINI.is_dir(), reason='the shared coco_mini data is absent')
def test_real_coco_counts_and_metric_agree(tmp_path):
    """On real COCO: a box moved out of its image is skipped, and the oracle still
    scores AP 1.0 against the filtered file (the unfiltered one scores it as a miss)."""
    src = json.loads((COCO_MINI / 'annotations/person_keypoints_train2017.json').read_text())
    data = copy.deepcopy(src)
    target = next(a for a in data['annotations'] if a['num_keypoints'] >= 10 and
                  not a['iscrowd'])
    target['bbox'] = [1e4, 1e4, 50., 80.]
    ann_file = tmp_path / 'ann.json'
    ann_file.write_text(json.dumps(data))
    ds = _dataset(COCO_MINI, ann=str(ann_file), img='train2017/')
    assert ds.skipped['box outside the image'] == 1
    kept = json.loads(open(ds.checked_ann_file).read())
    assert target['id'] not in {a['id'] for a in kept['annotations']}
    assert len(kept['annotations']) == len(src['annotations']) - 1
