"""The safe custom-formula parser: text -> expression tree, or a FormulaError.

No ``eval``, ``exec``, ``compile`` or ``ast`` ever sees the text: a hand-written
tokenizer and a recursive-descent parser accept this grammar and nothing else, so
nothing of Python's grammar (attributes, calls of arbitrary names, lambdas,
comprehensions, big integers) can leak in::

    formula := sum
    sum     := product (("+" | "-") product)*
    product := signed (("*" | "/") signed)*
    signed  := ("+" | "-") signed | power
    power   := atom (("**" | "^") signed)?           right-associative, as in Python:
    atom    := number | "x" | "y" | "pi" | "e"        -x**2 = -(x**2), 2**3**2 = 2**9
             | function "(" sum ")" | ("min" | "max") "(" sum "," sum ")" | "(" sum ")"

``^`` is a power, as on lecture slides. Numbers are ``3``, ``0.5``, ``.5``, ``1e-3``.
Functions: sin cos tan exp log (alias ln) sqrt abs tanh sinh cosh arctan (alias atan)
sigmoid softplus relu, and min/max of two arguments.

Limits, each checked before the work it protects: at most 500 characters (checked
first, so a 100 kB paste is refused in microseconds), 50 levels of nesting, 200
numbers/names/operations, numbers up to 1e6 in size. Exponents: a constant exponent
must lie in [-10, 10] (``9**9**9`` is refused at its second 9); a variable exponent
needs a positive constant base (``2**x``, ``e^(-x^2)``, rewritten as ``exp(x log 2)``);
``x**y`` is refused -- write ``exp(y*log(x))``. Constant parts are folded at parse
time and must be finite (``log(0)``, ``1/0`` are refused).

Refusals raise :class:`FormulaError` with the 0-based ``position`` of the offending
character; :func:`caret_lines` draws it for the GUI.
"""

from __future__ import annotations

import math
import unicodedata

import numpy as np

from surfaces.formula_diff import ARRAY_MATH, Values, compile_tree

MAX_LENGTH = 500
MAX_DEPTH = 50
MAX_NODES = 200
MAX_NUMBER = 1e6
MAX_EXPONENT = 10.0

FUNCTIONS = {
    "sin": 1, "cos": 1, "tan": 1, "exp": 1, "log": 1, "sqrt": 1, "abs": 1, "tanh": 1,
    "sinh": 1, "cosh": 1, "arctan": 1, "sigmoid": 1, "softplus": 1, "relu": 1,
    "min": 2, "max": 2,
}
ALIASES = {"atan": "arctan", "ln": "log"}
CONSTANTS = {"pi": math.pi, "e": math.e}
VARIABLES = ("x", "y")

_DIGITS = frozenset("0123456789")  # never str.isdigit(): it accepts '²' and '٣'
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _LETTERS | _DIGITS
_SPACES = frozenset(" \t\r\n")
_ALLOWED = ("allowed are numbers, x, y, pi, e, + - * / ** ^, parentheses and "
            + ", ".join(sorted(FUNCTIONS)))
_OPERAND = "expected a number, x, y, pi, e, a function or '('"

_CHAR_HINTS = {
    ".": "'.' only appears inside numbers such as 0.5 (there is no attribute access)",
    "'": "text in quotes is not allowed", '"': "text in quotes is not allowed",
    "[": "only round parentheses ( ) are allowed", "]": "only round parentheses ( ) are allowed",
    "{": "only round parentheses ( ) are allowed", "}": "only round parentheses ( ) are allowed",
    ";": "type a single expression", "=": "type only the right-hand side, e.g. x**2 + y**2",
    "\u2212": "that is a typographic minus: type '-'", "\u2013": "that is a dash: type '-'",
    "\u00d7": "type '*' to multiply", "\u00b7": "type '*' to multiply",
    "\u2217": "type '*' to multiply", "\u22c5": "type '*' to multiply", "\u00f7": "type '/'",
    "\u00b2": "write **2 for a square", "\u00b3": "write **3 for a cube", "\u03c0": "write pi",
}


class FormulaError(ValueError):
    """A refused formula. ``position`` is the 0-based index of the offending character
    (``len(text)`` when the formula ends too early); the one-line message gives it as a
    1-based column, as editors count."""

    def __init__(self, problem: str, position: int, hint: str = "", text: str = ""):
        self.problem, self.position, self.hint, self.text = problem, position, hint, text
        self.message = problem + (f": {hint}" if hint else "")
        if not text:
            where = ""
        elif position >= len(text):
            where = " at the end"
        else:
            where = f" at column {position + 1}"
        super().__init__(f"{problem}{where}" + (f": {hint}" if hint else ""))

    def caret(self) -> str:
        return caret_lines(self.text, self.position)


def caret_lines(text: str, position: int, width: int = 72) -> str:
    """Two lines for a monospace label: the formula (a window around ``position`` if it
    is long) and a ``^`` under the offending character."""
    start = max(0, min(position - width // 2, len(text) - width))
    shown = text[start:start + width]
    prefix = "..." if start > 0 else ""
    suffix = "..." if start + width < len(text) else ""
    # One column per character, so the caret lines up: blanks and controls become spaces.
    shown = "".join(c if c.isprintable() else " " for c in shown)
    return f"{prefix}{shown}{suffix}\n{' ' * (len(prefix) + position - start)}^"


def _quote(s: str, limit: int = 24) -> str:
    return "'" + (s if len(s) <= limit else s[:limit] + "...") + "'"


def _describe_char(c: str) -> str:
    if c.isascii() and c.isprintable():
        return f"'{c}'"
    name = unicodedata.name(c, "")
    code = f"U+{ord(c):04X}" + (f" {name}" if name else "")
    return f"'{c}' ({code})" if c.isprintable() else code


# -- tokens ----------------------------------------------------------------------------


class Vocabulary:
    """The names a text may use: the formula grammar's (x, y, pi, e and the functions
    above) by default; engine.custom_rule passes its own (g, x, t, lr, states, hypers)
    to the same tokenizer and parser."""

    __slots__ = ("variables", "functions", "constants", "aliases", "allowed", "operand")

    def __init__(self, variables, functions, constants, aliases, allowed, operand):
        self.variables, self.functions, self.constants = frozenset(variables), functions, constants
        self.aliases, self.allowed, self.operand = aliases, allowed, operand


FORMULA = Vocabulary(VARIABLES, FUNCTIONS, CONSTANTS, ALIASES, _ALLOWED, _OPERAND)


class Token:
    __slots__ = ("kind", "text", "pos", "value")

    def __init__(self, kind, text, pos, value=None):
        self.kind, self.text, self.pos, self.value = kind, text, pos, value


def tokenize(text: str, vocabulary: Vocabulary = FORMULA) -> list[Token]:
    """Tokens of ``text``; refuses any character outside the grammar and unknown names."""
    tokens, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c in _SPACES:
            i += 1
        elif c in _DIGITS or (c == "." and i + 1 < n and text[i + 1] in _DIGITS):
            j = _number_end(text, i)
            # text[i:j] holds only ASCII digits, '.', 'e' and a sign, so float() reads
            # exactly our grammar (never '1_000', 'inf' or other alphabets' digits).
            value = float(text[i:j])
            if value > MAX_NUMBER:
                raise FormulaError(f"number {_quote(text[i:j])} is too large", i,
                                   "numbers are limited to 1e6 in size", text)
            tokens.append(Token("num", text[i:j], i, value))
            i = j
        elif c in _LETTERS:
            j = i
            while j < n and text[j] in _NAME_CHARS:
                j += 1
            tokens.append(Token("name", _known_name(text, i, j, vocabulary), i))
            i = j
        elif text.startswith("**", i):
            tokens.append(Token("op", "**", i))
            i += 2
        elif c in "+-*/^(),":
            tokens.append(Token("op", c, i))
            i += 1
        else:
            hint = _CHAR_HINTS.get(c) or (vocabulary.allowed if c.isascii() else
                                          "only plain ASCII letters and symbols are allowed")
            raise FormulaError(f"unexpected character {_describe_char(c)}", i, hint, text)
    tokens.append(Token("end", "", n))
    return tokens


def _number_end(text, i):
    n, j = len(text), i
    while j < n and text[j] in _DIGITS:
        j += 1
    if j < n and text[j] == ".":
        j += 1
        while j < n and text[j] in _DIGITS:
            j += 1
    if j < n and text[j] in "eE":
        k = j + 1
        if k < n and text[k] in "+-":
            k += 1
        if k < n and text[k] in _DIGITS:
            while k < n and text[k] in _DIGITS:
                k += 1
            j = k
    return j


def _known_name(text, i, j, vocabulary=FORMULA):
    v = vocabulary
    name = text[i:j]
    name = v.aliases.get(name, name)
    if name in v.functions or name in v.constants or name in v.variables:
        return name
    lower = name.lower()
    if lower in v.functions or lower in v.constants or lower in v.variables or lower in v.aliases:
        hint = f"names are lower case: {lower}"
    elif v is FORMULA and set(name) <= set("xy"):
        hint = "write " + "*".join(name) + " to multiply"
    else:
        hint = ("use " + ", ".join(sorted(v.variables) + sorted(v.constants))
                + " or one of the functions " + ", ".join(sorted(v.functions)))
    raise FormulaError(f"unknown name {_quote(name)}", i, hint, text)


# -- the tree --------------------------------------------------------------------------


class Node:
    """One node of the expression tree. ``kind``: num (``value``), var (``name``), neg,
    add, sub, mul, div, pow (constant exponent in ``value``), call (function ``name``),
    min, max. ``pos`` is where the node's text starts."""

    __slots__ = ("kind", "pos", "args", "value", "name")

    def __init__(self, kind, pos, args=(), value=None, name=None):
        self.kind, self.pos, self.args, self.value, self.name = kind, pos, args, value, name

    def variables(self) -> frozenset:
        if self.kind == "var":
            return frozenset((self.name,))
        return frozenset().union(*(a.variables() for a in self.args))


_BINARY = {"+": "add", "-": "sub", "*": "mul", "/": "div"}


class _Parser:
    def __init__(self, text, vocabulary: Vocabulary = FORMULA):
        self.text, self.vocabulary = text, vocabulary
        self.tokens = tokenize(text, vocabulary)
        self.i = self.depth = self.nodes = self.open = 0  # open: unclosed '(' so far

    def fail(self, problem, pos, hint=""):
        raise FormulaError(problem, pos, hint, self.text)

    def peek(self):
        return self.tokens[self.i]

    def take(self):
        self.i += 1
        return self.tokens[self.i - 1]

    def at_op(self, *ops):
        tok = self.tokens[self.i]
        return tok.kind == "op" and tok.text in ops

    def parse(self) -> Node:
        if self.peek().kind == "end":
            self.fail("the formula is empty", 0, "type an expression such as x**2 + 10*y**2")
        node = self.sum()
        self.expect_end_of("end", None)
        return node

    def expect_end_of(self, what, opening):
        """The next token must close something (``end`` or ``)``); say why it does not."""
        tok = self.take()
        if (tok.kind == "end") if what == "end" else (tok.kind == "op" and tok.text == ")"):
            return
        if tok.kind in ("num", "name") or (tok.kind == "op" and tok.text == "("):
            prev = self.tokens[self.i - 2]
            hint = (f"write {prev.text}*{tok.text} to multiply" if tok.kind != "op"
                    and prev.kind != "op" else "put an operator such as * in between")
            self.fail(f"missing operator before {_quote(tok.text)}", tok.pos, hint)
        if tok.kind == "end":
            self.fail("missing ')'", tok.pos, f"the '(' at column {opening.pos + 1} is not closed")
        if tok.text == ")":
            self.fail("unexpected ')'", tok.pos, "there is no '(' to close")
        if tok.text == ",":
            self.fail("unexpected ','", tok.pos, "only min and max take two arguments")
        self.fail(f"unexpected {_quote(tok.text)}", tok.pos)  # pragma: no cover - defensive

    def count(self, pos):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.fail("the formula is too large", pos,
                      f"at most {MAX_NODES} numbers, names and operations")

    def sum(self):
        node = self.product()
        while self.at_op("+", "-"):
            op = self.take()
            node = self.binary(_BINARY[op.text], node, self.product(), op)
        return node

    def product(self):
        node = self.signed()
        while self.at_op("*", "/"):
            op = self.take()
            node = self.binary(_BINARY[op.text], node, self.signed(), op)
        return node

    def signed(self):
        tok = self.peek()
        self.depth += 1
        if self.depth > MAX_DEPTH:  # blame the '(', sign or power that opened this level
            self.fail("the formula is nested too deeply", self.tokens[self.i - 1].pos,
                      f"at most {MAX_DEPTH} levels of parentheses, signs and powers")
        if self.at_op("+", "-"):
            self.take()
            node = self.signed()
            if tok.text == "-":
                self.count(tok.pos)
                node = self.fold(Node("neg", tok.pos, (node,)))
        else:
            node = self.power()
        self.depth -= 1
        return node

    def power(self):
        base = self.atom()
        if not self.at_op("**", "^"):
            return base
        op = self.take()
        self.count(op.pos)
        return self.make_power(base, self.signed())

    def atom(self):
        tok = self.take()
        if tok.kind == "num":
            self.count(tok.pos)
            return Node("num", tok.pos, value=tok.value)
        if tok.kind == "name":
            self.count(tok.pos)
            if tok.text in self.vocabulary.variables:
                return Node("var", tok.pos, name=tok.text)
            if tok.text in self.vocabulary.constants:
                return Node("num", tok.pos, value=self.vocabulary.constants[tok.text])
            return self.call(tok)
        if tok.kind == "op" and tok.text == "(":
            self.open += 1
            node = self.sum()
            self.expect_end_of(")", tok)
            self.open -= 1
            return node
        if tok.kind == "end":
            self.fail("the formula is incomplete", tok.pos, self.vocabulary.operand)
        if tok.text == ")" and not self.open:
            self.fail("unexpected ')'", tok.pos, "there is no '(' to close")
        self.fail(f"unexpected {_quote(tok.text)}", tok.pos, self.vocabulary.operand)

    def call(self, name):
        arity = self.vocabulary.functions[name.text]
        needs = "one argument" if arity == 1 else "two arguments"
        opening = self.take()
        if not (opening.kind == "op" and opening.text == "("):
            hint = f"write {name.text}(...) -- {name.text} takes {needs}"
            if opening.text in ("**", "^"):  # sin^2(x), as on slides
                hint = f"write {name.text}(x)**2 for a power of {name.text}"
            self.fail(f"expected '(' after {name.text}", opening.pos, hint)
        if self.at_op(")"):
            self.fail(f"{name.text} needs {needs}", self.peek().pos)
        self.open += 1
        args = [self.sum()]
        while self.at_op(",") and len(args) < arity:
            self.take()
            args.append(self.sum())
        if len(args) < arity or (self.at_op(",") and len(args) == arity):
            self.fail(f"{name.text} takes {needs}", self.peek().pos)
        self.expect_end_of(")", opening)
        self.open -= 1
        if arity == 2:
            return self.fold(Node(name.text, name.pos, tuple(args)))
        return self.fold(Node("call", name.pos, tuple(args), name=name.text))

    def binary(self, kind, left, right, op):
        self.count(op.pos)
        if kind == "div" and right.kind == "num" and right.value == 0:
            self.fail("division by zero", right.pos)
        return self.fold(Node(kind, left.pos, (left, right)))

    def make_power(self, base, exponent):
        if exponent.kind == "num":
            p = exponent.value
            if abs(p) > MAX_EXPONENT:
                self.fail(f"exponent {p:g} is out of range", exponent.pos,
                          f"a constant exponent must lie in [-{MAX_EXPONENT:g}, {MAX_EXPONENT:g}]")
            if p == 0:  # x**0 = 1 everywhere, and no 0 * inf in its derivative
                return Node("num", base.pos, value=1.0)
            if p == 1:
                return base
            return self.fold(Node("pow", base.pos, (base,), value=p))
        if base.kind != "num":
            self.fail("the exponent must be a number", exponent.pos,
                      "a power of x or y takes a constant exponent; write exp(b*log(a)) for a**b")
        if base.value <= 0:
            self.fail("a variable exponent needs a positive base", base.pos,
                      f"{base.value:g}**(...) is not a real number for every x and y")
        # a**b = exp(b log a): the exp rule then gives the exact derivatives.
        if base.value != math.e:
            exponent = Node("mul", base.pos, (Node("num", base.pos, value=math.log(base.value)),
                                              exponent))
        return Node("call", base.pos, (exponent,), name="exp")

    def fold(self, node):
        """A node whose arguments are all numbers becomes a number (``2*pi``, ``9**9``)."""
        if any(a.kind != "num" for a in node.args):
            return node
        compiled = compile_tree(node, Values)
        with np.errstate(all="ignore"):
            value = float(compiled(np.float64(0.0), np.float64(0.0), ARRAY_MATH))
        if not math.isfinite(value):
            self.fail("this part is not a finite number", node.pos, f"it evaluates to {value}")
        return Node("num", node.pos, value=value)


def parse_tree(text) -> Node:
    """The expression tree of ``text``, or :class:`FormulaError`."""
    if not isinstance(text, str):
        raise FormulaError("a formula must be text", 0, f"got {type(text).__name__}")
    if len(text) > MAX_LENGTH:  # first, before any work: a 100 kB paste costs nothing
        raise FormulaError("the formula is too long", MAX_LENGTH,
                           f"at most {MAX_LENGTH} characters, got {len(text)}", text)
    return _Parser(text).parse()
