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
from PySide6 import QtCore

from gui import theme
from gui.derived import derive

KINDS = ("gradient_arrows", "step_arrows", "velocity_arrows", "adaptive_boxes")


def arrow_segments(origin, vec, head_len) -> np.ndarray:
    """Shaft and two barbs of an arrow as 3 pairs of points (empty if it has no length)."""
    o = np.asarray(origin, dtype=float)
    v = np.asarray(vec, dtype=float)
    length = float(np.hypot(*v))
    if not math.isfinite(length) or length == 0.0:
        return np.empty((0, 2))
    tip = o + v
    u = v / length
    h = min(head_len, 0.4 * length)
    back = tip - h * u
    normal = np.array([-u[1], u[0]]) * h * 0.45
    return np.array([o, tip, tip, back + normal, tip, back - normal])


def nice_gain(raw: float) -> float:
    """1, 2, 5, 10, 20, ...: an easy number to say out loud."""
    if not math.isfinite(raw) or raw <= 1.0:
        return 1.0
    e = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10 ** e >= raw * 0.7:
            return float(min(m * 10 ** e, 1e4))
    return float(min(10 ** (e + 1), 1e4))


class HeadOverlays:
    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.grad = pg.PlotCurveItem(connect="pairs", pen=theme.pen(theme.INK, 1.5))
        self.grad.setZValue(25)
        plot.addItem(self.grad)
        self.per_run: list[dict] = []
        self.gain = 1.0
        self.label = pg.TextItem(anchor=(1, 1), color=theme.MUTED)
        self.label.setFont(theme.font(10))
        self.label.setZValue(30)
        plot.addItem(self.label, ignoreBounds=True)
        self.enabled = dict.fromkeys(KINDS, False)
        self._drawn = False  # something is on the plot: switching every kind off must clear it

    def set_count(self, n: int) -> None:
        while len(self.per_run) < n:
            items = {"step": pg.PlotCurveItem(connect="pairs"), "velocity": pg.PlotCurveItem(connect="pairs"),
                     "box": pg.PlotCurveItem()}
            for item in items.values():
                item.setZValue(24)
                self.plot.addItem(item)
            self.per_run.append(items)
        while len(self.per_run) > n:
            for item in self.per_run.pop().values():
                self.plot.removeItem(item)

    def set_color(self, i: int, color: str) -> None:
        items = self.per_run[i]
        items["step"].setPen(theme.pen(color, 2.0))
        items["velocity"].setPen(theme.pen(color, 1.5, QtCore.Qt.PenStyle.DashLine))
        items["box"].setPen(theme.pen(color, 1.5, QtCore.Qt.PenStyle.DotLine))

    @property
    def active(self) -> bool:
        return any(self.enabled.values())

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
        self.label.setText("")

    def draw(self, controller, points, view_box) -> None:
        """Arrows at every visible head for the current step (nothing when all toggles are off:
        a preset that turns them off must not leave the previous preset's arrows behind)."""
        if not self.active:
            if self._drawn:
                self.clear()
            return
        self._drawn = True
        dim = controller.surface.dim
        width = view_box[1] - view_box[0]
        head_len = 0.025 * width
        grads = []
        for i, (run, tr) in enumerate(zip(controller.runs, controller.traces)):
            items = self.per_run[i]
            t = controller.row(i)
            # a diverged run's drawn path stops where it left the map: no arrows after that
            gone = i < len(points) and t >= len(points[i]) - 1 and controller.status(i) == "diverged"
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
        self.label.setText(f"arrows ×{self.gain:g}" if self.gain != 1 else "")
        self.label.setPos(view_box[1], view_box[2] if dim == 2 else self.plot.viewRange()[1][0])

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
