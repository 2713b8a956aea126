"""The rule editor (Runs > Write your own rule…): Apply runs the typed rule as a run of
its own with its hypers as sliders; a refused rule shows a caret and changes nothing;
Compare says how far a built-in's path is from yours; a saved session keeps the text."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("PySide6")

from engine.custom_rule import EXAMPLES, installed_rules  # noqa: E402
from engine.registry import OPTIMIZERS, unregister_optimizer  # noqa: E402
from engine.session import Scene  # noqa: E402
from gui.controller import PlaygroundController  # noqa: E402
from gui.window import MainWindow  # noqa: E402


@pytest.fixture
def window(qtbot):
    scene = Scene(surface="quadratic", steps=120, runs=())
    win = MainWindow(PlaygroundController(scene))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.controller.set_scene(Scene(surface="quadratic", steps=10, runs=()))  # nothing names the rule any more
    win.close()
    for key in list(installed_rules()):
        unregister_optimizer(key)


def editor_of(window):
    window.commands.by_name["rule_editor"].trigger()
    return window.commands.rule_editor


def test_apply_adds_a_run_of_your_rule_with_its_hypers_as_knobs(window):
    c = window.controller
    editor = editor_of(window)
    editor.text.setPlainText(EXAMPLES["momentum (torch form)"])
    assert editor.apply()
    assert [r.optimizer.key for r in c.runs] == ["custom"]
    assert set(window.hyper_controls.knobs) == {"lr", "rho"}
    path = c.traces[0].xs
    # retyped with another hyper: the same run, recomputed, new knobs
    editor.text.setPlainText("state s = 0\nhyper decay = 0.5 in [0, 0.99]\ns = decay * s + g\nx = x - lr * s")
    assert editor.apply()
    assert len(c.runs) == 1 and set(window.hyper_controls.knobs) == {"lr", "decay"}
    assert not np.array_equal(c.traces[0].xs, path)
    window.hyper_controls.knobs["decay"].edited.emit(0.9)
    assert c.runs[0].optimizer.params["decay"] == 0.9
    np.testing.assert_array_equal(c.traces[0].xs, path)  # decay 0.9 is momentum with rho 0.9


def test_a_refused_rule_shows_a_caret_and_keeps_the_running_one(window):
    c = window.controller
    editor = editor_of(window)
    editor.text.setPlainText(EXAMPLES["RMSProp"])
    assert editor.apply()
    before = c.traces[0].xs.copy()
    editor.text.setPlainText("state v = 0\nv = 0.9 * v + g\nx = x - lr * vv")
    assert not editor.apply()
    assert editor.caret.isVisibleTo(editor) and editor.caret.text() == "x = x - lr * vv\n             ^"
    assert "line 3, column 14" in editor.error.text()
    assert OPTIMIZERS["custom"].rule_text == EXAMPLES["RMSProp"]
    np.testing.assert_array_equal(c.traces[0].xs, before)
    editor.text.setPlainText(EXAMPLES["RMSProp"])  # typing clears the error
    assert not editor.caret.isVisibleTo(editor)


def test_compare_with_a_builtin_prints_one_sentence(window):
    editor = editor_of(window)
    editor.text.setPlainText(EXAMPLES["momentum (torch form)"])
    editor.apply()
    editor.other.setCurrentIndex(editor.other.findData("momentum"))
    assert editor.compare().startswith("your rule equals SGD + momentum")
    assert "over 120 steps" in editor.result.text()
    editor.other.setCurrentIndex(editor.other.findData("adam"))
    assert "differs from Adam" in editor.compare()
    window.controller.set_hyper(0, "lr", 5.0)
    editor.other.setCurrentIndex(editor.other.findData("momentum"))
    assert "(yours diverged at step" in editor.compare()


def test_a_saved_session_keeps_the_rule(window, tmp_path):
    editor = editor_of(window)
    editor.text.setPlainText(EXAMPLES["Adam"])
    editor.apply()
    path = tmp_path / "s.json"
    window.controller.current_scene().save(path)
    assert json.loads(path.read_text())["rules"] == {"custom": EXAMPLES["Adam"]}


def test_step_arithmetic_follows_the_timeline_and_copies(window, qtbot):
    from PySide6 import QtGui

    from engine.spec import OptimizerSpec

    c = window.controller
    c.add_run("adam", lr=0.05)
    window.commands.by_name["arithmetic"].trigger()
    dock = window.commands.arithmetic_dock
    panel = dock.widget()
    qtbot.waitUntil(dock.isVisible)
    assert "not moved yet" in panel.text.toPlainText()
    c.step_once()
    c.step_once()
    text = panel.text.toPlainText()
    assert text.startswith("m ← beta1·m + (1 − beta1)·g") and "update t = 2" in panel.title.text()
    trace = c.states_trace(0)
    x2 = f"{trace.xs[2][0]:.4g}".replace("-", "−")
    assert "[1]  x ← " in text and text.split("\n")[-2].endswith(x2)
    panel.copy_latex.click()
    assert QtGui.QGuiApplication.clipboard().text().startswith(r"\begin{aligned}")
    panel.copy_text.click()
    assert QtGui.QGuiApplication.clipboard().text().startswith("Adam, update t = 2")
    c.set_optimizer(0, OptimizerSpec.make("bfgs"))
    assert "whole vector" in panel.text.toPlainText()
    window.commands.by_name["arithmetic"].trigger()
    assert not dock.isVisible()


def test_geometry_of_the_update_draws_the_selected_runs_shapes(window):
    from engine.spec import OptimizerSpec
    from gui.views.geometry import ellipse_points

    c = window.controller
    c.add_run("lion", lr=0.05)
    c.set_display("update_geometry", True)
    overlay = window.contour.geometry
    assert overlay.enabled
    c.step_once()
    assert [sh.kind for sh in overlay.shapes] == ["box"]
    xs, ys = overlay.curves["model"].getData()
    assert len(xs) == 6  # a closed box and its gap
    c.set_optimizer(0, OptimizerSpec.make("newton"))
    c.reset()
    kinds = sorted(sh.kind for sh in overlay.shapes)
    assert kinds == ["ellipse", "ellipse", "point"]
    c.set_display("update_geometry", False)
    data = overlay.curves["model"].getData()[0]
    assert overlay.shapes == () and (data is None or len(data) == 0)
    pts = ellipse_points((1.0, 2.0), [[4.0, 0.0], [0.0, 1.0]])  # semi-axes 1/2 and 1
    assert np.allclose(pts.min(axis=0), [0.5, 1.0]) and np.allclose(pts.max(axis=0), [1.5, 3.0])
