"""The head: a shaded sphere with hair or hat chosen by surface normal, then
face details (eyes, brows, nose tip, mouth) painted where the head is the
front surface, so the face shows which way the person looks."""
from typing import Optional, Tuple

import numpy as np

from .appearance import Appearance
from .raster import Layer, write

#: part id of the head in :attr:`Layer.pid` (face details only go on it)
HEAD = 1


def _hair_masks(style: str, nu: np.ndarray, nf: np.ndarray):
    """Hair and hat masks from the up (``nu``) and forward (``nf``) normal parts."""
    if style == 'short':
        hair = (nu > 0.42) | (nf < -0.15)
    elif style == 'long':
        hair = (nu > 0.35) | (nf < 0.1)
    elif style == 'bald':
        hair = (nf < -0.45) & (nu < 0.35)
    else:
        hair = np.zeros_like(nu, bool)
    hat = (nu > 0.32) if style == 'hat' else np.zeros_like(nu, bool)
    return hair, hat


def _draw_sphere(layer: Layer, head, R, f3, u3, app: Appearance) -> bool:
    """The head sphere (slightly elongated along the head's up axis); False
    when it lies outside the layer."""
    win = layer.window(head[0] - 1.3 * R, head[1] - 1.3 * R, head[0] + 1.3 * R,
                       head[1] + 1.3 * R)
    if win is None:
        return False
    sl, X, Y = win
    dx = (X - head[0]) / R
    dy = -(Y - head[1]) / R
    ua = np.array([u3[0], u3[1]])
    ua = ua / np.linalg.norm(ua) if np.linalg.norm(ua) > 0.3 else np.array([0.0, 1.0])
    pu = dx * ua[0] + dy * ua[1]
    pl = dx * ua[1] - dy * ua[0]
    rho = np.sqrt(pl ** 2 + (pu / 1.1) ** 2)
    alpha = np.clip((1 - rho) * R + 0.5, 0, 1)
    nz = np.sqrt(np.clip(1 - np.minimum(rho, 1) ** 2, 0, 1))
    zz = (head[2] + R * nz).astype(np.float32)
    nu = dx * u3[0] + dy * u3[1] + nz * u3[2]
    nf = dx * f3[0] + dy * f3[1] + nz * f3[2]
    hair, hat = _hair_masks(app.hair_style, nu, nf)
    skin = np.asarray(app.skin, np.float32)
    hc = np.asarray(app.hair, np.float32)
    hatc = np.asarray(app.hat, np.float32)
    light = np.array([-0.35 * app.light, 0.6, 0.7])
    shade = 0.55 + 0.45 * np.clip(dx * light[0] + dy * light[1] + nz * light[2], 0, 1)

    def color_fn(sel):
        out = np.broadcast_to(skin, (int(sel.sum()), 3)).copy()
        h = hair[sel]
        out[h] = hc
        g = np.sin(X[sel] * 3.1 + Y[sel] * 1.7) * np.sin(X[sel] * 1.3 - Y[sel] * 2.9)
        out[h] += 8 * g[h, None]
        out[hat[sel]] = hatc
        return out * shade[sel][:, None]
    write(layer, sl, alpha, zz, color_fn, HEAD)
    return True


def _face_feature(layer: Layer, head, R, p3, rad_px, color, strength: float = 1.0,
                  elong: Optional[Tuple[np.ndarray, float]] = None) -> None:
    """Paint a dot (or a short segment along ``elong = (direction, half
    length)``) at camera point ``p3``, only on head pixels and fading towards
    the silhouette."""
    n = (p3 - np.array([head[0], -head[1], head[2]])) / R   # camera coords
    if n[2] < 0.12:
        return
    px, py = p3[0], -p3[1]
    ex = rad_px * 2 + 1
    ex += elong[1] if elong else 0
    w2 = layer.window(px - ex, py - ex, px + ex, py + ex)
    if w2 is None:
        return
    s2, X2, Y2 = w2
    if elong is not None:   # a short segment along direction elong[0]
        dvec, half = elong
        ax = X2 - px
        ay = Y2 - py
        t = np.clip(ax * dvec[0] + ay * dvec[1], -half, half)
        dist = np.hypot(ax - t * dvec[0], ay - t * dvec[1])
    else:
        dist = np.hypot(X2 - px, Y2 - py)
    a = np.clip(rad_px - dist + 0.5, 0, 1) * strength * min(1.0, n[2] * 3)
    a = a * (layer.pid[s2] == HEAD)
    if not a.any():
        return
    col = layer.col[s2]
    col[:] = col * (1 - a[..., None]) + np.asarray(color, np.float32) * a[..., None]


def draw_head(layer: Layer, head, R: float, f3, u3, l3, C3, app: Appearance) -> None:
    """Spherical head with hair/hat by surface normal, then face details
    (eyes, brows, nose, mouth) on the camera-facing hemisphere.

    ``head``: centre ``(x, y, z)`` in image coords; ``R``: radius in pixels;
    ``f3``/``u3``/``l3``: the head's forward/up/left unit vectors and ``C3``
    the ``(17, 3)`` keypoints, both in camera coords (y up)."""
    if not _draw_sphere(layer, head, R, f3, u3, app):
        return
    skin = np.asarray(app.skin, np.float32)
    hc = np.asarray(app.hair, np.float32)
    hc3 = np.array([head[0], -head[1], head[2]])
    l2 = np.array([l3[0], -l3[1]])
    l2n = l2 / np.linalg.norm(l2) if np.linalg.norm(l2) > 1e-6 else np.array([1.0, 0])
    fore = np.hypot(*l2)   # foreshortening of the face's width
    if app.hair_style != 'hat':
        for sgn, ei in ((1, 1), (-1, 2)):
            brow = C3[ei] + u3 * 0.22 * R
            _face_feature(layer, head, R, brow, max(0.05 * R, 0.35), hc * 0.8, 0.9,
                          (l2n, 0.16 * R * fore))
    for ei in (1, 2):
        _face_feature(layer, head, R, C3[ei], max(0.12 * R, 0.45), app.eye, 1.0)
    _face_feature(layer, head, R, C3[0], max(0.13 * R, 0.45), skin * 0.72, 0.8)
    mouth = hc3 + f3 * 0.86 * R - u3 * 0.5 * R
    _face_feature(layer, head, R, mouth, max(0.06 * R, 0.4), app.lip, 0.9,
                  (l2n, 0.25 * R * fore))
