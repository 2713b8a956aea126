"""The scene's own numbers as ``Hyper`` records, like the optimizers' hyperparameters:
one source of limits for session files, the command line, the classification problem
and both modes' setters. A value one of them accepts, the others accept too (a session
with mixup = 6 used to load and then be refused by the problem).

Part of the stepping core's bottom (it imports only ``engine.hyper``), so surfaces
may read it.
"""

from __future__ import annotations

import math

from engine.hyper import Hyper, HyperError, brief

STEPS = Hyper("steps", 300, 1, 100_000, kind="int", symbol="steps",
              doc="updates per run of a scene (each is drawn, so a scene stays within a few seconds)")
RUN_STEPS = Hyper("steps", 1000, 0, 1_000_000, kind="int", symbol="steps",
                  doc="updates of a run computed without drawing (`trace`, `train`); 0: the start only")
SEED = Hyper("seed", 0, 0, 2**31 - 1, kind="int", symbol="seed",
             doc="seed of the gradient noise, random search, minibatch order and mixup draws")
NOISE = Hyper("noise", 0.0, 0.0, 1e3, doc="gradient noise: g + sigma N(0, I)")
SPEED = Hyper("speed", 60.0, 1.0, 5000.0, log=True, symbol="speed", doc="updates per second while playing")
BATCH_SIZE = Hyper("batch_size", 0, 0, 5000, kind="int", symbol="B",
                   doc="points per update: 1 = pure SGD, n_train (or 0) = full batch")
LABEL_SMOOTHING = Hyper("label_smoothing", 0.0, 0.0, 0.5, symbol="epsilon",
                        doc="target 1 - eps on the true class, eps / (K - 1) on the others (seed 003)")
MIXUP = Hyper("mixup", 0.0, 0.0, 4.0, symbol="alpha",
              doc="mixup alpha: each update mixes its batch with lambda ~ Beta(alpha, alpha); 0 = off")
RUNS = Hyper("runs", 0, 0, 16, kind="int", doc="runs in one scene")
COORDINATE = Hyper("coordinate", 0.0, -1e6, 1e6,
                   doc="a start point's or a view box's coordinate (beyond, a run counts as diverged)")

SCENE_LIMITS: dict[str, Hyper] = {h.name: h for h in (STEPS, SEED, NOISE, SPEED, BATCH_SIZE, LABEL_SMOOTHING, MIXUP)}
MAX_STEPS = STEPS.hi
MAX_RUNS = RUNS.hi


def check(hyper: Hyper, value, strict: bool = True):
    """``value`` checked against ``hyper``; ``strict``: numbers only (files, setters),
    else text as well (the command line). Raises HyperError naming the value and the range."""
    if strict and (isinstance(value, (bool, str)) or not isinstance(value, (int, float))):
        raise HyperError(f"{hyper.name}={brief(value)}: expected {hyper.accepted()}")
    return hyper.parse(value)


def check_point(values, dim: int, what: str = "start") -> tuple[float, ...]:
    """``dim`` finite coordinates within COORDINATE's range (a start point)."""
    try:
        point = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        point = ()
    if len(point) != dim or not all(math.isfinite(v) and COORDINATE.lo <= v <= COORDINATE.hi for v in point):
        raise HyperError(f"{what}: expected {dim} number(s) from {COORDINATE.lo:g} to {COORDINATE.hi:g}")
    return point
