"""Low-resolution video -> MMAction2 skeleton annotations (PoseDataset):
video reading, person boxes, batched pose per video and a resumable dataset
job."""
from ..datasets.tracks import (
    TRACK_FORMAT,
    BoxFileError,
    boxes_from_keypoints,
    load_tracks,
    save_tracks,
)
from ..datasets.video_list import VideoEntry, parse_video_list, write_video_list
from .boxes import DetectorBoxes, FullFrameBoxes, TrackBoxes, sanitize_box
from .extract import build_pose_model, extract_dataset
from .pose_runner import PoseRunner
from .real_lr import real_lr_config, real_lr_pipeline
from .settings import DetectorSettings, ExtractJob, ExtractSettings
from .video import FrameReader, VideoReadError, downscale, read_all_frames
from .video_skeletons import NoPersonError, extract_video
from .work_dir import SettingsMismatchError

__all__ = [
    'TRACK_FORMAT', 'BoxFileError', 'boxes_from_keypoints', 'load_tracks', 'save_tracks',
    'VideoEntry', 'parse_video_list', 'write_video_list', 'DetectorBoxes', 'FullFrameBoxes',
    'TrackBoxes', 'sanitize_box', 'build_pose_model', 'extract_dataset', 'PoseRunner',
    'real_lr_config', 'real_lr_pipeline', 'DetectorSettings', 'ExtractJob', 'ExtractSettings',
    'FrameReader', 'VideoReadError', 'downscale', 'read_all_frames', 'NoPersonError',
    'extract_video', 'SettingsMismatchError'
]
