"""Step arithmetic (issue 14, item 2): update t of a run written out with its numbers
plugged in, line by line and per coordinate, from the very rule that ran.

No second copy of any optimizer: the run's record's rule is called once more per
coordinate, on the run's own x_{t-1}, g, state_{t-1}, lr_t and t, but with numbers
that record what is done to them (``Rec``) and an ops table of the same functions
(``REC_OPS``). Each Rec keeps its value (plain Python float arithmetic, as on the
float path) and how it was made; the slots the rule returns, and the names a typed
rule assigns, become the lines::

    m <- beta1·m + (1 − beta1)·g
       [1]  m <- 0.9·0 + (1 − 0.9)·(−26.72) = −2.672

A rule that is not element-wise (Newton, BFGS, L-BFGS, random search) works on the
whole vector at once (a solve, a line search); for it the lines are the step the
trace holds, x_t = x_{t-1} + Δx, with g.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace

from engine.ops import FLOAT_OPS
from engine.registry import resolve

_PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4, "call": 5, "leaf": 5}
_TEX_NAMES = {"beta1": r"\beta_1", "beta2": r"\beta_2", "rho": r"\rho", "eps": r"\varepsilon",
              "lr": r"\mathrm{lr}_t", "mu_max": r"\mu_{\max}", "lambda": r"\lambda", "sigma": r"\sigma",
              "psi": r"\psi", "mu_t": r"\mu_t", "m_hat": r"\hat m", "v_hat": r"\hat v", "wd": r"\mathrm{wd}"}


class Rec:
    """A number that remembers how it was made. ``name``: a leaf's symbol (g, x, m,
    beta1) or the name a line gave it; ``op``/``args``: the operation otherwise."""

    __slots__ = ("value", "op", "args", "name", "label")

    def __init__(self, value, op="leaf", args=(), name=None):
        self.value, self.op, self.args, self.name, self.label = float(value), op, args, name, None

    # arithmetic: the float path's operations on .value, recorded
    def _bin(self, other, op, f, swap=False):
        other = other if isinstance(other, Rec) else Rec(other)
        a, b = (other, self) if swap else (self, other)
        return Rec(f(a.value, b.value), op, (a, b))

    def __add__(self, o):
        return self._bin(o, "add", lambda a, b: a + b)

    def __radd__(self, o):
        return self._bin(o, "add", lambda a, b: a + b, swap=True)

    def __sub__(self, o):
        return self._bin(o, "sub", lambda a, b: a - b)

    def __rsub__(self, o):
        return self._bin(o, "sub", lambda a, b: a - b, swap=True)

    def __mul__(self, o):
        return self._bin(o, "mul", lambda a, b: a * b)

    def __rmul__(self, o):
        return self._bin(o, "mul", lambda a, b: a * b, swap=True)

    def __truediv__(self, o):
        return self._bin(o, "div", _div)

    def __rtruediv__(self, o):
        return self._bin(o, "div", _div, swap=True)

    def __pow__(self, o):
        return self._bin(o, "pow", FLOAT_OPS.pow)

    def __rpow__(self, o):
        return self._bin(o, "pow", FLOAT_OPS.pow, swap=True)

    def __floordiv__(self, o):
        return self._bin(o, "floordiv", lambda a, b: float(a // b))

    def __neg__(self):
        return Rec(-self.value, "neg", (self,))

    def __float__(self):
        return self.value

    # comparisons decide branches (RAdam's rho_t > 5) on the value, as the float path does
    def __gt__(self, o):
        return self.value > float(o)

    def __ge__(self, o):
        return self.value >= float(o)

    def __lt__(self, o):
        return self.value < float(o)

    def __le__(self, o):
        return self.value <= float(o)


def _div(a, b):
    if b:
        return a / b
    return math.nan if a == 0 or a != a else math.copysign(math.inf, a) * math.copysign(1.0, b)


def _call(name, f):
    def op(*args):
        recs = [a if isinstance(a, Rec) else Rec(a) for a in args]
        return Rec(f(*(r.value for r in recs)), "call", tuple(recs), name)
    return op


def recording_ops():
    """A fresh ops table of recording functions. ``named(name, value)`` is called by a
    typed rule after each assignment (engine.custom_rule); the lines land in ``lines``."""
    lines = []

    def named(name, value):
        value = value if isinstance(value, Rec) else Rec(value)
        out = Rec(value.value, "same", (value,))
        out.label = name
        lines.append((name, out))
        return out

    return SimpleNamespace(
        sqrt=_call("sqrt", FLOAT_OPS.sqrt), sign=_call("sign", FLOAT_OPS.sign), abs=_call("abs", abs),
        maximum=_call("max", FLOAT_OPS.maximum), minimum=_call("min", FLOAT_OPS.minimum),
        log2=_call("log2", FLOAT_OPS.log2), floor=_call("floor", lambda v: float(math.floor(v))),
        exp=_call("exp", FLOAT_OPS.exp), log=_call("log", FLOAT_OPS.log),
        pow=lambda a, b: _rec(a) ** b, div=lambda a, b: _rec(a) / b,
        named=named, lines=lines, name="record")


def _rec(v):
    return v if isinstance(v, Rec) else Rec(v)


# -- writing a recorded number out --------------------------------------------------------------


def _number(v: float) -> str:
    if v != v:
        return "nan"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    text = f"{v:.4g}".replace("-", "−")
    return text


def _tex_number(v: float) -> str:
    if v != v or math.isinf(v):
        return {True: r"\infty", False: r"-\infty"}[v > 0] if v == v else r"\mathrm{nan}"
    text = f"{v:.4g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = rf"{mant}\times 10^{{{int(exp)}}}"
    return text


def render(rec: Rec, numbers: bool, tex: bool = False, top: bool = True) -> str:
    """``rec`` as an expression: leaves and named lines by symbol or by value."""
    if not top and rec.label is not None:
        return _leaf(rec, rec.label, numbers, tex)
    if rec.op == "same":
        return render(rec.args[0], numbers, tex, top=False)
    if rec.op == "leaf":
        return _leaf(rec, rec.name, numbers, tex)
    parts = [render(a, numbers, tex, top=False) for a in rec.args]
    prec = _PREC.get(rec.op, 5)

    def wrap(i, need):
        child = rec.args[i]
        p = _prec(child, numbers)
        return f"({parts[i]})" if p < need else parts[i]

    minus = "-" if tex else "−"
    if rec.op == "add":
        return f"{wrap(0, 1)} + {wrap(1, 2)}"
    if rec.op == "sub":
        return f"{wrap(0, 1)} {minus} {wrap(1, 2)}"
    if rec.op == "mul":
        return wrap(0, 2) + (r" \cdot " if tex else "·") + wrap(1, 3)
    if rec.op == "div":
        if tex:
            return rf"\frac{{{parts[0]}}}{{{parts[1]}}}"
        return f"{wrap(0, 2)}/{wrap(1, 3)}"
    if rec.op == "floordiv":
        return f"⌊{parts[0]}/{parts[1]}⌋" if not tex else rf"\lfloor {parts[0]}/{parts[1]} \rfloor"
    if rec.op == "neg":
        return f"{minus}{wrap(0, 3)}"
    if rec.op == "pow":
        return f"{wrap(0, prec + 1)}^{{{parts[1]}}}" if tex else f"{wrap(0, prec + 1)}^{wrap(1, prec)}"
    name = rec.name
    if tex:
        if name == "sqrt":
            return rf"\sqrt{{{parts[0]}}}"
        return rf"\operatorname{{{name}}}\left({', '.join(parts)}\right)"
    if name == "sqrt":
        return f"√({parts[0]})" if _prec(rec.args[0], numbers) < 5 else f"√{parts[0]}"
    return f"{name}({', '.join(parts)})"


def _prec(rec, numbers):
    if rec.label is not None or rec.op == "leaf":
        # a negative number is bracketed wherever a sign could be misread: 0.9·(−0.5), x − (−1)
        return 1.5 if numbers and rec.value < 0 else 5
    if rec.op == "same":
        return _prec(rec.args[0], numbers)
    return _PREC.get(rec.op, 5)


def _leaf(rec, name, numbers, tex):
    if numbers or name is None:
        return _tex_number(rec.value) if tex else _number(rec.value)
    if tex:
        if name in _TEX_NAMES:
            return _TEX_NAMES[name]
        return name if len(name) == 1 else rf"\mathrm{{{name}}}".replace("_", r"\_")
    return name


# -- one update, explained --------------------------------------------------------------------------


@dataclass
class Line:
    target: str
    symbolic: str
    tex: str
    numeric: list = field(default_factory=list)  # per coordinate: (expression, value)
    numeric_tex: list = field(default_factory=list)


@dataclass
class Explanation:
    title: str
    t: int
    lines: list
    note: str = ""
    values: dict = field(default_factory=dict)  # target -> per-coordinate values (the tests read these)

    def plain(self) -> str:
        out = [f"{self.title}, update t = {self.t}"]
        if self.note:
            out.append(self.note)
        for line in self.lines:
            out.append(f"{line.target} ← {line.symbolic}")
            for i, (expr, value) in enumerate(line.numeric):
                tail = f" = {_number(value)}" if expr != _number(value) else ""
                out.append(f"   [{i + 1}]  {line.target} ← {expr}{tail}")
        return "\n".join(out)

    def latex(self) -> str:
        out = [r"\begin{aligned}"]
        for line in self.lines:
            target = _leaf(Rec(0), line.target, False, True)
            out.append(rf"{target} &\leftarrow {line.tex} \\")
            for i, (expr, value) in enumerate(line.numeric_tex):
                out.append(rf"{target}_{{{i + 1}}} &\leftarrow {expr} = {_tex_number(value)} \\")
        out.append(r"\end{aligned}")
        return "\n".join(out)


def explain(optimizer, trace, t: int) -> Explanation | None:
    """Update ``t`` (1..steps) of ``trace``, a run of ``optimizer`` recorded with its states;
    None when the trace has no such update or no states."""
    if trace is None or not 1 <= t < len(trace.xs):
        return None
    record, _ = resolve(optimizer.key, optimizer.params)
    title = record.title
    x0, x1, g = trace.xs[t - 1], trace.xs[t], trace.grads[t - 1]
    lr = float(trace.lr[t])
    if record.kind != "elementwise" or trace.states is None or tuple(trace.state_names) != record.state_names:
        return _whole_vector(title, t, x0, x1, g, lr)
    hp = SimpleNamespace(**{k: (Rec(v, name=_symbol(record, k)) if isinstance(v, float) else v)
                            for k, v in optimizer.params.items()})
    names = record.state_names
    per_coord = []
    for i in range(len(x0)):
        ops = recording_ops()
        state = tuple(Rec(trace.states[t - 1][s][i], name=n) for s, n in enumerate(names))
        x_out, new_state = record.rule(Rec(g[i], name="g"), Rec(x0[i], name="x"), state, hp, Rec(t, name="t"),
                                       Rec(lr, name="lr"), ops)
        if ops.lines:  # a typed rule: its own assignments, in order
            recs = [(name, rec) for name, rec in ops.lines]
        else:  # a built-in: each slot it changed, then x, which reads the new slots by name
            recs = [(n, _rec(new)) for n, new, old in zip(names, new_state, state) if new is not old]
            for n, rec in recs:
                rec.label = n
            recs.append(("x", _rec(x_out)))
        per_coord.append(recs)
    lines, values = [], {}
    for k, (target, head) in enumerate(per_coord[0]):
        recs = [coord[k][1] for coord in per_coord]
        lines.append(Line(target, render(head, False), render(head, False, tex=True),
                          [(render(r, True), r.value) for r in recs],
                          [(render(r, True, tex=True), r.value) for r in recs]))
        values[target] = [r.value for r in recs]  # the last line of a name assigned twice wins
    return Explanation(title, t, lines, values=values)


def _symbol(record, name):
    try:
        h = record.hyper(name)
    except KeyError:
        return name
    return "lr" if name == "lr" else (h.symbol or name)


def _whole_vector(title, t, x0, x1, g, lr):
    dx = x1 - x0
    note = ("This rule works on the whole vector at once (a solve or a line search), not coordinate by "
            "coordinate: the step below is the one the run took.")
    lines = [Line("g", "∇f(x)", r"\nabla f(x)", [(_number(v), v) for v in g], [(_tex_number(v), v) for v in g]),
             Line("x", "x + Δx", r"x + \Delta x",
                  [(f"{_number(a)} + {_paren(_number(d))}", b) for a, d, b in zip(x0, dx, x1)],
                  [(f"{_tex_number(a)} + ({_tex_number(d)})", b) for a, d, b in zip(x0, dx, x1)])]
    return Explanation(title, t, lines, note, {"g": list(g), "x": list(x1)})


def _paren(text):
    return f"({text})" if text.startswith("−") else text
