"""Undo / redo of scene edits (gui.history): every kind of edit undone and redone
restores the exact scene, a slider drag is one entry, playback and framing are not
edits, both modes, and the window's Edit menu acts on the visible mode."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6 import QtCore  # noqa: E402

from engine.presets import load_preset  # noqa: E402
from gui.classification.controller import ClassificationController  # noqa: E402
from gui.classification.controller import default_scene as classification_scene  # noqa: E402
from gui.controller import PlaygroundController, default_scene  # noqa: E402
from gui.history import SceneHistory, _edit_part  # noqa: E402


@pytest.fixture
def surface(qtbot):
    c = PlaygroundController(default_scene().replace(steps=120))
    return c, SceneHistory(c)


def _scene(c):
    return _edit_part(c.current_scene())


EDITS = {
    "knob": lambda c: c.set_hyper(0, "lr", 0.0123),
    "start point": lambda c: c.set_start((1.25, -0.5)),
    "run added": lambda c: c.add_run("rmsprop"),
    "run removed": lambda c: c.remove_run(1),
    "optimizer": lambda c: c.set_optimizer(0, "nesterov"),
    "schedule": lambda c: c.set_schedule(0, "cosine"),
    "surface": lambda c: c.set_surface("rosenbrock"),
    "steps": lambda c: c.set_steps(80),
    "preset loaded": lambda c: c.set_scene(load_preset("zigzag-momentum")),
    "branch": lambda c: c.branch_run(0, 40),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_each_edit_is_undone_and_redone_exactly(surface, edit):
    c, history = surface
    before = _scene(c)
    assert EDITS[edit](c) is not False
    after = _scene(c)
    assert after != before, "the edit did not change the scene"
    assert history.undo()
    assert _scene(c) == before
    assert history.redo()
    assert _scene(c) == after
    assert not history.can_redo()


def test_a_slider_drag_is_one_entry(surface):
    c, history = surface
    before = _scene(c)
    for lr in (0.011, 0.012, 0.014, 0.018, 0.025):  # one drag: no quiet pause between moves
        c.set_hyper(0, "lr", lr)
    assert history.undo()
    assert _scene(c) == before
    assert not history.can_undo()


def test_edits_separated_by_a_pause_are_separate_entries(surface, qtbot):
    c, history = surface
    first = _scene(c)
    c.set_hyper(0, "lr", 0.02)
    qtbot.waitUntil(lambda: bool(history._undo), timeout=3000)  # the quiet pause closed the edit
    second = _scene(c)
    c.set_start((0.5, 0.5))
    history.undo()
    assert _scene(c) == second
    history.undo()
    assert _scene(c) == first


def test_playback_and_framing_are_not_edits_and_survive_undo(surface):
    c, history = surface
    c.set_hyper(0, "lr", 0.02)
    history.commit()
    c.seek(50)
    c.select_run(1)
    c.set_display("log_loss", False)
    history.commit()
    assert len(history._undo) == 1  # only the knob
    history.undo()
    assert c.step == 50 and c.selected == 1 and c.display("log_loss") is False


def test_a_new_edit_clears_redo_and_nothing_to_undo_says_so(surface):
    c, history = surface
    said = []
    c.message.connect(said.append)
    assert not history.undo()
    assert said[-1] == "nothing to undo"
    c.set_hyper(0, "lr", 0.02)
    history.undo()
    assert history.can_redo()
    c.set_hyper(0, "lr", 0.03)
    assert not history.can_redo()


def test_classification_edits_are_undone_too(qtbot):
    scene = classification_scene().replace(dataset="spiral:n=150", model="mlp:hidden=16", steps=60)
    c = ClassificationController(scene)
    history = SceneHistory(c)
    before = _scene(c)
    assert c.add_run("sgd")
    assert _scene(c) != before
    assert history.undo()
    assert _scene(c) == before
    c.pause()


def test_the_edit_menu_undoes_in_the_visible_mode(qtbot):
    from gui.window import MainWindow

    win = MainWindow(PlaygroundController(default_scene().replace(steps=60)))
    qtbot.addWidget(win)
    c = win.controller
    before = _scene(c)
    c.set_start((1.0, 1.0))
    undo = win.commands.by_name["undo"]
    assert undo.shortcut().toString() == "Ctrl+Z"
    assert undo in win.commands.menus["edit"].actions()
    undo.trigger()
    assert _scene(c) == before
    win.commands.by_name["redo"].trigger()
    assert c.scene.start == (1.0, 1.0)
    QtCore.QCoreApplication.processEvents()


# -- the mouse wheel scrolls the controls, it does not turn the knob under the pointer -----------


def _wheel(widget, dy=-120):
    from PySide6 import QtGui

    pos = QtCore.QPointF(widget.width() / 2, widget.height() / 2)
    event = QtGui.QWheelEvent(pos, widget.mapToGlobal(pos), QtCore.QPoint(0, 0), QtCore.QPoint(0, dy),
                              QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier,
                              QtCore.Qt.ScrollPhase.NoScrollPhase, False)
    QtCore.QCoreApplication.sendEvent(widget, event)


def test_the_wheel_over_an_unfocused_knob_scrolls_the_panel(qtbot):
    from PySide6 import QtWidgets

    from gui.window import MainWindow

    win = MainWindow(PlaygroundController(default_scene().replace(steps=60)))
    qtbot.addWidget(win)
    win.resize(1280, 640)  # short: the controls column scrolls
    win.show()
    qtbot.waitExposed(win)
    scroll = win.controls_dock.widget()
    combo = win.scene_controls.findChild(QtWidgets.QComboBox)
    slider = win.hyper_controls.findChild(QtWidgets.QSlider)
    before = (combo.currentIndex(), slider.value(), c_scene := _scene(win.controller))
    bar = scroll.verticalScrollBar()
    assert bar.maximum() > 0, "the column should need scrolling at this height"
    for knob in (combo, slider):
        _wheel(knob)
    assert (combo.currentIndex(), slider.value(), _scene(win.controller)) == before
    assert bar.value() > 0  # the panel scrolled instead
    assert c_scene == before[2]
    combo.setFocus()  # a knob the user clicked or tabbed to takes the wheel as usual
    qtbot.waitUntil(combo.hasFocus, timeout=2000)
    _wheel(combo)
    assert combo.currentIndex() != before[0]
