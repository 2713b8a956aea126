"""A 2-D slice of the loss landscape around the selected run's weights (Li et al. 2018,
"Visualizing the Loss Landscape of Neural Nets"), as a heat map of log10 loss with
contour lines, and the run's trajectory projected onto the slice.

Two choices of the slice's directions, both from the paper:

* **trajectory PCA** (section 7, the default): the two principal directions of the
  run's own path ``w_t - w_now``. Random directions in a space of hundreds of
  weights are nearly orthogonal to any path, so a path projected on them barely
  moves (measured: 5 % of the slice for Adam's first 300 steps); on the PCA plane it
  is drawn faithfully, and the axes say how much of its variance each one holds.
* **random, filter-normalised** (section 4, engine.landscape.loss_slice): shows the
  shape of the minimum around the current weights, e.g. sharp versus flat.

A slice costs ~0.2 s (41 x 41 losses of the whole training set), so it is computed
only when asked ("Recompute", with a busy cursor), never per frame. The projection is
one small matrix product and follows the run live as it trains.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from engine.landscape import LandscapeSlice, loss_slice
from gui import theme

from .plotting import brush

N_GRID = 41
N_CONTOURS = 12
MIN_PATH_ROWS = 3


def pca_slice(problem, trajectory: np.ndarray, n: int = N_GRID, span: float = 1.0, chunk: int = 256):
    """Li et al. section 7: the slice through the last row of ``trajectory (T, D)``
    spanned by the top two principal directions of ``trajectory - last``. Returns the
    slice and the share of the path's variance along each direction."""
    center = trajectory[-1]
    M = trajectory - center
    _, sv, Vt = np.linalg.svd(M, full_matrices=False)
    d1, d2 = Vt[0], Vt[1] if len(Vt) > 1 else np.zeros_like(Vt[0])
    var = sv ** 2
    shares = (var[:2] / var.sum()) if var.sum() > 0 else np.zeros(2)
    coords = M @ np.stack([d1, d2], axis=1)  # (T, 2): the path on the plane
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    extent = np.maximum(hi - lo, 0.25 * max(hi[0] - lo[0], 1e-3))  # a flat second axis still gets room
    mid = (lo + hi) / 2
    half = span * 0.65 * extent
    alphas = np.linspace(mid[0] - half[0], mid[0] + half[0], n)
    betas = np.linspace(mid[1] - half[1], mid[1] + half[1], n)
    A, B = np.meshgrid(alphas, betas)
    coeffs = np.stack([A.ravel(), B.ravel()], axis=1)
    loss = np.empty(len(coeffs))
    with np.errstate(all="ignore"):
        for start in range(0, len(coeffs), chunk):
            c = coeffs[start:start + chunk]
            loss[start:start + chunk] = problem.value(center[None, :] + c[:, :1] * d1 + c[:, 1:] * d2)
    return LandscapeSlice(alphas, betas, loss.reshape(n, n), d1, d2, center), shares


class LandscapeView(QtWidgets.QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.c = controller
        self.slice = None
        self.kind = None  # "pca" or "random"
        self.slice_run = None  # (generation, run index, step) the slice was taken at
        self._pinv = None
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        bar = QtWidgets.QHBoxLayout()
        self.button = QtWidgets.QPushButton("Recompute")
        self.button.setToolTip("take a new slice around the selected run's current weights (~0.2 s)")
        self.button.clicked.connect(self.recompute)
        bar.addWidget(self.button)
        self.directions = QtWidgets.QComboBox()
        self.directions.addItem("trajectory PCA", "pca")
        self.directions.addItem("random, filter-normalised", "random")
        self.directions.setToolTip("PCA: the plane the run actually moved in (Li et al. section 7); random: the "
                                   "shape of the minimum around the current weights (section 4)")
        bar.addWidget(self.directions)
        bar.addWidget(QtWidgets.QLabel("span"))
        self.span = QtWidgets.QDoubleSpinBox()
        self.span.setRange(0.05, 10.0)
        self.span.setSingleStep(0.25)
        self.span.setValue(1.0)
        self.span.setToolTip("random: a and b in [-span, span] (directions scaled like the weights); "
                             "PCA: the path's extent times span, plus a margin")
        bar.addWidget(self.span)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.info = QtWidgets.QLabel("not computed yet: press Recompute")
        self.info.setWordWrap(True)
        lay.addWidget(self.info)
        self.canvas = pg.GraphicsLayoutWidget()
        lay.addWidget(self.canvas, 1)
        self.plot = self.canvas.addPlot()
        theme.style_plot(self.plot, bottom="direction 1", left="direction 2")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(theme.heat_colormap())
        self.plot.addItem(self.image)
        self.isos: list[pg.IsocurveItem] = []
        self.path = pg.PlotDataItem(pen=theme.pen("#000000"))
        self.start = pg.ScatterPlotItem(symbol="o", size=9, brush=pg.mkBrush("#ffffff"), pen=pg.mkPen("#000000"))
        self.head = pg.ScatterPlotItem(symbol="o", size=11, pen=pg.mkPen("#000000"))
        self.center = pg.ScatterPlotItem(symbol="+", size=14, pen=pg.mkPen("#000000", width=2))
        for item in (self.path, self.start, self.head, self.center):
            self.plot.addItem(item)
        self.projected = np.zeros((0, 2))  # what the path shows (tests read it)
        self.c.restarted.connect(self.forget)
        self.c.selectionChanged.connect(lambda _i: self.update_path())
        self.c.stepChanged.connect(self._progress)
        self._ticks = 0

    def forget(self) -> None:
        """A new problem or Trainer: the old slice is about other weights."""
        self.slice, self.slice_run, self._pinv, self.kind = None, None, None, None
        self.image.clear()
        for iso in self.isos:
            self.plot.removeItem(iso)
        self.isos = []
        for item in (self.path, self.start, self.head, self.center):
            item.setData([], [])
        self.projected = np.zeros((0, 2))
        self.info.setText("not computed yet: press Recompute")

    def recompute(self) -> bool:
        c = self.c
        i = c.selected
        w = c.weights(i) if 0 <= i < len(c.runs) else None
        if w is None or c.problem is None:
            c.message.emit("landscape: no run to slice around")
            return False
        kind = self.directions.currentData()
        _rows, path = c.trainer.paths[i].trajectory()
        if kind == "pca" and len(path) < MIN_PATH_ROWS:
            c.message.emit("landscape: the run has not moved yet; a PCA slice needs a few steps "
                           "(play, or choose random directions)")
            return False
        span = float(self.span.value())
        QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.CursorShape.WaitCursor)
        try:
            if kind == "pca":
                sl, shares = pca_slice(c.problem, path, N_GRID, span)
                axes = (f"PC 1 of the path ({100 * shares[0]:.0f} % of its variance)",
                        f"PC 2 ({100 * shares[1]:.0f} %)")
            else:
                sl = loss_slice(c.problem, w, n=N_GRID, span=span, seed=c.scene.seed)
                axes = ("random direction 1 (filter-normalised)", "random direction 2")
        except Exception as err:  # noqa: BLE001 - a failing slice must not take the app down
            c.message.emit(f"landscape: {type(err).__name__}: {err}")
            return False
        finally:
            QtWidgets.QApplication.restoreOverrideCursor()
        label_style = {"color": theme.INK, "font-size": f"{theme.LABEL_PT}pt"}
        self.plot.setLabel("bottom", axes[0], **label_style)
        self.plot.setLabel("left", axes[1], **label_style)
        self.kind = kind
        self.slice = sl
        self.slice_run = (c.generation, i, c.step)
        A = np.stack([sl.d1, sl.d2], axis=1)
        self._pinv = np.linalg.pinv(A)  # (2, D): least-squares projection, as LandscapeSlice.project
        self._draw_slice()
        self.update_path()
        return True

    def _draw_slice(self) -> None:
        sl = self.slice
        with np.errstate(all="ignore"):
            z = np.log10(np.where(np.isfinite(sl.loss), np.maximum(sl.loss, 1e-12), np.nan))
        finite = z[np.isfinite(z)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        z = np.where(np.isfinite(z), z, hi)
        a0, a1, b0, b1 = sl.alphas[0], sl.alphas[-1], sl.betas[0], sl.betas[-1]
        da, db = (a1 - a0) / (len(sl.alphas) - 1), (b1 - b0) / (len(sl.betas) - 1)
        rect = QtCore.QRectF(a0 - da / 2, b0 - db / 2, a1 - a0 + da, b1 - b0 + db)
        self.image.setImage(z, autoLevels=False, levels=(lo, hi if hi > lo else lo + 1))
        self.image.setRect(rect)
        for iso in self.isos:
            self.plot.removeItem(iso)
        self.isos = []
        # IsocurveItem draws in array-index coordinates: map them onto the slice's axes
        transform = pg.QtGui.QTransform()
        transform.translate(a0, b0)
        transform.scale(da, db)
        for level in np.linspace(lo, hi, N_CONTOURS + 2)[1:-1]:
            iso = pg.IsocurveItem(data=z, level=level, pen=pg.mkPen(theme.CONTOUR_COLOR), axisOrder="row-major")
            iso.setTransform(transform)
            self.plot.addItem(iso)
            self.isos.append(iso)
        self.center.setData([0.0] if self.kind == "random" else [], [0.0] if self.kind == "random" else [])
        self.plot.setRange(xRange=(a0, a1), yRange=(b0, b1), padding=0.02)
        gen, run, step = self.slice_run
        label = self.c.runs[run].label if run < len(self.c.runs) else "?"
        how = "its path's principal plane" if self.kind == "pca" else "two random directions"
        self.info.setText(f"Loss around {label} at step {step}, on {how}: colour = log10 loss "
                          f"({lo:.2f} light .. {hi:.2f} dark); the line is the run's path, ○ its start, "
                          f"● where it is now. Recompute to follow it.")

    def update_path(self) -> None:
        c = self.c
        if self.slice is None or self.slice_run[0] != c.generation:
            return
        i = c.selected
        if not 0 <= i < len(c.runs):
            return
        _rows, W = c.trainer.paths[i].trajectory()
        if not len(W):
            return
        xy = (W - self.slice.center) @ self._pinv.T
        self.projected = xy
        color = c.runs[i].color
        self.path.setData(xy[:, 0], xy[:, 1], pen=theme.pen(color, width=2))
        self.start.setData([xy[0, 0]], [xy[0, 1]])
        self.head.setData([xy[-1, 0]], [xy[-1, 1]], brush=brush(color))

    def _progress(self, _step: int) -> None:
        self._ticks += 1
        if self.isVisible() and self._ticks % 4 == 0:  # the path moves slowly: 15 Hz is plenty
            self.update_path()
