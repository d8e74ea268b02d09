"""Run the exported network with onnxruntime (CPU) inside the usual inference path."""
from contextlib import contextmanager
from typing import Dict, Iterator, Optional

import numpy as np
import torch

from ..models.utils import SR_PATHS, is_route_name


class OnnxRuntimeNetwork:
    """Head outputs from onnxruntime sessions, one per route ('sr', 'sr_x<k>', 'direct').

    Called as ``net(inputs, path)`` with normalised (N, 3, h, w) tensors, like
    ``SRTopdownPoseEstimator.forward_network``; returns tensors on the
    inputs' device.

    Args:
        onnx_files: {path: file} from :func:`lrpose_mm.deploy.export_paths`.
        num_threads: onnxruntime intra-op threads (None: its default).
    """

    def __init__(self, onnx_files: Dict[str, str], num_threads: Optional[int] = None) -> None:
        try:
            import onnxruntime as ort
        except ImportError as e:
            raise ImportError('the onnxruntime backend needs onnxruntime '
                              '(pip install "lrpose_mm[deploy]")') from e
        bad = [p for p in onnx_files if not is_route_name(p)]
        if bad:
            raise ValueError(f'unknown path(s) {sorted(bad)}; expected {SR_PATHS} or '
                             "'sr_x<k>' (an extra SR neck's route)")
        opts = ort.SessionOptions()
        if num_threads:
            opts.intra_op_num_threads = int(num_threads)
        self.sessions = {}
        for path, f in onnx_files.items():
            try:
                self.sessions[path] = ort.InferenceSession(
                    str(f), sess_options=opts, providers=['CPUExecutionProvider'])
            except Exception as e:  # onnxruntime raises its own exception types
                raise ValueError(f'cannot load ONNX model {f!r} for path {path!r}: {e}') from e

    def __call__(self, inputs: torch.Tensor, path: str = 'sr'):
        sess = self.sessions.get(path)
        if sess is None:
            raise ValueError(f'no ONNX model for the {path!r} path (have {sorted(self.sessions)}): '
                             f'export it too (tools/deploy/export_onnx.py --paths {path})')
        x = np.ascontiguousarray(inputs.detach().cpu().numpy(), dtype=np.float32)
        expect = sess.get_inputs()[0].shape
        if list(x.shape[1:]) != [int(v) for v in expect[1:]]:
            raise ValueError(f'the {path!r} ONNX model takes (N, {", ".join(map(str, expect[1:]))})'
                             f' inputs, got {tuple(x.shape)}')
        outs = [torch.from_numpy(o).to(inputs.device) for o in sess.run(None, {'input': x})]
        return outs[0] if len(outs) == 1 else tuple(outs)


@contextmanager
def use_onnxruntime(model: torch.nn.Module, onnx_files: Dict[str, str],
                    num_threads: Optional[int] = None) -> Iterator[torch.nn.Module]:
    """Within the block, ``model.test_step`` computes the network with onnxruntime.

    Pre-processing, flip test, decoding and the coordinate contract stay the
    PyTorch model's, so every inference API (``inference_topdown_batched``,
    the demo, skeleton extraction) works unchanged.
    """
    if not hasattr(model, 'forward_network'):
        raise TypeError(f'{type(model).__name__} has no forward_network: the onnxruntime '
                        'backend serves SRTopdownPoseEstimator models')
    model.network_backend = OnnxRuntimeNetwork(onnx_files, num_threads)
    try:
        yield model
    finally:
        model.network_backend = None
