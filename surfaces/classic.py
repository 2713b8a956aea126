"""Classic optimization test functions (Rosenbrock, Beale, Himmelblau, Rastrigin,
six-hump camel), in the same coordinate form as :mod:`surfaces.lecture`.

They go beyond the seeds on purpose: curved valleys, plateaus, several equal minima
and a sea of local ones are where the optimizers of the lectures differ visibly.
Float paths use ``x * x`` instead of ``x ** 2`` (a large float raises OverflowError).
"""

from __future__ import annotations

import math

from engine.hyper import Hyper
from surfaces.base import Minimum, Surface, ops_for
from surfaces.numeric import constant_like, refine_stationary


class Rosenbrock(Surface):
    """``f = (a - x)^2 + b (y - x^2)^2``: a curved, flat-bottomed banana valley.

    Minimum ``(a, a^2)`` with value 0. Reaching the valley is easy, following it is
    slow for SGD; momentum, Adam and (L-)BFGS show their differences here.
    """

    key = "rosenbrock"
    title = "Rosenbrock banana"
    dim = 2
    formula = "(a - x)^2 + b (y - x^2)^2"
    reference = "beyond the seeds: a curved valley (ill-conditioning that changes direction)"
    hypers = (
        # |a| <= 1.5 keeps the minimum (a, a^2) inside the default view.
        Hyper("a", 1.0, lo=-1.5, hi=1.5, doc="the minimum is at (a, a^2)"),
        Hyper("b", 100.0, lo=0.1, hi=1000.0, log=True,
              doc="steepness of the valley walls"),
    )
    default_view = (-2.0, 2.0, -1.0, 3.0)
    # The classic start: on the far side of the banana, so a run first drops into the
    # valley and then has to follow its bend to (1, 1).
    default_start = (-1.5, 2.0)
    # The largest curvature on the way is ~2 + 8 b x^2 ~ 1800 at x = -1.5: SGD needs
    # lr < 2 / 1800; 0.001 is just stable and reaches (1, 1) in a few thousand steps.
    # Scaled as 0.1 / b for steeper walls (the (a - x)^2 part rules below b = 10).
    default_lr = 0.001

    def __init__(self, **params):
        super().__init__(**params)
        self.default_lr = 0.1 / max(self.b, 10.0)

    def value(self, x, y):
        d = self.a - x
        r = y - x * x
        return d * d + self.b * (r * r)

    def grad(self, x, y):
        r = y - x * x
        br2 = 2.0 * self.b * r
        return (-2.0 * (self.a - x) - 2.0 * x * br2, br2)

    def hessian(self, x, y):
        b = self.b
        return (2.0 + b * (12.0 * (x * x) - 4.0 * y), -4.0 * b * x, constant_like(x, 2.0 * b))

    def minima(self):
        return (Minimum((self.a, self.a * self.a), 0.0),)


class Beale(Surface):
    """Beale's function: sharp ridges and a flat floor leading to the minimum (3, 0.5)."""

    key = "beale"
    title = "Beale"
    dim = 2
    formula = "(1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2"
    reference = "beyond the seeds: plateaus and steep walls; adaptive methods vs SGD"
    default_view = (-4.5, 4.5, -4.5, 4.5)
    # Above the flat valley that bends to the minimum, where the gradient is moderate
    # (|g| ~ 100); from the other usual start, (3, 4), |g| ~ 1e5 and plain SGD needs an
    # lr so small that it barely moves afterwards.
    default_start = (1.0, 1.5)
    # Below 2 / 282 (the largest curvature at the start); SGD reaches (3, 0.5) in ~3000 steps.
    default_lr = 0.005

    @staticmethod
    def _terms(x, y):
        y2 = y * y
        y3 = y2 * y
        return y2, y3, 1.5 - x + x * y, 2.25 - x + x * y2, 2.625 - x + x * y3

    def value(self, x, y):
        _, _, t1, t2, t3 = self._terms(x, y)
        return t1 * t1 + t2 * t2 + t3 * t3

    def grad(self, x, y):
        y2, y3, t1, t2, t3 = self._terms(x, y)
        gx = 2.0 * (t1 * (y - 1.0) + t2 * (y2 - 1.0) + t3 * (y3 - 1.0))
        gy = 2.0 * x * (t1 + 2.0 * y * t2 + 3.0 * y2 * t3)
        return (gx, gy)

    def hessian(self, x, y):
        y2, y3, t1, t2, t3 = self._terms(x, y)
        a1, a2, a3 = y - 1.0, y2 - 1.0, y3 - 1.0  # d t_i / dx
        b1, b2, b3 = x, 2.0 * x * y, 3.0 * x * y2  # d t_i / dy
        hxx = 2.0 * (a1 * a1 + a2 * a2 + a3 * a3)
        hxy = 2.0 * (a1 * b1 + a2 * b2 + a3 * b3 + t1 + 2.0 * y * t2 + 3.0 * y2 * t3)
        hyy = 2.0 * (b1 * b1 + b2 * b2 + b3 * b3 + 2.0 * x * t2 + 6.0 * x * y * t3)
        return (hxx, hxy, hyy)

    def minima(self):
        return (Minimum((3.0, 0.5), 0.0),)


class Himmelblau(Surface):
    """Himmelblau's function: four global minima of value 0; where a run ends depends
    on where it starts and on the optimizer's momentum."""

    key = "himmelblau"
    title = "Himmelblau"
    dim = 2
    formula = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"
    reference = "beyond the seeds: several equal minima, basins of attraction"
    default_view = (-5.0, 5.0, -5.0, 5.0)
    # The centre of the box, near the local maximum (-0.27, -0.92) where the four basins
    # meet: SGD (lr 0.01) goes to (3, 2), momentum 0.9 overshoots into (3.58, -1.85).
    default_start = (0.0, 0.0)
    # The curvature at the minima is at most ~133 (at (-3.78, -3.28)): 0.01 < 2 / 133.
    default_lr = 0.01
    _minima = None

    def value(self, x, y):
        p = x * x + y - 11.0
        q = x + y * y - 7.0
        return p * p + q * q

    def grad(self, x, y):
        p = x * x + y - 11.0
        q = x + y * y - 7.0
        return (4.0 * x * p + 2.0 * q, 2.0 * p + 4.0 * y * q)

    def hessian(self, x, y):
        p = x * x + y - 11.0
        q = x + y * y - 7.0
        return (4.0 * p + 8.0 * (x * x) + 2.0, 4.0 * (x + y), 4.0 * q + 8.0 * (y * y) + 2.0)

    def minima(self):
        if Himmelblau._minima is None:
            guesses = ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                       (3.584428, -1.848126))
            Himmelblau._minima = tuple(refine_stationary(self, g) for g in guesses)
        return Himmelblau._minima


_TWO_PI = 2.0 * math.pi


class Rastrigin(Surface):
    """Rastrigin's function: a bowl covered with a grid of local minima near every
    integer point; only (0, 0) is global. Listed: the global one and the ring of eight
    local minima around it (values ~1 and ~2)."""

    key = "rastrigin"
    title = "Rastrigin"
    dim = 2
    formula = "20 + (x^2 - 10 cos(2 pi x)) + (y^2 - 10 cos(2 pi y))"
    reference = "beyond the seeds: many local minima (seed 003's local vs global, in 2-D)"
    default_view = (-5.12, 5.12, -5.12, 5.12)
    # Between bumps, several basins from the global one: SGD stops in the nearest
    # local minimum; noise, momentum or random search can hop further.
    default_start = (2.6, -3.3)
    # The curvature peaks at 2 + 40 pi^2 ~ 397, so SGD needs lr < 2 / 397 = 0.005.
    default_lr = 0.002
    _minima = None

    def value(self, x, y):
        cos = ops_for(x).cos
        return 20.0 + (x * x - 10.0 * cos(_TWO_PI * x)) + (y * y - 10.0 * cos(_TWO_PI * y))

    def grad(self, x, y):
        sin = ops_for(x).sin
        return (2.0 * x + 10.0 * _TWO_PI * sin(_TWO_PI * x),
                2.0 * y + 10.0 * _TWO_PI * sin(_TWO_PI * y))

    def hessian(self, x, y):
        cos = ops_for(x).cos
        c = 10.0 * _TWO_PI * _TWO_PI
        return (2.0 + c * cos(_TWO_PI * x), constant_like(x, 0.0), 2.0 + c * cos(_TWO_PI * y))

    def minima(self):
        if Rastrigin._minima is None:
            ring = [(i, j) for i in (-1, 0, 1) for j in (-1, 0, 1) if (i, j) != (0, 0)]
            Rastrigin._minima = (Minimum((0.0, 0.0), 0.0),) + tuple(
                refine_stationary(self, (float(i), float(j)), "local") for i, j in ring)
        return Rastrigin._minima


class SixHumpCamel(Surface):
    """The six-hump camel function: two global minima +-(0.0898, -0.7126) of value
    -1.0316 and four local ones (+-(-1.7036, 0.7961) at -0.2155, +-(1.6071, 0.5687)
    at 2.1043), all refined by Newton's method on first use."""

    key = "six-hump-camel"
    title = "Six-hump camel"
    dim = 2
    formula = "(4 - 2.1 x^2 + x^4 / 3) x^2 + x y + (-4 + 4 y^2) y^2"
    reference = "beyond the seeds: two global and four local minima of different depths"
    default_view = (-3.0, 3.0, -2.0, 2.0)
    # Up the slope above the local minimum (-1.70, 0.80): SGD settles there, momentum
    # 0.9 carries on over the hump to the global minimum (0.09, -0.71).
    default_start = (-2.0, 1.8)
    # The curvature is below 200 for |x| < 2.4 (it reaches ~590 at x = +-3), so SGD
    # with 0.01 is stable over most of the box.
    default_lr = 0.01
    _minima = None

    def value(self, x, y):
        x2 = x * x
        y2 = y * y
        return (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (4.0 * y2 - 4.0) * y2

    def grad(self, x, y):
        x2 = x * x
        return (x * (8.0 - 8.4 * x2 + 2.0 * (x2 * x2)) + y, x + y * (16.0 * (y * y) - 8.0))

    def hessian(self, x, y):
        x2 = x * x
        return (8.0 - 25.2 * x2 + 10.0 * (x2 * x2), constant_like(x, 1.0), 48.0 * (y * y) - 8.0)

    def minima(self):
        if SixHumpCamel._minima is None:
            guesses = (((0.0898, -0.7126), "global"), ((-0.0898, 0.7126), "global"),
                       ((-1.7036, 0.7961), "local"), ((1.7036, -0.7961), "local"),
                       ((1.6071, 0.5687), "local"), ((-1.6071, -0.5687), "local"))
            SixHumpCamel._minima = tuple(refine_stationary(self, g, k) for g, k in guesses)
        return SixHumpCamel._minima
