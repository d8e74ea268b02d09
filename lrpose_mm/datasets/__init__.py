"""Datasets and data transforms of lrpose_mm (importing registers them)."""
from .checked_coco_dataset import CheckedCocoDataset
from .transforms import LowResDegrade, PackSRPoseInputs, check_target_sizes  # noqa: F401

__all__ = ['CheckedCocoDataset', 'LowResDegrade', 'PackSRPoseInputs', 'check_target_sizes']
