"""Second-order and quasi-Newton methods (seed 001, 003): Newton, BFGS, L-BFGS.

Vector rules: ``step(ctx, g, X, state, hp, t, lr) -> (X_new, state)`` on (R, D)
arrays. ``ctx.value(X)`` gives exact losses for the line search, ``ctx.hessian(X)``
the exact Hessian.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine.optimizers.base import Shape, ellipse_through


class BfgsState(NamedTuple):
    """H: the inverse-Hessian estimate (R, D, D); x_prev, g_prev: the last point and
    gradient (nan before the first update)."""

    H: np.ndarray
    x_prev: np.ndarray
    g_prev: np.ndarray


class LbfgsState(NamedTuple):
    """S, Y: the last m pairs (s, y), oldest first (R, m, D); count: pairs held (R,);
    x_prev, g_prev as BFGS's."""

    S: np.ndarray
    Y: np.ndarray
    count: np.ndarray
    x_prev: np.ndarray
    g_prev: np.ndarray


def newton(ctx, g, X, state, hp, t, lr):
    """Newton's method (seed 001, 003), exact Hessian.

        x <- x - lr_t (H + damping I)^-1 g

    One step solves a quadratic exactly (lr = 1). On a saddle it heads straight
    for the saddle point: it seeks stationary points, not minima. damping > 0 is
    Levenberg-Marquardt's fix. No torch.optim equivalent.
    """
    H = ctx.hessian(X) + hp_scalar(hp.damping)[..., None] * np.eye(X.shape[1])
    try:
        p = np.linalg.solve(H, g[..., None])[..., 0]
    except np.linalg.LinAlgError:
        # A singular Hessian (flat direction): the pseudo-inverse gives the
        # minimum-norm Newton step instead of an exception.
        p = np.einsum("rij,rj->ri", np.linalg.pinv(H), g)
    return X - np.reshape(lr, (-1, 1)) * p, state


def hp_scalar(v):
    return np.reshape(np.asarray(v, dtype=float), (-1, 1))


def _armijo(ctx, x, f, g, p, alpha0, c1, max_halvings=40):
    """Backtracking line search: halve alpha until f(x + alpha p) <= f(x) + c1 alpha g.p."""
    slope = float(g @ p)
    alpha = alpha0
    for _ in range(max_halvings):
        f_new = ctx.value1(x + alpha * p)
        if np.isfinite(f_new) and f_new <= f + c1 * alpha * slope:
            return alpha
        alpha *= 0.5
    return 0.0  # no decrease found: stay (the next step sees the same point)


_TINY = np.finfo(float).tiny


def _curvature_ok(s, y) -> bool:
    """Keep a pair (s, y) only if y.s > 0 relative to |s||y| (the curvature condition) and
    y.s, y.y are normal floats. Near a minimum s and y shrink to ~1e-155; their products
    turn denormal, 1 / (y.s) overflows and the next direction is nan. Such a run has
    converged, so it keeps its last curvature instead."""
    ys = float(y @ s)
    return (ys > 1e-12 * float(np.linalg.norm(s) * np.linalg.norm(y))
            and ys > _TINY and float(y @ y) > _TINY)


def bfgs_inverse_update(H, x, g, x_prev, g_prev):
    """H after the pair (s, y) = (x - x_prev, g - g_prev), as the rule makes it before a step."""
    if np.all(np.isfinite(x_prev)):
        s, y = x - x_prev, g - g_prev
        if _curvature_ok(s, y):
            eye = np.eye(len(x))
            rho = 1.0 / float(y @ s)
            H = (eye - rho * np.outer(s, y)) @ H @ (eye - rho * np.outer(y, s)) + rho * np.outer(s, s)
    return H


def bfgs_init(X, ctx=None, hp=None):
    R, D = X.shape
    return BfgsState(np.broadcast_to(np.eye(D), (R, D, D)).copy(), np.full((R, D), np.nan), np.full((R, D), np.nan))


def bfgs(ctx, g, X, state, hp, t, lr):
    """BFGS (seed 001): an inverse-Hessian estimate H built from gradient differences.

        s = x_t - x_{t-1};  y = g_t - g_{t-1};  r = 1 / (y.s)
        H <- (I - r s y^T) H (I - r y s^T) + r s s^T      (skipped unless y.s > 0)
        p = -H g
        alpha = lr, halved until f(x + alpha p) <= f(x) + c1 alpha g.p   (Armijo)
        x <- x + alpha p

    No torch.optim equivalent (scipy.optimize's BFGS uses a Wolfe search).
    """
    H_all, x_prev, g_prev = state
    H_all, x_prev, g_prev = H_all.copy(), x_prev.copy(), g_prev.copy()
    X_new = X.copy()
    lr = np.broadcast_to(np.reshape(lr, (-1,)), (X.shape[0],))
    c1 = np.broadcast_to(np.reshape(hp.c1, (-1,)), (X.shape[0],))
    eye = np.eye(X.shape[1])
    for r in range(X.shape[0]):
        x, gr, H = X[r], g[r], H_all[r]
        if not np.all(np.isfinite(x)) or not np.all(np.isfinite(gr)):
            X_new[r] = np.nan
            continue
        H = bfgs_inverse_update(H, x, gr, x_prev[r], g_prev[r])
        p = -H @ gr
        if float(gr @ p) >= 0.0:  # not a descent direction (H lost curvature): restart
            H, p = eye.copy(), -gr
        alpha = _armijo(ctx, x, ctx.value1(x), gr, p, float(lr[r]), float(c1[r]))
        H_all[r], x_prev[r], g_prev[r] = H, x, gr
        X_new[r] = x + alpha * p
    return X_new, BfgsState(H_all, x_prev, g_prev)


def lbfgs_push(S, Y, count, x, g, x_prev, g_prev):
    """The pairs after (s, y) = (x - x_prev, g - g_prev) joins them (oldest dropped), as
    the rule keeps them before a step."""
    if np.all(np.isfinite(x_prev)):
        s, y = x - x_prev, g - g_prev
        if _curvature_ok(s, y):
            S, Y = np.roll(S, -1, axis=0), np.roll(Y, -1, axis=0)
            S[-1], Y[-1] = s, y
            count = min(int(count) + 1, S.shape[0])
    return S, Y, count


def lbfgs_init(X, ctx=None, hp=None):
    history = int(getattr(hp, "history", 10))
    R, D = X.shape
    return LbfgsState(np.zeros((R, history, D)), np.zeros((R, history, D)), np.zeros(R, dtype=int),
            np.full((R, D), np.nan), np.full((R, D), np.nan))


def lbfgs(ctx, g, X, state, hp, t, lr):
    """L-BFGS (seed 001): BFGS with the last m pairs (s, y) instead of a D x D matrix.

        two-loop recursion:   q = g
          for i = newest..oldest:  a_i = r_i s_i.q;   q <- q - a_i y_i
          q <- (s.y / y.y)_newest q
          for i = oldest..newest:  b = r_i y_i.q;     q <- q + (a_i - b) s_i
        p = -q;  Armijo line search from alpha = lr;  x <- x + alpha p

    torch.optim.LBFGS(history_size=m) uses the same recursion with its own line search.
    """
    S, Y, count, x_prev, g_prev = (a.copy() for a in state)
    X_new = X.copy()
    lr = np.broadcast_to(np.reshape(lr, (-1,)), (X.shape[0],))
    c1 = np.broadcast_to(np.reshape(hp.c1, (-1,)), (X.shape[0],))
    m = S.shape[1]
    for r in range(X.shape[0]):
        x, gr = X[r], g[r]
        if not np.all(np.isfinite(x)) or not np.all(np.isfinite(gr)):
            X_new[r] = np.nan
            continue
        S[r], Y[r], count[r] = lbfgs_push(S[r], Y[r], count[r], x, gr, x_prev[r], g_prev[r])
        q = gr.copy()
        k = int(count[r])
        alphas = []
        for i in range(m - 1, m - 1 - k, -1):
            rho = 1.0 / float(Y[r, i] @ S[r, i])
            a = rho * float(S[r, i] @ q)
            q -= a * Y[r, i]
            alphas.append((i, rho, a))
        if k:
            q *= float(S[r, -1] @ Y[r, -1]) / float(Y[r, -1] @ Y[r, -1])
        for i, rho, a in reversed(alphas):
            b = rho * float(Y[r, i] @ q)
            q += (a - b) * S[r, i]
        p = -q
        if float(gr @ p) >= 0.0:
            p = -gr
        alpha = _armijo(ctx, x, ctx.value1(x), gr, p, float(lr[r]), float(c1[r]))
        x_prev[r], g_prev[r] = x, gr
        X_new[r] = x + alpha * p
    return X_new, LbfgsState(S, Y, count, x_prev, g_prev)


# -- geometry of one update (issue 14): the quadratic models the rules step to ---------------


def _model_shapes(x, g, B, label, role):
    """The model f + g.d + d^T B d / 2: its minimiser x - B^-1 g and its level set
    through x (an ellipse when B is positive definite; a saddle model has none)."""
    try:
        centre = x - np.linalg.solve(B, g)
    except np.linalg.LinAlgError:
        return ()
    if not np.all(np.isfinite(centre)):
        return ()
    shapes = [Shape("point", centre, label=f"{label}: its minimiser" if role == "model" else label, role=role)]
    if np.all(np.linalg.eigvalsh(0.5 * (B + B.T)) > 0):
        A = ellipse_through(centre, B, x)
        if A is not None:
            for level in (1.0, 0.25):  # the level through x and one inside
                shapes.append(Shape("ellipse", centre, A=A / level, label=label, role=role))
    return tuple(shapes)


def _true_hessian(ctx, x):
    return ctx.hessian(np.asarray(x, dtype=float)[None, :])[0]


def newton_geometry(u):
    """Contours of the quadratic model Newton jumps to (H + damping I); its minimiser is
    the next point at lr = 1. A saddle's model has no minimum: only its stationary point."""
    ctx, x, g, hp = u.ctx, u.x, u.g, u.hp
    H = _true_hessian(ctx, x) + float(hp.damping) * np.eye(len(x))
    return _model_shapes(x, g, H, "Newton's quadratic model", "model")


def bfgs_geometry(u):
    """The model of the inverse-Hessian estimate (its ellipse through x and its minimiser,
    the direction before the line search) beside the true Hessian's."""
    ctx, x, g, state = u.ctx, u.x, u.g, u.state
    H = bfgs_inverse_update(np.asarray(state.H)[0], x, g, np.asarray(state.x_prev)[0], np.asarray(state.g_prev)[0])
    B = np.linalg.inv(H)
    return (_model_shapes(x, g, B, "BFGS's estimate", "model")
            + _model_shapes(x, g, _true_hessian(ctx, x), "true Hessian", "true"))


def lbfgs_inverse(S, Y, count):
    """The inverse-Hessian estimate the two-loop recursion applies, as a D x D matrix
    (its action on each unit vector): the same recursion as ``lbfgs``."""
    m, D = S.shape
    k = int(count)
    out = np.empty((D, D))
    for j in range(D):
        q = np.zeros(D)
        q[j] = 1.0
        alphas = []
        for i in range(m - 1, m - 1 - k, -1):
            rho = 1.0 / float(Y[i] @ S[i])
            a = rho * float(S[i] @ q)
            q -= a * Y[i]
            alphas.append((i, rho, a))
        if k:
            q *= float(S[-1] @ Y[-1]) / float(Y[-1] @ Y[-1])
        for i, rho, a in reversed(alphas):
            b = rho * float(Y[i] @ q)
            q += (a - b) * S[i]
        out[:, j] = q
    return out


def lbfgs_geometry(u):
    """As BFGS's, with the estimate the last m pairs (s, y) make."""
    ctx, x, g, state = u.ctx, u.x, u.g, u.state
    S, Y, count = lbfgs_push(np.asarray(state.S)[0].copy(), np.asarray(state.Y)[0].copy(),
                             np.asarray(state.count)[0], x, g, np.asarray(state.x_prev)[0],
                             np.asarray(state.g_prev)[0])
    B = np.linalg.inv(lbfgs_inverse(S, Y, count))  # no pairs yet: I, the direction -g
    return (_model_shapes(x, g, B, "L-BFGS's estimate", "model")
            + _model_shapes(x, g, _true_hessian(ctx, x), "true Hessian", "true"))
