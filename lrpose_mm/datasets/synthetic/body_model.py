"""A small 3D kinematic body model: named joint angles -> 17 COCO keypoints.

Conventions
-----------
* Body units: a standing person is about 1.0 tall (sole to top of head).
* Camera space is right-handed: ``x`` to the image right, ``y`` up, ``z``
  towards the camera (larger ``z`` = nearer). Projection is orthographic:
  ``u = root_x + s * x``, ``v = root_y - s * y`` with ``s`` pixels per body
  unit, and the returned depth is ``s * z`` (pixels, nearer = larger).
* Body frame: ``L`` (the person's own left), ``U`` (up), ``F`` (forward,
  where the face points), with ``F = L x U``. ``yaw = 0`` means the person
  faces the camera, so their left side appears on the image *right*;
  ``yaw = 90`` means they face the image right.
* Angles are in degrees. Every joint is an explicit named field of
  :class:`JointAngles`, so an animation is just a sequence of
  ``JointAngles`` (e.g. interpolate ``r_shoulder_abd`` to wave).

Everything here is pure numpy and deterministic; the COCO-17 layout comes from
MMPose's dataset metainfo.
"""
from dataclasses import asdict, dataclass, fields, replace
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from ..metainfo import coco_metainfo

# --------------------------------------------------------------------------
# COCO-17 layout
# --------------------------------------------------------------------------
_COCO = coco_metainfo()   # MMPose's COCO-17 description, the one definition
COCO_KEYPOINTS = tuple(_COCO['keypoint_id2name'][i] for i in range(_COCO['num_keypoints']))
#: COCO's skeleton, 1-based as in ``person_keypoints_*.json``.
COCO_SKELETON = tuple((a + 1, b + 1) for a, b in _COCO['skeleton_links'])
#: left/right pairs (0-based) for horizontal flipping.
COCO_FLIP_PAIRS = tuple(sorted({tuple(sorted(p)) for p in _COCO['flip_pairs']}))
#: COCO's per-keypoint OKS sigmas.
COCO_SIGMAS = tuple(round(float(s), 6) for s in _COCO['sigmas'])
KPT_INDEX = {n: i for i, n in enumerate(COCO_KEYPOINTS)}


def coco_person_category() -> dict:
    """The ``categories[0]`` entry of a COCO person-keypoints file."""
    return dict(supercategory='person', id=1, name='person',
                keypoints=list(COCO_KEYPOINTS),
                skeleton=[list(p) for p in COCO_SKELETON])


# --------------------------------------------------------------------------
# body proportions
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class BodyShape:
    """Proportions in body units (standing height ~1). Radii are half-widths
    of the limbs at their two ends (proximal, distal)."""
    head_radius: float = 0.062
    neck_len: float = 0.045          # neck base (shoulder midpoint) -> head bottom
    torso_len: float = 0.30          # neck base -> pelvis centre
    shoulder_width: float = 0.23     # between shoulder joints
    hip_width: float = 0.17          # between hip joints
    upper_arm: float = 0.18
    forearm: float = 0.155
    hand_len: float = 0.085
    thigh: float = 0.245
    shin: float = 0.245
    ankle_height: float = 0.04
    foot_len: float = 0.13
    upper_arm_r: Tuple[float, float] = (0.033, 0.026)
    forearm_r: Tuple[float, float] = (0.026, 0.019)
    hand_r: float = 0.021
    thigh_r: Tuple[float, float] = (0.052, 0.036)
    shin_r: Tuple[float, float] = (0.035, 0.023)
    foot_r: float = 0.021
    neck_r: float = 0.026
    chest_depth: float = 0.075       # half thickness of the chest (front-back)
    waist_width: float = 0.085       # half width of the torso at the waist
    hip_depth: float = 0.07          # half thickness at the hips

    @property
    def standing_height(self) -> float:
        """Sole to top of head when standing straight."""
        return (self.ankle_height + self.shin + self.thigh + self.torso_len
                + self.neck_len + 2.08 * self.head_radius)

    def to_dict(self) -> dict:
        return asdict(self)


def sample_body(rng: np.random.Generator) -> BodyShape:
    """Random plausible adult proportions (ratios drawn around
    anthropometric means, with a build factor for limb/torso widths)."""
    u = lambda lo, hi: float(rng.uniform(lo, hi))  # noqa: E731
    build = u(0.82, 1.3)                 # thin .. heavy
    legs = u(0.93, 1.07)                 # relative leg length
    arms = u(0.94, 1.06)
    shoulders = u(0.88, 1.12)
    r = u(0.055, 0.07)
    w = lambda a, b: (a * build, b * build)  # noqa: E731
    return BodyShape(
        head_radius=r,
        neck_len=u(0.035, 0.055),
        torso_len=u(0.28, 0.32),
        shoulder_width=0.23 * shoulders,
        hip_width=u(0.15, 0.19) * (0.5 + 0.5 * build),
        upper_arm=0.18 * arms, forearm=0.155 * arms, hand_len=u(0.075, 0.09),
        thigh=0.245 * legs, shin=0.245 * legs,
        ankle_height=u(0.035, 0.045), foot_len=u(0.12, 0.14),
        upper_arm_r=w(0.033, 0.026), forearm_r=w(0.026, 0.019),
        hand_r=u(0.019, 0.023),
        thigh_r=w(0.052, 0.036), shin_r=w(0.035, 0.023), foot_r=u(0.019, 0.023),
        neck_r=0.026 * (0.6 + 0.4 * build),
        chest_depth=0.072 * build, waist_width=u(0.075, 0.09) * build,
        hip_depth=0.068 * build)


# --------------------------------------------------------------------------
# joint angles
# --------------------------------------------------------------------------
@dataclass
class JointAngles:
    """Named joint angles in degrees (see module docstring for the frames).

    Whole body: ``yaw`` (facing; 0 = towards the camera, 90 = towards the
    image right), ``pitch`` (tilt towards(+)/away from the camera, like a
    camera elevation), ``roll`` (in-image rotation, + = counter-clockwise as
    seen in the image).
    Spine (at the pelvis): ``spine_bend`` (+ forward), ``spine_side`` (+ to
    the person's left), ``spine_twist`` (+ upper body turns to its left).
    Head: ``neck_pitch`` (+ looks down), ``neck_yaw`` (+ turns to its
    left), ``neck_roll`` (+ tilts to its left).
    Arms: ``*_shoulder_flex`` (0 hanging, 90 forward horizontal, 180
    overhead, negative = backwards), ``*_shoulder_abd`` (+ raised sideways
    away from the body), ``*_shoulder_rot`` (rotation about the upper arm, + = external: a
    bent forearm turns outwards when the arm hangs, upwards when it is
    raised sideways as in waving),
    ``*_elbow`` (0 straight .. 150).
    Legs: ``*_hip_flex`` (+ thigh forward), ``*_hip_abd`` (+ outwards),
    ``*_knee`` (0 straight .. 150, the shin folds backwards).
    """
    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    spine_bend: float = 0.0
    spine_side: float = 0.0
    spine_twist: float = 0.0
    neck_pitch: float = 0.0
    neck_yaw: float = 0.0
    neck_roll: float = 0.0
    l_shoulder_flex: float = 0.0
    l_shoulder_abd: float = 8.0
    l_shoulder_rot: float = 0.0
    l_elbow: float = 10.0
    r_shoulder_flex: float = 0.0
    r_shoulder_abd: float = 8.0
    r_shoulder_rot: float = 0.0
    r_elbow: float = 10.0
    l_hip_flex: float = 0.0
    l_hip_abd: float = 3.0
    l_knee: float = 3.0
    r_hip_flex: float = 0.0
    r_hip_abd: float = 3.0
    r_knee: float = 3.0

    def to_dict(self) -> Dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Dict[str, float]) -> 'JointAngles':
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise KeyError(f'unknown joint angle(s) {sorted(unknown)}; '
                           f'known: {sorted(names)}')
        return cls(**{k: float(v) for k, v in d.items()})

    def replace(self, **kw) -> 'JointAngles':
        return replace(self, **kw)

    def clipped(self) -> 'JointAngles':
        """Copy with every limited joint clipped to :data:`JOINT_LIMITS`."""
        d = self.to_dict()
        for k, (lo, hi) in JOINT_LIMITS.items():
            d[k] = float(np.clip(d[k], lo, hi))
        return JointAngles(**d)


#: plausible ranges (degrees) of the anatomical joints (not yaw).
JOINT_LIMITS = {
    'pitch': (-25, 25), 'roll': (-35, 35),
    'spine_bend': (-25, 95), 'spine_side': (-30, 30), 'spine_twist': (-45, 45),
    'neck_pitch': (-40, 50), 'neck_yaw': (-70, 70), 'neck_roll': (-30, 30),
    **{f'{s}_shoulder_flex': (-60, 180) for s in 'lr'},
    **{f'{s}_shoulder_abd': (-25, 180) for s in 'lr'},
    **{f'{s}_shoulder_rot': (-90, 100) for s in 'lr'},
    **{f'{s}_elbow': (0, 150) for s in 'lr'},
    **{f'{s}_hip_flex': (-30, 125) for s in 'lr'},
    **{f'{s}_hip_abd': (-15, 60) for s in 'lr'},
    **{f'{s}_knee': (0, 150) for s in 'lr'},
}


def interpolate_angles(a: JointAngles, b: JointAngles, t: float) -> JointAngles:
    """Linear blend ``(1-t) a + t b`` (yaw along the shortest arc)."""
    da, db = a.to_dict(), b.to_dict()
    out = {k: (1 - t) * da[k] + t * db[k] for k in da}
    dyaw = (db['yaw'] - da['yaw'] + 180.0) % 360.0 - 180.0
    out['yaw'] = da['yaw'] + t * dyaw
    return JointAngles(**out)


# --------------------------------------------------------------------------
# forward kinematics
# --------------------------------------------------------------------------
def _rot(axis: np.ndarray, deg: float) -> np.ndarray:
    """Rodrigues rotation matrix about a unit axis."""
    a = np.radians(deg)
    x, y, z = axis / (np.linalg.norm(axis) + 1e-12)
    c, s, C = np.cos(a), np.sin(a), 1 - np.cos(a)
    return np.array([[c + x * x * C, x * y * C - z * s, x * z * C + y * s],
                     [y * x * C + z * s, c + y * y * C, y * z * C - x * s],
                     [z * x * C - y * s, z * y * C + x * s, c + z * z * C]])


def _limb_dirs(L, U, F, side, flex, abd, twist_deg, bend, backwards):
    """Directions of a two-segment limb in the frame (L, U, F).

    ``side`` = +1 for the left limb, -1 for the right one. The proximal
    segment hangs down (-U), is abducted by ``abd`` towards ``side * L`` and
    flexed by ``flex`` towards ``F``. The distal segment bends by ``bend``
    towards F (arms) or -F (legs, ``backwards``), rotated about the proximal
    segment by ``twist_deg``."""
    fr, ar = np.radians(flex), np.radians(abd)
    sag_down = -U * np.cos(fr) + F * np.sin(fr)      # -U flexed by flex
    d1 = side * L * np.sin(ar) + np.cos(ar) * sag_down
    ref = F * np.cos(fr) + U * np.sin(fr)             # perpendicular to d1
    if backwards:
        ref = -ref
    if twist_deg:            # + = external rotation of the upper arm
        ref = _rot(d1, -side * twist_deg) @ ref
    br = np.radians(bend)
    d2 = d1 * np.cos(br) + ref * np.sin(br)
    return d1, d2


def skeleton_3d(angles: JointAngles, body: Optional[BodyShape] = None
                ) -> Dict[str, np.ndarray]:
    """3D joints in camera space (body units, pelvis centre at the origin).

    Returns a dict with the 17 COCO names plus extra points used for
    rendering: ``pelvis``, ``neck``, ``head``, ``head_top``,
    ``left_hand``/``right_hand`` (finger tips), ``left_toe``/``right_toe``
    and the head frame ``head_F``, ``head_U``, ``head_L`` (unit vectors).
    """
    b = body or BodyShape()
    a = angles
    # global orientation: yaw about up, then pitch about x, then roll about z
    Rg = (_rot(np.array([0., 0., 1.]), a.roll)
          @ _rot(np.array([1., 0., 0.]), a.pitch)
          @ _rot(np.array([0., 1., 0.]), a.yaw))
    L0, U0, F0 = Rg @ np.array([1., 0, 0]), Rg @ np.array([0, 1., 0]), Rg @ np.array([0, 0, 1.])
    P = {}
    P['pelvis'] = np.zeros(3)
    # hips in the pelvis frame
    P['left_hip'] = L0 * b.hip_width / 2
    P['right_hip'] = -L0 * b.hip_width / 2
    # upper body frame: bend about L, side bend about F, twist about U
    Ru = _rot(F0, -a.spine_side) @ _rot(L0, a.spine_bend)
    U1 = Ru @ U0
    Rt = _rot(U1, a.spine_twist)
    L1, F1 = Rt @ (Ru @ L0), Rt @ (Ru @ F0)
    P['neck'] = U1 * b.torso_len
    P['left_shoulder'] = P['neck'] + L1 * b.shoulder_width / 2
    P['right_shoulder'] = P['neck'] - L1 * b.shoulder_width / 2
    # head frame
    Rh = _rot(U1, a.neck_yaw)
    Lh, Fh = Rh @ L1, Rh @ F1
    Rp = _rot(Lh, a.neck_pitch)
    Uh, Fh = Rp @ U1, Rp @ Fh
    Rr = _rot(Fh, -a.neck_roll)
    Uh, Lh = Rr @ Uh, Rr @ Lh
    r = b.head_radius
    head = P['neck'] + U1 * b.neck_len * 0.6 + Uh * (b.neck_len * 0.4 + r)
    P['head'] = head
    P['head_top'] = head + Uh * r * 1.08
    P['nose'] = head + Fh * r * 0.95 - Uh * r * 0.22
    P['left_eye'] = head + Fh * r * 0.78 + Lh * r * 0.36 + Uh * r * 0.12
    P['right_eye'] = head + Fh * r * 0.78 - Lh * r * 0.36 + Uh * r * 0.12
    P['left_ear'] = head + Lh * r * 0.97 - Fh * r * 0.05
    P['right_ear'] = head - Lh * r * 0.97 - Fh * r * 0.05
    P['head_F'], P['head_U'], P['head_L'] = Fh, Uh, Lh
    # arms
    for side, s in ((1, 'l'), (-1, 'r')):
        name = 'left' if side == 1 else 'right'
        d1, d2 = _limb_dirs(L1, U1, F1, side, getattr(a, f'{s}_shoulder_flex'),
                            getattr(a, f'{s}_shoulder_abd'),
                            getattr(a, f'{s}_shoulder_rot'),
                            getattr(a, f'{s}_elbow'), False)
        P[f'{name}_elbow'] = P[f'{name}_shoulder'] + d1 * b.upper_arm
        P[f'{name}_wrist'] = P[f'{name}_elbow'] + d2 * b.forearm
        P[f'{name}_hand'] = P[f'{name}_wrist'] + d2 * b.hand_len
    # legs (in the pelvis frame)
    for side, s in ((1, 'l'), (-1, 'r')):
        name = 'left' if side == 1 else 'right'
        d1, d2 = _limb_dirs(L0, U0, F0, side, getattr(a, f'{s}_hip_flex'),
                            getattr(a, f'{s}_hip_abd'), 0.0,
                            getattr(a, f'{s}_knee'), True)
        P[f'{name}_knee'] = P[f'{name}_hip'] + d1 * b.thigh
        P[f'{name}_ankle'] = P[f'{name}_knee'] + d2 * b.shin
        # foot: perpendicular to the shin, pointing forward
        fwd = F0 - d2 * float(F0 @ d2)
        fwd = fwd / (np.linalg.norm(fwd) + 1e-9)
        P[f'{name}_toe'] = P[f'{name}_ankle'] + fwd * b.foot_len * 0.85 + d2 * b.ankle_height * 0.6
    return P


def pose_to_keypoints(angles: JointAngles, body: Optional[BodyShape] = None,
                      root_xy: Sequence[float] = (0.0, 0.0),
                      height_px: float = 1.0, return_depth: bool = False):
    """Joint angles -> COCO-17 image keypoints.

    Args:
        angles: the pose.
        body: proportions (default: a mean :class:`BodyShape`).
        root_xy: image position (pixels) of the pelvis centre.
        height_px: image height of the person when standing straight; the
            scale is ``height_px / body.standing_height`` pixels per unit.
        return_depth: also return per-keypoint depth in pixels (larger =
            nearer the camera), which :func:`render_person` uses for exact
            self-occlusion.

    Returns:
        ``(17, 2)`` float array of ``(x, y)`` pixels, or ``(kpts, depth)``.
    """
    body = body or BodyShape()
    P = skeleton_3d(angles, body)
    pts = np.stack([P[n] for n in COCO_KEYPOINTS])
    s = height_px / body.standing_height
    xy = np.stack([root_xy[0] + s * pts[:, 0], root_xy[1] - s * pts[:, 1]], 1)
    if return_depth:
        return xy, s * pts[:, 2]
    return xy


# --------------------------------------------------------------------------
# pose sampling
# --------------------------------------------------------------------------
POSE_KINDS = ('stand', 'walk', 'run', 'arms_up', 'wave', 'point', 'squat',
              'sit', 'bend', 'kick', 'lunge', 'random')
_POSE_P = np.array([14, 16, 8, 6, 7, 7, 6, 6, 6, 5, 5, 14], float)


def sample_pose(rng: np.random.Generator, kind: Optional[str] = None,
                yaw: Optional[float] = None) -> JointAngles:
    """A random plausible pose: a template of ``kind`` (random if ``None``)
    with per-joint noise, clipped to :data:`JOINT_LIMITS`."""
    u = lambda lo, hi: float(rng.uniform(lo, hi))  # noqa: E731
    if kind is None:
        kind = POSE_KINDS[int(rng.choice(len(POSE_KINDS), p=_POSE_P / _POSE_P.sum()))]
    if kind not in POSE_KINDS:
        raise ValueError(f'pose kind must be one of {POSE_KINDS}, got {kind!r}')
    d = JointAngles().to_dict()
    d['yaw'] = u(0, 360) if yaw is None else float(yaw)
    d['pitch'] = float(rng.normal(0, 6))
    d['roll'] = float(rng.normal(0, 4))
    flip = rng.random() < 0.5        # which side leads (keeps L/R balanced)
    A, B = ('l', 'r') if flip else ('r', 'l')
    if kind == 'stand':
        for s in 'lr':
            d[f'{s}_shoulder_flex'] = u(-15, 25)
            d[f'{s}_shoulder_abd'] = u(0, 30)
            d[f'{s}_elbow'] = u(0, 40) if rng.random() < 0.7 else u(60, 130)
            d[f'{s}_shoulder_rot'] = u(-40, 40)
            d[f'{s}_hip_flex'] = u(-8, 12)
            d[f'{s}_hip_abd'] = u(0, 14)
            d[f'{s}_knee'] = u(0, 15)
    elif kind in ('walk', 'run'):
        amp = u(15, 32) if kind == 'walk' else u(35, 60)
        ph = u(-1, 1)
        d[f'{A}_hip_flex'] = amp * ph
        d[f'{B}_hip_flex'] = -amp * ph * u(0.6, 1.0)
        d[f'{A}_knee'] = u(0, 25) if kind == 'walk' else u(30, 100)
        d[f'{B}_knee'] = u(5, 45) if kind == 'walk' else u(50, 120)
        d[f'{A}_shoulder_flex'] = -amp * ph * u(0.5, 1.0)
        d[f'{B}_shoulder_flex'] = amp * ph * u(0.5, 1.0)
        for s in 'lr':
            d[f'{s}_shoulder_abd'] = u(3, 15)
            d[f'{s}_elbow'] = u(10, 40) if kind == 'walk' else u(70, 110)
            d[f'{s}_hip_abd'] = u(0, 6)
        d['spine_bend'] = u(0, 8) if kind == 'walk' else u(8, 22)
    elif kind == 'arms_up':
        for s in 'lr':
            if rng.random() < 0.5:
                d[f'{s}_shoulder_flex'] = u(140, 180)
                d[f'{s}_shoulder_abd'] = u(0, 25)
            else:
                d[f'{s}_shoulder_abd'] = u(110, 175)
            d[f'{s}_elbow'] = u(0, 50)
            d[f'{s}_hip_abd'] = u(0, 20)
    elif kind == 'wave':
        d[f'{A}_shoulder_abd'] = u(70, 120)
        d[f'{A}_shoulder_flex'] = u(-10, 30)
        d[f'{A}_elbow'] = u(50, 120)
        d[f'{A}_shoulder_rot'] = u(60, 100)
        d[f'{B}_shoulder_abd'] = u(0, 20)
        d[f'{B}_elbow'] = u(0, 40)
    elif kind == 'point':
        d[f'{A}_shoulder_flex'] = u(60, 110)
        d[f'{A}_shoulder_abd'] = u(-10, 50)
        d[f'{A}_elbow'] = u(0, 25)
        d['neck_yaw'] = u(-30, 30)
    elif kind in ('squat', 'sit'):
        hip = u(70, 115) if kind == 'squat' else u(75, 100)
        knee = u(90, 140) if kind == 'squat' else u(75, 105)
        for s in 'lr':
            d[f'{s}_hip_flex'] = hip + u(-8, 8)
            d[f'{s}_knee'] = knee + u(-8, 8)
            d[f'{s}_hip_abd'] = u(5, 30)
            d[f'{s}_shoulder_flex'] = u(40, 100) if kind == 'squat' else u(-10, 60)
            d[f'{s}_elbow'] = u(0, 90)
        d['spine_bend'] = u(15, 45) if kind == 'squat' else u(-10, 15)
    elif kind == 'bend':
        sb = u(35, 85)
        d['spine_bend'] = sb
        d['neck_pitch'] = u(-40, 0)
        for s in 'lr':
            d[f'{s}_shoulder_flex'] = sb + u(-20, 20)   # arms hang to the floor
            d[f'{s}_elbow'] = u(0, 40)
            d[f'{s}_knee'] = u(0, 30)
            d[f'{s}_hip_flex'] = u(-5, 10)
    elif kind == 'kick':
        d[f'{A}_hip_flex'] = u(50, 100)
        d[f'{A}_knee'] = u(0, 60)
        d[f'{B}_knee'] = u(0, 20)
        for s in 'lr':
            d[f'{s}_shoulder_abd'] = u(20, 70)
            d[f'{s}_elbow'] = u(10, 80)
        d['spine_bend'] = u(-15, 10)
    elif kind == 'lunge':
        d[f'{A}_hip_flex'] = u(60, 95)
        d[f'{A}_knee'] = u(60, 100)
        d[f'{B}_hip_flex'] = u(-30, -10)
        d[f'{B}_knee'] = u(10, 60)
        for s in 'lr':
            d[f'{s}_shoulder_flex'] = u(-20, 100)
            d[f'{s}_elbow'] = u(0, 90)
    elif kind == 'random':
        for k, (lo, hi) in JOINT_LIMITS.items():
            if k in ('pitch', 'roll'):
                continue
            lo2, hi2 = lo, hi
            if 'knee' in k or 'elbow' in k:
                hi2 = 130
            if 'spine' in k or 'neck' in k:
                lo2, hi2 = lo / 2, hi / 2
            d[k] = u(lo2, hi2)
    # joint noise
    for k in d:
        if k in ('yaw', 'pitch', 'roll'):
            continue
        d[k] += float(rng.normal(0, 5))
    for k in ('spine_side', 'spine_twist', 'neck_yaw', 'neck_roll', 'neck_pitch'):
        d[k] += float(rng.normal(0, 8))
    if rng.random() < 0.06:      # occasional strong lean / tilt
        d['roll'] = u(-30, 30)
    return JointAngles(**d).clipped()
