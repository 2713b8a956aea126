"""The knobs of the selected run, built from the registry (engine.registry.OPTIMIZERS
and engine.schedules.SCHEDULES): one Knob per hyperparameter, the schedule picker
with its own parameters, the Polyak averaging of the run, and the "same learning
rate for all runs" switch.

Each rule's (and schedule's) set of knobs is built once and kept: selecting another
run shows that rule's page and hides the others, so clicking through runs creates
no widgets (the soak test clicks ~3 times a second for minutes), and a slider being
dragged is never destroyed under the mouse.
"""

from __future__ import annotations

import html

from PySide6 import QtCore, QtWidgets

from engine.hyper import Hyper
from engine.registry import hypers_for
from engine.schedules import SCHEDULES
from gui.panels.knob import Knob, refused_because

POLYAK = Hyper("polyak", 0.0, 0.0, 0.999, doc="Polyak averaging xbar <- a xbar + (1 - a) x, drawn dashed "
                                              "(0: off; seed 004)", symbol="a")


class KnobPage(QtWidgets.QWidget):
    """The knobs of one rule or one schedule, built once."""

    def __init__(self, hypers, on_edit, parent=None):
        super().__init__(parent)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self.knobs: dict[str, Knob] = {}
        for h in hypers:
            knob = Knob(h)
            knob.edited.connect(lambda v, name=h.name, k=knob: on_edit(name, v, k))
            layout.addWidget(knob)
            self.knobs[h.name] = knob


class HyperControls(QtWidgets.QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.knobs: dict[str, Knob] = {}           # the selected run's (the page shown)
        self.schedule_knobs: dict[str, Knob] = {}
        self._pages: dict[tuple, KnobPage] = {}
        self._shown: dict[str, KnobPage | None] = {"optimizer": None, "schedule": None}
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.title = QtWidgets.QLabel()
        self.title.setWordWrap(True)
        outer.addWidget(self.title)
        self.form = QtWidgets.QVBoxLayout()
        self.form.setSpacing(3)
        outer.addLayout(self.form)
        self.same_lr = QtWidgets.QCheckBox("Same learning rate for all runs")
        self.same_lr.setToolTip("Moving one run's lr moves every run's lr (to compare rules at equal step size)")
        self.same_lr.toggled.connect(lambda on: controller.set_same_lr(bool(on)))
        outer.addWidget(self.same_lr)
        sched_row = QtWidgets.QHBoxLayout()
        sched_row.addWidget(QtWidgets.QLabel("Schedule"))
        self.schedule = QtWidgets.QComboBox()
        for key, record in SCHEDULES.items():
            self.schedule.addItem(record.title, key)
            self.schedule.setItemData(self.schedule.count() - 1, record.formula, QtCore.Qt.ItemDataRole.ToolTipRole)
        self.schedule.currentIndexChanged.connect(self._schedule_picked)
        sched_row.addWidget(self.schedule, 1)
        outer.addLayout(sched_row)
        self.schedule_form = QtWidgets.QVBoxLayout()
        self.schedule_form.setSpacing(3)
        outer.addLayout(self.schedule_form)
        self.polyak = Knob(POLYAK, "Polyak avg a")
        self.polyak.edited.connect(self._polyak_edited)
        outer.addWidget(self.polyak)

        c = controller
        c.selectionChanged.connect(lambda _i: self.sync())
        c.runChanged.connect(self._run_changed)
        c.runsChanged.connect(self.sync)
        c.sceneChanged.connect(self.sync)
        c.displayChanged.connect(self._display_changed)
        self.sync()

    # -- building -------------------------------------------------------------------------------

    def _run(self):
        c = self.controller
        return c.runs[c.selected] if c.runs else None

    def sync(self) -> None:
        run = self._run()
        self.setEnabled(run is not None)
        if run is None:
            self.title.setText("<i>No runs: add one in the Runs panel</i>")
            self._show("optimizer", None)
            self._show("schedule", None)
            return
        opt, sched = run.optimizer, run.schedule
        hypers = hypers_for(opt.key, opt.params)
        self._show("optimizer", self._page(("optimizer", opt.key, tuple(hypers)),  # a retyped rule: new ranges
                                           hypers, self._hyper_edited, self.form))
        self._show("schedule", self._page(("schedule", sched.key), SCHEDULES[sched.key].hypers,
                                          self._schedule_edited, self.schedule_form))
        i = self.controller.selected
        record = opt.record
        title = (f"<b style='color:{run.color}'>■</b> <b>Run {i + 1}: {html.escape(record.title)}</b>"
                 f"<br><span style='color:#666'>{html.escape(record.summary)}</span>")
        if self.title.text() != title:
            self.title.setText(title)
        for name, knob in self.knobs.items():
            knob.set_value(opt.params[name])
        with QtCore.QSignalBlocker(self.schedule):
            self.schedule.setCurrentIndex(max(self.schedule.findData(sched.key), 0))
        for name, knob in self.schedule_knobs.items():
            knob.set_value(sched.params[name])
        self.polyak.set_value(run.polyak)
        with QtCore.QSignalBlocker(self.same_lr):
            self.same_lr.setChecked(bool(self.controller.display("same_lr")))

    def _page(self, key, hypers, on_edit, layout) -> KnobPage:
        page = self._pages.get(key)
        if page is None:
            page = KnobPage(hypers, on_edit, self)
            page.hide()
            layout.addWidget(page)
            self._pages[key] = page
        return page

    def _show(self, which: str, page: KnobPage | None) -> None:
        old = self._shown[which]
        if old is not page:
            if old is not None:
                old.hide()
            if page is not None:
                page.show()
            self._shown[which] = page
        knobs = page.knobs if page is not None else {}
        if which == "optimizer":
            self.knobs = knobs
        else:
            self.schedule_knobs = knobs

    # -- input -> controller ------------------------------------------------------------------

    def _hyper_edited(self, name, value, knob) -> None:
        c = self.controller
        why = refused_because(c, lambda: c.set_hyper(c.selected, name, value))
        if why is not None:
            knob.set_invalid(True, why)

    def _schedule_edited(self, name, value, knob) -> None:
        c = self.controller
        why = refused_because(c, lambda: c.set_schedule_param(c.selected, name, value))
        if why is not None:
            knob.set_invalid(True, why)

    def _schedule_picked(self, index: int) -> None:
        key = self.schedule.itemData(index)
        if key and self._run() is not None:
            self.controller.set_schedule(self.controller.selected, key)

    def _polyak_edited(self, value) -> None:
        try:
            a = POLYAK.parse(value)
        except ValueError:
            self.polyak.set_invalid(True)
            return
        self.controller.set_run_polyak(self.controller.selected, a)

    # -- controller -> widgets ----------------------------------------------------------------

    def _run_changed(self, i: int) -> None:
        if i == self.controller.selected:
            self.sync()

    def _display_changed(self, key: str, value) -> None:
        if key == "same_lr":
            with QtCore.QSignalBlocker(self.same_lr):
                self.same_lr.setChecked(bool(value))
