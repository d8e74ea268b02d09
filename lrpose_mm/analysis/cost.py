"""Cost figures: parameters, FLOPs (mmengine.analysis) and CPU throughput measured side by side."""
import statistics
import time
from typing import Callable, Dict, Tuple

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


@torch.no_grad()
def throughput_side_by_side(runs: Dict[str, Tuple[Callable, torch.Tensor]], rounds: int = 5,
                            warmup: int = 1) -> Dict[str, float]:
    """Images per second of each ``fn(batch)``, interleaving the runs round by round.

    Interleaving makes machine noise hit every entry alike, so ratios between
    entries are meaningful even on a busy machine. Returns the median per entry.
    """
    times: Dict[str, list] = {k: [] for k in runs}
    for r in range(warmup + rounds):
        for name, (fn, batch) in runs.items():
            t0 = time.perf_counter()
            fn(batch)
            dt = time.perf_counter() - t0
            if r >= warmup:
                times[name].append(dt)
    return {k: runs[k][1].shape[0] / statistics.median(v) for k, v in times.items()}
