"""Skeletons of one video: frames -> person boxes -> batched top-down pose ->
an MMAction2 ``PoseDataset`` annotation and a report.

A corrupt frame inside a readable video keeps its place on the time axis (so
the track file stays aligned) and gets keypoint score 0 for every person (no
keypoints are invented; coordinates stay 0, MMAction2's convention for "no
person"); it is listed in the report and in the annotation's ``bad_frames``.
An empty or degenerate box is reported and skipped. A truncated video file
(fewer frames than its container announces) is reported.
"""
import collections
import logging
import time
from typing import Any, Callable, Dict, Iterator, List, Tuple

import numpy as np

from ..datasets.tracks import BoxFileError
from ..datasets.video_list import VideoEntry
from .boxes import sanitize_box
from .pose_runner import PoseRunner
from .settings import ExtractSettings
from .video import FrameReader, VideoReadError, downscale

logger = logging.getLogger('lrpose_mm.action')

MAX_LISTED = 2000  # skipped boxes listed per video in the report
#: ``box_source(frame_idx, frame, sx, sy) -> (N, 5) [x1, y1, x2, y2, track_id]``
BoxSource = Callable[[int, np.ndarray, float, float], np.ndarray]


class NoPersonError(RuntimeError):
    """A readable video in which no usable person box was found."""


#: errors that fail one video (listed in failures.json), never the whole job
VIDEO_FAILURES = (VideoReadError, BoxFileError, NoPersonError)


class _CropStream:
    """Decode frames, downscale them and yield ``(frame, box)`` crops, keeping
    per frame what was found: bad frames, skipped boxes, shapes, and the
    ``(frame_idx, track_id)`` of every crop in order."""

    def __init__(self, reader: FrameReader, box_source: BoxSource, settings: ExtractSettings,
                 name: str, bar=None):
        self.reader, self.box_source, self.settings = reader, box_source, settings
        self.name, self.bar = name, bar
        self.per_frame: List[List[tuple]] = []
        self.bad: Dict[int, str] = {}
        self.skipped: List[list] = []
        self.n_skipped = 0
        self.orig_hw = self.input_hw = None
        self.queue: collections.deque = collections.deque()

    def _frame_problem(self, frame) -> str:
        if frame is None:
            return 'frame could not be decoded'
        if self.orig_hw is None:
            self.orig_hw = frame.shape[:2]
        elif frame.shape[:2] != self.orig_hw:
            return f'frame size {frame.shape[:2]} differs from the first frame {self.orig_hw}'
        return ''

    def _skip(self, idx: int, pid, reason: str) -> None:
        self.n_skipped += 1
        if len(self.skipped) < MAX_LISTED:
            self.skipped.append([idx, pid, reason])
        logger.debug('%s frame %d person %s: box skipped: %s', self.name, idx, pid, reason)

    def _boxes(self, idx: int, fin: np.ndarray) -> Iterator[np.ndarray]:
        h0, w0 = self.orig_hw
        hi, wi = fin.shape[:2]
        seen = set()
        for b in self.box_source(idx, fin, w0 / wi, h0 / hi):
            pid = int(b[4])
            box, reason = sanitize_box(b, wi, hi, self.settings.min_box_size)
            if box is None or pid in seen:
                self._skip(idx, pid, reason or f'duplicate track id {pid}')
                continue
            seen.add(pid)
            self.queue.append((idx, pid))
            yield box

    def __iter__(self) -> Iterator[Tuple[np.ndarray, np.ndarray]]:
        s = self.settings
        for idx, frame in self.reader:
            if self.bar is not None:
                self.bar.total = self.bar.total or self.reader.num_frames_hint or None
                self.bar.update(1)
            self.per_frame.append([])
            problem = self._frame_problem(frame)
            if problem:
                self.bad[idx] = problem
                continue
            fin = downscale(frame, s.lr_scale, s.lr_interp)
            self.input_hw = self.input_hw or fin.shape[:2]
            for box in self._boxes(idx, fin):
                yield fin, box


def _run_pose(runner: PoseRunner, stream: _CropStream, batch_size: int) -> None:
    """Batched pose over the stream's crops; results land in ``per_frame``."""
    from lrpose_mm.apis import iter_topdown_batched
    k = runner.num_keypoints
    for sample in iter_topdown_batched(runner.model, stream, batch_size, runner.compose):
        idx, pid = stream.queue.popleft()
        kp = np.asarray(sample.pred_instances.keypoints, np.float32)
        sc = np.asarray(sample.pred_instances.keypoint_scores, np.float32)
        stream.per_frame[idx].append((pid, kp.reshape(-1, k, 2)[0], sc.reshape(-1, k)[0]))
    assert not stream.queue, 'internal error: unmatched crops'


def _check_frames(stream: _CropStream, path: str, max_bad_frame_ratio: float) -> int:
    T = len(stream.per_frame)
    if T == 0 or stream.orig_hw is None:
        raise VideoReadError(f'{path}: no frame could be decoded')
    if len(stream.bad) > max_bad_frame_ratio * T:
        raise VideoReadError(f'{path}: {len(stream.bad)} of {T} frames are corrupt '
                             f'(more than max_bad_frame_ratio={max_bad_frame_ratio})')
    return T


def _select_persons(stream: _CropStream, path: str, max_persons: int):
    """Track ids kept (the most frequent first) and a warning for the rest."""
    counts = collections.Counter(p for fr in stream.per_frame for p, _, _ in fr)
    if not counts:
        raise NoPersonError(
            f'{path}: no usable person box in any of its {len(stream.per_frame)} frames'
            + (f' ({stream.n_skipped} degenerate boxes skipped)' if stream.n_skipped else ''))
    pids = sorted(counts, key=lambda p: (-counts[p], p))
    if len(pids) <= max_persons:
        return pids, []
    return pids[:max_persons], [f'{len(pids)} persons tracked; kept the {max_persons} present '
                                f'in most frames (ids {pids[:max_persons]}), dropped ids '
                                f'{pids[max_persons:]}']


def _track_frames_past_end(box_source: BoxSource, num_frames: int) -> str:
    """Words on the boxes of a track file that lie at or past the video's last
    frame ('' when there are none or the boxes come from elsewhere)."""
    tracks = getattr(box_source, 'tracks', None)
    if not isinstance(tracks, dict):
        return ''
    frames = sorted(int(i) for i, b in tracks.items() if b is not None and len(b))
    past = [i for i in frames if i >= num_frames]
    if not past:
        return ''
    return (f'the track file {getattr(box_source, "path", "")} has boxes for '
            f'{len(past)} of its {len(frames)} frames at or past the end of the video '
            f'(frames {past[0]}..{past[-1]}; the video has frames 0..{num_frames - 1}): '
            'a track file of another video, or frames numbered from 1?')


def _skeleton_arrays(stream: _CropStream, pids: List[int], num_kpts: int,
                     keypoint_space: str):
    """``(M, T, K, 2)`` keypoints and ``(M, T, K)`` scores, zero where absent,
    in the video's pixels (``'original'``) or the model input frame's."""
    M, T = len(pids), len(stream.per_frame)
    slot = {p: m for m, p in enumerate(pids)}
    keypoint = np.zeros((M, T, num_kpts, 2), np.float32)
    score = np.zeros((M, T, num_kpts), np.float32)
    present = np.zeros((M, T), bool)
    for t, fr in enumerate(stream.per_frame):
        for pid, kp, sc in fr:
            if pid in slot:
                keypoint[slot[pid], t], score[slot[pid], t] = kp, sc
                present[slot[pid], t] = True
    (h0, w0), (hi, wi) = stream.orig_hw, stream.input_hw or stream.orig_hw
    if keypoint_space == 'original' and (hi, wi) != (h0, w0):
        keypoint[..., 0] = (keypoint[..., 0] + 0.5) * (w0 / wi) - 0.5
        keypoint[..., 1] = (keypoint[..., 1] + 0.5) * (h0 / hi) - 0.5
        keypoint[~present] = 0  # keep "no person" entries exactly 0
    return keypoint, score


def extract_video(runner: PoseRunner, entry: VideoEntry, box_source: BoxSource,
                  settings: ExtractSettings = ExtractSettings(), batch_size: int = 64,
                  progress: bool = False) -> Dict[str, Any]:
    """Extract the skeletons of one video.

    Returns ``dict(annotation=..., report=...)``. Raises one of
    :data:`VIDEO_FAILURES` for a video that must be listed as failed.
    """
    t0 = time.perf_counter()
    reader = FrameReader(entry.path, settings.video_backend)
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(desc=entry.frame_dir[:30], unit='fr', leave=False, dynamic_ncols=True)
    stream = _CropStream(reader, box_source, settings, entry.frame_dir, bar)
    try:
        _run_pose(runner, stream, batch_size)
    finally:
        if bar is not None:
            bar.close()
    T = _check_frames(stream, entry.path, settings.max_bad_frame_ratio)
    past_end = _track_frames_past_end(box_source, T)
    try:
        pids, warnings = _select_persons(stream, entry.path, settings.max_persons)
    except NoPersonError as e:
        if past_end:
            raise NoPersonError(f'{e}: {past_end}') from None
        raise
    if past_end:
        warnings.append(past_end)
    keypoint, score = _skeleton_arrays(stream, pids, runner.num_keypoints,
                                       settings.keypoint_space)
    (h0, w0), (hi, wi) = stream.orig_hw, stream.input_hw or stream.orig_hw
    img_shape = (h0, w0) if settings.keypoint_space == 'original' else (hi, wi)
    bad_frames = sorted(stream.bad)
    ann = dict(frame_dir=entry.frame_dir, label=int(entry.label),
               img_shape=(int(img_shape[0]), int(img_shape[1])),
               original_shape=(int(h0), int(w0)), total_frames=int(T),
               keypoint=keypoint, keypoint_score=score)
    if bad_frames:
        ann['bad_frames'] = bad_frames
    report = dict(frame_dir=entry.frame_dir, path=entry.path, total_frames=T,
                  persons=len(pids), track_ids=pids,
                  crops=int(sum(len(f) for f in stream.per_frame)),
                  bad_frames=[[i, stream.bad[i]] for i in bad_frames],
                  skipped_boxes=stream.skipped, num_skipped_boxes=stream.n_skipped,
                  container_frames=reader.container_frames,
                  missing_frames=reader.missing_frames,
                  warnings=list(reader.warnings) + warnings, backend=reader.backend,
                  input_shape=[int(hi), int(wi)],
                  seconds=round(time.perf_counter() - t0, 3))
    return dict(annotation=ann, report=report)
