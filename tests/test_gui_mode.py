"""Both modes behind one interface (gui.controller_base.Mode) and one transport
(gui.transport): the protocol check, run edits parametrised over both bare controllers
(the rules the two modes used to disagree on), the transport's play / seek / end /
forward-only behaviour, and the one transport bar on a bare controller."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6 import QtCore  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from engine.session import MAX_RUNS  # noqa: E402
from engine.spec import OptimizerSpec  # noqa: E402
from gui.classification.controller import ClassificationController  # noqa: E402
from gui.classification.controller import default_scene as classification_scene  # noqa: E402
from gui.controller import PlaygroundController, default_scene  # noqa: E402
from gui.controller_base import Mode, assert_protocol  # noqa: E402
from gui.transport import FORWARD_ONLY, SPEED_MAX, SPEED_MIN  # noqa: E402
from gui.transport_bar import TransportBar  # noqa: E402

MODES = ("surface", "classification")


def make(mode: str, steps: int | None = None):
    if mode == "surface":
        scene = default_scene()
        return PlaygroundController(scene.replace(steps=steps) if steps else scene)
    scene = classification_scene().replace(dataset="spiral:n=150", model="mlp:hidden=16", steps=steps or 200)
    return ClassificationController(scene)


@pytest.fixture(params=MODES)
def mode(request, qtbot):
    c = make(request.param)
    yield c
    c.pause()


def heard(signal) -> list:
    seen = []
    signal.connect(lambda *args: seen.append(args[0] if len(args) == 1 else args))
    return seen


# -- one interface ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", MODES)
def test_both_controllers_satisfy_the_mode_protocol(name, qtbot):
    c = make(name)
    assert_protocol(c, Mode)
    assert isinstance(c, Mode)


def test_assert_protocol_names_what_is_missing_or_misnamed():
    class Half(QtCore.QObject):
        def play(self):
            pass

    with pytest.raises(TypeError, match="missing .*add_run"):
        assert_protocol(Half(), Mode)

    class Misnamed(PlaygroundController):
        def set_hyper(self, run, key, value):  # the panels call it as (i, name, value)
            return True

    with pytest.raises(TypeError, match="set_hyper"):
        assert_protocol(Misnamed(default_scene()), Mode)


# -- run edits: the same rules in both modes --------------------------------------------------------


def test_a_bad_colour_is_refused_in_both_modes(mode):
    said = heard(mode.message)
    before = mode.runs[0].color
    for bad in ("red", "#12345", "#GGGGGG", 7, None):
        assert mode.set_run_color(0, bad) is False
    assert mode.runs[0].color == before and len(said) == 5 and "#RRGGBB" in said[-1]
    changed = heard(mode.runChanged)
    assert mode.set_run_color(0, "#112233") and mode.runs[0].color == "#112233" and changed == [0]
    assert mode.scene.runs[0].color == "#112233"


def test_a_bare_key_keeps_the_runs_lr_in_both_modes(mode):
    lr = mode.runs[0].optimizer.params["lr"]
    assert mode.set_optimizer(0, "adam")
    assert mode.runs[0].optimizer.key == "adam" and mode.runs[0].optimizer.params["lr"] == lr
    assert mode.set_optimizer(0, "momentum:lr=0.001")
    assert mode.runs[0].optimizer.params["lr"] == 0.001
    assert mode.set_optimizer(0, OptimizerSpec.make("sgd", lr=0.002))
    assert mode.runs[0].optimizer.params["lr"] == 0.002
    said = heard(mode.message)
    assert not mode.set_optimizer(0, "no-such-rule") and said


def test_runs_are_added_up_to_the_limit_and_removed_in_both_modes(mode):
    said = heard(mode.message)
    while len(mode.runs) < MAX_RUNS:
        assert mode.add_run("sgd")
    assert mode.selected == MAX_RUNS - 1
    assert not mode.add_run("adam") and not mode.duplicate_run(0) and "at most" in said[-1]
    assert mode.remove_run(MAX_RUNS - 1) and len(mode.runs) == MAX_RUNS - 1 and mode.selected == MAX_RUNS - 2
    assert not mode.remove_run(99) and "no run 100" in said[-1]
    assert not mode.add_run("sgd", lr=-1.0)  # refused by the lr's range, with a message
    assert len(mode.runs) == MAX_RUNS - 1


def test_same_lr_moves_every_run_in_both_modes(mode):
    mode.set_display("same_lr", True)
    assert mode.set_hyper(1, "lr", 0.004)
    assert all(r.optimizer.params["lr"] == 0.004 for r in mode.runs)
    mode.set_display("same_lr", False)
    assert mode.set_hyper(0, "lr", 0.005) and mode.runs[1].optimizer.params["lr"] == 0.004
    said = heard(mode.message)
    assert not mode.set_hyper(0, "lr", "fast") and said


def test_a_new_gradient_descent_run_starts_at_the_surfaces_lr(qtbot):
    c = PlaygroundController(default_scene().replace(surface="rosenbrock"))
    assert c.default_lr and c.add_run("sgd") and c.runs[-1].optimizer.params["lr"] == c.default_lr
    assert c.add_run("adam") and c.runs[-1].optimizer.params["lr"] != c.default_lr  # not gradient descent
    cc = make("classification")
    assert cc.default_lr is None and cc.add_run("sgd")
    assert cc.runs[-1].optimizer.params["lr"] == OptimizerSpec.make("sgd").params["lr"]


# -- one transport --------------------------------------------------------------------------------


def test_play_advances_and_pause_stops_in_both_modes(mode, qtbot):
    playing = heard(mode.playingChanged)
    mode.set_speed(600)
    mode.play()
    assert mode.playing and mode.transport.playing
    qtbot.waitUntil(lambda: mode.step >= 10, timeout=10_000)
    mode.pause()
    step = mode.step
    qtbot.wait(60)
    assert mode.step == step and playing == [True, False]


def test_speed_is_the_transports_and_saved_in_the_scene(mode):
    settings = heard(mode.settingsChanged)
    mode.set_speed(123)
    assert mode.transport.speed == 123 and mode.scene.speed == 123 and len(settings) == 1
    mode.faster()
    assert mode.scene.speed == 246
    mode.slower()
    mode.slower()
    assert mode.scene.speed == 61.5
    for junk in ("fast", float("nan"), None):
        mode.set_speed(junk)
    assert mode.scene.speed == 61.5
    mode.set_speed(1e9)
    assert mode.scene.speed == SPEED_MAX
    mode.set_speed(0)
    assert mode.scene.speed == SPEED_MIN
    assert mode.set_scene(mode.scene.replace(speed=42.0)) and mode.transport.speed == 42.0


def test_the_surface_seeks_anywhere_and_end_shows_the_whole_paths(qtbot):
    c = make("surface")
    c.seek(120)
    assert c.step == 120
    c.seek(30)
    assert c.step == 30  # back as well: the paths are whole
    c.jump_to_end()
    assert c.step == c.scene.steps and not c.playing
    c.step_back()
    assert c.step == c.scene.steps - 1
    c.reset()
    assert c.step == 0
    c.seek(10_000_000)
    assert c.step == c.scene.steps


def test_classification_trains_forward_and_refuses_to_go_back(qtbot):
    c = make("classification", steps=60)
    said = heard(c.message)
    c.step_once()
    c.step_once()
    c.step_once()
    assert c.step == 3
    c.step_back()  # training that grows keeps no earlier weights: said, not done
    c.seek(1)
    assert c.step == 3 and said == [FORWARD_ONLY, FORWARD_ONLY]
    c.seek(25)  # forward: trained a tick at a time until it gets there, then paused
    assert c.playing
    qtbot.waitUntil(lambda: not c.playing, timeout=10_000)
    assert c.step == 25 and len(c.metric(0, "train_loss")) == 26
    generation = c.generation
    c.seek(0)  # back to the start is a restart of the same scene
    assert c.step == 0 and c.generation == generation + 1


def test_end_trains_classification_to_its_last_step_without_blocking(qtbot):
    c = make("classification", steps=40)
    c.jump_to_end()
    assert c.playing and c.step < 40  # a tick at a time: the window stays live
    qtbot.waitUntil(lambda: c.step == 40, timeout=10_000)
    qtbot.waitUntil(lambda: not c.playing, timeout=2000)
    c.play()  # at the end, playing starts over
    assert c.step == 0 and c.playing
    c.pause()


def test_go_to_trains_up_to_a_restored_step_at_once(qtbot):
    c = make("classification", steps=300)
    c.transport.go_to(250)
    assert c.step == 250 and not c.playing
    c.transport.go_to(10)  # never backwards
    assert c.step == 250
    s = make("surface")
    s.transport.go_to(77)
    assert s.step == 77


def test_classification_with_no_runs_says_why_it_does_not_play(qtbot):
    c = make("classification")
    for i in reversed(range(len(c.runs))):
        assert c.remove_run(i)
    said = heard(c.message)
    c.play()
    assert not c.playing and "no runs" in said[-1]


# -- the one transport bar ------------------------------------------------------------------------


def _bar(qtbot, c) -> TransportBar:
    bar = TransportBar(c)
    qtbot.addWidget(bar)
    bar.resize(1000, 40)
    bar.show()
    qtbot.waitExposed(bar)
    return bar


def _click(slider, fraction: float) -> None:
    point = QtCore.QPoint(int(slider.width() * fraction), slider.height() // 2)
    QTest.mouseClick(slider, QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier, point)


def test_the_time_slider_jumps_to_the_click_and_its_label_keeps_its_width(qtbot):
    c = make("surface", steps=1000)
    bar = _bar(qtbot, c)
    width = bar.time.width()
    _click(bar.time, 0.75)
    assert abs(c.step - 750) < 40  # where it was clicked, not one page (100 steps) towards it
    assert "750" in bar.label.text() or str(c.step) in bar.label.text()
    _click(bar.time, 0.1)
    assert abs(c.step - 100) < 40
    c.seek(8)
    assert bar.label.text().strip() == "t = 8 / 1000" and bar.time.value() == 8
    assert bar.time.width() == width


def test_the_bar_drives_either_mode_and_follows_the_visible_one(qtbot):
    c = make("surface")
    cc = make("classification", steps=50)
    bar = _bar(qtbot, c)
    bar.step.trigger()
    assert c.step == 1
    bar.follow(cc)
    assert bar.time.maximum() == 50 and not bar.time.hasTracking()  # let go, then train
    bar.step.trigger()
    bar.step.trigger()
    assert cc.step == 2 and c.step == 1 and bar.label.text().strip() == "t = 2 / 50"
    bar.time.setValue(1)  # back: refused, and the slider shows where training is
    assert cc.step == 2 and bar.time.value() == 2
    _click(bar.time, 0.5)  # forward: trained up to the click
    qtbot.waitUntil(lambda: cc.step >= 20 and not cc.playing, timeout=10_000)
    assert abs(cc.step - 25) <= 2 and bar.time.value() == cc.step
    bar.play.trigger()
    assert cc.playing and bar.play.text() == "Pause"
    bar.play.trigger()
    assert not cc.playing and bar.play.text() == "Play"
    bar.speed.setValue(bar.speed.maximum())
    assert cc.scene.speed == SPEED_MAX and c.scene.speed != SPEED_MAX
    bar.reset.trigger()
    assert cc.step == 0
    bar.end.trigger()
    qtbot.waitUntil(lambda: cc.step == 50, timeout=10_000)
    bar.follow(c)
    assert bar.time.maximum() == c.scene.steps and bar.time.hasTracking() and bar.time.value() == 1
