"""BF16AutocastOptimWrapper and ChannelsLastHook: the precision and memory format they promise,
a real training of the SR estimator under both, and ``tools/train.py --amp`` on a CPU."""
import argparse
import sys
from pathlib import Path

import pytest
import torch
from mmengine.runner import Runner

import lrpose_mm  # noqa: F401  (registers the wrapper and the hook)

from conftest import write_tiny_coco
from tiny_config import TINY_CODEC, tiny_sr_estimator, tiny_sr_train_config

ROOT = Path(__file__).resolve().parents[2]


def _wrapper(**kw):
    from mmengine.optim import build_optim_wrapper
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    return model, build_optim_wrapper(model, dict(
        type='BF16AutocastOptimWrapper', optimizer=dict(type='SGD', lr=0.1), **kw))


def test_forward_runs_in_bfloat16_inside_the_context_only(mmpose_scope_one_thread):
    model, wrapper = _wrapper()
    x = torch.randn(2, 3, 8, 8)
    with wrapper.optim_context(model):
        y = model(x)
    assert y.dtype == torch.bfloat16 and model(x).dtype == torch.float32
    before = model[0].weight.detach().clone()
    wrapper.update_params(y.float().square().mean())
    assert model[0].weight.dtype == torch.float32  # master weights stay float32
    assert not torch.equal(model[0].weight, before)


def test_disabled_wrapper_trains_in_float32(mmpose_scope_one_thread):
    model, wrapper = _wrapper(enabled=False)
    with wrapper.optim_context(model):
        assert model(torch.randn(1, 3, 8, 8)).dtype == torch.float32


def test_channels_last_hook_converts_and_keeps_outputs(mmpose_scope_one_thread):
    from mmpose.registry import HOOKS, MODELS
    torch.manual_seed(0)
    model = MODELS.build(tiny_sr_estimator(TINY_CODEC)).eval()
    x = torch.randn(2, 3, 16, 12)
    with torch.no_grad():
        ref = model(x, None, mode='tensor')

    class _Runner:  # the one attribute the hook uses
        pass
    runner = _Runner()
    runner.model = model
    HOOKS.build(dict(type='ChannelsLastHook')).before_run(runner)
    convs = [m.weight for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(w.is_contiguous(memory_format=torch.channels_last) for w in convs)
    with torch.no_grad():
        out = model(x, None, mode='tensor')
    assert torch.allclose(out, ref, atol=1e-5)


def test_sr_estimator_trains_under_bf16_and_channels_last(tmp_path, mmpose_scope_one_thread):
    """Pose loss (MMPose's HeatmapHead computes its accuracy with numpy, which has no
    bfloat16) and SR losses under autocast: training runs, stays finite, weights float32."""
    root = tmp_path / 'coco'
    write_tiny_coco(root)
    cfg = tiny_sr_train_config(root, max_iters=3)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.optim_wrapper.type = 'BF16AutocastOptimWrapper'
    cfg.custom_hooks = [dict(type='ChannelsLastHook')]
    runner = Runner.from_cfg(cfg)
    init = {k: v.detach().clone() for k, v in runner.model.state_dict().items()}
    runner.train()
    hub = runner.message_hub
    for key in ('train/loss', 'train/loss_kpt', 'train/loss_sr_pix'):
        assert torch.isfinite(torch.tensor(hub.get_scalar(key).current())), key
    state = runner.model.state_dict()
    assert all(v.dtype == torch.float32 for v in state.values() if v.is_floating_point())
    for key in ('sr_neck.conv_first.weight', 'head.final_layer.weight'):  # both parts learned
        assert not torch.equal(state[key], init[key]), key
    assert state['head.final_layer.weight'].is_contiguous(memory_format=torch.channels_last)


def test_train_tool_amp_picks_bfloat16_on_a_cpu(monkeypatch):
    sys.path.insert(0, str(ROOT / 'tools'))
    from mmengine.config import Config
    from train import merge_args
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    args = argparse.Namespace(no_validate=False, launcher='none', work_dir='w', amp=True,
                              resume=None, auto_scale_lr=False, show=False, show_dir=None,
                              cfg_options=None)
    cfg = merge_args(Config(dict(optim_wrapper=dict(optimizer=dict(type='Adam')))), args)
    assert cfg.optim_wrapper.type == 'BF16AutocastOptimWrapper'
    assert 'loss_scale' not in cfg.optim_wrapper
    bad = Config(dict(optim_wrapper=dict(type='ApexOptimWrapper', optimizer=dict(type='Adam'))))
    with pytest.raises(ValueError, match='ApexOptimWrapper'):
        merge_args(bad, args)
