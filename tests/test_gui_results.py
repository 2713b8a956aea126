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


# -- classification: the same table, each run trained alone --------------------------------------


def test_classification_results_tab_is_train_format_table(qtbot):
    from engine.results import training_result
    from gui.classification.controller import ClassificationController, default_scene
    from gui.classification.pane import ClassificationPane

    scene = default_scene().replace(dataset="spiral:n=60,noise=0.2", model="mlp:hidden=8", steps=60)
    c = ClassificationController(scene)
    pane = ClassificationPane(c)
    qtbot.addWidget(pane)
    pane.resize(1280, 800)
    pane.show()
    qtbot.waitExposed(pane)
    view = pane.results_view
    assert not view.tune_button.isVisible() and not view.tol.isVisible()  # no f*, no fair tuning here
    with qtbot.waitSignal(view.computed, timeout=20000):
        pane.tabs.setCurrentWidget(view)
    assert view.table.rowCount() == len(c.runs) == 4
    for got, r in zip(view.results, c.runs):
        exp = training_result(c.problem, r.optimizer, r.schedule, 60, init_seed=c.scene.seed, label=r.label)
        assert (got.label, got.final_loss, got.best_loss, got.grad_evals, got.state_floats) == \
               (exp.label, exp.final_loss, exp.best_loss, exp.grad_evals, exp.state_floats)
    assert view.results[3].state_floats == 2 * view.results[1].state_floats > 0  # adam: m and v; momentum: v
    # a knob change makes the rows stale; shown again, they follow it
    with qtbot.waitSignal(view.computed, timeout=20000):
        assert c.set_hyper(0, "lr", 0.5)
    assert c.runs[0].optimizer.params["lr"] == 0.5
    assert view.results[0].final_loss == training_result(c.problem, c.runs[0].optimizer, c.runs[0].schedule, 60,
                                                         init_seed=c.scene.seed).final_loss
    c.pause()


def test_a_long_run_name_wraps_and_keeps_what_tells_it_apart(qtbot):
    # elided in the middle at 1280 px, "SGD + momentum, lr = 0.02, rho = 0.9" and "SGD +
    # momentum, tuned: lr = 0.0375, ..." both read "SGD + mo…um, …"
    names = ("SGD", "SGD + momentum, lr = 0.02, rho = 0.9 (untuned)", "SGD + momentum, tuned: lr = 0.0375, rho = 0.675")
    specs = ("sgd:lr=0.01", "momentum:lr=0.02,momentum=0.9", "momentum:lr=0.0375,momentum=0.675")
    runs = tuple(RunConfig(OptimizerSpec.parse(s), color=c, name=n)
                 for s, c, n in zip(specs, ("#0072B2", "#D55E00", "#009E73"), names))
    win = MainWindow(PlaygroundController(Scene(surface="quadratic:kappa=50", runs=runs, steps=150, start=(-2.5, 1.5))))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    view, table = win.analysis.results, win.analysis.results.table
    with qtbot.waitSignal(view.computed, timeout=10000):
        win.analysis.setCurrentIndex(AnalysisTabs.RESULTS)
    fm = table.fontMetrics()
    width = table.columnWidth(0) - table.iconSize().width()  # at most the room the text has
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    long_names = [text for text in rows if fm.horizontalAdvance(text) > width]
    assert long_names, "the names must be too long for one line, or this tests nothing"
    for text in long_names:
        need = fm.boundingRect(QtCore.QRect(0, 0, width, 10**6), QtCore.Qt.TextFlag.TextWordWrap, text).height()
        assert table.rowHeight(rows[text]) >= need, f"{text!r} is cut: {table.rowHeight(rows[text])} < {need} px"
