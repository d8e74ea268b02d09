"""SR loss terms."""
from .pose_driven_sr_loss import PoseDrivenSRLoss

__all__ = ['PoseDrivenSRLoss']
