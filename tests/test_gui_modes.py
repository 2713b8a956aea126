"""Surface | Classification in one window (pytest-qt, offscreen): switching keeps each
mode's state, the keyboard acts on the visible mode, presets and sessions open in their
own mode, and ``render`` draws a classification preset as decision regions + curves."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6 import QtCore, QtGui  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from engine.session import Scene  # noqa: E402
from gui import settings as store  # noqa: E402
from gui.controller import PlaygroundController, default_scene  # noqa: E402
from gui.window import MainWindow  # noqa: E402

Key = QtCore.Qt.Key
CTRL = QtCore.Qt.KeyboardModifier.ControlModifier


@pytest.fixture(autouse=True)
def fresh_settings():
    store.settings().clear()
    yield
    store.settings().clear()


@pytest.fixture
def window(qtbot):
    win = MainWindow(PlaygroundController(default_scene()))
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    win.setFocus()
    return win


def test_switching_modes_keeps_each_modes_state(window):
    c = window.controller
    c.seek(37)
    c.select_run(1)
    c.set_display("gradient_arrows", True)
    QTest.keyClick(window, Key.Key_2, CTRL)
    modes = window.modes
    cc = modes.classification
    assert modes.mode == "classification" and modes.active is cc
    assert modes.stack.currentWidget() is modes.pane
    assert window.controls_dock.isHidden()  # the pane has its own controls column
    assert not window.transport_bar.isHidden() and window.transport_bar.c is cc  # one bar, both modes
    assert not window.commands.by_name["gradient_arrows"].isEnabled()  # surface-only commands
    for _ in range(3):
        QTest.keyClick(window, Key.Key_Right)
    QTest.keyClick(window, Key.Key_2)
    assert cc.step == 3 and cc.selected == 1

    QTest.keyClick(window, Key.Key_1, CTRL)
    assert modes.mode == "surface" and modes.stack.currentIndex() == 0
    assert c.step == 37 and c.selected == 1 and c.display("gradient_arrows") is True
    assert not window.controls_dock.isHidden() and not window.transport_bar.isHidden()
    assert window.transport_bar.c is c and window.statusBar().controller is c
    assert window.commands.by_name["gradient_arrows"].isEnabled()

    QTest.keyClick(window, Key.Key_2, CTRL)
    assert modes.classification is cc and cc.step == 3 and cc.selected == 1  # the same, alive
    assert modes.actions["classification"].isChecked() and not modes.actions["surface"].isChecked()


def test_playback_keys_act_on_the_visible_mode(window):
    c = window.controller
    c.reset()
    window.modes.set_mode("classification")
    cc = window.modes.classification
    QTest.keyClick(window, Key.Key_Space)
    assert cc.playing and not c.playing
    QTest.keyClick(window, Key.Key_Space)
    assert not cc.playing
    QTest.keyClick(window, Key.Key_N)
    QTest.keyClick(window, Key.Key_Right)
    assert cc.step == 2 and c.step == 0
    speed = cc.scene.speed
    QTest.keyClick(window, Key.Key_Plus)
    assert cc.scene.speed == 2 * speed
    QTest.keyClick(window, Key.Key_Minus)
    assert cc.scene.speed == speed
    QTest.keyClick(window, Key.Key_R)
    assert cc.step == 0
    QTest.keyClick(window, Key.Key_N)
    QTest.keyClick(window, Key.Key_N)
    QTest.keyClick(window, Key.Key_Left)  # classification only trains forward: said, not raised
    assert cc.step == 2 and "forward" in window.statusBar().currentMessage()
    QTest.keyClick(window, Key.Key_Home)
    assert cc.step == 0
    QTest.keyClick(window, Key.Key_End)  # trains flat out to the last step, a tick at a time
    assert cc.playing
    QTest.keyClick(window, Key.Key_Space)
    assert not cc.playing
    QTest.keyClick(window, Key.Key_R)
    window.modes.set_mode("surface")
    QTest.keyClick(window, Key.Key_Right)
    assert c.step == 1 and cc.step == 0
    QTest.keyClick(window, Key.Key_End)
    assert c.step == c.scene.steps
    QTest.keyClick(window, Key.Key_Left)
    assert c.step == c.scene.steps - 1
    QTest.keyClick(window, Key.Key_Home)
    assert c.step == 0


def test_presets_open_in_their_own_mode_and_save_saves_the_visible_one(window, tmp_path):
    assert window.presets.load("adafactor-memory")
    assert window.modes.mode == "classification"
    assert window.modes.classification.scene.title.startswith("Adafactor")
    assert "Adafactor" in window.windowTitle()
    window.modes.classification.step_once()
    path = tmp_path / "c.json"
    assert window.sessions.save_to(str(path))
    saved = Scene.load(path)
    assert saved.mode == "classification" and saved.step == 1 and saved.title.startswith("Adafactor")
    assert window.presets.load("zigzag-momentum")
    assert window.modes.mode == "surface" and "momentum" in window.controller.scene.title.lower()
    assert Scene.load(path).mode == "classification"
    assert window.sessions.open_path(str(path))
    assert window.modes.mode == "classification" and window.modes.classification.step == 1


def test_a_classification_session_opens_from_the_command_line_path(qtbot):
    from gui.app import build_window, load_scene

    scene = load_scene(preset="mixup")
    assert scene.mode == "classification"  # no longer refused
    _c, win = build_window(scene)
    qtbot.addWidget(win)
    assert win.modes.mode == "classification"
    assert win.modes.classification.scene.title == scene.title


def test_render_draws_a_classification_preset_as_regions_and_curves(tmp_path):
    from optimizer_playground import cli as main

    out = tmp_path / "class.png"
    # label-smoothing opens on the decision regions (adafactor-memory frames its memory view)
    assert main.main(["render", "--preset", "label-smoothing", "--steps", "40", "-o", str(out),
                      "--size", "900x420"]) == 0
    image = QtGui.QImage(str(out))
    assert (image.width(), image.height()) == (900, 420)
    pixels = [QtGui.QColor(image.pixel(x, y)) for x in range(0, 900, 5) for y in range(0, 420, 5)]
    assert len({p.rgb() for p in pixels}) > 80  # regions, points and curves: not blank
    # a surface render is slate blue-grey with thin trails (~0.3% green or pink pixels); the
    # decision regions are tinted with the class colours (~9% each at step 40)
    green = sum(1 for p in pixels if p.green() > p.red() + 25 and p.green() > p.blue() + 10) / len(pixels)
    pink = sum(1 for p in pixels if p.red() > p.blue() + 25 and p.red() > p.green() + 25) / len(pixels)
    assert green > 0.03 and pink > 0.03
    bad = tmp_path / "class.gif"
    assert main.main(["render", "--preset", "mixup", "-o", str(bad)]) == 2
    assert not os.path.exists(bad)


def test_the_status_line_shows_each_runs_loss_in_classification_too(window):
    import re

    window.modes.set_mode("classification")
    cc = window.modes.classification
    bar = window.statusBar()
    QTest.keyClick(window, Key.Key_N)
    QTest.keyClick(window, Key.Key_N)
    bar.refresh()
    text = bar.loss_label.text()
    assert bar.step_label.text().startswith(f"step 2 / {cc.scene.steps}")
    for i, run in enumerate(cc.runs):
        loss = cc.last_metric(i, "train_loss")
        assert loss is not None and f"{i + 1} {run.optimizer.record.title}</span> {loss:.4g}" in text
    assert len(re.findall(r"■", text)) == len(cc.runs)
    cc.set_run_visible(0, False)
    bar.refresh()
    assert bar.loss_label.text().count("■") == len(cc.runs) - 1
    window.modes.set_mode("surface")  # back to the surface's losses
    c = window.controller
    assert f"{c.runs[0].optimizer.record.title}</span> " in bar.loss_label.text()
    assert bar.step_label.text().startswith(f"step {c.step} / {c.scene.steps}")
