"""Inference helpers: batched top-down pose over video frames."""
from .adaptive import adaptive_pipeline
from .inference import (
    build_test_pipeline,
    compare_batched_vs_per_frame,
    inference_topdown_batched,
    inference_topdown_per_frame,
    iter_topdown_batched,
    predict_with_sr,
    samples_to_arrays,
)
from .model_loading import init_pose_model

__all__ = [
    'build_test_pipeline', 'iter_topdown_batched', 'inference_topdown_batched',
    'inference_topdown_per_frame', 'samples_to_arrays',
    'compare_batched_vs_per_frame', 'init_pose_model', 'adaptive_pipeline', 'predict_with_sr'
]
