"""The line of a preset's cue, over the plot while playback stands at that cue's step.

Painted by hand rather than a QLabel: its size follows the theme's scale (twice as large
in presentation mode) at every paint, so it is readable from the back of a hall and
restyling the window's labels does not touch it. It lets mouse events through.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gui import theme

BASE_PT = 13
MARGIN = 14  # px from the plot's bottom edge, times the scale


class CueBanner(QtWidgets.QWidget):
    def __init__(self, host: QtWidgets.QWidget):
        super().__init__(host)
        self.text = ""
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()
        host.installEventFilter(self)

    def show_cue(self, cue) -> None:
        """``cue`` (engine.session.Cue) or None to hide."""
        text = cue.text if cue is not None else ""
        if text == self.text and self.isVisible() == bool(text):
            return
        self.text = text
        if text:
            self._place()
            self.show()
            self.raise_()
        else:
            self.hide()

    def _font(self) -> QtGui.QFont:
        # grows with presentation mode like the markers (x1.6), not like the fonts (x2): a
        # line over the map must leave the map visible
        return theme.font(round(BASE_PT * theme.MARKER_SCALE), bold=True)

    def _place(self) -> None:
        host = self.parentWidget()
        pad = round(10 * theme.SCALE)
        width = max(host.width() - 4 * pad, 100)
        metrics = QtGui.QFontMetrics(self._font())
        flags = int(QtCore.Qt.AlignmentFlag.AlignCenter) | int(QtCore.Qt.TextFlag.TextWordWrap)
        box = metrics.boundingRect(QtCore.QRect(0, 0, width - 2 * pad, 10_000), flags, self.text)
        w, h = box.width() + 2 * pad, box.height() + 2 * pad
        self.setGeometry((host.width() - w) // 2, host.height() - h - round(MARGIN * theme.SCALE) - 40, w, h)

    def eventFilter(self, obj, event):
        if event.type() == QtCore.QEvent.Type.Resize and self.isVisible():
            self._place()
        return False

    def paintEvent(self, _event):
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        back = QtGui.QColor(theme.INK)
        back.setAlpha(215)
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        p.setBrush(back)
        radius = 8 * theme.SCALE
        p.drawRoundedRect(QtCore.QRectF(self.rect()), radius, radius)
        p.setPen(QtGui.QColor("#ffffff") if back.lightness() < 128 else QtGui.QColor("#000000"))
        p.setFont(self._font())
        pad = round(10 * theme.SCALE)
        p.drawText(self.rect().adjusted(pad, pad, -pad, -pad),
                   int(QtCore.Qt.AlignmentFlag.AlignCenter) | int(QtCore.Qt.TextFlag.TextWordWrap), self.text)
        p.end()
