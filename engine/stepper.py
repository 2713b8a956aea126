"""BatchStepper: R runs of one rule advanced a chunk at a time, as (R, D) arrays.

The batched path of engine.runner steps whole runs at once; the classification
view cannot (a run of an MLP costs milliseconds a step, and the view shows it as
it trains), so it advances the same update a few steps per frame. One update
here is exactly SPEC section 2's:

    g = grad(x_{t-1}, k) [+ noise N_k] [SAM: g = grad(x + rho g/|g|)] [+ wd x unless decoupled]
    lr_t = lr * s(k);  x_t, state = rule(g, x_{t-1}, state, hp, t, lr_t)
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from engine.ops import ARRAY_OPS
from engine.registry import OPTIMIZERS
from engine.spec import OptimizerSpec, ScheduleSpec


class StepContext:
    """What a vector rule may ask of the problem: exact values, the Hessian, the box,
    and reproducible random draws."""

    def __init__(self, objective, seed):
        self.objective = objective
        self.seed = seed
        self.view = getattr(objective, "view", None)
        self.layout = objective.layout
        self._blocks = {}

    def value(self, X):
        return self.objective.value(X)

    def value1(self, x):
        return float(self.objective.value(x[None, :])[0])

    def hessian(self, X):
        return self.objective.hessian(X)

    def random(self, t, kind, shape):
        """Draws for update t, reproducible from (seed, t) alone, in blocks of 512 updates
        (a Generator per update costs ~20 us). ``shape`` is (runs, D): one draw serves every
        run, so a run's path does not depend on how many runs it is stepped with."""
        block, row = divmod(int(t), 512)
        key = (kind, block, tuple(shape[1:]))
        if key not in self._blocks:
            self._blocks = {k: v for k, v in self._blocks.items() if k[0] != kind}
            rng = np.random.default_rng([int(self.seed), 7919, block, 0 if kind == "normal" else 1])
            draw = rng.standard_normal if kind == "normal" else rng.random
            self._blocks[key] = draw((512,) + tuple(shape[1:]))
        return np.broadcast_to(self._blocks[key][row], shape)


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


class BatchStepper:
    """Runs of one optimizer key (options equal) on one objective, stepped together."""

    def __init__(self, objective, optimizers: list[OptimizerSpec], schedules, starts, total_steps: int,
                 noise: float = 0.0, seed: int = 0):
        self.objective = objective
        R = len(optimizers)
        if isinstance(schedules, ScheduleSpec):
            schedules = [schedules] * R
        self.optimizers, self.schedules = list(optimizers), list(schedules)
        key = optimizers[0].key
        self.record = OPTIMIZERS[optimizers[0].params["base"]] if key == "sam" else OPTIMIZERS[key]
        self.hp = stack_hyperparameters(optimizers)
        self.sam_rho = self.hp.rho_sam if key == "sam" else 0.0
        self.X = np.array(starts, dtype=float).reshape(R, objective.dim)
        self.total_steps = int(total_steps)
        self.lrs = np.stack([_lr_table(o, s, self.total_steps) for o, s in zip(optimizers, schedules)], axis=1)
        self.noise = float(noise)
        self._noise_rng = np.random.default_rng(seed) if noise else None
        self._noise_rows = None
        self.ctx = StepContext(objective, seed)
        record = self.record
        self.matrix = record.matrix_rule is not None and any(len(s) == 2 for _, s in objective.layout)
        if record.kind == "vector":
            self.state = (record.vector_init(self.X, self.ctx, self.hp) if record.key == "lbfgs"
                          else record.vector_init(self.X, self.ctx))
        elif self.matrix:
            self.state = record.matrix_init(self.X, objective.layout)
        else:
            self.state = tuple(np.full(self.X.shape, v) for v in record.state_init)
        wd = 0.0 if record.decoupled_weight_decay else getattr(self.hp, "weight_decay", 0.0)
        self.wd = wd if np.any(wd) else None
        self.k = 0  # updates taken
        self.last_grad = np.zeros_like(self.X)
        self._zeros = np.zeros_like(self.X)

    def noise_row(self, k):
        if self._noise_rng is None:
            return None
        # the same N(0, I) sequence as engine.runner's: one (total, D) draw from Generator(seed)
        if self._noise_rows is None:
            self._noise_rows = self._noise_rng.standard_normal((max(self.total_steps, 1), self.X.shape[1]))
        return self._noise_rows[k] if k < len(self._noise_rows) else 0.0

    def lr_at(self, k):
        if k < len(self.lrs):
            return self.lrs[k]
        return self.lrs[-1] if len(self.lrs) else np.zeros(self.X.shape[0])

    def step(self):
        """One update of every run; returns the new X (R, D)."""
        k, t = self.k, self.k + 1
        record, hp, obj, X = self.record, self.hp, self.objective, self.X
        with np.errstate(all="ignore"):
            P = X if record.lookahead is None else record.lookahead(X, self.state, hp, t, ARRAY_OPS)
            g = obj.grad(P, k) if record.uses_gradient else self._zeros
            n = self.noise_row(k)
            if n is not None:
                g = g + self.noise * n
            if np.any(self.sam_rho):
                norm = np.sqrt(np.sum(g * g, axis=1, keepdims=True))
                e = np.where(norm > 0, self.sam_rho / np.where(norm > 0, norm, 1.0), 0.0)
                g = obj.grad(P + e * g, k)
                if n is not None:
                    g = g + self.noise * n
            if self.wd is not None:
                g = g + self.wd * X
            lr = self.lr_at(k)
            if record.kind == "vector":
                X, self.state = record.rule(self.ctx, g, X, self.state, hp, t, lr)
            elif self.matrix:
                X, self.state = record.matrix_rule(g, X, self.state, hp, t, lr, obj.layout)
            else:
                X, self.state = record.rule(g, X, self.state, hp, t, lr[:, None], ARRAY_OPS)
        self.last_grad = g
        self.X = X
        self.k = t
        return X


def _lr_table(spec: OptimizerSpec, schedule: ScheduleSpec, steps: int) -> np.ndarray:
    lr = spec.params.get("lr")
    if lr is None:
        return np.zeros(steps)
    return lr * schedule.multipliers(steps)
