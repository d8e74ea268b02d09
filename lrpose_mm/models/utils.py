"""Small helpers shared by the SR modules: coordinates, normalisation, weights."""
import re
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

#: how the model input's pixels relate to the crop (metainfo ``coord_mode``)
COORD_MODES = ('hr_crop', 'lr_crop')
#: the two paths of resolution-adaptive inference (metainfo ``sr_path``)
SR_PATHS = ('sr', 'direct')


def extra_neck_key(scale: int) -> str:
    """The ``extra_sr_necks`` key (and checkpoint prefix part) of an SR neck of factor
    ``scale``: 'x2'."""
    return f'x{int(scale)}'


def sr_route_name(scale: int) -> str:
    """The route of an extra SR neck of factor ``scale``: 'sr_x2'."""
    return f'sr_{extra_neck_key(scale)}'


def is_route_name(name: str) -> bool:
    """Whether ``name`` can name a route: 'sr', 'direct' or 'sr_x<k>'."""
    return name in SR_PATHS or re.fullmatch(r'sr_x\d+', name) is not None
#: the top-level modules of a top-down pose network (MMPose's key names)
POSE_PARTS = ('backbone', 'neck', 'head')


def sr_to_input_coords(keypoints: Union[np.ndarray, Tensor], sr_hw: Sequence[int],
                       input_hw: Sequence[int],
                       coord_mode: str = 'hr_crop') -> Union[np.ndarray, Tensor]:
    """Map keypoints from SR-output pixels to model-input (LR) pixels.

    The factor ``f`` is the actual tensor size ratio (SR output / model input)
    per axis, i.e. the SR scale the model really applied (1 for LR-direct and
    the HR oracle, where this is the identity).

    - ``coord_mode='hr_crop'`` (the input was made from the HR crop by
      ``LowResDegrade``): the SR output lies on the HR crop's grid, and MMPose's
      linear input->image mapping at the LR ``input_size`` equals the one at
      the HR size, so ``x_in = x_sr / f``.
    - ``'lr_crop'`` (real LR: ``TopdownAffine`` warped the image straight to
      the LR size, so LR pixel ``j`` sits at crop coordinate ``j``): the
      half-pixel SR upsampling puts LR pixel ``j`` at SR ``f*j + (f-1)/2``,
      so ``x_in = (x_sr + 0.5) / f - 0.5``.

    Returns a new array; only ``[..., :2]`` is changed.
    """
    if coord_mode not in COORD_MODES:
        raise ValueError(f'coord_mode must be one of {COORD_MODES}, got {coord_mode!r}')
    fx = float(sr_hw[1]) / float(input_hw[1])
    fy = float(sr_hw[0]) / float(input_hw[0])
    out = keypoints.copy() if isinstance(keypoints, np.ndarray) else keypoints.clone()
    if coord_mode == 'hr_crop':
        out[..., 0] = out[..., 0] / fx
        out[..., 1] = out[..., 1] / fy
    else:
        out[..., 0] = (out[..., 0] + 0.5) / fx - 0.5
        out[..., 1] = (out[..., 1] + 0.5) / fy - 0.5
    return out


def input_to_image_coords(keypoints: np.ndarray, input_center: Sequence[float],
                          input_scale: Sequence[float], input_size: Sequence[int]) -> np.ndarray:
    """MMPose's input-space -> image-space mapping (as in add_pred_to_datasample)."""
    kp = np.asarray(keypoints, dtype=np.float64).copy()
    kp[..., :2] = (kp[..., :2] / np.asarray(input_size) * np.asarray(input_scale) +
                   np.asarray(input_center) - 0.5 * np.asarray(input_scale))
    return kp


def image_to_input_coords(keypoints: np.ndarray, input_center: Sequence[float],
                          input_scale: Sequence[float], input_size: Sequence[int]) -> np.ndarray:
    """Image-space -> input-space pixels (the inverse of :func:`input_to_image_coords`):
    where a keypoint lies on a top-down crop of ``input_size`` (w, h)."""
    kp = np.asarray(keypoints, dtype=np.float64).copy()
    kp[..., :2] = ((kp[..., :2] - np.asarray(input_center) + 0.5 * np.asarray(input_scale)) /
                   np.asarray(input_scale) * np.asarray(input_size))
    return kp


def get_norm_cfg(data_preprocessor: Optional[nn.Module]
                 ) -> Tuple[Optional[Tensor], Optional[Tensor], bool]:
    """(mean, std, channel_conversion) of an ImgDataPreprocessor, or identity."""
    if data_preprocessor is None:
        return None, None, False
    enabled = getattr(data_preprocessor, '_enable_normalize', False)
    mean = getattr(data_preprocessor, 'mean', None) if enabled else None
    std = getattr(data_preprocessor, 'std', None) if enabled else None
    return mean, std, bool(getattr(data_preprocessor, '_channel_conversion', False))


def denormalize(img: Tensor, data_preprocessor: Optional[nn.Module]) -> Tensor:
    """Undo the data preprocessor: normalised network tensor -> BGR-as-packed 0..255.

    Works on (3, H, W) or (N, 3, H, W); the channel order is the one the
    pipeline packed (BGR for MMPose), so the result compares with packed images.
    The output is clamped to [0, 255] and left as float.
    """
    mean, std, conversion = get_norm_cfg(data_preprocessor)
    x = img.detach().float()
    if std is not None:
        x = x * std.to(x) + mean.to(x)
    if conversion and x.shape[-3] == 3:
        x = x.flip(-3)
    return x.clamp(0, 255)


def finite_visible(keypoints: Tensor, visible: Tensor) -> Tensor:
    """(N, K) bool: the joint is visible (> 0) and its coordinates and visibility are finite."""
    return (torch.isfinite(keypoints).all(-1) & torch.isfinite(visible.float())
            & (torch.nan_to_num(visible.float()) > 0))


def gaussian_keypoint_weights(keypoints: Tensor, visible: Tensor, size_hw: Sequence[int],
                              sigma: float) -> Tensor:
    """Per-pixel weights ``max_k exp(-d_k^2 / (2 sigma^2))`` over visible keypoints.

    Args:
        keypoints: (N, K, 2) keypoints in the image's pixel coordinates (x, y).
        visible: (N, K) visibility / weight; joints with value <= 0 are ignored,
            and so are joints with a non-finite coordinate or visibility (they
            give weight 0, never NaN).
        size_hw: (H, W) of the weight map.
        sigma: Gaussian sigma in pixels.

    Returns:
        (N, 1, H, W) weights in [0, 1], peaking (1.0) at the visible joints.
    """
    h, w = int(size_hw[0]), int(size_hw[1])
    use = finite_visible(keypoints, visible)
    kp = torch.where(use[..., None], keypoints.float(), torch.zeros_like(keypoints.float()))
    ys = torch.arange(h, device=kp.device, dtype=kp.dtype).view(1, 1, h, 1)
    xs = torch.arange(w, device=kp.device, dtype=kp.dtype).view(1, 1, 1, w)
    dx2 = (xs - kp[..., 0, None, None]) ** 2  # (N, K, 1, W)
    dy2 = (ys - kp[..., 1, None, None]) ** 2  # (N, K, H, 1)
    g = torch.exp(-(dx2 + dy2) / (2.0 * sigma ** 2))  # (N, K, H, W)
    g = g * use.to(g)[..., None, None]
    if g.shape[1] == 0:
        return g.new_zeros(g.shape[0], 1, h, w)
    return g.amax(dim=1, keepdim=True)


@contextmanager
def frozen_bn_stats(module: nn.Module) -> Iterator[None]:
    """Keep BatchNorm running statistics unchanged during a forward pass.

    Used for the HR-side forward of the pose-feature loss: it must not pull the
    running statistics towards HR images, which the model never sees at test.
    """
    saved = []
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats:
            saved.append((m, m.momentum, None if m.num_batches_tracked is None
                          else m.num_batches_tracked.clone()))
            m.momentum = 0.0
    try:
        yield
    finally:
        for m, momentum, nbt in saved:
            m.momentum = momentum
            if nbt is not None:
                m.num_batches_tracked.copy_(nbt)


@contextmanager
def no_param_grad(*modules: Optional[nn.Module]) -> Iterator[None]:
    """Run a forward pass whose loss does not update ``modules``' parameters.

    Gradients still flow through the modules to their *inputs*. Used for the
    pose-feature loss: it must shape the SR output, not teach the pose backbone
    to map SR and HR images to the same (possibly collapsed) features.
    """
    params = [p for m in modules if m is not None for p in m.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)


def forward_padded(backbone: nn.Module, x: Tensor, size_divisor: int = 1):
    """``backbone(x)`` with ``x`` padded (bottom/right, replicate) to a multiple of
    ``size_divisor``, every output cropped back to ``ceil(size / stride)``.

    Multi-branch backbones such as HRNet need sizes divisible by 32, which LR
    inputs (64x48, 32x24) are not; padding bottom/right keeps pixel coordinates.
    """
    h, w = x.shape[-2:]
    ph, pw = (-h) % size_divisor, (-w) % size_divisor
    if not (ph or pw):
        return backbone(x)
    outs = backbone(torch.nn.functional.pad(x, (0, pw, 0, ph), mode='replicate'))
    single = isinstance(outs, Tensor)
    hp, wp = h + ph, w + pw
    cropped = tuple(o[..., :-(-h * o.shape[-2] // hp), :-(-w * o.shape[-1] // wp)]
                    for o in ((outs, ) if single else outs))
    return cropped[0] if single else cropped


@contextmanager
def capture_outputs(module: nn.Module, names: Optional[Sequence[str]]
                    ) -> Iterator[Dict[str, List[Tensor]]]:
    """Record the tensor outputs of ``module``'s named submodules during a forward pass."""
    store: Dict[str, List[Tensor]] = {}
    modules = dict(module.named_modules())
    handles = []
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


@contextmanager
def head_outputs_as_features(head: nn.Module) -> Iterator[None]:
    """Let ``head.predict`` take precomputed head outputs (its ``forward``
    becomes the identity), so flip test and decoding stay MMPose's own."""
    head.forward = lambda feats: feats
    try:
        yield
    finally:
        del head.forward
