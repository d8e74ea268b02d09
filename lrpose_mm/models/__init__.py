"""Models of lrpose_mm (importing registers them in MMPose's MODELS registry)."""
from .data_preprocessors import SRPoseDataPreprocessor
from .losses import PoseDrivenSRLoss
from .pose_estimators import SRTopdownPoseEstimator
from .sr_neck_checkpoints import merge_sr_neck_checkpoints
from .sr_necks import InterpolateSR, PoseDrivenSRNeck
from .teachers import FrozenPoseTeacher

__all__ = [
    'SRPoseDataPreprocessor', 'PoseDrivenSRLoss', 'SRTopdownPoseEstimator',
    'InterpolateSR', 'PoseDrivenSRNeck', 'FrozenPoseTeacher', 'merge_sr_neck_checkpoints'
]
