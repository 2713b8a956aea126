"""The custom formula (SPEC section 5, ``custom``): the grammar it accepts, exact
derivatives against central differences and closed forms, floats and arrays, and a
corpus of hostile input that must be refused quickly, with a message that points at
the offending character, and without any effect.
"""

from __future__ import annotations

import builtins
import math
import os
import subprocess
import sys
import time
import tokenize
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.hyper import HyperError
from surfaces import SURFACES
from surfaces.formula import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    CustomSurface,
    FormulaError,
    caret_lines,
    parse_formula,
)

ROOT = Path(__file__).resolve().parents[1]


def refused(text) -> FormulaError:
    with pytest.raises(FormulaError) as info:
        parse_formula(text)
    return info.value


# -- the grammar ------------------------------------------------------------------------

# (formula, point, expected value): precedence, associativity, every token kind.
ACCEPTED = [
    ("x**2 + 10*y**2", (1.0, 2.0), 41.0),
    ("x^2 + 10*y^2", (1.0, 2.0), 41.0),
    ("-x**2", (3.0,), -9.0),  # as in Python: -(x**2)
    ("-x^2", (3.0,), -9.0),
    ("2**3**2 + 0*x", (0.0,), 512.0),  # right-associative: 2**(3**2)
    ("2^-1*x", (1.0,), 0.5),
    ("x**-2", (2.0,), 0.25),
    ("x/y/2", (8.0, 2.0), 2.0),  # left-associative
    ("x-y-1", (5.0, 1.0), 3.0),
    ("2*x**2", (3.0,), 18.0),
    ("(x + y)*(x - y)", (3.0, 1.0), 8.0),
    ("+x", (2.0,), 2.0),
    ("--x", (2.0,), 2.0),
    ("-(-x)", (2.0,), 2.0),
    (" x\t+\n1 \r", (2.0,), 3.0),
    ("1e-3*x + 1E3 + .5 + 5. + 1.5e+2", (1000.0,), 1.0 + 1000 + 0.5 + 5 + 150),
    ("1e6*x", (1.0,), 1e6),
    ("2*pi*x", (1.0,), 2 * math.pi),
    ("e*x", (1.0,), math.e),
    ("e^(-x^2)", (1.0,), math.exp(-1.0)),
    ("2**x", (3.0,), 8.0),
    ("0.5**(x*y)", (1.0, 2.0), 0.25),
    ("x**0.5", (4.0,), 2.0),
    ("x**10 + x**-10", (1.0,), 2.0),
    ("x**0", (0.0,), 1.0),
    ("x**1", (7.0,), 7.0),
    ("sin(x) + cos(y)", (0.0, 0.0), 1.0),
    ("tan(x)", (math.pi / 4,), 1.0),
    ("exp(x) * log(y)", (0.0, math.e), 1.0),
    ("ln(x)", (math.e,), 1.0),
    ("sqrt(x)", (9.0,), 3.0),
    ("abs(x)", (-2.5,), 2.5),
    ("tanh(x) + sinh(x) + cosh(x)", (0.0,), 1.0),
    ("arctan(x) + atan(x)", (1.0,), math.pi / 2),
    ("sigmoid(x)", (0.0,), 0.5),
    ("softplus(x)", (0.0,), math.log(2.0)),
    ("relu(x) + relu(-x)", (-3.0,), 3.0),
    ("min(x, y) + max(x,y)", (1.0, 4.0), 5.0),
    ("min(x, 2*y)", (5.0, 1.0), 2.0),
    ("sin(cos(tan(x)))", (0.0,), math.sin(1.0)),
    ("y", (1.0, 3.0), 3.0),
]


@pytest.mark.parametrize("text, point, expected", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_grammar_accepts(text, point, expected):
    f = parse_formula(text)
    assert f.dim == len(point)
    assert f.value(*point) == pytest.approx(expected, rel=1e-12)


def test_limits_are_inclusive_at_the_boundary():
    parse_formula("x" + " " * (MAX_LENGTH - 1))
    assert refused("x" + " " * MAX_LENGTH).position == MAX_LENGTH
    inner = MAX_DEPTH - 1  # the outermost level is the formula itself
    parse_formula("(" * inner + "x" + ")" * inner)
    assert refused("(" * (inner + 1) + "x" + ")" * (inner + 1)).position == inner
    parse_formula("-" + "x+" * (MAX_NODES // 2 - 1) + "x")  # exactly MAX_NODES nodes
    assert "too large" in refused("x+" * (MAX_NODES // 2) + "x").message
    parse_formula("x**10 * 1000000")
    assert "out of range" in refused("x**10.5").message
    assert "too large" in refused("1000001*x").message


def test_constant_parts_are_folded_and_must_be_finite():
    assert parse_formula("x + 2*pi - pi - pi").value(1.5) == pytest.approx(1.5)
    assert parse_formula("x**(1/2)").value(16.0) == 4.0  # a folded exponent is a number
    for text, position in [("log(0) + x", 0), ("sqrt(-1)*x", 0), ("x/(1 - 1)", 3),
                           ("(1e6**10)**10 * x", 1), ("0**-1 + x", 0)]:
        assert refused(text).position == position, text


# -- exact derivatives --------------------------------------------------------------------

# Smooth on [-1.5, 1.5]^2 (kinks and singularities lie outside it).
SMOOTH = [
    "x**2 + 10*y**2",
    "(1 - x)**2 + 100*(y - x**2)**2",
    "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "sin(x)*cos(y) + 0.1*(x^2 + y^2)",
    "exp(-(x^2 + y^2)/2)",
    "log(1 + x^2 + y^2)",
    "sqrt(1 + x^2 + 3*y^2)",
    "tanh(x*y) + sinh(x/2) - cosh(y/3)",
    "arctan(x - 2*y) + atan(x*y)",
    "sigmoid(3*x - y) * softplus(x + y)",
    "x / (1 + y^2)",
    "(x - y)^3 / (2 + sin(x))",
    "tan(x/4 + y/5)",
    "abs(x - 3) + relu(y + 5)*x",
    "max(x^2, y^2 + 3) + min(x*y, 5)",
    "2**x * 3**(-y)",
    "e^(-x^2) * y",
    "(2 + x)**1.5 * y - (x + 3)**-2 + y**3",
    "1/(x^2 + y^2 + 1) - (x*y)**2",
    "x*cos(pi*x)",
    "(x^2 - 8)^2",
    "log(2 + sin(x)) / (3 - x)",
    "sigmoid(x)**3",
]


def central_grad(f, x, y, h=1e-6):
    if f.dim == 1:
        return ((f.value(x + h) - f.value(x - h)) / (2 * h),)
    return ((f.value(x + h, y) - f.value(x - h, y)) / (2 * h),
            (f.value(x, y + h) - f.value(x, y - h)) / (2 * h))


def central_hessian(f, x, y, h=1e-5):
    """Central differences of the exact gradient: (hxx, hxy, hyy) or (hxx,)."""
    if f.dim == 1:
        return ((f.grad(x + h)[0] - f.grad(x - h)[0]) / (2 * h),)
    gxp, gxm = f.grad(x + h, y), f.grad(x - h, y)
    gyp, gym = f.grad(x, y + h), f.grad(x, y - h)
    return ((gxp[0] - gxm[0]) / (2 * h), (gyp[0] - gym[0]) / (2 * h), (gyp[1] - gym[1]) / (2 * h))


@pytest.mark.parametrize("text", SMOOTH)
def test_gradient_and_hessian_match_central_differences(text):
    f = parse_formula(text)
    rng = np.random.default_rng(20240611)
    x, y = rng.uniform(-1.5, 1.5, size=(2, 25))
    for exact, approx in zip(f.grad(x, y), central_grad(f, x, y)):
        np.testing.assert_allclose(exact, approx, rtol=1e-6, atol=1e-6 * (1 + np.abs(approx).max()))
    for exact, approx in zip(f.hessian(x, y), central_hessian(f, x, y)):
        np.testing.assert_allclose(exact, approx, rtol=1e-5, atol=1e-5 * (1 + np.abs(approx).max()))


@pytest.mark.parametrize("text", SMOOTH)
def test_float_path_agrees_with_array_path(text):
    f = parse_formula(text)
    rng = np.random.default_rng(7)
    xs, ys = rng.uniform(-1.5, 1.5, size=(2, 10))
    for method in (f.value, f.grad, f.hessian):
        arrays = method(xs, ys)
        for i, (x, y) in enumerate(zip(xs.tolist(), ys.tolist())):
            single = method(x, y)
            parts, whole = (single, arrays) if isinstance(single, tuple) else ((single,), (arrays,))
            assert all(type(p) is float for p in parts)
            np.testing.assert_allclose(parts, [a[i] for a in whole], rtol=1e-12, atol=1e-12)


def test_closed_forms():
    f = parse_formula("x**2 + 10*y**2")
    assert f.grad(1.5, -2.0) == (3.0, -40.0)
    assert f.hessian(1.5, -2.0) == (2.0, 0.0, 20.0)

    rosen = parse_formula("(1 - x)^2 + 100*(y - x^2)^2")
    x, y = -1.2, 1.0
    assert rosen.grad(x, y) == pytest.approx((-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)))
    assert rosen.hessian(x, y) == pytest.approx((2 - 400 * (y - x * x) + 800 * x * x, -400 * x, 200.0))
    assert rosen.grad(1.0, 1.0) == (0.0, 0.0)

    wavy = parse_formula("x*cos(pi*x)")
    x = 0.3
    assert wavy.grad(x)[0] == pytest.approx(math.cos(math.pi * x) - math.pi * x * math.sin(math.pi * x))
    assert wavy.hessian(x)[0] == pytest.approx(
        -2 * math.pi * math.sin(math.pi * x) - math.pi**2 * x * math.cos(math.pi * x))

    s = 1 / (1 + math.exp(-0.7))
    sig = parse_formula("sigmoid(x)")
    assert sig.grad(0.7)[0] == pytest.approx(s * (1 - s))
    assert sig.hessian(0.7)[0] == pytest.approx(s * (1 - s) * (1 - 2 * s))
    assert parse_formula("sigmoid(x)").value(-800.0) == pytest.approx(math.exp(-800.0), rel=1e-12)
    assert parse_formula("log(sigmoid(x))").value(-40.0) == pytest.approx(-40.0)
    assert parse_formula("softplus(x)").value(800.0) == 800.0


def test_piecewise_functions_take_the_conventional_side_at_their_kink():
    assert parse_formula("abs(x)").grad(0.0) == (0.0,)
    assert parse_formula("abs(x)").grad(-2.0) == (-1.0,)
    assert parse_formula("relu(x)").grad(0.0) == (0.0,)
    assert parse_formula("relu(x)").grad(0.1) == (1.0,)
    assert parse_formula("abs(x) + relu(x)").hessian(0.3) == (0.0,)
    m = parse_formula("max(x, y)")
    assert m.grad(1.0, 2.0) == (0.0, 1.0) and m.grad(3.0, 2.0) == (1.0, 0.0)
    assert m.grad(2.0, 2.0) == (1.0, 0.0)  # a tie follows the left argument
    assert parse_formula("min(x**2, 1)").hessian(np.array([0.5, 2.0]))[0].tolist() == [2.0, 0.0]


# -- dimension, floats and arrays --------------------------------------------------------


def test_one_dimensional_formulas_are_detected():
    f = parse_formula("x**2 - 3*x")
    assert f.dim == 1
    assert f.value(2.0) == -2.0 and f.grad(2.0) == (1.0,) and f.hessian(2.0) == (2.0,)
    assert parse_formula("sin(pi)*7").dim == 1  # a constant is a flat 1-D curve
    assert parse_formula("y**2").dim == 2
    assert parse_formula("x + 0*y").dim == 2  # y is used, even if it cancels
    with pytest.raises(TypeError, match="uses y"):
        parse_formula("x*y").value(1.0)


def test_arrays_in_arrays_out():
    f = parse_formula("x**2 + 10*y**2")
    X, Y = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-2, 2, 4))
    assert f.value(X, Y).shape == (4, 5)
    assert all(h.shape == (4, 5) for h in f.hessian(X, Y))  # constants broadcast
    assert f.grad(np.array([1.0, 2.0]), 3.0)[1].tolist() == [60.0, 60.0]

    g = parse_formula("x")
    xs = np.array([1.0, 2.0])
    out = g.value(xs)
    out[0] = 99.0
    assert xs[0] == 1.0, "the result must not be a view of the caller's array"
    assert parse_formula("3 + 0*x").value(np.zeros(3)).tolist() == [3.0, 3.0, 3.0]
    assert type(f.value(np.float64(1.0), 1)) is float


def test_domain_errors_and_overflow_give_nan_and_inf_without_raising_or_warning():
    cases = [("log(x)", -1.0, math.nan), ("log(x)", 0.0, -math.inf), ("sqrt(x)", -4.0, math.nan),
             ("x**0.5", -1.0, math.nan), ("x**-1", 0.0, math.inf), ("1/x", 0.0, math.inf),
             ("exp(x)", 1000.0, math.inf), ("sinh(x)", -1000.0, -math.inf), ("sin(x)", math.inf, math.nan),
             ("x**10", 1e300, math.inf), ("x/x", 0.0, math.nan)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for text, x, expected in cases:
            f = parse_formula(text)
            got = f.value(x)
            assert type(got) is float
            assert got == expected or (math.isnan(expected) and math.isnan(got)), (text, x, got)
            array_got = f.value(np.array([x]))[0]
            assert array_got == expected or (math.isnan(expected) and math.isnan(array_got))
            f.grad(x), f.hessian(x), f.grad(np.array([x])), f.hessian(np.array([x]))
        assert parse_formula("sqrt(x)").grad(0.0) == (math.inf,)


# -- hostile input ------------------------------------------------------------------------

HOSTILE = [
    "x.__class__", "x.__class__.__bases__[0].__subclasses__()", "().__class__",
    "__import__('os').system('true')", "__builtins__", "globals()", "getattr(x, 'y')",
    "eval('1')", "exec('1')", "compile('1','','eval')", "open('/etc/passwd').read()",
    "os", "os.system('true')", "sys.exit()", "exit()", "print(x)", "breakpoint()",
    "lambda: 1", "lambda x: x", "(lambda: x)()",
    "[x for x in y]", "(x for x in y)", "{x for x in y}", "{'a': x}", "[x, y]", "x[0]",
    "9**9**9", "2**10000", "10**10**10", "x**1000", "x**-11", "(1e6**10)**10*x", "x**y", "(-2)**x",
    "(" * 10_000 + "x" + ")" * 10_000, "(" * 60 + "x" + ")" * 60, "-" * 300 + "x",
    "x" * 100_000, "x+" * 50_000 + "x", "1" * 100_000, "sin(" * 100 + "x" + ")" * 100,
    "x+" * 150 + "x",
    "x;y", "x; import os", "import os", "x\ny", "x = 1", "x == y", "x := 1",
    "'x'", '"x"', "b'x'", "f'{x}'", "x # comment",
    "x @ y", "x if y else 1", "x and y", "not x", "x < y", "x % 2", "x // 2", "x & y", "~x",
    "x << 2", "x | y", "x ! y", "x ? y : 1", "$x", "`x`", "x\\y", "x,y",
    "1e999*x", "1e7", "inf", "nan", "0x10", "1_000", "1.2.3", "x..y",
    "х**2", "ｘ+1", "x−1", "x²", "π*x", "x×y", "sіn(x)", "sin(x)\u200b", "\ufeffx", "٣*x", "x\x00",
    "\ud800", "x\u2028y",
    "", "   ", ")", "(", "()", "x)", "(x", "(x))", ",", "sin()", "sin(x, y)", "min(x)",
    "max(x, y, 1)", "sin", "sin x", "x y", "2x", "x(2)", "x**", "**x", "* x", "x +", "1e",
    "log(0)", "1/0", "x/0", "sqrt(-1)", "x/(1-1)", "Sin(x)", "xy", "X",
    None, 3.0, b"x**2", ["x"],
]


def hostile_id(v):
    text = repr(v)
    return text if len(text) <= 30 else text[:27] + "..."


class Tripwire:
    """Replaces every door to the outside world while the parser runs; any call is
    recorded (and refused), so "no effect" is an assertion, not a hope."""

    DOORS = [(builtins, "eval"), (builtins, "exec"), (builtins, "compile"), (builtins, "__import__"),
             (builtins, "open"), (os, "system"), (os, "popen"),
             (subprocess, "Popen")]

    def __init__(self, monkeypatch):
        self.calls = []
        for owner, name in self.DOORS:
            monkeypatch.setattr(owner, name, self.trap(owner, name))

    def trap(self, owner, name):
        real = getattr(owner, name)

        def trapped(*args, **kwargs):
            self.calls.append(name)
            if name == "__import__":  # recorded; still works, in case the test machinery needs it
                return real(*args, **kwargs)
            raise AssertionError(f"the parser called {name}")

        return trapped


@pytest.mark.parametrize("text", HOSTILE, ids=hostile_id)
def test_hostile_formula_is_refused_quickly_with_a_position(text, monkeypatch):
    modules_before = set(sys.modules)
    timings = []
    for _ in range(3):  # best of three: a busy CI machine may pause any single call
        trip = Tripwire(monkeypatch)
        trip.calls.clear()  # installing the traps may import; only the parse counts
        start = time.perf_counter()
        try:
            parse_formula(text)
        except FormulaError as err:
            error = err
        else:
            pytest.fail(f"accepted {text!r}")
        finally:
            timings.append(time.perf_counter() - start)
            monkeypatch.undo()
        assert trip.calls == [], f"parsing {hostile_id(text)} called {trip.calls}"
    assert min(timings) < 0.050, f"refusal took {min(timings) * 1e3:.1f} ms"
    assert set(sys.modules) == modules_before
    size = len(text) if isinstance(text, str) else 0
    assert 0 <= error.position <= size
    assert error.message and "\n" not in str(error) and str(error).startswith(error.problem)
    assert isinstance(error, ValueError)
    lines = error.caret().split("\n")
    assert len(lines) == 2 and len(lines[0]) <= 80 and lines[1].endswith("^")


def test_a_refused_formula_has_no_effect(tmp_path):
    canary = tmp_path / "CANARY"
    for text in (f"__import__('os').system('touch {canary}')", f"open('{canary}', 'w')",
                 f"__import__('pathlib').Path('{canary}').touch()"):
        with pytest.raises(FormulaError):
            parse_formula(text)
        with pytest.raises(FormulaError):
            CustomSurface(formula=text)
    assert not canary.exists()


def test_the_formula_modules_never_call_eval_exec_compile_or_ast():
    forbidden = {"eval", "exec", "compile", "__import__", "ast", "literal_eval", "getattr"}
    paths = sorted((ROOT / "surfaces").glob("formula*.py"))
    assert len(paths) >= 2
    for path in paths:
        with open(path, "rb") as fh:
            names = {t.string for t in tokenize.tokenize(fh.readline) if t.type == tokenize.NAME}
        assert not names & forbidden, f"{path.name} uses {sorted(names & forbidden)}"


# (formula, position of the offending character, a word the message must contain)
POSITIONS = [
    ("x + $", 4, "unexpected character '$'"),
    ("x.__class__", 1, "'.'"),
    ("9**9**9", 3, "exponent"),
    ("2**10000", 3, "exponent"),
    ("x**y", 3, "exponent must be a number"),
    ("2x", 1, "2*x"),
    ("sin(x, y)", 5, "one argument"),
    ("min(x)", 5, "two arguments"),
    ("(x", 2, "missing ')'"),
    ("x)", 1, "no '(' to close"),
    ("x + 1e7", 4, "too large"),
    ("abc + x", 0, "unknown name 'abc'"),
    ("x + open(y)", 4, "unknown name 'open'"),
    ("x − 1", 2, "U+2212"),
    ("x + log(0)", 4, "not a finite number"),
    ("x + lambda", 4, "unknown name 'lambda'"),
    ("sin x", 4, "expected '('"),
    ("x +", 3, "incomplete"),
    ("x / (2 - 2)", 5, "division by zero"),
    ("(" * 60 + "x" + ")" * 60, MAX_DEPTH - 1, "nested too deeply"),  # the '(' of level 51
    ("Sin(x)", 0, "lower case: sin"),
]


@pytest.mark.parametrize("text, position, words", POSITIONS, ids=[p[0][:20] for p in POSITIONS])
def test_error_points_at_the_offending_character(text, position, words):
    err = refused(text)
    assert err.position == position
    assert words in str(err)
    column = "at the end" if position == len(text) else f"at column {position + 1}"
    assert column in str(err)


def test_caret_lines():
    assert caret_lines("x + $", 4) == "x + $\n    ^"
    assert caret_lines("x +", 3) == "x +\n   ^"
    assert caret_lines("a\tb", 2) == "a b\n  ^"
    text = "x + " * 60 + "$" + " + x" * 60
    first, second = caret_lines(text, 240).split("\n")
    assert len(first) <= 80 and first.startswith("...") and first.endswith("...")
    assert first[second.index("^")] == "$"
    err = refused(text)
    assert err.position == 240 and err.caret() == caret_lines(text, 240)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=600))
def test_any_text_is_accepted_or_refused_with_a_formula_error(text):
    start = time.perf_counter()
    try:
        f = parse_formula(text)
    except FormulaError as err:
        assert 0 <= err.position <= len(text)
    else:
        assert f.dim in (1, 2)
    assert time.perf_counter() - start < 0.5  # a hang, not a benchmark


GRAMMARISH = st.text(alphabet="xy0123456789.eE+-*/^(), sincoexplgqrtabmh", max_size=120)


@settings(max_examples=500)
@given(GRAMMARISH)
def test_text_near_the_grammar_never_escapes_formula_error(text):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            f = parse_formula(text)
        except FormulaError as err:
            assert 0 <= err.position <= len(text)
            return
        args = (0.3, -0.7)[: f.dim]
        assert type(f.value(*args)) is float
        f.grad(*args), f.hessian(*args)


# -- random well-formed formulas ------------------------------------------------------

LEAVES = st.sampled_from(["x", "y", "2", "0.5", "pi", "e", "3e-1"])
UNARY = ["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "arctan",
         "sigmoid", "softplus", "relu"]


def _extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(UNARY), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(children, st.sampled_from(["2", "3", "-1", "0.5", "1.5"])).map(
            lambda t: f"({t[0]})**{t[1]}"),
        st.tuples(st.sampled_from(["min", "max"]), children, children).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        children.map(lambda c: f"-{c}"),
    )


FORMULAS = st.recursive(LEAVES, _extend, max_leaves=12)


@settings(max_examples=200, derandomize=True)
@given(FORMULAS, st.floats(-3, 3), st.floats(-3, 3))
def test_random_formulas_agree_between_floats_and_arrays(text, x, y):
    try:
        f = parse_formula(text)
    except FormulaError as err:  # a constant part may be non-finite, e.g. log(-2)
        assert "finite" in err.message or "zero" in err.message
        return
    point = (x, y)[: f.dim]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in (f.value, f.grad, f.hessian):
            single = method(*point)
            stacked = method(*(np.array([c, c]) for c in point))
            parts = single if isinstance(single, tuple) else (single,)
            arrays = stacked if isinstance(stacked, tuple) else (stacked,)
            for p, a in zip(parts, arrays):
                assert type(p) is float and a.shape == (2,)
                np.testing.assert_allclose(p, a[0], rtol=1e-9, atol=1e-12)


# -- the surface ------------------------------------------------------------------------


def test_custom_surface_from_the_spec_example():
    s = CustomSurface(formula="x**2 + 10*y**2", xmin=-3, xmax=3, ymin=-3, ymax=3)
    assert SURFACES["custom"] is CustomSurface and s.key == "custom"
    assert s.dim == 2 and s.view == (-3.0, 3.0, -3.0, 3.0)
    assert s.formula_text == s.formula == "x**2 + 10*y**2"
    assert s.value(1.0, 1.0) == 11.0 and s.grad(1.0, 1.0) == (2.0, 20.0)
    assert s.minima() == () and s.min_value is None
    x0, y0 = s.start
    assert -3 < x0 < -1.5 and 1.5 < y0 < 3  # inside the box, towards the top-left corner
    np.testing.assert_array_equal(s.grad_at(np.array([[1.0, 1.0], [0.0, -1.0]])), [[2, 20], [0, -20]])
    np.testing.assert_array_equal(s.hessian_at(np.array([[1.0, 1.0]])), [[[2, 0], [0, 20]]])
    xs, ys, Z = s.grid(11, 7)
    assert Z.shape == (7, 11)


def test_custom_surface_in_one_dimension():
    s = CustomSurface(formula="x*cos(pi*x)", xmin=-1, xmax=2)
    assert s.dim == 1 and s.view == (-1.0, 2.0) and len(s.start) == 1
    assert -1 < s.start[0] < 0.5
    assert s.grad_at(np.array([[0.0]])).tolist() == [[1.0]]
    xs, ys, Z = s.grid(50)
    assert ys is None and Z.shape == (50,)


def test_custom_surface_rebuilds_from_its_spec_and_text():
    s = CustomSurface(formula="sin(x)*y", xmin=-5, xmax=1, ymin=0, ymax=2)
    assert s.spec() == "custom:xmin=-5.0,xmax=1.0,ymin=0.0,ymax=2.0"
    again = CustomSurface(formula=s.formula_text, **s.params)
    assert again.view == s.view and again.value(0.5, 1.5) == s.value(0.5, 1.5)
    given_start = CustomSurface(formula="x", start=(0.25,))
    assert given_start.start == (0.25,)


def test_custom_surface_refuses_bad_boxes_and_formulas():
    with pytest.raises(HyperError, match="xmin=3 must be less than xmax=-3"):
        CustomSurface(formula="x", xmin=3, xmax=-3)
    with pytest.raises(HyperError, match="ymin=1 must be less than ymax=1"):
        CustomSurface(formula="x*y", ymin=1, ymax=1)
    with pytest.raises(HyperError, match="xmin"):
        CustomSurface(formula="x", xmin=-1e5)
    with pytest.raises(HyperError, match="formula"):
        CustomSurface(formula="x", formula_typo=1)
    with pytest.raises(HyperError, match="start needs 2"):
        CustomSurface(formula="x*y", start=(1.0,))
    with pytest.raises(FormulaError, match="column 5"):
        CustomSurface(formula="x + $")
