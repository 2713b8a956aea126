"""The geometry of one update (issue 14, item 1): the shapes a rule's record says its
update at x has (``OptimizerRecord.geometry``: the preconditioner's ellipse, Lion's
L-infinity box, SAM's rho-ball, Newton's and BFGS's quadratic models, momentum's two
arrows), computed for update k+1 of a run at its point x_k.

The run is stepped to x_k through ``engine.stepper.Update`` -- the very update the
batched runner takes -- and the update k+1 is taken once more, so every shape may read
the state before it (``u.state``), the state after it (``u.new_state``) and where it
lands (``u.x_next``), besides x, g, lr_{k+1}, t = k+1, the hyperparameters and the
problem (``u.ctx``: values, gradients and the Hessian).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from engine.runner import as_objective
from engine.stepper import Update, lr_table, noise_rows


def geometry_of(spec):
    """The record's geometry (a wrapper's own first: SAM's ball, whatever its base), or None."""
    record = spec.record
    if record.geometry is not None:
        return record.geometry
    from engine.registry import resolve

    return resolve(spec.key, spec.params)[0].geometry


def update_context(problem, spec, schedule, start, k: int, steps: int, noise=0.0, seed=0):
    """``u`` for update k+1 of the run (k in 0..steps-1), or None past its end or divergence."""
    if not 0 <= k < steps:
        return None
    objective = as_objective(problem)
    update = Update(objective, [spec], seed)
    X = np.asarray(start, dtype=float).reshape(1, -1)
    lrs = lr_table(spec, schedule, steps)
    table = noise_rows(noise, seed, steps, X.shape[1])
    state = update.init_state(X)
    with np.errstate(all="ignore"):
        for j in range(k + 1):
            row = None if table is None else table[j]
            X_next, new_state, g = update(X, state, j, np.reshape(lrs[j], (1, 1)), noise, row)
            if j < k:
                X, state = X_next, new_state
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(g))):
            return None
    named = update.record.state  # rules may return plain tuples in field order
    return SimpleNamespace(ctx=update.ctx, x=X[0].copy(), g=g[0].copy(), state=named(*state),
                           new_state=named(*new_state),
                           x_next=X_next[0].copy(), hp=update.hp, t=k + 1, lr=float(lrs[k]))


def update_shapes(problem, spec, schedule, start, k: int, steps: int, noise=0.0, seed=0) -> tuple:
    """The Shapes of update k+1 at x_k (empty for a rule without geometry facts)."""
    geometry = geometry_of(spec)
    if geometry is None:
        return ()
    u = update_context(problem, spec, schedule, start, k, steps, noise, seed)
    if u is None:
        return ()
    with np.errstate(all="ignore"):
        return tuple(geometry(u))
