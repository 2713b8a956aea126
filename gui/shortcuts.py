"""Help > Keyboard shortcuts (F1): every key of every action, read from the actions.

Generated from the window's QActions, menu by menu, so a key added to an action is
listed the moment it exists and a removed one cannot linger. The About box shows the
same rows.
"""

from __future__ import annotations

import html

from PySide6 import QtGui, QtWidgets

NATIVE = QtGui.QKeySequence.SequenceFormat.NativeText


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _keys(action: QtGui.QAction) -> str:
    return ", ".join(k.toString(NATIVE) for k in action.shortcuts() if not k.isEmpty())


def _walk(menu: QtWidgets.QMenu):
    for action in menu.actions():
        if action.menu() is not None:
            yield from _walk(action.menu())
        elif not action.isSeparator():
            yield action


def shortcut_rows(window: QtWidgets.QMainWindow) -> list[tuple[str, str, str]]:
    """(group, keys, what it does) for every action of ``window`` with a key: the menu
    bar's first, menu by menu, then the keys that live outside the menus (tabs, modes)."""
    rows, seen = [], set()
    for top in window.menuBar().actions():
        if top.menu() is None:
            continue
        for action in _walk(top.menu()):
            if _keys(action) and id(action) not in seen:
                seen.add(id(action))
                rows.append((_plain(top.text()), _keys(action), _plain(action.text())))
    for action in window.findChildren(QtGui.QAction):
        if _keys(action) and id(action) not in seen:
            seen.add(id(action))
            rows.append(("Elsewhere in the window", _keys(action), _plain(action.text())))
    return rows


def shortcuts_html(window: QtWidgets.QMainWindow) -> str:
    out, group = [], None
    for name, keys, text in shortcut_rows(window):
        if name != group:
            group = name
            out.append(f"<tr><td colspan='2' style='padding-top:8px'><b>{html.escape(name)}</b></td></tr>")
        out.append(f"<tr><td style='padding-right:18px'><b>{html.escape(keys)}</b></td>"
                   f"<td>{html.escape(text)}</td></tr>")
    return f"<table cellspacing='0' cellpadding='1'>{''.join(out)}</table>"


class ShortcutsWindow(QtWidgets.QDialog):
    def __init__(self, window: QtWidgets.QMainWindow):
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.browser = QtWidgets.QTextBrowser()
        self.browser.setHtml(shortcuts_html(window))
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(560, 640)
