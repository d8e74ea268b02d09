"""Backbone helpers."""
from .size_divisor_wrapper import SizeDivisorWrapper

__all__ = ['SizeDivisorWrapper']
