"""The "Basins" tab: colour every start point of a grid by the minimum its run ends in.

One optimizer (by default the selected run's, with its schedule), ``n x n`` starts on
the cell centres of the surface's view box, all stepped together by
:func:`engine.basins.basin_map` (~0.1 s for 100 x 100 starts x 300 steps). Each
minimum gets a colour-blind-safe colour (Okabe-Ito, then Paul Tol's light scheme);
grey: the run ended nowhere listed (still moving, a saddle); dark hatching: it
diverged. Contour lines and the minima (stars) on top, counts in the legend.

Computed on demand only (the button, or showing the tab while the map is out of date):
a basin map is thousands of runs, never something a slider drag should start.
Clicking the map moves the scene's start there and shows the surface.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from engine.basins import DIVERGED, NOT_CONVERGED, basin_map
from engine.session import MAX_STEPS
from gui import theme
from gui.analysis.common import busy, estimate_seconds, form_row, muted_label, scene_entries, side_column, swatch
from gui.views.isolines import ColorScale, isolines, levels_for

# Okabe-Ito without black and grey (those mean "diverged" and "nowhere"), then Tol's light
BASIN_COLORS = ("#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#0072B2", "#D55E00", "#F0E442",
                "#77AADD", "#EE8866", "#BBCC33", "#FFAABB", "#44BB99")
NONE_COLOR, DIVERGED_COLOR = "#BDBDBD", "#222222"
UPSAMPLE = 4  # image pixels per grid cell side: room for the hatching of diverged cells
SLOW_SECONDS = 5.0


def basin_color(label: int) -> str:
    if label == DIVERGED:
        return DIVERGED_COLOR
    if label == NOT_CONVERGED:
        return NONE_COLOR
    return BASIN_COLORS[label % len(BASIN_COLORS)]


def basin_image(labels: np.ndarray, alpha: int = 200) -> np.ndarray:
    """RGBA (ny*UPSAMPLE, nx*UPSAMPLE, 4): one colour per label, diverged cells hatched
    (diagonal stripes, so they read as 'no answer' even printed in grey)."""
    keys = np.unique(labels)
    rgba = np.zeros(labels.shape + (4,), dtype=np.ubyte)
    for k in keys:
        c = QtGui.QColor(basin_color(int(k)))
        rgba[labels == k] = (c.red(), c.green(), c.blue(), alpha)
    img = np.repeat(np.repeat(rgba, UPSAMPLE, axis=0), UPSAMPLE, axis=1)
    div = np.repeat(np.repeat(labels == DIVERGED, UPSAMPLE, axis=0), UPSAMPLE, axis=1)
    jj, ii = np.indices(div.shape)
    stripe = div & (((ii + jj) % 4) < 2)
    img[stripe] = (120, 120, 120, alpha)
    return img


class BasinView(QtWidgets.QWidget):
    showSurface = QtCore.Signal()
    computed = QtCore.Signal()

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.map = None
        self.seconds = 0.0
        self._key = None  # what the map was computed for
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        side, col = side_column()
        layout.addWidget(side)
        form = QtWidgets.QFormLayout()
        self.optimizer = QtWidgets.QComboBox()
        self.optimizer.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.optimizer.setMinimumContentsLength(8)
        form_row(form, "optimizer", self.optimizer, "Whose runs: a run of the scene (its knobs and schedule)")
        self.resolution = QtWidgets.QSpinBox()
        self.resolution.setRange(20, 300)
        self.resolution.setSingleStep(20)
        self.resolution.setValue(100)
        form_row(form, "grid", self.resolution, "Starts per side: 100 is 10,000 runs (100 on a 1-D surface)")
        self.steps = QtWidgets.QSpinBox()
        self.steps.setRange(1, MAX_STEPS)
        self.steps.setValue(controller.scene.steps)
        form_row(form, "steps", self.steps, "Steps of every run (the scene's by default)")
        col.addLayout(form)
        self.button = QtWidgets.QPushButton("Compute basins")
        self.button.clicked.connect(self.compute)
        col.addWidget(self.button)
        self.status = muted_label()
        col.addWidget(self.status)
        self.legend = QtWidgets.QLabel()
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(QtCore.Qt.TextFormat.RichText)
        col.addWidget(self.legend)
        hint = muted_label("Each start point is coloured by the minimum its run ends in. "
                                "Click the map: the scene's runs start there.")
        col.addWidget(hint)
        col.addStretch(1)

        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        theme.style_plot(self.plot, bottom="x₀", left="y₀", title="Basins of attraction")
        theme.equal_scales(self.plot)
        self.plot.vb.setMouseEnabled(x=False, y=False)
        self.image = pg.ImageItem()
        self.image.setZValue(-100)
        self.plot.addItem(self.image)
        self.contours = pg.PlotCurveItem(connect="pairs", pen=theme.pen(QtGui.QColor(30, 30, 40, 150)))
        self.plot.addItem(self.contours)
        self.minima = pg.ScatterPlotItem(symbol="star", size=20, pen=pg.mkPen(theme.INK, width=1.5),
                                         brush=pg.mkBrush("#FFD23F"))
        self.minima.setZValue(10)
        self.plot.addItem(self.minima)
        self.start = pg.ScatterPlotItem(symbol="s", size=12, pen=pg.mkPen(theme.INK, width=2),
                                        brush=pg.mkBrush(255, 255, 255, 200))
        self.start.setZValue(11)
        self.plot.addItem(self.start)
        layout.addWidget(self.plot_widget, 1)
        self.plot.scene().sigMouseClicked.connect(self._clicked)

        self._pending = True  # the scene changed while the tab was hidden
        self._drawn_surface = None
        self._box = (0.0, 1.0, 0.0, 1.0)  # what the plot shows: the view box (2-D) or x by f(x) (1-D)
        c = controller
        for signal in (c.sceneChanged, c.runsChanged, c.settingsChanged):
            signal.connect(self._scene_changed)
        c.runChanged.connect(lambda _i: self._scene_changed())
        c.selectionChanged.connect(lambda _i: self._scene_changed())
        self.optimizer.currentIndexChanged.connect(lambda _i: self._show_state())
        self.resolution.valueChanged.connect(lambda _v: self._show_state())
        self.steps.valueChanged.connect(lambda _v: self._show_state())
        self._refresh()

    # -- settings -----------------------------------------------------------------------------------

    def entry(self):
        entries = scene_entries(self.controller)
        i = self.optimizer.currentIndex()
        return entries[i] if 0 <= i < len(entries) else None

    def _fill_optimizers(self) -> None:
        c = self.controller
        with QtCore.QSignalBlocker(self.optimizer):
            self.optimizer.clear()
            for e in scene_entries(c):
                self.optimizer.addItem(swatch(e.color), e.label)
            self.optimizer.setCurrentIndex(c.selected if c.runs else -1)
        self._show_state()

    def _scene_changed(self) -> None:
        """Follow the scene now if the tab is shown, else when it is next shown: a hidden
        tab does no work while a slider is dragged."""
        self._pending = True
        if self.isVisible():
            self._refresh()

    def _refresh(self) -> None:
        self._pending = False
        c = self.controller
        if self.steps.value() != c.scene.steps:
            with QtCore.QSignalBlocker(self.steps):
                self.steps.setValue(c.scene.steps)
        self._fill_optimizers()
        self._draw_surface()

    def current_key(self):
        c, e = self.controller, self.entry()
        if e is None:
            return None
        return (c.scene.surface, c.scene.formula, e.spec, e.schedule, c.scene.noise, c.scene.seed,
                self.resolution.value(), self.steps.value())

    @property
    def stale(self) -> bool:
        return self.map is None or self._key != self.current_key()

    def _show_state(self) -> None:
        self.button.setEnabled(self.entry() is not None)
        if self.map is not None and self.stale:
            self.status.setText("<b>Out of date</b>: the scene or the settings changed. Press Compute basins.")
        elif self.map is not None:
            n = self.map.labels.size
            self.status.setText(f"{n:,} runs × {self.steps.value()} steps: {self.seconds:.2f} s")

    def showEvent(self, event):
        super().showEvent(event)
        if self._pending:
            self._refresh()
        if self.stale:
            QtCore.QTimer.singleShot(0, self._auto)

    def _auto(self) -> None:
        if self.isVisible() and self.stale:
            self.compute()

    # -- computing and drawing --------------------------------------------------------------------

    def compute(self) -> bool:
        if self._pending:
            self._refresh()
        c, e = self.controller, self.entry()
        if e is None:
            self._show_state()
            return False
        n, steps = self.resolution.value(), self.steps.value()
        ny = n if c.surface.dim == 2 else 1  # 1-D: one row of starts under the curve
        cost = estimate_seconds(c.surface, e.spec, n * ny, steps)
        if cost > SLOW_SECONDS:
            self.status.setText(f"{e.label}: ~{cost:.0f} s for {n * ny:,} runs (its line search runs one run "
                                "at a time). Use a coarser grid or fewer steps.")
            return False
        t0 = time.perf_counter()
        with busy():
            self.map = basin_map(c.surface, e.spec, n, ny, steps, schedule=e.schedule, noise=c.scene.noise,
                                 seed=c.scene.seed)
        self.seconds = time.perf_counter() - t0
        self._key = self.current_key()
        self._draw_map()
        self._show_state()
        self.computed.emit()
        return True

    def _draw_surface(self) -> None:
        """Contours, minima and the start (cheap; the map itself only on compute)."""
        s = self.controller.surface
        for item in (self.contours, self.minima, self.start):
            item.show()
        self.start.setData(pos=[self._on_map(self.controller.start)])
        key = (self.controller.scene.surface, self.controller.scene.formula)
        if key != self._drawn_surface:
            self._drawn_surface = key
            pts = [m.point for m in s.minima() if m.kind in ("global", "local")]
            self.minima.setData(pos=np.array([self._on_map(p) for p in pts], dtype=float).reshape(-1, 2))
            theme.equal_scales(self.plot, s.dim == 2)
            theme.set_label(self.plot, "left", "y₀" if s.dim == 2 else "f(x)")
            if s.dim == 2:
                xs, ys, Z = s.grid(160, 160)
                scale = ColorScale(Z, s.min_value)
                segs = isolines(xs, ys, Z, levels_for(Z, scale.zmin, scale.use_log))
                self.contours.setPen(theme.pen(QtGui.QColor(30, 30, 40, 150)))
                self.contours.setData(segs[:, 0], segs[:, 1], connect="pairs")
                self._box = tuple(s.view)
            else:  # the curve f(x); the basins colour the columns under it
                xs = np.linspace(s.view[0], s.view[1], 800)
                with np.errstate(all="ignore"):
                    f = np.asarray(s.value(xs), dtype=float)
                lo, hi = float(np.nanmin(f)), float(np.nanmax(f))
                pad = 0.08 * ((hi - lo) or 1.0)
                self.contours.setPen(theme.pen(theme.CURVE, 2.0))
                self.contours.setData(xs, f, connect="all")
                self._box = (s.view[0], s.view[1], lo - pad, hi + pad)
            x0, x1, y0, y1 = self._box
            self.plot.vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)
            if self.map is not None and tuple(self.map.view) != tuple(s.view):
                self.image.hide()  # another surface: the old map would lie about this one
        self._show_state()

    def _on_map(self, point) -> tuple:
        """Where a point of the surface is drawn: itself in 2-D, (x, f(x)) in 1-D."""
        if len(point) == 2:
            return tuple(point)
        return (float(point[0]), float(self.controller.surface.value_at(np.array([[point[0]]], dtype=float))[0]))

    def _draw_map(self) -> None:
        m = self.map
        x0, x1, y0, y1 = m.view if len(m.view) == 4 else self._box
        self.image.setImage(basin_image(m.labels), autoLevels=False, levels=(0, 255))
        self.image.setRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
        self.image.show()
        counts = m.counts()
        total = max(m.labels.size, 1)
        rows = []
        for k, n in counts.items():
            if k >= 0:
                p = m.minima[k].point
                where = ", ".join(f"{v:.3g}" for v in p)
                name = f"minimum ({where})" + (" local" if m.minima[k].kind == "local" else "")
            elif k == NOT_CONVERGED:
                name = "nowhere listed"
            else:
                name = "diverged"
            if n or k >= 0:
                rows.append(f"<tr><td style='color:{basin_color(k)}; font-size:14pt'>■</td><td>{name}</td>"
                            f"<td align='right'>&nbsp;{n:,}</td>"
                            f"<td align='right'>&nbsp;{100 * n / total:.0f}%</td></tr>")
        self.legend.setText(f"<b>{m.spec.label()}</b><table cellspacing='2'>{''.join(rows)}</table>")

    def _clicked(self, event) -> None:
        vb = self.plot.vb
        if event.button() != QtCore.Qt.MouseButton.LeftButton or not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        p = vb.mapSceneToView(event.scenePos())
        if self.controller.set_start((p.x(), p.y())[: self.controller.surface.dim]):
            self.showSurface.emit()
