"""Nothing lost in the window: a scene whose paths cannot be computed is refused (never
swapped for the default scene that Ctrl+S would then write over the user's file),
failed saves stay on screen in a notice, the trajectory export is strict JSON."""

from __future__ import annotations

import json
import os

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from engine.cli_args import UsageError  # noqa: E402
from engine.session import Scene, SessionError  # noqa: E402
from gui import controller as controller_module  # noqa: E402
from gui.app import build_window, main  # noqa: E402
from gui.controller import PlaygroundController, default_scene  # noqa: E402
from gui.export_data import trajectories_json  # noqa: E402
from gui.window import MainWindow  # noqa: E402

USER_SCENE = {"version": 1, "title": "My lecture", "surface": "rosenbrock",
              "runs": [{"optimizer": "adam:lr=0.02"}, {"optimizer": "sgd:lr=0.001"}], "steps": 120}


@pytest.fixture
def window(qtbot):
    win = MainWindow(PlaygroundController(default_scene()))
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def failing_paths(monkeypatch):
    """Paths that cannot be computed (as a 400-digit milestone once made them): the
    session is valid on paper, the engine raises."""
    def boom(*args, **kwargs):
        raise OverflowError("int too large to convert to float")
    monkeypatch.setattr(controller_module, "run", boom)


def test_a_scene_whose_paths_fail_is_refused_not_replaced_by_the_default(failing_paths):
    with pytest.raises(SessionError, match="could not compute the path"):
        PlaygroundController(Scene.from_dict(USER_SCENE))
    with pytest.raises(UsageError, match="cannot open My lecture: .*could not compute"):
        build_window(Scene.from_dict(USER_SCENE))


def test_the_app_exits_2_before_any_window_on_such_a_session(tmp_path, failing_paths, qapp):
    path = tmp_path / "lecture.json"
    path.write_text(json.dumps(USER_SCENE))
    with pytest.raises(UsageError, match="could not compute"):
        main(session=str(path))
    assert not [w for w in qapp.topLevelWidgets() if w.isVisible()]
    assert json.loads(path.read_text()) == USER_SCENE


def test_open_refuses_it_and_ctrl_s_cannot_overwrite_the_file(window, tmp_path, monkeypatch):
    mine = tmp_path / "mine.json"
    window.sessions.save_to(str(mine))
    theirs = tmp_path / "theirs.json"
    theirs.write_text(json.dumps(USER_SCENE))
    before = window.controller.current_scene()
    monkeypatch.setattr(controller_module, "run", lambda *a, **k: (_ for _ in ()).throw(OverflowError("x")))
    assert not window.sessions.open_path(str(theirs))
    monkeypatch.undo()
    assert window.sessions.path == os.path.abspath(mine)  # Ctrl+S still goes to the file on screen
    assert window.controller.current_scene() == before
    assert "could not compute" in window.sessions.last_error
    window.sessions.save()
    assert json.loads(theirs.read_text()) == USER_SCENE


def test_a_failed_save_says_why_in_a_notice_that_stays(window, tmp_path):
    target = tmp_path / "gone" / "talk.json"  # its folder does not exist
    assert not window.sessions.save_to(str(target))
    notice = window.sessions.notice
    assert notice is not None and notice.isVisible()
    assert "No such file or directory" in notice.text() and "talk.json" in notice.text()
    assert window.sessions.path is None


def test_a_save_keeps_the_file_mode(window, tmp_path):
    path = tmp_path / "shared.json"
    window.sessions.save_to(str(path))
    os.chmod(path, 0o664)
    window.sessions.save()
    assert os.stat(path).st_mode & 0o777 == 0o664


def test_the_trajectory_json_is_strict_when_a_run_starts_outside_its_domain(qtbot, tmp_path):
    scene = Scene.from_dict({"version": 1, "surface": "custom", "formula": "sqrt(x) + x**2",
                             "runs": [{"optimizer": "sgd:lr=0.1"}], "start": [-1.0], "steps": 5})
    c = PlaygroundController(scene)
    text = trajectories_json(c)

    def refuse(name):
        raise AssertionError(f"{name} in the JSON")

    doc = json.loads(text, parse_constant=refuse)
    assert doc["runs"][0]["rows"][0]["loss"] is None
    assert "not a finite number" in doc["nulls"]["loss"]


def test_open_and_drop_refuse_a_fifo_at_once(window, tmp_path, qtbot):
    fifo = tmp_path / "stream.json"
    os.mkfifo(fifo)  # opening it for reading would block the window forever
    before = window.controller.current_scene()
    assert not window.sessions.open_path(str(fifo))
    assert "FIFO" in window.sessions.last_error
    assert window.controller.current_scene() == before and window.sessions.path is None
    from PySide6 import QtCore, QtGui

    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(fifo))])
    drop = QtGui.QDropEvent(QtCore.QPointF(10, 10), QtCore.Qt.DropAction.CopyAction, mime,
                            QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier)
    window.sessions.last_error = ""
    window.sessions.eventFilter(window, drop)
    qtbot.waitUntil(lambda: "FIFO" in window.sessions.last_error, timeout=3000)
    assert window.controller.current_scene() == before
