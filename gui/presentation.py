"""Presentation mode (F5) and the theme.

F5: the window goes full screen with only the plots (and the status line) left, fonts,
markers and lines about twice as large (gui.theme scale, gui.restyle), readable from
the back of a hall. PageDown / PageUp (what clickers send) step through the playlist,
B blanks the screen (B again brings it back), Esc or F5 restores the previous layout.
The lecturer's note is never drawn on the projected window: F6 shows it in a small
separate "Lecturer notes" window, which opens by itself on a second screen (the
laptop's) when there is one.

Theme (View > Theme, T): light for projectors, dark for dim rooms; everything follows,
the plots included, and the choice is remembered.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gui import restyle, theme
from gui import settings as store
from gui.presets_ui import NoteView, note_html

PRESENTATION_SCALE = 2.0
STATUS_PT = 10


class BlankScreen(QtWidgets.QWidget):
    """A plain black cover over the whole window (B), like a slide show's blank."""

    def __init__(self, window):
        super().__init__(window)
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(QtGui.QPalette.ColorRole.Window, QtGui.QColor(theme.palette_of()["blank"]))
        self.setPalette(pal)
        self.hide()
        window.installEventFilter(self)

    def eventFilter(self, obj, event):
        if event.type() == QtCore.QEvent.Type.Resize and self.isVisible():
            self.setGeometry(obj.rect())
        return False

    def cover(self, on: bool) -> None:
        if on:
            self.setGeometry(self.parentWidget().rect())
            self.show()
            self.raise_()
        else:
            self.hide()


class LecturerNotes(QtWidgets.QWidget):
    """The note of the scene on screen and where the playlist stands, for the laptop."""

    def __init__(self, window):
        # its own top-level window (owned by the main one, so it goes with it): it can sit
        # on the laptop's screen while the main window fills the projector
        super().__init__(window, QtCore.Qt.WindowType.Window | QtCore.Qt.WindowType.Tool)
        self.main = window
        self.setWindowTitle("Lecturer notes — Optimizer Playground")
        self.resize(520, 420)
        lay = QtWidgets.QVBoxLayout(self)
        self.view = NoteView(self, pt=13)
        lay.addWidget(self.view)
        self.next_label = QtWidgets.QLabel()
        self.next_label.setWordWrap(True)
        lay.addWidget(self.next_label)
        hint = QtWidgets.QLabel("PgDown / PgUp: next / previous preset · Space: play · B: blank · Esc: leave")
        hint.setWordWrap(True)
        lay.addWidget(hint)

    def refresh(self) -> None:
        presets = self.main.presets
        title, note = presets.scene_note()
        self.view.setHtml(note_html(title, note, f"<p style='margin:0 0 6px 0'>{presets.position_text()}</p>"))
        keys = presets.keys()
        nxt = ""
        if presets.current in keys and keys.index(presets.current) + 1 < len(keys):
            nxt = presets.titles.get(keys[keys.index(presets.current) + 1], "")
        elif presets.current not in keys and keys:
            nxt = presets.titles.get(keys[0], "")
        self.next_label.setText(f"Next: {nxt}" if nxt else "")


class Presentation(QtCore.QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.active = False
        self._saved: dict = {}
        self.blank = BlankScreen(window)
        self.notes = LecturerNotes(window)

    def install_actions(self, commands, view_menu: QtWidgets.QMenu) -> None:
        view_menu.addSeparator()
        self.action = commands._add(view_menu, "presentation", "Presentation mode (full screen)", "F5",
                                    self.toggle)
        self.leave_action = commands._add(view_menu, "leave_presentation", "Leave presentation mode", "Esc",
                                          self.leave)
        self.leave_action.setEnabled(False)
        self.blank_action = commands._add(view_menu, "blank", "Blank the screen", "B", self.set_blank,
                                          checkable=True)
        themes = view_menu.addMenu("Theme")
        group = QtGui.QActionGroup(themes)
        self.theme_actions = {}
        for name, text in (("light", "Light (projectors)"), ("dark", "Dark")):
            action = commands._add(themes, f"theme_{name}", text, None,
                                   lambda on, n=name: on and self.set_theme(n), checkable=True)
            group.addAction(action)
            self.theme_actions[name] = action
        self.theme_actions[theme.THEME].setChecked(True)
        themes.addSeparator()
        commands._add(themes, "toggle_theme", "Switch light / dark", "T",
                      lambda: self.set_theme("dark" if theme.THEME == "light" else "light"))

    # -- theme --------------------------------------------------------------------------------

    def roots(self) -> list:
        out = [self.window, self.notes]
        browser = getattr(self.window.presets, "browser", None)
        if browser is not None:
            out.append(browser)
        return out

    def set_theme(self, name: str, remember: bool = True) -> None:
        if name != theme.THEME:
            restyle.switch(self.roots(), name=name, label_root=self.window.centralWidget())
            self.blank.setPalette(_window_palette(theme.palette_of()["blank"]))
            refresh_views(self.window)
        action = self.theme_actions.get(name)
        if action is not None and not action.isChecked():
            action.blockSignals(True)
            action.setChecked(True)
            action.blockSignals(False)
        if remember:
            store.set_value(store.THEME, name)

    # -- presentation -------------------------------------------------------------------------

    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def enter(self) -> None:
        if self.active:
            return
        w = self.window
        self._saved = {
            "state": w.saveState(), "geometry": w.saveGeometry(), "window_state": w.windowState(),
            "menubar": w.menuBar().isVisible(), "inspector": w.inspector_box.isVisible(),
            "status_sheet": w.statusBar().styleSheet(),
        }
        w.modes.remember_controls()
        self.active = True
        w.modes.presenting = True
        w.menuBar().hide()
        for bar in (w.transport_bar, w.modes.toolbar):
            bar.hide()
        w.controls_dock.hide()
        w.presets.dock.hide()
        w.set_inspector_visible(False)
        w.modes.sync_chrome()
        restyle.switch(self.roots(), scale=PRESENTATION_SCALE, label_root=w.centralWidget())
        w.statusBar().setStyleSheet(f"QStatusBar, QStatusBar QLabel {{ font-size: {STATUS_PT * 2}pt; }}")
        self._fill_screen()
        w.showFullScreen()
        refresh_views(w)
        self.leave_action.setEnabled(True)
        self.notes.refresh()
        screens = QtGui.QGuiApplication.screens()
        if len(screens) > 1:  # the laptop's screen: notes there, the plots on the projector
            here = w.screen()
            other = next((s for s in screens if s is not here), None)
            if other is not None:
                self.notes.move(other.availableGeometry().topLeft() + QtCore.QPoint(40, 40))
                self.notes.show()
        w.presets.note_action.blockSignals(True)
        w.presets.note_action.setChecked(self.notes.isVisible())
        w.presets.note_action.blockSignals(False)
        w.statusBar().showMessage("PgDn/PgUp presets · B blank · F6 notes · Esc", 5000)

    def _fill_screen(self) -> None:
        """Without a window manager (Xvfb, some kiosk setups) full screen changes nothing:
        take the screen's geometry ourselves."""
        w = self.window
        screen = w.screen() or QtGui.QGuiApplication.primaryScreen()
        if screen is not None and w.geometry() != screen.geometry():
            w.setGeometry(screen.geometry())

    def leave(self) -> None:
        if not self.active:
            return
        w = self.window
        s = self._saved
        self.set_blank(False)
        self.notes.hide()
        self.active = False
        w.modes.presenting = False
        restyle.switch(self.roots(), scale=1.0, label_root=w.centralWidget())
        w.statusBar().setStyleSheet(s.get("status_sheet", ""))
        w.setWindowState(s.get("window_state", QtCore.Qt.WindowState.WindowNoState))
        if not (s.get("window_state", 0) & QtCore.Qt.WindowState.WindowFullScreen):
            w.showNormal() if not (s.get("window_state", 0) & QtCore.Qt.WindowState.WindowMaximized) \
                else w.showMaximized()
            w.restoreGeometry(s["geometry"])
        w.restoreState(s["state"])
        w.menuBar().setVisible(s.get("menubar", True))
        w.set_inspector_visible(s.get("inspector", True))
        w.modes.sync_chrome()
        w.presets.note_action.blockSignals(True)
        w.presets.note_action.setChecked(w.presets.show_notes)
        w.presets.note_action.blockSignals(False)
        refresh_views(w)
        self.leave_action.setEnabled(False)
        w.presets.refresh_note()

    def set_blank(self, on: bool) -> None:
        self.blank.cover(bool(on))
        action = getattr(self, "blank_action", None)
        if action is not None and action.isChecked() != bool(on):
            action.blockSignals(True)
            action.setChecked(bool(on))
            action.blockSignals(False)


def _window_palette(color: str) -> QtGui.QPalette:
    pal = QtGui.QPalette()
    pal.setColor(QtGui.QPalette.ColorRole.Window, QtGui.QColor(color))
    return pal


def refresh_views(window) -> None:
    """What gui.restyle cannot reach from outside: the trails' pens and marker sizes and
    the legend's layout are rebuilt by the contour view itself."""
    contour = window.contour
    trails = getattr(contour, "trails", None)
    if trails is not None and hasattr(trails, "_legend_key"):
        trails._legend_key = None  # re-lay the legend out in the new font
    contour.rebuild_runs()
    contour.refresh_grid()
    QtCore.QTimer.singleShot(0, lambda: drop_cached_pictures(window))
    QtCore.QTimer.singleShot(150, lambda: drop_cached_pictures(window))  # after the window manager's resize


def drop_cached_pictures(window) -> None:
    """Items painted from a device pixmap (axes, heat map, contours) keep the picture of
    the full-screen layout when the window comes back to the same size it had before
    (measured: the map drawn shifted by half a view). Re-draw them once."""
    import pyqtgraph as pg
    import shiboken6

    if not shiboken6.isValid(window):  # closed in the meantime
        return
    for view in window.findChildren(pg.GraphicsView):
        for item in view.scene().items():
            if item.cacheMode() != QtWidgets.QGraphicsItem.CacheMode.NoCache:
                item.update()
