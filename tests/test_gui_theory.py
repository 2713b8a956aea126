"""Theory overlays in the real window (pytest-qt, offscreen): the toggle, the eigen-
directions on the map, the learning-rate slider's marks, the O(1/T) bound on the loss
plot and Polyak's optimal momentum, each against engine.theory."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from engine.session import RunConfig, Scene  # noqa: E402
from engine.spec import OptimizerSpec  # noqa: E402
from engine.theory import gd_rate_bound, quadratic_theory  # noqa: E402
from gui.controller import PlaygroundController  # noqa: E402
from gui.views.theory import rule_limit  # noqa: E402
from gui.window import MainWindow  # noqa: E402

COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")


def make_window(qtbot, surface="quadratic:kappa=10,angle=0", specs=("sgd:lr=0.1", "momentum:lr=0.03,momentum=0.8",
                                                                   "adam:lr=0.1"), theory=True, steps=200):
    runs = tuple(RunConfig(OptimizerSpec.parse(s), color=c) for s, c in zip(specs, COLORS))
    scene = Scene(surface=surface, runs=runs, steps=steps, start=None,
                  display={"theory": True} if theory else {})
    win = MainWindow(PlaygroundController(scene))
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_the_toggle_draws_eigen_directions_on_a_quadratic_and_nothing_on_rosenbrock(qtbot):
    win = make_window(qtbot, surface="quadratic:kappa=10,angle=30", theory=False)
    c, eigen = win.controller, win.theory.eigen
    assert not eigen.axes.isVisible() and not eigen.note.isVisible()
    win.commands.by_name["theory"].trigger()  # View > Theory overlays (K)
    assert c.display("theory") is True
    assert eigen.axes.isVisible() and eigen.note.isVisible()
    th = quadratic_theory(c.surface)
    x, y = eigen.axes.getData()
    assert len(x) == 4 * 6  # two double arrows: shaft and two barbs at each end
    # the shafts run along the eigenvectors, through the minimum
    for i, start in ((0, 0), (1, 12)):
        shaft = np.array([x[start + 1], y[start + 1]]) - th.center
        v = th.eigenvectors[:, i]
        assert abs(shaft[0] * v[1] - shaft[1] * v[0]) < 1e-9 * np.hypot(*shaft)
    assert "10" in eigen.labels[1].textItem.toPlainText() and "1" in eigen.labels[0].textItem.toPlainText()
    assert "κ = λmax/λmin = 10" in eigen.note.text

    c.set_surface("rosenbrock")
    assert not eigen.axes.isVisible() and not eigen.note.isVisible()
    win.commands.by_name["theory"].trigger()
    assert c.display("theory") is False


def test_eigen_directions_follow_the_angle(qtbot):
    win = make_window(qtbot)
    c, eigen = win.controller, win.theory.eigen
    before = np.array(eigen.axes.getData())
    c.set_surface_param("angle", 45)
    x, y = eigen.axes.getData()
    assert not np.allclose(before, np.array([x, y]))
    shaft = np.array([x[1], y[1]])  # the flat direction: along the valley at 45 degrees
    assert abs(shaft[0] - shaft[1]) < 1e-9


def test_lr_slider_marks_sit_at_1_over_L_best_and_stable_rates(qtbot):
    win = make_window(qtbot)
    c = win.controller
    c.select_run(0)  # sgd
    knob = win.hyper_controls.knobs["lr"]
    values = sorted(m.value for m in knob.marks)
    assert values == pytest.approx([0.1, 2.0 / 11.0, 0.2])
    walls = [m.value for m in knob.marks if m.wall]
    assert walls == pytest.approx([0.2])  # GD's stability limit is the shaded wall
    assert knob.mark_positions() == [knob.scale.to_pos(m.value) for m in knob.marks]
    assert knob.slider.marks and knob.legend.isVisible()
    assert "2/λmax = 0.2" in knob.legend.text()
    # kappa moves the marks
    c.set_surface_param("kappa", 20)
    assert sorted(m.value for m in knob.marks) == pytest.approx([0.05, 2.0 / 21.0, 0.1])
    # off: no marks, no legend
    c.set_display("theory", False)
    assert knob.marks == [] and not knob.legend.isVisible()


def test_momentum_marks_add_its_own_stability_limit_and_adam_gets_none(qtbot):
    win = make_window(qtbot)
    c = win.controller
    c.select_run(1)  # momentum rho = 0.8
    knob = win.hyper_controls.knobs["lr"]
    walls = [m.value for m in knob.marks if m.wall]
    assert walls == pytest.approx([2.0 * 1.8 / 10.0])  # heavy ball: lr < 2 (1 + rho) / l_max
    assert any(m.value == pytest.approx(0.2) for m in knob.marks)  # GD's limit still marked
    c.set_hyper(1, "momentum", 0.5)
    assert [m.value for m in knob.marks if m.wall] == pytest.approx([0.3])
    c.select_run(2)  # adam: the quadratic theory says nothing about its lr
    assert win.hyper_controls.knobs["lr"].marks == []
    assert knob.marks == []  # the momentum page's knob was cleared too


def test_rule_limits_match_the_spectral_radius_of_the_recursion():
    """The limits drawn on the slider against the eigenvalues of each rule's 2x2 iteration."""
    l_max = 10.0
    for key, rho in (("momentum", 0.9), ("nesterov", 0.9), ("nesterov", 0.3), ("sgd", 0.0)):
        spec = OptimizerSpec.make(key, **({"momentum": rho} if key != "sgd" else {}))
        limit, _ = rule_limit(spec, l_max)
        for lr, stable in ((limit * 0.99, True), (limit * 1.01, False)):
            h = lr * l_max
            if key == "momentum":
                M = np.array([[1 + rho - h, -rho], [1, 0]])
            elif key == "nesterov":
                M = np.array([[(1 - h) * (1 + rho), -(1 - h) * rho], [1, 0]])
            else:
                M = np.array([[1 - h]])
            assert (max(abs(np.linalg.eigvals(M))) < 1) == stable, (key, rho, lr)


def test_the_bound_curve_is_drawn_for_sgd_below_1_over_L_and_the_reason_otherwise(qtbot):
    win = make_window(qtbot, specs=("sgd:lr=0.05", "sgd:lr=0.18"))
    c, bound = win.controller, win.theory.bound
    c.select_run(0)
    assert set(bound.bounds) == {0}
    ref = gd_rate_bound(c.surface, c.start, 0.05, c.scene.steps)
    np.testing.assert_allclose(bound.bounds[0], ref.bound)
    x, y = bound.curves[0].getData()
    assert bound.curves[0].isVisible() and len(x) == c.scene.steps
    np.testing.assert_allclose(y, np.log10(ref.bound))  # the loss plot is log f - f*
    assert not bound.curves[1].isVisible()
    assert "O(1/T)" in bound.note.text
    c.select_run(1)
    assert bound.reason and "1/L" in bound.note.text and bound.note.isVisible()
    # a linear loss axis: the bound is plotted in the same units as the curves
    c.set_display("log_loss", False)
    np.testing.assert_allclose(bound.curves[0].getData()[1], ref.bound)
    # above 1/L the first run's bound goes away as well
    c.set_hyper(0, "lr", 0.15)
    assert bound.bounds == {} and not bound.curves[0].isVisible()


def test_no_bound_on_a_non_convex_surface_says_why(qtbot):
    win = make_window(qtbot, surface="rosenbrock", specs=("sgd:lr=0.001",))
    bound = win.theory.bound
    assert bound.bounds == {}
    assert "convex" in bound.reason and bound.note.isVisible()


def test_polyak_action_sets_the_momentum_run_or_adds_one(qtbot):
    win = make_window(qtbot)
    c = win.controller
    th = quadratic_theory(c.surface)
    c.select_run(1)
    win.commands.by_name["polyak_momentum"].trigger()
    p = c.runs[1].optimizer.params
    assert p["lr"] == pytest.approx(th.polyak_lr) and p["momentum"] == pytest.approx(th.polyak_rho)
    # the heavy ball then contracts at sqrt(rho) per step: far below GD's best rate
    loss = c.traces[1].loss - c.surface.min_value
    assert loss[100] < loss[0] * 1e-15 or c.status(1) == "stopped"
    c.select_run(0)
    n = len(c.runs)
    win.hyper_controls.knobs["lr"].legendLink.emit("polyak")  # the link under the slider
    assert len(c.runs) == n + 1 and c.runs[-1].optimizer.key == "momentum"
    c.set_surface("rosenbrock")
    assert win.commands.by_name["polyak_momentum"].trigger() is None and len(c.runs) == n + 1


@pytest.mark.parametrize("size", [(1920, 1080), (1600, 900), (1280, 800)])
def test_the_kappa_card_leaves_a_diverged_runs_label_readable(qtbot, size):
    # lr-too-low-high-2d: the card used to sit on "✗ diverged at step 8" at the map's edge
    win = MainWindow(PlaygroundController())
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    assert win.presets.load("lr-too-low-high-2d")
    qtbot.wait(50)
    note = win.theory.eigen.note
    at_start = note.corner  # placed for the ending before it is written: no jump at step 8
    win.controller.jump_to_end()
    qtbot.wait(50)
    labels = [items.label for items in win.contour.trails.items if items.label.isVisible()]
    assert note.isVisible() and [lab.toPlainText() for lab in labels] == ["✗ diverged at step 8"]
    assert not note.sceneBoundingRect().intersects(labels[0].sceneBoundingRect())
    assert note.corner == at_start
