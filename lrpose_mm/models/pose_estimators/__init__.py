"""Pose estimators with an SR front end."""
from .sr_topdown import SRTopdownPoseEstimator

__all__ = ['SRTopdownPoseEstimator']
