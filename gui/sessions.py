"""Session files in the window: File > Open / Save / Save As / Open Recent, a .json
file dropped on the window, the session reopened at start.

A file is read and validated completely (engine.session: size, JSON, version, every
field, the optimizers) before anything on screen changes; a file that is refused gets
ONE message naming the field, in the status bar and in a non-modal notice that is
re-used (never a stack of dialogs), and the current work stays as it was. Nothing in a
file is executed. Saving writes the visible mode's scene atomically (Scene.save).
"""

from __future__ import annotations

import os

from PySide6 import QtCore, QtWidgets

from engine.hyper import read_number
from engine.session import VIEW_LIMIT, Scene, SessionError
from gui import settings as store

FILTER = "Optimizer Playground session (*.json);;All files (*)"
# display keys of sessions written before the GUI used the presets' names
LEGACY_DISPLAY = {"grad_arrow": "gradient_arrows", "step_arrow": "step_arrows",
                  "velocity_arrow": "velocity_arrows", "adaptive_box": "adaptive_boxes"}
ZOOM_KEY = "zoom"  # display["zoom"] = "x0,x1,y0,y1": the zoomed-in view box of a 2-D surface


def read_session(path: str) -> Scene:
    """The validated scene in ``path``; SessionError naming the field otherwise."""
    scene = Scene.load(path)
    if any(k in scene.display for k in LEGACY_DISPLAY):
        scene = scene.replace(display={LEGACY_DISPLAY.get(k, k): v for k, v in scene.display.items()})
    return scene


class SessionFiles(QtCore.QObject):
    """The window's session commands; ``path`` is the file Ctrl+S writes to."""

    opened = QtCore.Signal(str)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.path: str | None = None
        self.notice: QtWidgets.QMessageBox | None = None
        self.last_error = ""
        self.recent_menu: QtWidgets.QMenu | None = None
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    # -- menus -----------------------------------------------------------------------------

    def install_actions(self, commands, file_menu: QtWidgets.QMenu, open_action, save_action) -> None:
        """Open Recent and Save As beside the Open and Save the window already has."""
        self.recent_menu = QtWidgets.QMenu("Open recent", file_menu)
        file_menu.insertMenu(save_action, self.recent_menu)
        self.recent_menu.aboutToShow.connect(self.fill_recent)
        save_action.setText("Save session")
        commands._add(file_menu, "save_as", "Save session as…", "Ctrl+Shift+S", self.save_as)
        file_menu.removeAction(commands.by_name["save_as"])
        after = file_menu.actions()[file_menu.actions().index(save_action) + 1]
        file_menu.insertAction(after, commands.by_name["save_as"])
        reopen = commands._add(file_menu, "reopen_last", "Reopen the last session at start", None,
                               lambda on: store.set_value(store.REOPEN_LAST, bool(on)), checkable=True)
        reopen.setChecked(store.flag(store.REOPEN_LAST, True))
        file_menu.removeAction(reopen)
        file_menu.insertAction(after, reopen)
        self.fill_recent()

    def fill_recent(self) -> None:
        menu = self.recent_menu
        if menu is None:
            return
        menu.clear()
        files = store.recent_files()
        for k, path in enumerate(files, 1):
            action = menu.addAction(f"&{k % 10}  {os.path.basename(path)}")
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_path(p))
        if not files:
            menu.addAction("(no recent sessions)").setEnabled(False)
        menu.addSeparator()
        menu.addAction("Clear the list", self._clear_recent).setEnabled(bool(files))

    def _clear_recent(self) -> None:
        store.clear_recent()
        self.fill_recent()

    # -- opening -------------------------------------------------------------------------------

    def _folder(self) -> str:
        folder = store.text(store.FOLDER)
        return folder if folder and os.path.isdir(folder) else os.getcwd()

    def open_dialog(self) -> bool:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, "Open session", self._folder(), FILTER)
        return bool(path) and self.open_path(path)

    def open_path(self, path: str, remember: bool = True, notice: bool = True) -> bool:
        path = os.fspath(path)
        try:
            scene = read_session(path)
        except SessionError as err:
            self.refuse(path, str(err), notice)
            return False
        if not self.show_scene(scene, path, notice):
            return False
        self.path = os.path.abspath(path)
        if remember:
            store.add_recent(self.path)
            store.set_value(store.FOLDER, os.path.dirname(self.path))
            self.fill_recent()
        self.close_notice()
        self.window.statusBar().showMessage(f"opened {path}", 6000)
        self.opened.emit(self.path)
        return True

    def show_scene(self, scene: Scene, path: str = "", notice: bool = True) -> bool:
        """Put a validated scene on screen in its mode, then restore the zoom; a scene the
        controller refuses gets the same single message as a bad file."""
        modes = self.window.modes
        messages: list[str] = []
        modes.refusal = ""
        controllers = [self.window.controller] + ([modes.classification] if modes.classification else [])
        for c in controllers:
            c.message.connect(messages.append)
        try:
            ok = modes.load_scene(scene)
        finally:
            for c in controllers:
                c.message.disconnect(messages.append)
        if not ok:
            reason = messages[-1] if messages else modes.refusal or "the scene was refused"
            self.refuse(path or scene.title or "scene", reason, notice)
            return False
        if scene.mode == "surface":
            QtCore.QTimer.singleShot(0, lambda: restore_zoom(self.window, scene))
        return True

    def refuse(self, path: str, reason: str, notice: bool = True) -> None:
        """One message: the status bar and one re-used, non-modal notice."""
        name = os.path.basename(path) if path else "the session"
        text = f"Cannot open {name}: {reason}"
        self.last_error = text
        self.window.statusBar().showMessage(text, 15000)
        if notice:
            self.warn("Session not opened", text, "Nothing was changed: the current scene is still on screen.")

    def warn(self, title: str, text: str, info: str) -> None:
        """A non-modal notice that stays until closed (re-used: never a stack of dialogs)
        -- for what must not scroll away with the status bar: a refused file, a failed save."""
        if self.notice is None:
            box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, title, text,
                                        QtWidgets.QMessageBox.StandardButton.Close, self.window)
            box.setWindowModality(QtCore.Qt.WindowModality.NonModal)
            self.notice = box
        self.notice.setWindowTitle(title)
        self.notice.setText(text)
        self.notice.setInformativeText(info)
        self.notice.show()

    def close_notice(self) -> None:
        if self.notice is not None:
            self.notice.hide()

    # -- saving ---------------------------------------------------------------------------------

    def scene_to_save(self) -> Scene:
        scene = self.window.modes.scene()
        if scene.mode == "surface":
            zoom = current_zoom(self.window)
            display = {k: v for k, v in scene.display.items() if k != ZOOM_KEY}
            if zoom is not None:
                display[ZOOM_KEY] = zoom
            scene = scene.replace(display=display)
        return scene

    def save(self) -> bool:
        """Ctrl+S: to the current file; the first time, ask where."""
        return self.save_to(self.path) if self.path else self.save_as()

    def save_as(self) -> bool:
        start = self.path or os.path.join(self._folder(), _file_name(self.window.modes.scene()))
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Save session", start, FILTER)
        if not path:
            return False
        if not os.path.splitext(path)[1]:
            path += ".json"
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        try:
            self.scene_to_save().save(path)
        except OSError as err:
            text = f"Cannot save {os.path.basename(path) or path}: {err.strerror or err}"
            self.last_error = text
            self.window.statusBar().showMessage(text, 15000)
            self.warn("Session not saved", text, f"{path} was not changed; the scene is still on screen. "
                      "Save it somewhere else with File > Save session as…")
            return False
        self.path = os.path.abspath(path)
        store.add_recent(self.path)
        store.set_value(store.FOLDER, os.path.dirname(self.path))
        self.fill_recent()
        self.window.statusBar().showMessage(f"saved {path}", 6000)
        return True

    # -- drag and drop ----------------------------------------------------------------------

    def eventFilter(self, obj, event):
        kind = event.type()
        if kind in (QtCore.QEvent.Type.DragEnter, QtCore.QEvent.Type.DragMove):
            if _dropped_session(event.mimeData()):
                event.acceptProposedAction()
                return True
        elif kind == QtCore.QEvent.Type.Drop:
            path = _dropped_session(event.mimeData())
            if path:
                event.acceptProposedAction()
                QtCore.QTimer.singleShot(0, lambda: self.open_path(path))
                return True
        return super().eventFilter(obj, event)


def _dropped_session(mime) -> str | None:
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile().lower().endswith(".json"):
            return url.toLocalFile()
    return None


def _file_name(scene: Scene) -> str:
    stem = "".join(ch if ch.isalnum() else "-" for ch in (scene.title or "session").lower()).strip("-")
    while "--" in stem:
        stem = stem.replace("--", "-")
    return (stem[:48] or "session") + ".json"


# -- the zoom of the surface view --------------------------------------------------------------


def current_zoom(window) -> str | None:
    """The 2-D surface view's box when the lecturer zoomed in or out, else None."""
    c = window.controller
    if c.surface is None or c.surface.dim != 2:
        return None
    (x0, x1), (y0, y1) = window.contour.plot.vb.viewRange()
    vx0, vx1, vy0, vy1 = c.surface.view
    tol = 0.02 * max(vx1 - vx0, vy1 - vy0)
    covers = x0 <= vx0 + tol and x1 >= vx1 - tol and y0 <= vy0 + tol and y1 >= vy1 - tol
    fits = (abs(x0 - vx0) < tol and abs(x1 - vx1) < tol) or (abs(y0 - vy0) < tol and abs(y1 - vy1) < tol)
    if covers and fits:
        return None  # the default view (aspect lock widened one axis)
    return ",".join(f"{v:.6g}" for v in (x0, x1, y0, y1))


def restore_zoom(window, scene: Scene) -> None:
    text = scene.display.get(ZOOM_KEY)
    if not isinstance(text, str) or window.controller.surface.dim != 2:
        return
    try:
        x0, x1, y0, y1 = (read_number(v) for v in text.split(","))
    except ValueError:
        return
    if x0 < x1 and y0 < y1 and max(abs(x0), abs(x1), abs(y0), abs(y1)) <= VIEW_LIMIT:
        window.contour.plot.vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)
        window.contour.refresh_grid()
