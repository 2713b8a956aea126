"""Decision regions: what a run's classifier predicts over the plane, with the data on top.

The image is the class probabilities blended with light class tints (white where the
model hesitates, the tint where it is sure), so the boundaries show as pale bands.
Training points are filled circles, validation points triangles, both in the class's
full colour with a dark rim. Class colours are Paul Tol's "bright" scheme, safe for
colour-blind viewers and distinct from the Okabe-Ito run colours of the curves.

Two layouts: the selected run large (200 x 200 grid, redrawn every tick), or small
multiples of every run (a coarser grid each, redrawn a few cells per tick).
"""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gui import theme
from gui.throttle import Throttle

from .plotting import cache_axes

# Paul Tol's "bright" qualitative scheme (+ a dark grey): colour-blind safe.
CLASS_COLORS = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB", "#555555")
TINT = 0.42  # how much of the class colour a sure region gets (the rest is white)
GRID = 200
SMALL_GRID = 72
CELLS_PER_TICK = 4  # small multiples: cells recomputed per progress signal
REDRAW_MS = 20  # at most ~50 pictures a second (measured ~35 while training at full speed)
TITLE_MS = 200  # accuracy in the titles: 5 updates a second are readable, 60 are not


def class_rgb(K: int) -> np.ndarray:
    return np.array([QtGui.QColor(CLASS_COLORS[k % len(CLASS_COLORS)]).getRgb()[:3] for k in range(K)], float)


def region_image(probs: np.ndarray, tints: np.ndarray) -> np.ndarray:
    """(ny, nx, K) probabilities -> (ny, nx, 3) uint8 RGB: the expected tint, faded to
    white as the top probability falls towards 1/K."""
    K = probs.shape[-1]
    top = probs.max(axis=-1, keepdims=True)
    sure = np.clip((top - 1.0 / K) / (1.0 - 1.0 / K), 0.0, 1.0) ** 0.7
    mix = probs @ tints.astype(np.float32)  # (ny, nx, 3)
    rgb = 255.0 + sure * (mix - 255.0)
    return rgb.astype(np.uint8)


class RGBImageItem(pg.GraphicsObject):
    """An RGB picture in ``rect`` (row 0 at the bottom, like ImageItem's row-major).

    Kept as a QImage in Format_RGB32, the raster engine's native format: drawing a
    200 x 200 picture scaled to 600 x 600 px costs ~0.12 ms against ~0.6 ms for the
    RGB888 image pg.ImageItem makes of uint8 RGB data."""

    def __init__(self):
        super().__init__()
        self.qimage = None
        self._buf = None
        self._rect = QtCore.QRectF()

    def set_image(self, rgb: np.ndarray, rect: QtCore.QRectF) -> None:
        ny, nx, _ = rgb.shape
        buf = np.empty((ny, nx, 4), np.uint8)
        buf[..., 0], buf[..., 1], buf[..., 2] = rgb[..., 2], rgb[..., 1], rgb[..., 0]  # BGRA in memory
        buf[..., 3] = 255
        self._buf = buf  # the QImage borrows this memory
        self.qimage = QtGui.QImage(buf.data, nx, ny, 4 * nx, QtGui.QImage.Format.Format_RGB32)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = QtCore.QRectF(rect)
        self.update()

    def clear(self) -> None:
        self.qimage, self._buf = None, None
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return QtCore.QRectF(self._rect)

    def paint(self, painter, *_args) -> None:
        if self.qimage is not None:
            painter.drawImage(self._rect, self.qimage)


def best_columns(n: int, width: float, height: float) -> int:
    """Columns of square cells that make the cells largest in a width x height canvas."""
    if n <= 1:
        return 1
    best, best_size = 1, -1.0
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        size = min(width / cols, height / rows)
        if size > best_size + 1e-9:
            best, best_size = cols, size
    return best


class DecisionPlot(pg.PlotItem):
    """One decision-region picture: image + training and validation points."""

    def __init__(self, small: bool = False):
        super().__init__()
        self.small = small
        self.image = RGBImageItem()
        self.addItem(self.image)
        size = 5 if small else 8
        self.train_pts = pg.ScatterPlotItem(size=size, symbol="o", pxMode=True)
        self.val_pts = pg.ScatterPlotItem(size=size + (1 if small else 2), symbol="t1", pxMode=True)
        self.addItem(self.train_pts)
        self.addItem(self.val_pts)
        theme.equal_scales(self)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.getViewBox().setMouseEnabled(False, False)
        if small:
            self.hideAxis("left")
            self.hideAxis("bottom")
        else:
            theme.style_plot(self, bottom="x₁", left="x₂")
            self.showGrid(False, False)
            cache_axes(self)

    def set_data(self, dataset) -> None:
        ident = (dataset.key, tuple(sorted(dataset.params.items())))
        if ident == getattr(self, "_ident", None):
            return  # the same parameters draw the same points (datasets are seeded)
        self._ident = ident
        K = dataset.n_classes
        rim = pg.mkPen("#1a1a1a", width=1)
        val_rim = pg.mkPen("#1a1a1a", width=1)
        for item, X, y, pen in ((self.train_pts, dataset.X_train, dataset.y_train, rim),
                                (self.val_pts, dataset.X_val, dataset.y_val, val_rim)):
            brushes = [pg.mkBrush(CLASS_COLORS[k % len(CLASS_COLORS)]) for k in range(K)]
            item.setData(pos=X, brush=[brushes[k] for k in y], pen=pen)
        box = dataset.box
        self.tints = 255.0 + TINT * (class_rgb(K) - 255.0)
        self.setRange(xRange=box[:2], yRange=box[2:], padding=0)

    def visible_box(self) -> tuple[float, float, float, float]:
        """What the view shows (the aspect lock widens the data's box on one axis): the
        regions are computed over all of it, so no blank margin frames the picture."""
        (x0, x1), (y0, y1) = self.getViewBox().viewRange()
        return tuple(round(v, 4) for v in (x0, x1, y0, y1))

    def show_grid(self, grid) -> None:
        xs, ys = grid.xs, grid.ys
        dx, dy = (xs[-1] - xs[0]) / max(len(xs) - 1, 1), (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
        rect = QtCore.QRectF(xs[0] - dx / 2, ys[0] - dy / 2, xs[-1] - xs[0] + dx, ys[-1] - ys[0] + dy)
        self.image.set_image(region_image(grid.probs, self.tints), rect)

    def clear_image(self) -> None:
        self.image.clear()


class DecisionRegionsView(QtWidgets.QWidget):
    """The selected run's decision regions, or small multiples of all runs."""

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.c = controller
        self.mode = "selected"
        self.frames = 0  # images drawn (benchmarks read it)
        self._cursor = 0
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        bar = QtWidgets.QHBoxLayout()
        self.title = QtWidgets.QLabel()
        self.title.setFont(theme.font(theme.TITLE_PT, bold=True))
        self.title.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.title.setWordWrap(True)  # at 2x type the accuracy and the step go on a second line, not under the box
        bar.addWidget(self.title, 1)
        bar.setAlignment(self.title, QtCore.Qt.AlignmentFlag.AlignTop)
        self.mode_box = QtWidgets.QComboBox()
        self.mode_box.addItem("Selected run", "selected")
        self.mode_box.addItem("All runs", "grid")
        self.mode_box.setToolTip("one run large, or small multiples of every run")
        self.mode_box.activated.connect(lambda _i: self.set_mode(self.mode_box.currentData()))
        bar.addWidget(self.mode_box)
        lay.addLayout(bar)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.ci.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.canvas, 1)
        self.legend = QtWidgets.QLabel()
        self.legend.setAlignment(QtCore.Qt.AlignmentFlag.AlignHCenter)
        self.legend.setWordWrap(True)
        self.legend.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        lay.addWidget(self.legend)
        self.big = None
        self.cells: list[DecisionPlot] = []
        self.cell_titles: list[pg.TextItem] = []
        self._layout_key = None
        # a restart, a new selection and a resize each ask for a whole new picture: one
        # zero-delay timer folds them into one (a slider drag restarts ~60 times a second)
        self._full = QtCore.QTimer(self)
        self._full.setSingleShot(True)
        self._full.setInterval(0)
        self._full.timeout.connect(lambda: self.redraw(full=True))
        self.c.restarted.connect(self.rebuild)
        self.c.runChanged.connect(lambda _i: self._titles())
        self.c.selectionChanged.connect(lambda _i: self._full.start())
        self.title_throttle = Throttle(TITLE_MS, self._titles, self)
        self.image_throttle = Throttle(REDRAW_MS, self.redraw, self)
        self.c.stepChanged.connect(lambda _s: self.image_throttle.request())
        self.rebuild()
        self.redraw(full=True)

    def set_mode(self, mode: str) -> None:
        if mode not in ("selected", "grid") or mode == self.mode:
            return
        self.mode = mode
        self.mode_box.setCurrentIndex(self.mode_box.findData(mode))
        self.rebuild()
        self.redraw(full=True)

    def rebuild(self) -> None:
        """After a restart: new points on the existing plots; new plots only when the
        mode or the number of runs changed."""
        problem = self.c.problem
        if problem is None:
            return
        cols = best_columns(len(self.c.runs), self.canvas.width(), self.canvas.height())
        key = (self.mode, len(self.c.runs) if self.mode == "grid" else 1, cols)
        if key == self._layout_key:
            for plot in [self.big] if self.mode == "selected" else self.cells:
                plot.set_data(problem.dataset)
            box = problem.dataset.box
            for t in self.cell_titles:
                t.setPos(box[0], box[3])
            self._legend(problem)
            self._titles()
            self._full.start()
            return
        self._layout_key = key
        self.canvas.ci.clear()
        self.big, self.cells, self.cell_titles = None, [], []
        self._legend(problem)
        if self.mode == "selected":
            self.big = DecisionPlot()
            self.big.set_data(problem.dataset)
            self._follow(self.big)
            self.canvas.addItem(self.big)
        else:
            n = len(self.c.runs)
            grid = self.canvas.ci.layout
            for col in range(cols):
                grid.setColumnStretchFactor(col, 1)
            for r in range(math.ceil(n / cols)):
                grid.setRowStretchFactor(r, 1)
            box = problem.dataset.box
            for i in range(n):
                r, col = divmod(i, cols)
                cell = DecisionPlot(small=True)
                cell.set_data(problem.dataset)
                # the run's name sits on the picture's top-left corner (the data leave it empty):
                # a LabelItem above each cell would size the grid's columns by the text's length
                title = pg.TextItem(anchor=(0, 0), color=theme.INK, fill=pg.mkBrush(255, 255, 255, 215))
                title.setFont(theme.font(theme.TICK_PT if cols < 3 else theme.TICK_PT - 2))
                title.setPos(box[0], box[3])
                cell.addItem(title, ignoreBounds=True)
                self._follow(cell)
                self.canvas.addItem(cell, row=r, col=col)
                self.cells.append(cell)
                self.cell_titles.append(title)
        self._titles()
        self._full.start()

    def _legend(self, problem) -> None:
        K = problem.dataset.n_classes
        names = problem.dataset.names or tuple(str(k) for k in range(K))
        chips = " ".join(f"<span style='color:{CLASS_COLORS[k % len(CLASS_COLORS)]}'>■</span> {html.escape(names[k])}"
                         for k in range(K))
        self.legend.setText(f"<span style='font-size:{theme.LABEL_PT}pt'>class {chips} &nbsp;&nbsp;&nbsp; "
                            f"●&nbsp;training&nbsp;points &nbsp;&nbsp; ▲&nbsp;validation&nbsp;points</span>")
        self.legend.setToolTip("Region colours: the predicted class, pale where the model hesitates "
                               "(its top probability is near 1/K)")

    def _follow(self, plot: DecisionPlot) -> None:
        """A resize changes what the view shows: recompute the picture for it."""
        plot.getViewBox().sigRangeChanged.connect(lambda *_: self._full.start())

    def _titles(self) -> None:
        c = self.c
        i = c.selected
        if self.mode == "selected":
            if 0 <= i < len(c.runs):
                self.title.setText(f"<span style='color:{c.runs[i].color}'>■</span> {c.runs[i].label}"
                                   f"{self._acc(i)}  ·  step {c.step}")
            else:
                self.title.setText("no runs: add one")
        else:
            self.title.setText(f"All runs  ·  step {c.step}")
            for j, t in enumerate(self.cell_titles):
                if j < len(c.runs):
                    t.setHtml(f"<span style='color:{c.runs[j].color}'>■</span> {c.runs[j].label}{self._acc(j)}")

    def _acc(self, i: int) -> str:
        at = self.c.diverged_at(i)
        if at is not None:
            return f"  <span style='color:#B00020'>✗ diverged @ {at}</span>"
        acc = self.c.last_metric(i, "val_acc")
        return f"  — val {100 * acc:.0f}%" if acc is not None else ""

    def _draw(self, plot: DecisionPlot, i: int, n: int) -> None:
        w = self.c.weights(i)
        if w is None:
            plot.clear_image()
            return
        plot.show_grid(self.c.problem.decision_grid(w, n, n, box=plot.visible_box()))

    def redraw(self, full: bool = False) -> None:
        if self.c.problem is None:
            return
        if full:
            self._titles()
        else:
            self.title_throttle.request()
        if not self.isVisible() and not full:
            return
        if self.mode == "selected":
            i = self.c.selected
            if 0 <= i < len(self.c.runs):
                self._draw(self.big, i, GRID)
            else:
                self.big.clear_image()
        else:
            n = len(self.cells)
            todo = range(n) if full else [(self._cursor + k) % n for k in range(min(CELLS_PER_TICK, n))]
            for j in todo:
                self._draw(self.cells[j], j, SMALL_GRID)
            if n:
                self._cursor = (self._cursor + CELLS_PER_TICK) % n
        self.frames += 1
