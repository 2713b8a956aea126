"""Classification mode's controller: the one object that owns the classification scene
and the Trainer.

Unlike surface mode, training is not a precomputed path: every run trains its own
copy of the model, from the same initial weights and on the same minibatches
(engine.training.Trainer), a few updates per timer tick (the transport drives
:class:`~gui.classification.timeline.TrainingTimeline`). Any change to the problem or
to a run's knobs therefore rebuilds the problem and the Trainer and restarts from
step 0 (cosmetic changes, colour and visibility, do not).

What both modes share (runs, selection, messages, run edits, the transport) is
:class:`gui.controller_base.ModeController`; the problem's own setters are here.

Nothing raises into Qt from here: a value the problem or a rule refuses (hidden
width 0 from a session, a batch larger than the data, a negative lambda, newton on
the mlp, bfgs with minibatches) is reported through ``message`` and the previous
scene keeps running.
"""

from __future__ import annotations

import math

from PySide6 import QtCore

from engine.endings import Ending
from engine.hyper import HyperError
from engine.limits import BATCH_SIZE, LABEL_SMOOTHING, MIXUP, SEED, STEPS
from engine.session import PALETTE, RunConfig, Scene
from engine.spec import OptimizerSpec, split_spec
from engine.training import check_optimizer_fits, problem_from_scene, state_memory
from gui.controller_base import ModeController

from .blas import limit_blas_threads
from .live import LiveTrainer
from .timeline import TrainingTimeline


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


class ClassificationController(ModeController):
    # sceneChanged: any field of the scene changed; runsChanged: the runs or their knobs
    # changed; runChanged: run i's colour or visibility only (no restart); stepChanged:
    # the Trainer reached this step; tracesChanged: these runs diverged; settingsChanged:
    # the speed (no restart)
    restarted = QtCore.Signal()           # a new problem/Trainer at step 0: forget drawn data
    LECTURE_LR = True  # a network, not a 2-D toy: a new run takes the lectures' lr where they quote one

    def __init__(self, scene: Scene | None = None, parent=None):
        super().__init__(TrainingTimeline(self), default_scene().speed, parent)
        limit_blas_threads(1)  # see blas.py: a second BLAS thread fights the GUI thread
        self._scene = default_scene()
        self.problem = None
        self.trainer: LiveTrainer | None = None
        self.generation = 0  # bumped on every restart, so views can tell a new Trainer from an old one
        self._reported: set[int] = set()
        if scene is None or not self.set_scene(scene):
            self._apply(default_scene())
        self.history.commit()  # the opening scene is where undo stops

    # -- reading ----------------------------------------------------------------------------------

    @property
    def scene(self) -> Scene:
        return self._scene.replace(step=self.step)

    def current_scene(self) -> Scene:
        """The scene as a session file would save it (with the step reached)."""
        return self.scene

    @property
    def step(self) -> int:
        return self.trainer.step if self.trainer is not None else 0

    @property
    def traces(self) -> list:
        """The runs' training records (``diverged_at``, metrics), as RunsPanel reads them."""
        return self.trainer.runs if self.trainer is not None else []

    def status(self, i: int) -> str:
        """'' while training, 'diverged' once run ``i`` stopped on a non-finite loss."""
        run = self.trainer.runs[i] if self.trainer is not None and i < len(self.trainer.runs) else None
        return "diverged" if run is not None and run.diverged_at is not None else ""

    def ending(self, i: int) -> Ending | None:
        """How run ``i`` ended (the runs list reads it as in surface mode), or None."""
        step = self.diverged_at(i) if i < len(self.runs) else None
        return None if step is None else Ending("diverged", step, None, f"diverged at step {step}")

    def run_loss(self, i: int) -> float | None:
        """Run ``i``'s latest training loss; None once it diverged."""
        if self.status(i) == "diverged":
            return None
        return self.last_metric(i, "train_loss")

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
        self._reported = set()
        self._sync_speed()
        self.sceneChanged.emit()
        if runs_changed:
            self.runsChanged.emit()
        self.restarted.emit()
        self.selectionChanged.emit(self.selected)
        self.stepChanged.emit(0)
        return True

    def restart(self) -> None:
        """The same scene from step 0: a fresh Trainer from the same initial weights."""
        self._apply(self._scene, runs_changed=False)

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

    def set_seed(self, v) -> bool:
        seed = self._limited(SEED, v)
        return seed is not None and self._set_problem(seed=seed)

    def set_steps(self, n) -> bool:
        n = self._limited(STEPS, n)
        return n is not None and self._set_problem(steps=n)

    # -- how run edits recompute: a new Trainer from step 0 -------------------------------------

    def _with_runs(self, runs, selected=None) -> bool:
        sel = self.selected if selected is None else selected
        return self._apply(self._scene.replace(runs=tuple(runs), selected=sel))

    def _insert_run(self, index: int, cfg: RunConfig) -> bool:
        runs = list(self.runs)
        runs.insert(index, cfg)
        return self._with_runs(runs, selected=index)

    def _remove_run(self, i: int, runs: tuple, selected: int) -> bool:
        return self._with_runs(runs, selected=selected)

    def _runs_edited(self, runs: tuple, changed: list[int]) -> bool:
        return self._with_runs(runs)

    def report_divergence(self) -> None:
        """Say once when a run diverges (the timeline calls this after every advance)."""
        new = []
        for i, run in enumerate(self.trainer.runs):
            if run.diverged_at is not None and i not in self._reported:
                self._reported.add(i)
                new.append(i)
                self.message.emit(f"{self.runs[i].label} diverged at step {run.diverged_at} (its weights or loss "
                                  f"blew up); the other runs go on — try a smaller learning rate")
        if new:
            self.tracesChanged.emit(new)
