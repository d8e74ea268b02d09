"""Procedural people scenes and the COCO-format keypoint dataset writer.

One image = a cluttered background, 1..N people (random proportions, pose,
clothes, facing, 40-100% of the image height, some truncated at the border,
some overlapping) and optional occluding objects, composed far to near.
Visibility follows COCO: ``v=2`` visible, ``v=1`` inside the image but
hidden (by the person's own body, another person or an object drawn in
front), ``v=0`` outside the image (then ``x=y=0``).

Image ``i`` of a split is generated from ``SeedSequence([seed, crc32(split),
i])`` only, so the data do not depend on the number of workers or on the
chunking, and ``train``/``val`` never share an image.
"""
import fcntl
import hashlib
import json
import math
import os
import shutil
import tempfile
import time
import zlib
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .body_model import (
    _POSE_P,
    POSE_KINDS,
    coco_person_category,
    pose_to_keypoints,
    sample_body,
    sample_pose,
)
from .render import (
    list_background_images,
    noise,
    render_background,
    render_person,
    sample_appearance,
    texture,
)

#: bump whenever the generated pixels or annotations change
GENERATOR_VERSION = 'people-1.1'  # 1.1: left and right look alike


# --------------------------------------------------------------------------
# occluding objects
# --------------------------------------------------------------------------
def _draw_occluder(rng, canvas, target_box, kind=None) -> Tuple[np.ndarray, float]:
    """Draw an object near ``target_box`` = (x0, y0, x1, y1); return its
    mask and its ground line (for depth ordering)."""
    import cv2
    H, W = canvas.shape[:2]
    x0, y0, x1, y1 = target_box
    ew, eh = max(x1 - x0, 4), max(y1 - y0, 4)
    cx = (x0 + x1) / 2 + rng.uniform(-0.6, 0.6) * ew
    kind = kind or ('box', 'pole', 'ball', 'bush', 'bar', 'sign')[int(rng.integers(6))]
    m = np.zeros((H, W), np.uint8)
    ground = y1 + rng.uniform(1, 0.15 * eh)
    if kind == 'box':
        bw, bh = rng.uniform(0.4, 1.0) * ew, rng.uniform(0.2, 0.5) * eh
        bot = ground
        cv2.rectangle(m, (int(cx - bw / 2), int(bot - bh)), (int(cx + bw / 2), int(bot)), 1, -1)
    elif kind == 'pole':
        pw = rng.uniform(3, max(4, 0.25 * ew))
        top = rng.uniform(-0.2 * H, y0 + 0.3 * eh)
        cv2.rectangle(m, (int(cx - pw / 2), int(top)), (int(cx + pw / 2), int(ground)), 1, -1)
    elif kind == 'ball':
        r = rng.uniform(0.08, 0.2) * eh
        cy = rng.uniform(y0 + 0.3 * eh, y1)
        cv2.circle(m, (int(cx), int(cy)), int(max(r, 3)), 1, -1, cv2.LINE_8)
        ground = max(ground, cy + r)
    elif kind == 'bush':
        r = rng.uniform(0.15, 0.35) * eh
        for _ in range(int(rng.integers(3, 7))):
            cv2.circle(m, (int(cx + rng.uniform(-1, 1) * r), int(ground - rng.uniform(0, 1.2) * r)),
                       int(max(3, r * rng.uniform(0.4, 0.8))), 1, -1)
    elif kind == 'bar':       # table / fence / railing
        bw = rng.uniform(1.0, 2.5) * ew
        top = y0 + rng.uniform(0.35, 0.7) * eh
        th = rng.uniform(0.04, 0.12) * eh
        cv2.rectangle(m, (int(cx - bw / 2), int(top)), (int(cx + bw / 2), int(top + th)), 1, -1)
        lw = max(2, int(0.04 * ew))
        for lx in (cx - bw / 2 + lw, cx + bw / 2 - 2 * lw):
            cv2.rectangle(m, (int(lx), int(top)), (int(lx + lw), int(ground)), 1, -1)
    else:                     # sign on a post
        sw, sh = rng.uniform(0.3, 0.7) * ew, rng.uniform(0.15, 0.3) * eh
        top = y0 + rng.uniform(0.0, 0.5) * eh
        cv2.rectangle(m, (int(cx - sw / 2), int(top)), (int(cx + sw / 2), int(top + sh)), 1, -1)
        pw = max(2, int(0.05 * ew))
        cv2.rectangle(m, (int(cx - pw / 2), int(top + sh)), (int(cx + pw / 2), int(ground)), 1, -1)
    ys, xs = np.nonzero(m)
    if len(xs) == 0:
        return m.astype(bool), ground
    a, b, c, d = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    tex = texture(rng, d - c, b - a, ('gradient', 'noise', 'wood', 'stripes', 'checker',
                                      'blotch')[int(rng.integers(6))])
    if kind == 'bush':
        g = np.array([rng.uniform(20, 70), rng.uniform(90, 170), rng.uniform(20, 80)], np.float32)
        tex = g * (0.6 + 0.6 * noise(rng, d - c, b - a, 6, 3))[..., None]
    # simple shading: darker towards the bottom-right
    yy = np.linspace(1.1, 0.8, d - c, dtype=np.float32)[:, None, None]
    tex = tex * yy
    sub = m[c:d, a:b].astype(bool)
    region = canvas[c:d, a:b]
    region[sub] = np.clip(tex[sub], 0, 255).astype(np.uint8)
    return m.astype(bool), float(ground)


# --------------------------------------------------------------------------
# one scene
# --------------------------------------------------------------------------
def image_rng(seed: int, index: int, split_name: str = 'train') -> np.random.Generator:
    """The generator of image ``index`` of a split (see module docstring)."""
    salt = zlib.crc32(split_name.encode('utf-8'))
    return np.random.default_rng(np.random.SeedSequence([int(seed), salt, int(index)]))


def render_scene(rng: np.random.Generator, img_size: Tuple[int, int] = (256, 192),
                 people_per_image: Tuple[int, int] = (1, 4),
                 backgrounds_dir: Optional[str] = None,
                 height_range: Tuple[float, float] = (0.4, 1.0),
                 occluder_prob: float = 0.5) -> Tuple[np.ndarray, List[dict]]:
    """Compose one image. Returns ``(img BGR uint8, people)`` where each
    person is a dict with ``keypoints`` ((17, 3) x, y, v), ``bbox`` (xywh),
    ``area`` (visible pixels), ``num_keypoints``, ``pose_kind``, ``yaw``,
    ``height_px``. People with nothing visible are left out."""
    W, H = int(img_size[0]), int(img_size[1])
    canvas = render_background(rng, H, W, backgrounds_dir)
    lo, hi = people_per_image
    n = int(rng.integers(lo, hi + 1))
    ents = []   # (ground, seq, kind, payload)
    boxes = []
    for i in range(n):
        body = sample_body(rng)
        app = sample_appearance(rng)
        kind = POSE_KINDS[int(rng.choice(len(POSE_KINDS), p=_POSE_P / _POSE_P.sum()))]
        ang = sample_pose(rng, kind)
        hp = float(rng.uniform(*height_range)) * H
        kp, dz = pose_to_keypoints(ang, body, (0.0, 0.0), hp, return_depth=True)
        s = hp / body.standing_height
        ex0, ex1 = kp[:, 0].min() - 0.06 * s, kp[:, 0].max() + 0.06 * s
        ey0, ey1 = kp[:, 1].min() - 0.1 * s, kp[:, 1].max() + 0.05 * s
        ew, eh = ex1 - ex0, ey1 - ey0
        if boxes and rng.random() < 0.35:   # overlap someone
            bx = boxes[int(rng.integers(len(boxes)))]
            cx = (bx[0] + bx[2]) / 2 + rng.uniform(-0.7, 0.7) * (bx[2] - bx[0])
        else:
            cx = rng.uniform(-0.3 * ew, W - 0.7 * ew) + ew / 2
        if rng.random() < 0.6 and H - eh > 0:
            top = rng.uniform(0, H - eh)
        else:
            top = rng.uniform(-0.25 * eh, max(-0.25 * eh, H - 0.75 * eh))
        shift = np.array([cx - (ex0 + ex1) / 2, top - ey0])
        kp = kp + shift
        box = (ex0 + shift[0], ey0 + shift[1], ex1 + shift[0], ey1 + shift[1])
        boxes.append(box)
        ents.append((box[3], i, 'person', dict(kp=kp, depth=dz, body=body, app=app,
                                               angles=ang, kind=kind, hp=hp)))
    if boxes and rng.random() < occluder_prob:
        for j in range(int(rng.integers(1, 3))):
            tgt = boxes[int(rng.integers(len(boxes)))]
            ents.append((None, n + j, 'occluder', dict(target=tgt)))
    label = np.full((H, W), -1, np.int16)
    people = []
    # each occluder gets its own generator; its depth (ground line) first
    occ_seeds = {}
    for e in ents:
        if e[2] == 'occluder':
            occ_seeds[e[1]] = int(rng.integers(2 ** 31))
    order = []
    for e in ents:
        if e[2] == 'occluder':
            r2 = np.random.default_rng(occ_seeds[e[1]])
            tb = e[3]['target']
            # in front of the target (mostly) or behind it
            g = tb[3] + (r2.uniform(1, 0.15 * (tb[3] - tb[1])) if r2.random() < 0.8
                         else -r2.uniform(0.05, 0.3) * (tb[3] - tb[1]))
            order.append((g, e[1], e))
        else:
            order.append((e[0], e[1], e))
    order.sort(key=lambda x: (x[0], x[1]))
    for d, (_, _, e) in enumerate(order):
        if e[2] == 'occluder':
            m, _ = _draw_occluder(np.random.default_rng(occ_seeds[e[1]]), canvas, e[3]['target'])
            label[m] = d
        else:
            p = e[3]
            res = render_person(canvas, p['kp'], p['body'], p['app'], facing=p['angles'].yaw,
                                depth=p['depth'], height_px=p['hp'])
            label[res.mask] = d
            people.append((d, p, res))
    anns = []
    for d, p, res in people:             # in drawing order
        kp = p['kp']
        out = np.zeros((17, 3))
        inside = (kp[:, 0] >= 0) & (kp[:, 0] <= W - 1) & (kp[:, 1] >= 0) & (kp[:, 1] <= H - 1)
        for k in np.nonzero(inside)[0]:
            px, py = int(round(kp[k, 0])), int(round(kp[k, 1]))
            vis = res.self_visible[k] and label[py, px] <= d
            out[k] = (kp[k, 0], kp[k, 1], 2 if vis else 1)
        nk = int((out[:, 2] > 0).sum())
        area = int((label == d).sum())
        if nk == 0 or area == 0:
            continue
        xs = [res.bbox[0], res.bbox[2] + 1] if res.bbox else []
        ys = [res.bbox[1], res.bbox[3] + 1] if res.bbox else []
        vk = out[out[:, 2] > 0]
        xs += list(vk[:, 0])
        ys += list(vk[:, 1])
        bx0, by0 = max(0.0, min(xs)), max(0.0, min(ys))
        bx1, by1 = min(float(W), max(xs)), min(float(H), max(ys))
        anns.append(dict(d=d, keypoints=out, bbox=[bx0, by0, bx1 - bx0, by1 - by0],
                         area=float(area), num_keypoints=nk, pose_kind=p['kind'],
                         yaw=float(p['angles'].yaw % 360), height_px=p['hp']))
    for a in anns:
        del a['d']
    # global photometric variation
    if rng.random() < 0.5:
        a = rng.uniform(0.85, 1.15)
        b_ = rng.uniform(-15, 15)
        canvas = np.clip(canvas.astype(np.float32) * a + b_, 0, 255).astype(np.uint8)
    if rng.random() < 0.4:
        noise = rng.normal(0, rng.uniform(1, 4), canvas.shape).astype(np.float32)
        canvas = np.clip(canvas + noise, 0, 255).astype(np.uint8)
    return canvas, anns


# --------------------------------------------------------------------------
# dataset writer
# --------------------------------------------------------------------------
def _ann_json(a, ann_id, image_id):
    kp = a['keypoints'].copy()
    kp[kp[:, 2] == 0, :2] = 0
    flat = []
    for x, y, v in kp:
        flat += [round(float(x), 2), round(float(y), 2), int(v)]
    return dict(id=ann_id, image_id=image_id, category_id=1, iscrowd=0,
                bbox=[round(float(v), 2) for v in a['bbox']], area=a['area'],
                num_keypoints=a['num_keypoints'], keypoints=flat,
                pose_kind=a['pose_kind'], facing_yaw=round(a['yaw'], 1),
                height_px=round(a['height_px'], 1))


def _work(args):
    """Worker: generate, write and annotate a chunk of images."""
    (indices, seed, split, img_size, ppi, bg_dir, img_dir, ext, quality) = args
    import cv2
    cv2.setNumThreads(1)
    out = []
    backgrounds = list_background_images(bg_dir) if bg_dir else None   # listed once a chunk
    for i in indices:
        img, anns = render_scene(image_rng(seed, i, split), img_size, ppi, backgrounds)
        name = f'{i:06d}{ext}'
        params = [cv2.IMWRITE_JPEG_QUALITY, quality] if ext == '.jpg' else \
            [cv2.IMWRITE_PNG_COMPRESSION, 1]
        ok, buf = cv2.imencode(ext, img, params)
        if not ok:
            raise IOError(f'cv2.imencode failed for {name}')
        with open(os.path.join(img_dir, name), 'wb') as f:
            f.write(buf.tobytes())
        out.append((i, name, anns))
    return out


def _bg_signature(backgrounds_dir):
    if backgrounds_dir is None:
        return None
    files = list_background_images(backgrounds_dir)
    h = hashlib.sha1()
    for f in files:
        st = os.stat(f)
        h.update(f'{os.path.relpath(f, backgrounds_dir)}:{st.st_size}:{int(st.st_mtime)}'.encode())
    return f'{len(files)}:{h.hexdigest()[:16]}'


def _is_complete(ann_file, img_dir, key):
    try:
        with open(ann_file) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    if data.get('info', {}).get('cache_key') != key or not os.path.isdir(img_dir):
        return None
    have = set(os.listdir(img_dir))
    if any(im['file_name'] not in have for im in data['images']):
        return None
    return data


PEOPLE_GENERATOR = 'lrpose_mm.datasets.synthetic.people'
_DESCRIPTION = 'lrpose_mm procedural people (COCO-17 keypoints)'


def _check_split_args(num_images, seed, img_size, people_per_image, image_format,
                      split_name, workers, jpeg_quality) -> Tuple[int, int]:
    """Validate the arguments of one split before anything is written."""
    if isinstance(num_images, bool) or not isinstance(num_images, (int, np.integer)) or \
            num_images < 1:
        raise ValueError(f'num_images must be a positive int, got {num_images!r}')
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f'seed must be a non-negative int, got {seed!r}')
    if len(img_size) != 2 or min(img_size) < 32:
        raise ValueError(f'img_size must be (width, height) >= 32, got {img_size!r}')
    lo, hi = (int(v) for v in people_per_image)
    if not 1 <= lo <= hi:
        raise ValueError(f'people_per_image must be (min, max) with 1 <= min <= max, '
                         f'got {people_per_image!r}')
    if image_format not in ('jpg', 'png'):
        raise ValueError(f"image_format must be 'jpg' or 'png', got {image_format!r}")
    if not split_name or os.sep in split_name or split_name.startswith('.'):
        raise ValueError(f'bad split_name {split_name!r}')
    if int(workers) < 1:
        raise ValueError(f'workers must be >= 1, got {workers!r}')
    if not 1 <= int(jpeg_quality) <= 100:
        raise ValueError(f'jpeg_quality must be in 1..100, got {jpeg_quality!r}')
    return lo, hi


def _stats(data):
    anns = data['annotations']
    v = np.array([a['keypoints'][2::3] for a in anns]).reshape(-1, 17) if anns else \
        np.zeros((0, 17))
    return dict(num_images=len(data['images']), num_people=len(anns),
                keypoints_visible=int((v == 2).sum()), keypoints_occluded=int((v == 1).sum()),
                keypoints_outside=int((v == 0).sum()))


def generate_coco_people(out_dir: str, num_images: int, seed: int = 0,
                         img_size: Tuple[int, int] = (256, 192),
                         people_per_image: Tuple[int, int] = (1, 4),
                         split_name: str = 'train', backgrounds_dir: Optional[str] = None,
                         workers: int = 2, progress: bool = True,
                         image_format: str = 'jpg', jpeg_quality: int = 95,
                         force: bool = False, overwrite: bool = False) -> Dict:
    """Write (or reuse) a COCO person-keypoints dataset of procedural people.

    Layout: ``out_dir/annotations/person_keypoints_{split}.json`` and
    ``out_dir/{split}/{index:06d}.jpg`` (so MMPose's ``CocoDataset`` takes
    ``ann_file='annotations/person_keypoints_{split}.json'`` and
    ``data_prefix=dict(img='{split}/')``).

    The dataset is cached: the JSON's ``info.cache_key`` hashes every
    parameter that changes the output plus :data:`GENERATOR_VERSION`; a
    complete dataset with the same key is reused as is. A new one is built in
    a temporary folder inside ``out_dir`` and moved into place at the end
    (the JSON last), so an interrupted run never leaves a partial dataset
    that looks complete.

    The writer never deletes what it did not write: it marks ``out_dir`` as
    its own (:mod:`.ownership`) and refuses a non-empty folder without its
    mark; in its own folder it replaces a split generated with other
    settings only when ``overwrite`` (or ``force``) is set. Leftover
    temporary folders of killed runs (``.tmp-<split>-*``) are removed.

    Args:
        out_dir: dataset root.
        num_images: images in this split.
        seed: dataset seed (>= 0); image ``i`` depends only on
            ``(seed, split_name, i)``.
        img_size: ``(width, height)``.
        people_per_image: inclusive ``(min, max)``.
        split_name: ``'train'``, ``'val'``, ...; also salts the seed.
        backgrounds_dir: optional folder of photos to use as backgrounds.
        workers: processes (results do not depend on it).
        progress: show a tqdm bar.
        image_format: ``'jpg'`` or ``'png'``.
        force: regenerate even when a matching dataset exists (implies
            ``overwrite``).
        overwrite: replace this split when this writer generated it with
            other settings (otherwise that raises FileExistsError).

    Returns:
        dict with ``ann_file``, ``img_dir``, ``data_root``, ``data_prefix``,
        ``cache_key``, ``cached`` (bool), ``seconds``, ``num_images``,
        ``num_people``, ``keypoints_visible/occluded/outside``.
    """
    from .ownership import claim_output_dir
    lo, hi = _check_split_args(num_images, seed, img_size, people_per_image, image_format,
                               split_name, workers, jpeg_quality)
    workers = int(workers)
    img_size = (int(img_size[0]), int(img_size[1]))
    bg_dir = os.path.abspath(backgrounds_dir) if backgrounds_dir else None
    params = dict(version=GENERATOR_VERSION, num_images=int(num_images), seed=int(seed),
                  img_size=list(img_size), people_per_image=[lo, hi], split=split_name,
                  backgrounds=_bg_signature(bg_dir), format=image_format,
                  jpeg_quality=int(jpeg_quality) if image_format == 'jpg' else None)
    key = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:20]
    out_dir = claim_output_dir(out_dir, PEOPLE_GENERATOR)
    ann_dir = os.path.join(out_dir, 'annotations')
    ann_file = os.path.join(ann_dir, f'person_keypoints_{split_name}.json')
    img_dir = os.path.join(out_dir, split_name)
    result = dict(ann_file=ann_file, img_dir=img_dir, data_root=out_dir,
                  data_prefix=split_name + '/', cache_key=key)
    os.makedirs(ann_dir, exist_ok=True)
    t0 = time.time()
    with open(os.path.join(out_dir, f'.{split_name}.lock'), 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # one writer per split at a time
        data = None if force else _is_complete(ann_file, img_dir, key)
        if data is not None:
            return dict(result, cached=True, seconds=time.time() - t0, **_stats(data))
        if os.path.exists(ann_file) and not (force or overwrite):
            raise FileExistsError(
                f'{ann_file} holds procedural people generated with other settings; pass '
                'overwrite=True (--overwrite) to replace this split, or choose another folder')
        for name in os.listdir(out_dir):   # leftovers of killed runs
            if name.startswith(f'.tmp-{split_name}-') or name.startswith(f'.old-{split_name}-'):
                shutil.rmtree(os.path.join(out_dir, name), ignore_errors=True)
        tmp = tempfile.mkdtemp(prefix=f'.tmp-{split_name}-', dir=out_dir)
        try:
            tmp_img = os.path.join(tmp, split_name)
            os.makedirs(tmp_img)
            ext = '.' + image_format
            chunk = max(1, min(16, math.ceil(num_images / (workers * 6))))
            tasks = [(list(range(a, min(a + chunk, num_images))), int(seed), split_name,
                      img_size, (lo, hi), bg_dir, tmp_img, ext, int(jpeg_quality))
                     for a in range(0, num_images, chunk)]
            results = {}
            from tqdm import tqdm
            bar = tqdm(total=num_images, desc=f'synthetic people [{split_name}]',
                       unit='img', disable=not progress)
            try:
                if workers == 1:
                    for t in tasks:
                        for r in _work(t):
                            results[r[0]] = r
                        bar.update(len(t[0]))
                else:
                    import multiprocessing as mp
                    # spawn, not fork: a forked child deadlocks when the parent already
                    # runs OpenCV/OpenMP thread pools (e.g. inside a training process)
                    with mp.get_context('spawn').Pool(workers) as pool:
                        for rs in pool.imap_unordered(_work, tasks):
                            for r in rs:
                                results[r[0]] = r
                            bar.update(len(rs))
            finally:
                bar.close()
            images, annotations = [], []
            W, H = img_size
            for i in range(num_images):
                _, name, anns = results[i]
                images.append(dict(id=i + 1, file_name=name, width=W, height=H))
                for a in anns:
                    annotations.append(_ann_json(a, len(annotations) + 1, i + 1))
            data = dict(
                info=dict(description=_DESCRIPTION,
                          version=GENERATOR_VERSION, cache_key=key, params=params),
                licenses=[], images=images, annotations=annotations,
                categories=[coco_person_category()])
            tmp_json = os.path.join(tmp, 'ann.json')
            with open(tmp_json, 'w') as f:
                json.dump(data, f, separators=(',', ':'))
            # commit: invalidate the old JSON, swap the images, then the JSON
            if os.path.exists(ann_file):
                os.remove(ann_file)
            if os.path.exists(img_dir):
                old = tempfile.mkdtemp(prefix=f'.old-{split_name}-', dir=out_dir)
                os.rename(img_dir, os.path.join(old, 'x'))
                shutil.rmtree(old, ignore_errors=True)
            os.rename(tmp_img, img_dir)
            os.replace(tmp_json, ann_file)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return dict(result, cached=False, seconds=time.time() - t0, **_stats(data))


def generate_people_splits(root: str, num_train: int, num_val: int, seed: int = 0,
                           num_tune: int = 0, **kwargs) -> Dict[str, Dict]:
    """Train, (optional) tune and val splits under one ``root`` (same ``seed``;
    the split name salts each image's seed, so no two splits share an image).
    The tune split is where hyper-parameters are chosen, so val is read only by
    the final evaluation. ``kwargs`` go to :func:`generate_coco_people`. Every
    split's arguments are checked before any is written."""
    counts = [('train', num_train), ('val', num_val)] + ([('tune', num_tune)] if num_tune else [])
    for split, n in counts:
        _check_split_args(n, seed, kwargs.get('img_size', (256, 192)),
                          kwargs.get('people_per_image', (1, 4)),
                          kwargs.get('image_format', 'jpg'), split, kwargs.get('workers', 2),
                          kwargs.get('jpeg_quality', 95))
    return {split: generate_coco_people(root, n, seed=seed, split_name=split, **kwargs)
            for split, n in counts}


# --------------------------------------------------------------------------
# preview
# --------------------------------------------------------------------------
def draw_annotations(img: np.ndarray, anns: Sequence[dict]) -> np.ndarray:
    """Overlay keypoints and boxes on a copy of ``img`` with MMPose's
    visualiser and COCO metainfo (its left/right colours); occluded
    keypoints (``v=1``) are drawn fainter."""
    from lrpose_mm.visualization import draw_skeletons
    if not anns:
        return img.copy()
    kp = np.array([np.asarray(a['keypoints'], float).reshape(17, 3) for a in anns])
    boxes = np.array([[x, y, x + w - 1, y + h - 1] for x, y, w, h in (a['bbox'] for a in anns)])
    return draw_skeletons(img, kp[..., :2], kp[..., 2] / 2, boxes, kpt_thr=0.25)


def make_preview_grid(out_png: str, num: int = 12, seed: int = 0,
                      img_size: Tuple[int, int] = (256, 192), cols: int = 4,
                      annotate: bool = True, backgrounds_dir: Optional[str] = None,
                      people_per_image: Tuple[int, int] = (1, 4)) -> str:
    """Render ``num`` scenes (no dataset written) into a grid PNG; with
    ``annotate`` every image is shown raw and with its annotations."""
    import cv2
    tiles = []
    for i in range(num):
        img, anns = render_scene(image_rng(seed, i, 'preview'), img_size, people_per_image,
                                 backgrounds_dir)
        tiles.append(img)
        if annotate:
            tiles.append(draw_annotations(img, anns))
    cols = cols * (2 if annotate else 1)
    rows = math.ceil(len(tiles) / cols)
    W, H = img_size
    grid = np.full((rows * (H + 2), cols * (W + 2), 3), 255, np.uint8)
    for k, t in enumerate(tiles):
        r, c = divmod(k, cols)
        grid[r * (H + 2):r * (H + 2) + H, c * (W + 2):c * (W + 2) + W] = t
    os.makedirs(os.path.dirname(os.path.abspath(out_png)), exist_ok=True)
    cv2.imwrite(out_png, grid)
    return out_png
