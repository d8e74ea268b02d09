"""FrozenPoseTeacher: a frozen copy of the HR pose network judging the SR output."""
import pytest
import torch
from mmpose.registry import MODELS
from test_sr_modules import _estimator, _raw_batch

import lrpose_mm.models  # noqa: F401
from lrpose_mm.models.checkpoint_fit import CheckpointMismatchError

pytestmark = pytest.mark.usefixtures('mmpose_scope_one_thread')


def _oracle_checkpoint(tmp_path, seed=1):
    """A pose checkpoint in mmengine's format (``state_dict`` + ``meta``), random weights."""
    torch.manual_seed(seed)
    oracle = _estimator()
    path = tmp_path / 'oracle.pth'
    torch.save(dict(meta=dict(epoch=1), state_dict=oracle.state_dict()), path)
    return path, oracle


def _teacher_model(ckpt, **teacher):
    return _estimator(sr_loss=dict(type='PoseDrivenSRLoss'),
                      teacher=dict(type='FrozenPoseTeacher', checkpoint=str(ckpt), **teacher))


def test_teacher_is_outside_the_module_tree(tmp_path):
    ckpt, _ = _oracle_checkpoint(tmp_path)
    model = _teacher_model(ckpt)
    plain = _estimator(sr_loss=dict(type='PoseDrivenSRLoss'))
    assert model.teacher is not None
    # checkpoints keep MMPose's key names: the same keys as the model without a teacher
    assert set(model.state_dict()) == set(plain.state_dict())
    teacher_params = {id(p) for p in model.teacher.parameters()}
    assert not teacher_params & {id(p) for p in model.parameters()}
    assert not any(p.requires_grad for p in model.teacher.parameters())
    model.train()
    assert not model.teacher.training and not model.teacher.backbone.bn1.training


def test_teacher_loads_the_checkpoint_exactly(tmp_path):
    ckpt, oracle = _oracle_checkpoint(tmp_path)
    model = _teacher_model(ckpt)
    model.train()
    model(**model.data_preprocessor(_raw_batch(), True), mode='loss')
    assert model.teacher.loaded
    for k, v in model.teacher.state_dict().items():
        torch.testing.assert_close(v, oracle.state_dict()[k])
    # the student's own weights are not touched by the teacher's loading
    assert not torch.equal(model.backbone.conv1.weight, oracle.backbone.conv1.weight)


def test_teacher_checkpoint_from_pose_init_cfg_and_errors(tmp_path):
    ckpt, _ = _oracle_checkpoint(tmp_path)
    model = _estimator(pose_init_cfg=dict(checkpoint=str(ckpt)),
                       teacher=dict(type='FrozenPoseTeacher'))
    assert model.teacher.checkpoint == str(ckpt)
    no_ckpt = _estimator(teacher=dict(type='FrozenPoseTeacher'))
    no_ckpt.train()
    with pytest.raises(ValueError, match='model.teacher.checkpoint is not set'):
        no_ckpt(**no_ckpt.data_preprocessor(_raw_batch(), True), mode='loss')
    # a checkpoint of another network is refused with the fraction it would load
    other = tmp_path / 'other.pth'
    torch.save(dict(state_dict={'backbone.conv1.weight': torch.zeros(1)}), other)
    bad = _teacher_model(other)
    bad.train()
    with pytest.raises(CheckpointMismatchError, match='model.teacher.checkpoint'):
        bad(**bad.data_preprocessor(_raw_batch(), True), mode='loss')
    with pytest.raises(ValueError, match='all 0'):
        _teacher_model(ckpt, feat_weight=0.0)
    with pytest.raises(ValueError, match='teacher.heatmap_weight must be >= 0'):
        _teacher_model(ckpt, heatmap_weight=-1.0)
    with pytest.raises(ValueError, match='freeze_pose=True'):
        _estimator(freeze_pose=True, teacher=dict(type='FrozenPoseTeacher',
                                                  checkpoint=str(ckpt)))


@pytest.mark.parametrize('term,weights', [
    ('loss_teacher_feat', dict(feat_weight=1.0)),
    ('loss_teacher_hm', dict(feat_weight=0.0, heatmap_weight=1.0)),
    ('loss_teacher_pose', dict(feat_weight=0.0, pose_weight=1.0)),
])
def test_each_teacher_term_trains_the_sr_neck_only(tmp_path, term, weights):
    ckpt, _ = _oracle_checkpoint(tmp_path)
    torch.manual_seed(0)
    model = _teacher_model(ckpt, **weights)
    model.train()
    data = model.data_preprocessor(_raw_batch(), True)
    losses = model(**data, mode='loss')
    teacher_terms = {k for k in losses if k.startswith('loss_teacher')}
    assert teacher_terms == {term}
    assert float(losses[term]) > 0
    bn_before = model.teacher.backbone.bn1.running_mean.clone()
    model.zero_grad()
    losses[term].backward()
    assert float(model.sr_neck.upsample[0].weight.grad.abs().sum()) > 0
    assert all(p.grad is None for p in model.teacher.parameters())
    # the teacher term alone does not move the student's pose network
    assert all(p.grad is None or float(p.grad.abs().sum()) == 0.0
               for p in model.backbone.parameters())
    torch.testing.assert_close(model.teacher.backbone.bn1.running_mean, bn_before)


def test_teacher_terms_are_zero_when_sr_equals_hr(tmp_path):
    ckpt, _ = _oracle_checkpoint(tmp_path)
    teacher = MODELS.build(dict(type='FrozenPoseTeacher', checkpoint=str(ckpt),
                                heatmap_weight=1.0, **_pose_cfg()))
    hr = torch.randn(2, 3, 32, 24)
    losses = teacher.loss(hr.clone(), hr, data_samples=[])
    assert float(losses['loss_teacher_feat']) == 0.0
    assert float(losses['loss_teacher_hm']) == 0.0
    assert float(teacher.loss(hr + 1.0, hr, [])['loss_teacher_feat']) > 0


def _pose_cfg():
    """The pose configs of :func:`_estimator` (ResNet stem + 3-keypoint heatmap head)."""
    return dict(backbone=dict(type='ResNet', depth=18, num_stages=1, out_indices=(0, ),
                              strides=(1, ), dilations=(1, )),
                head=dict(type='HeatmapHead', in_channels=64, out_channels=3,
                          deconv_out_channels=None,
                          loss=dict(type='KeypointMSELoss', use_target_weight=True),
                          decoder=dict(type='MSRAHeatmap', input_size=(24, 32),
                                       heatmap_size=(6, 8), sigma=2)))
