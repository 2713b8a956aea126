"""Exact gradient and Hessian of a parsed custom formula, by forward-mode automatic
differentiation with second-order ("hyper-dual") numbers.

Every node of the expression tree (built by :mod:`surfaces.formula`) is compiled once
into a closure ``f(x, y, m)``. Called at a point, the closure returns a *jet*:

    order 0:  v
    order 1:  (v, v_x, v_y)
    order 2:  (v, v_x, v_y, v_xx, v_xy, v_yy)

Every function of the grammar is one row of :data:`RULES`: its value ``f(w)`` next to
its derivatives ``f'(w)`` and ``f''(w)`` (micrograd style). The chain rule for
``u = f(w)`` is then the same for all of them::

    u_x = f' w_x          u_xx = f'' w_x w_x + f' w_xx
    u_y = f' w_y          u_xy = f'' w_x w_y + f' w_xy      u_yy = f'' w_y w_y + f' w_yy

Why forward mode and not symbolic differentiation: the cost of a jet is a fixed
multiple of the formula's size (at most 200 nodes), with no expression swell to
simplify away, and it is exact up to rounding -- no finite differences anywhere.
Piecewise functions take one side's derivative at their kink, like torch:
``abs'(0) = 0``, ``relu'(0) = 0``, and ``min``/``max`` follow the left argument on a tie.
Where one partial derivative is infinite (``sqrt(x)`` at 0), the others may come out
nan (``inf * 0``); a run stops there anyway.

``m`` is the math namespace: :data:`FLOAT_MATH` (Python's ``math``, ~20x faster than
NumPy on single floats, the engine's fast path) or :data:`ARRAY_MATH` (NumPy, for
stacks of runs and contour grids). ``math`` raises where NumPy returns nan or inf
(``log(-1)``, ``exp(1000)``, ``1/0``); :meth:`Compiled.run` then evaluates that one
point again with NumPy scalars, so floats and arrays give the same answers and
nothing ever raises.
"""

from __future__ import annotations

import math
from operator import attrgetter
from types import SimpleNamespace

import numpy as np

# -- math namespaces -------------------------------------------------------------------


def _float_sign(w):
    if w > 0:
        return 1.0
    if w < 0:
        return -1.0
    return w  # 0.0 stays 0.0 (torch's abs'(0)), nan stays nan, as np.sign


def _float_sigmoid(w):
    e = math.exp(-abs(w))  # never overflows, unlike 1/(1 + exp(-w)) for w << 0
    return 1.0 / (1.0 + e) if w >= 0 else e / (1.0 + e)


def _array_sigmoid(w):
    e = np.exp(-np.abs(w))
    return np.where(w >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


FLOAT_MATH = SimpleNamespace(
    sin=math.sin, cos=math.cos, tan=math.tan, exp=math.exp, log=math.log, sqrt=math.sqrt,
    tanh=math.tanh, sinh=math.sinh, cosh=math.cosh, arctan=math.atan, pow=math.pow,
    abs=abs, sign=_float_sign, sigmoid=_float_sigmoid,
    relu=lambda w: w if not w <= 0 else 0.0,  # nan stays nan, as np.maximum
    step=lambda w: 1.0 if w > 0 else 0.0,
    softplus=lambda w: math.log1p(math.exp(-abs(w))) + (w if w > 0 else 0.0),
    select=lambda cond, a, b: a if cond else b,
)

ARRAY_MATH = SimpleNamespace(
    sin=np.sin, cos=np.cos, tan=np.tan, exp=np.exp, log=np.log, sqrt=np.sqrt,
    tanh=np.tanh, sinh=np.sinh, cosh=np.cosh, arctan=np.arctan, pow=np.power,
    abs=np.abs, sign=np.sign, sigmoid=_array_sigmoid,
    relu=lambda w: np.maximum(w, 0.0),
    step=lambda w: np.where(w > 0, 1.0, 0.0),
    softplus=lambda w: np.log1p(np.exp(-np.abs(w))) + np.maximum(w, 0.0),
    select=np.where,
)

# -- one row per function: value, first and second derivative --------------------------


def _sin(m, w):
    s, c = m.sin(w), m.cos(w)
    return s, c, -s


def _cos(m, w):
    s, c = m.sin(w), m.cos(w)
    return c, -s, -c


def _tan(m, w):
    t = m.tan(w)
    d = 1.0 + t * t  # sec^2
    return t, d, 2.0 * t * d


def _exp(m, w):
    e = m.exp(w)
    return e, e, e


def _log(m, w):
    r = 1.0 / w
    return m.log(w), r, -r * r


def _sqrt(m, w):
    s = m.sqrt(w)
    d = 0.5 / s
    return s, d, -d / (2.0 * w)  # -1/(4 w^(3/2))


def _abs(m, w):
    return m.abs(w), m.sign(w), 0.0


def _tanh(m, w):
    t = m.tanh(w)
    d = 1.0 - t * t
    return t, d, -2.0 * t * d


def _sinh(m, w):
    s, c = m.sinh(w), m.cosh(w)
    return s, c, s


def _cosh(m, w):
    s, c = m.sinh(w), m.cosh(w)
    return c, s, c


def _arctan(m, w):
    d = 1.0 / (1.0 + w * w)
    return m.arctan(w), d, -2.0 * w * d * d


def _sigmoid(m, w):
    s = m.sigmoid(w)
    d = s * (1.0 - s)
    return s, d, d * (1.0 - 2.0 * s)


def _softplus(m, w):
    s = m.sigmoid(w)
    return m.softplus(w), s, s * (1.0 - s)


def _relu(m, w):
    return m.relu(w), m.step(w), 0.0


def _recip(m, w):
    r = 1.0 / w
    return r, -r * r, 2.0 * r * r * r


RULES = {
    "sin": _sin, "cos": _cos, "tan": _tan, "exp": _exp, "log": _log, "sqrt": _sqrt,
    "abs": _abs, "tanh": _tanh, "sinh": _sinh, "cosh": _cosh, "arctan": _arctan,
    "sigmoid": _sigmoid, "softplus": _softplus, "relu": _relu,
}


def power_rule(p: float):
    """Rule of ``w ** p`` for a constant ``p`` (math.pow/np.power: a negative base with a
    fractional exponent is a domain error -> nan, never a complex number)."""
    if p == 2.0:  # the most common power by far: no pow() calls at all
        return lambda m, w: (w * w, 2.0 * w, 2.0)
    return lambda m, w: (m.pow(w, p), p * m.pow(w, p - 1.0), p * (p - 1.0) * m.pow(w, p - 2.0))


def power_value(p: float):
    if p == 2.0:
        return lambda m, w: w * w
    return lambda m, w: m.pow(w, p)


# -- jet algebras: order 0 (values), 1 (gradient), 2 (Hessian) --------------------------


class Values:
    """Order 0: plain values."""

    @staticmethod
    def const(c):
        return c

    var_x = staticmethod(lambda x, y, m: x)
    var_y = staticmethod(lambda x, y, m: y)
    neg = staticmethod(lambda a: -a)
    add = staticmethod(lambda a, b: a + b)
    sub = staticmethod(lambda a, b: a - b)
    mul = staticmethod(lambda a, b: a * b)
    div = staticmethod(lambda a, b: a / b)
    shift = staticmethod(lambda a, c: a + c)
    scale = staticmethod(lambda a, c: a * c)
    value = staticmethod(lambda a: a)


class Gradients:
    """Order 1: ``(v, v_x, v_y)``."""

    @staticmethod
    def const(c):
        return (c, 0.0, 0.0)

    var_x = staticmethod(lambda x, y, m: (x, 1.0, 0.0))
    var_y = staticmethod(lambda x, y, m: (y, 0.0, 1.0))
    value = staticmethod(lambda a: a[0])

    @staticmethod
    def neg(a):
        return (-a[0], -a[1], -a[2])

    @staticmethod
    def add(a, b):
        return (a[0] + b[0], a[1] + b[1], a[2] + b[2])

    @staticmethod
    def sub(a, b):
        return (a[0] - b[0], a[1] - b[1], a[2] - b[2])

    @staticmethod
    def mul(a, b):
        u, ux, uy = a
        v, vx, vy = b
        return (u * v, ux * v + u * vx, uy * v + u * vy)

    @staticmethod
    def div(a, b):
        u, ux, uy = a
        v, vx, vy = b
        q = u / v
        return (q, (ux - q * vx) / v, (uy - q * vy) / v)

    @staticmethod
    def shift(a, c):
        return (a[0] + c, a[1], a[2])

    @staticmethod
    def scale(a, c):
        return (a[0] * c, a[1] * c, a[2] * c)

    @staticmethod
    def apply(a, f0, f1, f2):
        return (f0, f1 * a[1], f1 * a[2])


class Hessians:
    """Order 2: ``(v, v_x, v_y, v_xx, v_xy, v_yy)``."""

    @staticmethod
    def const(c):
        return (c, 0.0, 0.0, 0.0, 0.0, 0.0)

    var_x = staticmethod(lambda x, y, m: (x, 1.0, 0.0, 0.0, 0.0, 0.0))
    var_y = staticmethod(lambda x, y, m: (y, 0.0, 1.0, 0.0, 0.0, 0.0))
    value = staticmethod(lambda a: a[0])

    @staticmethod
    def neg(a):
        return (-a[0], -a[1], -a[2], -a[3], -a[4], -a[5])

    @staticmethod
    def add(a, b):
        return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4], a[5] + b[5])

    @staticmethod
    def sub(a, b):
        return (a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3], a[4] - b[4], a[5] - b[5])

    @staticmethod
    def mul(a, b):
        u, ux, uy, uxx, uxy, uyy = a
        v, vx, vy, vxx, vxy, vyy = b
        return (u * v, ux * v + u * vx, uy * v + u * vy,
                uxx * v + 2.0 * ux * vx + u * vxx,
                uxy * v + ux * vy + uy * vx + u * vxy,
                uyy * v + 2.0 * uy * vy + u * vyy)

    @classmethod
    def div(cls, a, b):
        return cls.mul(a, cls.apply(b, *_recip(None, b[0])))

    @staticmethod
    def shift(a, c):
        return (a[0] + c,) + a[1:]

    @staticmethod
    def scale(a, c):
        return (a[0] * c, a[1] * c, a[2] * c, a[3] * c, a[4] * c, a[5] * c)

    @staticmethod
    def apply(a, f0, f1, f2):
        w, wx, wy, wxx, wxy, wyy = a
        return (f0, f1 * wx, f1 * wy,
                f2 * wx * wx + f1 * wxx, f2 * wx * wy + f1 * wxy, f2 * wy * wy + f1 * wyy)


# -- compiling a tree into closures -----------------------------------------------------


def compile_tree(node, alg):
    """Closure ``f(x, y, m) -> jet`` of ``node`` in the jet algebra ``alg``."""
    kind, args = node.kind, node.args
    if kind == "num":
        c = alg.const(node.value)
        return lambda x, y, m: c
    if kind == "var":
        return alg.var_x if node.name == "x" else alg.var_y
    parts = [compile_tree(a, alg) for a in args]
    if kind == "neg":
        (f,), neg = parts, alg.neg
        return lambda x, y, m: neg(f(x, y, m))
    if kind in ("add", "sub", "mul", "div"):
        return _compile_binary(kind, args, parts, alg)
    if kind in ("min", "max"):
        (f, g), value = parts, alg.value
        smaller, whole = kind == "min", alg is Values

        def pick(x, y, m):
            a, b = f(x, y, m), g(x, y, m)
            cond = value(a) <= value(b) if smaller else value(a) >= value(b)
            if whole:
                return m.select(cond, a, b)
            return tuple(m.select(cond, p, q) for p, q in zip(a, b))

        return pick
    # a function of one argument, or a constant power
    (f,) = parts
    if alg is Values:
        plain = power_value(node.value) if kind == "pow" else _plain(node.name)
        return lambda x, y, m: plain(m, f(x, y, m))
    rule = power_rule(node.value) if kind == "pow" else RULES[node.name]
    apply, value = alg.apply, alg.value

    def chain(x, y, m):
        a = f(x, y, m)
        return apply(a, *rule(m, value(a)))

    return chain


def _plain(name):
    function_of = attrgetter(name)  # our own name from FUNCTIONS, never user text
    return lambda m, w: function_of(m)(w)


def _compile_binary(kind, args, parts, alg):
    (f, g), (left, right) = parts, args
    shift, scale, flip = alg.shift, alg.scale, alg.neg
    # A constant operand only shifts or scales the jet: cheaper, and no 0 * inf = nan
    # from the constant's zero derivatives when the other side overflows.
    if kind in ("add", "sub", "mul") and left.kind == "num":
        c = left.value
        if kind == "add":
            return lambda x, y, m: shift(g(x, y, m), c)
        if kind == "sub":
            return lambda x, y, m: shift(flip(g(x, y, m)), c)
        return lambda x, y, m: scale(g(x, y, m), c)
    if right.kind == "num":
        c = right.value
        if kind == "add":
            return lambda x, y, m: shift(f(x, y, m), c)
        if kind == "sub":
            return lambda x, y, m: shift(f(x, y, m), -c)
        if kind == "mul":
            return lambda x, y, m: scale(f(x, y, m), c)
        return lambda x, y, m: scale(f(x, y, m), 1.0 / c)  # the parser refuses /0
    op = {"add": alg.add, "sub": alg.sub, "mul": alg.mul, "div": alg.div}[kind]
    return lambda x, y, m: op(f(x, y, m), g(x, y, m))


# -- evaluation on floats and arrays ----------------------------------------------------


_SCALARS = (float, int, np.floating, np.integer)


class Compiled:
    """The three closures of one formula and the float/array dispatch around them."""

    def __init__(self, tree):
        self.value_fn = compile_tree(tree, Values)
        self.grad_fn = compile_tree(tree, Gradients)
        self.hessian_fn = compile_tree(tree, Hessians)

    @staticmethod
    def run(fn, x, y):
        """``fn`` at one point (Python floats out) or at arrays (arrays of the broadcast
        shape out). Returns ``(result, shape)``; shape is None for floats."""
        if isinstance(x, _SCALARS) and isinstance(y, _SCALARS):
            x, y = float(x), float(y)  # also turns np.float64 into float: no warnings
            try:
                return fn(x, y, FLOAT_MATH), None
            except (ArithmeticError, ValueError):  # math domain error, overflow, 1/0
                with np.errstate(all="ignore"):
                    return fn(np.float64(x), np.float64(y), ARRAY_MATH), None
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        with np.errstate(all="ignore"):
            return fn(x, y, ARRAY_MATH), x.shape


def finish(part, shape):
    """One output component as a float, or as a fresh array of ``shape`` (constants and
    structural zeros broadcast; never a view of the caller's input)."""
    if shape is None:
        return float(part)
    return np.array(np.broadcast_to(part, shape), dtype=float)
