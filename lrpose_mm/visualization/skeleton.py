"""Skeletons on an image with MMPose's :class:`PoseLocalVisualizer` and the
dataset's metainfo (COCO-17 by default: its skeleton links and left/right
colours)."""
from typing import Optional

import numpy as np
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample
from mmpose.visualization import PoseLocalVisualizer

from ..datasets.metainfo import coco_metainfo


def draw_skeletons(img: np.ndarray, keypoints: np.ndarray, visible: Optional[np.ndarray] = None,
                   bboxes: Optional[np.ndarray] = None, kpt_thr: float = 0.3,
                   radius: int = 2, line_width: int = 1,
                   dataset_meta: Optional[dict] = None) -> np.ndarray:
    """Draw people on a copy of a BGR ``uint8`` image.

    Args:
        keypoints: ``(N, K, 2)`` pixels.
        visible: ``(N, K)`` scores or visibilities in 0..1 (default all 1);
            keypoints below ``kpt_thr`` are not drawn, the others with that
            opacity (so a COCO ``v=1`` given as 0.5 is drawn fainter).
        bboxes: optional ``(N, 4)`` boxes ``x0, y0, x1, y1``.
        dataset_meta: MMPose dataset metainfo (default: COCO-17).

    Returns:
        The drawn BGR ``uint8`` image.
    """
    kp = np.asarray(keypoints, np.float32).reshape(-1, *np.shape(keypoints)[-2:])
    vis = np.ones(kp.shape[:2], np.float32) if visible is None else \
        np.asarray(visible, np.float32).reshape(kp.shape[:2])
    gt = InstanceData(keypoints=kp, keypoints_visible=vis)
    if bboxes is not None:
        gt.bboxes = np.asarray(bboxes, np.float32).reshape(-1, 4)
    sample = PoseDataSample(gt_instances=gt)
    vis_ = PoseLocalVisualizer(name='lrpose_mm_skeletons', radius=radius, line_width=line_width,
                               show_keypoint_weight=True)
    vis_.set_dataset_meta(dataset_meta or coco_metainfo())
    rgb = vis_.add_datasample('skeletons', np.ascontiguousarray(img[..., ::-1]), sample,
                              draw_gt=True, draw_pred=False, draw_bbox=bboxes is not None,
                              kpt_thr=kpt_thr)
    return np.ascontiguousarray(rgb[..., ::-1])
