"""Help > Keyboard shortcuts (F1): every key of the window, read from its QActions when
the window opens, so the list cannot drift from what the keys do."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

NATIVE = QtGui.QKeySequence.SequenceFormat.NativeText
HINT_SHOWN = "help/first_start_hint"
FIRST_START_HINT = ("Welcome: Space plays, drag the start point on the map, Ctrl+Z undoes any edit, "
                    "F5 presents, F1 lists every key")


def shortcut_rows(window) -> list[tuple[str, str]]:
    """(keys, command) for every action of ``window`` that has a shortcut, in menu order."""
    rows, seen = [], set()
    for action in window.findChildren(QtGui.QAction):
        keys = ", ".join(k.toString(NATIVE) for k in action.shortcuts() if not k.isEmpty())
        if not keys or id(action) in seen:
            continue
        seen.add(id(action))
        rows.append((keys, action.text().replace("&", "").rstrip("…")))
    return rows


class ShortcutsWindow(QtWidgets.QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.main = window
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QtWidgets.QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Keys", "Command"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.table)
        close = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.close)
        layout.addWidget(close)
        self.resize(560, 600)

    def refresh(self) -> None:
        rows = shortcut_rows(self.main)
        self.table.setRowCount(len(rows))
        for r, (keys, text) in enumerate(rows):
            for col, value in enumerate((keys, text)):
                item = QtWidgets.QTableWidgetItem(value)
                item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, col, item)


def first_start_hint(window) -> bool:
    """The short hint on the very first start only (remembered in the settings)."""
    from gui import settings as store

    if store.flag(HINT_SHOWN, False):
        return False
    store.set_value(HINT_SHOWN, True)
    window.statusBar().showMessage(FIRST_START_HINT, 20000)
    return True
