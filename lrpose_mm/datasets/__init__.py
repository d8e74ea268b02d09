"""Datasets and data transforms of lrpose_mm (importing registers them)."""
from .transforms import AdaptiveTopdownAffine, LowResDegrade, PackSRPoseInputs  # noqa: F401

__all__ = ['AdaptiveTopdownAffine', 'LowResDegrade', 'PackSRPoseInputs']
