"""Arithmetic namespaces for the two stepping paths (docs/ARCHITECTURE.md).

An element-wise rule is plain arithmetic plus the four functions below, so it can
step one coordinate held in Python floats (``FLOAT_OPS``: ~50 ns an operation) or
R stacked runs held in NumPy arrays (``ARRAY_OPS``: ~1 us a call, whatever the
size). Float versions return inf/nan where NumPy would, instead of raising.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np


def _fsqrt(v):
    return math.sqrt(v) if v >= 0.0 else math.nan  # nan >= 0 is False too


def _fsign(v):
    return 1.0 if v > 0.0 else (-1.0 if v < 0.0 else (0.0 if v == 0.0 else math.nan))


def _fmaximum(a, b):
    # NumPy's maximum propagates nan; Python's max does not.
    if a != a or b != b:
        return math.nan
    return a if a >= b else b


def _fminimum(a, b):
    if a != a or b != b:
        return math.nan
    return a if a <= b else b


def _fexp(v):
    try:
        return math.exp(v)
    except OverflowError:
        return math.inf


def _flog(v):
    if v > 0.0:
        return math.log(v)
    return -math.inf if v == 0.0 else math.nan


def _fpow(a, b):
    # Python's a ** b is complex for a < 0 and fractional b, and raises on overflow
    try:
        return math.pow(a, b)
    except ValueError:  # 0 ** -1 is a pole; (-8) ** 0.5 is not real
        return math.inf if a == 0.0 else math.nan
    except OverflowError:
        return math.inf


FLOAT_OPS = SimpleNamespace(sqrt=_fsqrt, sign=_fsign, maximum=_fmaximum, minimum=_fminimum,
                            abs=abs, log2=lambda v: math.log2(v) if v > 0 else -math.inf,
                            floor=math.floor, exp=_fexp, log=_flog, pow=_fpow, name="float")
ARRAY_OPS = SimpleNamespace(sqrt=np.sqrt, sign=np.sign, maximum=np.maximum, minimum=np.minimum,
                            abs=np.abs, log2=np.log2, floor=np.floor, exp=np.exp, log=np.log,
                            pow=np.power, name="array")
