"""The status bar: the step, each run's loss in its colour, frames per second, and
the controller's messages (errors, divergence) on the left. It reads the visible
mode's controller (gui.modes calls :meth:`PlaygroundStatusBar.follow`); the surface
controller's messages always come here, classification's through gui.modes.

Text is refreshed at most ~12 times a second (gui.throttle): re-laying out rich text on
every frame would cost more than drawing the trails.
"""

from __future__ import annotations

import html
import re

from PySide6 import QtCore, QtGui, QtWidgets

from engine.registry import title_for
from gui import theme
from gui.panels.inspector import fmt
from gui.throttle import REFRESH_MS, Throttle

MESSAGE_MS = 8000


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

    def refresh(self) -> None:
        self.throttle.ran()
        c = self.controller
        _set_text(self.step_label, f"step {c.step} / {c.timeline.steps}" + ("  ▶" if c.playing else ""))
        # as wide as its widest text from the start: a message is shortened to the room the
        # counter leaves, and End widened "step 0 / 300" under the preset's "(12 / 46)"
        widest = self.step_label.fontMetrics().horizontalAdvance(f"step {c.timeline.steps} / {c.timeline.steps}  ▶")
        if self.step_label.minimumWidth() != widest + 8:
            self.step_label.setMinimumWidth(widest + 8)
        full, compact = [], []
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
            name = html.escape(run.name or (title_for(run.optimizer.key, run.optimizer.params)))
            # the swatch in the run's colour; the name in it too when that reads on this bar
            color = theme.readable(run.color, ink_on)
            swatch = f"<span style='color:{run.color}'>■</span>"
            full.append(f"{swatch} <span style='color:{color}; font-weight:bold'>{i + 1} {name}</span> {value}")
            compact.append(f"{swatch} <span style='color:{color}; font-weight:bold'>{i + 1}</span> {value}")
        text = "&nbsp;&nbsp; ".join(full)
        if full and self._text_width(text) > self.loss_label.width():
            text = "&nbsp;&nbsp; ".join(compact)  # names cut into the step counter: numbers only
        _set_text(self.loss_label, text)
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
        hints = QtCore.QSize(0, super().sizeHint().height()), QtCore.QSize(0, super().minimumSizeHint().height())
        if self.text():  # the text is one line (no wrap): its height is this font's line
            self._hint = (key, *hints)
        return hints

    def sizeHint(self) -> QtCore.QSize:
        return self._hints()[0]

    def minimumSizeHint(self) -> QtCore.QSize:
        return self._hints()[1]


def _set_text(label: QtWidgets.QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)
