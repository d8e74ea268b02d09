"""mmengine hooks of lrpose_mm (registered in MMPose's HOOKS registry)."""
from .checkpoint_fit_hook import CheckpointFitHook

__all__ = ['CheckpointFitHook']
