"""Bad COCO annotation and image files: a clear error naming the file, or a counted skip."""
import json
import math
import os

import numpy as np
import pytest

from lrpose_mm.datasets import CheckedCocoDataset

from conftest import write_tiny_coco

PIPELINE = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
            dict(type='TopdownAffine', input_size=(48, 64)), dict(type='PackPoseInputs')]


def _listing(root):
    return sorted((str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns)
                  for p in root.rglob('*'))


def _dataset(root, test_mode=False, **kwargs):
    return CheckedCocoDataset(data_root=str(root), ann_file='annotations/train.json',
                              data_prefix=dict(img='images/'), data_mode='topdown',
                              test_mode=test_mode, pipeline=PIPELINE, **kwargs)


def _edit(ann, field, index, value):
    ann[field][index] = value


# (name, edit of the JSON dict, expected skipped, expected repaired)
SKIP_CASES = [
    ('nan-keypoint', lambda d: _edit(d['annotations'][0], 'keypoints', 3, math.nan),
     {}, {'non-finite keypoints': 1}),
    ('inf-visibility', lambda d: _edit(d['annotations'][0], 'keypoints', 5, math.inf),
     {}, {'non-finite keypoints': 1}),
    ('nan-bbox', lambda d: _edit(d['annotations'][1], 'bbox', 0, math.nan),
     {'non-finite box': 1}, {}),
    ('zero-area-box', lambda d: _edit(d['annotations'][1], 'bbox', 2, 0.0),
     {'zero-area box': 1}, {}),
    ('box-outside-image', lambda d: d['annotations'][1].update(bbox=[500., 500., 20., 40.]),
     {'box outside the image': 1}, {}),
    ('negative-keypoints', lambda d: d['annotations'][2].update(
        keypoints=[-5.0, -5.0, 2] * 17), {'no labelled keypoints': 1},
     {'labelled keypoint outside the image': 17}),
    ('no-labelled-keypoints', lambda d: d['annotations'][2].update(num_keypoints=0),
     {'no labelled keypoints': 1}, {}),
    ('no-keypoints-field', lambda d: d['annotations'][2].pop('keypoints'),
     {'without box or keypoints': 1}, {}),
]


@pytest.mark.parametrize('name,edit,skipped,repaired', SKIP_CASES, ids=[c[0] for c in SKIP_CASES])
def test_bad_annotation_is_counted_skip(tmp_path, name, edit, skipped, repaired,
                                        mmpose_scope_one_thread):
    ann_file = write_tiny_coco(tmp_path)
    data = json.loads(ann_file.read_text())
    edit(data)
    ann_file.write_text(json.dumps(data))
    before = _listing(tmp_path)
    ds = _dataset(tmp_path)
    assert dict(ds.skipped) == skipped and dict(ds.repaired) == repaired
    assert len(ds) == 6 - sum(skipped.values())
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        assert np.isfinite(info['keypoints']).all() and np.isfinite(info['bbox']).all()
    if 'non-finite keypoints' in repaired:
        assert ds.get_data_info(0)['keypoints_visible'][0, 1] == 0
        assert ds.get_data_info(0)['num_keypoints'] == 16
    assert _listing(tmp_path) == before


# (name, how the file is broken, error words)
ERROR_CASES = [
    ('not-json', lambda f: f.write_text('<html>not json</html>'),
     r'train\.json is not a JSON annotation file'),
    ('truncated-json', lambda f: f.write_text(f.read_text()[:200]),
     r'train\.json is not a JSON annotation file'),
    ('empty-annotation-list', lambda f: f.write_text(json.dumps(
        dict(json.loads(f.read_text()), annotations=[]))),
     r'train\.json has no usable person annotation: 0 skipped'),
    ('all-skipped', lambda f: f.write_text(json.dumps(dict(
        json.loads(f.read_text()),
        annotations=[dict(a, num_keypoints=0) for a in json.loads(f.read_text())['annotations']]))),
     r'train\.json has no usable person annotation: 6 skipped \(6 no labelled keypoints\)'),
    ('string-coordinates', lambda f: f.write_text(f.read_text().replace(
        '"bbox": [', '"bbox": ["a", ', 1)), r'train\.json: annotation id 1 has a malformed bbox'),
]


@pytest.mark.parametrize('name,breaks,words', ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_bad_annotation_file_names_the_file(tmp_path, name, breaks, words,
                                            mmpose_scope_one_thread):
    ann_file = write_tiny_coco(tmp_path)
    breaks(ann_file)
    before = _listing(tmp_path)
    with pytest.raises(ValueError, match=words):
        _dataset(tmp_path)
    assert _listing(tmp_path) == before


@pytest.mark.parametrize('field,index', [('keypoints', 0), ('keypoints', 2), ('bbox', 3)])
@pytest.mark.parametrize('with_bbox_file', [False, True])
def test_nan_ground_truth_is_refused_for_evaluation(tmp_path, field, index, with_bbox_file,
                                                   mmpose_scope_one_thread):
    """CocoMetric's OKS against a NaN ground truth is NaN and changes AP: refuse it."""
    ann_file = write_tiny_coco(tmp_path)
    data = json.loads(ann_file.read_text())
    data['annotations'][3][field][index] = math.nan
    ann_file.write_text(json.dumps(data))
    kwargs = {}
    if with_bbox_file:
        det = tmp_path / 'det.json'
        det.write_text(json.dumps([dict(image_id=a['image_id'], category_id=1, score=1.0,
                                        bbox=a['bbox']) for a in data['annotations']
                                   if a['id'] != 4]))
        kwargs['bbox_file'] = str(det)
    with pytest.raises(ValueError, match=r'train\.json: annotation id 4 has .*non-finite'):
        _dataset(tmp_path, test_mode=True, **kwargs)


@pytest.mark.parametrize('keep_bytes', [0, 100, 600])
def test_truncated_image_is_named(tmp_path, keep_bytes, mmpose_scope_one_thread):
    write_tiny_coco(tmp_path)
    img = tmp_path / 'images' / '000002.jpg'
    img.write_bytes(img.read_bytes()[:keep_bytes])
    ds = _dataset(tmp_path)
    assert ds[0]['inputs'].shape[-2:] == (64, 48)   # other images load
    with pytest.raises(ValueError, match=rf'000002\.jpg exists but cannot be decoded as an image '
                                         rf'\({keep_bytes} bytes'):
        ds[2]


def test_missing_image_keeps_mmpose_error(tmp_path, mmpose_scope_one_thread):
    write_tiny_coco(tmp_path)
    os.remove(tmp_path / 'images' / '000001.jpg')
    ds = _dataset(tmp_path)
    with pytest.raises(Exception, match=r'000001\.jpg') as err:
        ds[1]
    assert not isinstance(err.value, ValueError) or 'cannot be decoded' not in str(err.value)
