"""A frozen copy of the HR pose network that judges the SR output in joint training."""
import copy
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType, SampleList
from torch import Tensor

from ..checkpoint_fit import load_pose_parts
from ..utils import forward_padded


@MODELS.register_module()
class FrozenPoseTeacher(nn.Module):
    """The pose-driven SR terms, judged by a pose network that stands still.

    In joint training the student's own backbone moves, so a feature term
    through it chases a moving target. The teacher is a copy of the HR pose
    network, loaded from the checkpoint the student starts from (the HR oracle
    or an MMPose model-zoo checkpoint), always in eval mode and never trained:
    gradients flow through it to the SR output only. Its terms:

    - ``loss_teacher_feat``: MSE between the teacher's backbone (+ neck)
      features of the SR output and of the HR crop (``feat_indices``).
    - ``loss_teacher_hm``: MSE between the teacher's head outputs (heatmaps,
      SimCC vectors) on the SR output and on the HR crop.
    - ``loss_teacher_pose``: the teacher head's own loss on the SR output
      against the ground-truth targets (what a frozen pose network gives).

    A term whose weight is 0 is neither computed nor returned. The estimator
    holds the teacher outside its module tree, so it is in no checkpoint, no
    optimizer and no parameter count (checkpoints keep MMPose's key names).

    Args:
        backbone, neck, head (dict): the pose network's configs (the estimator
            passes its own: the teacher has the student's architecture).
        checkpoint (str, optional): the pose checkpoint (path or URL). None:
            the estimator fills in ``pose_init_cfg.checkpoint``.
        prefix (str): key prefix to strip (e.g. ``'teacher.'``). Defaults to ''.
        feat_weight (float): weight of ``loss_teacher_feat``. Defaults to 1.0.
        heatmap_weight (float): weight of ``loss_teacher_hm``. Defaults to 0.
        pose_weight (float): weight of ``loss_teacher_pose``. Defaults to 0.
        feat_indices (Sequence[int]): backbone (or neck) outputs to compare.
        size_divisor (int): the estimator's ``backbone_size_divisor``.
    """

    def __init__(self,
                 backbone: ConfigType,
                 neck: OptConfigType = None,
                 head: OptConfigType = None,
                 checkpoint: Optional[str] = None,
                 prefix: str = '',
                 feat_weight: float = 1.0,
                 heatmap_weight: float = 0.0,
                 pose_weight: float = 0.0,
                 feat_indices: Sequence[int] = (-1, ),
                 size_divisor: int = 1) -> None:
        super().__init__()
        for name, w in (('feat_weight', feat_weight), ('heatmap_weight', heatmap_weight),
                        ('pose_weight', pose_weight)):
            if not w >= 0:
                raise ValueError(f'teacher.{name} must be >= 0, got {w!r}')
        if not (feat_weight or heatmap_weight or pose_weight):
            raise ValueError('teacher: feat_weight, heatmap_weight and pose_weight are all 0; '
                             'set one > 0 or remove model.teacher')
        if (heatmap_weight or pose_weight) and head is None:
            raise ValueError('teacher.heatmap_weight/pose_weight need a head')
        if feat_weight and not feat_indices:
            raise ValueError('teacher.feat_indices must select at least one output')
        self.backbone = MODELS.build(copy.deepcopy(backbone))
        self.neck = MODELS.build(copy.deepcopy(neck)) if neck is not None else None
        self.head = MODELS.build(copy.deepcopy(head)) if head is not None else None
        self.checkpoint = checkpoint
        self.prefix = prefix
        self.feat_weight = float(feat_weight)
        self.heatmap_weight = float(heatmap_weight)
        self.pose_weight = float(pose_weight)
        self.feat_indices = tuple(feat_indices)
        self.size_divisor = int(size_divisor)
        self.loaded = False
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> 'FrozenPoseTeacher':
        """Always in eval mode: BatchNorm uses the checkpoint's statistics."""
        return super().train(False)

    def load(self, map_location: str = 'cpu') -> None:
        """Load every backbone/neck/head tensor of :attr:`checkpoint` (all must fit)."""
        if not self.checkpoint:
            raise ValueError('model.teacher.checkpoint is not set: give the pose checkpoint the '
                             'student starts from (the same as load_from or '
                             'pose_init_cfg.checkpoint)')
        load_pose_parts(self, self.checkpoint, 'model.teacher.checkpoint', prefix=self.prefix,
                        map_location=map_location,
                        hint='the teacher must be the pose network the student starts from')
        self.loaded = True

    def prepare(self, ref: Tensor) -> None:
        """Load (once) and follow ``ref``'s device and memory format."""
        if not self.loaded:
            self.load()
        p = next(self.parameters())
        fmt = (torch.channels_last if ref.dim() == 4
               and ref.is_contiguous(memory_format=torch.channels_last)
               and not ref.is_contiguous() else torch.contiguous_format)
        if p.device != ref.device or p.is_contiguous(memory_format=fmt) is False:
            self.to(device=ref.device, memory_format=fmt)

    def features(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Backbone (+ neck) outputs of ``x`` as a tuple."""
        outs = forward_padded(self.backbone, x, self.size_divisor)
        if self.neck is not None:
            outs = self.neck(outs)
        return tuple(outs) if isinstance(outs, (list, tuple)) else (outs, )

    @staticmethod
    def _mse(a, b) -> Tensor:
        """MSE of tensors or matching tuples of tensors (SimCC heads give two)."""
        if isinstance(a, Tensor):
            return F.mse_loss(a.float(), b.float())
        return sum(F.mse_loss(x.float(), y.float()) for x, y in zip(a, b)) / len(a)

    def loss(self, sr: Tensor, hr: Tensor, data_samples: SampleList) -> Dict[str, Tensor]:
        """The enabled teacher terms for a batch of SR outputs and HR crops."""
        self.prepare(sr)
        feats_sr = self.features(sr)
        losses: Dict[str, Tensor] = {}
        need_hr = self.feat_weight or self.heatmap_weight
        with torch.no_grad():
            feats_hr = self.features(hr) if need_hr else None
        if self.feat_weight:
            pairs = [(feats_sr[i], feats_hr[i]) for i in self.feat_indices]
            losses['loss_teacher_feat'] = self.feat_weight * sum(
                self._mse(s, h) for s, h in pairs) / len(pairs)
        if self.heatmap_weight or self.pose_weight:
            with torch.autocast(device_type=sr.device.type, enabled=False):
                feats_sr32 = tuple(f.float() for f in feats_sr)
                if self.heatmap_weight:
                    with torch.no_grad():
                        out_hr = self.head.forward(tuple(f.float() for f in feats_hr))
                    losses['loss_teacher_hm'] = self.heatmap_weight * self._mse(
                        self.head.forward(feats_sr32), out_hr)
                if self.pose_weight:
                    head_losses = self.head.loss(feats_sr32, data_samples, train_cfg={})
                    losses['loss_teacher_pose'] = self.pose_weight * sum(
                        v for k, v in head_losses.items() if k.startswith('loss'))
        return losses


def build_teacher(teacher: OptConfigType, pose_cfgs: Dict[str, OptConfigType],
                  pose_init_cfg: Optional[dict], size_divisor: int = 1,
                  freeze_pose: bool = False) -> Optional[FrozenPoseTeacher]:
    """Build an estimator's ``model.teacher`` with the estimator's ``backbone``/
    ``neck``/``head`` configs (``pose_cfgs``); its checkpoint defaults to
    ``pose_init_cfg.checkpoint``. None without a teacher config."""
    if teacher is None:
        return None
    if freeze_pose:
        raise ValueError('model.teacher is for joint training: with freeze_pose=True the '
                         'frozen pose network already judges the SR output')
    cfg = dict(teacher)
    if not cfg.get('checkpoint') and pose_init_cfg is not None:
        cfg['checkpoint'] = pose_init_cfg['checkpoint']
    cfg.update(pose_cfgs, size_divisor=size_divisor)
    return MODELS.build(cfg)
