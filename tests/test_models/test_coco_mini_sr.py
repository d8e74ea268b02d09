"""The SR path on real COCO person crops (../shared/data/coco_mini); skipped when absent."""

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.evaluator import Evaluator
from mmengine.structures import InstanceData
from mmpose.registry import MODELS

import lrpose_mm.datasets  # noqa: F401
import lrpose_mm.evaluation  # noqa: F401
import lrpose_mm.models  # noqa: F401

from conftest import COCO_MINI
from tiny_config import tiny_sr_estimator

ANN = 'annotations/person_keypoints_train2017.json'
pytestmark = [
    pytest.mark.skipif(not COCO_MINI.is_dir(),
                       reason=f'{COCO_MINI} is absent (shared test data is not part of a clone)'),
    pytest.mark.usefixtures('mmpose_scope_one_thread')]

HR = (48, 64)
CODEC = dict(type='MSRAHeatmap', input_size=HR, heatmap_size=(12, 16), sigma=2)


def _dataset(test_mode: bool, pack_transformed: bool = False):
    from mmpose.datasets import CocoDataset
    pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
                dict(type='TopdownAffine', input_size=HR)]
    if not test_mode:
        pipeline.append(dict(type='GenerateTarget', encoder=CODEC))
    pipeline += [dict(type='LowResDegrade', scale=4, kernel='bicubic', deterministic=True),
                 dict(type='PackSRPoseInputs', pack_transformed=pack_transformed)]
    return CocoDataset(data_root=str(COCO_MINI), data_mode='topdown', ann_file=ANN,
                       data_prefix=dict(img='train2017/'), test_mode=test_mode,
                       pipeline=pipeline)


def _model():
    return MODELS.build(tiny_sr_estimator(
        CODEC, sr_loss=dict(type='PoseDrivenSRLoss', kpt_weight=1.0, feat_weight=0.5)))


def test_sr_training_step_and_prediction_on_real_crops():
    torch.manual_seed(0)
    ds = _dataset(test_mode=False)
    batch = pseudo_collate([ds[i] for i in range(4)])
    assert tuple(batch['inputs'][0].shape) == (3, 16, 12)
    assert tuple(batch['data_samples'][0].hr_img.shape) == (3, 64, 48)
    assert tuple(batch['data_samples'][0].gt_fields.heatmaps.shape) == (17, 16, 12)  # at HR/4
    model = _model()
    model.init_weights()
    model.train()
    losses = model(**model.data_preprocessor(batch, True), mode='loss')
    assert {'loss_kpt', 'loss_sr_pix', 'loss_sr_kpt', 'loss_sr_feat'} <= set(losses)
    assert all(torch.isfinite(v).all() for v in losses.values())
    model.eval()
    with torch.no_grad():
        out = model.test_step(batch)
    kp = out[0].pred_instances.keypoints
    assert kp.shape == (1, 17, 2) and np.isfinite(kp).all()
    # predictions lie in the person's box region of the image (random weights, coarse check)
    c, s = out[0].metainfo['input_center'], out[0].metainfo['input_scale']
    assert (np.abs(kp[0] - c) <= s / 2 + 1).all()


def test_sr_quality_on_real_crops():
    """Untrained PoseDrivenSRNeck ~ bicubic on real crops: PSNR in a plausible range."""
    torch.manual_seed(0)
    ds = _dataset(test_mode=False)
    batch = pseudo_collate([ds[i] for i in range(6)])
    res = {}
    for name, neck in (('bicubic', dict(type='InterpolateSR', scale=4)),
                       ('pdsr', dict(type='PoseDrivenSRNeck', scale=4, mid_channels=8,
                                     num_blocks=1))):
        model = _model()
        model.sr_neck = MODELS.build(neck)
        model.eval()
        evaluator = Evaluator([dict(type='SRQualityMetric')])
        with torch.no_grad():
            evaluator.process(model.test_step(batch), batch)
        res[name] = evaluator.evaluate(6)
    assert 15 < res['bicubic']['sr/PSNR'] < 45
    assert abs(res['pdsr']['sr/PSNR'] - res['bicubic']['sr/PSNR']) < 0.5


def test_coco_metric_unchanged_gets_ap_1_from_lr_space_ground_truth():
    """GT keypoints in LR input space, mapped by the estimator, give CocoMetric AP = 1."""
    ds = _dataset(test_mode=True, pack_transformed=True)
    model = _model().eval()
    evaluator = Evaluator([dict(type='CocoMetric', ann_file=str(COCO_MINI / ANN),
                                nms_mode='none')])
    evaluator.dataset_meta = ds.metainfo
    n = 0
    for start in range(0, len(ds), 32):
        batch = pseudo_collate([ds[i] for i in range(start, min(len(ds), start + 32))])
        data = model.data_preprocessor(batch, False)
        preds = []
        for sample in data['data_samples']:
            kp = np.asarray(sample.gt_instances.transformed_keypoints, np.float32)
            # people without annotated keypoints get score 0 (ranked last, as a model would)
            vis = np.asarray(sample.gt_instances.keypoints_visible, np.float32) > 0
            preds.append(InstanceData(keypoints=kp, keypoint_scores=vis.astype(np.float32)))
        evaluator.process(model.add_pred_to_datasample(preds, None, data['data_samples']), batch)
        n += len(preds)
    res = evaluator.evaluate(n)
    assert res['coco/AP'] > 0.99, res
