"""Left/right collapse and swap rates tell the two failure modes apart."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'tools'))
from benchmarks.pose.error_analysis import left_right, per_joint_pck  # noqa: E402


def _inst(pred, gt):
    n = len(gt)
    return dict(pred=pred, gt=gt, mask=np.ones((n, 17), bool),
                bbox=np.tile([0, 0, 100, 100], (n, 1)).astype(float))


def test_collapse_swap_and_correct_predictions_are_told_apart():
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    meta = parse_pose_metainfo(dict(from_file='configs/_base_/datasets/coco.py'))
    rng = np.random.default_rng(0)
    gt = rng.uniform(0, 100, (30, 17, 2))
    gt[:, 5::2, 0] = 20  # every left joint at x=20, every right one at x=80: pairs far apart
    gt[:, 6::2, 0] = 80
    swapped = gt.copy()
    flip = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
    swapped = gt[:, flip]
    collapsed = gt.copy()
    collapsed[:, 5::2] = gt[:, 6::2]  # left predicted on the right joint
    correct = left_right(_inst(gt, gt), meta)
    assert all(v['collapse'] == 0 and v['swap'] == 0 for v in correct.values())
    assert all(v['swap'] == 1 for v in left_right(_inst(swapped, gt), meta).values())
    lr = left_right(_inst(collapsed, gt), meta)
    assert all(v['collapse'] == 1 and v['swap'] == 0 for v in lr.values())
    names = [meta['keypoint_id2name'][i] for i in range(17)]
    pck = per_joint_pck(_inst(collapsed, gt), names)
    assert pck['left_wrist'] == 0.0 and pck['right_wrist'] == 1.0 and pck['nose'] == 1.0
