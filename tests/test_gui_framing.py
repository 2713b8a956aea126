"""What a preset frames, in the real window (pytest-qt, offscreen): each run's dash and
marker on the trail, the head, the legend and the loss curve; cues that pause playback
and show their line over the plot, and PageDown in presentation mode going to the next
cue before the next preset; the tab that opens and the plots shown."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6 import QtCore  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from engine.session import Cue, Scene  # noqa: E402
from gui import restyle  # noqa: E402
from gui import settings as store  # noqa: E402
from gui.controller import PlaygroundController, default_scene  # noqa: E402
from gui.views.line_style import SYMBOLS  # noqa: E402
from gui.window import MainWindow  # noqa: E402

Key = QtCore.Qt.Key
Pen = QtCore.Qt.PenStyle


@pytest.fixture(autouse=True)
def fresh_settings_and_theme():
    store.settings().clear()
    yield
    restyle.switch([], name="light", scale=1.0)
    store.settings().clear()


@pytest.fixture
def window(qtbot):
    win = MainWindow(PlaygroundController(default_scene()))
    qtbot.addWidget(win)
    win.resize(900, 640)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    win.setFocus()
    return win


def styled_scene(**changes) -> Scene:
    data = {"version": 1, "title": "styles", "surface": "quadratic", "steps": 40, "speed": 1000,
            "start": [-2.5, 1.5],
            "runs": [{"optimizer": "sgd:lr=0.1", "color": "#0072B2"},
                     {"optimizer": "sgd:lr=0.1", "color": "#D55E00", "style": {"dash": "dash", "marker": "square"}}]}
    data.update(changes)
    return Scene.from_dict(data)


def test_runs_with_the_same_path_differ_in_dash_and_marker(window):
    window.sessions.show_scene(styled_scene(steps=150))
    c = window.controller
    c.jump_to_end()
    solid, dashed = window.contour.trails.items
    assert solid.trail.opts["pen"].style() == Pen.SolidLine
    assert dashed.trail.opts["pen"].style() == Pen.CustomDashLine
    # a solid trail is drawn in two pieces (gui.views.trails.SETTLE); a dash pattern would
    # start again where they meet, so a dashed trail stays one line
    assert len(solid.settled_trail.xData) > 1 and len(solid.trail.xData) < len(c.traces[0].xs)
    assert not len(dashed.settled_trail.xData) and len(dashed.trail.xData) == len(c.traces[1].xs)
    assert window.loss.curves[1].opts["pen"].style() == Pen.CustomDashLine
    assert window.loss.curves[0].opts["pen"].style() == Pen.SolidLine
    heads = window.contour.trails.heads.data["symbol"]
    assert list(heads) == [SYMBOLS["circle"], SYMBOLS["square"]]
    assert dashed.dots.opts["symbol"] == SYMBOLS["square"]
    samples = [sample for sample, _label in window.contour.legend.items][:2]
    assert [s.item.opts["symbol"] for s in samples] == ["o", "s"]


def test_a_cue_pauses_playback_and_shows_its_line(window, qtbot):
    window.sessions.show_scene(styled_scene(cues=[{"step": 10, "text": "Where will it go?"}]))
    c, banner = window.controller, window.cue_banner
    assert c.step == 0 and not banner.isVisible()
    c.play()
    qtbot.waitUntil(lambda: not c.playing, timeout=5000)
    assert c.step == 10, "playback stops at the cue"
    assert banner.isVisible() and banner.text == "Where will it go?"
    c.play()
    qtbot.waitUntil(lambda: not c.playing, timeout=5000)
    assert c.step == 40 and not banner.isVisible(), "the next play goes on to the end"


def test_page_down_in_presentation_goes_to_each_cue_then_the_next_preset(window, qtbot):
    presets = window.presets
    presets.set_playlist("cs519")
    first, second = presets.keys()[:2]
    assert presets.load(first)
    c = window.controller
    c.set_speed(5000)  # the stops, not the lecture's pace
    cues = c.scene.cues
    assert cues, f"{first} has cues"
    QTest.keyClick(window, Key.Key_F5)
    stops = [cue.step for cue in cues] + ([c.last_step] if cues[-1].step < c.last_step else [])
    for stop in stops:
        QTest.keyClick(window, Key.Key_PageDown)
        assert presets.current == first
        qtbot.waitUntil(lambda: not c.playing, timeout=20_000)
        assert c.step == stop
    QTest.keyClick(window, Key.Key_PageDown)
    assert presets.current == second
    QTest.keyClick(window, Key.Key_Escape)
    assert presets.load(first) and c.step == 0
    QTest.keyClick(window, Key.Key_PageDown)  # not presenting: PageDown is the next preset
    assert presets.current == second


def test_a_preset_opens_its_tab_and_plots_and_the_next_gets_the_default_back(window):
    window.sessions.show_scene(styled_scene(display={"tab": "sweep", "plots": "loss"}))
    assert window.analysis.currentIndex() == window.analysis.SWEEP
    assert window.loss.isVisible() and not window.schedule.isVisible()
    assert not window.inspector.isVisible()
    assert not window.commands.by_name["inspector"].isChecked()
    window.sessions.show_scene(styled_scene())
    assert window.analysis.currentIndex() == window.analysis.SURFACE
    assert window.schedule.isVisible() and window.inspector.isVisible()
    assert window.commands.by_name["inspector"].isChecked()


def test_the_lectures_lr_is_marked_on_the_slider_and_one_click_away(window):
    c = window.controller
    assert c.add_run("adam")
    knob = window.hyper_controls.knobs["lr"]
    assert knob.lecture_link is not None and "lecture: 0.001" in knob.lecture_link.text()
    assert knob.slider.lecture == knob._position(1e-3)
    assert c.runs[c.selected].optimizer.lr == 0.01  # the surface default moves visibly
    knob.lecture_link.linkActivated.emit("lecture")
    assert c.runs[c.selected].optimizer.lr == 1e-3
    assert c.add_run("sgd") and window.hyper_controls.knobs["lr"].lecture_link is None  # no lecture value


def test_classification_uses_the_lectures_lr_where_it_quotes_one(qtbot):
    from gui.classification.controller import ClassificationController
    from gui.classification.controller import default_scene as classification_scene

    c = ClassificationController(classification_scene().replace(dataset="spiral:n=120", steps=5))
    assert [r.optimizer.lr for r in c.runs if r.optimizer.key in ("adam", "rmsprop")] == [1e-3, 1e-3]
    assert c.add_run("adagrad") and c.runs[-1].optimizer.lr == 1e-3
    assert c.add_run("adam", lr=0.05) and c.runs[-1].optimizer.lr == 0.05  # an explicit lr wins
    assert c.add_run("sgd") and c.runs[-1].optimizer.lr == 0.01  # no lecture value: the default


def test_the_next_scene_does_not_keep_the_last_ones_arrows(window):
    """PageDown from a preset with adaptive boxes to one without: no stale boxes on the map."""
    adam = [{"optimizer": "adam:lr=0.1"}, {"optimizer": "rmsprop:lr=0.05"}]
    window.sessions.show_scene(styled_scene(runs=adam, display={"adaptive_boxes": True, "step_arrows": True}))
    window.controller.seek(5)
    drawn = lambda kind: sum(_points(items[kind]) for items in window.contour.overlays.per_run)  # noqa: E731
    assert drawn("box") > 0 and drawn("step") > 0
    window.sessions.show_scene(styled_scene())
    window.controller.seek(5)
    assert drawn("box") == 0 and drawn("step") == 0


def _points(item) -> int:
    x = item.getData()[0]
    return 0 if x is None else len(x)


def test_a_cue_pauses_classification_training_too(qtbot):
    """One transport for both modes: training stops at the cue's step and shows its line."""
    from gui.classification import ClassificationController, ClassificationPane
    from gui.classification.controller import default_scene as classification_scene

    scene = classification_scene().replace(dataset="spiral:n=120", model="mlp:hidden=8", steps=30, speed=2000,
                                           cues=(Cue(12, "Where will the boundary be in 18 more steps?"),))
    c = ClassificationController(scene)
    pane = ClassificationPane(c)
    qtbot.addWidget(pane)
    pane.show()
    c.play()
    qtbot.waitUntil(lambda: not c.playing, timeout=10_000)
    assert c.step == 12 and pane.cue_banner.isVisible() and "18 more" in pane.cue_banner.text
    c.play()
    qtbot.waitUntil(lambda: not c.playing, timeout=10_000)
    assert c.step == 30 and not pane.cue_banner.isVisible()


def test_the_lecturers_note_lists_the_stops(window):
    window.sessions.show_scene(styled_scene(note="A note.", cues=[{"step": 10, "text": "Where will it go?"}]))
    assert "step 10: Where will it go?" in window.presets.note.toPlainText()


def test_every_preset_plots_the_signal_it_names(window, qtbot):
    """Issue 9, item 7: the signal a preset names is plotted, a line for each shown run, in
    both modes (the key itself is checked against engine.signals by test_presets.py)."""
    from engine.presets import list_presets, load_preset

    checked = 0
    for key, _title in list_presets():
        scene = load_preset(key)
        name = scene.display.get("signal")
        if not name:
            continue
        assert window.presets.load(key), key
        if scene.mode == "classification":
            plot, controller = window.modes.pane.signal, window.modes.classification
            controller.transport.go_to(min(scene.steps, 30))
        else:
            plot, controller = window.signal, window.controller
            controller.jump_to_end()
        assert plot.isVisibleTo(window) and plot.signal_key() == name, key

        def drawn(plot=plot, scene=scene):
            return [c for c, run in zip(plot.curves, scene.runs) if run.visible and _points(c) > 1]

        qtbot.waitUntil(lambda: bool(drawn()), timeout=5000)  # classification's views are throttled
        checked += 1
    assert checked >= 25
