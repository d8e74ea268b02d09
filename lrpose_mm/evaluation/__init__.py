"""Evaluation metrics of lrpose_mm (importing registers them)."""
from .keypoint_instance_dump import KeypointInstanceDump, load_instances
from .npz_dump import NpzDumpMetric
from .skeleton_error import skeleton_keypoint_error
from .sr_quality_metric import SRQualityMetric

__all__ = ['KeypointInstanceDump', 'NpzDumpMetric', 'SRQualityMetric', 'load_instances',
           'skeleton_keypoint_error']
