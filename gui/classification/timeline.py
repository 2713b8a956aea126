"""Classification's timeline: training that grows. A step past the last one trained is
trained first (every run, from the same weights, on the same minibatches), and what
was trained is not kept, so the timeline goes forward only, or back to step 0 by
starting the same scene again. Driven by the transport (gui.transport).

Timing: a tick asks for ``speed * dt`` updates, but takes no more than fit in
``TICK_BUDGET_MS`` together with what the views spent drawing the last tick (both
measured, smoothed), so the window stays responsive at any speed.
"""

from __future__ import annotations

import time

TICK_BUDGET_MS = 12.0  # training + the views' data updates per tick
TRAIN_CHUNK = 100  # updates per call when a step far ahead is shown at once (a restored session's)


class TrainingTimeline:
    grows = True

    def __init__(self, controller):
        self.c = controller
        self._fit = 0.0
        self._step_ms = 2.0  # smoothed cost of one update of every run
        self._draw_ms = 3.0  # smoothed cost of what stepChanged's slots did

    @property
    def step(self) -> int:
        return self.c.step

    @property
    def steps(self) -> int:
        return self.c.scene.steps

    @property
    def end(self) -> int:
        """Training stops at the last step, or earlier once every run diverged."""
        trainer = self.c.trainer
        if trainer is None:
            return 0
        return trainer.step if trainer.done else trainer.total_steps

    @property
    def cues(self) -> tuple:
        return self.c.scene.cues

    def refusal(self) -> str:
        return "" if self.c.runs else "no runs to train: add one"

    def show(self, k: int) -> None:
        if k <= 0:
            self.c.restart()
            return
        while self.c.step < k:
            before = self.c.step
            if not self._advance(min(TRAIN_CHUNK, k - before)) or self.c.step == before:
                break

    def budget(self, wanted: int) -> int:
        # the fraction carries over, so a budget of 2.5 updates a tick gives 2, 3, 2, 3, ...
        # and not 2 forever
        self._fit += max(TICK_BUDGET_MS - self._draw_ms, 1.0) / max(self._step_ms, 1e-3)
        self._fit = min(self._fit, 2.0 * TICK_BUDGET_MS / max(self._step_ms, 1e-3))
        n = min(wanted, max(int(self._fit), 1))
        if n >= 1:
            self._fit = max(self._fit - n, 0.0)
        return n

    def _advance(self, n: int) -> int:
        c = self.c
        if c.trainer is None or c.trainer.done:
            return 0
        t0 = time.perf_counter()
        try:
            taken = c.trainer.advance(n)
        except Exception as err:  # noqa: BLE001 - keep the window alive, say what happened
            c.message.emit(f"training stopped: {type(err).__name__}: {err}")
            return 0
        t1 = time.perf_counter()
        if taken:
            self._step_ms = 0.8 * self._step_ms + 0.2 * (t1 - t0) * 1e3 / taken
        c.report_divergence()
        c.stepChanged.emit(c.step)
        self._draw_ms = 0.8 * self._draw_ms + 0.2 * (time.perf_counter() - t1) * 1e3
        return taken
