"""Cost analysis of (SR) top-down estimators: params/FLOPs (mmengine.analysis) and CPU speed."""
from .cost import complexity, estimator_complexity
from .timing import interleaved_times, throughput_side_by_side

__all__ = ['complexity', 'estimator_complexity', 'interleaved_times', 'throughput_side_by_side']
