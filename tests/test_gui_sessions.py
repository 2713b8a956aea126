"""Session files in the real window (pytest-qt, offscreen): save and reopen exactly what
was on screen in both modes, refuse broken files with one message naming the field
while the scene stays as it was, drag and drop, recent files and settings that
survive a new window. Settings go to a temporary INI file (tests/conftest.py)."""

from __future__ import annotations

import json
import os

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402

from engine.session import Scene  # noqa: E402
from gui import settings as store  # noqa: E402
from gui import shell  # noqa: E402
from gui.controller import PlaygroundController, default_scene  # noqa: E402
from gui.sessions import ZOOM_KEY  # noqa: E402
from gui.window import MainWindow  # noqa: E402


def make_window(qtbot):
    win = MainWindow(PlaygroundController(default_scene()))
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


@pytest.fixture(autouse=True)
def fresh_settings():
    """Each test starts from empty settings (the file is a temporary one, conftest.py)."""
    store.settings().clear()
    if os.path.exists(store.autosave_path()):
        os.remove(store.autosave_path())
    yield
    store.settings().clear()


@pytest.fixture(autouse=True)
def no_dialogs(monkeypatch):
    """A test that would open a file dialog fails instead of hanging."""
    def refuse(*_a, **_k):
        raise AssertionError("a file dialog was opened")
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", refuse)
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", refuse)


def without_zoom(scene: Scene) -> Scene:
    return scene.replace(display={k: v for k, v in scene.display.items() if k != ZOOM_KEY})


# -- round trips ---------------------------------------------------------------------------------


def test_surface_session_round_trip_restores_what_was_on_screen(window, tmp_path, qtbot):
    c = window.controller
    c.set_hyper(4, "lr", 0.07)
    c.select_run(2)
    c.set_display("gradient_arrows", True)
    c.seek(42)
    window.contour.plot.vb.setRange(xRange=(-1.5, 0.5), yRange=(-0.8, 0.9), padding=0.0)
    path = tmp_path / "lesson.json"
    assert window.sessions.save_to(str(path))
    saved = Scene.load(path)
    zoom = [float(v) for v in saved.display[ZOOM_KEY].split(",")]
    assert zoom[0] < -1.4 and zoom[1] > 0.4  # the zoomed-in box, not the surface's default

    window.presets.load("saddle-point")  # something else entirely
    c.seek(3)
    assert window.sessions.open_path(str(path))
    assert without_zoom(c.current_scene()) == without_zoom(saved)
    assert c.step == 42 and c.selected == 2
    assert c.display("gradient_arrows") is True
    assert c.runs[4].optimizer.params["lr"] == pytest.approx(0.07)

    def shown():
        (x0, x1), (y0, y1) = window.contour.plot.vb.viewRange()
        return [x0, x1, y0, y1]

    def zoomed_back():  # the saved box is shown (the aspect lock may widen one axis), zoomed in
        x0, x1, y0, y1 = shown()
        covers = x0 <= zoom[0] + 0.05 and x1 >= zoom[1] - 0.05 and y0 <= zoom[2] + 0.05 and y1 >= zoom[3] - 0.05
        return covers and min(x1 - x0, y1 - y0) < 0.6 * 6.0  # the default view is 6 x 6

    qtbot.waitUntil(zoomed_back)
    assert window.sessions.path == str(path)


def test_classification_session_round_trip_restores_the_trained_step(window, tmp_path):
    assert window.presets.load("adafactor-memory")
    cc = window.modes.classification
    for _ in range(5):
        cc.step_once()
    cc.select_run(1)
    losses = [cc.metric(i, "train_loss")[-1] for i in range(len(cc.runs))]
    path = tmp_path / "memory.json"
    assert window.sessions.save_to(str(path))
    saved = Scene.load(path)
    assert saved.mode == "classification" and saved.step == 5

    cc.reset()
    window.modes.set_mode("surface")
    assert window.sessions.open_path(str(path))
    assert window.modes.mode == "classification"
    assert cc.scene == saved
    assert cc.step == 5 and cc.selected == 1
    assert [cc.metric(i, "train_loss")[-1] for i in range(len(cc.runs))] == losses  # same weights


def test_ctrl_s_writes_the_current_file_without_asking(window, tmp_path):
    path = tmp_path / "s.json"
    assert window.sessions.save_to(str(path))
    window.controller.set_steps(123)
    assert window.sessions.save()  # the no_dialogs fixture fails if it asked
    assert Scene.load(path).steps == 123
    assert [a.text() for a in window.commands.menus["file"].actions()][:4] == \
        ["Open session…", "Open recent", "Save session", "Save session as…"]
    keys = {name: window.commands.by_name[name].shortcut().toString() for name in ("open", "save", "save_as")}
    assert keys == {"open": "Ctrl+O", "save": "Ctrl+S", "save_as": "Ctrl+Shift+S"}


# -- broken files ----------------------------------------------------------------------------------


def _good() -> dict:
    return default_scene().to_dict()


def _edit(**changes):
    def make(path):
        data = _good()
        data.update(changes)
        path.write_text(json.dumps(data))
    return make


def _run_edit(**changes):
    def make(path):
        data = _good()
        data["runs"][0].update(changes)
        path.write_text(json.dumps(data))
    return make


def _truncated(path):
    path.write_text(json.dumps(_good())[:180])


def _huge(path):
    with open(path, "wb") as fh:  # 50 MB without writing them: a sparse file
        fh.truncate(50_000_000)


BROKEN = [
    ("truncated", _truncated, "not valid JSON"),
    ("wrong-type", _edit(steps="many"), "'steps'"),
    ("out-of-range", _edit(noise=-3.0), "'noise'"),
    ("bad-lr", _run_edit(optimizer="adam:lr=-1"), "runs[0].optimizer"),
    ("unknown-key", _edit(colour_scheme="pink"), "'colour_scheme'"),
    ("unknown-optimizer", _run_edit(optimizer="adamx:lr=0.1"), "adamx"),
    ("huge", _huge, "50.0 MB"),
    ("newer-version", _edit(version=2), "'version'"),
]


def test_broken_files_get_one_message_naming_the_field_and_change_nothing(window, tmp_path):
    c = window.controller
    c.seek(17)
    before = c.current_scene()
    for name, make, named in BROKEN:
        path = tmp_path / f"{name}.json"
        make(path)
        assert not window.sessions.open_path(str(path)), name
        error = window.sessions.last_error
        assert named in error, (name, error)
        assert path.name in error
        assert named in window.statusBar().currentMessage()
        assert c.current_scene() == before, name  # the current work is untouched
        assert window.modes.mode == "surface"
    boxes = [w for w in window.findChildren(QtWidgets.QMessageBox) if w.isVisible()]
    assert len(boxes) == 1  # one re-used notice, never a stack of dialogs
    assert boxes[0].windowModality() == QtCore.Qt.WindowModality.NonModal
    assert "version" in boxes[0].text()  # the latest refusal
    assert store.recent_files() == []  # nothing refused is remembered


def test_a_classification_file_the_problem_refuses_keeps_the_scene(window, tmp_path):
    data = _good()
    data.update(mode="classification", dataset="spiral:n=60", model="mlp:hidden=8", batch_size=5000)
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(data))
    before = window.controller.current_scene()
    assert not window.sessions.open_path(str(path))
    assert "batch_size=5000" in window.sessions.last_error  # the problem's own reason, named
    assert window.modes.mode == "surface" and window.controller.current_scene() == before

    assert window.presets.load("mixup")  # classification mode exists now: its controller refuses
    shown = window.modes.classification.scene
    data.update(batch_size=0, runs=[{"optimizer": "newton"}])
    path.write_text(json.dumps(data))
    assert not window.sessions.open_path(str(path))
    assert "run 1" in window.sessions.last_error and "newton" in window.sessions.last_error
    assert window.modes.mode == "classification" and window.modes.classification.scene == shown


# -- drag and drop, recent files, settings ---------------------------------------------------------------


def test_dropping_a_session_file_opens_it(window, tmp_path, qtbot):
    scene = default_scene().replace(title="Dropped on the window", steps=77, step=11)
    path = tmp_path / "dropped.json"
    scene.save(path)
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    pos = QtCore.QPointF(window.width() / 2, window.height() / 2)
    buttons, mods = QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier
    enter = QtGui.QDragEnterEvent(pos.toPoint(), QtCore.Qt.DropAction.CopyAction, mime, buttons, mods)
    QtWidgets.QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QtGui.QDropEvent(pos, QtCore.Qt.DropAction.CopyAction, mime, buttons, mods)
    QtWidgets.QApplication.sendEvent(window, drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: window.controller.scene.title == "Dropped on the window")
    assert window.controller.step == 11 and window.controller.scene.steps == 77
    text = QtCore.QMimeData()
    text.setText("not a file")
    other = QtGui.QDragEnterEvent(pos.toPoint(), QtCore.Qt.DropAction.CopyAction, text, buttons, mods)
    other.ignore()
    QtWidgets.QApplication.sendEvent(window, other)
    assert not other.isAccepted()


def test_recent_files_and_layout_survive_a_new_window(window, qtbot, tmp_path):
    paths = []
    for k in range(3):
        p = tmp_path / f"s{k}.json"
        default_scene().replace(title=f"session {k}").save(p)
        assert window.sessions.open_path(str(p))
        paths.append(str(p))
    assert store.recent_files()[:3] == paths[::-1]
    window.sessions.fill_recent()
    assert window.sessions.recent_menu.actions()[0].text().endswith("s2.json")
    window.presets.set_playlist("cs519")
    window.controller.seek(9)
    window.remember_layout = True
    window.resize(790, 666)  # the offscreen screen is 800 x 800
    window.controls_dock.hide()
    window.close()  # writes geometry, dock layout and the scene on screen

    again = MainWindow(PlaygroundController(default_scene()))
    qtbot.addWidget(again)
    shell.restore(again, open_last=True)
    assert again.presets.playlist == "cs519"
    assert again.controller.scene.title == "session 2" and again.controller.step == 9
    assert again.sessions.path == paths[-1]
    assert (again.width(), again.height()) == (790, 666)
    assert again.controls_dock.isHidden()
    again.sessions.fill_recent()
    assert len(again.sessions.recent_menu.actions()) >= 3
    assert os.environ["OPTIMIZER_PLAYGROUND_SETTINGS"].endswith("settings.ini")  # never the user's own
