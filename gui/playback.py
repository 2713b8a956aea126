"""The surface's timeline: whole paths computed in advance (gui.controller), so any
step can be shown at once, forwards or back, and playing only reveals them. Driven by
the transport (gui.transport), which owns the timer, the speed and the position.
"""

from __future__ import annotations


class PathTimeline:
    grows = False

    def __init__(self, controller):
        self.c = controller

    @property
    def step(self) -> int:
        return self.c.step

    @property
    def steps(self) -> int:
        return self.c.scene.steps

    @property
    def end(self) -> int:
        """Where playing stops: the last row of the longest path."""
        return self.c.last_step

    def show(self, k: int) -> None:
        c = self.c
        k = int(min(max(k, 0), c.scene.steps))
        if k != c.step:
            c.step = k
            c.stepChanged.emit(k)

    def budget(self, wanted: int) -> int:
        return wanted  # revealing a precomputed row costs nothing but the drawing

    def refusal(self) -> str:
        return ""

    @property
    def cues(self) -> tuple:
        return self.c.scene.cues
