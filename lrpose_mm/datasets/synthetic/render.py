"""Rendering: clothed, textured people from 17 COCO keypoints, and cluttered
backgrounds.

:func:`render_person` is a pure function of ``(keypoints, body, appearance,
facing/depth)``: it draws in place on a BGR ``uint8`` canvas and returns a
:class:`PersonRender` (coverage mask + per-keypoint self-occlusion flags).
The body is a set of swept shapes (tapered limbs with rounded ends, an
elliptic-section torso, a spherical head) drawn through a per-person
z-buffer, so a limb behind the torso is hidden where it should be and the
self-occlusion test of a keypoint is simply "is the surface drawn at its
pixel much nearer than the joint?".

Left and right look alike, as on real people: both hands wear gloves of the
saturated ``marker`` colour, both shoes match, and both sleeves and trouser
legs carry the same long contrasting stripe. Which side is which follows from
the body's orientation and the face (eyes, nose, mouth, ears, hair at the
back), never from a one-sided mark. (A one-sided mark cannot survive MMPose's
flip augmentation, which mirrors the pixels and swaps the labels, and it made
one side of every val person easier to see than the other.)
"""
import os
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from .body_model import BodyShape

Color = Tuple[float, float, float]   # BGR, 0..255

# --------------------------------------------------------------------------
# appearance
# --------------------------------------------------------------------------
PATTERNS = ('solid', 'hstripes', 'vstripes', 'checks', 'diag', 'dots',
            'plaid', 'noise')


@dataclass(frozen=True)
class Fabric:
    """A garment material: two colours mixed by a pattern evaluated in
    part-local body units (``u`` along the part, ``w`` across it), so a
    texture moves with the limb when it is animated."""
    color1: Color
    color2: Color
    pattern: str = 'solid'
    period: float = 0.04
    stripe: Optional[Color] = None   # longitudinal stripe on both sleeves / legs


@dataclass(frozen=True)
class Appearance:
    """Everything about how a person looks, independent of pose."""
    skin: Color
    hair: Color
    hair_style: str            # 'short' | 'long' | 'bald' | 'hat'
    hat: Color
    top: Fabric
    bottom: Fabric
    sleeve_end: float          # 0..2: 1 = end of upper arm, 2 = wrist
    leg_end: float             # 0..2: 1 = knee, 2 = ankle
    top_len: float             # where the top ends on the torso (0..1)
    shoe: Color                # both shoes
    marker: Color              # both gloves
    eye: Color = (30, 25, 25)
    lip: Color = (70, 70, 150)
    light: float = 0.0         # light direction across limbs (-1..1)


_SKIN = np.array([(200, 215, 245), (165, 190, 230), (125, 160, 210),
                  (95, 130, 180), (65, 95, 145), (45, 65, 105)], np.float32)
_HAIR = np.array([(25, 25, 30), (30, 45, 70), (40, 70, 115), (110, 170, 215),
                  (150, 150, 155), (40, 75, 165), (20, 20, 20)], np.float32)
#: saturated glove colours (BGR), far from skin tones
MARKERS = ((40, 40, 225), (50, 200, 50), (230, 100, 30), (40, 225, 240),
           (210, 60, 210), (225, 215, 40))


def _hsv_color(rng, s_range=(0, 255), v_range=(30, 240)) -> Color:
    import cv2
    h = rng.uniform(0, 180)
    s = rng.uniform(*s_range)
    v = rng.uniform(*v_range)
    px = np.array([[[h, s, v]]], np.float32)
    px[..., 0] *= 2  # float HSV in OpenCV uses H in [0, 360)
    bgr = cv2.cvtColor(px / np.array([1, 255, 255], np.float32), cv2.COLOR_HSV2BGR)
    return tuple(float(c) * 255 for c in bgr[0, 0])


def _sample_fabric(rng, stripe=True) -> Fabric:
    c1 = _hsv_color(rng, (0, 230), (25, 235))
    pattern = PATTERNS[int(rng.choice(len(PATTERNS),
                                      p=[.34, .12, .1, .1, .07, .07, .1, .1]))]
    if rng.random() < 0.5:
        c2 = _hsv_color(rng, (0, 230), (25, 235))
    else:   # a shade of the same colour
        k = rng.uniform(0.45, 0.8) if np.mean(c1) > 110 else rng.uniform(1.4, 2.2)
        c2 = tuple(float(min(255, c * k)) for c in c1)
    lum = 0.11 * c1[0] + 0.59 * c1[1] + 0.3 * c1[2]
    st = ((235., 235., 235.) if lum < 135 else (25., 25., 25.)) if stripe else None
    return Fabric(c1, c2, pattern, float(rng.uniform(0.02, 0.07)), st)


def sample_appearance(rng: np.random.Generator) -> Appearance:
    """Random skin/hair/clothes, the same on the left and the right side."""
    i = rng.uniform(0, len(_SKIN) - 1)
    lo = int(i)
    skin = _SKIN[lo] * (1 - (i - lo)) + _SKIN[min(lo + 1, len(_SKIN) - 1)] * (i - lo)
    hair = _HAIR[int(rng.integers(len(_HAIR)))] * rng.uniform(0.85, 1.15)
    style = ('short', 'long', 'bald', 'hat')[int(rng.choice(4, p=[.5, .3, .08, .12]))]
    top, bottom = _sample_fabric(rng), _sample_fabric(rng)
    sleeve = float(rng.choice([rng.uniform(0.3, 0.6), rng.uniform(1.6, 2.0)]))
    leg = float(rng.choice([rng.uniform(0.45, 0.8), rng.uniform(1.7, 2.0)], p=[.3, .7]))
    shoe = tuple(float(c) for c in rng.uniform(15, 90, 3)) if rng.random() < .7 \
        else (200., 200., 200.)
    marker = MARKERS[int(rng.integers(len(MARKERS)))]
    return Appearance(
        skin=tuple(float(c) for c in skin), hair=tuple(float(min(255, c)) for c in hair),
        hair_style=style, hat=_hsv_color(rng, (80, 255), (40, 230)), top=top,
        bottom=bottom, sleeve_end=sleeve, leg_end=leg,
        top_len=float(rng.uniform(0.74, 0.9)), shoe=shoe, marker=marker,
        eye=(30., 25., 25.), lip=tuple(float(c) for c in skin * np.array([0.7, 0.6, 0.95])),
        light=float(rng.uniform(-1, 1)))


def _fabric_colors(fab: Fabric, u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(N, 3) colours of ``fab`` at part-local body-unit coords."""
    p = fab.period
    pat = fab.pattern
    if pat == 'solid':
        m = np.zeros_like(u)
    elif pat == 'hstripes':
        m = (np.floor(u / p) % 2).astype(np.float32)
    elif pat == 'vstripes':
        m = (np.floor(w / p + 1000) % 2).astype(np.float32)
    elif pat == 'checks':
        m = ((np.floor(u / p) + np.floor(w / p + 1000)) % 2).astype(np.float32)
    elif pat == 'diag':
        m = (np.floor((u + w) / p + 1000) % 2).astype(np.float32)
    elif pat == 'dots':
        du = (u / p) % 1 - 0.5
        dw = (w / p + 1000) % 1 - 0.5
        m = np.clip((0.3 - np.sqrt(du * du + dw * dw)) * 8 + 0.5, 0, 1)
    elif pat == 'plaid':
        m = 0.5 * ((np.floor(u / p) % 3) == 0) + 0.5 * ((np.floor(w / p + 1000) % 3) == 0)
    else:  # 'noise': smooth blotches
        m = 0.5 + 0.25 * (np.sin(u / p * 2.1 + 1.3) * np.sin(w / p * 1.7 - 0.4)
                          + np.sin((u + 0.7 * w) / p * 0.9) * np.sin((u - w) / p * 1.3 + 2))
    c1 = np.asarray(fab.color1, np.float32)
    c2 = np.asarray(fab.color2, np.float32)
    col = c1[None] + (c2 - c1)[None] * m[:, None]
    # fabric grain (deterministic in the local coordinates)
    g = np.sin(u * 913.0 + w * 577.0) * np.sin(u * 411.0 - w * 1279.0)
    return col + (7.0 * g)[:, None]


# --------------------------------------------------------------------------
# person rendering
# --------------------------------------------------------------------------
TORSO, HEAD, NECK, EAR, HAIR = 0, 1, 2, 3, 4
PART_IDS = dict(torso=0, head=1, neck=2, ear=3, hair=4, l_upper_arm=5, l_forearm=6,
                l_hand=7, r_upper_arm=8, r_forearm=9, r_hand=10, l_thigh=11, l_shin=12,
                l_foot=13, r_thigh=14, r_shin=15, r_foot=16)


@dataclass
class PersonRender:
    """What :func:`render_person` drew.

    ``mask``: ``(H, W)`` bool, pixels covered by the person (coverage >= .5).
    ``self_visible``: ``(17,)`` bool, False where the keypoint is hidden by
    the person's own body (only meaningful for keypoints inside the canvas).
    ``bbox``: ``(x0, y0, x1, y1)`` inclusive pixel box of ``mask`` or None.
    ``scale``: pixels per body unit used.
    """
    mask: np.ndarray
    self_visible: np.ndarray
    bbox: Optional[Tuple[int, int, int, int]]
    scale: float = 1.0


class _Layer:
    """Per-person buffers over a sub-rectangle of the canvas."""

    def __init__(self, x0, y0, x1, y1):
        self.x0, self.y0 = x0, y0
        h, w = y1 - y0, x1 - x0
        self.col = np.zeros((h, w, 3), np.float32)
        self.z = np.full((h, w), -np.inf, np.float32)
        self.cov = np.zeros((h, w), np.float32)
        self.pid = np.full((h, w), -1, np.int8)
        self.h, self.w = h, w

    def window(self, cx0, cy0, cx1, cy1):
        """Clip a canvas-space box to the layer; return slices and grids."""
        a = max(int(np.floor(cx0)) - self.x0, 0)
        b = min(int(np.ceil(cx1)) + 1 - self.x0, self.w)
        c = max(int(np.floor(cy0)) - self.y0, 0)
        d = min(int(np.ceil(cy1)) + 1 - self.y0, self.h)
        if a >= b or c >= d:
            return None
        X, Y = np.meshgrid(np.arange(a, b, dtype=np.float32) + self.x0,
                           np.arange(c, d, dtype=np.float32) + self.y0)
        return (slice(c, d), slice(a, b)), X, Y


def _write(layer, sl, alpha, z, color_fn, pid):
    """z-tested write of a shape; ``color_fn(sel)`` gives (N,3) colours for
    the boolean selection ``sel`` of the window."""
    zb = layer.z[sl]
    cov = layer.cov[sl]
    solid = (alpha >= 0.5) & (z > zb)
    fringe = (alpha > 0) & (alpha < 0.5) & (cov == 0)
    sel = solid | fringe
    if not sel.any():
        return
    cols = color_fn(sel)
    col = layer.col[sl]
    col[sel] = cols
    zb[solid] = z[solid]
    layer.pid[sl][solid] = pid
    np.maximum(cov, alpha, out=cov)


def _sweep(layer, A, B, t_knots, r_knots, k1_knots, k2_knots, capA, capB,
           mat_fn, pid, light, scale):
    """Draw a swept shape from ``A`` to ``B`` (each ``(x, y, z)`` pixels,
    image y down, z nearer = larger) whose half-width ``r(t)`` and surface
    depth profile are piecewise linear in ``t`` (0 at A, 1 at B), with
    elliptic end caps of lengths ``capA``/``capB``.

    ``mat_fn(t, u, w)`` returns unshaded colours at the selected pixels
    (``u``/``w``: along/across in body units)."""
    A = np.asarray(A, np.float64)
    B = np.asarray(B, np.float64)
    rmax = max(r_knots)
    pad = rmax + max(capA, capB) + 1
    win = layer.window(min(A[0], B[0]) - pad, min(A[1], B[1]) - pad,
                       max(A[0], B[0]) + pad, max(A[1], B[1]) + pad)
    if win is None:
        return
    sl, X, Y = win
    d = B[:2] - A[:2]
    L = float(np.hypot(*d))
    e = d / L if L > 1e-6 else np.array([0.0, 1.0])
    L = max(L, 1e-6)
    dx, dy = X - A[0], Y - A[1]
    along = dx * e[0] + dy * e[1]
    across = -dx * e[1] + dy * e[0]
    t = np.clip(along / L, 0, 1)
    r = np.interp(t, t_knots, r_knots).astype(np.float32)
    r = np.maximum(r, 0.5)
    alpha_n = across / r
    rho = np.abs(alpha_n)
    r0, r1 = max(r_knots[0], 0.5), max(r_knots[-1], 0.5)
    before = along < 0
    after = along > L
    if before.any():
        rho = np.where(before, np.sqrt((along / max(capA, 0.5)) ** 2 + (across / r0) ** 2), rho)
    if after.any():
        rho = np.where(after, np.sqrt(((along - L) / max(capB, 0.5)) ** 2
                                      + (across / r1) ** 2), rho)
    alpha = np.clip((1 - rho) * r + 0.5, 0, 1)
    if not (alpha > 0).any():
        return
    an = np.clip(alpha_n, -1, 1)
    an = np.where(before | after, 0.0, an)
    sq = np.sqrt(np.clip(1 - np.minimum(rho, 1) ** 2, 0, 1))
    k1 = np.interp(t, t_knots, k1_knots)
    k2 = np.interp(t, t_knots, k2_knots)
    z = (A[2] + t * (B[2] - A[2]) + an * k1 + sq * k2).astype(np.float32)

    def color_fn(sel):
        cols = mat_fn(t[sel], along[sel] / scale, across[sel] / scale,
                      np.clip(across[sel] / r[sel], -1, 1))
        shade = 0.6 + 0.4 * sq[sel] + 0.12 * light * np.clip(alpha_n[sel], -1, 1)
        return cols * shade[:, None]
    _write(layer, sl, alpha, z, color_fn, pid)


def _limb(layer, A, B, rA, rB, mat_fn, pid, light, scale, capA=None, capB=None):
    _sweep(layer, A, B, (0.0, 1.0), (rA, rB), (0.0, 0.0), (rA, rB),
           rA if capA is None else capA, rB if capB is None else capB,
           mat_fn, pid, light, scale)


def _solid(color):
    c = np.asarray(color, np.float32)

    def fn(t, u, w, v):
        g = np.sin(u * 700.0 + w * 431.0) * np.sin(u * 317.0 - w * 911.0)
        return c[None] + (3.0 * g)[:, None]
    return fn


def _garment_split(t0, t1, t_end, fabric, bare_color, stripe):
    """Material for a limb segment covering global garment coords
    ``t0..t1`` (0..2 over the whole limb): fabric before ``t_end``, bare
    colour after, a longitudinal stripe on the fabric when ``stripe``."""
    bare = np.asarray(bare_color, np.float32)
    st = np.asarray(fabric.stripe if fabric.stripe is not None else (255, 255, 255),
                    np.float32)

    def fn(t, u, w, v):
        tg = t0 + t * (t1 - t0)
        cloth = tg <= t_end
        out = np.empty((len(t), 3), np.float32)
        if cloth.any():
            out[cloth] = _fabric_colors(fabric, u[cloth], w[cloth])
            if stripe:
                s = cloth & (np.abs(v) < 0.3)
                out[s] = st
        nb = ~cloth
        if nb.any():
            g = np.sin(u[nb] * 700.0 + w[nb] * 431.0)
            out[nb] = bare[None] + (3.0 * g)[:, None]
        return out
    return fn


def _unit(v):
    n = np.linalg.norm(v)
    return v / n if n > 1e-9 else v * 0


def _estimate_scale(kp, depth, body: BodyShape):
    bones = [(5, 7, body.upper_arm), (6, 8, body.upper_arm), (7, 9, body.forearm),
             (8, 10, body.forearm), (11, 13, body.thigh), (12, 14, body.thigh),
             (13, 15, body.shin), (14, 16, body.shin), (5, 6, body.shoulder_width),
             (11, 12, body.hip_width)]
    r = []
    for a, b, ln in bones:
        d = kp[a] - kp[b]
        if depth is not None:
            r.append(np.sqrt(d @ d + (depth[a] - depth[b]) ** 2) / ln)
        else:
            r.append(np.sqrt(d @ d) / ln)
    return float(np.median(r) if depth is not None else np.max(r))


def _synth_depth(kp, body: BodyShape, facing: float, s: float):
    """Depths from the facing angle when the caller has none."""
    y = np.radians(facing)
    lz, fz = -np.sin(y), np.cos(y)
    r = body.head_radius
    z = np.zeros(17)
    z[0] = fz * 0.95 * r
    z[1], z[2] = fz * 0.78 * r + lz * 0.36 * r, fz * 0.78 * r - lz * 0.36 * r
    z[3], z[4] = lz * 0.97 * r, -lz * 0.97 * r
    for i in (5, 7, 9):
        z[i], z[i + 1] = lz * body.shoulder_width / 2, -lz * body.shoulder_width / 2
    for i in (11, 13, 15):
        z[i], z[i + 1] = lz * body.hip_width / 2, -lz * body.hip_width / 2
    return z * s


def _torso_profile(a, b, Lv, Fv, n_cam):
    """Projected half width W and depth coefficients (k1, k2) of an
    elliptic cross-section (half axes a along Lv, b along Fv)."""
    m1 = np.array([a * (Lv @ n_cam), b * (Fv @ n_cam)])
    m2 = np.array([a * Lv[2], b * Fv[2]])
    W = float(np.hypot(*m1))
    if W < 1e-6:
        return 1e-3, 0.0, float(np.hypot(*m2))
    return W, float(m2 @ m1) / W, abs(float(m2[0] * m1[1] - m2[1] * m1[0])) / W


def render_person(canvas: np.ndarray, keypoints_xy: np.ndarray, body: BodyShape,
                  appearance: Appearance, facing: float = 0.0,
                  depth: Optional[np.ndarray] = None,
                  height_px: Optional[float] = None) -> PersonRender:
    """Draw one person onto ``canvas`` (``(H, W, 3)`` BGR uint8, in place).

    Args:
        keypoints_xy: ``(17, 2)`` COCO keypoints in pixels (may lie outside
            the canvas: the person is then truncated).
        body, appearance: from :func:`sample_body` / :func:`sample_appearance`.
        facing: body yaw in degrees (0 = facing the camera, 90 = facing the
            image right); used for depth when ``depth`` is None.
        depth: optional ``(17,)`` keypoint depths in pixels, nearer = larger
            (``pose_to_keypoints(..., return_depth=True)``); gives exact
            self-occlusion. Without it depths are derived from ``facing``.
        height_px: standing height in pixels (default: estimated from the
            bone lengths).

    Returns:
        :class:`PersonRender`.
    """
    H, W = canvas.shape[:2]
    kp = np.asarray(keypoints_xy, np.float64).reshape(17, 2)
    b = body
    app = appearance
    s = (height_px / b.standing_height) if height_px else _estimate_scale(kp, depth, b)
    s = max(s, 1e-3)
    z = np.asarray(depth, np.float64) if depth is not None else _synth_depth(kp, b, facing, s)
    P3 = np.concatenate([kp, z[:, None]], 1)            # image coords + depth
    C3 = P3 * np.array([1, -1, 1])                      # camera coords (y up)
    neck = (P3[5] + P3[6]) / 2
    pelvis = (P3[11] + P3[12]) / 2
    head = (P3[3] + P3[4]) / 2
    R = b.head_radius * s
    # head frame (camera coords)
    hc = head * np.array([1, -1, 1])
    l3 = _unit(C3[3] - C3[4])
    f3 = _unit((C3[0] - hc) - l3 * ((C3[0] - hc) @ l3))
    if not f3.any():
        f3 = np.array([np.sin(np.radians(facing)), 0, np.cos(np.radians(facing))])
    u3 = np.cross(f3, l3)
    # layer bounds
    ext = np.concatenate([kp, head[None, :2] + [[-1.4 * R, -1.6 * R], [1.4 * R, 1.6 * R]]])
    pad = 0.2 * s + 2
    x0 = max(int(np.floor(ext[:, 0].min() - pad)), 0)
    y0 = max(int(np.floor(ext[:, 1].min() - pad)), 0)
    x1 = min(int(np.ceil(ext[:, 0].max() + pad)) + 1, W)
    y1 = min(int(np.ceil(ext[:, 1].max() + pad)) + 1, H)
    mask = np.zeros((H, W), bool)
    self_vis = np.ones(17, bool)
    if x0 >= x1 or y0 >= y1:
        return PersonRender(mask, self_vis, None, s)
    layer = _Layer(x0, y0, x1, y1)
    light = app.light
    skin = app.skin

    # ---- torso (elliptic section swept from the neck to below the pelvis)
    U = _unit(C3[5] * .5 + C3[6] * .5 - (C3[11] * .5 + C3[12] * .5))
    Lt = _unit(C3[5] - C3[6])
    Lb = _unit(C3[11] - C3[12])
    bottom = pelvis + (pelvis - neck) * 0.15
    d2 = bottom[:2] - neck[:2]
    e = _unit(d2) if np.hypot(*d2) > 1e-6 else np.array([0.0, 1.0])
    n_cam = np.array([-e[1], -e[0], 0.0])
    a_sh = b.shoulder_width / 2 + 0.5 * b.upper_arm_r[0]
    a_hip = b.hip_width / 2 + 0.75 * b.thigh_r[0]
    t_k = (0.0, 0.12, 0.5, 0.87, 1.0)      # neck, shoulders, waist, hips, crotch
    a_k = (max(0.45 * a_sh, 1.3 * b.neck_r), a_sh, b.waist_width, a_hip, a_hip * .9)
    b_k = (b.chest_depth * 0.7, b.chest_depth, b.chest_depth * 0.85, b.hip_depth,
           b.hip_depth * 0.9)
    W_k, k1_k, k2_k = [], [], []
    for t, aa, bb in zip(t_k, a_k, b_k):
        Lv = _unit(Lt * (1 - t) + Lb * t)
        Lv = _unit(Lv - U * (Lv @ U))
        if not Lv.any():
            Lv = np.array([1.0, 0, 0])
        Fv = np.cross(Lv, U)
        w_, k1, k2 = _torso_profile(aa * s, bb * s, Lv, Fv, n_cam)
        W_k.append(w_); k1_k.append(k1); k2_k.append(k2)
    top_fn = _garment_split(0, 1, app.top_len, app.top, app.bottom.color1, False)
    bot_fab = app.bottom

    def torso_mat(t, u, w, v):
        out = top_fn(t, u, w, v)
        lower = t > app.top_len
        if lower.any():
            out[lower] = _fabric_colors(bot_fab, u[lower], w[lower])
        return out
    top = neck - (bottom - neck) * 0.06
    _sweep(layer, top, bottom, t_k, W_k, k1_k, k2_k, 0.02 * s, 0.07 * s,
           torso_mat, PART_IDS['torso'], light, s)

    # ---- legs
    for side, S in ((1, 'l'), (-1, 'r')):
        hi, ki, ai = (11, 13, 15) if side == 1 else (12, 14, 16)
        _limb(layer, P3[hi], P3[ki], b.thigh_r[0] * s, b.thigh_r[1] * s,
              _garment_split(0, 1, app.leg_end, app.bottom, skin, True),
              PART_IDS[f'{S}_thigh'], light, s)
        _limb(layer, P3[ki], P3[ai], b.shin_r[0] * s, b.shin_r[1] * s,
              _garment_split(1, 2, app.leg_end, app.bottom, skin, True),
              PART_IDS[f'{S}_shin'], light, s)
        # foot: forward (from the hips' left-right axis), perpendicular to shin
        shin = _unit(C3[ai] - C3[ki])
        fwd = np.array([-Lb[2], 0.0, Lb[0]])
        fwd = _unit(fwd - shin * (fwd @ shin))
        toe_c = C3[ai] + (fwd * b.foot_len * 0.8 + shin * b.ankle_height * 0.7) * s
        heel_c = C3[ai] + (shin * b.ankle_height * 0.6 - fwd * b.foot_len * 0.15) * s
        toe, heel = toe_c * [1, -1, 1], heel_c * [1, -1, 1]
        _limb(layer, heel, toe, b.foot_r * s * 1.1, b.foot_r * s, _solid(app.shoe),
              PART_IDS[f'{S}_foot'], light, s)

    # ---- arms
    for side, S in ((1, 'l'), (-1, 'r')):
        si, ei, wi = (5, 7, 9) if side == 1 else (6, 8, 10)
        _limb(layer, P3[si], P3[ei], b.upper_arm_r[0] * s, b.upper_arm_r[1] * s,
              _garment_split(0, 1, app.sleeve_end, app.top, skin, True),
              PART_IDS[f'{S}_upper_arm'], light, s)
        _limb(layer, P3[ei], P3[wi], b.forearm_r[0] * s, b.forearm_r[1] * s,
              _garment_split(1, 2, app.sleeve_end, app.top, skin, True),
              PART_IDS[f'{S}_forearm'], light, s)
        fa = C3[wi] - C3[ei]
        tip = (C3[wi] + fa * (b.hand_len / b.forearm)) * [1, -1, 1]
        _limb(layer, P3[wi], tip, b.hand_r * s * 0.9, b.hand_r * s * 1.05,
              _solid(app.marker), PART_IDS[f'{S}_hand'],
              light, s, capB=b.hand_r * s * 1.3)

    # ---- neck, long hair, ears, head
    _limb(layer, neck, head, b.neck_r * s, b.neck_r * s * 0.9,
          _solid(np.asarray(skin) * 0.9), PART_IDS['neck'], light, s)
    if app.hair_style == 'long':
        a_ = (hc - u3 * 0.1 * R - f3 * 0.45 * R) * [1, -1, 1]
        b_ = (hc - u3 * 1.7 * R - f3 * 0.55 * R) * [1, -1, 1]
        _limb(layer, a_, b_, 0.95 * R, 0.7 * R, _solid(app.hair), PART_IDS['hair'], light, s)
    for ei in (3, 4):
        _limb(layer, P3[ei], P3[ei] + [0, 0.02 * R, 0], 0.2 * R, 0.2 * R,
              _solid(np.asarray(skin) * 0.85), PART_IDS['ear'], light, s)
    _draw_head(layer, head, R, f3, u3, l3, C3, app)
    # nose: a small bump that sticks out of the profile
    _limb(layer, (C3[0] - f3 * 0.25 * R) * [1, -1, 1], (C3[0] + f3 * 0.12 * R) * [1, -1, 1],
          0.15 * R, 0.12 * R, _solid(np.asarray(skin) * 0.93), HEAD, light, s)

    # ---- self-occlusion test
    r_at = np.array([0.4 * R, 0.4 * R, 0.4 * R, 0.45 * R, 0.45 * R] +
                    [2.0 * b.upper_arm_r[0] * s] * 2 +
                    [1.3 * max(b.upper_arm_r[1], b.forearm_r[0]) * s] * 2 +
                    [1.3 * max(b.forearm_r[1], b.hand_r) * s] * 2 +
                    [2.0 * b.thigh_r[0] * s] * 2 + [1.3 * b.thigh_r[1] * s] * 2 +
                    [1.3 * max(b.shin_r[1], b.foot_r) * s] * 2) + 1.0
    for k in range(17):
        px, py = int(round(kp[k, 0])) - x0, int(round(kp[k, 1])) - y0
        if 0 <= px < layer.w and 0 <= py < layer.h:
            self_vis[k] = layer.z[py, px] <= z[k] + r_at[k]

    # ---- composite
    cov = layer.cov[..., None]
    region = canvas[y0:y1, x0:x1].astype(np.float32)
    out = region * (1 - cov) + np.clip(layer.col, 0, 255) * cov
    canvas[y0:y1, x0:x1] = np.clip(out + 0.5, 0, 255).astype(np.uint8)
    m = layer.cov >= 0.5
    mask[y0:y1, x0:x1] = m
    ys, xs = np.nonzero(m)
    bbox = None if len(xs) == 0 else (int(xs.min()) + x0, int(ys.min()) + y0,
                                       int(xs.max()) + x0, int(ys.max()) + y0)
    return PersonRender(mask, self_vis, bbox, s)


def _draw_head(layer, head, R, f3, u3, l3, C3, app):
    """Spherical head with hair/hat by surface normal, then face details
    (eyes, brows, nose, mouth) on the camera-facing hemisphere."""
    win = layer.window(head[0] - 1.3 * R, head[1] - 1.3 * R, head[0] + 1.3 * R,
                       head[1] + 1.3 * R)
    if win is None:
        return
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
    style = app.hair_style
    if style == 'short':
        hair = (nu > 0.42) | (nf < -0.15)
    elif style == 'long':
        hair = (nu > 0.35) | (nf < 0.1)
    elif style == 'bald':
        hair = (nf < -0.45) & (nu < 0.35)
    else:
        hair = np.zeros_like(nu, bool)
    hat = (nu > 0.32) if style == 'hat' else np.zeros_like(nu, bool)
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
    _write(layer, sl, alpha, zz, color_fn, HEAD)

    # face details, only on pixels where the head is the front surface
    def feature(p3, rad_px, color, strength=1.0, elong=None):
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

    hc3 = np.array([head[0], -head[1], head[2]])
    l2 = np.array([l3[0], -l3[1]])
    l2n = l2 / np.linalg.norm(l2) if np.linalg.norm(l2) > 1e-6 else np.array([1.0, 0])
    fore = np.hypot(*l2)   # foreshortening of the face's width
    if style != 'hat':
        for sgn, ei in ((1, 1), (-1, 2)):
            brow = C3[ei] + u3 * 0.22 * R
            feature(brow, max(0.05 * R, 0.35), hc * 0.8, 0.9, (l2n, 0.16 * R * fore))
    for ei in (1, 2):
        feature(C3[ei], max(0.12 * R, 0.45), app.eye, 1.0)
    feature(C3[0], max(0.13 * R, 0.45), skin * 0.72, 0.8)
    mouth = hc3 + f3 * 0.86 * R - u3 * 0.5 * R
    feature(mouth, max(0.06 * R, 0.4), app.lip, 0.9, (l2n, 0.25 * R * fore))


# --------------------------------------------------------------------------
# backgrounds
# --------------------------------------------------------------------------
IMG_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')
_BG_CACHE = {}


def list_background_images(backgrounds_dir: str) -> List[str]:
    """Sorted image files (recursive) under ``backgrounds_dir``."""
    key = os.path.abspath(backgrounds_dir)
    if key not in _BG_CACHE:
        if not os.path.isdir(backgrounds_dir):
            raise FileNotFoundError(f'backgrounds_dir {backgrounds_dir!r} is not a directory')
        files = []
        for root, _, names in os.walk(backgrounds_dir):
            files += [os.path.join(root, n) for n in names if n.lower().endswith(IMG_EXTS)]
        files.sort()
        if not files:
            raise ValueError(f'backgrounds_dir {backgrounds_dir!r} has no images '
                             f'({", ".join(IMG_EXTS)})')
        _BG_CACHE[key] = files
    return _BG_CACHE[key]


def _noise(rng, h, w, cells, octaves=3):
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
    return np.asarray(_hsv_color(rng, s, v), np.float32)


def _texture(rng, h, w, kind=None):
    """A (h, w, 3) float32 texture."""
    kinds = ('gradient', 'noise', 'bricks', 'stripes', 'checker', 'wood', 'blotch')
    kind = kind or kinds[int(rng.integers(len(kinds)))]
    c1, c2 = _col(rng), _col(rng)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == 'gradient':
        a = rng.uniform(0, 2 * np.pi)
        m = (np.cos(a) * xx + np.sin(a) * yy)
        m = (m - m.min()) / (np.ptp(m) + 1e-6)
    elif kind == 'noise':
        m = _noise(rng, h, w, rng.uniform(3, 12), 4)
    elif kind == 'bricks':
        bh = rng.uniform(6, 18)
        bw = bh * rng.uniform(1.8, 3)
        row = np.floor(yy / bh)
        xo = xx + (row % 2) * bw / 2
        mort = ((yy % bh) < 1.5) | ((xo % bw) < 1.5)
        m = np.where(mort, 1.0, 0.15 * _noise(rng, h, w, 20, 2))
    elif kind == 'stripes':
        p = rng.uniform(4, 30)
        a = rng.uniform(0, np.pi)
        m = ((np.cos(a) * xx + np.sin(a) * yy) % p < p / 2).astype(np.float32)
    elif kind == 'checker':
        p = rng.uniform(6, 30)
        m = ((np.floor(xx / p) + np.floor(yy / p)) % 2).astype(np.float32)
    elif kind == 'wood':
        n = _noise(rng, h, w, 4, 2)
        m = 0.5 + 0.5 * np.sin((yy * rng.uniform(0.1, 0.4) + 12 * n))
    else:
        m = (_noise(rng, h, w, rng.uniform(2, 6), 3) > 0.5).astype(np.float32)
        m = 0.7 * m + 0.3 * _noise(rng, h, w, 16, 2)
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


def _clutter(rng, img, n):
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
        else:   # limb-like distractor (a tapered capsule)
            x, y = rng.uniform(0, w), rng.uniform(0, h)
            ang = rng.uniform(0, 2 * np.pi)
            ln = rng.uniform(10, h / 3)
            r = rng.uniform(2, 7)
            x2, y2 = x + ln * np.cos(ang), y + ln * np.sin(ang)
            if rng.random() < 0.4:
                col = tuple(float(c) for c in _SKIN[int(rng.integers(len(_SKIN)))])
            cv2.line(img, (int(x), int(y)), (int(x2), int(y2)), col, int(2 * r), cv2.LINE_AA)
            cv2.circle(img, (int(x2), int(y2)), int(r), col, -1, cv2.LINE_AA)


def _photo_background(rng, h, w, backgrounds_dir):
    import cv2
    files = list_background_images(backgrounds_dir)
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


def render_background(rng: np.random.Generator, h: int, w: int,
                      backgrounds_dir: Optional[str] = None) -> np.ndarray:
    """A cluttered ``(h, w, 3)`` BGR uint8 background: a procedural room or
    outdoor scene or abstract texture with gradients, shapes and limb-like
    distractors, or (when ``backgrounds_dir`` is given) a random crop of one
    of the user's photos with a little clutter on top."""
    import cv2
    img = None
    if backgrounds_dir is not None:
        img = _photo_background(rng, h, w, backgrounds_dir)
    if img is None:
        layout = ('room', 'outdoor', 'abstract')[int(rng.choice(3, p=[.4, .3, .3]))]
        if layout == 'abstract':
            img = _texture(rng, h, w)
            if rng.random() < 0.6:
                m = _noise(rng, h, w, rng.uniform(1.5, 4), 2)[..., None]
                img = img * m + _texture(rng, h, w) * (1 - m)
        else:
            hz = int(h * rng.uniform(0.3, 0.7))
            if layout == 'room':
                top = _texture(rng, hz, w, ('gradient', 'noise', 'bricks', 'stripes',
                                            'wood')[int(rng.integers(5))])
            else:  # sky + far buildings / trees
                sky1 = np.array([rng.uniform(150, 255), rng.uniform(120, 220),
                                 rng.uniform(60, 200)], np.float32)
                sky = sky1[None, None] * (0.75 + 0.25 * np.linspace(0, 1, hz)[:, None, None])
                top = sky * (0.85 + 0.15 * _noise(rng, hz, w, 3, 2)[..., None])
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
            floor = _floor(rng, h, w, hz) if layout == 'room' or rng.random() < 0.4 else \
                _texture(rng, h - hz, w, 'noise')
            img = np.concatenate([top, floor], 0)
        img = img * (0.8 + 0.4 * _noise(rng, h, w, 2, 1)[..., None])   # uneven light
    img = np.clip(img, 0, 255).astype(np.uint8)
    _clutter(rng, img, int(rng.integers(2, 9) if backgrounds_dir else rng.integers(4, 18)))
    if rng.random() < 0.3:
        img = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.6, 1.5)))
    return img
