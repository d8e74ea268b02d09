"""Top-down pose estimator with an SR network in front of the pose network."""
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.logging import print_log
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType, OptMultiConfig, SampleList
from torch import Tensor

from ..checkpoint_fit import (
    LEGACY_BACKBONE_PREFIX,
    CheckpointFit,
    compare_state_dicts,
    enforce_fit,
    rename_legacy_backbone_keys,
    strip_prefix,
)
from ..utils import (
    COORD_MODES,
    SR_PATHS,
    denormalize,
    forward_padded,
    frozen_bn_stats,
    no_param_grad,
    sr_to_input_coords,
)

POSE_PARTS = ('backbone', 'neck', 'head')


@contextmanager
def _head_outputs_as_features(head: torch.nn.Module) -> Iterator[None]:
    """Let ``head.predict`` take precomputed head outputs (its ``forward``
    becomes the identity), so flip test and decoding stay MMPose's own."""
    head.forward = lambda feats: feats
    try:
        yield
    finally:
        del head.forward


@MODELS.register_module()
class SRTopdownPoseEstimator(TopdownPoseEstimator):
    """LR crop -> ``sr_neck`` -> backbone -> (neck) -> head.

    Coordinate contract: the head decodes keypoints in its codec's input space,
    which must be the SR-output space (checked at run time against the actual
    tensor size); they are divided by the actual SR factor (SR tensor size /
    input tensor size, i.e. ``sr_neck.scale``) into model-input space by the
    sample's metainfo ``coord_mode`` ('hr_crop': made from the HR crop by
    ``LowResDegrade``; 'lr_crop', the default: warped straight to the LR size,
    a half-pixel correction, see :func:`sr_to_input_coords`), and
    MMPose's ``input_center``/``input_scale``/``input_size`` mapping takes them
    to image space. This serves simulated LR (``LowResDegrade``), real LR
    (``TopdownAffine`` straight to the LR size; no HR anywhere), LR-direct and
    the HR oracle (``InterpolateSR(scale=1)``, codec at the input size).

    Args:
        sr_neck (dict): the SR network (``PoseDrivenSRNeck``, ``InterpolateSR``,
            ...); it must have an int attribute ``scale``.
        backbone, neck, head: as :class:`TopdownPoseEstimator`; the head's
            codec ``input_size`` is the SR-output (HR) size.
        sr_loss (dict, optional): e.g. ``PoseDrivenSRLoss``; needs HR targets.
        pose_loss_to_sr (bool): whether the pose loss reaches the SR network.
            False = two-stage pixel-SR baseline (SR output detached for the
            pose network). Defaults to True.
        freeze_sr (bool): freeze the SR network (no grads, eval mode).
        freeze_pose (bool): freeze backbone, neck and head (no grads, eval).
        backbone_size_divisor (int): pad the backbone's input (bottom/right,
            replicate) to a multiple of this and crop every backbone output
            back to ``ceil(size / stride)``: multi-branch backbones such as
            HRNet need sizes divisible by 32, which LR inputs (64x48, 32x24)
            are not. Padding bottom/right keeps pixel coordinates, and the
            backbone keeps MMPose's key names (``backbone.*``), so model-zoo
            checkpoints load as they are. Defaults to 1 (no padding).
        teacher (dict, optional): a frozen judge of the SR output for joint
            training (``FrozenPoseTeacher``): built with this model's backbone,
            neck and head configs and loaded from ``teacher.checkpoint``
            (default: ``pose_init_cfg.checkpoint``); held outside the module
            tree, so checkpoints keep MMPose's key names.
        pose_init_cfg (dict, optional): ``dict(checkpoint=PATH, prefix='',
            rename=None, parts=POSE_PARTS, strict=True)``: after
            ``init_weights`` load the backbone/neck/head weights of an
            MMPose/mmengine checkpoint (see :meth:`load_pose_checkpoint`).
        test_cfg (dict): MMPose's test options plus ``output_sr``: True always
            attaches the SR crop to each predicted sample as ``pred_sr_img``
            (float (3, H, W), 0..255, BGR like packed images) and the HR target
            as ``gt_hr_img`` when present; False never; None (default) does so
            only when the batch carries HR targets (what ``SRQualityMetric``
            needs).
    """

    def __init__(self,
                 sr_neck: ConfigType,
                 backbone: ConfigType,
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
        self.sr_loss = MODELS.build(sr_loss) if sr_loss is not None else None
        self.pose_loss_to_sr = pose_loss_to_sr
        self.freeze_sr = freeze_sr
        self.freeze_pose = freeze_pose
        if not isinstance(backbone_size_divisor, int) or backbone_size_divisor < 1:
            raise ValueError('backbone_size_divisor must be an int >= 1, got '
                             f'{backbone_size_divisor!r}')
        self.backbone_size_divisor = backbone_size_divisor
        self._register_load_state_dict_pre_hook(self._legacy_backbone_keys)
        if pose_init_cfg is not None and not (isinstance(pose_init_cfg, dict)
                                              and pose_init_cfg.get('checkpoint')):
            raise ValueError('pose_init_cfg must be a dict with a `checkpoint` path, '
                             f'got {pose_init_cfg!r}')
        self.pose_init_cfg = dict(pose_init_cfg) if pose_init_cfg is not None else None
        # outside the module tree: no checkpoint key, no optimizer entry, no DDP parameter
        object.__setattr__(self, '_teacher', self._build_teacher(teacher, backbone, neck, head))
        self._check_config()
        if freeze_sr:
            self.sr_neck.requires_grad_(False)
        if freeze_pose:
            for m in self._pose_modules():
                m.requires_grad_(False)

    # ------------------------------------------------------------- config
    def _build_teacher(self, teacher: OptConfigType, backbone: ConfigType,
                       neck: OptConfigType, head: OptConfigType):
        """Build ``model.teacher`` with this model's pose configs (checked)."""
        if teacher is None:
            return None
        if self.freeze_pose:
            raise ValueError('model.teacher is for joint training: with freeze_pose=True the '
                             'frozen pose network already judges the SR output')
        cfg = dict(teacher)
        if not cfg.get('checkpoint') and self.pose_init_cfg is not None:
            cfg['checkpoint'] = self.pose_init_cfg['checkpoint']
        cfg.update(backbone=backbone, neck=neck, head=head,
                   size_divisor=self.backbone_size_divisor)
        return MODELS.build(cfg)

    @property
    def teacher(self):
        """The frozen teacher (``model.teacher``), or None."""
        return self.__dict__.get('_teacher')

    @property
    def sr_scale(self) -> int:
        """The SR factor of the model (``sr_neck.scale``)."""
        return self.sr_neck.scale

    def _pose_modules(self) -> List[torch.nn.Module]:
        return [getattr(self, n) for n in POSE_PARTS if getattr(self, n, None) is not None]

    def _check_config(self) -> None:
        scale = getattr(self.sr_neck, 'scale', None)
        if not isinstance(scale, int) or scale < 1:
            raise ValueError(f'sr_neck.scale must be an int >= 1 (the SR factor), got {scale!r}')
        codec_size = self._codec_input_size()
        if codec_size is not None and (codec_size[0] % scale or codec_size[1] % scale):
            raise ValueError(f'head.decoder.input_size {tuple(codec_size)} (the SR-output size) is '
                             f'not divisible by sr_neck.scale={scale}')
        if self.sr_loss is not None and getattr(self.sr_loss, 'feat_layers', None):
            names = dict(self.named_modules())
            for n in self.sr_loss.feat_layers:
                if n not in names or n.split('.')[0] not in ('backbone', 'neck'):
                    raise ValueError(f'sr_loss.feat_layers: {n!r} is not a module inside the '
                                     'backbone or neck (e.g. "backbone.layer1")')

    def _codec_input_size(self) -> Optional[Tuple[int, int]]:
        decoder = getattr(getattr(self, 'head', None), 'decoder', None)
        size = getattr(decoder, 'input_size', None)
        return (int(size[0]), int(size[1])) if size is not None else None

    def train(self, mode: bool = True) -> 'SRTopdownPoseEstimator':
        """Keep frozen parts in eval mode (BatchNorm statistics stay fixed)."""
        super().train(mode)
        if self.freeze_sr:
            self.sr_neck.eval()
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

        Keys are taken from ``state_dict`` (or the dict itself); a leading
        ``module.`` and then ``prefix`` are stripped; ``rename`` maps key
        prefixes (e.g. ``{'keypoint_head.': 'head.'}``); ``backbone.backbone.*``
        keys of checkpoints saved with the former ``SizeDivisorWrapper`` become
        ``backbone.*``. Only keys of ``parts`` are considered on both sides
        (``sr_neck`` and ``data_preprocessor`` keys are ignored).

        The checkpoint must fit those parts exactly (no missing, unexpected or
        shape-mismatched tensor; BatchNorm counters excepted): otherwise a
        :class:`CheckpointMismatchError` names the fraction it would load and
        example keys. ``strict=False`` loads the matching tensors anyway with
        a loud warning stating that fraction. Returns the :class:`CheckpointFit`.
        """
        from mmengine.runner.checkpoint import _load_checkpoint
        ckpt = _load_checkpoint(checkpoint, map_location=map_location)
        src = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
        src = strip_prefix({k: v for k, v in src.items() if isinstance(v, Tensor)}, 'module.')
        if prefix:
            src = {k[len(prefix):]: v for k, v in src.items() if k.startswith(prefix)}
        renamed = {}
        for k, v in src.items():
            for old, new in (rename or {}).items():
                if k.startswith(old):
                    k = new + k[len(old):]
                    break
            renamed[k] = v
        own = {k: v for k, v in self.state_dict().items() if k.split('.')[0] in parts}
        src = {k: v for k, v in rename_legacy_backbone_keys(renamed, own).items()
               if k.split('.')[0] in parts}
        fit = enforce_fit(
            compare_state_dicts(own, src), f'pose_init_cfg.checkpoint {checkpoint!r}',
            allow_partial=not strict,
            hint=f'check pose_init_cfg.prefix/rename/parts (parts={tuple(parts)}), or set '
                 'pose_init_cfg.strict=False to load the matching part anyway')
        self.load_state_dict({k: src[k] for k in fit.loaded}, strict=False)
        print_log(f'pose_init_cfg: loaded {len(fit.loaded)} tensors '
                  f'({100 * fit.fraction:.1f}% of {"/".join(parts)}) from {checkpoint}',
                  logger='current')
        return fit

    def _legacy_backbone_keys(self, state_dict: dict, prefix: str, *args) -> None:
        """Load-state-dict pre-hook: accept ``backbone.backbone.*`` keys of
        checkpoints saved with the former ``SizeDivisorWrapper``."""
        if isinstance(getattr(self.backbone, 'backbone', None), torch.nn.Module):
            return
        old = prefix + LEGACY_BACKBONE_PREFIX
        for k in [k for k in state_dict if k.startswith(old)]:
            state_dict[prefix + 'backbone.' + k[len(old):]] = state_dict.pop(k)

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

    @contextmanager
    def _capture(self, names: Optional[Sequence[str]]) -> Iterator[Dict[str, List[Tensor]]]:
        """Record the outputs of the named modules during a forward pass."""
        store: Dict[str, List[Tensor]] = {}
        handles = []
        modules = dict(self.named_modules())
        for n in names or ():
            def hook(_m, _i, out, n=n):
                outs = out if isinstance(out, (list, tuple)) else [out]
                store[n] = [o for o in outs if isinstance(o, Tensor)]
            handles.append(modules[n].register_forward_hook(hook))
        try:
            yield store
        finally:
            for h in handles:
                h.remove()

    def _features_for_loss(self, x: Tensor) -> List[Tensor]:
        """The features of ``x`` that the SR feature loss compares."""
        layers = self.sr_loss.feat_layers
        run_neck = self.with_neck and any(n.startswith('neck') for n in layers or ())
        with self._capture(layers) as store:
            bb = self.forward_backbone(x)
            if run_neck:
                self.neck(bb)
        if layers:
            return [t for n in layers for t in store.get(n, [])]
        outs = bb if isinstance(bb, (list, tuple)) else (bb, )
        return [outs[i] for i in self.sr_loss.feat_indices]

    def _check_sizes(self, inputs: Tensor, sr: Tensor, data_samples: Optional[SampleList]) -> None:
        """Enforce the coordinate contract on the actual tensors."""
        (h, w), (sh, sw) = inputs.shape[-2:], sr.shape[-2:]
        if sh % h or sw % w or sh // h != sw // w:
            raise ValueError(f'sr_neck output {sw}x{sh} is not an integer multiple of the input '
                             f'{w}x{h} (sr_neck.scale={self.sr_scale})')
        factor = sw // w
        padded = getattr(self.data_preprocessor, 'pad_size_divisor', 1) > 1
        codec_size = self._codec_input_size()
        if codec_size is not None and not padded and codec_size != (sw, sh):
            raise ValueError(
                f'the SR output is {sw}x{sh} (input {w}x{h} x sr_neck.scale={factor}) but '
                f'head.decoder.input_size is {codec_size[0]}x{codec_size[1]}: feed inputs of '
                f'head.decoder.input_size / sr_neck.scale (TopdownAffine.input_size, '
                f'LowResDegrade.scale)')
        for ds in data_samples or ():
            meta = ds.metainfo
            size = meta.get('input_size')
            if size is not None and not padded and (int(size[0]), int(size[1])) != (w, h):
                raise ValueError(
                    f'metainfo input_size {tuple(size)} differs from the model input {w}x{h}: '
                    'input_size must be the size of the tensor fed to the model (LowResDegrade '
                    'sets it to the LR size)')
            s = meta.get('sr_scale')
            # factor 1 (LR-direct, HR oracle) consumes any input as-is: the codec-size check above
            # already guards it, and the degradation factor in the metainfo does not apply
            if s is not None and factor != 1 and int(s) != factor:
                raise ValueError(f'metainfo sr_scale={s} (LowResDegrade.scale/model_scale) '
                                 f'differs from sr_neck.scale={factor}')
            break  # all samples of a batch share the sizes checked above

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Head (pose) losses on the SR output plus the SR losses."""
        sr = self.sr_neck(inputs)
        self._check_sizes(inputs, sr, data_samples)
        pose_in = sr if self.pose_loss_to_sr else sr.detach()
        use_feat = self.sr_loss is not None and self.sr_loss.with_feat
        feats = self.extract_pose_feat(pose_in)
        losses = dict()
        if self.with_head:
            losses.update(self._head_loss(feats, data_samples))
        if self.sr_loss is None and self.teacher is None:
            return losses
        hr = self._stack_hr(data_samples)
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
            kwargs['keypoints'], kwargs['keypoints_visible'] = self._hr_keypoints(data_samples, sr)
        if use_feat:
            # the feature term trains the SR network only: the pose backbone is its fixed judge
            with frozen_bn_stats(self), no_param_grad(self.backbone, getattr(self, 'neck', None)):
                sr_feats = self._features_for_loss(sr)
            with torch.no_grad(), frozen_bn_stats(self):
                hr_feats = self._features_for_loss(hr)
            kwargs.update(sr_feats=sr_feats, hr_feats=hr_feats)
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

    @staticmethod
    def _stack_hr(data_samples: Optional[SampleList]) -> Optional[Tensor]:
        if not data_samples or any('hr_img' not in ds for ds in data_samples):
            return None
        return torch.stack([ds.hr_img for ds in data_samples]).float()

    @staticmethod
    def _hr_keypoints(data_samples: SampleList, ref: Tensor) -> Tuple[Tensor, Tensor]:
        """(N, K, 2) HR-crop keypoints and (N, K) visibility of a batch."""
        kpts, vis = [], []
        for ds in data_samples:
            gi = ds.gt_instances
            if 'hr_keypoints' not in gi:
                raise ValueError('PoseDrivenSRLoss.kpt_weight > 0 needs gt_instances.hr_keypoints '
                                 '(LowResDegrade after TopdownAffine, then PackSRPoseInputs)')
            kp = torch.as_tensor(gi.hr_keypoints).float()[..., :2].reshape(-1, 2)
            v = gi.keypoints_visible if 'keypoints_visible' in gi else torch.ones(kp.shape[0])
            kpts.append(kp.to(ref.device))
            vis.append(torch.as_tensor(np.asarray(v.cpu() if isinstance(v, Tensor) else v,
                                                  dtype=np.float32)).reshape(-1).to(ref.device))
        return torch.stack(kpts), torch.stack(vis)

    @staticmethod
    def batch_sr_path(data_samples: Optional[SampleList]) -> str:
        """The path of a batch from metainfo ``sr_path`` ('sr' when absent).

        ``'sr'``: LR crop -> sr_neck -> pose network; ``'direct'``: a crop at
        the pose network's own input size -> pose network (no SR), the large
        people of resolution-adaptive inference (``AdaptiveTopdownAffine``).
        """
        paths = {ds.metainfo.get('sr_path', 'sr') for ds in data_samples or ()} or {'sr'}
        if len(paths) > 1:
            raise ValueError(f'one batch mixes metainfo sr_path values {sorted(paths)}: group '
                             'samples by path (lrpose_mm.apis.inference_topdown_batched does)')
        path = paths.pop()
        if path not in SR_PATHS:
            raise ValueError(f'metainfo sr_path must be one of {SR_PATHS}, got {path!r}')
        return path

    @staticmethod
    def coord_mode(data_sample) -> str:
        """metainfo ``coord_mode``; absent = 'lr_crop' (MMPose's own crop rule)."""
        mode = data_sample.metainfo.get('coord_mode', 'lr_crop')
        if mode not in COORD_MODES:
            raise ValueError(f'metainfo coord_mode must be one of {COORD_MODES}, got {mode!r}')
        return mode

    def val_step(self, data: dict) -> SampleList:
        """``BaseModel.val_step``, run once per ``sr_path`` group of the batch."""
        return self._step_per_path(data, super().val_step)

    def test_step(self, data: dict) -> SampleList:
        """``BaseModel.test_step``, run once per ``sr_path`` group of the batch.

        Resolution-adaptive pipelines give one batch crops of two sizes (LR for
        the SR path, the pose input size for the direct path); each group is
        pre-processed and predicted on its own, results come back in batch
        order. So the Runner's test loop (CocoMetric on full images) works
        with any batch size.
        """
        return self._step_per_path(data, super().test_step)

    @staticmethod
    def _step_per_path(data: dict, step) -> SampleList:
        samples = data.get('data_samples') if isinstance(data, dict) else None
        paths = [ds.metainfo.get('sr_path', 'sr') for ds in samples or ()]
        if len(set(paths)) < 2:
            return step(data)
        out: list = [None] * len(paths)
        for path in sorted(set(paths)):
            idx = [i for i, p in enumerate(paths) if p == path]
            sub = {k: ([v[i] for i in idx] if isinstance(v, (list, tuple)) else
                       v[torch.as_tensor(idx)] if isinstance(v, Tensor) else v)
                   for k, v in data.items()}
            for i, res in zip(idx, step(sub)):
                out[i] = res
        return out

    def forward_network(self, inputs: Tensor, path: str = 'sr'):
        """The network in tensor mode on one path: head outputs (heatmaps,
        SimCC vectors, ...). 'sr': LR crops -> sr_neck -> pose network;
        'direct': crops at the pose input size -> pose network. What
        :mod:`lrpose_mm.deploy` exports."""
        if path not in SR_PATHS:
            raise ValueError(f'path must be one of {SR_PATHS}, got {path!r}')
        x = self.sr_neck(inputs) if path == 'sr' else inputs
        return self.head.forward(self.extract_pose_feat(x))

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Keypoints in image space (coordinate contract); optionally the SR crops.

        Each prediction records its path in ``pred_instances.sr_path``. When
        ``network_backend`` is set (e.g. an onnxruntime session, see
        :func:`lrpose_mm.deploy.use_onnxruntime`), it computes the head
        outputs from the inputs and the rest (flip, decoding, coordinates) is
        unchanged.
        """
        assert self.with_head, 'The model must have head to perform prediction.'
        path = self.batch_sr_path(data_samples)
        factor = self.sr_scale if path == 'sr' else 1
        flip = self.test_cfg.get('flip_test', False)
        backend = getattr(self, 'network_backend', None)
        sr = None
        if backend is None:
            to_pose_input = self.sr_neck if path == 'sr' else (lambda x: x)
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
            with _head_outputs_as_features(self.head):
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
        if sr is not None and path == 'sr':
            self._attach_sr(sr, results)
        return results

    def _attach_sr(self, sr: Tensor, results: SampleList) -> None:
        """Attach de-normalised SR crops (and HR targets) per ``test_cfg.output_sr``."""
        output_sr = self.test_cfg.get('output_sr', None)
        hr = self._stack_hr(results)
        if output_sr is False or (output_sr is None and hr is None):
            return
        sr_img = denormalize(sr, self.data_preprocessor)
        hr_img = denormalize(hr, self.data_preprocessor) if hr is not None else None
        for i, ds in enumerate(results):
            ds.pred_sr_img = sr_img[i]
            if hr_img is not None:
                ds.gt_hr_img = hr_img[i]
