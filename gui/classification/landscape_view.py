"""A 2-D slice of the loss landscape around the selected run's weights (Li et al. 2018,
filter-normalised directions; engine.landscape), as a heat map with contour lines,
and the run's trajectory projected onto the slice.

The slice costs ~0.2 s (41 x 41 losses of the whole training set), so it is computed
only when asked ("Recompute", with a busy cursor), never per frame. The projection is
one small matrix product and follows the run live as it trains.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from engine.landscape import loss_slice
from gui import theme

N_GRID = 41
N_CONTOURS = 12


class LandscapeView(QtWidgets.QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.c = controller
        self.slice = None
        self.slice_run = None  # (generation, run index, step) the slice was taken at
        self._pinv = None
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        bar = QtWidgets.QHBoxLayout()
        self.button = QtWidgets.QPushButton("Recompute")
        self.button.setToolTip("take a new slice around the selected run's current weights (~0.2 s)")
        self.button.clicked.connect(self.recompute)
        bar.addWidget(self.button)
        bar.addWidget(QtWidgets.QLabel("span"))
        self.span = QtWidgets.QDoubleSpinBox()
        self.span.setRange(0.05, 10.0)
        self.span.setSingleStep(0.25)
        self.span.setValue(1.0)
        self.span.setToolTip("the slice covers w + a d1 + b d2 for a, b in [-span, span] "
                             "(directions scaled like the weights)")
        bar.addWidget(self.span)
        self.info = QtWidgets.QLabel("not computed yet: press Recompute")
        self.info.setWordWrap(True)
        bar.addWidget(self.info, 1)
        lay.addLayout(bar)
        self.canvas = pg.GraphicsLayoutWidget()
        lay.addWidget(self.canvas, 1)
        self.plot = self.canvas.addPlot()
        theme.style_plot(self.plot, bottom="direction 1 (filter-normalised)", left="direction 2")
        self.plot.setAspectLocked(True)
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
        self.c.progressed.connect(self._progress)
        self._ticks = 0

    def forget(self) -> None:
        """A new problem or Trainer: the old slice is about other weights."""
        self.slice, self.slice_run, self._pinv = None, None, None
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
        QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.CursorShape.WaitCursor)
        try:
            sl = loss_slice(c.problem, w, n=N_GRID, span=float(self.span.value()), seed=c.scene.seed)
        except Exception as err:  # noqa: BLE001 - a failing slice must not take the app down
            c.message.emit(f"landscape: {type(err).__name__}: {err}")
            return False
        finally:
            QtWidgets.QApplication.restoreOverrideCursor()
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
        self.center.setData([0.0], [0.0])
        self.plot.setRange(xRange=(a0, a1), yRange=(b0, b1), padding=0.02)
        gen, run, step = self.slice_run
        label = self.c.runs[run].label if run < len(self.c.runs) else "?"
        self.info.setText(f"slice around {label} at step {step}: log10 loss from {lo:.2f} to {hi:.2f}")

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
        self.path.setData(xy[:, 0], xy[:, 1], pen=theme.pen(color))
        self.start.setData([xy[0, 0]], [xy[0, 1]])
        self.head.setData([xy[-1, 0]], [xy[-1, 1]], brush=pg.mkBrush(color))

    def _progress(self, _step: int) -> None:
        self._ticks += 1
        if self.isVisible() and self._ticks % 4 == 0:  # the path moves slowly: 15 Hz is plenty
            self.update_path()
