"""Drawing internals that must not change the picture: runs that stand still while one
run's slider is dragged are drawn from a pixmap of themselves (gui.views.trails), and
exports at 2x/4x widen marker outlines as they do lines (gui.export)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6 import QtGui, QtWidgets  # noqa: E402

from gui.controller import PlaygroundController, default_scene  # noqa: E402
from gui.window import MainWindow  # noqa: E402


@pytest.fixture
def window(qtbot):
    win = MainWindow(PlaygroundController(default_scene()))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def pixels(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine()).copy()


CACHED = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache


def assert_same_picture(a: np.ndarray, b: np.ndarray) -> None:
    """Equal but for anti-aliased dot edges that went through a still run's pixmap first
    (gui.views.trails.cache_when_still): one level of 255 apart, on a few pixels; two
    where such edges of two runs meet (one pixel of the default scene's map, as laid out
    since the map's y axis keeps its room for numbers)."""
    a, b = a.astype(int), b.astype(int)
    assert np.abs(a - b).max() <= 2
    assert (a != b).mean() < 0.001


def uncache(window) -> None:
    from gui.views.trails import cache_when_still

    for items in window.contour.trails.items:
        items.cache_while_still(False)
        cache_when_still(items.dots, False)
        cache_when_still(items.settled_trail, False)


def drawn_directly(window) -> np.ndarray:
    uncache(window)
    return pixels(window.contour)


def assert_lean_dots_paint_as_pyqtgraph(window) -> None:
    """The map drawn directly with gui.views.trails.Dots' lean paint equals pyqtgraph's."""
    from gui.views.trails import Dots

    lean = drawn_directly(window)
    Dots.lean = False
    try:
        assert np.array_equal(lean, pixels(window.contour))
    finally:
        Dots.lean = True


def test_a_slider_drag_caches_the_runs_that_stand_still_and_the_picture_is_unchanged(window, qtbot):
    c = window.controller
    c.seek(60)
    c.select_run(1)
    slider = window.hyper_controls.knobs["lr"].slider
    for delta in (-30, -60):
        slider.setValue(slider.value() + delta)
        qtbot.wait(10)
    items = window.contour.trails.items
    assert not items[1].cached
    assert all(it.cached for k, it in enumerate(items) if k != 1 and c.runs[k].visible)
    assert all(it.dots.cacheMode() == CACHED for k, it in enumerate(items) if k != 1 and len(it.dots.data))
    assert_same_picture(pixels(window.contour), drawn_directly(window))


def test_runs_drawn_from_their_pixmap_follow_the_next_step(window, qtbot):
    c = window.controller
    c.seek(40)
    c.select_run(0)
    slider = window.hyper_controls.knobs["lr"].slider
    slider.setValue(slider.value() - 40)
    slider.setValue(slider.value() - 40)
    qtbot.wait(10)
    c.seek(80)  # every trail grows: a stale pixmap would still end at step 40
    qtbot.wait(10)
    assert not any(it.cached for it in window.contour.trails.items)
    moved = pixels(window.contour)
    assert np.array_equal(moved, drawn_directly(window))


# -- exports: marker outlines scale like lines ---------------------------------------------


def ink_run(image: QtGui.QImage, x: float, y: float, dx: int, dy: int, scale: int) -> int:
    """Walking from (x, y) (view pixels) by (dx, dy): how many dark pixels in a row
    after the first one, i.e. how thick the outline is that the walk crosses."""
    px, py = int(x * scale), int(y * scale)
    dark = lambda c: QtGui.QColor(c).lightness() < 90  # noqa: E731 - the ink, not a fill
    steps = 0
    while not dark(image.pixel(px, py)):
        px, py, steps = px + dx, py + dy, steps + 1
        assert steps < 60 * scale, "no outline found"
    run = 0
    while dark(image.pixel(px, py)):
        px, py, run = px + dx, py + dy, run + 1
    return run


def marker_centres(window):
    """View pixels of the global minimum's star and the start square."""
    from PySide6 import QtCore

    view = window.contour
    c = window.controller
    minimum = next(m for m in c.surface.minima() if m.kind == "global")
    start = c.scene.start if c.scene.start is not None else c.surface.start
    out = []
    for x, y in (minimum.point[:2], start):
        scene = view.plot.vb.mapViewToScene(QtCore.QPointF(float(x), float(y)))
        p = view.mapFromScene(scene)
        out.append((p.x(), p.y()))
    return out


def test_a_4x_export_draws_marker_outlines_4x_as_thick(window):
    from gui import export

    window.controller.seek(0)  # heads on the start: the star stands alone
    star, start = marker_centres(window)
    one, four = (export.plot_image(window.contour, s) for s in (1, 4))
    for (x, y), direction in ((star, (1, 0)), (start, (-1, 0))):
        thin = ink_run(one, x, y, *direction, scale=1)
        thick = ink_run(four, x, y, *direction, scale=4)
        assert 1 <= thin <= 4
        assert thick >= 3 * thin, f"outline at ({x:.0f}, {y:.0f}): {thin} px at 1x, {thick} px at 4x"


def test_the_loss_plot_caches_the_still_curves_and_looks_the_same(window, qtbot):
    from gui.views.trails import UNCACHED

    c = window.controller
    c.seek(120)
    c.select_run(2)
    slider = window.hyper_controls.knobs["lr"].slider
    for delta in (-30, -60):
        slider.setValue(slider.value() + delta)
        qtbot.wait(10)
    loss = window.views["loss"]
    modes = [curve.cacheMode() for curve in loss.curves]
    assert modes[2] == UNCACHED
    assert sum(mode != UNCACHED for mode in modes) == len(modes) - 1
    cached = pixels(loss)
    for curve in loss.curves:
        curve.setCacheMode(UNCACHED)
    assert np.array_equal(cached, pixels(loss))


@pytest.mark.parametrize("view_name, selected_width", [("surface", 2.0), ("loss", 1.5)])
def test_the_selected_runs_stamped_line_covers_the_pixels_of_its_stroke(window, qtbot, view_name, selected_width):
    """The selected run's wide pen is the 1-px polyline stamped at pixel offsets
    (ThinLine.STAMPS), ~10x cheaper than Qt's stroke of 1000 wide segments: it must ink
    about as many pixels, in the same places."""
    from gui.views.trails import ThinLine
    from tests.test_gui_export import run_ink

    c = window.controller
    c.seek(150)
    c.select_run(0)
    qtbot.wait(20)
    view = window.views[view_name]
    curve = view.curves[0] if view_name == "loss" else window.contour.trails.items[0].trail
    assert curve.opts["pen"].widthF() == selected_width
    for other in range(1, len(c.runs)):  # only run 1's ink counts
        c.set_run_visible(other, False)
    qtbot.wait(20)
    stamped = run_ink(view.grab().toImage(), c.runs[0].color)
    saved, ThinLine.STAMPED = ThinLine.STAMPED, ThinLine.THIN  # pyqtgraph's stroke
    try:
        curve.update()
        qtbot.wait(10)
        stroked = run_ink(view.grab().toImage(), c.runs[0].color)
    finally:
        ThinLine.STAMPED = saved
    assert stroked.sum() > 100
    assert 0.8 <= stamped.sum() / stroked.sum() <= 1.3, (stamped.sum(), stroked.sum())
    # every stamped pixel within a pixel of the stroke
    near = np.zeros_like(stroked)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            near |= np.roll(np.roll(stroked, dy, axis=0), dx, axis=1)
    assert (stamped & ~near).sum() <= 0.02 * stamped.sum()


@pytest.mark.parametrize("step, size", [(0, None), (30, None), (200, (1920, 1080)), (200, (900, 700))])
def test_the_lean_dots_paint_as_pyqtgraph_does(window, qtbot, step, size):
    window.controller.seek(step)
    qtbot.wait(10)
    if size is not None:  # the view's transform changes: the remembered bounds must follow
        window.resize(*size)
        qtbot.wait(50)
        window.controller.seek(step - 100)
        window.contour.plot.vb.scaleBy((0.7, 0.7))
        qtbot.wait(20)
    assert any(len(items.dots.data) + len(items.fresh.data) for items in window.contour.trails.items)
    assert_lean_dots_paint_as_pyqtgraph(window)


def test_playing_forward_settles_dots_and_trail_into_pixmaps_a_block_at_a_time(window, qtbot):
    """Playing forward, a run's settled dots and settled trail change once every SETTLE
    steps and are drawn from their pixmaps in between; only the newest dots and the
    trail's newest piece are drawn on every frame. Together they are every iterate up to
    the step, and the picture is the direct drawing's."""
    from gui.views.trails import SETTLE

    c = window.controller
    c.seek(0)
    qtbot.wait(10)
    items = window.contour.trails.items
    changes = 0
    cuts = 0
    for step in range(1, 2 * SETTLE + 10):
        before, line_before = items[0].dots.data, items[0].settled_trail.xData
        c.seek(step)  # the map draws the step at once
        changed = items[0].dots.data is not before
        cut = items[0].settled_trail.xData is not line_before
        changes += changed
        cuts += cut
        settled = (step + 1) // SETTLE * SETTLE
        for it in items:
            assert len(it.dots.data) == settled and len(it.dots.data) + len(it.fresh.data) == step + 1
            assert (it.dots.cacheMode() == CACHED) == (not changed)
            assert (it.settled_trail.cacheMode() == CACHED) == (not cut)
            assert len(it.settled_trail.xData) == (step // SETTLE * SETTLE + 1 if step >= SETTLE else 0)
    assert changes == 2 and cuts == 2
    qtbot.wait(10)
    rows = np.concatenate([items[0].dots.getData(), items[0].fresh.getData()], axis=1).T
    assert np.array_equal(rows, c.traces[0].xs[: len(rows), :2])
    for it, trace in zip(items, c.traces):
        assert np.array_equal(np.column_stack(it.trail_points()), trace.xs[: len(rows), :2])
    assert_same_picture(pixels(window.contour), drawn_directly(window))


def test_a_dragged_runs_dots_paint_as_pyqtgraph_does(window, qtbot):
    """A run's dots take one atlas lookup for all of them (IterateDots.updateSpots): a
    wrong one shows as a picture unlike pyqtgraph's own, which looks each dot up."""
    from gui.views.trails import IterateDots

    c = window.controller
    c.seek(150)
    items = window.contour.trails.items
    assert all(isinstance(it.dots, IterateDots) for it in items)
    for value in (0.002, 0.004):
        assert c.set_hyper(0, "lr", value)
        qtbot.wait(20)
        assert_lean_dots_paint_as_pyqtgraph(window)


def test_the_dots_remembered_bounds_follow_zoom_and_resize(window, qtbot):
    import pyqtgraph as pg

    window.controller.seek(100)
    qtbot.wait(10)
    dots = [d for items in window.contour.trails.items for d in (items.dots, items.fresh) if len(d.data)]
    assert dots
    for change in (lambda: window.contour.plot.vb.scaleBy((0.5, 0.5)), lambda: window.resize(1600, 1000)):
        before = [d.boundingRect() for d in dots]
        change()
        qtbot.wait(30)
        for d, old in zip(dots, before):
            assert d.boundingRect() == pg.ScatterPlotItem.boundingRect(d)
            assert d.boundingRect() != old  # the padding of a few pixels is another span of data


def test_a_slider_moves_the_runs_dots_in_place_to_its_new_path(window, qtbot):
    """The moved run keeps as many dots (same step): they are moved, not rebuilt, and end
    where its new path is, with pyqtgraph's bounds and the picture setData would give."""
    import pyqtgraph as pg

    c = window.controller
    c.seek(150)  # 128 dots settled, 23 fresh
    c.select_run(1)
    qtbot.wait(10)
    items = window.contour.trails.items[1]
    records = (items.dots.data, items.fresh.data)
    slider = window.hyper_controls.knobs["lr"].slider
    slider.setValue(slider.value() - 40)
    qtbot.wait(10)
    assert items.dots.data is records[0] and items.fresh.data is records[1]  # moved in place
    path = c.traces[1].xs
    assert np.array_equal(np.column_stack([items.dots.data["x"], items.dots.data["y"]]), path[:128])
    assert np.array_equal(np.column_stack([items.fresh.data["x"], items.fresh.data["y"]]), path[128:151])
    for dots, rows in ((items.dots, path[:128]), (items.fresh, path[128:151])):
        assert dots.dataBounds(ax=0) == (rows[:, 0].min(), rows[:, 0].max())  # not the old path's
        assert dots.dataBounds(ax=1) == (rows[:, 1].min(), rows[:, 1].max())
        assert dots.boundingRect() == pg.ScatterPlotItem.boundingRect(dots)
    moved = drawn_directly(window)
    items.dots.setData(pos=path[:128])
    items.fresh.setData(pos=path[128:151])
    qtbot.wait(10)
    assert np.array_equal(moved, drawn_directly(window))


def test_the_heads_move_in_place_and_take_a_new_colour_or_a_hidden_run(window, qtbot):
    """Heads keep their records while only positions change (a frame, a slider), and are
    set again when a run's colour changes or a run is hidden."""
    from PySide6 import QtGui

    c = window.controller
    heads = window.contour.trails.heads

    def positions():
        return np.column_stack([heads.data["x"], heads.data["y"]])

    def expected():
        return np.array([tr.xs[min(c.step, len(tr.xs) - 1)] for tr, run in zip(c.traces, c.runs) if run.visible])

    c.seek(30)
    qtbot.wait(10)
    records = heads.data
    c.seek(31)
    slider = window.hyper_controls.knobs["lr"].slider
    slider.setValue(slider.value() - 25)
    qtbot.wait(10)
    assert heads.data is records and np.array_equal(positions(), expected())
    assert c.set_run_color(0, "#ff00ff")
    qtbot.wait(10)
    assert QtGui.QBrush(heads.data["brush"][0]).color().name() == "#ff00ff"
    c.set_run_visible(1, False)
    qtbot.wait(10)
    assert len(heads.data) == sum(run.visible for run in c.runs)
    assert np.array_equal(positions(), expected())


def test_the_dots_remembered_bounds_follow_their_points_and_size(window, qtbot):
    """New points (setData, addPoints: playing forward) and a new dot size each give
    pyqtgraph's bounds again, not the remembered ones."""
    import pyqtgraph as pg

    from gui.views.trails import IterateDots

    dots = IterateDots(size=4, pxMode=True)
    window.contour.plot.addItem(dots)
    dots.setData(pos=np.array([[0.0, 0.0], [0.5, 0.5]]))
    qtbot.wait(10)
    changes = (lambda: dots.addPoints(pos=np.array([[1.2, -0.7]])),
               lambda: dots.setData(pos=np.array([[-1.0, 0.3], [0.2, 0.9]])),
               lambda: dots.setSize(14))
    for change in changes:
        before = dots.boundingRect()
        change()
        assert dots.boundingRect() == pg.ScatterPlotItem.boundingRect(dots)
        assert dots.boundingRect() != before


def test_the_signal_plot_redraws_only_the_moved_run_and_looks_the_same(window, qtbot):
    from gui.views.trails import UNCACHED

    c = window.controller
    c.set_display("signal", "step_length")
    qtbot.wait(30)
    c.seek(150)
    c.select_run(2)
    slider = window.hyper_controls.knobs["lr"].slider
    for delta in (-30, -60):
        slider.setValue(slider.value() + delta)
        qtbot.wait(10)
    plot = window.signal
    modes = [curve.cacheMode() for curve in plot.curves]
    assert modes[2] == UNCACHED
    assert sum(mode != UNCACHED for mode in modes) == len(modes) - 1
    cached = pixels(plot)
    for curve in plot.curves:
        curve.setCacheMode(UNCACHED)
    assert np.array_equal(cached, pixels(plot))
    c.seek(60)  # every curve is cut at the new step: nothing may keep its old length
    qtbot.wait(10)
    assert all(curve.cacheMode() == UNCACHED for curve in plot.curves)
    assert [len(curve.xData) for curve in plot.curves] == [
        int(np.searchsorted(rows, 60, side="right")) for _x, _y, rows in plot.series]


# -- head overlays: arrows not redrawn when nothing moved, never stale ---------------------------

HEAD_KINDS = ("gradient_arrows", "step_arrows", "velocity_arrows", "adaptive_boxes")


def _arrows(over) -> list:
    parts = [over.grad] + [part for items in over.per_run for part in items.values()]
    return [tuple(a.copy() for a in part.getData()) for part in parts]


def test_arrows_after_a_slider_drag_equal_a_drawing_from_scratch(window, qtbot):
    """Arrows that did not change are not given to the layer again (no new bounds, no
    repaint); what it shows after a drag equals a drawing from nothing, pixel for pixel."""
    c = window.controller
    for key in HEAD_KINDS:
        c.set_display(key, True)
    c.seek(20)
    c.select_run(4)  # adam: every kind of arrow and its box
    qtbot.wait(10)
    over = window.contour.overlays
    lines = over.layer._lines
    window.contour._step_changed(c.step)  # the same step again: nothing moved
    assert over.layer._lines is lines
    slider = window.hyper_controls.knobs["lr"].slider
    slider.setValue(slider.value() - 40)
    qtbot.wait(10)
    assert over.layer._lines is not lines
    after, picture = _arrows(over), pixels(window.contour)
    over.clear()  # and drawn again from nothing: nothing may have been kept stale
    window.contour._step_changed(c.step)
    qtbot.wait(10)
    assert all(np.array_equal(a, b) for x, y in zip(after, _arrows(over)) for a, b in zip(x, y))
    assert_same_picture(picture, pixels(window.contour))  # the dragged run's dots now still
    c.set_display("velocity_arrows", False)
    assert not any(len(items["velocity"].getData()[0]) for items in over.per_run)


def painted_regions(view, qtbot, actions) -> list:
    """The bounding rectangles of the view's repaints while ``actions`` run one by one."""
    from PySide6 import QtCore

    regions = []

    class Spy(QtCore.QObject):
        def eventFilter(self, obj, event):
            if obj is view.viewport() and event.type() == QtCore.QEvent.Type.Paint:
                regions.append(event.region().boundingRect())
            return False

    spy = Spy()
    view.viewport().installEventFilter(spy)
    try:
        for act in actions:
            act()
            qtbot.wait(10)
    finally:
        view.viewport().removeEventFilter(spy)
    return regions


def test_playing_repaints_the_rate_plots_cursor_not_the_whole_plot(window, qtbot):
    """The step cursor of the learning-rate plot moves on every frame; pyqtgraph, told of
    each move, repainted the whole auto-ranging plot (~60% of its pixels) each time."""
    from PySide6 import QtCore

    view = window.schedule
    view.plot.vb.enableAutoRange(y=True)  # as a scene whose rates fit the first range leaves it
    window.controller.seek(40)
    qtbot.wait(20)
    regions = painted_regions(view, qtbot, [lambda step=step: window.controller.seek(step) for step in (41, 42, 43)])
    assert regions
    assert max(r.width() for r in regions) < 0.1 * view.viewport().width()
    x = view.plot.vb.mapViewToScene(QtCore.QPointF(43, 0)).x()
    assert abs(view.mapFromScene(QtCore.QPointF(x, 0)).x() - regions[-1].center().x()) < 6  # the cursor's strip


def test_an_lr_drag_repaints_the_rate_plots_moved_line_not_the_whole_plot(window, qtbot):
    """The rate plot keeps its own y range (theme.settle_range); left on, pyqtgraph's
    auto-range re-measured every curve on each move and repainted the whole plot."""

    view = window.schedule
    c = window.controller
    c.select_run(0)
    view.plot.vb.enableAutoRange(y=True)  # as a scene whose rates fit the first range left it
    slider = window.hyper_controls.knobs["lr"].slider
    slider.setValue(slider.value() + 1)
    qtbot.wait(20)
    regions = painted_regions(view, qtbot, [lambda d=d: slider.setValue(slider.value() + d) for d in (1, 1, -1)])
    assert regions and view.plot.vb.state["autoRange"][1] is False
    # a constant rate: the strips of its old and new line, not the plot's ~130 px
    assert max(r.height() for r in regions) < 0.15 * view.viewport().height(), regions


@pytest.mark.parametrize("schedule", ["constant", "step", "cosine", "linear"])
def test_the_rate_plot_draws_a_plateaus_ends_and_looks_the_same(window, qtbot, schedule):
    """A constant or step schedule's rate line is drawn through the ends of its plateaus
    (schedule.corners): the same pixels as through all 1000 rows."""
    from gui.views import schedule as module

    c = window.controller
    c.select_run(0)
    combo = window.hyper_controls.schedule
    combo.setCurrentIndex(combo.findData(schedule))
    assert c.runs[0].schedule.key == schedule
    qtbot.wait(20)
    view = window.schedule
    x, _y = view.curves[0].getData()
    if schedule in ("constant", "step"):
        assert len(x) < 20
    few = pixels(view)
    saved, module.corners = module.corners, lambda x, y: (x, y)
    try:
        view.rebuild()
        qtbot.wait(20)
        assert len(view.curves[0].getData()[0]) == c.scene.steps
        assert np.array_equal(few, pixels(view))
    finally:
        module.corners = saved
        view.rebuild()


@pytest.mark.parametrize("x, y, kept", [
    ([1, 2, 3, 4, 5], [1, 1, 1, 1, 1], [1, 5]),
    ([1, 2, 3, 4, 5, 6], [1, 1, 1, .5, .5, .5], [1, 3, 4, 6]),
    ([1, 2, 3, 4, 5], [3, 2, 1, 1, 0], [1, 2, 3, 4, 5]),
    ([1, 2, 3, 4, 5], [1, 1, np.nan, 1, 1], [1, 2, 3, 4, 5]),  # a gap keeps its neighbours
])
def test_corners_keep_the_ends_of_each_plateau(x, y, kept):
    from gui.views.schedule import corners

    cx, cy = corners(np.array(x, dtype=float), np.array(y, dtype=float))
    assert cx.tolist() == kept


def test_a_knob_drag_keeps_the_signal_plots_still_curves_and_restyles_what_changed(window, qtbot):
    """Every knob move restyles the signal plot (runChanged): setting an equal new pen
    threw away each still curve's pixmap, and redrawing eight wide-pen curves cost ~5 ms
    a move. Only a pen that differs is set; a colour, selection or visibility still shows."""
    c = window.controller
    c.set_display("signal", "step_length")
    c.seek(150)
    c.select_run(2)
    qtbot.wait(20)
    plot = window.signal
    pens = [curve.opts["pen"] for curve in plot.curves]
    slider = window.hyper_controls.knobs["lr"].slider
    slider.setValue(slider.value() - 30)
    qtbot.wait(10)
    assert all(curve.opts["pen"] is pen for curve, pen in zip(plot.curves, pens))
    c.set_run_color(0, "#123456")
    c.select_run(3)
    c.set_run_visible(1, False)
    qtbot.wait(10)
    assert plot.curves[0].opts["pen"].color().name() == "#123456"
    assert plot.curves[3].opts["pen"].widthF() > plot.curves[2].opts["pen"].widthF()  # the selected run
    assert plot.curves[3].zValue() == 1 and plot.curves[2].zValue() == 0
    assert not plot.curves[1].isVisible() and plot.curves[0].isVisible()


def test_the_loss_plot_keeps_the_still_runs_values_and_matches_a_fresh_computation(window, qtbot):
    """What each run plots is kept with its trace (a knob moves one run): after drags, a
    divergence, mode switches, it must equal what the plot computes from nothing."""
    c = window.controller
    loss = window.views["loss"]
    c.seek(300)
    c.select_run(1)
    slider = window.hyper_controls.knobs["lr"].slider

    def fresh():
        kept = [v.copy() for v in loss.values], [v.copy() for v in loss.ranged], loss._transform
        curves = [(curve.xData.copy(), curve.yData.copy()) for curve in loss.curves if curve.xData is not None]
        loss._memo = {}
        loss._traces_changed(list(range(len(c.runs))))
        assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(kept[0], loss.values))
        assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(kept[1], loss.ranged))
        assert kept[2] == loss._transform
        again = [(curve.xData, curve.yData) for curve in loss.curves if curve.xData is not None]
        assert all(np.array_equal(a[1], b[1], equal_nan=True) for a, b in zip(curves, again))

    kept = loss._memo[0]
    for delta in (-40, -80):
        slider.setValue(slider.value() + delta)
        qtbot.wait(5)
    assert loss._memo[0] is kept  # a run that did not move was not computed again
    fresh()
    slider.setValue(slider.maximum())  # the run blows up: its status, and the floor, change
    qtbot.wait(5)
    fresh()
    for key in ("log_loss", "loss_minus_min", "log_loss", "loss_minus_min"):
        c.set_display(key, not c.display(key))
        fresh()


def test_the_signal_plots_kept_series_match_a_fresh_computation(window, qtbot):
    """The signal plot keeps each run's series while its values, floor and x stay the same
    (a knob moves one run): after drags, other axes and signals it must equal a
    computation from nothing, and a still run's series is the very same object."""
    c = window.controller
    plot = window.signal
    c.set_display("signal", "step_length")
    c.seek(200)
    c.select_run(1)
    qtbot.wait(10)
    slider = window.hyper_controls.knobs["lr"].slider

    def fresh():
        kept = [tuple(a.copy() for a in s) for s in plot.series]
        plot._made = {}
        plot._cache = {}
        plot.recompute()
        assert len(kept) == len(plot.series)
        for a, b in zip(kept, plot.series):
            assert all(np.array_equal(u, v, equal_nan=True) for u, v in zip(a, b))

    still = plot.series[0]
    for delta in (-40, -80):
        slider.setValue(slider.value() + delta)
        qtbot.wait(5)
    assert plot.series[0] is still
    fresh()
    for key, value in (("signal_axis", "grad_evals"), ("signal_log_x", True), ("signal", "effective_lr"),
                       ("signal_axis", "updates"), ("signal_log_x", False)):
        c.set_display(key, value)
        slider.setValue(slider.value() + 20)
        qtbot.wait(5)
        fresh()
