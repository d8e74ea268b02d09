"""Data preprocessors that also normalise the HR (SR) targets."""
from .sr_pose_data_preprocessor import SRPoseDataPreprocessor

__all__ = ['SRPoseDataPreprocessor']
