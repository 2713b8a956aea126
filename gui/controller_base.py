"""What both modes' controllers are: the :class:`Mode` protocol the window, the panels and
the transport bar rely on, and :class:`ModeController`, the base holding what the two
modes share (the scene's runs, the selection, messages, display flags, run edits and
the transport).

A subclass says how its runs are recomputed (surface: only the paths a change touches;
classification: a new Trainer from step 0) through four hooks, ``_insert_run``,
``_remove_run``, ``_runs_edited`` and ``default_lr``; the rules of an edit (at most
MAX_RUNS runs, a colour a session file accepts, the surface's default lr for a new
gradient-descent run, "same lr for all runs") live here once, so the modes cannot
drift apart again.

Nothing raises into Qt: bad values come back as a ``message`` and False.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Protocol, runtime_checkable

from PySide6 import QtCore

from engine import run_edits as edits
from engine.hyper import HyperError
from engine.limits import check
from engine.registry import OPTIMIZERS, hypers_for
from engine.session import MAX_RUNS, RunConfig, Scene
from engine.spec import OptimizerSpec
from gui.history import SceneHistory
from gui.transport import Timeline, Transport

COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")  # what a session file accepts (engine.session)
SIGNALS = ("sceneChanged", "runsChanged", "runChanged", "tracesChanged", "stepChanged", "selectionChanged",
           "playingChanged", "settingsChanged", "displayChanged", "message")


@runtime_checkable
class Mode(Protocol):
    """One mode of the window, as everything outside the mode sees it. Both controllers
    satisfy it (tests/test_gui_mode.py checks names and signatures with assert_protocol),
    so the window calls the visible one without asking what it is."""

    transport: Transport
    timeline: Timeline

    @property
    def scene(self) -> Scene: ...
    @property
    def runs(self) -> tuple[RunConfig, ...]: ...
    @property
    def selected(self) -> int: ...
    @property
    def step(self) -> int: ...
    @property
    def playing(self) -> bool: ...
    @property
    def traces(self) -> list: ...

    def current_scene(self) -> Scene: ...
    def set_scene(self, scene: Scene) -> bool: ...
    def notify(self, text: str) -> None: ...
    def display(self, key: str, default=None): ...
    def set_display(self, key: str, value) -> None: ...
    def status(self, i: int) -> str: ...
    def run_loss(self, i: int) -> float | None: ...
    def set_seed(self, v) -> bool: ...
    def set_steps(self, n) -> bool: ...

    def add_run(self, key, **values) -> bool: ...
    def duplicate_run(self, i: int) -> bool: ...
    def remove_run(self, i: int) -> bool: ...
    def select_run(self, i: int) -> None: ...
    def set_run_visible(self, i: int, on: bool) -> None: ...
    def set_run_color(self, i: int, color: str) -> bool: ...
    def set_run_polyak(self, i: int, a: float) -> None: ...
    def set_hyper(self, i: int, name: str, value) -> bool: ...
    def set_same_lr(self, on: bool) -> bool: ...
    def undo(self) -> bool: ...
    def redo(self) -> bool: ...
    def set_optimizer(self, i: int, spec) -> bool: ...
    def set_schedule(self, i: int, spec) -> bool: ...
    def set_schedule_param(self, i: int, name: str, value) -> bool: ...

    def play(self) -> None: ...
    def pause(self) -> None: ...
    def toggle_play(self) -> None: ...
    def step_once(self) -> None: ...
    def step_back(self) -> None: ...
    def reset(self) -> None: ...
    def jump_to_end(self) -> None: ...
    def seek(self, k: int) -> None: ...
    def set_speed(self, v) -> None: ...
    def faster(self) -> None: ...
    def slower(self) -> None: ...


def assert_protocol(obj, protocol) -> None:
    """Raise TypeError unless ``obj`` has every member of ``protocol``, its methods taking
    the protocol's parameters by the same names, and every signal in SIGNALS (in the
    manner of magicgui's ``widgets.protocols.assert_protocol``: isinstance on a
    runtime-checkable Protocol only looks at names)."""
    import inspect

    members = sorted(_protocol_members(protocol))
    missing = [name for name in members if not hasattr(obj, name)]
    missing += [name for name in SIGNALS if not isinstance(getattr(type(obj), name, None), QtCore.Signal)]
    if missing:
        raise TypeError(f"{type(obj).__name__} does not implement {protocol.__name__}: missing {missing}")
    for name in members:
        want = getattr(protocol, name, None)
        if not inspect.isfunction(want):
            continue
        have = getattr(obj, name)
        if not callable(have):
            raise TypeError(f"{type(obj).__name__}.{name} is not a method")
        expected = [p for p in inspect.signature(want).parameters if p != "self"]
        got = list(inspect.signature(have).parameters)
        if got[: len(expected)] != expected and "args" not in got:
            raise TypeError(f"{type(obj).__name__}.{name}{inspect.signature(have)}: expected parameters {expected}")


def _protocol_members(protocol) -> set[str]:
    """The names a Protocol declares (typing keeps them in ``__protocol_attrs__`` from 3.12 on)."""
    names = set()
    for base in protocol.__mro__:
        if base.__name__ in ("Protocol", "Generic", "object"):
            continue
        names |= {n for n in vars(base) if not n.startswith("_")} | set(getattr(base, "__annotations__", {}))
    return names


class ModeController(QtCore.QObject):
    sceneChanged = QtCore.Signal()            # the scene was replaced: panels re-read their controls
    runsChanged = QtCore.Signal()             # runs added/removed (indices moved): rebuild per-run items
    runChanged = QtCore.Signal(int)           # one run's label, colour, visibility or knobs changed
    tracesChanged = QtCore.Signal(list)       # these runs' results were recomputed (or they diverged)
    stepChanged = QtCore.Signal(int)          # the step on screen
    selectionChanged = QtCore.Signal(int)
    playingChanged = QtCore.Signal(bool)
    settingsChanged = QtCore.Signal()         # the scene's own numbers changed (speed, steps, seed, ...)
    displayChanged = QtCore.Signal(str, object)
    message = QtCore.Signal(str)

    DISPLAY_DEFAULTS: dict = {"same_lr": False}
    LECTURE_LR = False  # True: a new run without an lr takes Hyper.lecture (Adam's 1e-3) where there is one

    def __init__(self, timeline: Timeline, speed: float, parent=None):
        super().__init__(parent)
        self._scene = Scene()
        self.timeline = timeline
        self.transport = Transport(timeline, speed, self)
        self.transport.playingChanged.connect(self.playingChanged)
        self.transport.message.connect(self.message)
        self.transport.speedChanged.connect(self._speed_changed)
        self.history = SceneHistory(self)  # undo/redo of this mode's scene edits

    def undo(self) -> bool:
        return self.history.undo()

    def redo(self) -> bool:
        return self.history.redo()

    # -- reading ----------------------------------------------------------------------------------

    @property
    def runs(self) -> tuple[RunConfig, ...]:
        return self._scene.runs

    @property
    def selected(self) -> int:
        return self._scene.selected

    @property
    def playing(self) -> bool:
        return self.transport.playing

    def _limited(self, hyper, value):
        """``value`` within its record in engine.limits (both modes' scalar knobs), or None
        after saying why."""
        try:
            return check(hyper, value, strict=False)
        except HyperError as err:
            self.message.emit(str(err))
            return None

    def notify(self, text: str) -> None:
        """A status message from elsewhere in the app (an export saved, a file refused)."""
        self.message.emit(text)

    def display(self, key: str, default=None):
        return self._scene.display.get(key, self.DISPLAY_DEFAULTS.get(key, default))

    def set_display(self, key: str, value) -> None:
        if self.display(key) != value:
            self._scene = self._scene.replace(display={**self._scene.display, key: value})
            self.displayChanged.emit(key, value)

    @property
    def default_lr(self) -> float | None:
        """The lr a new gradient-descent run starts with when none is given (None: the rule's own)."""
        return None

    # -- the transport (gui.transport) -------------------------------------------------------------

    def play(self) -> None:
        self.transport.play()

    def pause(self) -> None:
        self.transport.pause()

    def toggle_play(self) -> None:
        self.transport.toggle_play()

    def step_once(self) -> None:
        self.transport.step_once()

    def step_back(self) -> None:
        self.transport.step_back()

    def reset(self) -> None:
        self.transport.reset()

    def jump_to_end(self) -> None:
        self.transport.jump_to_end()

    def seek(self, k: int) -> None:
        self.transport.seek(k)

    def set_speed(self, v) -> None:
        self.transport.set_speed(v)

    def faster(self) -> None:
        self.transport.faster()

    def slower(self) -> None:
        self.transport.slower()

    def _speed_changed(self, v: float) -> None:
        # the scene carries the speed into session files; the transport owns it
        if v != self._scene.speed:
            self._scene = self._scene.replace(speed=v)
            self.settingsChanged.emit()

    def _sync_speed(self) -> None:
        """After a new scene: the transport takes the scene's speed (without a second signal)."""
        self.transport.speed = self._scene.speed

    # -- runs ---------------------------------------------------------------------------------------

    def _valid(self, i) -> bool:
        if isinstance(i, int) and 0 <= i < len(self.runs):
            return True
        self.message.emit(f"there is no run {i + 1 if isinstance(i, int) else i!r}")
        return False

    def _room(self) -> bool:
        if len(self.runs) < MAX_RUNS:
            return True
        self.message.emit(f"at most {MAX_RUNS} runs in a scene")
        return False

    def add_run(self, key="adam", **values) -> bool:
        """A new run of optimizer ``key`` (or an OptimizerSpec) at the end, in the next free
        colour; a gradient-descent rule without an lr starts at the surface's default lr."""
        if not self._room():
            return False
        try:
            if isinstance(key, OptimizerSpec):
                spec = key
            else:
                lr = self.default_lr
                if ("lr" not in values and lr and key in OPTIMIZERS and OPTIMIZERS[key].family == "gradient descent"
                        and "lr" in {h.name for h in hypers_for(key)}):
                    values["lr"] = lr
                elif "lr" not in values and self.LECTURE_LR and key in OPTIMIZERS:
                    lecture = next((h.lecture for h in hypers_for(key) if h.name == "lr"), None)
                    if lecture is not None:
                        values["lr"] = lecture
                spec = OptimizerSpec.make(key, **values)
        except HyperError as err:
            self.message.emit(str(err))
            return False
        return self._insert_run(len(self.runs), RunConfig(spec, color=edits.free_color(self.runs)))

    def duplicate_run(self, i: int) -> bool:
        if not self._valid(i) or not self._room():
            return False
        return self._insert_run(i + 1, edits.duplicate(self.runs[i], edits.free_color(self.runs)))

    def remove_run(self, i: int) -> bool:
        if not self._valid(i):
            return False
        runs = list(self.runs)
        runs.pop(i)
        selected = min(self.selected if self.selected < i else max(self.selected - 1, 0), max(len(runs) - 1, 0))
        return self._remove_run(i, tuple(runs), selected)

    def select_run(self, i: int) -> None:
        if self._valid(i) and i != self.selected:
            self._scene = self._scene.replace(selected=i)
            self.selectionChanged.emit(i)

    def _cosmetic(self, i: int, **changes) -> None:
        """A change that moves no path and restarts no training (colour, visibility, Polyak)."""
        runs = list(self.runs)
        runs[i] = replace(runs[i], **changes)
        self._scene = self._scene.replace(runs=tuple(runs))
        self.runChanged.emit(i)

    def set_run_visible(self, i: int, on: bool) -> None:
        if self._valid(i) and self.runs[i].visible != bool(on):
            self._cosmetic(i, visible=bool(on))

    def set_run_color(self, i: int, color: str) -> bool:
        """Only colours a session file accepts ('#RRGGBB'): anything else would be saved and
        then refused on opening."""
        if not self._valid(i):
            return False
        if not isinstance(color, str) or COLOR.match(color) is None:
            self.message.emit(f"colour {color!r}: expected '#RRGGBB'")
            return False
        if color != self.runs[i].color:
            self._cosmetic(i, color=color)
        return True

    def set_run_polyak(self, i: int, a: float) -> None:
        """The Polyak averaging of run ``i``'s iterates (drawn on surfaces; kept in the scene)."""
        if self._valid(i) and 0.0 <= a < 1.0:
            self._cosmetic(i, polyak=float(a))

    def set_hyper(self, i: int, name: str, value) -> bool:
        """One knob of run ``i``; with the "same learning rate" flag an lr goes to every run."""
        if not self._valid(i):
            return False
        try:
            runs, changed = edits.with_hyper(self.runs, i, name, value, bool(self.display("same_lr")))
        except HyperError as err:
            self.message.emit(str(err))
            return False
        return not changed or self._runs_edited(runs, changed)

    def set_same_lr(self, on: bool) -> bool:
        """Tick "same learning rate": every run takes the selected run's lr at once, not at
        the next edit."""
        self.set_display("same_lr", bool(on))
        if not on or not self.runs:
            return True
        lr = self.runs[self.selected].optimizer.params.get("lr")
        return lr is None or self.set_hyper(self.selected, "lr", lr)

    def set_optimizer(self, i: int, spec) -> bool:
        """Run ``i`` gets another rule or many knobs at once (an OptimizerSpec, a spec string
        or a bare key; a bare key keeps the run's lr when the new rule has one). A new rule
        drops the run's own name, which described the old one."""
        if not self._valid(i):
            return False
        old = self.runs[i]
        try:
            if not isinstance(spec, OptimizerSpec):
                text = str(spec)
                spec = OptimizerSpec.parse(text)
                old_lr = old.optimizer.params.get("lr")
                if ":" not in text and old_lr is not None and "lr" in {h.name for h in hypers_for(spec.key)}:
                    spec = spec.replace(lr=old_lr)
        except HyperError as err:
            self.message.emit(str(err))
            return False
        runs = list(self.runs)
        name = edits.refreshed_name(old, spec) if spec.key == old.optimizer.key else ""
        runs[i] = replace(old, optimizer=spec, name=name)
        return self._runs_edited(tuple(runs), [i])

    def set_schedule(self, i: int, spec) -> bool:
        if not self._valid(i):
            return False
        try:
            runs = edits.with_schedule(self.runs, i, spec)
        except HyperError as err:
            self.message.emit(str(err))
            return False
        return self._runs_edited(runs, [i])

    def set_schedule_param(self, i: int, name: str, value) -> bool:
        if not self._valid(i):
            return False
        try:
            new = edits.schedule_with_param(self.runs[i], name, value)
        except HyperError as err:
            self.message.emit(str(err))
            return False
        return new == self.runs[i].schedule or self.set_schedule(i, new)

    # -- what a mode says about recomputing --------------------------------------------------------

    def _insert_run(self, index: int, cfg: RunConfig) -> bool:
        raise NotImplementedError

    def _remove_run(self, i: int, runs: tuple, selected: int) -> bool:
        raise NotImplementedError

    def _runs_edited(self, runs: tuple, changed: list[int]) -> bool:
        """Recompute after a knob, rule or schedule of ``changed`` moved; False keeps the old runs."""
        raise NotImplementedError
