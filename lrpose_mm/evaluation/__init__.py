"""Evaluation metrics of lrpose_mm (importing registers them)."""
from .sr_quality_metric import SRQualityMetric

__all__ = ['SRQualityMetric']
