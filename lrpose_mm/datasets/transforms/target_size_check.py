"""Check, when a pipeline is built, that every codec encodes an image of its own size."""
from typing import Optional, Sequence, Tuple

from .low_res_degrade import LowResDegrade


def _encoders(transform) -> list:
    enc = getattr(transform, 'encoder', None)
    return list(enc) if isinstance(enc, (list, tuple)) else [enc]


def check_target_sizes(transforms: Sequence) -> None:
    """Raise ValueError when a ``GenerateTarget`` codec does not fit the image it encodes.

    Follows the crop size through the pipeline: ``TopdownAffine`` sets it to
    its ``input_size``, ``LowResDegrade`` divides it by its (model) scale.
    ``GenerateTarget`` encodes the keypoints of that crop, so its codec's
    ``input_size`` must equal it: an HR codec placed after ``LowResDegrade``
    would encode LR keypoints into HR targets and train on them silently.
    A heatmap codec's ``heatmap_size`` must also be its ``input_size`` divided
    by one stride in both axes, else the head's output and the target differ
    in size deep inside the loss. Transforms it does not know leave the size
    unchanged; a multi-scale ``LowResDegrade`` without ``model_scale`` makes
    the size unknown, and nothing after it is checked.
    """
    from mmpose.datasets.transforms import GenerateTarget, TopdownAffine
    size: Optional[Tuple[int, int]] = None
    source = ''
    for t in transforms:
        if isinstance(t, TopdownAffine):
            size = tuple(int(v) for v in t.input_size)
            source = f'TopdownAffine.input_size={size}'
        elif isinstance(t, LowResDegrade) and size is not None:
            ms = t.model_scale or (t.scales[0] if len(t.scales) == 1 else None)
            size = None if ms is None else (size[0] // ms, size[1] // ms)
            source += f' then LowResDegrade (scale {ms}) -> {size}'
        elif isinstance(t, GenerateTarget):
            for enc in _encoders(t):
                _check_codec(enc, size, source)


def _check_codec(enc, size: Optional[Tuple[int, int]], source: str) -> None:
    name = type(enc).__name__
    in_size = _pair(getattr(enc, 'input_size', None))
    if in_size is None:
        return
    if size is not None and in_size != size:
        raise ValueError(
            f'GenerateTarget: codec {name}.input_size={in_size} does not match the crop it '
            f'encodes, {size} (w, h) ({source}). Encode at the size of the image in front of '
            'it: SR variants put GenerateTarget with the HR codec before LowResDegrade, '
            'LR-direct puts a codec at the LR size after it')
    hm = _pair(getattr(enc, 'heatmap_size', None))
    if hm is not None:
        hw, hh = hm
        if hw <= 0 or hh <= 0 or in_size[0] * hh != in_size[1] * hw:
            raise ValueError(
                f'GenerateTarget: codec {name}.heatmap_size={(hw, hh)} is not its '
                f'input_size={in_size} divided by one stride in both axes; the head output '
                'and the target would differ in size inside the loss')


def _pair(value) -> Optional[Tuple[int, int]]:
    """``(w, h)`` of a size given as two numbers; None for anything else (3D, multi-level)."""
    try:
        w, h = value
        return int(w), int(h)
    except (TypeError, ValueError):
        return None
