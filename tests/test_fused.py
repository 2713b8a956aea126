"""engine.fused: a rule pasted into the 2-D loop gives the floats calling it gives."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_runner import SURFACE_KEYS, SURFACES, optimizer_specs

from engine import runner
from engine.custom_rule import EXAMPLES, install_rule
from engine.fused import fused_path_2d
from engine.ops import FLOAT_OPS
from engine.registry import OPTIMIZERS, unregister_optimizer
from engine.runner import run
from engine.spec import OptimizerSpec, ScheduleSpec

TWO_D = [k for k in SURFACE_KEYS if SURFACES[k].dim == 2]
# every element-wise rule the plain 2-D loop steps (nesterov looks ahead; SAM wraps a base)
PASTED = ("sgd", "momentum", "adagrad", "rmsprop", "adam", "adamw", "adadelta", "adamax", "nadam",
          "radam", "adafactor", "lion")


def _both(surface, spec, steps=80, schedule=None):
    kw = {"record_states": True} if schedule is None else {"record_states": True, "schedule": schedule}
    fused = run(surface, spec, steps=steps, **kw)
    runner.FUSE_2D = False
    try:
        called = run(surface, spec, steps=steps, **kw)
    finally:
        runner.FUSE_2D = True
    return fused, called


def _assert_same(a, b):
    assert a.diverged_at == b.diverged_at
    for name in ("xs", "grads", "loss", "lr", "states"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize("key", PASTED)
def test_every_rule_a_drag_recomputes_is_pasted_into_the_loop(key):
    # a rule falling back to calls would cost a drag half its path again, unseen
    assert fused_path_2d(OPTIMIZERS[key].rule) is not None


@settings(max_examples=250, suppress_health_check=[HealthCheck.too_slow])
@given(spec=optimizer_specs(keys=PASTED), surface_key=st.sampled_from(TWO_D))
def test_the_pasted_rule_gives_the_called_rules_floats(spec, surface_key):
    """Rows, gradients, states and the divergence step, bit for bit, for any
    hyperparameters in range (amsgrad, no bias correction, velocity form, Nesterov RMSProp)."""
    _assert_same(*_both(SURFACES[surface_key], spec))


@pytest.mark.parametrize("key,params", [
    ("momentum", {"form": "velocity", "lr": 0.001}),
    ("momentum", {"momentum_schedule": "sutskever", "mu_period": 5, "lr": 0.0005}),
    ("rmsprop", {"nesterov": True, "momentum": 0.9, "lr": 0.001}),
    ("adam", {"amsgrad": True, "lr": 0.05}),
    ("adam", {"bias_correction": False, "lr": 0.05}),
    ("adam", {"lr": 5.0}),  # leaves the box: the same divergence step
])
def test_each_branch_of_a_rule_gives_the_same_floats(key, params):
    spec = OptimizerSpec.make(key, **params)
    fused, called = _both(SURFACES["rosenbrock"], spec, steps=300,
                          schedule=ScheduleSpec.parse("cosine:warmup=20"))
    _assert_same(fused, called)
    assert len(fused.xs) > 2


def test_a_branch_continues_from_its_step_and_state():
    """k0 and a state carried over (engine.branching): the fused loop starts mid-run."""
    record = OPTIMIZERS["adam"]
    hp = runner._rule_and_hp(OptimizerSpec.make("adam", lr=0.05))[1]
    state = ((0.1, 0.02, 0.02), (-0.3, 0.5, 0.5))
    args = (SURFACES["rosenbrock"].grad, hp, [0.05] * 40, (0.5, 0.5), state, 40,
            ((-1e9, 1e9), (-1e9, 1e9)), True, 25)
    pasted = fused_path_2d(record.rule)(*args, FLOAT_OPS)
    called = runner._plain_path_2d(SURFACES["rosenbrock"].grad, record.rule, *args[1:])
    assert pasted == called and len(pasted[0]) == 16


def test_what_cannot_be_pasted_is_called():
    def closure_rule(g, x, state, hp, t, lr, ops):
        return x - lr * g * scale, state

    scale = 1.0

    def looping_rule(g, x, state, hp, t, lr, ops):
        for _ in range(2):
            x = x - lr * g
        return x, state

    def early_return(g, x, state, hp, t, lr, ops):
        if g > 0:
            return x, state
            x = x + 1  # noqa: F841 - unreachable on purpose
        return x - lr * g, state

    def no_return(g, x, state, hp, t, lr, ops):
        x = x - lr * g

    for rule in (closure_rule, looping_rule, early_return, no_return, math.sqrt, lambda *a: a):
        rule.__module__ = "engine.optimizers.test" if hasattr(rule, "__dict__") else rule.__module__
        assert fused_path_2d(rule) is None, rule


def test_only_the_engines_own_rules_are_compiled():
    """A rule typed by the user is never compiled from text: it keeps being called, and
    runs as it did."""
    record = install_rule(EXAMPLES["RMSProp"], key="custom-fusetest")
    try:
        assert fused_path_2d(record.rule) is None
        trace = run(SURFACES["quadratic"], OptimizerSpec.make("custom-fusetest", lr=0.01), steps=30)
        assert trace.xs.shape == (31, 2) and np.all(np.isfinite(trace.xs))
    finally:
        unregister_optimizer("custom-fusetest")


def test_a_name_hp_lacks_fails_only_where_the_rule_reads_it():
    from types import SimpleNamespace

    from engine.optimizers import adaptive

    loop = fused_path_2d(adaptive.rmsprop)
    grad = SURFACES["quadratic"].grad
    args = ([0.01] * 5, (1.0, 1.0), ((0.0, 0.0), (0.0, 0.0)), 5, ((-1e9, 1e9), (-1e9, 1e9)), False, 0, FLOAT_OPS)
    plain = SimpleNamespace(decay=0.9, eps=1e-8, momentum=0.0, nesterov=False)
    xs = loop(grad, plain, *args)[0]
    assert len(xs) == 6
    with pytest.raises(AttributeError):  # nesterov is read in an if: as calling the rule would
        loop(grad, SimpleNamespace(decay=0.9, eps=1e-8, momentum=0.0), *args)


def test_arithmetic_on_hyperparameters_alone_is_worked_out_once():
    """adam's 1 - beta1 and 1 - beta2 once a run, 1 - beta^t once a step for both
    coordinates (under its bias_correction branch): names the loop keeps."""
    from engine.optimizers.adam import adam

    names = set(fused_path_2d(adam).__code__.co_varnames)
    assert {"_k_c0", "_k_c1", "_k_c2", "_k_c3"} <= names


def _rule_dividing_by(g, x, state, hp, t, lr, ops):
    if hp.bias_correction:
        x = x - lr * g / (1.0 - hp.beta1 ** t)
    return x - lr * g / (1.0 - hp.beta1), state


_rule_dividing_by.__module__ = "engine.optimizers.test_fused"  # compiled as an engine rule


@pytest.mark.parametrize("beta1,bias_correction", [(1.0, False), (1.0, True), (0.5, True), (0.5, False)])
def test_a_shared_value_fails_where_calling_the_rule_fails(beta1, bias_correction):
    """1/(1 - beta1) with beta1 = 1 divides by zero on the first step, after its gradient:
    the same rows, gradients and divergence step as calling the rule."""
    from types import SimpleNamespace

    loop = fused_path_2d(_rule_dividing_by)
    assert loop is not None
    hp = SimpleNamespace(beta1=beta1, bias_correction=bias_correction)
    args = ([0.01] * 6, (1.0, -2.0), ((), ()), 6, ((-1e9, 1e9), (-1e9, 1e9)), True, 0)
    grad = SURFACES["quadratic"].grad
    pasted = loop(grad, hp, *args, FLOAT_OPS)
    called = runner._plain_path_2d(grad, _rule_dividing_by, hp, *args)
    assert pasted == called
    assert (pasted[3] == 1) == (beta1 == 1.0)


def _rule_taking_roots(g, x, state, hp, t, lr, ops):
    return x + ops.sqrt(g) + ops.sqrt(ops.sqrt(g)), state


_rule_taking_roots.__module__ = "engine.optimizers.test_fused"


def test_a_pasted_square_root_is_float_ops_own():
    """ops.sqrt pasted in as an expression gives FLOAT_OPS.sqrt's floats: nan below zero
    and for nan, -0.0 kept, inf; nested, its argument bound once."""
    values = [4.0, 2.0, 0.0, -0.0, 1e-300, math.inf, -1.0, math.nan]
    loop = fused_path_2d(_rule_taking_roots)
    assert loop is not None and "_k_v" in loop.__code__.co_varnames

    def gradients():
        rows = iter([(v, 9.0) for v in values])
        return lambda x0, x1: next(rows)

    args = ([0.1] * len(values), (0.0, 0.0), ((), ()), len(values), ((-math.inf, math.inf), (-1e300, 1e300)),
            False, 0)
    pasted = loop(gradients(), None, *args, FLOAT_OPS)
    called = runner._plain_path_2d(gradients(), _rule_taking_roots, None, *args)
    assert repr(pasted) == repr(called)  # nan and -0.0 compared as written
    assert pasted[3] == called[3] == 7  # the first nan (sqrt(-1)) stops the run
