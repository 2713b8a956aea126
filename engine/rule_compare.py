""""Compare with…": your rule against a built-in over the current run, the largest
difference of the paths in one sentence ("your rule equals SGD + momentum to 4e-17
over 300 steps"). Both paths come from the same stepping code (engine.runner), with
the scene's schedule, start, noise and seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.registry import get_optimizer
from engine.runner import run_scene
from engine.spec import OptimizerSpec

EQUAL = 1e-12  # relative to the size of the path: rounding, not a different rule


@dataclass(frozen=True)
class Comparison:
    other: OptimizerSpec
    steps: int  # updates compared (both runs alive)
    largest: float  # max over steps and coordinates of |x_mine - x_other|
    at: int  # the step where it is largest
    first_apart: int | None  # the first step where they differ beyond rounding
    scale: float
    stopped: str = ""  # why fewer steps than asked: a run diverged

    @property
    def equal(self) -> bool:
        return self.first_apart is None

    def sentence(self) -> str:
        label = self.other.label()
        if self.equal:
            how = f"to {self.largest:.0e}" if self.largest else "to the last bit"
            return f"your rule equals {label} {how} over {self.steps} steps{self.stopped}"
        return (f"your rule differs from {label}: largest |Δx| = {self.largest:.3g} at step {self.at} "
                f"of {self.steps}; the paths part at step {self.first_apart}{self.stopped}")


def matching_spec(mine: OptimizerSpec, key: str) -> OptimizerSpec:
    """The built-in ``key`` with your rule's values where a hyperparameter has the same
    name or lecture symbol (your rho is momentum's rho), its defaults elsewhere."""
    record = get_optimizer(key)
    values = {}
    for h in record.hypers:
        if h.kind != "float":
            continue
        for name in (h.name, h.symbol):
            if name and name in mine.params and isinstance(mine.params[name], float):
                values[h.name] = mine.params[name]
                break
    try:
        return OptimizerSpec.make(key, **values)
    except ValueError:  # one of yours lies outside the built-in's range: its defaults, your lr
        lr = {"lr": mine.params["lr"]} if "lr" in mine.params and record.has_lr else {}
        return OptimizerSpec.make(key, **lr)


def compare(problem, mine: OptimizerSpec, other: OptimizerSpec, schedule, start, steps, noise=0.0,
            seed=0) -> Comparison:
    a, b = run_scene(problem, [(mine, schedule, start), (other, schedule, start)], steps, noise, seed)
    n = min(len(a.xs), len(b.xs))
    with np.errstate(all="ignore"):
        diff = np.max(np.abs(a.xs[:n] - b.xs[:n]), axis=1)
        scale = float(np.max(np.abs(b.xs[:n]))) if n else 0.0
    diff = np.where(np.isfinite(diff), diff, np.inf)
    apart = np.flatnonzero(diff > EQUAL * max(scale, 1.0))
    at = int(np.argmax(diff)) if n else 0
    ended = [f"{who} diverged at step {tr.diverged_at}" for who, tr in (("yours", a), ("the built-in", b))
             if tr.diverged_at is not None]
    return Comparison(other, n - 1, float(diff[at]) if n else 0.0, at,
                      int(apart[0]) if len(apart) else None, scale,
                      f" ({', '.join(ended)})" if ended else "")
