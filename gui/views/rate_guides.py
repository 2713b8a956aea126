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
        self._ends: list[tuple[pg.TextItem, float, float]] = []  # (label, x, y) of each line's end
        # presentation mode shrinks the plot and grows the text: place the labels again
        plot.vb.sigResized.connect(self._place)
        plot.vb.sigYRangeChanged.connect(self._place)

    def draw(self, guides, series, colors, x_max: float) -> None:
        """``series``: per run ``(x, y, rows)`` in plot coordinates (log10 of both);
        ``guides``: ``[(run, exponent), ...]``; an empty list takes them all away."""
        shown = 0
        self._ends = []
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
            self._ends.append((label, float(xs[-1]), float(ya + p * (xs[-1] - xa))))
            line.show()
            label.show()
            shown += 1
        for item in self.lines[shown:] + self.labels[shown:]:
            item.hide()
        self._place()

    def _place(self, *_args) -> None:
        taken: list[tuple[float, float]] = []  # (bottom, top) of the labels placed so far
        for label, x_end, y_end in self._ends:
            label.setAnchor((1.0, 0.0))  # placed by its top edge
            label.setPos(x_end, self._top(label, y_end, taken))

    def _top(self, label, y_end: float, taken: list) -> float:
        """Where ``label``'s top edge goes: under the end of its falling line, unless that
        leaves the plot (then over it); moved past a label already placed, since all of
        them end at the same x and on a short plot (presentation) two ends lie close."""
        lo, hi = self.plot.vb.viewRange()[1]
        pixels = max(self.plot.vb.height(), 1.0)
        h = max(TEXT_SHARE, label.boundingRect().height() / pixels) * (hi - lo)
        top = y_end if y_end - h > lo else y_end + h
        for bottom, above in sorted(taken, reverse=True):  # from the top down
            if top > bottom and top - h < above:
                top = bottom if bottom - h > lo else above + h
        taken.append((top - h, top))
        return top

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
