"""What a skeleton extraction job is asked to do, checked when it is built.

:class:`ExtractSettings` holds everything that determines the skeletons of a
video (saved in the work folder: a rerun with other settings is refused
unless asked to overwrite); :class:`ExtractJob` holds how the job runs
(where, on which device, in which batches), which never changes a result.
"""
import dataclasses
from dataclasses import dataclass
from typing import Optional

BOX_SOURCES = ('auto', 'tracks', 'full-frame', 'detector')
LR_INTERPS = ('area', 'bicubic', 'bilinear')
KEYPOINT_SPACES = ('original', 'input')
VIDEO_BACKENDS = ('auto', 'decord', 'cv2')


def _choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f'{name} must be one of {", ".join(map(repr, choices))}, '
                         f'got {value!r}')


@dataclass(frozen=True)
class DetectorSettings:
    """An MMDetection person detector (``mmdet.apis.init_detector``)."""
    config: str
    checkpoint: Optional[str] = None
    score_thr: float = 0.5
    cat_id: int = 0

    def __post_init__(self):
        if not 0 <= self.score_thr <= 1:
            raise ValueError(f'detector score_thr must be in [0, 1], got {self.score_thr}')
        if self.cat_id < 0:
            raise ValueError(f'detector cat_id must be >= 0, got {self.cat_id}')


@dataclass(frozen=True)
class ExtractSettings:
    """Everything that determines the skeletons of a video.

    Args:
        lr_scale: downscale frames by this factor first (simulated LR video).
        lr_interp: the downscaling interpolation ('area', 'bicubic', 'bilinear').
        real_lr: the frames are real low-resolution video: the model's test
            pipeline loses its simulated ``LowResDegrade`` and warps crops
            straight to the LR input size (:func:`.real_lr.real_lr_pipeline`).
        keypoint_space: 'original' (the video file's pixels) or 'input' (the
            downscaled frames fed to the model).
        boxes: 'auto' (per video: its track file if any, else the detector if
            given, else the full frame), 'tracks', 'full-frame' or 'detector'.
        detector: the detector for 'auto'/'detector'.
        max_persons: persons kept per video (the most frequent track ids), >= 1.
        min_box_size: boxes smaller than this (pixels of the model input
            frame) are reported and skipped.
        max_bad_frame_ratio: a video with a larger fraction of corrupt frames
            fails.
        video_backend: 'auto' (decord when importable, else cv2), 'decord', 'cv2'.
    """
    lr_scale: float = 1.0
    lr_interp: str = 'area'
    real_lr: bool = False
    keypoint_space: str = 'original'
    boxes: str = 'auto'
    detector: Optional[DetectorSettings] = None
    max_persons: int = 2
    min_box_size: float = 2.0
    max_bad_frame_ratio: float = 0.5
    video_backend: str = 'auto'

    def __post_init__(self):
        _choice('boxes', self.boxes, BOX_SOURCES)
        _choice('lr_interp', self.lr_interp, LR_INTERPS)
        _choice('keypoint_space', self.keypoint_space, KEYPOINT_SPACES)
        _choice('video_backend', self.video_backend, VIDEO_BACKENDS)
        if not self.lr_scale > 0:
            raise ValueError(f'lr_scale must be > 0, got {self.lr_scale}')
        if isinstance(self.max_persons, bool) or int(self.max_persons) != self.max_persons \
                or self.max_persons < 1:
            raise ValueError(f'max_persons must be an integer >= 1, got {self.max_persons!r} '
                             '(0 would write empty skeletons)')
        if not self.min_box_size >= 0:
            raise ValueError(f'min_box_size must be >= 0, got {self.min_box_size}')
        if not 0 <= self.max_bad_frame_ratio <= 1:
            raise ValueError('max_bad_frame_ratio must be in [0, 1], got '
                             f'{self.max_bad_frame_ratio}')
        if self.boxes == 'detector' and self.detector is None:
            raise ValueError("boxes='detector' needs a detector (det_config)")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ExtractJob:
    """How an extraction job runs; none of it changes a skeleton.

    Args:
        work_dir: per-video results, log and report (default:
            ``<out_file without .pkl>_work``).
        device: torch device of the models.
        batch_size: crops per forward pass.
        tracks_dir: folder of ``<video stem>.json`` track files, for videos
            whose list entry names none.
        default_split: split of videos whose list entry has none.
        val_ratio: with > 0, videos without a split go to 'val' by a hash of
            their name with this probability.
        overwrite: discard work-folder results made with other settings.
        retry_failed: retry videos that failed in a previous run.
        progress: show progress bars.
    """
    work_dir: Optional[str] = None
    device: str = 'cpu'
    batch_size: int = 64
    tracks_dir: Optional[str] = None
    default_split: str = 'train'
    val_ratio: float = 0.0
    overwrite: bool = False
    retry_failed: bool = True
    progress: bool = True

    def __post_init__(self):
        if isinstance(self.batch_size, bool) or int(self.batch_size) != self.batch_size \
                or self.batch_size < 1:
            raise ValueError(f'batch_size must be an integer >= 1, got {self.batch_size!r}')
        if not 0 <= self.val_ratio <= 1:
            raise ValueError(f'val_ratio must be in [0, 1], got {self.val_ratio}')
