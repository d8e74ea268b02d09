"""Wall-clock timing of several callables side by side, interleaved round by round."""
import functools
import statistics
import time
from typing import Any, Callable, Dict, List, Mapping, Tuple

import torch


def interleaved_times(runs: Mapping[str, Callable[[], Any]], rounds: int = 5,
                      warmup: int = 1) -> Dict[str, List[float]]:
    """Seconds of each call of every run, calling the runs in turn, round by round.

    Interleaving makes machine noise (another process, clock changes) hit
    every run alike, so ratios between runs are meaningful on a busy machine.
    The first ``warmup`` rounds are run but not kept.
    """
    if rounds < 1 or warmup < 0:
        raise ValueError(f'rounds must be >= 1 and warmup >= 0, got {rounds} and {warmup}')
    times: Dict[str, List[float]] = {k: [] for k in runs}
    for r in range(warmup + rounds):
        for name, fn in runs.items():
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
            if r >= warmup:
                times[name].append(dt)
    return times


@torch.no_grad()
def throughput_side_by_side(runs: Mapping[str, Tuple[Callable, torch.Tensor]], rounds: int = 5,
                            warmup: int = 1) -> Dict[str, float]:
    """Images per second of each ``fn(batch)`` (the median round, interleaved;
    see :func:`interleaved_times`)."""
    times = interleaved_times({k: functools.partial(fn, batch) for k, (fn, batch) in runs.items()},
                              rounds, warmup)
    return {k: runs[k][1].shape[0] / statistics.median(v) for k, v in times.items()}
