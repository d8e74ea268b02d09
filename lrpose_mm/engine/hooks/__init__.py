"""mmengine hooks of lrpose_mm (registered in MMPose's HOOKS registry)."""
from .checkpoint_fit_hook import CheckpointFitHook
from .finite_loss_hook import FiniteLossHook
from .sr_pixel_warmup_hook import SRPixelWarmupHook

__all__ = ['CheckpointFitHook', 'FiniteLossHook', 'SRPixelWarmupHook']
