"""The status bar: the step, each run's loss in its colour, frames per second, and
the controller's messages (errors, divergence) on the left. It reads the visible
mode's controller (gui.modes calls :meth:`PlaygroundStatusBar.follow`); the surface
controller's messages always come here, classification's through gui.modes.

Text is refreshed at most ~12 times a second (gui.throttle): re-laying out rich text on
every frame would cost more than drawing the trails.
"""

from __future__ import annotations

import html
import math
import re

from PySide6 import QtCore, QtGui, QtWidgets

from engine.registry import title_for
from gui import theme
from gui.panels.inspector import fmt
from gui.throttle import REFRESH_MS, Throttle

MESSAGE_MS = 8000
SEPARATOR = "\u00a0\u00a0 "  # between two runs, as the rich text's "&nbsp;&nbsp; "


class PlaygroundStatusBar(QtWidgets.QStatusBar):
    def __init__(self, controller, frames, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.frames = frames  # gui.views.contour.FrameCounter
        self.step_label = QtWidgets.QLabel()
        self.loss_label = OneLineLabel()
        self.loss_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        # its width changes with every number: keep that from re-laying out the window
        self.loss_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.fps_label = QtWidgets.QLabel()
        self.fps_label.setMinimumWidth(70)
        self.addWidget(self.loss_label, 1)  # a message hides it for a few seconds
        self.addPermanentWidget(self.step_label)
        self.addPermanentWidget(self.fps_label)
        self.throttle = Throttle(REFRESH_MS, self.refresh, self)
        controller.message.connect(lambda text: self.showMessage(text, MESSAGE_MS))
        self.controller = None
        self.follow(controller)

    def follow(self, controller) -> None:
        """Show ``controller``'s step and losses from now on (the visible mode's)."""
        if controller is self.controller:
            return
        if self.controller is not None:
            for signal, slot in self._wiring(self.controller):
                signal.disconnect(slot)
        self.controller = controller
        for signal, slot in self._wiring(controller):
            signal.connect(slot)
        self.refresh()

    def _wiring(self, c):
        return ((c.stepChanged, self._request), (c.tracesChanged, self._request), (c.runsChanged, self.refresh),
                (c.runChanged, self._request), (c.sceneChanged, self.refresh), (c.playingChanged, self._refresh))

    def _request(self, _value=None) -> None:
        self.request()

    def _refresh(self, _value=None) -> None:
        self.refresh()

    def request(self) -> None:
        self.throttle.request()

    def changeEvent(self, event) -> None:
        """A new theme: the names' colours are lifted or darkened for the background they
        sit on, so they are worked out again at once (paused at step 0, nothing else asks:
        dark presentation mode kept the light theme's dark blue on dark grey)."""
        super().changeEvent(event)
        built = getattr(self, "throttle", None) is not None and self.controller is not None
        if built and event.type() in (QtCore.QEvent.Type.PaletteChange, QtCore.QEvent.Type.ApplicationPaletteChange):
            self.refresh()

    def refresh(self) -> None:
        self.throttle.ran()
        c = self.controller
        _set_text(self.step_label, f"step {c.step} / {c.timeline.steps}" + ("  ▶" if c.playing else ""))
        # as wide as its widest text from the start: a message is shortened to the room the
        # counter leaves, and End widened "step 0 / 300" under the preset's "(12 / 46)"
        widest = self.step_label.fontMetrics().horizontalAdvance(f"step {c.timeline.steps} / {c.timeline.steps}  ▶")
        if self.step_label.minimumWidth() != widest + 8:
            self.step_label.setMinimumWidth(widest + 8)
        full, compact = [], []  # (text, colour or None for the ink, bold) pieces of the line
        ink_on = self.palette().window().color().name()
        for i, run in enumerate(c.runs):
            if not run.visible or i >= len(c.traces):
                continue
            loss = c.run_loss(i)
            ending = c.ending(i)
            if ending is not None and ending.kind in ("diverged", "escaped") and c.step >= ending.step:
                value = ending.kind  # once the playback got there, as the map and the legend
            elif loss is None:
                value = "diverged" if c.status(i) == "diverged" else "–"
            else:
                value = fmt(loss)
            # the run's own name when it has one ("lr = 0.4 (just right)"), else the rule's
            name = run.name or (title_for(run.optimizer.key, run.optimizer.params))
            # the swatch in the run's colour; the name in it too when that reads on this bar
            color = theme.readable(run.color, ink_on)
            gap = [(SEPARATOR, None, False)] if full else []
            swatch, shown = [("■", run.color, False), (" ", None, False)], (f" {value}", None, False)
            full += gap + swatch + [(f"{i + 1} {name}", color, True), shown]
            compact += gap + swatch + [(f"{i + 1}", color, True), shown]
        pieces, text = full, rich_text(full)
        if full and self._text_width(text) > self.loss_label.width():
            pieces, text = compact, rich_text(compact)  # names cut into the step counter: numbers only
        self.loss_label.show_pieces(text, pieces)
        _set_text(self.fps_label, f"{self.frames.fps:4.0f} fps" if c.playing else "")


    def _text_width(self, html_text: str) -> float:
        """Width of the text in bold (a little more than it takes: safe). Plain font
        metrics, not a QTextDocument: this runs ~12 times a second while playing."""
        font = QtGui.QFont(self.loss_label.font())
        font.setBold(True)
        plain = html.unescape(re.sub(r"<[^>]+>", "", html_text))
        return QtGui.QFontMetrics(font).horizontalAdvance(plain)

    def showMessage(self, text: str, timeout: int = 0) -> None:
        """Messages shortened in the middle to the room left of the step counter (at 2x
        type a preset's title ran into it and lost its "(4 / 33)")."""
        room = self.width() - sum(max(w.width(), w.minimumWidth())
                                  for w in (self.step_label, self.fps_label) if w.isVisible()) - 24
        shown = text
        if room > 80:
            shown = self.fontMetrics().elidedText(text, QtCore.Qt.TextElideMode.ElideMiddle, room)
        self._message = (shown, text)
        super().showMessage(shown, timeout)

    def currentMessage(self) -> str:
        """The message in full (what is drawn may be shortened to fit)."""
        shown = super().currentMessage()
        drawn, full = getattr(self, "_message", ("", ""))
        return full if shown and shown == drawn else shown


class OneLineLabel(QtWidgets.QLabel):
    """A one-line label whose size hints do not depend on its text. Its text changes ~12
    times a second, and every change re-runs the status bar's layout, where QLabel's own
    hints lay the rich text out again (~3 M instructions, more than painting it). The
    height is measured once per font (presentation mode doubles it); the width is the
    layout's to give (the size policy ignores it)."""

    _hint: tuple | None = None  # (font key, QLabel's hints for one line in this font)

    def _hints(self) -> tuple[QtCore.QSize, QtCore.QSize]:
        key = self.font().key()
        if self._hint is not None and self._hint[0] == key:
            return self._hint[1], self._hint[2]
        text = self.text()
        if self._pieces is not None:  # QLabel measures the rich text it is given, once per font
            QtWidgets.QLabel.setText(self, text)
        hints = QtCore.QSize(0, super().sizeHint().height()), QtCore.QSize(0, super().minimumSizeHint().height())
        if self._pieces is not None:
            QtWidgets.QLabel.setText(self, "")  # and never lays it out again
        if text:  # the text is one line (no wrap): its height is this font's line
            self._hint = (key, *hints)
        return hints

    def sizeHint(self) -> QtCore.QSize:
        return self._hints()[0]

    def minimumSizeHint(self) -> QtCore.QSize:
        return self._hints()[1]

    # -- painted from pieces ---------------------------------------------------------------

    _pieces: list | None = None  # [(text, colour or None for the ink, bold)] as the rich text says
    _html = ""
    _static: dict | None = None  # (text, bold, font key) -> QStaticText: the names repeat

    def show_pieces(self, html_text: str, pieces: list) -> None:
        """Show ``html_text`` painted from ``pieces``: the same words, colours and weights,
        drawn straight from the font. QLabel parses and lays the rich text out again on
        every change (~12 times a second while a slider drags), and the status bar and
        window were painted again beneath it: ~1 ms of the drag's slowest moves. The rich
        text stays what ``text()`` says (for readers and tests), never laid out."""
        self._pieces = pieces
        self._html = html_text
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent, True)  # paints its background
        self.update()

    def text(self) -> str:
        """The rich text it shows. Not handed to QLabel: its setText asks the status bar for
        a new layout, and the bar then painted itself and the window beneath whole."""
        return self._html if self._pieces is not None else super().text()

    def _indent(self) -> int:
        """Where QLabel starts its text inside the contents: its margin and indent, an
        unset indent being half an "x" when the label has a frame (the style sheet's
        padding gives it one), as QLabelPrivate::documentRect works it out."""
        indent = self.indent()
        if indent < 0 and self.frameWidth():
            indent = self.fontMetrics().horizontalAdvance("x") // 2 - self.margin()
        return self.margin() + max(indent, 0)

    def paintEvent(self, event) -> None:
        if self._pieces is None:
            return super().paintEvent(event)
        p = QtGui.QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        regular = QtGui.QFont(self.font())
        bold = QtGui.QFont(regular)
        bold.setBold(True)
        rect = QtCore.QRectF(self.contentsRect())
        height = QtGui.QFontMetricsF(regular).height()
        x, top = rect.left() + self._indent(), rect.top() + math.floor((rect.height() - height) / 2)
        ink = self.palette().color(QtGui.QPalette.ColorRole.WindowText)
        cache = self._static if self._static is not None and len(self._static) < 512 else {}
        self._static = cache
        for text, color, strong in self._pieces:
            if x > rect.right():
                break
            font = bold if strong else regular
            key = (text, strong, font.key())
            static = cache.get(key)
            if static is None:
                static = cache[key] = QtGui.QStaticText(text)
                static.setTextFormat(QtCore.Qt.TextFormat.PlainText)
                static.prepare(QtGui.QTransform(), font)
            p.setFont(font)
            p.setPen(QtGui.QColor(color) if color else ink)
            p.drawStaticText(QtCore.QPointF(x, top), static)
            x += static.size().width()
        p.end()


def rich_text(pieces) -> str:
    """What ``pieces`` paint, as rich text: the line's ``text()`` (readers, tests)."""
    out = []
    for text, color, bold in pieces:
        escaped = html.escape(text).replace("\u00a0", "&nbsp;")
        if color:
            escaped = f"<span style='color:{color}{'; font-weight:bold' if bold else ''}'>{escaped}</span>"
        out.append(escaped)
    return "".join(out)


def _set_text(label: QtWidgets.QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)
