"""Presets in the app: a Presets menu grouped by lecture (the playlists), a browser that
shows each preset's title and the lecturer's note, a note panel, and the presentation
playlist that PageDown / PageUp (what presentation clickers send) step through.

A preset is loaded like a session file (validated, then through the visible mode's
controller ``set_scene``); its note goes to the "Lecturer's note" panel, never onto
the plots.
"""

from __future__ import annotations

import html
import json

from PySide6 import QtCore, QtGui, QtWidgets

from engine.presets import PLAYLIST_DIR, list_presets, load_preset
from engine.session import SessionError
from gui import cues
from gui import settings as store

DEFAULT_PLAYLIST = "lecture"
NOTE_HEIGHT = 150  # px: a paragraph under the plots


def load_playlists() -> dict[str, tuple[str, list[str]]]:
    """key -> (title, preset keys) for every playlist file; the whole course first.
    Unknown preset names in a playlist are skipped, an unreadable playlist is left out."""
    known = {k for k, _ in list_presets()}
    out = {}
    paths = sorted(PLAYLIST_DIR.glob("*.json"), key=lambda p: (p.stem != DEFAULT_PLAYLIST, p.stem))
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
            title = data.get("title") if isinstance(data.get("title"), str) else path.stem
            keys = [k for k in data.get("presets", []) if isinstance(k, str) and k in known]
        except (OSError, ValueError, AttributeError):
            continue
        if keys:
            out[path.stem] = (title, keys)
    return out


def note_html(title: str, note: str, extra: str = "", cues=()) -> str:
    head = f"<h3 style='margin:0 0 6px 0'>{html.escape(title)}</h3>" if title else ""
    body = html.escape(note).replace("\n", "<br>") if note else "<i>No note for this scene.</i>"
    stops = "".join(f"<li>step {c.step}: {html.escape(c.text)}</li>" for c in cues)
    if stops:  # the lecturer sees the questions coming (PageDown plays to each in presentation)
        stops = f"<p style='margin:6px 0 0 0'>Stops:</p><ul style='margin:0'>{stops}</ul>"
    return f"{head}{extra}<p style='margin:0'>{body}</p>{stops}"


class NoteView(QtWidgets.QTextBrowser):
    def __init__(self, parent=None, pt: int = 12):
        super().__init__(parent)
        self.setOpenExternalLinks(False)
        font = self.font()
        font.setPointSize(pt)
        self.setFont(font)


class NoteDock(QtWidgets.QDockWidget):
    closed = QtCore.Signal()  # by its own close button

    def closeEvent(self, event):
        super().closeEvent(event)
        self.closed.emit()


class Presets(QtCore.QObject):
    """The Presets menu, the browser, the note dock and the playlist position."""

    loaded = QtCore.Signal(str)  # preset key

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.titles = dict(list_presets())
        self.playlists = load_playlists()
        self.current: str | None = None  # the preset on screen in the visible mode (None: a file)
        self._by_mode: dict[str, str | None] = {}
        key = store.text(store.PLAYLIST, DEFAULT_PLAYLIST)
        self.playlist = key if key in self.playlists else next(iter(self.playlists), DEFAULT_PLAYLIST)
        self.browser: PresetBrowser | None = None

        self.note = NoteView()
        self.dock = NoteDock("Lecturer's note", window)
        self.dock.setObjectName("note")
        self.dock.setWidget(self.note)
        self.dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable
                              | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable)
        window.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()  # shown with a scene that has a note
        self.show_notes = True  # the lecturer's choice (View > Lecturer's note)
        window.controller.sceneChanged.connect(self.refresh_note)
        window.modes.modeChanged.connect(self._mode_changed)
        window.sessions.opened.connect(lambda _path: self._forget())

    # -- menus -----------------------------------------------------------------------------

    def install_actions(self, commands, before_menu: QtWidgets.QMenu, view_menu: QtWidgets.QMenu) -> None:
        menu = QtWidgets.QMenu("&Presets", self.window)
        self.window.menuBar().insertMenu(before_menu.menuAction(), menu)
        self.menu = menu
        commands._add(menu, "browse_presets", "Browse presets…", "Ctrl+P", self.browse)
        menu.addSeparator()
        for title, keys in self.playlists.values():
            sub = menu.addMenu(title)
            sub.setToolTipsVisible(True)
            for k, preset in enumerate(keys, 1):
                action = sub.addAction(f"{k}. {self.titles.get(preset, preset)}")
                action.setData(preset)
                action.triggered.connect(lambda _=False, p=preset: self.load(p))
        everything = menu.addMenu("All presets")
        for preset, title in self.titles.items():
            everything.addAction(title or preset).triggered.connect(lambda _=False, p=preset: self.load(p))
        menu.addSeparator()
        commands._add(menu, "next_preset", "Next preset in the playlist", "PgDown", lambda: self.step(+1))
        commands._add(menu, "previous_preset", "Previous preset in the playlist", "PgUp", lambda: self.step(-1))
        pick = menu.addMenu("Presentation playlist")
        group = QtGui.QActionGroup(pick)
        for key, (title, keys) in self.playlists.items():
            action = pick.addAction(f"{title}  ({len(keys)})")
            action.setCheckable(True)
            action.setChecked(key == self.playlist)
            group.addAction(action)
            action.triggered.connect(lambda _=False, k=key: self.set_playlist(k))
        self.note_action = commands._add(view_menu, "note", "Lecturer's note", "F6", self.toggle_note,
                                         checkable=True)
        self.note_action.blockSignals(True)  # checked: notes are shown when a scene has one
        self.note_action.setChecked(True)
        self.note_action.blockSignals(False)
        self.dock.closed.connect(lambda: self.note_action.setChecked(False))

    # -- loading -------------------------------------------------------------------------------

    def load(self, key: str) -> bool:
        if not self.window.modes.confirm_discard():
            return False
        try:
            scene = load_preset(key)
        except SessionError as err:
            self.window.sessions.refuse(f"{key}.json", str(err))
            return False
        if not self.window.sessions.show_scene(scene, f"{key}.json"):
            return False
        self.current = self._by_mode[scene.mode] = key
        self.window.sessions.path = None  # Ctrl+S asks: a preset is not the lecturer's file
        self.window.modes.update_title()
        self.refresh_note()
        self.window.statusBar().showMessage(f"preset: {scene.title}" + self.position_text(), 8000)
        self.loaded.emit(key)
        return True

    def mark(self, key: str) -> None:
        """Preset ``key`` is on screen (opened from the command line)."""
        self.current = self._by_mode[self.window.modes.mode] = key
        self.refresh_note()

    def _mode_changed(self, mode: str) -> None:
        self.current = self._by_mode.get(mode)
        self.refresh_note()

    def _forget(self) -> None:
        """A session file is on screen now, not a preset."""
        self.current = self._by_mode[self.window.modes.mode] = None
        self.refresh_note()

    def keys(self) -> list[str]:
        return self.playlists.get(self.playlist, ("", []))[1]

    def position_text(self) -> str:
        keys = self.keys()
        if self.current in keys:
            return f"  ({keys.index(self.current) + 1} / {len(keys)})"
        return ""

    def step(self, delta: int) -> bool:
        """PageDown / PageUp: the next / previous preset of the playlist (from the first
        one when the scene on screen is not in it)."""
        if delta > 0 and self.window.presentation.active and cues.advance(self.window.modes.active):
            return True  # the scene's next cue (or its end) before the next preset
        keys = self.keys()
        if not keys:
            return False
        if self.current in keys:
            k = keys.index(self.current) + delta
            if not 0 <= k < len(keys):
                self.window.statusBar().showMessage("end of the playlist" if delta > 0 else
                                                    "start of the playlist", 4000)
                return False
        else:
            k = 0 if delta > 0 else len(keys) - 1
        return self.load(keys[k])

    def set_playlist(self, key: str) -> None:
        if key in self.playlists:
            self.playlist = key
            store.set_value(store.PLAYLIST, key)
            self.window.statusBar().showMessage(f"presentation playlist: {self.playlists[key][0]}", 6000)

    # -- the note --------------------------------------------------------------------------

    def scene_note(self) -> tuple[str, str]:
        scene = self.window.modes.scene()
        return scene.title, scene.note

    def refresh_note(self) -> None:
        title, note = self.scene_note()
        extra = ""
        keys = self.keys()
        if self.current in keys:
            extra = (f"<p style='margin:0 0 6px 0; color:#888'>{html.escape(self.playlists[self.playlist][0])}: "
                     f"{keys.index(self.current) + 1} / {len(keys)}</p>")
        self.note.setHtml(note_html(title, note, extra, self.window.modes.scene().cues))
        presenting = getattr(self.window, "presentation", None) is not None and self.window.presentation.active
        if presenting:
            self.window.presentation.notes.refresh()
        elif self.show_notes and note and not self.dock.isVisible():
            self.dock.show()
            self.window.resizeDocks([self.dock], [NOTE_HEIGHT], QtCore.Qt.Orientation.Vertical)
        elif not note:
            self.dock.hide()  # the plots get the room back

    def toggle_note(self, on: bool) -> None:
        presentation = getattr(self.window, "presentation", None)
        if presentation is not None and presentation.active:
            presentation.notes.setVisible(bool(on))  # the laptop's window, not the projected one
            return
        self.show_notes = bool(on)
        self.dock.setVisible(bool(on))

    # -- the browser -----------------------------------------------------------------------

    def browse(self) -> None:
        if self.browser is None:
            self.browser = PresetBrowser(self)
        self.browser.show()
        self.browser.raise_()
        self.browser.activateWindow()


class PresetBrowser(QtWidgets.QDialog):
    """Every preset by lecture, with its title and note; Load (or double-click) opens it."""

    def __init__(self, presets: Presets):
        super().__init__(presets.window)
        self.presets = presets
        self.setWindowTitle("Presets")
        self.setModal(False)
        self.resize(1100, 640)
        lay = QtWidgets.QHBoxLayout(self)
        split = QtWidgets.QSplitter()
        lay.addWidget(split)
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setMinimumWidth(440)
        for title, keys in [*presets.playlists.values(), ("All presets", list(presets.titles))]:
            top = QtWidgets.QTreeWidgetItem([title])
            top.setFlags(top.flags() & ~QtCore.Qt.ItemFlag.ItemIsSelectable)
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            for k, preset in enumerate(keys, 1):
                child = QtWidgets.QTreeWidgetItem([f"{k}. {presets.titles.get(preset, preset)}"])
                child.setData(0, QtCore.Qt.ItemDataRole.UserRole, preset)
                child.setToolTip(0, f"{presets.titles.get(preset, preset)}  ({preset})")
                top.addChild(child)
            self.tree.addTopLevelItem(top)
        self.tree.topLevelItem(0).setExpanded(True)
        split.addWidget(self.tree)
        right = QtWidgets.QWidget()
        rl = QtWidgets.QVBoxLayout(right)
        rl.setContentsMargins(6, 0, 0, 0)
        self.note = NoteView(pt=12)
        rl.addWidget(self.note, 1)
        buttons = QtWidgets.QDialogButtonBox()
        self.load_button = buttons.addButton("Load", QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self._load)
        buttons.rejected.connect(self.hide)
        rl.addWidget(buttons)
        split.addWidget(right)
        split.setSizes([460, 640])
        self.tree.currentItemChanged.connect(self._show)
        self.tree.itemDoubleClicked.connect(lambda item, _c: self._load())
        self.load_button.setEnabled(False)
        first = self.tree.topLevelItem(0).child(0)
        if first is not None:
            self.tree.setCurrentItem(first)

    def selected(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, QtCore.Qt.ItemDataRole.UserRole) if item is not None else None

    def _show(self, item, _prev=None) -> None:
        key = item.data(0, QtCore.Qt.ItemDataRole.UserRole) if item is not None else None
        self.load_button.setEnabled(bool(key))
        if not key:
            return
        try:
            scene = load_preset(key)
        except SessionError as err:
            self.note.setHtml(f"<b>{html.escape(key)}</b><p>{html.escape(str(err))}</p>")
            return
        what = (f"{scene.dataset} · {scene.model}" if scene.mode == "classification" else scene.surface)
        extra = (f"<p style='margin:0 0 6px 0; color:#888'>{html.escape(scene.mode)} · {html.escape(what)} · "
                 f"{len(scene.runs)} runs · {scene.steps} steps · <code>{html.escape(key)}</code></p>")
        self.note.setHtml(note_html(scene.title, scene.note, extra, scene.cues))

    def _load(self) -> None:
        key = self.selected()
        if key and self.presets.load(key):
            self.hide()

