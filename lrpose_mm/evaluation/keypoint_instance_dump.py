"""A metric that keeps every test person's prediction, for intervals and picture grids.

MMPose's ``PCKAccuracy`` and ``CocoMetric`` give one number for the whole val set; the
bootstrap needs the per-person ingredients of those numbers. This metric records, in the
same test run, exactly what ``PCKAccuracy`` reads (predicted and GT keypoints, the
labelled mask, the GT box) plus the image id, and writes them to an ``.npz`` (no pickle).
"""
from typing import Dict, Sequence

import numpy as np
from mmpose.registry import METRICS

from ..fileio import load_npz
from .npz_dump import NpzDumpMetric


@METRICS.register_module()
class KeypointInstanceDump(NpzDumpMetric):
    """Writes ``out_file`` (.npz): pred (N,K,2), gt (N,K,2), mask (N,K), bbox (N,4 xyxy),
    img_id (N,), pred_scores (N,K), and sr_path (N,) where the model records the path of
    resolution-adaptive inference. Returns no metric of its own."""

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for ds in data_samples:
            gt = ds['gt_instances']
            mask = np.asarray(gt['keypoints_visible'])
            if mask.ndim == 3:
                mask = mask[..., 0]
            self.results.append(dict(
                pred=np.asarray(ds['pred_instances']['keypoints'], np.float32)[0],
                pred_scores=np.asarray(ds['pred_instances']['keypoint_scores'], np.float32)[0],
                gt=np.asarray(gt['keypoints'], np.float32)[0],
                mask=mask.reshape(-1).astype(bool),
                bbox=np.asarray(gt['bboxes'], np.float32)[0],
                img_id=int(ds['img_id'])))
            if 'sr_path' in ds['pred_instances']:  # resolution-adaptive inference
                self.results[-1]['sr_path'] = str(np.asarray(ds['pred_instances']['sr_path'])[0])


def load_instances(path: str) -> Dict[str, np.ndarray]:
    """Read a dump written by :class:`KeypointInstanceDump` (never unpickles)."""
    return load_npz(path)
