"""The one object that owns the classification scene, the Trainer and the timer.

Unlike surface mode, training is not a precomputed path: every run trains its own
copy of the model, from the same initial weights and on the same minibatches
(engine.training.Trainer), a few updates per timer tick. Any change to the problem
or to a run's knobs therefore rebuilds the problem and the Trainer and restarts from
step 0 (cosmetic changes, colour and visibility, do not).

Nothing raises into Qt from here: a value the problem or a rule refuses (hidden
width 0 from a session, a batch larger than the data, a negative lambda, newton on
the mlp, bfgs with minibatches) is reported through ``message`` and the previous
scene keeps running.

Timing: the timer fires at ~60 Hz; a tick takes ``speed * dt`` updates, but never more
than fit in ``TICK_BUDGET_MS`` together with what the views spent drawing the last
tick (both measured, smoothed), so the window stays responsive at any speed.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import replace

from PySide6 import QtCore

from engine import run_edits as edits
from engine.hyper import HyperError
from engine.limits import BATCH_SIZE, LABEL_SMOOTHING, MIXUP, SEED, SPEED, STEPS, check
from engine.registry import hypers_for
from engine.session import MAX_RUNS, PALETTE, RunConfig, Scene
from engine.spec import OptimizerSpec, split_spec
from engine.training import check_optimizer_fits, problem_from_scene, state_memory
from gui.cues import cue_at, stop_before

from .blas import limit_blas_threads
from .live import LiveTrainer

TICK_MS = 16  # ~60 Hz
TICK_BUDGET_MS = 12.0  # training + the views' data updates per tick
SPEED_MIN, SPEED_MAX = SPEED.lo, SPEED.hi  # updates per second (engine.limits)
DISPLAY_DEFAULTS = {"same_lr": False}
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")  # what a session file accepts


def default_scene() -> Scene:
    """The CS231n spiral and a 64-unit MLP, full batch: plain SGD crawls, momentum (whose
    effective step is lr / (1 - rho) = 0.3) gets there sooner, and RMSProp and Adam
    (per-weight step sizes) at the lectures' lr 1e-3 (seeds 001, 003) fit the arms (~97 %
    on validation after the 1500 steps)."""
    runs = (("sgd", {"lr": 0.1}), ("momentum", {"lr": 0.03, "momentum": 0.9}),
            ("rmsprop", {"lr": 1e-3}), ("adam", {"lr": 1e-3}))
    return Scene(mode="classification", dataset="spiral:n=600", model="mlp:hidden=64", reg="none",
                 batch_size=0, steps=1500, speed=300.0,
                 runs=tuple(RunConfig(OptimizerSpec.make(k, **kw), color=PALETTE[i])
                            for i, (k, kw) in enumerate(runs)),
                 title="Four optimizers race on the spiral",
                 note="Every run trains its own copy of the same MLP from the same initial weights.")


class ClassificationController(QtCore.QObject):
    sceneChanged = QtCore.Signal()        # any field of the scene changed (panels re-read their controls)
    runsChanged = QtCore.Signal()         # the runs or their knobs changed: rebuild per-run items
    runChanged = QtCore.Signal(int)       # run i's colour or visibility only (no restart)
    restarted = QtCore.Signal()           # a new problem/Trainer at step 0: forget drawn data
    progressed = QtCore.Signal(int)       # the Trainer reached this step
    selectionChanged = QtCore.Signal(int)
    playingChanged = QtCore.Signal(bool)
    settingsChanged = QtCore.Signal()     # speed (no restart)
    message = QtCore.Signal(str)
    # the surface controller's names, so gui.panels.RunsPanel and HyperControls work on this one too
    tracesChanged = QtCore.Signal(list)   # these runs' status changed (they diverged)
    displayChanged = QtCore.Signal(str, object)

    def __init__(self, scene: Scene | None = None, parent=None):
        super().__init__(parent)
        limit_blas_threads(1)  # see blas.py: a second BLAS thread fights the GUI thread
        self._scene = default_scene()
        self.problem = None
        self.trainer: LiveTrainer | None = None
        self.generation = 0  # bumped on every restart, so views can tell a new Trainer from an old one
        self._credit = 0.0
        self._fit = 0.0
        self._last_tick = 0.0
        self._step_ms = 2.0  # smoothed cost of one update of every run
        self._draw_ms = 3.0  # smoothed cost of what progressed's slots did
        self._reported: set[int] = set()
        self.steps_per_tick = 0  # what the last tick took (benchmarks read these two)
        self.tick_ms = 0.0
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        if scene is None or not self.set_scene(scene):
            self._apply(default_scene())

    # -- reading ----------------------------------------------------------------------------------

    @property
    def scene(self) -> Scene:
        return self._scene.replace(step=self.step)

    @property
    def runs(self) -> tuple[RunConfig, ...]:
        return self._scene.runs

    @property
    def selected(self) -> int:
        return self._scene.selected

    @property
    def step(self) -> int:
        return self.trainer.step if self.trainer is not None else 0

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    @property
    def traces(self) -> list:
        """The runs' training records (``diverged_at``, metrics), as RunsPanel reads them."""
        return self.trainer.runs if self.trainer is not None else []

    def display(self, key: str, default=None):
        return self._scene.display.get(key, DISPLAY_DEFAULTS.get(key, default))

    def set_display(self, key: str, value) -> None:
        if self.display(key) != value:
            self._scene = self._scene.replace(display={**self._scene.display, key: value})
            self.displayChanged.emit(key, value)

    def status(self, i: int) -> str:
        """'' while training, 'diverged' once run ``i`` stopped on a non-finite loss."""
        run = self.trainer.runs[i] if self.trainer is not None and i < len(self.trainer.runs) else None
        return "diverged" if run is not None and run.diverged_at is not None else ""

    def diverged_at(self, i: int) -> int | None:
        return self.trainer.runs[i].diverged_at if self.trainer is not None else None

    def metric(self, i: int, name: str) -> list:
        """Run ``i``'s curve ``name`` (train_loss, val_loss, train_acc, val_acc), one value per step."""
        return self.trainer.runs[i].metrics.get(name, []) if self.trainer is not None else []

    def last_metric(self, i: int, name: str) -> float | None:
        """The latest finite value of run ``i``'s curve ``name`` (validation is computed
        every few steps only: live.VAL_EVERY)."""
        values = self.metric(i, name)
        for v in reversed(values[-8:]):
            if math.isfinite(v):
                return v
        return None

    def weights(self, i: int):
        return self.trainer.weights(i) if self.trainer is not None else None

    def memory(self, i: int) -> int:
        """Floats of optimizer state run ``i`` keeps per copy of the weights."""
        return state_memory(self.problem, self.runs[i].optimizer)

    # -- building ----------------------------------------------------------------------------------

    def _build(self, scene: Scene):
        """(problem, trainer) for ``scene``, or None after a message naming what was refused."""
        try:
            problem = problem_from_scene(scene)
            for i, cfg in enumerate(scene.runs):
                try:
                    check_optimizer_fits(problem, cfg.optimizer)
                except HyperError as err:
                    raise HyperError(f"run {i + 1} ({cfg.label}): {err}") from None
            trainer = LiveTrainer(problem, [(r.optimizer, r.schedule) for r in scene.runs], scene.steps,
                                  init_seed=scene.seed)
        except (HyperError, ValueError) as err:
            self.message.emit(str(err))
            return None
        except Exception as err:  # noqa: BLE001 - a failing build must never take the app down
            self.message.emit(f"could not build the problem: {type(err).__name__}: {err}")
            return None
        return problem, trainer

    def _apply(self, scene: Scene, runs_changed: bool = True) -> bool:
        """Rebuild for ``scene`` and restart at step 0; on failure keep the running scene."""
        built = self._build(scene)
        if built is None:
            return False
        self.problem, self.trainer = built
        self._scene = scene.replace(selected=min(max(scene.selected, 0), max(len(scene.runs) - 1, 0)), step=0)
        self.generation += 1
        self._credit = 0.0
        self._reported = set()
        self.sceneChanged.emit()
        if runs_changed:
            self.runsChanged.emit()
        self.restarted.emit()
        self.selectionChanged.emit(self.selected)
        self.progressed.emit(0)
        return True

    def set_scene(self, scene: Scene) -> bool:
        if scene.mode != "classification":
            self.message.emit("this pane trains classifiers; surface scenes open in surface mode")
            return False
        return self._apply(scene)

    def _set_problem(self, **changes) -> bool:
        return self._apply(self._scene.replace(**changes), runs_changed=False)

    def _set_spec(self, kind: str, spec: str) -> bool:
        try:
            split_spec(spec, kind)
        except HyperError as err:
            self.message.emit(str(err))
            return False
        return self._set_problem(**{kind: spec})

    def set_dataset(self, spec: str) -> bool:
        return self._set_spec("dataset", spec)

    def set_model(self, spec: str) -> bool:
        return self._set_spec("model", spec)

    def set_reg(self, spec: str) -> bool:
        return self._set_spec("reg", spec)

    def _limited(self, hyper, value):
        """``value`` within its record in engine.limits, or None after saying why."""
        try:
            return check(hyper, value, strict=False)
        except HyperError as err:
            self.message.emit(str(err))
            return None

    def set_batch_size(self, b) -> bool:
        """Points per update: 1 = pure SGD, 0 (or the training-set size) = full batch."""
        b = self._limited(BATCH_SIZE, b)
        return b is not None and self._set_problem(batch_size=b)

    def set_label_smoothing(self, eps) -> bool:
        eps = self._limited(LABEL_SMOOTHING, eps)
        return eps is not None and self._set_problem(label_smoothing=float(eps))

    def set_mixup(self, alpha) -> bool:
        alpha = self._limited(MIXUP, alpha)
        return alpha is not None and self._set_problem(mixup=float(alpha))

    def set_seed(self, seed) -> bool:
        seed = self._limited(SEED, seed)
        return seed is not None and self._set_problem(seed=seed)

    def set_steps(self, n) -> bool:
        n = self._limited(STEPS, n)
        return n is not None and self._set_problem(steps=n)

    def set_speed(self, v) -> None:
        """Updates per second while playing (a tick never takes more than its time budget)."""
        try:
            v = float(v)
        except (TypeError, ValueError):
            return
        if math.isfinite(v):
            v = min(max(v, SPEED_MIN), SPEED_MAX)
            if v != self._scene.speed:
                self._scene = self._scene.replace(speed=v)
                self.settingsChanged.emit()

    # -- runs ----------------------------------------------------------------------------------------

    def _valid(self, i: int) -> bool:
        if isinstance(i, int) and 0 <= i < len(self.runs):
            return True
        self.message.emit(f"there is no run {i + 1 if isinstance(i, int) else i!r}")
        return False

    def _free_color(self) -> str:
        return edits.free_color(self.runs)

    def _with_runs(self, runs, selected=None) -> bool:
        sel = self.selected if selected is None else selected
        return self._apply(self._scene.replace(runs=tuple(runs), selected=sel))

    def add_run(self, key="adam", **values) -> bool:
        """A new run of optimizer ``key`` (or an OptimizerSpec), in the next free colour."""
        if len(self.runs) >= MAX_RUNS:
            self.message.emit(f"at most {MAX_RUNS} runs in a scene")
            return False
        try:
            if not isinstance(key, OptimizerSpec) and "lr" not in values:
                # a network, not a 2-D toy: the lectures' lr where they quote one (Adam's 1e-3)
                lecture = next((h.lecture for h in hypers_for(key) if h.name == "lr"), None)
                values = {**values, **({"lr": lecture} if lecture is not None else {})}
            spec = key if isinstance(key, OptimizerSpec) else OptimizerSpec.make(key, **values)
        except HyperError as err:
            self.message.emit(str(err))
            return False
        runs = list(self.runs) + [RunConfig(spec, color=self._free_color())]
        return self._with_runs(runs, selected=len(runs) - 1)

    def duplicate_run(self, i: int) -> bool:
        if not self._valid(i):
            return False
        if len(self.runs) >= MAX_RUNS:
            self.message.emit(f"at most {MAX_RUNS} runs in a scene")
            return False
        runs = list(self.runs)
        runs.insert(i + 1, edits.duplicate(self.runs[i], self._free_color()))
        return self._with_runs(runs, selected=i + 1)

    def remove_run(self, i: int) -> bool:
        if not self._valid(i):
            return False
        runs = list(self.runs)
        runs.pop(i)
        sel = self.selected if self.selected < i else max(self.selected - 1, 0)
        return self._with_runs(runs, selected=sel)

    def select_run(self, i: int) -> None:
        if self._valid(i) and i != self.selected:
            self._scene = self._scene.replace(selected=i)
            self.selectionChanged.emit(i)

    def set_optimizer(self, i: int, spec) -> bool:
        """Run ``i`` gets another rule (an OptimizerSpec, a spec string or a key); its lr is
        kept when the new rule has one."""
        if not self._valid(i):
            return False
        try:
            if not isinstance(spec, OptimizerSpec):
                text = str(spec)
                spec = OptimizerSpec.parse(text)
                old_lr = self.runs[i].optimizer.params.get("lr")
                if ":" not in text and old_lr is not None and "lr" in {h.name for h in hypers_for(spec.key)}:
                    spec = spec.replace(lr=old_lr)
        except HyperError as err:
            self.message.emit(str(err))
            return False
        runs = list(self.runs)
        runs[i] = replace(runs[i], optimizer=spec, name="")
        return self._with_runs(runs)

    def set_hyper(self, i: int, name: str, value) -> bool:
        """One knob of run ``i``; with the "same learning rate" switch an lr goes to every run."""
        if not self._valid(i):
            return False
        try:
            runs, _ = edits.with_hyper(self.runs, i, name, value, bool(self.display("same_lr")))
        except HyperError as err:
            self.message.emit(str(err))
            return False
        if tuple(runs) == self.runs:
            return True
        return self._with_runs(runs)

    def set_schedule(self, i: int, spec) -> bool:
        if not self._valid(i):
            return False
        try:
            runs = edits.with_schedule(self.runs, i, spec)
        except HyperError as err:
            self.message.emit(str(err))
            return False
        return self._with_runs(runs)

    def set_schedule_param(self, i: int, name: str, value) -> bool:
        if not self._valid(i):
            return False
        try:
            new = edits.schedule_with_param(self.runs[i], name, value)
        except HyperError as err:
            self.message.emit(str(err))
            return False
        return new == self.runs[i].schedule or self.set_schedule(i, new)

    def set_run_polyak(self, i: int, a: float) -> None:
        """Kept in the scene (surface mode draws it); training itself does not use it."""
        if self._valid(i) and 0.0 <= a < 1.0:
            self._set_cosmetic(i, polyak=float(a))

    def set_run_visible(self, i: int, on: bool) -> None:
        if self._valid(i) and self.runs[i].visible != bool(on):
            self._set_cosmetic(i, visible=bool(on))

    def set_run_color(self, i: int, color: str) -> None:
        if self._valid(i):
            if not isinstance(color, str) or _COLOR.match(color) is None:
                self.message.emit(f"colour {color!r}: expected '#RRGGBB'")
                return
            self._set_cosmetic(i, color=color)

    def _set_cosmetic(self, i: int, **changes) -> None:
        runs = list(self.runs)
        runs[i] = replace(runs[i], **changes)
        self._scene = self._scene.replace(runs=tuple(runs))
        self.runChanged.emit(i)

    # -- playing -------------------------------------------------------------------------------------

    @property
    def last_step(self) -> int:
        """Where playing stops (the surface controller's name for it)."""
        return self._scene.steps

    def play(self) -> None:
        if self.playing or self.trainer is None:
            return
        if not self.runs:
            self.message.emit("no runs to train: add one")
            return
        if self.trainer.done:
            self._apply(self._scene, runs_changed=False)  # play again from step 0
        self._credit = 0.0
        self._last_tick = time.perf_counter()
        self._timer.start()
        self.playingChanged.emit(True)

    def pause(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.playingChanged.emit(False)

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def step_once(self) -> None:
        self.pause()
        self._advance(1)

    def reset(self) -> None:
        """Back to step 0 (same scene, fresh Trainer)."""
        self.pause()
        self._apply(self._scene, runs_changed=False)

    def _advance(self, n: int) -> int:
        if self.trainer is None or self.trainer.done:
            self.pause()
            return 0
        t0 = time.perf_counter()
        try:
            taken = self.trainer.advance(n)
        except Exception as err:  # noqa: BLE001 - keep the window alive, say what happened
            self.pause()
            self.message.emit(f"training stopped: {type(err).__name__}: {err}")
            return 0
        t1 = time.perf_counter()
        if taken:
            self._step_ms = 0.8 * self._step_ms + 0.2 * (t1 - t0) * 1e3 / taken
        self._report_divergence()
        self.progressed.emit(self.step)
        self._draw_ms = 0.8 * self._draw_ms + 0.2 * (time.perf_counter() - t1) * 1e3
        if self.trainer.done:
            self.pause()
        return taken

    def _report_divergence(self) -> None:
        new = []
        for i, run in enumerate(self.trainer.runs):
            if run.diverged_at is not None and i not in self._reported:
                self._reported.add(i)
                new.append(i)
                self.message.emit(f"{self.runs[i].label} diverged at step {run.diverged_at} (its weights or loss "
                                  f"blew up); the other runs go on — try a smaller learning rate")
        if new:
            self.tracesChanged.emit(new)

    def _tick(self) -> None:
        now = time.perf_counter()
        dt = min(now - self._last_tick, 0.1)  # a stalled frame must not pile up work
        self._last_tick = now
        self._credit += self._scene.speed * dt
        # updates that fit in this tick's budget; the fraction carries over, so a budget of
        # 2.5 updates a tick gives 2, 3, 2, 3, ... and not 2 forever
        self._fit += max(TICK_BUDGET_MS - self._draw_ms, 1.0) / max(self._step_ms, 1e-3)
        self._fit = min(self._fit, 2.0 * TICK_BUDGET_MS / max(self._step_ms, 1e-3))
        n = min(int(self._credit), max(int(self._fit), 1))
        n = min(n, stop_before(self._scene.cues, self.step, self._scene.steps) - self.step)
        if n < 1:
            return
        self._fit = max(self._fit - n, 0.0)
        self._credit = min(self._credit - n, self._scene.speed * 0.05)
        self.steps_per_tick = n
        self._advance(n)
        if cue_at(self._scene.cues, self.step) is not None:
            self.pause()  # a preset's stop: the lecturer asks, then plays on
        self.tick_ms = (time.perf_counter() - now) * 1e3
