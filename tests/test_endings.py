"""How runs end (engine.endings) and how the map tells it: the trail stops at the view's
edge with an arrow and the ending written there, the legend tells it only once the
playback reached it, escaping a saddle is no failure, and every minimum is marked."""

from __future__ import annotations

import numpy as np
import pytest

from engine.endings import ending_of, last_inside
from engine.runner import run
from engine.spec import OptimizerSpec, parse_surface


def run_on(surface, spec, start, steps):
    surf = parse_surface(surface, None)
    return run(surf, OptimizerSpec.parse(spec), start=start, steps=steps), surf


def test_last_inside_is_where_a_path_leaves_for_good():
    box = (-1, 1, -1, 1)
    assert last_inside(np.array([[0.0, 0.0], [0.5, 0.5], [3.0, 0.0], [9.0, 0.1]]), box) == 1
    assert last_inside(np.array([[0.0, 0.0], [3.0, 0.0], [0.1, 0.1]]), box) is None  # it came back
    assert last_inside(np.array([[0.0], [0.9], [-2.0]]), (-1, 1)) == 1  # 1-D
    assert last_inside(np.array([[0.0, np.nan]]), box) == 0


def test_too_high_a_rate_diverges_at_the_step_it_leaves_the_view():
    # lr 0.21 > 2/10: the steep coordinate grows 10 % a step; the engine calls it only
    # at 1e6 x the box, long after it left the map
    tr, surf = run_on("quadratic:kappa=10", "sgd:lr=0.21", (-2.5, 1.5), 120)
    ending = ending_of(tr, surf)
    assert ending.kind == "diverged" and ending.failed
    inside = np.all(np.abs(tr.xs[: ending.exit_row + 1]) <= 3.0, axis=1)
    assert inside.all() and not np.all(np.abs(tr.xs[ending.exit_row + 1]) <= 3.0)
    assert ending.step == ending.exit_row + 1 and ending.text == f"diverged at step {ending.step}"


def test_escaping_a_saddle_is_escaped_not_diverged():
    tr, surf = run_on("saddle", "sgd:lr=0.05", (-1.8, 0.001), 300)
    ending = ending_of(tr, surf)
    assert ending.kind == "escaped" and not ending.failed and ending.text.startswith("escaped at step")


def test_a_run_that_stays_in_view_has_no_ending_and_lbfgs_reaching_zero_converged():
    tr, surf = run_on("quadratic", "sgd:lr=0.1", (-2.5, 1.5), 50)
    assert ending_of(tr, surf) is None
    tr, surf = run_on("quadratic", "lbfgs", (-2.5, 1.5), 50)
    if tr.diverged_at is not None:  # the engine stops a loss that underflows to exactly 0
        assert ending_of(tr, surf).kind == "converged"


# -- on the map -----------------------------------------------------------------------------

pytest.importorskip("pytestqt")

from engine.session import RunConfig, Scene  # noqa: E402
from gui.controller import PlaygroundController  # noqa: E402
from gui.window import MainWindow  # noqa: E402


def window_on(qtbot, surface, specs, start, steps=120):
    runs = tuple(RunConfig(OptimizerSpec.parse(s), color=c) for s, c in zip(specs, ("#0072B2", "#D55E00", "#009E73")))
    win = MainWindow(PlaygroundController(Scene(surface=surface, runs=runs, start=start, steps=steps)))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def legend_texts(win):
    return [label.text for _, label in win.contour.legend.items]


def test_a_diverging_trail_stays_in_the_view_with_its_label_at_the_exit(qtbot):
    win = window_on(qtbot, "quadratic:kappa=10", ["sgd:lr=0.1", "sgd:lr=0.21"], (-2.5, 1.5))
    c = win.controller
    ending = c.ending(1)
    assert ending.kind == "diverged"
    mark = win.contour.trails.items[1]
    assert not mark.label.isVisible() and not mark.arrow.isVisible()  # not before it happens
    assert not any("diverged" in t for t in legend_texts(win))  # step 0: no spoiler
    c.seek(ending.step - 1)
    assert not mark.label.isVisible()
    c.seek(ending.step)
    assert mark.label.isVisible() and mark.arrow.isVisible()
    assert mark.label.toPlainText().endswith(f"diverged at step {ending.step}")
    assert any(f"diverged at step {ending.step}" in t for t in legend_texts(win))
    c.jump_to_end()
    x, y = mark.trail_points()
    x0, x1, y0, y1 = c.surface.view
    assert np.all((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))  # no wall across the map
    exit_point = c.traces[1].xs[ending.exit_row]
    assert (x[-1], y[-1]) == tuple(exit_point)
    label, arrow = mark.label.pos(), mark.arrow.pos()
    assert (label.x(), label.y()) == pytest.approx(tuple(exit_point))
    assert (arrow.x(), arrow.y()) == pytest.approx(tuple(exit_point))


def test_the_saddle_says_escaped_and_not_in_red(qtbot):
    win = window_on(qtbot, "saddle", ["sgd:lr=0.05", "momentum:lr=0.05,momentum=0.9"], (-1.8, 0.001), steps=300)
    c = win.controller
    assert [c.status(i) for i in range(2)] == ["escaped", "escaped"]
    assert not any("escaped" in t or "diverged" in t for t in legend_texts(win))
    c.jump_to_end()
    texts = legend_texts(win)
    assert all("escaped at step" in t for t in texts[:2]) and not any("diverged" in t for t in texts)
    item = win.runs_panel.list.item(0)
    assert "escaped" in item.text() and "diverged" not in item.text()
    assert item.foreground().color().name().lower() != "#b00020"
    assert "escaped" in win.contour.trails.items[0].label.toPlainText()


@pytest.mark.parametrize("surface", ["sqrt8", "himmelblau", "sharp-flat"])
def test_every_minimum_is_marked_above_the_trails_and_heads(qtbot, surface):
    win = window_on(qtbot, surface, ["sgd:lr=0.001"], None, steps=10)
    minima = [m for m in win.controller.surface.minima()]
    assert len(win.contour.minima.data) == len(minima) == len(win.contour.minima_outline.data)
    assert win.contour.minima.zValue() > win.contour.trails.items[0].trail.zValue()
    assert win.contour.minima_outline.zValue() > win.contour.trails.heads.zValue()


def test_one_dimensional_runs_end_at_the_view_edge_too(qtbot):
    win = window_on(qtbot, "parabola", ["sgd:lr=0.4", "sgd:lr=1.1"], (2.5,), steps=40)
    c = win.controller
    ending = c.ending(1)
    assert ending.kind == "diverged" and ending.exit_row is not None
    c.jump_to_end()
    x, y = win.contour.trails.items[1].trail_points()
    x0, x1 = c.surface.view[:2]
    assert np.all((x >= x0) & (x <= x1))  # on the curve, inside the view
    assert y[-1] == pytest.approx(float(c.surface.value_at(np.array([[x[-1]]]))[0]))
    mark = win.contour.trails.items[1]
    assert mark.label.isVisible() and (mark.label.pos().x(), mark.label.pos().y()) == pytest.approx((x[-1], y[-1]))


def test_a_slider_that_makes_a_run_diverge_says_so_with_the_step_it_left(qtbot):
    win = window_on(qtbot, "quadratic:kappa=10", ["sgd:lr=0.19"], (-2.5, 1.5))
    c = win.controller
    said = []
    c.message.connect(said.append)
    assert c.set_hyper(0, "lr", 0.21)
    ending = c.ending(0)
    assert ending.kind == "diverged" and c.traces[0].diverged_at is None  # gone from the map, still finite
    assert any(f"diverged at step {ending.step}" in m for m in said) and not any("None" in m for m in said)
