"""Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms")."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine.optimizers.base import Diagnostics, Shape


class LionState(NamedTuple):
    """lion-pytorch: m = exp_avg."""

    m: object = 0.0


def lion(g, x, state, hp, t, lr, ops):
    """Lion: the sign of an interpolated momentum, so every coordinate moves by exactly lr_t.

        c  = beta1 m + (1 - beta1) g
        x <- x - lr_t (sign(c) + weight_decay x)        (decoupled weight decay)
        m <- beta2 m + (1 - beta2) g

    Two betas: beta1 mixes the step direction, the slower beta2 keeps the memory.
    Reference implementation: lucidrains/lion-pytorch (m = exp_avg).
    """
    (m,) = state
    c = hp.beta1 * m + (1.0 - hp.beta1) * g
    x = x - lr * (ops.sign(c) + hp.weight_decay * x)
    m = hp.beta2 * m + (1.0 - hp.beta2) * g
    return x, (m,)


def lion_diagnostics(state, prev, hp, t, lr):
    """The momentum m as a step of size lr_t."""
    return Diagnostics(velocity=-lr * state.m)


def lion_geometry(u):
    """The L-infinity ball of radius lr_t: a sign step lands on one of its corners,
    whatever the size of the gradient (weight decay moves it a little further)."""
    x, lr = u.x, u.lr
    half = np.full(np.shape(x), float(lr))
    return (Shape("box", x, half=half, label="sign step: a corner of the L∞ box of radius lr",
                  anchor=x),)
