"""Small pyqtgraph helpers the classification views share: a log axis that labels
1-2-5 ticks only and cached axes (redraws are throttled with gui.throttle).

Why the cache: an AxisItem that draws the grid covers the whole plot, so every curve
update made Qt replay its QPicture (tick labels included); profiling the live pane put
that at ~1 ms per axis per frame, more than the curves. With DeviceCoordinateCache an
unchanged axis is one pixmap blit.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6 import QtWidgets


class LogAxis(pg.AxisItem):
    """In log mode, ticks at 1, 2 and 5 times powers of ten, written as plain numbers
    (pyqtgraph's default labels every minor tick, which piles up on short axes)."""

    def tickValues(self, minVal, maxVal, size):
        if not self.logMode:
            return super().tickValues(minVal, maxVal, size)
        lo, hi = math.floor(minVal), math.ceil(maxVal)
        decades = [float(d) for d in range(lo, hi + 1) if minVal <= d <= maxVal]
        minor = [d + math.log10(m) for d in range(lo, hi + 1) for m in (2, 5) if minVal <= d + math.log10(m) <= maxVal]
        room = max(int(size / 28), 2)  # labels need ~28 px each
        if len(decades) >= room:
            step = math.ceil(len(decades) / room)
            return [(1.0, decades[::step])]
        if len(decades) + len(minor) <= room:
            return [(1.0, sorted(decades + minor))]
        return [(1.0, decades), (None, minor)]

    def tickStrings(self, values, scale, spacing):
        if not self.logMode:
            return super().tickStrings(values, scale, spacing)
        return [f"{10 ** v:.3g}" for v in values]


def cache_axes(plot: pg.PlotItem) -> None:
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        axis.enableAutoSIPrefix(False)


_BRUSHES: dict = {}


def brush(color):
    """One QBrush per colour: ScatterPlotItem caches symbol pictures by the brush's
    identity, so a fresh brush per frame would grow that cache without bound."""
    if color not in _BRUSHES:
        _BRUSHES[color] = pg.mkBrush(color)
    return _BRUSHES[color]
