"""The transport: the one component that owns the animation timer, the speed and the
position, for both modes (napari's ``qt_dims_slider``: playback owns only the step).

It drives a :class:`Timeline`, which knows nothing about timers. A surface scene's
timeline is whole paths computed in advance (any step can be shown at once, backwards
too); classification's is training that grows (a step past the last one trained has
to be trained first, and what was trained is not kept, so it only goes forward, or
back to step 0 by starting again).

A QTimer at ~60 Hz advances the timeline by ``speed * dt`` steps a tick, so the rate
does not depend on how fast frames are painted; the timeline may take fewer when
those steps cost time (:meth:`Timeline.budget`), and the fraction carries over.
"""

from __future__ import annotations

import math
import time
from typing import Protocol, runtime_checkable

from PySide6 import QtCore

from engine.limits import SPEED
from gui.cues import stop_before

SPEED_MIN, SPEED_MAX = SPEED.lo, SPEED.hi  # steps per second (engine.limits)
TICK_MS = 16  # ~60 Hz
FORWARD_ONLY = "classification trains forward only: R goes back to step 0"


@runtime_checkable
class Timeline(Protocol):
    """What the transport needs of a mode: where it is, where it can go, and how to get there."""

    grows: bool  # True: steps are trained as they are reached (forward only, or back to 0)

    @property
    def step(self) -> int: ...              # the step on screen

    @property
    def steps(self) -> int: ...             # the scene's number of steps (the slider's range)

    @property
    def end(self) -> int: ...               # where playing stops (a path's last row; training done)

    def show(self, k: int) -> None: ...     # put step k on screen (growing: k >= step, or 0 to restart)

    def budget(self, wanted: int) -> int: ...  # how many of ``wanted`` steps this tick can afford

    def refusal(self) -> str: ...           # why playing cannot start now ('' when it can)

    @property
    def cues(self) -> tuple: ...            # a preset's stops (engine.session.Cue): playing pauses at each


class Transport(QtCore.QObject):
    playingChanged = QtCore.Signal(bool)
    speedChanged = QtCore.Signal(float)
    message = QtCore.Signal(str)

    def __init__(self, timeline: Timeline, speed: float = 60.0, parent=None):
        super().__init__(parent)
        self.timeline = timeline
        self.speed = min(max(float(speed), SPEED_MIN), SPEED_MAX)
        self._credit = 0.0  # steps owed by the clock, not yet shown (the fraction carries over)
        self._target: int | None = None  # a growing timeline chasing the step it was sought to
        self._last_tick = 0.0
        self.steps_per_tick = 0  # what the last tick took (benchmarks read these two)
        self.tick_ms = 0.0
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    # -- speed ----------------------------------------------------------------------------------

    def set_speed(self, v) -> None:
        """Steps per second while playing, clamped to [SPEED_MIN, SPEED_MAX]; junk is ignored."""
        try:
            v = float(v)
        except (TypeError, ValueError):
            return
        if not math.isfinite(v):
            return
        v = min(max(v, SPEED_MIN), SPEED_MAX)
        if v != self.speed:
            self.speed = v
            self.speedChanged.emit(v)

    def faster(self) -> None:
        self.set_speed(self.speed * 2.0)

    def slower(self) -> None:
        self.set_speed(self.speed / 2.0)

    # -- playing ----------------------------------------------------------------------------------

    def play(self) -> None:
        if self.playing:
            return
        reason = self.timeline.refusal()
        if reason:
            self.message.emit(reason)
            return
        if self.timeline.step >= self.timeline.end:
            self.timeline.show(0)  # play again from the start
        self._start()

    def _start(self, target: int | None = None) -> None:
        self._target = target
        self._credit = 0.0
        self._last_tick = time.perf_counter()
        if not self._timer.isActive():
            self._timer.start()
            self.playingChanged.emit(True)

    def pause(self) -> None:
        self._target = None
        if self._timer.isActive():
            self._timer.stop()
            self.playingChanged.emit(False)

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    # -- moving -----------------------------------------------------------------------------------

    def seek(self, k) -> None:
        """Step ``k`` (the time slider). A whole path shows it at once and keeps playing from
        there; training that grows trains up to it a tick at a time (the window stays
        live) and refuses to go back, except to step 0, which starts again."""
        tl = self.timeline
        k = int(min(max(int(k), 0), tl.steps))
        if tl.grows and 0 < k < tl.step:
            self.message.emit(FORWARD_ONLY)
            return
        if tl.grows and k > tl.step:
            if min(k, tl.end) > tl.step:
                self._start(target=min(k, tl.end))
            return
        self._credit = 0.0
        if k != tl.step or (tl.grows and k == 0):
            tl.show(k)

    def go_to(self, k: int) -> None:
        """Pause and put step ``k`` on screen before returning (a restored session's step,
        a render's): training that grows trains all the way there now."""
        self.pause()
        tl = self.timeline
        k = int(min(max(int(k), 0), tl.steps))
        if k > tl.step or not tl.grows:
            tl.show(min(k, tl.end) if tl.grows else k)

    def step_once(self) -> None:
        self.pause()
        if self.timeline.step < self.timeline.steps:
            self.timeline.show(self.timeline.step + 1)

    def step_back(self) -> None:
        self.pause()
        if self.timeline.step > 0:
            self.seek(self.timeline.step - 1)

    def reset(self) -> None:
        """Back to step 0 (classification: the same scene, trained again from the start)."""
        self.pause()
        self.timeline.show(0)

    def jump_to_end(self) -> None:
        """The whole paths at once; training that grows plays flat out to its last step."""
        self.pause()
        self.seek(self.timeline.steps)

    def _tick(self) -> None:
        now = time.perf_counter()
        dt = min(now - self._last_tick, 0.1)  # a stalled frame must not jump ahead by seconds
        self._last_tick = now
        tl = self.timeline
        stop = tl.end if self._target is None else min(self._target, tl.end)
        if self._target is None:
            stop = stop_before(tl.cues, tl.step, stop)  # a preset's cue: the lecturer asks, then plays on
            self._credit += self.speed * dt
            wanted = int(self._credit)
        else:
            wanted = stop - tl.step  # chasing a sought step: as fast as the budget allows
        n = tl.budget(min(wanted, max(stop - tl.step, 0)))
        if n < 1:
            if tl.step >= stop:
                self.pause()
            return
        if self._target is None:
            self._credit = min(self._credit - n, self.speed * 0.05)
        self.steps_per_tick = n
        before = tl.step
        tl.show(min(before + n, stop))
        self.tick_ms = (time.perf_counter() - now) * 1e3
        if tl.step >= stop or tl.step == before:
            self.pause()
