"""The lecture tools wired onto the MainWindow: the Surface | Classification switch
(gui.modes), session files (gui.sessions), presets and the lecturer's note
(gui.presets_ui), presentation mode and the theme (gui.presentation), and what is
remembered between launches (gui.settings).

MainWindow builds these tools in its ``__init__`` (before its commands, which act on
the visible mode); ``install_actions`` then puts their commands in the menus.
``restore`` and ``remember`` are
for the app's own window only (gui.app.main), so windows built by tests and by
``main.py render`` never read or write the lecturer's settings.
"""

from __future__ import annotations

import os

from PySide6 import QtCore

from gui import settings as store


def install_actions(window) -> None:
    commands = window.commands
    menus = commands.menus
    window.modes.install_actions(commands, menus["view"])
    window.sessions.install_actions(commands, menus["file"], commands.by_name["open"], commands.by_name["save"])
    window.presets.install_actions(commands, menus["help"], menus["view"])
    window.presentation.install_actions(commands, menus["view"])


def apply_saved_theme() -> str:
    """The theme of the last run, made current before a window is built (views then draw
    in it from the start)."""
    from gui import restyle, theme

    name = store.text(store.THEME, "light")
    name = name if name in theme.THEMES else "light"
    restyle.switch([], name=name)
    return name


def restore(window, open_last: bool) -> None:
    """Geometry and dock layout of the last run, and (``open_last``) the scene that was
    on screen when it closed."""
    geometry = store.value(store.GEOMETRY)
    if isinstance(geometry, QtCore.QByteArray) and not geometry.isEmpty() and window.restoreGeometry(geometry):
        pass
    else:
        window.fit_to_screen()
    state = store.value(store.STATE)
    if isinstance(state, QtCore.QByteArray) and not state.isEmpty() and window.restoreState(state):
        window.modes.remember_controls()
    window.remember_layout = True
    path = store.autosave_path()
    if open_last and store.flag(store.REOPEN_LAST, True) and os.path.isfile(path):
        if window.sessions.open_path(path, remember=False, notice=False):
            last = store.text(store.LAST_SESSION)
            window.sessions.path = last if last and os.path.isfile(last) else None
    window.modes.sync_chrome()


def remember(window) -> None:
    """On close: the layout, and the scene on screen (reopened at the next start)."""
    if window.modes.classification is not None:
        window.modes.classification.pause()
    if not window.remember_layout:
        return
    if window.presentation.active:
        window.presentation.leave()
    store.set_value(store.GEOMETRY, window.saveGeometry())
    store.set_value(store.STATE, window.saveState())
    try:
        window.sessions.scene_to_save().save(store.autosave_path())
    except OSError:
        pass  # a read-only profile must not stop the window from closing
    store.set_value(store.LAST_SESSION, window.sessions.path or "")
