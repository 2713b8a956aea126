"""The custom surface: a formula in x (and y) typed by the user (SPEC section 5, ``custom``).

The text is read by :mod:`surfaces.formula_parse` -- a tokenizer and parser of our own,
never ``eval`` -- and differentiated exactly by :mod:`surfaces.formula_diff` (forward-mode
automatic differentiation with second-order jets). This module joins the two into a
:class:`Formula` and a :class:`CustomSurface`.

Use::

    s = CustomSurface(formula="x**2 + 10*y**2", xmin=-3, xmax=3, ymin=-3, ymax=3)
    s.value(1.0, 2.0), s.grad(1.0, 2.0), s.hessian(1.0, 2.0)    # 41.0 (2.0, 40.0) (2.0, 0.0, 20.0)

    try:
        parse_formula("x + $")
    except FormulaError as err:
        err.position      # 4
        str(err)          # "unexpected character '$' at column 5: allowed are ..."
        err.caret()       # "x + $\n    ^"
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from engine.hyper import Hyper, HyperError, read_number
from surfaces.base import Surface
from surfaces.library import register_surface

if TYPE_CHECKING:
    from surfaces.formula_parse import Node

# The parser and the differentiator (~850 lines) load with the first formula, not with this
# module: importing `surfaces` registers `custom`, and `main.py trace --surface rosenbrock`
# compiled both for nothing (~6% of its instructions where Python keeps no bytecode cache).
# The parser's public names still live here (PEP 562): ``from surfaces.formula import
# FormulaError`` loads it then.
_PARSER_NAMES = frozenset({"FUNCTIONS", "MAX_DEPTH", "MAX_EXPONENT", "MAX_LENGTH", "MAX_NODES", "MAX_NUMBER",
                           "FormulaError", "Node", "caret_lines", "parse_tree"})
_MACHINERY: dict = {}  # the names above, Compiled and finish, once a formula needs them


def _machinery() -> dict:
    """The parser's and differentiator's names, imported once: later formulas run no
    import statement (the tests' tripwire refuses any while a hostile text is parsed)."""
    if not _MACHINERY:
        from surfaces import formula_parse
        from surfaces.formula_diff import Compiled, finish

        _MACHINERY.update({name: vars(formula_parse)[name] for name in _PARSER_NAMES})
        _MACHINERY.update(Compiled=Compiled, finish=finish)
    return _MACHINERY


def __getattr__(name):
    # only the fixed names above (a module attribute, never text from a formula)
    if name in _PARSER_NAMES:
        return _machinery()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- the compiled formula --------------------------------------------------------------


class Formula:
    """A parsed formula with exact derivatives, in the coordinate form of
    :class:`surfaces.base.Surface`. 1-D when it does not use ``y``: ``value(x)``,
    ``grad(x) -> (gx,)``, ``hessian(x) -> (hxx,)``. Floats in, floats out; arrays in,
    arrays out; nothing raises (``log(-1)`` is nan, overflow is inf)."""

    def __init__(self, text: str, tree: Node):
        parts = _machinery()
        self.text, self.tree = text, tree
        self.dim = 2 if "y" in tree.variables() else 1
        self._compiled = parts["Compiled"](tree)
        self._run, self._finish = parts["Compiled"].run, parts["finish"]

    def _point(self, x, y):
        if self.dim == 1:
            return x, 0.0
        if y is None:
            raise TypeError(f"the formula {self.text!r} uses y: call it with (x, y)")
        return x, y

    def value(self, x, y=None):
        v, shape = self._run(self._compiled.value_fn, *self._point(x, y))
        return self._finish(v, shape)

    def grad(self, x, y=None):
        (_, gx, gy), shape = self._run(self._compiled.grad_fn, *self._point(x, y))
        finish = self._finish
        return (finish(gx, shape),) if self.dim == 1 else (finish(gx, shape), finish(gy, shape))

    def hessian(self, x, y=None):
        jet, shape = self._run(self._compiled.hessian_fn, *self._point(x, y))
        finish = self._finish
        if self.dim == 1:
            return (finish(jet[3], shape),)
        return tuple(finish(h, shape) for h in jet[3:])

    def __repr__(self):
        return f"Formula({self.text!r})"


def parse_formula(text) -> Formula:
    """Parse ``text`` into a :class:`Formula`, or raise :class:`FormulaError`."""
    return Formula(text, _machinery()["parse_tree"](text))


# -- the surface -----------------------------------------------------------------------


def _edge(name, default, doc):
    return Hyper(name, default, lo=-1e4, hi=1e4, doc=doc)


@register_surface
class CustomSurface(Surface):
    """``custom``: a formula in x (and y) typed by the user, with its view box.

    The formula is a constructor argument, not a :class:`Hyper` (it is text, not a
    number with a range). It always goes through :func:`parse_formula`, also when a
    session is reloaded, so a saved file cannot smuggle in anything else.
    ``CustomSurface(formula=s.formula_text, **s.params)`` rebuilds ``s``.
    """

    key = "custom"
    title = "Custom formula"
    formula = "f(x) or f(x, y) as typed, e.g. x**2 + 10*y**2"  # an instance shows its own text
    reference = "any f(x) or f(x, y) typed by the user, differentiated exactly"
    default_lr = 0.01  # the formula is unknown: SGD's default is the safe guess
    hypers = (
        _edge("xmin", -3.0, "left edge of the view box"),
        _edge("xmax", 3.0, "right edge of the view box"),
        _edge("ymin", -3.0, "bottom edge of the view box (2-D formulas)"),
        _edge("ymax", 3.0, "top edge of the view box (2-D formulas)"),
    )
    default_formula = "x**2 + 10*y**2"

    def __init__(self, formula: str = default_formula, start=None, **params):
        super().__init__(**params)
        for lo, hi in (("xmin", "xmax"), ("ymin", "ymax")):
            if not self.params[lo] < self.params[hi]:
                raise HyperError(f"surface 'custom': {lo}={self.params[lo]:g} must be less "
                                 f"than {hi}={self.params[hi]:g}")
        self.expr = parse_formula(formula)
        self.formula_text = self.formula = formula
        self.dim = self.expr.dim
        box = (self.xmin, self.xmax, self.ymin, self.ymax)
        self.default_view = self.view = box[: 2 * self.dim]
        # 70% of the way from the centre to the top-left corner: inside the box, and
        # away from the centre where a hand-typed bowl usually has its minimum.
        cx, cy = (self.xmin + self.xmax) / 2, (self.ymin + self.ymax) / 2
        guess = (cx + 0.7 * (self.xmin - cx), cy + 0.7 * (self.ymax - cy))[: self.dim]
        self.default_start = guess if start is None else _start_point(start)
        if len(self.default_start) != self.dim:
            raise HyperError(f"surface 'custom': start needs {self.dim} coordinate(s) "
                             f"({'X' if self.dim == 1 else 'X/Y'}), got {len(self.default_start)}")
        self.start = self.default_start

    def value(self, x, y=None):
        return self.expr.value(x, y)

    def grad(self, x, y=None):
        return self.expr.grad(x, y)

    def hessian(self, x, y=None):
        return self.expr.hessian(x, y)

    def minima(self):
        return ()  # unknown for an arbitrary formula


def _start_point(start) -> tuple[float, ...]:
    """``start`` of a spec (``custom:start=1.5/-2``; ',' separates the spec's parameters)
    or a tuple of numbers; a text is never read one character at a time."""
    try:
        values = tuple(read_number(v) for v in start.split("/")) if isinstance(start, str) else \
            tuple(float(v) for v in start)
    except (TypeError, ValueError, OverflowError):
        values = ()
    if not values or not all(math.isfinite(v) for v in values):
        raise HyperError(f"surface 'custom': start={start!r}: expected X or X/Y (finite numbers)")
    return values
