"""Trajectories: one trail per visible run in its colour, a head marker, the iterates
as dots, an X where a diverged run left, the dashed Polyak average, and the legend.

Items are created once per run and only get new arrays (``setData``) on each frame;
a trail whose row did not move (finished or diverged) is not touched at all.
Points are "display points": (x, y) on a 2-D map, (x, f(x)) on a 1-D curve, so the
same layer draws both.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph import functions as fn
from PySide6 import QtCore, QtGui, QtWidgets

from gui import theme
from gui.views.run_style import run_pen

HEAD_SIZE = 13
DOT_SIZE = 4
CROSS_SIZE = 22
LONG_TRAIL = 5000  # beyond this many rows a wide pen costs frames (NOTES.md): draw it thin
MAX_DOTS = 1000  # beyond this many per run the dots merge into a thick line and cost frames
CACHED = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache
UNCACHED = QtWidgets.QGraphicsItem.CacheMode.NoCache


def cache_when_still(item, still: bool) -> None:
    """A line that did not change this frame is drawn from a pixmap of itself: dragging
    one run's slider then strokes one run's line instead of eight (up to 1000 segments
    each). A line that moves draws directly, or every frame would also render a pixmap.
    (Lines only: scatter dots, stamped at fractional positions, would move by a pixel.)"""
    mode = CACHED if still else UNCACHED
    if item.cacheMode() != mode:
        item.setCacheMode(mode)


def exit_row(points: np.ndarray, box) -> int:
    """The last row before the path first leaves ``box`` (x0, x1, y0, y1): where a
    diverged run's X goes, so it is on screen rather than at 1e20."""
    x0, x1, y0, y1 = box
    with np.errstate(invalid="ignore"):
        inside = (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)
    if inside.all():
        return len(points) - 1
    first_out = int(np.argmin(inside))
    return max(first_out - 1, 0)


def display_points(trace, dim: int) -> np.ndarray:
    if dim == 1:
        return np.column_stack([trace.xs[:, 0], trace.loss])
    return trace.xs[:, :2]


class Dots(pg.ScatterPlotItem):
    """A run's iterates (and the runs' heads): pyqtgraph's scatter, painted without the work its dots do not
    need on screen (culling to the view, which Qt's clip does anyway, and per-point
    style lookups): eight of them cost a third of the map's paint on every slider move.
    Exports, hover, a new device pixel ratio or a composition mode take pyqtgraph's path."""

    lean = True  # False: pyqtgraph's own paint and bounds (tests compare the two pictures)
    _rect_key = _rect = None

    def boundingRect(self):
        """pyqtgraph's, remembered: Qt asks several times a paint and each answer maps
        pixel vectors through the view; it changes only with the data, the dot size or
        the view's transform (which pyqtgraph announces through viewTransformChanged)."""
        if not self.lean:
            return super().boundingRect()
        key = (self.dataBounds(ax=0), self.dataBounds(ax=1), self._maxSpotPxWidth)
        if key != self._rect_key or self._rect is None:
            self._rect_key, self._rect = key, super().boundingRect()
        return QtCore.QRectF(self._rect)

    def viewTransformChanged(self):
        self._rect = None
        super().viewTransformChanged()

    def paint(self, p, option, widget):
        atlas = self.fragmentAtlas
        if (not self.lean or self._exportOpts is not False or not self.opts["pxMode"]
                or not self.opts["useCache"] or self.opts["hoverable"]
                or self.opts.get("compositionMode") is not None
                or (widget is not None and widget.devicePixelRatioF() != atlas.devicePixelRatio())):
            super().paint(p, option, widget)
            return
        n = len(self.data)
        if not n:
            return
        pts = fn.transformCoordinates(p.transform(), np.vstack([self.data["x"], self.data["y"]]))
        pts = fn.clip_array(pts, -2 ** 30, 2 ** 30)  # as pyqtgraph: Qt crashes beyond
        p.resetTransform()
        dpr = atlas.devicePixelRatio()
        self._pixmapFragments.resize(n)
        frags = self._pixmapFragments.ndarray()
        frags[:, 0:2] = pts.T
        frags[:, 2:6] = np.frombuffer(self.data["sourceRect"].copy(), dtype=int).reshape((-1, 4))
        frags[:, 6:10] = [1 / dpr, 1 / dpr, 0.0, 1.0]
        p.drawPixmapFragments(*self._pixmapFragments.drawargs(), atlas.pixmap)


class RunItems:
    """The graphics items of one run."""

    def __init__(self, plot: pg.PlotItem):
        self.trail = pg.PlotCurveItem()
        # wide pens stroked as separate segments (drawLines): in Qt's raster engine a 3.5 px
        # trail then costs what a 1 px one does; stroking it as one path is up to 2x slower,
        # antialiased 20-40x (benchmarks/bench_presentation.py)
        self.trail.setSegmentedLineMode("on")
        self.polyak = pg.PlotCurveItem()
        self.dots = Dots(size=DOT_SIZE, pxMode=True)
        self.trail.setZValue(10)
        self.polyak.setZValue(9)
        self.dots.setZValue(11)
        for item in (self.trail, self.polyak, self.dots):
            plot.addItem(item)
        self.shown = -1   # rows drawn so far (-1: nothing)
        self.shown_polyak = -1
        self.shown_dots = -1
        self.cached = False

    def cache_while_still(self, still: bool) -> None:
        """The trail and Polyak lines from a pixmap while the run stands still
        (:func:`cache_when_still`); the dots are not cached: the pixmap sits on whole
        pixels and the dots would move by a pixel here and there."""
        if still == self.cached:
            return
        self.cached = still
        for item in (self.trail, self.polyak):
            cache_when_still(item, still)

    def remove(self, plot: pg.PlotItem) -> None:
        for item in (self.trail, self.polyak, self.dots):
            plot.removeItem(item)


class TrailLayer:
    def __init__(self, plot: pg.PlotItem, legend: pg.LegendItem):
        self.plot = plot
        self.legend = legend
        self.items: list[RunItems] = []
        self.points: list[np.ndarray] = []
        self.polyak: list[np.ndarray | None] = []
        self.exits: list[int | None] = []  # diverged runs: the row where the X goes
        self.heads = Dots(pxMode=True)  # the same lean paint: the heads move on every frame
        self.heads.setZValue(20)
        self.crosses = pg.ScatterPlotItem(pxMode=True)
        self.crosses.setZValue(21)
        plot.addItem(self.heads)
        plot.addItem(self.crosses)
        self._legend_key = None
        # ScatterPlotItem caches rendered symbols by the *identity* of pens and brushes:
        # a new QPen per frame grows that cache without bound, so each colour gets one.
        self._brushes: dict[str, QtGui.QBrush] = {}
        self._cross_pens: dict[str, QtGui.QPen] = {}
        self.width = 1.0
        self.show_dots = True

    # -- structure ---------------------------------------------------------------------------

    def set_count(self, n: int) -> None:
        while len(self.items) < n:
            self.items.append(RunItems(self.plot))
        while len(self.items) > n:
            self.items.pop().remove(self.plot)
        self.points = (self.points + [np.empty((0, 2))] * n)[:n]
        self.polyak = (self.polyak + [None] * n)[:n]
        self.exits = (self.exits + [None] * n)[:n]

    def set_style(self, i: int, run) -> bool:
        """Pens and visibility of run ``i``; True if anything changed."""
        items = self.items[i]
        key = (run.color, run.visible, self.width, theme.LINE_SCALE, theme.MARKER_SCALE, run.branched)
        if getattr(items, "style", None) == key:
            return False
        items.style = key
        color = QtGui.QColor(run.color)
        items.thin = False
        items.trail.setPen(run_pen(run, self.width))
        items.polyak.setPen(theme.pen(color, self.width, QtCore.Qt.PenStyle.DashLine))
        items.dots.setBrush(self._brush(run.color))
        items.dots.setSize((DOT_SIZE + 1.5 * self.width) * theme.MARKER_SCALE)  # stay visible on a wide trail
        items.dots.setPen(None)
        if items.trail.isVisible() != run.visible:
            for item in (items.trail, items.polyak, items.dots):
                item.setVisible(run.visible)
            items.shown = items.shown_polyak = items.shown_dots = -1
        return True

    def set_points(self, i: int, points: np.ndarray, polyak: np.ndarray | None, exit_at: int | None = None) -> None:
        self.points[i] = points
        self.polyak[i] = polyak
        self.exits[i] = exit_at
        items = self.items[i]
        items.shown = items.shown_polyak = items.shown_dots = -1
        if polyak is None:
            items.polyak.setData([], [])

    # -- per frame ---------------------------------------------------------------------------

    def draw(self, step: int, runs, statuses) -> None:
        """Show every trail up to ``step`` (rows 0..step), heads and divergence marks."""
        head_pos, head_brush, cross_pos, cross_pen = [], [], [], []
        for i, (items, pts, run) in enumerate(zip(self.items, self.points, runs)):
            if not len(pts):
                continue
            n = min(step, len(pts) - 1) + 1
            if run.visible:
                want = n if self.show_dots and n <= MAX_DOTS else 0
                poly = self.polyak[i]
                items.cache_while_still(n == items.shown and want == items.shown_dots
                                        and (poly is None or n == items.shown_polyak))
                if n != items.shown:
                    thin = n > LONG_TRAIL and self.width > 1.0
                    if thin != getattr(items, "thin", False):
                        items.thin = thin
                        items.trail.setPen(run_pen(run, 1.0 if thin else self.width))
                    items.trail.setData(pts[:n, 0], pts[:n, 1])
                    items.shown = n
                if want > items.shown_dots > 0 and want - items.shown_dots < items.shown_dots:
                    # playing forward: add only the new iterates (setData would rebuild all)
                    items.dots.addPoints(pos=pts[items.shown_dots:want])
                    items.shown_dots = want
                elif want != items.shown_dots:
                    items.dots.setData(pos=pts[:want])
                    items.shown_dots = want
                if items.dots.isVisible() != (want > 0):  # an empty scatter still costs a paint
                    items.dots.setVisible(want > 0)
                if poly is not None and n != items.shown_polyak:
                    items.polyak.setData(poly[:n, 0], poly[:n, 1])
                    items.shown_polyak = n
                head_pos.append(pts[n - 1])
                head_brush.append(self._brush(run.color))
                leaves = self.exits[i] if self.exits[i] is not None else len(pts) - 1
                if statuses[i] == "diverged" and (n == len(pts) or n - 1 > leaves):
                    cross_pos.append(pts[min(leaves, n - 1)])
                    cross_pen.append(self._cross_pen(run.color))
        self.heads.setData(pos=np.array(head_pos).reshape(-1, 2), brush=head_brush,
                           size=HEAD_SIZE * theme.MARKER_SCALE, pen=theme.outline_pen(), symbol="o")
        if cross_pos or len(self.crosses.data):  # most scenes have none: no work, no paint
            self.crosses.setData(pos=np.array(cross_pos).reshape(-1, 2), pen=cross_pen, brush=None,
                                 size=CROSS_SIZE * theme.MARKER_SCALE, symbol="x")
        self.crosses.setVisible(bool(cross_pos))

    def _brush(self, color: str) -> QtGui.QBrush:
        if color not in self._brushes:
            self._brushes[color] = pg.mkBrush(color)
        return self._brushes[color]

    def _cross_pen(self, color: str) -> QtGui.QPen:
        if color not in self._cross_pens:
            self._cross_pens[color] = pg.mkPen(color, width=3)
        return self._cross_pens[color]

    # -- legend ------------------------------------------------------------------------------

    def update_legend(self, runs, labels, extras=()) -> None:
        """``labels[i]`` per run; ``extras`` are (sample item, text) pairs (minima kinds).

        Rebuilt only when colours, visibility or the extras change; a new label (a
        slider moved the lr in "Adam (lr 0.01)") is set in place, which is ~50x cheaper.
        """
        shown = [(r.color, lab) for r, lab in zip(runs, labels) if r.visible]
        structure = (tuple(c for c, _ in shown), tuple(t for _, t in extras))
        if structure == self._legend_key and len(self.legend.items) == len(shown) + len(extras):
            for (_sample, label_item), (_c, text) in zip(self.legend.items, shown):
                if label_item.text != text:
                    label_item.setText(text)
            return
        self._legend_key = structure
        self.legend.clear()
        for color, label in shown:
            # a thick stand-in: the legend must show the colour from the back of the room
            self.legend.addItem(pg.PlotDataItem(pen=theme.pen(color, 4.0)), label)
        for sample, text in extras:
            self.legend.addItem(sample, text)
