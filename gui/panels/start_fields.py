"""Typed x₀ / y₀ fields for the start point: a lecturer who wants the start at exactly
(-1.5, 2) types it instead of chasing it with the mouse. They follow the marker (a drag
on the map, Ctrl+Z) and hide y₀ on a 1-D surface."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

INVALID = "QLineEdit { border: 2px solid #d62728; }"


class StartFields(QtWidgets.QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QtWidgets.QLabel("start"))
        self.fields: list[QtWidgets.QLineEdit] = []
        self.labels: list[QtWidgets.QLabel] = []
        self._shown: list[str] = []
        for name in ("x₀", "y₀"):
            label = QtWidgets.QLabel(name)
            field = QtWidgets.QLineEdit()
            field.setToolTip(f"the start point's {name} (Enter applies; dragging the marker on the map too)")
            field.editingFinished.connect(self.apply)
            row.addWidget(label)
            row.addWidget(field, 1)
            self.labels.append(label)
            self.fields.append(field)
        controller.sceneChanged.connect(self.sync)
        controller.settingsChanged.connect(self.sync)
        self.sync()

    def _dim(self) -> int:
        return self.controller.surface.dim

    def apply(self) -> bool:
        texts = [f.text().strip() for f in self.fields[: self._dim()]]
        if texts == self._shown[: self._dim()]:
            return True  # focus left an untouched field: the rounded text is not an edit
        try:
            point = tuple(float(t) for t in texts)
        except ValueError:
            point = ()
        if len(point) != self._dim() or not all(math.isfinite(v) for v in point):
            for f in self.fields:
                f.setStyleSheet(INVALID)
            example = "-1.5, 2" if self._dim() == 2 else "-1.5"
            self.controller.notify(f"start: expected {self._dim()} number(s), e.g. {example}")
            return False
        return self.controller.set_start(point)

    def sync(self) -> None:
        dim = self._dim()
        start = self.controller.start
        self._shown = [f"{v:.4g}" for v in start]
        for i, (label, field) in enumerate(zip(self.labels, self.fields)):
            on = i < dim
            label.setVisible(on)
            field.setVisible(on)
            field.setStyleSheet("")
            if on and not field.hasFocus():
                with QtCore.QSignalBlocker(field):
                    field.setText(self._shown[i])
