"""Evaluation images with people of many sizes, made by rescaling procedural images exactly.

The library's generator renders people 40-100% of the image height. Mixed sizes (about
20 to 300 pixels tall) come from rendering large images once (``generate_coco_people``,
its own split name, so no image is shared with train/tune/val) and shrinking each whole
image by its own factor with ``cv2.INTER_AREA`` (anti-aliased, like a camera farther
away). Shrinking the whole image keeps the annotations exact: every coordinate (keypoints,
the box corner) maps by the pixel-centre rule ``x' = (x + 0.5) * s - 0.5`` (the rule
``cv2.resize`` samples by), box sizes and areas scale with ``s`` and ``s**2``. Images are
written as PNG (no second JPEG loss). The same writer makes the real low-resolution copy of
val (every image x1/4).
"""
import hashlib
import json
import os
import zlib
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np

from lrpose_mm.datasets.synthetic import generate_coco_people
from lrpose_mm.fileio import atomic_json_dump, atomic_path

RESCALE_VERSION = 'rescale-2'  # 2: box corner by the pixel-centre rule


def size_factors(num_images: int, scale_range: Tuple[float, float], seed: int,
                 split: str = 'sizes') -> np.ndarray:
    """One shrink factor per image, log-uniform over ``scale_range`` and stratified (image
    ``i`` draws inside the i-th of ``num_images`` equal log-intervals), so every size
    bucket gets people whatever the number of images; ``split`` salts the draw."""
    lo, hi = (float(v) for v in scale_range)
    if not 0 < lo <= hi <= 1:
        raise ValueError(f'scale_range must satisfy 0 < lo <= hi <= 1, got {scale_range!r}')
    rng = np.random.default_rng([int(seed), zlib.crc32(split.encode())])
    u = (np.arange(num_images) + rng.uniform(size=num_images)) / max(num_images, 1)
    return np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))


def _scale_ann(ann: dict, sx: float, sy: float) -> dict:
    a = dict(ann)
    kp = np.asarray(ann['keypoints'], np.float64).reshape(-1, 3)
    lab = kp[:, 2] > 0
    kp[lab, 0] = (kp[lab, 0] + 0.5) * sx - 0.5
    kp[lab, 1] = (kp[lab, 1] + 0.5) * sy - 0.5
    a['keypoints'] = [round(float(v), 3) if i % 3 != 2 else int(v)
                      for i, v in enumerate(kp.reshape(-1))]
    x, y, w, h = (float(v) for v in ann['bbox'])
    # the box corner by the same rule as the keypoints: the crop window (box centre) maps
    # exactly like the person, so a crop of the shrunk image sees the same window
    a['bbox'] = [(x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5, w * sx, h * sy]
    a['area'] = float(ann['area']) * sx * sy
    if 'height_px' in a:
        a['height_px'] = float(a['height_px']) * sy
    return a


def rescale_split(src_ann: str, src_img_dir: str, dst_root: str, dst_split: str,
                  factors: Dict[int, float]) -> Dict:
    """Write ``dst_root/{annotations/person_keypoints_<dst_split>.json, <dst_split>/*.png}``:
    every source image shrunk by ``factors[image_id]`` with its annotations mapped exactly.

    Image ids are kept (so per-image statistics pair with the source split). Reused when
    the JSON's ``info.cache_key`` (source key + factors) matches and every image exists;
    files are written atomically, the JSON last. Returns ``cache_key``, ``num_images``,
    ``num_people`` and ``ann_file``.
    """
    src = json.loads(Path(src_ann).read_text())
    missing = [im['id'] for im in src['images'] if im['id'] not in factors]
    if missing:
        raise ValueError(f'rescale_split: no factor for image ids {missing[:5]}')
    bad = {k: v for k, v in factors.items() if not (np.isfinite(v) and 0 < v <= 1)}
    if bad:
        raise ValueError(f'rescale_split: factors must be in (0, 1], got {list(bad.items())[:3]}')
    key_text = json.dumps(dict(version=RESCALE_VERSION, source=src['info'].get('cache_key'),
                               factors={str(k): round(float(factors[k]), 6)
                                        for k in sorted(factors)}), sort_keys=True)
    key = hashlib.sha256(key_text.encode()).hexdigest()[:20]
    ann_file = os.path.join(dst_root, 'annotations', f'person_keypoints_{dst_split}.json')
    img_dir = os.path.join(dst_root, dst_split)
    out = dict(ann_file=ann_file, cache_key=key, num_images=len(src['images']),
               num_people=len(src['annotations']))
    if os.path.isfile(ann_file):
        old = json.loads(Path(ann_file).read_text())
        if old['info'].get('cache_key') == key and all(
                os.path.isfile(os.path.join(img_dir, im['file_name'])) for im in old['images']):
            return dict(out, cached=True)
    os.makedirs(img_dir, exist_ok=True)
    scales, images = {}, []
    for im in src['images']:
        img = cv2.imread(os.path.join(src_img_dir, im['file_name']), cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f'rescale_split: cannot read image {im["file_name"]} in '
                             f'{src_img_dir}')
        H, W = img.shape[:2]
        s = float(factors[im['id']])
        w2, h2 = max(1, int(round(W * s))), max(1, int(round(H * s)))
        scales[im['id']] = (w2 / W, h2 / H)
        small = cv2.resize(img, (w2, h2), interpolation=cv2.INTER_AREA)
        name = Path(im['file_name']).stem + '.png'
        with atomic_path(os.path.join(img_dir, name)) as tmp:
            if not cv2.imwrite(tmp, small):
                raise OSError(f'rescale_split: cannot write {name} into {img_dir}')
        images.append(dict(im, file_name=name, width=w2, height=h2, scale=scales[im['id']]))
    anns = [_scale_ann(a, *scales[a['image_id']]) for a in src['annotations']]
    info = dict(src['info'], cache_key=key, rescaled_from=src['info'].get('cache_key'),
                rescale=RESCALE_VERSION)
    atomic_json_dump(dict(src, info=info, images=images, annotations=anns), ann_file)
    return dict(out, cached=False)


def make_sizes_split(root: str, num_images: int, seed: int,
                     img_size: Tuple[int, int] = (240, 320),
                     scale_range: Tuple[float, float] = (0.15, 0.95),
                     split: str = 'sizes', workers: int = 1) -> Dict:
    """Render ``num_images`` large images (split ``split``, never shared with train/val)
    under ``root/source`` and shrink each by :func:`size_factors` into ``root/<split>``.
    With the default ``img_size`` people are 128-320 px tall before shrinking, so about
    19-300 px after it."""
    src = generate_coco_people(os.path.join(root, 'source'), num_images, seed=seed,
                               img_size=img_size, split_name=split, workers=workers,
                               progress=False, overwrite=True)
    ids = [im['id'] for im in json.loads(Path(src['ann_file']).read_text())['images']]
    f = size_factors(len(ids), scale_range, seed, split)
    return rescale_split(src['ann_file'], src['img_dir'], root, split,
                         {i: float(v) for i, v in zip(ids, f)})


def make_lowres_copy(src_root: str, src_split: str, root: str, factor: int = 4,
                     dst_split: Optional[str] = None) -> Dict:
    """The real low-resolution copy of a split: every whole image shrunk ``factor`` x."""
    ann = os.path.join(src_root, 'annotations', f'person_keypoints_{src_split}.json')
    ids = [im['id'] for im in json.loads(Path(ann).read_text())['images']]
    return rescale_split(ann, os.path.join(src_root, src_split), root,
                         dst_split or f'{src_split}-lr{factor}', {i: 1.0 / factor for i in ids})


def split_cache_keys(data_root: str, splits: Sequence[str] = ('train', 'val', 'tune')) -> Dict:
    """``{split: info.cache_key}`` of a generated data root (the pose job's data key)."""
    out = {}
    for s in splits:
        p = Path(data_root) / 'annotations' / f'person_keypoints_{s}.json'
        if p.is_file():
            out[s] = json.loads(p.read_text())['info']['cache_key']
    return out
