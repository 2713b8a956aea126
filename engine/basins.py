"""Basins of attraction: colour every start of a grid by the minimum its run ends in.

One optimizer, ``nx * ny`` starts on the cell centres of the view box, all stepped
together as one (R, 2) array by the lean loop of :mod:`engine.sweep`. Each run gets a
label (:func:`assign_minima`):

* ``DIVERGED`` (-2): the run diverged (SPEC section 2);
* ``i >= 0``: index into ``BasinMap.minima`` (the surface's known minima of kind global
  or local, in its order) when **both**
  - the end point is within ``radius`` of minimum i, the nearest known minimum
    (default: 5% of the view box's diagonal), and
  - it has settled there: the Newton step ``||H_i^-1 g(x_T)||``, with ``H_i`` the
    Hessian at minimum i, is at most ``settle`` (default ``radius / 4``). On a
    quadratic that is the distance to the minimum the gradient points at, in the
    surface's own units; it keeps runs still crawling down a slope inside the ball
    (tiny learning rates, AdaGrad late in a run) out of the basin;
* ``NOT_CONVERGED`` (-1): anything else (still moving, stuck at a saddle, or in a
  minimum the surface does not list).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.optimizer_spec import CONSTANT, OptimizerSpec, ScheduleSpec
from engine.sweep import run_ends

NOT_CONVERGED = -1
DIVERGED = -2
RADIUS_FRACTION = 0.05  # of the view box's diagonal
SETTLE_FRACTION = 0.25  # of the radius


@dataclass
class BasinMap:
    """labels[j, i] is the basin of the run started at (xs[i], ys[j]) (image rows = y)."""

    labels: np.ndarray  # (ny, nx) int: minimum index, NOT_CONVERGED or DIVERGED
    ends: np.ndarray  # (ny, nx, D): last finite point of each run
    xs: np.ndarray  # (nx,) cell centres
    ys: np.ndarray  # (ny,) cell centres ([0.0] on a 1-D surface)
    view: tuple  # the box the cells tile: (xmin, xmax[, ymin, ymax])
    minima: tuple  # the Minimum records the labels index
    radius: float
    settle: float
    spec: OptimizerSpec | None = None

    def counts(self) -> dict[int, int]:
        """Runs per label, every minimum and both special labels included (zeros too)."""
        keys = list(range(len(self.minima))) + [NOT_CONVERGED, DIVERGED]
        return {k: int(np.count_nonzero(self.labels == k)) for k in keys}


def _diagonal(view, dim) -> float:
    box = np.asarray(view, dtype=float).reshape(-1, 2)[:dim]
    return float(np.hypot.reduce(box[:, 1] - box[:, 0]))


def basin_minima(surface) -> tuple:
    return tuple(m for m in surface.minima() if m.kind in ("global", "local"))


def assign_minima(surface, ends, diverged, radius: float, settle: float | None = None,
                  minima=None) -> np.ndarray:
    """Labels (R,) for end points ``ends`` (R, D) by the rule of the module docstring."""
    ends = np.asarray(ends, dtype=float).reshape(len(diverged), -1)
    minima = basin_minima(surface) if minima is None else minima
    settle = radius * SETTLE_FRACTION if settle is None else settle
    labels = np.full(len(ends), NOT_CONVERGED)
    if minima:
        centres = np.array([m.point for m in minima], dtype=float)  # (M, D)
        with np.errstate(all="ignore"):
            d2 = np.sum((ends[:, None, :] - centres[None, :, :]) ** 2, axis=2)  # (R, M)
            nearest = np.argmin(np.where(np.isnan(d2), np.inf, d2), axis=1)
            close = d2[np.arange(len(ends)), nearest] <= radius * radius
            # pinv: a flat (singular) direction at a listed minimum must not raise
            H_inv = np.linalg.pinv(surface.hessian_at(centres))  # (M, D, D)
            g = surface.grad_at(ends)
            newton = np.einsum("rij,rj->ri", H_inv[nearest], g)
            settled = np.sqrt(np.sum(newton * newton, axis=1)) <= settle
        labels = np.where(close & settled, nearest, NOT_CONVERGED)
    labels[np.asarray(diverged, dtype=bool)] = DIVERGED
    return labels


def basin_map(surface, optimizer_spec: OptimizerSpec, nx: int, ny: int, steps: int, view=None,
              schedule: ScheduleSpec = CONSTANT, *, noise: float = 0.0, seed: int = 0,
              radius: float | None = None, settle: float | None = None) -> BasinMap:
    """The basin of every start of an ``nx`` x ``ny`` grid over ``view`` (default: the
    surface's view box) for one optimizer; 1-D surfaces need ``ny == 1``."""
    nx, ny = int(nx), int(ny)
    if nx < 1 or ny < 1:
        raise ValueError(f"basin map needs nx, ny >= 1 (got {nx} x {ny})")
    dim = surface.dim
    if dim == 1 and ny != 1:
        raise ValueError("a 1-D surface has one row of starts: ny must be 1")
    view = tuple(float(v) for v in (surface.view if view is None else view))
    box = np.asarray(view, dtype=float).reshape(-1, 2)
    # cell centres, so an image of nx x ny pixels placed on the box lines up with the starts
    xs = box[0, 0] + (np.arange(nx) + 0.5) * (box[0, 1] - box[0, 0]) / nx
    ys = box[1, 0] + (np.arange(ny) + 0.5) * (box[1, 1] - box[1, 0]) / ny if dim == 2 else np.zeros(1)
    if dim == 2:
        gx, gy = np.meshgrid(xs, ys)
        starts = np.stack([gx.ravel(), gy.ravel()], axis=1)
    else:
        starts = xs[:, None]
    R = len(starts)
    ends = run_ends(surface, [optimizer_spec] * R, schedule, starts, steps, noise, seed)
    radius = RADIUS_FRACTION * _diagonal(view, dim) if radius is None else float(radius)
    settle = radius * SETTLE_FRACTION if settle is None else float(settle)
    minima = basin_minima(surface)
    labels = assign_minima(surface, ends.x_end, ends.diverged, radius, settle, minima)
    return BasinMap(labels=labels.reshape(ny, nx), ends=ends.x_end.reshape(ny, nx, dim), xs=xs, ys=ys,
                    view=view, minima=minima, radius=radius, settle=settle, spec=optimizer_spec)
