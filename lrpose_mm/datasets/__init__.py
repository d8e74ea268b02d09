"""Datasets and data transforms of lrpose_mm (importing registers them)."""
from .transforms import LowResDegrade, PackSRPoseInputs  # noqa: F401

__all__ = ['LowResDegrade', 'PackSRPoseInputs']
