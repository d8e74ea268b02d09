"""The one throughput timer: runs interleaved round by round, warm-up dropped, median kept."""
from types import SimpleNamespace

import pytest
import torch

from lrpose_mm.analysis import interleaved_times, throughput_side_by_side, timing


def test_interleaved_times_alternates_runs_and_drops_warmup():
    calls = []
    times = interleaved_times(dict(a=lambda: calls.append('a'), b=lambda: calls.append('b')),
                              rounds=2, warmup=1)
    assert calls == ['a', 'b'] * 3
    assert {k: len(v) for k, v in times.items()} == dict(a=2, b=2)
    with pytest.raises(ValueError, match='rounds must be >= 1'):
        interleaved_times(dict(a=lambda: None), rounds=0)


def test_throughput_is_batch_over_median_round(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(timing, 'time', SimpleNamespace(perf_counter=lambda: clock[0]))
    costs = dict(fast=iter([9.0, 0.5, 0.4, 0.6]), slow=iter([9.0, 2.0, 2.0, 7.0]))

    def run(name):
        def fn(batch):
            clock[0] += next(costs[name])
        return fn

    ips = throughput_side_by_side(dict(fast=(run('fast'), torch.zeros(4, 3, 2, 2)),
                                       slow=(run('slow'), torch.zeros(8, 3, 2, 2))),
                                  rounds=3, warmup=1)
    assert ips == pytest.approx(dict(fast=4 / 0.5, slow=8 / 2.0))
