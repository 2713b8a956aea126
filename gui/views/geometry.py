"""The geometry of the selected run's next update, drawn at its current point (View >
Geometry of the update): whatever shapes its record lists (engine.geometry) -- the
diagonal preconditioner's ellipse beside SGD's circle, Lion's L-infinity box, SAM's
rho-ball with its ascent point, Newton's and BFGS's quadratic models beside the true
Hessian's, momentum's two arrows. No optimizer keys here: the shapes say what they are.
The rule's own shapes are drawn in the run's colour, the problem's true ones dark and
dashed; the corner says which is which.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from engine.geometry import update_shapes
from gui import theme
from gui.views.overlays import arrow_segments

KEY = "update_geometry"
_CIRCLE = np.linspace(0.0, 2.0 * math.pi, 97)


def ellipse_points(center, A) -> np.ndarray:
    """Points of {p : (p - c)^T A (p - c) = 1} (empty unless A is positive definite)."""
    A = 0.5 * (np.asarray(A, dtype=float) + np.asarray(A, dtype=float).T)
    lam, Q = np.linalg.eigh(A)
    if not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        return np.empty((0, 2))
    unit = np.stack([np.cos(_CIRCLE), np.sin(_CIRCLE)])
    return (np.asarray(center, dtype=float)[:, None] + Q @ (unit / np.sqrt(lam)[:, None])).T


def box_points(center, half) -> np.ndarray:
    (x, y), (hx, hy) = center, half
    return np.array([[x - hx, y - hy], [x + hx, y - hy], [x + hx, y + hy], [x - hx, y + hy], [x - hx, y - hy]])


def _extent(shape) -> float:
    """How far a set of steps reaches from its anchor, true to size."""
    a = np.asarray(shape.anchor, dtype=float)
    if shape.kind == "arrow":
        return float(max(np.linalg.norm(shape.to - a), np.linalg.norm(shape.center - a)))
    if shape.kind == "box":
        return float(np.linalg.norm(shape.half))
    if shape.kind == "ellipse":
        lam = np.linalg.eigvalsh(0.5 * (np.asarray(shape.A) + np.asarray(shape.A).T))
        return float(1.0 / np.sqrt(lam.min())) if lam.min() > 0 else 0.0
    return 0.0


def _fitting_gain(shapes, gain, reach):
    """The arrows' gain, lowered (not below 1) so no set of steps reaches past ``reach``."""
    longest = max((_extent(sh) for sh in shapes if sh.anchor is not None), default=0.0)
    if longest > 0 and math.isfinite(longest) and gain * longest > reach:
        return max(1.0, reach / longest)
    return gain


def _magnified(shape, gain):
    if shape.anchor is None or gain == 1:
        return shape
    a = np.asarray(shape.anchor, dtype=float)
    move = lambda p: None if p is None else a + gain * (np.asarray(p, dtype=float) - a)
    return shape._replace(center=move(shape.center), to=move(shape.to),
                          A=None if shape.A is None else np.asarray(shape.A) / gain ** 2,
                          half=None if shape.half is None else np.asarray(shape.half) * gain)


class GeometryOverlay:
    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.enabled = False
        self.curves = {role: pg.PlotCurveItem(connect="finite") for role in ("model", "true")}
        self.arrows = {role: pg.PlotCurveItem(connect="pairs") for role in ("model", "true")}
        self.points = pg.ScatterPlotItem(size=9, symbol="o")
        for item in (*self.curves.values(), *self.arrows.values(), self.points):
            item.setZValue(26)
            plot.addItem(item)
        self.caption = pg.TextItem(anchor=(0, 0), color=theme.INK)
        self.caption.setFont(theme.font(10))
        self.caption.setZValue(31)
        plot.addItem(self.caption, ignoreBounds=True)
        self.items = (*self.curves.values(), *self.arrows.values(), self.points, self.caption)
        self.shapes: tuple = ()
        self._empty = False  # nothing drawn: clear() has nothing to do

    def clear(self) -> None:
        # the overlay is off on most scenes, and clearing 5 empty items and the caption
        # on every slider move or frame re-announced their bounds to the view box (~0.3 ms)
        if self._empty:
            return
        self._empty = True
        for item in (*self.curves.values(), *self.arrows.values()):
            item.setData([], [])
        self.points.setData([], [])
        self.caption.setText("")
        self.shapes = ()
        # hidden, not only empty: every paint of the map asked each visible item for its
        # bounds and painted the empty scatter (~0.1 ms of every frame and slider move)
        for item in self.items:
            item.setVisible(False)

    def draw(self, controller, view_box, gain: float = 1.0) -> None:
        """``gain``: the step arrows' magnification (gui.views.overlays), applied to sets
        of steps about their anchor; places (minimisers, SAM's ball) stay true to size."""
        c = controller
        if not self.enabled or c.surface is None or c.surface.dim != 2 or not c.runs:
            self.clear()
            return
        i = c.selected
        run, trace = c.runs[i], c.traces[i]
        t = c.row(i)
        if not run.visible or trace is None or t >= len(trace.xs) - 1 and trace.diverged_at is not None:
            self.clear()
            return
        scene = c.scene
        start = scene.start if scene.start is not None else c.surface.start
        if self._empty:
            for item in self.items:
                item.setVisible(True)
        self._empty = False
        try:
            self.shapes = update_shapes(c.surface, run.optimizer, run.schedule, start, t, scene.steps,
                                        scene.noise, scene.seed)
        except Exception:  # noqa: BLE001 - a failing rule must never take the drawing down
            self.shapes = ()
        width = view_box[1] - view_box[0]
        pens = {"model": theme.pen(run.color, 2.0), "true": theme.pen(theme.INK, 1.5, QtCore.Qt.PenStyle.DashLine)}
        lines = {"model": [], "true": []}
        arrows = {"model": [], "true": []}
        spots = []
        gain = _fitting_gain(self.shapes, gain, 0.2 * width)
        for shape in self.shapes:
            shape = _magnified(shape, gain)
            if shape.kind == "ellipse":
                pts = ellipse_points(shape.center[:2], np.asarray(shape.A)[:2, :2])
            elif shape.kind == "box":
                pts = box_points(shape.center[:2], shape.half[:2])
            elif shape.kind == "arrow":
                arrows[shape.role].append(arrow_segments(shape.center[:2], np.asarray(shape.to[:2]) - shape.center[:2],
                                                         0.02 * width))
                continue
            else:
                spots.append({"pos": tuple(shape.center[:2]), "brush": pg.mkBrush(run.color if shape.role == "model"
                                                                                   else theme.INK),
                              "pen": pg.mkPen(theme.INK, width=1), "symbol": "o" if shape.role == "model" else "x"})
                continue
            if len(pts) and np.ptp(pts, axis=0).max() < 1e3 * width:  # a huge ellipse says nothing
                lines[shape.role].append(np.vstack([pts, [np.nan, np.nan]]))
        for role in ("model", "true"):
            self.curves[role].setPen(pens[role])
            self.arrows[role].setPen(pens[role])
            data = np.concatenate(lines[role]) if lines[role] else np.empty((0, 2))
            self.curves[role].setData(data[:, 0], data[:, 1])
            segs = np.concatenate(arrows[role]) if arrows[role] else np.empty((0, 2))
            self.arrows[role].setData(segs[:, 0], segs[:, 1])
        self.points.setData(spots)
        labels = []
        for shape in self.shapes:
            text = ("— " if shape.role == "model" else "- - ") + shape.label
            if shape.label and text not in labels:
                labels.append(text)
        if gain != 1 and any(sh.anchor is not None for sh in self.shapes):
            labels.append(f"steps ×{gain:.3g}")
        self.caption.setText("\n".join(labels))
        self.caption.setPos(view_box[0], view_box[3])
