"""Checks of command-line values shared by the sub-commands (main.py, engine.training,
gui.render). Failures raise UsageError: main prints its one line and exits 2."""

from __future__ import annotations

import math
import os
import sys

from engine.hyper import Hyper, HyperError
from engine.limits import check


class UsageError(HyperError):
    """Bad command-line input: printed as one line, exit status 2."""


def parse_value(text, hyper: Hyper, flag: str | None = None):
    """A scene number given on the command line, checked against its record in
    engine.limits (the limits session files and the GUI use)."""
    try:
        return check(hyper, str(text).strip(), strict=False)
    except HyperError:
        raise UsageError(f"--{flag or hyper.name.replace('_', '-')} {text!r}: expected {hyper.accepted()}") from None


def parse_int(text, name, lo, hi) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise UsageError(f"--{name} {text!r}: expected a whole number from {lo} to {hi}") from None
    if not lo <= value <= hi:
        raise UsageError(f"--{name} {value}: expected a whole number from {lo} to {hi}")
    return value


def parse_float(text, name, lo, hi) -> float:
    try:
        value = float(str(text).strip())
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and lo <= value <= hi):
        raise UsageError(f"--{name} {text!r}: expected a number from {lo:g} to {hi:g}")
    return value


def parse_start(text, dim: int):
    if text is None:
        return None
    parts = str(text).split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != dim or not all(math.isfinite(v) for v in values):
        want = "X" if dim == 1 else "X,Y"
        raise UsageError(f"--start {text!r}: expected {want} ({dim} finite number{'s' if dim > 1 else ''})")
    return values


def write_output(text: str, path: str | None) -> None:
    """stdout, or a file written atomically (temp file + rename)."""
    if not path or path == "-":
        sys.stdout.write(text)
        return
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise UsageError(f"cannot write {path!r}: {err.strerror or err}") from None
