"""Adafactor (Shazeer & Stern 2018; seed 002): Adam's second moment in factored form.

For an n x m weight matrix Adam keeps n m floats of v; Adafactor keeps a row
vector R (n) and a column vector C (m) and rebuilds v as the rank-1 product
R C / sum(R) -- the memory argument of seed 002. beta1 = 0: no first moment.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine.optimizers.base import Diagnostics


class AdafactorState(NamedTuple):
    """On vectors: v, Adam's second moment."""

    v: object = 0.0


class FactoredState(NamedTuple):
    """On weights with matrix blocks: one entry per block of the layout, (R, C) for a
    matrix (row and column sums), (v,) for a vector."""

    blocks: tuple = ()


def adafactor(g, x, state, hp, t, lr, ops):
    """Adafactor on a vector (seed 002, Algorithm 2 with beta1 = 0; vectors are not factored).

        v <- beta2 v + (1 - beta2) g^2
        v_hat = v / (1 - beta2^t)
        x <- x - lr_t g / (sqrt(v_hat) + eps)

    On a weight matrix G (n x m) the factored form is used instead:

        R <- beta2 R + (1 - beta2) (G^2) 1_m          (row sums,  n floats)
        C <- beta2 C + (1 - beta2) 1_n^T (G^2)        (column sums, m floats)
        V_hat = (R C / 1_n^T R) / (1 - beta2^t)
        X <- X - lr_t G / (sqrt(V_hat) + eps)

    torch.optim.Adafactor (2.5+) adds relative steps and update clipping; this is
    the seed's bare algorithm.
    """
    (v,) = state
    v = hp.beta2 * v + (1.0 - hp.beta2) * g * g
    v_hat = v / (1.0 - hp.beta2 ** t)
    return x - lr * g / (ops.sqrt(v_hat) + hp.eps), (v,)


def has_matrix(layout) -> bool:
    """Weights with a matrix block take the factored form."""
    return any(len(shape) == 2 for _, shape in layout)


def init(X, ctx=None, hp=None):
    """Factored state when the weights have matrix blocks, else a plain v like Adam's."""
    if ctx is None or not has_matrix(ctx.layout):
        return AdafactorState(np.zeros(X.shape)) if isinstance(X, np.ndarray) else AdafactorState()
    return factored_init(X, ctx.layout)


def factored_init(X, layout):
    """One (R, C) pair per matrix block, one v per vector block; arrays of shape (runs, ...)."""
    runs = X.shape[0]
    blocks = []
    for _, shape in layout:
        if len(shape) == 2:
            blocks.append((np.zeros((runs, shape[0])), np.zeros((runs, shape[1]))))
        else:
            blocks.append((np.zeros((runs, int(np.prod(shape)))),))
    return FactoredState(tuple(blocks))


def factored_step(g, x, state, hp, t, lr, layout):
    """The factored update of ``adafactor`` on (runs, D) arrays split by ``layout``."""
    x_new = np.empty_like(x)
    new_state = []
    b2, corr = hp.beta2, 1.0 - hp.beta2 ** t
    lr = np.asarray(lr).reshape(-1, 1)
    offset = 0
    for (_, shape), block_state in zip(layout, state.blocks):
        size = int(np.prod(shape))
        G = g[:, offset:offset + size]
        Xb = x[:, offset:offset + size]
        if len(shape) == 2:
            n, m_cols = shape
            G2 = (G * G).reshape(-1, n, m_cols)
            R, C = block_state
            R = b2 * R + (1.0 - b2) * G2.sum(axis=2)
            C = b2 * C + (1.0 - b2) * G2.sum(axis=1)
            total = R.sum(axis=1, keepdims=True)
            V = (R[:, :, None] * C[:, None, :]) / np.where(total > 0, total, 1.0)[:, :, None]
            v_hat = (V / corr).reshape(-1, size)
            new_state.append((R, C))
        else:
            (v,) = block_state
            v = b2 * v + (1.0 - b2) * G * G
            v_hat = v / corr
            new_state.append((v,))
        x_new[:, offset:offset + size] = Xb - lr * G / (np.sqrt(v_hat) + hp.eps)
        offset += size
    return x_new, FactoredState(tuple(new_state))


def state_floats(layout, hp=None) -> int:
    """Floats of optimizer state for one copy of the weights: rows + columns per matrix."""
    return sum(shape[0] + shape[1] if len(shape) == 2 else int(np.prod(shape)) for _, shape in layout)


def adafactor_diagnostics(state, prev, hp, t, lr):
    """v_hat and lr_eff = lr_t / (sqrt(v_hat) + eps) (vectors: the float path's state)."""
    v_hat = state.v / (1.0 - hp.beta2 ** t)
    return Diagnostics((("v_hat", v_hat),), scale=lr / (np.sqrt(v_hat) + hp.eps))
