"""Learning-rate sweeps (seed 002's "too low / just right / too high" as one figure).

:func:`lr_sweep` steps every learning rate of one optimizer together, as one (R, D)
array (R = number of learning rates), and reports per optimizer the final loss, which
runs diverged, the steps each needed to reach a tolerance, the best rate and a region
label for every rate. The region rule (stable under tiny numerical differences):

1. **too high**: the run diverged (SPEC section 2);
2. **just right**: its final gap ``f(x_T) - f*`` is within ``right_factor`` (10) of the
   best final gap of the curve; gaps below ``1e-12 x`` the starting gap count as solved
   and are all equal, so the rates that solve the problem form one band;
3. the rest: **too low** left of the best rate (too slow to arrive), **too high** right
   of it (bouncing without settling, or ending above the start).

If no run ends below its start, nothing is just right and every rate is too high. The
best rate is the one with the lowest final gap; among runs tied at the solved level, the
one that got there first (on a quadratic that is 2 / (l_min + l_max), see theory.py).
The rule does not ask whether a run ended above its start below the best rate: without
noise GD cannot, and with noise a tiny rate would flicker between the two labels.

``f*`` is the surface's lowest known minimum; where none is known (saddle, custom) the
lowest loss any run of the curve reached stands in for it, and no steps-to-tolerance
are given.

:func:`run_ends` is the lean batched loop behind sweeps and basin maps: the same rules,
gradient noise, SAM, weight decay and divergence test as ``engine.runner.run_batch``,
but it keeps only what these figures need (end points, the loss per step on request)
instead of every row, gradient and a Trace per run (for 10,000 runs of 500 steps that
is 2 x 80 MB of rows and 10,000 Trace objects saved), and runs that diverge leave its
arrays, so the survivors are tested for divergence with one reduction a step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.optimizer_spec import CONSTANT, OptimizerSpec, ScheduleSpec
from engine.runner import MAX_STEPS, as_objective, lr_table, run_batch
from engine.stepper import Update, noise_rows, rule_record, stack_hyperparameters

TOO_LOW, JUST_RIGHT, TOO_HIGH = "too low", "just right", "too high"
REGIONS = (TOO_LOW, JUST_RIGHT, TOO_HIGH)
SOLVED = 1e-12  # a gap below SOLVED x the starting gap counts as reaching the minimum


# -- the lean batched loop ------------------------------------------------------------------------


@dataclass
class BatchEnd:
    """Where R runs stepped together ended.

    ``x_end[r]`` is the last row of run r that a Trace would hold (its last finite row
    when it diverged); ``diverged_at[r]`` the row at which it diverged, -1 if it did not;
    ``loss`` (steps+1, R) the exact loss per row when asked for, nan from a run's
    divergence on; ``final_loss`` the loss at ``x_end``.
    """

    x_end: np.ndarray
    diverged_at: np.ndarray
    final_loss: np.ndarray
    loss: np.ndarray | None = None

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0


def run_ends(problem, optimizers, schedules, starts, steps: int, noise: float = 0.0, seed: int = 0,
             track_loss: bool = False) -> BatchEnd:
    """R runs of one rule stepped together, keeping only their ends (and loss per step).

    Same arguments and the same paths as ``engine.runner.run_batch`` (tests hold the two
    together). Element-wise rules take the lean loop; vector and matrix rules go through
    run_batch itself.
    """
    steps = int(min(max(steps, 0), MAX_STEPS))
    objective = as_objective(problem)
    R = len(optimizers)
    if isinstance(schedules, ScheduleSpec):
        schedules = [schedules] * R
    record = rule_record(optimizers[0])
    matrix = record.matrix_rule is not None and any(len(s) == 2 for _, s in objective.layout)
    if record.kind != "elementwise" or matrix:
        return _ends_from_traces(run_batch(problem, optimizers, schedules, starts, steps, noise, seed),
                                 steps, track_loss)
    # a basin map steps 10,000 copies of one spec: stack (and check) it once
    hp = stack_hyperparameters(optimizers[:1] if all(o is optimizers[0] for o in optimizers) else optimizers)
    update = Update(objective, optimizers, seed, hp=hp)
    X = np.array(starts, dtype=float).reshape(R, objective.dim)
    D = X.shape[1]
    lr_cols = _lr_columns(optimizers, schedules, steps)
    noise_table = noise_rows(noise, seed, steps, D)
    state = update.init_state(X)
    all_inside, inside = _divergence_tests(objective)
    value = objective.value

    loss = np.full((steps + 1, R), np.nan) if track_loss else None
    diverged_at = np.full(R, -1)
    x_end = X.copy()
    # Runs that diverge leave the arrays (``active`` maps what is left to the full rows):
    # the rest are checked with one reduction to a single bool per step, and a sweep
    # whose upper half blows up early costs half as much.
    active = np.arange(R)
    with np.errstate(all="ignore"):
        row = value(X) if track_loss else None
        ok = inside(X) & (np.isfinite(row) if track_loss else True)
        if track_loss:
            loss[0] = row
        if not ok.all():
            diverged_at[~ok] = 0
            active, X, state, lr_cols = _drop(ok, active, X, state, update, lr_cols)
        for k in range(steps if len(active) else 0):
            t = k + 1
            X_new, state, _ = update(X, state, k, lr_cols[k], noise,
                                     None if noise_table is None else noise_table[k])
            row = value(X_new) if track_loss else None
            if not all_inside(X_new, row):  # rare: a handful of steps in a whole sweep
                ok = inside(X_new) & (np.isfinite(row) if track_loss else True)
                diverged_at[active[~ok]] = t
                x_end[active[~ok]] = X[~ok]  # the last finite row
                active, X_new, state, lr_cols = _drop(ok, active, X_new, state, update, lr_cols)
                if track_loss:
                    row = row[ok]
            if track_loss:
                if len(active) == R:
                    loss[t] = row
                else:
                    loss[t, active] = row
            X = X_new
            if not len(active):
                break
        x_end[active] = X
        final_loss = np.asarray(value(x_end), dtype=float)
        # without the loss per step, a finite point whose loss overflows is caught here
        # (its gradient would blow it up on the next row anyway)
        late = (diverged_at < 0) & ~np.isfinite(final_loss)
        diverged_at[late] = steps
    return BatchEnd(x_end=x_end, diverged_at=diverged_at, final_loss=final_loss, loss=loss)


def _drop(ok, active, X, state, update, lr_cols):
    """Keep only the runs where ``ok``: every per-run array (R, ...) is cut to the rest."""
    n = len(ok)
    state = tuple(v[ok] if isinstance(v, np.ndarray) and v.ndim >= 1 and v.shape[0] == n else v for v in state)
    update.restrict(ok)
    if lr_cols.shape[1] == n and n > 1:
        lr_cols = lr_cols[:, ok]
    return active[ok], X[ok], state, lr_cols


def _lr_columns(optimizers, schedules, steps):
    """lr_t per update as (steps, R, 1), or (steps, 1, 1) when every run shares it: the
    same products as ``lr_table`` (so the same bits), without R schedule evaluations or a
    40 MB table for a 10,000-run basin map."""
    if all(s is schedules[0] for s in schedules):
        lrs = np.array([o.params.get("lr") or 0.0 for o in optimizers], dtype=float)
        if np.all(lrs == lrs[0]):
            return lr_table(optimizers[0], schedules[0], steps)[:, None, None]
        return (lrs[None, :] * schedules[0].multipliers(steps)[:, None])[:, :, None]
    return np.stack([lr_table(o, s, steps) for o, s in zip(optimizers, schedules)], axis=1)[:, :, None]


def _divergence_tests(objective):
    """(all_inside(X, loss) -> bool for the whole batch, inside(X) -> (R,) bools per run):
    finite and within the divergence box; ``loss`` (or None) must be finite too.
    nan compares False, so one comparison against the box also catches non-finite x."""
    if hasattr(objective, "float_bounds"):
        lo, hi = (np.array(b, dtype=float) for b in zip(*objective.float_bounds()))
        centre, half = (lo + hi) / 2.0, (hi - lo) / 2.0

        def all_inside(X, loss):
            return bool(np.all(np.abs(X - centre) <= half)) and (loss is None or bool(np.isfinite(loss).all()))

        def inside(X):
            near = np.abs(X - centre) <= half
            ok = near[:, 0].copy()  # column by column: all(axis=1) over 2 columns is ~2x slower
            for i in range(1, near.shape[1]):
                ok &= near[:, i]
            return ok
    else:
        def inside(X):
            return np.all(np.isfinite(X), axis=1) & ~np.asarray(objective.out_of_bounds(X))

        def all_inside(X, loss):
            return bool(inside(X).all()) and (loss is None or bool(np.isfinite(loss).all()))
    return all_inside, inside


def _ends_from_traces(traces, steps, track_loss) -> BatchEnd:
    R = len(traces)
    x_end = np.stack([tr.xs[-1] for tr in traces])
    final_loss = np.array([tr.loss[-1] for tr in traces], dtype=float)
    diverged_at = np.array([-1 if tr.diverged_at is None else tr.diverged_at for tr in traces])
    loss = None
    if track_loss:
        loss = np.full((steps + 1, R), np.nan)
        for r, tr in enumerate(traces):
            # a diverged trace ends at its last finite row; the divergence row itself is nan
            n = len(tr.loss) if tr.diverged_at is None else min(len(tr.loss), tr.diverged_at)
            loss[:n, r] = tr.loss[:n]
    return BatchEnd(x_end=x_end, diverged_at=diverged_at, final_loss=final_loss, loss=loss)


# -- the sweep ------------------------------------------------------------------------------------


@dataclass
class SweepCurve:
    """One optimizer swept over learning rates (ascending). Diverged runs have a nan
    final loss (a gap in a log-log plot) and ``diverged`` True."""

    spec: OptimizerSpec  # the optimizer swept; every other hyperparameter as given
    lrs: np.ndarray
    final_loss: np.ndarray  # f(x_T); with noise, the mean over the last 10% of the steps
    diverged: np.ndarray
    start_loss: float
    f_star: float | None  # the known minimum value, None if unknown
    history: np.ndarray  # (steps+1, R): the exact loss per step, nan after divergence
    steps_to_tol: np.ndarray | None  # first step with loss - f* <= tol, nan if never; None without tol
    region: np.ndarray  # one of REGIONS per learning rate
    best_lr: float | None  # the lowest final gap; among solved ties, the one that got there first

    @property
    def label(self) -> str:
        return self.spec.label().split(" (lr")[0]

    def spans(self) -> list[tuple[str, float, float]]:
        """Consecutive learning rates of one region as (region, lr_lo, lr_hi), for shading
        a log axis: neighbouring spans meet at the geometric mean of their edge rates."""
        if not len(self.lrs):
            return []
        cuts = np.sqrt(self.lrs[1:] * self.lrs[:-1])
        out, lo, begin = [], float(self.lrs[0]), 0
        for i in range(1, len(self.lrs) + 1):
            if i == len(self.lrs) or self.region[i] != self.region[begin]:
                hi = float(self.lrs[-1]) if i == len(self.lrs) else float(cuts[i - 1])
                out.append((str(self.region[begin]), lo, hi))
                lo, begin = hi, i
        return out


def log_lrs(lo: float, hi: float, n: int = 200) -> np.ndarray:
    """``n`` learning rates evenly spaced on a log axis."""
    return np.geomspace(float(lo), float(hi), int(n))


def lr_sweep(surface, optimizer_specs, lrs, steps: int, start=None, noise: float = 0.0, seed: int = 0,
             tol: float | None = None, schedule: ScheduleSpec = CONSTANT, *,
             right_factor: float = 10.0) -> list[SweepCurve]:
    """Final loss against learning rate for each optimizer in ``optimizer_specs``.

    Every rate of one optimizer is a run of one batched call (R = len(lrs)) from the same
    ``start`` (default: the surface's), with the same ``schedule``, noise and seed.
    """
    if isinstance(optimizer_specs, OptimizerSpec):
        optimizer_specs = [optimizer_specs]
    lrs = np.sort(np.asarray(lrs, dtype=float).reshape(-1))
    if not len(lrs) or not np.all(np.isfinite(lrs) & (lrs > 0)):
        raise ValueError("lrs must be a non-empty list of positive, finite learning rates")
    start = np.asarray(surface.start if start is None else start, dtype=float).reshape(-1)
    with np.errstate(all="ignore"):
        start_loss = float(surface.value_at(start[None, :])[0])
    f_star = surface.min_value
    curves = []
    for spec in optimizer_specs:
        if "lr" not in spec.params:
            raise ValueError(f"optimizer {spec.key!r} has no learning rate to sweep")
        # every lr > 0 is a valid run; the slider's range does not limit a sweep
        specs = [OptimizerSpec(spec.key, {**spec.params, "lr": float(lr)}) for lr in lrs]
        ends = run_ends(surface, specs, schedule, [start] * len(lrs), steps, noise, seed, track_loss=True)
        # with noise the last row is one sample of a jittering loss: average the last 10%
        tail = max(1, int(steps) // 10) if noise else 1
        curves.append(_curve(spec, lrs, ends, start_loss, f_star, tol, right_factor, tail))
    return curves


def _curve(spec, lrs, ends, start_loss, f_star, tol, right_factor, tail) -> SweepCurve:
    diverged = ends.diverged
    history = ends.loss
    final = ends.final_loss if tail == 1 else np.mean(history[-tail:], axis=0)
    final = np.where(diverged, np.nan, final)
    with np.errstate(all="ignore"):
        f_ref = f_star if f_star is not None else float(np.nanmin(np.append(history, start_loss)))
        gap0 = max(start_loss - f_ref, 0.0)
        floor = max(SOLVED * gap0, SOLVED * abs(f_ref), 1e-300)
        gap = np.maximum(final - f_ref, floor)  # nan stays nan
        gaps_t = np.maximum(history - f_ref, floor)
    region = np.full(len(lrs), TOO_HIGH, dtype=object)
    usable = ~diverged
    best_lr = None
    if np.any(final[usable] < start_loss):
        best_gap = np.min(gap[usable])
        right = usable & (gap <= right_factor * best_gap)
        ties = np.flatnonzero(usable & (gap <= best_gap))
        # among equally good runs (all at the floor) the one that got there first is best
        first = np.argmax(gaps_t[:, ties] <= best_gap, axis=0)
        best = ties[int(np.argmin(first))]
        best_lr = float(lrs[best])
        region[right] = JUST_RIGHT
        region[usable & ~right & (lrs < lrs[best])] = TOO_LOW
    steps_to_tol = None
    if tol is not None and f_star is not None:
        with np.errstate(invalid="ignore"):
            hit = history - f_star <= tol
        steps_to_tol = np.where(hit.any(axis=0), np.argmax(hit, axis=0), np.nan).astype(float)
    return SweepCurve(spec=spec, lrs=lrs, final_loss=final, diverged=diverged, start_loss=start_loss,
                      f_star=f_star, history=history, steps_to_tol=steps_to_tol,
                      region=region.astype(str), best_lr=best_lr)
