"""Undo / redo of scene edits (gui.history): every kind of edit, undone and redone,
restores the exact scene, in both modes; a drag is one entry; playback is not an edit."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from engine.session import Scene  # noqa: E402
from gui.classification.controller import ClassificationController  # noqa: E402
from gui.classification.controller import default_scene as classification_scene  # noqa: E402
from gui.controller import PlaygroundController, default_scene  # noqa: E402
from gui.history import edit_part  # noqa: E402


def check_round_trip(c, edit) -> None:
    before = c.current_scene()
    assert edit(c) is not False
    c.history.commit()
    after = c.current_scene()
    assert edit_part(after) != edit_part(before), "the edit changed nothing"
    assert c.undo()
    assert edit_part(c.current_scene()) == edit_part(before)
    assert c.redo()
    assert edit_part(c.current_scene()) == edit_part(after)
    assert c.undo()  # leave the scene as it was for the next edit


SURFACE_EDITS = {
    "start point": lambda c: c.set_start((0.5, -1.0)),
    "knob": lambda c: c.set_hyper(0, "lr", 0.05),
    "rule": lambda c: c.set_optimizer(0, "momentum"),
    "schedule": lambda c: c.set_schedule(0, "step:milestones=50,gamma=0.5"),
    "run added": lambda c: c.add_run("adam"),
    "run removed": lambda c: c.remove_run(0),
    "surface": lambda c: c.set_surface("rosenbrock"),
    "steps": lambda c: c.set_steps(120),
    "branch (issue 13: undo removes a branch)": lambda c: c.branch_run(0, 40),
    "scene loaded": lambda c: c.set_scene(default_scene().replace(surface="himmelblau", start=None, runs=())),
}


@pytest.mark.parametrize("kind", list(SURFACE_EDITS))
def test_each_surface_edit_is_undone_and_redone_exactly(qtbot, kind):
    c = PlaygroundController(default_scene())
    assert c.runs, "the default scene has runs to edit"
    check_round_trip(c, SURFACE_EDITS[kind])


def test_each_classification_edit_is_undone_and_redone_exactly(qtbot):
    c = ClassificationController(classification_scene().replace(steps=50))
    for edit in (lambda c: c.set_hyper(0, "lr", 0.02), lambda c: c.add_run("sgd"), lambda c: c.remove_run(0),
                 lambda c: c.set_seed(3), lambda c: c.set_model("mlp:hidden=8")):
        check_round_trip(c, edit)
        c.pause()


def test_a_drag_is_one_entry_and_playback_is_none(qtbot):
    c = PlaygroundController(default_scene())
    start = c.current_scene()
    for lr in (0.011, 0.012, 0.013, 0.02):  # one slider drag: no commit in between
        c.set_hyper(0, "lr", lr)
    c.history.commit()
    c.seek(40)
    c.select_run(len(c.runs) - 1)
    c.history.commit()
    assert c.undo()
    assert edit_part(c.current_scene()) == edit_part(start)
    assert not c.history.can_undo(), "stepping and selecting were recorded as edits"
    said = []
    c.message.connect(said.append)
    assert not c.undo() and said == ["nothing to undo"]


def test_a_drag_commits_after_a_quiet_spell(qtbot):
    c = PlaygroundController(default_scene())
    c.set_start((1.0, 1.0))
    qtbot.waitUntil(c.history.can_undo, timeout=2000)


def test_undo_right_after_an_edit_takes_that_edit_back(qtbot):
    c = PlaygroundController(default_scene())
    start = c.start
    c.set_start((1.0, 1.0))  # no quiet spell before Ctrl+Z
    assert c.undo() and c.start == start


def test_a_new_edit_after_undo_drops_the_redo(qtbot):
    c = PlaygroundController(default_scene())
    c.set_start((1.0, 1.0))
    c.history.commit()
    c.undo()
    c.set_steps(77)
    c.history.commit()
    assert not c.history.can_redo()


def test_modified_since_loaded(qtbot):
    c = PlaygroundController(default_scene())
    assert not c.history.modified()
    c.set_start((1.0, 1.0))
    assert c.history.modified()
    c.history.mark_clean()
    assert not c.history.modified()
    assert isinstance(c.current_scene(), Scene)


# -- names that lie (issue 10, item 4) --------------------------------------------------------

def test_a_run_name_stating_the_lr_follows_the_slider_and_the_sweep(qtbot):
    from engine.presets import load_preset

    c = PlaygroundController(load_preset("lr-too-low-high-1d"))
    i = next(k for k, r in enumerate(c.runs) if r.name == "lr = 0.01 (too low)")
    assert c.set_hyper(i, "lr", 0.5)  # what the lecturer's note says to do
    assert c.runs[i].label == "lr = 0.5"
    assert "too low" not in c.runs[i].label
    assert c.set_optimizer(i, "sgd:lr=0.9")  # many knobs at once (the LR sweep, tuning)
    assert c.runs[i].label == "lr = 0.9"
    c.set_display("same_lr", True)
    assert c.set_hyper(i, "lr", 0.25)
    assert all("0.01" not in r.label and "too low" not in r.label for r in c.runs)


def test_a_name_that_states_nothing_is_kept():
    from engine.run_edits import refreshed_name
    from engine.session import RunConfig
    from engine.spec import OptimizerSpec

    run = RunConfig(OptimizerSpec.make("momentum", lr=0.01), name="heavy ball")
    assert refreshed_name(run, run.optimizer.replace(lr=0.3)) == "heavy ball"
    run = RunConfig(OptimizerSpec.make("momentum", lr=0.01), name="heavy ball, η = 1e-2")
    assert refreshed_name(run, run.optimizer.replace(lr=0.3)) == "heavy ball, η = 0.3"


def test_ticking_same_lr_gives_every_run_the_selected_runs_lr_at_once(qtbot):
    c = PlaygroundController(default_scene())
    lrs = {r.optimizer.params.get("lr") for r in c.runs} - {None}
    assert len(lrs) > 1, "the default scene's runs start with different rates"
    c.select_run(0)
    lr = c.runs[0].optimizer.params["lr"]
    assert c.set_same_lr(True)
    assert all(r.optimizer.params.get("lr") in (None, lr) for r in c.runs if "lr" in r.optimizer.params)


def test_picking_another_schedule_keeps_warmup(qtbot):
    c = PlaygroundController(default_scene())
    assert c.set_schedule(0, "constant:warmup=20")
    assert c.set_schedule(0, "cosine")
    assert c.runs[0].schedule.params.get("warmup") == 20


@pytest.mark.parametrize("typed", ["100, 200", "100 200", "100/200", " 100 ,200 "])
def test_milestones_accept_commas_spaces_and_slashes(qtbot, typed):
    c = PlaygroundController(default_scene())
    assert c.set_schedule(0, "step")
    assert c.set_schedule_param(0, "milestones", typed)
    assert c.runs[0].schedule.params["milestones"] == (100, 200)


@pytest.mark.parametrize("bad", ["100,abc", "-5", "1e3/x"])
def test_a_refused_milestones_entry_keeps_its_reason_beside_the_field(qtbot, bad):
    # a status message passes in seconds; the field keeps a red border and says what
    # it accepts until a good value replaces it
    from PySide6 import QtCore

    from gui.window import MainWindow

    c = PlaygroundController(default_scene())
    win = MainWindow(c)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    assert c.set_schedule(0, "step")
    knob = win.hyper_controls.schedule_knobs["milestones"]
    knob.edit.setText(bad)
    knob.edit.editingFinished.emit()
    assert knob.edit.property("invalid") and knob.error.isVisible()
    assert "milestones" in knob.error.text() and "e.g. 300/600" in knob.error.text()
    c.seek(10)  # playback and other messages go on; the reason stays
    c.notify("something else happened")
    QtCore.QCoreApplication.processEvents()
    assert knob.error.isVisible() and knob.edit.property("invalid")
    knob.edit.setText("100, 200")
    knob.edit.editingFinished.emit()
    assert c.runs[0].schedule.params["milestones"] == (100, 200)
    assert not knob.edit.property("invalid") and not knob.error.isVisible()
