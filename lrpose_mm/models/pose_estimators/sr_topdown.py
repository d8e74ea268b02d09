"""Top-down pose estimator with an SR network in front of the pose network."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType, OptMultiConfig, SampleList
from torch import Tensor

from ..checkpoint_fit import CheckpointFit, load_pose_parts
from ..teachers import build_teacher
from ..utils import (
    POSE_PARTS,
    extra_neck_key,
    forward_padded,
    head_outputs_as_features,
    sr_route_name,
    sr_to_input_coords,
)
from .hr_targets import attach_sr_images, hr_keypoints, stack_hr
from .sr_checks import check_sr_config, check_sr_sizes, codec_input_size
from .sr_features import sr_hr_features
from .sr_routing import batch_route, sample_coord_mode, sample_route, step_per_path


@MODELS.register_module()
class SRTopdownPoseEstimator(TopdownPoseEstimator):
    """LR crop -> ``sr_neck`` -> backbone -> (neck) -> head.

    Coordinate contract: the head decodes keypoints in the SR-output space
    (its codec's ``input_size``, checked against the actual tensors); they are
    mapped to model-input space by the actual SR factor and the sample's
    metainfo ``coord_mode`` (see :func:`sr_to_input_coords`), then by MMPose's
    ``input_center``/``input_scale``/``input_size`` to image space. One model
    thus serves simulated LR (``LowResDegrade``), real LR (``TopdownAffine``
    straight to the LR size), LR-direct and the HR oracle
    (``InterpolateSR(scale=1)``).

    Args:
        sr_neck (dict): the SR network (``PoseDrivenSRNeck``, ``InterpolateSR``,
            ...); it must have an int attribute ``scale``.
        extra_sr_necks (list[dict], optional): SR networks at other factors
            for scale-aware inference (e.g. an x2 neck beside an x4 one): a
            sample whose metainfo ``sr_scale`` is an extra neck's factor
            (``AdaptiveTopdownAffine`` with several ``sr_scale``) goes through
            that neck (route ``'sr_x<k>'``, module ``extra_sr_necks.x<k>``);
            every other SR sample through ``sr_neck`` (route ``'sr'``).
        backbone, neck, head: as :class:`TopdownPoseEstimator`; the head's
            codec ``input_size`` is the SR-output (HR) size.
        sr_loss (dict, optional): e.g. ``PoseDrivenSRLoss``; needs HR targets.
        pose_loss_to_sr (bool): whether the pose loss reaches the SR network.
            False = two-stage pixel-SR baseline (SR output detached for the
            pose network). Defaults to True.
        freeze_sr (bool): freeze the SR network (no grads, eval mode).
        freeze_pose (bool): freeze backbone, neck and head (no grads, eval).
        backbone_size_divisor (int): pad the backbone's input to a multiple
            of this (HRNet needs 32, which LR sizes such as 64x48 are not);
            see :func:`forward_padded`. Defaults to 1 (no padding).
        teacher (dict, optional): a frozen judge of the SR output for joint
            training (``FrozenPoseTeacher``): built with this model's backbone,
            neck and head configs and loaded from ``teacher.checkpoint``
            (default: ``pose_init_cfg.checkpoint``); held outside the module
            tree, so checkpoints keep MMPose's key names.
        pose_init_cfg (dict, optional): ``dict(checkpoint=PATH, prefix='',
            rename=None, parts=POSE_PARTS, strict=True)``: after
            ``init_weights`` load the backbone/neck/head weights of an
            MMPose/mmengine checkpoint (see :meth:`load_pose_checkpoint`).
        test_cfg (dict): MMPose's test options plus ``output_sr``: whether
            predictions carry the SR crop (``pred_sr_img``, float (3, H, W),
            0..255, BGR) and HR target (``gt_hr_img``): True always, False
            never, None (default) when the batch has HR targets.
    """

    def __init__(self,
                 sr_neck: ConfigType,
                 backbone: ConfigType,
                 extra_sr_necks: Optional[List[ConfigType]] = None,
                 neck: OptConfigType = None,
                 head: OptConfigType = None,
                 sr_loss: OptConfigType = None,
                 pose_loss_to_sr: bool = True,
                 freeze_sr: bool = False,
                 freeze_pose: bool = False,
                 backbone_size_divisor: int = 1,
                 pose_init_cfg: Optional[dict] = None,
                 teacher: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None,
                 metainfo: Optional[dict] = None) -> None:
        super().__init__(backbone=backbone, neck=neck, head=head, train_cfg=train_cfg,
                         test_cfg=test_cfg, data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg, metainfo=metainfo)
        self.sr_neck = MODELS.build(sr_neck)
        self.extra_sr_necks = torch.nn.ModuleDict()
        for cfg in extra_sr_necks or ():
            neck = MODELS.build(cfg)
            scale = getattr(neck, 'scale', None)
            check_sr_config(self, scale, codec_input_size(self))
            if scale in self.sr_scales:
                raise ValueError(f'extra_sr_necks: a second neck of factor {scale} '
                                 f'(the model has {self.sr_scales}); one neck per factor')
            self.extra_sr_necks[extra_neck_key(scale)] = neck
        self.sr_loss = MODELS.build(sr_loss) if sr_loss is not None else None
        self.pose_loss_to_sr = pose_loss_to_sr
        self.freeze_sr = freeze_sr
        self.freeze_pose = freeze_pose
        if not isinstance(backbone_size_divisor, int) or backbone_size_divisor < 1:
            raise ValueError('backbone_size_divisor must be an int >= 1, got '
                             f'{backbone_size_divisor!r}')
        self.backbone_size_divisor = backbone_size_divisor
        if pose_init_cfg is not None and not (isinstance(pose_init_cfg, dict)
                                              and pose_init_cfg.get('checkpoint')):
            raise ValueError('pose_init_cfg must be a dict with a `checkpoint` path, '
                             f'got {pose_init_cfg!r}')
        self.pose_init_cfg = dict(pose_init_cfg) if pose_init_cfg is not None else None
        # outside the module tree: no checkpoint key, no optimizer entry, no DDP parameter
        object.__setattr__(self, '_teacher', build_teacher(
            teacher, dict(backbone=backbone, neck=neck, head=head), self.pose_init_cfg,
            backbone_size_divisor, freeze_pose))
        check_sr_config(self, getattr(self.sr_neck, 'scale', None), codec_input_size(self),
                        getattr(self.sr_loss, 'feat_layers', None))
        if freeze_sr:
            self.sr_neck.requires_grad_(False)
            self.extra_sr_necks.requires_grad_(False)
        if freeze_pose:
            for m in self._pose_modules():
                m.requires_grad_(False)

    # ------------------------------------------------------------- config
    @property
    def teacher(self):
        """The frozen teacher (``model.teacher``), or None."""
        return self.__dict__.get('_teacher')

    @property
    def sr_scale(self) -> int:
        """The SR factor of the model (``sr_neck.scale``)."""
        return self.sr_neck.scale

    @property
    def sr_scales(self) -> Tuple[int, ...]:
        """Every SR factor: ``sr_neck``'s, then the extra necks' in decreasing order."""
        extra = sorted((n.scale for n in self.extra_sr_necks.values()), reverse=True)
        return (self.sr_neck.scale, *extra)

    @property
    def sr_routes(self) -> Tuple[str, ...]:
        """The routes a sample can take: 'sr', 'sr_x<k>' per extra neck, 'direct'."""
        return ('sr', *(sr_route_name(s) for s in self.sr_scales[1:]), 'direct')

    def route_network(self, route: str) -> Optional[torch.nn.Module]:
        """The SR neck of a route; None for 'direct' (the crop is the pose input)."""
        if route not in self.sr_routes:
            raise ValueError(f'route must be one of {self.sr_routes}, got {route!r}')
        if route == 'direct':
            return None
        if route == 'sr':
            return self.sr_neck
        return next(n for n in self.extra_sr_necks.values() if sr_route_name(n.scale) == route)

    def sample_route(self, data_sample) -> str:
        """The route of one sample (metainfo ``sr_path`` and ``sr_scale``)."""
        return sample_route(data_sample, self.sr_scales[1:])

    def _pose_modules(self) -> List[torch.nn.Module]:
        return [getattr(self, n) for n in POSE_PARTS if getattr(self, n, None) is not None]

    def train(self, mode: bool = True) -> 'SRTopdownPoseEstimator':
        """Keep frozen parts in eval mode (BatchNorm statistics stay fixed)."""
        super().train(mode)
        if self.freeze_sr:
            self.sr_neck.eval()
            self.extra_sr_necks.eval()
        if self.freeze_pose:
            for m in self._pose_modules():
                m.eval()
        return self

    # ------------------------------------------------------------- weights
    def init_weights(self) -> None:
        """Initialise as usual, then load ``pose_init_cfg`` weights if given."""
        super().init_weights()
        if self.pose_init_cfg is not None:
            self.load_pose_checkpoint(**self.pose_init_cfg)

    def load_pose_checkpoint(self,
                             checkpoint: str,
                             prefix: str = '',
                             rename: Optional[Dict[str, str]] = None,
                             parts: Sequence[str] = POSE_PARTS,
                             strict: bool = True,
                             map_location: str = 'cpu') -> CheckpointFit:
        """Load backbone/neck/head weights from a pose checkpoint, prefix-aware.

        ``prefix`` selects and strips the keys of a sub-model, ``rename`` maps
        key prefixes (e.g. ``{'keypoint_head.': 'head.'}``); only ``parts``
        count (``sr_neck`` and ``data_preprocessor`` keys are ignored). They
        must fit exactly (BatchNorm counters excepted), or a
        :class:`CheckpointMismatchError` names the fraction it would load;
        ``strict=False`` loads the matching tensors with a loud warning. See
        :func:`~lrpose_mm.models.checkpoint_fit.load_pose_parts`.
        """
        return load_pose_parts(
            self, checkpoint, 'pose_init_cfg.checkpoint', prefix=prefix, rename=rename,
            parts=parts, strict=strict, map_location=map_location,
            hint=f'check pose_init_cfg.prefix/rename/parts (parts={tuple(parts)}), or set '
                 'pose_init_cfg.strict=False to load the matching part anyway')

    # ------------------------------------------------------------- forward
    def forward_backbone(self, x: Tensor) -> Tuple[Tensor, ...]:
        """The backbone on ``x`` padded to ``backbone_size_divisor``, outputs
        cropped back to the unpadded extent."""
        return forward_padded(self.backbone, x, self.backbone_size_divisor)

    def extract_pose_feat(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Backbone (+ neck) features of an image at the SR-output size."""
        x = self.forward_backbone(x)
        if self.with_neck:
            x = self.neck(x)
        return x

    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        """Pose features of the SR output of ``inputs`` (used by tensor mode)."""
        return self.extract_pose_feat(self.sr_neck(inputs))

    def _check_sizes(self, inputs: Tensor, sr: Tensor, data_samples: Optional[SampleList]) -> None:
        """Enforce the coordinate contract on the actual tensors."""
        padded = getattr(self.data_preprocessor, 'pad_size_divisor', 1) > 1
        check_sr_sizes(inputs, sr, data_samples, codec_input_size(self), padded)

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Head (pose) losses on the SR output plus the SR losses (the batch's SR
        route picks the neck: ``sr_neck`` unless ``sr_scale`` names an extra one)."""
        route = batch_route(data_samples, self.sr_scales[1:])
        if route == 'direct':
            raise ValueError("training samples must take an SR route, got sr_path='direct'")
        sr = self.route_network(route)(inputs)
        self._check_sizes(inputs, sr, data_samples)
        pose_in = sr if self.pose_loss_to_sr else sr.detach()
        feats = self.extract_pose_feat(pose_in)
        losses = dict()
        if self.with_head:
            losses.update(self._head_loss(feats, data_samples))
        if self.sr_loss is None and self.teacher is None:
            return losses
        hr = stack_hr(data_samples)
        if hr is None:
            raise ValueError('sr_loss and teacher need HR targets (data_samples[i].hr_img): use '
                             'LowResDegrade + PackSRPoseInputs + SRPoseDataPreprocessor, or set '
                             'sr_loss=None and teacher=None')
        if self.teacher is not None:
            losses.update(self.teacher.loss(sr, hr, data_samples))
        if self.sr_loss is None:
            return losses
        kwargs = {}
        if self.sr_loss.with_kpt:
            kwargs['keypoints'], kwargs['keypoints_visible'] = hr_keypoints(data_samples, sr.device)
        if self.sr_loss.with_feat:
            kwargs['sr_feats'], kwargs['hr_feats'] = sr_hr_features(
                self, sr, hr, self.sr_loss.feat_layers, self.sr_loss.feat_indices)
        losses.update(self.sr_loss(sr, hr, **kwargs))
        return losses

    def _head_loss(self, feats: Tuple[Tensor, ...], data_samples: SampleList) -> dict:
        """The head's losses in float32, outside any autocast region: under mixed precision
        (``BF16AutocastOptimWrapper``) the backbone runs in bfloat16, but MMPose's heads
        compute their training accuracy with numpy, which has no bfloat16 (the head's own
        cost is small)."""
        feats = tuple(feats) if isinstance(feats, (list, tuple)) else (feats, )
        with torch.autocast(device_type=feats[0].device.type, enabled=False):
            return self.head.loss(tuple(f.float() for f in feats), data_samples,
                                  train_cfg=self.train_cfg)

    # ------------------------------------------------------------- predict
    def batch_route(self, data_samples: Optional[SampleList]) -> str:
        """The route of a batch ('sr', 'sr_x<k>' or 'direct'), see
        :func:`.sr_routing.batch_route`."""
        return batch_route(data_samples, self.sr_scales[1:])

    @staticmethod
    def coord_mode(data_sample) -> str:
        """metainfo ``coord_mode``; absent = 'lr_crop' (MMPose's own crop rule)."""
        return sample_coord_mode(data_sample)

    def val_step(self, data: dict) -> SampleList:
        """``BaseModel.val_step``, run once per route group of the batch."""
        return step_per_path(data, super().val_step, self.sample_route)

    def test_step(self, data: dict) -> SampleList:
        """``BaseModel.test_step``, run once per route group of the batch
        (see :func:`.sr_routing.step_per_path`)."""
        return step_per_path(data, super().test_step, self.sample_route)

    def forward_network(self, inputs: Tensor, path: str = 'sr'):
        """The network in tensor mode on one route: head outputs (heatmaps,
        SimCC vectors, ...). 'sr': LR crops -> sr_neck -> pose network;
        'sr_x<k>': crops at the pose input size / k -> that extra neck -> pose
        network; 'direct': crops at the pose input size -> pose network. What
        :mod:`lrpose_mm.deploy` exports."""
        neck = self.route_network(path)
        x = inputs if neck is None else neck(inputs)
        return self.head.forward(self.extract_pose_feat(x))

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Keypoints in image space (coordinate contract); optionally the SR crops.

        Each prediction records its route ('sr', 'sr_x<k>', 'direct') in
        ``pred_instances.sr_path``. When
        ``network_backend`` is set (e.g. an onnxruntime session, see
        :func:`lrpose_mm.deploy.use_onnxruntime`), it computes the head
        outputs from the inputs and the rest (flip, decoding, coordinates) is
        unchanged.
        """
        assert self.with_head, 'The model must have head to perform prediction.'
        path = self.batch_route(data_samples)
        neck = self.route_network(path)
        factor = 1 if neck is None else neck.scale
        flip = self.test_cfg.get('flip_test', False)
        backend = getattr(self, 'network_backend', None)
        sr = None
        if backend is None:
            to_pose_input = neck if neck is not None else (lambda x: x)
            sr = to_pose_input(inputs)
            self._check_sizes(inputs, sr, data_samples)
            feats = self.extract_pose_feat(sr)
            if flip:
                feats = [feats, self.extract_pose_feat(to_pose_input(inputs.flip(-1)))]
            preds = self.head.predict(feats, data_samples, test_cfg=self.test_cfg)
        else:
            outs = backend(inputs, path)
            if flip:
                outs = [outs, backend(inputs.flip(-1), path)]
            with head_outputs_as_features(self.head):
                preds = self.head.predict(outs, data_samples, test_cfg=self.test_cfg)
        if isinstance(preds, tuple):
            batch_pred_instances, batch_pred_fields = preds
        else:
            batch_pred_instances, batch_pred_fields = preds, None
        # decoded keypoints are in SR-output space -> model-input space, by the coordinate mode
        sr_hw = (inputs.shape[-2] * factor, inputs.shape[-1] * factor)
        for pred, ds in zip(batch_pred_instances, data_samples):
            pred.keypoints = sr_to_input_coords(pred.keypoints, sr_hw, inputs.shape[-2:],
                                                coord_mode=self.coord_mode(ds))
            pred.sr_path = np.array([path] * len(pred.keypoints))
        results = self.add_pred_to_datasample(batch_pred_instances, batch_pred_fields,
                                              data_samples)
        if sr is not None and neck is not None:
            attach_sr_images(sr, results, self.data_preprocessor,
                             self.test_cfg.get('output_sr', None))
        return results
