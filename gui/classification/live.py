"""The Trainer as the live view needs it: bounded memory, one metrics call per row,
and a step counter that does not stop when run 0 diverges.

``engine.training.Trainer`` keeps every row's weights (``keep_weights``) and asks the
problem for the metrics of each optimizer group separately. For the GUI that is two
problems: 16 runs of a hidden-512 MLP over 100,000 steps would keep gigabytes of
weights, and eight one-run groups cost eight small metrics calls per row where one
stacked call does the same work in ~70 % of the time. So this subclass

* records the metrics of every live run with **one** metrics call per row: the training
  loss and accuracy (and the divergence test) every row, the validation loss and
  accuracy every ``val_every`` rows (NaN in between; the curves skip those rows). The
  validation points cost ~1/4 of a metrics call, ~7 % of a step of eight MLP runs, and
  a validation curve sampled every 4th step looks the same at any zoom a lecture uses;
* keeps a thinned weight trajectory per run (:class:`WeightPath`: every row until it
  holds ``cap`` rows, then every 2nd, 4th, ... row) plus the latest weights, which is
  all the decision regions and the landscape projection need;
* counts rows itself: ``Trainer.step`` reads run 0's length, which stops growing when
  run 0 diverges (and ``advance`` would then step the others past ``total_steps``).

No Qt here, so it is tested like the engine.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from engine.training import METRICS, Trainer

TRAJECTORY_FLOATS = 8_000_000  # ~64 MB of float64 for all runs' thinned trajectories together
VAL_EVERY = 4


class WeightPath:
    """Rows ``0, s, 2s, ...`` of one run's weights (stride ``s`` doubles when full) and its last row."""

    def __init__(self, cap: int = 1000):
        self.cap = max(int(cap), 8)
        self.stride = 1
        self.rows: list[int] = []
        self.weights: list[np.ndarray] = []
        self.latest: np.ndarray | None = None
        self.latest_row = -1

    def add(self, row: int, w: np.ndarray) -> None:
        w = np.array(w, dtype=float)  # a copy: steppers reuse their arrays
        self.latest, self.latest_row = w, row
        if row % self.stride:
            return
        self.rows.append(row)
        self.weights.append(w)
        if len(self.rows) > self.cap:
            self.rows, self.weights = self.rows[::2], self.weights[::2]
            self.stride *= 2

    def trajectory(self) -> tuple[np.ndarray, np.ndarray]:
        """``(rows (T,), weights (T, D))``, the latest row included."""
        rows, weights = list(self.rows), list(self.weights)
        if self.latest is not None and (not rows or rows[-1] != self.latest_row):
            rows.append(self.latest_row)
            weights.append(self.latest)
        if not weights:
            return np.zeros(0, dtype=int), np.zeros((0, 0))
        return np.asarray(rows), np.stack(weights)


class LiveTrainer(Trainer):
    """``Trainer`` for the live view (see the module docstring); same ``advance``/``runs``/``done``."""

    def __init__(self, problem, runs, total_steps: int, init_seed: int = 0, val_every: int = VAL_EVERY):
        self._row = -1
        self.val_every = max(int(val_every), 1)
        self._train_only = _without_validation(problem) if self.val_every > 1 else problem
        cap = int(min(1000, max(64, TRAJECTORY_FLOATS // max(problem.dim * max(len(runs), 1), 1))))
        self.paths = [WeightPath(cap) for _ in runs]
        super().__init__(problem, runs, total_steps, init_seed, keep_weights=False)

    @property
    def step(self) -> int:
        return max(self._row, 0)

    def weights(self, i: int) -> np.ndarray | None:
        """The latest weights of run ``i`` (its last finite row once it diverged)."""
        return self.paths[i].latest

    def _record_rows(self, groups):
        self._row += 1
        row = self._row
        live = [(i, W[j], lr[j]) for idx, W, lr in groups for j, i in enumerate(idx)
                if self.runs[i].diverged_at is None]
        if not live:
            return
        Ws = np.stack([w for _, w, _ in live])
        last = row >= self.total_steps  # the final row always gets its validation numbers
        m = (self.problem if row % self.val_every == 0 or last else self._train_only).metrics(Ws)
        with np.errstate(all="ignore"):
            bad = ~np.isfinite(m["objective"]) | self.problem.out_of_bounds(Ws) | ~np.all(np.isfinite(Ws), axis=1)
        for n, (i, w, lr) in enumerate(live):
            run = self.runs[i]
            if bad[n]:
                run.diverged_at = row
                continue
            for name in METRICS:
                run.metrics.setdefault(name, []).append(float(m[name][n]))
            run.lr.append(float(lr))
            self.paths[i].add(row, w)


def _without_validation(problem):
    """The same objective on the same training points, with no validation points, so its
    ``metrics`` skips the validation forward pass (and returns NaN for it)."""
    d = problem.dataset
    if not d.n_val:
        return problem
    bare = dataclasses.replace(d, X_val=d.X_val[:0], y_val=d.y_val[:0])
    return type(problem)(bare, problem.model, problem.reg, batch_size=problem.batch_size, seed=problem.seed,
                         label_smoothing=problem.label_smoothing, mixup=problem.mixup)
