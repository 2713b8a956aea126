"""The signal plot in classification mode (gui.views.signal has the surface one and
what both share): the series grow while the race trains."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from engine import signals as S
from gui import theme
from gui.views.run_style import run_pen
from gui.views.signal import SignalPlot


class ClassificationSignalPlot(SignalPlot):
    """Classification mode: the series grow while the race trains. Weight signals are
    computed on each run's kept weight rows (gui.classification.live.WeightPath: every
    row, then every 2nd, 4th ... on long runs), only for rows not seen before; the
    histogram shows every run's weights at the latest step."""

    mode = "classification"
    REDRAW_MS = 200  # a handful of redraws a second: the signal moves slowly

    def __init__(self, controller, parent=None):
        super().__init__(controller, parent)
        c = controller
        self._cache: list[tuple[np.ndarray, np.ndarray]] = []
        self.bars: list[pg.PlotCurveItem] = []
        # training reports every row; a few redraws a second: the first request starts a
        # timer, the ones inside it are coalesced into its one refresh
        self.throttle = QtCore.QTimer(self)
        self.throttle.setSingleShot(True)
        self.throttle.setInterval(self.REDRAW_MS)
        self.throttle.timeout.connect(self.refresh)
        c.restarted.connect(self.rebuild)
        c.runsChanged.connect(self.rebuild)
        c.runChanged.connect(lambda _i: self._restyle())
        c.selectionChanged.connect(lambda _i: self._restyle())
        c.stepChanged.connect(lambda _s: self.throttle.isActive() or self.throttle.start())
        c.displayChanged.connect(self._display_changed)
        self.rebuild()

    def _display_changed(self, key: str, _value) -> None:
        if key in ("signal", "signal_axis"):
            self.rebuild()

    def rebuild(self) -> None:
        n = len(self.controller.runs)
        self._ensure_curves(n)
        while len(self.bars) < n:
            bar = pg.PlotCurveItem()
            self.plot.addItem(bar)
            self.bars.append(bar)
        while len(self.bars) > n:
            self.plot.removeItem(self.bars.pop())
        self._cache = [(np.zeros(0, dtype=int), np.zeros(0)) for _ in range(n)]
        self._restyle()
        self.refresh()

    def _restyle(self) -> None:
        super()._restyle()
        c = self.controller
        for i, run in enumerate(c.runs[: len(self.bars)]):
            self.bars[i].setPen(run_pen(run, 2.0 if i == c.selected else 1.2))
            self.bars[i].setVisible(run.visible)

    def _per_update(self, i: int) -> float:
        c = self.controller
        axis = self.axis_key()
        if axis == "grad_evals":
            return float(S.grad_evals_per_update(c.runs[i].optimizer))
        if axis == "examples":
            problem = c.problem
            n = problem.dataset.n_train
            b = problem.batch_size
            return float(b if 0 < b < n else n)  # full batch: every training point per update
        return 1.0

    def refresh(self) -> None:
        self._sync_header()
        c = self.controller
        record = self.record()
        trainer = getattr(c, "trainer", None)
        if record is None or trainer is None or not c.runs:
            self._clear()
            for bar in self.bars:
                bar.setVisible(False)
            return
        if record.kind == "histogram":
            self._histogram(record)
            return
        for bar in self.bars:
            bar.setVisible(False)
        xs, values, all_rows = [], [], []
        for i in range(len(c.runs)):
            rows, y = self._rows_and_values(record, i, trainer)
            xs.append(rows * self._per_update(i))
            values.append(y)
            all_rows.append(rows)
        self._set_series(xs, values, None, all_rows)
        per = max((self._per_update(i) for i in range(len(c.runs))), default=1.0)
        self._axes(record, False, c.scene.steps * per)
        if record.key in ("val_acc", "confidence", "near_zero"):
            theme.settle_range(self.plot, 0.0, 1.0)
        else:
            self._fit_y(values)
        self.draw(c.step)

    def _rows_and_values(self, record: S.Signal, i: int, trainer) -> tuple[np.ndarray, np.ndarray]:
        if record.key == "val_acc":  # a metric the trainer records for every row already
            y = np.asarray(self.controller.metric(i, "val_acc"), dtype=float)
            return np.arange(len(y), dtype=float), y
        rows, weights = trainer.paths[i].trajectory()
        rows = np.asarray(rows, dtype=int)
        done_rows, done = self._cache[i]
        keep = np.isin(done_rows, rows)  # a thinned path drops every other row
        done_rows, done = done_rows[keep], done[keep]
        new = ~np.isin(rows, done_rows)
        if new.any():
            fresh = S.compute(record.key, S.ClassificationRun(weights[new], self.controller.problem, {}))
            done_rows = np.concatenate([done_rows, rows[new]])
            done = np.concatenate([done, fresh])
            order = np.argsort(done_rows, kind="stable")
            done_rows, done = done_rows[order], done[order]
        self._cache[i] = (done_rows, done)
        return done_rows.astype(float), done

    def _histogram(self, record: S.Signal) -> None:
        c = self.controller
        for curve in self.curves:
            curve.setData([], [])
        samples = []
        for i in range(len(c.runs)):
            w = c.weights(i)
            samples.append(S.weights_at(S.ClassificationRun(np.asarray(w)[None, :], c.problem, {}), 0)
                           if w is not None else np.zeros(0))
        edges = S.histogram_edges(samples)
        top = 1.0
        for bar, w, run in zip(self.bars, samples, c.runs):
            counts, _ = np.histogram(w[np.isfinite(w)], bins=edges)
            bar.setData(edges, counts.astype(float), stepMode="center")
            bar.setVisible(run.visible)
            top = max(top, float(counts.max()) if counts.size else 0.0)
        theme.set_label(self.plot, "bottom", "weight w")
        theme.set_label(self.plot, "left", record.axis)
        theme.set_log_axis(self.plot, "left", False)
        self.plot.setXRange(float(edges[0]), float(edges[-1]), padding=0.02)
        theme.settle_range(self.plot, 0.0, top)
