"""Low-resolution video -> MMAction2 skeleton annotations (PoseDataset)."""
from .boxes import (TRACK_FORMAT, BoxFileError, DetectorBoxes, FullFrameBoxes,
                    TrackBoxes, load_tracks, sanitize_box, save_tracks)
from .extract import (NoPersonError, SettingsMismatchError, extract_dataset,
                      extract_video, model_fingerprint,
                      real_lr_pipeline)
from ..fileio import atomic_json_dump, atomic_pickle_dump, load_pickle
from .video import FrameReader, VideoReadError, downscale, read_all_frames
from .video_list import VideoEntry, parse_video_list, write_video_list

__all__ = [
    'extract_dataset', 'extract_video', 'model_fingerprint',
    'real_lr_pipeline', 'NoPersonError',
    'SettingsMismatchError', 'FrameReader', 'VideoReadError', 'downscale',
    'read_all_frames', 'TRACK_FORMAT', 'BoxFileError', 'DetectorBoxes',
    'FullFrameBoxes', 'TrackBoxes', 'load_tracks', 'save_tracks',
    'sanitize_box', 'VideoEntry', 'parse_video_list', 'write_video_list',
    'atomic_json_dump', 'atomic_pickle_dump', 'load_pickle'
]
