"""Newton, BFGS, L-BFGS and random search (SPEC section 3) against steps computed by
hand on the quadratic f = 1/2 (x^2 + 10 y^2)."""

import numpy as np
import pytest
from quadratic_by_hand import X0, Q, armijo_by_hand, close, grad_q, path

from engine.runner import run, run_batch
from engine.spec import CONSTANT, OptimizerSpec
from surfaces import make_surface

# -- second order and search ------------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"kappa": 50.0, "angle": 30.0}])
def test_newton_solves_a_quadratic_in_one_step(params):
    surface = make_surface("quadratic", **params)
    got = path("newton", steps=2, surface=surface)
    assert np.all(np.abs(got[1:]) < 1e-13)
    assert np.all(np.abs(path("newton", steps=1, surface=surface, lr=0.5)[1] - 0.5 * X0) < 1e-13)


def test_newton_with_damping_and_lr():
    """x <- x - lr (H + lambda I)^-1 g with H = diag(1, 10)."""
    lr, lam = 0.5, 2.0
    x, want = X0.copy(), [X0]
    for _ in range(3):
        g = grad_q(x)
        x = x - lr * np.array([g[0] / (1 + lam), g[1] / (10 + lam)])
        want.append(x)
    close(path("newton", lr=lr, damping=lam), want)


@pytest.mark.parametrize("key", ["bfgs", "lbfgs"])
def test_quasi_newton_first_step_is_steepest_descent_with_backtracking(key):
    """H_0 = I: p = -g, alpha = lr halved until Armijo holds. From (-2.5, 1.5) that takes
    three halvings: alpha = 1/8, x_1 = (-2.1875, -0.375)."""
    g = grad_q(X0)
    alpha = armijo_by_hand(X0, g, -g, 1.0)
    assert alpha == 0.125
    got = path(key, steps=1)
    close(got[1], X0 - alpha * g)
    close(got[1], [-2.1875, -0.375])


def test_bfgs_second_step_uses_the_updated_inverse_hessian():
    x0 = X0
    g0 = grad_q(x0)
    x1 = x0 - armijo_by_hand(x0, g0, -g0, 1.0) * g0
    g1 = grad_q(x1)
    s, y = x1 - x0, g1 - g0
    r = 1.0 / (y @ s)
    I = np.eye(2)
    H = (I - r * np.outer(s, y)) @ I @ (I - r * np.outer(y, s)) + r * np.outer(s, s)
    p = -H @ g1
    x2 = x1 + armijo_by_hand(x1, g1, p, 1.0) * p
    close(path("bfgs", steps=2)[2], x2, rtol=1e-12)


def test_lbfgs_second_step_uses_the_two_loop_recursion():
    """With one pair (s, y): q = g; a = r s.q; q -= a y; q *= s.y / y.y; b = r y.q;
    q += (a - b) s; p = -q."""
    x0 = X0
    g0 = grad_q(x0)
    x1 = x0 - armijo_by_hand(x0, g0, -g0, 1.0) * g0
    g1 = grad_q(x1)
    s, y = x1 - x0, g1 - g0
    r = 1.0 / (y @ s)
    q = g1.copy()
    a = r * (s @ q)
    q = q - a * y
    q = q * (s @ y) / (y @ y)
    b = r * (y @ q)
    q = q + (a - b) * s
    p = -q
    x2 = x1 + armijo_by_hand(x1, g1, p, 1.0) * p
    close(path("lbfgs", steps=2)[2], x2, rtol=1e-12)


def test_random_search_is_reproducible_and_never_increases_the_loss():
    spec = OptimizerSpec.make("random-search", sigma=0.3)
    a = run(Q, spec, steps=300, seed=7)
    b = run(Q, spec, steps=300, seed=7)
    c = run(Q, spec, steps=300, seed=8)
    np.testing.assert_array_equal(a.xs, b.xs)
    assert not np.array_equal(a.xs, c.xs)
    assert np.all(np.diff(a.loss) <= 0.0)
    moved = np.any(np.diff(a.xs, axis=0) != 0, axis=1)
    assert 5 < moved.sum() < 300  # it accepts some proposals and refuses others
    assert np.all(np.diff(a.loss)[moved] < 0.0)  # a move is always strictly better
    assert a.loss[-1] < 0.1 * a.loss[0]


def test_random_search_proposal_is_x_plus_sigma_times_the_same_unit_draw():
    """sigma scales the proposal: the first accepted moves of sigma and 2 sigma from the
    same start point along the same direction (one N(0, I) draw per update and seed)."""
    s1 = run(Q, OptimizerSpec.make("random-search", sigma=0.01), steps=40, seed=3)
    s2 = run(Q, OptimizerSpec.make("random-search", sigma=0.02), steps=40, seed=3)
    k = int(np.argmax(np.any(np.diff(s1.xs, axis=0) != 0, axis=1)))  # first accepted update
    d1 = s1.xs[k + 1] - s1.xs[k]
    # the same update k+1 proposes twice the step for sigma 0.02 (accepted or not)
    assert np.all(s2.xs[: k + 1] == X0) and np.all(s1.xs[: k + 1] == X0)
    if np.any(s2.xs[k + 1] != X0):
        close(s2.xs[k + 1] - X0, 2 * d1, rtol=1e-12)


def test_random_search_sigma_zero_proposes_uniform_points_in_the_view_box():
    tr = run(Q, OptimizerSpec.make("random-search", sigma=0.0), steps=200, seed=1)
    lo, hi = np.array(Q.view[0::2]), np.array(Q.view[1::2])
    assert np.all((tr.xs[1:] >= lo) & (tr.xs[1:] <= hi))
    assert np.all(np.diff(tr.loss) <= 0.0)
    assert len({tuple(r) for r in tr.xs}) > 3


def test_random_search_path_does_not_depend_on_its_batch_mates():
    """Draws are a function of (seed, t) alone: a run stepped beside others takes the
    same path as alone (as the CLI's trace and the GUI's scene must agree)."""
    alone = run(Q, OptimizerSpec.make("random-search", sigma=0.3), steps=100, seed=5)
    together = run_batch(Q, [OptimizerSpec.make("random-search", sigma=s) for s in (0.3, 1.0, 0.05)],
                         CONSTANT, [Q.start, (1.0, 1.0), Q.start], 100, seed=5)
    np.testing.assert_array_equal(together[0].xs, alone.xs)


@pytest.mark.parametrize("surface_key, sigma, start", [
    ("rosenbrock", 0.03, None), ("quadratic", 0.0, None), ("himmelblau", 0.5, (0.0, 0.0)),
    ("saddle", 2.0, None), ("parabola", 0.2, None), ("rastrigin", 0.0, None)])
def test_random_search_in_floats_steps_as_the_array_rule(surface_key, sigma, start):
    """``run`` steps one random-search run in Python floats (random_search_floats): the same
    draws across blocks of 512 updates, rows, loss, gradients and divergence as the array rule."""
    surface = make_surface(surface_key)
    spec = OptimizerSpec.make("random-search", sigma=sigma)
    start = surface.start if start is None else start
    one = run(surface, spec, start=start, steps=1300, seed=11)
    batch = run_batch(surface, [spec], CONSTANT, [start], 1300, seed=11)[0]
    assert one.diverged_at == batch.diverged_at
    for name in ("xs", "loss", "grads", "lr"):
        np.testing.assert_allclose(getattr(one, name), getattr(batch, name), rtol=1e-12, atol=0, err_msg=name)
    if surface_key == "rosenbrock":  # it still moves after the first block of draws
        assert len({tuple(r) for r in one.xs[600:]}) > 1


def test_random_search_in_floats_refuses_a_proposal_where_f_overflows():
    surface = make_surface("custom", formula="exp(100*x*x) + y*y")  # overflows beyond |x| = 2.7
    spec = OptimizerSpec.make("random-search", sigma=10.0)
    one = run(surface, spec, start=(0.5, 0.5), steps=200, seed=2)
    batch = run_batch(surface, [spec], CONSTANT, [(0.5, 0.5)], 200, seed=2)[0]
    np.testing.assert_array_equal(one.xs, batch.xs)
    assert one.diverged_at is None and np.all(np.isfinite(one.loss))
    assert np.all(np.diff(one.loss) <= 0.0)


def test_random_search_in_floats_refuses_a_proposal_where_python_raises(monkeypatch):
    """NumPy gives inf or nan where Python floats raise (math.sqrt(-1), 10.0 ** 400): such a
    proposal is refused, as the array rule refuses inf or nan, and the run goes on."""
    surface = make_surface("quadratic")
    plain = surface.value

    def value(x, y):
        if isinstance(x, float) and x > 1.0:
            raise OverflowError("Result too large")
        return plain(x, y)

    monkeypatch.setattr(surface, "value", value)
    one = run(surface, OptimizerSpec.make("random-search", sigma=2.0), start=(0.5, 0.5), steps=300, seed=4)
    assert one.diverged_at is None and len(one.xs) == 301
    assert np.all(one.xs[:, 0] <= 1.0) and np.all(np.diff(one.loss) <= 0.0)
    assert len({tuple(r) for r in one.xs}) > 3
