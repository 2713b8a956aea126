"""Surface | Classification: one window, two modes.

The centre of the main window is a stack: the surface views (built by MainWindow) and
the classification pane (built the first time it is shown, so a plain start costs
nothing more). Each mode keeps its own controller alive while hidden; the hidden one
is paused. Both controllers are a :class:`gui.controller_base.Mode`, so the window's
commands (Space, Right, R, +/-, 1..9, the Runs menu), its one transport bar and its
status line act on :attr:`ModeSwitch.active`, the visible mode's controller, without
asking which one it is.
"""

from __future__ import annotations

import os

from PySide6 import QtCore, QtGui, QtWidgets

from engine.session import Scene
from gui import framing
from gui.controller_base import Mode

MODES = (("surface", "Surface", "Ctrl+1"), ("classification", "Classification", "Ctrl+2"))
# commands that only mean something on a loss surface: greyed out in classification mode
SURFACE_ONLY = ("gradient_arrows", "step_arrows", "velocity_arrows", "adaptive_boxes", "update_geometry", "polyak",
                "iterate_dots",
                "contours", "theory", "log_loss", "loss_minus_min", "log_lr", "thick", "zoom", "fit", "inspector",
                "export_surface", "export_loss", "export_lr", "polyak_momentum")


class ModeSwitch(QtCore.QObject):
    modeChanged = QtCore.Signal(str)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.mode = "surface"
        self.classification = None  # ClassificationController, made on first use
        self.pane = None
        self._controls_visible = True
        self.presenting = False  # presentation mode keeps the chrome hidden whatever the mode
        self.refusal = ""  # why the last classification scene was refused before its mode existed
        self.stack = QtWidgets.QStackedWidget()
        self.stack.addWidget(window.takeCentralWidget())
        self.watch_history(window.controller)
        window.setCentralWidget(self.stack)

        self.toolbar = QtWidgets.QToolBar("Mode", window)
        self.toolbar.setObjectName("mode")
        self.toolbar.setMovable(False)
        window.insertToolBar(window.transport_bar, self.toolbar)
        window.statusBar().loss_label.installEventFilter(self)
        self.group = QtGui.QActionGroup(self)
        self.group.setExclusive(True)
        self.actions: dict[str, QtGui.QAction] = {}

    def eventFilter(self, obj, event):
        # Qt re-shows hidden children when the window changes state (full screen and back):
        # a status message would then be drawn over the run losses. Hide them again the way
        # QStatusBar does, so they come back when the message ends.
        if event.type() == QtCore.QEvent.Type.Show and self.window.statusBar().currentMessage():
            QtCore.QTimer.singleShot(0, lambda: _hide_for_message(obj, self.window.statusBar()))
        return False

    def install_actions(self, commands, view_menu: QtWidgets.QMenu) -> None:
        menu = QtWidgets.QMenu("Mode", view_menu)
        view_menu.insertMenu(view_menu.actions()[0], menu)
        view_menu.insertSeparator(view_menu.actions()[1])
        for key, text, shortcut in MODES:
            action = commands._add(menu, f"mode_{key}", text, shortcut,
                                   lambda on, k=key: on and self.set_mode(k), checkable=True)
            action.setToolTip(f"{text} mode ({shortcut})")
            self.group.addAction(action)
            self.toolbar.addAction(action)
            self.actions[key] = action
        self.actions["surface"].setChecked(True)
        font = self.toolbar.font()
        font.setBold(True)
        self.toolbar.setFont(font)

    # -- which controller -------------------------------------------------------------------

    @property
    def active(self) -> Mode:
        return self.window.controller if self.mode == "surface" else self.classification

    @property
    def runs_panel(self):
        return self.window.runs_panel if self.mode == "surface" else self.pane.runs_panel

    def notify(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 8000)

    # -- the classification pane ------------------------------------------------------------

    def ensure_classification(self, scene: Scene | None = None) -> bool:
        """Build classification mode (on ``scene`` if given); False if ``scene`` was refused."""
        if self.classification is not None:
            return True
        from gui.classification import ClassificationController, ClassificationPane

        messages: list[str] = []
        controller = ClassificationController(None, parent=self.window)
        controller.message.connect(messages.append)
        if scene is not None and not controller.set_scene(scene):
            controller.deleteLater()
            self.refusal = messages[-1] if messages else "this classification scene was refused"
            self.notify(self.refusal)
            return False
        controller.message.disconnect(messages.append)
        controller.message.connect(self.notify)
        self.classification = controller
        self.watch_history(controller)
        self.pane = _build_in_base_style(lambda: ClassificationPane(controller), self.stack.addWidget)
        self.window.wheel_guard.cover_scroll_areas(self.pane)  # its controls scroll too
        return True

    # -- switching ----------------------------------------------------------------------------

    def set_mode(self, mode: str) -> bool:
        if mode == self.mode:
            self._check(mode)
            return True
        if mode == "classification" and not self.ensure_classification():
            self._check(self.mode)
            return False
        self.active.pause()
        self.remember_controls()
        self.mode = mode
        self.stack.setCurrentWidget(self.pane if mode == "classification" else self.stack.widget(0))
        self.window.transport_bar.follow(self.active)
        self.window.statusBar().follow(self.active)
        self.sync_chrome()
        self._check(mode)
        self.update_title()
        self.modeChanged.emit(mode)
        return True

    def remember_controls(self) -> None:
        """Whether the lecturer keeps the controls dock open (it is hidden in classification
        mode, which has its own column, and while presenting)."""
        if self.mode == "surface" and not self.presenting:
            self._controls_visible = not self.window.controls_dock.isHidden()

    def sync_chrome(self) -> None:
        """Toolbars, docks and commands of the visible mode (none of them while presenting)."""
        w = self.window
        surface = self.mode == "surface"
        w.transport_bar.setVisible(not self.presenting)  # while presenting, the keys play, step and reset
        self.toolbar.setVisible(not self.presenting)
        w.controls_dock.setVisible(surface and self._controls_visible and not self.presenting)
        if self.pane is not None:
            side = self.pane.findChild(QtWidgets.QScrollArea)
            if side is not None:  # the pane's own controls column
                side.setVisible(not self.presenting)
        w.statusBar().fps_label.setVisible(surface)  # frames of the surface view
        for name in SURFACE_ONLY:
            action = w.commands.by_name.get(name)
            if action is not None:
                action.setEnabled(surface)

    def _check(self, mode: str) -> None:
        action = self.actions.get(mode)
        if action is not None and not action.isChecked():
            action.blockSignals(True)
            action.setChecked(True)
            action.blockSignals(False)

    def update_title(self) -> None:
        sessions = getattr(self.window, "sessions", None)
        self.window.setWindowTitle(window_title(self.scene().title, sessions.path if sessions else None))
        self.window.setWindowModified(self.active.history.modified())

    def watch_history(self, controller) -> None:
        """The title's unsaved-changes mark follows ``controller``'s edits."""
        controller.history.changed.connect(
            lambda: controller is self.active and self.window.setWindowModified(controller.history.modified()))

    def confirm_discard(self) -> bool:
        """Before a preset or a session replaces a scene edited since it was loaded or saved:
        True to go on. An unedited scene (a lecture's PageDown flow) is never asked about."""
        self.active.history.commit()  # the edits so far are one undo step, the load the next
        if not self.active.history.modified():
            return True
        answer = QtWidgets.QMessageBox.question(
            self.window, "Discard your changes?",
            "The scene on screen was edited since it was opened. Discard those changes?\n"
            "(Edit > Undo brings them back after all.)",
            QtWidgets.QMessageBox.StandardButton.Discard | QtWidgets.QMessageBox.StandardButton.Cancel,
            QtWidgets.QMessageBox.StandardButton.Cancel)
        return answer == QtWidgets.QMessageBox.StandardButton.Discard

    # -- scenes -------------------------------------------------------------------------------

    def scene(self) -> Scene:
        """The visible mode's scene, as a session saves it (with its step)."""
        if self.mode == "classification":
            return self.classification.scene
        return self.window.controller.current_scene()

    def load_scene(self, scene: Scene) -> bool:
        """Show ``scene`` in its mode (validated by that mode's controller); on refusal
        nothing changes and the controller has said why."""
        if scene.mode == "classification":
            fresh = self.classification is None
            if not self.ensure_classification(scene):
                return False
            if not fresh and not self.classification.set_scene(scene):
                return False
            self.set_mode("classification")
            self.classification.transport.go_to(scene.step)
        else:
            if not self.window.controller.set_scene(scene):
                return False
            self.set_mode("surface")
        framing.apply(self.window, scene)  # the tab and plots the scene asks for
        self.active.history.mark_clean()  # loaded: nothing unsaved yet (undo still goes back)
        self.update_title()
        return True


def _build_in_base_style(make, place):
    """Views read the theme while they are built, but not all of it (fixed axis widths,
    Qt labels): build in the light 1x style, then restyle to the current one like the
    rest of the window, so nothing is scaled twice or not at all. ``place`` puts it in its
    parent first: a new parent re-resolves the fonts of its labels."""
    from gui import restyle, theme

    name, scale = theme.THEME, theme.SCALE
    if (name, scale) == ("light", 1.0):
        widget = make()
        place(widget)
        return widget
    theme.use_theme("light")
    theme.set_scale(1.0)
    try:
        widget = make()
    finally:
        theme.use_theme(name)
        theme.set_scale(scale)
    place(widget)
    restyle.restyle([widget], theme.THEMES["light"], 1.0, label_root=widget)
    return widget


def _hide_for_message(label, bar) -> None:
    if bar.currentMessage() and label.isVisible():
        label.hide()
        label.setAttribute(QtCore.Qt.WidgetAttribute.WA_WState_ExplicitShowHide, False)


def window_title(title: str, path: str | None) -> str:
    """The session file (or the preset's title) and Qt's unsaved-changes mark ``[*]``."""
    name = os.path.basename(path) if path else title
    return f"{name}[*] — Optimizer Playground" if name else "Optimizer Playground[*]"
