"""The benchmark's amp='auto': the training precision is chosen by timing it here."""
import dataclasses
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'tools'))
from benchmarks.budget import BUDGETS  # noqa: E402
from benchmarks.common import precision  # noqa: E402
from benchmarks.pose.configure import configure  # noqa: E402
from benchmarks.pose.rows import load_config  # noqa: E402
from benchmarks.pose.schedule import resolve_precision  # noqa: E402


def _fake_timings(monkeypatch, seconds):
    def fake(model, inputs, amp, channels_last, steps=3):
        return seconds[next(n for n, a, c in precision.CANDIDATES
                            if (a, c) == (amp, channels_last))]
    monkeypatch.setattr(precision, 'time_training_steps', fake)


@pytest.mark.parametrize('seconds,chosen', [
    # native bfloat16 (this project's AVX512-BF16 machine): bf16 + channels-last
    (dict(zip(('float32', 'float32+channels-last', 'bfloat16+channels-last'),
              (0.58, 0.47, 0.27))), 'bfloat16+channels-last'),
    # emulated bfloat16 (a CPU without it): several times slower, float32 wins
    (dict(zip(('float32', 'float32+channels-last', 'bfloat16+channels-last'),
              (0.60, 0.50, 2.10))), 'float32+channels-last'),
    # bf16 faster but by less than min_gain (10%): a tie goes to float32
    (dict(zip(('float32', 'float32+channels-last', 'bfloat16+channels-last'),
              (0.50, 0.55, 0.47))), 'float32'),
])
def test_choose_precision_keeps_the_fastest(monkeypatch, seconds, chosen):
    _fake_timings(monkeypatch, seconds)
    got = precision.choose_precision(torch.nn.Identity(), torch.zeros(1))
    assert got['chosen'] == chosen
    name, amp, cl = next(c for c in precision.CANDIDATES if c[0] == chosen)
    assert (got['amp'], got['channels_last']) == (amp, cl)
    assert got['seconds'] == pytest.approx(seconds)


def test_time_training_steps_trains_and_restores_the_memory_format():
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(),
                              torch.nn.Conv2d(4, 2, 1))
    before = [p.detach().clone() for p in net.parameters()]
    sec = precision.time_training_steps(net, torch.randn(2, 3, 8, 8), amp=True,
                                        channels_last=True, steps=2)
    assert sec > 0
    assert any(not torch.equal(a, b) for a, b in zip(before, net.parameters()))  # updated
    assert all(p.dtype == torch.float32 for p in net.parameters())
    assert net[0].weight.is_contiguous()  # back to the default format


def test_resolve_precision_times_the_oracle_and_keeps_explicit_values():
    budget = dataclasses.replace(BUDGETS['default'], batch_size=2)
    assert (budget.amp, budget.channels_last) == ('auto', 'auto')
    with pytest.raises(ValueError, match='resolve'):  # no stage is configured with 'auto'
        configure(load_config('hr-oracle_hrnet-tiny_synthetic-128x96.py'), budget, 'x', 1, 0)
    probe = resolve_precision(budget)
    assert isinstance(budget.amp, bool) and isinstance(budget.channels_last, bool)
    assert set(probe['seconds']) == {c[0] for c in precision.CANDIDATES}
    assert all(s > 0 for s in probe['seconds'].values()) and probe['device'] == 'cpu'
    assert (budget.amp, budget.channels_last) == (probe['amp'], probe['channels_last'])
    # an explicit amp is kept; 'auto' channels-last then takes the faster under it
    budget = dataclasses.replace(BUDGETS['default'], batch_size=2, amp=False)
    probe = resolve_precision(budget)
    assert budget.amp is False
    faster_cl = probe['seconds']['float32+channels-last'] < probe['seconds']['float32']
    assert budget.channels_last is faster_cl
    assert resolve_precision(BUDGETS['long']) is None  # both explicit: nothing measured
    with pytest.raises(ValueError, match="true, false or 'auto'"):
        resolve_precision(dataclasses.replace(BUDGETS['default'], amp='maybe'))
