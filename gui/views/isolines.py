"""Contour levels and a vectorised marching squares (NumPy only).

pyqtgraph's IsocurveItem walks the grid in Python (tens of ms per level); here every
level is a handful of whole-array operations, ~1 ms on a 200 x 200 grid, so a
surface slider (kappa, angle) redraws its contours while it is dragged. All levels
come back as one (2N, 2) array of segment end points for a single
``PlotCurveItem(connect="pairs")``.
"""

from __future__ import annotations

import numpy as np

N_LEVELS = 14


class ColorScale:
    """How values become heat-map colours: log10(f - f_min + tiny) when the range spans
    decades, f itself otherwise. Fixed per surface (from its default view), so zooming
    or panning never re-colours the map.

    Loss surfaces span many decades (Rosenbrock: 0 to 2500); on a linear scale all of
    the interesting valley would be one colour.
    """

    def __init__(self, Z: np.ndarray, floor: float | None = None):
        finite = Z[np.isfinite(Z)]
        self.use_log, self.zmin, self.tiny, self.top = False, 0.0, 1e-300, 1.0
        if finite.size == 0:
            self.levels = (0.0, 1.0)
            return
        self.zmin = float(finite.min()) if floor is None else min(float(floor), float(finite.min()))
        d = finite - self.zmin
        lo, hi = np.quantile(d, [0.05, 0.98])
        self.use_log = bool(hi > 0 and hi / max(lo, 1e-300) > 30.0)
        self.tiny = max(float(hi) * 1e-7, 1e-300)
        self.top = float(np.quantile(finite, 0.995))
        C = self.apply(Z)
        c = C[np.isfinite(C)]
        lo, hi = (float(c.min()), float(c.max())) if c.size else (0.0, 1.0)
        self.levels = (lo, hi if hi > lo else lo + 1.0)

    def apply(self, Z: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            Z = np.where(np.isfinite(Z), Z, self.top)
            if not self.use_log:
                return Z
            return np.log10(np.maximum(Z - self.zmin, 0.0) + self.tiny)


def levels_for(Z: np.ndarray, zmin: float, use_log: bool, n: int = N_LEVELS) -> np.ndarray:
    """Log-spaced levels above the minimum when colours are logarithmic, else even ones."""
    finite = Z[np.isfinite(Z)]
    if finite.size == 0:
        return np.array([])
    d = finite - zmin
    if use_log:
        lo, hi = np.quantile(d[d > 0], [0.003, 0.97]) if np.any(d > 0) else (0.0, 0.0)
        if not hi > lo > 0:
            return np.array([])
        return zmin + np.geomspace(lo, hi, n)
    lo, hi = np.quantile(finite, [0.02, 0.98])
    if not hi > lo:
        return np.array([])
    return np.linspace(lo, hi, n + 2)[1:-1]


def isolines(xs: np.ndarray, ys: np.ndarray, Z: np.ndarray, levels) -> np.ndarray:
    """Segments of every level curve of Z[j, i] = f(xs[i], ys[j]) as pairs of points.

    Per level only the cells the curve passes through (a few hundred of 40,000) are
    interpolated: the corner signs pick them out in one pass.
    """
    finite = np.isfinite(Z)
    ok = finite[:-1, :-1] & finite[:-1, 1:] & finite[1:, :-1] & finite[1:, 1:]
    out = []
    with np.errstate(all="ignore"):
        for level in levels:
            S = Z < level
            s00, s10, s01, s11 = S[:-1, :-1], S[:-1, 1:], S[1:, :-1], S[1:, 1:]
            any_cross = ((s00 != s10) | (s00 != s01) | (s11 != s10) | (s11 != s01)) & ok
            j, i = np.nonzero(any_cross)
            if not len(j):
                continue
            a00, a10, a01, a11 = Z[j, i], Z[j, i + 1], Z[j + 1, i], Z[j + 1, i + 1]
            x0, x1, y0, y1 = xs[i], xs[i + 1], ys[j], ys[j + 1]
            # edge points in order bottom, right, top, left
            P = np.empty((4, len(j), 2))
            P[0, :, 0] = x0 + (level - a00) / (a10 - a00) * (x1 - x0)
            P[0, :, 1] = y0
            P[1, :, 0] = x1
            P[1, :, 1] = y0 + (level - a10) / (a11 - a10) * (y1 - y0)
            P[2, :, 0] = x0 + (level - a01) / (a11 - a01) * (x1 - x0)
            P[2, :, 1] = y1
            P[3, :, 0] = x0
            P[3, :, 1] = y0 + (level - a00) / (a01 - a00) * (y1 - y0)
            b00, b10, b01, b11 = s00[j, i], s10[j, i], s01[j, i], s11[j, i]
            C = np.stack([b00 != b10, b10 != b11, b01 != b11, b00 != b01])
            count = C.sum(axis=0)
            two = count == 2
            if np.any(two):
                first = np.argmax(C[:, two], axis=0)
                second = 3 - np.argmax(C[::-1, two], axis=0)
                cells = P[:, two]
                k = np.arange(cells.shape[1])
                seg = np.empty((2 * len(k), 2))
                seg[0::2] = cells[first, k]
                seg[1::2] = cells[second, k]
                out.append(seg)
            four = count == 4
            if np.any(four):
                # Saddle cell: the centre decides which corners the curve cuts off.
                b, r, t, l = P[:, four]
                centre = (a00 + a10 + a01 + a11)[four] / 4.0
                joined = ((centre < level) == b00[four])[:, None]  # (x0,y0) joined to (x1,y1)
                seg = np.empty((4 * len(b), 2))
                seg[0::4] = b
                seg[1::4] = np.where(joined, r, l)
                seg[2::4] = t
                seg[3::4] = np.where(joined, l, r)
                out.append(seg)
    if not out:
        return np.empty((0, 2))
    return np.concatenate(out)
