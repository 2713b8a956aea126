"""One control per engine.hyper.Hyper record: a slider (linear, log or integer) with an
editable value box, a combo box for choices, a check box for booleans, a typed box for
seeds and step counts. Used by the problem panel; the runs' knobs are surface mode's
gui.panels.knob. This one keeps its own scales because the problem's knobs are
integers over thousands (points, steps) that still want a slider, and it debounces a
drag, since each value rebuilds the dataset.

The control only reports what the user asked for (``edited(name, value)``); whoever
owns it sends that to the controller, which validates, and then calls ``set_value``
with what the scene really holds.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from engine.hyper import Hyper

SLIDER_STEPS = 1000
LABEL_WIDTH = 96
DEBOUNCE_MS = 60  # while a slider is dragged: rebuilds follow the hand, not every pixel


GREEK = {"rho": "ρ", "beta1": "β₁", "beta2": "β₂", "eps": "ε", "epsilon": "ε", "lambda": "λ", "sigma": "σ",
         "alpha": "α", "gamma": "γ", "mu_max": "μ max", "K": "K", "H": "H"}
NAMES = {"lam": "λ", "val_fraction": "validation", "n": "points", "lr": "lr", "eps": "ε", "beta1": "β₁",
         "beta2": "β₂", "rho": "ρ", "rho_sam": "SAM ρ", "weight_decay": "weight decay", "l1_ratio": "L1 share α"}


def hyper_label(h: Hyper) -> str:
    """'momentum ρ', 'noise σ', 'λ': the name a lecture uses, with its symbol."""
    if h.name in NAMES:
        return NAMES[h.name]
    text = h.name.replace("_", " ")
    g = GREEK.get(h.symbol)
    return f"{text} {g}" if g and g not in text else text


def format_value(h: Hyper, v) -> str:
    if h.kind == "bool":
        return "on" if v else "off"
    if h.kind in ("choice", "list"):
        return h.format(v) if h.kind == "list" else str(v)
    if h.kind == "int":
        return str(int(v))
    v = float(v)
    if v == 0:
        return "0"
    if abs(v) < 1e-3 or abs(v) >= 1e4:
        return f"{v:.3g}"
    return f"{v:.4g}"


class HyperControl(QtWidgets.QWidget):
    """``[label] [slider] [value]`` for one hyperparameter."""

    edited = QtCore.Signal(str, object)

    def __init__(self, hyper: Hyper, value=None, parent=None, label: str | None = None):
        super().__init__(parent)
        self.hyper = hyper
        self._value = hyper.default if value is None else value
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        self.label = QtWidgets.QLabel(label or hyper_label(hyper))
        self.label.setFixedWidth(LABEL_WIDTH)
        tip = f"<b>{hyper.name}</b>: {hyper.doc}" + (f"<br>torch.optim: {hyper.torch}" if hyper.torch else "")
        self.setToolTip(tip)
        lay.addWidget(self.label)
        self.slider = self.box = self.combo = self.check = None
        self._pending = None
        k = hyper.kind
        if k == "bool":
            self.check = QtWidgets.QCheckBox()
            self.check.toggled.connect(lambda on: self._emit(bool(on)))
            lay.addWidget(self.check, 1)
        elif k == "choice":
            self.combo = QtWidgets.QComboBox()
            self.combo.addItems(list(hyper.choices))
            self.combo.activated.connect(lambda i: self._emit(self.hyper.choices[i]))
            lay.addWidget(self.combo, 1)
        elif k == "list" or (k == "int" and (hyper.hi - hyper.lo) > 20_000):
            # seeds, milestones and 0..10^7 step counts: typed, not slid
            self.box = QtWidgets.QLineEdit()
            self.box.editingFinished.connect(self._box_edited)
            lay.addWidget(self.box, 1)
        else:
            self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
            self.slider.setRange(0, self._positions())
            self.slider.valueChanged.connect(self._slider_moved)
            self.slider.sliderReleased.connect(self._flush)
            lay.addWidget(self.slider, 1)
            self.box = QtWidgets.QLineEdit()
            self.box.setFixedWidth(64)
            self.box.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight)
            self.box.editingFinished.connect(self._box_edited)
            lay.addWidget(self.box)
            self._debounce = QtCore.QTimer(self)
            self._debounce.setSingleShot(True)
            self._debounce.setInterval(DEBOUNCE_MS)
            self._debounce.timeout.connect(self._flush)
        self.set_value(self._value)

    # -- slider positions <-> values --------------------------------------------------------------

    def _positions(self) -> int:
        h = self.hyper
        if h.kind == "int" and not h.log:
            return int(h.hi - h.lo)
        return SLIDER_STEPS

    def _to_value(self, pos: int):
        h = self.hyper
        if h.kind == "int" and not h.log:
            return int(h.lo + pos)
        f = pos / SLIDER_STEPS
        if h.log and h.lo > 0:
            v = 10 ** (math.log10(h.lo) + f * (math.log10(h.hi) - math.log10(h.lo)))
            v = float(f"{v:.3g}")  # 0.00316, not 0.0031622776
        else:
            v = h.lo + f * (h.hi - h.lo)
            v = round(v, 6)
        if h.open_hi and v >= h.hi:
            v = h.lo + (SLIDER_STEPS - 1) / SLIDER_STEPS * (h.hi - h.lo)
        return int(round(v)) if h.kind == "int" else v

    def _to_pos(self, v) -> int:
        h = self.hyper
        try:
            v = float(v)
        except (TypeError, ValueError):
            return 0
        if h.kind == "int" and not h.log:
            return int(min(max(v - h.lo, 0), h.hi - h.lo))
        if h.log and h.lo > 0:
            v = max(v, h.lo)
            f = (math.log10(v) - math.log10(h.lo)) / (math.log10(h.hi) - math.log10(h.lo))
        else:
            f = (v - h.lo) / (h.hi - h.lo) if h.hi > h.lo else 0.0
        return int(round(min(max(f, 0.0), 1.0) * SLIDER_STEPS))

    # -- user input ------------------------------------------------------------------------------

    def _slider_moved(self, pos: int) -> None:
        v = self._to_value(pos)
        self.box.setText(format_value(self.hyper, v))
        self._pending = v
        if self.slider.isSliderDown():
            self._debounce.start()
        else:
            self._flush()

    def _flush(self) -> None:
        if self._pending is not None:
            v, self._pending = self._pending, None
            self._debounce.stop()
            self._emit(v)

    def _box_edited(self) -> None:
        text = self.box.text().strip()
        if text and text != format_value(self.hyper, self._value):
            self._emit(text)  # the controller parses and validates, and says what is wrong

    def _emit(self, v) -> None:
        self.edited.emit(self.hyper.name, v)

    # -- from the scene ---------------------------------------------------------------------------

    def value(self):
        return self._value

    def set_value(self, v) -> None:
        self._value = v
        for w in (self.slider, self.box, self.combo, self.check):
            if w is not None:
                w.blockSignals(True)
        try:
            if self.check is not None:
                self.check.setChecked(bool(v))
            if self.combo is not None:
                self.combo.setCurrentText(str(v))
            if self.slider is not None:
                self.slider.setValue(self._to_pos(v))
            if self.box is not None:
                self.box.setText(format_value(self.hyper, v))
        finally:
            for w in (self.slider, self.box, self.combo, self.check):
                if w is not None:
                    w.blockSignals(False)


class HyperForm(QtWidgets.QWidget):
    """A column of HyperControls for a tuple of Hyper records; ``edited(name, value)``."""

    edited = QtCore.Signal(str, object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._lay = QtWidgets.QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(2)
        self.controls: dict[str, HyperControl] = {}
        self._names: tuple = ()

    def set_hypers(self, hypers, values: dict, skip=()) -> None:
        """Rebuild the controls when the set of knobs changed; otherwise only update values."""
        hypers = tuple(h for h in hypers if h.name not in skip)
        names = tuple((h.name, h.kind, h.lo, h.hi) for h in hypers)
        if names != self._names:
            for c in self.controls.values():
                c.setParent(None)
                c.deleteLater()
            self.controls = {}
            for h in hypers:
                c = HyperControl(h, values.get(h.name, h.default))
                c.edited.connect(self.edited)
                self._lay.addWidget(c)
                self.controls[h.name] = c
            self._names = names
        else:
            for h in hypers:
                self.controls[h.name].set_value(values.get(h.name, h.default))
