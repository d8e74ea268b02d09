"""Keypoint error of extracted skeletons against ground-truth skeletons, with
MMPose's keypoint metrics (:func:`mmpose.evaluation.functional.keypoint_epe`,
:func:`~mmpose.evaluation.functional.keypoint_pck_accuracy`)."""
from typing import Dict, Optional, Sequence

import numpy as np
from mmpose.evaluation.functional import keypoint_epe, keypoint_pck_accuracy


def _stack_frames(pred_annotations: Sequence[dict], gt_annotations: Sequence[dict]):
    """Frames of person 0 of every clip found in both lists, as
    ``(pred (N, K, 2), gt (N, K, 2), person height (N,))``; clips match by
    ``frame_dir`` and are cut to the shorter of the two."""
    pred = {a['frame_dir']: a for a in pred_annotations}
    ps, gs = [], []
    for g in gt_annotations:
        p = pred.get(g['frame_dir'])
        if p is None:
            continue
        kg = np.asarray(g['keypoint'][0], np.float64)   # (T, K, 2)
        kp = np.asarray(p['keypoint'][0], np.float64)
        t = min(len(kg), len(kp))
        ps.append(kp[:t])
        gs.append(kg[:t])
    if not gs:
        return None
    gt = np.concatenate(gs)
    return np.concatenate(ps), gt, gt[..., 1].max(1) - gt[..., 1].min(1)


def skeleton_keypoint_error(pred_annotations: Sequence[dict], gt_annotations: Sequence[dict],
                            pck_thr: float = 0.1) -> Dict[str, Optional[float]]:
    """Error of predicted skeletons against GT in the same pixel frame, over
    every frame of every clip of the MMAction2 ``annotations`` lists.

    Returns ``epe_px`` (MMPose's end-point error, pixels), ``pck`` (MMPose's
    PCK at ``pck_thr`` x the person height, the GT keypoints' vertical
    extent; frames of zero height are left out), ``pck_thr``,
    ``num_frames``. Values are None when no clip is in both lists.
    """
    stacked = _stack_frames(pred_annotations, gt_annotations)
    if stacked is None:
        return dict(epe_px=None, pck=None, pck_thr=pck_thr, num_frames=0)
    pred, gt, height = stacked
    mask = np.ones(gt.shape[:2], bool)
    norm = np.repeat(height[:, None], 2, axis=1)
    _, pck, _ = keypoint_pck_accuracy(pred, gt, mask, pck_thr, norm)
    return dict(epe_px=float(keypoint_epe(pred, gt, mask)), pck=float(pck), pck_thr=pck_thr,
                num_frames=int(len(gt)))
