"""PyTorch and onnxruntime throughput of the same network on the same crops."""
import os
import tempfile
from typing import Callable, Dict, Optional, Tuple

import torch

from ..analysis import throughput_side_by_side
from .onnx_export import TensorModeNetwork, export_onnx, network_input_size, onnx_parity
from .ort_backend import OnnxRuntimeNetwork


def onnxruntime_callable(model: torch.nn.Module, path: str = 'sr',
                         onnx_file: Optional[str] = None, num_threads: Optional[int] = None
                         ) -> Tuple[Callable[[torch.Tensor], object], Dict[str, float]]:
    """``(fn, parity)``: ``fn(batch)`` runs one path of ``model`` with onnxruntime.

    The path is exported to ``onnx_file`` (default: a temporary file, removed
    once the session holds the model) and checked against PyTorch
    (:func:`onnx_parity`). Use ``fn`` beside ``lambda t: model(t, None,
    mode='tensor')`` in :func:`~lrpose_mm.analysis.throughput_side_by_side`.
    """
    tmp_dir = None
    if onnx_file is None:
        tmp_dir = tempfile.mkdtemp(prefix='lrpose_onnx_')
        onnx_file = os.path.join(tmp_dir, f'model_{path}.onnx')
    try:
        export_onnx(model, onnx_file, path)
        parity = onnx_parity(model, onnx_file, path)
        net = OnnxRuntimeNetwork({path: onnx_file}, num_threads=num_threads)
    finally:
        if tmp_dir is not None:
            for f in os.listdir(tmp_dir):
                os.remove(os.path.join(tmp_dir, f))
            os.rmdir(tmp_dir)
    return (lambda batch: net(batch, path)), parity


@torch.no_grad()
def backend_throughput(model: torch.nn.Module, path: str = 'sr', batch_size: int = 16,
                       rounds: int = 5, warmup: int = 1,
                       num_threads: Optional[int] = None) -> Dict[str, float]:
    """Images/s of PyTorch and onnxruntime on the same crops, timed round by round.

    Interleaved (:func:`~lrpose_mm.analysis.throughput_side_by_side`), so
    machine noise hits both backends alike. ``num_threads``
    sets both torch's and onnxruntime's intra-op threads (None: torch's
    current setting). Returns ``pytorch_img_s``, ``onnxruntime_img_s``,
    ``speedup`` (ORT / PyTorch) and the parity figures.
    """
    threads = num_threads or torch.get_num_threads()
    ort_fn, parity = onnxruntime_callable(model, path, num_threads=threads)
    net = TensorModeNetwork(model, path).eval()
    w, h = network_input_size(model, path)
    batch = torch.randn(batch_size, 3, h, w)
    saved = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        img_s = throughput_side_by_side(dict(pytorch=(net, batch), onnxruntime=(ort_fn, batch)),
                                        rounds=rounds, warmup=warmup)
    finally:
        torch.set_num_threads(saved)
    out = {f'{k}_img_s': v for k, v in img_s.items()}
    out['speedup'] = out['onnxruntime_img_s'] / out['pytorch_img_s']
    out.update(parity, threads=threads, batch_size=batch_size)
    return out
