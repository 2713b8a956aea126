"""The "LR sweep" tab: seed 002's "too low / just right / too high" as one figure.

Every checked optimizer (by default the scene's runs, each with its other knobs and
its schedule) is run at ``n`` learning rates evenly spaced on a log axis, all rates of
one optimizer stepped together by :func:`engine.sweep.lr_sweep` (~30 ms for 150 rates x
3 optimizers x 300 steps). The plot shows the final loss (``f(x_T) - f*`` on a log
axis when the minimum is known) or the steps to reach a tolerance, against the
learning rate on a log axis, one curve per optimizer in its run's colour, with the
regions of one of them shaded, each optimizer's best rate starred and the scene's
current rates as dashed lines. Clicking a point puts that learning rate into its run
(or adds a run for an optimizer that is not in the scene) and shows the surface.

Computed when the tab is shown after the scene changed, again (debounced) while it
stays visible, and on the Recompute button; never while the tab is hidden.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from engine.registry import OPTIMIZERS, hypers_for
from engine.session import MAX_STEPS
from engine.sweep import JUST_RIGHT, TOO_HIGH, TOO_LOW, log_lrs, lr_sweep
from engine.theory import quadratic_theory
from gui import theme
from gui.analysis.common import (
    NumberEdit,
    busy,
    estimate_seconds,
    extra_entry,
    form_row,
    muted_label,
    scene_entries,
    side_column,
    swatch,
)

REGION_COLORS = {TOO_LOW: "#56B4E9", JUST_RIGHT: "#009E73", TOO_HIGH: "#D55E00"}
THEORY_LABEL_AT = 0.62  # the height of the theory rates' labels on their lines (0 bottom, 1 top)
FINAL, STEPS = "final loss", "steps to tolerance"
SLOW_SECONDS = 2.0  # a curve estimated slower than this is skipped (with a note)
PICK_PX = 12  # a click this close to a point picks it


def sweepable(key: str) -> bool:
    return "lr" in {h.name for h in hypers_for(key)}


class SweepView(QtWidgets.QWidget):
    showSurface = QtCore.Signal()  # a point was picked: the window shows the surface
    computed = QtCore.Signal()

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.results: list[tuple] = []  # (entry, SweepCurve)
        self.points: list[tuple] = []  # (entry, lrs, y) as drawn, for picking
        self.extras: list = []
        self.seconds = 0.0
        self.notes: list[str] = []
        self._checked: dict = {}
        self._dirty = self._inputs_stale = True
        self._follow_steps = self._follow_range = True
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        side, col = side_column()
        layout.addWidget(side)
        col.addWidget(QtWidgets.QLabel("<b>Optimizers</b> (other knobs kept)"))
        self.list = QtWidgets.QListWidget()
        self.list.setMaximumHeight(150)
        self.list.itemChanged.connect(self._item_changed)
        col.addWidget(self.list)
        add = QtWidgets.QToolButton()
        add.setText("Add an optimizer")
        add.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QtWidgets.QMenu(add)
        for key, record in OPTIMIZERS.items():
            if sweepable(key):
                menu.addAction(record.title, lambda k=key: self.add_extra(k))
        add.setMenu(menu)
        col.addWidget(add)
        form = QtWidgets.QFormLayout()
        form.setContentsMargins(0, 4, 0, 0)
        self.lo, self.hi = NumberEdit(1e-4, 0.0, 1e3), NumberEdit(10.0, 0.0, 1e3)
        rng = QtWidgets.QHBoxLayout()
        rng.addWidget(self.lo)
        rng.addWidget(QtWidgets.QLabel("to"))
        rng.addWidget(self.hi)
        form.addRow("lr from", rng)
        self.count = QtWidgets.QSpinBox()
        self.count.setRange(10, 400)
        self.count.setValue(150)
        form_row(form, "rates", self.count, "How many learning rates, evenly spaced on the log axis")
        self.steps = QtWidgets.QSpinBox()
        self.steps.setRange(1, MAX_STEPS)
        self.steps.setValue(controller.scene.steps)
        form_row(form, "steps", self.steps, "Steps of every run (the scene's by default)")
        self.measure = QtWidgets.QComboBox()
        self.measure.addItems([FINAL, STEPS])
        form_row(form, "measure", self.measure, "final loss f(x_T) - f*, or the first step with f - f* <= tol")
        self.tol = NumberEdit(1e-6, 0.0, 1e12)
        form_row(form, "tolerance", self.tol, "f - f* <= tol counts as arrived (steps to tolerance)")
        self.shade = QtWidgets.QComboBox()
        form_row(form, "regions of", self.shade, "Whose too low / just right / too high regions are shaded")
        col.addLayout(form)
        self.recompute = QtWidgets.QPushButton("Recompute")
        self.recompute.clicked.connect(self.compute)
        col.addWidget(self.recompute)
        self.status = muted_label()
        col.addWidget(self.status)
        hint = muted_label("Click a point of a curve: its learning rate goes into that run "
                                "and the Surface tab shows the path.")
        col.addWidget(hint)
        col.addStretch(1)

        right = QtWidgets.QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        theme.style_plot(self.plot, bottom="learning rate lr", title="After T steps, against the learning rate")
        theme.set_log_axis(self.plot, "bottom", True)
        self.plot.vb.setMouseEnabled(x=False, y=False)
        self.region_labels: list = []  # (TextItem, the centre of its region in log10 lr)
        self.theory_lines: list = []  # the theory toggle's two rates, labelled
        self.plot.vb.sigResized.connect(lambda _vb: self._place_labels())
        right.addWidget(self.plot_widget, 1)
        self.readout = QtWidgets.QLabel(" ")
        self.readout.setFont(theme.font(11))
        right.addWidget(self.readout)
        layout.addLayout(right, 1)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.plot.scene().sigMouseMoved.connect(self._hovered)

        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._auto)
        for edit in (self.lo, self.hi):
            edit.valueChanged.connect(self._range_edited)
        self.steps.valueChanged.connect(self._steps_edited)
        self.count.valueChanged.connect(lambda _v: self.mark_dirty())
        self.tol.valueChanged.connect(lambda _v: self.mark_dirty())
        self.measure.currentIndexChanged.connect(lambda _i: self.draw())
        self.shade.currentIndexChanged.connect(lambda _i: self.draw())
        c = controller
        for signal in (c.sceneChanged, c.runsChanged, c.settingsChanged):
            signal.connect(self._scene_changed)
        c.runChanged.connect(lambda _i: self._scene_changed())
        c.tracesChanged.connect(lambda _idx: self.mark_dirty())
        c.displayChanged.connect(lambda key, _v: key == "theory" and self.draw())
        self._scene_changed()

    # -- what to sweep ----------------------------------------------------------------------------

    def entries(self) -> list:
        return [e for e in scene_entries(self.controller) if sweepable(e.spec.key)] + self.extras

    def checked(self) -> list:
        return [e for e in self.entries() if self._checked.get(e.key, True)]

    def add_extra(self, key: str) -> None:
        self.extras.append(extra_entry(key, len(self.extras)))
        self._refresh_inputs()
        self.mark_dirty()

    def _fill_list(self) -> None:
        with QtCore.QSignalBlocker(self.list):
            self.list.clear()
            for e in self.entries():
                item = QtWidgets.QListWidgetItem(swatch(e.color), e.label if e.run is not None else f"+ {e.label}")
                item.setData(QtCore.Qt.ItemDataRole.UserRole, e.key)
                item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
                on = self._checked.get(e.key, True)
                item.setCheckState(QtCore.Qt.CheckState.Checked if on else QtCore.Qt.CheckState.Unchecked)
                self.list.addItem(item)

    def _item_changed(self, item) -> None:
        self._checked[item.data(QtCore.Qt.ItemDataRole.UserRole)] = item.checkState() == QtCore.Qt.CheckState.Checked
        self.mark_dirty()

    def _scene_changed(self) -> None:
        """Inputs follow the scene when the tab is next shown or computed (a hidden tab does
        no work while a slider is dragged)."""
        self._inputs_stale = True
        self.mark_dirty()

    def _refresh_inputs(self) -> None:
        self._inputs_stale = False
        c = self.controller
        self._fill_list()
        if self._follow_steps and self.steps.value() != c.scene.steps:
            with QtCore.QSignalBlocker(self.steps):
                self.steps.setValue(c.scene.steps)
        if self._follow_range:
            lrs = [e.spec.params["lr"] for e in self.checked()]
            if lrs:
                self.lo.set_value(max(10.0 ** math.floor(math.log10(min(lrs)) - 2), 1e-6))
                self.hi.set_value(min(10.0 ** math.ceil(math.log10(max(lrs)) + 1.3), 100.0))

    def _range_edited(self, _v) -> None:
        self._follow_range = False
        self.mark_dirty()

    def _steps_edited(self, _v) -> None:
        self._follow_steps = self.steps.value() == self.controller.scene.steps
        self.mark_dirty()

    # -- computing --------------------------------------------------------------------------------

    def mark_dirty(self) -> None:
        self._dirty = True
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event):
        super().showEvent(event)
        if self._inputs_stale:
            self._refresh_inputs()
        if self._dirty:
            self._timer.start(0)

    def _auto(self) -> None:
        if self.isVisible() and self._dirty:
            self.compute()

    def compute(self) -> None:
        c = self.controller
        if self._inputs_stale:
            self._refresh_inputs()
        lo, hi = sorted((self.lo.value(), self.hi.value()))
        if not hi > lo:
            hi = lo * 10.0
        lrs = log_lrs(lo, hi, self.count.value())
        steps = self.steps.value()
        self.results, self.notes = [], []
        t0 = time.perf_counter()
        with busy():
            for e in self.checked():
                cost = estimate_seconds(c.surface, e.spec, len(lrs), steps)
                if cost > SLOW_SECONDS:
                    self.notes.append(f"{e.label} left out: ~{cost:.0f} s (its line search runs one run at a "
                                      "time); fewer rates or steps")
                    continue
                try:
                    curve = lr_sweep(c.surface, [e.spec], lrs, steps, start=c.start, noise=c.scene.noise,
                                     seed=c.scene.seed, tol=self.tol.value(), schedule=e.schedule)[0]
                except (ValueError, FloatingPointError) as err:
                    self.notes.append(f"{e.label}: {err}")
                    continue
                self.results.append((e, curve))
        self.seconds = time.perf_counter() - t0
        self._dirty = False
        self.draw()
        self.computed.emit()

    # -- drawing ----------------------------------------------------------------------------------

    def _shade_choice(self):
        keys = [e.key for e, _ in self.results]
        with QtCore.QSignalBlocker(self.shade):
            current = self.shade.currentData()
            self.shade.clear()
            for e, _ in self.results:
                self.shade.addItem(swatch(e.color), e.label, e.key)
            if current not in keys:
                sel = ("run", self.controller.selected)
                current = sel if sel in keys else (keys[0] if keys else None)
            if current is not None:
                self.shade.setCurrentIndex(keys.index(current))
        return current

    def _values(self, curve, metric):
        """(y drawn, log axis?, label) for one curve."""
        if metric == STEPS and curve.steps_to_tol is not None:
            return curve.steps_to_tol, False, f"steps until f − f* ≤ {self.tol.value():g}"
        if curve.f_star is not None:
            gap0 = max(curve.start_loss - curve.f_star, 1e-300)
            with np.errstate(all="ignore"):
                y = np.log10(np.maximum(curve.final_loss - curve.f_star, gap0 * 1e-16))
            return y, True, "f(x_T) − f*"
        finals = [c.final_loss for _, c in self.results]
        positive = all(np.nanmin(f) > 0 for f in finals if np.isfinite(f).any())
        with np.errstate(all="ignore"):
            return (np.log10(curve.final_loss) if positive else curve.final_loss), positive, "f(x_T)"

    def draw(self) -> None:
        plot = self.plot
        plot.clear()
        self.points = []
        self.region_labels, self.theory_lines = [], []
        metric = self.measure.currentText()
        shade_key = self._shade_choice()
        steps = self.steps.value()
        # short: a long title sets the plot's minimum width (clipped at 1280 px)
        plot.setTitle(f"{'Final loss' if metric == FINAL else 'Steps to the tolerance'} after {steps} steps",
                      color=theme.INK, size=f"{theme.TITLE_PT}pt")
        runs = len(self.results[0][1].lrs) if self.results else 0
        self.status.setText(f"{runs} rates × {len(self.results)} optimizer(s) × {steps} steps: "
                            f"{self.seconds * 1e3:.0f} ms" + "".join(f"<br>{n}" for n in self.notes))
        if not self.results:
            return
        ys, log_y, label = [], True, ""
        for _e, curve in self.results:
            y, log_y, label = self._values(curve, metric)
            ys.append(np.asarray(y, dtype=float))
        theme.set_log_axis(plot, "left", log_y)
        theme.set_label(plot, "left", label)
        c0 = self.results[0][1]
        start_y = None
        if metric == FINAL and log_y and c0.f_star is not None:
            start_y = math.log10(max(c0.start_loss - c0.f_star, 1e-300))
        finite = np.concatenate([y[np.isfinite(y)] for y in ys])
        if metric == STEPS:
            lo_y, cap = 0.0, float(steps)
        else:
            lo_y, cap = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            if start_y is not None:  # up to 100x the start: above that a run is as good as diverged
                cap = min(max(cap, start_y), start_y + 2.0)
        span = (cap - lo_y) or 1.0
        top = cap + 0.1 * span  # the row of crosses: diverged (or blown up) runs
        ceiling = top + 0.1 * span  # the region labels
        lx = np.log10(c0.lrs)
        plot.setXRange(lx[0], lx[-1], padding=0.01)
        plot.setYRange(lo_y - 0.05 * span, ceiling + 0.06 * span, padding=0.0)
        for e, curve in self.results:
            if e.key == shade_key:
                self._draw_regions(curve, ceiling)
        missing = []  # optimizers with no point to draw (none reached the tolerance)
        for (e, curve), y in zip(self.results, ys):
            x = np.log10(curve.lrs)
            with np.errstate(invalid="ignore"):
                blown = curve.diverged | (y > cap)
            y = np.where(blown, np.nan, y)
            if np.isfinite(y).any():
                plot.addItem(pg.PlotDataItem(x, y, pen=theme.pen(e.color, 2.0), symbol="o", symbolSize=4,
                                             symbolPen=None, symbolBrush=pg.mkBrush(e.color), connect="finite"))
                self.points.append((e, curve, x, y))
            else:
                missing.append(e.label)
            if blown.any():
                plot.addItem(pg.ScatterPlotItem(x[blown], np.full(int(blown.sum()), top), symbol="x", size=7,
                                                pen=pg.mkPen(e.color), brush=None))
            if curve.best_lr is not None and metric == FINAL:
                b = int(np.argmin(np.abs(curve.lrs - curve.best_lr)))
                plot.addItem(pg.ScatterPlotItem([x[b]], [y[b]], symbol="star", size=16,
                                                pen=pg.mkPen(theme.INK), brush=pg.mkBrush(e.color)))
            if e.run is not None:  # where the run is now
                plot.addItem(pg.InfiniteLine(math.log10(e.spec.params["lr"]), angle=90,
                                             pen=theme.pen(e.color, 1.0, QtCore.Qt.PenStyle.DashLine)))
        text = pg.TextItem("× diverged" + (" or above 100× the start" if start_y is not None else ""),
                           color=theme.MUTED, anchor=(0, 1))
        text.setPos(lx[0], top)
        plot.addItem(text)
        if start_y is not None:
            plot.addItem(pg.InfiniteLine(start_y, angle=0, pen=theme.pen(theme.MUTED, 1.0, QtCore.Qt.PenStyle.DotLine),
                                         label="start", labelOpts={"position": 0.03, "color": theme.MUTED,
                                                                   "anchors": [(0, 1), (0, 1)]}))
        self._draw_theory()
        self._place_labels()
        if missing:
            what = "reached the tolerance" if metric == STEPS else "ended below 100× the start"
            self.status.setText(self.status.text() + f"<br>no rate of {', '.join(missing)} {what}")

    def _draw_regions(self, curve, top) -> None:
        for region, lo, hi in curve.spans():
            color = pg.mkColor(REGION_COLORS[region])
            color.setAlpha(38)
            item = pg.LinearRegionItem((math.log10(lo), math.log10(hi)), movable=False, brush=color,
                                       pen=pg.mkPen(None))
            item.setZValue(-20)
            self.plot.addItem(item)
            label = pg.TextItem(region, color=REGION_COLORS[region], anchor=(0.5, 0))
            label.setFont(theme.font(12, bold=True))
            centre = (math.log10(lo) + math.log10(hi)) / 2.0
            label.setPos(centre, top)
            self.plot.addItem(label)
            self.region_labels.append((label, centre))

    def _draw_theory(self) -> None:
        """GD's two predicted rates (theory toggle, quadratics): the sweep of sgd meets them."""
        c = self.controller
        th = quadratic_theory(c.surface) if c.display("theory", False) else None
        if th is None:
            return
        card = pg.mkColor(theme.BACKGROUND)
        card.setAlpha(210)
        # the two rates are close on a log axis: one label left of its line, one right
        for value, color, text, side in ((th.lr_best, "#009E73", "GD best 2/(λmin+λmax) ", 1),
                                         (th.lr_stable, "#D55E00", " 2/λmax GD limit", 0)):
            line = pg.InfiniteLine(math.log10(value), angle=90, label=text,
                                   pen=theme.pen(color, 1.5, QtCore.Qt.PenStyle.DotLine),
                                   labelOpts={"position": THEORY_LABEL_AT, "color": color,
                                              "anchors": [(side, 0.5), (side, 0.5)], "fill": pg.mkBrush(card)})
            self.plot.addItem(line)
            self.theory_lines.append((line, side))

    def _place_labels(self) -> None:
        """The region names and the theory rates' labels inside the plot and apart. At
        1366 px a narrow "just right" band's name ran into "too high", and "2/λmax GD
        limit", written right of a line near the plot's right edge, out of the plot."""
        vb = self.plot.vb
        (x0, x1), _ = vb.viewRange()
        pw = vb.viewPixelSize()[0]
        if not (pw > 0 and x1 > x0):
            return  # not laid out yet: sigResized comes back
        gap = 10 * pw
        labels = sorted(self.region_labels, key=lambda item: item[1])
        halves = [label.textItem.boundingRect().width() / 2 * pw for label, _c in labels]
        centres = [min(max(c, x0 + h), x1 - h) for (_l, c), h in zip(labels, halves)]
        for k in range(1, len(centres)):  # left to right: each clear of the one before
            centres[k] = max(centres[k], centres[k - 1] + halves[k - 1] + gap + halves[k])
        for k in range(len(centres) - 1, -1, -1):  # right to left: back inside the plot
            limit = x1 - halves[k] if k == len(centres) - 1 else centres[k + 1] - halves[k + 1] - gap - halves[k]
            centres[k] = min(centres[k], limit)
        for (label, _c), x in zip(labels, centres):
            label.setPos(x, label.pos().y())
        # the limit's label goes right of its line, the best rate's left; one that would
        # leave the plot changes sides, a little lower so the two never share a row
        for k, (line, side) in enumerate(self.theory_lines):
            width = line.label.boundingRect().width() * pw
            x = line.value()
            fits = x + width <= x1 if side == 0 else x - width >= x0
            if not fits:
                side = 1 - side
            line.label.anchors = [(side, 0.5), (side, 0.5)]
            line.label.setPosition(THEORY_LABEL_AT - (0 if fits else 0.12 * (k + 1)))

    # -- picking ----------------------------------------------------------------------------------

    def nearest(self, scene_pos):
        """(entry, curve, index) of the drawn point nearest to ``scene_pos`` within PICK_PX."""
        vb = self.plot.vb
        if not self.points or not vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = vb.mapSceneToView(scene_pos)
        pw, ph = vb.viewPixelSize()
        best = None
        for e, curve, x, y in self.points:
            with np.errstate(invalid="ignore"):
                d = ((x - p.x()) / pw) ** 2 + ((y - p.y()) / ph) ** 2
            if np.isfinite(d).any():
                i = int(np.nanargmin(d))
                if d[i] <= PICK_PX ** 2 and (best is None or d[i] < best[0]):
                    best = (d[i], e, curve, i)
        return best[1:] if best else None

    def _hovered(self, pos) -> None:
        hit = self.nearest(pos)
        if hit is None:
            self.readout.setText(" ")
            return
        e, curve, i = hit
        gap = curve.final_loss[i] - (curve.f_star or 0.0)
        what = f"f − f* = {gap:.3g}" if curve.f_star is not None else f"f = {curve.final_loss[i]:.3g}"
        if curve.steps_to_tol is not None and np.isfinite(curve.steps_to_tol[i]):
            what += f", reached the tolerance at step {int(curve.steps_to_tol[i])}"
        self.readout.setText(f"<b style='color:{e.color}'>{e.label}</b>: lr = {curve.lrs[i]:.3g} → {what} "
                             f"({curve.region[i]}): click to use it")

    def _clicked(self, event) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        hit = self.nearest(event.scenePos())
        if hit is not None:
            e, curve, i = hit
            self.pick(e, float(curve.lrs[i]))

    def pick(self, entry, lr: float) -> bool:
        """Put ``lr`` (3 significant digits, like the slider) into ``entry``'s run, or add a
        run for an optimizer that is not in the scene; then show the surface."""
        c = self.controller
        lr = float(f"{lr:.3g}")
        i = entry.run
        if i is not None and i < len(c.runs) and c.runs[i].optimizer.key == entry.spec.key:
            c.select_run(i)
            ok = c.set_hyper(i, "lr", lr)
        else:
            ok = c.add_run(entry.spec.key, **{**entry.spec.params, "lr": lr})
        if ok:
            c.notify(f"lr = {lr:g} from the sweep for {entry.label}")
            self.showSurface.emit()
        return ok
