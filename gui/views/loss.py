"""Loss per run against the step, growing with the animation.

Log y by default, and ``f(x_t) - f*`` when the surface's minimum is known, so
linear convergence shows as a straight line and its slope can be read off. The
axes are fixed per path (not per frame), so nothing jumps while playing.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from gui import theme
from gui.views.run_style import run_pen
from gui.views.trails import ThinLine, cache_when_still

DECADES = 16  # below ~1e-16 of the start a double has nothing left to say


class LossCurvePlot(pg.PlotWidget):
    curvesChanged = QtCore.Signal()  # new paths or a new mode: overlays (gui.views.theory) redraw

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self._transform = (False, True, 0.0, 1e-300)  # log, minus, f*, floor: see gap_to_plot
        self.plot = self.getPlotItem()
        theme.style_plot(self.plot, bottom="step t", title="Loss")
        self.plot.vb.setMouseEnabled(x=True, y=False)
        self.curves: list[pg.PlotCurveItem] = []
        self.values: list[np.ndarray] = []
        self.shown: list[int] = []
        self.steps_axis = np.arange(0)
        self.ranged: list[np.ndarray] = []
        self.spans: list[tuple[float, float] | None] = []  # per run: its lowest and highest finite y
        self._memo: dict[int, dict] = {}  # run -> what it plots, with the trace it came from
        c = controller
        c.sceneChanged.connect(self.rebuild)
        c.runsChanged.connect(self.rebuild)
        c.runChanged.connect(self._run_changed)
        c.tracesChanged.connect(self._traces_changed)
        c.stepChanged.connect(self.draw)
        c.displayChanged.connect(self._display_changed)
        c.selectionChanged.connect(lambda _i: self._restyle())
        c.settingsChanged.connect(self._fit_x)
        self.rebuild()

    def _mode(self):
        c = self.controller
        fmin = c.surface.min_value
        minus = bool(c.display("loss_minus_min")) and fmin is not None
        log = bool(c.display("log_loss"))
        if log and not minus:
            # log of a loss that goes negative (no known minimum) is meaningless
            lows = [float(np.min(tr.loss[np.isfinite(tr.loss)])) for tr in c.traces if np.isfinite(tr.loss).any()]
            log = bool(lows) and min(lows) > 0
        return log, minus, fmin

    def rebuild(self) -> None:
        c = self.controller
        n = len(c.runs)
        while len(self.curves) < n:
            curve = ThinLine()
            self.plot.addItem(curve)
            self.curves.append(curve)
        while len(self.curves) > n:
            self.plot.removeItem(self.curves.pop())
        for i, run in enumerate(c.runs):
            self._style(i, run)
        self._traces_changed(list(range(n)))

    def _restyle(self) -> None:
        for i, run in enumerate(self.controller.runs[: len(self.curves)]):
            self._style(i, run)

    def _style(self, i, run) -> None:
        self.curves[i].setPen(run_pen(run, 1.5 if i == self.controller.selected else 1.0))
        self.curves[i].setVisible(run.visible)

    def _run_changed(self, i: int) -> None:
        if i < len(self.curves):
            self._style(i, self.controller.runs[i])
            self._fit_y()

    def _traces_changed(self, indices) -> None:
        """New paths: recompute what is plotted (log10 done here once, not per frame:
        PlotCurveItem has no log mode of its own, and the axis only labels powers of 10)."""
        c = self.controller
        log, minus, fmin = self._mode()
        theme.set_log_axis(self.plot, "left", log)
        label = "f(x_t) − f*" if minus else "f(x_t)"
        theme.set_label(self.plot, "left", label)
        n = len(c.runs)
        # Per run, what it plots is kept with the trace it came from: a slider moves one
        # run, and the other seven repeated ~10 NumPy passes over their 1000 rows on every
        # move. A run is recomputed when its trace, the mode, the floor or its status changed.
        memo, self._memo = self._memo, {}
        raw, ranged, tops = [], [], []
        for i in range(n):  # a new path may change the floor, or the mode, of every run
            tr, status = c.traces[i], c.status(i)
            key = (minus, fmin, status in ("diverged", "escaped"))
            kept = memo.get(i)
            if kept is None or kept["trace"] is not tr or kept["key"] != key:
                y = np.asarray(tr.loss, dtype=float)
                v = y - fmin if minus else y
                # The axes follow what the runs that did not blow up did: a diverged run's 1e20
                # would flatten every other curve onto the floor. It leaves through the top.
                r = v[: _sane_rows(v)] if key[2] else v
                kept = {"trace": tr, "key": key, "raw": v, "ranged": r, "span": _span(r)}
                kept["top"] = kept["span"][1] if kept["span"] else None
            self._memo[i] = kept
            raw.append(kept["raw"])
            ranged.append(kept["ranged"])
            tops.append(kept["top"])
        self.ranged = ranged
        self.spans = [self._memo[i]["span"] for i in range(n)]
        if log:
            tops = [t for t in tops if t is not None]
            floor = max(max(tops, default=1.0) * 10.0 ** -DECADES, 1e-300)
            logged_raw, logged_ranged = [], []
            for i in range(n):
                kept = self._memo[i]
                if kept.get("floor") != floor:
                    with np.errstate(all="ignore"):
                        kept["log"] = (np.log10(np.maximum(kept["raw"], floor)),
                                       np.log10(np.maximum(kept["ranged"], floor)))
                    kept["log_span"] = _span(kept["log"][1])
                    kept["floor"] = floor
                logged_raw.append(kept["log"][0])
                logged_ranged.append(kept["log"][1])
            raw, self.ranged = logged_raw, logged_ranged
            self.spans = [self._memo[i]["log_span"] for i in range(n)]
        # a slider moves one run: the others keep what they drew (re-setting 8 curves of
        # 1000 points on every move cost more than computing the new path's values)
        old = self.values
        self.shown = [self.shown[i] if i < len(old) and i < len(self.shown) and (
            old[i] is raw[i] or (old[i].shape == raw[i].shape and np.array_equal(old[i], raw[i], equal_nan=True)))
            else -1 for i in range(n)]
        self.values = raw
        self._transform = (log, minus, fmin or 0.0, floor if log else 0.0)
        self._fit_x()
        self._fit_y()
        self.draw(c.step)
        self.curvesChanged.emit()

    def gap_to_plot(self, gap: np.ndarray) -> np.ndarray:
        """Values of ``f - f*`` in this plot's y coordinates (the same shift, floor and log10
        as the runs' curves), for curves drawn over them (the O(1/T) bound)."""
        log, minus, fmin, floor = self._transform
        y = np.asarray(gap, dtype=float) + (0.0 if minus else fmin)
        if log:
            with np.errstate(all="ignore"):
                y = np.log10(np.maximum(y, floor))
        return y

    def _fit_x(self) -> None:
        steps = self.controller.scene.steps
        self.steps_axis = np.arange(steps + 1)
        theme.set_x_range(self.plot, 0, steps)

    def _fit_y(self) -> None:
        """The visible runs' finite values, from each run's span kept with its values: a
        slider moves one run, and scanning all eight twice a move cost ~0.2 ms."""
        spans = [span for span, run in zip(self.spans, self.controller.runs) if run.visible and span]
        if not spans:
            return
        theme.settle_range(self.plot, min(lo for lo, _ in spans), max(hi for _, hi in spans))

    def draw(self, step: int) -> None:
        for i, (curve, v) in enumerate(zip(self.curves, self.values)):
            n = min(step, len(v) - 1) + 1
            cache_when_still(curve, n == self.shown[i])
            if n != self.shown[i] and len(v):
                curve.setData(self.steps_axis[:n], v[:n])
                self.shown[i] = n

    def _display_changed(self, key: str, value) -> None:
        if key in ("log_loss", "loss_minus_min"):
            self._traces_changed(list(range(len(self.controller.runs))))


def _span(v: np.ndarray) -> tuple[float, float] | None:
    """(lowest, highest) finite value of ``v``; None if it has none."""
    finite = v[np.isfinite(v)]
    return (float(finite.min()), float(finite.max())) if finite.size else None


def _sane_rows(v: np.ndarray) -> int:
    """Rows of a diverged run's loss before it passes 100x its start value."""
    if not len(v) or not np.isfinite(v[0]):
        return 1
    limit = 100.0 * max(abs(float(v[0])), 1e-12)
    with np.errstate(invalid="ignore"):
        over = ~(np.abs(v) <= limit)
    return int(np.argmax(over)) if over.any() else len(v)
