"""Learning-rate sweeps (engine/sweep.py): the lean loop against run_batch, the regions
against the quadratic's theory, steps-to-tolerance against a closed form."""

import math

import numpy as np
import pytest

from engine.runner import run, run_batch
from engine.spec import OptimizerSpec, ScheduleSpec
from engine.sweep import JUST_RIGHT, TOO_HIGH, TOO_LOW, log_lrs, lr_sweep, run_ends
from engine.theory import quadratic_theory
from surfaces import make_surface

# Every path through the lean loop: look-ahead, SAM, coupled and decoupled weight decay,
# bias correction off, options, a schedule with warmup, noise, and rates that diverge.
CASES = [
    ("sgd", {}, "rosenbrock"),
    ("momentum", {"form": "velocity", "momentum_schedule": "sutskever"}, "rosenbrock"),
    ("nesterov", {"form": "lookahead"}, "quadratic"),
    ("nesterov", {"weight_decay": 0.1}, "beale"),
    ("adam", {"bias_correction": False, "amsgrad": True}, "rosenbrock"),
    ("adamw", {"weight_decay": 0.05}, "himmelblau"),
    ("rmsprop", {"momentum": 0.5, "nesterov": True}, "sharp-flat"),
    ("adagrad", {}, "ravine"),
    ("lion", {}, "rastrigin"),
    ("nadam", {}, "six-hump-camel"),
    ("sam", {"base": "momentum", "rho_sam": 0.1}, "sharp-flat"),
    ("sgd", {}, "sqrt8"),
    ("newton", {"damping": 0.5}, "rosenbrock"),  # a vector rule: run_ends goes through run_batch
]


@pytest.mark.parametrize("key,params,surface_key", CASES)
@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_lean_loop_matches_run_batch(key, params, surface_key, noise):
    s = make_surface(surface_key)
    base = OptimizerSpec.make(key, **params)
    lr0 = base.params.get("lr", 1.0)
    # built directly: a sweep may go past the slider's range (newton's lr <= 100)
    specs = [OptimizerSpec(key, {**base.params, "lr": lr0 * f}) for f in (0.01, 0.3, 1.0, 3.0, 30.0, 300.0)]
    schedule = ScheduleSpec.make("cosine", warmup=5)
    rng = np.random.default_rng(1)
    view = np.asarray(s.view).reshape(-1, 2)
    starts = [tuple(rng.uniform(view[:, 0], view[:, 1])) for _ in specs]
    traces = run_batch(s, specs, schedule, starts, 120, noise, seed=4)
    ends = run_ends(s, specs, schedule, starts, 120, noise, seed=4, track_loss=True)
    for r, tr in enumerate(traces):
        np.testing.assert_array_equal(ends.x_end[r], tr.xs[-1])
        assert ends.diverged_at[r] == (-1 if tr.diverged_at is None else tr.diverged_at)
        n = len(tr.loss) if tr.diverged_at is None else tr.diverged_at
        np.testing.assert_array_equal(ends.loss[:n, r], tr.loss[:n])
        assert np.all(np.isnan(ends.loss[n:, r]))
    quiet = run_ends(s, specs, schedule, starts, 120, noise, seed=4)
    np.testing.assert_array_equal(quiet.x_end, ends.x_end)
    np.testing.assert_array_equal(quiet.diverged, ends.diverged)


@pytest.mark.parametrize("key,surface_key", [("sam", "rosenbrock"), ("nesterov", "beale"), ("adamw", "quadratic")])
def test_lean_loop_with_every_hyperparameter_differing_per_run(key, surface_key):
    """Runs that diverge leave the lean loop's arrays: per-run columns (rho, rho_sam,
    weight decay, lr) must leave with them."""
    s = make_surface(surface_key)
    rng = np.random.default_rng(5)
    specs = []
    for _ in range(9):
        base = OptimizerSpec.make(key)
        values = {"lr": float(base.params["lr"] * 10 ** rng.uniform(-1, 2.5)),
                  "weight_decay": float(rng.uniform(0, 0.3))}
        if key == "sam":
            values.update(rho_sam=float(rng.uniform(0, 0.3)), base="momentum", momentum=float(rng.uniform(0, 0.95)))
        if key == "nesterov":
            values.update(momentum=float(rng.uniform(0, 0.95)))
        if key == "adamw":
            values.update(beta1=float(rng.uniform(0.5, 0.95)), lr=float(10 ** rng.uniform(-2, 7)))
        specs.append(OptimizerSpec(key, {**base.replace(**{k: v for k, v in values.items() if k != "lr"}).params,
                                         "lr": values["lr"]}))
    starts = [s.start] * len(specs)
    schedule = ScheduleSpec.make("constant")
    traces = run_batch(s, specs, schedule, starts, 150, 0.2, 1)
    ends = run_ends(s, specs, schedule, starts, 150, 0.2, 1, track_loss=True)
    assert 0 < sum(tr.diverged_at is not None for tr in traces) < len(specs)
    for r, tr in enumerate(traces):
        np.testing.assert_array_equal(ends.x_end[r], tr.xs[-1])
        assert ends.diverged_at[r] == (-1 if tr.diverged_at is None else tr.diverged_at)
        np.testing.assert_array_equal(ends.loss[: len(tr.loss), r], tr.loss)


def test_the_table_above_diverges_somewhere():
    """Otherwise the divergence bookkeeping of the lean loop would go untested."""
    s = make_surface("rosenbrock")
    specs = [OptimizerSpec.make("sgd", lr=lr) for lr in (1e-3, 0.3)]
    ends = run_ends(s, specs, ScheduleSpec.make("constant"), [s.start] * 2, 120)
    assert list(ends.diverged) == [False, True]
    tr = run(s, specs[1], steps=120)
    np.testing.assert_array_equal(ends.x_end[1], tr.xs[-1])  # the last finite row


def test_leaving_the_box_with_finite_values_is_divergence():
    s = make_surface("parabola")  # box [-3, 3]: diverged beyond 3e6
    specs = [OptimizerSpec(key, {**OptimizerSpec.make(key).params, "lr": 1e8}) for key in ("adam", "lion")]
    for spec in specs:
        tr = run_batch(s, [spec], ScheduleSpec.make("constant"), [s.start], 50)[0]
        ends = run_ends(s, [spec], ScheduleSpec.make("constant"), [s.start], 50, track_loss=True)
        assert tr.diverged_at is not None and np.isfinite(tr.loss).all()
        assert ends.diverged_at[0] == tr.diverged_at
        np.testing.assert_array_equal(ends.x_end[0], tr.xs[-1])


def test_quadratic_regions_follow_the_theory():
    s = make_surface("quadratic", kappa=10.0, angle=30.0)
    th = quadratic_theory(s)
    (curve,) = lr_sweep(s, [OptimizerSpec.make("sgd")], log_lrs(1e-4, 1.0, 120), 500)
    above = curve.lrs > th.lr_stable * 1.001
    assert np.all(curve.diverged[above]) and np.all(curve.region[above] == TOO_HIGH)
    assert not np.any(curve.diverged[curve.lrs < th.lr_stable * 0.999])
    assert np.all(np.isnan(curve.final_loss[curve.diverged]))
    assert np.all(curve.region[curve.lrs < 1e-3] == TOO_LOW)
    # one band each, in the lecture's order, with the best fixed rate 2/(l_min + l_max) inside
    assert [r for r, _, _ in curve.spans()] == [TOO_LOW, JUST_RIGHT, TOO_HIGH]
    assert th.lr_best / 1.1 <= curve.best_lr <= th.lr_best * 1.1
    assert curve.region[np.searchsorted(curve.lrs, curve.best_lr)] == JUST_RIGHT


def test_with_noise_the_final_loss_is_the_tail_mean():
    s = make_surface("quadratic", kappa=10.0)
    (curve,) = lr_sweep(s, OptimizerSpec.make("sgd"), log_lrs(1e-6, 1.0, 60), 300, noise=2.0, seed=3)
    ok = ~curve.diverged
    np.testing.assert_allclose(curve.final_loss[ok], curve.history[-30:, ok].mean(axis=0))
    assert np.all(curve.region[curve.lrs < 1e-3] == TOO_LOW)
    assert [r for r, _, _ in curve.spans()] == [TOO_LOW, JUST_RIGHT, TOO_HIGH]


def test_regions_are_stable_under_a_finer_grid():
    s = make_surface("ravine")
    coarse, = lr_sweep(s, OptimizerSpec.make("sgd"), log_lrs(1e-5, 0.1, 40), 400)
    fine, = lr_sweep(s, OptimizerSpec.make("sgd"), log_lrs(1e-5, 0.1, 157), 400)
    for lr, region in zip(coarse.lrs, coarse.region):
        i = np.argmin(np.abs(np.log(fine.lrs / lr)))
        if abs(math.log(fine.lrs[i] / lr)) < 1e-9:
            assert fine.region[i] == region
    assert [r for r, _, _ in coarse.spans()] == [r for r, _, _ in fine.spans()] == [TOO_LOW, JUST_RIGHT, TOO_HIGH]
    for (_, _, hi1), (_, _, hi2) in zip(coarse.spans(), fine.spans()):
        assert abs(math.log(hi1 / hi2)) < 0.2  # the borders move by less than a grid step


def test_too_high_without_diverging_when_the_run_ends_above_its_start():
    s = make_surface("parabola")  # L = 2: lr = 1.05 grows |x| by 1.1 a step
    (curve,) = lr_sweep(s, OptimizerSpec.make("sgd"), [0.01, 0.3, 1.05], 20)
    assert not curve.diverged.any()
    assert list(curve.region) == [TOO_LOW, JUST_RIGHT, TOO_HIGH]
    assert curve.final_loss[2] > curve.start_loss


def test_steps_to_tolerance_closed_form():
    s = make_surface("parabola", scale=1.5)  # f = 1.5 x^2: x_t = x0 (1 - 3 lr)^t
    x0, tol = 2.0, 1e-6
    lrs = np.array([1e-4, 0.02, 0.05, 0.1, 0.2, 0.3, 0.9])
    (curve,) = lr_sweep(s, OptimizerSpec.make("sgd"), lrs, 400, start=(x0,), tol=tol)
    for lr, got in zip(curve.lrs, curve.steps_to_tol):
        q = abs(1.0 - 3.0 * lr)
        if q >= 1.0:
            assert math.isnan(got)  # diverged: never
            continue
        need = math.ceil(math.log(tol / (1.5 * x0 * x0)) / (2.0 * math.log(q)))
        if need <= 400:
            assert got == need
        else:
            assert math.isnan(got)
    assert math.isnan(curve.steps_to_tol[0]) and curve.diverged[-1]


def test_each_rate_is_the_run_it_would_be_alone():
    s = make_surface("himmelblau")
    lrs = [1e-3, 5e-3, 2e-2]
    curves = lr_sweep(s, [OptimizerSpec.make("adam"), OptimizerSpec.make("momentum", momentum=0.8)],
                      lrs, 200, start=(0.5, -1.0), noise=1.0, seed=7)
    for curve in curves:
        for i, lr in enumerate(curve.lrs):
            alone = run(s, curve.spec.replace(lr=float(lr)), start=(0.5, -1.0), steps=200, noise=1.0, seed=7)
            n = len(alone.loss) if alone.diverged_at is None else alone.diverged_at
            np.testing.assert_allclose(curve.history[:n, i], alone.loss[:n], rtol=1e-9, atol=1e-12)
            assert curve.diverged[i] == (alone.diverged_at is not None)
    again = lr_sweep(s, [OptimizerSpec.make("adam")], lrs, 200, start=(0.5, -1.0), noise=1.0, seed=7)
    np.testing.assert_array_equal(again[0].final_loss, curves[0].final_loss)


def test_without_a_known_minimum():
    s = make_surface("saddle")
    (curve,) = lr_sweep(s, OptimizerSpec.make("sgd"), log_lrs(1e-3, 10.0, 30), 100, tol=1e-3)
    assert curve.f_star is None and curve.steps_to_tol is None
    assert curve.diverged[-1] and curve.region[-1] == TOO_HIGH


def test_vector_rules_sweep_too():
    s = make_surface("rosenbrock")
    (curve,) = lr_sweep(s, OptimizerSpec.make("bfgs"), [0.01, 1.0], 100, tol=1e-8)
    assert not curve.diverged.any()
    assert math.isnan(curve.steps_to_tol[0]) and curve.steps_to_tol[1] < 100
    assert curve.best_lr == 1.0 and list(curve.region) == [TOO_LOW, JUST_RIGHT]


def test_bad_input():
    s = make_surface("quadratic")
    with pytest.raises(ValueError, match="learning rate"):
        lr_sweep(s, [OptimizerSpec.make("random-search")], [0.1], 10)
    with pytest.raises(ValueError, match="positive"):
        lr_sweep(s, [OptimizerSpec.make("sgd")], [0.1, -1.0], 10)
