"""What every optimizer record is made of, below the rules themselves.

A rule's state is a ``NamedTuple`` declared beside the rule (as optax's
``ScaleByAdamState``): its field names are the lecture's symbols (m, v, ...) and,
for element-wise rules, its field defaults are the values the state starts from.
Every record builds its state with one signature, ``init(X, ctx, hp)``:

* ``X``: the starting point, a Python float (one coordinate, the float path) or an
  (R, D) array (R runs, the batched path);
* ``ctx``: the problem as a rule may see it (``engine.stepper.StepContext``: layout,
  exact values, Hessian, reproducible draws), None on the float path;
* ``hp``: the hyperparameters as attributes (``hp.history`` sizes L-BFGS's memory).

A rule may return its new state as the NamedTuple or as a plain tuple in the same field
order. The built-in element-wise rules return plain tuples: the float path makes one per
coordinate per update, and a NamedTuple costs ~0.5 us more each (40 % of a 2-D Adam path).
Readers never depend on which: traces carry the slots with their names (``state_names``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np


class NoState(NamedTuple):
    """Rules that remember nothing between updates (SGD, Newton)."""


def elementwise_init(state_type):
    """``init`` of an element-wise rule: every slot a copy of x's shape holding the
    slot's default (a float on the float path, an (R, D) array on the batched path)."""
    defaults = tuple(state_type._field_defaults.get(name, 0.0) for name in state_type._fields)

    def init(X, ctx=None, hp=None):
        if isinstance(X, np.ndarray):
            return state_type(*(np.full(X.shape, v, dtype=float) for v in defaults))
        return state_type(*defaults)

    init.__doc__ = f"{state_type.__name__} with {', '.join(state_type._fields) or 'no slots'} at their start values."
    return init


def weights_size(layout) -> int:
    """D: the number of weights in a layout (("W1", (2, 64)), ("b1", (64,)), ...)."""
    return sum(math.prod(int(s) for s in shape) for _, shape in layout)


def per_weight(slots: int):
    """``state_floats`` of a rule that keeps ``slots`` floats per weight."""
    return lambda layout, hp=None: slots * weights_size(layout)


class Diagnostics(NamedTuple):
    """What the inspector and the head overlays show of update t beyond the raw state.

    ``rows``: derived vectors as (name, value) pairs (m_hat, v_hat, ...);
    ``velocity``: the momentum as a displacement, comparable with the plain step -lr_t g;
    ``scale``: the effective learning rate per coordinate (shown as lr_eff);
    ``hide``: state slots that mean nothing under these hyperparameters (v_max without
    amsgrad)."""

    rows: tuple = ()
    velocity: object = None
    scale: object = None
    hide: tuple = ()


class Shape(NamedTuple):
    """One piece of an update's geometry (issue 14), in the coordinates of the weights,
    drawn by the GUI at the run's current point. ``kind``:

    * ``ellipse``: {p : (p - center)^T A (p - center) = 1} with ``A`` (D, D) positive
      definite (a ball of radius r is A = I / r^2);
    * ``box``: |p_i - center_i| <= half_i, ``half`` (D,);
    * ``point``: ``center`` itself; ``arrow``: from ``center`` to ``to``.

    ``role``: "model" (what the rule believes: the run's colour) or "true" (the problem's
    exact quantity, for comparison: dark and dashed); ``label`` says what it is.
    ``anchor``: set for a set of *steps* (an arrow, Lion's box, a preconditioner's
    ellipse), which the GUI may magnify about that point as it does the step arrows;
    None for a place (a minimiser, SAM's ball), always drawn true to size."""

    kind: str
    center: object
    A: object = None
    half: object = None
    to: object = None
    label: str = ""
    role: str = "model"
    anchor: object = None


def ellipse_through(center, A, point):
    """The ellipse of matrix A about ``center`` scaled to pass through ``point`` (a
    quadratic model's level set through the current point); None if it cannot."""
    d = np.asarray(point, dtype=float) - np.asarray(center, dtype=float)
    level = float(d @ A @ d)
    if not (np.isfinite(level) and level > 0):
        return None
    return np.asarray(A, dtype=float) / level


def diagonal_geometry(diagnostics):
    """Geometry of a diagonal preconditioner (AdaGrad, RMSProp, Adam, ...): the ellipse of
    steps -P u it allows for gradients u as long as g, P = diag(lr_eff) of this update,
    beside the circle plain SGD allows (radius lr |g|). Its axes are the coordinate axes
    whatever the valley's direction: why adaptive rules love axis-aligned valleys."""

    def geometry(u):
        d = diagnostics(u.new_state, u.state, u.hp, u.t, u.lr)
        if d.scale is None:
            return ()
        scale = np.asarray(d.scale, dtype=float).reshape(-1)[: len(u.x)]
        norm = float(np.sqrt(u.g @ u.g))
        if not (norm > 0 and np.all(np.isfinite(scale)) and np.all(scale > 0)):
            return ()
        shapes = [Shape("ellipse", u.x, A=np.diag(1.0 / (scale * norm) ** 2),
                        label="steps the diagonal preconditioner allows", anchor=u.x)]
        if u.lr > 0:
            shapes.append(Shape("ellipse", u.x, A=np.eye(len(u.x)) / (u.lr * norm) ** 2,
                                label="plain SGD's circle, radius lr |g|", role="true", anchor=u.x))
        return tuple(shapes)

    return geometry
