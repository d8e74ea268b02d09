"""Engine parts of lrpose_mm (mmengine hooks)."""
from .hooks import CheckpointFitHook

__all__ = ['CheckpointFitHook']
