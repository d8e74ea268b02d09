"""Procedural skeleton actions: COCO-17 motion for 10 action classes, rendered
to low-resolution video with ground-truth skeletons kept.

A clip is a person (random body proportions) performing one action with
random speed, phase, amplitude, view angle, position, scale and motion noise.
The motion is a small 3D kinematic model (joint angles -> 3D joints -> 17
COCO keypoints by orthographic projection, so turning around and view angles
foreshorten correctly). Frames are drawn at high resolution by the procedural
people renderer (:mod:`lrpose_mm.datasets.synthetic.render`), then shrunk by
``scale`` (INTER_AREA) to the low-resolution video, where people are about
32 to 48 pixels tall.

Everything is deterministic by ``(seed, clip index)``: clip ``k`` of a
dataset does not depend on how many clips were generated before it, so an
interrupted generation resumes and reproduces the same data. The split is
fixed: every 5th clip of each class (``k % 5 == 4``) is ``val``.

Left and right are kept apart: ``wave_left_hand`` moves COCO's ``left_wrist``
(the person's own left), whatever the view angle.
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

ACTION_CLASSES = ('wave_left_hand', 'wave_right_hand', 'clap', 'punch',
                  'kick', 'squat', 'jump', 'bow', 'raise_both_arms',
                  'turn_around')

COCO_KEYPOINTS = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
                  'left_shoulder', 'right_shoulder', 'left_elbow',
                  'right_elbow', 'left_wrist', 'right_wrist', 'left_hip',
                  'right_hip', 'left_knee', 'right_knee', 'left_ankle',
                  'right_ankle')
COCO_SKELETON = ((15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11),
                 (6, 12), (5, 6), (5, 7), (6, 8), (7, 9), (8, 10), (1, 2),
                 (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6))

TAU = 2 * math.pi


# ----------------------------------------------------------------------------
# body proportions (fractions of standing height) and motion parameters
# ----------------------------------------------------------------------------
def sample_proportions(rng: np.random.Generator) -> Dict[str, float]:
    """Random limb lengths as fractions of the standing height."""
    j = lambda v, r=0.08: float(v * (1 + rng.uniform(-r, r)))  # noqa: E731
    return dict(head_r=j(0.062), neck=j(0.035), torso=j(0.29),
                shoulder_w=j(0.115, 0.12), hip_w=j(0.075, 0.12),
                upper_arm=j(0.175), forearm=j(0.16), thigh=j(0.245),
                shin=j(0.245))


def _smooth_noise(rng, t: np.ndarray, amp: float) -> np.ndarray:
    """Low-frequency noise: two random sinusoids (1-3 cycles per clip)."""
    out = np.zeros_like(t)
    for _ in range(2):
        f = rng.uniform(0.5, 3.0)
        out += rng.normal(0, amp / 1.4) * np.sin(TAU * (f * t + rng.random()))
    return out


def _dir(elev, azim, side):
    """Unit limb direction: elev 0 = straight down, pi = straight up; azim 0
    = sideways outward (towards ``side``: +1 person's left), pi/2 =
    forward."""
    elev, azim = np.asarray(elev), np.asarray(azim)
    return np.stack([side * np.sin(elev) * np.cos(azim), -np.cos(elev),
                     np.sin(elev) * np.sin(azim)], -1)


def _pulse(x: np.ndarray, sharp: float = 1.0) -> np.ndarray:
    """Periodic 0..1 bump (period 1)."""
    s = 0.5 - 0.5 * np.cos(TAU * x)
    return s**sharp


def action_angles(label: int, rng: np.random.Generator, t: np.ndarray
                  ) -> Dict[str, np.ndarray]:
    """Joint-angle tracks (each of shape (T,)) of one action clip.

    Keys: ``{l,r}_arm_e/a`` (upper arm elevation/azimuth), ``{l,r}_fore_e/a``
    (forearm, absolute), ``{l,r}_thigh``, ``{l,r}_knee`` (flexion),
    ``pitch`` (trunk bow), ``yaw`` (body turn), ``lift`` (airborne height,
    fraction of height).
    """
    T = len(t)
    name = ACTION_CLASSES[label]
    amp = rng.uniform(0.75, 1.2)
    speed = rng.uniform(0.75, 1.35)
    phase = rng.random()
    z = np.zeros(T)
    # relaxed stance
    a: Dict[str, np.ndarray] = {}
    for s in 'lr':
        a[f'{s}_arm_e'] = z + rng.uniform(0.08, 0.3)
        a[f'{s}_arm_a'] = z + rng.uniform(0.0, 0.6)
        a[f'{s}_fore_e'] = a[f'{s}_arm_e'] + rng.uniform(0.0, 0.35)
        a[f'{s}_fore_a'] = z + rng.uniform(0.6, 1.4)
        a[f'{s}_thigh'] = z + rng.uniform(-0.05, 0.08)
        a[f'{s}_knee'] = z + rng.uniform(0.0, 0.12)
        a[f'{s}_leg_out'] = z + rng.uniform(0.02, 0.12)
    a['pitch'] = z + rng.uniform(-0.03, 0.05)
    a['yaw'] = z.copy()
    a['lift'] = z.copy()
    x = speed * t

    if name in ('wave_left_hand', 'wave_right_hand'):
        s = 'l' if name == 'wave_left_hand' else 'r'
        cyc = 3.0 * x + phase
        a[f'{s}_arm_e'] = z + rng.uniform(1.6, 2.2)
        a[f'{s}_arm_a'] = z + rng.uniform(0.0, 0.5)
        # forearm up, swinging sideways in the frontal plane
        th = 0.25 + 0.45 * amp * np.sin(TAU * cyc)
        a[f'{s}_fore_e'] = np.pi - np.abs(th) - 0.15
        a[f'{s}_fore_a'] = np.where(th >= 0, 0.2, np.pi - 0.2)
    elif name == 'clap':
        cyc = 2.5 * x + phase
        c = _pulse(cyc)
        for s in 'lr':
            a[f'{s}_arm_e'] = z + rng.uniform(1.1, 1.5)
            a[f'{s}_arm_a'] = z + 1.2
            a[f'{s}_fore_e'] = z + rng.uniform(1.4, 1.8)
            a[f'{s}_fore_a'] = 1.3 + 0.9 * amp * c  # inwards to the midline
    elif name == 'punch':
        cyc = 2.0 * x + phase
        for s, off in (('l', 0.0), ('r', 0.5)):
            u = (cyc + off) % 1.0
            p = np.where(u < 0.5, _pulse(2 * u, 2.0), 0.0)
            a[f'{s}_arm_e'] = 0.7 + (0.85 * amp) * p
            a[f'{s}_arm_a'] = z + 1.45
            a[f'{s}_fore_e'] = 2.3 - (0.75 * amp) * p
            a[f'{s}_fore_a'] = z + 1.57
    elif name == 'kick':
        s = 'l' if rng.random() < 0.5 else 'r'
        cyc = 1.6 * x + phase
        p = _pulse(cyc, 1.5)
        a[f'{s}_thigh'] = 1.25 * amp * p
        a[f'{s}_knee'] = 0.2 + 1.0 * np.clip(np.sin(TAU * cyc), 0, 1) * (
            1 - p) + 0.1
        for o in 'lr':
            a[f'{o}_arm_e'] = z + rng.uniform(0.4, 0.7)
            a[f'{o}_arm_a'] = z + 0.3
            a[f'{o}_fore_e'] = z + rng.uniform(0.8, 1.4)
        a['pitch'] = a['pitch'] - 0.15 * p
    elif name == 'squat':
        cyc = 1.3 * x + phase
        p = _pulse(cyc)
        for s in 'lr':
            a[f'{s}_thigh'] = 1.35 * amp * p
            a[f'{s}_knee'] = 2.3 * amp * p
            a[f'{s}_arm_e'] = a[f'{s}_arm_e'] + 1.2 * p
            a[f'{s}_arm_a'] = z + 1.4
            a[f'{s}_fore_e'] = a[f'{s}_arm_e'] + 0.1
        a['pitch'] = a['pitch'] + 0.45 * p
    elif name == 'jump':
        cyc = 1.8 * x + phase
        u = cyc % 1.0
        air = np.clip(np.sin(TAU * (u - 0.25) / 1.0 * 1.0), 0, None) * (
            (u > 0.25) & (u < 0.75))
        crouch = _pulse(u * 2, 1.0) * (u < 0.25) + _pulse(
            (u - 0.75) * 2, 1.0) * (u >= 0.75)
        a['lift'] = 0.14 * amp * air
        for s in 'lr':
            a[f'{s}_thigh'] = 0.7 * crouch + 0.1 * air
            a[f'{s}_knee'] = 1.1 * crouch + 0.15 * air
            a[f'{s}_arm_e'] = 0.25 + 2.3 * air + 0.3 * crouch
            a[f'{s}_arm_a'] = z + 1.2
            a[f'{s}_fore_e'] = a[f'{s}_arm_e'] + 0.1
        a['pitch'] = a['pitch'] + 0.3 * crouch
    elif name == 'bow':
        cyc = 1.1 * x + phase
        a['pitch'] = a['pitch'] + 1.05 * amp * _pulse(cyc, 1.3)
        for s in 'lr':
            a[f'{s}_arm_e'] = z + rng.uniform(0.02, 0.12)
            a[f'{s}_fore_e'] = a[f'{s}_arm_e'] + 0.05
    elif name == 'raise_both_arms':
        cyc = 1.3 * x + phase
        p = _pulse(cyc, 0.8)
        az = rng.uniform(0.0, 1.4)
        for s in 'lr':
            a[f'{s}_arm_e'] = 0.2 + 2.6 * min(amp, 1.05) * p
            a[f'{s}_arm_a'] = z + az
            a[f'{s}_fore_e'] = a[f'{s}_arm_e'] + 0.08
            a[f'{s}_fore_a'] = z + az
    elif name == 'turn_around':
        turns = rng.choice([-1, 1]) * (0.8 + 0.4 * speed)
        ramp = np.clip((t - 0.1) / 0.8, 0, 1)
        a['yaw'] = turns * TAU * (0.5 - 0.5 * np.cos(np.pi * ramp))
        for s, o in (('l', 0.0), ('r', 0.5)):
            a[f'{s}_arm_e'] = a[f'{s}_arm_e'] + 0.15 * np.sin(
                TAU * (3 * x + o))
    else:  # pragma: no cover
        raise ValueError(label)

    # motion noise on every angle track
    for k in list(a):
        if k in ('lift', ):
            continue
        a[k] = a[k] + _smooth_noise(rng, t, 0.06 if k != 'yaw' else 0.08)
    return a


def skeleton_3d(angles: Dict[str, np.ndarray], prop: Dict[str, float]
                ) -> np.ndarray:
    """Joint angles -> (T, 17, 3) COCO joints (+x person's left, +y up,
    +z forward; height 1, feet on the ground unless ``lift``)."""
    T = len(angles['pitch'])
    J = np.zeros((T, 17, 3))
    ex = np.array([1.0, 0, 0])
    up = np.array([0, 1.0, 0])
    fw = np.array([0, 0, 1.0])
    hip_c = np.zeros((T, 3))  # pelvis centre (origin; set later)
    cp, sp = np.cos(angles['pitch']), np.sin(angles['pitch'])

    def trunk(v):  # rotate trunk-frame vectors by the bow pitch (about x)
        v = np.broadcast_to(v, (T, 3))
        return np.stack([v[:, 0], v[:, 1] * cp - v[:, 2] * sp,
                         v[:, 1] * sp + v[:, 2] * cp], -1)

    sh_c = hip_c + trunk(up * prop['torso'])
    for s, side, i_sh, i_el, i_wr, i_hip, i_kn, i_an in (
            ('l', 1, 5, 7, 9, 11, 13, 15), ('r', -1, 6, 8, 10, 12, 14, 16)):
        sh = sh_c + trunk(ex * side * prop['shoulder_w'])
        el = sh + trunk(_dir(angles[f'{s}_arm_e'], angles[f'{s}_arm_a'],
                             side)) * prop['upper_arm']
        wr = el + trunk(_dir(angles[f'{s}_fore_e'], angles[f'{s}_fore_a'],
                             side)) * prop['forearm']
        hp = hip_c + ex * side * prop['hip_w']
        out = angles[f'{s}_leg_out'][:, None]
        th = angles[f'{s}_thigh'][:, None]
        kn_dir = np.concatenate([side * np.sin(out), -np.cos(th) * np.cos(out),
                                 np.sin(th) * np.cos(out)], 1)
        kn = hp + kn_dir * prop['thigh']
        sh_e = th - angles[f'{s}_knee'][:, None]
        an_dir = np.concatenate([side * np.sin(out), -np.cos(sh_e) *
                                 np.cos(out), np.sin(sh_e) * np.cos(out)], 1)
        an = kn + an_dir * prop['shin']
        J[:, i_sh], J[:, i_el], J[:, i_wr] = sh, el, wr
        J[:, i_hip], J[:, i_kn], J[:, i_an] = hp, kn, an
    r = prop['head_r']
    head = sh_c + trunk(up * (prop['neck'] + r))
    J[:, 0] = head + trunk(fw * 0.95 * r - up * 0.15 * r)
    for side, i_eye, i_ear in ((1, 1, 3), (-1, 2, 4)):
        J[:, i_eye] = head + trunk(fw * 0.75 * r + ex * side * 0.38 * r +
                                   up * 0.15 * r)
        J[:, i_ear] = head + trunk(ex * side * 0.95 * r - fw * 0.05 * r)
    # feet on the ground (ankle height ~0.04), then airborne lift
    ground = J[:, [15, 16], 1].min(1)
    J[:, :, 1] += (0.04 - ground)[:, None] + angles['lift'][:, None]
    # body turn (about the vertical axis through the pelvis)
    cy, sy = np.cos(angles['yaw']), np.sin(angles['yaw'])
    X, Z = J[..., 0].copy(), J[..., 2].copy()
    J[..., 0] = X * cy[:, None] + Z * sy[:, None]
    J[..., 2] = -X * sy[:, None] + Z * cy[:, None]
    return J


def project(J: np.ndarray, view_yaw: float, height_px: float,
            center_x: float, ground_y: float, roll: float = 0.0
            ) -> np.ndarray:
    """Orthographic camera: (T,17,3) -> (T,17,2) pixels. The camera looks at
    the person's front when ``view_yaw`` = 0 (person's left on image
    right)."""
    c, s = math.cos(view_yaw), math.sin(view_yaw)
    x = J[..., 0] * c + J[..., 2] * s
    y = J[..., 1]
    cr, sr = math.cos(roll), math.sin(roll)
    xr, yr = x * cr - y * sr, x * sr + y * cr
    return np.stack([center_x + height_px * xr, ground_y - height_px * yr],
                    -1)


def depth_order(J: np.ndarray, view_yaw: float) -> np.ndarray:
    """(T,17) depth towards the camera (larger = nearer)."""
    c, s = math.cos(view_yaw), math.sin(view_yaw)
    return -J[..., 0] * s + J[..., 2] * c


# ----------------------------------------------------------------------------
# a clip
# ----------------------------------------------------------------------------
def clip_rng(seed: int, label: int, index: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(label), int(index), 5])


def clip_split(index: int) -> str:
    return 'val' if index % 5 == 4 else 'train'


def sample_clip(seed: int, label: int, index: int, num_frames: int = 48,
                lr_size: Tuple[int, int] = (80, 64), scale: int = 4,
                person_height_lr: Tuple[float, float] = (32, 48)
                ) -> Dict[str, object]:
    """The motion of one clip (no pixels): HR keypoints (T,17,2), the
    joint depth (T,17), body proportions, view and the clip's RNG (for the
    renderer, so rendering stays deterministic too)."""
    rng = clip_rng(seed, label, index)
    t = np.arange(num_frames) / float(num_frames)
    prop = sample_proportions(rng)
    ang = action_angles(label, rng, t)
    J = skeleton_3d(ang, prop)
    view = float(rng.uniform(-0.6, 0.6))
    roll = float(rng.normal(0, 0.03))
    W, H = lr_size[0] * scale, lr_size[1] * scale
    hpx = float(rng.uniform(*person_height_lr)) * scale
    kp = project(J, view, hpx, 0.0, 0.0, roll)
    # head top is ~1 head radius above the eyes; place the clip's extent
    lo = kp.reshape(-1, 2).min(0)
    hi = kp.reshape(-1, 2).max(0)
    lo[1] -= prop['head_r'] * hpx * 1.2
    ext = hi - lo
    margin = 2.0 * scale
    if ext[1] + 2 * margin > H or ext[0] + 2 * margin > W:  # shrink to fit
        f = min((H - 2 * margin) / ext[1], (W - 2 * margin) / ext[0])
        kp *= f
        hpx *= f
        lo *= f
        hi *= f
        ext = hi - lo
    ox = rng.uniform(margin - lo[0], W - margin - hi[0])
    oy = rng.uniform(margin - lo[1], H - margin - hi[1])
    kp = kp + np.array([ox, oy])
    return dict(label=label, index=index, name=ACTION_CLASSES[label],
                keypoints=kp.astype(np.float32),
                depth=depth_order(J, view).astype(np.float32),
                proportions=prop, view_yaw=view, height_px=hpx,
                hr_size=(W, H), lr_size=tuple(lr_size), scale=scale, rng=rng)


def hr_to_lr(kp: np.ndarray, scale: float) -> np.ndarray:
    """Pixel-centre mapping of an area downscale by ``scale``."""
    return (kp + 0.5) / scale - 0.5


# ----------------------------------------------------------------------------
# rendering
# ----------------------------------------------------------------------------
class StickRenderer:
    """Minimal built-in renderer (thick limbs, head disc, textured
    background). Used only when the procedural people renderer is not
    available, or when asked for (``renderer='stick'``)."""
    name = 'stick'

    def setup(self, rng: np.random.Generator, clip: Dict) -> Dict:
        import cv2
        W, H = clip['hr_size']
        base = rng.uniform(40, 215, 3)
        grad = rng.uniform(-60, 60, 3)
        yy = np.linspace(0, 1, H)[:, None, None]
        bg = np.clip(base + grad * yy + np.zeros((H, W, 3)), 0, 255)
        for _ in range(int(rng.integers(3, 9))):  # clutter blobs
            c = tuple(float(v) for v in rng.uniform(0, 255, 3))
            p = (int(rng.integers(0, W)), int(rng.integers(0, H)))
            ax = (int(rng.integers(5, W // 4)), int(rng.integers(5, H // 4)))
            cv2.ellipse(bg, p, ax, float(rng.uniform(0, 180)), 0, 360, c, -1)
        bg = cv2.GaussianBlur(bg.astype(np.uint8), (0, 0), 3)
        bg = np.clip(bg + rng.normal(0, 4, bg.shape), 0, 255).astype(np.uint8)
        shirt = rng.uniform(0, 255, 3)
        pants = rng.uniform(0, 255, 3)
        skin = np.array([rng.uniform(60, 200)] * 3) * np.array([0.8, 0.9, 1.1])
        return dict(bg=bg, shirt=shirt, pants=pants, skin=np.clip(skin, 0, 255),
                    width=clip['height_px'] * rng.uniform(0.05, 0.07))

    def draw(self, state: Dict, kp: np.ndarray, depth: np.ndarray
             ) -> np.ndarray:
        import cv2
        img = state['bg'].copy()
        w = max(2, int(round(state['width'])))
        S = 8  # sub-pixel precision for cv2 drawing
        limbs = [((5, 7), 'shirt', 0.9), ((7, 9), 'skin', 0.7),
                 ((6, 8), 'shirt', 0.9), ((8, 10), 'skin', 0.7),
                 ((11, 13), 'pants', 1.1), ((13, 15), 'pants', 1.0),
                 ((12, 14), 'pants', 1.1), ((14, 16), 'pants', 1.0)]
        items = [(float(depth[[i, j]].mean()), (i, j), c, f)
                 for (i, j), c, f in limbs]
        items.append((float(depth[[5, 6, 11, 12]].mean()), None, 'shirt', 1))
        items.append((float(depth[0]), 'head', 'skin', 1))
        for _, ij, c, f in sorted(items, key=lambda x: x[0]):
            col = tuple(float(v) for v in state[c])
            if ij is None:
                torso = kp[[5, 6, 12, 11]]
                cv2.fillConvexPoly(img, np.round(torso * S).astype(np.int32),
                                   col, cv2.LINE_AA, 3)
                for a, b in ((5, 6), (11, 12), (5, 11), (6, 12)):
                    cv2.line(img, tuple(np.round(kp[a] * S).astype(int)),
                             tuple(np.round(kp[b] * S).astype(int)), col, w,
                             cv2.LINE_AA, 3)
            elif ij == 'head':
                r = max(2.0, float(np.linalg.norm(kp[3] - kp[4])) * 0.6,
                        0.9 * w)
                c0 = kp[[1, 2, 3, 4]].mean(0)
                neck = (kp[5] + kp[6]) / 2
                cv2.line(img, tuple(np.round(neck * S).astype(int)),
                         tuple(np.round(c0 * S).astype(int)), col,
                         max(1, int(w * 0.7)), cv2.LINE_AA, 3)
                cv2.circle(img, tuple(np.round(c0 * S).astype(int)),
                           int(r * S), col, -1, cv2.LINE_AA, 3)
            else:
                i, j = ij
                cv2.line(img, tuple(np.round(kp[i] * S).astype(int)),
                         tuple(np.round(kp[j] * S).astype(int)), col,
                         max(1, int(w * f)), cv2.LINE_AA, 3)
        return img


def make_renderer(kind: str = 'auto'):
    """'procedural' (the project's people renderer), 'stick', or 'auto'
    (procedural when importable, else stick)."""
    if kind in ('auto', 'procedural'):
        try:
            return ProceduralRenderer()
        except ImportError:
            if kind == 'procedural':
                raise
    if kind in ('auto', 'stick'):
        return StickRenderer()
    raise ValueError(f"renderer must be 'auto', 'procedural' or 'stick', "
                     f'got {kind!r}')


class ProceduralRenderer:
    """Adapter to :mod:`lrpose_mm.datasets.synthetic.render` /
    ``people``."""
    name = 'procedural'

    def __init__(self):
        raise ImportError('procedural people renderer not available yet')
