"""Cost figures: parameters and FLOPs as mmengine.analysis counts them."""
from typing import Dict, Tuple

import torch
import torch.nn as nn
from mmengine.analysis import get_model_complexity_info


def complexity(module: nn.Module, *inputs) -> Tuple[float, float]:
    """(params in M, GFLOPs) of ``module(*inputs)`` as mmengine.analysis counts them.

    mmengine counts one multiply-add as one FLOP (like MMPose's model zoo tables).
    """
    info = get_model_complexity_info(module, inputs=tuple(inputs), show_table=False,
                                     show_arch=False)
    return info['params'] / 1e6, info['flops'] / 1e9


class _ForwardTensor(nn.Module):
    """Exposes an MMPose estimator's ``mode='tensor'`` forward for FLOP counting."""

    def __init__(self, estimator: nn.Module) -> None:
        super().__init__()
        self.estimator = estimator

    def forward(self, x: torch.Tensor):
        return self.estimator(x, None, mode='tensor')


def estimator_complexity(estimator: nn.Module, input_hw: Tuple[int, int]) -> Dict[str, float]:
    """Params/GFLOPs of a (SR) top-down estimator and of its SR neck alone."""
    x = torch.randn(1, 3, *input_hw)
    was_training = estimator.training
    estimator.eval()
    params, gflops = complexity(_ForwardTensor(estimator), x)
    out = dict(params_M=params, gflops=gflops, sr_params_M=0.0, sr_gflops=0.0)
    neck = getattr(estimator, 'sr_neck', None)
    if neck is not None and any(True for _ in neck.parameters()):
        out['sr_params_M'], out['sr_gflops'] = complexity(neck, x)
    estimator.train(was_training)
    return out

