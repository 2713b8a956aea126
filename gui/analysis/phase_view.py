"""The phase diagram: one run's optimizer over a grid of two of its hyperparameters.

Distill's momentum article draws this for the heavy ball on one quadratic; here any
two numbers of the selected run's optimizer span the grid (lr x momentum, lr x beta2,
lr x weight_decay, ...), each on a linear or log axis, on the scene's surface, start,
schedule, noise and seed (engine.phase). Each cell is coloured by its final gap
``f(x_T) - f*`` (log) or the steps it took to reach a tolerance; diverged cells are
hatched; on a quadratic the heavy ball's stability boundary ``lr (l_max + wd) < 2 (1 +
rho)``, GD's ``2 / l_max`` and Polyak's optimal (lr, rho) are drawn on top. Hovering
reads a cell out; clicking puts its two numbers into the run and shows the surface.

The grid is stepped a chunk of rows per timer tick (~50 ms each), drawn as it fills
in, so the window never freezes; a change of the scene drops the unfinished grid and
starts again (debounced) while the tab is shown, never while it is hidden.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from engine.hyper import HyperError
from engine.phase import phase_chunks, phase_theory
from engine.session import MAX_STEPS
from gui import theme
from gui.analysis.common import NumberEdit, estimate_seconds, form_row, muted_label, side_column, swatch
from gui.analysis.phase_axes import SECOND_CHOICES, AxisControls, coords, default_axis, log_ticks, numeric_hypers
from gui.analysis.phase_overlay import TheoryOverlay

GAP, STEPS = "final gap f − f* (log)", "steps to tolerance"
CHUNK_SECONDS = 0.05  # one timer tick's share of the grid
TOO_SLOW = 20.0  # seconds: a grid estimated slower than this is not started (with a note)


class PhaseView(QtWidgets.QWidget):
    showSurface = QtCore.Signal()
    computed = QtCore.Signal()  # a whole grid is done

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.grid = None  # the engine.phase.PhaseGrid drawn (perhaps still filling in)
        self.theory = None
        self.run_index = None  # whose optimizer the grid is of
        self.note = ""
        self.seconds = 0.0
        self._job = None  # the generator stepping the grid; dropped when stale
        self._t0 = 0.0
        self._dirty = self._inputs_stale = True
        self._axes_for = None  # (run index, optimizer key) the axis choices were made for
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        side, col = side_column(220)
        layout.addWidget(side)
        form = QtWidgets.QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        self.run = QtWidgets.QComboBox()
        self.run.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.run.setMinimumContentsLength(10)
        form_row(form, "run", self.run, "Whose optimizer spans the grid (every other knob as in the run)")
        col.addLayout(form)
        self.x_axis, self.y_axis = AxisControls("x"), AxisControls("y")
        col.addWidget(self.x_axis)
        col.addWidget(self.y_axis)
        form = QtWidgets.QFormLayout()
        form.setContentsMargins(0, 4, 0, 0)
        self.steps = QtWidgets.QSpinBox()
        self.steps.setRange(1, MAX_STEPS)
        self.steps.setValue(controller.scene.steps)
        form_row(form, "steps", self.steps, "Steps of every cell's run (the scene's by default)")
        self.measure = QtWidgets.QComboBox()
        self.measure.addItems([GAP, STEPS])
        form_row(form, "colour", self.measure, "final gap f(x_T) − f*, or the first step with f − f* ≤ tol")
        self.tol = NumberEdit(1e-6, 0.0, 1e12)
        form_row(form, "tolerance", self.tol, "f − f* ≤ tol counts as arrived")
        col.addLayout(form)
        self.recompute = QtWidgets.QPushButton("Recompute")
        self.recompute.clicked.connect(self.compute)
        col.addWidget(self.recompute)
        self.status = muted_label()
        col.addWidget(self.status)
        col.addWidget(muted_label("Hatched: diverged. Click a cell: its two numbers go into the run "
                                  "and the Surface tab shows the path."))
        col.addStretch(1)

        right = QtWidgets.QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        theme.style_plot(self.plot, title="Phase diagram")
        self.plot.vb.setMouseEnabled(x=False, y=False)
        self.backdrop = QtWidgets.QGraphicsRectItem()  # grey under cells with no colour
        self.backdrop.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
        self.plot.addItem(self.backdrop)
        self.backdrop.setZValue(-101)  # after addItem: the view box lifts anything below itself
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setZValue(-100)
        self.plot.addItem(self.image)
        # a vivid map for numbers to read (the surface's pale heat map is a backdrop for trails);
        # it is not theme-specific, so restyling leaves it alone
        self.colorbar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=False, width=14)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.hatch = pg.PlotCurveItem(connect="pairs", pen=theme.pen(theme.INK, 1.0))
        self.plot.addItem(self.hatch)
        self.overlay = TheoryOverlay(self.plot)
        self.boundary, self.marks = self.overlay.boundary, self.overlay.marks
        right.addWidget(self.plot_widget, 1)
        self.readout = QtWidgets.QLabel(" ")
        self.readout.setFont(theme.font(11))
        right.addWidget(self.readout)
        layout.addLayout(right, 1)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.plot.scene().sigMouseMoved.connect(self._hovered)

        self._debounce = QtCore.QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self._auto)
        self._ticker = QtCore.QTimer(self)
        self._ticker.setInterval(0)
        self._ticker.timeout.connect(self._step)
        self.run.currentIndexChanged.connect(lambda _i: self._run_picked())
        for controls in (self.x_axis, self.y_axis):
            controls.edited.connect(self.mark_dirty)
            controls.name.currentIndexChanged.connect(lambda _i, a=controls: self._name_picked(a))
        self.steps.valueChanged.connect(lambda _v: self.mark_dirty())
        self.tol.valueChanged.connect(lambda _v: self.mark_dirty())
        self.measure.currentIndexChanged.connect(lambda _i: self.draw())
        c = controller
        for signal in (c.sceneChanged, c.runsChanged, c.settingsChanged):
            signal.connect(self._scene_changed)
        c.runChanged.connect(lambda i: i == self.run_index and self._scene_changed())
        c.selectionChanged.connect(lambda _i: self._scene_changed())
        c.tracesChanged.connect(lambda _idx: self.mark_dirty())

    # -- inputs -----------------------------------------------------------------------------------

    def _scene_changed(self) -> None:
        self._inputs_stale = True
        self.mark_dirty()

    def _refresh_inputs(self) -> None:
        """The run list follows the scene (the selected run by default); the axis choices
        are rebuilt only when the run's optimizer changed, so typed ranges stay."""
        self._inputs_stale = False
        c = self.controller
        with QtCore.QSignalBlocker(self.run):
            self.run.clear()
            for i, r in enumerate(c.runs):
                self.run.addItem(swatch(r.color), f"{i + 1} {r.label}", i)
            if c.runs:
                self.run.setCurrentIndex(min(c.selected, len(c.runs) - 1))
        if self.steps.value() != c.scene.steps:
            with QtCore.QSignalBlocker(self.steps):
                self.steps.setValue(c.scene.steps)
        self._run_picked(refill=False)

    def _run_picked(self, refill: bool = True) -> None:
        c = self.controller
        i = self.run.currentData()
        self.run_index = i
        if i is None or i >= len(c.runs):
            return
        spec = c.runs[i].optimizer
        if self._axes_for != (i, spec.key):
            self._axes_for = (i, spec.key)
            names = [h.name for h in numeric_hypers(spec)]
            second = next((n for n in SECOND_CHOICES if n in names and n != "lr"),
                          next((n for n in names if n != "lr"), None))
            first = "lr" if "lr" in names else (names[0] if names else None)
            for controls, pick in ((self.x_axis, first), (self.y_axis, second)):
                with QtCore.QSignalBlocker(controls.name):
                    controls.name.clear()
                    controls.name.addItems(names)
                    if pick is not None:
                        controls.name.setCurrentText(pick)
                self._name_picked(controls, dirty=False)
        if refill:
            self.mark_dirty()

    def _name_picked(self, controls, dirty: bool = True) -> None:
        c = self.controller
        i = self.run_index
        if i is None or i >= len(c.runs) or not controls.name.currentText():
            return
        spec = c.runs[i].optimizer
        h = next(h for h in numeric_hypers(spec) if h.name == controls.name.currentText())
        controls.set_axis(default_axis(h, spec, c.surface))
        if dirty:
            self.mark_dirty()

    # -- computing, a chunk of rows per tick ------------------------------------------------------

    def mark_dirty(self) -> None:
        self._dirty = True
        self._job = None  # stale work is dropped at once, not finished
        self._ticker.stop()
        if self.isVisible():
            self._debounce.start()

    def showEvent(self, event):
        super().showEvent(event)
        if self._inputs_stale:
            self._refresh_inputs()
        if self._dirty:
            self._debounce.start(0)
        elif self._job is not None:
            self._ticker.start()

    def _auto(self) -> None:
        if self.isVisible() and self._dirty:
            self.compute()

    @property
    def busy(self) -> bool:
        return self._job is not None

    def compute(self) -> None:
        """Start the grid again from the current inputs (the old one, if any, is dropped)."""
        c = self.controller
        if self._inputs_stale:
            self._refresh_inputs()
        self._dirty = False
        self._job = None
        self._ticker.stop()
        i = self.run_index
        if i is None or i >= len(c.runs):
            return self._fail("no run to draw a diagram for")
        run = c.runs[i]
        try:
            numbers = [h.name for h in numeric_hypers(run.optimizer)]
            if len(numbers) < 2:
                raise HyperError(f"{run.optimizer.label()} has {len(numbers)} number(s) to vary "
                                 f"({', '.join(numbers) or 'none'}): a phase diagram needs two")
            axes = (self.x_axis.axis(), self.y_axis.axis())
            if axes[0].name == axes[1].name:
                raise HyperError("pick two different numbers for x and y")
            steps = self.steps.value()
            per_row = estimate_seconds(c.surface, run.optimizer, axes[1].n, steps) + steps * 40e-6
            if per_row * axes[0].n > TOO_SLOW:
                raise HyperError(f"~{per_row * axes[0].n:.0f} s for {run.optimizer.label()} "
                                 "(a line search steps one run at a time): fewer cells or steps")
            rows = int(min(max(CHUNK_SECONDS / max(per_row, 1e-9), 1), axes[0].n))
            self._job = phase_chunks(c.surface, run.optimizer, axes, steps, c.start, run.schedule,
                                     c.scene.noise, c.scene.seed, self.tol.value(), rows_per_chunk=rows)
        except HyperError as err:
            return self._fail(str(err))
        self.theory = phase_theory(c.surface, run.optimizer, [a.name for a in axes], run.schedule)
        # a grid cell is one rule over the whole run: a branch's earlier settings have no place in it
        self.note = f"{run.label}: its rule after the branch, from step 0" if run.history else ""
        self._t0 = time.perf_counter()
        self._ticker.start()

    def _fail(self, text: str) -> None:
        self.grid, self.note = None, text
        self.draw()

    def _step(self) -> None:
        if self._job is None or not self.isVisible():
            self._ticker.stop()  # resumed by showEvent
            return
        try:
            self.grid = next(self._job)
        except StopIteration:
            self._job = None
        except (ValueError, FloatingPointError) as err:
            self._job = None
            self.note = str(err)
        self.seconds = time.perf_counter() - self._t0
        if self.grid is not None and self.grid.complete:
            self._job = None
        if self._job is None:
            self._ticker.stop()
        self.draw()
        if self._job is None:
            self.computed.emit()

    def finish(self) -> None:
        """Step the rest of the grid now (tests, export)."""
        while self._job is not None:
            self._step()

    # -- drawing ----------------------------------------------------------------------------------

    def _coords(self, k: int, values) -> np.ndarray:
        return coords(self.grid.axes[k], values)

    def _edges(self, k: int) -> tuple[float, float, float]:
        """(first edge, cell width, last edge) of axis k in plot coordinates."""
        u = self._coords(k, self.grid.axes[k].values())
        w = (u[-1] - u[0]) / (len(u) - 1)
        return u[0] - w / 2, w, u[-1] + w / 2

    def colour_values(self):
        """(values per cell, label): nan where a cell has no colour (diverged, not arrived)."""
        g = self.grid
        bad = g.diverged | ~np.isfinite(g.final_loss)
        if self.measure.currentText() == STEPS and g.f_star is not None:
            steps = np.where((g.steps_to_tol >= 0) & ~bad, g.steps_to_tol, -1).astype(float)
            return np.where(steps >= 0, steps, np.nan), f"steps until f − f* ≤ {g.tol:g}"
        if g.f_star is not None:
            floor = max((g.start_loss - g.f_star) * 1e-16, 1e-300)
            with np.errstate(all="ignore"):
                v = np.log10(np.maximum(g.gap, floor))
            return np.where(bad, np.nan, v), "log₁₀ (f(x_T) − f*)"
        return np.where(bad, np.nan, g.final_loss), "f(x_T)"

    def draw(self) -> None:
        g = self.grid
        steps = self.steps.value()
        if g is None:
            self.image.clear()
            self.hatch.setData([], [])
            self.overlay.draw(None, None)
            self.status.setText(self.note)
            return
        ax, ay = g.axes
        for side, axis in (("bottom", ax), ("left", ay)):
            self.plot.getAxis(side).setTicks(log_ticks(axis.lo, axis.hi) if axis.log else None)
        theme.set_label(self.plot, "bottom", ax.name)
        theme.set_label(self.plot, "left", ay.name)
        # short: a long title sets the plot's minimum width, and at 1280 px the tab is narrow
        what = f"steps to {g.tol:g}" if self.measure.currentText() == STEPS else f"gap at T={g.steps}"
        self.plot.setTitle(f"{g.spec.key}: {what}", color=theme.INK, size=f"{theme.TITLE_PT}pt")
        values, label = self.colour_values()
        shown = values.copy()
        shown[g.done:] = np.nan  # rows not stepped yet
        x0, wx, x1 = self._edges(0)
        y0, wy, y1 = self._edges(1)
        finite = shown[np.isfinite(shown)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        hi = hi if hi > lo else lo + 1.0
        self.image.setImage(shown, autoLevels=False, levels=(lo, hi))
        self.image.setRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
        self.colorbar.setLevels((lo, hi))
        self.colorbar.axis.setLabel(label)
        muted = pg.mkColor(theme.MUTED)
        muted.setAlpha(90)
        self.backdrop.setBrush(pg.mkBrush(muted))
        self.backdrop.setRect(QtCore.QRectF(x0, y0, x1 - x0, (y1 - y0)))
        self.backdrop.setVisible(g.done == ax.n)
        self._draw_hatch(x0, wx, y0, wy)
        self.overlay.draw(self.theory, g.axes)
        self.plot.vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)
        cells = ax.n * ay.n
        state = "" if g.complete else f" — {g.done}/{ax.n} rows"
        note = f"<br>{self.note}" if self.note else ""
        self.status.setText(f"{ax.n} × {ay.n} = {cells:,} runs × {steps} steps: {self.seconds * 1e3:.0f} ms{state}"
                            f"<br>{int(g.diverged[:g.done].sum()):,} diverged{note}")

    def _draw_hatch(self, x0, wx, y0, wy) -> None:
        """Three parallel strokes per diverged cell; neighbours' strokes meet in long lines."""
        g = self.grid
        i, j = np.nonzero(g.diverged[:g.done])
        if not len(i):
            self.hatch.setData([], [])
            return
        left, bottom = x0 + i * wx, y0 + j * wy
        xs = np.stack([left, left + wx, left, left + wx / 2, left + wx / 2, left + wx], axis=1)
        ys = np.stack([bottom, bottom + wy, bottom + wy / 2, bottom + wy, bottom, bottom + wy / 2], axis=1)
        self.hatch.setPen(theme.pen(theme.INK, 1.0, alpha=150))
        self.hatch.setData(xs.reshape(-1), ys.reshape(-1))

    # -- reading and picking cells ----------------------------------------------------------------

    def cell_at(self, scene_pos):
        """(i, j) of the computed cell under ``scene_pos``, or None."""
        g = self.grid
        vb = self.plot.vb
        if g is None or not vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = vb.mapSceneToView(scene_pos)
        x0, wx, _ = self._edges(0)
        y0, wy, _ = self._edges(1)
        i, j = int(math.floor((p.x() - x0) / wx)), int(math.floor((p.y() - y0) / wy))
        if 0 <= i < g.done and 0 <= j < g.axes[1].n:
            return i, j
        return None

    def describe(self, i: int, j: int) -> str:
        g = self.grid
        (vx, vy) = (g.axes[0].values()[i], g.axes[1].values()[j])
        parts = [f"{g.axes[0].name} = {vx:.3g}, {g.axes[1].name} = {vy:.3g}"]
        if np.isfinite(g.final_loss[i, j]):
            parts.append(f"f(x_T) = {g.final_loss[i, j]:.3g}")
        if g.f_star is not None and np.isfinite(g.gap[i, j]):
            parts.append(f"f − f* = {g.gap[i, j]:.3g}")
        if g.steps_to_tol[i, j] >= 0:
            parts.append(f"reached {g.tol:g} at step {int(g.steps_to_tol[i, j])}")
        elif g.f_star is not None:
            parts.append(f"never within {g.tol:g}")
        if g.diverged_at[i, j] >= 0:
            parts.append(f"diverged at step {int(g.diverged_at[i, j])}")
        return ", ".join(parts)

    def _hovered(self, pos) -> None:
        cell = self.cell_at(pos)
        self.readout.setText(" " if cell is None else self.describe(*cell) + ": click to use it")

    def _clicked(self, event) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        cell = self.cell_at(event.scenePos())
        if cell is not None:
            self.pick(*cell)

    def pick(self, i: int, j: int) -> bool:
        """Put cell (i, j)'s two numbers (3 significant digits, like the sliders) into the
        run the grid is of, and show the surface."""
        c, g = self.controller, self.grid
        r = self.run_index
        if g is None or r is None or r >= len(c.runs) or c.runs[r].optimizer.key != g.spec.key:
            return False
        values = {a.name: float(f"{a.values()[k]:.3g}") for a, k in zip(g.axes, (i, j))}
        try:
            spec = c.runs[r].optimizer.replace(**values)
        except HyperError as err:
            c.notify(str(err))
            return False
        c.select_run(r)
        if not c.set_optimizer(r, spec):
            return False
        c.notify("from the phase diagram: " + ", ".join(f"{k} = {v:g}" for k, v in values.items()))
        self.showSurface.emit()
        return True
