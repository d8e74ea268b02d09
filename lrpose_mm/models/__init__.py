"""Models of lrpose_mm (importing registers them in MMPose's MODELS registry)."""
from .backbones import SizeDivisorWrapper
from .data_preprocessors import SRPoseDataPreprocessor
from .losses import PoseDrivenSRLoss
from .pose_estimators import SRTopdownPoseEstimator
from .sr_necks import InterpolateSR, PoseDrivenSRNeck

__all__ = [
    'SizeDivisorWrapper', 'SRPoseDataPreprocessor', 'PoseDrivenSRLoss', 'SRTopdownPoseEstimator',
    'InterpolateSR', 'PoseDrivenSRNeck'
]
