"""The status bar: the step, each run's loss in its colour, frames per second, and
the controller's messages (errors, divergence) on the left.

Text is refreshed at most ~12 times a second: re-laying out rich text on every
frame would cost more than drawing the trails.
"""

from __future__ import annotations

import html
import time

from PySide6 import QtCore, QtWidgets

from engine.registry import title_for
from gui.panels.inspector import fmt

REFRESH_S = 0.08
MESSAGE_MS = 8000


class PlaygroundStatusBar(QtWidgets.QStatusBar):
    def __init__(self, controller, frames, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.frames = frames  # gui.views.contour.FrameCounter
        self.step_label = QtWidgets.QLabel()
        self.loss_label = QtWidgets.QLabel()
        self.loss_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        # its width changes with every number: keep that from re-laying out the window
        self.loss_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.fps_label = QtWidgets.QLabel()
        self.fps_label.setMinimumWidth(70)
        self.addWidget(self.loss_label, 1)  # a message hides it for a few seconds
        self.addPermanentWidget(self.step_label)
        self.addPermanentWidget(self.fps_label)
        self._last = 0.0
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh)
        c = controller
        c.stepChanged.connect(lambda _s: self.request())
        c.tracesChanged.connect(lambda _i: self.request())
        c.runsChanged.connect(self.refresh)
        c.runChanged.connect(lambda _i: self.request())
        c.sceneChanged.connect(self.refresh)
        c.playingChanged.connect(lambda _p: self.refresh())
        c.message.connect(lambda text: self.showMessage(text, MESSAGE_MS))
        self.refresh()

    def request(self) -> None:
        now = time.perf_counter()
        if now - self._last >= REFRESH_S:
            self.refresh()
        elif not self._timer.isActive():
            self._timer.start(int(REFRESH_S * 1000))

    def refresh(self) -> None:
        self._last = time.perf_counter()
        c = self.controller
        _set_text(self.step_label, f"step {c.step} / {c.scene.steps}" + ("  ▶" if c.playing else ""))
        parts = []
        for i, run in enumerate(c.runs):
            if not run.visible:
                continue
            tr = c.traces[i]
            t = c.row(i)
            value = fmt(tr.loss[t])
            if c.status(i) == "diverged" and t == len(tr.xs) - 1:
                value = "diverged"
            # the run's own name when it has one ("lr = 0.4 (just right)"), else the rule's
            name = html.escape(run.name or (title_for(run.optimizer.key, run.optimizer.params)))
            parts.append(f"<span style='color:{run.color}; font-weight:bold'>■ {i + 1} {name}</span> {value}")
        _set_text(self.loss_label, "&nbsp;&nbsp; ".join(parts))
        _set_text(self.fps_label, f"{self.frames.fps:4.0f} fps" if c.playing else "")


def _set_text(label: QtWidgets.QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)
