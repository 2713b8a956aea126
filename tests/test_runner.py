"""The runner's contract (SPEC section 2): divergence stops a run quietly at its last
finite row, nothing raises, no NumPy warning escapes, the other runs go on; any
hyperparameters inside their ranges never raise; gradient noise and the exact reported
loss; the Trace's CSV/JSON form; Polyak averaging.
"""

import csv
import io
import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from quadratic_by_hand import Q, close, f_q

from engine.registry import OPTIMIZERS, hypers_for
from engine.runner import DIVERGENCE_FACTOR, run, run_batch, run_scene
from engine.spec import CONSTANT, OptimizerSpec, ScheduleSpec
from engine.trace import Trace, polyak_average
from surfaces import make_surface

SURFACE_KEYS = ["quadratic", "rosenbrock", "parabola", "saddle", "himmelblau", "rastrigin",
                "sharp-flat", "wavy", "sqrt8", "beale", "six-hump-camel", "ravine"]
SURFACES = {k: make_surface(k) for k in SURFACE_KEYS}


def box_limit(surface):
    """Centre and the 1e6 x half-widths of the view box, per coordinate."""
    view = np.asarray(surface.view, dtype=float).reshape(-1, 2)
    return view.mean(axis=1), DIVERGENCE_FACTOR * (view[:, 1] - view[:, 0]) / 2


def check_trace(trace, surface, steps):
    """What every trace promises, diverged or not."""
    n = len(trace.xs)
    if trace.diverged_at is None:
        assert n == steps + 1
    else:
        assert 0 <= trace.diverged_at <= steps
        assert n == max(trace.diverged_at, 1)  # rows stop at the last finite row
    assert trace.xs.shape == (n, surface.dim) and trace.grads.shape == (n, surface.dim)
    assert trace.loss.shape == (n,) and trace.lr.shape == (n,)
    assert trace.lr[0] == 0.0
    if trace.diverged_at != 0:
        assert np.all(np.isfinite(trace.xs)) and np.all(np.isfinite(trace.loss))
        centre, limit = box_limit(surface)
        assert np.all(np.abs(trace.xs - centre) <= limit)


# -- hyperparameters drawn inside their ranges -------------------------------------------------


def hyper_value(h):
    if h.kind == "bool":
        return st.booleans()
    if h.kind == "choice":
        return st.sampled_from(h.choices)
    if h.kind == "int":
        return st.integers(int(h.lo), int(h.hi))
    values = st.floats(h.lo, h.hi, exclude_max=h.open_hi, allow_nan=False)
    edges = [h.lo] + ([] if h.open_hi else [h.hi])
    if h.log and h.lo > 0:  # log-scale knobs: cover every decade, not only the top one
        values = st.one_of(values, st.floats(math.log10(h.lo), math.log10(h.hi)).map(
            lambda e: min(max(10.0 ** e, h.lo), h.hi)).filter(lambda v: not (h.open_hi and v >= h.hi)))
    return st.one_of(st.sampled_from(edges), values)


@st.composite
def optimizer_specs(draw, keys=tuple(OPTIMIZERS)):
    key = draw(st.sampled_from(keys))
    params = {}
    if key == "sam":
        params["base"] = draw(st.sampled_from(OPTIMIZERS["sam"].hyper("base").choices))
    for h in hypers_for(key, params):
        if h.name not in params:
            params[h.name] = draw(hyper_value(h))
    return OptimizerSpec.make(key, **params)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(spec=optimizer_specs(), surface_key=st.sampled_from(SURFACE_KEYS),
       noise=st.sampled_from([0.0, 0.5, 100.0]), seed=st.integers(0, 2**32))
def test_any_hyperparameters_in_range_never_raise_or_warn(spec, surface_key, noise, seed):
    surface = SURFACES[surface_key]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = run(surface, spec, CONSTANT, None, 50, noise, seed)
    check_trace(trace, surface, 50)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(spec=optimizer_specs(), surface_key=st.sampled_from(SURFACE_KEYS),
       schedule=st.sampled_from(["cosine:warmup=5", "step:milestones=10/20,gamma=0", "exponential:gamma=0",
                                 "cosine-restarts:T0=1,mult=10", "linear:total=10"]))
def test_any_hyperparameters_never_raise_on_the_batched_path(spec, surface_key, schedule):
    """Two runs of the rule stepped together, one from the start and one from a corner."""
    surface = SURFACES[surface_key]
    corner = tuple(surface.view[0::2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traces = run_batch(surface, [spec, spec], ScheduleSpec.parse(schedule), [surface.start, corner], 50)
    for trace in traces:
        check_trace(trace, surface, 50)


# -- divergence -------------------------------------------------------------------------------

# Rules whose step grows with |g|: a huge lr throws them out of any bowl (the flattest
# one here, sharp-flat far from its wells, has curvature 0.1: lr L >= 6 > 2 (1 + rho)).
GRADIENT_SCALED = [("sgd", {}), ("momentum", {}), ("momentum", {"form": "velocity"}), ("nesterov", {}),
                   ("nesterov", {"form": "lookahead"}), ("sam", {"base": "sgd"}),
                   ("sam", {"base": "nesterov"}), ("newton", {})]


@settings(max_examples=150)
@given(rule=st.sampled_from(GRADIENT_SCALED), lr=st.floats(60.0, 100.0),
       surface_key=st.sampled_from([k for k in SURFACE_KEYS if k != "wavy"]),
       noise=st.sampled_from([0.0, 1.0]))
def test_a_huge_learning_rate_diverges_quietly(rule, lr, surface_key, noise):
    key, options = rule
    # Newton's step is lr H^-1 g: it blows up by (1 - lr) per step only where H is constant
    assume(key != "newton" or surface_key in ("quadratic", "ravine", "parabola", "saddle"))
    surface = SURFACES[surface_key]
    spec = OptimizerSpec.make(key, lr=lr, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = run(surface, spec, CONSTANT, None, 300, noise, 1)
        batch = run_batch(surface, [spec], CONSTANT, [surface.start], 300, noise, 1)[0]
    assert trace.diverged_at is not None and trace.diverged_at >= 1
    check_trace(trace, surface, 300)
    check_trace(batch, surface, 300)
    assert batch.diverged_at == trace.diverged_at
    np.testing.assert_allclose(batch.xs, trace.xs, rtol=1e-12)


def test_divergence_emits_no_warning(recwarn):
    warnings.simplefilter("error")
    surface = SURFACES["rosenbrock"]
    for key in OPTIMIZERS:
        spec = OptimizerSpec.make(key, **({"lr": 100.0} if OPTIMIZERS[key].has_lr or key == "sam" else {}))
        trace = run(surface, spec, steps=200, noise=1e5)
        check_trace(trace, surface, 200)
    assert len(recwarn) == 0


def test_sgd_on_the_parabola_diverges_at_the_step_that_leaves_the_box():
    """x_t = (1 - 2 lr)^t x_0 with lr = 2: |x| grows 3x a step; the box is 1e6 x 3 around 0,
    so the first row past 3e6 is t = ceil(log3(3e6 / 2.5)) = 13; rows 0..12 are kept."""
    surface = SURFACES["parabola"]
    for trace in (run(surface, OptimizerSpec.make("sgd", lr=2.0), steps=100),
                  run_batch(surface, [OptimizerSpec.make("sgd", lr=2.0)], CONSTANT, [surface.start], 100)[0]):
        hand = [2.5 * (-3.0) ** t for t in range(14)]
        first_out = next(t for t, x in enumerate(hand) if abs(x) > 3e6)
        assert first_out == 13
        assert trace.diverged_at == 13
        assert len(trace.xs) == 13
        np.testing.assert_allclose(trace.xs[:, 0], hand[:13], rtol=1e-15)


def test_a_finite_run_beyond_1e6_times_the_view_box_is_diverged():
    """On the saddle x^2 - y^2, y doubles every step at lr = 0.5 while x stays at 0: the
    loss stays finite (~-1e13), only the box says the run has gone."""
    surface = SURFACES["saddle"]  # view [-2, 2]^2: limit 2e6 from the centre
    for trace in (run(surface, OptimizerSpec.make("sgd", lr=0.5), start=(0.0, 1.0), steps=60),
                  run_batch(surface, [OptimizerSpec.make("sgd", lr=0.5)], CONSTANT, [(0.0, 1.0)], 60)[0]):
        # y_t = 2^t: 2^20 = 1.05e6 inside, 2^21 = 2.1e6 outside
        assert trace.diverged_at == 21
        assert trace.xs[-1, 1] == 2.0 ** 20
        assert np.all(np.isfinite(trace.loss))


def test_a_start_outside_the_box_is_diverged_at_step_0_on_both_paths():
    surface = SURFACES["quadratic"]
    for key in ("sgd", "newton"):
        trace = run(surface, OptimizerSpec.make(key), start=(1e7, 0.0), steps=10)
        assert trace.diverged_at == 0 and len(trace.xs) == 1


def test_the_other_runs_of_a_batch_go_on():
    surface = SURFACES["quadratic"]
    specs = [OptimizerSpec.make("sgd", lr=lr) for lr in (0.1, 100.0, 0.05, 0.3)]
    traces = run_batch(surface, specs, CONSTANT, [surface.start] * 4, 500)
    assert traces[1].diverged_at is not None and len(traces[1].xs) < 10
    for i in (0, 2):
        assert traces[i].diverged_at is None and len(traces[i].xs) == 501
        assert np.linalg.norm(traces[i].xs[-1]) < 1e-6
    assert traces[3].diverged_at is not None  # 1 - 0.3 * 10 = -2: slower, but diverges too
    # each equals the run alone
    for spec, tr in zip(specs, traces):
        alone = run(surface, spec, steps=500)
        assert alone.diverged_at == tr.diverged_at
        np.testing.assert_allclose(alone.xs, tr.xs, rtol=1e-13)


def test_the_other_runs_of_a_scene_go_on(recwarn):
    warnings.simplefilter("error")
    surface = SURFACES["rosenbrock"]
    runs = [(OptimizerSpec.make("sgd", lr=1.0), CONSTANT, None),
            (OptimizerSpec.make("adam", lr=0.01), CONSTANT, None),
            (OptimizerSpec.make("newton", lr=50.0), CONSTANT, None),
            (OptimizerSpec.make("newton", lr=1.0), CONSTANT, None),
            (OptimizerSpec.make("bfgs"), CONSTANT, None)]
    scene = run_scene(surface, runs, 1000)
    assert scene[0].diverged_at is not None and scene[2].diverged_at is not None
    for i in (1, 3, 4):
        assert scene[i].diverged_at is None and len(scene[i].xs) == 1001
    assert np.linalg.norm(scene[3].xs[-1] - 1.0) < 1e-9
    assert len(recwarn) == 0


def test_a_custom_surface_that_fails_mid_run_is_diverged_not_raised():
    """log(x) turns nan left of 0: the run stops there on both paths."""
    from engine.spec import parse_surface

    surface = parse_surface("custom:xmin=-3,xmax=3,ymin=-3,ymax=3", "log(x) + (x - 0.2)**2 + y**2")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one = run(surface, OptimizerSpec.make("sgd", lr=0.5), start=(0.5, 0.5), steps=50)
        two = run_batch(surface, [OptimizerSpec.make("sgd", lr=0.5)], CONSTANT, [(0.5, 0.5)], 50)[0]
    for trace in (one, two):
        assert trace.diverged_at is not None
        assert np.all(trace.xs[:, 0] > 0) and np.all(np.isfinite(trace.loss))
    assert one.diverged_at == two.diverged_at


# -- gradient noise and the reported loss -----------------------------------------------------


def _noise_of(trace, surface=Q):
    """What was added to the exact gradient by each update: grads[t] - grad(x_t)."""
    exact = surface.grad_at(trace.xs[:-1])
    return trace.grads[:-1] - exact


def test_gradient_noise_is_n01_scaled_by_noise_and_reproducible_by_seed():
    spec = OptimizerSpec.make("sgd", lr=0.01)
    a = run(Q, spec, steps=2000, noise=0.5, seed=11)
    b = run(Q, spec, steps=2000, noise=0.5, seed=11)
    c = run(Q, spec, steps=2000, noise=2.0, seed=11)
    d = run(Q, spec, steps=2000, noise=0.5, seed=12)
    np.testing.assert_array_equal(a.xs, b.xs)
    n_a, n_c, n_d = _noise_of(a) / 0.5, _noise_of(c) / 2.0, _noise_of(d) / 0.5
    np.testing.assert_allclose(n_a, n_c, atol=1e-9)  # the same draws, scaled by noise
    assert not np.allclose(n_a, n_d)
    # N(0, I): 4000 seeded draws; mean within 5 standard errors, unit spread, uncorrelated
    assert abs(n_a.mean()) < 5 / math.sqrt(n_a.size)
    assert 0.95 < n_a.std() < 1.05
    assert abs(np.corrcoef(n_a[:, 0], n_a[:, 1])[0, 1]) < 0.1
    # and the path is sgd on the noisy gradient: x_t = x_{t-1} - lr (grad + noise n_t)
    close(a.xs[1:], a.xs[:-1] - 0.01 * (Q.grad_at(a.xs[:-1]) + 0.5 * n_a), rtol=1e-12)


@pytest.mark.parametrize("key,extra", [("sgd", {"weight_decay": 0.3}), ("adamw", {"weight_decay": 0.3}),
                                       ("adam", {}), ("momentum", {"weight_decay": 0.1})])
def test_reported_loss_is_the_exact_surface_value(key, extra):
    """Never the noisy value, never with the weight-decay penalty (SPEC section 2)."""
    tr = run(Q, OptimizerSpec.make(key, lr=0.01, **extra), steps=50, noise=1.0, seed=2)
    exact = [f_q(x) for x in tr.xs]
    np.testing.assert_allclose(tr.loss, exact, rtol=1e-14)
    assert tr.loss[0] == 14.375


def test_noise_is_reproducible_on_the_batched_path_too():
    specs = [OptimizerSpec.make("newton", lr=0.5)] * 2
    a = run_batch(Q, specs, CONSTANT, [Q.start] * 2, 30, noise=0.3, seed=4)
    b = run(Q, specs[0], steps=30, noise=0.3, seed=4)
    np.testing.assert_array_equal(a[0].xs, b.xs)
    np.testing.assert_array_equal(a[1].xs, b.xs)
    assert not np.allclose(b.xs, run(Q, specs[0], steps=30).xs)


# -- Trace: CSV, JSON, states -------------------------------------------------------------------


def test_trace_csv_columns_row_0_and_repr_round_trip():
    surface = SURFACES["rosenbrock"]
    trace = run(surface, OptimizerSpec.make("adam", lr=0.01), ScheduleSpec.parse("cosine"), None, 25)
    rows = list(csv.reader(io.StringIO(trace.to_csv())))
    assert rows[0] == ["step", "x", "y", "loss", "lr"]
    assert len(rows) == 27
    assert rows[1] == ["0", "-1.5", "2.0", repr(float(trace.loss[0])), "0.0"]
    for t, row in enumerate(rows[1:]):
        assert int(row[0]) == t
        values = [float(v) for v in row[1:]]
        assert values == [*trace.xs[t].tolist(), float(trace.loss[t]), float(trace.lr[t])]  # bit-exact


def test_trace_csv_on_a_1d_surface():
    trace = run(SURFACES["parabola"], OptimizerSpec.make("sgd", lr=0.1), steps=3)
    text = trace.to_csv()
    assert text.splitlines()[0] == "step,x,loss,lr"
    assert text.splitlines()[1] == "0,2.5,6.25,0.0"
    assert text.splitlines()[2] == f"1,{2.5 - 0.1 * 5.0!r},{(2.5 - 0.5) ** 2!r},0.1"


def test_trace_json_keys_and_rows():
    trace = run(SURFACES["quadratic"], OptimizerSpec.make("sgd", lr=100.0), steps=20)
    doc = json.loads(trace.to_json("quadratic", "sgd:lr=100.0"))
    assert {"surface", "optimizer", "rows", "diverged_at"} <= set(doc)
    assert doc["surface"] == "quadratic" and doc["optimizer"] == "sgd:lr=100.0"
    assert doc["diverged_at"] == trace.diverged_at is not None
    assert len(doc["rows"]) == len(trace.xs)
    assert doc["rows"][0] == {"step": 0, "x": -2.5, "y": 1.5, "loss": 14.375, "lr": 0.0}
    ok = json.loads(run(SURFACES["parabola"], OptimizerSpec.make("sgd"), steps=2).to_json("parabola", "sgd"))
    assert ok["diverged_at"] is None and set(ok["rows"][1]) == {"step", "x", "loss", "lr"}


def test_trace_grads_hold_the_gradient_each_update_used():
    surface = SURFACES["quadratic"]
    trace = run(surface, OptimizerSpec.make("sgd", lr=0.05, weight_decay=0.2), steps=10)
    want = surface.grad_at(trace.xs) + 0.2 * trace.xs
    np.testing.assert_allclose(trace.grads[:-1], want[:-1], rtol=1e-14)
    np.testing.assert_allclose(trace.grads[-1], surface.grad_at(trace.xs[-1:])[0], rtol=1e-14)


@pytest.mark.parametrize("key", ["adam", "rmsprop", "nesterov"])
def test_recorded_states_on_both_paths(key):
    surface = SURFACES["rosenbrock"]
    spec = OptimizerSpec.make(key, lr=0.001)
    one = run(surface, spec, steps=30, record_states=True)
    two = run_batch(surface, [spec], CONSTANT, [surface.start], 30, record_states=True)[0]
    assert one.states.shape == (31, len(OPTIMIZERS[key].state_names), 2)
    np.testing.assert_allclose(one.states, two.states, rtol=1e-12, atol=1e-300)
    assert np.all(one.states[0][0] == OPTIMIZERS[key].state._field_defaults[OPTIMIZERS[key].state_names[0]])


# -- Polyak averaging ---------------------------------------------------------------------------


@pytest.mark.parametrize("a", [0.0, 0.5, 0.9, 0.999])
def test_polyak_average_against_a_hand_loop(a):
    xs = np.random.default_rng(0).standard_normal((50, 2))
    xbar, want = xs[0].copy(), [xs[0].copy()]
    for x in xs[1:]:
        xbar = a * xbar + (1 - a) * x
        want.append(xbar.copy())
    got = polyak_average(xs, a)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    assert got.shape == xs.shape


def test_polyak_average_of_a_constant_path_is_that_point_and_of_nothing_is_empty():
    np.testing.assert_array_equal(polyak_average(np.ones((5, 1)) * 3.0, 0.9), np.full((5, 1), 3.0))
    assert polyak_average(np.zeros((0, 2)), 0.9).shape == (0, 2)


def test_trace_steps_and_final():
    tr = Trace(xs=np.zeros((4, 2)), loss=np.zeros(4), lr=np.zeros(4), grads=np.zeros((4, 2)))
    assert tr.steps == 3 and tr.final.shape == (2,)


# -- the unrolled 2-D loop (what a slider drag recomputes) -------------------------------------


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(spec=optimizer_specs(), surface_key=st.sampled_from([k for k in SURFACE_KEYS
                                                            if SURFACES[k].dim == 2]))
def test_the_unrolled_2d_loop_gives_the_general_loops_floats(spec, surface_key):
    """A plain 2-D run takes the unrolled loop: same rows, states and divergence step as
    the general loop, bit for bit."""
    from engine import runner

    surface = SURFACES[surface_key]
    unrolled = run(surface, spec, steps=60, record_states=True)
    runner.UNROLL_2D = False
    try:
        general = run(surface, spec, steps=60, record_states=True)
    finally:
        runner.UNROLL_2D = True
    assert unrolled.diverged_at == general.diverged_at
    for name in ("xs", "grads", "loss", "lr", "states"):
        np.testing.assert_array_equal(getattr(unrolled, name), getattr(general, name))
