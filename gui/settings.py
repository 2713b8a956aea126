"""What the app remembers between launches (QSettings): window geometry and dock
layout, theme, recent session files, the last session, the presentation playlist.

``settings()`` is the one place that opens the store. With the environment variable
``OPTIMIZER_PLAYGROUND_SETTINGS`` set to a file name it uses that INI file instead of
the user's own settings (tests and benchmarks set it, so they never touch a
lecturer's real preferences).
"""

from __future__ import annotations

import os

from PySide6 import QtCore

ORGANISATION = APPLICATION = "OptimizerPlayground"  # gui.app.APP_NAME
SETTINGS_ENV = "OPTIMIZER_PLAYGROUND_SETTINGS"
MAX_RECENT = 10

GEOMETRY = "window/geometry"
STATE = "window/state"
THEME = "view/theme"
RECENT = "session/recent"
LAST_SESSION = "session/last"
REOPEN_LAST = "session/reopen_last"
FOLDER = "session/folder"
PLAYLIST = "presentation/playlist"


def settings() -> QtCore.QSettings:
    path = os.environ.get(SETTINGS_ENV)
    if path:
        return QtCore.QSettings(path, QtCore.QSettings.Format.IniFormat)
    return QtCore.QSettings(ORGANISATION, APPLICATION)


def value(key: str, default=None):
    return settings().value(key, default)


def text(key: str, default: str = "") -> str:
    v = settings().value(key, default)
    return v if isinstance(v, str) else default


def flag(key: str, default: bool) -> bool:
    v = settings().value(key, default)
    if isinstance(v, str):  # INI files give booleans back as text
        return v.strip().lower() in ("1", "true", "yes", "on")
    return bool(v)


def start_folder() -> str:
    """Where a file dialog opens: the last folder a file was opened or saved in, else the
    user's documents (never the working directory, which is wherever the app was started)."""
    folder = text(FOLDER)
    if folder and os.path.isdir(folder):
        return folder
    docs = QtCore.QStandardPaths.writableLocation(QtCore.QStandardPaths.StandardLocation.DocumentsLocation)
    return docs if docs and os.path.isdir(docs) else os.path.expanduser("~")


def remember_folder(path: str) -> None:
    if path:
        set_value(FOLDER, os.path.dirname(os.path.abspath(path)))


def set_value(key: str, v) -> None:
    s = settings()
    s.setValue(key, v)
    s.sync()


def recent_files() -> list[str]:
    """Recently opened or saved sessions, newest first (only files that still exist)."""
    v = settings().value(RECENT, [])
    if isinstance(v, str):  # one entry comes back as a plain string
        v = [v]
    if not isinstance(v, (list, tuple)):
        return []
    out = []
    for p in v:
        if isinstance(p, str) and p and p not in out and os.path.isfile(p):
            out.append(p)
    return out[:MAX_RECENT]


def add_recent(path: str) -> list[str]:
    path = os.path.abspath(path)
    files = [path] + [p for p in recent_files() if p != path]
    files = files[:MAX_RECENT]
    set_value(RECENT, files)
    set_value(LAST_SESSION, path)
    return files


def clear_recent() -> None:
    set_value(RECENT, [])


def data_dir() -> str:
    """Where the app keeps its own files (the session on screen at the last exit); next
    to the settings file when OPTIMIZER_PLAYGROUND_SETTINGS redirects the store."""
    path = os.environ.get(SETTINGS_ENV)
    if path:
        base = os.path.dirname(os.path.abspath(path))
    else:
        base = QtCore.QStandardPaths.writableLocation(QtCore.QStandardPaths.StandardLocation.AppDataLocation)
    os.makedirs(base, exist_ok=True)
    return base


def autosave_path() -> str:
    return os.path.join(data_dir(), "last-session.json")
