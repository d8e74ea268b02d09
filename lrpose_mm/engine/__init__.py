"""Training-loop helpers of lrpose_mm (importing registers the hooks)."""
from .checkpoint_file import check_checkpoint_file
from .hooks import FiniteLossHook

__all__ = ['FiniteLossHook', 'check_checkpoint_file']
