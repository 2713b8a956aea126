"""What the theory predicts, drawn on a phase diagram: the heavy ball's stability
boundary ``lr (l_max + wd) = 2 (1 + rho)`` as a dashed curve, GD's ``2 / l_max`` where
the momentum axis reaches 0, and Polyak's optimal (lr, rho) as a star (engine.phase)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from gui import theme
from gui.analysis.phase_axes import coords

THEORY_COLOR, POLYAK_COLOR = "#D55E00", "#FFD23F"


class TheoryOverlay:
    """The items drawn over the cells, made once; ``draw`` replaces their data."""

    def __init__(self, plot):
        self.plot = plot
        self.boundary = pg.PlotCurveItem(pen=theme.pen(THEORY_COLOR, 2.0, QtCore.Qt.PenStyle.DashLine))
        plot.addItem(self.boundary)
        self.marks = pg.ScatterPlotItem()
        self.marks.setZValue(10)
        plot.addItem(self.marks)
        self.labels: list = []

    def draw(self, th, axes) -> None:
        """The closed forms of ``th`` (engine.phase.PhaseTheory, or None: nothing) on a
        diagram of ``axes``."""
        for item in self.labels:
            self.plot.removeItem(item)
        self.labels = []
        self.boundary.setData([], [])
        spots = []
        if th is None:
            self.marks.setData([])
            return
        lr_k = [a.name for a in axes].index("lr")
        other_k = 1 - lr_k
        other = axes[other_k]
        along = np.geomspace(other.lo, other.hi, 200) if other.log else np.linspace(other.lo, other.hi, 200)
        limit = th.lr_limit(along) if th.other == other.name else np.full(200, float(th.lr_limit()))
        pts = [None, None]
        pts[lr_k] = coords(axes[lr_k], limit)
        pts[other_k] = coords(other, along)
        self.boundary.setPen(theme.pen(THEORY_COLOR, 2.0, QtCore.Qt.PenStyle.DashLine))
        self.boundary.setData(pts[0], pts[1])
        mid = len(along) // 2
        formula = {"momentum": "lr·λmax = 2(1+ρ)", "weight_decay": "lr·(λmax+wd) = 2"}.get(th.other, "lr·λmax = 2")
        self._label(pts[0][mid], pts[1][mid], f"{formula} ", THEORY_COLOR, anchor=(1, 0.5))
        if th.other == "momentum" and other.lo <= 0.0:  # the rho = 0 edge is plain GD
            p = [0.0, 0.0]
            p[lr_k] = float(coords(axes[lr_k], [th.gd_limit])[0])
            p[other_k] = 0.0
            spots.append({"pos": p, "symbol": "o", "size": 10, "brush": pg.mkBrush(THEORY_COLOR),
                          "pen": pg.mkPen(theme.INK)})
            self._label(p[0], p[1], "GD 2/λmax ", THEORY_COLOR, anchor=(1, 1))
        if th.polyak is not None:
            lr, rho = th.polyak
            p = [0.0, 0.0]
            p[lr_k] = float(coords(axes[lr_k], [lr])[0])
            p[other_k] = float(coords(other, [rho])[0])
            spots.append({"pos": p, "symbol": "star", "size": 20, "brush": pg.mkBrush(POLYAK_COLOR),
                          "pen": pg.mkPen(theme.INK, width=1.5)})
            self._label(p[0], p[1], f"Polyak ({lr:.3g}, {rho:.3g}) ", theme.INK, anchor=(1, 0))
        self.marks.setData(spots)

    def _label(self, x, y, text, color, anchor=(0, 0.5)) -> None:
        card = pg.mkColor(theme.BACKGROUND)
        card.setAlpha(200)
        item = pg.TextItem(text, color=color, anchor=anchor, fill=pg.mkBrush(card))
        item.setFont(theme.font(10, bold=True))
        item.setPos(x, y)
        item.setZValue(20)
        self.plot.addItem(item)
        self.labels.append(item)
