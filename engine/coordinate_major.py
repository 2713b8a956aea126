"""run_batch's coordinate-major loop: R runs of an element-wise rule on a surface, stepped
as (D, R) arrays (row i: coordinate i of every run) instead of (R, D).

Element-wise IEEE arithmetic does not care how the numbers are laid out, so the same
rule gives the same bits either way; what changes is the cost of NumPy's calls, which
on a 256-run sweep's 512 numbers is nearly all overhead. Per-run numbers (lr_t, beta1,
...) broadcast along the outer axis as (1, R) rows (~1.9 us a call) instead of along
the inner one as (R, 1) columns (~3.3 us), and the surface's coordinate form reads
contiguous rows. ``engine.runner.run_batch`` chooses this loop (``COORDINATE_MAJOR``)
and tests/test_runner_layout.py holds it to the run-major loop bit for bit.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from engine.stepper import Update


class CoordinateRows:
    """A surface seen by ``Update`` in coordinate-major layout: X is (D, R), row i holding
    coordinate i of every run, so ``grad`` hands the surface contiguous rows."""

    stochastic = False

    def __init__(self, objective):
        self.surface = objective.surface
        self.layout = objective.layout
        self.view = objective.view

    def value(self, X):
        return self.surface.value(*X)

    def grad(self, X, k=0):
        out = np.empty(X.shape)
        if len(X) == 2:  # a sweep's every update: no generator (~1 us of the ~2 us around the surface)
            out[0], out[1] = self.surface.grad(X[0], X[1])
            return out
        for i, part in enumerate(self.surface.grad(*X)):
            out[i] = part
        return out


def hyperparameter_rows(hp):
    """Per-run hyperparameters (``stepper.stack_hyperparameters``' (R, 1) columns) as
    (1, R) rows; shared ones stay Python numbers."""
    return SimpleNamespace(**{k: v.reshape(1, -1) if isinstance(v, np.ndarray) else v
                              for k, v in vars(hp).items()})


def step_coordinate_major(objective, update, X, lrs, noise_level, noise_table, steps, record_states,
                          xs, gs):
    """``runner._step_run_major`` for element-wise rules on a surface, with every array
    turned round: X, g and the state are (D, R), lr_t an (R,) row and per-run
    hyperparameters (1, R) rows. Writes the rows into ``xs`` and ``gs`` (R, steps + 1, D,
    each run's rows contiguous; gs' last row left to the caller) and returns how many
    rows were made and ``states(r, n) -> (n, slots, D)`` (None when not recorded).

    Rows are not copied into a block on every update: the rule's fresh X and the
    gradient are kept as they come, and every 64 updates turned round into the run-major
    result while they are still in cache (one transpose of a whole step-major block at
    the end cost ~3 ms inside a sweep, plus the first touches of its 8 MB; in pieces of
    16-256 updates the sweep took the same time within 5 %)."""
    R, D = X.shape
    step = Update(CoordinateRows(objective), update.optimizers, update.ctx.seed, hp=hyperparameter_rows(update.hp))
    X = np.ascontiguousarray(X.T)
    state = step.init_state(X)
    noise_cols = None if noise_table is None else noise_table[:, :, None]  # (steps, D, 1)
    # (R, rows D) views: each run's rows are contiguous in xs and gs, so this reshape is a view
    xs, gs = xs.reshape(R, -1), gs.reshape(R, -1)
    kept_x, kept_g = [X], []  # rows x0.. and g0.. not yet in xs and gs
    x0 = g0 = 0
    states = [state] if record_states else None
    last = steps
    with np.errstate(all="ignore"):
        for k in range(steps):
            t = k + 1
            X, state, g = step(X, state, k, lrs[k], noise_level, None if noise_cols is None else noise_cols[k])
            kept_g.append(g)
            kept_x.append(X)
            if record_states:
                states.append(state)
            if t % 64 == 0:  # as often as the run-major loop looks for a batch that has blown up
                x0 = put_rows(xs, x0, kept_x)
                g0 = put_rows(gs, g0, kept_g)
                if not np.any(np.all(np.isfinite(X), axis=0)):
                    last = t  # every run has blown up: nothing left to compute
                    break
    put_rows(xs, x0, kept_x)
    put_rows(gs, g0, kept_g)
    n_rows = last + 1
    state_rows = None
    if states is not None:
        names = update.record.state_names
        block = np.array(states[:n_rows]) if names else None  # (rows, slots, D, R)

        def state_rows(r, n):
            if names:
                return np.ascontiguousarray(block[:n, :, :, r])
            return np.empty((n, 0, D))  # SGD, sign descent: no slots, as the float path gives them
    return n_rows, state_rows


def put_rows(A, first, kept):
    """Write the (D, R) arrays ``kept`` as rows first.. of the run-major rows A (R, rows D);
    empties ``kept`` and returns the next row to write."""
    n = len(kept)
    if n:
        # as the transpose of a (n D, R) matrix into (R, n D): inner loops of n D or R
        # floats (as (R, n, D) NumPy's inner loop was D = 2 floats long: 4x slower)
        D = len(kept[0])
        A[:, first * D:(first + n) * D] = np.concatenate(kept).T
        kept.clear()
    return first + n
