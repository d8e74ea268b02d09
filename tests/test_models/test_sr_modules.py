"""SR necks, SR loss, data preprocessor and SRTopdownPoseEstimator (values, not just shapes)."""
import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.analysis import get_model_complexity_info
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

import lrpose_mm.models  # noqa: F401
from lrpose_mm.models import (
    InterpolateSR,
    PoseDrivenSRLoss,
    PoseDrivenSRNeck,
    SRPoseDataPreprocessor,
)
from lrpose_mm.models.utils import gaussian_keypoint_weights

from tiny_config import tiny_sr_estimator

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
HR = (24, 32)  # (w, h)


# ---------------------------------------------------------------- InterpolateSR
def test_interpolate_sr_equals_reference_and_known_values():
    x = torch.randn(2, 3, 5, 4)
    for scale in (2, 3, 4):
        ref = F.interpolate(x, scale_factor=scale, mode='bicubic', align_corners=False)
        torch.testing.assert_close(InterpolateSR(scale)(x), ref)
    assert InterpolateSR(1)(x) is x  # identity at scale 1
    # independent reference: Keys cubic convolution (a = -0.75) on the half-pixel grid
    sig = torch.tensor([0.0, 3.0, -1.0, 4.0, 2.0, 5.0, -2.0, 1.0])
    img = sig.view(1, 1, 1, 8).expand(1, 1, 4, 8)
    out = InterpolateSR(2)(img)[0, 0, 1]

    def keys(d, a=-0.75):
        d = abs(d)
        return ((a + 2) * d ** 3 - (a + 3) * d ** 2 + 1 if d <= 1 else
                a * d ** 3 - 5 * a * d ** 2 + 8 * a * d - 4 * a if d < 2 else 0.0)

    for X in range(4, 12):  # away from the borders
        src = (X + 0.5) / 2 - 0.5
        j = int(np.floor(src))
        ref = sum(keys(src - m) * float(sig[m]) for m in range(j - 1, j + 3))
        assert float(out[X]) == pytest.approx(ref, abs=1e-5)
    # bilinear: a linear ramp is reproduced exactly
    ramp = torch.arange(8.0).view(1, 1, 1, 8).expand(1, 1, 8, 8)
    out = InterpolateSR(2, mode='bilinear')(ramp)[0, 0, 4]
    expected = (torch.arange(16.0) + 0.5) / 2 - 0.5
    torch.testing.assert_close(out[1:15], expected[1:15])
    with pytest.raises(ValueError, match='InterpolateSR.scale'):
        InterpolateSR(0)
    with pytest.raises(ValueError, match='InterpolateSR.mode'):
        InterpolateSR(2, mode='lanczos')


# ---------------------------------------------------------------- PoseDrivenSRNeck
@pytest.mark.parametrize('scale', [2, 3, 4, 8])
def test_neck_shapes_and_untrained_is_bicubic(scale):
    neck = PoseDrivenSRNeck(scale=scale, mid_channels=8, num_blocks=2)
    neck.init_weights()
    x = torch.randn(1, 3, 6, 5)
    with torch.no_grad():
        out = neck(x)
    ref = F.interpolate(x, scale_factor=scale, mode='bicubic', align_corners=False)
    assert out.shape == (1, 3, 6 * scale, 5 * scale)
    assert (out - ref).abs().max() < 0.05  # last layer starts near zero
    assert (out - ref).abs().max() > 0  # ... but not exactly zero, so it trains


@pytest.mark.parametrize('scale', [1, 2, 4])
def test_unshuffled_neck_restores_at_its_scale_for_a_quarter_of_the_cost(scale):
    x = torch.randn(2, 3, 16, 12)
    neck = PoseDrivenSRNeck(scale=scale, mid_channels=8, num_blocks=2, unshuffle=2)
    neck.init_weights()
    with torch.no_grad():
        out = neck(x)
    ref = x if scale == 1 else F.interpolate(x, scale_factor=scale, mode='bicubic',
                                             align_corners=False)
    assert out.shape == (2, 3, 16 * scale, 12 * scale)
    assert 0 < (out - ref).abs().max() < 0.05  # an untrained neck is its skip, and trains
    # the body works at half the size: about a quarter of the plain neck's FLOPs
    flops = [get_model_complexity_info(
        PoseDrivenSRNeck(scale=scale, unshuffle=u), inputs=(torch.randn(1, 3, 64, 48), ),
        show_table=False, show_arch=False)['flops'] for u in (1, 2)]
    assert 0.2 < flops[1] / flops[0] < 0.4, flops
    # the fold and unfold keep the pixel grid: the input moved by 2 rows (one body pixel)
    # moves the output by 2 * scale rows, away from the zero-padded borders (no channel
    # attention: its global pooling sees the borders)
    neck = PoseDrivenSRNeck(scale=scale, mid_channels=8, num_blocks=2, unshuffle=2,
                            channel_attention=False, last_init_std=0.1)
    x = torch.randn(1, 3, 64, 8)
    with torch.no_grad():
        out, moved = neck(x), neck(torch.roll(x, 2, dims=2))
    inner = slice(20 * scale, 44 * scale)
    assert torch.allclose(torch.roll(out, 2 * scale, dims=2)[..., inner, :],
                          moved[..., inner, :], atol=1e-5)
    assert (out - F.interpolate(x, scale_factor=scale, mode='bicubic') if scale > 1
            else out - x).abs().max() > 0.05  # a residual that really moves
    with pytest.raises(ValueError, match=r'unshuffle=2 does not divide the input size \(7, 6\)'):
        neck(torch.randn(1, 3, 7, 6))
    with pytest.raises(ValueError, match='PoseDrivenSRNeck.unshuffle'):
        PoseDrivenSRNeck(scale=1, unshuffle=0)


def test_neck_flops_within_budget_and_bad_scale():
    neck = PoseDrivenSRNeck(scale=4)  # defaults
    info = get_model_complexity_info(neck, inputs=(torch.randn(1, 3, 64, 48), ),
                                     show_table=False, show_arch=False)
    gflops = info['flops'] / 1e9
    assert 0.1 < gflops <= 0.77, gflops  # <= 10% of HRNet-W32 at 256x192 (~7.7 GFLOPs)
    with pytest.raises(ValueError, match='PoseDrivenSRNeck.scale'):
        PoseDrivenSRNeck(scale=5)


# ---------------------------------------------------------------- PoseDrivenSRLoss
def test_each_loss_term_zero_when_equal_and_positive_otherwise():
    hr = torch.randn(2, 3, 16, 12)
    kpts = torch.tensor([[[3.0, 4.0], [8.0, 10.0]]] * 2)
    vis = torch.ones(2, 2)
    feats = [torch.randn(2, 4, 4, 3)]
    for pixel_loss in ('l1', 'charbonnier', 'mse'):
        loss = PoseDrivenSRLoss(pixel_weight=1, pixel_loss=pixel_loss, kpt_weight=1, feat_weight=1)
        same = loss(hr.clone(), hr, kpts, vis, [f.clone() for f in feats], feats)
        assert set(same) == {'loss_sr_pix', 'loss_sr_kpt', 'loss_sr_feat'}
        assert all(float(v) == 0.0 for v in same.values()), same
        diff = loss(hr + 0.1, hr, kpts, vis, [f + 0.1 for f in feats], feats)
        assert all(float(v) > 0 for v in diff.values()), diff
    # L1 value: a uniform error of 0.1 gives 0.1 (pixel and keypoint-weighted terms alike)
    out = PoseDrivenSRLoss(kpt_weight=2.0)(hr + 0.1, hr, kpts, vis)
    assert float(out['loss_sr_pix']) == pytest.approx(0.1, rel=1e-4)
    assert float(out['loss_sr_kpt']) == pytest.approx(0.2, rel=1e-4)


def test_keypoint_term_only_sees_errors_near_visible_joints():
    hr = torch.zeros(1, 3, 32, 32)
    sr = hr.clone()
    sr[..., 28:, 28:] = 1.0  # error far from the joint
    kpts, vis = torch.tensor([[[4.0, 4.0]]]), torch.ones(1, 1)
    loss = PoseDrivenSRLoss(kpt_weight=1, kpt_sigma=2.0)
    far = float(loss(sr, hr, kpts, vis)['loss_sr_kpt'])
    sr2 = hr.clone()
    sr2[..., 2:7, 2:7] = 1.0  # same-size error at the joint
    near = float(loss(sr2, hr, kpts, vis)['loss_sr_kpt'])
    assert far < 1e-6 < near
    assert float(loss(sr2, hr, kpts, torch.zeros(1, 1))['loss_sr_kpt']) == 0.0  # invisible


def test_keypoint_weights_peak_at_joints():
    kpts = torch.tensor([[[3.0, 5.0], [10.0, 2.0], [11.0, 7.0]]])
    vis = torch.tensor([[1.0, 1.0, 0.0]])
    w = gaussian_keypoint_weights(kpts, vis, (8, 12), sigma=1.5)
    assert w.shape == (1, 1, 8, 12)
    assert float(w[0, 0, 5, 3]) == pytest.approx(1.0)
    assert float(w[0, 0, 2, 10]) == pytest.approx(1.0)
    assert float(w[0, 0, 5, 4]) == pytest.approx(np.exp(-1 / (2 * 1.5 ** 2)), rel=1e-5)
    assert float(w[0, 0, 7, 11]) < 0.01  # invisible joint has no peak
    assert float(w.max()) == pytest.approx(1.0)


def test_zero_weight_terms_are_skipped():
    hr = torch.randn(1, 3, 8, 8)
    out = PoseDrivenSRLoss(pixel_weight=1, kpt_weight=0, feat_weight=0)(hr + 1, hr)
    assert set(out) == {'loss_sr_pix'}  # no keypoints/features needed, none computed
    assert PoseDrivenSRLoss(pixel_weight=0)(hr + 1, hr) == {}
    with pytest.raises(ValueError, match='pixel_loss'):
        PoseDrivenSRLoss(pixel_loss='l3')
    with pytest.raises(ValueError, match='kpt_weight'):
        PoseDrivenSRLoss(kpt_weight=-1)
    with pytest.raises(ValueError, match='HR target'):
        PoseDrivenSRLoss()(torch.zeros(1, 3, 8, 8), torch.zeros(1, 3, 4, 4))


# ---------------------------------------------------------------- data preprocessor
def _raw_batch(n=2, scale=4, with_hr=True, seed=0):
    g = torch.Generator().manual_seed(seed)
    w, h = HR
    samples, inputs = [], []
    for _ in range(n):
        ds = PoseDataSample(metainfo=dict(
            input_size=(w // scale, h // scale), input_center=np.array([50.0, 60.0]),
            input_scale=np.array([48.0, 64.0]), flip_indices=list(range(3)),
            **({'sr_scale': scale, 'hr_input_size': HR, 'coord_mode': 'hr_crop'}
               if with_hr else {})))
        gi = InstanceData(bboxes=np.zeros((1, 4), np.float32), bbox_scores=np.ones(1, np.float32),
                          keypoints_visible=np.ones((1, 3), np.float32))
        gi.hr_keypoints = torch.tensor([[[5.0, 6.0], [12.0, 20.0], [20.0, 28.0]]])
        ds.gt_instances = gi
        ds.gt_fields = PixelData(heatmaps=torch.rand(3, h // 4, w // 4, generator=g))
        ds.gt_instance_labels = InstanceData(keypoint_weights=torch.ones(1, 3))
        hr = torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8)
        if with_hr:
            ds.hr_img = hr
        lr = F.interpolate(hr[None].float(), scale_factor=1 / scale, mode='area')[0]
        inputs.append(lr.round().to(torch.uint8))
        samples.append(ds)
    return dict(inputs=inputs, data_samples=samples)


def test_preprocessor_normalises_hr_like_inputs():
    pre = SRPoseDataPreprocessor(mean=MEAN, std=STD, bgr_to_rgb=True)
    img = torch.randint(0, 256, (3, 8, 6), dtype=torch.uint8)
    ds = PoseDataSample()
    ds.hr_img = img.clone()
    out = pre(dict(inputs=[img], data_samples=[ds]))
    torch.testing.assert_close(out['data_samples'][0].hr_img, out['inputs'][0])
    # known value: BGR pixel -> RGB, (v - mean) / std
    expected = (img[2, 0, 0].float() - MEAN[0]) / STD[0]
    assert float(out['data_samples'][0].hr_img[0, 0, 0]) == pytest.approx(float(expected))
    assert SRPoseDataPreprocessor.stack_hr(out['data_samples']).shape == (1, 3, 8, 6)
    # real LR input: no HR target at all is fine
    out = pre(_raw_batch(with_hr=False))
    assert out['inputs'].shape == (2, 3, 8, 6) and 'hr_img' not in out['data_samples'][0]


def test_preprocessor_errors():
    pre = SRPoseDataPreprocessor(mean=MEAN, std=STD, bgr_to_rgb=True)
    batch = _raw_batch()
    del batch['data_samples'][1].hr_img
    with pytest.raises(ValueError, match='hr_img'):
        pre(batch)
    batch = _raw_batch()
    batch['inputs'][1] = torch.zeros(3, 4, 3, dtype=torch.uint8)
    with pytest.raises(ValueError, match='model_scale'):
        pre(batch)


# ---------------------------------------------------------------- estimator
def _estimator(sr_neck=None, sr_loss=None, codec_size=HR, **kwargs):
    w, h = codec_size
    codec = dict(type='MSRAHeatmap', input_size=codec_size, heatmap_size=(w // 4, h // 4),
                 sigma=2)
    model = tiny_sr_estimator(codec, out_channels=3, sr_loss=sr_loss, **kwargs)
    if sr_neck is not None:
        model['sr_neck'] = sr_neck
    return MODELS.build(model)


def _sr_grad_from_losses(model, keys):
    model.train()
    data = model.data_preprocessor(_raw_batch(), True)
    losses = model(**data, mode='loss')
    total = sum(v for k, v in losses.items() if k in keys)
    model.zero_grad()
    total.backward()
    g = model.sr_neck.upsample[0].weight.grad
    return 0.0 if g is None else float(g.abs().sum())


def test_pose_loss_reaches_sr_only_when_enabled():
    torch.manual_seed(0)
    joint = _estimator(pose_loss_to_sr=True)
    assert _sr_grad_from_losses(joint, {'loss_kpt'}) > 0
    two_stage = _estimator(pose_loss_to_sr=False)
    assert _sr_grad_from_losses(two_stage, {'loss_kpt'}) == 0.0
    # the two-stage SR still learns from its pixel loss
    two_stage = _estimator(pose_loss_to_sr=False, sr_loss=dict(type='PoseDrivenSRLoss'))
    assert _sr_grad_from_losses(two_stage, {'loss_sr_pix'}) > 0


def test_feature_loss_trains_the_sr_network_not_the_backbone():
    torch.manual_seed(0)
    model = _estimator(sr_loss=dict(type='PoseDrivenSRLoss', pixel_weight=0.0, feat_weight=1.0))
    model.train()
    losses = model(**model.data_preprocessor(_raw_batch(), True), mode='loss')
    model.zero_grad()
    losses['loss_sr_feat'].backward()
    assert float(model.sr_neck.upsample[0].weight.grad.abs().sum()) > 0
    assert all(p.grad is None or float(p.grad.abs().sum()) == 0.0
               for p in model.backbone.parameters())
    assert all(p.requires_grad for p in model.backbone.parameters())  # restored after the pass


def test_all_loss_terms_and_feature_pass_count():
    torch.manual_seed(0)
    calls = []
    # feature term: + one SR pass (backbone as a fixed judge) + one HR pass (no grad)
    for feat_weight, expected_calls in ((0.0, 1), (1.0, 3)):
        model = _estimator(sr_loss=dict(type='PoseDrivenSRLoss', kpt_weight=1.0,
                                        feat_weight=feat_weight))
        calls.clear()
        model.backbone.register_forward_hook(lambda *a: calls.append(1))
        model.train()
        losses = model(**model.data_preprocessor(_raw_batch(), True), mode='loss')
        assert {'loss_kpt', 'loss_sr_pix', 'loss_sr_kpt'} <= set(losses)
        assert ('loss_sr_feat' in losses) == (feat_weight > 0)
        assert len(calls) == expected_calls  # weight 0 -> no HR feature pass
    # feat_layers picks inner modules by name; BN statistics ignore the HR pass
    model = _estimator(sr_loss=dict(type='PoseDrivenSRLoss', feat_weight=1.0,
                                    feat_layers=['backbone.layer1.0']))
    model.train()
    bn = model.backbone.bn1
    before = bn.running_mean.clone()
    data = model.data_preprocessor(_raw_batch(), True)
    losses = model(**data, mode='loss')
    assert float(losses['loss_sr_feat']) > 0
    model2 = copy.deepcopy(model)
    model2.sr_loss.feat_weight = 0.0
    torch.manual_seed(0)
    bn2 = model2.backbone.bn1
    bn2.running_mean.copy_(before)
    model2(**data, mode='loss')
    torch.testing.assert_close(bn.running_mean, bn2.running_mean)  # only the SR pass counted
    with pytest.raises(ValueError, match='sr_loss.feat_layers'):
        _estimator(sr_loss=dict(type='PoseDrivenSRLoss', feat_weight=1.0,
                                feat_layers=['head.final_layer']))


def test_missing_hr_for_sr_loss_raises():
    model = _estimator(sr_loss=dict(type='PoseDrivenSRLoss'))
    with pytest.raises(ValueError, match='hr_img'):
        model(**model.data_preprocessor(_raw_batch(with_hr=False), True), mode='loss')


def test_freeze_flags():
    model = _estimator(freeze_sr=True)
    model.train()
    assert not any(p.requires_grad for p in model.sr_neck.parameters())
    assert all(p.requires_grad for p in model.backbone.parameters())
    model = _estimator(freeze_pose=True)
    model.train()
    assert not model.backbone.training and not model.backbone.bn1.training
    assert not any(p.requires_grad for p in model.head.parameters())
    # a frozen pose network still passes the pose loss to the SR network
    assert _sr_grad_from_losses(model, {'loss_kpt'}) > 0


def test_predict_output_sr_and_tensor_mode():
    torch.manual_seed(0)
    model = _estimator().eval()
    raw = _raw_batch()
    with torch.no_grad():
        res = model.test_step(copy.deepcopy(raw))  # default: attach when HR targets exist
        assert res[0].pred_sr_img.shape == (3, 32, 24) and res[0].gt_hr_img.shape == (3, 32, 24)
        # gt_hr_img is the packed HR image again (de-normalised, BGR)
        torch.testing.assert_close(res[0].gt_hr_img, raw['data_samples'][0].hr_img.float(),
                                   atol=1e-3, rtol=0)
        assert res[0].pred_instances.keypoints.shape == (1, 3, 2)
        model.test_cfg['output_sr'] = False
        assert 'pred_sr_img' not in model.test_step(copy.deepcopy(raw))[0]
        model.test_cfg['output_sr'] = True
        res = model.test_step(_raw_batch(with_hr=False))
        assert 'pred_sr_img' in res[0] and 'gt_hr_img' not in res[0]
        out = model(torch.randn(1, 3, 8, 6), None, mode='tensor')
    assert out.shape == (1, 3, 8, 6)  # heatmaps at HR/4


def test_config_errors_name_the_field():
    with pytest.raises(ValueError, match='head.decoder.input_size'):
        _estimator(sr_neck=dict(type='InterpolateSR', scale=3))
    with pytest.raises(ValueError, match='pose_init_cfg'):
        _estimator(pose_init_cfg=dict(path='x.pth'))


def test_pose_init_cfg_loads_pose_weights_prefix_aware(tmp_path):
    torch.manual_seed(1)
    pose = MODELS.build(dict(
        type='TopdownPoseEstimator',
        backbone=dict(type='ResNet', depth=18, num_stages=1, out_indices=(0, ), strides=(1, ),
                      dilations=(1, )),
        head=dict(type='HeatmapHead', in_channels=64, out_channels=3, deconv_out_channels=None,
                  loss=dict(type='KeypointMSELoss', use_target_weight=True))))
    path = tmp_path / 'pose.pth'
    torch.save(dict(meta=dict(epoch=1), state_dict=pose.state_dict()), path)
    model = MODELS.build(dict(
        type='SRTopdownPoseEstimator',
        sr_neck=dict(type='PoseDrivenSRNeck', scale=4, mid_channels=8, num_blocks=1),
        backbone=dict(type='ResNet', depth=18, num_stages=1, out_indices=(0, ), strides=(1, ),
                      dilations=(1, )),
        backbone_size_divisor=32,
        head=dict(type='HeatmapHead', in_channels=64, out_channels=3, deconv_out_channels=None,
                  loss=dict(type='KeypointMSELoss', use_target_weight=True)),
        pose_init_cfg=dict(checkpoint=str(path))))
    sr_before = model.sr_neck.conv_first.weight.clone()
    model.init_weights()
    torch.testing.assert_close(model.backbone.conv1.weight, pose.backbone.conv1.weight)
    torch.testing.assert_close(model.head.final_layer.weight, pose.head.final_layer.weight)
    torch.testing.assert_close(model.sr_neck.conv_first.weight, sr_before)  # SR part untouched
    with pytest.raises(ValueError, match='pose_init_cfg.checkpoint'):
        model.load_pose_checkpoint(str(path), prefix='nothing.')
