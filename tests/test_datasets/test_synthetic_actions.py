"""Procedural skeleton actions: determinism, left/right, resumable
generation, and GT annotations that MMAction2's PoseDataset loads."""
import json
import pickle

import numpy as np
import pytest

import lrpose_mm  # noqa: F401  (compat fixes before mmaction.models)
from lrpose_mm.datasets.synthetic import actions as A

SMALL = dict(num_frames=8, lr_size=(40, 32), progress=False)


def _load(p):
    with open(p, 'rb') as f:
        return pickle.load(f)


def test_clip_motion_is_deterministic_by_seed():
    a = A.sample_clip(3, 4, 7)
    b = A.sample_clip(3, 4, 7)
    np.testing.assert_array_equal(a['keypoints'], b['keypoints'])
    np.testing.assert_array_equal(a['depth'], b['depth'])
    assert not np.allclose(a['keypoints'], A.sample_clip(4, 4, 7)['keypoints'])
    assert not np.allclose(a['keypoints'], A.sample_clip(3, 4, 8)['keypoints'])


@pytest.mark.parametrize('label', range(len(A.ACTION_CLASSES)))
def test_every_class_stays_in_frame_at_lr_person_size(label):
    for k in range(3):
        c = A.sample_clip(0, label, k)
        kp = c['keypoints']
        W, H = c['hr_size']
        assert kp.shape == (48, 17, 2) and np.isfinite(kp).all()
        assert (kp[..., 0] >= 0).all() and (kp[..., 0] < W).all()
        assert (kp[..., 1] >= 0).all() and (kp[..., 1] < H).all()
        # standing height in LR pixels (zoomed out only if the motion needs)
        assert 24 <= c['height_px'] / c['scale'] <= 48


def test_left_and_right_waves_move_the_right_wrist():
    """wave_left_hand moves COCO left_wrist (9), wave_right_hand right (10)."""
    for k in range(4):
        for label, moving, still in ((0, 9, 10), (1, 10, 9)):
            kp = A.sample_clip(1, label, k)['keypoints']
            h = A.sample_clip(1, label, k)['height_px']
            spread = lambda j: kp[:, j].std(0).sum() / h  # noqa: E731
            assert spread(moving) > 2 * spread(still), (label, k)
            # the waving hand is above its shoulder (image y grows down)
            assert (kp[:, moving, 1] < kp[:, moving - 4, 1]).mean() > 0.8


def test_generation_is_deterministic_resumable_and_loads(tmp_path):
    from mmaction.datasets import PoseDataset
    from mmengine.registry import init_default_scope
    d1, d2 = tmp_path / 'a', tmp_path / 'b'
    m1 = A.generate_action_dataset(str(d1), clips_per_class=5,
                                   classes=[0, 9], **SMALL)
    assert m1['num_clips'] == 10 and m1['num_generated'] == 10
    assert (m1['num_train'], m1['num_val']) == (8, 2)
    # simulate an interruption: one clip's outputs are gone
    name = '09_turn_around_0002'
    (d1 / 'clips' / f'{name}.npz').unlink()
    (d1 / 'videos' / f'{name}.mp4').unlink()
    (d1 / 'gt_skeletons.pkl').unlink()
    m1b = A.generate_action_dataset(str(d1), clips_per_class=5,
                                    classes=[0, 9], **SMALL)
    assert (m1b['num_generated'], m1b['num_cached']) == (1, 9)
    A.generate_action_dataset(str(d2), clips_per_class=5, classes=[0, 9],
                              **SMALL)
    g1, g2 = _load(d1 / 'gt_skeletons.pkl'), _load(d2 / 'gt_skeletons.pkl')
    assert g1['split'] == g2['split']
    assert g1['split']['val'] == ['00_wave_left_hand_0004',
                                  '09_turn_around_0004']
    for x, y in zip(g1['annotations'], g2['annotations']):
        assert x['frame_dir'] == y['frame_dir'] and x['label'] == y['label']
        np.testing.assert_array_equal(x['keypoint'], y['keypoint'])
    # same pixels too (the rendered videos decode identically)
    from lrpose_mm.action import read_all_frames
    f1, _ = read_all_frames(str(d1 / 'videos' / f'{name}.mp4'), 'cv2')
    f2, _ = read_all_frames(str(d2 / 'videos' / f'{name}.mp4'), 'cv2')
    assert len(f1) == 8 and f1[0].shape == (32, 40, 3)
    assert all(np.array_equal(a, b) for a, b in zip(f1, f2))
    # GT skeleton file: PoseDataset format, LR pixel coordinates
    a = g1['annotations'][0]
    assert a['keypoint'].shape == (1, 8, 17, 2)
    assert a['keypoint'].dtype == a['keypoint_score'].dtype == np.float32
    assert a['img_shape'] == (32, 40) and a['total_frames'] == 8
    hr = _load(d1 / 'gt_skeletons_hr.pkl')['annotations'][0]
    np.testing.assert_allclose(a['keypoint'],
                               (hr['keypoint'] + 0.5) / 4 - 0.5, atol=1e-4)
    init_default_scope('mmaction')
    pipeline = [dict(type='PreNormalize2D'),
                dict(type='GenSkeFeat', dataset='coco', feats=['j']),
                dict(type='UniformSampleFrames', clip_len=8),
                dict(type='PoseDecode'),
                dict(type='FormatGCNInput', num_person=1),
                dict(type='PackActionInputs')]
    ds = PoseDataset(str(d1 / 'gt_skeletons.pkl'), pipeline, split='val')
    assert len(ds) == 2 and tuple(ds[0]['inputs'].shape) == (1, 1, 8, 17, 3)
    # video list + GT track files for the extractor
    lines = (d1 / 'video_list.txt').read_text().splitlines()[1:]
    assert len(lines) == 10
    p, label, split, tracks = lines[0].split()
    assert (d1 / p).exists() and (d1 / tracks).exists()
    tr = json.loads((d1 / tracks).read_text())
    assert tr['format'] == 'lrpose_mm.tracks.v1' and len(tr['frames']) == 8
    x1, y1, x2, y2, tid = tr['frames']['0'][0]
    kp0 = a['keypoint'][0, 0]
    assert x1 <= kp0[:, 0].min() and kp0[:, 0].max() <= x2
    assert y1 <= kp0[:, 1].min() and kp0[:, 1].max() <= y2


def test_generation_refuses_other_settings(tmp_path):
    A.generate_action_dataset(str(tmp_path), clips_per_class=1, classes=[2],
                              **SMALL)
    with pytest.raises(RuntimeError, match='seed'):
        A.generate_action_dataset(str(tmp_path), clips_per_class=1,
                                  classes=[2], seed=1,
                                  **SMALL)
