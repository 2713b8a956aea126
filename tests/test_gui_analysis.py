"""The analysis tabs in the real window (pytest-qt, offscreen): the LR sweep against
engine.sweep and clicking its points, the basin map against engine.basins, and the 3-D
tab, which offscreen has no OpenGL and must say so without crashing anything."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6 import QtCore, QtWidgets  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from engine.basins import basin_map  # noqa: E402
from engine.session import RunConfig, Scene  # noqa: E402
from engine.spec import OptimizerSpec  # noqa: E402
from engine.sweep import log_lrs, lr_sweep  # noqa: E402
from gui.analysis.basin_view import DIVERGED_COLOR, basin_image  # noqa: E402
from gui.analysis.surface3d_view import NO_GL_TEXT, HeightMap  # noqa: E402
from gui.analysis.tabs import AnalysisTabs  # noqa: E402
from gui.controller import PlaygroundController  # noqa: E402
from gui.window import MainWindow  # noqa: E402

COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")


def make_window(qtbot, surface="quadratic:kappa=10,angle=0", specs=("sgd:lr=0.1", "momentum:lr=0.03,momentum=0.8",
                                                                   "adam:lr=0.1"), steps=200, start=(-2.5, 1.5)):
    runs = tuple(RunConfig(OptimizerSpec.parse(s), color=c) for s, c in zip(specs, COLORS))
    scene = Scene(surface=surface, runs=runs, steps=steps, start=start)
    win = MainWindow(PlaygroundController(scene))
    qtbot.addWidget(win)
    win.resize(1400, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def show_tab(qtbot, win, index, done=None):
    win.analysis.setCurrentIndex(index)
    if done is not None:
        qtbot.waitUntil(done, timeout=5000)


def test_the_centre_is_five_tabs_with_the_surface_first(qtbot):
    win = make_window(qtbot)
    tabs = win.analysis
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Surface", "LR sweep", "Basins", "3-D", "Results"]
    assert tabs.currentWidget() is win.contour
    win.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is win)
    QTest.keyClick(win, QtCore.Qt.Key.Key_2, QtCore.Qt.KeyboardModifier.AltModifier)
    assert tabs.currentIndex() == AnalysisTabs.SWEEP


def test_the_sweep_tab_computes_on_show_and_matches_engine_sweep(qtbot):
    win = make_window(qtbot)
    c, sweep = win.controller, win.analysis.sweep
    assert sweep.results == []  # nothing is computed while the tab is hidden
    show_tab(qtbot, win, AnalysisTabs.SWEEP, lambda: len(sweep.results) == 3)
    lrs = log_lrs(sweep.lo.value(), sweep.hi.value(), sweep.count.value())
    for i, (entry, curve) in enumerate(sweep.results):
        assert entry.run == i and entry.color == c.runs[i].color
        ref = lr_sweep(c.surface, [c.runs[i].optimizer], lrs, c.scene.steps, start=c.start,
                       tol=sweep.tol.value())[0]
        np.testing.assert_array_equal(curve.lrs, ref.lrs)
        np.testing.assert_array_equal(curve.region, ref.region)
        np.testing.assert_array_equal(curve.diverged, ref.diverged)
        assert curve.best_lr == ref.best_lr
    # sgd on kappa = 10: just right below GD's limit 2/l_max = 0.2, too high above it
    sgd = sweep.results[0][1]
    right = sgd.lrs[sgd.region == "just right"]
    assert right.max() < 0.2 and np.all(sgd.region[sgd.lrs > 0.2] == "too high")
    assert {"too low", "just right", "too high"} <= set(sgd.region)
    # the shaded regions are those of the scene's selected run's curve
    assert sweep.shade.currentData() == ("run", c.selected)


def test_the_sweep_follows_the_scene_only_while_shown(qtbot):
    win = make_window(qtbot)
    c, sweep = win.controller, win.analysis.sweep
    show_tab(qtbot, win, AnalysisTabs.SWEEP, lambda: len(sweep.results) == 3)
    win.analysis.setCurrentIndex(AnalysisTabs.SURFACE)
    c.remove_run(2)
    qtbot.wait(350)
    assert len(sweep.results) == 3  # hidden: no work
    show_tab(qtbot, win, AnalysisTabs.SWEEP, lambda: len(sweep.results) == 2)
    # the steps to tolerance measure uses the same runs
    sweep.measure.setCurrentText("steps to tolerance")
    _entry, curve, _x, y = sweep.points[0]
    reached = np.isfinite(y)
    assert reached.any() and np.all(y[reached] <= c.scene.steps)
    np.testing.assert_array_equal(y[reached], curve.steps_to_tol[reached])


def _scene_rect(item) -> QtCore.QRectF:
    return item.mapRectToScene(item.boundingRect())


def test_the_sweep_s_labels_stay_inside_the_plot_and_apart(qtbot):
    """zigzag-momentum at 1366 x 768 with the theory on: its "just right" band is a few
    pixels wide beside a narrow "too high" one at the plot's right edge, and GD's limit
    sits there too. The names ran into each other and the limit's label out of the plot."""
    from engine.presets import load_preset

    scene = load_preset("zigzag-momentum")
    win = MainWindow(PlaygroundController(scene))
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    sweep = win.analysis.sweep
    win.controller.set_display("theory", True)
    show_tab(qtbot, win, AnalysisTabs.SWEEP, lambda: len(sweep.results) == len(scene.runs))
    qtbot.wait(100)  # the layout settles, the labels follow (sigResized)
    plot_area = sweep.plot.vb.sceneBoundingRect()
    names = [_scene_rect(label) for label, _c in sweep.region_labels]
    assert len(names) == 3 and len(sweep.theory_lines) == 2
    for rect in names + [_scene_rect(line.label) for line, _side in sweep.theory_lines]:
        assert plot_area.contains(rect), (rect, plot_area)
    for a, b in zip(names, names[1:]):
        assert not a.intersects(b), (a, b)
    best, limit = (_scene_rect(line.label) for line, _side in sweep.theory_lines)
    assert not best.intersects(limit)


def test_clicking_a_sweep_point_sets_that_lr_in_the_scene(qtbot):
    win = make_window(qtbot)
    c, sweep = win.controller, win.analysis.sweep
    show_tab(qtbot, win, AnalysisTabs.SWEEP, lambda: len(sweep.results) == 3)
    entry, curve, x, y = sweep.points[1]  # momentum
    i = int(np.flatnonzero(np.isfinite(y) & (curve.lrs > 0.005))[0])
    vb = sweep.plot.vb
    pos = sweep.plot_widget.mapFromScene(vb.mapViewToScene(QtCore.QPointF(x[i], y[i])))
    QTest.mouseClick(sweep.plot_widget.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     QtCore.Qt.KeyboardModifier.NoModifier, pos)
    assert c.runs[1].optimizer.params["lr"] == pytest.approx(float(f"{curve.lrs[i]:.3g}"))
    assert c.selected == 1
    assert win.analysis.currentIndex() == AnalysisTabs.SURFACE
    # an optimizer that is not in the scene adds a run
    sweep.add_extra("nesterov")
    sweep.compute()
    entry, curve, x, y = sweep.points[-1]
    assert entry.run is None
    n = len(c.runs)
    assert sweep.pick(entry, 0.01)
    assert len(c.runs) == n + 1 and c.runs[-1].optimizer.key == "nesterov"


def test_the_basin_tab_shows_himmelblau_s_four_basins(qtbot):
    win = make_window(qtbot, surface="himmelblau", specs=("sgd:lr=0.01", "adam:lr=0.05"), steps=300, start=None)
    c, basins = win.controller, win.analysis.basins
    basins.resolution.setValue(60)
    show_tab(qtbot, win, AnalysisTabs.BASINS, lambda: basins.map is not None)
    m = basins.map
    assert m.labels.shape == (60, 60)
    counts = m.counts()
    assert len(m.minima) == 4 and all(counts[k] > 0 for k in range(4))
    ref = basin_map(c.surface, c.runs[0].optimizer, 60, 60, 300)
    np.testing.assert_array_equal(m.labels, ref.labels)
    # the image: one colour per basin over the view box, upsampled for the hatching
    img = basins.image.image
    assert img.shape[:2] == (60 * 4, 60 * 4)
    assert len({tuple(p) for p in img.reshape(-1, 4)[:, :3]}) == 4
    rect = basins.image.mapRectToParent(basins.image.boundingRect())
    assert (rect.left(), rect.right()) == pytest.approx((-5.0, 5.0))
    assert basins.legend.text().count("%") == 4
    # another optimizer: the map is out of date until it is computed again
    basins.optimizer.setCurrentIndex(1)
    assert basins.stale and "Out of date" in basins.status.text()
    assert basins.compute() and not basins.stale


def test_a_1d_surface_gets_a_row_of_starts_under_its_curve(qtbot):
    win = make_window(qtbot, surface="sqrt8", specs=("sgd:lr=0.01",), steps=300, start=None)
    basins = win.analysis.basins
    show_tab(qtbot, win, AnalysisTabs.BASINS, lambda: basins.map is not None)
    m = basins.map
    assert m.labels.shape == (1, 100)
    # (x^2 - 8)^2 is symmetric: the left half of the starts ends at -2.83, the right at +2.83
    assert m.counts()[0] == m.counts()[1] == 50
    x, f = basins.contours.getData()
    np.testing.assert_allclose(f, win.controller.surface.value(x))


def test_diverged_starts_are_hatched_in_the_basin_image():
    labels = np.array([[0, -2], [-1, 1]])
    img = basin_image(labels)
    cell = img[:4, 4:8, :3].reshape(-1, 3)  # the diverged cell
    colors = {tuple(p) for p in cell}
    assert len(colors) == 2 and tuple(int(DIVERGED_COLOR[i:i + 2], 16) for i in (1, 3, 5)) in colors


def test_clicking_the_basin_map_moves_the_start(qtbot):
    win = make_window(qtbot, surface="himmelblau", specs=("sgd:lr=0.01",), steps=100, start=None)
    basins = win.analysis.basins
    basins.resolution.setValue(20)
    show_tab(qtbot, win, AnalysisTabs.BASINS, lambda: basins.map is not None)
    vb = basins.plot.vb
    pos = basins.plot_widget.mapFromScene(vb.mapViewToScene(QtCore.QPointF(-3.0, 2.5)))
    QTest.mouseClick(basins.plot_widget.viewport(), QtCore.Qt.MouseButton.LeftButton,
                     QtCore.Qt.KeyboardModifier.NoModifier, pos)
    assert win.controller.start == pytest.approx((-3.0, 2.5), abs=0.1)
    assert win.analysis.currentIndex() == AnalysisTabs.SURFACE


def test_the_3d_tab_offscreen_explains_itself_and_nothing_crashes(qtbot):
    win = make_window(qtbot)
    c, tabs = win.controller, win.analysis
    view = tabs.surface3d
    for index in (AnalysisTabs.SURFACE_3D, AnalysisTabs.SURFACE, AnalysisTabs.SWEEP, AnalysisTabs.SURFACE_3D,
                  AnalysisTabs.BASINS, AnalysisTabs.SURFACE_3D):
        tabs.setCurrentIndex(index)
        qtbot.wait(20)
    assert not view.available and view.gl is None
    assert NO_GL_TEXT in view.label.text() and view.label.isVisible()
    # the rest of the window goes on working with the 3-D tab shown
    c.set_hyper(0, "lr", 0.05)
    c.jump_to_end()
    c.set_surface("rosenbrock")
    assert view.grab_frame() is None
    tabs.setCurrentIndex(AnalysisTabs.SURFACE)
    assert c.runs[0].optimizer.params["lr"] == 0.05 and c.step == c.scene.steps


@pytest.mark.parametrize("surface", ["quadratic", "rosenbrock", "himmelblau", "rastrigin", "saddle"])
def test_3d_heights_are_finite_and_bounded(surface):
    from surfaces.library import make_surface

    s = make_surface(surface)
    h = HeightMap(s)
    assert np.isfinite(h.Z).all() and h.Z.min() >= 0 and h.Z.max() <= h.height + 1e-12
    # the compression keeps order: a lower loss is never drawn higher
    f = s.value_at(np.column_stack([np.linspace(*s.view[:2], 50), np.zeros(50)]))
    order = np.argsort(f)
    assert np.all(np.diff(h.z(f[order])) >= -1e-12)


def test_no_attribute_of_the_tabs_hides_a_qt_method(qtbot):
    """An attribute named like a Qt virtual (``self.metric`` once held a combo box) is
    called by Qt in its place: a font change then crashed the interpreter."""
    from gui.views.theory import NoteItem

    win = make_window(qtbot)
    tabs = win.analysis
    widgets = [tabs, tabs.sweep, tabs.basins, tabs.surface3d, win.hyper_controls.knobs["lr"],
               win.hyper_controls.knobs["lr"].slider, tabs.sweep.lo]
    for w in widgets:
        qt_base = next(k for k in type(w).__mro__ if k.__module__.startswith("PySide6"))
        clashes = [name for name, v in vars(w).items()
                   if hasattr(qt_base, name) and not isinstance(v, QtCore.SignalInstance)]
        assert clashes == [], (type(w).__name__, clashes)
    note = win.theory.eigen.note
    assert isinstance(note, NoteItem)
    assert [n for n, v in vars(note).items()
            if hasattr(QtWidgets.QGraphicsWidget, n) and not isinstance(v, QtCore.SignalInstance)] == []
    for w in widgets[:3]:
        w.setFont(w.font())  # what a theme switch's style sheet does to every widget
