"""Phase diagrams: one optimizer run on a grid of one or two hyperparameters.

Distill's "Why Momentum Really Works" draws the heavy ball's convergence over
(lr, rho) on one quadratic; here any one or two numeric hyperparameters of any rule
can span the grid (lr x momentum, lr x beta2, lr x weight_decay, ...), on any surface.

Every cell is a run of the same rule, so a whole grid steps as one (R, D) array
through :func:`engine.sweep.run_ends`: the varied numbers become per-run (R, 1)
columns of the hyperparameters (``engine.stepper.stack_hyperparameters``). Cells
are independent (noise and random draws depend on the seed and the step only), so
a grid may be stepped in chunks of rows -- the GUI does, one chunk per timer tick,
to keep the window alive -- and gives the same numbers as in one piece.

Per cell: ``final_loss`` (f at the last finite row), ``gap`` = final_loss - f*
(nan where f* is unknown), ``steps_to_tol`` (first row with gap <= tol, -1 if
never), ``diverged_at`` (-1 if not).
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass

import numpy as np

from engine.hyper import HyperError
from engine.registry import hypers_for
from engine.spec import CONSTANT, OptimizerSpec, ScheduleSpec
from engine.sweep import run_ends

MIN_N, MAX_N = 2, 512
# per chunk, (rows of the loss history) x (runs) floats kept at once: 32 MB
CHUNK_FLOATS = 4_000_000


class PhaseError(HyperError):
    """A bad axis (name, range or count); the message names it and what is accepted."""


@dataclass(frozen=True)
class Axis:
    """One varied hyperparameter: ``n`` values from ``lo`` to ``hi``, even on a linear
    or a log scale (both ends included)."""

    name: str
    lo: float
    hi: float
    n: int
    log: bool = False

    @classmethod
    def parse(cls, text: str) -> Axis:
        """``NAME=LO:HI:N[:log]`` (the CLI's ``--vary``)."""
        form = f"--vary {text!r}: expected NAME=LO:HI:N[:log], e.g. lr=1e-3:1:64:log"
        name, eq, rest = str(text).partition("=")
        parts = rest.split(":")
        if not eq or not name.strip() or len(parts) not in (3, 4) or (len(parts) == 4 and parts[3] != "log"):
            raise PhaseError(form)
        try:
            lo, hi = float(parts[0]), float(parts[1])
            n = int(parts[2])
        except ValueError:
            raise PhaseError(form) from None
        return cls(name.strip(), lo, hi, n, len(parts) == 4).checked()

    def checked(self) -> Axis:
        what = f"--vary {self.name}"
        if not (math.isfinite(self.lo) and math.isfinite(self.hi)) or not self.lo < self.hi:
            raise PhaseError(f"{what}: LO must be below HI (got {self.lo:g}:{self.hi:g})")
        if self.log and not self.lo > 0:
            raise PhaseError(f"{what}: a log axis needs LO > 0 (got {self.lo:g})")
        if not MIN_N <= self.n <= MAX_N:
            raise PhaseError(f"{what}: N must be a whole number from {MIN_N} to {MAX_N} (got {self.n})")
        return self

    def values(self) -> np.ndarray:
        if self.log:
            return np.geomspace(self.lo, self.hi, self.n)
        return np.linspace(self.lo, self.hi, self.n)

    def spec(self) -> str:
        return f"{self.name}={self.lo:g}:{self.hi:g}:{self.n}" + (":log" if self.log else "")


def check_axes(spec: OptimizerSpec, axes) -> None:
    """Each axis names a distinct real-valued hyperparameter of ``spec`` and stays in its
    range. A learning rate may be any positive number (a sweep looks past the slider)."""
    if not 1 <= len(axes) <= 2:
        raise PhaseError("give one or two --vary axes")
    if len(axes) == 2 and axes[0].name == axes[1].name:
        raise PhaseError(f"--vary {axes[0].name} given twice")
    hypers = {h.name: h for h in hypers_for(spec.key, spec.params)}
    numeric = [h.name for h in hypers.values() if h.kind == "float"]
    for axis in axes:
        h = hypers.get(axis.name)
        if h is None or h.kind != "float":
            raise PhaseError(f"--vary {axis.name}: {spec.key} has no such number to vary "
                             f"(accepted: {', '.join(numeric) or 'none'})")
        if axis.name == "lr":
            continue
        top_ok = axis.hi < h.hi if h.open_hi else axis.hi <= h.hi
        if axis.lo < h.lo or not top_ok:
            raise PhaseError(f"--vary {axis.spec()}: {spec.key} accepts {h.accepted()}")


@dataclass
class PhaseGrid:
    """Results over the grid, each array shaped (n1,) or (n1, n2): ``[i, j]`` is the run
    with the first axis at its i-th value and the second at its j-th."""

    spec: OptimizerSpec
    axes: tuple[Axis, ...]
    steps: int
    tol: float
    f_star: float | None
    start_loss: float
    final_loss: np.ndarray
    steps_to_tol: np.ndarray  # -1 where never (or f* unknown)
    diverged_at: np.ndarray  # -1 where not
    done: int = 0  # rows of the first axis computed so far (== n1 when complete)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(a.n for a in self.axes)

    @property
    def complete(self) -> bool:
        return self.done == self.axes[0].n

    @property
    def gap(self) -> np.ndarray:
        if self.f_star is None:
            return np.full(self.final_loss.shape, np.nan)
        return self.final_loss - self.f_star

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0

    def values(self) -> list[np.ndarray]:
        return [a.values() for a in self.axes]

    def cell_spec(self, index) -> OptimizerSpec:
        """The optimizer of one cell (what "click loads that run" puts into the scene)."""
        index = np.atleast_1d(index)
        params = dict(self.spec.params)
        for axis, i in zip(self.axes, index):
            params[axis.name] = float(axis.values()[int(i)])
        return OptimizerSpec(self.spec.key, params)

    def best(self) -> tuple | None:
        """The cell that reached the tolerance first; without one, the lowest final gap
        (final loss where f* is unknown) among cells that did not diverge."""
        reached = self.steps_to_tol >= 0
        if reached.any():
            score = np.where(reached, self.steps_to_tol, np.iinfo(np.int64).max).astype(float)
        else:
            with np.errstate(invalid="ignore"):
                score = np.where(self.diverged | ~np.isfinite(self.final_loss), np.inf, self.final_loss)
            if not np.isfinite(score).any():
                return None
        return np.unravel_index(int(np.argmin(score)), score.shape)

    # -- output (SPEC section 9, ``main.py sweep``) -----------------------------------------------

    def rows(self) -> list[dict]:
        """One row per cell, the first axis varying slowest; None where a value is empty."""
        names = [a.name for a in self.axes]
        grids = np.meshgrid(*self.values(), indexing="ij")
        gap = self.gap
        out = []
        for flat in range(int(np.prod(self.shape))):
            i = np.unravel_index(flat, self.shape)
            row = {name: float(g[i]) for name, g in zip(names, grids)}
            row["final_loss"] = _number(self.final_loss[i])
            row["gap"] = _number(gap[i])
            row["steps_to_tol"] = int(self.steps_to_tol[i]) if self.steps_to_tol[i] >= 0 else None
            row["diverged_at"] = int(self.diverged_at[i]) if self.diverged_at[i] >= 0 else None
            out.append(row)
        return out

    def columns(self) -> list[str]:
        return [a.name for a in self.axes] + ["final_loss", "gap", "steps_to_tol", "diverged_at"]

    def to_csv(self) -> str:
        buf = io.StringIO()
        buf.write(",".join(self.columns()) + "\n")
        for row in self.rows():
            buf.write(",".join("" if v is None else repr(v) for v in row.values()) + "\n")
        return buf.getvalue()

    def to_json(self, surface: str, **extra) -> str:
        doc = {"surface": surface, "optimizer": self.spec.spec(), "vary": [a.spec() for a in self.axes],
               "steps": self.steps, "tol": self.tol, "f_star": self.f_star, **extra, "rows": self.rows()}
        # strict JSON: a loss that overflowed is null, and its row's diverged_at says why
        return json.dumps(doc, allow_nan=False)


def _number(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def phase_grid(surface, spec: OptimizerSpec, axes, steps: int, start=None, schedule: ScheduleSpec = CONSTANT,
               noise: float = 0.0, seed: int = 0, tol: float = 1e-6) -> PhaseGrid:
    """The whole grid at once (the CLI); see :func:`phase_chunks` for the GUI's pieces."""
    *_, grid = phase_chunks(surface, spec, axes, steps, start, schedule, noise, seed, tol)
    return grid


def phase_chunks(surface, spec: OptimizerSpec, axes, steps: int, start=None, schedule: ScheduleSpec = CONSTANT,
                 noise: float = 0.0, seed: int = 0, tol: float = 1e-6, rows_per_chunk: int | None = None):
    """Yield the same PhaseGrid after each chunk of rows of the first axis is stepped
    (``grid.done`` rows so far). Dropping the generator cancels the rest."""
    axes = tuple(axes)
    check_axes(spec, axes)
    steps = int(steps)
    start = np.asarray(surface.start if start is None else start, dtype=float).reshape(-1)
    with np.errstate(all="ignore"):
        start_loss = float(surface.value_at(start[None, :])[0])
    shape = tuple(a.n for a in axes)
    per_row = int(np.prod(shape[1:]))
    grid = PhaseGrid(spec=spec, axes=axes, steps=steps, tol=float(tol), f_star=surface.min_value,
                     start_loss=start_loss, final_loss=np.full(shape, np.nan),
                     steps_to_tol=np.full(shape, -1, dtype=np.int64), diverged_at=np.full(shape, -1, dtype=np.int64))
    if rows_per_chunk is None:
        rows_per_chunk = max(1, CHUNK_FLOATS // max(1, per_row * (steps + 1)))
    values = grid.values()
    track = grid.f_star is not None
    for i0 in range(0, shape[0], rows_per_chunk):
        i1 = min(shape[0], i0 + rows_per_chunk)
        specs = _cell_specs(spec, axes, values, i0, i1)
        ends = run_ends(surface, specs, schedule, np.repeat(start[None, :], len(specs), axis=0), steps,
                        noise, seed, track_loss=track)
        sl = slice(i0, i1)
        grid.final_loss[sl] = ends.final_loss.reshape((i1 - i0,) + shape[1:])
        grid.diverged_at[sl] = ends.diverged_at.reshape((i1 - i0,) + shape[1:])
        if track:
            with np.errstate(invalid="ignore"):
                hit = ends.loss - grid.f_star <= tol  # nan (after divergence) never hits
            first = np.where(hit.any(axis=0), np.argmax(hit, axis=0), -1)
            grid.steps_to_tol[sl] = first.reshape((i1 - i0,) + shape[1:])
        grid.done = i1
        yield grid


def _cell_specs(spec, axes, values, i0, i1) -> list[OptimizerSpec]:
    """Specs of rows i0..i1 of the grid, row-major. Built without re-validation: the axes
    were checked as a whole (and lr may leave the slider's range, as in an lr sweep)."""
    first = values[0][i0:i1]
    if len(axes) == 1:
        return [OptimizerSpec(spec.key, {**spec.params, axes[0].name: float(a)}) for a in first]
    return [OptimizerSpec(spec.key, {**spec.params, axes[0].name: float(a), axes[1].name: float(b)})
            for a in first for b in values[1]]


def sweep_command(args) -> int:
    """``main.py sweep`` (SPEC section 9): the grid as CSV or JSON, one row per cell."""
    from engine.cli_args import UsageError, parse_float, parse_int, parse_start, write_output
    from engine.spec import parse_surface

    surface = parse_surface(args.surface, args.formula)
    if args.formula is not None and surface.key != "custom":
        raise UsageError("--formula goes with --surface custom")
    spec = OptimizerSpec.parse(args.optimizer)
    schedule = ScheduleSpec.parse(args.schedule)
    if len(args.vary) > 2:
        raise UsageError("--vary: give one or two axes")
    axes = [Axis.parse(text) for text in args.vary]
    steps = parse_int(args.steps, "steps", 0, 100_000)
    start = parse_start(args.start, surface.dim)
    noise = parse_float(args.noise, "noise", 0.0, 1e6)
    seed = parse_int(args.seed, "seed", 0, 2**63 - 1)
    tol = parse_float(args.tol, "tol", 0.0, 1e300)
    grid = phase_grid(surface, spec, axes, steps, start, schedule, noise, seed, tol)
    if args.format == "json":
        text = grid.to_json(surface.spec(), schedule=schedule.spec(), noise=noise, seed=seed) + "\n"
    else:
        text = grid.to_csv()
    write_output(text, args.output)
    return 0


# -- what the theory predicts for a diagram (quadratics) ----------------------------------------


@dataclass(frozen=True)
class PhaseTheory:
    """The heavy ball's closed forms in the coordinates of one diagram.

    On a quadratic with coupled weight decay wd the Hessian is ``H + wd I``; the heavy
    ball (torch-form ``momentum``, constant lr; ``sgd`` is rho = 0) converges iff
    ``lr (l_max + wd) < 2 (1 + rho)``. ``other`` is the axis that boundary runs along
    (``momentum`` or ``weight_decay``), None when it is one lr for the whole diagram.
    """

    other: str | None
    rho: float  # momentum where it is not an axis
    wd: float  # weight decay where it is not an axis
    l_min: float
    l_max: float

    def lr_limit(self, values=None) -> np.ndarray:
        """The largest stable lr, at ``values`` of the other axis (or the fixed one)."""
        v = np.asarray(0.0 if values is None else values, dtype=float)
        rho = v if self.other == "momentum" else self.rho
        wd = v if self.other == "weight_decay" else self.wd
        return 2.0 * (1.0 + rho) / (self.l_max + wd) + 0.0 * v

    @property
    def gd_limit(self) -> float:
        """GD's 2 / l_max (the boundary at rho = 0)."""
        return 2.0 / (self.l_max + self.wd)

    @property
    def polyak(self) -> tuple[float, float] | None:
        """Polyak's optimal (lr, rho) when the diagram spans lr x momentum."""
        if self.other != "momentum":
            return None
        a, b = math.sqrt(self.l_max + self.wd), math.sqrt(self.l_min + self.wd)
        return (2.0 / (a + b)) ** 2, ((a - b) / (a + b)) ** 2


def phase_theory(surface, spec: OptimizerSpec, names, schedule: ScheduleSpec = CONSTANT) -> PhaseTheory | None:
    """The closed forms for a diagram of ``names`` (one of them lr), where they hold:
    a quadratic surface, sgd or momentum, a constant learning rate."""
    from engine.theory import quadratic_theory

    names = tuple(names)
    if spec.key not in ("sgd", "momentum") or "lr" not in names:
        return None
    if schedule.key != "constant" or schedule.params.get("warmup", 0) or \
            spec.params.get("momentum_schedule", "none") != "none":
        return None
    th = quadratic_theory(surface)
    if th is None:
        return None
    other = next((n for n in names if n != "lr"), None)
    if other not in ("momentum", "weight_decay"):
        other = None
    return PhaseTheory(other=other, rho=float(spec.params.get("momentum", 0.0)),
                       wd=float(spec.params.get("weight_decay", 0.0)), l_min=th.l_min, l_max=th.l_max)
