"""Procedural COCO-format people: determinism, caching, annotation validity,
MMPose CocoDataset/CocoMetric round trip and left/right asymmetry."""
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from lrpose_mm.datasets import synthetic as syn

IMG_SIZE = (160, 120)
N_IMAGES = 10


def _digest(root: Path, split: str = 'train') -> str:
    h = hashlib.sha256()
    h.update((root / 'annotations' / f'person_keypoints_{split}.json').read_bytes())
    for p in sorted((root / split).iterdir()):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope='module')
def people(tmp_path_factory):
    """A small dataset written with one worker."""
    root = tmp_path_factory.mktemp('people_w1')
    return root, syn.generate_coco_people(str(root), N_IMAGES, seed=7, img_size=IMG_SIZE,
                                          workers=1, progress=False)


@pytest.mark.slow
def test_worker_count_does_not_change_the_bytes(people, tmp_path):
    """2 spawn workers (each imports the library: seconds) write the same bytes."""
    a, _ = people
    syn.generate_coco_people(str(tmp_path), N_IMAGES, seed=7, img_size=IMG_SIZE, workers=2,
                             progress=False)
    assert _digest(tmp_path) == _digest(a)


def test_deterministic_by_seed_and_index(people, tmp_path):
    a, ia = people
    assert not ia['cached'] and ia['num_images'] == N_IMAGES and ia['num_people'] > 0
    other = syn.generate_coco_people(str(tmp_path), N_IMAGES, seed=8, img_size=IMG_SIZE,
                                     workers=1, progress=False)
    assert other['cache_key'] != ia['cache_key']
    assert _digest(tmp_path) != _digest(a)   # another seed: other data
    # image i depends only on (seed, split, i): a shorter run is a prefix
    short = tmp_path / 'short'
    syn.generate_coco_people(str(short), 3, seed=7, img_size=IMG_SIZE, workers=1,
                             progress=False)
    for i in range(3):
        name = f'{i:06d}.jpg'
        assert (short / 'train' / name).read_bytes() == (a / 'train' / name).read_bytes()


def test_cache_reuse_and_atomic_write(people, tmp_path, monkeypatch):
    a, ia = people
    again = syn.generate_coco_people(str(a), N_IMAGES, seed=7, img_size=IMG_SIZE,
                                     workers=2, progress=False)
    assert again['cached'] and again['cache_key'] == ia['cache_key']
    assert again['num_people'] == ia['num_people']
    # a run that dies midway leaves no dataset that looks complete
    from lrpose_mm.datasets.synthetic import people as people_mod
    calls = []

    def dying(args):
        calls.append(1)
        if len(calls) > 1:
            raise KeyboardInterrupt('killed')
        return real(args)
    real = people_mod._work
    monkeypatch.setattr(people_mod, '_work', dying)
    with pytest.raises(KeyboardInterrupt):
        syn.generate_coco_people(str(tmp_path), 40, seed=1, img_size=IMG_SIZE, workers=1,
                                 progress=False)
    assert not (tmp_path / 'annotations' / 'person_keypoints_train.json').exists()
    assert not (tmp_path / 'train').exists()
    assert not [p for p in os.listdir(tmp_path) if p.startswith('.tmp-')]
    with pytest.raises(ValueError, match='people_per_image'):
        syn.generate_coco_people(str(tmp_path), 2, people_per_image=(3, 1))


def test_annotations_are_valid_coco(people):
    a, ia = people
    data = json.loads(Path(ia['ann_file']).read_text())
    cat = data['categories'][0]
    assert cat['id'] == 1 and cat['name'] == 'person'
    assert cat['keypoints'] == list(syn.COCO_KEYPOINTS) and len(cat['skeleton']) == 19
    W, H = IMG_SIZE
    ids = {im['id'] for im in data['images']}
    assert len(ids) == N_IMAGES
    for im in data['images']:
        assert (im['width'], im['height']) == (W, H)
        assert (a / 'train' / im['file_name']).is_file()
    seen_v = set()
    for ann in data['annotations']:
        assert ann['image_id'] in ids and ann['category_id'] == 1 and ann['iscrowd'] == 0
        kp = np.array(ann['keypoints'], float).reshape(17, 3)
        v = kp[:, 2]
        seen_v |= set(v.tolist())
        assert set(v.tolist()) <= {0, 1, 2}
        assert ann['num_keypoints'] == int((v > 0).sum()) > 0
        assert (kp[v == 0, :2] == 0).all()
        lab = kp[v > 0]
        assert (lab[:, 0] >= 0).all() and (lab[:, 0] <= W - 1).all()
        assert (lab[:, 1] >= 0).all() and (lab[:, 1] <= H - 1).all()
        x, y, w, h = ann['bbox']
        assert x >= 0 and y >= 0 and w > 0 and h > 0 and x + w <= W + 1e-6 and y + h <= H + 1e-6
        assert (lab[:, 0] >= x - 0.01).all() and (lab[:, 0] <= x + w + 0.01).all()
        assert (lab[:, 1] >= y - 0.01).all() and (lab[:, 1] <= y + h + 0.01).all()
        assert 0 < ann['area'] <= w * h + 1e-6
    assert seen_v == {0.0, 1.0, 2.0} or seen_v == {1.0, 2.0}


def test_mmpose_coco_dataset_and_metric(people):
    a, ia = people
    import mmpose.datasets  # noqa: F401  (registers the datasets)
    from mmpose.datasets import CocoDataset
    from mmpose.evaluation import CocoMetric
    ds = CocoDataset(data_root=str(a), data_mode='topdown',
                     ann_file='annotations/person_keypoints_train.json',
                     data_prefix=dict(img='train/'), test_mode=True, pipeline=[],
                     lazy_init=False)
    assert len(ds) == ia['num_people']
    info = ds.get_data_info(0)
    assert os.path.isfile(info['img_path']) and info['keypoints'].shape == (1, 17, 2)

    def evaluate(noise):
        metric = CocoMetric(ann_file=ia['ann_file'], nms_mode='none', score_mode='bbox',
                            outfile_prefix=None)
        metric.dataset_meta = ds.metainfo
        rng = np.random.default_rng(0)
        samples = []
        for i in range(len(ds)):
            d = ds.get_data_info(i)
            kp = d['keypoints'].astype(np.float64)
            if noise:
                kp = kp + rng.normal(0, noise, kp.shape) * np.sqrt(d['area'])
            samples.append(dict(id=d['id'], img_id=d['img_id'], category_id=1,
                                ori_shape=(IMG_SIZE[1], IMG_SIZE[0]), gt_instances={},
                                pred_instances=dict(keypoints=kp,
                                                    keypoint_scores=np.ones((1, 17)))))
        metric.process([], samples)
        return metric.compute_metrics(metric.results)['AP']
    assert evaluate(0.0) == pytest.approx(1.0)
    assert evaluate(0.08) < 0.9


@pytest.mark.slow
def test_left_and_right_look_alike_in_pixels(tmp_path):
    """Both hands wear the saturated glove colour: no one-sided mark makes one side
    of a val person easier to see (flip augmentation would contradict such a mark)."""
    import cv2
    info = syn.generate_coco_people(str(tmp_path), 24, seed=3, img_size=(256, 192),
                                    people_per_image=(1, 2), workers=2, progress=False)
    data = json.loads(Path(info['ann_file']).read_text())
    files = {im['id']: im['file_name'] for im in data['images']}
    sat = {9: [], 10: []}
    for ann in data['annotations']:
        kp = np.array(ann['keypoints'], float).reshape(17, 3)
        img = cv2.imread(str(tmp_path / 'train' / files[ann['image_id']]))
        hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
        for w, e in ((9, 7), (10, 8)):
            if kp[w, 2] == 2 and kp[e, 2] > 0:
                hand = kp[w, :2] + 0.35 * (kp[w, :2] - kp[e, :2])   # towards the fingers
                x, y = int(round(hand[0])), int(round(hand[1]))
                if 1 <= x < 255 and 1 <= y < 191:
                    sat[w].append(hsv[y - 1:y + 2, x - 1:x + 2, 1].mean())
    assert len(sat[9]) > 5 and len(sat[10]) > 5
    left, right = np.mean(sat[9]), np.mean(sat[10])
    assert min(left, right) > 90, (left, right)  # gloved, far from skin saturation
    assert abs(left - right) < 25, (left, right)


def test_building_blocks_for_animation():
    rng = np.random.default_rng(0)
    body, app = syn.sample_body(rng), syn.sample_appearance(rng)
    bg = syn.render_background(rng, 120, 160)
    assert bg.shape == (120, 160, 3) and bg.dtype == np.uint8
    ang = syn.JointAngles(yaw=90)
    kp, z = syn.pose_to_keypoints(ang, body, root_xy=(80, 60), height_px=100, return_depth=True)
    assert kp.shape == (17, 2) and z.shape == (17,)
    # seen from its right side: the right shoulder is nearer than the left
    assert z[6] > z[5]
    frame = bg.copy()
    res = syn.render_person(frame, kp, body, app, facing=ang.yaw, depth=z, height_px=100)
    assert res.mask.any() and (frame != bg).any()
    assert res.self_visible[6] and not res.self_visible[5]   # far shoulder hidden
    # the same call without depth (derived from facing) agrees on that
    res2 = syn.render_person(bg.copy(), kp, body, app, facing=90)
    assert res2.self_visible[6] and not res2.self_visible[5]
    # frontal: both shoulders visible, left one on the image right
    kp0 = syn.pose_to_keypoints(syn.JointAngles(yaw=0), body, (80, 60), 100)
    assert kp0[5, 0] > kp0[6, 0]
    # joint angles are an explicit, round-trippable structure
    assert syn.JointAngles.from_dict(ang.to_dict()) == ang


def test_photo_backgrounds_and_edge_cases(tmp_path):
    import cv2
    bg = tmp_path / 'photos'
    bg.mkdir()
    rng = np.random.default_rng(0)
    cv2.imwrite(str(bg / 'a.jpg'), rng.integers(0, 255, (90, 150, 3), dtype=np.uint8))
    cv2.imwrite(str(bg / 'b.png'), np.full((300, 200, 3), (10, 200, 30), np.uint8))
    (bg / 'broken.jpg').write_bytes(b'not an image')   # skipped, never fatal
    info = syn.generate_coco_people(str(tmp_path / 'ds'), 4, seed=0, img_size=IMG_SIZE,
                                    backgrounds_dir=str(bg), workers=1, progress=False)
    assert info['num_images'] == 4
    with pytest.raises(ValueError, match='no images'):
        syn.render_background(rng, 32, 32, backgrounds_dir=str(tmp_path / 'ds' / 'annotations'))
    # a person entirely outside the canvas draws nothing; a degenerate one does not crash
    canvas = np.zeros((40, 40, 3), np.uint8)
    body, app = syn.sample_body(rng), syn.sample_appearance(rng)
    kp = syn.pose_to_keypoints(syn.JointAngles(), body, (500, 500), 30)
    assert not syn.render_person(canvas, kp, body, app).mask.any() and not canvas.any()
    syn.render_person(canvas, np.full((17, 2), 20.0), body, app, height_px=30)
