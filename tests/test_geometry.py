"""The geometry of one update (issue 14, item 1), read from each optimizer's record:
each shape is checked against what the engine's step actually did at that point."""

from __future__ import annotations

import numpy as np
import pytest

from engine.geometry import update_context, update_shapes
from engine.registry import OPTIMIZERS
from engine.runner import run
from engine.spec import OptimizerSpec, ScheduleSpec, parse_surface
from surfaces import make_surface

ROTATED = "quadratic:kappa=10,angle=30"


def shapes(spec, k, surface=ROTATED, steps=60):
    s = parse_surface(surface)
    sp = OptimizerSpec.parse(spec)
    return s, sp, update_shapes(s, sp, ScheduleSpec(), s.start, k, steps), run(s, sp, steps=steps)


def on_ellipse(shape, p):
    d = np.asarray(p) - shape.center
    return float(d @ shape.A @ d)


@pytest.mark.parametrize("spec", ["momentum:lr=0.05", "momentum:lr=0.05,form=velocity",
                                  "momentum:lr=0.05,momentum_schedule=sutskever"])
def test_momentum_arrows_add_up_to_the_step(spec):
    for k in (0, 5, 30):
        _s, _sp, (carried, pushed, step), trace = shapes(spec, k)
        np.testing.assert_allclose(carried.to, pushed.center)
        np.testing.assert_allclose(pushed.to, trace.xs[k + 1], atol=1e-12)
        np.testing.assert_allclose(step.to, trace.xs[k + 1], atol=1e-12)
        np.testing.assert_allclose(pushed.to - pushed.center, -0.05 * trace.grads[k], atol=1e-12)


@pytest.mark.parametrize("key", ["adagrad", "rmsprop", "adam", "adamax", "nadam", "radam", "adadelta"])
def test_a_diagonal_preconditioner_is_an_axis_aligned_ellipse(key):
    _s, _sp, (allowed, sgd_circle), trace = shapes(f"{key}", 7)
    assert np.count_nonzero(allowed.A - np.diag(np.diag(allowed.A))) == 0, "axes are the coordinate axes"
    g = trace.grads[7]
    assert on_ellipse(sgd_circle, trace.xs[7] - OPTIMIZERS[key].hypers[0].default * g) == pytest.approx(1.0)
    if key in ("adagrad", "rmsprop"):  # the step is -P g itself: it lies on the ellipse
        assert on_ellipse(allowed, trace.xs[8]) == pytest.approx(1.0, rel=1e-9)


def test_lion_lands_on_a_corner_of_its_box():
    _s, _sp, (box,), trace = shapes("lion:lr=0.1", 4)
    np.testing.assert_allclose(box.center, trace.xs[4])
    np.testing.assert_allclose(np.abs(trace.xs[5] - box.center), box.half, rtol=1e-12)


def test_sam_ball_ascent_point_and_gradient_there():
    s, sp, (ball, ascent, there, plain), trace = shapes("sam:base=sgd,rho_sam=0.3,lr=0.05", 6)
    x, g0 = trace.xs[6], np.asarray(s.grad(*trace.xs[6]))
    assert on_ellipse(ball, ascent.center) == pytest.approx(1.0)
    np.testing.assert_allclose(ascent.center, x + 0.3 * g0 / np.linalg.norm(g0))
    # the arrow at the ascent point is the step SAM takes from x (SGD base): same vector
    np.testing.assert_allclose(there.to - there.center, trace.xs[7] - x, atol=1e-12)
    np.testing.assert_allclose(plain.to - plain.center, -0.05 * g0)


def test_newtons_model_is_the_quadratic_itself_and_its_minimiser_the_next_point():
    s, _sp, found, trace = shapes("newton", 0)
    point, outer, inner = found
    np.testing.assert_allclose(point.center, trace.xs[1], atol=1e-12)  # lr = 1: it jumps there
    assert on_ellipse(outer, trace.xs[0]) == pytest.approx(1.0)
    H = s.hessian_at(np.asarray(trace.xs[0])[None, :])[0]
    np.testing.assert_allclose(outer.A / outer.A[0, 0], H / H[0, 0], rtol=1e-12)  # its shape is H's


def test_a_saddle_model_has_a_stationary_point_and_no_ellipse():
    found = shapes("newton", 0, surface="saddle")[2]
    assert [sh.kind for sh in found] == ["point"]


@pytest.mark.parametrize("key", ["bfgs", "lbfgs"])
def test_the_estimates_model_gives_the_step_direction_and_the_true_one_the_minimum(key):
    s = parse_surface(ROTATED)
    sp = OptimizerSpec.parse(key)
    for k in (0, 1, 2):
        u = update_context(s, sp, ScheduleSpec(), (2.0, 1.5), k, 40)
        found = update_shapes(s, sp, ScheduleSpec(), (2.0, 1.5), k, 40)
        model = [sh for sh in found if sh.kind == "point" and sh.role == "model"][0]
        true = [sh for sh in found if sh.kind == "point" and sh.role == "true"][0]
        np.testing.assert_allclose(true.center, [0.0, 0.0], atol=1e-12)  # a quadratic's own model: its minimum
        # the line search only scales the estimate's direction: the step points at its model's minimiser
        d, p = u.x_next - u.x, model.center - u.x
        assert abs(d[0] * p[1] - d[1] * p[0]) <= 1e-9 * np.linalg.norm(d) * np.linalg.norm(p)
        assert d @ p > 0
        ellipses = [sh for sh in found if sh.kind == "ellipse" and sh.role == "model"]
        assert ellipses and on_ellipse(ellipses[0], u.x) == pytest.approx(1.0)


def test_every_record_gives_finite_shapes_or_none():
    surface = make_surface("rosenbrock")
    for key, record in OPTIMIZERS.items():
        if record.rule_text:
            continue
        spec = OptimizerSpec.make(key)
        for shape in update_shapes(surface, spec, ScheduleSpec(), surface.start, 2, 10):
            for part in (shape.center, shape.A, shape.half, shape.to):
                assert part is None or np.all(np.isfinite(part)), (key, shape.label)


def test_no_update_past_the_end():
    s = make_surface("rosenbrock")
    assert update_shapes(s, OptimizerSpec.parse("lion"), ScheduleSpec(), s.start, 10, 10) == ()
