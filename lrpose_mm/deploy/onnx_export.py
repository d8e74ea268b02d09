"""Export the SR + pose network to ONNX (tensor mode) and check it against PyTorch."""
import warnings
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from ..fileio import atomic_path


class TensorModeNetwork(nn.Module):
    """One route of an ``SRTopdownPoseEstimator`` as a plain tensor -> tensor module.

    'sr': LR crops -> SR neck -> pose network -> head outputs; 'sr_x<k>': the
    same through the extra neck of factor k; 'direct': crops at the pose input
    size -> pose network -> head outputs. Inputs are normalised like the data
    preprocessor's output (the preprocessing stays outside).
    """

    def __init__(self, model: nn.Module, path: str = 'sr') -> None:
        super().__init__()
        if not hasattr(model, 'forward_network'):
            raise TypeError(f'{type(model).__name__} is not an SRTopdownPoseEstimator')
        model.route_network(path)  # names the model's routes when ``path`` is not one
        self.model = model
        self.path = path

    def forward(self, x: torch.Tensor):
        return self.model.forward_network(x, self.path)


def network_input_size(model: nn.Module, path: str = 'sr') -> Tuple[int, int]:
    """(w, h) of the tensor one route takes: the codec input size / the route's SR factor."""
    size = getattr(getattr(model.head, 'decoder', None), 'input_size', None)
    if size is None:
        raise ValueError('the model has no head.decoder.input_size: cannot derive the input size')
    neck = model.route_network(path)
    s = 1 if neck is None else neck.scale
    return int(size[0]) // s, int(size[1]) // s


def export_onnx(model: nn.Module, out_file: str, path: str = 'sr', opset: int = 17,
                dynamic_batch: bool = True) -> Dict[str, object]:
    """Export one path of the model to ``out_file`` (torch.onnx, TorchScript exporter).

    The TorchScript exporter (``dynamo=False``) is used because the
    torch.export-based one needs ``onnxscript``, which this stack does not install.

    Input ``input`` (N, 3, h, w) float32, normalised; outputs ``heatmaps``
    (heatmap heads) or ``simcc_x``/``simcc_y`` (SimCC heads). The batch axis
    is dynamic unless ``dynamic_batch=False``. Returns a dict with the file,
    input size and output names.
    """
    net = TensorModeNetwork(model, path).eval()
    w, h = network_input_size(model, path)
    dummy = torch.zeros(1, 3, h, w, device=next(model.parameters(), torch.zeros(1)).device)
    with torch.no_grad():
        outs = net(dummy)
    n_out = len(outs) if isinstance(outs, (tuple, list)) else 1
    names = ['heatmaps'] if n_out == 1 else (['simcc_x', 'simcc_y'] if n_out == 2
                                              else [f'output{i}' for i in range(n_out)])
    axes = {n: {0: 'batch'} for n in ['input'] + names} if dynamic_batch else None
    with warnings.catch_warnings(), atomic_path(out_file) as tmp:
        # the crop sizes are traced as constants on purpose: the spatial size is fixed per path
        warnings.filterwarnings('ignore', category=torch.jit.TracerWarning)
        warnings.filterwarnings('ignore', message='.*legacy TorchScript-based ONNX export')
        torch.onnx.export(net, (dummy, ), tmp, input_names=['input'], output_names=names,
                          dynamic_axes=axes, opset_version=opset, dynamo=False)
    return dict(file=out_file, path=path, input_size=(w, h), outputs=names)


def onnx_parity(model: nn.Module, onnx_file: str, path: str = 'sr',
                inputs: Optional[torch.Tensor] = None, batch_size: int = 4,
                seed: int = 0) -> Dict[str, float]:
    """Max / mean abs difference between PyTorch and onnxruntime head outputs.

    ``inputs`` default: ``batch_size`` random normalised crops of the path's size.
    """
    from .ort_backend import OnnxRuntimeNetwork
    if inputs is None:
        w, h = network_input_size(model, path)
        g = torch.Generator().manual_seed(seed)
        inputs = torch.randn(batch_size, 3, h, w, generator=g)
    with torch.no_grad():
        ref = TensorModeNetwork(model, path).eval()(inputs)
    got = OnnxRuntimeNetwork({path: onnx_file})(inputs, path)
    ref = ref if isinstance(ref, (tuple, list)) else (ref, )
    got = got if isinstance(got, (tuple, list)) else (got, )
    diffs = [np.abs(r.cpu().numpy() - g.cpu().numpy()) for r, g in zip(ref, got)]
    return dict(max_abs_diff=float(max(d.max() for d in diffs)),
                mean_abs_diff=float(np.mean([d.mean() for d in diffs])),
                max_abs_ref=float(max(np.abs(r.cpu().numpy()).max() for r in ref)))


def export_paths(model: nn.Module, out_prefix: str, paths: Optional[Sequence[str]] = None,
                 opset: int = 17) -> Dict[str, str]:
    """Export several routes as ``<out_prefix>_<route>.onnx`` (default every route of
    the model, ``model.sr_routes``); returns {route: file}."""
    paths = model.sr_routes if paths is None else paths
    return {p: export_onnx(model, f'{out_prefix}_{p}.onnx', p, opset)['file'] for p in paths}
