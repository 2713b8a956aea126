"""Trace: what one run produced, and its CSV/JSON form (SPEC section 7, a contract)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Trace:
    """Rows 0..n of one run. Row 0 is the start; row t is x_t after update t.

    ``grads[t]`` is the gradient the update t+1 used (taken at x_t, noise and coupled
    weight decay included); the last row holds the exact gradient at the end point,
    so arrows can be drawn at every head. ``lr[t]`` is the rate of update t (0 on row 0).
    ``states`` (optional) holds each state slot per row: shape (n+1, slots, D).
    """

    xs: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    grads: np.ndarray
    diverged_at: int | None = None
    states: np.ndarray | None = None
    state_names: tuple[str, ...] = ()
    meta: dict = field(default_factory=dict)

    @property
    def steps(self) -> int:
        """Updates actually taken (rows - 1)."""
        return len(self.xs) - 1

    @property
    def final(self) -> np.ndarray:
        return self.xs[-1]

    def columns(self, dim: int) -> list[str]:
        return ["step", "x", "loss", "lr"] if dim == 1 else ["step", "x", "y", "loss", "lr"]

    def rows(self):
        """Plain Python rows: [step, x(, y), loss, lr]."""
        dim = self.xs.shape[1]
        out = []
        for t in range(len(self.xs)):
            out.append([t] + [float(v) for v in self.xs[t, :dim]] + [float(self.loss[t]), float(self.lr[t])])
        return out

    def to_csv(self) -> str:
        dim = self.xs.shape[1]
        buf = io.StringIO()
        buf.write(",".join(self.columns(dim)) + "\n")
        for row in self.rows():
            # repr keeps every bit of a float64 (SPEC section 7)
            buf.write(",".join([str(row[0])] + [repr(v) for v in row[1:]]) + "\n")
        return buf.getvalue()

    def to_json(self, surface: str, optimizer: str, **extra) -> str:
        dim = self.xs.shape[1]
        names = self.columns(dim)
        rows = [dict(zip(names, row)) for row in self.rows()]
        doc = {"surface": surface, "optimizer": optimizer, **extra, "rows": rows,
               "diverged_at": self.diverged_at}
        return json.dumps(doc, allow_nan=True)


def polyak_average(xs: np.ndarray, a: float) -> np.ndarray:
    """Polyak averaging as an exponential moving average (seed 004): xbar <- a xbar + (1 - a) x.

    Starts at x_0. Returned for every row so it can be drawn as a second, dashed trail.
    """
    xs = np.asarray(xs, dtype=float)
    out = np.empty_like(xs)
    if not len(xs):
        return out
    acc = xs[0].copy()
    out[0] = acc
    rows = xs.tolist()
    b = 1.0 - a
    acc = list(rows[0])
    for t in range(1, len(rows)):
        acc = [a * p + b * q for p, q in zip(acc, rows[t])]
        out[t] = acc
    return out
