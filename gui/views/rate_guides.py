"""Rate guides on the signal plot: a dashed line ∝ T^p through a run's own curve.

Seed 003 states rates, not curves: gradient descent's f(x_T) − f* = O(1/T), SGD's
O(1/√T). On log-log axes a rate is a slope, so a guide drawn through each run (at
T = 10, where every run has begun and none has finished) lets a class compare slopes
rather than heights. The scene asks for them with ``display.signal_slopes``
(``"1:-1, 2:-0.5"``, engine.signals.parse_slopes); they show only when both axes are
logarithmic, where a power law is a straight line.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from engine.signals import slope_label
from gui import theme

ANCHOR_X = 1.0  # log10 of the update the guide passes through: T = 10
TEXT_SHARE = 0.12  # about a label's height, as a share of the plot's y range


class RateGuides:
    """The dashed guides and their labels on ``plot`` (a pyqtgraph PlotItem)."""

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.lines: list[pg.PlotCurveItem] = []
        self.labels: list[pg.TextItem] = []

    def draw(self, guides, series, colors, x_max: float) -> None:
        """``series``: per run ``(x, y, rows)`` in plot coordinates (log10 of both);
        ``guides``: ``[(run, exponent), ...]``; an empty list takes them all away."""
        shown = 0
        for run, p in guides:
            if not 0 <= run < len(series) or not len(series[run][0]):
                continue
            x, y, _rows = series[run]
            k = int(np.argmin(np.abs(x - ANCHOR_X)))
            xa, ya = float(x[k]), float(y[k])
            xs = np.array([0.0, max(x_max, xa)])
            line, label = self._item(shown)
            line.setData(xs, ya + p * (xs - xa))
            line.setPen(theme.pen(colors[run], 1.6, QtCore.Qt.PenStyle.DashLine, alpha=200))
            label.setText(slope_label(p), color=theme.readable(colors[run]))
            label.setFont(theme.font(theme.LABEL_PT))  # presentation mode scales it
            backing = pg.mkColor(theme.BACKGROUND)
            backing.setAlpha(210)
            label.fill = pg.mkBrush(backing)
            y_end = float(ya + p * (xs[-1] - xa))
            lo, hi = self.plot.vb.viewRange()[1]
            # under the end of a falling line, unless that leaves the plot (then over it)
            room_below = y_end - TEXT_SHARE * (hi - lo) > lo
            label.setAnchor((1.0, 0.0) if room_below else (1.0, 1.0))
            label.setPos(float(xs[-1]), y_end)
            line.show()
            label.show()
            shown += 1
        for item in self.lines[shown:] + self.labels[shown:]:
            item.hide()

    def _item(self, i: int):
        while len(self.lines) <= i:
            line = pg.PlotCurveItem()
            line.setZValue(-2)  # under the runs' own curves
            label = pg.TextItem(anchor=(1.0, 0.0))  # on a backing: it reads over the curves
            self.plot.addItem(line)
            self.plot.addItem(label)
            self.lines.append(line)
            self.labels.append(label)
        return self.lines[i], self.labels[i]

    def visible(self) -> list[tuple[str, float]]:
        """(label, slope on screen) of each guide shown: what the tests read."""
        out = []
        for line, label in zip(self.lines, self.labels):
            if line.isVisible():
                xs, ys = line.getData()
                out.append((label.toPlainText(), float((ys[-1] - ys[0]) / (xs[-1] - xs[0]))))
        return out
