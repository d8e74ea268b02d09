"""Cluttered backgrounds: procedural rooms, outdoor scenes and abstract
textures, or crops of the user's own photos, with shapes and limb-like
distractors on top.

There is no module-level cache: :func:`list_background_images` lists a
folder each time it is called, so a caller that renders many images lists
once and passes the file list to :func:`render_background`.
"""
import os
from typing import List, Optional, Sequence, Union

import numpy as np

from ....fileio import IMAGE_EXTS
from .appearance import SKIN_TONES, hsv_color

#: a folder of photos, or the files :func:`list_background_images` found in it
Backgrounds = Union[str, Sequence[str]]


def list_background_images(backgrounds_dir: str) -> List[str]:
    """Sorted image files (recursive) under ``backgrounds_dir``."""
    if not os.path.isdir(backgrounds_dir):
        raise FileNotFoundError(f'backgrounds_dir {backgrounds_dir!r} is not a directory')
    files = []
    for root, _, names in os.walk(backgrounds_dir):
        files += [os.path.join(root, n) for n in names if n.lower().endswith(IMAGE_EXTS)]
    files.sort()
    if not files:
        raise ValueError(f'backgrounds_dir {backgrounds_dir!r} has no images '
                         f'({", ".join(IMAGE_EXTS)})')
    return files


def noise(rng: np.random.Generator, h: int, w: int, cells: float, octaves: int = 3
          ) -> np.ndarray:
    """Smooth value noise in 0..1, ``(h, w)`` float32: ``octaves`` bicubically
    upsampled random grids, starting at about ``cells`` cells across."""
    import cv2
    out = np.zeros((h, w), np.float32)
    amp, tot = 1.0, 0.0
    for o in range(octaves):
        c = max(2, int(cells * 2 ** o))
        g = rng.random((max(2, int(c * h / max(w, 1)) + 1), c + 1)).astype(np.float32)
        out += amp * cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)
        tot += amp
        amp *= 0.5
    return np.clip(out / tot, 0, 1)


def _col(rng, s=(0, 200), v=(40, 230)):
    return np.asarray(hsv_color(rng, s, v), np.float32)


TEXTURES = ('gradient', 'noise', 'bricks', 'stripes', 'checker', 'wood', 'blotch')


def _texture_mix(rng, kind: str, h: int, w: int, xx, yy) -> np.ndarray:
    """0..1 mix between a texture's two colours."""
    if kind == 'gradient':
        a = rng.uniform(0, 2 * np.pi)
        m = (np.cos(a) * xx + np.sin(a) * yy)
        return (m - m.min()) / (np.ptp(m) + 1e-6)
    if kind == 'noise':
        return noise(rng, h, w, rng.uniform(3, 12), 4)
    if kind == 'bricks':
        bh = rng.uniform(6, 18)
        bw = bh * rng.uniform(1.8, 3)
        row = np.floor(yy / bh)
        xo = xx + (row % 2) * bw / 2
        mort = ((yy % bh) < 1.5) | ((xo % bw) < 1.5)
        return np.where(mort, 1.0, 0.15 * noise(rng, h, w, 20, 2))
    if kind == 'stripes':
        p = rng.uniform(4, 30)
        a = rng.uniform(0, np.pi)
        return ((np.cos(a) * xx + np.sin(a) * yy) % p < p / 2).astype(np.float32)
    if kind == 'checker':
        p = rng.uniform(6, 30)
        return ((np.floor(xx / p) + np.floor(yy / p)) % 2).astype(np.float32)
    if kind == 'wood':
        n = noise(rng, h, w, 4, 2)
        return 0.5 + 0.5 * np.sin((yy * rng.uniform(0.1, 0.4) + 12 * n))
    m = (noise(rng, h, w, rng.uniform(2, 6), 3) > 0.5).astype(np.float32)   # 'blotch'
    return 0.7 * m + 0.3 * noise(rng, h, w, 16, 2)


def texture(rng: np.random.Generator, h: int, w: int, kind: Optional[str] = None
            ) -> np.ndarray:
    """A ``(h, w, 3)`` float32 BGR texture of ``kind`` (one of
    :data:`TEXTURES`, random when None) in two random colours."""
    kind = kind or TEXTURES[int(rng.integers(len(TEXTURES)))]
    c1, c2 = _col(rng), _col(rng)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    m = _texture_mix(rng, kind, h, w, xx, yy)
    return c1[None, None] + (c2 - c1)[None, None] * m[..., None]


def _floor(rng, h, w, horizon):
    """Perspective floor (tiles or planks) below ``horizon``."""
    rows = h - horizon
    yy, xx = np.mgrid[0:rows, 0:w].astype(np.float32)
    dep = 1.0 / (yy + 3.0) * rng.uniform(60, 200)
    u = (xx - w * rng.uniform(0.2, 0.8)) * dep / 20.0
    v = dep
    c1, c2 = _col(rng, (0, 120), (50, 220)), _col(rng, (0, 120), (50, 220))
    if rng.random() < 0.5:
        m = ((np.floor(u) + np.floor(v)) % 2).astype(np.float32)
    else:
        m = ((np.floor(u * 2.5) % 2) * 0.3 + (np.sin(v * 7) > 0.9)).astype(np.float32)
    fade = np.clip(yy / max(rows, 1) * 3, 0, 1)[..., None]
    tex = c1[None, None] + (c2 - c1)[None, None] * m[..., None]
    mean = (c1 + c2) / 2
    return mean[None, None] * (1 - fade) + tex * fade


def _limb_distractor(rng, img, col) -> None:
    """A tapered capsule that looks like a limb (skin-coloured 40% of the time)."""
    import cv2
    h, w = img.shape[:2]
    x, y = rng.uniform(0, w), rng.uniform(0, h)
    ang = rng.uniform(0, 2 * np.pi)
    ln = rng.uniform(10, h / 3)
    r = rng.uniform(2, 7)
    x2, y2 = x + ln * np.cos(ang), y + ln * np.sin(ang)
    if rng.random() < 0.4:
        col = tuple(float(c) for c in SKIN_TONES[int(rng.integers(len(SKIN_TONES)))])
    cv2.line(img, (int(x), int(y)), (int(x2), int(y2)), col, int(2 * r), cv2.LINE_AA)
    cv2.circle(img, (int(x2), int(y2)), int(r), col, -1, cv2.LINE_AA)


def _clutter(rng, img, n):
    """Draw ``n`` random shapes (boxes, discs, ellipses, polygons, lines,
    limb-like capsules) in place."""
    import cv2
    h, w = img.shape[:2]
    for _ in range(n):
        kind = int(rng.integers(6))
        col = tuple(float(c) for c in _col(rng, (0, 255), (20, 245)))
        if kind == 0:
            x, y = rng.uniform(-20, w), rng.uniform(-20, h)
            cv2.rectangle(img, (int(x), int(y)), (int(x + rng.uniform(8, w / 2)),
                          int(y + rng.uniform(8, h / 2))), col, -1)
        elif kind == 1:
            cv2.circle(img, (int(rng.uniform(0, w)), int(rng.uniform(0, h))),
                       int(rng.uniform(3, h / 5)), col, -1, cv2.LINE_AA)
        elif kind == 2:
            cv2.ellipse(img, (int(rng.uniform(0, w)), int(rng.uniform(0, h))),
                        (int(rng.uniform(4, w / 5)), int(rng.uniform(3, h / 6))),
                        float(rng.uniform(0, 180)), 0, 360, col, -1, cv2.LINE_AA)
        elif kind == 3:
            pts = (rng.uniform(0, 1, (int(rng.integers(3, 7)), 2)) * rng.uniform(15, 80)
                   + [rng.uniform(-10, w), rng.uniform(-10, h)]).astype(np.int32)
            cv2.fillPoly(img, [pts], col, cv2.LINE_AA)
        elif kind == 4:
            cv2.line(img, (int(rng.uniform(0, w)), int(rng.uniform(0, h))),
                     (int(rng.uniform(0, w)), int(rng.uniform(0, h))), col,
                     int(rng.integers(1, 6)), cv2.LINE_AA)
        else:
            _limb_distractor(rng, img, col)


def _photo_background(rng, h, w, files: Sequence[str]):
    """A random crop (50-100% of the largest one of the right aspect) of one
    of the first readable photos of a random order, resized to ``(h, w)``."""
    import cv2
    order = rng.permutation(len(files))[:4]
    for i in order:   # an unreadable file is skipped (deterministically)
        img = cv2.imread(files[int(i)], cv2.IMREAD_COLOR)
        if img is None or img.shape[0] < 8 or img.shape[1] < 8:
            continue
        ih, iw = img.shape[:2]
        frac = rng.uniform(0.5, 1.0)
        ch = min(ih, int(iw * h / w))
        cw = int(ch * w / h)
        ch, cw = max(8, int(ch * frac)), max(8, int(cw * frac))
        ys = int(rng.integers(0, ih - ch + 1))
        xs = int(rng.integers(0, iw - cw + 1))
        crop = img[ys:ys + ch, xs:xs + cw]
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        return cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    return None


def _outdoor_top(rng, hz, w):
    """Sky with far buildings (lit windows) above the horizon ``hz``."""
    sky1 = np.array([rng.uniform(150, 255), rng.uniform(120, 220),
                     rng.uniform(60, 200)], np.float32)
    sky = sky1[None, None] * (0.75 + 0.25 * np.linspace(0, 1, hz)[:, None, None])
    top = sky * (0.85 + 0.15 * noise(rng, hz, w, 3, 2)[..., None])
    top = np.ascontiguousarray(np.broadcast_to(top, (hz, w, 3)), dtype=np.float32)
    for _ in range(int(rng.integers(0, 6))):
        bx, bw_ = rng.uniform(-20, w), rng.uniform(15, 70)
        bt = int(rng.uniform(0, hz * 0.8))
        c = _col(rng, (0, 80), (60, 200))
        top[bt:, max(0, int(bx)):max(0, int(bx + bw_))] = c
        for wy in range(bt + 4, hz - 4, 9):
            for wx in range(int(bx) + 3, int(bx + bw_) - 3, 8):
                if 0 <= wx < w - 4 and rng.random() < 0.7:
                    top[wy:wy + 5, wx:wx + 4] = c * 0.55
    return top


def _procedural_background(rng, h, w):
    """A room (wall + floor), an outdoor scene or an abstract texture, float32."""
    layout = ('room', 'outdoor', 'abstract')[int(rng.choice(3, p=[.4, .3, .3]))]
    if layout == 'abstract':
        img = texture(rng, h, w)
        if rng.random() < 0.6:
            m = noise(rng, h, w, rng.uniform(1.5, 4), 2)[..., None]
            img = img * m + texture(rng, h, w) * (1 - m)
    else:
        hz = int(h * rng.uniform(0.3, 0.7))
        if layout == 'room':
            top = texture(rng, hz, w, ('gradient', 'noise', 'bricks', 'stripes',
                                       'wood')[int(rng.integers(5))])
        else:  # sky + far buildings / trees
            top = _outdoor_top(rng, hz, w)
        floor = _floor(rng, h, w, hz) if layout == 'room' or rng.random() < 0.4 else \
            texture(rng, h - hz, w, 'noise')
        img = np.concatenate([top, floor], 0)
    return img * (0.8 + 0.4 * noise(rng, h, w, 2, 1)[..., None])   # uneven light


def render_background(rng: np.random.Generator, h: int, w: int,
                      backgrounds_dir: Optional[Backgrounds] = None) -> np.ndarray:
    """A cluttered ``(h, w, 3)`` BGR uint8 background: a procedural room or
    outdoor scene or abstract texture with gradients, shapes and limb-like
    distractors, or (when ``backgrounds_dir`` is given: a folder of photos or
    the files :func:`list_background_images` found in it, listed once by a
    caller that renders many images) a random crop of one of
    the user's photos with a little clutter on top."""
    import cv2
    img = None
    if backgrounds_dir is not None:
        files = list_background_images(backgrounds_dir) if isinstance(backgrounds_dir, str) \
            else backgrounds_dir
        if len(files) == 0:
            raise ValueError('backgrounds_dir is an empty list of photos')
        img = _photo_background(rng, h, w, files)
    if img is None:
        img = _procedural_background(rng, h, w)
    img = np.clip(img, 0, 255).astype(np.uint8)
    _clutter(rng, img, int(rng.integers(2, 9) if backgrounds_dir else rng.integers(4, 18)))
    if rng.random() < 0.3:
        img = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.6, 1.5)))
    return img
