"""Training-loop helpers of lrpose_mm (importing registers the hooks and optim wrappers)."""
from .atomic_checkpoint import AtomicCheckpointHook, is_complete_checkpoint
from .checkpoint_file import check_checkpoint_file
from .hooks import ChannelsLastHook, CheckpointFitHook, FiniteLossHook, SRPixelWarmupHook
from .optim_wrappers import BF16AutocastOptimWrapper

__all__ = ['AtomicCheckpointHook', 'BF16AutocastOptimWrapper', 'ChannelsLastHook',
           'CheckpointFitHook', 'FiniteLossHook', 'SRPixelWarmupHook', 'check_checkpoint_file',
           'is_complete_checkpoint']
