"""Trajectories: one trail per visible run in its colour, a head marker, the iterates
as dots, the dashed Polyak average, and the legend. A run that leaves the view for
good (diverged, escaped) ends at the view's edge with an arrow the way it went and
its ending written there ("diverged at step 88"), once the playback gets that far.

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
from gui.views.line_style import styled_pen, symbol
from gui.views.run_style import run_pen

HEAD_SIZE = 13
DOT_SIZE = 4
CROSS_SIZE = 22
LONG_TRAIL = 5000  # beyond this many rows a wide pen costs frames (NOTES.md): draw it thin
MAX_DOTS = 1000  # beyond this many per run the dots merge into a thick line and cost frames
SETTLE = 64  # a run's dots and solid trail settle into items drawn from a pixmap in blocks of this many rows
MARKED = ("diverged", "escaped", "left")  # endings written on the map where the run left it
CACHED = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache
UNCACHED = QtWidgets.QGraphicsItem.CacheMode.NoCache


def cache_when_still(item, still: bool) -> None:
    """An item that did not change this frame is drawn from a pixmap of itself: dragging
    one run's slider then strokes one run's line instead of eight (up to 1000 segments
    each) and blits its dots instead of placing them one by one (~3k instructions a dot
    in Qt's raster engine). An item that moves draws directly, or every frame would also
    render a pixmap. The pixmap shows the same pixels, but for the dots' anti-aliased
    edges, blended twice: at most one level of 255 apart."""
    mode = CACHED if still else UNCACHED
    if item.cacheMode() != mode:
        item.setCacheMode(mode)



class ThinLine(pg.PlotCurveItem):
    """A curve drawn as 1-px polylines. In Qt's raster engine a thin polyline costs about
    half of the separate segments pyqtgraph draws (``setSegmentedLineMode``, kept for
    presentation's wide pens) or of its path, and a dash pattern runs on along the line
    instead of starting again at every step. A pen up to ``STAMPED`` px wide (the
    selected run's 2 px) is the 1-px polyline drawn at a few pixel offsets (``STAMPS``):
    about the band of pixels of the stroked line, where Qt's stroker spent ~10x a thin
    polyline's work on 1000 wide segments (callgrind: ~40% of an lr drag's plot painting,
    for the map's and the loss plot's selected curves). Not antialiased (the item's
    setting, off by default), so the pixmap a still line is cached in
    (``cache_when_still``) shows the same pixels. Wider pens, fills, gaps and exports take
    pyqtgraph's own paint."""

    THIN = 1.01
    # (pen width up to, pixel offsets): 1.5 px (the loss plot's selected curve) as two, one
    # above the other; 2 px as an L of three. Each inks about as many pixels as its stroke.
    STAMPS = ((1.75, ((0.0, 0.0), (0.0, 1.0))), (2.01, ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0))))
    STAMPED = STAMPS[-1][0]  # wider: pyqtgraph's stroke

    def paint(self, p, opt, widget):
        pen = self.opts["pen"]
        x, y = self.xData, self.yData
        if x is None or not len(x):
            return None  # as pyqtgraph's paint does first; the map's eight empty Polyak lines
        width = pen.widthF()
        if (self._exportOpts is not False or width > self.STAMPED or len(x) < 2
                or self.opts["fillLevel"] is not None or self.opts["shadowPen"] is not None
                or not (np.isfinite(x).all() and np.isfinite(y).all())):  # gaps: pyqtgraph's paths
            return super().paint(p, opt, widget)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, bool(self.opts["antialias"]))
        line = fn.arrayToQPolygonF(x, y)
        if width <= self.THIN:
            p.setPen(pen)
            p.drawPolyline(line)
            return None
        thin = QtGui.QPen(pen)
        thin.setWidthF(1.0)
        thin.setCosmetic(True)
        p.setPen(thin)
        base = p.transform()
        stamps = next(offsets for upto, offsets in self.STAMPS if width <= upto)
        for dx, dy in stamps:  # pixel offsets on the device, whatever the zoom
            p.setTransform(base * QtGui.QTransform.fromTranslate(dx, dy))
            p.drawPolyline(line)
        p.setTransform(base)
        return None


def whole_blocks(rows: int) -> int:
    """``rows`` rounded down to whole blocks of SETTLE: the part that has settled."""
    return rows - rows % SETTLE


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
        """pyqtgraph's, remembered: Qt asks several times a paint (~56 times a slider move
        over the map's dots) and each answer maps pixel vectors through the view. It
        changes only with the data, the dot size or the view's transform, and pyqtgraph
        starts a new ``bounds`` list on each of them (addPoints, setData, the spots' sizes,
        viewTransformChanged): that list is the key, held so its identity is not reused.
        Comparing the data bounds themselves cost two dataBounds calls an ask."""
        if not self.lean:
            return super().boundingRect()
        if self._rect is None or self._rect_key is not self.bounds:
            self._rect_key, self._rect = self.bounds, super().boundingRect()
        return QtCore.QRectF(self._rect)

    def viewTransformChanged(self):
        self._rect = None
        super().viewTransformChanged()

    def set_points(self, pos: np.ndarray) -> None:
        """``setData(pos=pos)``, but as many points as before are moved in place, keeping
        each point's style: a slider moved a run (its iterates moved, their number did
        not), a frame moved the heads. pyqtgraph's setData makes new per-point records,
        their five object fields set to None one by one, and looks each style up again:
        ~4% of an lr drag's instructions for the moved run's dots."""
        if len(pos) != len(self.data) or not len(pos):
            self.setData(pos=pos)
            return
        self.data["x"] = pos[:, 0]
        self.data["y"] = pos[:, 1]
        # what setData announces after new points: the bounds, the view's auto-range, a repaint
        self.prepareGeometryChange()
        self.informViewBoundsChanged()
        self.bounds = [None, None]
        self.invalidate()
        self.sigPlotChanged.emit(self)

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


class IterateDots(Dots):
    """A run's iterates: one symbol, size, pen and brush for all of them (the item's own,
    from setSymbol/setSize/setPen/setBrush), given by position only. pyqtgraph looks each
    point's style up in its symbol atlas, a Python tuple per point (~0.5 ms for 1000
    iterates, on every slider move); here one lookup serves them all."""

    def updateSpots(self, dataSet=None):
        if dataSet is None:
            dataSet = self.data
        if not (self.lean and self.opts["pxMode"] and self.opts["useCache"]):
            super().updateSpots(dataSet)
            return
        rects = dataSet["sourceRect"]
        todo = rects["w"] == 0
        if todo.any():
            o = self.opts
            rects[todo] = self.fragmentAtlas[[(o["symbol"], o["size"], o["pen"], o["brush"])]][0]
            self._maybeRebuildAtlas()
            self.invalidate()
        self._updateMaxSpotSizes(data=dataSet)


class RunItems:
    """The graphics items of one run."""

    def __init__(self, plot: pg.PlotItem):
        self.trail = ThinLine()
        # wide pens stroked as separate segments (drawLines): in Qt's raster engine a 3.5 px
        # trail then costs what a 1 px one does; stroking it as one path is up to 2x slower,
        # antialiased 20-40x (benchmarks/bench_presentation.py). Thin ones: ThinLine.
        self.trail.setSegmentedLineMode("on")
        # a solid trail in two pieces, as the dots: rows up to the last whole block of
        # SETTLE in ``settled_trail`` (from its pixmap while playing forward), the rest in ``trail``
        self.settled_trail = ThinLine()
        self.settled_trail.setSegmentedLineMode("on")
        self.polyak = ThinLine()
        # the dots in two items: whole blocks of SETTLE in ``dots``, which playing forward
        # changes once every SETTLE frames and otherwise blits its pixmap, and the last few
        # in ``fresh``, the only ones placed dot by dot on every frame
        self.dots = IterateDots(size=DOT_SIZE, pxMode=True)
        self.fresh = IterateDots(size=DOT_SIZE, pxMode=True)
        self.trail.setZValue(10)
        self.settled_trail.setZValue(10)
        self.polyak.setZValue(12)  # over the noisy iterates it averages: the average is the point
        self.dots.setZValue(11)
        self.fresh.setZValue(11)
        for item in (self.trail, self.settled_trail, self.polyak, self.dots, self.fresh):
            plot.addItem(item)
        # the ending mark: an arrow head at the last point in view and the ending's text
        self.arrow = pg.ArrowItem(pxMode=True, tipAngle=40, tailLen=0)
        self.label = pg.TextItem(anchor=(0, 1))
        for item in (self.arrow, self.label):
            item.setZValue(22)
            item.setVisible(False)
            plot.addItem(item, ignoreBounds=True)
        self.mark_key = None
        self.mark_rect = None  # (left, top, width, height) of the ending's text in scene pixels
        self.shown = -1   # rows drawn so far (-1: nothing)
        self.shown_polyak = -1
        self.shown_dots = -1
        self.shown_dots_settled = -1  # of those, the ones in ``dots`` (the rest in ``fresh``)
        self.shown_cut = -1  # the row where the settled trail ends and ``trail`` begins
        self.solid = False  # a solid line can be drawn in two pieces (set_style)
        self.cached = False

    def cache_while_still(self, still: bool) -> None:
        """The trail, the Polyak line and the fresh dots from a pixmap while the run
        stands still (:func:`cache_when_still`); the settled dots keep theirs until
        their block changes (:meth:`TrailLayer.draw`)."""
        if still == self.cached:
            return
        self.cached = still
        for item in (self.trail, self.polyak, self.fresh):
            cache_when_still(item, still)

    def remove(self, plot: pg.PlotItem) -> None:
        for item in (self.trail, self.settled_trail, self.polyak, self.dots, self.fresh, self.arrow, self.label):
            plot.removeItem(item)

    def trail_points(self) -> tuple[np.ndarray, np.ndarray]:
        """x and y of the whole trail drawn, the settled piece and the rest joined."""
        x0, y0 = self.settled_trail.getData()
        x1, y1 = self.trail.getData()
        if x0 is None or not len(x0):
            return x1, y1
        return np.concatenate([x0, x1[1:]]), np.concatenate([y0, y1[1:]])


class TrailLayer:
    def __init__(self, plot: pg.PlotItem, legend: pg.LegendItem):
        self.plot = plot
        self.legend = legend
        self.items: list[RunItems] = []
        self.points: list[np.ndarray] = []
        self.polyak: list[np.ndarray | None] = []
        self.exits: list[int | None] = []  # runs that left the view: their last row in it
        self.endings: list = []  # engine.endings.Ending or None, per run
        self.directions: list = []  # where a run went when it left: (dx, dy) in data units
        self.heads = Dots(pxMode=True)  # the same lean paint: the heads move on every frame
        self.heads.setZValue(20)
        self.crosses = pg.ScatterPlotItem(pxMode=True)
        self.crosses.setZValue(21)
        plot.addItem(self.heads)
        plot.addItem(self.crosses)
        self._legend_key = None
        self._head_style = None  # the heads' brushes, symbols, outline and size as last set
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
        self.endings = (self.endings + [None] * n)[:n]
        self.directions = (self.directions + [None] * n)[:n]

    def set_style(self, i: int, run) -> bool:
        """Pens and visibility of run ``i``; True if anything changed."""
        items = self.items[i]
        key = (run.color, run.visible, run.dash, run.marker, self.width, theme.LINE_SCALE, theme.MARKER_SCALE,
               run.branched)
        if getattr(items, "style", None) == key:
            return False
        items.style = key
        color = QtGui.QColor(run.color)
        items.thin = False
        items.solid = run.dash == "solid" and not run.branched
        items.shown = items.shown_cut = -1  # the pieces are cut again with the new style
        for line in (items.trail, items.settled_trail):
            line.setPen(run_pen(run, self.width))
            # drawn as separate segments a dash pattern restarts at every iterate (looks solid
            # where steps are short); stroke a dashed trail as one path
            line.setSegmentedLineMode("on" if items.solid else "off")
        # the average must differ from its own run's trail: a darker shade and another dash
        items.polyak.setPen(styled_pen(color.darker(170), 1.5 * self.width, "dot" if run.dash == "dash" else "dash"))
        for dots in (items.dots, items.fresh):
            dots.setBrush(self._brush(run.color))
            dots.setSymbol(symbol(run.marker))
            dots.setSize((DOT_SIZE + 1.5 * self.width) * theme.MARKER_SCALE)  # stay visible on a wide trail
            dots.setPen(None)
        if items.trail.isVisible() != run.visible:
            for item in (items.trail, items.settled_trail, items.polyak, items.dots, items.fresh):
                item.setVisible(run.visible)
            items.shown = items.shown_polyak = items.shown_dots = items.shown_dots_settled = items.shown_cut = -1
        return True

    def set_points(self, i: int, points: np.ndarray, polyak: np.ndarray | None, ending=None) -> None:
        """``points``: every row of the run; with an ``ending`` that left the view the trail
        keeps the rows up to its last one in the view and remembers the way it went."""
        direction = None
        exit_at = ending.exit_row if ending is not None else None
        if exit_at is not None and exit_at < len(points) - 1:
            with np.errstate(all="ignore"):
                direction = points[exit_at + 1] - points[exit_at]
            if not np.all(np.isfinite(direction)) or not np.any(direction):
                direction = None
            points = points[: exit_at + 1]
            if polyak is not None:
                polyak = polyak[: exit_at + 1]
        self.points[i] = points
        self.polyak[i] = polyak
        self.exits[i] = exit_at
        self.endings[i] = ending
        self.directions[i] = direction
        items = self.items[i]
        items.shown = items.shown_polyak = items.shown_dots = items.shown_dots_settled = items.shown_cut = -1
        if polyak is None:
            items.polyak.setData([], [])

    # -- per frame ---------------------------------------------------------------------------

    def draw(self, step: int, runs, statuses) -> None:
        """Show every trail up to ``step`` (rows 0..step), heads and divergence marks."""
        head_pos, head_brush, head_symbol, cross_pos, cross_pen = [], [], [], [], []
        slot = 0  # ending labels shown so far: each next one is stacked below the last
        for i, (items, pts, run) in enumerate(zip(self.items, self.points, runs)):
            if not len(pts):
                continue
            n = min(step, len(pts) - 1) + 1
            if run.visible:
                want = n if self.show_dots and n <= MAX_DOTS else 0
                settled = whole_blocks(want)
                poly = self.polyak[i]
                items.cache_while_still(n == items.shown and want == items.shown_dots
                                        and (poly is None or n == items.shown_polyak))
                cache_when_still(items.dots, settled == items.shown_dots_settled)
                # a dash pattern would start again where the pieces meet: dashed trails whole
                cut = whole_blocks(n - 1) if items.solid else 0
                cache_when_still(items.settled_trail, cut == items.shown_cut)
                if n != items.shown:
                    thin = n > LONG_TRAIL and self.width > 1.0
                    if thin != getattr(items, "thin", False):
                        items.thin = thin
                        for line in (items.trail, items.settled_trail):
                            line.setPen(run_pen(run, 1.0 if thin else self.width))
                    if cut != items.shown_cut:
                        rows = pts[:cut + 1] if cut else pts[:0]
                        items.settled_trail.setData(rows[:, 0], rows[:, 1])
                        items.shown_cut = cut
                    items.trail.setData(pts[cut:n, 0], pts[cut:n, 1])  # from the settled piece's end
                    items.shown = n
                if settled != items.shown_dots_settled:
                    items.dots.set_points(pts[:settled])
                    items.fresh.set_points(pts[settled:want])
                elif want > items.shown_dots >= settled:
                    # playing forward: add only the new iterates (setData would rebuild all)
                    items.fresh.addPoints(pos=pts[items.shown_dots:want])
                elif want != items.shown_dots:
                    items.fresh.set_points(pts[settled:want])
                items.shown_dots_settled, items.shown_dots = settled, want
                for item, shown in ((items.dots, settled > 0), (items.fresh, want > settled),
                                    (items.polyak, poly is not None)):
                    if item.isVisible() != shown:  # an empty item still costs every paint
                        item.setVisible(shown)
                if poly is not None and n != items.shown_polyak:
                    items.polyak.setData(poly[:n, 0], poly[:n, 1])
                    items.shown_polyak = n
                head_pos.append(pts[n - 1])
                head_brush.append(self._brush(run.color))
                head_symbol.append(symbol(run.marker))
                ending = self.endings[i]
                if ending is not None and ending.kind in MARKED and self.directions[i] is None \
                        and step >= ending.step:
                    # it ended inside the view (non-finite there): an X where it stopped
                    cross_pos.append(pts[-1])
                    cross_pen.append(self._cross_pen(run.color))
            slot = self._mark(i, step, run, slot)
        head_pos = np.array(head_pos).reshape(-1, 2)
        style = (head_brush, head_symbol, theme.outline_pen(), HEAD_SIZE * theme.MARKER_SCALE)
        if style == self._head_style and len(head_pos) == len(self.heads.data):
            # the same runs shown the same way (brushes and pens compare by value): only moved
            self.heads.set_points(head_pos)
        else:
            self.heads.setData(pos=head_pos, brush=head_brush, size=style[3], pen=style[2], symbol=head_symbol)
            self._head_style = style
        if cross_pos or len(self.crosses.data):  # most scenes have none: no work, no paint
            self.crosses.setData(pos=np.array(cross_pos).reshape(-1, 2), pen=cross_pen, brush=None,
                                 size=CROSS_SIZE * theme.MARKER_SCALE, symbol="x")
        self.crosses.setVisible(bool(cross_pos))

    def refresh_marks(self, step: int, runs) -> None:
        """Place the ending marks again (the view's range or aspect changed)."""
        slot = 0
        for i, run in enumerate(runs[: len(self.items)]):
            self.items[i].mark_key = None
            slot = self._mark(i, step, run, slot)

    def ends_on_map(self, i: int, run) -> bool:
        """Whether run ``i``'s ending (diverged, escaped, left) is written on the map once
        the playback reaches it (the theory card keeps clear of it from step 0)."""
        ending = self.endings[i] if i < len(self.endings) else None
        return (run.visible and ending is not None and ending.kind in MARKED
                and i < len(self.points) and len(self.points[i]) > 0)

    def _mark(self, i: int, step: int, run, slot: int) -> int:
        """The ending's arrow and text at the last point in view, from the step the
        playback reaches it; nothing before (the legend and the map do not tell the end).
        Returns the next free label slot."""
        items, ending, pts = self.items[i], self.endings[i], self.points[i]
        show = self.ends_on_map(i, run) and step >= ending.step
        key = None
        if show:
            x, y = float(pts[-1][0]), float(pts[-1][1])
            (x0, x1), (y0, y1) = self.plot.vb.viewRange()
            outward = np.array([x - (x0 + x1) / 2, y - (y0 + y1) / 2])
            direction = self.directions[i]
            if direction is None or float(np.dot(direction, outward)) <= 0:
                # a run that blows up oscillating jumps across the map: show it heading
                # off the map from where it left, not back across it
                direction = outward if np.any(outward) else None
            angle = None if direction is None else self._screen_angle(direction)
            # the marks placed before this one: it keeps clear of them, and moves when they do
            others = tuple(self.items[j].mark_rect for j in range(i) if self.items[j].mark_rect is not None)
            key = (ending.text, x, y, run.color, theme.INK, theme.MARKER_SCALE, angle, slot, others)
        if key != items.mark_key:
            items.mark_key = key
            items.arrow.setVisible(show and key[6] is not None)
            items.label.setVisible(show)
            items.mark_rect = None
            if show:
                self._place_mark(items, ending, run, x, y, angle, slot, others)
        return slot + 1 if show else slot

    def _place_mark(self, items, ending, run, x, y, angle, slot, others=()) -> None:
        if angle is not None:
            items.arrow.setStyle(angle=angle, headLen=18 * theme.MARKER_SCALE, headWidth=14 * theme.MARKER_SCALE,
                                 brush=self._brush(run.color), pen=theme.outline_pen())
            items.arrow.setPos(x, y)
        # the text behind the arrow (away from where it points), inside the map; the k-th
        # label one line further in, so runs leaving at the same place stay readable
        rad = np.radians(angle if angle is not None else 0.0)
        points_right, points_up = -np.cos(rad) > 0.3, -np.sin(rad) < 0
        ax = 1.0 if points_right else 0.0
        ay = (-0.25 - 1.1 * slot) if points_up else (1.25 + 1.1 * slot)
        items.label.setHtml(f"<span style='color:{theme.INK}; font-size:{theme.LABEL_PT}pt;'>"
                            f"<b style='color:{run.color}'>{ending.symbol}</b> "
                            f"{ending.text}</span>")
        anchor, rect = self._anchor_inside(items.label, x, y, ax, ay, others)
        items.label.setAnchor(anchor)
        items.mark_rect = rect
        items.label.fill = pg.mkBrush(QtGui.QColor(theme.BACKGROUND))
        items.label.border = pg.mkPen(run.color, width=1.5)
        items.label.setPos(x, y)
        items.label.update()

    def _anchor_inside(self, label, x, y, ax, ay, others=()):
        """The anchor nearest (ax, ay) that keeps ``label`` inside the map and off the marks
        placed before it (``others``: (left, top, width, height) in scene pixels), with
        the rectangle it then takes. A mark is as wide as a third of a 1280x800
        projector's map: one beside a point halfway across ran off its edge ("↗ escaped
        at ste"), and pushed back inside, it landed on its neighbour's."""
        box = self.plot.vb.sceneBoundingRect().adjusted(4, 4, -4, -4)
        at = self.plot.vb.mapViewToScene(QtCore.QPointF(x, y))
        size = label.textItem.boundingRect()
        w, h = max(size.width(), 1.0), max(size.height(), 1.0)

        def clamp(a, point, lo_edge, hi_edge, extent):
            # the label spans point - a extent .. point + (1 - a) extent
            lo, hi = (point + extent - hi_edge) / extent, (point - lo_edge) / extent
            return (lo + hi) / 2 if lo > hi else min(max(a, lo), hi)

        left = at.x() - clamp(ax, at.x(), box.left(), box.right(), w) * w
        top = at.y() - clamp(ay, at.y(), box.top(), box.bottom(), h) * h
        placed = [QtCore.QRectF(*o) for o in others]
        gap = 3.0
        # where it wants to be, else just below or above a mark in the way, nearest first
        tops = [top] + sorted({t for o in placed for t in (o.bottom() + gap, o.top() - gap - h)},
                              key=lambda t: abs(t - top))
        for t in tops:
            rect = QtCore.QRectF(left, t, w, h)
            if box.top() <= t and t + h <= box.bottom() and not any(rect.intersects(o) for o in placed):
                top = t
                break
        anchor = ((at.x() - left) / w, (at.y() - top) / h)
        return anchor, (left, top, w, h)

    def _screen_angle(self, direction) -> float:
        """ArrowItem's angle (0 points left, screen y down) for a data-space direction."""
        px, py = self.plot.vb.viewPixelSize()  # data units per pixel
        sx = float(direction[0]) / (px or 1.0)
        sy = -float(direction[1]) / (py or 1.0)
        return round(float(np.degrees(np.arctan2(-sy, -sx))), 1)

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
        shown = [((r.color, r.dash, r.marker), lab) for r, lab in zip(runs, labels) if r.visible]
        structure = (tuple(c for c, _ in shown), tuple(t for _, t in extras))
        if structure == self._legend_key and len(self.legend.items) == len(shown) + len(extras):
            for (_sample, label_item), (_c, text) in zip(self.legend.items, shown):
                if label_item.text != text:
                    label_item.setText(text)
            return
        self._legend_key = structure
        self.legend.clear()
        for (color, dash, marker), label in shown:
            # a thick stand-in: the legend must show the colour from the back of the room,
            # and the dash and marker that tell the run apart without colour
            sample = pg.PlotDataItem(pen=styled_pen(color, 4.0 if dash == "solid" else 3.0, dash),
                                     symbol=symbol(marker), symbolBrush=self._brush(color),
                                     symbolPen=theme.outline_pen(), symbolSize=10 * theme.MARKER_SCALE)
            self.legend.addItem(sample, label)
        for sample, text in extras:
            self.legend.addItem(sample, text)
        for sample, label in self.legend.items:
            # each row from a pixmap of itself: laying out and drawing eight rich-text labels
            # cost ~0.8 ms of every paint of the map; a label set in place redraws its own
            sample.setCacheMode(CACHED)
            label.item.setCacheMode(CACHED)
