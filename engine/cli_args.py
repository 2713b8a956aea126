"""Checks of command-line values shared by the sub-commands (main.py, engine.training,
gui.render). Failures raise UsageError: main prints its one line and exits 2."""

from __future__ import annotations

import math

from engine.files import WriteError, write_stdout, write_text
from engine.hyper import Hyper, HyperError, read_int, read_number
from engine.limits import COORDINATE, check


class UsageError(HyperError):
    """Bad command-line input: printed as one line, exit status 2."""


def _quote(text) -> str:
    """The value as typed, short enough for one line (a 5000-digit --steps is quoted
    by its start)."""
    shown = repr(str(text))
    return shown if len(shown) <= 40 else shown[:36] + "...'"


def parse_value(text, hyper: Hyper, flag: str | None = None):
    """A scene number given on the command line, checked against its record in
    engine.limits (the limits session files and the GUI use)."""
    try:
        return check(hyper, str(text).strip(), strict=False)
    except HyperError:
        raise UsageError(f"--{flag or hyper.name.replace('_', '-')} {_quote(text)}: "
                         f"expected {hyper.accepted()}") from None


def parse_int(text, name, lo, hi) -> int:
    try:
        value = read_int(text)
    except ValueError:
        raise UsageError(f"--{name} {_quote(text)}: expected a whole number from {lo} to {hi}") from None
    if not lo <= value <= hi:
        raise UsageError(f"--{name} {value}: expected a whole number from {lo} to {hi}")
    return value


def parse_float(text, name, lo, hi) -> float:
    try:
        value = read_number(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and lo <= value <= hi):
        raise UsageError(f"--{name} {_quote(text)}: expected a number from {lo:g} to {hi:g}")
    return value


def parse_start(text, dim: int):
    if text is None:
        return None
    parts = str(text).split(",")
    try:
        values = tuple(read_number(p) for p in parts)
    except ValueError:
        values = ()
    # the same range as a session's start (engine.limits.COORDINATE)
    if len(values) != dim or not all(math.isfinite(v) and COORDINATE.lo <= v <= COORDINATE.hi for v in values):
        want = "X" if dim == 1 else "X,Y"
        raise UsageError(f"--start {_quote(text)}: expected {want} ({dim} number{'s' if dim > 1 else ''} "
                         f"from {COORDINATE.lo:g} to {COORDINATE.hi:g})")
    return values


def write_output(text: str, path: str | None) -> None:
    """stdout, or a file through engine.files (atomic for regular files, directly
    into devices and FIFOs); a failure is one UsageError line with its cause."""
    try:
        if not path or path == "-":
            write_stdout(text)
        else:
            write_text(path, text)
    except WriteError as err:
        raise UsageError(str(err)) from None
