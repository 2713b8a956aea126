"""The loss surface with the runs on it: the centre of the window.

2-D: a heat map of f (log-scaled colours when the range spans decades) with a
colour bar, log-spaced contour lines, the known minima as stars (filled: global,
hollow: local), saddles as diamonds, the start point as a draggable target, and
the trails (:mod:`gui.views.trails`) with their head overlays
(:mod:`gui.views.overlays`). Equal axis scales, so gradients really are
perpendicular to the contour lines.

1-D: the curve f(x), the iterates as balls on it joined by chords (the zig-zag
across a valley reads at a glance), and a draggable start on the curve.

The grid (200 x 200) is computed once per surface change; a frame only moves trails.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gui import theme
from gui.views.geometry import KEY as GEOMETRY
from gui.views.geometry import GeometryOverlay
from gui.views.isolines import ColorScale, isolines, levels_for
from gui.views.overlays import KINDS, HeadOverlays
from gui.views.trails import Dots, TrailLayer, display_points

GRID = 200
GRID_1D = 800
START_LABEL_GAP = 12  # px from the start marker's middle to its label, across (the marker is 18 px)
START_LABEL_LIFT = 4  # px from the marker's middle up (or down) to the label
DOWNHILL_SHARE = 0.25  # a direction's share of downhill below which either side will do
FIRST_STEPS = 30  # the start label keeps off this many of each run's first steps
RUN_MARGIN_PX = 3  # and keeps them this far from its text


_STYLES: dict = {}


def _minimum_styles() -> dict:
    """One pen and brush object per kind, made once: pyqtgraph caches symbol pictures by
    the identity of the pen and brush, so new objects on every surface would pile up."""
    if not _STYLES:
        ink = pg.mkPen(theme.INK, width=1.5)
        white = pg.mkBrush(255, 255, 255, 220)
        _STYLES.update({
            "global": {"symbol": "star", "size": 22, "brush": pg.mkBrush("#FFD23F"), "pen": ink},
            "local": {"symbol": "star", "size": 17, "brush": white, "pen": ink},
            "saddle": {"symbol": "d", "size": 15, "brush": white, "pen": ink},
        })
    return _STYLES


def hatch(mask: np.ndarray) -> np.ndarray:
    """RGBA picture of ``mask`` (rows = y): diagonal grey stripes where it is True,
    transparent elsewhere. Grey reads as "nothing here" on both themes' maps."""
    rows, cols = np.indices(mask.shape)
    stripe = ((rows + cols) // 6) % 2 == 0
    rgba = np.zeros(mask.shape + (4,), dtype=np.uint8)
    rgba[..., :3] = 128
    rgba[..., 3] = np.where(mask, np.where(stripe, 210, 90), 0)
    return rgba


def legend_columns(entries, room: float, most: int = 4) -> int:
    """The most columns (up to ``most``) whose widths fit in ``room``. pyqtgraph's legend
    fills rows first, so column j holds entries j, j + cols, ... and is as wide as the
    widest of them: two short labels may share a column a long one would not leave room for."""
    for cols in range(min(most, len(entries)), 1, -1):
        if sum(max(entries[j::cols]) for j in range(cols)) <= room:
            return cols
    return 1


class FrameCounter(QtCore.QObject):
    """Counts painted frames of a widget; ``fps`` over the last second."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.frames = 0
        self.fps = 0.0
        self._t0 = QtCore.QElapsedTimer()
        self._t0.start()
        self._count = 0

    def painted(self) -> None:
        self.frames += 1
        self._count += 1
        ms = self._t0.elapsed()
        if ms >= 1000:
            self.fps = self._count * 1000.0 / ms
            self._count = 0
            self._t0.restart()


class ContourView(pg.GraphicsLayoutWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.frames = FrameCounter(self)
        self.ci.setContentsMargins(6, 4, 6, 4)
        self.legend = pg.LegendItem(colCount=3, labelTextSize=f"{theme.LABEL_PT}pt",
                                    labelTextColor=theme.INK, horSpacing=18, verSpacing=-4,
                                    brush=pg.mkBrush(255, 255, 255, 0), pen=None)
        # The legend sits in a box of its own so that its size (label texts change while
        # a slider moves) never re-lays out the plot: with equal axis scales that would
        # change the visible range, and re-draw the axes, on every move.
        self.legend_box = pg.GraphicsWidget()
        self.legend_box.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        self.legend.setParentItem(self.legend_box)
        self.addItem(self.legend_box, row=0, col=0)
        self.plot = self.addPlot(row=1, col=0)
        self.ci.layout.setRowStretchFactor(1, 10)
        theme.style_plot(self.plot, bottom="x", left="y")
        self.plot.vb.setDefaultPadding(0.0)

        self.image = pg.ImageItem()
        self.image.setZValue(-100)
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(colorMap=theme.heat_colormap(), interactive=False, width=16,
                                        pen=theme.MUTED)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.colorbar.axis.setTickFont(theme.font(theme.TICK_PT - 1))
        self.colorbar.axis.setTextPen(pg.mkPen(theme.INK))
        self.colorbar.axis.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # plain numbers: "f (x0.001)" beside ticks -900 ... 900 is easy to misread from afar
        self.colorbar.axis.enableAutoSIPrefix(False)
        theme.tidy_log_ticks(self.colorbar.axis)
        theme.roomy_ticks(self.colorbar.axis)
        # as wide as its numbers, not pyqtgraph's fixed 45 px: at presentation size "0.001"
        # ran into the bar's own title. pyqtgraph leaves only 0.8 x the title's height for it
        # beside the numbers; two trailing spaces, measured but not seen, make up the rest.
        self.colorbar.axis.setWidth(None)
        strings = self.colorbar.axis.tickStrings
        self.colorbar.axis.tickStrings = lambda values, scale, spacing: [
            text + "  " if text else text for text in strings(values, scale, spacing)]
        # where f has no value (a custom formula's log or sqrt of a negative number): hatched,
        # not painted as the highest loss
        self.undefined = pg.ImageItem()
        self.undefined.setZValue(-60)
        self.undefined.hide()
        self.plot.addItem(self.undefined)
        self.contours = pg.PlotCurveItem(connect="pairs", pen=theme.pen(QtGui.QColor(*theme.CONTOUR_COLOR)))
        self.contours.setZValue(-50)
        # The map only changes with the surface or the zoom, the trails on every frame:
        # painting the map from a device pixmap saves the scaled image and ~8000 contour
        # segments on every frame.
        for item in (self.image, self.contours):
            item.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.plot.addItem(self.contours)
        self.curve = pg.PlotCurveItem(pen=theme.pen("#444444", 2.0))  # 1-D: f(x)
        self.curve.setZValue(-40)
        self.plot.addItem(self.curve)
        # every minimum stays visible: filled stars over the trails, and their outline over
        # the heads too (a run sitting on a minimum must not hide its star). The trails' lean
        # paint: pyqtgraph's cost ~0.25 ms for one star on every frame and slider move.
        self.minima = Dots(pxMode=True)
        self.minima.setZValue(15)
        self.minima_outline = Dots(pxMode=True)
        self.minima_outline.setZValue(21)
        for item in (self.minima, self.minima_outline):
            self.plot.addItem(item)
        self.start_marker = pg.TargetItem(size=18, symbol="s", movable=True, pen=pg.mkPen(theme.INK, width=2),
                                          brush=pg.mkBrush(255, 255, 255, 200),
                                          hoverBrush=pg.mkBrush(255, 255, 255, 255),
                                          label="start",
                                          labelOpts={"color": theme.INK, "offset": (START_LABEL_GAP, -START_LABEL_LIFT),
                                                     "anchor": (0, 0)})
        self.start_marker.setZValue(40)
        self.plot.addItem(self.start_marker)
        self.trails = TrailLayer(self.plot, self.legend)
        self.overlays = HeadOverlays(self.plot)
        self.geometry = GeometryOverlay(self.plot)
        self._legend_extras: list = []
        self._placing = False
        self._view = (0.0, 1.0, 0.0, 1.0)
        self._scale = None
        self._levels = np.array([])
        self._grid_range = None
        self._grid_timer = QtCore.QTimer(self)
        self._grid_timer.setSingleShot(True)
        self._grid_timer.setInterval(40)
        self._grid_timer.timeout.connect(self.refresh_grid)
        self.plot.vb.sigRangeChanged.connect(self._range_changed)
        # the label's room beside the marker is in pixels: a resize with the same range (a
        # 1-D curve's plot is not aspect-locked) changes it too
        self.plot.vb.sigResized.connect(lambda *_: self._place_label(*self._marker_xy()))

        self.start_marker.sigPositionChanged.connect(self._marker_moved)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        c = controller
        c.sceneChanged.connect(self.rebuild)
        c.runsChanged.connect(self.rebuild_runs)
        c.runChanged.connect(self._run_changed)
        c.tracesChanged.connect(self._traces_changed)
        c.stepChanged.connect(self._step_changed)
        c.selectionChanged.connect(lambda _i: self.geometry.draw(self.controller, self._view, self.overlays.gain))
        c.settingsChanged.connect(self._place_start)
        c.displayChanged.connect(self._display_changed)
        self.rebuild()

    # -- paint accounting (frames per second in the status bar, benchmarks) ------------------

    def paintEvent(self, event):
        super().paintEvent(event)
        self.frames.painted()

    # -- surface --------------------------------------------------------------------------------

    def rebuild(self) -> None:
        self._draw_surface()
        self.rebuild_runs()
        self.reset_zoom()

    def _draw_surface(self) -> None:
        """Colour scale and contour levels from the surface's default view (fixed per
        surface), then the grid itself over whatever range is shown."""
        s = self.controller.surface
        view = s.view
        two_d = s.dim == 2
        for item in (self.image, self.contours, self.colorbar):
            item.setVisible(two_d)
        self.undefined.setVisible(False)  # refresh_grid shows it where f has no value
        self.curve.setVisible(not two_d)
        theme.equal_scales(self.plot, two_d)  # lbfgs-noise at 1280x800 presenting was laid out for good
        self.plot.setLabel("left", "y" if two_d else "f(x)")
        if two_d:
            self._view = tuple(view)
            _, _, Z = s.grid(GRID, GRID)
            self._scale = ColorScale(Z, s.min_value)
            self._levels = levels_for(Z, self._scale.zmin, self._scale.use_log)
            lo, hi = self._scale.levels
            self.colorbar.setLevels((lo, hi))
            self.colorbar.axis.setLogMode(self._scale.use_log)
            self.colorbar.axis.setLabel("f − f_min" if self._scale.use_log else "f",
                                        **{"color": theme.INK, "font-size": f"{theme.TICK_PT}pt"})
        else:
            xs, _, Z = s.grid(GRID_1D)
            finite = Z[np.isfinite(Z)]
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            pad = 0.08 * (hi - lo or 1.0)
            self._view = (view[0], view[1], lo - pad, hi + pad)
        self._grid_range = None
        self._draw_minima()

    def _range_changed(self, *_):
        self._grid_timer.start()

    def refresh_grid(self) -> None:
        """The heat map and contours (2-D) or the curve (1-D) over the range on screen, so
        zooming in shows detail and the margins of an aspect-locked view are not blank."""
        s = self.controller.surface
        (x0, x1), (y0, y1) = self.plot.vb.viewRange()
        key = (id(s), round(x0, 9), round(x1, 9), round(y0, 9), round(y1, 9), self._contours_on())
        if key == self._grid_range:
            return
        self._grid_range = key
        self.trails.refresh_marks(self.controller.step, self.controller.runs)  # angles follow the aspect
        self._place_label(*self._marker_xy())  # framed or zoomed: the start may now sit at an edge
        if s.dim == 1:
            xs = np.linspace(x0, x1, GRID_1D)
            with np.errstate(all="ignore"):
                self.curve.setData(xs, np.asarray(s.value(xs), dtype=float))
            return
        box = (x0, x1, y0, y1)
        xs, ys, Z = s.grid(GRID, GRID, view=box)
        lo, hi = self._scale.levels
        self.image.setImage(self._scale.apply(Z), levels=(lo, hi), autoLevels=False)
        self.image.setRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
        undefined = ~np.isfinite(Z)
        self.undefined.setVisible(bool(undefined.any()))
        if undefined.any():
            self.undefined.setImage(hatch(undefined), autoLevels=False)
            self.undefined.setRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
        segs = isolines(xs, ys, Z, self._levels) if self._contours_on() else np.empty((0, 2))
        self.contours.setData(segs[:, 0], segs[:, 1], connect="pairs")

    def resizeEvent(self, event):
        super().resizeEvent(event)
        # as many legend columns as fit: a legend wider than the plot would be cut
        if getattr(self, "legend", None) is not None:  # pyqtgraph resizes before __init__ is done
            self._fit_legend_box()

    def _contours_on(self) -> bool:
        return bool(self.controller.display("contours"))

    def _draw_minima(self) -> None:
        s = self.controller.surface
        spots = []
        kinds = set()
        styles = _minimum_styles()
        for m in s.minima():
            x = m.point[0]
            y = m.point[1] if s.dim == 2 else m.value
            kinds.add(m.kind)
            spots.append({"pos": (x, y), **styles.get(m.kind, styles["saddle"])})
        self.minima.setData(spots)
        self.minima_outline.setData([{**spot, "brush": None} for spot in spots])
        self._legend_extras = []
        for kind, text, symbol, brush in (("global", "global min", "star", "#FFD23F"),
                                          ("local", "local min", "star", "#FFFFFF"),
                                          ("saddle", "saddle", "d", "#FFFFFF")):
            if kind in kinds:
                sample = pg.ScatterPlotItem(symbol=symbol, size=14, brush=pg.mkBrush(brush),
                                            pen=pg.mkPen(theme.INK, width=1.2))
                self._legend_extras.append((sample, text))

    def reset_zoom(self) -> None:
        x0, x1, y0, y1 = self._view
        self.plot.vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)
        self.refresh_grid()

    def fit_paths(self) -> None:
        """Zoom to the visible paths up to the current step (and the start), with a
        margin: small steps near a minimum (sqrt8, a converged run) become visible."""
        c = self.controller
        chunks = []
        for i, (run, pts) in enumerate(zip(c.runs, self.trails.points)):
            if run.visible and len(pts):
                end = self.trails.exits[i] if self.trails.exits[i] is not None else len(pts) - 1
                chunks.append(pts[: min(c.row(i), end) + 1])
        if not chunks:
            return self.reset_zoom()
        pts = np.concatenate(chunks)
        pts = pts[np.all(np.isfinite(pts), axis=1)]
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        span = np.maximum(hi - lo, 1e-9 + 0.02 * np.array([self._view[1] - self._view[0],
                                                          self._view[3] - self._view[2]]))
        lo, hi = lo - 0.15 * span, hi + 0.15 * span
        self.plot.vb.setRange(xRange=(lo[0], hi[0]), yRange=(lo[1], hi[1]), padding=0.0)
        self.refresh_grid()

    # -- runs -----------------------------------------------------------------------------------

    def rebuild_runs(self) -> None:
        c = self.controller
        n = len(c.runs)
        self.trails.width = float(c.display("trail_width"))
        self.trails.show_dots = bool(c.display("iterate_dots"))
        self.trails.set_count(n)
        self.overlays.clear()  # the old scene's arrows belong to its runs and start point
        self.overlays.set_count(n)
        for i, run in enumerate(c.runs):
            self.trails.set_style(i, run)
            self.overlays.set_color(i, run.color)
        for k in KINDS:
            self.overlays.enabled[k] = bool(c.display(k))
        if not self.overlays.active:
            self.overlays.clear()  # a scene without arrows must not keep the last scene's
        self.geometry.enabled = bool(c.display(GEOMETRY))
        self.overlays.choose_gain(c.traces, c.surface.view, c.surface.dim)
        self._traces_changed(list(range(n)))
        self._place_start()

    def _run_changed(self, i: int) -> None:
        if i < len(self.trails.items):
            restyled = self.trails.set_style(i, self.controller.runs[i])
            self.overlays.set_color(i, self.controller.runs[i].color)
            self._update_legend()
            if restyled:  # heads take the new colour, a shown/hidden trail appears/goes
                self._step_changed(self.controller.step)

    def _traces_changed(self, indices) -> None:
        c = self.controller
        dim = c.surface.dim
        for i in indices:
            if i < len(c.traces) and i < len(self.trails.items):
                poly = c.polyak_path(i)
                if poly is not None and dim == 1:
                    poly = np.column_stack([poly[:, 0], c.surface.value_at(poly[:, :1])])
                # a run that leaves the view for good ends at its last point in it, with an
                # arrow: the rest of a blow-up bounces around at 1e20, and even its first
                # segment out can cross the whole map (a wall through the minimum)
                self.trails.set_points(i, display_points(c.traces[i], dim), poly, c.ending(i))
        self._step_changed(c.step)

    def _update_legend(self) -> None:
        """Each run's label, and its ending (diverged, escaped, converged) only once the
        playback has reached it: at step 0 the legend must not give the race away."""
        c = self.controller
        labels, widest = [], []
        for i, run in enumerate(c.runs):
            ending = c.ending(i)
            label = full = run.label
            if ending is not None and ending.kind == "diverged" and c.traces[i].diverged_at == 0 \
                    and not np.isfinite(c.traces[i].loss[:1]).all():
                label = full = label + " — f not defined at the start"  # it never moved: nothing to give away
            elif ending is not None:
                full = f"{label} — {ending.text}"
                if c.step >= ending.step:
                    label = full
            labels.append(label)
            if run.visible:
                widest.append(full)
        extras = list(self._legend_extras)
        gain = self.overlays.legend_text()
        if gain:
            if getattr(self, "_arrow_sample", None) is None or self._arrow_sample[1] != theme.INK:
                self._arrow_sample = (pg.PlotDataItem(pen=theme.pen(theme.INK, 1.5)), theme.INK)
            extras.append((self._arrow_sample[0], gain))
        self.trails.update_legend(c.runs, labels, extras)
        self._legend_widest = widest + [text for _sample, text in extras]
        self._fit_legend_box()

    def _fit_legend_box(self) -> None:
        """As many columns as the entries allow (a legend wider than the plot would be
        cut), a smaller font when that still needs more than three rows, and a box exactly
        as tall as the legend. Fitted to the longest text each entry will show in this
        playback, its ending included: the layout must not jump when a run diverges
        mid-lecture. Re-fitted only when those texts (roughly) or the width changed: a
        slider moving "lr 0.05" to "lr 0.0505" must not re-measure the legend on every move."""
        items = self.legend.items
        texts = getattr(self, "_legend_widest", None) or [label.text for _sample, label in items]
        key = (len(items), int(self.width()), theme.LABEL_PT, theme.INK, tuple(len(t) // 4 for t in texts))
        if key != getattr(self, "_legend_fit", None) and items:
            self._legend_fit = key
            space = self.legend.layout.horizontalSpacing()
            sample = max(s.width() for s, _label in items)
            room = self.width() - 26 + space
            fitted = []  # (pt, columns, every entry fits) from the theme's size down
            for pt in dict.fromkeys(max(8, round(theme.LABEL_PT * f)) for f in (1.0, 0.85, 0.72)):
                font = QtGui.QFont(items[0][1].item.font())
                font.setPointSizeF(pt)
                metrics = QtGui.QFontMetricsF(font)
                margin = 2 * items[0][1].item.document().documentMargin()
                # a row is [sample, label] cells with ``space`` between every two
                entries = [sample + metrics.horizontalAdvance(t) + margin + 2 * space for t in texts]
                fitted.append((pt, legend_columns(entries, room), max(entries) <= room))
            # the largest font that fits in three rows, else the largest that fits at all (a
            # projector's narrow map), else the smallest: a label is never cut at the edge
            # (the smallest only then: more rows of a readable size beat a small font)
            pt, cols, _fits = next((f for f in fitted[:2] if f[2] and -(-len(items) // f[1]) <= 3),
                                   next((f for f in fitted if f[2]), fitted[-1]))
            self._legend_font(pt)
            if cols != self.legend.columnCount:
                self.legend.setColumnCount(cols)
            # pyqtgraph sizes a legend from its cells' current widths, and the grid hands a
            # legend's old width back to its cells: once wide (three columns of a smaller
            # font), always as wide, and cut at the map's edge. Its preferred size instead.
            self.legend.layout.invalidate()
            hint = self.legend.layout.effectiveSizeHint(QtCore.Qt.SizeHint.PreferredSize)
            self.legend.setGeometry(0, 0, hint.width(), hint.height())
        elif items:
            self._legend_font(int(str(self.legend.opts.get("labelTextSize", "12pt")).rstrip("pt") or 12))
        height = max(self.legend.height(), 4.0)
        if abs(self.legend_box.maximumHeight() - height) > 0.5:
            self.legend_box.setMinimumHeight(height)
            self.legend_box.setMaximumHeight(height)

    def _legend_font(self, pt: int) -> None:
        size = f"{pt}pt"
        changed = False
        for _sample, label in self.legend.items:
            if label.opts.get("size") != size:
                label.setText(label.text, size=size, color=theme.INK)
                changed = True
        if changed or self.legend.opts.get("labelTextSize") != size:
            self.legend.opts["labelTextSize"] = size
            self.legend.updateSize()

    def _step_changed(self, step: int) -> None:
        c = self.controller
        statuses = [c.status(i) for i in range(len(c.runs))]
        self.trails.draw(step, c.runs, statuses)
        self._update_legend()  # set in place, and only when a text changed
        self.overlays.draw(c, self.trails.points, self._view)
        self.geometry.draw(c, self._view, self.overlays.gain)

    def _display_changed(self, key: str, value) -> None:
        if key == GEOMETRY:
            self.geometry.enabled = bool(value)
            self._step_changed(self.controller.step)
        elif key in KINDS:
            self.overlays.enabled[key] = bool(value)
            if not self.overlays.active:
                self.overlays.clear()
            self._step_changed(self.controller.step)
            self._update_legend()  # "arrows ×5" comes and goes with them
        elif key == "polyak":
            self._traces_changed(list(range(len(self.controller.runs))))
        elif key in ("trail_width", "iterate_dots"):
            self.rebuild_runs()
        elif key == "contours":
            self.refresh_grid()

    # -- the start point ------------------------------------------------------------------------

    def _place_start(self) -> None:
        c = self.controller
        start = c.start
        pos = (start[0], start[1]) if c.surface.dim == 2 else (start[0], float(c.surface.value_at([start])[0]))
        self._placing = True
        try:
            self.start_marker.setPos(pos)
        finally:
            self._placing = False
        self._place_label(pos[0], pos[1])

    def _marker_xy(self) -> tuple[float, float]:
        p = self.start_marker.pos()
        return p.x(), p.y()

    def _place_label(self, x: float, y: float | None = None) -> None:
        """"start" at the one of eight places beside the marker (right or left, above or
        below, at a corner or level) that the plot's border does not cut ("sta" at the right
        edge, under the x axis on Rastrigin's) and that covers the fewest of the runs' first
        steps; on a tie, away from downhill (minus the gradient), else facing the middle of
        the view. It faced the middle always, which is where most runs set off: on 14
        presets it covered their first steps (sam-sharp-flat: them and the sharp minimum
        beside them). Placed when the scene, the start or the view changes, not on a slider
        move: the label must not jump about while a run is dragged."""
        label = self.start_marker.label()
        if label is None:
            return
        (x0, x1), (y0, y1) = self.plot.vb.viewRange()
        px, py = self._pixel_size()
        rect = label.boundingRect()
        w, h, gap = rect.width() * px, rect.height() * py, START_LABEL_GAP
        inward = (x <= 0.5 * (x0 + x1), y is None or y >= y0 + 0.15 * (y1 - y0))
        downhill = self._downhill(x, y)
        steps = self._first_steps()
        best = None
        m = RUN_MARGIN_PX
        for right in (True, False):
            for below in (True, False):
                # first a corner of the label at (gap, 4) px from the marker's middle, wholly
                # above or below a run that sets off level with the start; else its middle
                # 12 px up or down (runs that stay around the start: Rastrigin's well)
                for beside, (lift, anchor_y) in enumerate(((START_LABEL_LIFT, 0.0), (gap, 0.5))):
                    left = x + gap * px if right else x - gap * px - w
                    near = (y if y is not None else 0.0) + (-lift if below else lift) * py
                    if anchor_y == 0.5:  # level: ``near`` is the label's middle
                        bottom = near - 0.5 * h
                    else:  # a corner: ``near`` is its top (below) or its bottom (above)
                        bottom = near - h if below else near
                    if left < x0 or left + w > x1 or bottom < y0 or bottom + h > y1:
                        continue
                    covered = int(np.count_nonzero(
                        (steps[:, 0] >= left - m * px) & (steps[:, 0] <= left + w + m * px)
                        & (steps[:, 1] >= bottom - m * py) & (steps[:, 1] <= bottom + h + m * py)))
                    if downhill is not None:  # the side the runs do not head for
                        dx, dy = downhill
                        uphill = ((abs(dx) < DOWNHILL_SHARE or right == (dx < 0))
                                  + (abs(dy) < DOWNHILL_SHARE or below == (dy > 0)))
                    else:
                        uphill = 0
                    key = (covered, -uphill, beside, (right, below) != inward)
                    if best is None or key < best[0]:
                        best = (key, right, below, lift, anchor_y)
        if best is None:  # no side has room: facing the middle, level with the marker
            best = (None, *inward, gap, 0.5)
        _key, right, below, lift, anchor_y = best
        # the offset's y is in data's direction (negative: below); the anchor is the point
        # of the text nearest the marker
        offset = pg.Point(gap if right else -gap, -lift if below else lift)
        anchor = pg.Point(0 if right else 1, anchor_y if anchor_y == 0.5 else (0 if below else 1))
        if label.anchor != anchor or label.offset != offset:
            label.setAnchor(anchor)
            label.offset = offset
            label.viewTransformChanged()

    def _first_steps(self) -> np.ndarray:
        """The first FIRST_STEPS display points of every shown run, as (n, 2)."""
        c = self.controller
        rows = [display_points(trace, c.surface.dim)[1:FIRST_STEPS + 1]
                for run, trace in zip(c.runs, c.traces) if run.visible and trace is not None]
        pts = np.concatenate(rows) if rows else np.empty((0, 2))
        return pts[np.isfinite(pts).all(axis=1)]

    def _pixel_size(self) -> tuple[float, float]:
        """Data units per pixel, from the range and the size alone. The view box's own
        viewPixelSize maps through its transform, which inside its resize signal applied
        the aspect lock early: the plot then flickered between two sizes for good."""
        vb = self.plot.vb
        (x0, x1), (y0, y1) = vb.viewRange()
        return (x1 - x0) / max(vb.width(), 1.0), (y1 - y0) / max(vb.height(), 1.0)

    def _downhill(self, x: float, y: float | None) -> tuple[float, float] | None:
        """Minus the gradient at the marker as a unit vector on screen ((x, f(x)) along a
        1-D curve), or None where it is flat or not defined."""
        c = self.controller
        with np.errstate(all="ignore"):
            try:
                g = c.surface.grad_at(np.array([c.start], dtype=float))[0]
            except (ArithmeticError, ValueError):
                return None
        if c.surface.dim == 2:
            d = (-float(g[0]), -float(g[1]))
        else:  # along the curve: one step of -f' in x goes down by f'^2 in f
            d = (-float(g[0]), -float(g[0]) ** 2)
        px, py = self._pixel_size()
        if not (px > 0 and py > 0):
            return None
        sx, sy = d[0] / px, d[1] / py  # in pixels: the axes' scales differ on a 1-D curve
        norm = math.hypot(sx, sy)
        if not math.isfinite(norm) or norm == 0.0:
            return None
        return sx / norm, sy / norm

    def _marker_moved(self, *_):
        if self._placing:
            return
        p = self.start_marker.pos()
        point = (p.x(), p.y()) if self.controller.surface.dim == 2 else (p.x(),)
        if tuple(np.round(point, 12)) != tuple(np.round(self.controller.start, 12)):
            self.controller.set_start(point)
        if self.controller.surface.dim == 1:
            self._place_start()  # stay on the curve

    def _clicked(self, event) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton or event.double():
            return
        vb = self.plot.vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        if self.start_marker.sceneBoundingRect().contains(event.scenePos()):
            return
        p = vb.mapSceneToView(event.scenePos())
        point = (p.x(), p.y()) if self.controller.surface.dim == 2 else (p.x(),)
        if self.controller.set_start(point):  # a stray click costs nothing: say how to take it back
            where = ", ".join(f"{v:.3g}" for v in point)
            self.controller.notify(f"start moved to ({where}) — Ctrl+Z puts it back")
