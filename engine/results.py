"""The results table: per run, what it reached and what it cost (for slides).

Columns: final loss, best loss, steps to a tolerance (``f - f* <= tol``, where f* is
known), gradient evaluations, loss evaluations the rule made itself (a line search's
trial points, random search's comparisons), Hessian evaluations, optimizer-state
memory (floats per copy of the weights, engine.registry) and time per step.

Evaluations are counted, not assumed: the run's updates are replayed once through
``engine.stepper.Update`` on an objective that counts its calls (SAM's second
gradient, Nesterov's look-ahead and BFGS's backtracking all show up as they happen).
The runner's own bookkeeping (the loss of every row for the plots) is not counted:
it is not part of the algorithm.

:func:`fair_lr` is the "fair tuning" criterion: each run gets the learning rate,
among ``TUNING_LRS`` (32 on a log grid from 1e-4 to 10), with the lowest final gap
``f(x_T) - f*`` (f(x_T) where f* is unknown; with noise, the mean over the last 10%
of the steps) among the rates that did not diverge; ties at the solved level go to
the rate that got there first (engine.sweep.lr_sweep's best rate).
"""

from __future__ import annotations

import io
import math
import time
from dataclasses import dataclass

import numpy as np

from engine.branching import run_branched
from engine.runner import as_objective, run
from engine.spec import CONSTANT, OptimizerSpec, ScheduleSpec
from engine.stepper import Update, lr_table, noise_rows, rule_record
from engine.sweep import log_lrs, lr_sweep

TUNING_LRS = log_lrs(1e-4, 10.0, 32)
TUNING_CRITERION = ("lowest final f − f* (f where f* is unknown; mean of the last 10% of steps with noise) "
                    "among 32 learning rates from 1e-4 to 10 on a log grid, diverged ones excluded; "
                    "ties at the solved level go to the fastest")


@dataclass(frozen=True)
class RunResult:
    label: str
    final_loss: float
    best_loss: float
    steps: int  # updates taken (fewer than asked when it diverged)
    steps_to_tol: int | None
    diverged_at: int | None
    grad_evals: int
    f_evals: int
    hessian_evals: int
    state_floats: int
    seconds_per_step: float


# (key, heading, format) in table order; None is written as an empty cell
COLUMNS = (
    ("label", "run", str),
    ("final_loss", "final loss", lambda v: f"{v:.4g}"),
    ("best_loss", "best loss", lambda v: f"{v:.4g}"),
    ("steps_to_tol", "steps to tol", str),
    ("diverged_at", "diverged at", str),
    ("grad_evals", "grad evals", str),
    ("f_evals", "f evals", str),
    ("hessian_evals", "Hessian evals", str),
    ("state_floats", "state floats", str),
    ("seconds_per_step", "µs / step", lambda v: f"{v * 1e6:.1f}"),
)


class CountingObjective:
    """An objective that counts the rows it evaluates (one row = one run's point)."""

    def __init__(self, objective):
        self._objective = objective
        self.dim, self.layout = objective.dim, objective.layout
        self.view = getattr(objective, "view", None)
        self.grads = self.values = self.hessians = 0

    def __getattr__(self, name):  # out_of_bounds, float_bounds, ...: passed through
        return getattr(self._objective, name)

    def value(self, X):
        self.values += len(X)
        return self._objective.value(X)

    def grad(self, X, k=0):
        self.grads += len(X)
        return self._objective.grad(X, k)

    def hessian(self, X):
        self.hessians += len(X)
        return self._objective.hessian(X)


def count_evaluations(problem, spec: OptimizerSpec, schedule: ScheduleSpec, start, steps: int,
                      noise: float = 0.0, seed: int = 0) -> tuple[int, int, int]:
    """(gradient, loss, Hessian) evaluations the rule makes in ``steps`` updates."""
    counter = CountingObjective(as_objective(problem))
    update = Update(counter, [spec], seed)
    X = np.asarray(start, dtype=float).reshape(1, -1)
    lrs = lr_table(spec, schedule, steps)
    table = noise_rows(noise, seed, steps, X.shape[1])
    with np.errstate(all="ignore"):
        state = update.init_state(X)
        counter.grads = counter.values = counter.hessians = 0  # L-BFGS's init is not a step
        for k in range(steps):
            X, state, _ = update(X, state, k, np.array([[lrs[k]]]), noise, None if table is None else table[k])
    return counter.grads, counter.values, counter.hessians


def steps_to(loss: np.ndarray, f_star: float | None, tol: float) -> int | None:
    """First row with ``loss - f* <= tol``; None if never or f* is unknown."""
    if f_star is None:
        return None
    with np.errstate(invalid="ignore"):
        hit = np.flatnonzero(np.asarray(loss) - f_star <= tol)
    return int(hit[0]) if len(hit) else None


def surface_results(surface, runs, start, steps: int, noise: float = 0.0, seed: int = 0,
                    tol: float = 1e-6) -> list[RunResult]:
    """One RunResult per ``(label, OptimizerSpec, ScheduleSpec[, history])`` on a surface;
    a history (engine.branching) makes the row a branch's."""
    start = surface.start if start is None else start
    out = []
    for label, spec, schedule, *rest in runs:
        history = tuple(rest[0]) if rest else ()
        seconds = math.inf
        for _ in range(2):  # the faster of two: the first call pays for warming caches
            t0 = time.perf_counter()
            trace = (run_branched(surface, history, spec, schedule, start, steps, noise, seed) if history
                     else run(surface, spec, schedule, start, steps, noise, seed))
            seconds = min(seconds, time.perf_counter() - t0)
        taken = trace.steps
        grads = values = hessians = 0
        k0 = 0
        # a branch's element-wise segments: their counts per step do not depend on where they start
        for seg_spec, seg_schedule, until in [(s.optimizer, s.schedule, min(s.until, taken)) for s in history] + [
                (spec, schedule, taken)]:
            if until > k0:
                counts = count_evaluations(surface, seg_spec, seg_schedule, start, until - k0, noise, seed)
                grads, values, hessians = grads + counts[0], values + counts[1], hessians + counts[2]
                k0 = until
        record = rule_record(spec)
        out.append(RunResult(
            label=label, final_loss=float(trace.loss[-1]), best_loss=float(np.min(trace.loss)), steps=taken,
            steps_to_tol=steps_to(trace.loss, surface.min_value, tol), diverged_at=trace.diverged_at,
            grad_evals=grads, f_evals=values, hessian_evals=hessians,
            state_floats=record.state_floats((("x", (surface.dim,)),), spec.params),
            seconds_per_step=seconds / max(taken, 1)))
    return out


def fair_lr(surface, spec: OptimizerSpec, schedule: ScheduleSpec = CONSTANT, start=None, steps: int = 300,
            noise: float = 0.0, seed: int = 0, lrs=TUNING_LRS) -> float | None:
    """The learning rate TUNING_CRITERION picks for ``spec`` on this scene (None when
    the rule has no learning rate or every rate diverged)."""
    if "lr" not in spec.params:
        return None
    curve = lr_sweep(surface, [spec], lrs, steps, start=start, noise=noise, seed=seed, schedule=schedule)[0]
    return curve.best_lr


def training_result(problem, spec: OptimizerSpec, schedule: ScheduleSpec, steps: int, init_seed: int = 0,
                    label: str | None = None) -> RunResult:
    """The same row for a classification run (``main.py train --format table``): the
    training objective's final and best values; f* is unknown there."""
    from engine.training import state_memory, train

    seconds = math.inf
    for _ in range(2):
        t0 = time.perf_counter()
        result = train(problem, [(spec, schedule)], steps, init_seed=init_seed)[0]
        seconds = min(seconds, time.perf_counter() - t0)
    loss = np.asarray(result.metrics["train_loss"], dtype=float)
    grads, values, hessians = count_evaluations(problem, spec, schedule, problem.init_weights(init_seed),
                                                result.steps)
    return RunResult(label=label or spec.spec(), final_loss=float(loss[-1]), best_loss=float(loss.min()),
                     steps=result.steps, steps_to_tol=None, diverged_at=result.diverged_at, grad_evals=grads,
                     f_evals=values, hessian_evals=hessians, state_floats=state_memory(problem, spec),
                     seconds_per_step=seconds / max(result.steps, 1))


# -- as text ------------------------------------------------------------------------------------


def _cells(result: RunResult) -> list[str]:
    out = []
    for key, _heading, fmt in COLUMNS:
        v = getattr(result, key)
        out.append("" if v is None or (isinstance(v, float) and not math.isfinite(v)) else fmt(v))
    return out


def to_markdown(results) -> str:
    """A pipe table (GitHub / slides); numbers right-aligned."""
    head = [h for _k, h, _f in COLUMNS]
    align = [":--"] + ["--:"] * (len(head) - 1)
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    for r in results:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in _cells(r)) + " |")
    return "\n".join(lines) + "\n"


def to_csv(results) -> str:
    """Machine-readable: the field names as header, floats with repr precision."""
    buf = io.StringIO()
    buf.write(",".join(k for k, _h, _f in COLUMNS) + "\n")
    for r in results:
        cells = []
        for key, _h, _f in COLUMNS:
            v = getattr(r, key)
            if v is None or (isinstance(v, float) and not math.isfinite(v)):
                cells.append("")
            elif isinstance(v, str):
                cells.append('"' + v.replace('"', '""') + '"' if any(ch in v for ch in ',"\n') else v)
            else:
                cells.append(repr(v))
        buf.write(",".join(cells) + "\n")
    return buf.getvalue()
