"""Data transforms for simulated low-resolution input and SR targets."""
from .adaptive_topdown_affine import AdaptiveTopdownAffine
from .camera_low_res_degrade import CameraLowResDegrade
from .keep_frame import KeepFrame
from .low_res_degrade import LowResDegrade
from .pack_sr_pose_inputs import PackSRPoseInputs
from .target_size_check import check_target_sizes

__all__ = ['AdaptiveTopdownAffine', 'CameraLowResDegrade', 'KeepFrame', 'LowResDegrade',
           'PackSRPoseInputs', 'check_target_sizes']
