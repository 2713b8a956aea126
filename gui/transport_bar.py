"""The one transport bar of the window, for both modes: play/pause, step, reset and end,
a time slider that jumps to where it is clicked, the speed, and the step. It follows
the visible mode's controller (gui.modes calls :meth:`TransportBar.follow`) and only
calls its transport; the keys (gui.actions) do the same.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from gui import theme
from gui.transport import SPEED_MAX, SPEED_MIN

Pixmap = QtWidgets.QStyle.StandardPixmap
SPEED_TICKS = 100  # positions of the (logarithmic) speed slider


class JumpSlider(QtWidgets.QSlider):
    """A slider whose groove jumps to the click (not a page towards it), then drags from there."""

    def mousePressEvent(self, event):
        if event.button() == QtCore.Qt.MouseButton.LeftButton:
            opt = QtWidgets.QStyleOptionSlider()
            self.initStyleOption(opt)
            style = self.style()
            handle = style.subControlRect(QtWidgets.QStyle.ComplexControl.CC_Slider, opt,
                                          QtWidgets.QStyle.SubControl.SC_SliderHandle, self)
            pos = event.position().toPoint()
            if not handle.contains(pos):
                groove = style.subControlRect(QtWidgets.QStyle.ComplexControl.CC_Slider, opt,
                                              QtWidgets.QStyle.SubControl.SC_SliderGroove, self)
                span = max(groove.width() - handle.width(), 1)
                x = pos.x() - groove.x() - handle.width() // 2
                value = QtWidgets.QStyle.sliderValueFromPosition(self.minimum(), self.maximum(), x, span,
                                                                 opt.upsideDown)
                self.setValue(value)
                if self.value() != value:  # put back (training goes there a tick at a time)
                    event.accept()
                    return
        super().mousePressEvent(event)  # now on the handle: a drag goes on from the click


class FixedLabel(QtWidgets.QLabel):
    """A label as wide as its widest text (``template``) in its current font, so the slider
    beside it does not move as the numbers grow (and it follows a bigger font)."""

    def __init__(self, template: str):
        super().__init__()
        self.template = template
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Preferred)

    def sizeHint(self):
        hint = super().sizeHint()
        return QtCore.QSize(self.fontMetrics().horizontalAdvance(self.template) + 8, hint.height())

    def minimumSizeHint(self):
        return self.sizeHint()


def speed_to_pos(v: float) -> int:
    lo, hi = math.log10(SPEED_MIN), math.log10(SPEED_MAX)
    return round((math.log10(v) - lo) / (hi - lo) * SPEED_TICKS)


def pos_to_speed(pos: int) -> float:
    lo, hi = math.log10(SPEED_MIN), math.log10(SPEED_MAX)
    return float(round(10 ** (lo + pos / SPEED_TICKS * (hi - lo))))


class TransportBar(QtWidgets.QToolBar):
    def __init__(self, controller, parent=None):
        super().__init__("Transport", parent)
        self.setObjectName("transport")  # saveState needs names
        self.setMovable(False)
        self.setIconSize(QtCore.QSize(18, 18))
        self.play = self.addAction("Play")
        self.play.setToolTip("Play / pause (Space)")
        self.step = self.addAction("Step")
        self.reset = self.addAction("Reset")
        self.end = self.addAction("End")
        for action, icon in ((self.play, Pixmap.SP_MediaPlay), (self.step, Pixmap.SP_MediaSeekForward),
                             (self.reset, Pixmap.SP_MediaSkipBackward), (self.end, Pixmap.SP_MediaSkipForward)):
            theme.set_std_icon(action, icon)  # in the theme's ink (black vanished on dark), re-tinted on a switch
        self.play.triggered.connect(lambda: self.c.toggle_play())
        self.step.triggered.connect(lambda: self.c.step_once())
        self.reset.triggered.connect(lambda: self.c.reset())
        self.end.triggered.connect(lambda: self.c.jump_to_end())
        self.addSeparator()
        self.time = JumpSlider(QtCore.Qt.Orientation.Horizontal)
        self.time.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.time.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed)
        self.time.valueChanged.connect(self._seek)
        self.addWidget(self.time)
        self.label = FixedLabel(" t = 100000 / 100000")
        self.label.setFont(theme.font(11, mono=True))
        self.addWidget(self.label)
        self.addSeparator()
        self.speed = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.speed.setRange(0, SPEED_TICKS)
        self.speed.setFixedWidth(110)
        self.speed.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.speed.setToolTip("Steps per second while playing (+ / -)")
        self.speed.valueChanged.connect(lambda p: self.c.set_speed(pos_to_speed(p)))
        self.addWidget(self.speed)
        self.speed_label = FixedLabel("5000 steps/s")
        self.addWidget(self.speed_label)
        self.c = None
        self.follow(controller)

    def follow(self, controller) -> None:
        """Show and drive ``controller`` (the visible mode's) from now on."""
        if controller is self.c:
            return
        if self.c is not None:
            self.c.pause()
            for signal, slot in self._wiring(self.c):
                signal.disconnect(slot)
        self.c = controller
        for signal, slot in self._wiring(controller):
            signal.connect(slot)
        grows = controller.timeline.grows
        # training that grows trains up to where the slider is let go, not at every pixel
        self.time.setTracking(not grows)
        self.time.setToolTip("Train up to a later step (forward only)" if grows else "Scrub through the steps")
        self.step.setToolTip("One update of every run (Right or N)" if grows else "One step (Right or N)")
        self.reset.setToolTip("Back to step 0: the same initial weights for every run (R or Home)" if grows
                              else "Back to step 0 (R or Home)")
        self.end.setToolTip("Train to the last step (End)" if grows else "Whole paths (End)")
        self._range()
        self._playing(controller.playing)

    def _wiring(self, c):
        return ((c.stepChanged, self._show_step), (c.settingsChanged, self._range), (c.sceneChanged, self._range),
                (c.playingChanged, self._playing))

    def _range(self) -> None:
        self._steps = self.c.timeline.steps
        with QtCore.QSignalBlocker(self.time):
            self.time.setRange(0, self._steps)
        speed = self.c.transport.speed
        with QtCore.QSignalBlocker(self.speed):
            self.speed.setValue(speed_to_pos(speed))
        self.speed_label.setText(f"{speed:g} steps/s")
        self._show_step(self.c.step)

    def _seek(self, k: int) -> None:
        self.c.seek(k)
        self._show_step(self.c.step)  # a refused seek (back in training) puts the slider back

    def _show_step(self, k: int) -> None:
        if not self.time.isSliderDown():  # the lecturer's hand wins over playing
            with QtCore.QSignalBlocker(self.time):
                self.time.setValue(k)
        self.label.setText(f" t = {k} / {self._steps}")

    def _playing(self, on: bool) -> None:
        theme.set_std_icon(self.play, Pixmap.SP_MediaPause if on else Pixmap.SP_MediaPlay)
        self.play.setText("Pause" if on else "Play")
