"""Frozen judges of the SR output in joint training."""
from .frozen_pose_teacher import FrozenPoseTeacher

__all__ = ['FrozenPoseTeacher']
