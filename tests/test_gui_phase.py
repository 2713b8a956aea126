"""The phase diagram in the real window (pytest-qt, offscreen): the grid it draws is
engine.phase's, the theory on top is the heavy ball's closed form, it fills in a chunk
per tick, drops stale work when the scene changes, and a click loads a cell's run."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from engine.phase import phase_grid  # noqa: E402
from engine.session import RunConfig, Scene  # noqa: E402
from engine.spec import OptimizerSpec  # noqa: E402
from engine.theory import quadratic_theory  # noqa: E402
from gui.analysis import phase_view  # noqa: E402
from gui.analysis.tabs import AnalysisTabs  # noqa: E402
from gui.controller import PlaygroundController  # noqa: E402
from gui.window import MainWindow  # noqa: E402


def open_phase(qtbot, surface="quadratic:kappa=10,angle=20", specs=("sgd:lr=0.1", "momentum:lr=0.03"),
               selected=1, steps=150, wait=True):
    runs = tuple(RunConfig(OptimizerSpec.parse(s), color=c) for s, c in zip(specs, ("#0072B2", "#D55E00")))
    win = MainWindow(PlaygroundController(Scene(surface=surface, runs=runs, steps=steps, start=(-2.5, 1.5),
                                                selected=selected)))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.analysis.setCurrentIndex(AnalysisTabs.SWEEP)
    win.analysis.sweep_page.show_phase()
    view = win.analysis.phase
    for controls in (view.x_axis, view.y_axis):
        controls.count.setValue(16)
    view.compute()
    if wait:
        wait_done(qtbot, view)
    return win, view


def wait_done(qtbot, view):
    qtbot.waitUntil(lambda: view.grid is not None and view.grid.complete and not view.busy, timeout=20000)


def test_it_draws_engine_phase_grid_for_the_selected_run(qtbot):
    win, view = open_phase(qtbot)
    c, g = win.controller, view.grid
    assert [a.name for a in g.axes] == ["lr", "momentum"] and g.spec == c.runs[1].optimizer
    want = phase_grid(c.surface, c.runs[1].optimizer, g.axes, 150, c.start, tol=view.tol.value())
    np.testing.assert_array_equal(g.final_loss, want.final_loss)
    np.testing.assert_array_equal(g.diverged_at, want.diverged_at)
    # hatching: three strokes (six points) per diverged cell, none elsewhere
    xs, _ys = view.hatch.getData()
    assert g.diverged.sum() > 0 and len(xs) == 6 * g.diverged.sum()
    # the image holds the log gap of every cell that did not diverge
    values, _label = view.colour_values()
    ok = ~g.diverged
    np.testing.assert_allclose(values[ok], np.log10(np.maximum(g.gap[ok], (g.start_loss - g.f_star) * 1e-16)))
    assert np.isnan(values[g.diverged]).all()


def test_theory_on_top_is_the_heavy_ball_closed_form(qtbot):
    win, view = open_phase(qtbot)
    th = quadratic_theory(win.controller.surface)
    x, y = view.boundary.getData()  # log10 lr against momentum
    np.testing.assert_allclose(10 ** x, 2 * (1 + y) / th.l_max, rtol=1e-12)
    spots = {s.symbol(): (s.pos().x(), s.pos().y()) for s in view.marks.points()}
    assert 10 ** spots["star"][0] == pytest.approx(th.polyak_lr) and spots["star"][1] == pytest.approx(th.polyak_rho)
    assert 10 ** spots["o"][0] == pytest.approx(th.lr_stable) and spots["o"][1] == 0.0
    # the drawn boundary separates the hatched cells from the rest (up to one cell)
    g = view.grid
    lr, rho = np.meshgrid(*g.values(), indexing="ij")
    limit = 2 * (1 + rho) / th.l_max
    assert not g.diverged[lr < 0.85 * limit].any()
    # no theory where it does not hold
    win.controller.set_surface("rosenbrock")
    view.compute()
    wait_done(qtbot, view)
    assert view.theory is None
    x, _y = view.boundary.getData()
    assert x is None or len(x) == 0


def test_it_fills_in_a_chunk_per_tick_and_drops_stale_work(qtbot, monkeypatch):
    monkeypatch.setattr(phase_view, "CHUNK_SECONDS", 1e-9)  # one row per tick
    win, view = open_phase(qtbot)
    seen = []
    view.compute()
    while view.busy:
        view._step()
        seen.append(view.grid.done)
    assert seen == list(range(1, 17))
    # a change of the surface drops the unfinished grid and starts again on the new one
    view.compute()
    view._step()
    assert view.busy
    win.controller.set_surface("quadratic:kappa=40,angle=20")
    assert not view.busy  # dropped at once
    monkeypatch.setattr(phase_view, "CHUNK_SECONDS", 0.05)
    qtbot.waitUntil(lambda: view.busy or (view.grid.complete and view.theory.l_max == pytest.approx(40.0)),
                    timeout=5000)
    wait_done(qtbot, view)
    assert view.theory.l_max == pytest.approx(40.0)


def test_hover_reads_a_cell_and_click_loads_it(qtbot):
    win, view = open_phase(qtbot)
    c, g = win.controller, view.grid
    i, j = g.best()
    text = view.describe(i, j)
    assert f"lr = {g.values()[0][i]:.3g}" in text and f"at step {g.steps_to_tol[i, j]}" in text
    assert view.pick(i, j)
    params = c.runs[1].optimizer.params
    assert params["lr"] == float(f"{g.values()[0][i]:.3g}")
    assert params["momentum"] == float(f"{g.values()[1][j]:.3g}")
    assert win.analysis.currentIndex() == AnalysisTabs.SURFACE


def test_any_two_numbers_of_the_run(qtbot):
    win, view = open_phase(qtbot, specs=("adam:lr=0.1", "sgd:lr=0.1"), selected=0, surface="rosenbrock")
    names = [view.y_axis.name.itemText(k) for k in range(view.y_axis.name.count())]
    assert {"lr", "beta1", "beta2", "eps", "weight_decay"} <= set(names)
    assert view.grid.axes[1].name == "beta2"
    view.y_axis.name.setCurrentText("weight_decay")
    view.compute()
    wait_done(qtbot, view)
    assert [a.name for a in view.grid.axes] == ["lr", "weight_decay"] and view.theory is None


def test_a_rule_with_one_number_says_why_there_is_no_diagram(qtbot):
    win, view = open_phase(qtbot, specs=("random-search", "sgd:lr=0.1"), selected=0, surface="rosenbrock",
                           wait=False)
    assert view.grid is None and "needs two" in view.status.text()


def test_a_branched_runs_diagram_says_it_is_the_rule_after_the_branch(qtbot):
    # every cell runs one rule from step 0; the branch's earlier settings are not in it
    win, view = open_phase(qtbot, selected=0, wait=False)
    c = win.controller
    assert c.branch_run(0, 40)
    c.select_run(1)
    view.compute()
    wait_done(qtbot, view)
    assert view.grid.spec == c.runs[1].optimizer
    assert "after the branch" in view.status.text() and "t=40" in view.status.text()
    c.select_run(0)
    view.compute()
    wait_done(qtbot, view)
    assert "after the branch" not in view.status.text()
