"""Your own rule: an update typed in the lectures' pseudo-code, read by the same safe
parser as custom surfaces (surfaces.formula_parse) and run like any built-in::

    state v = 0                          # a slot of state and the value it starts from
    hyper rho = 0.9 in [0, 0.999]        # a hyperparameter: a slider with this range
    v = rho * v + g                      # assignments, in order, over g, x, t, lr,
    x = x - lr * v                       # the states, the hypers and earlier names

``g`` is the gradient (noise, SAM and L2 weight decay already in it), ``x`` the
coordinate, ``t`` the update number (1, 2, ...), ``lr`` the scheduled rate lr_t; the
functions are sqrt, abs, sign, exp, log, min and max; ``a ** b`` (or ``a ^ b``) may
have a variable exponent (``beta1 ** t``). ``<-`` and ``←`` may stand for ``=``, and
``#`` starts a comment. A name assigned but never declared is a temporary (m_hat).

Every expression goes through the formula parser's tokenizer and recursive descent
with its limits (500 characters, 200 nodes, 50 levels, numbers up to 1e6, constant
exponents in [-10, 10]); the whole rule is at most 4000 characters and 60 lines. No
eval, no ast: the tree is compiled into closures over the engine's ops tables, so a
rule steps one float coordinate (the float path) or (R, D) arrays (the batched path).
"""

from __future__ import annotations

import keyword
import math
import os
import stat
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from engine.hyper import Hyper
from engine.ops import ARRAY_OPS, FLOAT_OPS
from engine.registry import CUSTOM_KEY, LR, OPTIMIZERS, OptimizerRecord, register_optimizer, unregister_optimizer
from surfaces.formula_parse import (
    FormulaError,
    Node,
    Vocabulary,
    _Parser,
    caret_lines,
)

MAX_RULE_LENGTH = 4000
MAX_LINES = 60
MAX_SLOTS = 12  # states, and hypers, each
MAX_NAME = 24
RULE_FUNCTIONS = {"sqrt": 1, "abs": 1, "sign": 1, "exp": 1, "log": 1, "min": 2, "max": 2}
CONSTANTS = {"pi": math.pi}
GIVEN = ("g", "x", "t", "lr")
# names the stepping core reads from the hyperparameters itself (engine.stepper.Update)
_ENGINE_NAMES = ("weight_decay", "rho_sam", "base")
RESERVED = frozenset(GIVEN) | set(RULE_FUNCTIONS) | set(CONSTANTS) | {"e", "state", "hyper", "in"} \
    | set(_ENGINE_NAMES)

_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NAME_CHARS = _NAME_START | frozenset("0123456789_")
_ASSIGN_SIGNS = ("<-", "\u2190", "=")  # the lectures' arrow, typed or as a character

EXAMPLES = {
    "momentum (torch form)": "state v = 0\nhyper rho = 0.9 in [0, 0.999]\nv = rho * v + g\nx = x - lr * v",
    "momentum (velocity form)": "state v = 0\nhyper rho = 0.9 in [0, 0.999]\nv = rho * v - lr * g\nx = x + v",
    "RMSProp": ("state s = 0\nhyper decay = 0.9 in [0, 0.9999]\nhyper eps = 1e-7 in [1e-12, 1]\n"
                "s = decay * s + (1 - decay) * g^2\nx = x - lr * g / (sqrt(s) + eps)"),
    "Adam": ("state m = 0\nstate v = 0\nhyper beta1 = 0.9 in [0, 0.999]\nhyper beta2 = 0.999 in [0, 0.9999]\n"
             "hyper eps = 1e-8 in [1e-12, 1]\nm = beta1 * m + (1 - beta1) * g\n"
             "v = beta2 * v + (1 - beta2) * g^2\nm_hat = m / (1 - beta1^t)\nv_hat = v / (1 - beta2^t)\n"
             "x = x - lr * m_hat / (sqrt(v_hat) + eps)"),
    "sign descent": "x = x - lr * sign(g)",
}


class RuleError(FormulaError):
    """A refused rule: ``position`` indexes the whole text; ``line`` and ``column`` are
    1-based, as editors count; ``caret()`` draws the offending line only."""

    def __init__(self, problem: str, position: int, hint: str = "", text: str = ""):
        self.problem, self.position, self.hint, self.text = problem, position, hint, text
        self.message = problem + (f": {hint}" if hint else "")
        head = text[:position]
        self.line = head.count("\n") + 1
        self.column = position - (head.rfind("\n") + 1) + 1
        where = f" at line {self.line}, column {self.column}" if text else ""
        ValueError.__init__(self, f"{problem}{where}" + (f": {hint}" if hint else ""))

    def caret(self) -> str:
        start = self.text.rfind("\n", 0, self.position) + 1
        end = self.text.find("\n", start)
        line = self.text[start:] if end < 0 else self.text[start:end]
        return caret_lines(line, self.position - start)


# -- arithmetic the compiled closures call: the engine's ops plus a division that never raises


def _fdiv(a, b):
    if b:
        return a / b
    if a != a or a == 0:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _adiv(a, b):
    return np.divide(a, b)


_FLOAT = SimpleNamespace(div=_fdiv, **{k: getattr(FLOAT_OPS, k) for k in
                                      ("sqrt", "abs", "sign", "exp", "log", "pow", "minimum", "maximum")})
_ARRAY = SimpleNamespace(div=_adiv, **{k: getattr(ARRAY_OPS, k) for k in
                                      ("sqrt", "abs", "sign", "exp", "log", "pow", "minimum", "maximum")})


def compile_node(node: Node):
    """Closure ``f(env, m)`` of an expression tree: ``env`` maps names to values, ``m``
    is _FLOAT or _ARRAY. Plain Python operators where they cannot raise."""
    kind = node.kind
    if kind == "num":
        c = node.value
        return lambda env, m: c
    if kind == "var":
        name = node.name
        return lambda env, m: env[name]
    parts = [compile_node(a) for a in node.args]
    if kind == "neg":
        (f,) = parts
        return lambda env, m: -f(env, m)
    if kind == "add":
        f, h = parts
        return lambda env, m: f(env, m) + h(env, m)
    if kind == "sub":
        f, h = parts
        return lambda env, m: f(env, m) - h(env, m)
    if kind == "mul":
        f, h = parts
        return lambda env, m: f(env, m) * h(env, m)
    if kind == "div":
        f, h = parts
        return lambda env, m: m.div(f(env, m), h(env, m))
    if kind == "pow":
        (f,), p = parts, node.value
        if p == 2:  # as the built-ins write it (g * g): the same bits on both paths
            return lambda env, m: (lambda a: a * a)(f(env, m))
        return lambda env, m: m.pow(f(env, m), p)
    if kind == "powv":
        f, h = parts
        return lambda env, m: m.pow(f(env, m), h(env, m))
    if kind in ("min", "max"):
        f, h = parts
        pick = "minimum" if kind == "min" else "maximum"
        return lambda env, m: getattr(m, pick)(f(env, m), h(env, m))
    (f,), name = parts, node.name
    return lambda env, m: getattr(m, name)(f(env, m))


class _RuleParser(_Parser):
    """The formula parser with a rule's names, and variable exponents allowed (a rule is
    never differentiated, so ``beta1 ** t`` needs no exp/log rewriting)."""

    def make_power(self, base, exponent):
        if exponent.kind == "num" or base.kind == "num":
            return super().make_power(base, exponent)
        return Node("powv", base.pos, (base, exponent))

    def fold(self, node):
        if any(a.kind != "num" for a in node.args):
            return node
        value = compile_node(node)({}, _FLOAT)
        if not (isinstance(value, float) and math.isfinite(value)):
            self.fail("this part is not a finite number", node.pos, f"it evaluates to {value}")
        return Node("num", node.pos, value=value)


def _vocabulary(names) -> Vocabulary:
    names = sorted(names)
    allowed = ("allowed are numbers, " + ", ".join(names) + ", + - * / ** ^, parentheses and "
               + ", ".join(sorted(RULE_FUNCTIONS)))
    return Vocabulary(names, RULE_FUNCTIONS, CONSTANTS, {"ln": "log"}, allowed,
                      "expected a number, a name, a function or '('")


@dataclass(frozen=True)
class Assignment:
    target: str
    source: str  # the expression as typed
    node: Node
    line: int


@dataclass(frozen=True)
class Rule:
    """A parsed rule: its text, its states (name, start value), hypers and assignments."""

    text: str
    states: tuple[tuple[str, float], ...]
    hypers: tuple[Hyper, ...]
    assignments: tuple[Assignment, ...]

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.states)

    @property
    def pseudo_code(self) -> str:
        """The assignments as the lectures write them (``v <- rho * v + g``)."""
        return "\n".join(f"{a.target} <- {a.source}" for a in self.assignments)


class _Reader:
    """Reads one rule text line by line; every refusal is a RuleError into the text."""

    def __init__(self, text):
        self.text = text

    def fail(self, problem, pos, hint=""):
        raise RuleError(problem, pos, hint, self.text)

    def name_at(self, line, i, offset):
        """(name, end) of the name starting at line[i] (after blanks)."""
        while i < len(line) and line[i] in " \t":
            i += 1
        j = i
        if j < len(line) and line[j] in _NAME_START:
            while j < len(line) and line[j] in _NAME_CHARS:
                j += 1
        if j == i:
            what = f"'{line[i]}'" if i < len(line) else "the end of the line"
            self.fail("expected a name", offset + i, f"names start with a letter (found {what})")
        return line[i:j], i, j

    def check_new_name(self, name, pos, taken, allow=()):
        if (name in RESERVED or keyword.iskeyword(name)) and name not in allow:
            self.fail(f"'{name}' cannot be declared", pos,
                      f"it is {'given to every rule' if name in GIVEN else 'a reserved word'}; choose another name")
        if len(name) > MAX_NAME:
            self.fail("the name is too long", pos, f"at most {MAX_NAME} characters")
        if name in taken:
            self.fail(f"'{name}' is declared twice", pos)

    def expression(self, source, offset, names):
        """The tree of ``source`` (the text from ``offset``), parsed with ``names`` known."""
        try:
            return _RuleParser(source, _vocabulary(names)).parse()
        except FormulaError as err:
            raise RuleError(err.problem, offset + err.position, err.hint, self.text) from None

    def constant(self, source, offset):
        node = self.expression(source, offset, ())
        return node.value

    def assign_sign(self, line, j, offset, what):
        """Index of the first character after the '=' (and blanks) that follows line[:j]."""
        while j < len(line) and line[j] in " \t":
            j += 1
        sign = next((s for s in _ASSIGN_SIGNS if line.startswith(s, j)), None)
        if sign is None:
            self.fail("expected '='", offset + j, f"write {what} = ...")
        j += len(sign)
        while j < len(line) and line[j] in " \t":
            j += 1
        return j


def parse_rule(text) -> Rule:
    """The rule in ``text``, or a RuleError naming the line and column."""
    if not isinstance(text, str):
        raise RuleError("a rule must be text", 0, f"got {type(text).__name__}")
    if len(text) > MAX_RULE_LENGTH:  # first, before any work
        raise RuleError("the rule is too long", MAX_RULE_LENGTH,
                        f"at most {MAX_RULE_LENGTH} characters, got {len(text)}", text)
    if text.count("\n") >= MAX_LINES:
        raise RuleError("the rule has too many lines", len(text), f"at most {MAX_LINES}", text)
    reader = _Reader(text)
    lines, offset = [], 0
    for raw in text.split("\n"):
        body = raw.split("#", 1)[0].rstrip(" \t\r")
        if body.strip():
            lines.append((body, offset))
        offset += len(raw) + 1
    states, hypers, statements = [], [], []
    taken = set()
    for body, off in lines:
        head, i, j = reader.name_at(body, 0, off)
        if head == "state":
            name, i, j = reader.name_at(body, j, off)
            reader.check_new_name(name, off + i, taken)
            k = reader.assign_sign(body, j, off, f"state {name}")
            value = reader.constant(body[k:], off + k)
            states.append((name, value))
            taken.add(name)
            if len(states) > MAX_SLOTS:
                reader.fail("too many states", off, f"at most {MAX_SLOTS}")
        elif head == "hyper":
            name, i, j = reader.name_at(body, j, off)
            reader.check_new_name(name, off + i, taken, allow=("lr",))
            k = reader.assign_sign(body, j, off, f"hyper {name}")
            hypers.append(_hyper(reader, name, body, k, off))
            taken.add(name)
            if len(hypers) > MAX_SLOTS:
                reader.fail("too many hyperparameters", off, f"at most {MAX_SLOTS}")
        else:
            statements.append((head, i, j, body, off))
    if not any(h.name == "lr" for h in hypers):
        hypers.insert(0, LR(0.01))
    known = set(GIVEN) | taken
    hyper_names = {h.name for h in hypers}
    assignments = []
    for name, i, j, body, off in statements:
        if name in hyper_names or name in ("g", "t", "lr"):
            reader.fail(f"'{name}' cannot be assigned", off + i,
                        "the rule may assign x, its states and new names of its own")
        if name not in known:
            reader.check_new_name(name, off + i, ())
        k = reader.assign_sign(body, j, off, name)
        if not body[k:].strip():
            reader.fail("the right-hand side is missing", off + len(body), f"write {name} = an expression")
        node = reader.expression(body[k:], off + k, known)
        assignments.append(Assignment(name, body[k:].strip(), node, text.count("\n", 0, off) + 1))
        known.add(name)
    if not any(a.target == "x" for a in assignments):
        reader.fail("the rule never changes x", len(text), "end with a line such as x = x - lr * g")
    return Rule(text, tuple(states), tuple(hypers), tuple(assignments))


def _range_start(body, k):
    """(end of the default, index of the '[') of ``default in [lo, hi]`` after body[k:];
    (len(body), len(body)) without a range."""
    i = body.find("[", k)
    head = body[k:i].rstrip() if i >= 0 else ""
    if head.endswith("in") and (len(head) == 2 or head[-3] in " \t)"):
        return k + len(head) - 2, i
    return len(body), len(body)


def _hyper(reader, name, body, k, off) -> Hyper:
    end, opening = _range_start(body, k)
    default = reader.constant(body[k:end], off + k)
    if opening < len(body):
        inner_at = opening + 1
        close = body.find("]", inner_at)
        if close < 0:
            reader.fail("missing ']'", off + len(body), "write the range as [lo, hi]")
        if body[close + 1:].strip():
            reader.fail("unexpected text after the range", off + close + 1)
        comma = body.find(",", inner_at, close)
        if comma < 0:
            reader.fail("expected ','", off + close, "write the range as [lo, hi]")
        lo = reader.constant(body[inner_at:comma], off + inner_at)
        hi = reader.constant(body[comma + 1:close], off + comma + 1)
    else:  # no range: a slider from 0 (or below a negative default) to well above it
        lo = min(0.0, -10.0 * abs(default))
        hi = max(1.0, 10.0 * abs(default))
    if not lo < hi:
        reader.fail("the range is empty", off + k, f"expected lo < hi, got [{lo:g}, {hi:g}]")
    if not lo <= default <= hi:
        reader.fail(f"{name} = {default:g} is outside its range", off + k, f"[{lo:g}, {hi:g}]")
    if name == "lr" and lo <= 0:
        reader.fail("the learning rate's range must be positive", off + k, "e.g. hyper lr = 0.01 in [1e-6, 10]")
    return Hyper(name, float(default), float(lo), float(hi), log=lo > 0 and hi / lo >= 1e3, symbol=name,
                 doc="a hyperparameter of your rule")


# -- the rule as an optimizer record -------------------------------------------------------------------


def rule_function(rule: Rule):
    """``rule(g, x, state, hp, t, lr, ops) -> (x, state)``, as every element-wise record."""
    steps = tuple((a.target, compile_node(a.node)) for a in rule.assignments)
    state_names = rule.state_names
    hyper_names = tuple(h.name for h in rule.hypers if h.name != "lr")

    def step(g, x, state, hp, t, lr, ops):
        m = _FLOAT if ops.name == "float" else _ARRAY if ops.name == "array" else ops
        env = {"g": g, "x": x, "t": t, "lr": lr}
        for name in hyper_names:
            env[name] = getattr(hp, name)
        env.update(zip(state_names, state))
        if m is ops:  # engine.arithmetic's recording numbers: each line named as typed
            for target, f in steps:
                env[target] = ops.named(target, f(env, m))
        else:
            for target, f in steps:
                env[target] = f(env, m)
        x_new = env["x"]
        new_state = tuple(env[n] for n in state_names)
        if m is ops:
            return x_new, new_state
        if m is _ARRAY:  # a slot set to a constant or a hyper keeps the shape of x
            shape = np.shape(x)
            x_new = _shaped(x_new, shape)
            new_state = tuple(_shaped(v, shape) for v in new_state)
        else:
            x_new = float(x_new)
            new_state = tuple(float(v) for v in new_state)
        return x_new, new_state

    # the built-ins' docstring shape (a sentence, the indented pseudo-code, a sentence):
    # OptimizerRecord.pseudo_code reads the indented block for the inspector
    indented = "\n".join("    " + line for line in rule.pseudo_code.splitlines())
    step.__doc__ = f"Your rule.\n\n{indented}\n\nTyped by you; saved with the session.\n"
    return step


def _shaped(v, shape):
    if np.shape(v) == shape:
        return v
    return np.broadcast_to(v, shape).astype(float)


def state_type(names, defaults):
    """A NamedTuple-like class of the rule's slots (fields, defaults, attribute access),
    built without collections.namedtuple, which compiles generated source with eval."""

    def new(cls, *values):
        return tuple.__new__(cls, values)

    namespace = {"__slots__": (), "__new__": new, "_fields": tuple(names),
                 "_field_defaults": dict(zip(names, defaults)),
                 "__repr__": lambda self: "CustomState(" + ", ".join(
                     f"{n}={v!r}" for n, v in zip(names, self)) + ")"}
    for i, name in enumerate(names):
        namespace[name] = property(lambda self, i=i: self[i])
    return type("CustomState", (tuple,), namespace)


def make_record(rule: Rule, key: str = CUSTOM_KEY) -> OptimizerRecord:
    state = state_type(rule.state_names, [float(v) for _, v in rule.states])
    return OptimizerRecord(key, "Your rule" if key == CUSTOM_KEY else f"Your rule ({key[7:]})", "your own",
                           rule.hypers, rule_function(rule), state=state, rule_text=rule.text,
                           reference="typed by you", summary=_summary(rule))


def _summary(rule: Rule) -> str:
    """One short line for menus and the knobs' heading: the last update of x."""
    last = [a for a in rule.assignments if a.target == "x"][-1]
    text = f"x <- {last.source}"
    return text if len(text) <= 60 else text[:57] + "..."


def is_custom_key(key: str) -> bool:
    return key == CUSTOM_KEY or key.startswith(CUSTOM_KEY + "-")


def install_rule(text, key: str = CUSTOM_KEY) -> OptimizerRecord:
    """Parses ``text`` and makes it the optimizer ``key`` ('custom' or 'custom-NAME'),
    replacing that key's earlier rule. A refused rule leaves the table as it was."""
    if not is_custom_key(key):
        raise RuleError(f"a rule's key must be '{CUSTOM_KEY}' or '{CUSTOM_KEY}-NAME', not {key!r}", 0)
    record = make_record(parse_rule(text), key)
    unregister_optimizer(key)
    return register_optimizer(record)


def installed_rules() -> dict[str, str]:
    """{key: text} of every rule typed by the user now in the optimizer table."""
    return {k: r.rule_text for k, r in OPTIMIZERS.items() if r.rule_text}


def read_rule_file(path) -> str:
    """The text of a rule file, read no further than the longest rule allowed (a pasted
    log, /dev/zero or a FIFO never costs more than that); a RuleError says why not."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise RuleError(f"{path!r} is not a regular file", 0)
        with open(path, encoding="utf-8") as fh:
            text = fh.read(MAX_RULE_LENGTH + 1)
    except OSError as err:
        raise RuleError(f"cannot read {path!r}: {err.strerror or err}", 0) from None
    except UnicodeDecodeError:
        raise RuleError(f"{path!r} is not UTF-8 text", 0) from None
    return text
