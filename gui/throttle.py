"""Panels that read numbers (the status bar, the runs list, the inspector) refreshed at
most ~12 times a second while a slider drags or the playback runs.

A person reads a number at a few per second; the views that carry the picture (map,
loss and rate plots) follow every frame. Re-laying out text and repainting these panels
on every slider move cost ~2 ms of a ~16 ms drag (in-process A/B over bench_gui.py's
drag: 15.9 -> 13.8 ms median), and they would change faster than anyone can read them.

The first request after a quiet spell runs at once, so a single edit, a step with the
arrow keys or a click shows its numbers without delay; requests that come faster are
merged into one run at the end of the interval, which shows the state as it is then.
"""

from __future__ import annotations

import time

from PySide6 import QtCore

REFRESH_MS = 80


class Throttle(QtCore.QObject):
    """Calls ``fn`` at most once per ``interval_ms`` (see the module's docstring): a request
    inside the interval is delivered at its end, so the last state is always shown."""

    def __init__(self, interval_ms: float, fn, parent=None):
        super().__init__(parent)
        self.interval = interval_ms / 1e3
        self.fn = fn
        self._last = -1e9
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.fire)

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def request(self) -> None:
        wait = self.interval - (time.perf_counter() - self._last)
        if wait <= 0:
            self.fire()
        elif not self._timer.isActive():
            self._timer.start(max(int(wait * 1e3), 1))

    def fire(self) -> None:
        """Run now (an export renders the last state, not the one ~100 ms ago)."""
        self._timer.stop()
        self._last = time.perf_counter()
        self.fn()

    def flush(self) -> None:
        """Run now if a request is waiting (tests, a window grab)."""
        if self._timer.isActive():
            self.fire()

    def ran(self) -> None:
        """``fn`` ran by another way (a new scene): a waiting request is satisfied."""
        self._timer.stop()
        self._last = time.perf_counter()
