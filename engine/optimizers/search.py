"""Random search (seed 001, "strategy #1: a first very bad idea solution")."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class SearchState(NamedTuple):
    """f_x: the loss at x, kept so each update evaluates f only once."""

    f_x: object


def random_search(ctx, g, X, state, hp, t, lr):
    """Random search: no gradient at all.

        x' = x + sigma N(0, I)      (sigma = 0: x' uniform in the view box)
        x <- x' if f(x') < f(x)

    Proposals are drawn by ``ctx.random(t, ...)``, a function of (seed, t) alone, so a
    run is reproducible and the rule keeps no random state. No torch.optim equivalent.
    """
    sigma = hp.sigma
    if isinstance(sigma, float):  # one sigma for all runs: no array tests per update
        uniform_wanted = sigma == 0.0
    else:
        sigma = np.reshape(np.asarray(sigma, dtype=float), (-1, 1))
        uniform_wanted = bool(np.any(sigma == 0))
    f_x = state.f_x
    proposal = X + sigma * ctx.random(t, "normal", X.shape)
    if uniform_wanted:
        box = view_box(ctx.view, X.shape[1])
        if box is not None:
            lo, hi = np.array(box).T
            uniform = lo + (hi - lo) * ctx.random(t, "uniform", X.shape)
        else:
            uniform = X + ctx.random(t, "normal", X.shape)  # no box (weights): a unit Gaussian step
        proposal = np.where(sigma > 0, proposal, uniform)
    f_new = ctx.value(proposal)
    better = f_new < f_x
    return np.where(better[:, None], proposal, X), SearchState(np.where(better, f_new, f_x))


def view_box(view, D: int) -> list | None:
    """The (lo, hi) pair of each of the D coordinates in a surface's view (x0, x1, y0, y1),
    where sigma = 0 draws its uniform proposals; None without one (weights)."""
    if view is None or len(view) < 2 * D:
        return None
    return list(zip(view[0::2][:D], view[1::2][:D]))


def random_search_floats(value, x, f_x, sigma, normal, uniform, box):
    """The same update for one run held in Python floats (runner.run): ~1 us, where the
    array rule's dozen NumPy calls on a (1, D) array cost ~20 us. ``normal``/``uniform``
    are update t's draws from ``ctx.random`` (the array rule's), ``box`` is ``view_box``.
    Returns (x, f(x))."""
    if sigma != 0.0:
        proposal = [xi + sigma * n for xi, n in zip(x, normal)]
    elif box is not None:
        proposal = [lo + (hi - lo) * u for (lo, hi), u in zip(box, uniform)]
    else:  # no box (weights): a unit Gaussian step
        proposal = [xi + n for xi, n in zip(x, normal)]
    f_new = value(*proposal)
    if f_new < f_x:  # False for nan, as np.where keeps x there
        return proposal, f_new
    return x, f_x


def random_search_init(X, ctx, hp=None):
    return SearchState(ctx.value(X))
