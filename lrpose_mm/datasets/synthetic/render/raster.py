"""The rasteriser: anti-aliased swept shapes drawn through a per-person
z-buffer.

Coordinates are pixels, image ``y`` down, depth ``z`` nearer = larger. A
:class:`Layer` holds one person's colour, depth, coverage and part-id
buffers over a sub-rectangle of the canvas; :func:`sweep` draws a tapered
shape with elliptic end caps into it, z-tested per pixel.
"""
from typing import Callable, Optional, Sequence, Tuple

import numpy as np

from .appearance import Material

Window = Tuple[Tuple[slice, slice], np.ndarray, np.ndarray]


class Layer:
    """Per-person buffers over a sub-rectangle of the canvas."""

    def __init__(self, x0: int, y0: int, x1: int, y1: int):
        self.x0, self.y0 = x0, y0
        h, w = y1 - y0, x1 - x0
        self.col = np.zeros((h, w, 3), np.float32)
        self.z = np.full((h, w), -np.inf, np.float32)
        self.cov = np.zeros((h, w), np.float32)
        self.pid = np.full((h, w), -1, np.int8)
        self.h, self.w = h, w

    def window(self, cx0, cy0, cx1, cy1) -> Optional[Window]:
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


def write(layer: Layer, sl, alpha: np.ndarray, z: np.ndarray,
          color_fn: Callable[[np.ndarray], np.ndarray], pid: int) -> None:
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


def _sweep_coverage(A, B, X, Y, t_knots, r_knots, capA, capB):
    """Along/across coordinates, parameter ``t``, radius ``r``, normalised
    distance ``rho`` and the end-cap masks of a swept shape over a window."""
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
    return along, across, t, r, alpha_n, rho, before | after


def sweep(layer: Layer, A, B, t_knots: Sequence[float], r_knots: Sequence[float],
          k1_knots: Sequence[float], k2_knots: Sequence[float], capA: float, capB: float,
          mat_fn: Material, pid: int, light: float, scale: float) -> None:
    """Draw a swept shape from ``A`` to ``B`` (each ``(x, y, z)`` pixels,
    image y down, z nearer = larger) whose half-width ``r(t)`` and surface
    depth profile are piecewise linear in ``t`` (0 at A, 1 at B), with
    elliptic end caps of lengths ``capA``/``capB``.

    ``mat_fn(t, u, w, v)`` returns unshaded colours at the selected pixels
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
    along, across, t, r, alpha_n, rho, caps = _sweep_coverage(
        A, B, X, Y, t_knots, r_knots, capA, capB)
    alpha = np.clip((1 - rho) * r + 0.5, 0, 1)
    if not (alpha > 0).any():
        return
    an = np.clip(alpha_n, -1, 1)
    an = np.where(caps, 0.0, an)
    sq = np.sqrt(np.clip(1 - np.minimum(rho, 1) ** 2, 0, 1))
    k1 = np.interp(t, t_knots, k1_knots)
    k2 = np.interp(t, t_knots, k2_knots)
    z = (A[2] + t * (B[2] - A[2]) + an * k1 + sq * k2).astype(np.float32)

    def color_fn(sel):
        cols = mat_fn(t[sel], along[sel] / scale, across[sel] / scale,
                      np.clip(across[sel] / r[sel], -1, 1))
        shade = 0.6 + 0.4 * sq[sel] + 0.12 * light * np.clip(alpha_n[sel], -1, 1)
        return cols * shade[:, None]
    write(layer, sl, alpha, z, color_fn, pid)


def limb(layer: Layer, A, B, rA: float, rB: float, mat_fn: Material, pid: int, light: float,
         scale: float, capA: Optional[float] = None, capB: Optional[float] = None) -> None:
    """A tapered limb (round section of radius ``rA`` -> ``rB``)."""
    sweep(layer, A, B, (0.0, 1.0), (rA, rB), (0.0, 0.0), (rA, rB),
          rA if capA is None else capA, rB if capB is None else capB,
          mat_fn, pid, light, scale)
