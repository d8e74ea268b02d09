"""A clothed person drawn from 17 COCO keypoints.

:func:`render_person` is a pure function of ``(keypoints, body, appearance,
facing/depth)``: it draws in place on a BGR ``uint8`` canvas and returns a
:class:`PersonRender` (coverage mask + per-keypoint self-occlusion flags).
The body is a set of swept shapes (tapered limbs with rounded ends, an
elliptic-section torso, a spherical head) drawn through a per-person
z-buffer (:mod:`.raster`), so a limb behind the torso is hidden where it
should be and the self-occlusion test of a keypoint is simply "is the
surface drawn at its pixel much nearer than the joint?".

Left and right look alike, as on real people: both hands wear gloves of the
saturated ``marker`` colour, both shoes match, and both sleeves and trouser
legs carry the same long contrasting stripe. Which side is which follows from
the body's orientation and the face (:mod:`.face`: eyes, nose, mouth, ears,
hair at the back), never from a one-sided mark. (A one-sided mark cannot
survive MMPose's flip augmentation, which mirrors the pixels and swaps the
labels, and it made one side of every val person easier to see than the other.)
"""
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from ..body_model import BodyShape
from .appearance import Appearance, fabric_colors, garment_material, solid_material
from .face import HEAD, draw_head
from .raster import Layer, limb, sweep

PART_IDS = dict(torso=0, head=HEAD, neck=2, ear=3, hair=4, l_upper_arm=5, l_forearm=6,
                l_hand=7, r_upper_arm=8, r_forearm=9, r_hand=10, l_thigh=11, l_shin=12,
                l_foot=13, r_thigh=14, r_shin=15, r_foot=16)
_FLIP_Y = np.array([1, -1, 1])   # image coords <-> camera coords (y up)


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


@dataclass
class _Figure:
    """One person's geometry in pixels, shared by the part drawers."""
    body: BodyShape
    app: Appearance
    s: float             # pixels per body unit
    P3: np.ndarray       # (17, 3) keypoints, image coords + depth
    C3: np.ndarray       # (17, 3) keypoints, camera coords (y up)
    z: np.ndarray        # (17,) keypoint depths
    neck: np.ndarray
    pelvis: np.ndarray
    head: np.ndarray     # head centre, image coords + depth
    R: float             # head radius in pixels
    f3: np.ndarray       # head forward / up / left (camera coords)
    u3: np.ndarray
    l3: np.ndarray


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


def _figure(kp, body: BodyShape, app: Appearance, facing: float, depth, height_px) -> _Figure:
    """Scale, depths and the head frame of a person."""
    s = (height_px / body.standing_height) if height_px else _estimate_scale(kp, depth, body)
    s = max(s, 1e-3)
    z = np.asarray(depth, np.float64) if depth is not None else \
        _synth_depth(kp, body, facing, s)
    P3 = np.concatenate([kp, z[:, None]], 1)            # image coords + depth
    C3 = P3 * _FLIP_Y                                   # camera coords (y up)
    head = (P3[3] + P3[4]) / 2
    hc = head * _FLIP_Y
    l3 = _unit(C3[3] - C3[4])
    f3 = _unit((C3[0] - hc) - l3 * ((C3[0] - hc) @ l3))
    if not f3.any():
        f3 = np.array([np.sin(np.radians(facing)), 0, np.cos(np.radians(facing))])
    return _Figure(body=body, app=app, s=s, P3=P3, C3=C3, z=z,
                   neck=(P3[5] + P3[6]) / 2, pelvis=(P3[11] + P3[12]) / 2, head=head,
                   R=body.head_radius * s, f3=f3, u3=np.cross(f3, l3), l3=l3)


def _layer_box(kp, fig: _Figure, W: int, H: int):
    """Canvas box ``(x0, y0, x1, y1)`` that holds every part of the person."""
    R, s = fig.R, fig.s
    ext = np.concatenate([kp, fig.head[None, :2] + [[-1.4 * R, -1.6 * R], [1.4 * R, 1.6 * R]]])
    pad = 0.2 * s + 2
    x0 = max(int(np.floor(ext[:, 0].min() - pad)), 0)
    y0 = max(int(np.floor(ext[:, 1].min() - pad)), 0)
    x1 = min(int(np.ceil(ext[:, 0].max() + pad)) + 1, W)
    y1 = min(int(np.ceil(ext[:, 1].max() + pad)) + 1, H)
    return x0, y0, x1, y1


def _draw_torso(layer: Layer, fig: _Figure) -> np.ndarray:
    """Elliptic section swept from the neck to below the pelvis; returns the
    hips' left-right axis (camera coords) for the feet."""
    b, app, s, C3 = fig.body, fig.app, fig.s, fig.C3
    U = _unit(C3[5] * .5 + C3[6] * .5 - (C3[11] * .5 + C3[12] * .5))
    Lt = _unit(C3[5] - C3[6])
    Lb = _unit(C3[11] - C3[12])
    bottom = fig.pelvis + (fig.pelvis - fig.neck) * 0.15
    d2 = bottom[:2] - fig.neck[:2]
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
        W_k.append(w_)
        k1_k.append(k1)
        k2_k.append(k2)
    top_fn = garment_material(0, 1, app.top_len, app.top, app.bottom.color1, False)
    bot_fab = app.bottom

    def torso_mat(t, u, w, v):
        out = top_fn(t, u, w, v)
        lower = t > app.top_len
        if lower.any():
            out[lower] = fabric_colors(bot_fab, u[lower], w[lower])
        return out
    top = fig.neck - (bottom - fig.neck) * 0.06
    sweep(layer, top, bottom, t_k, W_k, k1_k, k2_k, 0.02 * s, 0.07 * s,
          torso_mat, PART_IDS['torso'], app.light, s)
    return Lb


def _draw_legs(layer: Layer, fig: _Figure, Lb: np.ndarray) -> None:
    """Thighs and shins (trousers to ``leg_end``, striped), feet pointing forward."""
    b, app, s, P3, C3 = fig.body, fig.app, fig.s, fig.P3, fig.C3
    light, skin = app.light, app.skin
    for side, S in ((1, 'l'), (-1, 'r')):
        hi, ki, ai = (11, 13, 15) if side == 1 else (12, 14, 16)
        limb(layer, P3[hi], P3[ki], b.thigh_r[0] * s, b.thigh_r[1] * s,
             garment_material(0, 1, app.leg_end, app.bottom, skin, True),
             PART_IDS[f'{S}_thigh'], light, s)
        limb(layer, P3[ki], P3[ai], b.shin_r[0] * s, b.shin_r[1] * s,
             garment_material(1, 2, app.leg_end, app.bottom, skin, True),
             PART_IDS[f'{S}_shin'], light, s)
        # foot: forward (from the hips' left-right axis), perpendicular to shin
        shin = _unit(C3[ai] - C3[ki])
        fwd = np.array([-Lb[2], 0.0, Lb[0]])
        fwd = _unit(fwd - shin * (fwd @ shin))
        toe_c = C3[ai] + (fwd * b.foot_len * 0.8 + shin * b.ankle_height * 0.7) * s
        heel_c = C3[ai] + (shin * b.ankle_height * 0.6 - fwd * b.foot_len * 0.15) * s
        toe, heel = toe_c * [1, -1, 1], heel_c * [1, -1, 1]
        limb(layer, heel, toe, b.foot_r * s * 1.1, b.foot_r * s, solid_material(app.shoe),
             PART_IDS[f'{S}_foot'], light, s)


def _draw_arms(layer: Layer, fig: _Figure) -> None:
    """Upper arms and forearms (sleeves to ``sleeve_end``, striped), gloved hands."""
    b, app, s, P3, C3 = fig.body, fig.app, fig.s, fig.P3, fig.C3
    light, skin = app.light, app.skin
    for side, S in ((1, 'l'), (-1, 'r')):
        si, ei, wi = (5, 7, 9) if side == 1 else (6, 8, 10)
        limb(layer, P3[si], P3[ei], b.upper_arm_r[0] * s, b.upper_arm_r[1] * s,
             garment_material(0, 1, app.sleeve_end, app.top, skin, True),
             PART_IDS[f'{S}_upper_arm'], light, s)
        limb(layer, P3[ei], P3[wi], b.forearm_r[0] * s, b.forearm_r[1] * s,
             garment_material(1, 2, app.sleeve_end, app.top, skin, True),
             PART_IDS[f'{S}_forearm'], light, s)
        fa = C3[wi] - C3[ei]
        tip = (C3[wi] + fa * (b.hand_len / b.forearm)) * [1, -1, 1]
        limb(layer, P3[wi], tip, b.hand_r * s * 0.9, b.hand_r * s * 1.05,
             solid_material(app.marker), PART_IDS[f'{S}_hand'], light, s,
             capB=b.hand_r * s * 1.3)


def _draw_head_parts(layer: Layer, fig: _Figure) -> None:
    """Neck, long hair, ears, the head with its face, and the nose bump."""
    b, app, s, P3, C3, R = fig.body, fig.app, fig.s, fig.P3, fig.C3, fig.R
    light, skin = app.light, app.skin
    f3, u3 = fig.f3, fig.u3
    hc = fig.head * _FLIP_Y
    limb(layer, fig.neck, fig.head, b.neck_r * s, b.neck_r * s * 0.9,
         solid_material(np.asarray(skin) * 0.9), PART_IDS['neck'], light, s)
    if app.hair_style == 'long':
        a_ = (hc - u3 * 0.1 * R - f3 * 0.45 * R) * [1, -1, 1]
        b_ = (hc - u3 * 1.7 * R - f3 * 0.55 * R) * [1, -1, 1]
        limb(layer, a_, b_, 0.95 * R, 0.7 * R, solid_material(app.hair), PART_IDS['hair'],
             light, s)
    for ei in (3, 4):
        limb(layer, P3[ei], P3[ei] + [0, 0.02 * R, 0], 0.2 * R, 0.2 * R,
             solid_material(np.asarray(skin) * 0.85), PART_IDS['ear'], light, s)
    draw_head(layer, fig.head, R, f3, u3, fig.l3, C3, app)
    # nose: a small bump that sticks out of the profile
    limb(layer, (C3[0] - f3 * 0.25 * R) * [1, -1, 1], (C3[0] + f3 * 0.12 * R) * [1, -1, 1],
         0.15 * R, 0.12 * R, solid_material(np.asarray(skin) * 0.93), HEAD, light, s)


def _self_visibility(layer: Layer, fig: _Figure, kp: np.ndarray) -> np.ndarray:
    """Keypoints not hidden by the person's own body: the drawn surface at
    the keypoint's pixel is at most about a limb radius nearer than the joint."""
    b, s, R = fig.body, fig.s, fig.R
    r_at = np.array([0.4 * R, 0.4 * R, 0.4 * R, 0.45 * R, 0.45 * R] +
                    [2.0 * b.upper_arm_r[0] * s] * 2 +
                    [1.3 * max(b.upper_arm_r[1], b.forearm_r[0]) * s] * 2 +
                    [1.3 * max(b.forearm_r[1], b.hand_r) * s] * 2 +
                    [2.0 * b.thigh_r[0] * s] * 2 + [1.3 * b.thigh_r[1] * s] * 2 +
                    [1.3 * max(b.shin_r[1], b.foot_r) * s] * 2) + 1.0
    self_vis = np.ones(17, bool)
    for k in range(17):
        px, py = int(round(kp[k, 0])) - layer.x0, int(round(kp[k, 1])) - layer.y0
        if 0 <= px < layer.w and 0 <= py < layer.h:
            self_vis[k] = layer.z[py, px] <= fig.z[k] + r_at[k]
    return self_vis


def _composite(canvas: np.ndarray, layer: Layer, mask: np.ndarray):
    """Blend the layer onto the canvas by coverage; fill ``mask``; return the bbox."""
    x0, y0 = layer.x0, layer.y0
    x1, y1 = x0 + layer.w, y0 + layer.h
    cov = layer.cov[..., None]
    region = canvas[y0:y1, x0:x1].astype(np.float32)
    out = region * (1 - cov) + np.clip(layer.col, 0, 255) * cov
    canvas[y0:y1, x0:x1] = np.clip(out + 0.5, 0, 255).astype(np.uint8)
    m = layer.cov >= 0.5
    mask[y0:y1, x0:x1] = m
    ys, xs = np.nonzero(m)
    return None if len(xs) == 0 else (int(xs.min()) + x0, int(ys.min()) + y0,
                                      int(xs.max()) + x0, int(ys.max()) + y0)


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
    fig = _figure(kp, body, appearance, facing, depth, height_px)
    x0, y0, x1, y1 = _layer_box(kp, fig, W, H)
    mask = np.zeros((H, W), bool)
    if x0 >= x1 or y0 >= y1:
        return PersonRender(mask, np.ones(17, bool), None, fig.s)
    layer = Layer(x0, y0, x1, y1)
    Lb = _draw_torso(layer, fig)
    _draw_legs(layer, fig, Lb)
    _draw_arms(layer, fig)
    _draw_head_parts(layer, fig)
    self_vis = _self_visibility(layer, fig, kp)
    bbox = _composite(canvas, layer, mask)
    return PersonRender(mask, self_vis, bbox, fig.s)
