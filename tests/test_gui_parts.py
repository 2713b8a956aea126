"""The GUI's pure parts, against the things they draw: contour segments lie on their
level, derived moments match the rule's own arithmetic, slider scales round-trip."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from engine.hyper import Hyper  # noqa: E402
from engine.registry import OPTIMIZERS  # noqa: E402
from engine.runner import run  # noqa: E402
from engine.spec import OptimizerSpec  # noqa: E402
from gui.derived import derive  # noqa: E402
from gui.panels.inspector import equations_only  # noqa: E402
from gui.panels.knob import Scale  # noqa: E402
from gui.views.contour import GRID  # noqa: E402
from gui.views.isolines import ColorScale, isolines, levels_for  # noqa: E402
from surfaces import make_surface  # noqa: E402


@pytest.mark.parametrize("key", ["quadratic", "rosenbrock", "himmelblau", "saddle", "rastrigin"])
def test_contour_segments_lie_on_their_levels(key):
    s = make_surface(key)
    xs, ys, Z = s.grid(GRID, GRID)
    scale = ColorScale(Z, s.min_value)
    levels = levels_for(Z, scale.zmin, scale.use_log)
    assert len(levels) > 5
    segs = isolines(xs, ys, Z, levels)
    assert len(segs) and len(segs) % 2 == 0
    values = s.value(segs[:, 0], segs[:, 1])
    # every end point is much closer to its own level than to the next one (the
    # curves are interpolated linearly along the grid's edges)
    dist = np.abs(values[:, None] - levels[None, :])
    idx = np.argmin(dist, axis=1)
    gaps = np.diff(levels)
    gap = np.minimum(np.r_[gaps, np.inf][idx], np.r_[np.inf, gaps][idx])
    # (Rosenbrock's lowest level sits in a valley a few cells wide: a little slack)
    assert np.mean(dist[np.arange(len(idx)), idx] <= 0.25 * gap) > 0.97


def test_log_colours_for_surfaces_that_span_decades():
    s = make_surface("rosenbrock")
    scale = ColorScale(s.grid(100, 100)[2], s.min_value)
    assert scale.use_log
    lo, hi = scale.levels
    assert hi - lo > 4  # more than four decades of colour


def test_adam_moments_match_the_rule():
    s = make_surface("quadratic", kappa=10)
    spec = OptimizerSpec.make("adam", lr=0.05)
    tr = run(s, spec, steps=20, record_states=True)
    t = 7
    b1, b2, eps = 0.9, 0.999, 1e-8
    m = v = np.zeros(2)
    for k in range(1, t + 1):
        g = tr.grads[k - 1]
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
    d = derive(spec, tr, t)
    rows = dict(d.rows)
    assert np.allclose(rows["m_hat"], m / (1 - b1 ** t))
    assert np.allclose(rows["v_hat"], v / (1 - b2 ** t))
    assert np.allclose(d.scale, tr.lr[t] / (np.sqrt(v / (1 - b2 ** t)) + eps))
    # the update the rule took is lr * m_hat / (sqrt(v_hat) + eps)
    assert np.allclose(tr.xs[t] - tr.xs[t - 1], -d.scale * rows["m_hat"])


def test_momentum_velocity_is_the_step_it_takes():
    s = make_surface("quadratic")
    spec = OptimizerSpec.make("momentum", lr=0.03)
    tr = run(s, spec, steps=10, record_states=True)
    d = derive(spec, tr, 5)
    assert np.allclose(d.velocity, tr.xs[5] - tr.xs[4])  # torch form: x <- x - lr v


@pytest.mark.parametrize("key", ["sgd", "newton", "lbfgs", "random-search", "sam"])
def test_rules_without_moments_derive_nothing_and_do_not_fail(key):
    s = make_surface("rosenbrock")
    spec = OptimizerSpec.make(key)
    tr = run(s, spec, steps=10, record_states=True)
    d = derive(spec, tr, min(3, len(tr.xs) - 1))
    assert d.velocity is None


@pytest.mark.parametrize("hyper, values", [
    (Hyper("lr", 0.01, 1e-6, 100.0, log=True), [1e-6, 3e-4, 0.01, 0.5, 100.0]),
    (Hyper("beta2", 0.999, 0.0, 0.9999), [0.0, 0.9, 0.99, 0.999, 0.9999]),
    (Hyper("weight_decay", 0.0, 0.0, 1.0), [0.0, 1e-4, 1e-2, 1.0]),
    (Hyper("angle", 0.0, -90.0, 90.0), [-90.0, -30.0, 0.0, 45.0, 90.0]),
])
def test_slider_scales_round_trip(hyper, values):
    scale = Scale(hyper)
    for v in values:
        back = scale.to_value(scale.to_pos(v))
        assert math.isclose(back, v, rel_tol=0.02, abs_tol=1e-9) or (v and abs(1 - back) / abs(1 - v) < 1.05)
    positions = [scale.to_pos(v) for v in values]
    assert positions == sorted(positions)


def test_pseudo_code_keeps_equations_and_drops_side_remarks():
    text = equations_only(OPTIMIZERS["adam"].pseudo_code)
    assert "x <- x - lr_t m_hat / (sqrt(v_hat) + eps)" in text
    assert "amsgrad=true" not in text and "Adam (almost)" not in text
    text = equations_only(OPTIMIZERS["rmsprop"].pseudo_code)
    assert "nesterov=true" in text  # tells its two x updates apart


def test_the_lr_slider_covers_its_decades_finely_with_readable_values():
    # issue 10: "the lr slider covers its range with a usable resolution and rounds to
    # readable values"; every rule's lr, the real records
    from engine.registry import OPTIMIZERS, hypers_for
    from gui.panels.knob import STEPS

    for key in OPTIMIZERS:
        lr = [h for h in hypers_for(key, {}) if h.name == "lr"]
        if not lr:
            continue
        scale = Scale(lr[0])
        assert scale.kind == "log", key
        values = [scale.to_value(p) for p in range(STEPS + 1)]
        decades = math.log10(values[-1] / values[0])
        assert values[0] == pytest.approx(lr[0].lo) and values[-1] == pytest.approx(lr[0].hi)
        assert STEPS / decades >= 50, f"{key}: {STEPS / decades:.0f} positions a decade"
        assert all(b > a for a, b in zip(values, values[1:])), f"{key}: two positions give one value"
        # each neighbour within 5 %: no jump a lecturer would notice
        assert max(b / a for a, b in zip(values, values[1:])) < 1.05
        # at most three significant digits: 0.00316, never 0.0031622776
        assert all(float(f"{v:.3g}") == v for v in values)
        # the values lectures and presets type are positions of their own, shown as typed
        for v in (1e-3, 3e-3, 0.01, 0.05, 0.1, 0.18, 0.5, 1.0):
            if lr[0].lo <= v <= lr[0].hi:
                assert scale.to_value(scale.to_pos(v)) == v, (key, v)
        # and most positions read with two significant digits (0.091, not 0.0912)
        assert sum(float(f"{v:.2g}") == v for v in values) > 0.6 * len(values)
