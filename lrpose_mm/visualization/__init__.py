"""Drawing helpers built on MMPose's visualiser."""
from .skeleton import draw_skeletons

__all__ = ['draw_skeletons']
