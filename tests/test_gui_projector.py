"""In front of a class (pytest-qt, offscreen): nothing stale after a preset switch,
nothing cut at a projector's 1280x800 in presentation mode, readable in both themes."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6 import QtCore, QtGui  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from engine.presets import list_presets, load_preset  # noqa: E402
from gui import restyle  # noqa: E402
from gui import settings as store  # noqa: E402
from gui.controller import PlaygroundController, default_scene  # noqa: E402
from gui.window import MainWindow  # noqa: E402

Key = QtCore.Qt.Key


@pytest.fixture(autouse=True)
def fresh_settings_and_theme():
    store.settings().clear()
    yield
    restyle.switch([], name="light", scale=1.0)  # module state: the next test starts light, 1x
    store.settings().clear()


@pytest.fixture
def window(qtbot):
    win = MainWindow(PlaygroundController(default_scene()))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def overlay_points(window) -> int:
    """How many points the head overlays (arrows, boxes, their gain note) draw."""
    over = window.contour.overlays
    items = [over.grad, *(item for run in over.per_run for item in run.values())]
    n = sum(len(item.getData()[0] if item.getData()[0] is not None else []) for item in items)
    legend = [label.text for _sample, label in window.contour.legend.items]
    return n + sum("arrows ×" in text for text in legend)


# -- 1. no overlay survives a preset switch --------------------------------------------------------


ARROWS = ("gradient_arrows", "step_arrows", "velocity_arrows", "adaptive_boxes")


def arrows_then_none(keys) -> tuple[str, str]:
    """Two neighbours of a playlist: the first shows head arrows, the next none."""
    scenes = {k: load_preset(k) for k in keys}

    def arrows(k):
        return scenes[k].mode == "surface" and any(scenes[k].display.get(a) for a in ARROWS)

    return next((a, b) for a, b in zip(keys, keys[1:]) if arrows(a) and scenes[b].mode == "surface"
                and not arrows(b))


@pytest.mark.parametrize("how", ["menu", "page_down", "escape"])
def test_no_overlay_item_survives_a_preset_switch(window, how):
    presets = window.presets
    presets.set_playlist("lecture")
    first, second = arrows_then_none(presets.keys())
    presets.load(first)
    window.controller.seek(5)
    assert overlay_points(window) > 0  # the test can see arrows when there are some
    if how == "menu":
        presets.load(second)
    elif how == "page_down":
        window.controller.jump_to_end()  # past its cues: PageDown plays on to each one first
        QTest.keyClick(window, Key.Key_F5)
        QTest.keyClick(window, Key.Key_PageDown)
        assert presets.current == second
    else:
        QTest.keyClick(window, Key.Key_F5)
        presets.load(second)
        QTest.keyClick(window, Key.Key_Escape)
    c = window.controller
    assert not any(c.display(k) for k in ARROWS)
    assert overlay_points(window) == 0
    c.seek(20)
    assert overlay_points(window) == 0


def test_arrows_follow_the_new_scene_when_both_presets_show_them(window):
    window.presets.load("sqrt8-gradient-descent")
    window.controller.seek(3)
    window.presets.load("lr-too-low-high-2d")
    c = window.controller
    c.seek(0)
    over = window.contour.overlays
    start = np.asarray(c.start, dtype=float)[:2]
    drawn = 0
    for items in over.per_run:
        xs, ys = items["step"].getData()
        if xs is not None and len(xs):
            drawn += 1
            assert np.allclose((xs[0], ys[0]), start)  # every arrow leaves the new start point
    assert drawn == len(c.runs)


# -- 7. the dark theme ----------------------------------------------------------------------------


def ink_pixels(image, background, minimum=3.0) -> int:
    """Pixels of ``image`` that stand out from ``background`` (WCAG contrast)."""
    from gui import theme

    bg = QtGui.QColor(background)
    count = 0
    for y in range(image.height()):
        for x in range(image.width()):
            c = image.pixelColor(x, y)
            if c.alpha() > 128 and theme.contrast(c, bg) >= minimum:
                count += 1
    return count


@pytest.fixture
def dark_window(qtbot):
    """A window built while the dark theme is already current (a start in the remembered theme)."""
    from gui.app import build_window

    restyle.switch([], name="dark")
    _c, win = build_window(None)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_dark_theme_transport_icons_stand_out_from_the_bar(dark_window):
    bar = dark_window.transport_bar
    window_color = bar.palette().window().color()
    for action in bar.actions()[:4]:
        image = action.icon().pixmap(18, 18).toImage()
        assert ink_pixels(image, window_color) >= 10, action.text()


def test_switching_to_dark_re_tints_the_icons(window):
    play = window.transport_bar.actions()[0]
    window.presentation.set_theme("dark", remember=False)
    image = play.icon().pixmap(18, 18).toImage()
    assert ink_pixels(image, window.transport_bar.palette().window().color()) >= 10
    window.controller.play()
    window.controller.pause()  # the pause icon and back: still the dark theme's ink
    image = play.icon().pixmap(18, 18).toImage()
    assert ink_pixels(image, window.transport_bar.palette().window().color()) >= 10


def test_dark_theme_check_boxes_are_visible(dark_window):
    from PySide6 import QtWidgets

    window = dark_window
    window.controller.select_run(0)
    boxes = [window.hyper_controls.same_lr]
    boxes += [b for b in window.hyper_controls.findChildren(QtWidgets.QCheckBox) if b.isVisible()]
    for box in boxes:
        opt = QtWidgets.QStyleOptionButton()
        opt.initFrom(box)
        rect = box.style().subElementRect(QtWidgets.QStyle.SubElement.SE_CheckBoxIndicator, opt, box)
        image = box.grab(rect).toImage()
        around = box.palette().window().color()
        # the indicator's outline: at least two of its four sides
        assert ink_pixels(image, around, minimum=2.5) >= 2 * rect.width(), box.text()


def test_dark_theme_pseudo_code_box_is_dark_with_light_text(dark_window):
    from gui import theme

    code = dark_window.inspector.code
    image = code.viewport().grab().toImage()
    background = image.pixelColor(image.width() - 3, image.height() - 3)
    assert background.lightness() < 80
    assert theme.contrast(code.palette().text().color(), background) >= 4.5


def test_run_colours_in_the_status_bar_read_on_both_themes(window):
    import re

    from gui import theme

    for name in ("light", "dark", "light"):
        # the switch alone re-colours the names: paused at step 0 nothing else refreshes
        # the line (dark presentation mode kept the light theme's dark blue on dark grey)
        window.presentation.set_theme(name, remember=False)
        bar = window.statusBar()
        background = bar.palette().window().color()
        names = re.findall(r"color:(#[0-9a-fA-F]{6}); font-weight:bold", bar.loss_label.text())
        assert names, bar.loss_label.text()
        for color in names:
            assert theme.contrast(color, background) >= 4.5, (name, color)
    assert theme.readable("#0072B2", "#262b31") != "#0072b2"  # run 1's blue is lifted on dark grey


# -- 11. the inspector and the memory view --------------------------------------------------------


def test_pseudo_code_shows_v_max_only_with_amsgrad_and_never_wraps(window):
    from PySide6 import QtGui

    c = window.controller
    adam = next(i for i, r in enumerate(c.runs) if r.optimizer.key == "adam")
    c.select_run(adam)
    code = window.inspector.code
    assert "v_max" not in code.toPlainText()
    c.set_optimizer(adam, c.runs[adam].optimizer.replace(amsgrad=True))
    assert "v_max <- max(v_max, v)" in code.toPlainText()
    window.inspector.resize(300, 400)
    window.inspector._fit_code_height()
    metrics = QtGui.QFontMetrics(code.font())
    widest = max(metrics.horizontalAdvance(line) for line in code.toPlainText().splitlines())
    assert code.lineWrapMode() == code.LineWrapMode.NoWrap  # an equation is one line
    assert widest <= code.viewport().width() or code.font().pointSize() == 8


def test_memory_view_gives_newton_its_hessian(qtbot):
    from gui.classification.controller import ClassificationController, default_scene
    from gui.classification.pane import ClassificationPane

    c = ClassificationController(default_scene().replace(dataset="spiral:n=150", model="softmax"))
    pane = ClassificationPane(c)
    qtbot.addWidget(pane)
    assert c.add_run("newton")
    labels = [t.textItem.toPlainText() for t in pane.memory_view.labels]
    D = c.problem.dim
    assert any(f"{D * D:,}" in label and "D²" in label for label in labels), labels
    assert "Hessian" in pane.memory_view.caption.text()


def test_memory_bars_are_labelled_in_the_theme_s_ink_and_stay_two_lines_when_presenting(qtbot):
    """The bars' numbers were Qt's default black on the dark theme, and presentation mode
    doubled their font inside the old width: "2 × D" wrapped into three lines over the
    plot's top."""
    from gui import restyle, theme
    from gui.classification.controller import ClassificationController, default_scene
    from gui.classification.pane import ClassificationPane

    c = ClassificationController(default_scene().replace(dataset="spiral:n=150", model="mlp"))
    pane = ClassificationPane(c)
    qtbot.addWidget(pane)
    assert c.add_run("adafactor")
    view = pane.memory_view

    def lines(label) -> int:
        return label.textItem.document().documentLayout().documentSize().height() // \
            QtGui.QFontMetricsF(label.textItem.font()).lineSpacing()

    assert [t.textItem.defaultTextColor().name() for t in view.labels] == [theme.INK.lower()] * len(view.labels)
    assert all(lines(t) == 2 for t in view.labels)
    restyle.switch([pane], name="dark", scale=2.0)
    try:
        assert all(t.textItem.defaultTextColor().name() == theme.INK.lower() for t in view.labels)
        assert all(lines(t) == 2 for t in view.labels), [t.textItem.toPlainText() for t in view.labels]
    finally:
        restyle.switch([pane], name="light", scale=1.0)


# -- 5. log axes and the colour bar ------------------------------------------------------------------


@pytest.mark.parametrize("lo, hi", [(-1.2, 0.3), (-2.0, 0.0), (-0.8, -0.1), (-12.0, 1.0)])
def test_log_ticks_over_a_decade_or_two_are_1_2_5_and_have_room(qtbot, lo, hi):
    import math

    import pyqtgraph as pg

    from gui import theme

    axis = pg.AxisItem("left")
    axis.setTickFont(theme.font(theme.TICK_PT))
    size = 160.0
    levels = theme.log_tick_values(axis, lo, hi, size)
    labelled = [v for spacing, values in levels if spacing is not None for v in values]
    room = size / (QtGui.QFontMetrics(axis.style["tickFont"]).height() * 1.5)
    assert 1 <= len(labelled) <= max(room, 2)
    if hi - lo >= 1.0:  # a decade or more: only 1, 2 and 5 times a power of ten
        mantissas = {round(10 ** (v - math.floor(v + 1e-9)), 6) for v in labelled}
        assert mantissas <= {1.0, 2.0, 5.0}, mantissas


def test_log_numbers_are_short_powers_of_ten_beyond_0_01_to_1000():
    import math

    from gui.theme import log_tick_strings

    values = (1e-6, 1e-4, 2e-3, 0.01, 0.05, 0.1, 1, 20, 1000, 1e4, 5e4)
    assert log_tick_strings([math.log10(v) for v in values], 1.0) == [
        "10⁻⁶", "10⁻⁴", "2·10⁻³", "0.01", "0.05", "0.1", "1", "20", "1000", "10⁴", "5·10⁴"]


@pytest.mark.parametrize("orientation, length, lo, hi", [
    ("bottom", 290.0, -12.0, 612.0),   # a projector's rate plot: "200400600800" before
    ("left", 58.0, -0.004, 0.054),     # a 58-px rate plot under 22-pt numbers
    ("left", 300.0, 0.0, 1.0),
])
def test_tick_numbers_at_presentation_size_have_room(qtbot, orientation, length, lo, hi):
    import pyqtgraph as pg

    from gui import theme

    axis = pg.AxisItem(orientation)
    axis.setTickFont(theme.font(22))
    theme.roomy_ticks(axis)
    metrics = QtGui.QFontMetricsF(axis.style["tickFont"])
    levels = axis.tickValues(lo, hi, length)
    majors = [v for v in levels[0][1] if lo <= v <= hi]
    assert majors, levels
    strings = axis.tickStrings(majors, 1.0, levels[0][0])
    per_px = length / (hi - lo)
    if orientation == "bottom":
        widest = max(metrics.horizontalAdvance(t) for t in strings)
        assert all((b - a) * per_px >= widest for a, b in zip(majors, majors[1:]))
    else:
        h = metrics.height()
        assert all((b - a) * per_px >= h for a, b in zip(majors, majors[1:]))
        # a number centred on its tick stays within the axis
        assert any(lo + h / 2 / per_px <= v <= hi - h / 2 / per_px for v in majors), majors


def test_colour_bar_numbers_have_no_si_factor(window):
    assert window.controller.set_surface("saddle")  # f from -4 to 4: a linear colour bar
    axis = window.contour.colorbar.axis
    assert not axis.autoSIPrefix
    assert axis.labelUnitPrefix == ""


# -- 11. title, About, a formula undefined at the start --------------------------------------------


def test_window_title_names_the_app_once(qtbot):
    from gui.app import build_window, make_application

    app = make_application()
    _c, win = build_window(None)
    qtbot.addWidget(win)
    win.presets.load("optimizer-race")
    # Qt appends an explicitly set display name to every window title on X11 and Windows
    assert app.applicationDisplayName() == app.applicationName()
    assert win.windowTitle().count("Optimizer Playground") == 1


def test_about_lists_every_shortcut_left_aligned(window):
    from gui.window import about_html

    text = about_html(window.commands)
    native = QtGui.QKeySequence.SequenceFormat.NativeText
    with_keys = [a for a in window.commands.by_name.values() if not a.shortcut().isEmpty()]
    assert len(with_keys) > 20
    for action in with_keys:
        assert action.shortcut().toString(native).replace("&", "&amp;") in text, action.text()
    assert "<table" in text and "center" not in text


def test_formula_undefined_at_the_start_says_so_and_hatches_the_region(window):
    c = window.controller
    seen = []
    c.message.connect(seen.append)
    assert c.set_surface("custom", "log(x) + y^2")
    c.set_start((-1.0, 0.5))
    assert any("not defined at the start" in m for m in seen), seen
    assert not any("smaller learning rate" in m for m in seen)
    hatch = window.contour.undefined
    assert hatch.isVisible()
    alpha = hatch.image[..., 3]
    assert alpha[:, : alpha.shape[1] // 3].min() > 0 and alpha[:, -10:].max() == 0  # x < 0 only
    assert c.set_surface("custom", "x^2 + y^2")
    assert not window.contour.undefined.isVisible()


# -- 2, 3. nothing cut at a projector's 1280x800 in presentation mode -----------------------------


def present_at_1280(window, qtbot):
    present_at(window, 1280, 800)


def present_at(window, width, height):
    from PySide6 import QtWidgets

    QTest.keyClick(window, Key.Key_F5)
    for _ in range(3):  # the offscreen screen is 800x800: give the window a projector's size
        QtWidgets.QApplication.processEvents()
        window.setMaximumSize(width, height)
        window.setMinimumSize(width, height)
        window.setGeometry(0, 0, width, height)
    QtWidgets.QApplication.processEvents()
    assert window.presentation.active and window.width() == width


def settle(qtbot):
    from PySide6 import QtWidgets

    for _ in range(5):
        QtWidgets.QApplication.processEvents()
    qtbot.wait(30)


def plots_shown(window):
    import pyqtgraph as pg

    for view in window.findChildren(pg.GraphicsView):
        if not view.isVisible() or view.width() < 50:
            continue
        for item in view.scene().items():
            if isinstance(item, pg.PlotItem) and item.isVisible():
                yield view, item


def drawn_tick_texts(axis):
    """(scene rect, text) of every tick number the axis draws now."""
    image = QtGui.QImage(8, 8, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    if specs is None:
        return []
    return [(axis.mapRectToScene(rect), text) for rect, _flags, text in specs[2]]


def number(text):
    try:
        return float(text.replace("−", "-"))
    except ValueError:
        return None


def assert_nothing_cut(window):
    import pyqtgraph as pg

    from gui.views.theory import NoteItem

    checked = 0
    for view, plot in plots_shown(window):
        inside = QtCore.QRectF(view.rect()).adjusted(-1, -1, 1, 1)
        vb = plot.vb.sceneBoundingRect()
        bottom = plot.getAxis("bottom")
        # 3: a right margin, and the last tick number of the x axis drawn inside the view
        assert view.width() - vb.right() >= 12 or not bottom.isVisible(), plot
        if bottom.isVisible() and bottom.style["showValues"]:
            texts = drawn_tick_texts(bottom)
            for rect, text in texts:
                assert inside.contains(rect), (text, rect, inside)
            (x0, x1) = plot.vb.viewRange()[0]
            # the length the axis draws its ticks for (pyqtgraph's span reaches 1 px past each end)
            length = bottom.geometry().width() + 2
            majors = [v for v in bottom.tickValues(x0, x1, length)[0][1] if x0 <= v <= x1]
            if texts and majors and not bottom.logMode and all(number(t) is not None for _r, t in texts):
                # the last major tick is there unless it sits on the plot's very edge
                # (an axis of names, the memory view's optimizers, has no last number)
                last = max(majors)
                if x1 - last > 0.02 * (x1 - x0):
                    assert any(abs(number(t) - last) < 1e-6 * max(1, abs(last))
                               for _r, t in texts if t.strip()), (last, [t for _r, t in texts])
        for side in ("left", "bottom"):
            # tick numbers side by side, never on top of each other ("200400600800")
            axis = plot.getAxis(side)
            if axis.isVisible() and axis.style["showValues"]:
                shown = [(r, t) for r, t in drawn_tick_texts(axis) if t.strip()]
                for k, (r, t) in enumerate(shown):
                    for r2, t2 in shown[k + 1:]:
                        both = r.intersected(r2)
                        assert both.width() <= 1 or both.height() <= 1, (side, t, t2)
        left = plot.getAxis("left")
        if left.isVisible() and left.label.isVisible() and left.labelText:
            # a y-axis title no taller than its axis: stacked plots' titles do not collide
            text = left.label.sceneBoundingRect().height() - 2 * left.label.document().documentMargin()
            assert text <= left.sceneBoundingRect().height() + 2, left.labelText
        title = plot.titleLabel
        if title.isVisible() and title.text:
            assert title.itemRect().width() <= title.rect().width() + 1, title.text
        for item in view.scene().items():
            if isinstance(item, NoteItem) and item.isVisible() and item.parentItem() is plot.vb:
                assert vb.adjusted(-1, -1, 1, 1).contains(item.sceneBoundingRect()), item.text
            if isinstance(item, pg.TextItem) and item.isVisible() and item.toPlainText().strip() \
                    and plot.vb.isAncestorOf(item):
                assert vb.adjusted(-2, -2, 2, 2).contains(item.sceneBoundingRect()), item.toPlainText()
        checked += 1
    assert checked >= 2
    view = window.contour
    if view.isVisible():
        # the legend's every entry, its ending included, inside the map's pane
        pane = QtCore.QRectF(view.rect()).adjusted(-1, -1, 1, 1)
        for _sample, label in view.legend.items:
            assert pane.contains(label.mapRectToScene(label.itemRect())), label.text
        # the colour bar's numbers clear of its title ("0.001" ran into "f − f_min")
        bar = view.colorbar.axis
        if bar.isVisible() and bar.label.isVisible():
            title = bar.label.sceneBoundingRect()
            metrics = QtGui.QFontMetricsF(bar.style["tickFont"])
            for rect, text in drawn_tick_texts(bar):  # left-aligned: the ink starts at the left
                ink = QtCore.QRectF(rect.left(), rect.top(), metrics.horizontalAdvance(text.strip()), rect.height())
                assert not ink.intersects(title), (text, ink, title)
        # the ending marks ("✗ diverged at step 8") inside the map and off each other
        marks = [run.label.sceneBoundingRect() for run in view.trails.items if run.label.isVisible()]
        for k, rect in enumerate(marks):
            for other in marks[k + 1:]:
                both = rect.intersected(other)
                assert both.width() <= 1 or both.height() <= 1, (rect, other)
        # the eigenvalue labels off the kappa card, off each other and off the minimum's star
        eigen = window.theory.eigen
        labels = [label for label in eigen.labels if label.isVisible()]
        if labels:
            star = view.plot.vb.mapViewToScene(QtCore.QPointF(*eigen._arrows[0][0]))
            rects = [label.sceneBoundingRect() for label in labels]
            for k, rect in enumerate(rects):
                assert not rect.contains(star), labels[k].toPlainText()
                if eigen.note.isVisible():
                    assert not rect.intersects(eigen.note.sceneBoundingRect()), labels[k].toPlainText()
                for other in rects[k + 1:]:
                    assert not rect.intersects(other), (labels[k].toPlainText(), rect, other)
    from gui.views.signal import combo_arrow_width

    for box in (window.signal.signal_box, window.signal.axis_box):
        if box.isVisible():  # the signal plot's header: the chosen name whole
            need = QtGui.QFontMetrics(box.font()).horizontalAdvance(box.currentText())
            assert need <= box.width() - combo_arrow_width(box) + 1, box.currentText()
    bar = window.statusBar()
    if hasattr(bar, "loss_label") and bar.loss_label.isVisible():
        bar.refresh()
        assert bar._text_width(bar.loss_label.text()) <= bar.loss_label.width() + 2


@pytest.mark.parametrize("theme_name", ["light", "dark"])
def test_surface_presets_fit_a_1280x800_projector(window, qtbot, theme_name):
    window.presentation.set_theme(theme_name, remember=False)
    present_at_1280(window, qtbot)
    for key in ("gd-rate-bound", "lr-too-low-high-1d", "optimizer-race", "rotated-quadratic-adaptive"):
        window.presets.load(key)
        window.controller.seek(min(30, window.controller.last_step))
        settle(qtbot)
        assert_nothing_cut(window)
    QTest.keyClick(window, Key.Key_Escape)
    window.resize(1280, 800)
    settle(qtbot)
    assert_nothing_cut(window)


def presets_of(mode: str) -> list[str]:
    # read when a test runs, not when the module is collected: a preset with a typed rule
    # registers it, and other modules' parametrize lists would take it for a built-in one
    return [key for key, _title in list_presets() if load_preset(key).mode == mode]


def cut_in_presets(window, qtbot, mode: str, prepare=lambda: None) -> list[str]:
    """Every preset of ``mode`` loaded, ``prepare()``d and checked by assert_nothing_cut:
    what failed, one line a preset (all of them, not only the first)."""
    failures = []
    for key in presets_of(mode):
        window.presets.load(key)
        prepare()
        settle(qtbot)
        try:
            assert_nothing_cut(window)
        except AssertionError as err:
            failures.append(f"{key}: {err}")
    return failures


@pytest.mark.parametrize("width, height, theme_name, presenting", [
    (1280, 800, "light", True), (1920, 1080, "dark", True), (1280, 800, "dark", False), (1366, 768, "dark", False)])
def test_every_surface_preset_fits_the_projector_at_its_last_step(window, qtbot, width, height, theme_name,
                                                                  presenting):
    # the last step: every ending told, in the legend ("— diverged at step 8") and on the
    # map, where the marks ran off the map's edge and onto each other. Not presenting, the
    # lecturer's note shares the window: the side plots kept ~60 px and piled up numbers.
    window.presentation.set_theme(theme_name, remember=False)
    if presenting:
        present_at(window, width, height)
    else:
        window.resize(width, height)
    failures = cut_in_presets(window, qtbot, "surface", lambda: window.controller.seek(window.controller.last_step))
    assert not failures, failures


def test_every_classification_preset_fits_a_1366x768_projector(window, qtbot):
    # the metrics column under presentation type: "accuracy" could not shrink below 12 pt
    # and ran past its 60-px plot
    present_at(window, 1366, 768)
    failures = cut_in_presets(window, qtbot, "classification")
    assert not failures, failures


@pytest.mark.parametrize("key", ["lbfgs-noise", "schedule-gallery"])
def test_the_map_settles_on_one_layout(window, qtbot, key):
    # equal scales: the y numbers ("3" or "2.5") set the map's width and the width the y
    # range, which chose the other numbers: laid out again on every pass of the event loop
    # for as long as the slide was shown (1280x800, presenting)
    present_at(window, 1280, 800)
    window.presets.load(key)
    window.controller.seek(window.controller.last_step)
    settle(qtbot)
    sizes = []
    window.contour.plot.vb.sigResized.connect(lambda vb: sizes.append((vb.width(), vb.height())))
    for _ in range(10):
        QtCore.QCoreApplication.processEvents()
    assert sizes == [], f"the map keeps being laid out: {sizes[:4]}"


def test_the_start_label_stays_off_the_runs_first_steps_and_inside_the_plot(window, qtbot):
    # it faced the middle of the view, which is where most runs set off: on 14 presets it
    # covered their first steps (sam-sharp-flat: the runs and the sharp minimum beside them)
    from gui.views.trails import display_points

    c, view = window.controller, window.contour
    failures = []
    for key in presets_of("surface"):
        window.presets.load(key)
        settle(qtbot)
        label = view.start_marker.label()
        rect = label.mapRectToScene(label.boundingRect())
        if not view.plot.vb.sceneBoundingRect().contains(rect):
            failures.append(f"{key}: the label is cut by the plot's border")
        for i, trace in enumerate(c.traces):
            first = display_points(trace, c.surface.dim)[1:5]
            on = [view.plot.vb.mapViewToScene(QtCore.QPointF(*map(float, p))) for p in first if np.isfinite(p).all()]
            if c.runs[i].visible and any(rect.adjusted(-3, -3, 3, 3).contains(p) for p in on):
                failures.append(f"{key}: the label covers run {i + 1}'s first steps")
    assert not failures, failures


def test_the_legend_keeps_its_layout_when_a_run_diverges_mid_playback(window, qtbot):
    # fitted from the start for the ending it will tell: the map must not jump at step 8
    present_at(window, 1920, 1080)
    window.presets.load("lr-too-low-high-2d")
    c, view = window.controller, window.contour
    c.seek(0)
    settle(qtbot)
    before = (view.legend.columnCount, view.legend_box.height(), view.plot.vb.sceneBoundingRect())
    assert not any("diverged" in label.text for _s, label in view.legend.items)
    c.seek(c.last_step)
    settle(qtbot)
    assert any("diverged at step" in label.text for _s, label in view.legend.items)
    assert (view.legend.columnCount, view.legend_box.height(), view.plot.vb.sceneBoundingRect()) == before


@pytest.mark.parametrize("entries, room, cols", [
    ([100, 100, 100, 100], 450, 4),
    ([100, 100, 100, 100], 399, 3),
    ([300, 100, 300, 100, 50], 420, 2),   # column 0 holds the two wide ones
    ([300, 100, 100, 300], 420, 1),       # two columns would put 300 beside 300
    ([900], 400, 1),
])
def test_legend_columns_count_each_column_by_its_own_widest_entry(entries, room, cols):
    from gui.views.contour import legend_columns

    assert legend_columns(entries, room) == cols


def test_eigenvalue_labels_sit_where_the_paths_are_not(window, qtbot):
    # zigzag-momentum at 1280x800 presenting: "λ₁ = 1 (flat)" and "λ₂ = 50 (steep)" at 2x
    # lay across both paths and the star. Now short, at most 1.5x, and at the arrow end the
    # paths leave free.
    from gui.views.theory import points_inside

    present_at(window, 1280, 800)
    window.presets.load("zigzag-momentum")
    window.controller.seek(window.controller.last_step)
    settle(qtbot)
    eigen, vb = window.theory.eigen, window.contour.plot.vb
    points = eigen._shown_paths()
    for label in eigen.labels:
        assert label.isVisible() and "(" not in label.toPlainText()
        assert label.textItem.font().pointSize() <= round(11 * 1.5)
        area = vb.mapSceneToView(label.sceneBoundingRect()).boundingRect()
        covered = points_inside(points, area)
        assert covered <= 0.01 * len(points), (label.toPlainText(), covered, len(points))


def test_theory_note_shrinks_back_after_presentation(window, qtbot):
    window.presets.load("gd-rate-bound")
    settle(qtbot)
    note = window.theory.eigen.note
    before = note.size()
    present_at_1280(window, qtbot)
    settle(qtbot)
    QTest.keyClick(window, Key.Key_Escape)
    window.resize(1280, 800)
    settle(qtbot)
    assert note.size().width() <= before.width() + 2 and note.size().height() <= before.height() + 2


def test_classification_fits_a_1280x800_projector(window, qtbot):
    from PySide6 import QtWidgets

    present_at_1280(window, qtbot)
    window.presets.load("full-batch")
    settle(qtbot)
    assert_nothing_cut(window)
    pane = window.modes.pane
    title = pane.decision_view.title
    # the header (run, accuracy, step) wraps rather than running under the "Selected run" box
    assert title.wordWrap() and title.heightForWidth(title.width()) <= title.height() + 2
    assert not pane.message.isVisible() or pane.message.text()  # no empty band under the plots
    bottom = max(w.mapTo(window, QtCore.QPoint(0, w.height())).y()
                 for w in pane.findChildren(QtWidgets.QWidget) if w.isVisible())
    assert window.statusBar().y() - bottom < 30


def test_status_message_is_shortened_to_its_room_not_into_the_step_counter(window, qtbot):
    from PySide6 import QtWidgets

    present_at_1280(window, qtbot)
    window.presets.set_playlist("lecture")
    window.presets.load("zigzag-momentum")  # a long title and its place in the playlist
    bar = window.statusBar()
    drawn = QtWidgets.QStatusBar.currentMessage(bar)
    room = bar.width() - bar.step_label.width() - bar.fps_label.width()
    assert bar.fontMetrics().horizontalAdvance(drawn) <= room
    assert drawn.endswith(window.presets.position_text().strip())  # "(10 / 33)" is kept
    assert bar.currentMessage().startswith("preset: ") and "…" not in bar.currentMessage()


def test_the_step_counter_does_not_grow_under_the_message(window, qtbot):
    # a preset's message is shortened to the room beside "step 0 / 1000"; End made it
    # "step 1000 / 1000", which covered the message's "(5 / 46)"
    from PySide6 import QtWidgets

    present_at(window, 1280, 800)
    window.presets.set_playlist("lecture")
    assert window.presets.load("sgd-vs-gd-rates")  # a long title, 1000 steps
    bar = window.statusBar()
    settle(qtbot)
    drawn = QtWidgets.QStatusBar.currentMessage(bar)
    assert drawn.endswith(window.presets.position_text().strip())
    window.modes.active.jump_to_end()
    bar.throttle.flush()
    settle(qtbot)
    assert bar.step_label.text().startswith("step 1000 / 1000")
    room = bar.width() - bar.step_label.width() - bar.fps_label.width()
    assert bar.fontMetrics().horizontalAdvance(drawn) <= room


@pytest.mark.parametrize("key", ["label-smoothing", "l1-sparse-weights", "linear-scaling-rule"])
def test_classification_with_a_signal_plot_keeps_its_curves_readable_at_1280x800(window, qtbot, key):
    # issue 9: the fourth (signal) plot squeezed loss, accuracy and lr until their tick
    # labels piled up; with constant rates the lr plot gives up its row on a short pane
    present_at_1280(window, qtbot)
    assert window.presets.load(key)
    settle(qtbot)
    pane = window.modes.pane
    metrics = pane.metrics_view
    assert pane.signal.isVisible()
    assert all(r.schedule.key == "constant" for r in window.modes.classification.runs)
    assert metrics.lr_plot.scene() is None  # its rate is in the legend
    for plot in (metrics.loss_plot, metrics.acc_plot):
        assert plot.vb.height() >= 60, plot.titleLabel.text
    assert metrics.acc_plot.getAxis("bottom").labelText == "step"  # the lowest plot names the axis
    assert_nothing_cut(window)
    # a schedule brings it back; and a tall pane keeps all three
    assert window.modes.classification.set_schedule(0, "cosine")
    settle(qtbot)
    assert metrics.lr_plot.scene() is not None


def test_a_y_title_too_long_even_in_small_type_takes_its_short_form_and_gives_it_back(qtbot):
    import pyqtgraph as pg

    from gui import theme

    view = pg.PlotWidget()
    qtbot.addWidget(view)
    theme.style_plot(view.getPlotItem(), left="accuracy")
    axis = view.getPlotItem().getAxis("left")
    view.resize(300, 90)  # a ~50-px plot: "accuracy" does not fit at the smallest type
    view.show()
    qtbot.waitUntil(lambda: axis.labelText == theme.SHORT_LABELS["accuracy"])
    view.resize(300, 400)
    qtbot.waitUntil(lambda: axis.labelText == "accuracy")
    assert axis.labelStyle["font-size"] == f"{theme.LABEL_PT}pt"


def test_classification_legend_wraps_a_name_wider_than_itself(window, qtbot):
    # presenting svm-w-and-2w at 1366x768: "SGD, lr = 1, + L2 (weight decay 0.05)" was
    # one unbreakable line, cut at "weight decay 0.0" by the window's edge
    present_at(window, 1366, 768)
    assert window.presets.load("svm-w-and-2w")
    settle(qtbot)
    legend = window.modes.pane.metrics_view.legend
    doc = QtGui.QTextDocument()  # laid out as QLabel's word wrap lays it out
    doc.setDefaultFont(legend.font())
    doc.setDefaultTextOption(QtGui.QTextOption(QtCore.Qt.AlignmentFlag.AlignLeft))
    option = doc.defaultTextOption()
    option.setWrapMode(QtGui.QTextOption.WrapMode.WordWrap)
    doc.setDefaultTextOption(option)
    doc.setHtml(legend.text())
    doc.setTextWidth(legend.width())
    assert doc.idealWidth() <= legend.width() + 1, (doc.idealWidth(), legend.width())
    assert "weight decay 0.05)" in doc.toPlainText().replace("\xa0", " ")
    assert "no&nbsp;regularization" in legend.text()  # a name that fits is never broken


@pytest.mark.parametrize("size", [(1366, 768), (1280, 800)])
def test_surface_side_plots_keep_a_data_area_when_presenting_with_a_signal_plot(window, qtbot, size):
    # sam-sharp-flat shows a signal plot: three side plots share a short column, and the
    # rate plot's 2x title and axes took all of its share (27 px of line at 1366x768)
    present_at(window, *size)
    assert window.presets.load("sam-sharp-flat")
    settle(qtbot)
    window.balance()
    settle(qtbot)
    assert window.signal.isVisible()
    for view in (window.loss, window.schedule, window.signal):
        assert view.plot.vb.height() >= 60, (type(view).__name__, view.plot.vb.height())
    assert_nothing_cut(window)


def test_analysis_tab_controls_fit_their_column_when_presenting(window, qtbot):
    # scaled with the slide, "Optimizers (othe", "lr from 001" and the help text ran out of
    # the tabs' 250-px control columns at 1280x800; they scroll and keep their type instead
    from PySide6 import QtWidgets

    present_at(window, 1280, 800)
    tabs = window.analysis
    checked = 0
    for i in range(tabs.count()):
        if "3-D" in tabs.tabText(i):
            continue  # made on first show, where OpenGL works
        tabs.setCurrentIndex(i)
        settle(qtbot)
        for scroll in tabs.widget(i).findChildren(QtWidgets.QScrollArea):
            if not scroll.isVisible():
                continue
            room = scroll.viewport().width()
            for label in scroll.widget().findChildren(QtWidgets.QLabel):
                if label.isVisible() and not label.wordWrap() and label.text():
                    assert label.sizeHint().width() <= room + 1, label.text()
                    checked += 1
            for field in scroll.widget().findChildren(QtWidgets.QLineEdit):
                if field.isVisible() and field.text():  # "0.0001", not "001"
                    need = field.fontMetrics().horizontalAdvance(field.text())
                    assert need <= field.width(), field.text()
    assert checked >= 5
