"""Theory overlays (engine/theory.py) against closed forms and against real runs."""

import math

import numpy as np
import pytest

from engine.runner import run
from engine.spec import OptimizerSpec, ScheduleSpec
from engine.theory import QUADRATIC_KEYS, applies, gd_rate_bound, quadratic_theory
from surfaces import SURFACES, make_surface

QUADRATICS = [("quadratic", {"kappa": 10.0, "angle": 25.0}), ("quadratic", {"kappa": 100.0, "angle": -60.0}),
              ("ravine", {}), ("parabola", {"scale": 3.0})]


@pytest.mark.parametrize("key", [k for k in SURFACES if k != "custom"])
def test_theory_only_on_quadratics(key):
    surface = make_surface(key)
    assert applies(surface) == (key in QUADRATIC_KEYS)
    assert (quadratic_theory(surface) is None) == (key not in QUADRATIC_KEYS)


def test_eigen_directions_follow_the_valley():
    s = make_surface("quadratic", kappa=50.0, angle=30.0)
    th = quadratic_theory(s)
    np.testing.assert_allclose(th.eigenvalues, [1.0, 50.0], rtol=1e-12)
    a = math.radians(30.0)
    # the flat direction (eigenvalue 1) is the valley's long axis at `angle`, pointing right
    np.testing.assert_allclose(th.eigenvectors[:, 0], [math.cos(a), math.sin(a)], atol=1e-12)
    np.testing.assert_allclose(th.eigenvectors[:, 1], [math.sin(a), -math.cos(a)], atol=1e-12)
    H = s.hessian_at(np.zeros((1, 2)))[0]
    np.testing.assert_allclose(H @ th.eigenvectors, th.eigenvectors * th.eigenvalues, atol=1e-12)
    (lo, hi), _ = th.axes()
    np.testing.assert_allclose(hi - lo, 2.0 * th.eigenvectors[:, 0], atol=1e-12)  # 1/sqrt(1) each way


def test_ravine_numbers_by_hand():
    th = quadratic_theory(make_surface("ravine"))
    np.testing.assert_allclose(th.center, [1.0, 1.0])
    np.testing.assert_allclose(th.eigenvalues, [2.0, 200.0])
    assert th.kappa == pytest.approx(100.0)
    assert th.lr_stable == pytest.approx(0.01)
    assert th.lr_best == pytest.approx(2.0 / 202.0)
    # sqrt(200) + sqrt(2) = 11 sqrt(2): lr* = 4 / 242, rho* = (9 / 11)^2
    assert th.polyak_lr == pytest.approx(4.0 / 242.0)
    assert th.polyak_rho == pytest.approx((9.0 / 11.0) ** 2)
    assert th.rate_gd == pytest.approx(99.0 / 101.0)
    assert th.rate_heavy_ball == pytest.approx(9.0 / 11.0)
    assert [v for _, v in th.lr_marks()] == sorted([0.005, 2.0 / 202.0, 0.01])


@pytest.mark.parametrize("key,params", QUADRATICS)
def test_lr_best_minimises_the_gd_contraction(key, params):
    th = quadratic_theory(make_surface(key, **params))
    contraction = lambda lr: max(abs(1.0 - lr * th.l_min), abs(1.0 - lr * th.l_max))
    assert contraction(th.lr_best) == pytest.approx(th.rate_gd)
    assert contraction(th.lr_best * 1.01) > th.rate_gd
    assert contraction(th.lr_best * 0.99) > th.rate_gd or th.kappa == 1.0


@pytest.mark.parametrize("key,params", QUADRATICS)
def test_gd_diverges_just_above_the_stability_limit_and_converges_just_below(key, params):
    s = make_surface(key, **params)
    th = quadratic_theory(s)
    above = run(s, OptimizerSpec.make("sgd", lr=1.02 * th.lr_stable), steps=3000)
    assert above.diverged_at is not None
    below = run(s, OptimizerSpec.make("sgd", lr=0.98 * th.lr_stable), steps=3000)
    assert below.diverged_at is None
    assert below.loss[-1] < 1e-8 * below.loss[0]


def test_polyak_heavy_ball_beats_gd_at_its_best_rate_on_kappa_100():
    s = make_surface("quadratic", kappa=100.0, angle=20.0)
    th = quadratic_theory(s)
    hb = run(s, th.polyak_spec(), steps=400)
    gd = run(s, OptimizerSpec.make("sgd", lr=th.lr_best), steps=400)
    first = lambda tr: int(np.argmax(tr.loss <= 1e-10 * tr.loss[0])) if np.any(tr.loss <= 1e-10 * tr.loss[0]) \
        else 10**9
    # rates 9/11 vs 99/101 per step: the heavy ball needs several times fewer steps
    assert first(hb) * 4 < first(gd)
    assert hb.loss[200] < 1e-6 * gd.loss[200]
    # and it is as fast as the theory says: |x_t| <= C t rate^t (repeated eigenvalue)
    dist = np.linalg.norm(hb.xs, axis=1)
    t = np.arange(1, 401)
    assert np.all(dist[1:] <= 10.0 * dist[0] * t * th.rate_heavy_ball ** t + 1e-300)


def test_polyak_spec_is_the_heavy_ball_recursion():
    s = make_surface("quadratic", kappa=30.0, angle=10.0)
    th = quadratic_theory(s)
    tr = run(s, th.polyak_spec(), steps=20)
    x_prev = x = np.array(s.start)
    for t in range(1, 21):
        g = s.grad_at(x[None, :])[0]
        x, x_prev = x - th.polyak_lr * g + th.polyak_rho * (x - x_prev), x
        np.testing.assert_allclose(tr.xs[t], x, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("key,params", QUADRATICS)
@pytest.mark.parametrize("fraction", [1.0, 0.5, 0.05])
def test_the_o_1_over_t_bound_holds_for_gd(key, params, fraction):
    s = make_surface(key, **params)
    lr = fraction / s.smoothness()
    rng = np.random.default_rng(3)
    view = np.asarray(s.view).reshape(-1, 2)
    for start in [s.start, tuple(rng.uniform(view[:, 0], view[:, 1]))]:
        tr = run(s, OptimizerSpec.make("sgd", lr=lr), start=start, steps=300)
        bound, reason = gd_rate_bound(s, start, lr, 300)
        assert reason == "" and bound.shape == (300,)
        gap = tr.loss[1:] - s.min_value
        assert np.all(gap <= bound * (1 + 1e-12) + 1e-15)


def test_the_bound_by_hand():
    s = make_surface("parabola")  # x* = 0, start 2.5, L = 2
    bound, _ = gd_rate_bound(s, (2.5,), 0.1, 3)
    np.testing.assert_allclose(bound, [6.25 / 0.2, 6.25 / 0.4, 6.25 / 0.6])
    bound, _ = gd_rate_bound(make_surface("ravine"), (-1.0, 3.0), 0.004, 2)
    np.testing.assert_allclose(bound, [8.0 / 0.008, 8.0 / 0.016])


def test_the_bound_explains_why_it_is_not_drawn():
    q = make_surface("quadratic", kappa=10.0)
    L = q.smoothness()
    assert gd_rate_bound(q, q.start, 1.0 / L, 10).bound is not None  # lr = 1/L exactly is allowed
    cases = [
        (make_surface("himmelblau"), 1e-3, {}, "convex"),
        (q, 1.01 / L, {}, "1/L"),
        (q, 0.5 / L, {"optimizer": OptimizerSpec.make("momentum")}, "sgd"),
        (q, 0.5 / L, {"optimizer": OptimizerSpec.make("sgd", weight_decay=0.1)}, "weight decay"),
        (q, 0.5 / L, {"schedule": ScheduleSpec.make("cosine")}, "fixed learning rate"),
        (q, 0.5 / L, {"noise": 0.5}, "noise"),
    ]
    for surface, lr, extra, word in cases:
        bound, reason = gd_rate_bound(surface, surface.start, lr, 10, **extra)
        assert bound is None and word in reason
    ok = gd_rate_bound(q, q.start, 0.5 / L, 10, optimizer=OptimizerSpec.make("sgd"),
                       schedule=ScheduleSpec.make("constant"), noise=0.0)
    assert ok.reason == "" and len(ok.bound) == 10
