"""Your own points in the classification pane (pytest-qt, offscreen): "Your points"
starts from the dataset on screen, a CSV loads (or is refused with its line), and the
mouse on the decision picture adds, drags and deletes points; sessions keep them."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6 import QtCore  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from engine.session import Scene  # noqa: E402
from gui.classification.controller import ClassificationController, default_scene  # noqa: E402
from gui.classification.pane import ClassificationPane  # noqa: E402

CSV = "x1,x2,label\n-0.5,-0.5,red\n-0.4,-0.6,red\n0.5,0.5,blue\n0.6,0.4,blue\n0.5,-0.5,green\n0.6,-0.4,green\n"


@pytest.fixture
def pane(qtbot):
    c = ClassificationController(default_scene().replace(dataset="moons:n=60", model="softmax", steps=100))
    p = ClassificationPane(c)
    qtbot.addWidget(p)
    p.resize(1600, 900)
    p.show()
    qtbot.waitExposed(p)
    yield p
    c.pause()


def messages(c):
    seen = []
    c.message.connect(seen.append)
    return seen


def pick_points(pane):
    combo = pane.problem_panel.pickers["dataset"]
    combo.setCurrentIndex(combo.findData("points"))
    combo.activated.emit(combo.currentIndex())


def test_your_points_start_from_the_dataset_on_screen(pane):
    c = pane.controller
    shown = c.problem.dataset
    pick_points(pane)
    assert c.scene.dataset == "points" and len(c.scene.points) == 60
    assert sorted(map(tuple, c.scene.point_set().X.tolist())) == sorted(map(tuple, shown.X.tolist()))
    assert pane.point_editor.box.edit.isChecked() and pane.point_editor.box.classes.count() == 2


def test_load_csv_and_refuse_a_bad_one(pane, tmp_path):
    c = pane.controller
    good = tmp_path / "mine.csv"
    good.write_text(CSV)
    assert pane.point_editor.load(str(good))
    assert c.problem.dataset.names == ("red", "blue", "green") and c.problem.dataset.n_classes == 3
    assert "red" in pane.decision_view.legend.text()
    seen = messages(c)
    bad = tmp_path / "bad.csv"
    bad.write_text("0,0,a\n1,1,b\n2,oops,a\n")
    assert not pane.point_editor.load(str(bad))
    assert seen and "bad.csv: line 3" in seen[-1]
    assert c.problem.dataset.names == ("red", "blue", "green")  # the running scene is kept


def _screen(pane, x, y):
    """Where the view point (x, y) of the big decision plot is, in the canvas's viewport."""
    view = pane.decision_view
    vb = view.big.getViewBox()
    scene_pos = vb.mapViewToScene(QtCore.QPointF(x, y))
    return view.canvas.mapFromScene(scene_pos)


def test_mouse_adds_drags_and_deletes(pane, tmp_path, qtbot):
    c, editor = pane.controller, pane.point_editor
    good = tmp_path / "mine.csv"
    good.write_text(CSV)
    editor.load(str(good))
    editor.box.edit.setChecked(True)
    qtbot.wait(50)
    port = pane.decision_view.canvas.viewport()
    L, R = QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.MouseButton.RightButton
    # click on empty space: a point of the chosen class (blue = 1)
    editor.box.classes.setCurrentIndex(1)
    QTest.mouseClick(port, L, pos=_screen(pane, -0.6, 0.6))
    ps = c.scene.point_set()
    assert len(ps) == 7 and ps.y[-1] == 1
    assert abs(ps.X[-1][0] + 0.6) < 0.05 and abs(ps.X[-1][1] - 0.6) < 0.05
    # drag the first point to (0, 0.8)
    QTest.mousePress(port, L, pos=_screen(pane, -0.5, -0.5))
    QTest.mouseMove(port, _screen(pane, -0.2, 0.2))
    QTest.mouseRelease(port, L, pos=_screen(pane, 0.0, 0.8))
    ps = c.scene.point_set()
    assert len(ps) == 7 and abs(ps.X[0][0]) < 0.05 and abs(ps.X[0][1] - 0.8) < 0.05 and ps.y[0] == 0
    # right-click deletes the point under the pointer
    QTest.mouseClick(port, R, pos=_screen(pane, 0.6, 0.4))
    ps = c.scene.point_set()
    assert len(ps) == 6 and [0.6, 0.4] not in ps.X.tolist()
    # with editing off, clicks do nothing to the points
    editor.box.edit.setChecked(False)
    QTest.mouseClick(port, L, pos=_screen(pane, 0.2, 0.2))
    assert len(c.scene.point_set()) == 6


def test_sessions_save_the_points(pane, tmp_path):
    c, editor = pane.controller, pane.point_editor
    good = tmp_path / "mine.csv"
    good.write_text(CSV)
    editor.load(str(good))
    editor.add(0.1, 0.1, 2)
    path = tmp_path / "s.json"
    c.scene.save(path)
    other = ClassificationController(Scene.load(path))
    assert other.scene.point_set() == c.scene.point_set() and other.problem.dataset.names == ("red", "blue", "green")
    other.pause()
