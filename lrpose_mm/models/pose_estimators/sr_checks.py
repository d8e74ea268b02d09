"""Build-time and run-time checks of the coordinate contract of an SR pose model."""
from typing import Iterable, Optional, Tuple

import torch.nn as nn
from mmpose.utils.typing import SampleList
from torch import Tensor


def codec_input_size(model: nn.Module) -> Optional[Tuple[int, int]]:
    """(w, h) of the model head's codec input (the SR-output size), or None."""
    head = getattr(model, 'head', None)
    size = getattr(getattr(head, 'decoder', None), 'input_size', None)
    return (int(size[0]), int(size[1])) if size is not None else None


def check_sr_config(model: nn.Module, scale, codec_size: Optional[Tuple[int, int]],
                    feat_layers: Optional[Iterable[str]] = None) -> None:
    """At build time: an int SR scale that divides the codec input size, and
    feature-loss layers that exist inside the backbone or neck."""
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f'sr_neck.scale must be an int >= 1 (the SR factor), got {scale!r}')
    if codec_size is not None and (codec_size[0] % scale or codec_size[1] % scale):
        raise ValueError(f'head.decoder.input_size {tuple(codec_size)} (the SR-output size) is '
                         f'not divisible by sr_neck.scale={scale}')
    names = dict(model.named_modules()) if feat_layers else {}
    for n in feat_layers or ():
        if n not in names or n.split('.')[0] not in ('backbone', 'neck'):
            raise ValueError(f'sr_loss.feat_layers: {n!r} is not a module inside the '
                             'backbone or neck (e.g. "backbone.layer1")')


def check_sr_sizes(inputs: Tensor, sr: Tensor, data_samples: Optional[SampleList],
                   codec_size: Optional[Tuple[int, int]], padded: bool = False) -> None:
    """At run time: the SR output is an integer multiple of the input, equals
    the codec input size, and the metainfo ``input_size``/``sr_scale`` match
    the tensors (skipped for the sizes when the data preprocessor pads)."""
    (h, w), (sh, sw) = inputs.shape[-2:], sr.shape[-2:]
    if sh % h or sw % w or sh // h != sw // w:
        raise ValueError(f'sr_neck output {sw}x{sh} is not an integer multiple of the input '
                         f'{w}x{h}')
    factor = sw // w
    if codec_size is not None and not padded and codec_size != (sw, sh):
        raise ValueError(
            f'the SR output is {sw}x{sh} (input {w}x{h} x sr_neck.scale={factor}) but '
            f'head.decoder.input_size is {codec_size[0]}x{codec_size[1]}: feed inputs of '
            f'head.decoder.input_size / sr_neck.scale (TopdownAffine.input_size, '
            f'LowResDegrade.scale)')
    if not data_samples:
        return
    meta = data_samples[0].metainfo  # all samples of a batch share these sizes
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
