"""Track files: the person boxes of a video, frame by frame.

Format ``lrpose_mm.tracks.v1`` (JSON)::

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
file* (before any downscaling), ``track_id`` is an integer identifying the
person across frames (it becomes the person axis M of the skeleton), an
optional 6th value is a confidence kept for reference only. A frame missing
from the mapping has no person. Frame indices follow decode order.

The procedural action generator writes them and skeleton extraction reads
them, so the format lives here, in the library's data layer.
"""
import json
import math
import numbers
import os
from typing import Dict, List, Optional, Sequence

import numpy as np

TRACK_FORMAT = 'lrpose_mm.tracks.v1'


class BoxFileError(ValueError):
    """A track file that cannot be read or does not follow the format."""


def _parse_box(path: str, key: str, i: int, box) -> List[float]:
    """One ``[x1, y1, x2, y2, track_id(, score)]`` entry, checked."""
    where = f'{path}: frame {key} box {i}'
    if not isinstance(box, (list, tuple)) or len(box) not in (5, 6):
        raise BoxFileError(f'{where}: each box must be a list [x1, y1, x2, y2, track_id'
                           f'(, score)], got {box!r}')
    for name, v in zip(('x1', 'y1', 'x2', 'y2', 'track_id', 'score'), box):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise BoxFileError(f'{where}: {name} {v!r} is not a number')
    tid = float(box[4])
    if not math.isfinite(tid) or tid != int(tid) or tid < 0:
        raise BoxFileError(f'{where}: track_id {box[4]!r} is not a non-negative integer')
    return [float(v) for v in box[:5]]


def load_tracks(path: str) -> Dict[int, np.ndarray]:
    """Read a track file into ``{frame_idx: (N, 5) float32 [x1,y1,x2,y2,id]}``.

    Raises :class:`BoxFileError` naming the file, frame and field for any
    entry that does not follow the format (a coordinate that is not a number,
    a track id that is not a non-negative integer, a frame entry that is not
    a list of boxes). Non-finite coordinates are kept: the extraction reports
    and skips such boxes one by one.
    """
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
            raise BoxFileError(f'{path}: frame key {key!r} is not an integer') from e
        if idx < 0:
            raise BoxFileError(f'{path}: frame key {key!r} is negative')
        if not isinstance(boxes, list):
            raise BoxFileError(f'{path}: frame {key}: expected a list of boxes, '
                               f'got {type(boxes).__name__} {boxes!r}')
        rows = [_parse_box(path, key, i, b) for i, b in enumerate(boxes)]
        out[idx] = np.array(rows, np.float32).reshape(-1, 5)
    return out


def save_tracks(tracks: Dict[int, Sequence[Sequence[float]]], path: str) -> str:
    """Write a track file (atomically)."""
    from ..fileio import atomic_json_dump
    frames = {
        str(int(k)): [[round(float(v), 3) for v in b[:4]] + [int(b[4])] +
                      [round(float(x), 4) for x in b[5:6]] for b in boxes]
        for k, boxes in sorted(tracks.items())
    }
    return atomic_json_dump(dict(format=TRACK_FORMAT, frames=frames), path)


def boxes_from_keypoints(keypoints: np.ndarray, scores: Optional[np.ndarray] = None,
                         pad: float = 0.15, min_score: float = 0.0) -> List[float]:
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
    """``<tracks_dir>/<video stem>.json`` when it exists, else None."""
    if not tracks_dir:
        return None
    stem = os.path.splitext(os.path.basename(video_path.rstrip('/')))[0]
    p = os.path.join(tracks_dir, stem + '.json')
    return p if os.path.exists(p) else None
