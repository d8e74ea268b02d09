"""Every shipped pose config builds its model and pipelines, and follows the fairness contract."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

import lrpose_mm  # noqa: F401

from conftest import ROOT

POSE_CFGS = sorted((ROOT / 'configs' / 'pose').glob('*.py'))
SYN_CFGS = sorted((ROOT / 'configs' / 'synthetic').glob('*.py'))


def _build(cfg_path: Path):
    from mmengine.dataset import Compose
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(str(cfg_path))
    model = MODELS.build(cfg.model)
    train = Compose(cfg.train_dataloader.dataset.pipeline)
    val = Compose(cfg.val_dataloader.dataset.pipeline)
    return cfg, model, train, val


def test_config_sets_are_complete():
    names = {p.name for p in POSE_CFGS}
    for variant in ('hr-oracle_hrnet-w32_8xb64-210e_coco-256x192.py',
                    'lr-direct_hrnet-w32_8xb64-210e_coco-lr64x48.py',
                    'bicubic-x4_hrnet-w32_8xb64-210e_coco-lr64x48.py',
                    'two-stage-x4_hrnet-w32_8xb64-210e_coco-lr64x48.py',
                    'pdsr-x4_hrnet-w32_8xb64-210e_coco-lr64x48.py',
                    'pdsr-x8_hrnet-w32_8xb64-210e_coco-lr32x24.py',
                    'pdsr-x4_hrnet-w32_udp-8xb64-210e_coco-lr64x48.py',
                    'pdsr-x4_convnext-t_8xb64-210e_coco-lr64x48.py',
                    'lr-direct-simcc_hrnet-w32_8xb64-210e_coco-lr64x48.py'):
        assert variant in names
    assert len(SYN_CFGS) == 7


@pytest.mark.parametrize('cfg_path', POSE_CFGS + SYN_CFGS, ids=lambda p: p.name)
def test_config_builds_model_and_pipelines(cfg_path):
    cfg, model, train, val = _build(cfg_path)
    assert cfg.custom_imports['imports'] == ['lrpose_mm']
    assert type(model).__name__ == 'SRTopdownPoseEstimator'
    types = [t['type'] for t in cfg.val_dataloader.dataset.pipeline]
    assert types[-1] == 'PackSRPoseInputs'
    name = cfg_path.name
    if name.startswith('hr-oracle'):
        assert 'LowResDegrade' not in types
    elif name.endswith('coco-mixed.py'):
        # people of every size: each is routed to SR or to the direct path by its own size
        assert 'LowResDegrade' not in types and 'AdaptiveTopdownAffine' in types
    else:
        assert 'LowResDegrade' in types
        deg = [t for t in cfg.val_dataloader.dataset.pipeline if t['type'] == 'LowResDegrade'][0]
        assert deg.get('deterministic') is True  # evaluation must not be random


@pytest.mark.parametrize('cfg_path', [p for p in POSE_CFGS if 'hrnet-w32' in p.name
                                      and 'lr64x48' in p.name],
                         ids=lambda p: p.name)
def test_paper_size_forward_shapes(cfg_path):
    cfg, model, _, _ = _build(cfg_path)
    model.eval()
    lr = torch.randn(1, 3, 64, 48)
    with torch.no_grad():
        heatmaps = model(lr, None, mode='tensor')
    codec = cfg.model.head.decoder
    if codec['type'] == 'SimCCLabel':  # 1-D x/y classification vectors at split_ratio x input
        w, h = codec['input_size']
        r = codec['simcc_split_ratio']
        assert heatmaps[0].shape == (1, 17, int(w * r)) and heatmaps[1].shape == (1, 17, int(h * r))
    else:
        assert tuple(heatmaps.shape[-2:]) == tuple(reversed(codec['heatmap_size']))


def test_fair_baselines_share_everything_but_the_sr_part():
    """Contract 3: the x4 HRNet-W32 SR variants differ only in sr_neck / sr_loss /
    pose_loss_to_sr."""
    def strip(cfg):
        d = cfg.to_dict()
        m = d['model']
        for k in ('sr_neck', 'sr_loss', 'pose_loss_to_sr'):
            m.pop(k, None)
        return d
    base = ROOT / 'configs' / 'pose'
    ref = strip(Config.fromfile(str(base / 'bicubic-x4_hrnet-w32_8xb64-210e_coco-lr64x48.py')))
    for v in ('two-stage-x4', 'pdsr-x4'):
        other = strip(Config.fromfile(str(base / f'{v}_hrnet-w32_8xb64-210e_coco-lr64x48.py')))
        for key in ('model', 'train_dataloader', 'val_dataloader', 'optim_wrapper',
                    'param_scheduler', 'train_cfg', 'val_evaluator'):
            assert other[key] == ref[key], (v, key)
