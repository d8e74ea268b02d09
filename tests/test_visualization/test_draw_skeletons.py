"""COCO metainfo from MMPose (defined once) and skeleton drawing with MMPose's visualiser."""
import numpy as np

from lrpose_mm.datasets.metainfo import coco_metainfo
from lrpose_mm.datasets.synthetic import COCO_FLIP_PAIRS, COCO_KEYPOINTS, COCO_SKELETON
from lrpose_mm.visualization import draw_skeletons


def test_generator_layout_is_mmpose_coco_metainfo():
    meta = coco_metainfo()
    assert COCO_KEYPOINTS[9] == 'left_wrist' == meta['keypoint_id2name'][9]
    assert [(a - 1, b - 1) for a, b in COCO_SKELETON] == [tuple(x) for x in meta['skeleton_links']]
    assert all(meta['flip_indices'][a] == b for a, b in COCO_FLIP_PAIRS)
    meta['skeleton_links'].clear()   # a copy: the next caller is unaffected
    assert len(coco_metainfo()['skeleton_links']) == 19


def test_draw_skeletons_draws_links_and_skips_invisible():
    img = np.zeros((60, 60, 3), np.uint8)
    kp = np.full((1, 17, 2), 30.0)
    kp[0, 15] = (10, 50)     # left ankle
    kp[0, 13] = (50, 50)     # left knee: link (15, 13) runs along y = 50
    vis = np.zeros((1, 17))
    vis[0, [13, 15]] = 1
    out = draw_skeletons(img, kp, vis)
    assert out.shape == img.shape and out.dtype == np.uint8 and not img.any()
    assert out[50, 30].any()                 # the link's midpoint
    assert not out[30, 30].any()             # the invisible keypoints are not drawn
    vis[0, 13] = 0
    assert not draw_skeletons(img, kp, vis)[50, 30].any()   # no link to an invisible point
