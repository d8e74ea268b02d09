"""How a person looks, independent of pose: skin, hair, clothes (the same on
the left and the right side), and the materials that colour a body part.

A material is a function ``fn(t, u, w, v) -> (N, 3)`` BGR colours at the
selected pixels of a part: ``t`` 0..1 along the part, ``u``/``w`` along/across
in body units (so a texture moves with the limb), ``v`` -1..1 across the
part's width.
"""
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import numpy as np

Color = Tuple[float, float, float]   # BGR, 0..255
Material = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]

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


#: skin tones (BGR), light to dark; also used for limb-like background distractors
SKIN_TONES = np.array([(200, 215, 245), (165, 190, 230), (125, 160, 210),
                       (95, 130, 180), (65, 95, 145), (45, 65, 105)], np.float32)
_HAIR = np.array([(25, 25, 30), (30, 45, 70), (40, 70, 115), (110, 170, 215),
                  (150, 150, 155), (40, 75, 165), (20, 20, 20)], np.float32)
#: saturated glove colours (BGR), far from skin tones
MARKERS = ((40, 40, 225), (50, 200, 50), (230, 100, 30), (40, 225, 240),
           (210, 60, 210), (225, 215, 40))


def hsv_color(rng: np.random.Generator, s_range=(0, 255), v_range=(30, 240)) -> Color:
    """A random BGR colour with uniform hue and saturation/value in the ranges."""
    import cv2
    h = rng.uniform(0, 180)
    s = rng.uniform(*s_range)
    v = rng.uniform(*v_range)
    px = np.array([[[h, s, v]]], np.float32)
    px[..., 0] *= 2  # float HSV in OpenCV uses H in [0, 360)
    bgr = cv2.cvtColor(px / np.array([1, 255, 255], np.float32), cv2.COLOR_HSV2BGR)
    return tuple(float(c) * 255 for c in bgr[0, 0])


def _sample_fabric(rng: np.random.Generator, stripe: bool = True) -> Fabric:
    c1 = hsv_color(rng, (0, 230), (25, 235))
    pattern = PATTERNS[int(rng.choice(len(PATTERNS),
                                      p=[.34, .12, .1, .1, .07, .07, .1, .1]))]
    if rng.random() < 0.5:
        c2 = hsv_color(rng, (0, 230), (25, 235))
    else:   # a shade of the same colour
        k = rng.uniform(0.45, 0.8) if np.mean(c1) > 110 else rng.uniform(1.4, 2.2)
        c2 = tuple(float(min(255, c * k)) for c in c1)
    lum = 0.11 * c1[0] + 0.59 * c1[1] + 0.3 * c1[2]
    st = ((235., 235., 235.) if lum < 135 else (25., 25., 25.)) if stripe else None
    return Fabric(c1, c2, pattern, float(rng.uniform(0.02, 0.07)), st)


def sample_appearance(rng: np.random.Generator) -> Appearance:
    """Random skin/hair/clothes, the same on the left and the right side."""
    i = rng.uniform(0, len(SKIN_TONES) - 1)
    lo = int(i)
    skin = SKIN_TONES[lo] * (1 - (i - lo)) + \
        SKIN_TONES[min(lo + 1, len(SKIN_TONES) - 1)] * (i - lo)
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
        hair_style=style, hat=hsv_color(rng, (80, 255), (40, 230)), top=top,
        bottom=bottom, sleeve_end=sleeve, leg_end=leg,
        top_len=float(rng.uniform(0.74, 0.9)), shoe=shoe, marker=marker,
        eye=(30., 25., 25.), lip=tuple(float(c) for c in skin * np.array([0.7, 0.6, 0.95])),
        light=float(rng.uniform(-1, 1)))


def _pattern_mix(pat: str, p: float, u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """0..1 mix between a fabric's two colours for pattern ``pat`` of period ``p``."""
    if pat == 'solid':
        return np.zeros_like(u)
    if pat == 'hstripes':
        return (np.floor(u / p) % 2).astype(np.float32)
    if pat == 'vstripes':
        return (np.floor(w / p + 1000) % 2).astype(np.float32)
    if pat == 'checks':
        return ((np.floor(u / p) + np.floor(w / p + 1000)) % 2).astype(np.float32)
    if pat == 'diag':
        return (np.floor((u + w) / p + 1000) % 2).astype(np.float32)
    if pat == 'dots':
        du = (u / p) % 1 - 0.5
        dw = (w / p + 1000) % 1 - 0.5
        return np.clip((0.3 - np.sqrt(du * du + dw * dw)) * 8 + 0.5, 0, 1)
    if pat == 'plaid':
        return 0.5 * ((np.floor(u / p) % 3) == 0) + 0.5 * ((np.floor(w / p + 1000) % 3) == 0)
    # 'noise': smooth blotches
    return 0.5 + 0.25 * (np.sin(u / p * 2.1 + 1.3) * np.sin(w / p * 1.7 - 0.4)
                         + np.sin((u + 0.7 * w) / p * 0.9) * np.sin((u - w) / p * 1.3 + 2))


def fabric_colors(fab: Fabric, u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(N, 3) colours of ``fab`` at part-local body-unit coords."""
    m = _pattern_mix(fab.pattern, fab.period, u, w)
    c1 = np.asarray(fab.color1, np.float32)
    c2 = np.asarray(fab.color2, np.float32)
    col = c1[None] + (c2 - c1)[None] * m[:, None]
    # fabric grain (deterministic in the local coordinates)
    g = np.sin(u * 913.0 + w * 577.0) * np.sin(u * 411.0 - w * 1279.0)
    return col + (7.0 * g)[:, None]


def solid_material(color) -> Material:
    """One colour with a faint skin/leather grain."""
    c = np.asarray(color, np.float32)

    def fn(t, u, w, v):
        g = np.sin(u * 700.0 + w * 431.0) * np.sin(u * 317.0 - w * 911.0)
        return c[None] + (3.0 * g)[:, None]
    return fn


def garment_material(t0: float, t1: float, t_end: float, fabric: Fabric, bare_color,
                     stripe: bool) -> Material:
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
            out[cloth] = fabric_colors(fabric, u[cloth], w[cloth])
            if stripe:
                s = cloth & (np.abs(v) < 0.3)
                out[s] = st
        nb = ~cloth
        if nb.any():
            g = np.sin(u[nb] * 700.0 + w[nb] * 431.0)
            out[nb] = bare[None] + (3.0 * g)[:, None]
        return out
    return fn
