"""Each run's learning rate over the whole run, lr_t = lr * s(t - 1) (SPEC section 4),
with a cursor at the current step.

Drawn from ``ScheduleSpec.multipliers``, the same closed form the runner uses, so
the plot can never drift from what the run did. Rules without a learning rate
(random search) have no curve.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from gui import theme
from gui.views.run_style import run_pen
from gui.views.trails import ThinLine

SHORT_PX = 120


def corners(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points where the rate changes: a constant or step schedule's 1000 rows become
    the two ends of each plateau. The same line, with ~100x fewer points to paint and to
    bound on every move of an lr drag (its line and those it crosses are repainted)."""
    if len(y) < 3:
        return x, y
    same_prev = np.zeros(len(y), dtype=bool)
    same_prev[1:] = y[1:] == y[:-1]  # nan is never equal: a gap keeps its neighbours
    same_next = np.zeros(len(y), dtype=bool)
    same_next[:-1] = same_prev[1:]
    keep = ~(same_prev & same_next)
    return x[keep], y[keep]


class ScheduleView(pg.PlotWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.plot = self.getPlotItem()
        theme.style_plot(self.plot, bottom="step t", title="Learning rate")
        self.plot.vb.setMouseEnabled(x=True, y=False)
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=theme.pen(theme.MUTED, 1.0))
        self.plot.addItem(self.cursor, ignoreBounds=True)
        # It never counts for the range (ignoreBounds), so its moves need not be reported to
        # the view box: pyqtgraph's report makes an auto-ranging box repaint itself whole,
        # ~60% of this plot's pixels on every frame instead of the line's 3-pixel strip.
        self.cursor.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges, False)
        self.curves: list[pg.PlotCurveItem] = []
        self._curves: dict[int, tuple] = {}  # run -> ((lr, schedule, steps), (steps, lr_t))
        c = controller
        c.sceneChanged.connect(self.rebuild)
        c.runsChanged.connect(self.rebuild)
        c.runChanged.connect(self._run_changed)
        c.settingsChanged.connect(self.rebuild)
        c.stepChanged.connect(self.cursor.setValue)
        c.displayChanged.connect(self._display_changed)
        self.rebuild()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if "plot" not in self.__dict__:  # pyqtgraph resizes before __init__ is done
            return
        # a short rate plot (1366x768 with the lecturer's note open: ~80 px) gives its
        # "step t" to the curves: the loss plot above reads the same steps
        short = self.height() < SHORT_PX
        axis = self.plot.getAxis("bottom")
        if axis.label.isVisible() == short:
            axis.showLabel(not short)

    def rebuild(self) -> None:
        c = self.controller
        n = len(c.runs)
        while len(self.curves) < n:
            curve = ThinLine()
            self.plot.addItem(curve)
            self.curves.append(curve)
        while len(self.curves) > n:
            self.plot.removeItem(self.curves.pop())
        for i in range(n):
            self._draw_run(i)
        self._fit()
        self.cursor.setValue(c.step)

    def _lr_curve(self, i: int):
        c = self.controller
        run = c.runs[i]
        lr = run.optimizer.params.get("lr")
        steps = c.scene.steps
        if run.history and i < len(c.traces) and c.traces[i] is not None:
            # a branch's rate came from its past settings up to step k: the path's own record
            rows = c.traces[i].lr
            return np.arange(1, len(rows)), np.asarray(rows[1:], dtype=float)
        if lr is None:
            return None
        # kept per run: a slider drag changes one run, and the fit reads every run's curve
        key = (lr, run.schedule, steps)
        cache = self._curves
        if cache.get(i, (None,))[0] != key:
            with np.errstate(all="ignore"):
                y = lr * np.asarray(run.schedule.multipliers(steps), dtype=float)
            cache[i] = (key, (np.arange(1, steps + 1), y))
        return cache[i][1]

    def _draw_run(self, i: int) -> None:
        run = self.controller.runs[i]
        curve = self.curves[i]
        curve.setPen(run_pen(run, 1.0))
        data = self._lr_curve(i)
        log = bool(self.controller.display("log_lr"))
        if data is None or not run.visible:
            curve.setData([], [])
            return
        x, y = data
        if log:
            with np.errstate(all="ignore"):
                y = np.log10(np.where(y > 0, y, np.nan))  # the axis labels powers of 10
        curve.setData(*corners(x, y), connect="finite")

    def _fit(self) -> None:
        c = self.controller
        log = bool(c.display("log_lr"))
        ys = []
        for i, run in enumerate(c.runs):
            data = self._lr_curve(i) if run.visible else None
            if data is not None:
                y = data[1][np.isfinite(data[1])]
                ys.append(y[y > 0] if log else y)
        ys = [y for y in ys if y.size]
        theme.set_log_axis(self.plot, "left", log)
        theme.set_label(self.plot, "left", "lr_t")
        theme.set_x_range(self.plot, 0, c.scene.steps)
        if ys:
            lo = min(float(y.min()) for y in ys)
            hi = max(float(y.max()) for y in ys)
            if log:
                lo, hi = np.log10(lo), np.log10(hi)
                if hi - lo < 0.5:  # constant rates: a band around them, not a flat line at the edge
                    lo, hi = lo - 0.5, hi + 0.5
            else:
                lo = min(lo, 0.0)  # rates read best against zero
            theme.settle_range(self.plot, lo, hi, padding=0.08)

    def _run_changed(self, i: int) -> None:
        if i < len(self.curves):
            self._draw_run(i)
            self._fit()

    def _display_changed(self, key: str, _value) -> None:
        if key == "log_lr":
            self.rebuild()
