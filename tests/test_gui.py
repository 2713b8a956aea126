"""The real controller and the real window (pytest-qt, offscreen): change one, assert
the other followed."""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from engine.session import RunConfig, Scene  # noqa: E402
from engine.spec import OptimizerSpec  # noqa: E402
from gui.controller import PlaygroundController, default_scene  # noqa: E402
from gui.throttle import Throttle  # noqa: E402
from gui.window import MainWindow  # noqa: E402


def scene_of(surface, *specs, steps=200, **kw):
    runs = tuple(RunConfig(OptimizerSpec.parse(s), color=c)
                 for s, c in zip(specs, ("#0072B2", "#D55E00", "#009E73", "#CC79A7")))
    return Scene(surface=surface, runs=runs, steps=steps, **kw)


@pytest.fixture
def window(qtbot):
    win = MainWindow(PlaygroundController(default_scene()))
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitExposed(win)
    return win


def view_point_to_widget(view, x, y):
    """Widget coordinates of data point (x, y) in the contour view."""
    scene_pos = view.plot.vb.mapViewToScene(QtCore.QPointF(x, y))
    return view.mapFromScene(scene_pos)


# -- sliders and typed values ---------------------------------------------------------------


def test_moving_the_lr_slider_changes_the_run_and_its_path(window):
    c = window.controller
    c.select_run(4)  # Adam
    knob = window.hyper_controls.knobs["lr"]
    before_lr = c.runs[4].optimizer.params["lr"]
    before_path = c.traces[4].xs.copy()
    others = [tr.xs.copy() for tr in c.traces]
    knob.slider.setValue(knob.slider.value() - 120)
    after_lr = c.runs[4].optimizer.params["lr"]
    assert after_lr < before_lr
    assert after_lr == pytest.approx(float(knob.edit.text()))
    assert not np.array_equal(c.traces[4].xs, before_path)
    # only that run was recomputed
    for i in (0, 1, 2, 3):
        assert np.array_equal(c.traces[i].xs, others[i])
    # the contour view draws the new path
    assert np.array_equal(window.contour.trails.points[4], c.traces[4].xs)


def test_beta_sliders_space_0_9_0_99_0_999_evenly(window):
    c = window.controller
    c.select_run(4)
    knob = window.hyper_controls.knobs["beta2"]
    scale = knob.scale
    p9, p99, p999 = (scale.to_pos(v) for v in (0.9, 0.99, 0.999))
    assert p99 - p9 == pytest.approx(p999 - p99, abs=2)
    knob.slider.setValue(p99)
    assert c.runs[4].optimizer.params["beta2"] == pytest.approx(0.99)


def test_typed_value_applies_and_a_bad_one_is_refused_with_a_message(window, qtbot):
    c = window.controller
    c.select_run(0)
    knob = window.hyper_controls.knobs["lr"]
    knob.edit.setText("0.05")
    knob.edit.editingFinished.emit()
    assert c.runs[0].optimizer.params["lr"] == 0.05
    with qtbot.waitSignal(c.message) as blocker:
        knob.edit.setText("1000")
        knob.edit.editingFinished.emit()
    assert "lr" in blocker.args[0]
    assert c.runs[0].optimizer.params["lr"] == 0.05
    assert knob.edit.property("invalid") is True


def test_surface_parameter_slider_rebuilds_surface_and_paths(window):
    c = window.controller
    knob = window.scene_controls.param_knobs["kappa"]
    before = c.traces[0].xs.copy()
    knob.slider.setValue(knob.scale.to_pos(100.0))
    assert c.surface.params["kappa"] == pytest.approx(100.0, rel=0.02)
    assert "kappa=" in c.scene.surface
    assert not np.array_equal(before, c.traces[0].xs)


def test_same_learning_rate_for_all_runs(window):
    c = window.controller
    window.hyper_controls.same_lr.setChecked(True)
    assert c.display("same_lr") is True
    c.set_hyper(1, "lr", 0.02)
    assert all(r.optimizer.params["lr"] == 0.02 for r in c.runs)


def test_schedule_picker_and_its_parameters(window):
    c = window.controller
    c.select_run(0)
    combo = window.hyper_controls.schedule
    combo.setCurrentIndex(combo.findData("cosine"))
    assert c.runs[0].schedule.key == "cosine"
    lr = window.schedule.curves[0].getData()[1]
    assert lr[0] > lr[-1]  # the LR plot follows the schedule
    window.hyper_controls.schedule_knobs["floor"].slider.setValue(500)
    assert c.runs[0].schedule.params["floor"] == pytest.approx(0.5)


# -- the start point --------------------------------------------------------------------------


def test_clicking_the_map_sets_the_start(window, qtbot):
    c = window.controller
    view = window.contour
    pos = view_point_to_widget(view, 1.0, -1.5)
    QTest.mouseClick(view.viewport(), QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier, pos)
    qtbot.waitUntil(lambda: abs(c.start[0] - 1.0) < 0.05 and abs(c.start[1] + 1.5) < 0.05, timeout=2000)
    assert np.allclose(c.traces[0].xs[0], c.start)
    assert view.start_marker.pos().x() == pytest.approx(c.start[0])


def _send_mouse(widget, kind, pos, buttons):
    event = QtGui_mouse_event(kind, pos, buttons)
    QtWidgets.QApplication.sendEvent(widget, event)


def QtGui_mouse_event(kind, pos, buttons):
    from PySide6 import QtGui
    button = QtCore.Qt.MouseButton.LeftButton if kind != QtCore.QEvent.Type.MouseMove else \
        QtCore.Qt.MouseButton.NoButton
    posf = QtCore.QPointF(pos)
    return QtGui.QMouseEvent(kind, posf, posf, posf, button, buttons, QtCore.Qt.KeyboardModifier.NoModifier)


def test_dragging_the_start_marker_moves_the_start(window, qtbot):
    c = window.controller
    view = window.contour
    x0, y0 = c.start
    start = view_point_to_widget(view, x0, y0)
    end = view_point_to_widget(view, 0.5, 2.0)
    held = QtCore.Qt.MouseButton.LeftButton
    vp = view.viewport()
    _send_mouse(vp, QtCore.QEvent.Type.MouseButtonPress, start, held)
    for k in range(1, 11):
        p = start + (end - start) * (k / 10)
        _send_mouse(vp, QtCore.QEvent.Type.MouseMove, p, held)
    _send_mouse(vp, QtCore.QEvent.Type.MouseButtonRelease, end, QtCore.Qt.MouseButton.NoButton)
    qtbot.waitUntil(lambda: abs(c.start[0] - 0.5) < 0.1 and abs(c.start[1] - 2.0) < 0.1, timeout=2000)
    assert np.allclose(c.traces[3].xs[0], c.start)


# -- playing ----------------------------------------------------------------------------------


def test_play_advances_the_step_and_pause_stops_it(window, qtbot):
    c = window.controller
    c.reset()
    c.set_speed(500)
    with qtbot.waitSignal(c.playingChanged):
        c.play()
    qtbot.waitUntil(lambda: c.step > 20, timeout=3000)
    c.pause()
    frozen = c.step
    qtbot.wait(50)
    assert c.step == frozen
    # the views reveal the paths up to the step
    assert window.contour.trails.items[0].shown == min(frozen, len(c.traces[0].xs) - 1) + 1


def test_play_stops_at_the_end_and_plays_again_from_the_start(window, qtbot):
    c = window.controller
    c.set_steps(30)
    c.set_speed(5000)
    c.play()
    qtbot.waitUntil(lambda: not c.playing, timeout=3000)
    assert c.step == 30
    c.play()
    assert c.step < 30
    c.pause()


def test_diverging_run_is_marked_and_the_others_go_on(qtbot):
    c = PlaygroundController(scene_of("rosenbrock", "sgd:lr=100", "adam:lr=0.05", steps=300))
    win = MainWindow(c)
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    assert c.status(0) == "diverged"
    assert c.traces[0].diverged_at is not None and c.traces[0].diverged_at < 10
    assert len(c.traces[1].xs) == 301 and c.status(1) == ""
    labels = [label.text for _, label in win.contour.legend.items]
    assert not any("diverged" in t for t in labels)  # step 0: the legend does not tell the end
    assert "diverged" in win.runs_panel.list.item(0).text()
    c.set_speed(2000)
    c.play()
    qtbot.waitUntil(lambda: c.step > 50, timeout=3000)
    c.pause()
    labels = [label.text for _, label in win.contour.legend.items]
    assert any("diverged at step" in t for t in labels)
    mark = win.contour.trails.items[0]
    assert mark.arrow.isVisible() and "diverged at step" in mark.label.toPlainText()  # where it left
    assert win.contour.trails.items[1].shown == c.step + 1  # Adam still moving


def test_bad_values_never_raise_and_keep_the_scene(window, qtbot):
    c = window.controller
    scene = c.scene
    with qtbot.waitSignal(c.message):
        assert c.set_hyper(0, "lr", -1) is False
    with qtbot.waitSignal(c.message):
        assert c.set_hyper(0, "no_such_knob", 1) is False
    with qtbot.waitSignal(c.message):
        assert c.set_surface("no-such-surface") is False
    with qtbot.waitSignal(c.message):
        assert c.set_start((1.0,)) is False
    with qtbot.waitSignal(c.message):
        assert c.set_steps(100_001) is False
    with qtbot.waitSignal(c.message):
        assert c.set_schedule(0, "cosine:total=-3") is False
    assert c.scene == scene
    assert c.set_steps(100_000) is True  # the bound itself is fine
    assert len(c.traces[0].xs) <= 100_001


def test_surface_change_mid_run_keeps_playing_sensibly(window, qtbot):
    c = window.controller
    c.set_speed(300)
    c.play()
    qtbot.waitUntil(lambda: c.step > 5, timeout=2000)
    assert c.set_surface("himmelblau")
    assert c.surface.key == "himmelblau"
    assert all(np.allclose(tr.xs[0], c.surface.start) for tr in c.traces)
    qtbot.waitUntil(lambda: c.step > 20, timeout=3000)
    c.pause()


def test_one_dimensional_surface_draws_the_curve_and_balls(window):
    c = window.controller
    assert c.set_surface("sqrt8")
    view = window.contour
    assert view.curve.isVisible() and not view.image.isVisible()
    c.jump_to_end()
    pts = view.trails.points[0]
    assert pts.shape[1] == 2
    assert np.allclose(pts[:, 1], c.traces[0].loss[: len(pts)])  # iterates sit on the curve
    assert c.set_start((-3.5,))
    assert view.start_marker.pos().y() == pytest.approx(float(c.surface.value(-3.5)))


def test_custom_formula_surface(window, qtbot):
    c = window.controller
    if "custom" not in window.scene_controls.surfaces:
        pytest.skip("surfaces/formula.py not available")
    combo = window.scene_controls.surface
    combo.setCurrentIndex(combo.findData("custom"))
    assert c.surface.key == "custom"
    window.scene_controls.formula.setText("x**2 + 3*y**2 + x*y")
    window.scene_controls.formula.editingFinished.emit()
    assert c.scene.formula == "x**2 + 3*y**2 + x*y"
    with qtbot.waitSignal(c.message):
        window.scene_controls.formula.setText("x + $")
        window.scene_controls.formula.editingFinished.emit()
    assert c.scene.formula == "x**2 + 3*y**2 + x*y"


# -- runs -----------------------------------------------------------------------------------


def test_runs_panel_add_duplicate_remove_and_visibility(window):
    c = window.controller
    n = len(c.runs)
    menu = window.runs_panel.add_button.menu()
    lion = next(a for a in menu.actions() if a.data() == "lion")
    lion.trigger()
    assert len(c.runs) == n + 1 and c.runs[-1].optimizer.key == "lion" and c.selected == n
    assert c.runs[-1].color not in {r.color for r in c.runs[:-1]}
    window.runs_panel.duplicate_button.click()
    assert len(c.runs) == n + 2 and c.runs[-1].optimizer == c.runs[-2].optimizer
    window.runs_panel.remove_button.click()
    assert len(c.runs) == n + 1
    assert len(window.contour.trails.items) == n + 1 and len(window.loss.curves) == n + 1
    item = window.runs_panel.list.item(0)
    item.setCheckState(QtCore.Qt.CheckState.Unchecked)
    assert c.runs[0].visible is False
    assert not window.contour.trails.items[0].trail.isVisible()


def test_inspector_shows_state_slots_of_the_selected_run(window):
    c = window.controller
    c.select_run(4)  # Adam
    c.seek(10)
    window.inspector.throttle.flush()  # the numbers follow at most ~12 times a second
    table = window.inspector.table
    names = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    for name in ("t", "lr_t", "x", "g", "m", "v", "m_hat", "v_hat", "|Δx|"):
        assert name in names
    assert table.item(names.index("t"), 0).text() == "10"
    assert "m_hat" in window.inspector.code.toPlainText()


def test_head_overlays_draw_arrows_and_the_adaptive_box(window):
    c = window.controller
    c.seek(20)
    for key in ("gradient_arrows", "step_arrows", "velocity_arrows", "adaptive_boxes"):
        c.set_display(key, True)
    over = window.contour.overlays
    assert len(over.grad.getData()[0]) > 0
    assert len(over.per_run[4]["step"].getData()[0]) > 0
    assert len(over.per_run[1]["velocity"].getData()[0]) > 0  # momentum
    assert len(over.per_run[4]["box"].getData()[0]) == 5      # Adam's box
    assert len(over.per_run[0]["box"].getData()[0]) == 0      # SGD has none
    c.set_display("polyak", True)
    assert window.contour.trails.polyak[0] is not None


# -- keyboard -------------------------------------------------------------------------------


def test_keyboard_shortcuts(window, qtbot):
    c = window.controller
    window.activateWindow()
    window.setFocus()
    c.reset()
    QTest.keyClick(window, QtCore.Qt.Key.Key_Space)
    assert c.playing
    QTest.keyClick(window, QtCore.Qt.Key.Key_Space)
    assert not c.playing
    c.reset()
    QTest.keyClick(window, QtCore.Qt.Key.Key_Right)
    assert c.step == 1
    QTest.keyClick(window, QtCore.Qt.Key.Key_N)
    assert c.step == 2
    QTest.keyClick(window, QtCore.Qt.Key.Key_R)
    assert c.step == 0
    speed = c.scene.speed
    QTest.keyClick(window, QtCore.Qt.Key.Key_Plus)
    assert c.scene.speed == 2 * speed
    QTest.keyClick(window, QtCore.Qt.Key.Key_Minus)
    assert c.scene.speed == speed
    QTest.keyClick(window, QtCore.Qt.Key.Key_3)
    assert c.selected == 2
    QTest.keyClick(window, QtCore.Qt.Key.Key_1)
    assert c.selected == 0
    QTest.keyClick(window, QtCore.Qt.Key.Key_G)
    assert c.display("gradient_arrows") is True


def test_menus_show_every_shortcut(window):
    texts = {a.text(): a.shortcut().toString() for a in window.commands.by_name.values()}
    assert texts["Play / pause"] == "Space"
    assert texts["Reset to step 0"] == "R"
    assert texts["Save screenshot (PNG)"] == "Ctrl+E"
    assert texts["Quit"] == "Ctrl+Q"


def test_animation_does_not_leak_references_to_none(window, qtbot):
    """PySide6 6.12 leaks one None reference per void Qt call (NOTES.md): an animation
    would abort Python within seconds. The pinned version must stay flat."""
    c = window.controller
    app = QtWidgets.QApplication.instance()

    def cycle():
        for k in range(150):
            c.seek(k)
            app.processEvents()
        c.seek(0)
        app.processEvents()

    cycle()
    before = sys.getrefcount(None)  # compared in the same state: step 0 after a cycle
    for _ in range(3):
        cycle()
    # 6.12 would add thousands (one per void call, dozens of calls a frame)
    assert sys.getrefcount(None) - before < 200


# -- panels of numbers follow at ~12 Hz (gui.throttle) ------------------------------------------
# They follow a slider drag or the playback at most ~12 times a second and always end on
# the last state: a name that lies ("lr = 0.01" after the slider moved to 0.5) must not
# come back.


def test_the_first_request_runs_at_once_and_a_burst_once_at_the_end(qtbot):
    calls = []
    throttle = Throttle(80, lambda: calls.append(time.perf_counter()))
    t0 = time.perf_counter()
    throttle.request()
    assert len(calls) == 1 and not throttle.pending  # after a quiet spell: no delay
    for _ in range(10):
        throttle.request()
    assert len(calls) == 1 and throttle.pending  # merged into one run
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=1000)
    assert calls[1] - t0 >= 0.075  # at the end of the interval, not before
    qtbot.wait(120)
    assert len(calls) == 2  # nothing was left to run
    throttle.flush()
    assert len(calls) == 2  # flush runs only a waiting request
    throttle.request()
    throttle.request()
    throttle.flush()
    assert len(calls) == 4 and not throttle.pending


def test_a_drag_refreshes_the_runs_list_and_inspector_a_few_times_and_ends_on_the_last_lr(window, qtbot):
    c = window.controller
    c.select_run(0)
    c.seek(5)  # lr_t of update 5 (row 0 has none)
    refreshed = {"list": 0, "inspector": 0}
    list_refresh, inspector_refresh = window.runs_panel._refresh, window.inspector.refresh

    def count_list(i):
        refreshed["list"] += 1
        list_refresh(i)

    def count_inspector(**kw):
        refreshed["inspector"] += 1
        inspector_refresh(**kw)

    window.runs_panel._refresh, window.inspector.refresh = count_list, count_inspector
    slider = window.hyper_controls.knobs["lr"].slider
    qtbot.wait(100)
    t0 = time.perf_counter()
    for k in range(30):  # ~60 moves a second, as a mouse drag
        slider.setValue(slider.value() + (1 if k % 2 else 2))
        qtbot.wait(5)
    elapsed = time.perf_counter() - t0
    qtbot.wait(150)
    # about one refresh per 80 ms of dragging (and the last one), not one per move
    assert 1 <= refreshed["list"] <= elapsed / 0.08 + 2, (refreshed, elapsed)
    assert 1 <= refreshed["inspector"] <= elapsed / 0.08 + 2, (refreshed, elapsed)
    label = c.runs[0].label
    assert label in window.runs_panel.list.item(0).text()  # the name of the last lr, not an older one
    assert label in window.inspector.title.text()
    table = window.inspector.table
    names = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    lr = float(table.item(names.index("lr_t"), 0).text())
    assert lr == pytest.approx(c.runs[0].optimizer.params["lr"], rel=1e-3)


def test_stepping_with_the_keys_shows_each_step_at_once(window, qtbot):
    # one step after a pause: the first request runs at once, no 80-ms lag
    c = window.controller
    qtbot.wait(100)
    c.seek(7)
    table = window.inspector.table
    names = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    assert table.item(names.index("t"), 0).text() == "7"


def test_the_status_lines_size_hints_do_not_lay_its_text_out_again(window, qtbot, monkeypatch):
    """Every refresh of the status line (~12 a second) re-runs the status bar's layout;
    the run losses' label answers its size hints without laying its rich text out
    (gui.statusbar.OneLineLabel), one line of its font high, and follows a new font."""
    from PySide6 import QtWidgets

    label = window.statusBar().loss_label
    c = window.controller
    c.seek(5)
    window.statusBar().refresh()

    def qlabels_own(hint):  # QLabel's hint for the rich text the line shows (it paints it itself)
        QtWidgets.QLabel.setText(label, label.text())
        try:
            return hint(label).height()
        finally:
            QtWidgets.QLabel.setText(label, "")

    height = qlabels_own(QtWidgets.QLabel.sizeHint)
    assert label.sizeHint().height() == height
    laid_out = []
    original = QtWidgets.QLabel.sizeHint
    monkeypatch.setattr(QtWidgets.QLabel, "sizeHint",
                        lambda self: (self is label and laid_out.append(1)) or original(self))
    for step in (6, 7, 8):
        c.seek(step)
        window.statusBar().refresh()
        qtbot.wait(5)
        assert label.sizeHint().height() == height and label.minimumSizeHint().height() <= height
    assert not laid_out
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 2)  # presentation mode's type
    label.setFont(font)
    assert label.sizeHint().height() == qlabels_own(original) > height


@pytest.mark.parametrize("log", [True, False])
def test_the_loss_plots_range_follows_the_runs_a_slider_moves_and_the_ones_shown(window, log):
    """Each run's lowest and highest value is kept with its values: a new path (the slider)
    must bring its own span, a hidden run must stop counting."""
    c = window.controller
    c.set_scene(scene_of("quadratic", "sgd:lr=0.01", "sgd:lr=0.05", steps=100))
    c.set_display("log_loss", log)
    plot = window.loss.plot

    def shown():
        return plot.vb.viewRange()[1]

    def ys(i):  # what the plot draws for run i over the whole playback
        v = np.asarray(window.loss.values[i], dtype=float)
        return v[np.isfinite(v)]

    def covered(i):
        lo, hi = shown()
        return lo <= ys(i).min() and ys(i).max() <= hi

    assert covered(0) and covered(1)
    low_before = shown()[0]
    # the slower run sped up: its curve now reaches far lower, and the axis goes with it
    assert c.set_hyper(0, "lr", 0.15)
    assert all(tr.diverged_at is None for tr in c.traces)
    assert covered(0) and covered(1)
    assert shown()[0] < low_before or not log  # on a linear axis both already reach ~0
    # hide the run that reaches lowest: the axis no longer answers to it (on a log axis,
    # where the two runs' lows are decades apart)
    deepest = int(np.argmin([ys(i).min() for i in range(2)]))
    c.set_run_visible(deepest, False)
    assert covered(1 - deepest)
    assert shown()[0] > ys(deepest).min() or not log


@pytest.mark.parametrize("theme_name", ["light", "dark"])
def test_the_status_line_paints_its_runs_as_the_rich_text_would(window, qtbot, theme_name):
    """The run losses are painted from pieces (gui.statusbar.OneLineLabel.show_pieces),
    not by QLabel's rich text: the same pixels as QLabel's own painting of its text."""
    from gui import restyle

    window.presentation.set_theme(theme_name, remember=False)
    try:
        check_status_line_paints_as_rich_text(window, qtbot)
    finally:
        restyle.switch([], name="light", scale=1.0)  # module state: the next test starts light


def check_status_line_paints_as_rich_text(window, qtbot):
    bar = window.statusBar()
    bar.clearMessage()
    window.controller.seek(7)
    bar.refresh()
    qtbot.wait(10)
    label = bar.loss_label
    assert label._pieces and "font-weight:bold" in label.text()

    def picture():
        image = label.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
        return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine()).copy()

    painted = picture()
    pieces, label._pieces = label._pieces, None  # QLabel's own paint of the same text
    QtWidgets.QLabel.setText(label, label._html)
    try:
        label.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent, False)
        rich = picture()
    finally:
        label._pieces = pieces
        QtWidgets.QLabel.setText(label, "")
    assert (painted != rich).mean() < 0.002
    assert (painted != painted[0, 0]).any()  # not a blank label


def test_a_status_refresh_repaints_the_line_not_the_bar_beneath(window, qtbot):
    bar = window.statusBar()
    bar.clearMessage()
    painted = []

    class Spy(QtCore.QObject):
        def eventFilter(self, obj, event):
            if event.type() == QtCore.QEvent.Type.Paint:
                painted.append(obj)
            return False

    spy = Spy()
    for w in (bar, bar.loss_label):
        w.installEventFilter(spy)
    c = window.controller
    for lr in (0.011, 0.012, 0.013, 0.014):  # a slider drag: the losses change, the step does not
        c.set_hyper(0, "lr", lr)
        bar.refresh()
        qtbot.wait(5)
        if lr == 0.011:  # the first edit also marks the scene unsaved: the window changes once
            painted.clear()
    assert bar.loss_label in painted
    assert bar not in painted  # the line paints its own background
