"""Adam and its relatives (seed 001, 002, 003, 004)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine.optimizers.base import Diagnostics


class AdamState(NamedTuple):
    """torch: m = exp_avg, v = exp_avg_sq, v_max = max_exp_avg_sq."""

    m: object = 0.0
    v: object = 0.0
    v_max: object = 0.0


class AdamaxState(NamedTuple):
    """torch: m = exp_avg, u = exp_inf."""

    m: object = 0.0
    u: object = 0.0


class NadamState(NamedTuple):
    """torch: m = exp_avg, v = exp_avg_sq, P = mu_product (starts at 1)."""

    m: object = 0.0
    v: object = 0.0
    P: object = 1.0


class RadamState(NamedTuple):
    """torch: m = exp_avg, v = exp_avg_sq."""

    m: object = 0.0
    v: object = 0.0


def adam(g, x, state, hp, t, lr, ops):
    """Adam (Kingma & Ba 2015; seed 001, 003, 004).

        m <- beta1 m + (1 - beta1) g
        v <- beta2 v + (1 - beta2) g^2
        v_max <- max(v_max, v)                (amsgrad=true: use v_max for v)
        m_hat = m / (1 - beta1^t)             (bias_correction=false: m_hat = m,
        v_hat = v / (1 - beta2^t)              the lecture's "Adam (almost)")
        x <- x - lr_t m_hat / (sqrt(v_hat) + eps)

    Without bias correction m and v start at zero and v is tiny for the first
    steps, so the very first steps are huge (seed 001's "Adam (almost)").
    torch.optim.Adam(lr, betas=(beta1, beta2), eps, amsgrad): m = exp_avg,
    v = exp_avg_sq, v_max = max_exp_avg_sq.
    """
    m, v, v_max = state
    m = hp.beta1 * m + (1.0 - hp.beta1) * g
    v = hp.beta2 * v + (1.0 - hp.beta2) * g * g
    v_used = v
    if hp.amsgrad:
        v_max = ops.maximum(v_max, v)
        v_used = v_max
    if hp.bias_correction:
        m_hat = m / (1.0 - hp.beta1 ** t)
        v_hat = v_used / (1.0 - hp.beta2 ** t)
    else:
        m_hat, v_hat = m, v_used
    return x - lr * m_hat / (ops.sqrt(v_hat) + hp.eps), (m, v, v_max)


def adamw(g, x, state, hp, t, lr, ops):
    """AdamW (Loshchilov & Hutter 2019; seed 001): weight decay decoupled from the gradient.

        x <- x - lr_t weight_decay x          (torch order: before the Adam step)
        then the Adam step of ``adam`` with g (which carries no L2 term)

    Adam + L2 puts weight_decay x inside g, where v divides it away for
    coordinates with large gradients; AdamW shrinks every weight by the same factor.
    torch.optim.AdamW(lr, betas, eps, weight_decay, amsgrad).
    """
    x = x - lr * hp.weight_decay * x
    return adam(g, x, state, hp, t, lr, ops)


def adamax(g, x, state, hp, t, lr, ops):
    """AdaMax (Kingma & Ba 2015, section 7; seed 003), torch form: the infinity norm.

        m <- beta1 m + (1 - beta1) g
        u <- max(beta2 u, |g| + eps)
        x <- x - lr_t / (1 - beta1^t) m / u

    torch.optim.Adamax(lr, betas, eps): m = exp_avg, u = exp_inf.
    """
    m, u = state
    m = hp.beta1 * m + (1.0 - hp.beta1) * g
    u = ops.maximum(hp.beta2 * u, ops.abs(g) + hp.eps)
    return x - lr / (1.0 - hp.beta1 ** t) * m / u, (m, u)


def nadam(g, x, state, hp, t, lr, ops):
    """NAdam (Dozat 2016), torch.optim.NAdam form: Adam with a Nesterov look-ahead on m.

        mu_t     = beta1 (1 - 0.5 * 0.96^(t momentum_decay))
        mu_next  = beta1 (1 - 0.5 * 0.96^((t + 1) momentum_decay))
        P       <- P mu_t                            (running product, P_0 = 1)
        m <- beta1 m + (1 - beta1) g
        v <- beta2 v + (1 - beta2) g^2
        m_hat = mu_next m / (1 - P mu_next) + (1 - mu_t) g / (1 - P)
        x <- x - lr_t m_hat / (sqrt(v / (1 - beta2^t)) + eps)

    torch.optim.NAdam(lr, betas, eps, momentum_decay): m = exp_avg, v = exp_avg_sq,
    P = mu_product.
    """
    m, v, P = state
    mu_t = hp.beta1 * (1.0 - 0.5 * 0.96 ** (t * hp.momentum_decay))
    mu_next = hp.beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * hp.momentum_decay))
    P = P * mu_t
    m = hp.beta1 * m + (1.0 - hp.beta1) * g
    v = hp.beta2 * v + (1.0 - hp.beta2) * g * g
    m_hat = mu_next * m / (1.0 - P * mu_next) + (1.0 - mu_t) * g / (1.0 - P)
    v_hat = v / (1.0 - hp.beta2 ** t)
    return x - lr * m_hat / (ops.sqrt(v_hat) + hp.eps), (m, v, P)


def radam(g, x, state, hp, t, lr, ops):
    """RAdam (Liu et al. 2020), torch.optim.RAdam form: Adam whose adaptive term is
    switched on only once the variance of v's estimate is tractable (a built-in warmup).

        m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2
        m_hat = m / (1 - beta1^t)
        rho_inf = 2 / (1 - beta2) - 1;   rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        if rho_t > 5:  r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                       x <- x - lr_t m_hat r sqrt(1 - beta2^t) / (sqrt(v) + eps)
        else:          x <- x - lr_t m_hat                       (SGD with momentum)

    torch.optim.RAdam(lr, betas, eps): m = exp_avg, v = exp_avg_sq.
    """
    m, v = state
    m = hp.beta1 * m + (1.0 - hp.beta1) * g
    v = hp.beta2 * v + (1.0 - hp.beta2) * g * g
    m_hat = m / (1.0 - hp.beta1 ** t)
    b2t = hp.beta2 ** t
    rho_inf = 2.0 / (1.0 - hp.beta2) - 1.0
    rho_t = rho_inf - 2.0 * t * b2t / (1.0 - b2t)
    # rho_t > 5 decides per run; where it fails the square root is of a negative
    # number, so clamp it and select with a mask that works for floats and arrays.
    # Where rho_t > 5 the denominator is >= 15 (rho_inf > rho_t > 5), so flooring it at 1
    # changes nothing there and keeps beta2 = 0.6 or 1/3 (rho_inf = 4 or 2) from dividing by 0.
    ok = rho_t > 5.0
    r = ops.sqrt(ops.maximum((rho_t - 4.0) * (rho_t - 2.0) * rho_inf, 0.0)
                 / ops.maximum((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t, 1.0))
    adaptive = m_hat * r * ops.sqrt(1.0 - b2t) / (ops.sqrt(v) + hp.eps)
    step = adaptive * ok + m_hat * (1 - ok) if not isinstance(ok, bool) else (adaptive if ok else m_hat)
    return x - lr * step, (m, v)


# -- what the GUI shows beside the rule (engine.optimizers.base.Diagnostics) ------------------


def _m_hat(state, hp, t):
    return state.m / (1.0 - hp.beta1 ** t) if getattr(hp, "bias_correction", True) else state.m


def adam_diagnostics(state, prev, hp, t, lr):
    """m_hat, v_hat (v_max's with amsgrad) and lr_eff = lr_t / (sqrt(v_hat) + eps)."""
    m_hat = _m_hat(state, hp, t)
    v = state.v_max if getattr(hp, "amsgrad", False) else state.v
    v_hat = v / (1.0 - hp.beta2 ** t) if getattr(hp, "bias_correction", True) else v
    hide = () if getattr(hp, "amsgrad", False) else ("v_max",)
    return Diagnostics((("m_hat", m_hat), ("v_hat", v_hat)), -lr * m_hat, lr / (np.sqrt(v_hat) + hp.eps), hide)


def nadam_diagnostics(state, prev, hp, t, lr):
    """As Adam's; P is bookkeeping of the mu_t schedule, not shown."""
    m_hat = _m_hat(state, hp, t)
    v_hat = state.v / (1.0 - hp.beta2 ** t)
    return Diagnostics((("m_hat", m_hat), ("v_hat", v_hat)), -lr * m_hat, lr / (np.sqrt(v_hat) + hp.eps), ("P",))


def adamax_diagnostics(state, prev, hp, t, lr):
    """m_hat and lr_eff = lr_t / ((1 - beta1^t) u)."""
    m_hat = _m_hat(state, hp, t)
    return Diagnostics((("m_hat", m_hat),), -lr * m_hat, lr / (1.0 - hp.beta1 ** t) / state.u)
