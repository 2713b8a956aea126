"""Adding, removing and tuning the runs of the scene: each change recomputes only the
runs it touches and says so (runsChanged when indices move, runChanged for one run).
Mixed into PlaygroundController; bad values come back as a message, never an exception.
"""

from __future__ import annotations

from dataclasses import replace

from engine import run_edits as edits
from engine.hyper import HyperError
from engine.registry import OPTIMIZERS, hypers_for
from engine.session import MAX_RUNS, RunConfig
from engine.spec import OptimizerSpec


class RunEditsMixin:
    def _free_color(self) -> str:
        return edits.free_color(self.runs)

    def add_run(self, key: str, **values) -> bool:
        if len(self.runs) >= MAX_RUNS:
            self.message.emit(f"at most {MAX_RUNS} runs in a scene")
            return False
        try:
            if "lr" not in values and self.surface.default_lr and "lr" in {h.name for h in hypers_for(key)}:
                if OPTIMIZERS[key].family == "gradient descent":
                    values["lr"] = self.surface.default_lr
            optimizer = OptimizerSpec.make(key, **values)
        except HyperError as err:
            self.message.emit(str(err))
            return False
        cfg = RunConfig(optimizer, color=self._free_color())
        return self._insert_run(len(self.runs), cfg)

    def _insert_run(self, index: int, cfg: RunConfig) -> bool:
        runs = list(self.runs)
        runs.insert(index, cfg)
        scene = self.scene.replace(runs=tuple(runs), selected=index)
        self.traces.insert(index, None)
        tr = self._compute(index, scene=scene)
        if tr is None:
            self.traces.pop(index)
            return False
        self._states.clear()
        self._polyak.clear()
        self._store(index, tr)
        self.scene = scene
        self._report_divergence([index])
        self.runsChanged.emit()
        self.selectionChanged.emit(index)
        return True

    def duplicate_run(self, i: int) -> bool:
        if not self._valid(i):
            return False
        if len(self.runs) >= MAX_RUNS:
            self.message.emit(f"at most {MAX_RUNS} runs in a scene")
            return False
        return self._insert_run(i + 1, edits.duplicate(self.runs[i], self._free_color()))

    def remove_run(self, i: int) -> bool:
        if not self._valid(i):
            return False
        runs = list(self.runs)
        runs.pop(i)
        self.traces.pop(i)
        self._states.clear()
        self._polyak.clear()
        selected = min(self.selected if self.selected < i else max(self.selected - 1, 0), max(len(runs) - 1, 0))
        self.scene = self.scene.replace(runs=tuple(runs), selected=selected)
        self.runsChanged.emit()
        self.selectionChanged.emit(selected)
        return True

    def _valid(self, i: int) -> bool:
        if 0 <= i < len(self.runs):
            return True
        self.message.emit(f"there is no run {i + 1}")
        return False

    def _set_run(self, i: int, cfg: RunConfig) -> None:
        runs = list(self.runs)
        runs[i] = cfg
        self.scene = self.scene.replace(runs=tuple(runs))

    def set_run_visible(self, i: int, on: bool) -> None:
        if self._valid(i) and self.runs[i].visible != bool(on):
            self._set_run(i, replace(self.runs[i], visible=bool(on)))
            self.runChanged.emit(i)

    def set_run_color(self, i: int, color: str) -> None:
        if self._valid(i):
            self._set_run(i, replace(self.runs[i], color=str(color)))
            self.runChanged.emit(i)

    def set_run_polyak(self, i: int, a: float) -> None:
        if self._valid(i) and 0.0 <= a < 1.0:
            self._set_run(i, replace(self.runs[i], polyak=float(a)))
            self._polyak.pop(i, None)
            self.runChanged.emit(i)

    def select_run(self, i: int) -> None:
        if self._valid(i) and i != self.selected:
            self.scene = self.scene.replace(selected=i)
            self.selectionChanged.emit(i)

    def set_hyper(self, i: int, name: str, value) -> bool:
        """One knob of run ``i``; with the "same learning rate" flag an lr goes to every run."""
        if not self._valid(i):
            return False
        try:
            runs, changed = edits.with_hyper(self.runs, i, name, value, bool(self.display("same_lr")))
        except HyperError as err:
            self.message.emit(str(err))
            return False
        if not changed:
            return True
        if not self._apply(self.scene.replace(runs=tuple(runs)), changed):
            return False
        for j in changed:
            self.runChanged.emit(j)
        return True

    def set_optimizer(self, i: int, spec: OptimizerSpec) -> bool:
        """Replace run ``i``'s optimizer (another rule or many knobs at once)."""
        if not self._valid(i):
            return False
        runs = list(self.runs)
        runs[i] = replace(runs[i], optimizer=spec)
        if not self._apply(self.scene.replace(runs=tuple(runs)), [i]):
            return False
        self.runChanged.emit(i)
        return True

    def set_schedule(self, i: int, spec) -> bool:
        if not self._valid(i):
            return False
        try:
            runs = edits.with_schedule(self.runs, i, spec)
        except HyperError as err:
            self.message.emit(str(err))
            return False
        if not self._apply(self.scene.replace(runs=runs), [i]):
            return False
        self.runChanged.emit(i)
        return True

    def set_schedule_param(self, i: int, name: str, value) -> bool:
        if not self._valid(i):
            return False
        try:
            new = edits.schedule_with_param(self.runs[i], name, value)
        except HyperError as err:
            self.message.emit(str(err))
            return False
        return new == self.runs[i].schedule or self.set_schedule(i, new)
