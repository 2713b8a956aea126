"""Rewind and branch: a run that followed other settings up to step k, then its own.

A branched run carries its ``history``: segments ``(optimizer, schedule, until)``,
``until`` increasing, meaning "updates up to ``until`` were made with these". From
the last ``until`` on the run's own optimizer and schedule take over, continuing from
the exact point and optimizer state reached there:

* the state is carried when the rule before and after keep the same state (same
  names: a knob changed, or momentum <-> nesterov, adam <-> adamw); a rule with
  another state starts its own fresh at x_k;
* the update counter t, the learning-rate schedule (evaluated at the absolute step,
  over the whole run's length) and the noise draws (one per absolute step) go on
  as if nothing had happened.

So a branch with nothing changed is the unbranched run, bit for bit: both are the
same float-path updates in the same order (engine.runner), and tests hold it.

Branching is offered for element-wise rules on surfaces (the float path, where the
state is a value per coordinate); a vector rule (Newton, BFGS, ...) is refused with
a message.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.hyper import HyperError
from engine.optimizer_spec import OptimizerSpec, ScheduleSpec
from engine.runner import MAX_STEPS, SurfaceObjective, _finish, _float_path, _rule_and_hp
from engine.stepper import lr_table, noise_rows


@dataclass(frozen=True)
class Segment:
    """Updates before ``until`` (and after the previous segment's) used these settings."""

    optimizer: OptimizerSpec
    schedule: ScheduleSpec
    until: int

    def to_dict(self) -> dict:
        return {"optimizer": self.optimizer.spec(), "schedule": self.schedule.spec(), "until": self.until}


def check_branchable(problem, spec: OptimizerSpec) -> None:
    record = _rule_and_hp(spec)[0]
    if record.kind != "elementwise" or not hasattr(problem, "value_at") or problem.dim > 2:
        raise HyperError(f"{spec.label()}: branching works for element-wise rules on surfaces "
                         "(its state is a value per coordinate); this one is not")


def run_branched(surface, history, optimizer: OptimizerSpec, schedule: ScheduleSpec, start=None,
                 steps: int = 1000, noise: float = 0.0, seed: int = 0, record_states: bool = False):
    """The Trace of a run that used ``history``'s settings first, then its own."""
    steps = int(min(max(steps, 0), MAX_STEPS))
    segments = [(s.optimizer, s.schedule, min(int(s.until), steps)) for s in history]
    segments.append((optimizer, schedule, steps))
    for spec, _sched, _until in segments:
        check_branchable(surface, spec)
    x = tuple(float(v) for v in (surface.start if start is None else start))
    objective = SurfaceObjective(surface)
    bounds = objective.float_bounds()
    table = noise_rows(noise, seed, steps, surface.dim)
    table = table.tolist() if table is not None else None
    xs, gs, states, lrs = [x], [], [], []
    keep_states = record_states
    state, state_names, k0, diverged, record = None, None, 0, None, None
    for spec, sched, until in segments:
        if until <= k0 and (spec, sched, until) != segments[-1]:
            continue  # a segment that ends before it starts (a branch at step 0)
        record, hp, sam_rho = _rule_and_hp(spec)
        if record.state_names != state_names:
            state = None  # another kind of state: the new rule starts its own at x_k
            keep_states = keep_states and state_names is None  # rows would not stack
        table_lr = lr_table(spec, sched, steps).tolist()
        lrs[k0:until] = table_lr[k0:until]
        seg_xs, seg_gs, seg_states, diverged = _float_path(
            surface, record, hp, sam_rho, table_lr, xs[-1], until, float(noise), table, bounds, True,
            state=state, k0=k0)
        xs.extend(seg_xs[1:])
        gs.extend(seg_gs)
        states.extend(seg_states if not states else seg_states[1:])
        state, state_names, k0 = seg_states[-1], record.state_names, until
        if diverged is not None:
            break
    lrs = lrs + [0.0] * (steps - len(lrs))  # rows after a divergence are cut by _finish anyway
    return _finish(objective, record, xs, gs, states if keep_states else None, lrs, diverged, surface.dim)
