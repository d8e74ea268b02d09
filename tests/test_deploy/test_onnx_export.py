"""ONNX export of the SR + pose network: parity with PyTorch, onnxruntime in the inference path."""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

import lrpose_mm  # noqa: F401
from lrpose_mm.apis import adaptive_pipeline, inference_topdown_batched

pytest.importorskip('onnxruntime')
from lrpose_mm.deploy import export_paths, onnx_parity, use_onnxruntime  # noqa: E402

from tiny_config import TINY_HRNET  # noqa: E402

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')

HR, SCALE = (48, 64), 4
HEATMAP_HEAD = dict(type='HeatmapHead', in_channels=8, out_channels=17, deconv_out_channels=None,
                    loss=dict(type='KeypointMSELoss'),
                    decoder=dict(type='MSRAHeatmap', input_size=HR, heatmap_size=(12, 16),
                                 sigma=2))
SIMCC_HEAD = dict(type='SimCCHead', in_channels=8, out_channels=17, input_size=HR,
                  in_featuremap_size=(12, 16), simcc_split_ratio=2.0, deconv_out_channels=None,
                  loss=dict(type='KLDiscretLoss'),
                  decoder=dict(type='SimCCLabel', input_size=HR, sigma=(2.0, 2.0),
                               simcc_split_ratio=2.0))
PIPELINE = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
            dict(type='TopdownAffine', input_size=HR),
            dict(type='LowResDegrade', scale=SCALE, deterministic=True),
            dict(type='PackSRPoseInputs')]


def _model(head=HEATMAP_HEAD, flip=True):
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='SRTopdownPoseEstimator',
        data_preprocessor=dict(type='SRPoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
        sr_neck=dict(type='PoseDrivenSRNeck', scale=SCALE, mid_channels=8, num_blocks=1),
        backbone=TINY_HRNET, backbone_size_divisor=32, head=head,
        test_cfg=dict(flip_test=flip, flip_mode='heatmap', shift_heatmap=False)))
    model.init_weights()
    for p in model.head.parameters():  # MMPose's tiny head init gives near-zero outputs
        p.data.normal_(0, 0.05)
    model.cfg = Config(dict(default_scope='mmpose',
                            test_dataloader=dict(dataset=dict(pipeline=PIPELINE))))
    model.dataset_meta = dict(flip_indices=list(range(17)), num_keypoints=17)
    return model.eval()


@pytest.mark.parametrize('head', [HEATMAP_HEAD, SIMCC_HEAD], ids=['heatmap', 'simcc'])
def test_exported_paths_match_pytorch(tmp_path, head):
    model = _model(head)
    files = export_paths(model, str(tmp_path / 'pdsr'))
    assert sorted(files) == ['direct', 'sr']
    for path, f in files.items():
        parity = onnx_parity(model, f, path, batch_size=3)
        assert parity['max_abs_ref'] > 0.1  # a non-trivial output was compared
        assert parity['max_abs_diff'] < 1e-4, (path, parity)


def test_onnxruntime_backend_in_batched_adaptive_inference(tmp_path):
    model = _model()
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (200, 160, 3), dtype=np.uint8)
    boxes = np.array([[10, 10, 40, 50], [50, 20, 150, 190]], np.float32)  # small, large
    pipe = adaptive_pipeline(model)
    ref = inference_topdown_batched(model, [img], [boxes], pipeline=pipe)[0]
    files = export_paths(model, str(tmp_path / 'pdsr'))
    with use_onnxruntime(model, files):
        got = inference_topdown_batched(model, [img], [boxes], pipeline=pipe)[0]
    assert model.network_backend is None  # restored
    assert [r.pred_instances.sr_path[0] for r in got] == ['sr', 'direct']
    for a, b in zip(ref, got):
        np.testing.assert_allclose(b.pred_instances.keypoints, a.pred_instances.keypoints,
                                   atol=1e-3)
        np.testing.assert_allclose(b.pred_instances.keypoint_scores,
                                   a.pred_instances.keypoint_scores, atol=1e-4)
    with use_onnxruntime(model, {'sr': files['sr']}):
        with pytest.raises(ValueError, match="no ONNX model for the 'direct' path"):
            inference_topdown_batched(model, [img], [boxes], pipeline=pipe)


def test_x1_route_exports_with_its_folded_neck(tmp_path):
    """The x1 neck (space-to-depth, body at half the size, sub-pixel unfold) exports and runs
    in onnxruntime like the others: one file per route, the x1 one at the pose input size."""
    model = _model(flip=False)
    for k, extra in ((2, {}), (1, dict(unshuffle=2))):
        model.extra_sr_necks[f'x{k}'] = MODELS.build(dict(
            type='PoseDrivenSRNeck', scale=k, mid_channels=8, num_blocks=1, last_init_std=0.1,
            **extra)).eval()
    files = export_paths(model, str(tmp_path / 'pdsr'))
    assert sorted(files) == ['direct', 'sr', 'sr_x1', 'sr_x2']
    parity = onnx_parity(model, files['sr_x1'], 'sr_x1', batch_size=2)
    assert parity['max_abs_diff'] < 1e-4


def test_three_routes_export_and_run_with_onnxruntime(tmp_path):
    model = _model(flip=False)
    model.extra_sr_necks['x2'] = MODELS.build(
        dict(type='PoseDrivenSRNeck', scale=2, mid_channels=8, num_blocks=1)).eval()
    files = export_paths(model, str(tmp_path / 'pdsr'))
    assert sorted(files) == ['direct', 'sr', 'sr_x2']
    assert onnx_parity(model, files['sr_x2'], 'sr_x2', batch_size=2)['max_abs_diff'] < 1e-4
    rng = np.random.default_rng(1)
    img = rng.integers(0, 255, (200, 160, 3), dtype=np.uint8)
    boxes = np.array([[10, 10, 25, 25], [40, 40, 70, 80], [50, 20, 150, 190]], np.float32)
    pipe = adaptive_pipeline(model)   # thresholds 32 / 64 px region height
    ref = inference_topdown_batched(model, [img], [boxes], pipeline=pipe)[0]
    with use_onnxruntime(model, files):
        got = inference_topdown_batched(model, [img], [boxes], pipeline=pipe)[0]
    assert [r.pred_instances.sr_path[0] for r in got] == ['sr', 'sr_x2', 'direct']
    for a, b in zip(ref, got):
        np.testing.assert_allclose(b.pred_instances.keypoints, a.pred_instances.keypoints,
                                   atol=1e-3)
