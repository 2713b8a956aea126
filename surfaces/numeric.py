"""Two numerical helpers shared by the built-in surfaces.

* :func:`constant_like` keeps constant second derivatives the same shape as the point.
* :func:`refine_stationary` finds the exact stationary point (to ~1e-12) near a rough
  guess with Newton's method on ``grad f = 0``, so the stars drawn on the map sit
  where the gradient really vanishes instead of on rounded textbook coordinates.
"""

from __future__ import annotations

import math

import numpy as np

from surfaces.base import Minimum


def constant_like(x, c):
    """``c`` as a Python float when ``x`` is a float, else an array of ``x``'s shape.

    A constant entry of a Hessian must broadcast like the point it belongs to (the
    saddle's ``hxy`` is ``0.0`` at a point and a zero grid on a grid).  ``x * 0.0 + c``
    would do that too, but it turns into nan at ``x = inf``.
    """
    if isinstance(x, float):
        return float(c)
    return np.full(np.shape(x), float(c))


def refine_stationary(surface, guess, kind: str = "global", max_steps: int = 60) -> Minimum:
    """Newton's method ``p <- p - H(p)^-1 grad f(p)`` from ``guess`` (a 1- or 2-tuple).

    Converges quadratically from a guess inside the point's basin; raises
    ``ArithmeticError`` if it does not settle, which means a wrong guess in the
    source, not bad user input (surfaces call it with fixed guesses only).
    """
    p = [float(v) for v in guess]
    for _ in range(max_steps):
        g = surface.grad(*p)
        h = surface.hessian(*p)
        if len(p) == 1:
            step = (g[0] / h[0],)
        else:
            (gx, gy), (hxx, hxy, hyy) = g, h
            det = hxx * hyy - hxy * hxy
            step = ((hyy * gx - hxy * gy) / det, (hxx * gy - hxy * gx) / det)
        p = [pi - si for pi, si in zip(p, step)]
        if max(abs(s) for s in step) <= 1e-15 * (1.0 + max(abs(v) for v in p)):
            break
    else:
        if max(abs(s) for s in step) > 1e-12:
            raise ArithmeticError(f"{surface.key}: no stationary point settled near {guess}")
    if not all(math.isfinite(v) for v in p):
        raise ArithmeticError(f"{surface.key}: Newton diverged from {guess}")
    return Minimum(point=tuple(p), value=float(surface.value(*p)), kind=kind)
