"""Stepping runs: update t turns x_{t-1} into x_t (SPEC section 2).

Two paths share the same rules (docs/ARCHITECTURE.md):

* ``run`` on a Surface with an element-wise rule steps one run in Python floats,
  one coordinate at a time: ~3 us an update, so a 1000-step path costs ~3 ms and
  a scene of eight different optimizers stays far below a frame.
* ``run_batch`` steps R runs of one rule as (R, D) arrays: a learning-rate sweep
  of 256 Adam runs costs about as much as one run in NumPy. Vector rules
  (Newton, BFGS, ...) and the classification problem always take this path; an
  element-wise rule on a surface steps the same arrays turned round, (D, R)
  (``engine.coordinate_major``), with the same bits.

Per update t (k = t - 1): g = grad(x) [+ noise * N_k] [SAM: g = grad(x + rho g/|g|)]
[+ weight_decay x unless the rule decouples it]; lr_t = lr * s(k); rule step.
Divergence (a non-finite x or loss, or x beyond 1e6 times the view box) stops a
run at that step; nothing raises and the other runs go on.
"""

from __future__ import annotations

import math
import struct
from itertools import chain
from types import SimpleNamespace

import numpy as np

from engine.coordinate_major import step_coordinate_major
from engine.fused import fused_path_2d
from engine.ops import FLOAT_OPS
from engine.optimizer_spec import CONSTANT, OptimizerSpec, ScheduleSpec
from engine.optimizers.sam import sam_gradient_floats
from engine.optimizers.search import view_box
from engine.registry import resolve
from engine.stepper import StepContext, Update, lr_table, noise_rows, rule_record
from engine.trace import Trace

DIVERGENCE_FACTOR = 1e6
MAX_STEPS = 1_000_000
UNROLL_2D = True  # the unrolled loop of plain 2-D runs (tests turn it off to compare)
FUSE_2D = True  # that loop with the rule pasted in, where it can be (tests turn it off to compare)
COORDINATE_MAJOR = True  # element-wise batches on a surface stepped as (D, R) (tests turn it off to compare)


class SurfaceObjective:
    """A Surface seen through the array path's Objective protocol."""

    stochastic = False

    def __init__(self, surface):
        self.surface = surface
        self.dim = surface.dim
        self.layout = (("x", (surface.dim,)),)
        self.view = surface.view
        view = np.asarray(surface.view, dtype=float).reshape(-1, 2)[: self.dim]
        self._centre = view.mean(axis=1)
        self._limit = DIVERGENCE_FACTOR * (view[:, 1] - view[:, 0]) / 2.0

    # No np.errstate in here: entering it costs ~2 us, more than the arithmetic.
    # The runners call these inside one errstate for the whole run.
    def value(self, X):
        return self.surface.value_at(X)

    def grad(self, X, k=0):
        return self.surface.grad_at(X)

    def hessian(self, X):
        return self.surface.hessian_at(X)

    def out_of_bounds(self, X):
        return np.any(np.abs(X - self._centre) > self._limit, axis=-1)

    def float_bounds(self):
        return [(c - w, c + w) for c, w in zip(self._centre.tolist(), self._limit.tolist())]


def as_objective(problem):
    """Surfaces are wrapped; anything with value/grad/layout is used as it is."""
    if hasattr(problem, "value_at"):
        return SurfaceObjective(problem)
    return problem


def _rule_and_hp(spec: OptimizerSpec):
    """(record whose rule steps, hyperparameters as attributes, SAM radius or 0)."""
    record, sam_rho = resolve(spec.key, spec.params)
    return record, SimpleNamespace(**spec.params), float(sam_rho)


# -- the float path ---------------------------------------------------------------------------


def run(problem, optimizer: OptimizerSpec, schedule: ScheduleSpec = CONSTANT, start=None,
        steps: int = 1000, noise: float = 0.0, seed: int = 0, record_states: bool = False,
        on_step=None) -> Trace:
    """One run from ``start`` (default: the surface's start) for ``steps`` updates.
    ``on_step(k, X)`` is called after each update of the array path (progress and
    cancel of long runs, gui.long_work); the float path takes milliseconds and skips it."""
    steps = int(min(max(steps, 0), MAX_STEPS))
    record, hp, sam_rho = _rule_and_hp(optimizer)
    if record.float_rule is not None and hasattr(problem, "value_at") and problem.dim <= 2:
        start = problem.start if start is None else start
        return _float_search(problem, record, hp, optimizer, schedule, start, steps, seed)
    if record.kind != "elementwise" or not hasattr(problem, "value_at") or problem.dim > 2:
        start = problem.start if start is None else start
        return run_batch(problem, [optimizer], [schedule], [start], steps, noise, seed, record_states,
                         on_step=on_step)[0]
    start = tuple(float(v) for v in (problem.start if start is None else start))
    objective = SurfaceObjective(problem)
    lrs = lr_table(optimizer, schedule, steps).tolist()
    table = noise_rows(noise, seed, steps, problem.dim)
    table = table.tolist() if table is not None else None
    xs, gs, states, diverged = _float_path(problem, record, hp, sam_rho, lrs, start, steps,
                                          float(noise), table, objective.float_bounds(), record_states,
                                          arrays=True)
    return _finish(objective, record, xs, gs, states, lrs, diverged, problem.dim)


def _float_path(surface, record, hp, sam_rho, lrs, x, steps, noise, noise_rows, bounds, record_states,
                state=None, k0=0, arrays=False):
    """Updates k0+1..steps from ``x`` (row k0). ``state`` (one per coordinate) continues a
    run where another left off (engine.branching); by default the rule's fresh state.
    ``lrs`` and ``noise_rows`` are indexed by the absolute update index k. Rows as lists
    of tuples; with ``arrays``, where the fused loop steps it, as arrays already: (rows, D)
    for xs and gs, (rows, D, slots) for the states (``_finish`` takes either)."""
    grad = surface.grad
    rule = record.rule
    lookahead = record.lookahead
    wd = 0.0 if record.decoupled_weight_decay else float(getattr(hp, "weight_decay", 0.0))
    F = FLOAT_OPS
    D = len(x)
    if state is None:
        state = [record.init(float(x[i]), None, hp) for i in range(D)]
    if UNROLL_2D and D == 2 and lookahead is None and noise_rows is None and not sam_rho and not wd:
        fused = fused_path_2d(rule, flat=arrays) if FUSE_2D else None  # the rule pasted in (engine.fused)
        if fused is not None and arrays:
            xs, gs, states, diverged = fused(grad, hp, lrs, x, state, steps, bounds, record_states, k0, F)
            slots = len(state[0])
            if states is not None:  # as many rows as xs (SGD keeps no state: zero slots)
                states = packed_rows(states, D * slots).reshape(-1, D, slots) if slots \
                    else np.empty((len(xs) // D, D, 0))
            return packed_rows(xs, D), packed_rows(gs, D), states, diverged
        if fused is not None:
            return fused(grad, hp, lrs, x, state, steps, bounds, record_states, k0, F)
        return _plain_path_2d(grad, rule, hp, lrs, x, state, steps, bounds, record_states, k0)
    xs, gs = [x], []
    states = [state] if record_states else None
    diverged = None
    t = k0
    try:
        for k in range(k0, steps):
            t = k + 1
            p = x if lookahead is None else [lookahead(x[i], state[i], hp, t, F) for i in range(D)]
            g = grad(*p)
            if noise_rows is not None:
                n = noise_rows[k]
                g = [g[i] + noise * n[i] for i in range(D)]
            if sam_rho:
                g = sam_gradient_floats(grad, p, g, sam_rho, noise, None if noise_rows is None else n)
            if wd:
                g = [g[i] + wd * x[i] for i in range(D)]
            gs.append(g)
            lr = lrs[k]
            new_x, new_state = [], []
            for i in range(D):
                xi, si = rule(g[i], x[i], state[i], hp, t, lr, F)
                new_x.append(xi)
                new_state.append(si)
            x, state = new_x, new_state
            xs.append(x)
            if record_states:
                states.append(state)
            for i in range(D):
                lo, hi = bounds[i]
                if not lo <= x[i] <= hi:  # also false for nan
                    raise FloatingPointError
    except (FloatingPointError, ArithmeticError, ValueError):
        diverged = t
    return xs, gs, states, diverged


def _float_search(surface, record, hp, optimizer, schedule, start, steps, seed) -> Trace:
    """A vector rule with a float form (random search: ``record.float_rule``) for one run:
    the array rule's draws (``StepContext.random``), proposals and comparisons in Python
    floats, one vectorised loss at the end. Rows, loss, the zero gradients and the last
    gradient as ``run_batch`` gives them; no gradient noise (the rule never reads g)."""
    objective = SurfaceObjective(surface)
    ctx = StepContext(objective, seed)
    D = surface.dim
    box = view_box(ctx.view, D)
    rule, sigma = record.float_rule, float(hp.sigma)

    def value(*p):  # NumPy gives inf or nan where Python raises: a proposal that is refused
        try:
            return surface.value(*p)
        except (ArithmeticError, ValueError):
            return math.nan

    x = [float(v) for v in start]
    with np.errstate(all="ignore"):
        f_x = float(objective.value(np.array([x]))[0])  # the array rule's init, to the last bit
    xs = [x]
    block, normal, uniform = -1, None, None
    # nothing here raises (value() refuses instead): a run that leaves the box or meets a
    # non-finite loss is cut by _finish, as run_batch cuts it
    for k in range(steps):
        b, row = divmod(k + 1, 512)
        if b != block:
            block = b
            normal = ctx.random_rows(b, "normal", D)
            uniform = ctx.random_rows(b, "uniform", D) if sigma == 0.0 else None
        x, f_x = rule(value, x, f_x, sigma, normal[row], uniform[row] if uniform else None, box)
        xs.append(x)
    gs = [[0.0] * D] * (len(xs) - 1)
    lrs = lr_table(optimizer, schedule, steps).tolist()
    return _finish(objective, record, xs, gs, None, lrs, None, D)


def _plain_path_2d(grad, rule, hp, lrs, x, state, steps, bounds, record_states, k0):
    """``_float_path`` for the common case a slider drag recomputes on every move: a 2-D
    surface, exact gradients, no lookahead, SAM or coupled weight decay. The same rule
    calls in the same order (so the same floats), with the two coordinates unrolled: the
    general loop's per-step lists and index loops cost a quarter of its time."""
    F = FLOAT_OPS
    x0, x1 = x
    s0, s1 = state
    (lo0, hi0), (lo1, hi1) = bounds
    xs, gs = [x], []
    keep_x, keep_g = xs.append, gs.append
    states = [state] if record_states else None
    diverged = None
    t = k0
    try:
        for k in range(k0, steps):
            t = k + 1
            g = grad(x0, x1)
            keep_g(g)
            lr = lrs[k]
            x0, s0 = rule(g[0], x0, s0, hp, t, lr, F)
            x1, s1 = rule(g[1], x1, s1, hp, t, lr, F)
            keep_x((x0, x1))
            if states is not None:
                states.append((s0, s1))
            if not (lo0 <= x0 <= hi0 and lo1 <= x1 <= hi1):  # also false for nan
                raise FloatingPointError
    except (FloatingPointError, ArithmeticError, ValueError):
        diverged = t
    return xs, gs, states, diverged


def packed_rows(flat: list, width: int) -> np.ndarray:
    """A flat list of floats as rows of ``width``: struct packs them into the array's
    memory ~4x faster than np.fromiter (converting a slider move's path to arrays was
    ~10% of the move's instructions)."""
    out = np.empty(len(flat))
    if flat:
        struct.pack_into(f"{len(flat)}d", out, 0, *flat)
    return out.reshape(-1, width)


def _floats(rows, shape) -> np.ndarray:
    """Nested lists of floats as an array of ``shape``: flattened first, which is 2-3x
    faster than np.asarray on lists of lists (every slider move converts a path)."""
    flat = rows
    for _ in shape[1:]:
        flat = chain.from_iterable(flat)
    return np.fromiter(flat, dtype=float, count=int(np.prod(shape))).reshape(shape)


def _finish(objective, record, xs, gs, states, lrs, diverged, dim):
    """Arrays, the exact loss (one vectorised call), divergence cut, last gradient."""
    xs = xs if isinstance(xs, np.ndarray) else _floats(xs, (len(xs), dim))
    with np.errstate(all="ignore"):
        loss = objective.value(xs)
        # out_of_bounds too, as run_batch does: a start outside the box is diverged at 0
        bad = ~np.isfinite(loss) | ~np.all(np.isfinite(xs), axis=1) | objective.out_of_bounds(xs)
    if bad.any():
        first = int(np.argmax(bad))
        diverged = first if diverged is None else min(diverged, first)
    n = len(xs) if diverged is None else diverged
    n = max(n, 1)
    xs, loss = xs[:n], loss[:n]
    g_rows = np.empty((n, dim))
    if n > 1:
        g_rows[: n - 1] = gs[: n - 1] if isinstance(gs, np.ndarray) else _floats(gs[: n - 1], (n - 1, dim))
    with np.errstate(all="ignore"):
        g_rows[n - 1] = objective.grad(xs[n - 1: n], n - 1)[0]
    lr = np.zeros(n)
    lr[1:] = np.asarray(lrs[: n - 1], dtype=float)
    state_arr = None
    if states is not None:
        # per row, per coordinate, per slot -> (rows, slots, D)
        rows = states[:n] if isinstance(states, np.ndarray) else _floats(states[:n], (n, dim, len(states[0][0])))
        state_arr = rows.transpose(0, 2, 1)
    return Trace(xs=xs, loss=loss, lr=lr, grads=g_rows, diverged_at=diverged, states=state_arr,
                 state_names=record.state_names)


# -- the batched path ---------------------------------------------------------------------------


def batch_key(spec: OptimizerSpec):
    """Runs with equal keys can be stepped together as one array."""
    options = tuple((k, v) for k, v in sorted(spec.params.items()) if not isinstance(v, float))
    return (spec.key, options)


def run_batch(problem, optimizers, schedules, starts, steps: int, noise: float = 0.0, seed: int = 0,
              record_states: bool = False, on_step=None) -> list[Trace]:
    """R runs of one rule (and equal options) stepped together as (R, D) arrays.

    ``optimizers``/``schedules``/``starts`` are per run (a single schedule may be given
    for all). ``on_step(k, X)`` is called after each update (classification metrics).
    """
    steps = int(min(max(steps, 0), MAX_STEPS))
    objective = as_objective(problem)
    R = len(optimizers)
    if isinstance(schedules, ScheduleSpec):
        schedules = [schedules] * R
    update = Update(objective, list(optimizers), seed)
    record = update.record
    X = np.array(starts, dtype=float).reshape(R, objective.dim)
    D = X.shape[1]
    lrs = lr_columns(optimizers, schedules, steps)  # (steps, R)
    noise_table = noise_rows(float(noise), seed, steps, D)
    xs, gs, loss, lr_r = _result_arrays(R, steps + 1, D)
    if COORDINATE_MAJOR and on_step is None and _coordinate_major_fits(objective, update):
        n_rows, states = step_coordinate_major(objective, update, X, lrs, float(noise), noise_table,
                                               steps, record_states, xs, gs)
    else:
        n_rows, states = _step_run_major(objective, update, X, lrs, float(noise), noise_table, steps,
                                         record_states, on_step, xs, gs)
    xs, gs, loss, lr_r = xs[:, :n_rows], gs[:, :n_rows], loss[:, :n_rows], lr_r[:, :n_rows]
    with np.errstate(all="ignore"):
        bad = _loss_and_bad(objective, xs, loss)
    if bad is None:  # the usual case: every row of every run finite and inside the box
        any_bad, first_bad = np.zeros(R, dtype=bool), np.zeros(R, dtype=int)
    else:
        any_bad, first_bad = bad.any(axis=1), np.argmax(bad, axis=1)
    ends = np.where(any_bad, np.maximum(first_bad, 1), n_rows)
    with np.errstate(all="ignore"):
        gs[np.arange(R), ends - 1] = objective.grad(xs[np.arange(R), ends - 1], n_rows - 1)
    lr_r[:, 0] = 0.0
    lr_r[:, 1:] = lrs[: n_rows - 1].T
    # Python ints and one tuple of names: per run, NumPy scalars and the record's
    # state_names property cost ~1 ms of a 256-run sweep
    names = record.state_names
    diverged = [int(f) if a else None for f, a in zip(first_bad.tolist(), any_bad.tolist())]
    return [Trace(xs=xs[r, :n], loss=loss[r, :n], lr=lr_r[r, :n], grads=gs[r, :n], diverged_at=diverged[r],
                  states=None if states is None else states(r, n), state_names=names)
            for r, n in enumerate(ends.tolist())]


def _result_arrays(R, rows, D):
    """xs, grads (R, rows, D), loss and lr (R, rows) of a batch, as views of one block of
    memory in which each run's rows of each are contiguous (as Trace wants them). One
    block, not four: glibc gives a freed block back to the system once the free memory at
    the top of its heap passes twice the largest block it has seen, so a sweep's four
    2-4 MB arrays came back page by page on every call (~3,500 page faults, ~5 ms of a
    256-run sweep on a 2-core VM), while the one 12 MB block is kept and reused."""
    block = np.empty((R, rows * (2 * D + 2)))
    w = rows * D
    return (block[:, :w].reshape(R, rows, D), block[:, w:2 * w].reshape(R, rows, D),
            block[:, 2 * w:2 * w + rows], block[:, 2 * w + rows:])


def _step_run_major(objective, update, X, lrs, noise_level, noise_table, steps, record_states, on_step,
                    xs_out, gs_out):
    """Every update of ``run_batch`` on (R, D) arrays, for every rule and objective.
    Writes the rows into ``xs_out`` and ``gs_out`` (R, steps + 1, D) (gs' last row left to
    the caller); returns how many rows were made and the recorded states as
    ``states(r, n) -> (n, slots, D)`` (None when not recorded or not per weight)."""
    record, matrix = update.record, update.matrix
    R, D = X.shape
    lr_cols = lrs[:, :, None]
    state = update.init_state(X)
    # Step-major while stepping: update k writes one contiguous (R, D) block. Written
    # run-major, the same rows land on R different pages every update (a sweep of 256 runs
    # spent ~6 ms of its loop there); ``_run_major`` turns them round once at the end.
    xs = np.empty((steps + 1, R, D))
    gs = np.empty((steps + 1, R, D))
    xs[0] = X
    states = [state] if record_states else None
    fixed_ok = record.deterministic and noise_table is None and not getattr(objective, "stochastic", False)
    last = steps
    with np.errstate(all="ignore"):
        for k in range(steps):
            t = k + 1
            X_new, state, g = update(X, state, k, lr_cols[k], noise_level,
                                     None if noise_table is None else noise_table[k])
            gs[k] = g
            if record.kind == "vector" and fixed_ok and np.array_equal(X_new, X) \
                    and np.all(lrs[k + 1:] <= lrs[k]):
                # A deterministic rule that did not move, on an exact gradient, with a
                # rate that only shrinks from here, stays put: fill the rest (BFGS and
                # Newton converge in tens of steps; the other ~990 would be idle work).
                xs[t:] = X
                gs[k + 1:] = g
                if record_states:
                    states.extend([state] * (steps - k))
                break
            X = X_new
            xs[t] = X
            if record_states:
                states.append(state)
            if on_step is not None:
                on_step(k, X)
            if t % 64 == 0 and not np.any(np.all(np.isfinite(X), axis=1)):
                last = t  # every run has blown up: nothing left to compute
                break
    n_rows = last + 1
    state_rows = None
    if states is not None and record.kind == "elementwise" and not matrix:
        def state_rows(r, n):
            if record.state_names:
                return np.stack([np.stack([slot[r] for slot in st]) for st in states[:n]])
            return np.empty((n, 0, D))  # SGD, sign descent: no slots, as the float path gives them
    _run_major(xs[:n_rows], xs_out[:, :n_rows])
    _run_major(gs[:n_rows], gs_out[:, :n_rows])
    return n_rows, state_rows


def _coordinate_major_fits(objective, update) -> bool:
    """Whether ``step_coordinate_major`` can step this batch: an element-wise rule on a
    surface, without SAM (its |g| sums along the coordinates of a run)."""
    return (isinstance(objective, SurfaceObjective) and update.record.kind == "elementwise"
            and not update.matrix and not update.use_sam)


def _run_major(A, out):
    """(rows, R, D) into ``out`` (R, rows, D), whose last axis is contiguous: each run's
    rows one block, as Trace wants them. Each row of D floats is moved as one element (a
    NumPy void of 8 D bytes): for a 256-run sweep's 1001 x 256 x 2 floats ~0.3 ms alone
    and ~2 ms inside a sweep on a busy machine, 2-8x less than moving single floats."""
    row = np.dtype((np.void, A.shape[2] * A.itemsize))
    out.view(row)[..., 0] = A.view(row)[..., 0].T


_PIECE = 16_384  # points per piece of a surface's final loss pass


def _loss_and_bad(objective, xs, loss):
    """The loss of every row of every run into ``loss`` (R, rows); returns where a row has
    diverged (a non-finite loss, or x non-finite or beyond the box), None where none has.

    Vectorised over all rows; a surface's in pieces of ``_PIECE`` points, straight from
    its coordinate rows: whole, a 256-run sweep's 256,256 points made 2 MB temporaries,
    each freshly mapped and touched page by page (~4 ms of a sweep), while pieces of
    16,384 points reuse the same cached memory (~1.3 ms). The loss is element-wise, so the
    pieces give the same bits. A piece whose numbers are all finite and inside the box
    (two reductions) needs no row-by-row test."""
    R, rows, D = xs.shape
    if not isinstance(objective, SurfaceObjective):
        flat = xs.reshape(-1, D)
        loss[...] = np.asarray(objective.value(flat), dtype=float).reshape(R, rows)
        return ~np.isfinite(loss) | _outside(objective, flat).reshape(R, rows)
    value = objective.surface.value
    lo = np.max(objective._centre - objective._limit)
    hi = np.min(objective._centre + objective._limit)
    bad = None
    runs, cols = max(1, _PIECE // max(rows, 1)), min(rows, _PIECE)
    for r in range(0, R, runs):
        for c in range(0, rows, cols):
            piece = xs[r:r + runs, c:c + cols]
            part = loss[r:r + runs, c:c + cols]
            part[...] = value(*(piece[..., i] for i in range(D)))
            # nan fails both comparisons, and its piece takes the full test
            if np.isfinite(part).all() and piece.min() >= lo and piece.max() <= hi:
                continue
            if bad is None:
                bad = np.zeros((R, rows), dtype=bool)
            bad[r:r + runs, c:c + cols] = ~np.isfinite(part) | _outside(objective, piece.reshape(-1, D)).reshape(
                part.shape)
    return bad


def _outside(objective, X):
    """(N,) True where a row is non-finite or out of bounds. A surface does both in one
    pass (|x - c| <= limit is False for nan and inf), in place: a sweep of 256 runs x 1000
    steps checks 512,000 numbers, and every temporary costs ~1 ms."""
    if isinstance(objective, SurfaceObjective):
        # The usual case first: every number within every coordinate's bounds, tested by
        # two contiguous reductions (nan fails the comparison and takes the full test).
        if X.min() >= np.max(objective._centre - objective._limit) \
                and X.max() <= np.min(objective._centre + objective._limit):
            return np.zeros(len(X), dtype=bool)
        d = np.subtract(X, objective._centre)
        np.abs(d, out=d)
        return ~np.all(d <= objective._limit, axis=-1)
    return ~np.all(np.isfinite(X), axis=-1) | np.asarray(objective.out_of_bounds(X))


def lr_columns(optimizers, schedules, steps) -> np.ndarray:
    """(steps, R) lr_t of every run, the same products as ``lr_table`` (so the same bits);
    a schedule shared by many runs (a sweep) is evaluated once and multiplied once."""
    lr = [o.params.get("lr") for o in optimizers]
    if lr and all(s is schedules[0] for s in schedules) and None not in lr:
        # a sweep: one schedule object, every run has a rate; the products go straight into
        # the table (a zeroed table and a temporary product cost two 2 MB first touches)
        return np.multiply(schedules[0].multipliers(steps)[:, None], np.array(lr, dtype=float)[None, :],
                           out=np.empty((steps, len(optimizers))))
    groups: dict = {}
    for r, (o, s) in enumerate(zip(optimizers, schedules)):
        if o.params.get("lr") is not None:
            groups.setdefault((s.key, tuple(sorted(s.params.items()))), (s, []))[1].append(r)
    out = np.zeros((steps, len(optimizers)))
    for s, idx in groups.values():
        lr = np.array([optimizers[r].params["lr"] for r in idx], dtype=float)
        out[:, idx] = s.multipliers(steps)[:, None] * lr[None, :]
    return out


def run_scene(problem, runs, steps, noise=0.0, seed=0, record_states=False) -> list[Trace]:
    """Several runs (optimizer, schedule, start) of a scene, each on its fastest path:
    element-wise rules on a surface take the float path; the rest are grouped by rule
    and stepped together."""
    traces: list[Trace | None] = [None] * len(runs)
    groups: dict = {}
    for i, (opt, sched, start) in enumerate(runs):
        record = rule_record(opt)
        if hasattr(problem, "value_at") and record.kind == "elementwise" and problem.dim <= 2:
            traces[i] = run(problem, opt, sched, start, steps, noise, seed, record_states)
        else:
            groups.setdefault(batch_key(opt), []).append(i)
    for idx in groups.values():
        done = run_batch(problem, [runs[i][0] for i in idx], [runs[i][1] for i in idx],
                         [runs[i][2] if runs[i][2] is not None else problem.start for i in idx],
                         steps, noise, seed, record_states)
        for i, tr in zip(idx, done):
            traces[i] = tr
    return traces
