"""The list of runs: colour swatch, visibility checkbox, label (and "diverged"),
with buttons to add (a menu of optimizers by family), duplicate, remove and
recolour. Selecting a row selects the run whose knobs the other panels show.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from engine.registry import OPTIMIZERS
from gui import theme
from gui.throttle import REFRESH_MS, Throttle


def optimizer_menu(parent, on_pick) -> QtWidgets.QMenu:
    """Optimizers grouped by family (registry order), each calling ``on_pick(key)``."""
    menu = QtWidgets.QMenu(parent)
    families: dict[str, list] = {}
    for record in OPTIMIZERS.values():
        families.setdefault(record.family, []).append(record)
    for family, records in families.items():
        menu.addSection(family.capitalize())
        for record in records:
            action = menu.addAction(record.title)
            action.setToolTip(record.summary)
            action.setData(record.key)
            action.triggered.connect(lambda _=False, k=record.key: on_pick(k))
    menu.setToolTipsVisible(True)
    return menu


class RunsPanel(QtWidgets.QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QtWidgets.QListWidget()
        self.list.setIconSize(QtCore.QSize(16, 16))
        self.list.setToolTip("Click: select (keys 1-9)   Checkbox: show/hide   Double-click: colour")
        self.list.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        layout.addWidget(self.list)
        buttons = QtWidgets.QHBoxLayout()
        buttons.setSpacing(4)
        self.add_button = QtWidgets.QToolButton()
        self.add_button.setText("Add ▾")
        self.add_button.setToolTip("Add a run")
        self.add_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_button.setMenu(optimizer_menu(self, controller.add_run))
        self.duplicate_button = QtWidgets.QToolButton()
        self.duplicate_button.setText("Duplicate")
        self.remove_button = QtWidgets.QToolButton()
        self.remove_button.setText("Remove")
        self.color_button = QtWidgets.QToolButton()
        self.color_button.setText("Colour…")
        for b in (self.add_button, self.duplicate_button, self.remove_button, self.color_button):
            b.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextOnly)
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.duplicate_button.clicked.connect(lambda: controller.duplicate_run(controller.selected))
        self.remove_button.clicked.connect(lambda: controller.remove_run(controller.selected))
        self.color_button.clicked.connect(lambda: self.choose_color(controller.selected))
        self.list.currentRowChanged.connect(self._row_selected)
        self.list.itemChanged.connect(self._item_changed)
        self.list.itemDoubleClicked.connect(lambda item: self.choose_color(self.list.row(item)))

        c = controller
        c.sceneChanged.connect(self.rebuild)
        c.runsChanged.connect(self.rebuild)
        # a slider drag changes a run's name ("lr = 0.0512") ~60 times a second: its row
        # follows at most ~12 times a second (gui.throttle), the map and plots every move
        self._waiting: set[int] = set()
        self.throttle = Throttle(REFRESH_MS, self._refresh_waiting, self)
        c.runChanged.connect(lambda i: self._request([i]))
        c.tracesChanged.connect(self._request)
        c.selectionChanged.connect(self._show_selection)
        self.rebuild()

    def rebuild(self) -> None:
        with QtCore.QSignalBlocker(self.list):
            self.list.clear()
            for _ in self.controller.runs:
                item = QtWidgets.QListWidgetItem()
                item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
                self.list.addItem(item)
        for i in range(len(self.controller.runs)):
            self._refresh(i)
        self._show_selection(self.controller.selected)
        visible_rows = min(max(len(self.controller.runs), 3), 8)
        self.list.setFixedHeight(visible_rows * (self.list.sizeHintForRow(0) if self.list.count() else 24) + 6)
        has = bool(self.controller.runs)
        for b in (self.duplicate_button, self.remove_button, self.color_button):
            b.setEnabled(has)

    def _request(self, indices) -> None:
        self._waiting.update(indices)
        self.throttle.request()

    def _refresh_waiting(self) -> None:
        waiting, self._waiting = self._waiting, set()
        for i in sorted(waiting):
            self._refresh(i)

    def _refresh(self, i: int) -> None:
        item = self.list.item(i)
        if item is None or i >= len(self.controller.runs):
            return
        c = self.controller
        run = c.runs[i]
        ending = c.ending(i)
        text = f"{i + 1}  {run.label}"
        if ending is not None and ending.kind != "converged":
            # the same words as the map (escaping a saddle is no failure: no red, no X)
            text += f"  {ending.symbol} {ending.text}"
        with QtCore.QSignalBlocker(self.list):
            if item.text() != text:
                item.setText(text)
            swatch = f"{run.color}/{theme.INK}"
            if item.data(QtCore.Qt.ItemDataRole.UserRole) != swatch:
                item.setIcon(theme.swatch_icon(run.color))
                item.setData(QtCore.Qt.ItemDataRole.UserRole, swatch)
            # each set repaints the list, even with the same value: only what changed (a slider
            # drag refreshes the run ~60 times a second)
            check = QtCore.Qt.CheckState.Checked if run.visible else QtCore.Qt.CheckState.Unchecked
            if item.checkState() != check:
                item.setCheckState(check)
            ink = QtGui.QColor("#B00020" if ending is not None and ending.failed else theme.INK)
            if item.foreground().color() != ink:
                item.setForeground(ink)
            tip = f"{run.optimizer.spec()}  schedule {run.schedule.spec()}"
            if item.toolTip() != tip:
                item.setToolTip(tip)

    def _show_selection(self, i: int) -> None:
        with QtCore.QSignalBlocker(self.list):
            self.list.setCurrentRow(i)

    def _row_selected(self, row: int) -> None:
        if row >= 0:
            self.controller.select_run(row)

    def _item_changed(self, item) -> None:
        i = self.list.row(item)
        self.controller.set_run_visible(i, item.checkState() == QtCore.Qt.CheckState.Checked)

    def choose_color(self, i: int) -> None:
        if not 0 <= i < len(self.controller.runs):
            return
        color = QtWidgets.QColorDialog.getColor(QtGui.QColor(self.controller.runs[i].color), self,
                                                f"Colour of run {i + 1}")
        if color.isValid():
            self.controller.set_run_color(i, color.name().upper())
