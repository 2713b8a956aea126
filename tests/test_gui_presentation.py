"""Presentation mode, presets and the theme in the real window (pytest-qt, offscreen):
F5 full screen with ~2x fonts, PageDown / PageUp through the playlist, B blanks, Esc
restores the layout, the lecturer's note never on the projected window; T / View >
Theme changes the plot backgrounds and the heat map; the preset browser and menu."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6 import QtCore, QtWidgets  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from engine.presets import load_preset  # noqa: E402
from gui import restyle, theme  # noqa: E402
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
    win.resize(780, 600)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    win.setFocus()
    return win


def tick_pt(window) -> float:
    return window.contour.plot.getAxis("bottom").style["tickFont"].pointSizeF()


def visible_texts(window) -> str:
    """Every text a visible widget of the window shows."""
    out = []
    for w in window.findChildren(QtWidgets.QWidget):
        if not w.isVisible():
            continue
        if isinstance(w, QtWidgets.QTextEdit):
            out.append(w.toPlainText())
        elif isinstance(w, QtWidgets.QLabel):
            out.append(w.text())
    return "\n".join(out)


def test_f5_presents_full_screen_with_large_type_and_esc_restores(window, qtbot):
    window.presets.load("optimizer-race")
    assert window.presets.dock.isVisible()  # the lecturer sees the note at the desk
    assert tick_pt(window) == theme.BASE_TICK_PT
    width_before = float(window.contour.trails.items[0].trail.opts["pen"].widthF())
    QTest.keyClick(window, Key.Key_F5)
    p = window.presentation
    assert p.active and window.isFullScreen()
    assert tick_pt(window) >= 2 * theme.BASE_TICK_PT - 1  # ~2x, readable from the back
    assert window.loss.plot.getAxis("left").labelStyle["font-size"] == f"{2 * theme.BASE_LABEL_PT}pt"
    legend_sizes = {label.opts.get("size") for _s, label in window.contour.legend.items}
    assert legend_sizes <= {f"{2 * theme.BASE_LABEL_PT}pt", f"{2 * theme.BASE_LABEL_PT - 2}pt",
                            f"{2 * (theme.BASE_LABEL_PT - 2)}pt"}
    assert window.contour.trails.items[0].trail.opts["pen"].widthF() > 1.5 * width_before  # thicker trails
    assert "pt" in window.statusBar().styleSheet()
    assert window.menuBar().isHidden() and window.controls_dock.isHidden() and window.transport_bar.isHidden()
    note = load_preset("optimizer-race").note
    assert not window.presets.dock.isVisible()
    assert note[:60] not in visible_texts(window)  # the audience never sees the note

    QTest.keyClick(window, Key.Key_F6)  # the notes window, for the laptop: not part of the projected one
    assert p.notes.isVisible() and p.notes.isWindow() and p.notes.window() is not window
    assert note[:60] in p.notes.view.toPlainText()
    QTest.keyClick(window, Key.Key_F6)
    assert not p.notes.isVisible()

    QTest.keyClick(window, Key.Key_Escape)
    assert not p.active and not window.isFullScreen()
    assert tick_pt(window) == theme.BASE_TICK_PT
    assert window.contour.trails.items[0].trail.opts["pen"].widthF() == pytest.approx(width_before)
    assert window.menuBar().isVisible() and window.controls_dock.isVisible() and window.transport_bar.isVisible()
    assert window.presets.dock.isVisible()
    QTest.keyClick(window, Key.Key_F5)
    QTest.keyClick(window, Key.Key_F5)  # F5 leaves as well
    assert not p.active and window.menuBar().isVisible()


def test_presenting_scales_the_results_table_and_its_controls_with_the_labels(window, qtbot):
    """The Results tab is on the slide: its table, header, buttons and field grow with
    its labels (a doubled "tolerance" beside a 10 pt table read as a mistake), the name
    column widens with them, and nothing is scaled twice (a table's style sheet reaches
    its header)."""
    view = window.analysis.results
    window.analysis.setCurrentIndex(window.analysis.RESULTS)
    qtbot.waitUntil(lambda: view.table.rowCount() > 0)
    parts = (view.table, view.table.horizontalHeader(), view.tune_button, view.tol, view.criterion)
    before = [w.font().pointSizeF() for w in parts]
    names = view.table.columnWidth(0)
    QTest.keyClick(window, Key.Key_F5)
    assert [w.font().pointSizeF() for w in parts] == [round(pt * theme.SCALE) for pt in before]
    assert view.table.columnWidth(0) >= 1.8 * names
    assert window.analysis.tabBar().font().pointSizeF() == pytest.approx(before[0])  # tabs fit at 1280
    QTest.keyClick(window, Key.Key_Escape)
    assert [w.font().pointSizeF() for w in parts] == before and view.table.columnWidth(0) == names
    restyle.switch([window], name="dark", label_root=window.centralWidget())  # sizes survive a theme switch
    QTest.keyClick(window, Key.Key_F5)
    assert [w.font().pointSizeF() for w in parts] == [round(pt * theme.SCALE) for pt in before]


def test_page_down_and_up_step_through_the_playlist(window):
    presets = window.presets
    presets.set_playlist("cs519")
    keys = presets.keys()
    assert keys[:2] == ["nesterov-sutskever", "adaptive-family"]
    QTest.keyClick(window, Key.Key_F5)
    QTest.keyClick(window, Key.Key_PageDown)
    assert presets.current == keys[0]
    assert window.controller.scene.title == load_preset(keys[0]).title
    window.controller.jump_to_end()  # past its cues (PageDown plays to each first: test_gui_framing.py)
    QTest.keyClick(window, Key.Key_PageDown)
    assert presets.current == keys[1]
    assert window.controller.scene.title == load_preset(keys[1]).title
    QTest.keyClick(window, Key.Key_PageUp)
    assert presets.current == keys[0]
    assert window.presentation.active and not window.presets.dock.isVisible()
    assert store.text(store.PLAYLIST) == "cs519"  # remembered


def test_b_blanks_the_screen_and_b_again_restores(window):
    assert window.commands.by_name["adaptive_boxes"].shortcut().toString() == "A"  # B moved off it
    QTest.keyClick(window, Key.Key_B)
    blank = window.presentation.blank
    assert blank.isVisible() and blank.geometry() == window.rect()
    image = window.grab().toImage()
    assert image.pixelColor(image.width() // 2, image.height() // 2).lightness() < 10
    assert window.controller.display("adaptive_boxes") is False
    QTest.keyClick(window, Key.Key_B)
    assert not blank.isVisible()


def test_theme_switch_changes_backgrounds_heat_map_and_panels(window):
    light_bg = window.contour.backgroundBrush().color().name()
    light_heat = window.contour.colorbar.colorMap().name
    QTest.keyClick(window, Key.Key_T)
    assert theme.THEME == "dark" and store.text(store.THEME) == "dark"
    for view in (window.contour, window.loss, window.schedule):
        assert view.backgroundBrush().color().lightness() < 60
    assert window.contour.backgroundBrush().color().name() != light_bg
    assert window.contour.colorbar.colorMap().name != light_heat == "playground-heat-light"
    axis = window.loss.plot.getAxis("bottom")
    assert axis.textPen().color().lightness() > 180  # light ink on the dark plot
    assert QtWidgets.QApplication.palette().window().color().lightness() < 80
    assert window.commands.by_name["theme_dark"].isChecked()
    QTest.keyClick(window, Key.Key_T)
    assert theme.THEME == "light"
    assert window.contour.backgroundBrush().color().name() == light_bg
    assert axis.textPen().color().lightness() < 80


def test_the_theme_is_remembered_for_the_next_start(window, qtbot):
    from gui import shell

    QTest.keyClick(window, Key.Key_T)
    restyle.switch([], name="light")  # as a fresh process would start
    assert shell.apply_saved_theme() == "dark"  # what gui.app.main does before building the window
    again = MainWindow(PlaygroundController(default_scene()))
    qtbot.addWidget(again)
    assert again.contour.backgroundBrush().color().lightness() < 60
    assert again.contour.colorbar.colorMap().name == "playground-heat-dark"
    assert again.commands.by_name["theme_dark"].isChecked()


def test_presets_menu_browser_and_note(window):
    titles = [a.text() for a in window.menuBar().actions()]
    assert "&Presets" in titles and titles.index("&Presets") == titles.index("&Help") - 1
    menu = window.presets.menu
    lectures = [a.menu().title() for a in menu.actions() if a.menu() is not None]
    assert any("CS231n" in t for t in lectures) and "All presets" in lectures
    window.presets.browse()
    browser = window.presets.browser
    assert browser.isVisible() and not browser.isModal()
    first = browser.tree.topLevelItem(0).child(0)
    browser.tree.setCurrentItem(first)
    key = browser.selected()
    assert load_preset(key).title in browser.note.toPlainText()
    assert load_preset(key).note[:50] in browser.note.toPlainText()
    browser.load_button.click()
    assert window.presets.current == key and not browser.isVisible()
    assert load_preset(key).note[:50] in window.presets.note.toPlainText()
    QTest.keyClick(window, Key.Key_F6)  # the lecturer hides the note panel
    assert not window.presets.dock.isVisible()
    window.presets.load("zigzag-momentum")
    assert not window.presets.dock.isVisible()  # and it stays hidden
