"""The benchmark's ablation rows: what each changes, and that the report pairs it with its row."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'tools'))

from benchmarks.common.stats import Bootstrapped  # noqa: E402
from benchmarks.pose.evaluate import RowEval  # noqa: E402
from benchmarks.pose.report import differences  # noqa: E402
from benchmarks.pose.rows import (  # noqa: E402
    ABLATIONS,
    FROZEN_POSE_LR,
    VARIANTS,
    ablation_base,
    ablation_variants,
    frozen_pose_variants,
    load_config,
    sr_neck_lr,
)


def test_every_ablation_changes_a_benchmark_row():
    base = {v.key: v for v in VARIANTS + frozen_pose_variants()}
    variants = {v.key: v for v in ablation_variants()}
    assert set(variants) == set(ABLATIONS)
    for key, v in variants.items():
        assert v.of in base and key.startswith(v.of + '-'), key
        assert v.config == base[v.of].config
    # the neck's learning rate is tried for both rows that have an SR neck
    assert ablation_base('two-stage-neck-lr4') == 'two-stage'
    assert ablation_base('pdsr-neck-lr4') == 'pdsr'
    assert ablation_base('frozen-pdsr-no-feat') == 'frozen-pdsr'
    with pytest.raises(StopIteration):
        ablation_base('no-such-row-x')


def test_frozen_rows_and_their_ablation_stay_frozen_at_their_rate():
    """frozen-pdsr keeps PDSR's feature term (the joint row drops it); its ablation drops it
    too, and both stay frozen with the neck at the frozen rate."""
    rows = {v.key: v for v in frozen_pose_variants() + ablation_variants()}
    assert load_config(rows['frozen-pdsr'].config).model.sr_loss.feat_weight == 0.0  # joint
    for key, feat in (('frozen-pdsr', 1.0), ('frozen-pdsr-no-feat', 0.0)):
        cfg = rows[key].load()
        assert cfg.model.freeze_pose is True and cfg.model.sr_loss.feat_weight == feat
        assert cfg.model.sr_loss.pixel_weight == 1.0  # the rest of PDSR's loss as configured
        neck, _ = _learning_rates(cfg)
        assert neck == pytest.approx([FROZEN_POSE_LR] * len(neck))


def _learning_rates(cfg):
    """(SR-neck rates, pose-network rates) of the optimizer the config builds."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import lrpose_mm  # noqa: F401  (registers the modules)

    init_default_scope('mmpose')
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    neck = {id(p) for p in model.sr_neck.parameters()}
    rates = ([], [])
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            rates[id(p) not in neck].append(group['lr'])
    assert len(rates[0]) == len(neck)
    return rates


def test_neck_learning_rate_ablation_builds_an_optimizer_with_two_rates():
    """The SR neck trains at the multiple, every pose-network parameter at the base rate."""
    v = next(v for v in ablation_variants() if v.key == 'pdsr-neck-lr4')
    cfg = v.load()
    assert cfg.optim_wrapper.paramwise_cfg == sr_neck_lr(4)['optim_wrapper']['paramwise_cfg']
    neck, pose = _learning_rates(cfg)
    base = cfg.optim_wrapper.optimizer.lr
    assert neck == pytest.approx([4 * base] * len(neck))
    assert pose and pose == pytest.approx([base] * len(pose))


def test_frozen_rows_train_their_neck_at_the_frozen_rate():
    """Whatever multiple a joint row's config gives its neck, its frozen-pose row's neck
    learns at FROZEN_POSE_LR."""
    trained = [v for v in frozen_pose_variants() if v.trains]
    assert {v.key for v in trained} == {'frozen-two-stage', 'frozen-pdsr'}
    for v in trained:
        neck, _ = _learning_rates(v.load())
        assert neck == pytest.approx([FROZEN_POSE_LR] * len(neck)), v.key


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
