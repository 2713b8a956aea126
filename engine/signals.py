"""The signal plot's table: one per-run series that carries a lecture's point.

A loss curve cannot show AdaGrad's shrinking step, Sutskever's momentum schedule
or how sparse L1 makes the weights; each of those is one number per row of a run.
``SIGNALS`` is a table of plain records (like ``engine.registry.OPTIMIZERS``) read
by the GUI's signal plot, the session validator and the tests: a key, a title, the
y-axis label, log scale or not, the modes it belongs to, and a pure function from
one run to one value per row (row 0 = the start; NaN where the quantity does not
exist yet, e.g. a step length before the first step). NumPy only.

``AXES`` are the x axes a signal can be drawn against: updates, gradient
evaluations (what an update costs in backprop passes) and examples seen (what it
costs in data). On an axis of updates full batch looks as good as batch 1; per
example seen it does not.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from engine.ops import ARRAY_OPS
from engine.optimizers.momentum import momentum_coefficient
from engine.registry import resolve
from engine.results import CountingObjective
from engine.runner import as_objective
from engine.stepper import Update, lr_table, noise_rows
from engine.trace import polyak_average

COUNT_LIMIT = 2000  # updates replayed to count evaluations; the rest at the last tenth's rate
NEAR_ZERO = 0.02  # |w| below this counts as "near zero" (weights start at ~0.1-1 here)
DEFAULT_POLYAK = 0.95  # the averaging a run without its own (polyak = 0) is shown with


@dataclass(frozen=True)
class SurfaceRun:
    """What a surface signal reads: the run's trace (with ``states`` when the signal
    says it needs them), its optimizer spec, the surface and its Polyak constant."""

    trace: object
    optimizer: object
    surface: object
    polyak: float = 0.0


@dataclass(frozen=True)
class ClassificationRun:
    """What a classification signal reads: the weights of every row ``(rows, D)``, the
    problem (for the model's forward pass and which entries are weights, not biases)
    and the run's metrics (name -> one value per row)."""

    weights: np.ndarray
    problem: object
    metrics: dict


@dataclass(frozen=True)
class Signal:
    key: str
    title: str
    axis: str  # y-axis label, with its unit
    log: bool
    modes: tuple[str, ...]
    series: Callable | None  # (run) -> (rows,) values; None for the histogram
    kind: str = "line"  # "line" | "histogram" (the weights at the current step)
    needs_states: bool = False  # the trace must be recorded with optimizer state
    doc: str = ""
    reference: str | None = None  # another signal drawn faint behind it, to compare with
    levels: tuple = ()  # (value, text, text above the line?): thresholds drawn across the plot


@dataclass(frozen=True)
class Axis:
    key: str
    label: str  # the plot's x-axis title
    modes: tuple[str, ...]
    doc: str
    name: str = ""  # the header's short name (the label when empty)


# -- surface signals ----------------------------------------------------------------------------


def loss_gap(run: SurfaceRun) -> np.ndarray:
    """f(x_t) - f*; on a surface with no known minimum (the saddle) f(x_t) itself."""
    fmin = run.surface.min_value
    loss = np.asarray(run.trace.loss, dtype=float)
    return loss - fmin if fmin is not None else loss.copy()


def distance_to_minimum(run: SurfaceRun) -> np.ndarray:
    """min over the surface's minima m of ||x_t - m||: how far from the nearest one."""
    points = [m.point for m in run.surface.minima() if m.kind in ("global", "local")]
    xs = np.asarray(run.trace.xs, dtype=float)
    if not points:
        return np.full(len(xs), np.nan)
    diff = xs[:, None, :] - np.asarray(points, dtype=float)[None, :, :]
    return np.sqrt((diff ** 2).sum(axis=2)).min(axis=1)


def step_length(run: SurfaceRun) -> np.ndarray:
    """||x_t - x_{t-1}|| (row 0: NaN, no step yet)."""
    xs = np.asarray(run.trace.xs, dtype=float)
    out = np.full(len(xs), np.nan)
    out[1:] = np.sqrt((np.diff(xs, axis=0) ** 2).sum(axis=1))
    return out


def gradient_norm(run: SurfaceRun) -> np.ndarray:
    """||g_t||: the gradient at x_t as the next update uses it (noise and coupled weight
    decay included; the last row is the exact gradient at the end point)."""
    g = np.asarray(run.trace.grads, dtype=float)
    return np.sqrt((g ** 2).sum(axis=1))


CHECK_H = 1e-5  # the central difference's step (seed 001's numerical gradient, h = 0.00001)


def numerical_gradient(surface, X, h: float = CHECK_H) -> np.ndarray:
    """(f(x + h e_i) - f(x - h e_i)) / 2h per coordinate at the stacked points ``X`` (R, D):
    seed 001's "numerical gradient: approximate, slow, easy to write"."""
    X = np.asarray(X, dtype=float)
    out = np.empty_like(X)
    for i in range(X.shape[1]):
        step = np.zeros(X.shape[1])
        step[i] = h
        with np.errstate(all="ignore"):
            out[:, i] = (surface.value_at(X + step) - surface.value_at(X - step)) / (2 * h)
    return out


def relative_error(analytic, numerical) -> np.ndarray:
    """||a - n|| / max(||a||, ||n||) per row (0 where both vanish): the gradient check's
    measure, scale-free, so one threshold serves every surface."""
    a, n = np.asarray(analytic, dtype=float), np.asarray(numerical, dtype=float)
    top = np.sqrt(((a - n) ** 2).sum(axis=1))
    bottom = np.maximum(np.sqrt((a ** 2).sum(axis=1)), np.sqrt((n ** 2).sum(axis=1)))
    with np.errstate(all="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), 0.0)


def gradient_check(run: SurfaceRun) -> np.ndarray:
    """Seed 001's gradient check at every iterate: the gradient the update used (noise
    and a coupled weight-decay term included) against the central difference of the f
    that is plotted. The last row (the exact gradient at the end point, used by no
    update) is left out."""
    xs = np.asarray(run.trace.xs, dtype=float)
    out = relative_error(run.trace.grads, numerical_gradient(run.surface, xs))
    out[-1] = np.nan
    return out


def smallest_weight(run: SurfaceRun) -> np.ndarray:
    """min_i |x_i|: on a surface whose coordinates are weights (seed 001's w1 = [1, 0] vs
    w2 = [0.5, 0.5]) exactly 0 at a sparse point, large at a spread one."""
    return np.abs(np.asarray(run.trace.xs, dtype=float)).min(axis=1)


def rule_of(optimizer) -> tuple[str, dict]:
    """The element-wise rule that actually steps (SAM steps with its base's rule)."""
    return resolve(optimizer.key, optimizer.params)[0].key, optimizer.params


def per_coordinate_step(optimizer, trace) -> np.ndarray:
    """lr_t / (sqrt(v_hat) + eps) per row and coordinate ``(rows, D)``: the step one unit
    of gradient gets on each axis, as the stepping rule's record computes it for the
    inspector (``OptimizerRecord.diagnostics``, its ``scale``), here for every row at
    once. Rules without a second moment: lr_t. Row 0 (no update yet): NaN."""
    record, _ = resolve(optimizer.key, optimizer.params)
    rows, dim = np.shape(trace.xs)
    lr = np.asarray(trace.lr, dtype=float)[:, None]
    out = np.broadcast_to(lr, (rows, dim)).astype(float)
    names = tuple(trace.state_names or ())
    if record.diagnostics is not None and trace.states is not None and names == record.state_names:
        slots = [trace.states[:, j, :] for j in range(len(names))]
        before = [np.vstack([s[:1], s[:-1]]) for s in slots]  # AdaDelta's scale reads u_{t-1}
        t = np.arange(rows, dtype=float)[:, None]
        with np.errstate(all="ignore"):
            diag = record.diagnostics(record.state(*slots), record.state(*before),
                                      SimpleNamespace(**optimizer.params), t, lr)
        if diag.scale is not None:
            out = np.broadcast_to(np.asarray(diag.scale, dtype=float), (rows, dim)).copy()
    out[0] = np.nan
    return out


def effective_step(run: SurfaceRun) -> np.ndarray:
    """One number per row: the geometric mean over coordinates of lr_t / (sqrt(v_hat) + eps).

    Why the geometric mean and not both coordinates: a race of five runs would need ten
    curves, and the lecture's point (AdaGrad's step only shrinks, RMSProp's settles,
    SGD's stays at lr_t) is the size of the step, which every coordinate shares. The
    geometric mean is the scalar lr that sweeps the same area as the diagonal
    preconditioner (its determinant to the 1/D), so it is exactly lr_t for SGD and it
    does not let one huge coordinate hide the other. How the step differs between the
    axes is what the adaptive-box overlay (A) and the inspector show.
    """
    per = per_coordinate_step(run.optimizer, run.trace)
    with np.errstate(all="ignore"):
        return np.exp(np.log(per).mean(axis=1))


def momentum_series(run: SurfaceRun) -> np.ndarray:
    """mu_t of update t: momentum / nesterov's rho (Sutskever's schedule when it is on),
    RMSProp's momentum, and beta1 for the Adam family, whose first moment is momentum
    written as an average; 0 for SGD; NaN for rules with no momentum at all."""
    key, p = rule_of(run.optimizer)
    rows = len(run.trace.xs)
    out = np.full(rows, np.nan)
    if key in ("momentum", "nesterov"):
        # the rule's own function over every update at once: the schedule the run used
        t = np.arange(1, rows, dtype=float)
        out[1:] = np.broadcast_to(momentum_coefficient(SimpleNamespace(**p), t, ARRAY_OPS), t.shape)
    elif key == "sgd":
        out[1:] = 0.0
    elif key == "rmsprop":
        out[1:] = float(p.get("momentum", 0.0))
    elif key in ("adam", "adamw", "nadam", "radam", "adamax", "lion"):
        out[1:] = float(p["beta1"])
    return out


def polyak_loss(run: SurfaceRun) -> np.ndarray:
    """f(xbar_t) - f* of the Polyak average xbar <- a xbar + (1 - a) x (seed 004), with the
    run's own a, or 0.95 when it has none, so the average can be compared with the iterate."""
    a = run.polyak or DEFAULT_POLYAK
    xbar = polyak_average(run.trace.xs, a)
    with np.errstate(all="ignore"):
        loss = np.asarray(run.surface.value_at(xbar), dtype=float)
    fmin = run.surface.min_value
    return loss - fmin if fmin is not None else loss


# -- classification signals ---------------------------------------------------------------------


def _weights_only(run: ClassificationRun) -> np.ndarray:
    """The entries of weight matrices (biases excluded), as the regularizer sees them."""
    W = np.asarray(run.weights, dtype=float)
    mask = np.asarray(run.problem.model.weight_mask) > 0
    return W[:, mask]


def weight_l1(run: ClassificationRun) -> np.ndarray:
    return np.abs(_weights_only(run)).sum(axis=1)


def weight_l2(run: ClassificationRun) -> np.ndarray:
    return np.sqrt((_weights_only(run) ** 2).sum(axis=1))


def near_zero_share(run: ClassificationRun) -> np.ndarray:
    """Share of weights with |w| < NEAR_ZERO: L1 drives many to zero, L2 only shrinks them."""
    W = _weights_only(run)
    if W.shape[1] == 0:
        return np.full(len(W), np.nan)
    return (np.abs(W) < NEAR_ZERO).mean(axis=1)


def mean_confidence(run: ClassificationRun) -> np.ndarray:
    """Mean over validation points of the largest softmax probability (the SVM's scores
    go through the same softmax): label smoothing keeps it away from 1."""
    return np.asarray(run.problem.confidence(np.asarray(run.weights, dtype=float)), dtype=float)


def validation_accuracy(run: ClassificationRun) -> np.ndarray:
    return np.asarray(run.metrics.get("val_acc", ()), dtype=float)


def weights_at(run: ClassificationRun, row: int) -> np.ndarray:
    """The histogram's data: the weight-matrix entries at ``row``."""
    return _weights_only(run)[row]


S, C = ("surface",), ("classification",)

SIGNALS: dict[str, Signal] = {s.key: s for s in (
    Signal("loss_gap", "Loss − f*", "f(x_t) − f*", True, S, loss_gap,
           doc="the gap to the lowest known minimum (the loss itself where none is known)"),
    Signal("distance", "Distance to minimum", "‖x_t − x*‖", True, S, distance_to_minimum,
           doc="to the nearest of the surface's minima"),
    Signal("step_length", "Step length", "‖x_t − x_{t−1}‖", True, S, step_length),
    Signal("effective_lr", "Effective step", "lr_eff", True, S, effective_step, needs_states=True,
           doc="lr_t / (√v̂ + ε) per coordinate, geometric mean over the coordinates; lr_t for rules without v"),
    Signal("momentum", "Momentum μ_t", "μ_t", False, S, momentum_series,
           doc="rho of momentum and Nesterov (Sutskever's schedule when on), beta1 for the Adam family"),
    Signal("grad_norm", "Gradient norm", "‖g_t‖", True, S, gradient_norm),
    Signal("smallest_weight", "Smallest weight |x_i|", "min_i |x_i|", False, S, smallest_weight,
           doc="0 where a coordinate is exactly zero (sparse: L1), large where the weights are spread (L2)"),
    Signal("grad_check", "Gradient check", "relative error", True, S, gradient_check,
           doc=f"‖g − g_num‖ / max(‖g‖, ‖g_num‖): the gradient the update used against the central "
               f"difference of f (h = {CHECK_H:g}); about 1e-7 or below: right; 1e-2 or above: wrong",
           levels=((1e-7, "↓ 1e-7: right", True), (1e-2, "↑ 1e-2: wrong", False))),
    Signal("polyak_loss", "Polyak average's loss", "f(x̄_t) − f*", True, S, polyak_loss,
           doc="the loss at the averaged iterate x̄ <- a x̄ + (1 − a) x (a = the run's, or 0.95); "
               "faint: the iterate's own", reference="loss_gap"),
    Signal("weight_l1", "‖W‖₁", "Σ|w|", False, C, weight_l1, doc="weight matrices only, no biases"),
    Signal("weight_l2", "‖W‖₂", "√Σw²", False, C, weight_l2, doc="weight matrices only, no biases"),
    Signal("near_zero", "Weights near zero", f"share |w| < {NEAR_ZERO:g}", False, C, near_zero_share,
           doc=f"share of the weight-matrix entries with |w| < {NEAR_ZERO:g}"),
    Signal("weight_histogram", "Weight histogram", "count", False, C, None, kind="histogram",
           doc="every run's weights at the current step"),
    Signal("confidence", "Mean confidence", "mean max p", False, C, mean_confidence,
           doc="mean over validation points of the largest softmax probability"),
    Signal("val_acc", "Validation accuracy", "accuracy", False, C, validation_accuracy),
)}

NONE = "none"

AXES: dict[str, Axis] = {a.key: a for a in (
    Axis("updates", "updates", S + C, "one point per update"),
    Axis("grad_evals", "evaluations of ∇f and f", S + C,
         "what the rule asks of the objective: SAM takes two gradients an update (one at the perturbed "
         "point); BFGS and L-BFGS add their line search's trial losses, random search its comparisons. "
         "Counted on a replay (engine.results.CountingObjective) for the rules whose cost varies "
         "(surface mode; in classification a replay would retrain: one gradient an update there); "
         "one gradient an update for the others", name="evaluations"),
    Axis("examples", "examples seen", C, "batch size × updates (full batch: every training point per update)"),
)}

# SPEC section 9 spells the gradient axis out; sessions may use either name.
AXIS_ALIASES = {"gradient_evaluations": "grad_evals"}


def signals_for(mode: str) -> list[Signal]:
    return [s for s in SIGNALS.values() if mode in s.modes]


def axes_for(mode: str) -> list[Axis]:
    return [a for a in AXES.values() if mode in a.modes]


def axis_key(name) -> str:
    return AXIS_ALIASES.get(name, name)


def check_display(display: dict, mode: str) -> None:
    """Refuse an unknown ``display.signal`` / ``display.signal_axis`` with a message naming
    the field and what is accepted (raises ValueError)."""
    signal = display.get("signal", NONE)
    keys = [NONE] + [s.key for s in signals_for(mode)]
    if signal not in keys:
        raise ValueError(f"field 'display.signal': {signal!r} is not a {mode} signal "
                         f"(accepted: {', '.join(keys)})")
    axis = axis_key(display.get("signal_axis", "updates"))
    names = [a.key for a in axes_for(mode)]
    if axis not in names:
        raise ValueError(f"field 'display.signal_axis': {display.get('signal_axis')!r} is not an axis of "
                         f"{mode} mode (accepted: {', '.join(names)})")
    if not isinstance(display.get("signal_log_x", False), bool):
        raise ValueError("field 'display.signal_log_x': expected true or false")
    parse_slopes(display.get("signal_slopes", ""))


# Rate guides on a log-log signal plot: a dashed line ~ x^p through a run's own curve, so
# a class compares slopes (GD's O(1/T) against SGD's O(1/sqrt T)), not heights.
# ``display.signal_slopes`` is text, as every display setting: "1:-1, 2:-0.5" (run 1 gets
# a guide of slope -1, run 2 one of slope -1/2; runs numbered as on screen).
MAX_SLOPES, MAX_EXPONENT = 8, 4.0
_GUIDE = re.compile(r"^\s*([0-9]{1,2})\s*:\s*([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))\s*$")


def parse_slopes(text) -> list[tuple[int, float]]:
    """``"1:-1, 2:-0.5"`` -> ``[(0, -1.0), (1, -0.5)]`` (0-based runs); ValueError naming
    the field and the accepted form otherwise."""
    bad = ValueError(f"field 'display.signal_slopes': {str(text)[:40]!r}: expected up to {MAX_SLOPES} guides "
                     f"RUN:EXPONENT separated by commas (runs from 1, exponents from -{MAX_EXPONENT:g} to "
                     f"{MAX_EXPONENT:g}), e.g. '1:-1, 2:-0.5'")
    if not isinstance(text, str):
        raise bad
    if not text.strip():
        return []
    out = []
    for part in text.split(","):
        m = _GUIDE.match(part)
        if m is None:
            raise bad
        run, p = int(m.group(1)), float(m.group(2))
        if run < 1 or abs(p) > MAX_EXPONENT:
            raise bad
        out.append((run - 1, p))
    if len(out) > MAX_SLOPES:
        raise bad
    return out


def slope_label(p: float) -> str:
    """'∝ 1/T', '∝ 1/√T', '∝ T^-2': how the lectures write a rate."""
    named = {-1.0: "∝ 1/T", -0.5: "∝ 1/√T", -2.0: "∝ 1/T²", 0.5: "∝ √T", 1.0: "∝ T"}
    return named.get(float(p), f"∝ T^{p:g}")


def grad_evals_per_update(optimizer) -> int:
    """Gradient evaluations one update of an element-wise rule takes: SAM's ascent step
    costs a second one."""
    return 2 if optimizer.key == "sam" else 1


def counted_evaluations(problem, optimizer, schedule, start, steps: int, noise: float = 0.0,
                        seed: int = 0, limit: int = COUNT_LIMIT) -> np.ndarray | None:
    """Cumulative evaluations of the gradient and the loss after each row (row 0: 0) for
    a rule whose cost varies from update to update (a line search tries as many points
    as it needs), counted on a replay of the run, the way the results table counts them;
    None for element-wise rules, whose cost is fixed (grad_evals_per_update).

    The replay costs what the run did (~50-100 us an update): past ``limit`` updates the
    mean cost of the last counted tenth is carried on (a converged BFGS pays the same
    few evaluations every update), so a 100,000-step scene does not stall the window."""
    record, _ = resolve(optimizer.key, optimizer.params)
    if record.kind == "elementwise":
        return None
    counter = CountingObjective(as_objective(problem))
    update = Update(counter, [optimizer], seed)
    X = np.asarray(start, dtype=float).reshape(1, -1)
    lrs = lr_table(optimizer, schedule, steps)
    table = noise_rows(noise, seed, steps, X.shape[1])
    out = np.zeros(steps + 1)
    counted = min(steps, limit)
    with np.errstate(all="ignore"):
        state = update.init_state(X)
        counter.grads = counter.values = counter.hessians = 0  # L-BFGS's init is not a step
        for k in range(counted):
            X, state, _ = update(X, state, k, np.array([[lrs[k]]]), noise, None if table is None else table[k])
            out[k + 1] = counter.grads + counter.values
            if not np.all(np.isfinite(X)):
                out[k + 2:] = np.nan  # the run stopped here
                return out
    if counted < steps:
        tail = max(counted // 10, 1)
        rate = (out[counted] - out[counted - tail]) / tail
        out[counted + 1:] = out[counted] + rate * np.arange(1, steps - counted + 1)
    return out


def axis_values(axis: str, rows: int, optimizer, examples_per_update: int = 1,
                evaluations: np.ndarray | None = None) -> np.ndarray:
    """The x coordinate of rows 0..rows-1 on ``axis`` (row 0 is 0 on every axis);
    ``evaluations``: counted_evaluations of the run, where its cost varies."""
    t = np.arange(rows, dtype=float)
    axis = axis_key(axis)
    if axis == "grad_evals":
        if evaluations is not None and len(evaluations) >= rows:
            return np.asarray(evaluations[:rows], dtype=float)
        return t * grad_evals_per_update(optimizer)
    if axis == "examples":
        return t * float(examples_per_update)
    return t


def compute(key: str, run) -> np.ndarray:
    """The series of signal ``key`` for one run (a SurfaceRun or a ClassificationRun)."""
    record = SIGNALS[key]
    if record.series is None:
        raise ValueError(f"signal {key!r} is a histogram, not a series")
    values = np.asarray(record.series(run), dtype=float)
    return values if values.ndim == 1 else values.reshape(-1)


def histogram_edges(samples, bins: int = 40) -> np.ndarray:
    """Shared bin edges for the histograms of several runs, symmetric around 0 so that
    'near zero' sits in the middle bin pair."""
    finite = [np.abs(s[np.isfinite(s)]) for s in samples if np.size(s)]
    top = max((float(f.max()) for f in finite if f.size), default=1.0)
    top = top if top > 0 and math.isfinite(top) else 1.0
    return np.linspace(-top, top, bins + 1)


def needs_states(display: dict) -> bool:
    """Whether the scene's signal reads optimizer state (the controller then records it
    for every run at once instead of recomputing each run a second time)."""
    record = SIGNALS.get(display.get("signal", NONE))
    return record is not None and record.needs_states
