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


FLOAT_OPS = SimpleNamespace(sqrt=_fsqrt, sign=_fsign, maximum=_fmaximum, minimum=_fminimum,
                            abs=abs, log2=lambda v: math.log2(v) if v > 0 else -math.inf,
                            floor=math.floor, name="float")
ARRAY_OPS = SimpleNamespace(sqrt=np.sqrt, sign=np.sign, maximum=np.maximum, minimum=np.minimum,
                            abs=np.abs, log2=np.log2, floor=np.floor, name="array")
