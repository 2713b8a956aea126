"""Learning-rate schedules against their closed forms (SPEC section 4), written here in
NumPy / plain Python, and the link to a run: row t's lr is lr * s(t - 1), row 0 has 0.
"""

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.ops import ARRAY_OPS
from engine.optimizers.momentum import momentum_coefficient
from engine.runner import run
from engine.schedules import SCHEDULES, multipliers
from engine.spec import OptimizerSpec, ScheduleSpec, SpecError
from surfaces import make_surface

K = np.arange(0, 1200)


def sutskever_momentum(t, mu_max):
    """The rules' own coefficient (momentum_coefficient) for update numbers t, vectorised."""
    hp = SimpleNamespace(momentum_schedule="sutskever", mu_max=mu_max, mu_period=250, momentum=0.0)
    return momentum_coefficient(hp, np.asarray(t), ARRAY_OPS)


def s(text, k=K, total=1000):
    spec = ScheduleSpec.parse(text)
    return multipliers(spec.key, spec.params, k, total)


def same(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def sgdr(k, T0, mult, floor):
    """SGDR by walking the periods one by one (no logarithms)."""
    start, period = 0.0, float(T0)
    while k >= start + period:
        start += period
        period *= mult
    return floor + (1 - floor) * (1 + math.cos(math.pi * (k - start) / period)) / 2


def test_every_schedule_is_tested_here():
    assert set(SCHEDULES) == {"constant", "step", "exponential", "cosine", "linear", "inverse-sqrt",
                              "inverse-time", "cosine-restarts"}


def test_constant():
    same(s("constant"), np.ones(len(K)))


def test_step_counts_the_milestones_passed():
    got = s("step:milestones=300/600/900,gamma=0.5")
    want = [0.5 ** sum(1 for m in (300, 600, 900) if m <= k) for k in K]
    same(got, want)
    # at and around a milestone: s(299) = 1, s(300) = gamma (the update with k = 300 is t = 301)
    assert got[299] == 1.0 and got[300] == 0.5 and got[599] == 0.5 and got[600] == 0.25
    assert got[900] == 0.125 and got[-1] == 0.125


def test_step_milestones_in_any_order_and_without_any():
    same(s("step:milestones=900/300,gamma=0.1"), s("step:milestones=300/900,gamma=0.1"))
    same(s("step:gamma=0.1"), np.ones(len(K)))


def test_exponential():
    same(s("exponential:gamma=0.99"), 0.99 ** K.astype(float))
    same(s("exponential"), 0.99 ** K.astype(float))  # default gamma


@pytest.mark.parametrize("total,floor", [(0, 0.0), (500, 0.0), (500, 0.2), (1000, 0.1)])
def test_cosine(total, floor):
    T = total or 1000  # total defaults to the run length
    got = s(f"cosine:total={total},floor={floor}")
    want = [floor + (1 - floor) * (1 + math.cos(math.pi * min(k, T) / T)) / 2 for k in K]
    same(got, want)
    assert got[0] == 1.0
    assert got[T] == pytest.approx(floor, abs=1e-15) and got[-1] == pytest.approx(floor, abs=1e-15)
    assert got[T // 2] == pytest.approx(floor + (1 - floor) / 2, rel=1e-12)


@pytest.mark.parametrize("total,floor", [(0, 0.0), (400, 0.0), (400, 0.25)])
def test_linear(total, floor):
    T = total or 1000
    same(s(f"linear:total={total},floor={floor}"), [max(floor, 1 - k / T) for k in K])


def test_inverse_sqrt():
    same(s("inverse-sqrt"), [1 / math.sqrt(k + 1) for k in K])


@pytest.mark.parametrize("decay", [1.0, 0.01, 0.0])
def test_inverse_time(decay):
    same(s(f"inverse-time:decay={decay}"), [1 / (1 + decay * k) for k in K])


@pytest.mark.parametrize("T0,mult,floor", [(100, 1.0, 0.0), (100, 2.0, 0.0), (50, 2.0, 0.1),
                                           (7, 3.0, 0.0), (10, 1.5, 0.0), (1, 2.0, 0.0)])
def test_cosine_restarts(T0, mult, floor):
    got = s(f"cosine-restarts:T0={T0},mult={mult},floor={floor}")
    same(got, [sgdr(k, T0, mult, floor) for k in K])


def test_cosine_restarts_at_and_around_the_period_boundaries():
    one = s("cosine-restarts:T0=100")
    assert one[0] == one[100] == one[200] == 1.0  # restarts
    assert one[99] == pytest.approx((1 + math.cos(math.pi * 99 / 100)) / 2, rel=1e-13)
    assert one[99] < 1e-3 and one[101] == pytest.approx((1 + math.cos(math.pi / 100)) / 2, rel=1e-13)
    two = s("cosine-restarts:T0=100,mult=2")
    # periods [0, 100), [100, 300), [300, 700): restarts at 100, 300, 700
    for boundary in (100, 300, 700):
        assert two[boundary] == 1.0
        assert two[boundary - 1] < 1e-3
    assert two[200] == pytest.approx(0.5, rel=1e-13)  # middle of the second period
    assert two[500] == pytest.approx(0.5, rel=1e-13)


@given(T0=st.integers(1, 60), mult=st.sampled_from([1.0, 1.5, 2.0, 2.5, 3.0, 10.0]),
       floor=st.floats(0.0, 1.0))
def test_cosine_restarts_property(T0, mult, floor):
    """Rounding in the logarithm that finds the period must never pick the wrong one."""
    k = np.arange(0, 3000)
    got = multipliers("cosine-restarts", {"T0": T0, "mult": mult, "floor": floor, "warmup": 0}, k, 3000)
    want = [sgdr(int(i), T0, mult, floor) for i in k]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


WITH_PARAMS = ["constant", "step:milestones=100/500,gamma=0.3", "exponential:gamma=0.995",
               "cosine:total=800,floor=0.05", "linear:floor=0.1", "inverse-sqrt", "inverse-time:decay=0.5",
               "cosine-restarts:T0=64,mult=2"]


@pytest.mark.parametrize("text", WITH_PARAMS)
@pytest.mark.parametrize("warmup", [1, 20, 250])
def test_warmup_is_multiplied_into_every_schedule(text, warmup):
    sep = "," if ":" in text else ":"
    base = s(text)
    warm = s(f"{text}{sep}warmup={warmup}")
    same(warm, base * np.minimum(1.0, (K + 1.0) / warmup))
    assert warm[0] == pytest.approx(base[0] / warmup)
    same(warm[warmup - 1:], base[warmup - 1:])


def test_every_schedule_accepts_warmup():
    for key, record in SCHEDULES.items():
        assert "warmup" in [h.name for h in record.hypers], key


def test_schedule_spec_total_defaults_to_the_run_length():
    spec = ScheduleSpec.parse("cosine")
    same(spec.multipliers(300), s("cosine", np.arange(300), total=300))
    assert spec.multipliers(300)[-1] == pytest.approx((1 + math.cos(math.pi * 299 / 300)) / 2)
    same(ScheduleSpec.parse("cosine:total=100").multipliers(300)[100:], np.zeros(200))


@pytest.mark.parametrize("text", WITH_PARAMS + ["cosine:warmup=30", "step:milestones=3/7,gamma=0.5,warmup=5"])
@pytest.mark.parametrize("key", ["adam", "sgd", "sam", "newton"])
def test_a_runs_lr_column_is_lr_times_s_of_t_minus_1(text, key):
    """lr_t = lr * s(k) with k = t - 1: the first update uses s(0); row 0 shows 0."""
    surface = make_surface("quadratic")
    steps = 300
    spec = OptimizerSpec.make(key, lr=0.01)
    sched = ScheduleSpec.parse(text)
    tr = run(surface, spec, sched, None, steps)
    assert tr.diverged_at is None
    assert tr.lr[0] == 0.0
    mult = multipliers(sched.key, sched.params, np.arange(steps), steps)
    np.testing.assert_array_equal(tr.lr[1:], 0.01 * mult)


def test_the_lr_column_drives_the_update():
    """SGD's step on the quadratic at update t is exactly lr_t * g (step: halved at k = 2)."""
    surface = make_surface("quadratic")
    tr = run(surface, OptimizerSpec.make("sgd", lr=0.1), ScheduleSpec.parse("step:milestones=2,gamma=0.5"),
             None, 4)
    np.testing.assert_array_equal(tr.lr, [0.0, 0.1, 0.1, 0.05, 0.05])
    g = surface.grad_at(tr.xs[:-1])
    np.testing.assert_allclose(tr.xs[1:], tr.xs[:-1] - tr.lr[1:, None] * g, rtol=1e-15)


def test_rules_without_a_learning_rate_show_zero():
    tr = run(make_surface("quadratic"), OptimizerSpec.make("random-search"), steps=10)
    np.testing.assert_array_equal(tr.lr, np.zeros(11))


def test_sutskever_momentum_schedule_vectorised():
    t = np.arange(1, 3001)
    want = [min(1 - 2 ** (-1 - math.log2(math.floor(i / 250) + 1)), 0.99) for i in t]
    np.testing.assert_allclose(sutskever_momentum(t, 0.99), want, rtol=1e-15)
    assert sutskever_momentum(t, 0.99)[0] == 0.5
    # mu_t = 1 - 1/(2 (floor(t/250) + 1)): 1/2, 3/4, 5/6, ... steps every 250 updates
    assert set(np.round(sutskever_momentum(np.arange(1, 1000), 0.99), 12)) == {0.5, 0.75, round(5 / 6, 12), 0.875}


@pytest.mark.parametrize("text,needle", [
    ("cosine:total=-1", "total"), ("step:milestones=3/x", "milestones"), ("warp", "warp"),
    ("cosine:floor=2", "floor"), ("step:gamma", "gamma"), ("linear:speed=3", "speed"),
    ("cosine-restarts:mult=0.5", "mult"), ("exponential:warmup=1.5", "warmup")])
def test_bad_schedule_specs_name_the_problem(text, needle):
    with pytest.raises(SpecError, match=needle):
        ScheduleSpec.parse(text)


def test_schedule_defaults_are_specs():
    """SPEC section 4's brackets; total 0 stands for the run length, warmup 0 for none."""
    defaults = {key: ScheduleSpec.make(key).params for key in SCHEDULES}
    assert defaults["step"]["gamma"] == 0.1 and defaults["step"]["milestones"] == ()
    assert defaults["exponential"]["gamma"] == 0.99
    assert defaults["cosine"]["floor"] == 0.0 and defaults["cosine"]["total"] == 0
    assert defaults["linear"]["floor"] == 0.0 and defaults["linear"]["total"] == 0
    assert defaults["inverse-time"]["decay"] == 1.0
    assert defaults["cosine-restarts"]["mult"] == 1.0 and defaults["cosine-restarts"]["floor"] == 0.0
    assert all(p["warmup"] == 0 for p in defaults.values())
