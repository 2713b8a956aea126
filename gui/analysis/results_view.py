"""The "Results" tab: one row per run of the scene, what it reached and what it cost.

Columns are engine.results.COLUMNS (final and best loss, steps to a tolerance,
gradient / loss / Hessian evaluations as counted, optimizer-state floats, time per
step); a click on a heading sorts by it (numbers as numbers, empty cells last).
Copy as Markdown (slides, notes) or CSV (a spreadsheet).

"Fair tuning" gives every run the learning rate engine.results.fair_lr picks on
this scene (its criterion is printed under the button), so "tuned SGD + momentum vs
tuned Adam" is one click; "Undo tuning" puts the previous rates back.

Computed when the tab is shown after the scene changed, and again (debounced) while
it stays visible; never while it is hidden.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui, QtWidgets

from engine.hyper import HyperError
from engine.results import (
    COLUMNS,
    TUNING_CRITERION,
    TUNING_LRS,
    fair_lr,
    surface_results,
    to_csv,
    to_markdown,
    training_result,
)
from gui.analysis.common import NumberEdit, busy, estimate_seconds, muted_label, swatch

SLOW_SECONDS = 3.0  # a run whose tuning sweep is estimated slower than this is left as it is
SORT_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1


class SortItem(QtWidgets.QTableWidgetItem):
    """A cell that sorts by its number (empty cells after every number)."""

    def __lt__(self, other):
        a, b = self.data(SORT_ROLE), other.data(SORT_ROLE)
        if a is None or b is None:
            return b is None and a is not None
        return a < b


class ResultsTable(QtWidgets.QTableWidget):
    """The results table, whose run-name column (a longer name wraps) is ~24 characters
    of its font wide: presentation mode doubles the font, and the names must widen with it."""

    NAME_CHARS = 24

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.FontChange:
            self.fit_names()

    def fit_names(self) -> None:
        self.horizontalHeader().resizeSection(0, self.fontMetrics().averageCharWidth() * self.NAME_CHARS)


class ResultsView(QtWidgets.QWidget):
    computed = QtCore.Signal()
    # surface scenes know f* (steps to a tolerance) and sweep fast enough for fair tuning
    SURFACE = True

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.results = []
        self._undo: list | None = None  # (run index, OptimizerSpec before tuning)
        self._dirty = True
        # controls in a bar above the table: at 1280 px the table needs the tab's whole width
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        bar = QtWidgets.QHBoxLayout()  # two short rows: the tab must not widen the window
        tol_label = QtWidgets.QLabel("tolerance")
        bar.addWidget(tol_label)
        self.tol = NumberEdit(1e-6, 0.0, 1e12)
        self.tol.setToolTip("steps to tol: the first step with f − f* ≤ tol")
        bar.addWidget(self.tol)
        copy_md = QtWidgets.QPushButton("Copy Markdown")
        copy_md.clicked.connect(lambda: self.copy("markdown"))
        copy_csv = QtWidgets.QPushButton("Copy CSV")
        copy_csv.clicked.connect(lambda: self.copy("csv"))
        bar.addWidget(copy_md)
        bar.addWidget(copy_csv)
        bar.addStretch(1)
        layout.addLayout(bar)
        bar = QtWidgets.QHBoxLayout()
        self.tune_button = QtWidgets.QPushButton("Fair tuning")
        self.tune_button.setToolTip("Give every run the learning rate a quick sweep picks on this scene.\n"
                                    "Criterion: " + TUNING_CRITERION)
        self.tune_button.clicked.connect(self.tune)
        self.untune_button = QtWidgets.QPushButton("Undo tuning")
        self.untune_button.setEnabled(False)
        self.untune_button.clicked.connect(self.untune)
        bar.addWidget(self.tune_button)
        bar.addWidget(self.untune_button)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.criterion = muted_label("Fair tuning: " + TUNING_CRITERION + ".")
        layout.addWidget(self.criterion)
        if not self.SURFACE:
            for widget in (tol_label, self.tol, self.tune_button, self.untune_button, self.criterion):
                widget.hide()

        self.table = ResultsTable(0, len(COLUMNS))
        # two-line headings ("grad / evals"): the columns stay as narrow as their numbers
        self.table.setHorizontalHeaderLabels([heading.replace(" ", "\n", 1) for _k, heading, _f in COLUMNS])
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Interactive)
        self.table.fit_names()  # the numbers get the room; a longer name wraps
        # a name wraps onto a second line instead of losing its middle: two runs "SGD +
        # momentum, lr = 0.02" and "SGD + momentum, tuned: lr = 0.03" had both read "SGD + mo…um, …"
        self.table.setWordWrap(True)
        self.table.verticalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.table.setTextElideMode(QtCore.Qt.TextElideMode.ElideMiddle)  # a single word wider than the column
        header.setSortIndicator(0, QtCore.Qt.SortOrder.AscendingOrder)  # the scene's order first
        self.table.setSortingEnabled(True)
        layout.addWidget(self.table, 1)
        self.status = muted_label()
        layout.addWidget(self.status)

        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self._auto)
        self.tol.valueChanged.connect(lambda _v: self.mark_dirty())
        c = controller
        for signal in (c.sceneChanged, c.runsChanged, c.settingsChanged):
            signal.connect(self.mark_dirty)
        c.runChanged.connect(lambda _i: self.mark_dirty())
        for signal in (c.sceneChanged, c.runsChanged):  # run indices moved: nothing to undo safely
            signal.connect(self._forget_tuning)
        if self.SURFACE:  # classification's traces grow every tick; its rows depend on the scene only
            c.tracesChanged.connect(lambda _idx: self.mark_dirty())

    # -- computing --------------------------------------------------------------------------------

    def mark_dirty(self) -> None:
        self._dirty = True
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event):
        super().showEvent(event)
        if self._dirty:
            self._timer.start(0)

    def _auto(self) -> None:
        if self.isVisible() and self._dirty:
            self.compute()

    def rows(self) -> list:
        c = self.controller
        runs = [(r.label, r.optimizer, r.schedule, r.history) for r in c.runs]
        return surface_results(c.surface, runs, c.start, c.scene.steps, c.scene.noise, c.scene.seed,
                               self.tol.value())

    def compute(self) -> None:
        with busy():
            self.results = self.rows()
        self._dirty = False
        self._fill()
        self.computed.emit()

    def _fill(self) -> None:
        c = self.controller
        table = self.table
        table.setSortingEnabled(False)  # rows would move while they are filled
        table.setRowCount(len(self.results))
        for row, result in enumerate(self.results):
            for col, (key, _heading, fmt) in enumerate(COLUMNS):
                v = getattr(result, key)
                empty = v is None or (isinstance(v, float) and not math.isfinite(v))
                item = SortItem("" if empty else fmt(v))
                item.setData(SORT_ROLE, None if empty else (v if key != "label" else row))
                if key == "label":
                    item.setToolTip(item.text())
                    item.setIcon(swatch(c.runs[row].color) if row < len(c.runs) else QtGui.QIcon())
                else:
                    item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                table.setItem(row, col, item)
        table.setSortingEnabled(True)

    # -- copying ----------------------------------------------------------------------------------

    def rows_in_view_order(self) -> list:
        """The results in the order the table shows them (after sorting)."""
        out = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None:
                out.append(self.results[item.data(SORT_ROLE)])
        return out

    def text(self, kind: str) -> str:
        rows = self.rows_in_view_order()
        return to_markdown(rows) if kind == "markdown" else to_csv(rows)

    def copy(self, kind: str) -> None:
        if self._dirty:
            self.compute()
        QtWidgets.QApplication.clipboard().setText(self.text(kind))
        self.controller.notify(f"results table copied as {'Markdown' if kind == 'markdown' else 'CSV'}")

    # -- fair tuning ------------------------------------------------------------------------------

    def tune(self) -> None:
        """Every run with a learning rate gets fair_lr's pick (3 significant digits, like
        the slider); runs too slow to sweep, or whose every rate diverged, stay."""
        c = self.controller
        before, notes = [], []
        with busy():
            for i, r in enumerate(c.runs):
                spec = r.optimizer
                if "lr" not in spec.params:
                    notes.append(f"{r.label}: no learning rate")
                    continue
                if r.history:
                    notes.append(f"{r.label}: a branch keeps its rate (its past is fixed)")
                    continue
                cost = estimate_seconds(c.surface, spec, len(TUNING_LRS), c.scene.steps)
                if cost > SLOW_SECONDS:
                    notes.append(f"{r.label}: left as it is (~{cost:.0f} s to sweep)")
                    continue
                best = fair_lr(c.surface, spec, r.schedule, c.start, c.scene.steps, c.scene.noise, c.scene.seed)
                if best is None:
                    notes.append(f"{r.label}: every rate diverged")
                    continue
                best = float(f"{best:.3g}")
                try:
                    tuned = spec.replace(lr=best)
                except HyperError as err:
                    notes.append(f"{r.label}: {err}")
                    continue
                if c.set_optimizer(i, tuned):
                    before.append((i, spec))
                    notes.append(f"{i + 1}: lr {spec.params['lr']:g} → {best:g}")
        self._undo = before or None
        self.untune_button.setEnabled(self._undo is not None)
        self.status.setText("Tuned — " + "; ".join(notes))
        c.notify("fair tuning: every run at its best learning rate on this scene")

    def _forget_tuning(self) -> None:
        self._undo = None
        self.untune_button.setEnabled(False)

    def untune(self) -> None:
        c = self.controller
        for i, spec in self._undo or []:
            if i < len(c.runs) and c.runs[i].optimizer.key == spec.key:
                c.set_optimizer(i, spec)
        self._undo = None
        self.untune_button.setEnabled(False)
        self.status.setText("learning rates as before the tuning")


class TrainingResultsView(ResultsView):
    """Classification's Results tab: each run trained alone over the scene's steps, the
    rows ``main.py train --format table`` prints (engine.results.training_result):
    final and best training loss, evaluations, state memory, time per step. No f*, so
    no steps to a tolerance; fair tuning stays with surfaces (a sweep of 32 trainings
    per run is not a click's wait)."""

    SURFACE = False

    def rows(self) -> list:
        c = self.controller
        if c.problem is None:  # the scene was refused: its message is on screen already
            return []
        return [training_result(c.problem, r.optimizer, r.schedule, c.scene.steps, init_seed=c.scene.seed,
                                label=r.label) for r in c.runs]
