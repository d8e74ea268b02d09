"""SRPixelWarmupHook: pixel-only SR training for the first iterations, then the config's terms."""
from types import SimpleNamespace
from typing import Set, Tuple

import pytest
import torch
from mmpose.registry import HOOKS
from test_sr_modules import _estimator, _raw_batch

import lrpose_mm.engine  # noqa: F401  (registers the hook)

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')

PDSR_LOSS = dict(type='PoseDrivenSRLoss', pixel_weight=1.0, kpt_weight=1.0, feat_weight=1.0)


def _pose_grad_on_sr(model) -> Tuple[float, Set[str]]:
    """Gradient of the pose loss alone on the SR network (first upsampling layer), loss names."""
    model.train()
    losses = model(**model.data_preprocessor(_raw_batch(), True), mode='loss')
    model.zero_grad()
    losses['loss_kpt'].backward()
    g = model.sr_neck.upsample[0].weight.grad
    return 0.0 if g is None else float(g.abs().sum()), set(losses)


def test_warmup_is_pixel_only_then_pose_driven_and_restored():
    torch.manual_seed(0)
    model = _estimator(sr_loss=PDSR_LOSS)
    hook = HOOKS.build(dict(type='SRPixelWarmupHook', warmup_iters=2))
    runner = SimpleNamespace(model=model, iter=0)
    hook.before_train(runner)
    for it, pixel_only in ((0, True), (1, True), (2, False), (3, False)):
        runner.iter = it
        hook.before_train_iter(runner, it)
        grad, keys = _pose_grad_on_sr(model)
        assert (grad == 0.0) == pixel_only, it
        assert 'loss_sr_pix' in keys and 'loss_kpt' in keys
        assert ('loss_sr_kpt' in keys) == (not pixel_only)
        assert ('loss_sr_feat' in keys) == (not pixel_only)
    # a run resumed inside the warm-up goes back to pixel-only, and training's end restores
    runner.iter = 1
    hook.before_train_iter(runner, 1)
    assert model.pose_loss_to_sr is False and model.sr_loss.kpt_weight == 0.0
    hook.after_train(runner)
    assert model.pose_loss_to_sr is True
    assert (model.sr_loss.kpt_weight, model.sr_loss.feat_weight) == (1.0, 1.0)


def test_warmup_errors_name_the_problem():
    with pytest.raises(ValueError, match='warmup_iters'):
        HOOKS.build(dict(type='SRPixelWarmupHook', warmup_iters=0))
    hook = HOOKS.build(dict(type='SRPixelWarmupHook', warmup_iters=5))
    with pytest.raises(TypeError, match='SRTopdownPoseEstimator'):
        hook.before_train(SimpleNamespace(model=torch.nn.Linear(2, 2), iter=0))
    no_pixel = _estimator(sr_loss=dict(PDSR_LOSS, pixel_weight=0.0))
    with pytest.raises(ValueError, match='pixel_weight is 0'):
        hook.before_train(SimpleNamespace(model=no_pixel, iter=0))
