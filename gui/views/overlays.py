"""Arrows and boxes at each run's head: what the optimizer "sees" at the current step.

* gradient arrow (dark): the plain gradient step ``-lr g`` at the head,
* update arrow (run colour): the step the optimizer actually takes next,
* velocity arrow (run colour, dashed): the momentum / first-moment buffer as a step,
* adaptive box (run colour, dotted): the per-coordinate step size ``lr / sqrt(v_hat)``
  of adaptive rules, normalised to show its *shape* (a box wide along the axis whose
  gradients are small).

All arrows share one magnification (``gain``, shown in the corner) chosen from the
scene's first steps so they are visible without zooming; it changes only when the
scene or the list of runs does, so arrows can be compared while a slider moves.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from gui import theme
from gui.derived import derive

KINDS = ("gradient_arrows", "step_arrows", "velocity_arrows", "adaptive_boxes")


def arrow_segments(origin, vec, head_len) -> np.ndarray:
    """Shaft and two barbs of an arrow as 3 pairs of points (empty if it has no length).
    In Python floats: a dozen NumPy calls on 2-vectors cost ~70 us an arrow, and a frame
    with every overlay on draws ~25 of them."""
    ox, oy = float(origin[0]), float(origin[1])
    vx, vy = float(vec[0]), float(vec[1])
    length = math.hypot(vx, vy)
    if not math.isfinite(length) or length == 0.0:
        return np.empty((0, 2))
    tx, ty = ox + vx, oy + vy
    ux, uy = vx / length, vy / length
    h = min(head_len, 0.4 * length)
    bx, by = tx - h * ux, ty - h * uy
    nx, ny = -uy * h * 0.45, ux * h * 0.45
    return np.array([(ox, oy), (tx, ty), (tx, ty), (bx + nx, by + ny), (tx, ty), (bx - nx, by - ny)])


def nice_gain(raw: float) -> float:
    """1, 2, 5, 10, 20, ...: an easy number to say out loud."""
    if not math.isfinite(raw) or raw <= 1.0:
        return 1.0
    e = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10 ** e >= raw * 0.7:
            return float(min(m * 10 ** e, 1e4))
    return float(min(10 ** (e + 1), 1e4))


class Segments:
    """One arrow set or box: its points and its pen. Not a scene item of its own: the
    :class:`ArrowLayer` draws every one of them in one paint (25 PlotCurveItems, each
    with its own bounds and index upkeep on every frame, cost ~6 ms a frame)."""

    def __init__(self, layer: ArrowLayer, connect: str = "pairs"):
        self.layer = layer
        self.connect = connect  # "pairs": (p0, p1), (p2, p3) ...; "all": a polyline
        self.pen = QtGui.QPen()
        self.x = self.y = np.empty(0)

    def setData(self, x, y) -> None:
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        # the same arrows again (nothing moved): no new bounds and no repaint of the layer
        # (NaN only ever counts as a change)
        if x.tolist() != self.x.tolist() or y.tolist() != self.y.tolist():
            self.x, self.y = x, y
            self.layer.dirty = True

    def getData(self):
        return self.x, self.y

    def setPen(self, pen) -> None:
        self.pen = pen
        self.layer.update()

    def lines(self) -> list:
        x, y = self.x, self.y
        if self.connect == "pairs":
            return [QtCore.QLineF(x[k], y[k], x[k + 1], y[k + 1]) for k in range(0, len(x) - 1, 2)]
        return [QtCore.QLineF(x[k], y[k], x[k + 1], y[k + 1]) for k in range(len(x) - 1)]


class ArrowLayer(pg.GraphicsObject):
    """All head arrows and boxes of a view in one item (see :class:`Segments`).

    One item per run (so a slider drag repaints the patch around the moved run's head,
    not the rectangle around every head) was measured and rejected: a drag with every
    overlay on got ~1 ms faster, but 16 items cost an animation frame 1-2 ms more
    (Qt's and Python's work per item), and frames with arrows are the slower case."""

    def __init__(self):
        super().__init__()
        self.parts: list[Segments] = []
        self.dirty = False
        self.export_scale = 1.0  # gui.export widens the pens of a 2x / 4x export
        self._rect = QtCore.QRectF()
        self._lines: list = []

    def add(self, connect: str = "pairs") -> Segments:
        part = Segments(self, connect)
        self.parts.append(part)
        return part

    def remove(self, part: Segments) -> None:
        self.parts.remove(part)
        self.dirty = True

    def commit(self) -> None:
        """After the parts' data changed: new bounds (padded by a few pixels for the pens'
        width) and one repaint."""
        if not self.dirty:
            return
        self.dirty = False
        self._lines = [(part, part.lines()) for part in self.parts if len(part.x) > 1]
        xs = [part.x for part, _ in self._lines]
        ys = [part.y for part, _ in self._lines]
        self.prepareGeometryChange()
        if xs:
            x, y = np.concatenate(xs), np.concatenate(ys)
            px, py = (abs(v or 0.0) for v in (self.pixelWidth(), self.pixelHeight()))
            pad_x, pad_y = 4 * theme.LINE_SCALE * px, 4 * theme.LINE_SCALE * py
            self._rect = QtCore.QRectF(x.min() - pad_x, y.min() - pad_y,
                                       x.max() - x.min() + 2 * pad_x, y.max() - y.min() + 2 * pad_y)
        else:
            self._rect = QtCore.QRectF()
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return self._rect

    def paint(self, painter, *_args) -> None:
        for part, lines in self._lines:
            pen = part.pen
            if self.export_scale != 1.0:
                pen = QtGui.QPen(pen)
                pen.setWidthF(max(pen.widthF(), 1.0) * self.export_scale)
            painter.setPen(pen)
            painter.drawLines(lines)


class HeadOverlays:
    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.layer = ArrowLayer()
        self.layer.setZValue(24)
        plot.addItem(self.layer, ignoreBounds=True)
        self.layer.setVisible(False)  # until an overlay is on: an empty layer still costs every paint
        self.per_run: list[dict] = []
        self.grad = self.layer.add("pairs")  # drawn over the runs' arrows: added first, moved last
        self.grad.setPen(theme.pen(theme.INK, 1.5))
        self.gain = 1.0
        self.enabled = dict.fromkeys(KINDS, False)
        self._drawn = False  # something is on the plot: switching every kind off must clear it

    def set_count(self, n: int) -> None:
        while len(self.per_run) < n:
            self.per_run.append({"step": self.layer.add("pairs"), "velocity": self.layer.add("pairs"),
                                 "box": self.layer.add("all")})
        while len(self.per_run) > n:
            for part in self.per_run.pop().values():
                self.layer.remove(part)
        self.layer.parts.remove(self.grad)  # the plain gradient on top of every run's arrows
        self.layer.parts.append(self.grad)
        self.grad.setPen(theme.pen(theme.INK, 1.5))  # the theme or scale may have changed
        self.layer.commit()

    def set_color(self, i: int, color: str) -> None:
        items = self.per_run[i]
        items["step"].setPen(theme.pen(color, 2.0))
        items["velocity"].setPen(theme.pen(color, 1.5, QtCore.Qt.PenStyle.DashLine))
        items["box"].setPen(theme.pen(color, 1.5, QtCore.Qt.PenStyle.DotLine))

    @property
    def active(self) -> bool:
        return any(self.enabled.values())

    def legend_text(self) -> str:
        """What the view's legend says about the arrows' magnification ('' at 1x or off):
        in the plot the note ran into the start's label or sat on a minimum."""
        return f"arrows ×{self.gain:g}" if self.active and self.gain != 1 else ""

    def choose_gain(self, traces, view, dim) -> None:
        """Magnify so the scene's typical first step spans ~8% of the view's width."""
        firsts = [float(np.linalg.norm(tr.xs[1] - tr.xs[0])) for tr in traces if len(tr.xs) > 1]
        firsts = [f for f in firsts if math.isfinite(f) and f > 0]
        width = view[1] - view[0]
        self.gain = nice_gain(0.08 * width / float(np.median(firsts))) if firsts else 1.0

    def clear(self) -> None:
        self._drawn = False
        self.grad.setData([], [])
        for items in self.per_run:
            for item in items.values():
                item.setData([], [])
        self.layer.commit()
        self.layer.setVisible(False)

    def draw(self, controller, points, view_box) -> None:
        """Arrows at every visible head for the current step (nothing when all toggles are off:
        a preset that turns them off must not leave the previous preset's arrows behind)."""
        if not self.active:
            if self._drawn:
                self.clear()
            return
        self._drawn = True
        self.layer.setVisible(True)
        dim = controller.surface.dim
        width = view_box[1] - view_box[0]
        head_len = 0.025 * width
        grads = []
        for i, (run, tr) in enumerate(zip(controller.runs, controller.traces)):
            items = self.per_run[i]
            t = controller.row(i)
            # a run's drawn path stops where it left the map for good: no arrows after that
            gone = i < len(points) and t > len(points[i]) - 1
            if not run.visible or i >= len(points) or not len(points[i]) or gone:
                for item in items.values():
                    item.setData([], [])
                continue
            origin = points[i][t]
            lr_next = float(tr.lr[t + 1]) if t + 1 < len(tr.lr) else float(tr.lr[t])
            if self.enabled["gradient_arrows"]:
                g = -lr_next * tr.grads[t] if lr_next else -tr.grads[t] * 0.0
                grads.append(arrow_segments(origin, self._vec(g, dim), head_len))
            on = self.enabled
            step = (tr.xs[t + 1] - tr.xs[t]) if t + 1 < len(tr.xs) else np.zeros(dim)
            self._set(items["step"], arrow_segments(origin, self._vec(step, dim), head_len)
                      if on["step_arrows"] else None)
            d = None
            if (on["velocity_arrows"] or on["adaptive_boxes"]) and t >= 1:
                d = derive(run.optimizer, controller.states_trace(i), t)
            vel = d.velocity if d is not None and on["velocity_arrows"] else None
            self._set(items["velocity"], arrow_segments(origin, self._vec(vel, dim), head_len)
                      if vel is not None else None)
            scale = d.scale if d is not None and on["adaptive_boxes"] and dim == 2 else None
            self._set(items["box"], self._box(origin, scale, float(tr.lr[t])) if scale is not None else None)
        self.grad.setData(*(np.concatenate(grads).T if grads else ([], [])))
        self.layer.commit()

    def _vec(self, v, dim):
        v = np.asarray(v, dtype=float) * self.gain
        return np.array([v[0], 0.0]) if dim == 1 else v[:2]

    def _box(self, origin, scale, lr):
        scale = np.asarray(scale, dtype=float)
        if not np.all(np.isfinite(scale)) or np.any(scale <= 0) or not lr:
            return np.empty((0, 2))
        # shape from lr / sqrt(v_hat); size normalised to the base rate times the gain
        half = self.gain * lr * scale / math.exp(float(np.mean(np.log(scale))))
        x, y = origin
        hx, hy = half[:2]
        return np.array([[x - hx, y - hy], [x + hx, y - hy], [x + hx, y + hy], [x - hx, y + hy], [x - hx, y - hy]])

    @staticmethod
    def _set(item, pts) -> None:
        if pts is None or not len(pts):
            item.setData([], [])
        else:
            item.setData(pts[:, 0], pts[:, 1])
