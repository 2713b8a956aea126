"""The window's side of editing in front of a class (pytest-qt, offscreen): Ctrl+Z and
Ctrl+Shift+Z, the wheel scrolling the controls instead of turning them, the shortcuts
window read from the actions, the title's file and unsaved mark, "Discard your
changes?" before a preset replaces an edited scene, and an undoable click on the map."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from gui import settings as store  # noqa: E402
from gui.controller import PlaygroundController, default_scene  # noqa: E402
from gui.history import edit_part  # noqa: E402
from gui.shortcuts_window import shortcut_rows  # noqa: E402
from gui.window import MainWindow  # noqa: E402

Key = QtCore.Qt.Key
CTRL = QtCore.Qt.KeyboardModifier.ControlModifier
SHIFT = QtCore.Qt.KeyboardModifier.ShiftModifier


@pytest.fixture(autouse=True)
def fresh_settings():
    store.settings().clear()
    yield
    store.settings().clear()


@pytest.fixture
def window(qtbot):
    win = MainWindow(PlaygroundController(default_scene()))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    win.setFocus()
    return win


def test_ctrl_z_and_ctrl_shift_z_undo_and_redo_the_start_point(window, qtbot):
    c = window.controller
    before = edit_part(c.current_scene())
    c.set_start((1.25, -0.5))
    after = edit_part(c.current_scene())
    QTest.keyClick(window, Key.Key_Z, CTRL)
    assert edit_part(c.current_scene()) == before
    QTest.keyClick(window, Key.Key_Z, CTRL | SHIFT)
    assert edit_part(c.current_scene()) == after


def wheel(widget, dy=-120):
    pos = QtCore.QPointF(widget.width() / 2, widget.height() / 2)
    event = QtGui.QWheelEvent(pos, widget.mapToGlobal(pos), QtCore.QPoint(0, 0), QtCore.QPoint(0, dy),
                              QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier,
                              QtCore.Qt.ScrollPhase.NoScrollPhase, False)
    QtWidgets.QApplication.sendEvent(widget, event)


def test_the_wheel_over_the_controls_scrolls_and_changes_no_setting(window, qtbot):
    window.resize(1280, 500)  # short enough for the controls panel to scroll
    qtbot.wait(50)
    scroll = window.controls_dock.widget()
    settings = [w for w in scroll.widget().findChildren(QtWidgets.QWidget)
                if isinstance(w, (QtWidgets.QComboBox, QtWidgets.QAbstractSpinBox, QtWidgets.QAbstractSlider))
                and w.isVisible() and w.isEnabled()]
    assert any(isinstance(w, QtWidgets.QComboBox) for w in settings)
    assert any(isinstance(w, QtWidgets.QAbstractSlider) for w in settings)
    before = edit_part(window.controller.current_scene())
    bar = scroll.verticalScrollBar()
    assert bar.maximum() > 0
    for w in settings:
        wheel(w)
        wheel(w, dy=120)
        wheel(w)
    assert edit_part(window.controller.current_scene()) == before, "the wheel turned a setting"
    assert bar.value() > 0, "the wheel did not scroll the panel"


def _settings_in(scroll):
    return [w for w in scroll.widget().findChildren(QtWidgets.QWidget)
            if isinstance(w, (QtWidgets.QComboBox, QtWidgets.QAbstractSpinBox, QtWidgets.QAbstractSlider))
            and w.isVisible() and w.isEnabled()]


def test_knobs_built_later_and_the_classification_controls_are_guarded_too(window, qtbot):
    """The guard sits on the panels' widgets, not on the whole app: knobs a new optimizer
    brings (built after the window) and the classification pane's controls are covered
    as they appear; the map, which the wheel zooms, is not filtered at all."""
    window.resize(1280, 500)
    c = window.controller
    c.set_optimizer(c.selected, "lion:lr=0.001")  # new knobs (beta1, beta2, ...) for the selected run
    qtbot.wait(50)
    scroll = window.controls_dock.widget()
    new = [w for w in _settings_in(scroll) if w.window() is window]
    assert all(w.property("wheel_guarded") for w in new)
    before = edit_part(c.current_scene())
    for w in new:
        wheel(w)
    assert edit_part(c.current_scene()) == before, "the wheel turned a new knob"
    assert not window.contour.viewport().property("wheel_guarded")
    assert window.modes.set_mode("classification")
    qtbot.wait(50)
    pane_scrolls = window.modes.pane.findChildren(QtWidgets.QScrollArea)
    assert pane_scrolls
    settings = [w for s in pane_scrolls for w in _settings_in(s)]
    assert any(isinstance(w, QtWidgets.QComboBox) for w in settings)
    cc = window.modes.active
    before = edit_part(cc.current_scene())
    for w in settings:
        wheel(w)
    assert edit_part(cc.current_scene()) == before, "the wheel turned a classification setting"


def test_a_focused_setting_still_takes_the_wheel(window, qtbot):
    combo = window.scene_controls.surface
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    index = combo.currentIndex()
    wheel(combo, dy=-120)
    assert combo.currentIndex() != index


def test_the_shortcuts_window_lists_every_action_with_a_key(window):
    dialog = window.commands.show_shortcuts()
    listed = {(dialog.table.item(r, 0).text(), dialog.table.item(r, 1).text())
              for r in range(dialog.table.rowCount())}
    keys = {row[0] for row in listed}
    actions = [a for a in window.findChildren(QtGui.QAction) if any(not k.isEmpty() for k in a.shortcuts())]
    assert len(actions) > 30
    for action in actions:
        first = action.shortcuts()[0].toString(QtGui.QKeySequence.SequenceFormat.NativeText)
        assert any(first in k.split(", ") for k in keys), f"{action.text()} ({first}) is missing"
    assert ("F1", "Keyboard shortcuts") in listed
    assert len(listed) == len(shortcut_rows(window))
    texts = {row[1] for row in listed}
    assert {"Undo scene edit", "Redo scene edit", "Play / pause"} <= texts


def test_the_title_shows_the_file_and_an_unsaved_mark(window, qtbot, tmp_path):
    path = tmp_path / "my-lecture.json"
    assert window.sessions.save_to(str(path))
    assert window.windowTitle().startswith("my-lecture.json[*]")
    assert not window.isWindowModified()
    window.controller.set_start((0.5, 0.5))
    qtbot.waitUntil(window.isWindowModified, timeout=2000)
    window.controller.undo()
    assert not window.isWindowModified()


def test_a_preset_over_an_edited_scene_asks_first(window, qtbot, monkeypatch):
    asked = []

    def answer(button):
        def question(*args, **kwargs):
            asked.append(args[1])
            return button
        return question

    Box = QtWidgets.QMessageBox
    monkeypatch.setattr(Box, "question", answer(Box.StandardButton.Cancel))
    assert window.presets.load("optimizer-race")  # not edited since it opened: no question
    assert asked == []
    window.controller.set_hyper(0, "lr", 0.0123)
    edited = edit_part(window.controller.current_scene())
    assert not window.presets.load("optimizer-race")
    assert asked == ["Discard your changes?"]
    assert edit_part(window.controller.current_scene()) == edited
    monkeypatch.setattr(Box, "question", answer(Box.StandardButton.Discard))
    assert window.presets.load("optimizer-race")
    assert edit_part(window.controller.current_scene()) != edited
    window.controller.undo()  # and the edited scene is still one Ctrl+Z away
    assert edit_part(window.controller.current_scene()) == edited


def test_a_click_on_the_map_says_how_to_take_it_back(window, qtbot):
    said = []
    window.controller.message.connect(said.append)
    view = window.contour
    vb = view.plot.vb
    x0, x1 = vb.viewRange()[0]
    y0, y1 = vb.viewRange()[1]
    target = QtCore.QPointF(x0 + 0.8 * (x1 - x0), y0 + 0.2 * (y1 - y0))
    scene_pos = vb.mapViewToScene(target)

    class Click:
        def button(self):
            return QtCore.Qt.MouseButton.LeftButton

        def double(self):
            return False

        def scenePos(self):
            return scene_pos

    view._clicked(Click())
    assert window.controller.start == pytest.approx((target.x(), target.y()), rel=1e-6, abs=1e-6)
    assert any("Ctrl+Z" in s for s in said)


def test_file_dialogs_open_in_the_last_folder_not_the_working_directory(window, tmp_path, monkeypatch):
    seen = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName",
                        staticmethod(lambda parent, title, folder, filters: (seen.append(folder), ("", ""))[1]))
    window.sessions.open_dialog()
    assert seen[-1] != str(tmp_path) and seen[-1]
    lectures = tmp_path / "lectures"
    lectures.mkdir()
    assert window.sessions.save_to(str(lectures / "a.json"))
    window.sessions.open_dialog()
    assert seen[-1] == str(lectures)


def test_f6_on_one_screen_puts_the_notes_in_a_corner_not_over_the_slide(window, qtbot):
    assert len(QtGui.QGuiApplication.screens()) == 1
    assert window.presets.load("lr-too-low-high-1d")
    window.presentation.toggle()
    try:
        window.presets.toggle_note(True)
        notes = window.presentation.notes
        assert notes.isVisible()
        area = window.screen().availableGeometry()
        box = notes.frameGeometry()
        assert box.width() <= max(area.width() * 0.3, 300) and box.height() <= max(area.height() * 0.32, 260)
        assert not box.contains(area.center()), "the notes cover the middle of the slide"
        assert box.right() > area.center().x() and box.bottom() > area.center().y()
    finally:
        window.presentation.leave()


def test_a_preset_opens_paused_at_step_0_even_while_playing(window, qtbot):
    c = window.controller
    c.play()
    qtbot.waitUntil(lambda: c.step > 0, timeout=3000)
    assert window.presets.load("optimizer-race")
    assert not c.playing and c.step == 0
    qtbot.wait(100)
    assert c.step == 0


def test_the_first_start_hint_shows_once(window):
    from gui.shortcuts_window import FIRST_START_HINT, first_start_hint

    assert first_start_hint(window)
    assert window.statusBar().currentMessage() == FIRST_START_HINT
    window.statusBar().clearMessage()
    assert not first_start_hint(window)
    assert window.statusBar().currentMessage() == ""


def test_typed_start_fields_move_the_start_and_follow_it(window, qtbot):
    fields = window.scene_controls.start_fields
    c = window.controller
    x0, y0 = fields.fields
    x0.setText("-1.5")
    y0.setText("2")
    assert fields.apply()
    assert c.start == (-1.5, 2.0)
    c.history.commit()
    c.set_start((0.25, 0.75))
    assert (x0.text(), y0.text()) == ("0.25", "0.75")
    c.history.commit()
    x0.setText("abc")
    assert not fields.apply()
    assert c.start == (0.25, 0.75) and not c.history.can_redo()
    fields.sync()
    assert fields.apply() and not c.history.can_redo()  # untouched text: no edit
    assert c.undo() and c.start == (-1.5, 2.0)
