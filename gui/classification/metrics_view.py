"""Loss and accuracy per run (train solid, validation dashed, in the run's colour) and
the learning rate each run uses (its schedule, a closed form: drawn once per restart,
with a cursor at the current step).

The Trainer appends one value per step to plain lists; the view copies only the new
values into its own growing NumPy arrays and hands pyqtgraph array views, so a frame
costs the same at step 100 and at step 10,000. A diverged run's curves end with a
cross where it stopped, and its legend entry says so.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gui import theme
from gui.throttle import Throttle

from .plotting import LogAxis, cache_axes

AXIS_WIDTH = 64
REDRAW_MS = 100  # learning curves move slowly: 10 redraws a second are plenty
CURVES = (("train_loss", "loss", False), ("val_loss", "loss", True),
          ("train_acc", "acc", False), ("val_acc", "acc", True))


class Series:
    """One curve's finite values and their steps, grown in place (capacity doubles).
    Validation metrics are NaN on the rows where they were not computed: skipped."""

    def __init__(self):
        self.x = np.empty(1024)
        self.y = np.empty(1024)
        self.n = 0  # points kept
        self.seen = 0  # values read from the run
        self.lo, self.hi = math.inf, -math.inf  # positive range, for the log loss axis

    def sync(self, values: list) -> bool:
        m = len(values)
        if m == self.seen:
            return False
        if m < self.seen:
            self.n = self.seen = 0
            self.lo, self.hi = math.inf, -math.inf
        new = np.asarray(values[self.seen:m], dtype=float)
        rows = np.arange(self.seen, m, dtype=float)
        keep = np.isfinite(new)
        new, rows = new[keep], rows[keep]
        end = self.n + len(new)
        if end > len(self.y):
            size = max(end, 2 * len(self.y))
            for name in ("x", "y"):
                grown = np.empty(size)
                grown[: self.n] = getattr(self, name)[: self.n]
                setattr(self, name, grown)
        self.x[self.n:end] = rows
        self.y[self.n:end] = new
        if len(new):
            positive = new[new > 0]
            if len(positive):
                self.lo = min(self.lo, float(positive.min()))
                self.hi = max(self.hi, float(positive.max()))
        self.n, self.seen = end, m
        return len(new) > 0

    def last(self) -> tuple[float, float] | None:
        return (self.x[self.n - 1], self.y[self.n - 1]) if self.n else None


ACC_TITLE = "Accuracy"
ROW_PX = 120  # a plot shorter than this (at scale 1) piles its tick labels up


class MetricsView(QtWidgets.QWidget):
    """Three stacked plots: loss, accuracy, learning rate; one legend for the runs."""

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.c = controller
        self.frames = 0
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.legend = QtWidgets.QLabel()
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(QtCore.Qt.TextFormat.RichText)
        # a long legend wraps; it must never widen the column it sits in
        self.legend.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        lay.addWidget(self.legend)
        self.canvas = pg.GraphicsLayoutWidget()
        lay.addWidget(self.canvas, 1)
        self.loss_plot = self.canvas.addPlot(row=0, col=0, axisItems={"left": LogAxis("left")})
        self.acc_plot = self.canvas.addPlot(row=1, col=0)
        self.lr_plot = self.canvas.addPlot(row=2, col=0, axisItems={"left": LogAxis("left")})
        theme.style_plot(self.loss_plot, left="loss", title="Loss   (solid: train, dashed: validation)")
        theme.style_plot(self.acc_plot, left="accuracy", title=ACC_TITLE)
        # "lr", not "learning rate": the shortest plot's axis title must not run into the next one's
        theme.style_plot(self.lr_plot, bottom="step", left="lr", title="Learning rate (schedule)")
        self.canvas.ci.layout.setRowStretchFactor(0, 3)
        self.canvas.ci.layout.setRowStretchFactor(1, 3)
        self.canvas.ci.layout.setRowStretchFactor(2, 2)
        self.loss_plot.setLogMode(y=True)
        self.lr_plot.setLogMode(y=True)
        self.acc_plot.setYRange(0.0, 1.0, padding=0.02)
        for p in (self.loss_plot, self.acc_plot, self.lr_plot):
            cache_axes(p)
            p.getAxis("left").setWidth(AXIS_WIDTH)  # the three plots line up on the step axis
            p.getViewBox().setMouseEnabled(x=True, y=False)
            # the whole race's length: the axes stay put while the curves grow
            p.disableAutoRange(axis="x")
        for p in (self.acc_plot, self.lr_plot):
            p.setXLink(self.loss_plot)
        self.acc_plot.disableAutoRange(axis="y")
        # the loss axis is set from the runs still training: one blow-up must not squash the race
        self.loss_plot.disableAutoRange(axis="y")
        self.cursors = []
        for p in (self.loss_plot, self.acc_plot, self.lr_plot):
            line = pg.InfiniteLine(angle=90, pen=theme.pen(theme.MUTED, style=QtCore.Qt.PenStyle.DotLine))
            p.addItem(line, ignoreBounds=True)
            self.cursors.append(line)
        self._items: list = []  # (plot, item) pairs owned by the current runs
        self.curves: list[dict] = []
        self.series: list[dict] = []
        self.crosses: list = []
        self.throttle = Throttle(REDRAW_MS, self._redraw, self)
        self.lr_curves: list = []
        self.c.restarted.connect(self.rebuild)  # every change of the runs restarts the race
        self.c.runChanged.connect(self._restyle)
        self.c.stepChanged.connect(lambda _s: self.throttle.request())
        self.rebuild()

    def rebuild(self) -> None:
        """After a restart: empty curves for every run. Items are kept and restyled when the
        number of runs did not change (a slider drag restarts many times a second)."""
        n = len(self.c.runs)
        if n != len(self.curves):
            for plot, item in self._items:
                plot.removeItem(item)
            self._items = []
            self.curves, self.crosses, self.lr_curves = [], [], []
            for _ in range(n):
                items = {}
                for name, where, _dashed in CURVES:
                    item = pg.PlotDataItem(skipFiniteCheck=True)
                    item.setClipToView(True)
                    self._add(self.loss_plot if where == "loss" else self.acc_plot, item)
                    items[name] = item
                cross = pg.ScatterPlotItem(symbol="x", size=14, brush=None)
                self._add(self.loss_plot, cross)
                lr = pg.PlotDataItem(connect="finite")
                self._add(self.lr_plot, lr)
                self.curves.append(items)
                self.crosses.append(cross)
                self.lr_curves.append(lr)
        self.series = [{name: Series() for name, _, _ in CURVES} for _ in range(n)]
        for items, cross in zip(self.curves, self.crosses):
            for item in items.values():
                item.setData([], [])
            cross.setData([], [])
        self._yrange = None
        self._draw_lr()
        self._restyle_all()
        self.update_curves(self.c.step, force=True)
        self.lr_plot.enableAutoRange(axis="y")
        self.fit_rows()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.fit_rows()
        self._legend()  # a name may fit on one line now, or no longer

    def fit_rows(self) -> None:
        """Three plots where they fit; on a short pane (a projector at 1280 x 800 in
        presentation mode, with a signal plot below) the learning-rate plot goes when every
        run's rate is constant (the legend names it), and loss and accuracy get its room:
        squeezed, their tick labels piled up."""
        constant = all(r.schedule.key == "constant" for r in self.c.runs)
        short = self.canvas.height() < ROW_PX * theme.SCALE * 3
        # a short accuracy axis gets three ticks, not five piled up
        ticks = [[(0.5, "0.5")], []] if short else None
        if getattr(self, "_acc_ticks", None) != ticks:
            self._acc_ticks = ticks
            self.acc_plot.getAxis("left").setTicks(ticks)
            # the plots share their step axis: on a short pane only the lowest numbers it
            self.loss_plot.getAxis("bottom").setStyle(showValues=not short)
            # and the axis title names the accuracy plot: its own title's row goes to the curve
            if short:
                self.acc_plot.setTitle(None)
            else:
                self.acc_plot.setTitle(ACC_TITLE, color=theme.INK, size=f"{theme.TITLE_PT}pt")
        want = not (constant and short)
        if want == (self.lr_plot.scene() is not None):
            return
        self.lr_shown = want
        layout = self.canvas.ci
        if want:
            layout.addItem(self.lr_plot, row=2, col=0)
        else:
            layout.removeItem(self.lr_plot)
        if want:
            self.acc_plot.getAxis("bottom").showLabel(False)
        else:
            theme.set_label(self.acc_plot, "bottom", "step")

    def _add(self, plot, item) -> None:
        plot.addItem(item)
        self._items.append((plot, item))

    def _draw_lr(self) -> None:
        """lr_t = lr s(t - 1): the schedule's closed form, the very numbers the runs use."""
        steps = self.c.scene.steps
        k = np.arange(steps)
        for cfg, item in zip(self.c.runs, self.lr_curves):
            lr = cfg.optimizer.params.get("lr")
            if lr is None:
                item.setData([], [])
                continue
            y = lr * cfg.schedule.multipliers(steps)
            item.setData(k + 1, np.where(y > 0, y, np.nan))
        self.loss_plot.setXRange(0, steps, padding=0.01)
        self.loss_plot.getViewBox().setLimits(xMin=-0.01 * steps, xMax=1.01 * steps)

    def _restyle(self, i: int) -> None:
        if i < len(self.curves):
            cfg = self.c.runs[i]
            for name, _, dashed in CURVES:
                style = QtCore.Qt.PenStyle.DashLine if dashed else QtCore.Qt.PenStyle.SolidLine
                self.curves[i][name].setPen(theme.pen(cfg.color, style=style))
                self.curves[i][name].setVisible(cfg.visible)
            self.crosses[i].setPen(pg.mkPen(cfg.color, width=2))
            self.crosses[i].setVisible(cfg.visible)
            self.lr_curves[i].setPen(theme.pen(cfg.color))
            self.lr_curves[i].setVisible(cfg.visible)
        self._legend()

    def _restyle_all(self) -> None:
        for i in range(len(self.curves)):
            self._restyle(i)
        self._legend()

    def _legend(self) -> None:
        """One line per run in its colour; a diverged run says where it stopped."""
        parts = []
        metrics = QtGui.QFontMetrics(theme.font(theme.LABEL_PT, bold=True))
        room = self.legend.width() - 4
        for i, cfg in enumerate(self.c.runs):
            at = self.c.diverged_at(i)
            faded = "" if cfg.visible else "opacity:0.4;"
            name = cfg.label
            # wrap between runs, not inside a name; unless the name alone is wider than the
            # legend (presenting at 1366 px "weight decay 0.01)" ran out of the window)
            shown = f"━━ {name}" + (f" ✗ diverged @ {at}" if at is not None else "")
            if metrics.horizontalAdvance(shown) < room:
                name = name.replace(" ", "&nbsp;")
            entry = f"<span style='color:{cfg.color};font-weight:bold'>━━</span>&nbsp;{name}"
            if at is not None:
                entry += f" <span style='color:#B00020'>✗&nbsp;diverged&nbsp;@&nbsp;{at}</span>"
            if not cfg.visible:
                entry = f"<span style='color:#999999;{faded}'>{entry} (hidden)</span>"
            parts.append(entry)
        html = "&nbsp;&nbsp;&nbsp; ".join(parts)
        text = f"<span style='font-size:{theme.LABEL_PT}pt'>{html}</span>"
        if text != self.legend.text():
            self.legend.setText(text)

    def _redraw(self) -> None:
        self.update_curves(self.c.step)

    def update_curves(self, step: int, force: bool = False) -> None:
        if not self.isVisible() and not force:
            return
        for line in self.cursors:
            line.setValue(step)
        for i, (items, series) in enumerate(zip(self.curves, self.series)):
            run = self.c.trainer.runs[i] if self.c.trainer is not None else None
            if run is None:
                continue
            was = self.c.diverged_at(i)
            for name, _, _ in CURVES:
                s = series[name]
                if s.sync(run.metrics.get(name, [])) or force:
                    items[name].setData(s.x[: s.n], s.y[: s.n])
            if was is not None and not len(self.crosses[i].data):
                end = series["train_loss"].last()
                if end is not None:
                    self.crosses[i].setData([end[0]], [np.log10(max(end[1], 1e-300))])
                self._legend()
        self._loss_range()
        self.frames += 1

    def _loss_range(self) -> None:
        """Log axis over the visible runs that still train (all visible ones if none do),
        with a little room; a diverged run's blow-up runs off the top, its cross marks it."""
        live = [i for i, cfg in enumerate(self.c.runs) if cfg.visible and i < len(self.series)]
        pick = [i for i in live if self.c.diverged_at(i) is None] or live
        lo = min((self.series[i][n].lo for i in pick for n in ("train_loss", "val_loss")), default=math.inf)
        hi = max((self.series[i][n].hi for i in pick for n in ("train_loss", "val_loss")), default=-math.inf)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return
        a, b = math.log10(lo), math.log10(hi)
        pad = max(0.05 * (b - a), 0.05)
        if (a - pad, b + pad) != getattr(self, "_yrange", None):
            self._yrange = (a - pad, b + pad)
            self.loss_plot.setYRange(a - pad, b + pad, padding=0)
