"""How many floats of optimizer state each run keeps per copy of the weights (seed 002):
SGD none, momentum one per weight, Adam two (m and v), Adafactor only a row and a
column vector per weight matrix. A dashed line marks the weights themselves.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from engine.registry import OPTIMIZERS
from gui import theme


def memory_formula(layout, key: str, floats: int) -> str:
    """A short explanation of ``floats`` in terms of the weights D (and rows + columns)."""
    D = sum(math.prod(s) for _, s in layout)
    if floats == 0:
        return "0"
    if key == "adafactor":
        parts = [f"{s[0]}+{s[1]}" if len(s) == 2 else f"{s[0]}" for _, s in layout]
        return f"{floats} = " + " + ".join(parts)
    if floats % D == 0:
        k = floats // D
        return f"{floats} = {k} × {D}" if k != 1 else f"{floats} = 1 × {D}"
    return f"{floats} ≈ {floats / D:.1f} × {D}"


class MemoryView(QtWidgets.QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.c = controller
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.canvas = pg.GraphicsLayoutWidget()
        lay.addWidget(self.canvas)
        self.plot = self.canvas.addPlot()
        theme.style_plot(self.plot, left="floats of optimizer state", title="Optimizer memory per copy of the weights")
        self.plot.showGrid(x=False, y=True, alpha=theme.GRID_ALPHA)
        self.plot.getViewBox().setMouseEnabled(False, False)
        self.bars = None
        self.labels: list[pg.TextItem] = []
        self.weights_line = pg.InfiniteLine(angle=0, pen=theme.pen(theme.INK, style=QtCore.Qt.PenStyle.DashLine))
        self.weights_label = pg.TextItem(color=theme.INK, anchor=(0, 1))
        self.weights_label.setFont(theme.font(theme.LABEL_PT - 1))
        self.plot.addItem(self.weights_line, ignoreBounds=True)
        self.plot.addItem(self.weights_label, ignoreBounds=True)
        self.values: list[int] = []  # what the bars show (tests read it)
        self.c.runsChanged.connect(self.rebuild)
        self.c.restarted.connect(self.rebuild)
        self.c.runChanged.connect(lambda _i: self.rebuild())
        self.rebuild()

    def rebuild(self) -> None:
        if self.bars is not None:
            self.plot.removeItem(self.bars)
            self.bars = None
        for t in self.labels:
            self.plot.removeItem(t)
        self.labels = []
        problem = self.c.problem
        runs = self.c.runs
        self.values = [self.c.memory(i) for i in range(len(runs))] if problem is not None else []
        if not runs or problem is None:
            return
        x = np.arange(len(runs))
        self.bars = pg.BarGraphItem(x=x, height=self.values, width=0.66,
                                    brushes=[pg.mkBrush(r.color) for r in runs], pens=[pg.mkPen(theme.INK)] * len(runs))
        self.plot.addItem(self.bars)
        top = max(max(self.values), problem.dim)
        for i, (v, cfg) in enumerate(zip(self.values, runs)):
            t = pg.TextItem(memory_formula(problem.layout, cfg.optimizer.key, v), color=theme.INK, anchor=(0.5, 1.05))
            t.setFont(theme.font(theme.LABEL_PT - 1, bold=True))
            t.setPos(i, v)
            self.plot.addItem(t)
            self.labels.append(t)
        D = problem.dim
        self.weights_line.setValue(D)
        self.weights_label.setText(f"the weights: D = {D}")
        self.weights_label.setPos(-0.45, D)
        axis = self.plot.getAxis("bottom")
        axis.setTicks([[(i, self._short(i)) for i in range(len(runs))]])
        self.plot.setXRange(-0.6, len(runs) - 0.4, padding=0)
        self.plot.setYRange(0, top * 1.22, padding=0)

    def _short(self, i: int) -> str:
        cfg = self.c.runs[i]
        key = cfg.optimizer.key
        title = OPTIMIZERS[key].title
        if key == "sam":
            title = f"SAM/{OPTIMIZERS[cfg.optimizer.params['base']].title}"
        return title
