"""skeleton_keypoint_error: MMPose's EPE and PCK over MMAction2 skeleton annotations."""
import numpy as np
import pytest

from lrpose_mm.evaluation import skeleton_keypoint_error


def _ann(name, kp):
    return dict(frame_dir=name, keypoint=np.asarray(kp, np.float32)[None])


def test_epe_and_pck_known_values():
    T, K = 4, 17
    gt = np.zeros((T, K, 2))
    gt[..., 1] = np.linspace(0, 100, K)      # person 100 px tall
    pred = gt.copy()
    pred[:, :5, 0] += 20                     # 5 of 17 keypoints 20 px off (0.2 x height)
    pred[:, 5:, 0] += 3                      # the others 3 px off (0.03 x height)
    res = skeleton_keypoint_error([_ann('a', pred), _ann('only_pred', pred)],
                                  [_ann('a', gt), _ann('only_gt', gt)], pck_thr=0.1)
    assert res['num_frames'] == T
    assert res['epe_px'] == pytest.approx((5 * 20 + 12 * 3) / 17, rel=1e-5)
    assert res['pck'] == pytest.approx(12 / 17)
    assert skeleton_keypoint_error([_ann('b', pred)], [_ann('a', gt)])['pck'] is None


def test_clips_cut_to_the_shorter_length():
    gt = np.zeros((6, 17, 2))
    gt[..., 1] = np.linspace(0, 50, 17)
    res = skeleton_keypoint_error([_ann('a', gt[:4])], [_ann('a', gt)])
    assert res['num_frames'] == 4 and res['epe_px'] == 0 and res['pck'] == 1
