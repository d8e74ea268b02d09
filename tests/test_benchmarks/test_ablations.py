"""The benchmark's ablation rows: what each changes, and that the report pairs it with its row."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'tools'))

from benchmarks.pose_job import (  # noqa: E402
    ABLATIONS,
    VARIANTS,
    RowEval,
    ablation_base,
    ablation_variants,
    sr_neck_lr,
)
from benchmarks.pose_report import differences  # noqa: E402
from benchmarks.stats import Bootstrapped  # noqa: E402


def test_every_ablation_changes_a_benchmark_row():
    rows = {v.key for v in VARIANTS}
    variants = {v.key: v for v in ablation_variants()}
    assert set(variants) == set(ABLATIONS)
    for key, v in variants.items():
        assert v.of in rows and key.startswith(v.of + '-'), key
        assert v.config == next(r.config for r in VARIANTS if r.key == v.of)
    # the neck's learning rate is tried for both rows that have an SR neck
    assert ablation_base('two-stage-neck-lr4') == 'two-stage'
    assert ablation_base('pdsr-neck-lr4') == 'pdsr'
    with pytest.raises(StopIteration):
        ablation_base('no-such-row-x')


def test_neck_learning_rate_ablation_builds_an_optimizer_with_two_rates():
    """The SR neck trains at the multiple, every pose-network parameter at the base rate."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import lrpose_mm  # noqa: F401  (registers the modules)

    init_default_scope('mmpose')

    v = next(v for v in ablation_variants() if v.key == 'pdsr-neck-lr4')
    cfg = v.load()
    assert cfg.optim_wrapper.paramwise_cfg == sr_neck_lr(4)['optim_wrapper']['paramwise_cfg']
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    base = cfg.optim_wrapper.optimizer.lr
    neck = {id(p) for p in model.sr_neck.parameters()}
    seen = {'neck': 0, 'pose': 0}
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            if id(p) in neck:
                seen['neck'] += 1
                assert group['lr'] == pytest.approx(4 * base)
            else:
                seen['pose'] += 1
                assert group['lr'] == pytest.approx(base)
    assert seen['neck'] == len(neck) and seen['pose'] > 0


def _row(variant, point, samples):
    r = RowEval(variant, [], [])
    r.ap = Bootstrapped(point, np.asarray(samples, float))
    r.pck = Bootstrapped(point, np.asarray(samples, float))
    return r


def test_report_pairs_each_ablation_with_the_row_it_changes():
    base = {v.key: v for v in VARIANTS}
    abl = {v.key: v for v in ablation_variants()}
    rows = {'two-stage': _row(base['two-stage'], 0.10, [0.09, 0.10, 0.11]),
            'two-stage-neck-lr4': _row(abl['two-stage-neck-lr4'], 0.15, [0.14, 0.15, 0.16]),
            'pdsr': _row(base['pdsr'], 0.12, [0.11, 0.12, 0.13]),
            'pdsr-neck-lr4': _row(abl['pdsr-neck-lr4'], 0.11, [0.10, 0.11, 0.12])}
    pairs = {(d['better'], d['worse']): d for d in differences(rows)}
    assert ('two-stage-neck-lr4', 'two-stage') in pairs
    assert ('pdsr-neck-lr4', 'pdsr') in pairs
    assert ('pdsr-neck-lr4', 'two-stage') not in pairs
    d = pairs[('two-stage-neck-lr4', 'two-stage')]
    assert d['dAP'][0] == pytest.approx(0.05) and d['AP_verdict'] == 'significant'
    assert pairs[('pdsr-neck-lr4', 'pdsr')]['dAP'][0] == pytest.approx(-0.01)
    assert pairs[('pdsr-neck-lr4', 'pdsr')]['AP_verdict'] == 'reversed'
    assert pairs[('pdsr', 'two-stage')]['AP_verdict'] == 'significant'  # an ordering of the report
