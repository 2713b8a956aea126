"""The batched update: R runs of one rule stepped together as (R, D) arrays.

``Update`` is SPEC section 2's update, written once; ``engine.runner.run_batch``
(whole runs), ``engine.sweep.run_ends`` (sweeps and basin maps, ends only) and
``BatchStepper`` (the classification view, which trains while it draws and so
advances a few updates per frame) all step through it.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from engine.ops import ARRAY_OPS
from engine.optimizer_spec import OptimizerSpec, ScheduleSpec
from engine.optimizers.sam import sam_gradient
from engine.registry import resolve


class StepContext:
    """What a vector rule may ask of the problem: exact values, the Hessian, the box,
    and reproducible random draws."""

    def __init__(self, objective, seed):
        self.objective = objective
        self.seed = seed
        self.view = getattr(objective, "view", None)
        self.layout = objective.layout
        self._blocks = {}
        # bound once: random search asks for a value on every update (~0.3 us a call level)
        self.value = objective.value

    def value1(self, x):
        return float(self.objective.value(x[None, :])[0])

    def hessian(self, X):
        return self.objective.hessian(X)

    def random(self, t, kind, shape):
        """Draws for update t, reproducible from (seed, t) alone, in blocks of 512 updates
        (a Generator per update costs ~20 us). ``shape`` is (runs, D): one draw serves every
        run, so a run's path does not depend on how many runs it is stepped with; it comes
        as one (D,) row, which broadcasts against (runs, D) (np.broadcast_to costs ~5 us)."""
        block, row = divmod(int(t), 512)
        key = (kind, block, tuple(shape[1:]))
        if key not in self._blocks:
            self._blocks = {k: v for k, v in self._blocks.items() if k[0] != kind}
            rng = np.random.default_rng([int(self.seed), 7919, block, 0 if kind == "normal" else 1])
            draw = rng.standard_normal if kind == "normal" else rng.random
            self._blocks[key] = draw((512,) + tuple(shape[1:]))
        return self._blocks[key][row]

    def random_rows(self, block: int, kind: str, D: int) -> list:
        """Block ``block`` of ``random``'s draws (updates 512 block ... 512 block + 511) as
        lists of floats: the same numbers for a rule stepping one run in Python floats."""
        self.random(block * 512, kind, (1, D))
        return self._blocks[(kind, block, (D,))].tolist()


def stack_hyperparameters(specs):
    """Numbers that differ between runs become (R, 1) columns; options (and the ints that
    size a state, such as L-BFGS's history) must agree between runs stepped together."""
    first = specs[0].params
    out = {}
    for name, value in first.items():
        values = [s.params[name] for s in specs]
        if not isinstance(value, float):
            if any(v != value for v in values):
                raise ValueError(f"runs stepped together must share {name!r}")
            out[name] = value
        elif all(v == value for v in values):
            out[name] = value
        else:
            out[name] = np.asarray(values, dtype=float).reshape(-1, 1)
    return SimpleNamespace(**out)


def lr_table(spec: OptimizerSpec, schedule: ScheduleSpec, steps: int) -> np.ndarray:
    """lr_t for t = 1..steps (0 for rules without a learning rate)."""
    lr = spec.params.get("lr")
    if lr is None:
        return np.zeros(steps)
    return lr * schedule.multipliers(steps)


def rule_record(spec: OptimizerSpec):
    """The record whose rule steps a run of ``spec`` (SAM steps with its base's rule)."""
    return resolve(spec.key, spec.params)[0]


def noise_rows(noise, seed, steps, dim):
    """One N(0, I) draw per update, from a generator seeded by ``seed`` alone, so every
    run of a scene sees the same noise sequence and a run is reproducible."""
    if not noise:
        return None
    return np.random.default_rng(seed).standard_normal((max(int(steps), 0), dim))


class Update:
    """SPEC section 2's update for R runs of one rule, as (R, D) arrays: the one place
    where gradient noise, SAM and coupled weight decay meet the rule. The batched runner,
    the incremental stepper and the sweeps all call it.

        g = grad(x_{t-1}, k) [+ noise N_k] [SAM: g = grad(x + rho g/|g|) + noise N_k]
        [+ weight_decay x unless the rule decouples it]
        x_t, state = rule(g, x_{t-1}, state, hp, t, lr_t)
    """

    def __init__(self, objective, optimizers, seed=0, hp=None):
        self.objective = objective
        self.optimizers = optimizers
        self.record = record = rule_record(optimizers[0])
        self.wrapped = bool(optimizers[0].record.wraps)  # SAM: per-run radii in hp.rho_sam
        self.hp = hp if hp is not None else stack_hyperparameters(optimizers)
        self.ctx = StepContext(objective, seed)
        self.matrix = record.matrix_rule is not None and any(len(s) == 2 for _, s in objective.layout)
        self._derive()

    def _derive(self):
        # np.any costs ~4 us: decided once per batch, not once per update
        record, hp = self.record, self.hp
        self.sam_rho = hp.rho_sam if self.wrapped else 0.0
        self.use_sam = bool(np.any(self.sam_rho))
        self.wd = 0.0 if record.decoupled_weight_decay else getattr(hp, "weight_decay", 0.0)
        self.use_wd = bool(np.any(self.wd))

    def init_state(self, X):
        return self.record.init(X, self.ctx, self.hp)

    def _no_gradient(self, X):
        # random search compares losses only; its zero "gradient" is made once per shape
        zeros = getattr(self, "_zeros", None)
        if zeros is None or zeros.shape != X.shape:
            zeros = self._zeros = np.zeros_like(X)
        return zeros

    def restrict(self, ok):
        """The same update for the runs where ``ok`` only (sweeps drop diverged runs)."""
        n = len(ok)
        per_run = lambda v: isinstance(v, np.ndarray) and v.ndim >= 1 and v.shape[0] == n
        self.hp = SimpleNamespace(**{k: v[ok] if per_run(v) else v for k, v in vars(self.hp).items()})
        self._derive()

    def __call__(self, X, state, k, lr, noise=0.0, noise_row=None):
        """Update k+1 of every run. ``lr`` is the (R, 1) column of lr_t (or (1, 1) shared).
        Returns (X_t, state, g) with g the gradient the rule used."""
        t = k + 1
        record, hp, obj = self.record, self.hp, self.objective
        P = X if record.lookahead is None else record.lookahead(X, state, hp, t, ARRAY_OPS)
        g = obj.grad(P, k) if record.uses_gradient else self._no_gradient(X)
        if noise_row is not None:
            g = g + noise * noise_row
        if self.use_sam:
            g = sam_gradient(obj.grad, P, g, self.sam_rho, k, noise, noise_row)
        if self.use_wd:
            g = g + self.wd * X
        if record.kind == "vector":
            X, state = record.rule(self.ctx, g, X, state, hp, t, lr)
        elif self.matrix:
            X, state = record.matrix_rule(g, X, state, hp, t, lr, obj.layout)
        else:
            X, state = record.rule(g, X, state, hp, t, lr, ARRAY_OPS)
        return X, state, g


class BatchStepper:
    """Runs of one optimizer key (options equal) on one objective, stepped together and
    advanced one update at a time (the classification view trains as it draws)."""

    def __init__(self, objective, optimizers: list[OptimizerSpec], schedules, starts, total_steps: int,
                 noise: float = 0.0, seed: int = 0):
        R = len(optimizers)
        if isinstance(schedules, ScheduleSpec):
            schedules = [schedules] * R
        self.objective = objective
        self.update = Update(objective, list(optimizers), seed)
        self.record = self.update.record
        self.X = np.array(starts, dtype=float).reshape(R, objective.dim)
        self.total_steps = int(total_steps)
        self.lrs = np.stack([lr_table(o, s, self.total_steps) for o, s in zip(optimizers, schedules)], axis=1)
        self.noise = float(noise)
        self._noise = noise_rows(noise, seed, self.total_steps, self.X.shape[1])
        self.state = self.update.init_state(self.X)
        self.k = 0  # updates taken
        self.last_grad = np.zeros_like(self.X)

    def lr_at(self, k):
        """lr_t of every run for update index k (the last rate holds past the run length)."""
        if k < len(self.lrs):
            return self.lrs[k]
        return self.lrs[-1] if len(self.lrs) else np.zeros(self.X.shape[0])

    def step(self):
        """One update of every run; returns the new X (R, D)."""
        k = self.k
        row = self._noise[k] if self._noise is not None and k < len(self._noise) else None
        with np.errstate(all="ignore"):
            self.X, self.state, self.last_grad = self.update(self.X, self.state, k, self.lr_at(k)[:, None],
                                                             self.noise, row)
        self.k = k + 1
        return self.X
