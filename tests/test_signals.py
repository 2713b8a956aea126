"""The signal plot's table (engine.signals) against hand-computed values, and the
session fields that choose it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import signals as S
from engine.runner import run
from engine.session import RunConfig, Scene, SessionError
from engine.spec import OptimizerSpec, ScheduleSpec, parse_surface
from engine.trace import Trace


def surface_run(surface, spec, steps=5, start=None, schedule="constant", states=True, polyak=0.0):
    surf = parse_surface(surface, None)
    opt = OptimizerSpec.parse(spec)
    tr = run(surf, opt, ScheduleSpec.parse(schedule), start, steps, record_states=states)
    return S.SurfaceRun(tr, opt, surf, polyak)


def made_trace(xs, surface="sqrt8"):
    surf = parse_surface(surface, None)
    xs = np.asarray(xs, dtype=float)
    loss = surf.value_at(xs)
    grads = surf.grad_at(xs)
    return Trace(xs=xs, loss=loss, lr=np.zeros(len(xs)), grads=grads), surf


def test_every_signal_record_is_complete_and_keys_are_unique():
    for key, record in S.SIGNALS.items():
        assert key == record.key and key != S.NONE
        assert record.title and record.axis and record.modes
        assert set(record.modes) <= {"surface", "classification"}
        assert (record.series is None) == (record.kind == "histogram")
    assert {"loss_gap", "distance", "step_length", "effective_lr", "momentum", "grad_norm", "polyak_loss"} \
        <= {s.key for s in S.signals_for("surface")}
    assert {"weight_l1", "weight_l2", "near_zero", "weight_histogram", "confidence", "val_acc"} \
        <= {s.key for s in S.signals_for("classification")}


def test_adam_effective_step_is_lr_over_sqrt_v_hat_plus_eps_by_hand():
    # parabola x^2 from x0 = 3: g = 2x
    r = surface_run("parabola", "adam:lr=0.1", steps=3, start=(3.0,))
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    x, m, v, expect = 3.0, 0.0, 0.0, [math.nan]
    for t in (1, 2, 3):
        g = 2 * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        expect.append(lr / (math.sqrt(v_hat) + eps))
        x = x - lr * m_hat / (math.sqrt(v_hat) + eps)
    got = S.compute("effective_lr", r)
    assert math.isnan(got[0])
    np.testing.assert_allclose(got[1:], expect[1:], rtol=1e-12)
    # and it reads the engine's own state by name
    v_state = r.trace.states[:, r.trace.state_names.index("v"), 0]
    np.testing.assert_allclose(got[1:], lr / (np.sqrt(v_state[1:] / (1 - b2 ** np.arange(1, 4))) + eps))


def test_adagrad_effective_step_only_shrinks_and_sgd_is_lr_t():
    ada = S.compute("effective_lr", surface_run("ravine", "adagrad:lr=0.5", steps=50, start=(-0.5, 2.5)))
    assert np.all(np.diff(ada[1:]) <= 0) and ada[-1] < ada[1]
    sgd = S.compute("effective_lr", surface_run("quadratic", "sgd:lr=0.1", steps=20, schedule="exponential:gamma=0.9"))
    np.testing.assert_allclose(sgd[1:], 0.1 * 0.9 ** np.arange(20))


def test_effective_step_in_2d_is_the_geometric_mean_of_the_coordinates():
    r = surface_run("ravine", "rmsprop:lr=0.01", steps=4, start=(-0.5, 2.5))
    s = r.trace.states[:, r.trace.state_names.index("s"), :]
    per = 0.01 / (np.sqrt(s) + 1e-7)
    np.testing.assert_allclose(S.compute("effective_lr", r)[1:], np.sqrt(per[1:, 0] * per[1:, 1]))


def test_distance_to_the_nearest_of_two_minima_step_length_and_gradient_norm():
    tr, surf = made_trace([[3.0], [-2.0], [0.0]])
    r = S.SurfaceRun(tr, OptimizerSpec.parse("sgd"), surf)
    root8 = math.sqrt(8.0)
    np.testing.assert_allclose(S.compute("distance", r), [3.0 - root8, root8 - 2.0, root8])
    steps = S.compute("step_length", r)
    assert math.isnan(steps[0])
    np.testing.assert_allclose(steps[1:], [5.0, 2.0])
    # f = (x^2 - 8)^2, f' = 4x (x^2 - 8)
    np.testing.assert_allclose(S.compute("grad_norm", r), [12.0, 32.0, 0.0])
    np.testing.assert_allclose(S.compute("loss_gap", r), [1.0, 16.0, 64.0])


def test_distance_is_nan_without_a_minimum_and_loss_gap_falls_back_to_the_loss():
    r = surface_run("saddle", "sgd:lr=0.1", steps=3, start=(0.5, 0.1), states=False)
    assert np.all(np.isnan(S.compute("distance", r)))
    np.testing.assert_allclose(S.compute("loss_gap", r), r.trace.loss)


def test_sutskever_momentum_schedule_and_plain_momentum():
    r = surface_run("quadratic", "nesterov:lr=0.001,momentum_schedule=sutskever,mu_max=0.99",
                    steps=1000, states=False)
    mu = S.compute("momentum", r)
    assert math.isnan(mu[0])
    assert mu[1] == mu[249] == 0.5
    assert mu[250] == 0.75 and mu[499] == 0.75
    assert mu[500] == pytest.approx(1 - 1 / 6) and mu[750] == pytest.approx(0.875) and mu[1000] == pytest.approx(0.9)
    flat = S.compute("momentum", surface_run("quadratic", "momentum:momentum=0.8", steps=5, states=False))
    np.testing.assert_allclose(flat[1:], 0.8)
    assert np.all(S.compute("momentum", surface_run("quadratic", "sgd", steps=3))[1:] == 0.0)


def test_polyak_loss_averages_the_iterates_by_hand():
    tr, surf = made_trace([[2.0], [0.0], [0.0]], surface="parabola")
    r = S.SurfaceRun(tr, OptimizerSpec.parse("sgd"), surf, polyak=0.5)
    # xbar: 2, 0.5*2 + 0.5*0 = 1, 0.5; loss x^2, f* = 0
    np.testing.assert_allclose(S.compute("polyak_loss", r), [4.0, 1.0, 0.25])


def test_axes_updates_gradient_evaluations_and_examples_seen():
    sgd, sam = OptimizerSpec.parse("sgd"), OptimizerSpec.parse("sam:base=sgd")
    np.testing.assert_array_equal(S.axis_values("updates", 4, sgd), [0, 1, 2, 3])
    np.testing.assert_array_equal(S.axis_values("grad_evals", 4, sgd), [0, 1, 2, 3])
    np.testing.assert_array_equal(S.axis_values("grad_evals", 4, sam), [0, 2, 4, 6])
    np.testing.assert_array_equal(S.axis_values("gradient_evaluations", 3, sam), [0, 2, 4])  # SPEC's name
    np.testing.assert_array_equal(S.axis_values("examples", 4, sgd, examples_per_update=32), [0, 32, 64, 96])


def test_classification_weight_signals_by_hand():
    from engine.training import build_problem
    problem = build_problem("blobs:n=60", "softmax", "none")
    mask = np.asarray(problem.model.weight_mask) > 0
    W = np.zeros((2, problem.dim))
    W[0, mask] = 0.01  # every weight near zero
    entries = int(mask.sum())
    W[1, np.flatnonzero(mask)[:2]] = [3.0, -4.0]
    W[1, ~mask] = 100.0  # biases are not weights: they never count
    r = S.ClassificationRun(W, problem, {"val_acc": [0.5, 0.75]})
    np.testing.assert_allclose(S.compute("weight_l1", r), [0.01 * entries, 7.0])
    np.testing.assert_allclose(S.compute("weight_l2", r), [0.01 * math.sqrt(entries), 5.0])
    np.testing.assert_allclose(S.compute("near_zero", r), [1.0, (entries - 2) / entries])
    np.testing.assert_allclose(S.compute("val_acc", r), [0.5, 0.75])
    conf = S.compute("confidence", r)
    k = problem.model.n_classes
    assert conf[0] == pytest.approx(1.0 / k, abs=0.05)  # tiny weights: near-uniform probabilities
    assert 1.0 / k <= conf[1] <= 1.0
    np.testing.assert_array_equal(S.weights_at(r, 1)[:2], [3.0, -4.0])


def scene_with(display, mode="surface"):
    runs = (RunConfig(OptimizerSpec.parse("adagrad")),)
    return Scene(mode=mode, runs=runs, display=display)


def test_session_round_trips_the_signal_and_its_axis():
    scene = scene_with({"signal": "effective_lr", "signal_axis": "grad_evals"})
    back = Scene.from_json(scene.to_json())
    assert back.display["signal"] == "effective_lr" and back.display["signal_axis"] == "grad_evals"
    cls = scene_with({"signal": "near_zero", "signal_axis": "examples"}, mode="classification")
    assert Scene.from_json(cls.to_json()).display["signal_axis"] == "examples"


@pytest.mark.parametrize("display, field", [
    ({"signal": "sparkle"}, "display.signal"),
    ({"signal": "near_zero"}, "display.signal"),          # a classification signal on a surface
    ({"signal": "distance", "signal_axis": "epochs"}, "display.signal_axis"),
    ({"signal": "distance", "signal_axis": "examples"}, "display.signal_axis"),  # no data set here
])
def test_session_refuses_unknown_signals_naming_the_field(display, field):
    with pytest.raises(SessionError, match=field.replace(".", r"\.")):
        Scene.from_json(scene_with(display).to_json())


def test_line_search_evaluations_are_counted_like_the_results_table():
    from engine.results import count_evaluations
    surf = parse_surface("rosenbrock", None)
    for spec in ("bfgs", "lbfgs"):
        opt = OptimizerSpec.parse(spec)
        counted = S.counted_evaluations(surf, opt, ScheduleSpec.parse("constant"), (-1.5, 2.0), 40)
        grads, values, _ = count_evaluations(surf, opt, ScheduleSpec.parse("constant"), (-1.5, 2.0), 40)
        assert counted[0] == 0 and counted[-1] == grads + values
        assert np.all(np.diff(counted) >= 2)  # a gradient and at least f at the point, every update
        assert counted[1] > 2  # the first line search tries several points
        np.testing.assert_array_equal(S.axis_values("grad_evals", 41, opt, evaluations=counted), counted)
    assert S.counted_evaluations(surf, OptimizerSpec.parse("sam:base=sgd"), ScheduleSpec.parse("constant"),
                                 (-1.5, 2.0), 5) is None  # fixed cost: 2 an update, no replay needed


def test_counted_evaluations_carry_the_last_rate_past_the_replay_limit():
    surf = parse_surface("quadratic", None)
    opt, const = OptimizerSpec.parse("bfgs"), ScheduleSpec.parse("constant")
    full = S.counted_evaluations(surf, opt, const, (-2.5, 1.5), 200)
    capped = S.counted_evaluations(surf, opt, const, (-2.5, 1.5), 200, limit=100)
    np.testing.assert_array_equal(capped[:101], full[:101])
    rate = (full[100] - full[90]) / 10
    np.testing.assert_allclose(capped[101:], full[100] + rate * np.arange(1, 101))


def test_rate_guides_parse_and_refuse_with_the_accepted_form():
    assert S.parse_slopes("1:-1, 2:-0.5") == [(0, -1.0), (1, -0.5)]
    assert S.parse_slopes("") == [] and S.parse_slopes(" 3 : 2 ") == [(2, 2.0)]
    for bad in ("1:-1;2:-0.5", "0:-1", "1:-9", "x:1", "1:", "1:1e3", 5, "1:1," * 9):
        with pytest.raises(ValueError, match="display.signal_slopes.*e.g. '1:-1, 2:-0.5'"):
            S.parse_slopes(bad)
    assert S.slope_label(-1) == "∝ 1/T" and S.slope_label(-0.5) == "∝ 1/√T" and S.slope_label(-3) == "∝ T^-3"
    with pytest.raises(ValueError, match="signal_log_x"):
        S.check_display({"signal_log_x": "yes"}, "surface")


def test_gradient_check_by_hand_and_on_every_built_in_surface():
    # by hand: f = x^2 + 3y^2 at (1, 2): g = (2, 12); a gradient off by (0, 1.2) has
    # relative error 1.2 / sqrt(2^2 + 13.2^2)
    from surfaces.formula import CustomSurface
    from surfaces.library import SURFACES, make_surface

    s = CustomSurface("x^2 + 3*y^2")
    num = S.numerical_gradient(s, np.array([[1.0, 2.0]]))
    np.testing.assert_allclose(num, [[2.0, 12.0]], rtol=1e-9)
    err = S.relative_error([[2.0, 13.2]], num)
    assert err[0] == pytest.approx(1.2 / math.hypot(2.0, 13.2), rel=1e-8)
    assert S.relative_error([[0.0, 0.0]], [[0.0, 0.0]])[0] == 0.0
    # every surface's analytic gradient against its own central differences
    rng = np.random.default_rng(3)
    for key in SURFACES:
        if key == "custom":
            continue
        surface = make_surface(key)
        X = rng.uniform(-1.5, 1.5, size=(20, surface.dim)) + np.asarray(surface.start, dtype=float)
        g = surface.grad_at(X)
        ok = np.sqrt((g ** 2).sum(axis=1)) > 1e-3  # away from stationary points the ratio is meaningful
        assert np.max(S.relative_error(g[ok], S.numerical_gradient(surface, X[ok]))) < 1e-6, key


def test_gradient_check_signal_flags_a_term_missing_from_f():
    surface = parse_surface("quadratic:kappa=10")
    for spec, lo, hi in (("sgd:lr=0.05", 0, 1e-9), ("sgd:lr=0.05,weight_decay=0.1", 1e-2, 0.1)):
        o = OptimizerSpec.parse(spec)
        e = S.compute("grad_check", S.SurfaceRun(run(surface, o, ScheduleSpec(), (-2.5, 1.5), 50), o, surface))
        assert np.isnan(e[-1]) and lo <= np.nanmin(e) and np.nanmax(e) <= hi, spec


def test_smallest_weight_is_zero_exactly_where_a_coordinate_is():
    tr, surf = made_trace([[1.0, 0.0], [0.5, 0.5], [-0.3, 2.0]], surface="quadratic")
    got = S.compute("smallest_weight", S.SurfaceRun(tr, OptimizerSpec.parse("sgd"), surf))
    np.testing.assert_array_equal(got, [0.0, 0.5, 0.3])
