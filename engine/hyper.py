"""Hyperparameters as data: one record per knob, read by the GUI (slider range, log
scale), the CLI (parsing ``key=value``), the session validator and the tests
(hypothesis draws values inside ``lo..hi``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

LIST_MAX = 10_000_000  # a milestone past any run's length (engine.session.MAX_STEPS) means nothing

# The grammar of numbers everywhere (specs, options, fields): ASCII digits only, as the
# formula parser reads them. float()/int() alone would take '1_000', '０.１' and '١٠'.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")


class HyperError(ValueError):
    """Bad hyperparameter name or value; the message names it and what is accepted."""


def brief(value) -> str:
    """A bad value as a message quotes it: a 400-digit number from a file is not echoed."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"<a {len(str(abs(value)))}-digit number>"
    text = repr(value)
    return text if len(text) <= 60 else text[:56] + "...'"


def read_number(text) -> float:
    """A float from text in the ASCII grammar above; ValueError otherwise (no 'inf',
    'nan', underscores or other scripts' digits)."""
    text = str(text).strip()
    if _NUMBER.fullmatch(text) is None:
        raise ValueError(f"not a number: {text!r}")
    return float(text)


def read_int(text) -> int:
    """A whole number from ASCII digits; ValueError otherwise (and past 30 digits, so
    a 4000-digit string never reaches int())."""
    text = str(text).strip()
    if _INTEGER.fullmatch(text) is None or len(text) > 30:
        raise ValueError(f"not a whole number: {text!r}")
    return int(text)


@dataclass(frozen=True)
class Hyper:
    name: str
    default: object
    lo: float | None = None
    hi: float | None = None
    log: bool = False  # slider on a log scale (learning rates, eps, lambda)
    kind: str = "float"  # float | int | bool | choice | list
    choices: tuple[str, ...] = ()
    doc: str = ""
    symbol: str = ""  # the lecture's symbol (rho, beta1, ...), for labels
    torch: str = ""  # the torch.optim argument this maps to
    open_hi: bool = False  # hi itself is excluded (beta < 1)
    lecture: float | None = None  # the value the lectures quote (seeds 001-003: Adam's lr 1e-3), marked on the slider

    @property
    def label(self) -> str:
        return self.symbol or self.name

    def accepted(self) -> str:
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "list":
            return f"whole numbers separated by '/', ',' or spaces (each from 0 to {LIST_MAX}), e.g. 300/600"
        what = "a whole number" if self.kind == "int" else "a number"
        upper = f"< {self.hi:g}" if self.open_hi else f"<= {self.hi:g}"
        return f"{what} with {self.lo:g} <= {self.name} {upper}"

    def parse(self, text):
        """Text (CLI, session) or a Python value -> a checked value of the right type."""
        owner_msg = f"{self.name}={brief(text)}: expected {self.accepted()}"
        if self.kind == "bool":
            if isinstance(text, bool):
                return text
            if isinstance(text, str) and text.lower() in ("true", "false"):
                return text.lower() == "true"
            raise HyperError(owner_msg)
        if self.kind == "choice":
            if isinstance(text, str) and text in self.choices:
                return text
            raise HyperError(owner_msg)
        if self.kind == "list":
            if isinstance(text, (list, tuple)):
                items = list(text)
            elif isinstance(text, str):
                # typed in a field: "100, 200" and "100 200" mean what "100/200" means
                items = [p for p in re.split(r"[/,;\s]+", text) if p]
            else:
                raise HyperError(owner_msg)
            try:
                out = tuple(p if isinstance(p, int) and not isinstance(p, bool) else read_int(p) for p in items)
            except ValueError:
                raise HyperError(owner_msg) from None
            if any(not 0 <= v <= LIST_MAX for v in out) or len(out) > 100:
                raise HyperError(owner_msg)
            return tuple(sorted(out))
        # numbers
        if isinstance(text, bool):
            raise HyperError(owner_msg)
        try:
            value = float(text) if isinstance(text, (int, float)) else read_number(text)
        except (TypeError, ValueError, OverflowError):  # OverflowError: a 400-digit int from JSON
            raise HyperError(owner_msg) from None
        if not math.isfinite(value):
            raise HyperError(owner_msg)
        if self.kind == "int":
            if value != int(value):
                raise HyperError(owner_msg)
            value = int(value)
        if self.lo is not None and value < self.lo:
            raise HyperError(owner_msg)
        if self.hi is not None and (value > self.hi or (self.open_hi and value >= self.hi)):
            raise HyperError(owner_msg)
        return value

    def format(self, value) -> str:
        if self.kind == "bool":
            return "true" if value else "false"
        if self.kind == "list":
            return "/".join(str(v) for v in value)
        if self.kind == "float":
            return repr(float(value))
        return str(value)


def validate_values(hypers, values: dict, owner: str) -> dict:
    """Fill defaults, parse and range-check ``values`` against ``hypers``.

    Unknown keys are refused with the list of known ones, so a typo such as
    ``beta_2`` is not silently ignored.
    """
    known = {h.name: h for h in hypers}
    out = {h.name: h.default for h in hypers}
    for key, raw in values.items():
        if key not in known:
            names = ", ".join(known) or "none"
            raise HyperError(f"{owner} has no parameter {key!r} (accepted: {names})")
        try:
            out[key] = known[key].parse(raw)
        except HyperError as err:
            raise HyperError(f"{owner}: {err}") from None
    return out
