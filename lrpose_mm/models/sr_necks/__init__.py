"""SR networks placed in front of the pose backbone."""
from .interpolate_sr import InterpolateSR
from .pose_driven_sr_neck import PoseDrivenSRNeck

__all__ = ['InterpolateSR', 'PoseDrivenSRNeck']
