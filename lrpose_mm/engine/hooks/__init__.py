"""mmengine hooks of lrpose_mm (registered in MMPose's HOOKS registry)."""
from .channels_last_hook import ChannelsLastHook
from .checkpoint_fit_hook import CheckpointFitHook
from .finite_loss_hook import FiniteLossHook
from .sr_pixel_warmup_hook import SRPixelWarmupHook

__all__ = ['ChannelsLastHook', 'CheckpointFitHook', 'FiniteLossHook', 'SRPixelWarmupHook']
