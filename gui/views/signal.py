"""The signal plot: one per-run series from ``engine.signals`` (the quantity that carries
a lecture's point: AdaGrad's effective step, Sutskever's mu_t, the Polyak average's
loss, how sparse the weights are ...), against updates, gradient evaluations or
examples seen.

The choice is the scene's ``display.signal`` / ``display.signal_axis``: presets set
it, the combo boxes in the plot's header and the View menu change it through the
controller, sessions save it. With no signal (``"none"``, the default) the plot hides
itself, so scenes that do not ask for one keep their look.

Cheap by construction: the series are computed once per path change (surface mode)
or for the new rows only (classification, gui.classification.signal_view); a frame
only slices arrays.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from engine import signals as S
from gui import theme
from gui.views.rate_guides import RateGuides
from gui.views.run_style import run_pen
from gui.views.trails import ThinLine, cache_when_still

NONE_TEXT = "(no signal plot)"


def combo_arrow_width(box: QtWidgets.QComboBox) -> int:
    """What a combo box's frame and drop-down arrow take of its width."""
    option = QtWidgets.QStyleOptionComboBox()
    box.initStyleOption(option)
    text = box.style().subControlRect(QtWidgets.QStyle.ComplexControl.CC_ComboBox, option,
                                      QtWidgets.QStyle.SubControl.SC_ComboBoxEditField, box)
    return box.width() - text.width() + 4


class SignalPlot(QtWidgets.QWidget):
    """Header (signal and x-axis combo boxes) over one plot; a subclass per mode feeds it
    ``self.series``: per run ``(x, y, rows)`` finite points in plot coordinates."""

    mode = "surface"

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        header = QtWidgets.QHBoxLayout()
        header.setContentsMargins(4, 2, 4, 0)
        self.signal_box = QtWidgets.QComboBox()
        self.signal_box.setToolTip("The series this plot shows for every run (View > Signal plot)")
        self.signal_box.addItem(NONE_TEXT, S.NONE)
        for record in S.signals_for(self.mode):
            self.signal_box.addItem(record.title, record.key)
            self.signal_box.setItemData(self.signal_box.count() - 1, f"{record.axis}: {record.doc}" if record.doc
                                        else record.axis,
                                        QtCore.Qt.ItemDataRole.ToolTipRole)
        self.axis_box = QtWidgets.QComboBox()
        self.axis_box.setToolTip("x axis: what a step costs")
        for axis in S.axes_for(self.mode):
            self.axis_box.addItem(axis.name or axis.label, axis.key)
            self.axis_box.setItemData(self.axis_box.count() - 1, axis.doc, QtCore.Qt.ItemDataRole.ToolTipRole)
        for box in (self.signal_box, self.axis_box):
            # long titles at presentation size must never widen the plots' column: elide
            box.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(6)
            box.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        header.addWidget(self.signal_box, 3)
        header.addWidget(self.axis_box, 2)
        lay.addLayout(header)
        self._scale_header()
        self.canvas = pg.PlotWidget()
        lay.addWidget(self.canvas, 1)
        self.plot = self.canvas.getPlotItem()
        theme.style_plot(self.plot, bottom="updates")
        self.plot.vb.setMouseEnabled(x=True, y=False)
        self.plot.disableAutoRange()
        self.curves: list[pg.PlotCurveItem] = []
        self.series: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.shown: list[int] = []
        self.levels: list[pg.InfiniteLine] = []  # a record's thresholds
        self.signal_box.activated.connect(
            lambda i: controller.set_display("signal", self.signal_box.itemData(i)))
        self.axis_box.activated.connect(
            lambda i: controller.set_display("signal_axis", self.axis_box.itemData(i)))
        for box in (self.signal_box, self.axis_box):
            box.currentIndexChanged.connect(lambda _i: self._scale_header())

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() in (QtCore.QEvent.Type.PaletteChange, QtCore.QEvent.Type.StyleChange):
            self._scale_header()

    def resizeEvent(self, event):
        # entering or leaving presentation mode changes theme.SCALE and resizes the window,
        # without a palette change in the light theme
        super().resizeEvent(event)
        self._scale_header()

    def showEvent(self, event):
        super().showEvent(event)
        self._scale_header()  # fitted to names only while shown: a scene naming a signal shows it

    def _scale_header(self) -> None:
        """The signal's name is this plot's title: as large as the other plots' titles, also
        in presentation mode (theme.SCALE), where the combo boxes would otherwise stay small."""
        pt = max(round(theme.BASE_TITLE_PT * theme.SCALE * 0.85), 8)
        for box in (self.signal_box, self.axis_box):
            # smaller type where a chosen name would be cut ("Distance to minir" on a
            # projector's 1280x800), the same in both boxes: the width beside the arrow
            room = box.width() - combo_arrow_width(box)
            font = QtGui.QFont(box.font())
            while pt > 8 and box.isVisible() and room > 0:
                font.setPointSize(pt)
                if QtGui.QFontMetrics(font).horizontalAdvance(box.currentText()) <= room:
                    break
                pt -= 1
        sheet = f"QComboBox {{ font-size: {pt}pt; color: {theme.INK}; }}"
        for box in (self.signal_box, self.axis_box):
            if box.styleSheet() != sheet:
                box.setStyleSheet(sheet)

    # -- what is chosen -----------------------------------------------------------------------

    def signal_key(self) -> str:
        key = self.controller.display("signal", S.NONE)
        record = S.SIGNALS.get(key)
        return key if record is not None and self.mode in record.modes else S.NONE

    def axis_key(self) -> str:
        key = S.axis_key(self.controller.display("signal_axis", "updates"))
        axis = S.AXES.get(key)
        return key if axis is not None and self.mode in axis.modes else "updates"

    def record(self) -> S.Signal | None:
        return S.SIGNALS.get(self.signal_key())

    def _sync_header(self) -> None:
        changed = False
        for box, key in ((self.signal_box, self.signal_key()), (self.axis_box, self.axis_key())):
            i = box.findData(key)
            if i >= 0 and box.currentIndex() != i:
                with QtCore.QSignalBlocker(box):
                    box.setCurrentIndex(i)
                changed = True
        if changed:
            self._scale_header()  # a longer name may need smaller type
        record = self.record()
        self.axis_box.setEnabled(record is not None and record.kind != "histogram")
        self.setVisible(record is not None)

    # -- drawing ------------------------------------------------------------------------------

    def _ensure_curves(self, n: int) -> None:
        had = len(self.curves)
        while len(self.curves) < n:
            curve = ThinLine()
            self.plot.addItem(curve)
            self.curves.append(curve)
        self.shown = [k if j < had else -1 for j, k in enumerate(self.shown)]  # a new curve drew nothing
        while len(self.curves) > n:
            self.plot.removeItem(self.curves.pop())

    def _restyle(self) -> None:
        c = self.controller
        for i, run in enumerate(c.runs[: len(self.curves)]):
            curve = self.curves[i]
            # the run's own look, as in the loss and LR plots (a branched run's past: dimmed, dashed)
            pen = run_pen(run, 2.0 if i == c.selected else 1.2)
            # only what changed: every knob move restyles (runChanged), and a new pen, even
            # an equal one, throws away a still curve's pixmap; redrawing eight 1000-point
            # curves with their wide pens cost ~5 ms a move with the signal plot shown
            if curve.opts["pen"] != pen:
                curve.setPen(pen)
            if curve.zValue() != (1 if i == c.selected else 0):
                curve.setZValue(1 if i == c.selected else 0)
            if curve.isVisible() != run.visible:
                curve.setVisible(run.visible)

    def _axes(self, record: S.Signal, log: bool, x_max: float, log_x: bool = False) -> None:
        axis = S.AXES[self.axis_key()]
        theme.set_label(self.plot, "bottom", axis.label)
        theme.set_label(self.plot, "left", record.axis)
        theme.set_log_axis(self.plot, "left", log)
        theme.set_log_axis(self.plot, "bottom", log_x)  # x_max is then log10 of the last update
        theme.set_x_range(self.plot, 0.0, max(float(x_max), 1.0))

    def _draw_levels(self, record: S.Signal | None, log: bool) -> None:
        """The record's thresholds (the gradient check's 1e-7 and 1e-2) as labelled dotted
        lines across the plot, each label on the side of the line it speaks about."""
        levels = record.levels if record is not None else ()
        while len(self.levels) < len(levels):
            line = pg.InfiniteLine(angle=0, movable=False, label="",
                                   labelOpts={"position": 0.97, "anchors": [(1, 1), (1, 1)]})
            line.setZValue(-3)
            self.plot.addItem(line, ignoreBounds=True)
            self.levels.append(line)
        for k, line in enumerate(self.levels):
            line.setVisible(k < len(levels))
            if k < len(levels):
                value, text, above = levels[k]
                line.setPos(math.log10(value) if log else value)
                line.setPen(theme.pen(theme.MUTED, 1.5, QtCore.Qt.PenStyle.DotLine))
                line.label.anchors = [(1, 1), (1, 1)] if above else [(1, 0), (1, 0)]
                line.label.setFormat(text)
                line.label.setColor(theme.INK)
                line.label.setFont(theme.font(round(10 * min(theme.SCALE, 1.3)), bold=True))
        if levels and log:  # the lines clear of the plot's edges, so the runs beyond them show
            lo, hi = self.plot.vb.viewRange()[1]
            marks = [math.log10(value) for value, *_ in levels]
            theme.settle_range(self.plot, min(lo, min(marks) - 1.5), max(hi, max(marks) + 2.5))

    def _fit_y(self, ranged) -> None:
        c = self.controller
        lows, highs = [], []
        for v, run in zip(ranged, c.runs):
            v = v[np.isfinite(v)]
            if run.visible and v.size:
                lows.append(float(v.min()))
                highs.append(float(v.max()))
        if lows:
            theme.settle_range(self.plot, min(lows), max(highs))

    def _clear(self) -> None:
        for curve in self.curves:
            curve.setData([], [])
        empty = (np.zeros(0), np.zeros(0), np.zeros(0, dtype=int))
        self.series = [empty] * len(self.curves)
        self.shown = [0] * len(self.curves)

    def draw(self, step: int) -> None:
        """Each run's points up to ``step``: a slice, nothing computed."""
        for i, (curve, (x, y, rows)) in enumerate(zip(self.curves, self.series)):
            n = int(np.searchsorted(rows, step, side="right"))
            cache_when_still(curve, n == self.shown[i])
            if n != self.shown[i]:
                curve.setData(x[:n], y[:n])
                self.shown[i] = n

    def _set_series(self, raw_x, raw_y, floor: float | None, raw_rows=None) -> None:
        """Finite points only (row 0 of a step length is NaN; validation rows are sparse),
        in plot coordinates (log10 once here, not per frame). ``raw_rows``: the row of each
        value when it is not its position (thinned weight paths)."""
        old, self.series = self.series, []
        # per run, the series made from the same values (the surface plot keeps a run's
        # values while its path stands still), the same floor and equal x: a slider moves
        # one run, and the other seven repeated ~8 NumPy passes over their rows every move
        memo, self._made = getattr(self, "_made", {}), {}
        for j, (x, y) in enumerate(zip(raw_x, raw_y)):
            made = memo.get(j)
            if raw_rows is None and made is not None and made[0] is y and made[1] == floor \
                    and np.array_equal(made[2], x):
                self.series.append(made[3])
                self._made[j] = made
                continue
            values = y
            y = np.asarray(y, dtype=float)
            if floor is not None:
                with np.errstate(all="ignore"):
                    y = np.log10(np.maximum(y, floor))  # NaN stays NaN
            keep = np.isfinite(y) & np.isfinite(x)
            rows = np.flatnonzero(keep) if raw_rows is None else np.asarray(raw_rows[j])[keep]
            self.series.append((np.asarray(x, dtype=float)[keep], y[keep], rows))
            if raw_rows is None:
                self._made[j] = (values, floor, np.array(x, dtype=float), self.series[-1])
        # a slider moves one run: the others keep the points they drew (and their pixmap)
        self.shown = [self.shown[j] if j < len(old) and j < len(self.shown)
                      and (old[j] is new or _same(old[j], new)) else -1
                      for j, new in enumerate(self.series)]


def _same(a, b) -> bool:
    return all(u.shape == v.shape and np.array_equal(u, v) for u, v in zip(a, b))


DECADES = 16  # as the loss plot: below ~1e-16 of the largest value a double has nothing to say


def log_floor(record: S.Signal, values) -> float | None:
    """The floor of a log axis, or None for a linear one: log where the record asks for it
    and no value is negative (loss on the saddle goes negative: then linear). Exact zeros
    (Newton landing on the minimum) sit on the floor, 16 decades under the top."""
    if not record.log:
        return None
    finite = [v[np.isfinite(v)] for v in values]
    finite = [f for f in finite if f.size]
    if not finite or min(float(f.min()) for f in finite) < 0:
        return None
    top = max(float(f.max()) for f in finite)
    return max(top * 10.0 ** -DECADES, 1e-300) if top > 0 else None


class SurfaceSignalPlot(SignalPlot):
    """Surface mode: the series of every run's precomputed path, revealed with the step."""

    mode = "surface"

    def __init__(self, controller, parent=None):
        super().__init__(controller, parent)
        self._cache: dict[int, tuple] = {}  # run -> ((signal, trace, optimizer, surface, polyak), series)
        self._ranged: list[np.ndarray] = []  # per run the values that set the y range
        self.faint: list[pg.PlotCurveItem] = []  # a record's reference series, faint
        self.faint_series: list[tuple] = []
        self._counted: dict[int, tuple] = {}  # run -> (trace, counted evaluations or None)
        self.guides = RateGuides(self.plot)  # display.signal_slopes, on log-log axes
        self._emptied = False  # no signal: the curves, reference, guides and levels are empty
        self._style_stale = False  # runs restyled while no signal was shown
        c = controller
        c.sceneChanged.connect(self.rebuild)
        c.runsChanged.connect(self.rebuild)
        c.tracesChanged.connect(lambda _indices: self.recompute())
        c.runChanged.connect(lambda _i: self._changed_style())
        c.selectionChanged.connect(lambda _i: self._restyle())
        c.stepChanged.connect(self.draw)
        c.settingsChanged.connect(self.recompute)
        c.displayChanged.connect(self._display_changed)
        self.rebuild()

    def rebuild(self) -> None:
        self._ensure_curves(len(self.controller.runs))
        self._restyle()
        self._emptied = False  # the run list changed: clear it whole once more
        self.recompute()

    def _changed_style(self) -> None:
        """A colour, label or visibility: no series changes (a knob's new path comes with
        tracesChanged), but a run shown or hidden changes the y range."""
        if self.record() is None:  # hidden: restyled when a signal is picked (recompute)
            self._style_stale = True
            return
        self._restyle()
        self._fit_y(self._ranged)

    def _display_changed(self, key: str, _value) -> None:
        if key in ("signal", "signal_axis", "polyak", "signal_log_x", "signal_slopes"):
            self.recompute()

    def runs_data(self) -> list:
        """Per run the input of a surface signal (with optimizer state when it needs it)."""
        c = self.controller
        record = self.record()
        out = []
        for i, run in enumerate(c.runs):
            trace = c.traces[i]
            if record is not None and record.needs_states and trace.states is None:
                trace = c.states_trace(i) or trace
            out.append(S.SurfaceRun(trace, run.optimizer, c.surface, run.polyak))
        return out

    def recompute(self) -> None:
        self._sync_header()
        record = self.record()
        c = self.controller
        if record is None or record.series is None:
            if not self._emptied:  # a hidden plot stays empty: every slider move lands here
                self._clear()
                self._set_reference([], [], None)
                self.guides.draw([], [], [], 0.0)
                self._draw_levels(None, False)
                self._emptied = True
            return
        self._emptied = False
        if self._style_stale:
            self._style_stale = False
            self._restyle()
        axis = self.axis_key()
        values, xs, ranged = [], [], []
        cache = {}
        for i, data in enumerate(self.runs_data()):
            # a slider moves one run: the others keep their series (same trace object)
            key = (record.key, data.trace, data.optimizer, data.surface, data.polyak)
            old = self._cache.get(i)
            if old is not None and old[0][1] is key[1] and old[0][3] is key[3] \
                    and (old[0][0], old[0][2], old[0][4]) == (key[0], key[2], key[4]):
                y = old[1]
            else:
                try:
                    y = S.compute(record.key, data)
                except Exception as err:  # noqa: BLE001 - a signal that fails must not take the plot down
                    c.notify(f"signal {record.title!r}: {err}")
                    y = np.full(len(data.trace.xs), np.nan)
            cache[i] = (key, y)
            values.append(y)
            counted = self._evaluations(i, data.trace) if axis == "grad_evals" else None
            xs.append(S.axis_values(axis, len(y), data.optimizer, evaluations=counted))
            ranged.append(y[: self._sane_rows(i)])
        self._cache = cache
        log_x = c.display("signal_log_x", False) is True
        if log_x:  # update 0 has no place on a log axis: it is dropped with the other non-finite x
            with np.errstate(all="ignore"):
                xs = [np.where(np.asarray(x) > 0, np.log10(np.maximum(np.asarray(x, dtype=float), 1e-300)), np.nan)
                      for x in xs]
        faint = self._reference(record, len(values))
        floor = log_floor(record, ranged + [v[: self._sane_rows(i)] for i, v in enumerate(faint)])
        log = floor is not None
        self._set_series(xs, values, floor)
        self._set_reference(xs, faint, floor)
        with np.errstate(all="ignore"):
            ranged = [np.log10(np.maximum(v, floor)) if log else v for v in ranged]
        # the whole race's length on this axis, fixed per path (the axis must not grow while playing)
        ends = [float(np.nanmax(x)) for x in xs if len(x) and np.isfinite(x).any()]
        x_max = max(ends + [np.log10(max(c.scene.steps, 1)) if log_x else float(c.scene.steps)])
        self._axes(record, log, x_max, log_x)
        self._ranged = ranged
        self._fit_y(ranged)
        self._draw_levels(record, log)
        try:  # checked when the scene was read; a bad text here only means no guides
            slopes = S.parse_slopes(c.display("signal_slopes", "")) if log and log_x else []
        except ValueError:
            slopes = []
        self.guides.draw(slopes, self.series, [r.color for r in c.runs], x_max)  # placed in the y range
        self.draw(c.step)

    def _evaluations(self, i: int, trace) -> np.ndarray | None:
        """Run ``i``'s counted evaluations (rules whose cost varies: line searches), replayed
        once per path; None for fixed-cost rules and for branches (their past segments ran
        other settings)."""
        cached = self._counted.get(i)
        if cached is not None and cached[0] is trace:
            return cached[1]
        c = self.controller
        cfg, scene = c.runs[i], c.scene
        counted = None
        if not cfg.history:
            start = scene.start if scene.start is not None else c.surface.start
            counted = S.counted_evaluations(c.surface, cfg.optimizer, cfg.schedule, start, scene.steps,
                                            scene.noise, scene.seed)
        self._counted[i] = (trace, counted)
        return counted

    def _reference(self, record: S.Signal, n: int) -> list[np.ndarray]:
        """The record's reference series per run (the iterate's loss behind the Polyak
        average's), or none."""
        if record.reference is None:
            return []
        return [S.compute(record.reference, data) for data in self.runs_data()[:n]]

    def _set_reference(self, xs, values, floor) -> None:
        c = self.controller
        while len(self.faint) < len(values):
            curve = pg.PlotCurveItem()
            curve.setZValue(-1)
            self.plot.addItem(curve)
            self.faint.append(curve)
        self.faint_series = []
        for i, curve in enumerate(self.faint):
            if i >= len(values):
                curve.setData([], [])
                continue
            y = np.asarray(values[i], dtype=float)
            if floor is not None:
                with np.errstate(all="ignore"):
                    y = np.log10(np.maximum(y, floor))
            keep = np.flatnonzero(np.isfinite(y))
            self.faint_series.append((np.asarray(xs[i])[keep], y[keep], keep))
            pen = theme.pen(c.runs[i].color, 1.0, alpha=70)
            if curve.opts["pen"] != pen:  # as in _restyle: an equal new pen still repaints
                curve.setPen(pen)
            if curve.isVisible() != c.runs[i].visible:
                curve.setVisible(c.runs[i].visible)

    def draw(self, step: int) -> None:
        super().draw(step)
        for curve, (x, y, rows) in zip(self.faint, self.faint_series):
            n = int(np.searchsorted(rows, step, side="right"))
            curve.setData(x[:n], y[:n])

    def _sane_rows(self, i: int) -> int:
        """The rows that set the y range: a diverged run's only while it is in the view (a
        step length of 1e30 after it left would flatten every other curve)."""
        ending = self.controller.ending(i)
        rows = len(self.controller.traces[i].xs)
        return rows if ending is None or ending.exit_row is None else ending.exit_row + 1


def signal_menu(parent: QtWidgets.QMenu, active) -> QtWidgets.QMenu:
    """View > Signal plot: the visible mode's signals and x axes, ticked as the scene has
    them; ``active()`` is the visible mode's controller. Filled when opened, so it always
    lists the current mode's table."""
    menu = QtWidgets.QMenu("Signal plot", parent)  # parented: it lives as long as the View menu
    parent.addMenu(menu)

    def fill():
        menu.clear()
        c = active()
        mode = c.scene.mode
        signal = c.display("signal", S.NONE)
        axis = S.axis_key(c.display("signal_axis", "updates"))
        group = QtGui.QActionGroup(menu)
        for key, text in [(S.NONE, "None")] + [(r.key, r.title) for r in S.signals_for(mode)]:
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(key == signal)
            action.setActionGroup(group)
            action.triggered.connect(lambda _=False, k=key: active().set_display("signal", k))
        menu.addSeparator()
        axes = QtGui.QActionGroup(menu)
        for a in S.axes_for(mode):
            action = menu.addAction(f"x axis: {a.label}")
            action.setCheckable(True)
            action.setChecked(a.key == axis)
            action.setActionGroup(axes)
            action.setToolTip(a.doc)
            action.triggered.connect(lambda _=False, k=a.key: active().set_display("signal_axis", k))

    menu.aboutToShow.connect(fill)
    fill()
    return menu
