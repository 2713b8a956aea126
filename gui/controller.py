"""Surface mode's controller: the one object that owns the scene and the runs' paths.

What both modes share (runs, selection, messages, display flags, run edits, the
transport) is :class:`gui.controller_base.ModeController`; this module adds the
surface, the paths and the settings that move every path, and says how a run edit
recomputes (only the paths it touches). Its timeline (:mod:`gui.playback`) is whole
paths, so the transport can show any step at once.

Paths are pure functions of the scene (Distill style): any change recomputes the
whole path of the runs it affects (engine.runner.run, ~2 ms per 1000 steps), and
the views redraw up to the current step at once. Playing only *reveals* the
precomputed paths at ``speed`` steps per second.

Nothing raises into Qt from here: bad values (out of range, a formula that does
not parse, a rule that fails) are caught at this boundary, reported through
``message`` and the previous scene is kept.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from PySide6 import QtWidgets

from engine import run_edits as edits
from engine.branching import check_branchable, run_branched
from engine.endings import ending_of
from engine.hyper import HyperError
from engine.limits import NOISE, SEED, STEPS
from engine.runner import run
from engine.session import PALETTE, RunConfig, Scene, SessionError
from engine.signals import needs_states
from engine.spec import OptimizerSpec, split_spec
from engine.stepper import rule_record
from engine.trace import polyak_average
from gui import long_work
from gui.controller_base import ModeController
from gui.playback import PathTimeline


class _PathFailed(Exception):
    """A path could not be computed in the worker thread (the message names the run)."""


DEFAULT_POLYAK = 0.95  # the averaging used when the Polyak toggle is on and a run has none

# Display toggles (Scene.display) and their defaults: views read them through display().
DISPLAY_DEFAULTS = {
    "gradient_arrows": False, "step_arrows": False, "velocity_arrows": False, "adaptive_boxes": False,
    "polyak": False, "log_loss": True, "loss_minus_min": True, "log_lr": False, "same_lr": False,
    "contours": True, "trail_width": 2.0, "iterate_dots": True, "update_geometry": False,
}


STATE_DISPLAYS = ("velocity_arrows", "adaptive_boxes")  # overlays that need optimizer state


def default_scene() -> Scene:
    """Five classics racing down an ill-conditioned bowl (kappa = 10): SGD zig-zags
    across the valley, momentum overshoots, Nesterov damps it, RMSProp and Adam
    rescale the axes."""
    runs = (
        ("sgd", {"lr": 0.18}), ("momentum", {"lr": 0.03, "momentum": 0.8}),
        ("nesterov", {"lr": 0.03, "momentum": 0.8}), ("rmsprop", {"lr": 0.05}), ("adam", {"lr": 0.15}),
    )
    return Scene(surface="quadratic:kappa=10,angle=0", steps=300, speed=60.0, start=(-2.5, 1.5),
                 runs=tuple(RunConfig(OptimizerSpec.make(k, **kw), color=PALETTE[i])
                            for i, (k, kw) in enumerate(runs)),
                 title="Five optimizers on an ill-conditioned quadratic")


class PlaygroundController(ModeController):
    # sceneChanged: surface and runs replaced; tracesChanged: the paths of these runs were
    # recomputed; settingsChanged: speed, steps, noise, seed or start changed
    DISPLAY_DEFAULTS = DISPLAY_DEFAULTS

    def __init__(self, scene: Scene | None = None, parent=None):
        super().__init__(PathTimeline(self), Scene().speed, parent)
        self.surface = None
        self.traces: list = []
        self.step = 0
        self._states: dict[int, object] = {}   # index -> trace with record_states (inspector)
        self._polyak: dict[int, object] = {}
        self._endings: dict[int, tuple] = {}  # index -> (trace, surface, engine.endings.Ending)
        # A scene that cannot be shown is refused here, never swapped for the default one:
        # a window on the wrong scene would let Ctrl+S write it over the user's file.
        said: list[str] = []
        self.message.connect(said.append)
        try:
            ok = self.set_scene(scene or default_scene())
        finally:
            self.message.disconnect(said.append)
        if not ok:
            raise SessionError(said[-1] if said else "the scene could not be shown")
        self.history.commit()  # the opening scene is where undo stops

    # -- reading ------------------------------------------------------------------------------

    @property
    def scene(self) -> Scene:
        return self._scene

    @scene.setter
    def scene(self, scene: Scene) -> None:
        self._scene = scene

    @property
    def start(self) -> tuple[float, ...]:
        return tuple(self.scene.start) if self.scene.start is not None else tuple(self.surface.start)

    @property
    def default_lr(self) -> float | None:
        return self.surface.default_lr if self.surface is not None else None

    @property
    def last_step(self) -> int:
        """Where playing stops: the last row of the longest path."""
        return max((len(tr.xs) - 1 for tr in self.traces), default=0)

    def current_scene(self) -> Scene:
        """The scene as a session file would save it (with the animation's step)."""
        return self.scene.replace(step=self.step)

    def row(self, i: int) -> int:
        """The row of run ``i`` shown at the current step (a diverged run stays at its end)."""
        return min(self.step, len(self.traces[i].xs) - 1)

    def run_loss(self, i: int) -> float | None:
        """Run ``i``'s loss at the step on screen; None once it diverged there."""
        tr = self.traces[i]
        t = self.row(i)
        if self.status(i) == "diverged" and t == len(tr.xs) - 1:
            return None
        return float(tr.loss[t])

    def status(self, i: int) -> str:
        """'' while running; once a run ended before its last step or left the view for
        good: 'diverged', 'escaped' (off a surface with no minimum: the saddle's success),
        'left' (out of the view, still finite) or 'stopped' (converged early)."""
        ending = self.ending(i)
        if ending is None:
            return ""
        return "stopped" if ending.kind == "converged" else ending.kind

    def ending(self, i: int):
        """How run ``i`` ends (engine.endings.Ending) or None; cached per path."""
        tr = self.traces[i]
        cached = self._endings.get(i)
        if cached is None or cached[0] is not tr or cached[1] is not self.surface:
            cached = (tr, self.surface, ending_of(tr, self.surface))
            self._endings[i] = cached
        return cached[2]

    def states_trace(self, i: int):
        """Run ``i`` recomputed with its optimizer state at every row (cached)."""
        if i not in self._states and 0 <= i < len(self.runs):
            if rule_record(self.runs[i].optimizer).kind != "elementwise":
                # vector rules (BFGS, L-BFGS, ...) keep no per-row state: recomputing a
                # 100,000-step L-BFGS run here would only freeze the window for nothing
                self._states[i] = self.traces[i]
            else:
                self._states[i] = self._compute(i, record_states=True) or self.traces[i]
        return self._states.get(i)

    def polyak_path(self, i: int):
        """The Polyak-averaged iterates of run ``i`` or None when it has no averaging."""
        a = self.runs[i].polyak or (DEFAULT_POLYAK if self.display("polyak") else 0.0)
        if not a:
            return None
        cached = self._polyak.get(i)
        if cached is None or cached[0] != a:
            cached = (a, polyak_average(self.traces[i].xs, a))
            self._polyak[i] = cached
        return cached[1]

    # -- computing paths ------------------------------------------------------------------------

    def _compute(self, i: int, record_states: bool | None = None, surface=None, scene=None):
        """Run ``i``'s path; the selected run keeps its optimizer state for the inspector
        (one run instead of two on every slider move)."""
        scene = scene or self.scene
        surface = surface or self.surface
        try:
            return self._path(i, scene, surface, record_states)
        except Exception as err:  # noqa: BLE001 - a failing rule must never take the app down
            self.message.emit(f"{scene.runs[i].label}: could not compute the path ({err})")
            return None

    def _path(self, i: int, scene: Scene, surface, record_states=None, on_step=None):
        """Run ``i``'s path under ``scene``: a pure function, safe in a worker thread."""
        cfg = scene.runs[i]
        if record_states is None:
            # the head overlays read every run's moments: then record them all at once
            record_states = i == scene.selected or any(
                scene.display.get(k, DISPLAY_DEFAULTS[k]) for k in STATE_DISPLAYS) or needs_states(scene.display)
        start = scene.start if scene.start is not None else surface.start
        if cfg.history:  # a branch (element-wise rules, the float path): its past settings up to step k
            return run_branched(surface, cfg.history, cfg.optimizer, cfg.schedule, start, scene.steps,
                                scene.noise, scene.seed, record_states=record_states)
        return run(surface, cfg.optimizer, cfg.schedule, start, scene.steps, scene.noise, scene.seed,
                   record_states=record_states, on_step=on_step)

    def _recompute(self, indices, scene=None, surface=None) -> list | None:
        """Paths for ``indices`` under ``scene``/``surface``; None (and a message) if one
        fails or the user cancels. Work estimated above long_work.LONG_WORK_S runs off
        the UI thread with progress and Cancel, so a heavy session never freezes the window."""
        scene = scene or self.scene
        surface = surface or self.surface
        indices = list(indices)
        if long_work.busy():  # a release or timer asked for a change while a heavy one runs
            self.message.emit("still computing the previous change: try again when it is done")
            return None
        if long_work.estimate_seconds((rule_record(scene.runs[i].optimizer).kind, scene.steps)
                                      for i in indices) > long_work.LONG_WORK_S:
            return self._recompute_off_the_ui_thread(indices, scene, surface)
        out = []
        for i in indices:
            tr = self._compute(i, surface=surface, scene=scene)
            if tr is None:
                return None
            out.append(tr)
        return out

    def _recompute_off_the_ui_thread(self, indices, scene: Scene, surface) -> list | None:
        def job(i):
            def compute(progress):
                before = progress.done
                try:
                    tr = self._path(i, scene, surface, on_step=lambda k, X: progress.tick())
                except long_work.Cancelled:
                    raise
                except Exception as err:  # noqa: BLE001 - named and reported in the UI thread
                    raise _PathFailed(f"{scene.runs[i].label}: could not compute the path ({err})") from None
                progress.tick(max(0, scene.steps - (progress.done - before)))  # the float path: at once
                return tr
            return compute

        parent = self.parent() if isinstance(self.parent(), QtWidgets.QWidget) else None
        label = f"Computing {len(indices)} path{'s' if len(indices) != 1 else ''} of {scene.steps:,} steps…"
        try:
            traces = long_work.run_off_the_ui_thread(parent, label, [job(i) for i in indices],
                                                     total=len(indices) * scene.steps)
        except _PathFailed as err:
            self.message.emit(str(err))
            return None
        if traces is None:
            self.message.emit("computing the paths was cancelled: the scene on screen did not change")
        return traces

    def _store(self, i: int, tr) -> None:
        self.traces[i] = tr
        self._polyak.pop(i, None)
        if tr.states is not None:
            self._states[i] = tr
        else:
            self._states.pop(i, None)

    def _store_all(self, traces) -> None:
        self.traces = [None] * len(traces)
        self._states.clear()
        self._polyak.clear()
        for i, tr in enumerate(traces):
            self._store(i, tr)

    def _commit(self, scene: Scene, indices, traces) -> None:
        self.scene = scene
        before = {i: self.status(i) if self.traces[i] is not None else "" for i in indices}
        for i, tr in zip(indices, traces):
            self._store(i, tr)
        # say it once when a run starts diverging, not on every slider move after that
        self._report_divergence([i for i in indices if self.status(i) != before[i]])

    def _report_divergence(self, indices) -> None:
        if any(self.status(i) == "diverged" and self.traces[i].diverged_at == 0 for i in indices):
            with np.errstate(all="ignore"):
                value = float(self.surface.value_at([self.start])[0])
            if not math.isfinite(value):  # no learning rate helps: the runs never had a loss
                self.message.emit("f is not defined at the start point: move the start into the region "
                                  "where f has a value (the hatched region has none)")
                return
        for i in indices:
            if self.status(i) == "diverged":
                self.message.emit(f"{self.runs[i].label} {self.ending(i).text}: try a smaller learning rate")

    def _apply(self, scene: Scene, indices) -> bool:
        """Recompute ``indices`` under ``scene``; commit and announce, or keep the old scene."""
        traces = self._recompute(indices, scene=scene)
        if traces is None:
            return False
        self._commit(scene, indices, traces)
        self.timeline.show(min(self.step, self.scene.steps))  # fewer steps: the step follows
        self.tracesChanged.emit(list(indices))
        return True

    # -- the whole scene ------------------------------------------------------------------------

    def set_scene(self, scene: Scene) -> bool:
        if scene.mode != "surface":
            self.message.emit("this window shows surfaces; classification scenes open in their own mode")
            return False
        try:
            surface = scene.make_surface()
        except (HyperError, ValueError) as err:
            self.message.emit(f"cannot open the scene: {err}")
            return False
        if scene.start is not None and len(scene.start) != surface.dim:
            scene = scene.replace(start=None)
        traces = self._recompute(range(len(scene.runs)), scene=scene, surface=surface)
        if traces is None:
            return False
        self.pause()
        self.surface = surface
        self._store_all(traces)
        self.scene = scene.replace(selected=min(scene.selected, max(len(scene.runs) - 1, 0)))
        self.step = min(scene.step, self.scene.steps)
        self._sync_speed()
        self._report_divergence(range(len(traces)))
        self.sceneChanged.emit()
        self.selectionChanged.emit(self.selected)
        self.settingsChanged.emit()
        self.stepChanged.emit(self.step)
        return True

    def set_surface(self, spec: str, formula: str | None = None) -> bool:
        """A new surface; its default start and view unless the dimension stays the same
        and only parameters changed."""
        try:
            key = split_spec(spec, "surface")[0]
        except HyperError as err:
            self.message.emit(str(err))
            return False
        same_kind = key == split_spec(self.scene.surface, "surface")[0]
        changes = {"surface": spec, "formula": formula if key == "custom" else None}
        if not same_kind:
            changes.update(start=None, view=None)
        return self._replace_surface(self.scene.replace(**changes))

    def set_surface_param(self, name: str, value) -> bool:
        params = dict(self.surface.params)
        params[name] = value
        key = self.surface.key
        hypers = {h.name: h for h in type(self.surface).hypers}
        try:
            parts = [f"{k}={hypers[k].format(hypers[k].parse(v))}" for k, v in params.items()]
        except (HyperError, KeyError) as err:
            self.message.emit(f"surface {key!r}: {err}")
            return False
        spec = key + (":" + ",".join(parts) if parts else "")
        changes = {"surface": spec}
        if key == "custom":
            changes["view"] = None  # the custom surface's view box is its parameters
        return self._replace_surface(self.scene.replace(**changes))

    def _replace_surface(self, scene: Scene) -> bool:
        try:
            surface = scene.make_surface()
        except (HyperError, ValueError) as err:
            self.message.emit(str(err))
            return False
        if scene.start is not None and len(scene.start) != surface.dim:
            scene = scene.replace(start=None)
        traces = self._recompute(range(len(scene.runs)), scene=scene, surface=surface)
        if traces is None:
            return False
        self.surface = surface
        self.scene = scene
        self._store_all(traces)
        self._report_divergence(range(len(traces)))
        self.sceneChanged.emit()
        self.settingsChanged.emit()
        self.stepChanged.emit(self.step)
        return True

    # -- scene settings that move every path ---------------------------------------------------

    def _set_all(self, **changes) -> bool:
        ok = self._apply(self.scene.replace(**changes), range(len(self.runs)))
        if ok:
            self.settingsChanged.emit()
        return ok

    def set_start(self, point) -> bool:
        try:
            point = tuple(float(v) for v in point)[: self.surface.dim]
        except (TypeError, ValueError):
            self.message.emit(f"start {point!r}: expected {self.surface.dim} number(s)")
            return False
        if len(point) != self.surface.dim or not all(math.isfinite(v) for v in point):
            self.message.emit(f"start {point!r}: expected {self.surface.dim} finite number(s)")
            return False
        return self._set_all(start=point)

    def set_noise(self, v) -> bool:
        v = self._limited(NOISE, v)
        return v is not None and self._set_all(noise=float(v))

    def set_seed(self, v) -> bool:
        v = self._limited(SEED, v)
        return v is not None and self._set_all(seed=v)

    def set_steps(self, n) -> bool:
        n = self._limited(STEPS, n)
        return n is not None and self._set_all(steps=n)

    def set_display(self, key: str, value) -> None:
        if key == "polyak":
            self._polyak.clear()  # before the views hear of it
        super().set_display(key, value)

    # -- how run edits recompute: only the paths they touch ------------------------------------

    def _insert_run(self, index: int, cfg: RunConfig) -> bool:
        runs = list(self.runs)
        runs.insert(index, cfg)
        scene = self.scene.replace(runs=tuple(runs), selected=index)
        self.traces.insert(index, None)
        traces = self._recompute([index], scene=scene)  # a heavy run goes off the UI thread too
        if traces is None:
            self.traces.pop(index)
            return False
        tr = traces[0]
        self._states.clear()
        self._polyak.clear()
        self._store(index, tr)
        self.scene = scene
        self._report_divergence([index])
        self.runsChanged.emit()
        self.selectionChanged.emit(index)
        return True

    def branch_run(self, i: int, k: int | None = None) -> bool:
        """Rewind and branch: a new run right after run ``i`` sharing its path (optimizer
        state included) up to step ``k`` (default: the step shown), then following its own
        knobs -- the same ones until the user changes one. Run ``i`` stays, dimmed and
        dashed, as the branch's past."""
        if not self._valid(i) or not self._room():
            return False
        cfg = self.runs[i]
        k = max(0, min(self.step if k is None else int(k), self.scene.steps))
        try:
            check_branchable(self.surface, cfg.optimizer)
            new = edits.branch(cfg, k, edits.free_color(self.runs))
        except HyperError as err:
            self.message.emit(str(err))
            return False
        runs = list(self.runs)
        runs[i] = replace(cfg, branched=True)
        before = self.scene
        self.scene = self.scene.replace(runs=tuple(runs))
        if not self._insert_run(i + 1, new):
            self.scene = before
            return False
        self.runChanged.emit(i)
        self.message.emit(f"{new.label}: change its knobs or its optimizer; {cfg.label} keeps the old path")
        return True

    def _remove_run(self, i: int, runs: tuple, selected: int) -> bool:
        # removing a branch: its original is drawn as usual again once no branch is left on it
        original = edits.original_of(self.runs, i)
        if original is not None:
            others = [j for j in range(len(self.runs)) if j not in (i, original)
                      and edits.original_of(self.runs, j) == original]
            if not others:
                runs = list(runs)
                k = original - (original > i)
                runs[k] = replace(runs[k], branched=False)
                runs = tuple(runs)
        self.traces.pop(i)
        self._states.clear()
        self._polyak.clear()
        self.scene = self.scene.replace(runs=runs, selected=selected)
        self.runsChanged.emit()
        self.selectionChanged.emit(selected)
        return True

    def _runs_edited(self, runs: tuple, changed: list[int]) -> bool:
        if not self._apply(self.scene.replace(runs=tuple(runs)), changed):
            return False
        for j in changed:
            self.runChanged.emit(j)
        return True

    def _cosmetic(self, i: int, **changes) -> None:
        if "polyak" in changes:
            self._polyak.pop(i, None)
        super()._cosmetic(i, **changes)
