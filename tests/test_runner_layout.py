"""run_batch's coordinate-major loop (engine.coordinate_major) against the
run-major one it stands in for: element-wise rules on a surface step as (D, R) arrays,
and every Trace field must come out bit for bit as from (R, D) arrays: rows, gradients,
loss, lr, states and the divergence step. ``runner.COORDINATE_MAJOR = False`` forces
the run-major loop, as ``UNROLL_2D`` does for the float path.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_runner import hyper_value

from engine import runner
from engine.custom_rule import EXAMPLES, install_rule, installed_rules
from engine.registry import OPTIMIZERS, hypers_for, unregister_optimizer
from engine.runner import run_batch
from engine.spec import CONSTANT, OptimizerSpec, ScheduleSpec
from surfaces import make_surface

# every element-wise rule; SAM takes the run-major loop on both sides (its |g| is per run)
ELEMENTWISE = [k for k, r in OPTIMIZERS.items() if r.kind == "elementwise" and not r.wraps]
SURFACES = {k: make_surface(k) for k in ("parabola", "sqrt8", "wavy", "quadratic", "ravine", "saddle",
                                         "rosenbrock", "beale", "himmelblau", "rastrigin",
                                         "six-hump-camel", "sharp-flat")}
# a typed surface: exp, sin and a power, through the formula's forward-mode derivatives
SURFACES["custom"] = make_surface("custom", formula="exp(0.3*x) + sin(2*y)*x^2 + 0.1*y^4")
# downhill without end in a small view: its 1e6-times box is +-1000, so the rules whose
# steps are ~lr (adam, lion, ...) leave it too, not only those whose steps grow with |g|
RUNAWAY = make_surface("custom", formula="y^2 - x").with_view((-1e-3, 1e-3, -1e-3, 1e-3))
SCHEDULES = ["constant", "cosine:warmup=5", "exponential:gamma=0.95", "step:milestones=10/20,gamma=0.3",
             "cosine-restarts:T0=7,mult=2"]


def both_loops(*args, **kwargs):
    """(coordinate-major traces, run-major traces) of the same run_batch call."""
    assert runner.COORDINATE_MAJOR
    fast = run_batch(*args, **kwargs)
    runner.COORDINATE_MAJOR = False
    try:
        slow = run_batch(*args, **kwargs)
    finally:
        runner.COORDINATE_MAJOR = True
    return fast, slow


def assert_same_bits(fast, slow, surface=None):
    """Every field of every trace equal, bit for bit; with ``surface``, the loss also as
    the surface's value_at gives it (the final loss pass goes in pieces, both loops)."""
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        if surface is not None:
            with np.errstate(all="ignore"):
                assert np.array_equal(b.loss, surface.value_at(b.xs), equal_nan=True)
        assert a.diverged_at == b.diverged_at
        assert a.state_names == b.state_names
        for name in ("xs", "grads", "loss", "lr"):
            x, y = getattr(a, name), getattr(b, name)
            assert x.shape == y.shape and x.dtype == y.dtype, name
            # array_equal with equal_nan: the same numbers, nan where nan (a start outside)
            assert np.array_equal(x, y, equal_nan=True), name
        if b.states is None:
            assert a.states is None
        else:
            assert a.states.shape == b.states.shape
            assert np.array_equal(a.states, b.states, equal_nan=True)


@st.composite
def batches(draw, keys=tuple(ELEMENTWISE)):
    """R runs of one rule: the options (booleans, choices, ints) shared, every float
    hyperparameter (lr, beta1, momentum, weight_decay, ...) drawn per run, so per-run
    numbers reach the rule as columns (run-major) or rows (coordinate-major)."""
    key = draw(st.sampled_from(keys))
    hypers = hypers_for(key, {})
    shared = {h.name: draw(hyper_value(h)) for h in hypers if h.kind != "float"}
    hypers = hypers_for(key, shared)
    R = draw(st.integers(1, 6))
    specs = []
    for _ in range(R):
        params = dict(shared)
        for h in hypers:
            if h.name not in params:
                params[h.name] = draw(hyper_value(h))
        specs.append(OptimizerSpec.make(key, **params))
    return specs


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=batches(), surface_key=st.sampled_from(sorted(SURFACES)),
       schedule=st.sampled_from(SCHEDULES), per_run_schedules=st.booleans(),
       noise=st.sampled_from([0.0, 0.5, 100.0]), seed=st.integers(0, 2**32 - 1),
       record_states=st.booleans(), data=st.data())
def test_coordinate_major_loop_gives_the_run_major_bits(specs, surface_key, schedule, per_run_schedules,
                                                        noise, seed, record_states, data):
    surface = SURFACES[surface_key]
    R = len(specs)
    if per_run_schedules:
        schedules = [ScheduleSpec.parse(data.draw(st.sampled_from(SCHEDULES))) for _ in range(R)]
    else:
        schedules = ScheduleSpec.parse(schedule)
    view = np.asarray(surface.view, dtype=float).reshape(-1, 2)[: surface.dim]
    point = st.tuples(*(st.floats(lo, hi) for lo, hi in view))
    # the surface's start, points inside the view, and now and then one far outside it
    starts = [surface.start] + [data.draw(st.one_of(point, st.just(tuple(view[:, 1] * 1e7))))
                                for _ in range(R - 1)]
    fast, slow = both_loops(surface, specs, schedules, starts, 70, noise, seed, record_states)
    assert_same_bits(fast, slow, surface)


@pytest.mark.parametrize("key", ELEMENTWISE)
@pytest.mark.parametrize("surface_key", ["wavy", "rosenbrock", "runaway"])
def test_a_sweep_with_diverging_runs_gives_the_run_major_bits(key, surface_key):
    """A learning-rate sweep over six decades: the top runs blow up at different steps,
    the rest go on; per-run beta1 / momentum / weight decay where the rule has one."""
    surface = RUNAWAY if surface_key == "runaway" else SURFACES[surface_key]
    floats = {h.name for h in hypers_for(key, {}) if h.kind == "float"}
    specs = []
    for i, lr in enumerate(np.geomspace(1e-4, 1e2, 24)):
        params = {"lr": float(lr)} if "lr" in floats else {}
        for name, values in (("beta1", (0.0, 0.5, 0.9)), ("momentum", (0.0, 0.9, 0.99)),
                             ("weight_decay", (0.0, 0.1)), ("eps", (1e-8, 1.0))):
            if name in floats:
                params[name] = values[i % len(values)]
        specs.append(OptimizerSpec.make(key, **params))
    fast, slow = both_loops(surface, specs, ScheduleSpec.parse("cosine:warmup=10"),
                            [surface.start] * len(specs), 300, record_states=True)
    assert_same_bits(fast, slow, surface)
    if surface is RUNAWAY:
        assert any(t.diverged_at is not None for t in slow), "the sweep should reach a diverging lr"


def test_every_run_blowing_up_stops_both_loops_at_the_same_row():
    """Every run diverged: both loops stop at the same 64-update check and cut the same rows."""
    surface = SURFACES["quadratic"]
    specs = [OptimizerSpec.make("sgd", lr=lr) for lr in (50.0, 80.0, 100.0)]
    fast, slow = both_loops(surface, specs, CONSTANT, [surface.start] * 3, 500)
    assert_same_bits(fast, slow)
    assert all(t.diverged_at is not None and t.diverged_at < 64 for t in slow)


def test_a_typed_rule_takes_the_coordinate_major_loop_with_the_same_bits():
    try:
        install_rule(EXAMPLES["momentum (torch form)"])
        specs = [OptimizerSpec.make("custom", lr=lr) for lr in (1e-3, 3e-3, 0.3)]
        surface = SURFACES["rosenbrock"]
        fast, slow = both_loops(surface, specs, ScheduleSpec.parse("cosine:warmup=5"),
                                [surface.start, (0.5, 0.5), (-1.0, 2.5)], 120, 0.3, 2, True)
        assert_same_bits(fast, slow)
    finally:
        for key in list(installed_rules()):
            unregister_optimizer(key)


def test_which_batches_take_the_coordinate_major_loop(monkeypatch):
    """Element-wise rules on a surface do; SAM, vector rules, an on_step callback and
    objectives that are not surfaces keep the run-major loop."""
    taken = []
    real = runner.step_coordinate_major
    monkeypatch.setattr(runner, "step_coordinate_major", lambda *a, **k: taken.append(1) or real(*a, **k))
    surface = SURFACES["rosenbrock"]

    def takes(spec, **kwargs):
        taken.clear()
        run_batch(surface, [OptimizerSpec.parse(spec)] * 2, CONSTANT, [surface.start] * 2, 5, **kwargs)
        return bool(taken)

    assert takes("adam:lr=0.01") and takes("nesterov:lr=0.001,weight_decay=0.1")
    assert takes("sgd:lr=0.001", noise=0.5)
    assert not takes("sam:base=sgd,lr=0.001,rho_sam=0.05")
    assert not takes("newton") and not takes("random-search")
    assert not takes("adam:lr=0.01", on_step=lambda k, X: None)
