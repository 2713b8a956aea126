"""What the analysis tabs share: the scene's runs as sweepable entries, a cost estimate
for rules that cannot be stepped cheaply in bulk, and small widgets."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from engine.spec import CONSTANT, OptimizerSpec, ScheduleSpec
from engine.stepper import rule_record
from engine.sweep import run_ends

PROBE_RUNS, PROBE_STEPS = 64, 20
# Colours for optimizers that are not runs of the scene (the scene's runs keep theirs)
EXTRA_COLORS = ("#000000", "#7F3C8D", "#11A579", "#3969AC", "#F2B701", "#E73F74")


@dataclass(frozen=True)
class Entry:
    """An optimizer a tab can run in bulk: one of the scene's runs (``run`` its index)
    or an extra one picked in the tab (``run`` None)."""

    label: str
    spec: OptimizerSpec
    schedule: ScheduleSpec
    color: str
    run: int | None

    @property
    def key(self) -> tuple:
        return ("run", self.run) if self.run is not None else ("extra", self.spec.spec())


def scene_entries(controller) -> list[Entry]:
    return [Entry(f"{i + 1} {r.label}", r.optimizer, r.schedule, r.color, i) for i, r in enumerate(controller.runs)]


def extra_entry(key: str, index: int) -> Entry:
    spec = OptimizerSpec.make(key)
    return Entry(spec.label(), spec, CONSTANT, EXTRA_COLORS[index % len(EXTRA_COLORS)], None)


def estimate_seconds(surface, spec: OptimizerSpec, runs: int, steps: int) -> float:
    """How long ``runs`` runs of ``spec`` for ``steps`` steps take together. Element-wise
    rules step as one array (~0.1-0.3 us a run-step: cheap, not probed); vector rules
    (BFGS's line search) are timed on a small batch and scaled up."""
    if rule_record(spec).kind == "elementwise":
        return 0.3e-6 * runs * steps
    view = np.asarray(surface.view, dtype=float).reshape(-1, 2)
    rng = np.random.default_rng(0)
    starts = view[:, 0] + rng.random((PROBE_RUNS, surface.dim)) * (view[:, 1] - view[:, 0])
    t0 = time.perf_counter()
    run_ends(surface, [spec] * PROBE_RUNS, CONSTANT, starts, PROBE_STEPS)
    per_run_step = (time.perf_counter() - t0) / (PROBE_RUNS * PROBE_STEPS)
    return per_run_step * runs * steps


@contextmanager
def busy():
    """The wait cursor while a figure is computed (a fraction of a second)."""
    QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QtWidgets.QApplication.restoreOverrideCursor()


def swatch(color: str, size: int = 12) -> QtGui.QIcon:
    pix = QtGui.QPixmap(size, size)
    pix.fill(QtGui.QColor(color))
    return QtGui.QIcon(pix)


class NumberEdit(QtWidgets.QLineEdit):
    """A typed positive number ('1e-4' works, unlike a spin box); red when invalid."""

    valueChanged = QtCore.Signal(float)

    def __init__(self, value: float, lo: float = 0.0, hi: float = float("inf"), parent=None):
        super().__init__(parent)
        self.lo, self.hi = lo, hi
        self._value = float(value)
        self.setText(f"{value:g}")
        self.setMaximumWidth(80)
        self.editingFinished.connect(self._typed)

    def value(self) -> float:
        return self._value

    def set_value(self, v: float) -> None:
        self._value = float(v)
        self.setText(f"{v:g}")
        self._mark(False)

    def _typed(self) -> None:
        try:
            v = float(self.text())
        except ValueError:
            v = float("nan")
        ok = self.lo < v <= self.hi
        self._mark(not ok)
        if ok and v != self._value:
            self._value = v
            self.valueChanged.emit(v)

    def _mark(self, invalid: bool) -> None:
        self.setProperty("invalid", invalid)
        self.style().unpolish(self)
        self.style().polish(self)


def muted_label(text: str = "") -> QtWidgets.QLabel:
    """A wrapped grey note that stays grey in the dark theme (the palette's placeholder
    colour, which gui.restyle sets per theme) instead of a fixed #555."""
    label = QtWidgets.QLabel(text)
    label.setWordWrap(True)
    label.setForegroundRole(QtGui.QPalette.ColorRole.PlaceholderText)
    return label


def form_row(layout: QtWidgets.QFormLayout, text: str, widget, tip: str = "") -> None:
    label = QtWidgets.QLabel(text)
    if tip:
        label.setToolTip(tip)
        widget.setToolTip(tip)
    layout.addRow(label, widget)


def side_column(width: int = 250) -> tuple[QtWidgets.QWidget, QtWidgets.QVBoxLayout]:
    """A tab's controls: a fixed-width column that scrolls when the window is short. In a
    scroll area it also keeps its type in presentation mode (gui.restyle scales the labels
    of the slide, not of the controls): scaled, "Optimizers (othe", "lr from 001" and the
    help text ran out of a 250-px column at 1280x800."""
    column = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(column)
    layout.setContentsMargins(6, 6, 6, 6)
    layout.setSpacing(6)
    scroll = QtWidgets.QScrollArea()
    scroll.setWidget(column)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setFixedWidth(width)
    return scroll, layout
