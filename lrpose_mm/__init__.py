"""lrpose_mm: pose-driven super-resolution for low-resolution pose and action.

Importing the package applies the upstream compatibility fixes (see
:mod:`lrpose_mm.compat`) and registers every module into the MMPose
registries, so configs can use it through
``custom_imports=dict(imports=['lrpose_mm'])``.
"""
from .compat import apply_all as _apply_compat

__version__ = '0.1.0'
COMPAT_FIXES = _apply_compat()

from . import datasets, engine, evaluation, models  # noqa: E402,F401  (registers modules)

__all__ = ['__version__', 'COMPAT_FIXES', 'datasets', 'engine', 'evaluation', 'models']
