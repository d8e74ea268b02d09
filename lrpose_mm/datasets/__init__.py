"""Datasets and data transforms of lrpose_mm (importing registers them)."""
from .checked_coco_dataset import CheckedCocoDataset
from .transforms import (
    AdaptiveTopdownAffine,
    CameraLowResDegrade,
    KeepFrame,
    LowResDegrade,
    PackSRPoseInputs,
    check_target_sizes,
)

__all__ = ['AdaptiveTopdownAffine', 'CameraLowResDegrade', 'CheckedCocoDataset', 'KeepFrame',
           'LowResDegrade', 'PackSRPoseInputs', 'check_target_sizes']
