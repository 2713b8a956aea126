"""How a run ends, told honestly: converged, diverged, escaped or left the view.

The engine stops a run whose point turns non-finite or passes 1e6 x the view box
(SPEC section 2). What a picture should say about it depends on the surface: on a
surface with a minimum that is a failure ("diverged at step N"); on one without a
minimum (the saddle, unbounded below) running off downhill is the success the
lecture wants to show ("escaped"). Either way the map can only show the run up to
where it leaves the view box: the trail ends there (``exit_row``) with an arrow in
the direction it went, and the legend tells the ending from ``step`` on, never
before the playback reaches it. NumPy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Ending:
    kind: str  # "converged" | "diverged" | "escaped" | "left"
    step: int  # the step from which the ending is told (the playback reached it)
    exit_row: int | None  # the last row inside the view box (the trail ends there); None: never left
    text: str  # "diverged at step 88"

    @property
    def failed(self) -> bool:
        return self.kind == "diverged"

    @property
    def symbol(self) -> str:
        """✗ for a failure only: escaping a saddle is the success, leaving the view news."""
        return {"diverged": "✗", "escaped": "↗", "left": "→"}.get(self.kind, "✓")


def inside_view(xs: np.ndarray, view) -> np.ndarray:
    """Row by row: is the point inside the box (x0, x1[, y0, y1])? NaN is outside."""
    box = np.asarray(view, dtype=float).reshape(-1, 2)
    d = min(box.shape[0], xs.shape[1])
    with np.errstate(invalid="ignore"):
        return np.all((xs[:, :d] >= box[:d, 0]) & (xs[:, :d] <= box[:d, 1]), axis=1)


def last_inside(xs: np.ndarray, view) -> int | None:
    """The row after which the path stays outside the box for good, if it ends outside
    (a run that leaves and comes back keeps its whole trail); None if it ends inside."""
    inside = inside_view(xs, view)
    if not len(inside) or inside[-1]:
        return None
    rows = np.flatnonzero(inside)
    return int(rows[-1]) if len(rows) else 0


def ending_of(trace, surface) -> Ending | None:
    """The ending of one run on ``surface`` (its view box and known minima), or None while
    the run simply goes on to its last step inside the view."""
    n = len(trace.xs)
    fmin = surface.min_value
    if trace.diverged_at is not None and fmin is not None:
        # The engine also stops a run whose loss underflows to exactly 0 (L-BFGS on a
        # quadratic): ending at the minimum is convergence, not divergence.
        last = float(trace.loss[-1])
        if math.isfinite(last) and abs(last - fmin) <= 1e-12 * (1.0 + abs(float(trace.loss[0]))):
            return Ending("converged", n - 1, None, f"converged at step {n - 1}")
    exit_row = last_inside(np.asarray(trace.xs, dtype=float), surface.view)
    if trace.diverged_at is None and exit_row is None:
        return None
    if exit_row is None:  # non-finite inside the view (f undefined there): a failure on any surface
        return Ending("diverged", trace.diverged_at, None, f"diverged at step {trace.diverged_at}")
    # Told at the step it left the view (where its trail ends), not at the step the engine
    # gave up (1e6 x the box, often many steps later, far off the map).
    left_at = exit_row + 1
    if fmin is None:
        return Ending("escaped", left_at, exit_row, f"escaped at step {left_at}")
    loss = np.asarray(trace.loss, dtype=float)
    with np.errstate(invalid="ignore"):
        worse = not loss[-1] <= loss[0]  # NaN/inf count as worse
    if trace.diverged_at is not None or worse:
        # gone for good and uphill: a blow-up the engine has not called yet (lr just
        # above 2/L grows ~10 % a step, it takes ~150 steps to reach 1e6 x the box)
        return Ending("diverged", left_at, exit_row, f"diverged at step {left_at}")
    return Ending("left", left_at, exit_row, f"left the view at step {left_at}")
