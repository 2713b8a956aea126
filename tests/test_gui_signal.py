"""The signal plot with the real controllers and windows (pytest-qt, offscreen): set the
signal through the controller, the combo box or a session file; the plot follows."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from engine import signals as S  # noqa: E402
from engine.session import RunConfig, Scene  # noqa: E402
from engine.spec import OptimizerSpec  # noqa: E402
from gui.controller import PlaygroundController  # noqa: E402
from gui.window import MainWindow  # noqa: E402

PALETTE = ("#0072B2", "#D55E00", "#009E73")


def scene_of(surface, *specs, steps=120, **kw):
    runs = tuple(RunConfig(OptimizerSpec.parse(s), color=c) for s, c in zip(specs, PALETTE))
    return Scene(surface=surface, runs=runs, steps=steps, **kw)


@pytest.fixture
def window(qtbot):
    scene = scene_of("ravine", "adagrad:lr=0.5", "sgd:lr=0.004", "sam:base=sgd,lr=0.004", start=(-0.5, 2.5))
    win = MainWindow(PlaygroundController(scene))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_no_signal_no_plot(window):
    assert not window.signal.isVisible()
    assert window.signal.signal_box.currentData() == S.NONE


def test_the_plot_shows_the_signal_set_through_the_controller(window, qtbot):
    c, plot = window.controller, window.signal
    c.set_display("signal", "effective_lr")
    qtbot.waitUntil(plot.isVisible)
    assert plot.signal_box.currentText() == S.SIGNALS["effective_lr"].title
    c.seek(60)
    x, y = plot.curves[0].getData()
    assert len(x) == 60  # rows 1..60: row 0 has no step yet
    expect = S.compute("effective_lr", S.SurfaceRun(c.states_trace(0), c.runs[0].optimizer, c.surface))
    np.testing.assert_allclose(10 ** y, expect[1:61], rtol=1e-9)  # log axis: log10 stored once
    assert np.all(np.diff(y) <= 1e-12)  # AdaGrad's step only shrinks
    c.seek(10)
    assert len(plot.curves[0].getData()[0]) == 10


def test_combo_boxes_change_the_scene_and_the_axis(window):
    c, plot = window.controller, window.signal
    c.set_display("signal", "grad_norm")
    i = plot.signal_box.findData("step_length")
    plot.signal_box.activated.emit(i)
    assert c.display("signal") == "step_length"
    plot.axis_box.activated.emit(plot.axis_box.findData("grad_evals"))
    assert c.display("signal_axis") == "grad_evals"
    c.jump_to_end()
    sgd_x = plot.curves[1].getData()[0]
    sam_x = plot.curves[2].getData()[0]
    assert sgd_x[-1] == c.scene.steps and sam_x[-1] == 2 * c.scene.steps  # SAM: two gradients an update
    assert plot.plot.getAxis("bottom").labelText == S.AXES["grad_evals"].label


def test_view_menu_lists_the_signals_of_the_mode(window):
    menu = window.commands.signal_menu
    assert menu in [a.menu() for a in window.commands.menus["view"].actions()]
    menu.aboutToShow.emit()
    texts = [a.text() for a in menu.actions()]
    assert "Momentum μ_t" in texts and "Weight histogram" not in texts
    next(a for a in menu.actions() if a.text() == "Distance to minimum").trigger()
    assert window.controller.display("signal") == "distance"


def test_session_round_trip_keeps_the_signal(window, tmp_path):
    c = window.controller
    c.set_display("signal", "momentum")
    c.set_display("signal_axis", "grad_evals")
    path = tmp_path / "s.json"
    assert window.save_session(str(path))
    c.set_display("signal", "none")
    assert not window.signal.isVisible()
    assert window.open_session(str(path))
    assert c.display("signal") == "momentum" and window.signal.isVisible()
    assert window.signal.axis_box.currentData() == "grad_evals"


def test_a_session_with_an_unknown_signal_is_refused_naming_the_field(window, tmp_path):
    scene = window.controller.current_scene().to_dict()
    scene["display"] = {"signal": "sparkle"}
    path = tmp_path / "bad.json"
    import json
    path.write_text(json.dumps(scene))
    seen = []
    window.controller.message.connect(seen.append)
    assert not window.open_session(str(path))
    assert window.controller.display("signal", "none") == "none"
    assert any("display.signal" in m for m in seen) or "display.signal" in window.statusBar().currentMessage()


def test_classification_signal_grows_with_training(qtbot):
    from gui.classification.controller import ClassificationController, default_scene
    from gui.classification.pane import ClassificationPane

    scene = default_scene().replace(dataset="blobs:n=120", model="softmax", steps=40, batch_size=16,
                                    display={"signal": "weight_l2", "signal_axis": "examples"})
    c = ClassificationController(scene)
    pane = ClassificationPane(c)
    qtbot.addWidget(pane)
    pane.resize(1600, 900)
    pane.show()
    qtbot.waitExposed(pane)
    for _ in range(12):
        c.step_once()
    pane.signal.refresh()
    assert pane.signal.isVisible()
    x, y = pane.signal.curves[0].getData()
    assert len(x) == 13 and x[-1] == 12 * 16  # examples seen = batch x updates
    assert np.all(np.isfinite(y)) and y[-1] != y[0]
    c.set_display("signal", "weight_histogram")
    bars = pane.signal.bars[0]
    assert bars.isVisible() and sum(bars.getData()[1]) == S.weights_at(
        S.ClassificationRun(np.asarray(c.weights(0))[None, :], c.problem, {}), 0).size
    assert not pane.signal.axis_box.isEnabled()
    c.pause()


def test_log_axis_keeps_a_run_that_lands_exactly_on_the_minimum(qtbot):
    # Newton lands on sqrt(8) to the last bit: a distance of exactly 0 must not turn the
    # axis linear (it would flatten GD's straight line of linear convergence)
    win = MainWindow(PlaygroundController(scene_of("sqrt8", "sgd:lr=0.01", "newton", steps=40, start=(3.0,))))
    qtbot.addWidget(win)
    win.show()
    c = win.controller
    c.set_display("signal", "distance")
    c.jump_to_end()
    assert win.signal.plot.getAxis("left").logMode
    newton_y = win.signal.curves[1].getData()[1]
    assert np.all(np.isfinite(newton_y)) and newton_y[-1] < newton_y[0] - 10  # ten decades and more


def test_polyak_loss_is_drawn_over_the_iterates_own_loss(window):
    c, plot = window.controller, window.signal
    c.set_display("signal", "polyak_loss")
    c.seek(30)
    avg = plot.curves[1].getData()[1]
    faint = plot.faint[1].getData()[1]
    assert len(avg) == len(faint) == 31  # both follow the step
    run = S.SurfaceRun(c.traces[1], c.runs[1].optimizer, c.surface)
    np.testing.assert_allclose(10 ** faint, S.compute("loss_gap", run)[:31], rtol=1e-9)
    np.testing.assert_allclose(10 ** avg, S.compute("polyak_loss", run)[:31], rtol=1e-9)
    c.set_display("signal", "grad_norm")
    assert len(plot.faint_series) == 0


def test_bfgs_pays_for_its_line_search_on_the_evaluations_axis(qtbot):
    win = MainWindow(PlaygroundController(scene_of("rosenbrock", "sgd:lr=0.001", "bfgs", steps=60, start=(-1.5, 2.0))))
    qtbot.addWidget(win)
    win.show()
    c = win.controller
    c.set_display("signal", "loss_gap")
    c.set_display("signal_axis", "grad_evals")
    c.jump_to_end()
    sgd_x, bfgs_x = win.signal.curves[0].getData()[0], win.signal.curves[1].getData()[0]
    assert sgd_x[-1] == 60
    assert bfgs_x[-1] > 2 * 60  # a gradient, f at the point and the line search's trials
    assert win.signal.plot.vb.viewRange()[0][1] >= bfgs_x[-1]  # the axis holds the whole race


def test_the_header_grows_with_presentation_mode(window, qtbot):
    import re

    window.controller.set_display("signal", "momentum")

    def pt():
        return int(re.search(r"font-size: (\d+)pt", window.signal.signal_box.styleSheet()).group(1))

    normal = pt()
    window.presentation.enter()
    try:
        # a wide screen: on a narrow one the header's type stops where the name would be cut
        window.setMinimumSize(1920, 1080)
        window.setGeometry(0, 0, 1920, 1080)
        qtbot.waitUntil(lambda: pt() > 1.5 * normal, timeout=3000)
    finally:
        window.presentation.leave()
    qtbot.waitUntil(lambda: pt() == normal, timeout=3000)


def test_rate_guides_on_log_log_axes_have_the_slopes_asked_for(window):
    # sgd-vs-gd-rates: a rate is a slope on log-log axes; the guides pass through each run
    assert window.presets.load("sgd-vs-gd-rates")
    c, plot = window.controller, window.signal
    c.jump_to_end()
    assert plot.isVisible() and plot.plot.getAxis("bottom").logMode
    got = dict(plot.guides.visible())
    assert set(got) == {"∝ 1/T", "∝ 1/√T"}
    assert got["∝ 1/T"] == pytest.approx(-1.0) and got["∝ 1/√T"] == pytest.approx(-0.5)
    # each guide passes through its run's curve at T = 10 (x = log10 T = 1)
    for line, curve in zip(plot.guides.lines, plot.curves):
        gx, gy = line.getData()
        x, y = curve.getData()
        k = int(np.argmin(np.abs(x - 1.0)))
        assert np.interp(x[k], gx, gy) == pytest.approx(y[k], abs=1e-9)
    x, _y = plot.curves[0].getData()
    assert x[0] == pytest.approx(0.0) and x[-1] == pytest.approx(3.0)  # updates 1..1000 as log10
    # a linear x axis has no power laws to show: the guides go
    c.set_display("signal_log_x", False)
    assert not plot.plot.getAxis("bottom").logMode and plot.guides.visible() == []
    c.set_display("signal_log_x", True)
    assert len(plot.guides.visible()) == 2
    # and the next scene without guides shows none
    assert window.presets.load("gd-rate-bound")
    assert plot.guides.visible() == []


def test_rate_guide_labels_do_not_cover_each_other_in_presentation(window, qtbot):
    # at 1280x800 in presentation the two guides end close together on a short plot:
    # the labels used to be drawn one over the other
    assert window.presets.load("sgd-vs-gd-rates")
    window.controller.jump_to_end()
    plot = window.signal
    window.presentation.enter()
    try:
        qtbot.wait(300)  # the plot shrinks and its text grows: the labels are placed again
        labels = [label for label in plot.guides.labels if label.isVisible()]
        assert len(labels) == 2
        a, b = (label.sceneBoundingRect() for label in labels)
        assert not a.intersects(b), (a, b)
        box = plot.plot.vb.sceneBoundingRect()
        inside = all(box.top() <= r.top() and r.bottom() <= box.bottom() for r in (a, b))
        assert inside, ("each label whole between the plot's top and bottom", box, a, b)
    finally:
        window.presentation.leave()


def test_gradient_check_draws_its_thresholds(window, qtbot):
    """Seed 001's rule of thumb on the plot itself: below 1e-7 right, above 1e-2 wrong."""
    c, plot = window.controller, window.signal
    c.set_display("signal", "grad_check")
    qtbot.waitUntil(plot.isVisible)
    shown = [(line.value(), line.label.format) for line in plot.levels if line.isVisible()]
    assert shown == [(pytest.approx(-7.0), "↓ 1e-7: right"), (pytest.approx(-2.0), "↑ 1e-2: wrong")]
    lo, hi = plot.plot.vb.viewRange()[1]
    assert lo <= -8.5 and hi >= -0.5, "room beyond each line for the runs there"
    c.set_display("signal", "grad_norm")
    assert not any(line.isVisible() for line in plot.levels)


def test_runs_restyled_while_no_signal_shows_are_drawn_in_their_new_look(window, qtbot):
    """With no signal the plot skips its work on every knob move; a colour changed then
    must still reach its curve once a signal is picked."""
    c, plot = window.controller, window.signal
    c.set_run_color(1, "#CC79A7")
    c.set_hyper(1, "lr", 0.003)
    c.set_display("signal", "grad_norm")
    qtbot.waitUntil(plot.isVisible)
    assert plot.curves[1].opts["pen"].color().name().lower() == "#cc79a7"
    assert len(plot.curves[1].getData()[0]) > 0
    c.set_display("signal", S.NONE)
    assert all(len(curve.getData()[0] if curve.getData()[0] is not None else []) == 0 for curve in plot.curves)
