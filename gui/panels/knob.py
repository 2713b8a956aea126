"""One labelled knob for one ``engine.hyper.Hyper``: a slider plus a typed-in value.

The slider's scale follows the knob's meaning:

* ``log=True`` (learning rates, eps): log10 between lo and hi,
* betas and momenta (hi <= 1, default >= 0.9): log10(1 - value), so 0.9, 0.99 and
  0.999 are evenly spaced, the way a lecture talks about them,
* a knob that is off at 0 and useful over decades (weight decay, noise, SAM's rho):
  0 at the left end, then logarithmic,
* anything else: linear.

The typed value is passed on as text; the controller validates it (a bad value
is reported there and this knob is set back by the panel).

A knob can carry marks (``set_marks``): coloured ticks under its slider at values a
theory predicts (the learning-rate limits of a quadratic, gui.views.theory), the part
of the slider beyond a "wall" shaded, and a one-line legend under the row.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from PySide6 import QtCore, QtGui, QtWidgets

from engine.hyper import Hyper

STEPS = 1000
# off at 0, useful over decades, but below 1 at the top (so not caught by hi > 1)
ZERO_LOG_NAMES = ("weight_decay", "momentum_decay")


class Scale:
    """Maps a value to a slider position 0..STEPS and back."""

    def __init__(self, hyper: Hyper):
        lo, hi, d = hyper.lo, hyper.hi, hyper.default
        self.kind = "linear"
        self.lo, self.hi = float(lo), float(hi)
        if hyper.log and lo > 0:
            self.kind = "log"
            self.a, self.b = math.log10(lo), math.log10(hi)
        elif hyper.kind == "float" and lo >= 0 and hi <= 1.0 and isinstance(d, (int, float)) and d >= 0.9:
            self.kind = "one_minus"
            top = min(hi, 0.9999) if hi < 1 else 0.9999
            self.a, self.b = -math.log10(1 - lo), -math.log10(1 - top)
        elif lo == 0 and (hi > 1 or hyper.name in ZERO_LOG_NAMES):
            small = hi * 1e-5
            if isinstance(d, (int, float)) and d > 0:
                small = min(small, d / 10)
            if hi / small >= 100 and (d == 0 or hi / d >= 50):
                self.kind = "zero_log"
                self.a, self.b = math.log10(small), math.log10(hi)

    def to_pos(self, v: float) -> int:
        try:
            v = float(v)
        except (TypeError, ValueError):
            return 0
        if not math.isfinite(v):
            return 0
        if self.kind == "log":
            u = (math.log10(max(v, 10 ** self.a)) - self.a) / (self.b - self.a)
        elif self.kind == "one_minus":
            u = (-math.log10(max(1 - v, 1e-12)) - self.a) / (self.b - self.a)
        elif self.kind == "zero_log":
            if v <= 0:
                return 0
            u = 0.01 + 0.99 * (math.log10(max(v, 10 ** self.a)) - self.a) / (self.b - self.a)
        else:
            u = (v - self.lo) / ((self.hi - self.lo) or 1.0)
        return int(round(min(max(u, 0.0), 1.0) * STEPS))

    def to_value(self, pos: int) -> float:
        u = pos / STEPS
        if self.kind == "log":
            half = 0.5 / STEPS * (self.b - self.a)  # this position's share of the decades
            e = self.a + u * (self.b - self.a)
            return _readable(10 ** e, 10 ** max(e - half, self.a), 10 ** min(e + half, self.b))
        if self.kind == "one_minus":
            return _round(1 - 10 ** -(self.a + u * (self.b - self.a)), one_minus=True)
        if self.kind == "zero_log":
            if pos <= 0:
                return 0.0
            return _round(10 ** (self.a + max(u - 0.01, 0.0) / 0.99 * (self.b - self.a)))
        return _round(self.lo + u * (self.hi - self.lo), span=self.hi - self.lo)


def _readable(v: float, lo: float, hi: float) -> float:
    """The value in ``[lo, hi]`` (one slider position) with the fewest significant
    digits, nearest ``v`` among those: 0.05 and 0.003 rather than 0.0497 and 0.00302."""
    for digits in (1, 2, 3):
        e = math.floor(math.log10(v)) - digits + 1
        step = 10.0 ** e
        picks = [float(f"{k * step:.{digits}g}") for k in (math.floor(v / step), math.ceil(v / step))]
        picks = [x for x in picks if lo <= x <= hi]
        if picks:
            return min(picks, key=lambda x: abs(x - v))
    return float(f"{v:.3g}")


def _round(v: float, one_minus=False, span=None) -> float:
    """Three significant digits (of 1 - v for betas): what a person would type."""
    if v == 0 or not math.isfinite(v):
        return v
    if one_minus:
        return 1 - float(f"{1 - v:.3g}")
    if span is not None:
        step = span / STEPS
        digits = max(0, -int(math.floor(math.log10(step))) if step > 0 else 0)
        return round(v, digits)
    return float(f"{v:.3g}")


def format_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, tuple):
        return "/".join(str(x) for x in v)
    return str(v)


def knob_label(hyper: Hyper) -> str:
    """The lecture's symbol with the public name ("rho (momentum)"), or just the name
    when both would not fit ("weight decay"; the symbol is in the tooltip)."""
    name = hyper.name.replace("_", " ")
    if hyper.symbol and hyper.symbol != hyper.name and len(hyper.symbol) + len(name) <= 13:
        return f"{hyper.symbol} ({name})"
    return name


class SliderMark(NamedTuple):
    """A value to mark on a knob's slider. ``wall``: everything to its right is shaded
    (a stability limit: runs diverge there); ``above``: a triangle over the groove
    instead of under it (two marks close together on a log slider stay apart)."""

    value: float
    color: str
    text: str
    wall: bool = False
    above: bool = False


class MarkedSlider(QtWidgets.QSlider):
    """A horizontal slider with coloured marks painted over and under its groove."""

    MARK_H = 6  # pixels added above and below the groove for the triangles

    def __init__(self, parent=None):
        super().__init__(QtCore.Qt.Orientation.Horizontal, parent)
        self.marks: list[tuple[int, str, bool, bool]] = []  # (slider position, colour, wall, above)
        self.lecture: int | None = None  # slider position of the value the lectures quote

    def set_marks(self, marks) -> None:
        if marks != self.marks:
            grew = bool(marks) != bool(self.marks)
            self.marks = list(marks)
            if grew:
                self.updateGeometry()
            self.update()

    def _extra(self) -> int:
        return 2 * self.MARK_H if self.marks else 0

    def sizeHint(self):
        size = super().sizeHint()
        return QtCore.QSize(size.width(), size.height() + self._extra())

    def minimumSizeHint(self):
        size = super().minimumSizeHint()
        return QtCore.QSize(size.width(), size.height() + self._extra())

    def mark_x(self, pos: int) -> float:
        """The x pixel of slider position ``pos``: where the handle's centre sits there."""
        opt = QtWidgets.QStyleOptionSlider()
        self.initStyleOption(opt)
        style = self.style()
        groove = style.subControlRect(QtWidgets.QStyle.ComplexControl.CC_Slider, opt,
                                      QtWidgets.QStyle.SubControl.SC_SliderGroove, self)
        handle = style.subControlRect(QtWidgets.QStyle.ComplexControl.CC_Slider, opt,
                                      QtWidgets.QStyle.SubControl.SC_SliderHandle, self)
        span = groove.width() - handle.width()
        offset = QtWidgets.QStyle.sliderPositionFromValue(self.minimum(), self.maximum(), int(pos), span)
        return groove.left() + handle.width() / 2.0 + offset

    def paintEvent(self, event):
        if not self.marks:
            super().paintEvent(event)
            return self._paint_lecture()
        m, h = self.MARK_H, self.height()
        painter = QtGui.QPainter(self)
        for pos, color, wall, _above in self.marks:  # shade beyond a wall, under the handle
            if wall:
                shade = QtGui.QColor(color)
                shade.setAlpha(50)
                x = self.mark_x(pos)
                painter.fillRect(QtCore.QRectF(x, m, self.width() - x, h - 2 * m), shade)
        painter.end()
        super().paintEvent(event)
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        for pos, color, wall, above in self.marks:
            x = self.mark_x(pos)
            painter.setPen(QtGui.QPen(QtGui.QColor(color), 2 if wall else 1))
            painter.setBrush(QtGui.QColor(color))
            if wall:
                painter.drawLine(QtCore.QPointF(x, 1), QtCore.QPointF(x, h - 1))
            elif above:
                painter.drawPolygon(QtGui.QPolygonF([QtCore.QPointF(x, m), QtCore.QPointF(x - 4, 0.5),
                                                     QtCore.QPointF(x + 4, 0.5)]))
            else:
                painter.drawPolygon(QtGui.QPolygonF([QtCore.QPointF(x, h - m), QtCore.QPointF(x - 4, h - 0.5),
                                                     QtCore.QPointF(x + 4, h - 0.5)]))
        painter.end()
        self._paint_lecture()

    def _paint_lecture(self) -> None:
        """A short grey tick at the lecture's value, above the groove (theory marks go under it)."""
        if self.lecture is None:
            return
        painter = QtGui.QPainter(self)
        painter.setPen(QtGui.QPen(self.palette().color(QtGui.QPalette.ColorRole.PlaceholderText), 2))
        x = self.mark_x(self.lecture)
        painter.drawLine(QtCore.QPointF(x, 0), QtCore.QPointF(x, self.height() * 0.3))
        painter.end()


class Knob(QtWidgets.QWidget):
    """Label, slider (numbers), combo (choices) or checkbox (booleans), typed value."""

    edited = QtCore.Signal(object)  # a value (slider, combo, checkbox) or text (typed)
    legendLink = QtCore.Signal(str)  # a link in the marks' legend was clicked (its href)

    def __init__(self, hyper: Hyper, label: str | None = None, parent=None):
        super().__init__(parent)
        self.hyper = hyper
        self.slider = self.edit = self.combo = self.check = None
        self.scale = None
        self.marks: list[SliderMark] = []
        self.legend: QtWidgets.QLabel | None = None  # made by the first set_marks
        self.error: QtWidgets.QLabel | None = None  # why a typed value was refused (set_invalid)
        self._outer = QtWidgets.QVBoxLayout(self)
        self._outer.setContentsMargins(0, 0, 0, 0)
        self._outer.setSpacing(1)
        row = QtWidgets.QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self._outer.addLayout(row)
        self.label = QtWidgets.QLabel(label or knob_label(hyper))
        self.label.setMinimumWidth(88)
        self.label.setMaximumWidth(118)
        self.label.setWordWrap(True)  # "momentum schedule" takes two lines, not the slider's room
        tip = f"{hyper.name}" + (f" ({hyper.symbol})" if hyper.symbol else "") + f": {hyper.doc}" \
            + (f"  [torch: {hyper.torch}]" if hyper.torch else "")
        self.setToolTip(tip)
        row.addWidget(self.label)
        if hyper.kind == "bool":
            self.check = QtWidgets.QCheckBox()
            self.check.toggled.connect(self.edited.emit)
            row.addWidget(self.check, 1)
        elif hyper.kind == "choice":
            self.combo = QtWidgets.QComboBox()
            self.combo.addItems(list(hyper.choices))
            self.combo.currentTextChanged.connect(self.edited.emit)
            row.addWidget(self.combo, 1)
        else:
            slidable = hyper.kind in ("float", "int") and hyper.lo is not None and hyper.hi is not None \
                and not (hyper.kind == "int" and hyper.hi - hyper.lo > 1000) \
                and not (hyper.kind == "float" and not hyper.log and hyper.hi - hyper.lo > 1e3 and hyper.lo < 0)
            if slidable:
                self.slider = MarkedSlider()
                if hyper.kind == "int":
                    self.slider.setRange(int(hyper.lo), int(hyper.hi))
                else:
                    self.scale = Scale(hyper)
                    self.slider.setRange(0, STEPS)
                self.slider.setMinimumWidth(90)
                self.slider.valueChanged.connect(self._slid)
                row.addWidget(self.slider, 1)
            self.edit = QtWidgets.QLineEdit()
            self.edit.setFixedWidth(84 if self.slider is not None else 170)
            self.edit.editingFinished.connect(self._typed)
            row.addWidget(self.edit, 0 if self.slider is not None else 1)
        self.lecture_link: QtWidgets.QLabel | None = None
        if hyper.lecture is not None and self.slider is not None:
            self._add_lecture_link(hyper.lecture)
        self._value = hyper.default
        self.set_value(hyper.default)

    def _add_lecture_link(self, value: float) -> None:
        """The lectures' value marked on the slider and one click away: the defaults move
        visibly on a 2-D surface, seeds 001-003 quote what real networks use."""
        self.slider.lecture = self._position(value)
        self.lecture_link = QtWidgets.QLabel(f"<a href='lecture'>lecture: {format_value(value)}</a>")
        self.lecture_link.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.lecture_link.setToolTip(f"the value the lectures quote for {self.hyper.label}: click to use it")
        self.lecture_link.setContentsMargins(96, 0, 0, 0)
        self.lecture_link.linkActivated.connect(lambda _href: self._pick(value))
        self._outer.addWidget(self.lecture_link)

    def _pick(self, value: float) -> None:
        self.set_value(value)
        self.edited.emit(value)

    def value(self):
        return self._value

    def set_value(self, v) -> None:
        """Show ``v`` without emitting ``edited``; widgets already showing it are left
        alone (every setText repaints, and a slider drag re-syncs the panel each move)."""
        self._value = v
        self.set_invalid(False)
        if self.check is not None and self.check.isChecked() != bool(v):
            with QtCore.QSignalBlocker(self.check):
                self.check.setChecked(bool(v))
        if self.combo is not None and self.combo.currentText() != str(v):
            with QtCore.QSignalBlocker(self.combo):
                self.combo.setCurrentText(str(v))
        if self.slider is not None and not self.slider.isSliderDown():  # never fight the mouse
            pos = int(v) if self.scale is None else self.scale.to_pos(v)
            if self.slider.value() != pos:
                with QtCore.QSignalBlocker(self.slider):
                    self.slider.setValue(pos)
        if self.edit is not None and self.edit.text() != format_value(v):
            with QtCore.QSignalBlocker(self.edit):
                self.edit.setText(format_value(v))
                self.edit.setCursorPosition(0)

    def set_marks(self, marks, legend: str = "") -> None:
        """Coloured marks under the slider at ``marks`` (SliderMark) and a rich-text
        ``legend`` under the row; no marks and an empty legend take both away."""
        marks = [m for m in marks if math.isfinite(m.value)]
        if marks == self.marks and (legend or "") == (self.legend.text() if self.legend is not None else ""):
            return  # called on every slider move: nothing to redo
        self.marks = marks
        if self.slider is not None:
            self.slider.set_marks([(self._position(m.value), m.color, m.wall, m.above) for m in marks])
            tip = self.toolTip().split("\n\n")[0]
            if marks:
                tip += "\n\n" + "\n".join(f"{m.text}: {m.value:.4g}" for m in marks)
            self.setToolTip(tip)
        if legend and self.legend is None:
            self.legend = QtWidgets.QLabel()
            self.legend.setWordWrap(True)
            self.legend.setTextFormat(QtCore.Qt.TextFormat.RichText)
            self.legend.setContentsMargins(4, 0, 0, 2)
            self.legend.linkActivated.connect(self.legendLink.emit)
            self._outer.addWidget(self.legend)
        if self.legend is not None:
            if self.legend.text() != legend:
                self.legend.setText(legend)
            self.legend.setVisible(bool(legend))

    def changeEvent(self, event):
        super().changeEvent(event)
        # a rich-text label keeps the link colour of the palette it was laid out with
        if event.type() == QtCore.QEvent.Type.PaletteChange and self.legend is not None and self.legend.text():
            text = self.legend.text()
            self.legend.setText("")
            self.legend.setText(text)

    def mark_positions(self) -> list[int]:
        """Slider positions of the marks (for tests and for the painting)."""
        return [self._position(m.value) for m in self.marks]

    def _position(self, v: float) -> int:
        if self.slider is None:
            return 0
        return int(v) if self.scale is None else self.scale.to_pos(v)

    def set_invalid(self, on: bool, why: str = "") -> None:
        """Mark the typed value refused (a red border) and say ``why`` under the row. The
        reason stays until a good value replaces it: the status line's message passes in
        seconds, too soon to read what milestones or a step count accept."""
        if self.edit is not None and bool(self.edit.property("invalid")) != on:
            self.edit.setProperty("invalid", on)
            self.edit.style().unpolish(self.edit)
            self.edit.style().polish(self.edit)
        if on and why:
            if self.error is None:
                self.error = QtWidgets.QLabel()
                self.error.setWordWrap(True)
                self.error.setContentsMargins(4, 0, 0, 2)
                self._outer.addWidget(self.error)
            from gui import theme

            self.error.setStyleSheet(f"color: {theme.readable(INVALID_COLOR)};")
            self.error.setText(why)
            self.error.show()
        elif not on and self.error is not None and self.error.isVisible():
            self.error.hide()

    def _slid(self, pos: int) -> None:
        v = pos if self.scale is None else self.scale.to_value(pos)
        if self.hyper.hi is not None and self.hyper.open_hi and v >= self.hyper.hi:
            return
        self._value = v
        with QtCore.QSignalBlocker(self.edit):
            self.edit.setText(format_value(v))
        self.edited.emit(v)

    def _typed(self) -> None:
        text = self.edit.text().strip()
        if text == format_value(self._value):
            return
        self.edited.emit(text)


INVALID_COLOR = "#D55E00"  # the refused field's border (gui.theme.APP_STYLE)


def refused_because(controller, call) -> str | None:
    """Run ``call()`` (a controller setter); None if it took the value, else what the
    controller said about it (its ``message``), for the knob to keep beside the field."""
    said: list[str] = []

    def hear(text: str) -> None:
        said.append(text)

    controller.message.connect(hear)
    try:
        ok = call()
    finally:
        controller.message.disconnect(hear)
    return None if ok else (said[-1] if said else "not accepted")
