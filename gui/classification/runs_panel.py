"""The runs of the race and the selected run's knobs.

A list (colour, visibility, label, and the run's status: current validation accuracy
or where it diverged), add / duplicate / remove buttons, and for the selected run its
optimizer, hyperparameter sliders (from the registry) and learning-rate schedule.
Every edit goes to the controller, which restarts the race.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from engine.registry import OPTIMIZERS, hypers_for
from engine.schedules import SCHEDULES
from engine.session import PALETTE
from gui.theme import swatch_icon

from .plotting import Throttle
from .widgets import HyperForm


def _family_menu(parent, on_pick) -> QtWidgets.QMenu:
    menu = QtWidgets.QMenu(parent)
    families: dict[str, list] = {}
    for r in OPTIMIZERS.values():
        families.setdefault(r.family, []).append(r)
    for family, records in families.items():
        menu.addSection(family)
        for r in records:
            act = menu.addAction(f"{r.title}")
            act.setToolTip(r.summary)
            act.triggered.connect(lambda _=False, k=r.key: on_pick(k))
    return menu


def run_status(c, i: int) -> str:
    at = c.diverged_at(i)
    if at is not None:
        return f"✗ diverged @ {at}"
    acc = c.last_metric(i, "val_acc")
    if acc is not None:
        return f"val {100 * acc:.0f}%"
    acc = c.last_metric(i, "train_acc")
    return f"train {100 * acc:.0f}%" if acc is not None else ""


class RunsPanel(QtWidgets.QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.c = controller
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)

        box = QtWidgets.QGroupBox("Runs")
        bl = QtWidgets.QVBoxLayout(box)
        self.list = QtWidgets.QListWidget()
        self.list.setIconSize(QtCore.QSize(14, 14))
        self.list.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.list.itemChanged.connect(self._item_changed)
        self.list.currentRowChanged.connect(self._row_changed)
        bl.addWidget(self.list)
        buttons = QtWidgets.QHBoxLayout()
        self.add_button = QtWidgets.QToolButton()
        self.add_button.setText("Add")
        self.add_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_button.setMenu(_family_menu(self, self.c.add_run))
        self.dup_button = QtWidgets.QToolButton()
        self.dup_button.setText("Duplicate")
        self.dup_button.clicked.connect(lambda: self.c.duplicate_run(self.c.selected))
        self.remove_button = QtWidgets.QToolButton()
        self.remove_button.setText("Remove")
        self.remove_button.clicked.connect(lambda: self.c.remove_run(self.c.selected))
        for b in (self.add_button, self.dup_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        bl.addLayout(buttons)
        lay.addWidget(box)

        box = QtWidgets.QGroupBox("Selected run")
        self.run_box = box
        form = QtWidgets.QVBoxLayout(box)
        form.setSpacing(3)
        row = QtWidgets.QHBoxLayout()
        self.optimizer = QtWidgets.QComboBox()
        for r in OPTIMIZERS.values():
            self.optimizer.addItem(r.title, r.key)
            self.optimizer.setItemData(self.optimizer.count() - 1, r.summary, QtCore.Qt.ItemDataRole.ToolTipRole)
        self.optimizer.activated.connect(lambda _i: self._set_optimizer(self.optimizer.currentData()))
        row.addWidget(self.optimizer, 1)
        self.color = QtWidgets.QToolButton()
        self.color.setToolTip("next colour")
        self.color.clicked.connect(self._next_color)
        row.addWidget(self.color)
        form.addLayout(row)
        self.hypers = HyperForm()
        self.hypers.edited.connect(lambda name, v: self.c.set_hyper(self.c.selected, name, v))
        form.addWidget(self.hypers)
        srow = QtWidgets.QHBoxLayout()
        srow.addWidget(QtWidgets.QLabel("schedule"))
        self.schedule = QtWidgets.QComboBox()
        for key, r in SCHEDULES.items():
            self.schedule.addItem(getattr(r, "title", key) or key, key)
        self.schedule.activated.connect(lambda _i: self._set_schedule_key(self.schedule.currentData()))
        srow.addWidget(self.schedule, 1)
        form.addLayout(srow)
        self.schedule_hypers = HyperForm()
        self.schedule_hypers.edited.connect(self._schedule_param)
        form.addWidget(self.schedule_hypers)
        lay.addWidget(box)

        self.c.runsChanged.connect(self.rebuild)
        self.c.runChanged.connect(lambda _i: self.rebuild())
        self.c.selectionChanged.connect(self._select)
        self.status_throttle = Throttle(250, self._progress, self)
        self.c.progressed.connect(lambda _s: self.status_throttle.request())
        self.rebuild()

    # -- the list --------------------------------------------------------------------------------

    def rebuild(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for i, cfg in enumerate(self.c.runs):
            item = QtWidgets.QListWidgetItem(swatch_icon(cfg.color, 14), self._text(i))
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(QtCore.Qt.CheckState.Checked if cfg.visible else QtCore.Qt.CheckState.Unchecked)
            item.setToolTip(f"{cfg.optimizer.spec()}  |  schedule {cfg.schedule.spec()}")
            self.list.addItem(item)
        self.list.setCurrentRow(self.c.selected if self.c.runs else -1)
        rows = max(len(self.c.runs), 3)
        self.list.setFixedHeight(min(rows, 8) * (self.list.sizeHintForRow(0) if self.c.runs else 22) + 6)
        self.list.blockSignals(False)
        self._refresh_selected()

    def _text(self, i: int) -> str:
        status = run_status(self.c, i)
        return f"{self.c.runs[i].label}   {status}" if status else self.c.runs[i].label

    def _progress(self) -> None:
        for i in range(min(self.list.count(), len(self.c.runs))):
            text = self._text(i)
            item = self.list.item(i)
            if item.text() != text:
                item.setText(text)
                diverged = self.c.diverged_at(i) is not None
                item.setForeground(QtGui.QColor("#B00020" if diverged else "#222222"))

    def _item_changed(self, item) -> None:
        i = self.list.row(item)
        self.c.set_run_visible(i, item.checkState() == QtCore.Qt.CheckState.Checked)

    def _row_changed(self, row: int) -> None:
        if 0 <= row < len(self.c.runs):
            self.c.select_run(row)

    def _select(self, i: int) -> None:
        if self.list.currentRow() != i:
            self.list.blockSignals(True)
            self.list.setCurrentRow(i)
            self.list.blockSignals(False)
        self._refresh_selected()

    # -- the selected run --------------------------------------------------------------------------

    def _refresh_selected(self) -> None:
        i = self.c.selected
        has = 0 <= i < len(self.c.runs)
        self.run_box.setEnabled(has)
        self.dup_button.setEnabled(has)
        self.remove_button.setEnabled(has)
        if not has:
            return
        cfg = self.c.runs[i]
        self.run_box.setTitle(f"Run {i + 1}: {cfg.label}")
        self.optimizer.setCurrentIndex(max(self.optimizer.findData(cfg.optimizer.key), 0))
        self.color.setIcon(swatch_icon(cfg.color, 16))
        self.hypers.set_hypers(hypers_for(cfg.optimizer.key, cfg.optimizer.params), cfg.optimizer.params)
        self.schedule.setCurrentIndex(max(self.schedule.findData(cfg.schedule.key), 0))
        self.schedule_hypers.set_hypers(SCHEDULES[cfg.schedule.key].hypers, cfg.schedule.params)

    def _set_optimizer(self, key: str) -> None:
        i = self.c.selected
        if 0 <= i < len(self.c.runs) and key != self.c.runs[i].optimizer.key:
            self.c.set_optimizer(i, key)
        self._refresh_selected()

    def _set_schedule_key(self, key: str) -> None:
        i = self.c.selected
        if 0 <= i < len(self.c.runs) and key != self.c.runs[i].schedule.key:
            self.c.set_schedule(i, key)
        self._refresh_selected()

    def _schedule_param(self, name: str, value) -> None:
        i = self.c.selected
        if not 0 <= i < len(self.c.runs):
            return
        sched = self.c.runs[i].schedule
        params = {h.name: h.format(sched.params[h.name]) for h in SCHEDULES[sched.key].hypers}
        params[name] = str(value) if not isinstance(value, (list, tuple)) else "/".join(map(str, value))
        text = sched.key + ":" + ",".join(f"{k}={v}" for k, v in params.items())
        self.c.set_schedule(i, text)
        self._refresh_selected()

    def _next_color(self) -> None:
        i = self.c.selected
        if 0 <= i < len(self.c.runs):
            cur = self.c.runs[i].color.upper()
            idx = next((k for k, p in enumerate(PALETTE) if p.upper() == cur), -1)
            self.c.set_run_color(i, PALETTE[(idx + 1) % len(PALETTE)])
