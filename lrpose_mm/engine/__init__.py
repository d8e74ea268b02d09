"""Training-loop helpers of lrpose_mm (importing registers the hooks)."""
from .checkpoint_file import check_checkpoint_file
from .hooks import CheckpointFitHook, FiniteLossHook, SRPixelWarmupHook

__all__ = ['CheckpointFitHook', 'FiniteLossHook', 'SRPixelWarmupHook', 'check_checkpoint_file']
