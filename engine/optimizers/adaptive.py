"""Per-coordinate adaptive step sizes: AdaGrad, RMSProp, AdaDelta (seed 001, 003, 004)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine.optimizers.base import Diagnostics


class AdagradState(NamedTuple):
    """torch: G = sum."""

    G: object = 0.0


class RmspropState(NamedTuple):
    """torch: s = square_avg, b = momentum_buffer (kept only with momentum > 0)."""

    s: object = 0.0
    b: object = 0.0


class AdadeltaState(NamedTuple):
    """torch: s = square_avg, u = acc_delta."""

    s: object = 0.0
    u: object = 0.0


def adagrad(g, x, state, hp, t, lr, ops):
    """AdaGrad (Duchi et al. 2011; seed 001, 003, 004).

        G <- G + g^2
        x <- x - lr_t g / (sqrt(G) + eps)

    G only grows, so the effective step lr / sqrt(G) shrinks towards zero: the
    ravine of seed 004 is crossed quickly but the run stalls before the minimum.
    torch.optim.Adagrad(lr, eps, initial_accumulator_value=0): G = sum.
    """
    (G,) = state
    G = G + g * g
    return x - lr * g / (ops.sqrt(G) + hp.eps), (G,)


def rmsprop(g, x, state, hp, t, lr, ops):
    """RMSProp (Tieleman & Hinton 2012; seed 001, 003, 004), with optional momentum.

        s <- decay s + (1 - decay) g^2
        d  = g / (sqrt(s) + eps)
        b <- momentum b + d                 (b = d when momentum = 0)
        x <- x - lr_t b                     (plain / heavy-ball momentum, torch form)
        x <- x - lr_t (d + momentum b)      (nesterov=true: RMSProp + Nesterov, seed 004)

    The leaky average forgets old gradients, so unlike AdaGrad the step does not
    decay to zero. torch.optim.RMSprop(alpha=decay, eps, momentum): s = square_avg,
    b = momentum_buffer (torch has no Nesterov option; this is Sutskever 2013's).
    """
    s, b = state
    s = hp.decay * s + (1.0 - hp.decay) * g * g
    d = g / (ops.sqrt(s) + hp.eps)
    b = hp.momentum * b + d
    if hp.nesterov:
        return x - lr * (d + hp.momentum * b), (s, b)
    return x - lr * b, (s, b)


def adadelta(g, x, state, hp, t, lr, ops):
    """AdaDelta (Zeiler 2012; seed 003), torch form.

        s <- rho s + (1 - rho) g^2
        d  = sqrt(u + eps) / sqrt(s + eps) g
        u <- rho u + (1 - rho) d^2
        x <- x - lr_t d

    The ratio of two running RMS values gives the step its units, so lr = 1 works.
    torch.optim.Adadelta(lr, rho, eps): s = square_avg, u = acc_delta.
    """
    s, u = state
    s = hp.rho * s + (1.0 - hp.rho) * g * g
    d = ops.sqrt(u + hp.eps) / ops.sqrt(s + hp.eps) * g
    u = hp.rho * u + (1.0 - hp.rho) * d * d
    return x - lr * d, (s, u)


# -- what the GUI shows beside the rule (engine.optimizers.base.Diagnostics) ------------------


def adagrad_diagnostics(state, prev, hp, t, lr):
    """lr_eff = lr_t / (sqrt(G) + eps): it only shrinks."""
    return Diagnostics(scale=lr / (np.sqrt(state.G) + hp.eps))


def rmsprop_diagnostics(state, prev, hp, t, lr):
    """lr_eff = lr_t / (sqrt(s) + eps); with momentum, the buffer b as a step."""
    if getattr(hp, "momentum", 0.0):
        return Diagnostics(velocity=-lr * state.b, scale=lr / (np.sqrt(state.s) + hp.eps))
    return Diagnostics(scale=lr / (np.sqrt(state.s) + hp.eps), hide=("b",))


def adadelta_diagnostics(state, prev, hp, t, lr):
    """lr_eff = lr_t sqrt(u + eps) / sqrt(s + eps), with u from before update t."""
    return Diagnostics(scale=lr * np.sqrt(prev.u + hp.eps) / np.sqrt(state.s + hp.eps))
