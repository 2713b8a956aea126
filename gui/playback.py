"""The animation: a QTimer at ~60 Hz reveals the precomputed paths at ``speed`` steps
per second (1 to thousands), advancing by ``speed * dt`` steps a tick, so the rate
does not depend on how fast frames are painted. Mixed into PlaygroundController,
whose signals (stepChanged, playingChanged, settingsChanged) it emits.
"""

from __future__ import annotations

import math
import time

from PySide6 import QtCore

from engine.limits import SPEED
from gui.cues import stop_before

SPEED_MIN, SPEED_MAX = SPEED.lo, SPEED.hi  # engine.limits
TICK_MS = 16  # ~60 Hz


class PlaybackMixin:
    def _init_playback(self) -> None:
        self._pos = 0.0
        self._last_tick = 0.0
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    @property
    def last_step(self) -> int:
        """Where playing stops: the last row of the longest path."""
        return max((len(tr.xs) - 1 for tr in self.traces), default=0)

    def set_speed(self, v) -> None:
        try:
            v = float(v)
        except (TypeError, ValueError):
            return
        if not math.isfinite(v):
            return
        v = min(max(v, SPEED_MIN), SPEED_MAX)
        if v != self.scene.speed:
            self.scene = self.scene.replace(speed=v)
            self.settingsChanged.emit()

    def faster(self) -> None:
        self.set_speed(self.scene.speed * 2.0)

    def slower(self) -> None:
        self.set_speed(self.scene.speed / 2.0)

    def _clamp_step(self) -> None:
        if self.step > self.scene.steps:
            self._set_step(self.scene.steps)

    def _set_step(self, k: int) -> None:
        k = int(min(max(k, 0), self.scene.steps))
        self._pos = float(k)
        if k != self.step:
            self.step = k
            self.stepChanged.emit(k)

    def seek(self, k: int) -> None:
        """Show the paths up to step ``k`` (the time slider)."""
        self._set_step(k)

    def play(self) -> None:
        if self.playing:
            return
        if self.step >= self.last_step:
            self._set_step(0)
        self._pos = float(self.step)
        self._last_tick = time.perf_counter()
        self._timer.start()
        self.playingChanged.emit(True)

    def pause(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.playingChanged.emit(False)

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def step_once(self) -> None:
        self.pause()
        self._set_step(self.step + 1)

    def step_back(self) -> None:
        self.pause()
        self._set_step(self.step - 1)

    def reset(self) -> None:
        self.pause()
        self._set_step(0)

    def jump_to_end(self) -> None:
        self.pause()
        self._set_step(self.scene.steps)

    def _tick(self) -> None:
        now = time.perf_counter()
        dt = min(now - self._last_tick, 0.1)  # a stalled frame must not jump ahead by seconds
        self._last_tick = now
        end = stop_before(self.scene.cues, self.step, self.last_step)  # a preset's cue pauses here
        self._pos = min(self._pos + self.scene.speed * dt, float(end))
        k = int(self._pos)
        if k != self.step:
            self.step = k
            self.stepChanged.emit(k)
        if k >= end:
            self.pause()  # the end, or a cue
