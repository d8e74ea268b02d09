"""Scale-aware SR: an x2 neck beside x4 and direct, routed per person by size."""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

import lrpose_mm  # noqa: F401
from lrpose_mm.apis import adaptive_pipeline, inference_topdown_batched
from lrpose_mm.datasets.transforms import AdaptiveTopdownAffine
from lrpose_mm.models.sr_neck_checkpoints import merge_sr_neck_checkpoints

from oracle_pose import draw_people
from tiny_config import TINY_HRNET

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')

HR = (48, 64)
PIPELINE = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
            dict(type='TopdownAffine', input_size=HR),
            dict(type='LowResDegrade', scale=4, kernel='bicubic', deterministic=True),
            dict(type='PackSRPoseInputs')]


def _oracle(extra=(2, )):
    """InterpolateSR x4 + extra InterpolateSR necks over the oracle network."""
    codec = dict(type='MSRAHeatmap', input_size=HR, heatmap_size=HR, sigma=2, unbiased=True)
    model = MODELS.build(dict(
        type='SRTopdownPoseEstimator', data_preprocessor=dict(type='SRPoseDataPreprocessor'),
        sr_neck=dict(type='InterpolateSR', scale=4),
        extra_sr_necks=[dict(type='InterpolateSR', scale=s) for s in extra],
        backbone=dict(type='OracleIdentityBackbone'),
        head=dict(type='OracleImageHead', in_channels=3, out_channels=3,
                  deconv_out_channels=None, decoder=codec),
        test_cfg=dict(flip_test=False, flip_mode='heatmap', shift_heatmap=False)))
    model.cfg = Config(dict(default_scope='mmpose',
                            test_dataloader=dict(dataset=dict(pipeline=PIPELINE))))
    model.dataset_meta = None
    return model.eval()


def _tiny(scale, seed):
    torch.manual_seed(seed)
    return MODELS.build(dict(
        type='SRTopdownPoseEstimator',
        data_preprocessor=dict(type='SRPoseDataPreprocessor'),
        sr_neck=dict(type='PoseDrivenSRNeck', scale=scale, mid_channels=8, num_blocks=1),
        backbone=TINY_HRNET, backbone_size_divisor=32,
        head=dict(type='HeatmapHead', in_channels=8, out_channels=17, deconv_out_channels=None,
                  loss=dict(type='KeypointMSELoss'),
                  decoder=dict(type='MSRAHeatmap', input_size=HR, heatmap_size=(12, 16),
                               sigma=2))))


# ---------------------------------------------------------------- transform
def test_transform_routes_three_ways_at_the_thresholds():
    t = AdaptiveTopdownAffine(HR, sr_scale=(4, 2), size_threshold=(24, 56))
    assert [t.route_scale(s) for s in (10, 23.9, 24, 55.9, 56, 300)] == [4, 4, 2, 2, None, None]
    # defaults: x4 below the x2 crop's rows (h / 2), x2 below the pose input height
    d = AdaptiveTopdownAffine(HR, sr_scale=(4, 2))
    assert d.size_thresholds == (32.0, 64.0) and d.size_threshold == 64.0 and d.sr_scale == 4
    # with an x1 neck last, each factor up to its own crop's rows (the x1 crop loses none)
    x1 = AdaptiveTopdownAffine(HR, sr_scale=(4, 2, 1))
    assert x1.size_thresholds == (16.0, 32.0, 64.0)
    assert [x1.route_scale(s) for s in (15, 16, 31, 32, 63, 64)] == [4, 2, 2, 1, 1, None]
    img = np.zeros((300, 200, 3), np.uint8)
    for box_h, size, scale in ((20, (12, 16), 4), (40, (24, 32), 2), (80, HR, None)):
        res = t.transform(dict(img=img, bbox_center=np.array([[100., 150.]], np.float32),
                               bbox_scale=np.array([[0.75 * box_h, box_h]], np.float32)))
        assert res['input_size'] == size and res['img'].shape[:2] == size[::-1]
        assert res.get('sr_scale') == scale
        assert res['sr_path'] == ('direct' if scale is None else 'sr')


@pytest.mark.parametrize('kw,words', [
    (dict(sr_scale=(2, 4)), 'strictly decreasing'),
    (dict(sr_scale=(4, 2), size_threshold=30), 'one value per sr_scale'),
    (dict(sr_scale=(4, 2), size_threshold=(60, 30)), 'strictly increasing'),
    (dict(sr_scale=(4, 2), size_threshold=(0, 30)), 'positive'),
    (dict(sr_scale=(4, 3)), 'not divisible by sr_scale=3')])
def test_bad_multi_scale_parameters_name_the_field(kw, words):
    with pytest.raises(ValueError, match=words):
        AdaptiveTopdownAffine(HR, **kw)


# ---------------------------------------------------------------- estimator
def test_model_routes_and_refuses_a_second_neck_of_one_factor():
    model = _oracle()
    assert model.sr_scales == (4, 2) and model.sr_routes == ('sr', 'sr_x2', 'direct')
    assert model.route_network('sr_x2').scale == 2 and model.route_network('direct') is None
    with pytest.raises(ValueError, match="route must be one of .*'sr_x2'"):
        model.route_network('sr_x3')
    ds = PoseDataSample(metainfo=dict(sr_path='sr', sr_scale=2))
    assert model.sample_route(ds) == 'sr_x2'
    assert model.sample_route(PoseDataSample(metainfo=dict(sr_scale=4))) == 'sr'
    with pytest.raises(ValueError, match='one neck per factor'):
        _oracle(extra=(4, ))
    with pytest.raises(ValueError, match='mixes SR routes'):
        model.batch_route([ds, PoseDataSample(metainfo=dict(sr_path='sr', sr_scale=4))])


def test_three_paths_find_the_people_and_batches_never_mix():
    boxes = [(20, 20, 36, 41), (60, 30, 92, 73), (100, 80, 190, 200), (200, 10, 216, 31),
             (150, 210, 182, 253)]   # region heights 1.25 x (21, 43, 120, 21, 43)
    img, gt = draw_people(boxes)
    model = _oracle()
    seen = []
    step = model.test_step
    model.test_step = lambda data: seen.append(step(data)) or seen[-1]
    pipe = adaptive_pipeline(model, size_threshold=(32, 64))
    assert next(t for t in pipe if t['type'] == 'AdaptiveTopdownAffine')['sr_scale'] == (4, 2)
    res = inference_topdown_batched(model, [img], [np.array(boxes, np.float32)], batch_size=8,
                                    pipeline=pipe)[0]
    assert [r.pred_instances.sr_path[0] for r in res] == ['sr', 'sr_x2', 'direct', 'sr',
                                                          'sr_x2']
    assert all(len({r.pred_instances.sr_path[0] for r in b}) == 1 for b in seen)
    assert len(seen) == 3
    kpts = np.stack([np.asarray(r.pred_instances.keypoints[0]) for r in res])
    heights = np.array([b[3] - b[1] for b in boxes], float)
    err = np.linalg.norm(kpts - gt, axis=-1).max(-1)
    assert (err < 0.05 * heights).all(), (err, heights)


def test_an_x1_neck_restores_the_mid_sizes_at_the_pose_input_size():
    # x4 / x2 / x1 (a neck at the pose input size) / direct: each route finds its people
    boxes = [(20, 20, 36, 41), (60, 30, 92, 73), (100, 60, 140, 124), (150, 80, 240, 200)]
    img, gt = draw_people(boxes)   # region heights 1.25 x (21, 43, 64, 120)
    model = _oracle(extra=(2, 1))
    assert model.sr_routes == ('sr', 'sr_x2', 'sr_x1', 'direct')
    pipe = adaptive_pipeline(model, size_threshold=(32, 64, 128))
    crop = next(t for t in pipe if t['type'] == 'AdaptiveTopdownAffine')
    assert crop['sr_scale'] == (4, 2, 1)
    res = inference_topdown_batched(model, [img], [np.array(boxes, np.float32)], batch_size=8,
                                    pipeline=pipe)[0]
    assert [r.pred_instances.sr_path[0] for r in res] == ['sr', 'sr_x2', 'sr_x1', 'direct']
    kpts = np.stack([np.asarray(r.pred_instances.keypoints[0]) for r in res])
    heights = np.array([b[3] - b[1] for b in boxes], float)
    err = np.linalg.norm(kpts - gt, axis=-1).max(-1)
    assert (err < 0.05 * heights).all(), (err, heights)


def test_test_step_splits_a_mixed_batch_by_route():
    model = _oracle()
    data_samples = [PoseDataSample(metainfo=m) for m in (
        dict(sr_path='sr', sr_scale=2, input_size=(24, 32)),
        dict(sr_path='sr', sr_scale=4, input_size=(12, 16)))]
    for ds in data_samples:
        w, h = ds.metainfo['input_size']
        ds.set_metainfo(dict(input_center=np.array([w / 2, h / 2]),
                             input_scale=np.array([w, h], np.float64), coord_mode='lr_crop'))
        ds.gt_instances = InstanceData(bboxes=np.zeros((1, 4)), bbox_scores=np.ones(1))
    inputs = [torch.rand(3, 32, 24) * 255, torch.rand(3, 16, 12) * 255]
    out = model.test_step(dict(inputs=inputs, data_samples=data_samples))
    assert [o.pred_instances.sr_path[0] for o in out] == ['sr_x2', 'sr']


def test_loss_trains_the_neck_of_the_batch_factor():
    model = _tiny(4, 0)
    model.extra_sr_necks['x2'] = MODELS.build(
        dict(type='PoseDrivenSRNeck', scale=2, mid_channels=8, num_blocks=1))
    samples = []
    for _ in range(2):
        s = PoseDataSample(metainfo=dict(sr_path='sr', sr_scale=2, input_size=(24, 32)))
        s.gt_instance_labels = InstanceData(keypoint_weights=torch.ones(1, 17))
        s.gt_fields = PixelData(heatmaps=torch.rand(17, 16, 12))
        samples.append(s)
    losses = model.loss(torch.rand(2, 3, 32, 24), samples)
    sum(losses.values()).backward()
    assert all(p.grad is not None for p in model.extra_sr_necks['x2'].parameters())
    assert all(p.grad is None for p in model.sr_neck.parameters())


# ---------------------------------------------------------------- merged checkpoint
def test_merged_checkpoint_loads_the_extra_neck(tmp_path):
    base, x2 = _tiny(4, 0), _tiny(2, 1)
    x2.backbone.load_state_dict(base.backbone.state_dict())
    x2.head.load_state_dict(base.head.state_dict())
    torch.save(dict(state_dict=base.state_dict(), meta=dict(seed=0)), tmp_path / 'base.pth')
    torch.save(dict(state_dict=x2.state_dict()), tmp_path / 'x2.pth')
    out = merge_sr_neck_checkpoints(str(tmp_path / 'base.pth'), {2: str(tmp_path / 'x2.pth')},
                                    str(tmp_path / 'merged.pth'))
    merged = _tiny(4, 2)
    merged.extra_sr_necks['x2'] = MODELS.build(
        dict(type='PoseDrivenSRNeck', scale=2, mid_channels=8, num_blocks=1))
    state = torch.load(out, weights_only=True)['state_dict']
    merged.load_state_dict(state, strict=True)
    for k, v in x2.sr_neck.state_dict().items():
        assert torch.equal(merged.extra_sr_necks['x2'].state_dict()[k], v)
    for k, v in base.state_dict().items():
        assert torch.equal(merged.state_dict()[k], v)
    assert not list(tmp_path.glob('*.tmp*'))


def test_merge_refuses_a_neck_trained_for_another_pose_network(tmp_path):
    base, x2 = _tiny(4, 0), _tiny(2, 1)   # other random backbone
    torch.save(dict(state_dict=base.state_dict()), tmp_path / 'base.pth')
    torch.save(dict(state_dict=x2.state_dict()), tmp_path / 'x2.pth')
    with pytest.raises(ValueError, match='trained in front of another pose network'):
        merge_sr_neck_checkpoints(str(tmp_path / 'base.pth'), {2: str(tmp_path / 'x2.pth')},
                                  str(tmp_path / 'merged.pth'))
    assert not (tmp_path / 'merged.pth').exists()
