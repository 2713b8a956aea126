"""How many floats of optimizer state each run keeps per copy of the weights (seed 002):
SGD none, momentum one per weight, Adam two (m and v), Adafactor only a row and a
column vector per weight matrix. A dashed line marks the weights themselves, and a
caption spells the sums out for the model on screen.

Second-order rules dwarf the rest (BFGS keeps a D x D matrix); their bars are cut at
the top of a scale chosen for the first-order rules and say so, so the lecture's
comparison, Adam against Adafactor, stays readable.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from engine.registry import OPTIMIZERS, base_key, resolve
from gui import theme

SHORT = {"momentum": "Momentum", "nesterov": "Nesterov", "random-search": "Random"}  # tick labels
CUT = 4.0  # bars above CUT x D are cut (and labelled) at the top of the scale


def working_floats(layout, key: str, floats: int) -> int:
    """What a bar shows: the state kept between steps, except for Newton, which keeps
    none but builds the D x D Hessian on every step ("none" would tell the lecture's
    memory argument backwards)."""
    D = sum(math.prod(s) for _, s in layout)
    return D * D if key == "newton" else floats


def memory_formula(layout, key: str, floats: int, params: dict | None = None) -> str:
    """``floats`` in terms of the D weights: '2 × D', 'rows + cols', 'D² + 2D'."""
    D = sum(math.prod(s) for _, s in layout)
    if key == "newton":
        return "D² (Hessian, every step)"
    if floats == 0:
        return "none"
    formula = resolve(key, params)[0].memory_formula  # the record says how, if not "k × D"
    if formula:
        return formula
    if floats % D == 0:
        return f"{floats // D} × D"
    return f"{floats / D:.1f} × D"


def adafactor_sum(layout) -> str:
    """'W1 (2×64): 2+64, b1: 64, ...' for the caption."""
    parts = []
    for name, shape in layout:
        if len(shape) == 2:
            parts.append(f"{name} ({shape[0]}×{shape[1]}): {shape[0]}+{shape[1]}")
        else:
            parts.append(f"{name}: {math.prod(shape)}")
    return ", ".join(parts)


class BarLabel(pg.TextItem):
    """A bar's number and formula, centred on the bar in a box as wide as its longest
    line, again whenever its font changes: presentation mode doubles the font of a view
    already drawn, and the old width wrapped "2 x D" into three lines over the plot's top."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.textItem.document().setDefaultTextOption(QtGui.QTextOption(QtCore.Qt.AlignmentFlag.AlignHCenter))
        self.fit()

    def setFont(self, font) -> None:
        super().setFont(font)
        self.fit()

    def fit(self) -> None:
        self.textItem.setTextWidth(-1)  # unwrapped, to measure the longest line
        self.textItem.setTextWidth(self.textItem.document().idealWidth() + 2)
        self.updateTextPos()


class MemoryView(QtWidgets.QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.c = controller
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.canvas = pg.GraphicsLayoutWidget()
        lay.addWidget(self.canvas, 1)
        self.caption = QtWidgets.QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.caption.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.caption.setContentsMargins(8, 4, 8, 8)
        lay.addWidget(self.caption)
        self.plot = self.canvas.addPlot()
        theme.style_plot(self.plot, left="floats of optimizer state",
                         title="Optimizer memory per copy of the weights")
        self.plot.showGrid(x=False, y=True, alpha=theme.GRID_ALPHA)
        self.plot.getViewBox().setMouseEnabled(False, False)
        self.bars = None
        self.labels: list[pg.TextItem] = []
        self.weights_line = pg.InfiniteLine(angle=0, pen=theme.pen(theme.INK, style=QtCore.Qt.PenStyle.DashLine))
        self.plot.addItem(self.weights_line, ignoreBounds=True)
        self.values: list[int] = []  # what the bars stand for (tests read it)
        self.c.restarted.connect(self.rebuild)  # every change of the runs restarts the race
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
            self.caption.setText("")
            return
        D = problem.dim
        bars = [working_floats(problem.layout, r.optimizer.key, v) for r, v in zip(runs, self.values)]
        shown = [v for v in bars if v <= CUT * D]
        top = max(max(shown, default=0), D) * 1.3
        heights = [min(v, top / 1.08) for v in bars]
        self.bars = pg.BarGraphItem(x=np.arange(len(runs)), height=heights, width=0.66,
                                    brushes=[pg.mkBrush(r.color) for r in runs],
                                    pens=[pg.mkPen(theme.INK)] * len(runs))
        self.plot.addItem(self.bars)
        for i, (v, h, cfg) in enumerate(zip(bars, heights, runs)):
            cut = v > h
            formula = memory_formula(problem.layout, cfg.optimizer.key, v, cfg.optimizer.params)
            html = (f"<div style='text-align:center'><b>{v:,}</b>{' ▲ (cut)' if cut else ''}"
                    f"<br><small>{formula}</small></div>")  # relative: it scales with the item's font
            # the theme's ink (Qt's default is black, unreadable on the dark theme) and a
            # card of its background where the bar is cut
            card = pg.mkColor(theme.BACKGROUND)
            card.setAlpha(200)
            t = BarLabel(html=html, anchor=(0.5, 1.0), fill=pg.mkBrush(card) if cut else None)
            t.setColor(theme.INK)  # TextItem ignores its color argument when given html
            t.setFont(theme.font(theme.TICK_PT))
            t.setPos(i, h)
            self.plot.addItem(t)
            self.labels.append(t)
        self.weights_line.setValue(D)
        axis = self.plot.getAxis("bottom")
        axis.setTickFont(theme.font(theme.TICK_PT if len(runs) <= 6 else theme.TICK_PT - 2))
        axis.setTicks([[(i, self._short(i)) for i in range(len(runs))]])
        self.plot.setXRange(-0.6, len(runs) - 0.4, padding=0)
        self.plot.setYRange(0, top * 1.12, padding=0)
        self._caption(problem)

    def _caption(self, problem) -> None:
        D = problem.dim
        keys = {r.optimizer.key for r in self.c.runs}
        lines = [f"Dashed line: the model's own <b>D = {D:,}</b> weights ({problem.model.key}, "
                 + ", ".join(f"{n} {'×'.join(map(str, s))}" for n, s in problem.layout) + ")."]
        if keys & {"adam", "adamw", "nadam", "radam", "adamax"}:
            lines.append(f"Adam keeps m and v for every weight: 2 × {D:,} = {2 * D:,} floats.")
        if "newton" in keys:
            lines.append(f"Newton keeps nothing from one step to the next, but builds and solves the "
                         f"D × D Hessian on every step: D² = {D * D:,} floats.")
        if "adafactor" in keys:
            floats = OPTIMIZERS["adafactor"].state_floats(problem.layout)
            lines.append(f"Adafactor keeps v factored: one number per row and per column of each "
                         f"matrix, vectors in full — {adafactor_sum(problem.layout)} = {floats:,} floats "
                         f"({100 * floats / max(2 * D, 1):.0f} % of Adam's). Seed 002: on an n × m layer "
                         f"that is n + m instead of 2 n m.")
        self.caption.setText(f"<span style='font-size:{theme.LABEL_PT - 1}pt'>" + "<br>".join(lines) + "</span>")

    def _short(self, i: int) -> str:
        cfg = self.c.runs[i]
        key = cfg.optimizer.key
        base = base_key(key, cfg.optimizer.params)
        short = SHORT.get(base, OPTIMIZERS[base].title)
        return short if base == key else f"{OPTIMIZERS[key].title}/{short}"
