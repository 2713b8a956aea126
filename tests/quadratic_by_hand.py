"""The hand computations the optimizer tests share: the quadratic f = 1/2 (x^2 + 10 y^2)
(``quadratic`` with its defaults) and Rosenbrock written out, and Adam and the Armijo
line search in plain arithmetic. Nothing here calls the engine's rules."""

import numpy as np

from engine.runner import run
from engine.spec import CONSTANT, OptimizerSpec
from surfaces import make_surface

Q = make_surface("quadratic")
X0 = np.array([-2.5, 1.5])  # the quadratic's default start (checked in test_optimizers.py)


def grad_q(x):
    return np.array([x[0], 10.0 * x[1]])


def f_q(x):
    return 0.5 * (x[0] ** 2 + 10.0 * x[1] ** 2)


def grad_rosenbrock(x):
    r = x[1] - x[0] ** 2
    return np.array([-2.0 * (1.0 - x[0]) - 400.0 * x[0] * r, 200.0 * r])


def path(key, steps=3, schedule=CONSTANT, surface=Q, start=None, noise=0.0, seed=0, **hp):
    """x_0 .. x_steps of the engine's run (the float path for element-wise rules)."""
    trace = run(surface, OptimizerSpec.make(key, **hp), schedule, start, steps, noise, seed)
    assert trace.diverged_at is None
    assert trace.steps == steps
    return trace.xs


def close(actual, expected, rtol=1e-13):
    np.testing.assert_allclose(actual, np.asarray(expected), rtol=rtol, atol=1e-14)


def adam_by_hand(lr=0.1, b1=0.9, b2=0.999, eps=1e-8, bias_correction=True, amsgrad=False,
                 steps=3, g_of=grad_q, decoupled_wd=0.0, x0=X0):
    x, m, v, v_max, want = x0.copy(), np.zeros(2), np.zeros(2), np.zeros(2), [x0]
    for t in range(1, steps + 1):
        g = g_of(x)
        x = x - lr * decoupled_wd * x  # AdamW: before the Adam step (torch order)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_max = np.maximum(v_max, v)
        v_used = v_max if amsgrad else v
        if bias_correction:
            m_hat, v_hat = m / (1 - b1 ** t), v_used / (1 - b2 ** t)
        else:
            m_hat, v_hat = m, v_used
        x = x - lr * m_hat / (np.sqrt(v_hat) + eps)
        want.append(x)
    return np.array(want)


def armijo_by_hand(x, g, p, alpha, c1=1e-4):
    """Halve alpha until f(x + alpha p) <= f(x) + c1 alpha g.p (on the quadratic)."""
    while f_q(x + alpha * p) > f_q(x) + c1 * alpha * (g @ p):
        alpha /= 2
    return alpha
