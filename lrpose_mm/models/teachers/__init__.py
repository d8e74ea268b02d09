"""Frozen judges of the SR output in joint training."""
from .frozen_pose_teacher import FrozenPoseTeacher, build_teacher

__all__ = ['FrozenPoseTeacher', 'build_teacher']
