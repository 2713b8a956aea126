"""The Results tab in the real window (pytest-qt, offscreen): its rows are
engine.results' for the scene, sorting is numeric, copying gives Markdown / CSV in the
order shown, and fair tuning puts fair_lr's picks into the runs (and takes them back)."""

from __future__ import annotations

import csv
import io

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6 import QtCore, QtWidgets  # noqa: E402

from engine.results import COLUMNS, fair_lr, surface_results  # noqa: E402
from engine.session import RunConfig, Scene  # noqa: E402
from engine.spec import OptimizerSpec  # noqa: E402
from gui.analysis.tabs import AnalysisTabs  # noqa: E402
from gui.controller import PlaygroundController  # noqa: E402
from gui.window import MainWindow  # noqa: E402

SPECS = ("sgd:lr=0.01", "momentum:lr=0.001", "sam:lr=0.002", "bfgs")


def open_results(qtbot, surface="quadratic:kappa=10,angle=20", specs=SPECS, steps=150):
    runs = tuple(RunConfig(OptimizerSpec.parse(s), color=c)
                 for s, c in zip(specs, ("#0072B2", "#D55E00", "#009E73", "#CC79A7")))
    win = MainWindow(PlaygroundController(Scene(surface=surface, runs=runs, steps=steps, start=(-2.5, 1.5))))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    view = win.analysis.results
    with qtbot.waitSignal(view.computed, timeout=10000):
        win.analysis.setCurrentIndex(AnalysisTabs.RESULTS)
    return win, view


def test_rows_are_engine_results(qtbot):
    win, view = open_results(qtbot)
    c = win.controller
    want = surface_results(c.surface, [(r.label, r.optimizer, r.schedule) for r in c.runs], c.start, 150)
    assert view.table.rowCount() == len(SPECS)
    for got, exp in zip(view.results, want):
        assert (got.label, got.final_loss, got.grad_evals, got.f_evals, got.state_floats) == \
               (exp.label, exp.final_loss, exp.grad_evals, exp.f_evals, exp.state_floats)
    assert view.results[2].grad_evals == 300  # SAM: two gradients a step


def test_sorting_is_numeric_and_copy_follows_it(qtbot):
    win, view = open_results(qtbot)
    col = [k for k, _h, _f in COLUMNS].index("final_loss")
    view.table.sortItems(col, QtCore.Qt.SortOrder.AscendingOrder)
    shown = view.rows_in_view_order()
    finals = [r.final_loss for r in shown]
    assert finals == sorted(finals) and shown != view.results
    view.copy("csv")
    parsed = list(csv.DictReader(io.StringIO(QtWidgets.QApplication.clipboard().text())))
    assert [float(r["final_loss"]) for r in parsed] == finals
    view.copy("markdown")
    lines = QtWidgets.QApplication.clipboard().text().splitlines()
    assert lines[0].startswith("| run |") and len(lines) == 2 + len(SPECS)


def test_fair_tuning_applies_fair_lr_and_undoes(qtbot):
    win, view = open_results(qtbot, specs=("sgd:lr=0.01", "adam:lr=0.01"))
    c = win.controller
    before = [r.optimizer for r in c.runs]
    want = [float(f"{fair_lr(c.surface, r.optimizer, r.schedule, c.start, 150):.3g}") for r in c.runs]
    view.tune()
    assert [r.optimizer.params["lr"] for r in c.runs] == want
    assert want[0] != 0.01 and view.untune_button.isEnabled()
    # the table follows the tuned runs
    qtbot.waitUntil(lambda: not view._dirty, timeout=10000)
    assert "lr" in view.results[0].label and f"{want[0]:g}" in view.results[0].label
    view.untune()
    assert [r.optimizer for r in c.runs] == before and not view.untune_button.isEnabled()
