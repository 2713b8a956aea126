"""Plain gradient descent and the two momentum methods (seed 001, 003, 004).

Element-wise rules: ``rule(g, x, state, hp, t, lr, ops) -> (x_new, state_new)``
works on Python floats (one coordinate) and on (R, D) arrays (R runs) alike.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine.optimizers.base import Diagnostics, Shape


class MomentumState(NamedTuple):
    """torch: v = momentum_buffer (the velocity form keeps -lr v)."""

    v: object = 0.0


def momentum_coefficient(hp, t, ops):
    """rho for update t: the constant ``momentum`` or Sutskever's schedule (seed 004)

        mu_t = min(1 - 2^(-1 - log2(floor(t / 250) + 1)), mu_max)

    ``t`` may be an array of update numbers (with ``ARRAY_OPS``): the whole schedule at once.
    """
    if hp.momentum_schedule == "sutskever":
        return ops.minimum(1.0 - 2.0 ** (-1.0 - ops.log2(t // 250 + 1)), hp.mu_max)
    return hp.momentum


def sgd(g, x, state, hp, t, lr, ops):
    """Stochastic gradient descent (seed 001: "vanilla minibatch gradient descent").

        x <- x - lr_t g

    torch.optim.SGD(lr=lr, momentum=0).
    """
    return x - lr * g, state


def momentum(g, x, state, hp, t, lr, ops):
    """SGD + momentum (Polyak 1964; seed 001, 002, 003).

        torch form (default):       v <- rho v + g;          x <- x - lr_t v
        form=velocity (seed 001):   v <- rho v - lr_t g;     x <- x + v

    The two forms trace the same path while lr is constant (v_velocity = -lr v_torch)
    and part as soon as a schedule changes lr: the torch form rescales the whole
    velocity, the velocity form only the new gradient.
    torch.optim.SGD(momentum=rho, dampening=0): v = momentum_buffer.
    """
    (v,) = state
    rho = momentum_coefficient(hp, t, ops)
    if hp.form == "velocity":
        v = rho * v - lr * g
        return x + v, (v,)
    v = rho * v + g
    return x - lr * v, (v,)


def nesterov(g, x, state, hp, t, lr, ops):
    """Nesterov accelerated gradient (Nesterov 1983; Sutskever et al. 2013; seed 001, 003, 004).

        torch form (default):       v <- rho v + g;          x <- x - lr_t (g + rho v)
        form=lookahead (seed 001):  v <- rho v - lr_t grad(x + rho v);   x <- x + v

    The torch form is the look-ahead form after the change of variables
    x_torch = x_lookahead + rho v, so it needs only the gradient at the current point.
    In the look-ahead form the runner evaluates g at ``nesterov_lookahead(...)``.
    torch.optim.SGD(momentum=rho, nesterov=True): v = momentum_buffer.
    """
    (v,) = state
    rho = momentum_coefficient(hp, t, ops)
    if hp.form == "lookahead":
        v = rho * v - lr * g
        return x + v, (v,)
    v = rho * v + g
    return x - lr * (g + rho * v), (v,)


def nesterov_lookahead(x, state, hp, t, ops):
    """Where the look-ahead form takes its gradient: x + rho v."""
    if hp.form != "lookahead":
        return x
    return x + momentum_coefficient(hp, t, ops) * state[0]


# -- what the GUI and the theory overlays read beside the rules ------------------------------


def momentum_diagnostics(state, prev, hp, t, lr):
    """The velocity as a displacement: -lr_t v (torch form) or v itself (velocity and
    look-ahead forms keep -lr v)."""
    return Diagnostics(velocity=state.v if hp.form in ("velocity", "lookahead") else -lr * state.v)


def _largest_rho(hp):
    # with Sutskever's schedule the recursion is bounded by its largest rho, mu_max
    return float(hp.mu_max if hp.momentum_schedule == "sutskever" else hp.momentum)


def sgd_stability(hp, l_max):
    """GD on a quadratic: x+ = (1 - h) x per eigen-direction (h = lr l): stable iff h < 2."""
    return 2.0 / l_max, "2/λmax"


def momentum_stability(hp, l_max):
    """Heavy ball: x+ = (1 + rho - h) x - rho x-: stable iff h < 2 (1 + rho) (Jury's test)."""
    rho = _largest_rho(hp)
    return 2.0 * (1.0 + rho) / l_max, "2(1+ρ)/λmax"


def nesterov_stability(hp, l_max):
    """Nesterov: x+ = (1 - h) ((1 + rho) x - rho x-): stable iff h < 2 (1 + rho) / (1 + 2 rho)."""
    rho = _largest_rho(hp)
    return 2.0 * (1.0 + rho) / ((1.0 + 2.0 * rho) * l_max), "2(1+ρ)/((1+2ρ)λmax)"


def momentum_geometry(u):
    """The step as two arrows put end to end: the momentum part (rho v as a step) then
    the gradient part (-lr_t g); they add up to the step to x_{t+1}."""
    from engine.ops import ARRAY_OPS

    (v,) = u.state
    v = np.asarray(v, dtype=float).reshape(-1)
    rho = float(np.reshape(momentum_coefficient(u.hp, u.t, ARRAY_OPS), -1)[0])
    carried = rho * v if u.hp.form == "velocity" else -u.lr * rho * v
    pushed = -u.lr * u.g
    mid = u.x + carried
    return (Shape("arrow", u.x, to=mid, label="momentum: ρ v carried over", anchor=u.x),
            Shape("arrow", mid, to=mid + pushed, label="gradient: −lr g", anchor=u.x),
            Shape("arrow", u.x, to=u.x_next, label="the step they add up to", role="true", anchor=u.x))
