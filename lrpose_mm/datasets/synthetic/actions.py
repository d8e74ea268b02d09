"""Procedural skeleton actions: COCO-17 motion for 10 action classes, rendered
to low-resolution video with ground-truth skeletons kept.

A clip is a person (random body proportions) performing one action with
random speed, phase, amplitude, view angle, position, scale and motion noise.
The motion drives the shared 3D body model (:mod:`.body_model`: per-frame
``JointAngles`` -> 17 COCO keypoints, orthographic, so turning around and
view angles foreshorten correctly). Frames are drawn at high resolution by the
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
import numbers
import zipfile
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ...fileio import atomic_json_dump, atomic_path, atomic_pickle_dump, changed_settings
from ..tracks import boxes_from_keypoints, save_tracks
from ..video_list import VideoEntry, write_video_list
from .render import render_background, render_person, sample_appearance

ACTION_CLASSES = ('wave_left_hand', 'wave_right_hand', 'clap', 'punch',
                  'kick', 'squat', 'jump', 'bow', 'raise_both_arms',
                  'turn_around')

TAU = 2 * math.pi


# ----------------------------------------------------------------------------
# motion: per-frame JointAngles of the shared body model (body_model.py)
# ----------------------------------------------------------------------------
def _smooth_noise(rng, t: np.ndarray, amp: float) -> np.ndarray:
    """Low-frequency noise: two random sinusoids (0.5-3 cycles per clip)."""
    out = np.zeros_like(t)
    for _ in range(2):
        f = rng.uniform(0.5, 3.0)
        out += rng.normal(0, amp / 1.4) * np.sin(TAU * (f * t + rng.random()))
    return out


def _pulse(x: np.ndarray, sharp: float = 1.0) -> np.ndarray:
    """Periodic 0..1 bump (period 1)."""
    s = 0.5 - 0.5 * np.cos(TAU * np.asarray(x))
    return s**sharp


NOISY = ('spine_bend', 'spine_side', 'spine_twist', 'neck_pitch', 'neck_yaw',
         'neck_roll') + tuple(f'{s}_{j}' for s in 'lr' for j in (
             'shoulder_flex', 'shoulder_abd', 'shoulder_rot', 'elbow',
             'hip_flex', 'hip_abd', 'knee'))


def action_tracks(label: int, rng: np.random.Generator, t: np.ndarray
                  ) -> Tuple[Dict[str, np.ndarray], np.ndarray]:
    """Joint-angle tracks (degrees, each of shape (T,), keys =
    ``JointAngles`` fields) and the airborne lift (T,) in body units, for
    one clip of class ``label`` at clip times ``t`` in [0, 1)."""
    T = len(t)
    name = ACTION_CLASSES[label]
    amp = rng.uniform(0.8, 1.15)
    speed = rng.uniform(0.75, 1.35)
    phase = rng.random()
    z = np.zeros(T)
    u = lambda lo, hi: z + rng.uniform(lo, hi)  # noqa: E731
    a: Dict[str, np.ndarray] = dict(
        yaw=z.copy(), pitch=u(-8, 8), roll=u(-3, 3), spine_bend=u(-3, 6),
        spine_side=u(-3, 3), spine_twist=u(-5, 5), neck_pitch=u(-5, 10),
        neck_yaw=u(-15, 15), neck_roll=u(-5, 5))
    for s in 'lr':  # relaxed stance
        a[f'{s}_shoulder_flex'] = u(-5, 15)
        a[f'{s}_shoulder_abd'] = u(4, 18)
        a[f'{s}_shoulder_rot'] = u(-10, 20)
        a[f'{s}_elbow'] = u(5, 35)
        a[f'{s}_hip_flex'] = u(-3, 6)
        a[f'{s}_hip_abd'] = u(1, 8)
        a[f'{s}_knee'] = u(0, 8)
    lift = z.copy()
    x = speed * t

    if name in ('wave_left_hand', 'wave_right_hand'):
        s = 'l' if name == 'wave_left_hand' else 'r'
        cyc = rng.uniform(2.5, 3.5) * x + phase
        a[f'{s}_shoulder_abd'] = u(85, 125)
        a[f'{s}_shoulder_flex'] = u(0, 25)
        a[f'{s}_shoulder_rot'] = u(80, 95)
        a[f'{s}_elbow'] = 85 + 35 * amp * np.sin(TAU * cyc)
    elif name == 'clap':
        cyc = rng.uniform(2.0, 3.0) * x + phase
        c = _pulse(cyc)
        for s in 'lr':
            a[f'{s}_shoulder_flex'] = u(65, 90)
            a[f'{s}_shoulder_abd'] = 25 - 44 * amp * c
            a[f'{s}_shoulder_rot'] = u(-10, 10)
            a[f'{s}_elbow'] = u(10, 30)
    elif name == 'punch':
        cyc = rng.uniform(1.6, 2.4) * x + phase
        for s, off in (('l', 0.0), ('r', 0.5)):
            v = (cyc + off) % 1.0
            p = np.where(v < 0.5, _pulse(2 * v, 2.0), 0.0) * amp
            a[f'{s}_shoulder_flex'] = 45 + 45 * p
            a[f'{s}_shoulder_abd'] = 15 - 15 * p
            a[f'{s}_shoulder_rot'] = u(-5, 10)
            a[f'{s}_elbow'] = 125 - 120 * np.clip(p, 0, 1)
        a['spine_twist'] = a['spine_twist'] + 12 * np.sin(TAU * cyc)
    elif name == 'kick':
        s = 'l' if rng.random() < 0.5 else 'r'
        cyc = rng.uniform(1.3, 2.0) * x + phase
        p = _pulse(cyc, 1.5)
        a[f'{s}_hip_flex'] = 85 * amp * p
        a[f'{s}_knee'] = 5 + 240 * p * (1 - p) * (np.sin(TAU * cyc) > 0)
        for o in 'lr':
            a[f'{o}_shoulder_abd'] = u(25, 45)
            a[f'{o}_elbow'] = u(40, 90)
        a['spine_bend'] = a['spine_bend'] - 12 * p
    elif name == 'squat':
        cyc = rng.uniform(1.0, 1.6) * x + phase
        p = _pulse(cyc) * amp
        for s in 'lr':
            a[f'{s}_hip_flex'] = 100 * p
            a[f'{s}_knee'] = 125 * p
            a[f'{s}_shoulder_flex'] = a[f'{s}_shoulder_flex'] + 75 * p
            a[f'{s}_elbow'] = a[f'{s}_elbow'] * (1 - p)
        a['spine_bend'] = a['spine_bend'] + 30 * p
    elif name == 'jump':
        cyc = rng.uniform(1.4, 2.2) * x + phase
        v = cyc % 1.0
        air = np.where((v > 0.25) & (v < 0.75), np.sin(TAU * (v - 0.25)), 0.0)
        air = np.clip(air, 0, None)
        crouch = np.where(v < 0.25, _pulse(2 * v), 0.0) + np.where(
            v >= 0.75, _pulse(2 * (v - 0.75)), 0.0)
        lift = 0.14 * amp * air
        for s in 'lr':
            a[f'{s}_hip_flex'] = 55 * crouch + 8 * air
            a[f'{s}_knee'] = 80 * crouch + 10 * air
            a[f'{s}_shoulder_flex'] = -20 * crouch + 150 * air
            a[f'{s}_shoulder_abd'] = a[f'{s}_shoulder_abd'] + 15 * air
        a['spine_bend'] = a['spine_bend'] + 25 * crouch
    elif name == 'bow':
        cyc = rng.uniform(0.9, 1.4) * x + phase
        p = _pulse(cyc, 1.3) * amp
        a['spine_bend'] = a['spine_bend'] + 75 * p
        a['neck_pitch'] = a['neck_pitch'] + 15 * p
        for s in 'lr':
            a[f'{s}_shoulder_abd'] = u(3, 8)
            a[f'{s}_elbow'] = u(3, 12)
            a[f'{s}_shoulder_flex'] = a[f'{s}_shoulder_flex'] + 20 * p
    elif name == 'raise_both_arms':
        cyc = rng.uniform(1.0, 1.6) * x + phase
        p = _pulse(cyc, 0.8)
        w = rng.uniform(0, 1)  # sideways (abduction) .. forward (flexion)
        top = rng.uniform(150, 175) * min(amp, 1.0)
        for s in 'lr':
            a[f'{s}_shoulder_abd'] = 8 + (top - 8) * p * w
            a[f'{s}_shoulder_flex'] = (top * p) * (1 - w)
            a[f'{s}_elbow'] = u(3, 15)
            a[f'{s}_shoulder_rot'] = u(-5, 5)
    elif name == 'turn_around':
        turns = rng.choice([-1.0, 1.0]) * rng.uniform(0.75, 1.15)
        ramp = np.clip((t * speed - 0.05) / 0.85, 0, 1)
        a['yaw'] = turns * 360 * (0.5 - 0.5 * np.cos(np.pi * ramp))
        for s, off in (('l', 0.0), ('r', 0.5)):
            a[f'{s}_shoulder_flex'] = a[f'{s}_shoulder_flex'] + 12 * np.sin(
                TAU * (3 * x + off))
            a[f'{s}_hip_flex'] = 10 * np.clip(np.sin(TAU * (3 * x + off)), 0,
                                              None)
            a[f'{s}_knee'] = a[f'{s}_knee'] + 15 * np.clip(
                np.sin(TAU * (3 * x + off)), 0, None)
    else:  # pragma: no cover
        raise ValueError(f'unknown action label {label}')

    for k in NOISY:  # smooth motion noise on every anatomical joint
        a[k] = a[k] + _smooth_noise(rng, t, 4.0)
    return a, lift


def clip_rng(seed: int, label: int, index: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(label), int(index), 5])


def clip_split(index: int) -> str:
    """Fixed split: every 5th clip of a class is val."""
    return 'val' if index % 5 == 4 else 'train'


def sample_clip(seed: int, label: int, index: int, num_frames: int = 48,
                lr_size: Tuple[int, int] = (80, 64), scale: int = 4,
                person_height_lr: Tuple[float, float] = (32, 48)
                ) -> Dict[str, object]:
    """The motion of one clip (no pixels yet).

    Returns a dict with the HR keypoints (T,17,2) and their depth (T,17)
    (pixels, larger = nearer), the per-frame ``JointAngles``, the
    ``BodyShape``, the pelvis image positions ``root_xy`` (T,2), the
    standing height in HR pixels, and the clip's RNG (passed on to the
    renderer, so rendering stays deterministic).
    """
    from .body_model import JointAngles, pose_to_keypoints, sample_body, skeleton_3d
    rng = clip_rng(seed, label, index)
    t = np.arange(num_frames) / float(num_frames)
    body = sample_body(rng)
    tracks, lift = action_tracks(label, rng, t)
    view = float(rng.uniform(-35, 35))  # camera azimuth around the person
    tracks['yaw'] = tracks['yaw'] + view
    angles = [_clip_angles(JointAngles.from_dict(
        {k: float(v[i]) for k, v in tracks.items()}))
        for i in range(num_frames)]
    W, H = lr_size[0] * scale, lr_size[1] * scale
    hpx = float(rng.uniform(*person_height_lr)) * scale
    s = hpx / body.standing_height
    # pelvis height so that the lower foot stands on the ground (+ lift)
    kps, deps, tops, pel = [], [], [], []
    for i, ang in enumerate(angles):
        P = skeleton_3d(ang, body)
        foot = min(P['left_ankle'][1], P['right_ankle'][1],
                   P['left_toe'][1], P['right_toe'][1])
        ph = body.ankle_height * 0.5 - foot + float(lift[i])
        root = (0.0, -s * ph)  # ground line at y = 0 for now
        kp, dp = pose_to_keypoints(ang, body, root, hpx, return_depth=True)
        kps.append(kp)
        deps.append(dp)
        tops.append(root[1] - s * P['head_top'][1])
        pel.append(root)
    kp = np.asarray(kps, np.float64)
    root_xy = np.asarray(pel, np.float64)
    lo = np.minimum(kp.reshape(-1, 2).min(0), [np.inf, min(tops)])
    hi = kp.reshape(-1, 2).max(0)
    margin = 2.0 * scale
    ext = hi - lo
    f = min(1.0, (H - 2 * margin) / ext[1], (W - 2 * margin) / ext[0])
    if f < 1.0:  # a jump or a wide pose would leave the frame: zoom out
        f *= 1 - 1e-6
        kp, root_xy, lo, hi, hpx = kp * f, root_xy * f, lo * f, hi * f, hpx * f
        deps = [d * f for d in deps]
    ox = rng.uniform(margin - lo[0], max(margin - lo[0], W - margin - hi[0]))
    oy = rng.uniform(margin - lo[1], max(margin - lo[1], H - margin - hi[1]))
    off = np.array([ox, oy])
    return dict(label=label, index=index, name=ACTION_CLASSES[label],
                keypoints=(kp + off).astype(np.float32),
                depth=np.asarray(deps, np.float32),
                root_xy=(root_xy + off).astype(np.float32), angles=angles,
                body=body, view_yaw=view, height_px=hpx, hr_size=(W, H),
                lr_size=tuple(lr_size), scale=scale, rng=rng)


def _clip_angles(ang):
    """Clip anatomical joints to the body model's limits (yaw is free)."""
    yaw = ang.yaw
    out = ang.clipped()
    return out.replace(yaw=yaw)


def hr_to_lr(kp: np.ndarray, scale: float) -> np.ndarray:
    """Pixel-centre mapping of an area downscale by ``scale``."""
    return (np.asarray(kp) + 0.5) / scale - 0.5


# ----------------------------------------------------------------------------
# rendering
# ----------------------------------------------------------------------------
class ProceduralRenderer:
    """The project's procedural people renderer
    (:mod:`lrpose_mm.datasets.synthetic.render`): a cluttered background per
    clip, a clothed person (appearance per clip) drawn from the keypoints and
    their depth (exact self-occlusion)."""
    name = 'procedural'

    def setup(self, rng: np.random.Generator, clip: Dict) -> Dict:
        W, H = clip['hr_size']
        return dict(bg=render_background(rng, H, W), app=sample_appearance(rng),
                    body=clip['body'], height_px=clip['height_px'])

    def draw(self, state: Dict, kp: np.ndarray, depth: np.ndarray
             ) -> np.ndarray:
        img = state['bg'].copy()
        res = render_person(img, kp, state['body'], state['app'],
                            depth=depth, height_px=state['height_px'])
        state.setdefault('self_visible', []).append(
            np.asarray(res.self_visible, bool))
        return img


# ----------------------------------------------------------------------------
# a dataset of clips on disk
# ----------------------------------------------------------------------------
GENERATOR_VERSION = 2  # 2: left and right look alike


def _write_video(frames: Sequence[np.ndarray], path: str, fps: float) -> None:
    """mp4v video, written to a temp file then moved into place."""
    import cv2
    with atomic_path(path) as tmp:
        h, w = frames[0].shape[:2]
        vw = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*'mp4v'), fps, (w, h))
        if not vw.isOpened():
            raise IOError(f'cv2.VideoWriter cannot write {path} (mp4v)')
        for f in frames:
            vw.write(f)
        vw.release()


def render_clip(clip: Dict, renderer, lr_noise: float = 2.0
                ) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """HR frames from the renderer and their LR versions (INTER_AREA
    downscale by ``clip['scale']`` + mild sensor noise)."""
    import cv2
    rng = clip['rng']
    state = renderer.setup(rng, clip)
    state.pop('self_visible', None)
    W, H = clip['lr_size']
    hr, lr = [], []
    for t in range(len(clip['keypoints'])):
        f = renderer.draw(state, clip['keypoints'][t], clip['depth'][t])
        hr.append(f)
        small = cv2.resize(f, (W, H), interpolation=cv2.INTER_AREA)
        if lr_noise > 0:
            small = np.clip(small + rng.normal(0, lr_noise, small.shape), 0,
                            255).astype(np.uint8)
        lr.append(small)
    if state.get('self_visible'):
        clip['self_visible'] = np.stack(state['self_visible'])
    return hr, lr


def save_clip_record(rec: Dict, path: str) -> None:
    """Write a clip's cache record as ``.npz``: arrays as arrays, the rest as
    JSON text. Unlike a pickle, loading it cannot run code."""
    import io
    import json

    from lrpose_mm.fileio import _atomic_write
    arrays = {k: v for k, v in rec.items() if isinstance(v, np.ndarray)}
    rest = {k: v for k, v in rec.items() if k not in arrays}
    buf = io.BytesIO()
    np.savez(buf, __json__=np.array(json.dumps(
        rest, default=lambda o: o.item() if hasattr(o, 'item') else str(o))), **arrays)
    _atomic_write(path, lambda f: f.write(buf.getvalue()))


def load_clip_record(path: str) -> Dict:
    """Read :func:`save_clip_record`'s file (``allow_pickle=False``)."""
    import json
    with np.load(path, allow_pickle=False) as z:
        rec = json.loads(str(z['__json__']))
        rec.update({k: z[k] for k in z.files if k != '__json__'})
    return rec


def _gt_annotation(name, label, kp, shape_hw):
    T = len(kp)
    return dict(frame_dir=name, label=int(label),
                img_shape=tuple(int(v) for v in shape_hw),
                original_shape=tuple(int(v) for v in shape_hw),
                total_frames=int(T),
                keypoint=np.asarray(kp, np.float32)[None],
                keypoint_score=np.ones((1, T, kp.shape[1]), np.float32))


ACTIONS_GENERATOR = 'lrpose_mm.datasets.synthetic.actions'
#: names this writer gives its files (anything else in its folder is kept)
_CLIP_FILE = r'\d{2}_[a-z_]+_\d{4}\.(npz|mp4|json)'
_TMP_FILE = r'\.tmp-[^/]*\.mp4|\.[^/]+\.tmp(\.mp4)?'   # lrpose_mm.fileio's temporaries
_SUBDIRS = ('clips', 'videos', 'videos_hr', 'tracks', 'tracks_hr')


def _check_action_args(clips_per_class, seed, num_frames, lr_size, scale, fps,
                       classes, lr_noise) -> None:
    """Validate every argument before anything is written."""
    def is_int(v):
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool)
    for name, v, low in (('clips_per_class', clips_per_class, 1), ('seed', seed, 0),
                         ('num_frames', num_frames, 1), ('scale', scale, 1)):
        if not is_int(v) or v < low:
            raise ValueError(f'{name} must be an int >= {low}, got {v!r}')
    if len(lr_size) != 2 or not all(is_int(v) and v >= 8 for v in lr_size):
        raise ValueError(f'lr_size must be (width, height) ints >= 8, got {lr_size!r}')
    if not (isinstance(fps, numbers.Real) and math.isfinite(fps) and fps > 0):
        raise ValueError(f'fps must be a finite number > 0, got {fps!r}')
    if not (isinstance(lr_noise, numbers.Real) and math.isfinite(lr_noise) and lr_noise >= 0):
        raise ValueError(f'lr_noise must be a finite number >= 0, got {lr_noise!r}')
    if classes is not None:
        classes = list(classes)
        bad = [c for c in classes if not is_int(c) or not 0 <= c < len(ACTION_CLASSES)]
        if not classes or bad or len(set(classes)) != len(classes):
            raise ValueError(f'classes must be distinct indices in 0..{len(ACTION_CLASSES) - 1}, '
                             f'got {classes!r}')


def generate_action_dataset(out_dir: str, clips_per_class: int = 20,
                            seed: int = 0, num_frames: int = 48,
                            lr_size: Tuple[int, int] = (80, 64),
                            scale: int = 4, fps: float = 15.0,
                            classes: Optional[Sequence[int]] = None,
                            save_hr: bool = True,
                            lr_noise: float = 2.0, overwrite: bool = False,
                            progress: bool = True) -> Dict[str, object]:
    """Render the procedural action dataset into ``out_dir``.

    Layout::

        videos/<name>.mp4      LR video (lr_size, mp4v)
        videos_hr/<name>.mp4   HR video (lr_size * scale), if save_hr
        tracks/<name>.json     GT person boxes, LR pixels (track file format)
        tracks_hr/<name>.json  the same in HR pixels
        clips/<name>.npz       per-clip GT (written last: the cache marker;
                               arrays + JSON, so reading it cannot run code)
        video_list.txt         "path label split tracks" for videos/
        video_list_hr.txt      the same for videos_hr/
        gt_skeletons.pkl       PoseDataset annotations of GT skeletons (LR px)
        gt_skeletons_hr.pkl    the same in HR pixels
        meta.json              classes, settings, renderer, counts, timing

    Clip names are ``<label:02d>_<class>_<index:04d>``; every 5th clip of a
    class is ``val``. Deterministic by ``seed``; a rerun skips finished clips
    (a settings change is refused unless ``overwrite``). Returns meta.

    Bad input never costs data: every argument is checked before anything is
    written; ``out_dir`` must be new, empty or this writer's own (marked, see
    :mod:`.ownership`); ``overwrite`` removes only files with this writer's
    names; temporary files of a killed run (its own naming) are removed.
    """
    import fcntl
    import os
    import time

    from .ownership import claim_output_dir, remove_own_files
    t0 = time.perf_counter()
    _check_action_args(clips_per_class, seed, num_frames, tuple(lr_size), scale, fps,
                       classes, lr_noise)
    classes = list(range(len(ACTION_CLASSES))) if classes is None else \
        [int(c) for c in classes]
    rend = ProceduralRenderer()
    settings = dict(version=GENERATOR_VERSION, seed=int(seed),
                    num_frames=int(num_frames), lr_size=list(lr_size),
                    scale=int(scale), fps=float(fps), lr_noise=float(lr_noise),
                    renderer=rend.name, save_hr=bool(save_hr))
    out_dir = claim_output_dir(out_dir, ACTIONS_GENERATOR)
    lock = open(os.path.join(out_dir, '.lock'), 'a')
    fcntl.flock(lock, fcntl.LOCK_EX)   # one writer at a time: the tmp cleanup is safe
    try:
        for sub in ('', ) + _SUBDIRS:       # temporary files of killed runs
            if os.path.isdir(os.path.join(out_dir, sub)):
                remove_own_files(os.path.join(out_dir, sub), _TMP_FILE)
        sfile = os.path.join(out_dir, 'settings.json')
        try:
            diff = changed_settings(sfile, settings)
        except (ValueError, UnicodeDecodeError) as e:   # JSONDecodeError is a ValueError
            if not overwrite:
                raise ValueError(
                    f'{sfile} is not readable JSON (truncated by a killed run?): {e}; '
                    'rerun with overwrite=True (--overwrite) to regenerate') from e
            diff = ['settings.json (unreadable)']
        if diff is not None:
            if diff and not overwrite:
                raise RuntimeError(
                    f'{out_dir} holds clips generated with other settings '
                    f'({", ".join(diff)} differ); use another folder or '
                    'overwrite=True (--overwrite)')
            if diff:
                for sub in _SUBDIRS:
                    remove_own_files(os.path.join(out_dir, sub), _CLIP_FILE)
        atomic_json_dump(settings, sfile)
        W, H = lr_size
        jobs = [(c, k) for k in range(clips_per_class) for c in classes]
        bar = None
        if progress:
            from tqdm import tqdm
            bar = tqdm(total=len(jobs), desc='clips', unit='clip',
                       dynamic_ncols=True)
        anns_lr, anns_hr, ent_lr, ent_hr = [], [], [], []
        n_new = 0
        t_render = 0.0
        for c, k in jobs:
            name = f'{c:02d}_{ACTION_CLASSES[c]}_{k:04d}'
            split = clip_split(k)
            p = {key: os.path.join(out_dir, sub, name + ext) for key, sub, ext in
                 (('clip', 'clips', '.npz'), ('lr', 'videos', '.mp4'),
                  ('hr', 'videos_hr', '.mp4'), ('tr', 'tracks', '.json'),
                  ('trh', 'tracks_hr', '.json'))}
            rec = None
            if os.path.exists(p['clip']):
                try:
                    rec = load_clip_record(p['clip'])
                except (OSError, ValueError, KeyError, zipfile.BadZipFile):
                    rec = None
                if rec is not None and (rec.get('settings') != settings or
                                        not os.path.exists(p['lr']) or
                                        (save_hr and not os.path.exists(p['hr']))):
                    rec = None
            if rec is None:
                ts = time.perf_counter()
                clip = sample_clip(seed, c, k, num_frames, lr_size, scale)
                hr, lr = render_clip(clip, rend, lr_noise)
                kp_hr = clip['keypoints']
                kp_lr = hr_to_lr(kp_hr, scale).astype(np.float32)
                trk, trk_hr = {}, {}
                for t in range(num_frames):
                    b = boxes_from_keypoints(kp_hr[t], pad=0.15)
                    bh = [min(max(b[0], 0), W * scale), min(max(b[1], 0),
                                                             H * scale),
                          min(max(b[2], 0), W * scale), min(max(b[3], 0),
                                                             H * scale)]
                    trk_hr[t] = [bh + [0]]
                    trk[t] = [[v / scale for v in bh] + [0]]
                _write_video(lr, p['lr'], fps)
                if save_hr:
                    _write_video(hr, p['hr'], fps)
                save_tracks(trk, p['tr'])
                save_tracks(trk_hr, p['trh'])
                rec = dict(settings=settings, name=name, label=c, index=k,
                           split=split, keypoints_hr=kp_hr, keypoints_lr=kp_lr,
                           view_yaw=clip['view_yaw'], height_px=clip['height_px'],
                           self_visible=clip.get('self_visible'),
                           body=clip['body'].to_dict())
                save_clip_record(rec, p['clip'])
                n_new += 1
                t_render += time.perf_counter() - ts
            anns_lr.append(_gt_annotation(name, c, rec['keypoints_lr'], (H, W)))
            anns_hr.append(_gt_annotation(name, c, rec['keypoints_hr'],
                                          (H * scale, W * scale)))
            ent_lr.append(VideoEntry(p['lr'], c, split, name, p['tr']))
            ent_hr.append(VideoEntry(p['hr'], c, split, name, p['trh']))
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        split = dict(train=[e.frame_dir for e in ent_lr if e.split == 'train'],
                     val=[e.frame_dir for e in ent_lr if e.split == 'val'])
        atomic_pickle_dump(dict(split=split, annotations=anns_lr),
                           os.path.join(out_dir, 'gt_skeletons.pkl'))
        atomic_pickle_dump(dict(split=split, annotations=anns_hr),
                           os.path.join(out_dir, 'gt_skeletons_hr.pkl'))
        write_video_list(ent_lr, os.path.join(out_dir, 'video_list.txt'))
        if save_hr:
            write_video_list(ent_hr, os.path.join(out_dir, 'video_list_hr.txt'))
        meta = dict(classes=[ACTION_CLASSES[c] for c in classes],
                    class_ids=classes, settings=settings, num_clips=len(jobs),
                    num_train=len(split['train']), num_val=len(split['val']),
                    num_generated=n_new, num_cached=len(jobs) - n_new,
                    render_seconds=round(t_render, 2),
                    seconds=round(time.perf_counter() - t0, 2))
        atomic_json_dump(meta, os.path.join(out_dir, 'meta.json'))
    finally:
        lock.close()
    return meta
