"""Non-finite labels never reach a loss, and a loss that still turns non-finite stops training."""
import json
import math

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from lrpose_mm.engine.hooks.finite_loss_hook import NonFiniteLossError
from lrpose_mm.models import PoseDrivenSRLoss

from conftest import write_tiny_coco
from tiny_config import tiny_sr_train_config


def _sr_batch(seed=0):
    g = torch.Generator().manual_seed(seed)
    hr = torch.rand(2, 3, 32, 24, generator=g)
    sr = hr + 0.1 * torch.rand(2, 3, 32, 24, generator=g)
    kpts = torch.rand(2, 4, 2, generator=g) * torch.tensor([24.0, 32.0])
    return sr, hr, kpts, torch.ones(2, 4)


@pytest.mark.parametrize('where', [
    ('x', math.nan), ('y', math.inf), ('x', -math.inf), ('visibility', math.nan)])
@pytest.mark.parametrize('visible', [1.0, 0.0])
def test_sr_keypoint_term_excludes_and_counts_non_finite(where, visible):
    """A NaN/inf joint (visible or not) is left out, exactly as if it were invisible."""
    field, value = where
    sr, hr, kpts, vis = _sr_batch()
    vis[0, 1] = visible
    bad_k, bad_v = kpts.clone(), vis.clone()
    if field == 'visibility':
        bad_v[0, 1] = value
    else:
        bad_k[0, 1, 'xy'.index(field)] = value
    loss = PoseDrivenSRLoss(pixel_weight=1.0, kpt_weight=1.0)
    out = loss(sr, hr, bad_k, bad_v)
    ref_v = vis.clone()
    ref_v[0, 1] = 0
    ref = loss(sr, hr, kpts, ref_v)
    assert torch.isfinite(out['loss_sr_kpt'])
    assert torch.allclose(out['loss_sr_kpt'], ref['loss_sr_kpt'])
    assert torch.equal(out['loss_sr_pix'], ref['loss_sr_pix'])
    assert out['sr_kpt_nonfinite'].item() == 1
    assert 'sr_kpt_nonfinite' not in ref


# ---------------------------------------------------------------- a run on a NaN file
def _sr_config(root) -> Config:
    """Two iterations of the tiny SR estimator on the COCO set under ``root``."""
    return tiny_sr_train_config(root)


def _nan_coco(root):
    """The tiny COCO set with a NaN keypoint in one person and a NaN box in another."""
    ann_file = write_tiny_coco(root)
    data = json.loads(ann_file.read_text())
    data['annotations'][0]['keypoints'][0] = math.nan      # x of the nose
    data['annotations'][1]['bbox'][2] = math.nan           # width
    ann_file.write_text(json.dumps(data))                   # Python's JSON writes NaN
    return ann_file


def _runner(tmp_path, root, **overrides):
    cfg = _sr_config(root)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.merge_from_dict(overrides)
    return Runner.from_cfg(cfg)


def _finite_checkpoint(path):
    state = torch.load(path, map_location='cpu')['state_dict']
    return all(bool(torch.isfinite(v).all()) for v in state.values() if v.is_floating_point())


def test_nan_annotations_are_counted_and_training_stays_finite(tmp_path,
                                                              mmpose_scope_one_thread):
    root = tmp_path / 'coco'
    _nan_coco(root)
    runner = _runner(tmp_path, root)
    ds = runner.train_dataloader.dataset
    assert dict(ds.skipped) == {'non-finite box': 1}
    assert dict(ds.repaired) == {'non-finite keypoints': 1}
    assert len(ds) == 5
    first = ds.get_data_info(0)
    assert first['keypoints_visible'][0, 0] == 0 and np.isfinite(first['keypoints']).all()
    runner.train()
    assert _finite_checkpoint(tmp_path / 'work' / 'iter_2.pth')
    assert 'train/sr_kpt_nonfinite' not in runner.message_hub.log_scalars


def test_nan_reaching_the_sr_loss_is_excluded_and_counted(tmp_path, mmpose_scope_one_thread):
    """With MMPose's plain CocoDataset the NaN labels reach the loss: still no NaN, and counted."""
    root = tmp_path / 'coco'
    _nan_coco(root)
    runner = _runner(tmp_path, root, **{'train_dataloader.dataset.type': 'CocoDataset'})
    runner.train()
    assert _finite_checkpoint(tmp_path / 'work' / 'iter_2.pth')
    counts = runner.message_hub.get_scalar('train/sr_kpt_nonfinite').data[0]
    assert counts.tolist() == [1 + 17]   # iteration 1: the NaN nose and the NaN box's 17 joints


class _NaNAfterFirst(torch.nn.Module):
    """Turns the pose loss NaN from the second iteration on."""

    def __init__(self, loss_fn):
        super().__init__()
        self.loss_fn, self.calls = loss_fn, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        loss = self.loss_fn(*args, **kwargs)
        return loss * math.nan if self.calls > 1 else loss


def test_non_finite_loss_stops_training_before_a_checkpoint(tmp_path, mmpose_scope_one_thread):
    root = tmp_path / 'coco'
    write_tiny_coco(root)
    runner = _runner(tmp_path, root,
                     **{'default_hooks.checkpoint.interval': 1})
    head = runner.model.head
    head.loss_module = _NaNAfterFirst(head.loss_module)
    with pytest.raises(NonFiniteLossError, match=r'iteration 2 .*loss_kpt=nan'):
        runner.train()
    saved = sorted(p.name for p in (tmp_path / 'work').glob('*.pth'))
    assert saved == ['iter_1.pth']
