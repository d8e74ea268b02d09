"""Where the person boxes of a frame come from: a track file
(:mod:`lrpose_mm.datasets.tracks`), the full frame, or an MMDetection
detector; and the check that makes a box usable."""
import math
from typing import Optional, Sequence, Tuple

import numpy as np

from ..datasets.tracks import load_tracks


def sanitize_box(box: Sequence[float], width: int, height: int,
                 min_size: float = 2.0) -> Tuple[Optional[np.ndarray], str]:
    """Clip a corner box to the frame; return (box, '') or (None, reason)."""
    x1, y1, x2, y2 = (float(v) for v in box[:4])
    if not all(math.isfinite(v) for v in (x1, y1, x2, y2)):
        return None, 'non-finite coordinates'
    if x2 <= x1 or y2 <= y1:
        return None, f'empty box ({x1:.1f},{y1:.1f},{x2:.1f},{y2:.1f})'
    cx1, cy1 = max(0.0, x1), max(0.0, y1)
    cx2, cy2 = min(float(width), x2), min(float(height), y2)
    if cx2 - cx1 < min_size or cy2 - cy1 < min_size:
        return None, (f'degenerate box after clipping to the frame '
                      f'({x1:.1f},{y1:.1f},{x2:.1f},{y2:.1f}) in {width}x'
                      f'{height}')
    return np.array([cx1, cy1, cx2, cy2], np.float32), ''


class FullFrameBoxes:
    """One person per frame whose box is the whole frame."""
    name = 'full-frame'

    def __call__(self, idx: int, frame: np.ndarray, sx: float, sy: float
                 ) -> np.ndarray:
        h, w = frame.shape[:2]
        return np.array([[0, 0, w, h, 0]], np.float32)


class TrackBoxes:
    """Boxes from a track file, rescaled to the (possibly downscaled)
    frame that is fed to the pose model. ``sx``/``sy`` = original / input."""
    name = 'tracks'

    def __init__(self, path: str):
        self.path = path
        self.tracks = load_tracks(path)

    def __call__(self, idx: int, frame: np.ndarray, sx: float, sy: float
                 ) -> np.ndarray:
        b = self.tracks.get(idx)
        if b is None or not len(b):
            return np.zeros((0, 5), np.float32)
        b = b.copy()
        b[:, [0, 2]] /= sx
        b[:, [1, 3]] /= sy
        return b


class DetectorBoxes:
    """Person boxes from an MMDetection model (``mmdet.apis``, lazily
    imported), ranked by score per frame; rank = person index."""
    name = 'detector'

    def __init__(self, det_config: str, det_checkpoint: Optional[str],
                 device: str = 'cpu', score_thr: float = 0.5,
                 cat_id: int = 0, max_persons: int = 2):
        try:
            from mmdet.apis import inference_detector, init_detector
        except ImportError as e:
            raise ImportError('person detection needs mmdet '
                              '(pip install "mmdet>=3,<3.4")') from e
        self._infer = inference_detector
        self.model = init_detector(det_config, det_checkpoint, device=device)
        self.score_thr, self.cat_id, self.max_persons = (score_thr, cat_id,
                                                         max_persons)

    def __call__(self, idx: int, frame: np.ndarray, sx: float, sy: float
                 ) -> np.ndarray:
        res = self._infer(self.model, frame)
        inst = res.pred_instances.cpu().numpy()
        keep = (inst.labels == self.cat_id) & (inst.scores >= self.score_thr)
        boxes, scores = inst.bboxes[keep], inst.scores[keep]
        order = np.argsort(-scores, kind='stable')[:self.max_persons]
        out = np.zeros((len(order), 5), np.float32)
        out[:, :4] = boxes[order]
        out[:, 4] = np.arange(len(order))
        return out
