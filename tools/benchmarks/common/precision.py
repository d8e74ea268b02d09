"""Which training precision is fastest on this machine: the benchmark's ``amp='auto'``.

bfloat16 autocast halves a training step on a CPU with native bfloat16 (AVX512-BF16, AMX)
and is several times slower on one without it (emulated); channels-last helps oneDNN on
most CPUs. Rather than guess from CPU flags, time a few real training steps of the model
under each candidate, side by side in one process, and keep the fastest."""
import statistics
import time
from typing import Dict, Optional, Tuple

import torch
from mmengine.registry import DefaultScope
from mmpose.registry import MODELS

# (name, bfloat16 autocast, channels-last)
CANDIDATES: Tuple[Tuple[str, bool, bool], ...] = (
    ('float32', False, False),
    ('float32+channels-last', False, True),
    ('bfloat16+channels-last', True, True),
)


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_training_steps(model: torch.nn.Module, inputs: torch.Tensor, amp: bool,
                        channels_last: bool, steps: int = 3) -> float:
    """Median seconds of one forward/backward/update of ``model`` (backbone + head, an MSE
    to zero on the head output) on ``inputs``, after one untimed warm-up step."""
    device = inputs.device
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model.to(memory_format=fmt)
    x = inputs.contiguous(memory_format=fmt)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=1e-6)
    times = []
    for i in range(steps + 1):
        _sync(device)
        t0 = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            out = model(x)
        loss = out.float().pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        _sync(device)
        if i:
            times.append(time.perf_counter() - t0)
    model.to(memory_format=torch.contiguous_format)
    return float(statistics.median(times))


def choose_precision(model: torch.nn.Module, inputs: torch.Tensor, min_gain: float = 0.1,
                     steps: int = 3) -> Dict[str, object]:
    """Time every candidate; returns ``dict(amp, channels_last, chosen, seconds)``.

    bfloat16 is taken only when it is at least ``min_gain`` (relative) faster than the
    fastest float32 candidate: at equal steps it trained slightly worse on tune
    (docs/tuning.md "Training precision"), so a tie goes to float32."""
    seconds = {name: time_training_steps(model, inputs, amp, cl, steps)
               for name, amp, cl in CANDIDATES}
    fp32 = min((n for n, amp, _ in CANDIDATES if not amp), key=seconds.__getitem__)
    best = fp32
    for name, amp, _ in CANDIDATES:
        if amp and seconds[name] <= (1 - min_gain) * seconds[fp32] and \
                seconds[name] < seconds[best]:
            best = name
    _, amp, cl = next(c for c in CANDIDATES if c[0] == best)
    return dict(amp=amp, channels_last=cl, chosen=best,
                seconds={k: round(v, 4) for k, v in seconds.items()})


def probe_pose_model(cfg_model: dict, batch_size: int, input_hw: Tuple[int, int],
                     device: Optional[str] = None, min_gain: float = 0.1,
                     steps: int = 3) -> Dict[str, object]:
    """:func:`choose_precision` for a top-down pose model config (its backbone and head, on
    random crops of ``input_hw``, on ``device``: CUDA where present, else the CPU)."""
    dev = torch.device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    with DefaultScope.overwrite_default_scope('mmpose'):
        model = MODELS.build(cfg_model)
    net = torch.nn.Sequential(model.backbone, model.head).to(dev).train()
    gen = torch.Generator().manual_seed(0)
    inputs = torch.randn(batch_size, 3, *input_hw, generator=gen).to(dev)
    return dict(choose_precision(net, inputs, min_gain, steps), device=str(dev))
