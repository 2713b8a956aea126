"""Rewind and branch in the surface controller and views (pytest-qt, offscreen): a
branch at step k with nothing changed is the original path exactly; a changed knob
parts there; the original is drawn dimmed and dashed; the LR plot shows the branch's
own rates; sessions keep branches; removing the branch restores the original."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6 import QtCore  # noqa: E402

from engine.session import RunConfig, Scene  # noqa: E402
from engine.spec import OptimizerSpec  # noqa: E402
from gui.actions import branch_here  # noqa: E402
from gui.controller import PlaygroundController  # noqa: E402
from gui.window import MainWindow  # noqa: E402


def make(qtbot, specs=("momentum:lr=0.03,momentum=0.9",), noise=0.3):
    runs = tuple(RunConfig(OptimizerSpec.parse(s), color=c) for s, c in zip(specs, ("#0072B2", "#D55E00")))
    win = MainWindow(PlaygroundController(Scene(surface="quadratic:kappa=10,angle=20", runs=runs, steps=200,
                                                start=(-2.5, 1.5), noise=noise, seed=3)))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win, win.controller


def test_branch_with_nothing_changed_is_the_original_exactly(qtbot):
    win, c = make(qtbot)
    c.seek(40)
    assert branch_here(win)
    assert len(c.runs) == 2 and c.selected == 1 and c.runs[0].branched and c.runs[1].branched_at == 40
    a, b = c.traces[0], c.traces[1]
    np.testing.assert_array_equal(a.xs, b.xs)
    np.testing.assert_array_equal(a.loss, b.loss)
    np.testing.assert_array_equal(a.states, b.states)  # the inspector's optimizer state too
    assert "↳ t=40" in c.runs[1].label


def test_a_changed_knob_parts_at_k_and_the_original_is_dimmed(qtbot):
    win, c = make(qtbot)
    c.seek(60)
    c.branch_run(0)
    assert c.set_hyper(1, "lr", 0.01)
    a, b = c.traces[0], c.traces[1]
    np.testing.assert_array_equal(a.xs[:61], b.xs[:61])
    assert not np.array_equal(a.xs[61], b.xs[61])
    # the views: the original's trail and loss curve dashed and dimmed, the branch solid
    trail = win.contour.trails.items[0].trail.opts["pen"]
    assert trail.style() == QtCore.Qt.PenStyle.DashLine and trail.color().alpha() < 255
    assert win.contour.trails.items[1].trail.opts["pen"].style() == QtCore.Qt.PenStyle.SolidLine
    loss_pens = [curve.opts["pen"] for curve in win.loss.curves]
    assert loss_pens[0].style() == QtCore.Qt.PenStyle.DashLine and loss_pens[1].style() != QtCore.Qt.PenStyle.DashLine
    # the LR plot shows the rates the branch used: the original's up to step 60, then its own
    x, y = win.schedule.curves[1].getData()  # the plateaus' ends (schedule.corners)
    assert y[x == 60][0] == pytest.approx(0.03) and y[x == 61][0] == pytest.approx(0.01)


def test_sessions_keep_branches_and_removing_one_restores_the_original(qtbot):
    win, c = make(qtbot)
    c.seek(30)
    c.branch_run(0)
    c.set_hyper(1, "momentum", 0.5)
    again = PlaygroundController(Scene.from_json(c.current_scene().to_json()))
    assert again.runs == c.runs
    np.testing.assert_array_equal(again.traces[1].xs, c.traces[1].xs)
    assert c.remove_run(1)
    assert not c.runs[0].branched and len(c.runs) == 1


def test_rules_without_a_per_coordinate_state_are_refused(qtbot):
    win, c = make(qtbot, specs=("bfgs",), noise=0.0)
    seen = []
    c.message.connect(seen.append)
    c.seek(10)
    assert not c.branch_run(0)
    assert len(c.runs) == 1 and "element-wise" in seen[-1] and not c.runs[0].branched
