"""Trace: what one run produced, and its CSV/JSON form (SPEC section 7, a contract)."""

from __future__ import annotations

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
        # tolist() makes the same Python floats as float() of each element, ~10x faster
        # than indexing the arrays row by row (a 1000-step `trace` spent ~5 ms there)
        return [[t, *x, f, lr] for t, (x, f, lr) in
                enumerate(zip(self.xs.tolist(), self.loss.tolist(), self.lr.tolist()))]

    def to_csv(self) -> str:
        dim = self.xs.shape[1]
        # repr keeps every bit of a float64 (SPEC section 7); the step is an int (repr = str)
        lines = [",".join(self.columns(dim))] + [",".join(map(repr, row)) for row in self.rows()]
        return "\n".join(lines) + "\n"

    def to_json(self, surface: str, optimizer: str, **extra) -> str:
        dim = self.xs.shape[1]
        names = self.columns(dim)
        rows = [dict(zip(names, row)) for row in self.rows()]
        doc = {"surface": surface, "optimizer": optimizer, **extra, "rows": rows,
               "diverged_at": self.diverged_at}
        return strict_json(doc)

    def stop_note(self) -> str | None:
        """The stderr line for a run that ended early (None if it ran every step)."""
        return stop_note(self.diverged_at, self.steps, bool(np.isfinite(self.loss[-1])))


NONFINITE = "not a finite number (NaN or infinite): the run left the region where the loss is defined"


def strict_json(doc: dict, reasons: dict | None = None, **dumps) -> str:
    """``doc`` as strict JSON (RFC 8259 has no NaN or Infinity, and most readers refuse
    them): a non-finite number becomes null, and ``doc["nulls"]`` says why for each
    key that has one (``reasons[key]``, else :data:`NONFINITE`)."""
    import json  # here, not at the top: `trace`'s default CSV starts without it

    seen: set = set()

    def clean(value, key=None):
        if isinstance(value, float) and not np.isfinite(value):
            seen.add(key)
            return None
        if isinstance(value, dict):
            return {k: clean(v, k) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v, key) for v in value]
        return value

    out = clean(doc)
    if seen:
        out["nulls"] = {str(k): (reasons or {}).get(k, NONFINITE) for k in sorted(seen, key=str)}
    return json.dumps(out, allow_nan=False, **dumps)


def stop_note(diverged_at: int | None, last_row: int, last_finite: bool) -> str | None:
    if diverged_at is None:
        return None
    if not last_finite:  # row 0 itself: there is no finite row to stop at
        return (f"the loss at the start (step {last_row}) is not a finite number: the run could not "
                f"take a step; choose another start")
    return f"diverged at step {diverged_at}: the run stopped at its last finite row (step {last_row})"


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
