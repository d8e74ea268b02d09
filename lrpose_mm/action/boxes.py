"""Where the person boxes come from: a track file, the full frame, or an
MMDetection detector.

Track file format (``lrpose_mm.tracks.v1``, JSON)::

    {
      "format": "lrpose_mm.tracks.v1",              # optional
      "frames": {
        "0": [[x1, y1, x2, y2, track_id], ...],     # frame index (0-based)
        "1": [[x1, y1, x2, y2, track_id, score], ...],
        ...
      }
    }

The bare ``{"0": [...], ...}`` mapping (without ``format``/``frames``) is
accepted too. Boxes are corners in pixels of the video *as stored in the
file* (before any ``--lr-scale``), ``track_id`` is an integer identifying the
person across frames (it becomes the person axis M of the skeleton), an
optional 6th value is a confidence that is kept for reference only. A frame
missing from the mapping has no person. Frame indices follow decode order.
"""
import json
import math
import os
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

TRACK_FORMAT = 'lrpose_mm.tracks.v1'


class BoxFileError(ValueError):
    """A track file that cannot be read or does not follow the format."""


def load_tracks(path: str) -> Dict[int, np.ndarray]:
    """Read a track file into ``{frame_idx: (N, 5) float32 [x1,y1,x2,y2,id]}``."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise BoxFileError(f'{path}: cannot read track file: {e}') from e
    if isinstance(data, dict) and 'frames' in data:
        fmt = data.get('format', TRACK_FORMAT)
        if fmt != TRACK_FORMAT:
            raise BoxFileError(f'{path}: unknown track format {fmt!r} '
                               f'(expected {TRACK_FORMAT!r})')
        data = data['frames']
    if not isinstance(data, dict):
        raise BoxFileError(f'{path}: expected a mapping frame_idx -> boxes')
    out = {}
    for key, boxes in data.items():
        try:
            idx = int(key)
        except ValueError as e:
            raise BoxFileError(f'{path}: frame key {key!r} is not an integer'
                               ) from e
        arr = np.asarray(boxes, dtype=np.float64) if len(boxes) else \
            np.zeros((0, 5))
        if arr.ndim != 2 or arr.shape[1] not in (5, 6):
            raise BoxFileError(
                f'{path}: frame {key}: each box must be [x1, y1, x2, y2, '
                f'track_id(, score)], got shape {arr.shape}')
        out[idx] = arr[:, :5].astype(np.float32)
    return out


def save_tracks(tracks: Dict[int, Sequence[Sequence[float]]], path: str
                ) -> str:
    """Write a track file (atomically)."""
    from ..fileio import atomic_json_dump
    frames = {
        str(int(k)): [[round(float(v), 3) for v in b[:4]] + [int(b[4])] +
                      [round(float(x), 4) for x in b[5:6]] for b in boxes]
        for k, boxes in sorted(tracks.items())
    }
    return atomic_json_dump(dict(format=TRACK_FORMAT, frames=frames), path)


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


def boxes_from_keypoints(keypoints: np.ndarray, scores: Optional[np.ndarray]
                         = None, pad: float = 0.15, min_score: float = 0.0
                         ) -> List[float]:
    """Tight box around visible keypoints (V,2), padded by ``pad`` of its
    size on each side (used to write GT track files)."""
    kp = np.asarray(keypoints, np.float32)
    if scores is not None:
        kp = kp[np.asarray(scores) > min_score]
    if not len(kp):
        return []
    x1, y1 = kp.min(0)
    x2, y2 = kp.max(0)
    w, h = x2 - x1, y2 - y1
    s = max(w, h)
    return [float(x1 - pad * max(w, 0.3 * s)), float(y1 - pad * h),
            float(x2 + pad * max(w, 0.3 * s)), float(y2 + pad * h)]


def tracks_path_for(video_path: str, tracks_dir: Optional[str]) -> Optional[str]:
    if not tracks_dir:
        return None
    stem = os.path.splitext(os.path.basename(video_path.rstrip('/')))[0]
    p = os.path.join(tracks_dir, stem + '.json')
    return p if os.path.exists(p) else None
