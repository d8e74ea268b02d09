"""The five-variant low-resolution pose benchmark (the project's main job)."""
from .report import gap_closure, write_report
from .stages import StageRunner

__all__ = ['StageRunner', 'gap_closure', 'write_report']
