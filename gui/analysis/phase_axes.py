"""The axes of a phase diagram: which numbers of a rule can span one, a first range
worth looking at, the controls that pick name, range, count and scale, and the ticks of
a log axis drawn in log10 coordinates."""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtWidgets

from engine.phase import MAX_N, Axis
from engine.registry import hypers_for
from engine.stepper import rule_record
from engine.theory import quadratic_theory
from gui.analysis.common import NumberEdit

# the second axis a diagram opens with, the first of these the rule has
SECOND_CHOICES = ("momentum", "beta2", "beta1", "decay", "rho", "rho_sam", "damping", "weight_decay")


def log_ticks(lo: float, hi: float):
    """Ticks for a log axis drawn in log10 coordinates: 1, 2, 5 x 10^k labelled (all of
    them when the axis spans under two decades), the other integers unlabelled."""
    k0, k1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    labelled = (1, 2, 5) if k1 - k0 <= 4 else (1,)
    major, minor = [], []
    for k in range(k0, k1 + 1):
        for m in range(1, 10):
            v = m * 10.0 ** k
            if lo <= v * (1 + 1e-9) and v <= hi * (1 + 1e-9):
                (major if m in labelled else minor).append((math.log10(v), f"{v:g}" if m in labelled else ""))
    return [major, minor]


def coords(axis: Axis, values) -> np.ndarray:
    """Plot coordinates of values on ``axis``: log10 of them on a log axis."""
    return np.log10(values) if axis.log else np.asarray(values, dtype=float)


def numeric_hypers(spec) -> list:
    return [h for h in hypers_for(spec.key, spec.params) if h.kind == "float"]


def default_axis(h, spec, surface) -> Axis:
    """A first range worth looking at: lr around where things happen (on a quadratic up
    to just past the heavy ball's limit 4/l_max at rho -> 1), any other number over its
    whole range. 48 cells a side; 16 for rules that step one run at a time (a line
    search: 48 x 48 BFGS runs take ~25 s, 16 x 16 ~3 s)."""
    n = 48 if rule_record(spec).kind == "elementwise" else 16
    if h.name == "lr":
        th = quadratic_theory(surface)
        if th is not None:
            return Axis("lr", th.lr_stable / 20.0, th.lr_stable * 2.2, n, True)
        lr = float(spec.params["lr"])
        return Axis("lr", max(10.0 ** (math.floor(math.log10(lr)) - 2), 1e-6),
                    min(10.0 ** (math.ceil(math.log10(lr)) + 1.3), 100.0), n, True)
    if h.log and h.lo > 0:
        return Axis(h.name, h.lo, h.hi, n, True)
    hi = h.hi if h.hi - h.lo < 2 else min(h.hi, h.lo + 1.0)  # weight decay: 0..1 of 0..1
    return Axis(h.name, h.lo, hi * (0.999 if h.open_hi else 1.0), n, False)


class AxisControls(QtWidgets.QWidget):
    """Name, range, count and scale of one axis of the diagram."""

    edited = QtCore.Signal()

    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        grid = QtWidgets.QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        self.name = QtWidgets.QComboBox()
        self.lo, self.hi = NumberEdit(0.0, -1e300, 1e300), NumberEdit(1.0, -1e300, 1e300)
        self.count = QtWidgets.QSpinBox()
        self.count.setRange(2, min(MAX_N, 256))
        self.log = QtWidgets.QCheckBox("log")
        grid.addWidget(QtWidgets.QLabel(title), 0, 0)
        grid.addWidget(self.name, 0, 1, 1, 3)
        grid.addWidget(self.lo, 1, 1)
        grid.addWidget(QtWidgets.QLabel("to"), 1, 2)
        grid.addWidget(self.hi, 1, 3)
        grid.addWidget(self.count, 2, 1)
        grid.addWidget(self.log, 2, 3)
        self.count.setToolTip("cells along this axis")
        for edit in (self.lo, self.hi):
            edit.valueChanged.connect(lambda _v: self.edited.emit())
        self.count.valueChanged.connect(lambda _v: self.edited.emit())
        self.log.toggled.connect(lambda _on: self.edited.emit())

    def set_axis(self, axis: Axis) -> None:
        with QtCore.QSignalBlocker(self.count), QtCore.QSignalBlocker(self.log):
            self.lo.set_value(axis.lo)
            self.hi.set_value(axis.hi)
            self.count.setValue(axis.n)
            self.log.setChecked(axis.log)

    def axis(self) -> Axis:
        return Axis(self.name.currentText(), self.lo.value(), self.hi.value(), self.count.value(),
                    self.log.isChecked()).checked()
