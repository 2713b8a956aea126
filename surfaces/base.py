"""The Surface record: a 1-D or 2-D loss function with its exact derivatives.

Surfaces are written in *coordinate form*: ``value(x, y)``, ``grad(x, y) ->
(gx, gy)``, ``hessian(x, y) -> (hxx, hxy, hyy)`` (1-D: ``value(x)``,
``grad(x) -> (gx,)``, ``hessian(x) -> (hxx,)``). The same code then serves a
single point given as Python floats (the engine's fast float path), a stack of
runs (``x = X[:, 0]``) and a whole contour grid (``x, y = np.meshgrid(...)``).
Transcendental functions go through :func:`ops_for`, which picks ``math`` for
floats and NumPy for arrays, because ``np.cos`` on a float costs ~1 us while
``math.cos`` costs ~50 ns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.hyper import Hyper, HyperError, validate_values


class _FloatMath:
    """math functions that behave like NumPy's on overflow (inf instead of OverflowError)."""

    pi = math.pi

    @staticmethod
    def exp(v):
        try:
            return math.exp(v)
        except OverflowError:
            return math.inf

    @staticmethod
    def cos(v):
        return math.cos(v) if math.isfinite(v) else math.nan

    @staticmethod
    def sin(v):
        return math.sin(v) if math.isfinite(v) else math.nan


FLOAT_MATH = _FloatMath()


def ops_for(v):
    """``math``-like namespace for a Python float, NumPy for arrays."""
    return FLOAT_MATH if isinstance(v, float) else np


@dataclass(frozen=True)
class Minimum:
    """A known stationary point drawn on the map (stars for minima)."""

    point: tuple[float, ...]
    value: float
    kind: str = "global"  # "global" | "local" | "saddle"


class Surface:
    """Base class of every surface. Subclasses set the class attributes and
    implement :meth:`value`, :meth:`grad` and :meth:`hessian` in coordinate form.
    """

    key: str = ""
    title: str = ""
    dim: int = 2
    formula: str = ""  # shown in the GUI, plain text
    reference: str = ""  # which lecture (seed) uses it and why
    hypers: tuple[Hyper, ...] = ()  # editable parameters (e.g. kappa, angle)
    default_view: tuple[float, ...] = (-3.0, 3.0, -3.0, 3.0)  # xmin, xmax[, ymin, ymax]
    default_start: tuple[float, ...] = (0.0, 0.0)
    default_lr: float | None = None  # a learning rate that shows the surface well
    convex: bool = False

    def __init__(self, **params):
        try:
            self.params = validate_values(self.hypers, params, owner=f"surface {self.key!r}")
        except HyperError:
            raise
        for name, val in self.params.items():
            setattr(self, name, val)
        self.view = tuple(float(v) for v in self.default_view)
        self.start = tuple(float(v) for v in self.default_start)

    # -- the function ---------------------------------------------------------------------
    def value(self, x, y=None):
        raise NotImplementedError

    def grad(self, x, y=None):
        raise NotImplementedError

    def hessian(self, x, y=None):
        raise NotImplementedError

    def minima(self) -> tuple[Minimum, ...]:
        """Known stationary points (global, local, saddle)."""
        return ()

    # -- derived --------------------------------------------------------------------------
    @property
    def min_value(self) -> float | None:
        """The lowest known value, for plotting ``loss - f*`` on a log axis."""
        values = [m.value for m in self.minima() if m.kind in ("global", "local")]
        return min(values) if values else None

    def smoothness(self) -> float | None:
        """The gradient's Lipschitz constant L when it is known globally (convex quadratics)."""
        return None

    def value_at(self, X):
        """Value at stacked points ``X`` of shape (R, dim)."""
        X = np.asarray(X, dtype=float)
        if X.ndim == 2 and self.dim == 2:  # the runners' (R, 2) rows: no generator per call
            return self.value(X[:, 0], X[:, 1])
        return self.value(*(X[..., i] for i in range(self.dim)))

    def grad_at(self, X):
        """Gradient at stacked points ``X`` (R, dim) -> (R, dim)."""
        X = np.asarray(X, dtype=float)
        out = np.empty(X.shape, dtype=float)
        if X.ndim == 2 and self.dim == 2:  # the runners' (R, 2) rows, on every update
            out[:, 0], out[:, 1] = self.grad(X[:, 0], X[:, 1])
            return out
        parts = self.grad(*(X[..., i] for i in range(self.dim)))
        for i, p in enumerate(parts):
            out[..., i] = p
        return out

    def hessian_at(self, X):
        """Hessian at stacked points ``X`` (R, dim) -> (R, dim, dim)."""
        X = np.asarray(X, dtype=float)
        parts = self.hessian(*(X[..., i] for i in range(self.dim)))
        out = np.empty(X.shape + (self.dim,), dtype=float)
        if self.dim == 1:
            out[..., 0, 0] = parts[0]
        else:
            hxx, hxy, hyy = parts
            out[..., 0, 0] = hxx
            out[..., 0, 1] = hxy
            out[..., 1, 0] = hxy
            out[..., 1, 1] = hyy
        return out

    def grid(self, nx: int = 200, ny: int = 200, view=None):
        """Values on a regular grid over the view box: (xs, ys, Z) with Z[j, i] = f(xs[i], ys[j])."""
        view = view or self.view
        xs = np.linspace(view[0], view[1], nx)
        if self.dim == 1:
            with np.errstate(all="ignore"):
                return xs, None, self.value(xs)
        ys = np.linspace(view[2], view[3], ny)
        X, Y = np.meshgrid(xs, ys)
        with np.errstate(all="ignore"):
            return xs, ys, self.value(X, Y)

    def with_view(self, view):
        self.view = tuple(float(v) for v in view)
        return self

    def describe(self) -> str:
        return f"{self.title}: {self.formula}"

    def spec(self) -> str:
        """The SPEC string that rebuilds this surface (``quadratic:kappa=10,angle=0``)."""
        changed = [f"{h.name}={h.format(self.params[h.name])}" for h in self.hypers
                   if self.params[h.name] != h.default]
        return self.key + (":" + ",".join(changed) if changed else "")
