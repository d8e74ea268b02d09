"""Frame reading for skeleton extraction: video files (decord or OpenCV) and
folders of frames.

Frames are yielded as ``(index, frame)`` with ``frame`` a BGR uint8 array (the
convention of cv2 and MMPose), or ``None`` for a frame that could not be
decoded *inside* a readable video. Trailing failures (a container that claims
more frames than it holds) are not frames: they end the stream. A video file
that yields fewer frames than its container header announces (a truncated
file: decord silently indexes only what is there) is reported through
:attr:`FrameReader.missing_frames` and :attr:`FrameReader.warnings`, whichever
backend decoded it. A video from which no frame at all can be decoded raises
:class:`VideoReadError`.
"""
import os
from typing import Iterator, List, Optional, Tuple

import cv2
import numpy as np

from ..fileio import IMAGE_EXTS


class VideoReadError(IOError):
    """A video (or frame folder) that cannot be read at all."""


def decord_available() -> bool:
    try:
        import decord  # noqa: F401
    except Exception:  # ImportError or a broken native library
        return False
    return True


def resolve_backend(backend: str = 'auto', path: Optional[str] = None) -> str:
    """'auto' -> 'frames' for a folder, else 'decord' when importable, else
    'cv2'."""
    if path is not None and os.path.isdir(path):
        return 'frames'
    if backend == 'auto':
        return 'decord' if decord_available() else 'cv2'
    if backend not in ('decord', 'cv2', 'frames'):
        raise ValueError(f"video backend must be 'auto', 'decord', 'cv2' or "
                         f"'frames', got {backend!r}")
    if backend == 'decord' and not decord_available():
        raise ValueError("video backend 'decord' requested but decord is not "
                         'importable (pip install decord, or use cv2)')
    return backend


def container_frame_count(path: str) -> int:
    """Frame count in the container header (OpenCV's ``CAP_PROP_FRAME_COUNT``;
    -1 when the file cannot be opened or gives none)."""
    cap = cv2.VideoCapture(path)
    try:
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0) if cap.isOpened() else 0
    finally:
        cap.release()
    return n if n > 0 else -1


class FrameReader:
    """Iterate the frames of a video file or a folder of frames.

    Args:
        path: video file or folder of images (sorted by name).
        backend: 'auto', 'decord', 'cv2' (ignored for folders).
        max_consecutive_failures: for cv2, give up after this many failed
            reads in a row (the rest is treated as the end of the stream).
    """

    def __init__(self, path: str, backend: str = 'auto',
                 max_consecutive_failures: int = 25, chunk: int = 32):
        self.path = path
        if not os.path.exists(path):
            raise VideoReadError(f'{path}: no such file or folder')
        self.backend = resolve_backend(backend, path)
        self.max_fail = max_consecutive_failures
        self.chunk = chunk
        self.warnings: List[str] = []
        self.num_frames_hint = 0
        self.fps = 0.0
        self.num_read = 0
        #: frames the container header announces (-1: unknown, e.g. a folder)
        self.container_frames = -1
        #: frames announced by the container but not decoded (truncated file)
        self.missing_frames = 0

    # ------------------------------------------------------------------
    def __iter__(self) -> Iterator[Tuple[int, Optional[np.ndarray]]]:
        gen = {'decord': self._iter_decord, 'cv2': self._iter_cv2,
               'frames': self._iter_folder}[self.backend]
        pending = 0  # failures not yet known to be inside the video
        idx = 0
        n_good = 0
        for frame in gen():
            if frame is None:
                pending += 1
                continue
            self._check_frame(frame)
            for _ in range(pending):  # failures followed by a good frame
                yield idx, None
                idx += 1
            pending = 0
            n_good += 1
            yield idx, frame
            idx += 1
        if n_good == 0:
            raise VideoReadError(
                f'{self.path}: no frame could be decoded ({self.backend})'
                + (f'; {self.warnings[-1]}' if self.warnings else ''))
        if pending and self.backend == 'frames':   # a folder has an exact frame list
            for _ in range(pending):
                yield idx, None
                idx += 1
        self.num_read = idx
        self._check_length()

    def _check_frame(self, frame: np.ndarray) -> None:
        """A decoded frame must be an (H, W, 3) uint8 image: decord, for one, returns
        frames of a wrong layout for some tiny videos (8x8 px gives (8, 8, 12))."""
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            hint = ('; decord mis-decodes some very small videos: try the cv2 backend '
                    '(--video-backend cv2)' if self.backend == 'decord' else '')
            raise VideoReadError(
                f'{self.path}: the {self.backend} backend decoded a frame of shape '
                f'{tuple(frame.shape)} ({frame.dtype}), not height x width x 3 uint8{hint}')

    def _check_length(self) -> None:
        """Compare the frames read with the container's header count."""
        if self.backend == 'frames':
            return
        self.container_frames = container_frame_count(self.path)
        self.missing_frames = max(0, self.container_frames - self.num_read)
        if self.missing_frames:
            self.warnings.append(
                f'truncated video: the container announces {self.container_frames} frames, '
                f'only {self.num_read} could be decoded ({self.backend}); the last '
                f'{self.missing_frames} are missing')

    # ------------------------------------------------------------------
    def _iter_cv2(self):
        cap = cv2.VideoCapture(self.path)
        if not cap.isOpened():
            raise VideoReadError(f'{self.path}: OpenCV cannot open the video')
        try:
            self.num_frames_hint = max(0, int(
                cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0))
            self.fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
            consecutive = 0
            k = 0
            while True:
                ok, frame = cap.read()
                k += 1
                if ok and frame is not None and frame.size:
                    consecutive = 0
                    yield frame
                    continue
                consecutive += 1
                if (consecutive >= self.max_fail or self.num_frames_hint <= 0
                        or k >= self.num_frames_hint):
                    return
                yield None
        finally:
            cap.release()

    def _iter_decord(self):
        import decord
        try:
            vr = decord.VideoReader(self.path, ctx=decord.cpu(0),
                                    num_threads=1)
            n = len(vr)
        except Exception as e:
            raise VideoReadError(f'{self.path}: decord cannot open the video: '
                                 f'{type(e).__name__}: {e}') from e
        self.num_frames_hint = n
        try:
            self.fps = float(vr.get_avg_fps())
        except Exception:
            self.fps = 0.0
        for start in range(0, n, self.chunk):
            ids = list(range(start, min(n, start + self.chunk)))
            try:
                batch = vr.get_batch(ids).asnumpy()
                for fr in batch:
                    yield np.ascontiguousarray(fr[..., ::-1])  # RGB -> BGR
                continue
            except Exception:
                pass
            for i in ids:  # locate the bad frame(s) of this chunk
                try:
                    fr = vr[i].asnumpy()
                except Exception:
                    yield None
                    continue
                yield np.ascontiguousarray(fr[..., ::-1])

    def _iter_folder(self):
        names = sorted(f for f in os.listdir(self.path)
                       if f.lower().endswith(IMAGE_EXTS))
        self.num_frames_hint = len(names)
        if not names:
            raise VideoReadError(f'{self.path}: folder holds no image files '
                                 f'({", ".join(IMAGE_EXTS)})')
        for name in names:
            img = cv2.imread(os.path.join(self.path, name), cv2.IMREAD_COLOR)
            yield img if img is not None and img.size else None


def read_all_frames(path: str, backend: str = 'auto'
                    ) -> Tuple[List[Optional[np.ndarray]], FrameReader]:
    """Decode a whole video into memory (small videos and tests)."""
    reader = FrameReader(path, backend)
    frames = [fr for _, fr in reader]
    return frames, reader


def downscale(frame: np.ndarray, scale: float, interp: str = 'area'
              ) -> np.ndarray:
    """Simulate a low-resolution camera: shrink a frame by ``scale``."""
    if scale == 1:
        return frame
    h, w = frame.shape[:2]
    nw, nh = max(1, int(round(w / scale))), max(1, int(round(h / scale)))
    flag = {'area': cv2.INTER_AREA, 'bicubic': cv2.INTER_CUBIC,
            'bilinear': cv2.INTER_LINEAR}[interp]
    return cv2.resize(frame, (nw, nh), interpolation=flag)
