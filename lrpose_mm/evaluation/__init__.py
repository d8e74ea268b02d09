"""Evaluation metrics of lrpose_mm (importing registers them)."""
from .skeleton_error import skeleton_keypoint_error
from .sr_quality_metric import SRQualityMetric

__all__ = ['SRQualityMetric', 'skeleton_keypoint_error']
