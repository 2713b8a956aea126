"""Edits of a scene's runs as pure functions of the runs tuple.

Both modes' controllers (surface and classification) edit runs the same way, so the
rules live here once: the next free colour, a knob change honouring "same learning
rate for all runs", a schedule or a schedule parameter. Each returns new runs (and
which changed) or raises HyperError for the run the user touched.
"""

from __future__ import annotations

from dataclasses import replace

from engine.hyper import HyperError
from engine.registry import hypers_for
from engine.session import PALETTE, RunConfig
from engine.spec import ScheduleSpec


def free_color(runs) -> str:
    """The first palette colour no run uses yet (cycling once all are taken)."""
    used = {r.color.upper() for r in runs}
    return next((c for c in PALETTE if c.upper() not in used), PALETTE[len(runs) % len(PALETTE)])


def duplicate(cfg: RunConfig, color: str) -> RunConfig:
    """A visible copy of a run with its own colour and the optimizer's own label (a
    branch's copy keeps its past: it is the same path)."""
    return RunConfig(cfg.optimizer, cfg.schedule, color, True, "", cfg.polyak, cfg.history)


def branch(cfg: RunConfig, k: int, color: str) -> RunConfig:
    """Rewind and branch (engine.branching): a run that shares ``cfg``'s path up to step
    ``k`` and then follows its own knobs (the same ones until one is changed)."""
    from engine.branching import Segment

    if cfg.history and k < cfg.history[-1].until:
        raise HyperError(f"{cfg.label} is already a branch from step {cfg.history[-1].until}: "
                         "branch it at that step or later")
    return RunConfig(cfg.optimizer, cfg.schedule, color, True, "", cfg.polyak,
                     cfg.history + (Segment(cfg.optimizer, cfg.schedule, int(k)),))


def original_of(runs, j: int) -> int | None:
    """The run branch ``j`` was made from, while it is unchanged (its settings are the
    branch's last segment); None otherwise."""
    b = runs[j]
    if not b.history:
        return None
    last = b.history[-1]
    for i, r in enumerate(runs):
        if i != j and r.branched and r.history == b.history[:-1] and (r.optimizer, r.schedule) == (
                last.optimizer, last.schedule):
            return i
    return None


def _takes_lr(run: RunConfig) -> bool:
    return "lr" in {h.name for h in hypers_for(run.optimizer.key, run.optimizer.params)}


def with_hyper(runs, i: int, name: str, value, same_lr: bool = False):
    """Runs with knob ``name`` of run ``i`` set to ``value``; with ``same_lr`` an lr goes to
    every run that has one. Returns (runs, indices that changed). A value run ``i`` refuses
    raises HyperError; another run whose range does not take the lr is left alone."""
    targets = [j for j, r in enumerate(runs) if _takes_lr(r)] if name == "lr" and same_lr else [i]
    out = list(runs)
    changed = []
    for j in targets:
        try:
            new = out[j].optimizer.replace(**{name: value})
        except HyperError:
            if j == i:
                raise
            continue
        if new != out[j].optimizer:
            out[j] = replace(out[j], optimizer=new)
            changed.append(j)
    return tuple(out), changed


def with_schedule(runs, i: int, spec) -> tuple:
    """Runs with run ``i``'s schedule replaced (a ScheduleSpec or a spec string)."""
    schedule = spec if isinstance(spec, ScheduleSpec) else ScheduleSpec.parse(str(spec))
    out = list(runs)
    out[i] = replace(out[i], schedule=schedule)
    return tuple(out)


def schedule_with_param(run: RunConfig, name: str, value) -> ScheduleSpec:
    """Run's schedule with one parameter changed (validated)."""
    sched = run.schedule
    return ScheduleSpec.make(sched.key, **{**sched.params, name: value})
