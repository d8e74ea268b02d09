"""The COCO plug-in configs: an MMPose model-zoo network, frozen, with only the SR neck training."""
import copy
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

import lrpose_mm  # noqa: F401

from conftest import COCO_MINI, ROOT, run_train_pipeline

POSE = ROOT / 'configs' / 'pose'
PLUGIN_CFGS = sorted(POSE.glob('*-frozen_*.py'))
ZOO = {  # MMPose's own config of each backbone's model-zoo checkpoint (256x192, COCO)
    'hrnet-w32': 'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py',
    'res50': 'td-hm_res50_8xb64-210e_coco-256x192.py',
}


def _cfg(name) -> Config:
    from mmpose.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    return Config.fromfile(str(POSE / name))


def test_plugin_config_set_is_complete():
    names = {p.name for p in PLUGIN_CFGS}
    for variant in ('pdsr', 'two-stage'):
        for backbone in ('hrnet-w32', 'hrnet-w48', 'res50'):
            for scale, lr in ((4, '64x48'), (8, '32x24')):
                assert f'{variant}-x{scale}_{backbone}-frozen_8xb64-20e_coco-lr{lr}.py' in names


@pytest.mark.parametrize('cfg_path', PLUGIN_CFGS, ids=lambda p: p.name)
def test_plugin_config_freezes_the_pose_network(cfg_path):
    cfg = _cfg(cfg_path.name)
    m = cfg.model
    assert m.freeze_pose is True and m.get('teacher') is None
    assert m.pose_init_cfg.checkpoint.startswith('checkpoints/td-hm_')
    assert m.pose_loss_to_sr is cfg_path.name.startswith('pdsr')
    assert cfg.train_cfg.max_epochs == 20  # a short schedule of its own
    scale = int(cfg_path.name.split('-x')[1][0])
    assert m.sr_neck.scale == scale
    degrade = []
    for t in cfg.train_dataloader.dataset.pipeline:  # RandomChoice: every path it draws from
        paths = t['transforms'] if t['type'] == 'RandomChoice' else [[t]]
        degrade += [d for p in paths for d in p
                    if d['type'] in ('LowResDegrade', 'CameraLowResDegrade')]
    # the factor the neck sees: model_scale when the LR is resized to it (the x1 neck's
    # simulated path reduces x1-x2 and resizes back), else the degradation's own scale
    assert degrade and all(d.get('model_scale', d['scale']) == scale for d in degrade)


def _zoo_checkpoint(tmp_path: Path, backbone: str) -> Path:
    """A checkpoint in the model zoo's format (MMPose's own model, random weights)."""
    from mmpose.apis import init_model
    from mmpose.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    zoo_cfg = Config.fromfile(str(Path(__import__('mmpose').__file__).parent / '.mim' / 'configs'
                                  / 'body_2d_keypoint' / 'topdown_heatmap' / 'coco'
                                  / ZOO[backbone]))
    torch.manual_seed(3)
    zoo = init_model(zoo_cfg, None, device='cpu')
    path = tmp_path / f'{backbone}.pth'
    torch.save(dict(meta=dict(mmpose_version='1.3.2'), state_dict=zoo.state_dict()), path)
    return path


@pytest.mark.parametrize('backbone', sorted(ZOO))
def test_zoo_checkpoint_loads_fully(tmp_path, backbone):
    from mmpose.registry import MODELS
    ckpt = _zoo_checkpoint(tmp_path, backbone)
    cfg = _cfg(f'pdsr-x4_{backbone}-frozen_8xb64-20e_coco-lr64x48.py')
    cfg.model.pose_init_cfg.checkpoint = str(ckpt)
    model = MODELS.build(cfg.model)
    model.init_weights()
    src = torch.load(ckpt, weights_only=True)['state_dict']
    own = model.state_dict()
    pose_keys = [k for k in own if k.split('.')[0] in ('backbone', 'neck', 'head')]
    assert sorted(pose_keys) == sorted(k for k in src if not k.startswith('data_preprocessor'))
    for k in pose_keys:
        torch.testing.assert_close(own[k], src[k])


@pytest.mark.skipif(not COCO_MINI.is_dir(),
                    reason=f'{COCO_MINI} is absent (shared test data is not part of a clone)')
def test_one_training_step_on_coco_trains_only_the_sr_neck(tmp_path):
    """One optimizer step of the HRNet-W32 PDSR plug-in config on real COCO people: the SR
    neck's weights move, the pose network's weights and BatchNorm statistics do not."""
    from mmengine.dataset import Compose, pseudo_collate
    from mmengine.optim import build_optim_wrapper
    from mmpose.registry import DATASETS, MODELS
    torch.set_num_threads(1)
    ckpt = _zoo_checkpoint(tmp_path, 'hrnet-w32')
    cfg = _cfg('pdsr-x4_hrnet-w32-frozen_8xb64-20e_coco-lr64x48.py')
    cfg.model.pose_init_cfg.checkpoint = str(ckpt)
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.update(data_root=str(COCO_MINI), ann_file='annotations/person_keypoints_train2017.json',
                  data_prefix=dict(img='train2017/'))
    dataset = DATASETS.build(ds_cfg)
    assert isinstance(dataset.pipeline, Compose)
    batch = pseudo_collate([dataset[0]])
    assert tuple(batch['inputs'][0].shape) == (3, 64, 48)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    # only the SR neck receives gradients (from every loss term)
    losses = model(**model.data_preprocessor(batch, True), mode='loss')
    assert {'loss_kpt', 'loss_sr_pix', 'loss_sr_kpt', 'loss_sr_feat'} <= set(losses)
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    grads = {n for n, p in model.named_parameters() if p.grad is not None
             and float(p.grad.abs().sum()) > 0}
    assert grads and all(n.startswith('sr_neck.') for n in grads)
    model.zero_grad()
    # one optimizer step: the neck's weights move; the pose weights and BN statistics do not
    losses = model.train_step(batch, optim)
    assert all(torch.isfinite(v) for v in losses.values())
    after = model.state_dict()
    moved = {k for k in after if not torch.equal(after[k], before[k])}
    assert moved and all(k.startswith('sr_neck.') for k in moved)


def test_sr_neck_rates_joint_and_plugin():
    """Joint configs train the SR neck at 16x the pose network's rate (chosen on tune);
    plug-in configs train it at the optimizer's own rate (nothing else trains)."""
    from mmengine.optim import build_optim_wrapper
    from mmpose.registry import MODELS
    for name, lr, mult in (('pdsr-x8_res50_8xb64-210e_coco-lr32x24.py', 5e-4, 16.0),
                           ('pdsr-x8_res50-frozen_8xb64-20e_coco-lr32x24.py', 1e-3, 1.0)):
        cfg = _cfg(name)
        model = MODELS.build(cfg.model)
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
        neck = {id(p) for p in model.sr_neck.parameters()}
        for group in optim.optimizer.param_groups:
            expected = lr * mult if id(group['params'][0]) in neck else lr
            assert group['lr'] == pytest.approx(expected), name


@pytest.mark.skipif(not COCO_MINI.is_dir(),
                    reason=f'{COCO_MINI} is absent (shared test data is not part of a clone)')
def test_mixed_size_config_routes_real_coco_people_by_size():
    """The adaptive test config sends small people through SR and large ones direct, in one
    batch (split inside the model), with keypoints in image space for CocoMetric."""
    import numpy as np
    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS, MODELS
    torch.set_num_threads(1)
    cfg = _cfg('pdsr-x4-adaptive_hrnet-w32-frozen_8xb64-20e_coco-mixed.py')
    assert cfg.test_evaluator['type'] == 'CocoMetric'
    ds_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    ds_cfg.update(data_root=str(COCO_MINI), ann_file='annotations/person_keypoints_train2017.json',
                  data_prefix=dict(img='train2017/'), bbox_file=None)
    dataset = DATASETS.build(ds_cfg)
    by_path = {}
    for i in range(len(dataset)):
        sample = dataset[i]
        path = sample['data_samples'].metainfo['sr_path']
        by_path.setdefault(path, sample)
        if len(by_path) == 2:
            break
    assert set(by_path) == {'sr', 'direct'}
    assert tuple(by_path['sr']['inputs'].shape) == (3, 64, 48)
    assert tuple(by_path['direct']['inputs'].shape) == (3, 256, 192)
    cfg.model.pose_init_cfg = None
    model = MODELS.build(cfg.model)
    model.eval()
    with torch.no_grad():
        out = model.test_step(pseudo_collate([by_path['sr'], by_path['direct']]))
    assert [o.pred_instances.sr_path[0] for o in out] == ['sr', 'direct']
    for o in out:
        kp = o.pred_instances.keypoints
        c, s = o.metainfo['input_center'], o.metainfo['input_scale']
        assert kp.shape == (1, 17, 2) and np.isfinite(kp).all()
        # in image pixels, around the person's crop region (not in crop pixels; the margin
        # covers decoding a random network's heatmap edge with flip test's shift)
        assert (np.abs(kp[0] - c) <= 0.6 * s).all()


def test_three_path_config_routes_real_coco_people_three_ways(tmp_path, capsys):
    """The scale-aware test config: x4 / x2 / direct crops from one pipeline, one model with
    both necks (merged by tools/misc/merge_sr_necks.py) predicting each route in one batch."""
    import numpy as np
    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS, MODELS
    torch.set_num_threads(1)
    cfg = _cfg('pdsr-x4-x2-adaptive_hrnet-w32-frozen_8xb64-20e_coco-mixed.py')
    x2 = _cfg('pdsr-x2_hrnet-w32-frozen_8xb64-20e_coco-lr128x96.py')
    assert x2.model.sr_neck == cfg.model.extra_sr_necks[0]
    ds_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    ds_cfg.update(data_root=str(COCO_MINI), ann_file='annotations/person_keypoints_train2017.json',
                  data_prefix=dict(img='train2017/'), bbox_file=None)
    crop = ds_cfg.pipeline[2]
    crop['size_threshold'] = (60, 120)  # the mini set's people span these sizes
    dataset = DATASETS.build(ds_cfg)
    by_route = {}
    for i in range(len(dataset)):
        sample = dataset[i]
        meta = sample['data_samples'].metainfo
        route = 'direct' if meta['sr_path'] == 'direct' else f'x{meta["sr_scale"]}'
        by_route.setdefault(route, sample)
        if len(by_route) == 3:
            break
    assert set(by_route) == {'x4', 'x2', 'direct'}
    assert tuple(by_route['x4']['inputs'].shape) == (3, 64, 48)
    assert tuple(by_route['x2']['inputs'].shape) == (3, 128, 96)
    # both necks trained in front of one pose network, merged into one checkpoint
    for c in (cfg, x2):
        c.model.pose_init_cfg = None
    torch.manual_seed(0)
    x4 = _cfg('pdsr-x4_hrnet-w32-frozen_8xb64-20e_coco-lr64x48.py')
    x4.model.pose_init_cfg = None
    base = MODELS.build(x4.model)
    neck2 = MODELS.build(x2.model)
    neck2.backbone.load_state_dict(base.backbone.state_dict())
    neck2.head.load_state_dict(base.head.state_dict())
    torch.save(dict(state_dict=base.state_dict()), tmp_path / 'x4.pth')
    torch.save(dict(state_dict=neck2.state_dict()), tmp_path / 'x2.pth')
    import importlib.util
    spec = importlib.util.spec_from_file_location('merge_sr_necks',
                                                  ROOT / 'tools' / 'misc' / 'merge_sr_necks.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tool.main([str(tmp_path / 'x4.pth'), '--extra', '2', str(tmp_path / 'x2.pth'),
                     '--out', str(tmp_path / 'x4-x2.pth')])
    model = MODELS.build(cfg.model)
    model.load_state_dict(torch.load(out, weights_only=True)['state_dict'], strict=True)
    model.eval()
    with torch.no_grad():
        res = model.test_step(pseudo_collate([by_route[k] for k in ('x4', 'x2', 'direct')]))
    assert [o.pred_instances.sr_path[0] for o in res] == ['sr', 'sr_x2', 'direct']
    for o in res:
        kp = o.pred_instances.keypoints
        c, s = o.metainfo['input_center'], o.metainfo['input_scale']
        assert kp.shape == (1, 17, 2) and (np.abs(kp[0] - c) <= 0.6 * s).all()
    with pytest.raises(SystemExit):
        tool.main([str(tmp_path / 'x4.pth'), '--extra', '2', str(tmp_path / 'x2.pth'),
                   '--out', out])
    assert 'exists (add --overwrite' in capsys.readouterr().err


def test_four_path_config_routes_real_coco_people_four_ways(tmp_path):
    """The four-path test config: x4 / x2 / x1 / direct crops from one pipeline, one model with
    the three necks (merged by tools/misc/merge_sr_necks.py) predicting each route in one
    batch; the x1 crop is the pose input, restored in place."""
    import numpy as np
    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS, MODELS
    torch.set_num_threads(1)
    cfg = _cfg('pdsr-x4-x2-x1-adaptive_hrnet-w32-frozen_8xb64-20e_coco-mixed.py')
    necks = {k: _cfg(f'pdsr-{k}_hrnet-w32-frozen_8xb64-20e_coco-{size}.py')
             for k, size in (('x4', 'lr64x48'), ('x2', 'lr128x96'), ('x1', '256x192'))}
    assert [necks['x2'].model.sr_neck, necks['x1'].model.sr_neck] == cfg.model.extra_sr_necks
    ds_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    ds_cfg.update(data_root=str(COCO_MINI), ann_file='annotations/person_keypoints_train2017.json',
                  data_prefix=dict(img='train2017/'), bbox_file=None)
    ds_cfg.pipeline[2]['size_threshold'] = (60, 100, 160)  # the mini set's people span these
    dataset = DATASETS.build(ds_cfg)
    by_route = {}
    for i in range(len(dataset)):
        meta = dataset[i]['data_samples'].metainfo
        by_route.setdefault('direct' if meta['sr_path'] == 'direct' else f'x{meta["sr_scale"]}',
                            dataset[i])
    assert set(by_route) == {'x4', 'x2', 'x1', 'direct'}
    assert tuple(by_route['x1']['inputs'].shape) == (3, 256, 192)
    torch.manual_seed(0)
    models = {}
    for k, c in necks.items():
        c.model.pose_init_cfg = None
        models[k] = MODELS.build(c.model)
        if k != 'x4':   # the same frozen pose network in front of every neck
            models[k].backbone.load_state_dict(models['x4'].backbone.state_dict())
            models[k].head.load_state_dict(models['x4'].head.state_dict())
        torch.save(dict(state_dict=models[k].state_dict()), tmp_path / f'{k}.pth')
    import importlib.util
    spec = importlib.util.spec_from_file_location('merge_sr_necks',
                                                  ROOT / 'tools' / 'misc' / 'merge_sr_necks.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tool.main([str(tmp_path / 'x4.pth'), '--extra', '2', str(tmp_path / 'x2.pth'),
                     '--extra', '1', str(tmp_path / 'x1.pth'), '--out', str(tmp_path / 'm.pth')])
    cfg.model.pose_init_cfg = None
    model = MODELS.build(cfg.model)
    model.load_state_dict(torch.load(out, weights_only=True)['state_dict'], strict=True)
    model.eval()
    order = ('x4', 'x2', 'x1', 'direct')
    with torch.no_grad():
        res = model.test_step(pseudo_collate([by_route[k] for k in order]))
        # the x1 route is the x1 neck's restoration of the crop, then the pose network
        x1_in = model.data_preprocessor(pseudo_collate([by_route['x1']]))['inputs']
        restored = models['x1'].sr_neck(x1_in)
    assert [o.pred_instances.sr_path[0] for o in res] == ['sr', 'sr_x2', 'sr_x1', 'direct']
    assert torch.equal(model.extra_sr_necks['x1'](x1_in), restored)
    for o in res:
        kp = o.pred_instances.keypoints
        c, s = o.metainfo['input_center'], o.metainfo['input_scale']
        assert kp.shape == (1, 17, 2) and (np.abs(kp[0] - c) <= 0.6 * s).all()


def test_x1_config_restores_people_enlarged_to_the_pose_input(tiny_coco):
    """The x1 neck's training draws simulated LR reduced x1-x2 and resized back, or camera LR
    of people 0.35-1x the crop height enlarged into it; both at the 256x192 input, with the
    HR crop as the target and the x2 config's blur/noise/JPEG."""
    cfg = _cfg('pdsr-x1_hrnet-w32-frozen_8xb64-20e_coco-256x192.py')
    x2 = _cfg('pdsr-x2_hrnet-w32-frozen_8xb64-20e_coco-lr128x96.py')
    assert (cfg.model.sr_neck.scale, cfg.model.sr_neck.unshuffle) == (1, 2)
    # within the cost target: <= 10% of HRNet-W32 at 256x192 (~7.7 GFLOPs), as the x2 neck
    from mmengine.analysis import get_model_complexity_info
    from mmpose.registry import MODELS
    flops = [get_model_complexity_info(MODELS.build(c.model.sr_neck), inputs=(torch.randn(
        1, 3, *size), ), show_table=False, show_arch=False)['flops'] / 1e9
        for c, size in ((cfg, (256, 192)), (x2, (128, 96)))]
    assert flops[0] <= 0.77 and abs(flops[0] - flops[1]) < 0.1 * flops[1], flops
    steps = [dict(t) for t in cfg.train_dataloader.dataset.pipeline]
    mix = next(t for t in steps if t['type'] == 'RandomChoice')
    (sim, ), (camera, ) = mix['transforms']
    (sim2, ), (camera2, ) = next(t for t in x2.train_dataloader.dataset.pipeline
                                 if t['type'] == 'RandomChoice')['transforms']
    assert mix['prob'] == [0.5, 0.5]
    assert dict(sim) == dict(sim2, scale=[1, 2], model_scale=1)
    assert dict(camera) == dict(camera2, scale=1, crop_ratio=(0.35, 1.0))
    samples = run_train_pipeline(tiny_coco, steps[:-1], seed=1)
    for res in samples:
        assert res['img'].shape[:2] == (256, 192) and res['img_hr'].shape[:2] == (256, 192)
        assert res['sr_scale'] == 1
    assert {'camera_degrade' in res for res in samples} == {True, False}


def test_x2_config_trains_on_simulated_and_camera_lr(tiny_coco):
    """The x2 neck's training draws the base's simulated LR or camera LR of people enlarged or
    shrunk into the 128x96 crop; both give the LR input with the HR crop as its target."""
    cfg = _cfg('pdsr-x2_hrnet-w32-frozen_8xb64-20e_coco-lr128x96.py')
    base = _cfg('pdsr-x4_hrnet-w32-frozen_8xb64-20e_coco-lr64x48.py')
    steps = [dict(t) for t in cfg.train_dataloader.dataset.pipeline]
    types = [t['type'] for t in steps]
    assert types.index('KeepFrame') == types.index('TopdownAffine') - 1
    mix = steps[types.index('RandomChoice')]
    (sim, ), (camera, ) = mix['transforms']
    assert mix['prob'] == [0.5, 0.5]
    assert sim['type'] == 'LowResDegrade' and sim['scale'] == 2
    assert camera['type'] == 'CameraLowResDegrade' and camera['scale'] == 2
    assert camera['crop_ratio'] == (0.5, 2.0)
    for key in ('blur_sigma', 'blur_prob', 'noise_sigma', 'noise_prob', 'jpeg_quality',
                'jpeg_prob'):
        assert camera[key] == sim[key], key
    # the simulated path is the x4 plug-in's degradation at x2
    x4_sim = next(t for t in base.train_dataloader.dataset.pipeline
                  if t['type'] == 'LowResDegrade')
    assert dict(sim, scale=4) == dict(x4_sim)
    samples = run_train_pipeline(tiny_coco, steps[:-1], seed=1)
    for res in samples:
        assert res['img'].shape[:2] == (128, 96) and res['img_hr'].shape[:2] == (256, 192)
        assert res['sr_scale'] == 2
    assert {'camera_degrade' in res for res in samples} == {True, False}
