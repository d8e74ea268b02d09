"""Training-loop helpers of lrpose_mm (importing registers the hooks)."""
from .hooks import FiniteLossHook

__all__ = ['FiniteLossHook']
