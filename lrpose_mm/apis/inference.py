"""Batched top-down pose inference over many images (video frames).

MMPose's :func:`mmpose.apis.inference_topdown` runs one forward pass per image
(all boxes of that image together). For video that means one small forward pass
per frame. :func:`inference_topdown_batched` instead runs the model's own test
pipeline on every (image, box) pair and feeds ``batch_size`` crops, taken from
as many frames as needed, to one ``model.test_step`` call. Everything else is
MMPose's generic machinery (``cfg.test_dataloader.dataset.pipeline`` with
``LoadImage`` on ndarray input, ``pseudo_collate``, ``model.test_step``), so it
serves any top-down estimator, including ``SRTopdownPoseEstimator``.

:func:`inference_topdown_per_frame` is the per-frame reference loop, and
:func:`compare_batched_vs_per_frame` times both on the same crops in one run.
"""
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from ..analysis.timing import interleaved_times

ImageLike = Union[np.ndarray, str]

__all__ = [
    'build_test_pipeline', 'iter_topdown_batched', 'inference_topdown_batched',
    'inference_topdown_per_frame', 'samples_to_arrays',
    'compare_batched_vs_per_frame', 'predict_with_sr'
]


def build_test_pipeline(model: torch.nn.Module,
                        pipeline: Optional[Sequence[dict]] = None):
    """The model's test pipeline (``cfg.test_dataloader.dataset.pipeline``).

    ``pipeline`` overrides it (a list of transform configs), e.g. to drop a
    simulated degradation step when the input is already low resolution.
    """
    from mmengine.dataset import Compose
    from mmengine.registry import init_default_scope
    cfg = getattr(model, 'cfg', None)
    if cfg is None:
        raise ValueError('the model has no `cfg`: build it with '
                         'mmpose.apis.init_model(config, checkpoint)')
    scope = cfg.get('default_scope', 'mmpose')
    if scope is not None:
        init_default_scope(scope)
    if pipeline is None:
        try:
            pipeline = cfg.test_dataloader.dataset.pipeline
        except AttributeError as e:
            raise ValueError('the pose config has no '
                             '`test_dataloader.dataset.pipeline`') from e
    return Compose(pipeline)


def _as_xyxy(bboxes: Any, bbox_format: str) -> np.ndarray:
    b = np.asarray(bboxes, dtype=np.float32).reshape(-1, 4) if len(
        bboxes) else np.zeros((0, 4), np.float32)
    if bbox_format == 'xywh':
        b = b.copy()
        b[:, 2:] += b[:, :2]
    elif bbox_format != 'xyxy':
        raise ValueError(f"bbox_format must be 'xyxy' or 'xywh', "
                         f'got {bbox_format!r}')
    return b


def _full_image_box(img: ImageLike) -> np.ndarray:
    if isinstance(img, str):
        import cv2
        im = cv2.imread(img)
        if im is None:
            raise IOError(f'cannot read image {img!r}')
        h, w = im.shape[:2]
    else:
        h, w = img.shape[:2]
    return np.array([[0, 0, w, h]], dtype=np.float32)


def _group_key(packed: dict) -> Tuple[str, int, Tuple[int, ...]]:
    """Samples that may share a forward pass: same path, SR factor and input size."""
    ds = packed.get('data_samples')
    meta = ds.metainfo if ds is not None else {}
    return (meta.get('sr_path', 'sr'), int(meta.get('sr_scale') or 0),
            tuple(packed['inputs'].shape))


@torch.no_grad()
def iter_topdown_batched(model: torch.nn.Module,
                         items: Iterable[Tuple[ImageLike, np.ndarray]],
                         batch_size: int = 64,
                         pipeline=None) -> Iterator[Any]:
    """Stream pose results for ``(image, bbox_xyxy)`` pairs, in input order.

    ``items`` may be a generator (frames are decoded lazily). One
    ``PoseDataSample`` is yielded per item; up to ``batch_size`` crops go
    through each ``model.test_step`` call. Crops are grouped by their path
    (metainfo ``sr_path``/``sr_scale`` of resolution-adaptive inference,
    ``AdaptiveTopdownAffine``) and input size, so a batch never mixes SR
    factors or the SR and the direct path; results still come out in input
    order.
    """
    from mmengine.dataset import pseudo_collate
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}')
    if pipeline is None or isinstance(pipeline, (list, tuple)):
        pipeline = build_test_pipeline(model, pipeline)
    meta = getattr(model, 'dataset_meta', None) or {}
    groups: Dict[Tuple, List[Tuple[int, dict]]] = {}
    done: Dict[int, Any] = {}
    state = dict(stack=True, next=0)

    def _run(batch: List[Tuple[int, dict]]) -> None:
        data = pseudo_collate([p for _, p in batch])
        inputs = data['inputs']
        out = None
        if state['stack']:
            # One (B,3,H,W) tensor instead of B small ones: the data
            # preprocessor then normalises the batch in a few ops instead of
            # a few ops per crop (elementwise the same result).
            try:
                out = model.test_step(dict(data, inputs=torch.stack(inputs)))
            except (TypeError, AssertionError, AttributeError):
                state['stack'] = False  # a preprocessor that wants a list
        if out is None:
            out = model.test_step(data)
        done.update((i, r) for (i, _), r in zip(batch, out))

    def _ready() -> Iterator[Any]:
        while state['next'] in done:
            yield done.pop(state['next'])
            state['next'] += 1

    for idx, (img, bbox) in enumerate(items):
        info = dict(img_path=img) if isinstance(img, str) else dict(img=img)
        info['bbox'] = np.asarray(bbox, dtype=np.float32).reshape(1, 4)
        info['bbox_score'] = np.ones(1, dtype=np.float32)
        info.update(meta)
        packed = pipeline(info)
        group = groups.setdefault(_group_key(packed), [])
        group.append((idx, packed))
        if len(group) >= batch_size:
            _run(group)
            group.clear()
            if len(done) >= 4 * batch_size:  # bound memory: run the group holding the oldest
                for g in groups.values():
                    if g and g[0][0] == state['next']:
                        _run(g)
                        g.clear()
            yield from _ready()
    for group in groups.values():
        if group:
            _run(group)
    yield from _ready()


def inference_topdown_batched(model: torch.nn.Module,
                              imgs: Sequence[ImageLike],
                              bboxes_per_img: Optional[Sequence[Any]] = None,
                              batch_size: int = 64,
                              bbox_format: str = 'xyxy',
                              pipeline=None) -> List[List[Any]]:
    """Top-down pose for many images with many crops per forward pass.

    Args:
        model: a top-down pose estimator from ``mmpose.apis.init_model``.
        imgs: images (BGR ndarrays, like cv2 gives) or image paths.
        bboxes_per_img: per image, an array-like (N_i, 4) of boxes. ``None``
            uses the full image for every image; an empty array gives no
            result for that image (unlike ``inference_topdown``, which then
            falls back to the full image).
        batch_size: crops per ``model.test_step`` call.
        bbox_format: ``'xyxy'`` or ``'xywh'``.
        pipeline: optional override of the model's test pipeline.

    Returns:
        per image, a list of ``PoseDataSample`` (one per box, in box order),
        the same objects ``inference_topdown`` returns.
    """
    if bboxes_per_img is None:
        boxes = [_full_image_box(im) for im in imgs]
    else:
        if len(bboxes_per_img) != len(imgs):
            raise ValueError(f'{len(imgs)} images but {len(bboxes_per_img)} '
                             'box lists')
        boxes = [_as_xyxy(b, bbox_format) for b in bboxes_per_img]
    items = ((im, b) for im, bs in zip(imgs, boxes) for b in bs)
    flat = list(iter_topdown_batched(model, items, batch_size, pipeline))
    out, k = [], 0
    for bs in boxes:
        out.append(flat[k:k + len(bs)])
        k += len(bs)
    return out


def inference_topdown_per_frame(model: torch.nn.Module,
                                imgs: Sequence[ImageLike],
                                bboxes_per_img: Optional[Sequence[Any]] = None,
                                bbox_format: str = 'xyxy') -> List[List[Any]]:
    """Reference loop: one ``mmpose.apis.inference_topdown`` call per image."""
    from mmpose.apis import inference_topdown
    out = []
    for i, img in enumerate(imgs):
        if bboxes_per_img is None:
            out.append(inference_topdown(model, img, None, 'xyxy'))
            continue
        b = _as_xyxy(bboxes_per_img[i], bbox_format)
        out.append(inference_topdown(model, img, b, 'xyxy') if len(b) else [])
    return out


def samples_to_arrays(samples: Sequence[Any],
                      num_keypoints: Optional[int] = None
                      ) -> Tuple[np.ndarray, np.ndarray]:
    """``PoseDataSample`` list (one instance each) -> (N,K,2), (N,K) float32."""
    if not samples:
        k = num_keypoints or 0
        return np.zeros((0, k, 2), np.float32), np.zeros((0, k), np.float32)
    kpts, scores = [], []
    for s in samples:
        pi = s.pred_instances
        kp = np.asarray(pi.keypoints, dtype=np.float32)
        sc = np.asarray(pi.keypoint_scores, dtype=np.float32)
        kpts.append(kp.reshape(-1, kp.shape[-2], 2)[0])
        scores.append(sc.reshape(-1, sc.shape[-1])[0])
    return np.stack(kpts), np.stack(scores)


def _flat_arrays(nested: List[List[Any]]) -> Tuple[np.ndarray, np.ndarray]:
    return samples_to_arrays([s for per_img in nested for s in per_img])


def compare_batched_vs_per_frame(model: torch.nn.Module,
                                 imgs: Sequence[ImageLike],
                                 bboxes_per_img: Optional[Sequence[Any]] = None,
                                 batch_size: int = 64,
                                 repeats: int = 1,
                                 warmup: bool = True) -> Dict[str, Any]:
    """Time batched vs per-frame inference on the same crops in one run.

    Both paths run the same model, pipeline and test-time settings on exactly
    the same (image, box) pairs. Each is timed ``repeats`` times (interleaved)
    and the best time is kept. Returns a dict with ``speedup``
    (per-frame time / batched time), the
    throughputs in crops/s, and ``max_abs_keypoint_diff`` between the two
    outputs (they should agree to numerical noise).
    """
    n_crops = (len(imgs) if bboxes_per_img is None else
               sum(len(_as_xyxy(b, 'xyxy')) for b in bboxes_per_img))
    if n_crops == 0:
        raise ValueError('no crops to time')
    if warmup:
        k = min(len(imgs), 2)
        sub = None if bboxes_per_img is None else bboxes_per_img[:k]
        inference_topdown_per_frame(model, imgs[:k], sub)
        inference_topdown_batched(model, imgs[:k], sub, batch_size)
    res: Dict[str, Any] = {}
    times = interleaved_times(dict(
        per_frame=lambda: res.update(per_frame=inference_topdown_per_frame(
            model, imgs, bboxes_per_img)),
        batched=lambda: res.update(batched=inference_topdown_batched(
            model, imgs, bboxes_per_img, batch_size))), rounds=max(1, repeats), warmup=0)
    res_b, res_f = res['batched'], res['per_frame']
    kb, _ = _flat_arrays(res_b)
    kf, _ = _flat_arrays(res_f)
    diff = float(np.abs(kb - kf).max()) if kb.size else 0.0
    tb, tf = min(times['batched']), min(times['per_frame'])
    return dict(
        n_images=len(imgs),
        n_crops=int(n_crops),
        batch_size=int(batch_size),
        batched_s=tb,
        per_frame_s=tf,
        batched_crops_per_s=n_crops / tb,
        per_frame_crops_per_s=n_crops / tf,
        speedup=tf / tb,
        max_abs_keypoint_diff=diff,
        torch_threads=torch.get_num_threads())


@torch.no_grad()
def predict_with_sr(model: torch.nn.Module, packed: dict) -> Tuple[np.ndarray, Any]:
    """Predict one packed test sample (an item of the model's test dataset) and keep the
    SR crop: ``(SR image as H x W x C uint8, in the input's channel order, data sample)``.

    Sets ``test_cfg['output_sr']`` for the call only.
    """
    from mmengine.dataset import pseudo_collate
    before = model.test_cfg.get('output_sr')
    model.test_cfg['output_sr'] = True
    try:
        pred = model.test_step(pseudo_collate([packed]))[0]
    finally:
        if before is None:
            model.test_cfg.pop('output_sr')
        else:
            model.test_cfg['output_sr'] = before
    sr = pred.pred_sr_img.detach().cpu().float().numpy().transpose(1, 2, 0)
    return np.clip(sr, 0, 255).astype(np.uint8), pred
