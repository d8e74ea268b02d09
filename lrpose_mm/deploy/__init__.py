"""Deployment: ONNX export of the SR + pose network, onnxruntime backend, throughput."""
from .onnx_export import (
    TensorModeNetwork,
    export_onnx,
    export_paths,
    network_input_size,
    onnx_parity,
)
from .ort_backend import OnnxRuntimeNetwork, use_onnxruntime
from .throughput import backend_throughput, onnxruntime_callable

__all__ = [
    'TensorModeNetwork', 'export_onnx', 'export_paths', 'network_input_size', 'onnx_parity',
    'OnnxRuntimeNetwork', 'use_onnxruntime', 'backend_throughput', 'onnxruntime_callable'
]
