"""The surfaces the lectures draw (seeds 001-004): each one makes a single point.

All are written in coordinate form (see :mod:`surfaces.base`): the same lines serve a
point held in Python floats (the engine's fast path: plain arithmetic and ``math``,
and ``x * x`` rather than ``x ** 2``, which raises ``OverflowError`` on a large float)
and NumPy arrays of any shape (stacked runs, contour grids).
"""

from __future__ import annotations

import math

from engine.hyper import Hyper
from surfaces.base import Minimum, Surface, ops_for
from surfaces.numeric import constant_like, refine_stationary


class Parabola(Surface):
    """``f(x) = scale * x^2``: the first picture of gradient descent.

    Seed 002's "too low / just right / too high": with ``L = 2 scale``, SGD creeps for
    ``lr << 1/L``, lands in one step at ``lr = 1/L``, bounces for ``1/L < lr < 2/L`` and
    diverges beyond ``2/L``.
    """

    key = "parabola"
    title = "Parabola"
    dim = 1
    formula = "scale * x^2"
    reference = "seed 002 (CSCI1470): learning rate too low / just right / too high"
    hypers = (Hyper("scale", 1.0, lo=0.1, hi=10.0, log=True, symbol="c",
                    doc="curvature: f = scale * x^2, so L = 2 scale"),)
    default_view = (-3.0, 3.0)
    default_start = (2.5,)
    # lr = 0.2 / L: x shrinks by 0.8 a step, slow enough to watch, no overshoot.
    default_lr = 0.1
    convex = True

    def __init__(self, **params):
        super().__init__(**params)
        self.default_lr = 0.1 / self.scale

    def value(self, x, y=None):
        return self.scale * (x * x)

    def grad(self, x, y=None):
        return (2.0 * self.scale * x,)

    def hessian(self, x, y=None):
        return (constant_like(x, 2.0 * self.scale),)

    def smoothness(self):
        return 2.0 * self.scale

    def minima(self):
        return (Minimum((0.0,), 0.0),)


class Sqrt8(Surface):
    """``f(x) = (x^2 - 8)^2``: seed 003 finds sqrt(8) by gradient descent from
    ``x = 3`` with ``lr = 0.01``.

    Minima at ``+-sqrt(8)`` (both global, value 0); ``x = 0`` is a local maximum.
    """

    key = "sqrt8"
    title = "Square root of 8"
    dim = 1
    formula = "(x^2 - 8)^2"
    reference = "seed 003 (CS190I): root finding as optimization, GD from x = 3 with lr = 0.01"
    default_view = (-4.0, 4.0)
    default_start = (3.0,)  # the lecture's start and learning rate
    default_lr = 0.01

    def value(self, x, y=None):
        d = x * x - 8.0
        return d * d

    def grad(self, x, y=None):
        return (4.0 * x * (x * x - 8.0),)

    def hessian(self, x, y=None):
        return (12.0 * (x * x) - 32.0,)

    def minima(self):
        r = math.sqrt(8.0)
        return (Minimum((-r,), 0.0), Minimum((r,), 0.0))


class Wavy(Surface):
    """``f(x) = x cos(pi x)``: seed 003's picture of a local vs the global minimum.

    On the view box [-1, 2] there are two minima: a local one near x = -0.274 and the
    global one near x = 1.090 (refined by Newton's method on first use), with a local
    maximum near x = 0.27 between them.
    """

    key = "wavy"
    title = "Local vs global minimum"
    dim = 1
    formula = "x cos(pi x)"
    reference = "seed 003 (CS190I): local vs global minima; GD stops in the basin it starts in"
    default_view = (-1.0, 2.0)
    # Left of the local maximum: SGD (lr 0.05) settles in the local minimum at -0.27
    # with the global one at 1.09 in plain view; momentum 0.9 rolls over into it.
    default_start = (-0.8,)
    default_lr = 0.05
    _minima = None

    def value(self, x, y=None):
        return x * ops_for(x).cos(math.pi * x)

    def grad(self, x, y=None):
        m = ops_for(x)
        px = math.pi * x
        return (m.cos(px) - px * m.sin(px),)

    def hessian(self, x, y=None):
        m = ops_for(x)
        px = math.pi * x
        return (-math.pi * (2.0 * m.sin(px) + px * m.cos(px)),)

    def minima(self):
        if Wavy._minima is None:
            Wavy._minima = (refine_stationary(self, (-0.3,), "local"),
                            refine_stationary(self, (1.1,), "global"))
        return Wavy._minima


class Quadratic(Surface):
    """``f = 1/2 (u^2 + kappa w^2)`` with ``(u, w)`` the point rotated by ``angle``.

    The Hessian has eigenvalue 1 along ``(cos a, sin a)`` (the long axis of the valley)
    and ``kappa`` across it, so ``kappa`` is the condition number of seeds 001/002:
    SGD zig-zags across the valley and crawls along it.
    """

    key = "quadratic"
    title = "Ill-conditioned quadratic"
    dim = 2
    formula = "1/2 (u^2 + kappa w^2),  u = x cos a + y sin a,  w = -x sin a + y cos a"
    reference = ("seeds 001/002: poor conditioning (condition number kappa); "
                 "SGD zig-zags across the valley, momentum and Adam fix it")
    hypers = (
        Hyper("kappa", 10.0, lo=1.0, hi=1000.0, log=True, symbol="kappa",
              doc="condition number: the Hessian's eigenvalues are 1 and kappa"),
        Hyper("angle", 0.0, lo=-90.0, hi=90.0,
              doc="direction of the valley's long axis, degrees from the x axis"),
    )
    default_view = (-3.0, 3.0, -3.0, 3.0)
    # Far along the flat axis and off it across the steep one, so the first steps
    # bounce across the valley (seed 002's "clear zig-zags").
    default_start = (-2.5, 1.5)
    # lr = 1.8 / L: the steep direction flips sign each step (factor 1 - 1.8 = -0.8)
    # while the flat one shrinks by 1 - 1.8/kappa. Scaled with kappa (at most 0.5, so
    # a round bowl is not turned into a bouncing one).
    default_lr = 0.18
    convex = True

    def __init__(self, **params):
        super().__init__(**params)
        self.default_lr = min(0.5, 1.8 / self.kappa)
        self._angle_used = None

    def _rotation(self):
        """(cos a, sin a), recomputed only when ``angle`` changed; exact at multiples of 90."""
        if self._angle_used != self.angle:
            quarter = self.angle / 90.0
            if quarter == int(quarter):
                self._cs = ((1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0))[int(quarter) % 4]
            else:
                a = math.radians(self.angle)
                self._cs = (math.cos(a), math.sin(a))
            self._angle_used = self.angle
        return self._cs

    def value(self, x, y):
        c, s = self._rotation()
        u = c * x + s * y
        w = c * y - s * x
        return 0.5 * (u * u + self.kappa * (w * w))

    def grad(self, x, y):
        c, s = self._rotation()
        u = c * x + s * y
        kw = self.kappa * (c * y - s * x)
        return (c * u - s * kw, s * u + c * kw)

    def hessian(self, x, y):
        c, s = self._rotation()
        k = self.kappa
        return (constant_like(x, c * c + k * (s * s)),
                constant_like(x, c * s * (1.0 - k)),
                constant_like(x, s * s + k * (c * c)))

    def smoothness(self):
        return max(1.0, self.kappa)

    def minima(self):
        return (Minimum((0.0, 0.0), 0.0),)


class Ravine(Surface):
    """``f = (x - 1)^2 + 100 (y - 1)^2``: seed 004's test for AdaGrad.

    Curvatures 2 and 200 along the axes: one global learning rate cannot suit both,
    a per-coordinate one (AdaGrad, RMSProp, Adam) can.
    """

    key = "ravine"
    title = "Axis-aligned ravine"
    dim = 2
    formula = "(x - 1)^2 + 100 (y - 1)^2"
    reference = "seed 004 (CS519): AdaGrad on (w1 - 1)^2 + 100 (w2 - 1)^2, per-weight learning rates"
    default_view = (-1.0, 3.0, -1.0, 3.0)
    # Far from the minimum along both axes, so the slow x direction is visible.
    default_start = (-0.5, 2.5)
    # lr = 1.8 / L with L = 200: y bounces (factor -0.8), x crawls (factor 0.982).
    default_lr = 0.009
    convex = True

    def value(self, x, y):
        dx = x - 1.0
        dy = y - 1.0
        return dx * dx + 100.0 * (dy * dy)

    def grad(self, x, y):
        return (2.0 * (x - 1.0), 200.0 * (y - 1.0))

    def hessian(self, x, y):
        return (constant_like(x, 2.0), constant_like(x, 0.0), constant_like(x, 200.0))

    def smoothness(self):
        return 200.0

    def minima(self):
        return (Minimum((1.0, 1.0), 0.0),)


class Saddle(Surface):
    """``f = x^2 - y^2``: seed 001's saddle point, where the gradient vanishes but it
    is no minimum. Unbounded below: every run that escapes leaves the view."""

    key = "saddle"
    title = "Saddle point"
    dim = 2
    formula = "x^2 - y^2"
    reference = "seed 001 (CS231n): zero gradient at a saddle point; noise helps to escape"
    default_view = (-2.0, 2.0, -2.0, 2.0)
    # Almost on the stable axis: SGD runs into the saddle, lingers while y grows by
    # (1 + 2 lr) a step from 1e-3, then escapes (~70 steps at lr = 0.05).
    default_start = (-1.8, 1e-3)
    default_lr = 0.05

    def value(self, x, y):
        return x * x - y * y

    def grad(self, x, y):
        return (2.0 * x, -2.0 * y)

    def hessian(self, x, y):
        return (constant_like(x, 2.0), constant_like(x, 0.0), constant_like(x, -2.0))

    def smoothness(self):
        return 2.0

    def minima(self):
        return (Minimum((0.0, 0.0), 0.0, kind="saddle"),)


# Widths of sharp-flat's two wells; _K = 1 / sigma^2.
_SIGMA_NARROW = 0.15
_SIGMA_WIDE = 0.8
_K_NARROW = 1.0 / (_SIGMA_NARROW * _SIGMA_NARROW)
_K_WIDE = 1.0 / (_SIGMA_WIDE * _SIGMA_WIDE)
EQUAL_DEPTH = 1.0575927  # sharp_depth at which both minima are equally deep (tests/test_surfaces.py)


class SharpFlat(Surface):
    """Two Gaussian wells in a shallow bowl ``0.05 (x^2 + y^2)`` (for SAM).

    * the **narrow** (sharp) well is centred at (1.5, 0), width 0.15, depth ``sharp_depth``
      (1 by default): curvature ~44;
    * the **wide** (flat) well is centred at (-1, 0), width 0.8, depth 1: curvature ~1.7.

    With depth 1 the narrow well's minimum (value ~ -0.895) is *local*, the bowl being
    higher there, and the wide one (~ -0.952) *global*. ``sharp_depth`` =
    ``EQUAL_DEPTH`` (~1.057) makes the two minima equally deep, so which well a run
    chooses says only "sharp or flat", not "local or global" (seed 002's question).
    Seed 002 asks which minimum generalizes: SAM's ``max_{||e|| <= rho} L(w + e)`` sees
    the narrow well as high and leaves it, plain SGD settles wherever it lands.
    """

    key = "sharp-flat"
    title = "Sharp vs flat minimum"
    dim = 2
    formula = ("0.05 (x^2 + y^2) - d exp(-((x - 1.5)^2 + y^2) / (2 * 0.15^2))"
               " - exp(-((x + 1)^2 + y^2) / (2 * 0.8^2))")
    reference = "seed 002 (CSCI1470): sharpness-aware minimization prefers the flat well"
    hypers = (Hyper("sharp_depth", 1.0, lo=0.5, hi=2.0, symbol="d",
                    doc="depth of the narrow well (the wide one has depth 1); ~1.057: equally deep minima"),)
    default_view = (-3.0, 3.0, -3.0, 3.0)
    # Upstream of the narrow well: SGD slides into it and stays (a sharp minimum);
    # SAM with rho_sam >= 0.1 on a momentum base is pushed out into the wide one.
    default_start = (2.2, 0.4)
    # Below 2 / 44 (the narrow well's curvature), so SGD can settle in the sharp well.
    default_lr = 0.02
    _minima_by_depth: dict = {}

    def _wells(self, x, y):
        exp = ops_for(x).exp
        dn = x - 1.5
        dw = x + 1.0
        yy = y * y
        narrow = self.sharp_depth * exp(-0.5 * _K_NARROW * (dn * dn + yy))
        wide = exp(-0.5 * _K_WIDE * (dw * dw + yy))
        return dn, dw, narrow, wide

    def value(self, x, y):
        _, _, narrow, wide = self._wells(x, y)
        return 0.05 * (x * x + y * y) - narrow - wide

    def grad(self, x, y):
        dn, dw, narrow, wide = self._wells(x, y)
        an = _K_NARROW * narrow
        aw = _K_WIDE * wide
        return (0.1 * x + an * dn + aw * dw, (0.1 + an + aw) * y)

    def hessian(self, x, y):
        dn, dw, narrow, wide = self._wells(x, y)
        an = _K_NARROW * narrow
        aw = _K_WIDE * wide
        yy = y * y
        hxx = 0.1 + an * (1.0 - _K_NARROW * (dn * dn)) + aw * (1.0 - _K_WIDE * (dw * dw))
        hxy = -(an * _K_NARROW * dn + aw * _K_WIDE * dw) * y
        hyy = 0.1 + an * (1.0 - _K_NARROW * yy) + aw * (1.0 - _K_WIDE * yy)
        return (hxx, hxy, hyy)

    def minima(self):
        """The wide (flat) minimum first, then the narrow (sharp) one; the lower is global,
        both are when they are equally deep (to 1e-6)."""
        cached = SharpFlat._minima_by_depth.get(self.sharp_depth)
        if cached is None:
            wide = refine_stationary(self, (-0.94, 0.0), "global")
            narrow = refine_stationary(self, (1.5, 0.0), "global")
            low = min(wide.value, narrow.value)
            cached = tuple(Minimum(m.point, m.value, "global" if m.value - low <= 1e-6 else "local")
                           for m in (wide, narrow))
            SharpFlat._minima_by_depth[self.sharp_depth] = cached
        return cached
