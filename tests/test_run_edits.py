"""Run edits shared by both modes' controllers (engine.run_edits)."""

import pytest

from engine import run_edits as edits
from engine.hyper import HyperError
from engine.session import PALETTE, RunConfig
from engine.spec import OptimizerSpec, ScheduleSpec


def _runs(*keys):
    return tuple(RunConfig(OptimizerSpec.make(k), color=PALETTE[i]) for i, k in enumerate(keys))


def test_a_knob_changes_only_its_run_unless_same_lr_is_on():
    runs = _runs("sgd", "adam", "random-search")
    new, changed = edits.with_hyper(runs, 0, "lr", 0.05)
    assert changed == [0] and new[0].optimizer.params["lr"] == 0.05 and new[1] == runs[1]
    new, changed = edits.with_hyper(runs, 0, "lr", 0.05, same_lr=True)
    assert changed == [0, 1]  # random search has no learning rate and is left alone
    assert new[1].optimizer.params["lr"] == 0.05 and new[2] == runs[2]


def test_same_lr_skips_runs_whose_range_refuses_it_but_not_the_touched_run():
    runs = _runs("sgd", "adam")
    with pytest.raises(HyperError, match="lr"):
        edits.with_hyper(runs, 0, "lr", 1e9, same_lr=True)
    new, changed = edits.with_hyper(runs, 1, "beta1", 0.5)
    assert changed == [1] and new[1].optimizer.params["beta1"] == 0.5


def test_an_unchanged_value_reports_no_change():
    runs = _runs("adam")
    new, changed = edits.with_hyper(runs, 0, "lr", runs[0].optimizer.params["lr"])
    assert changed == [] and new == runs


def test_schedules_and_their_parameters():
    runs = _runs("sgd", "adam")
    new = edits.with_schedule(runs, 1, "cosine:warmup=20")
    assert new[1].schedule == ScheduleSpec.parse("cosine:warmup=20") and new[0] == runs[0]
    assert edits.schedule_with_param(new[1], "floor", 0.1).params["floor"] == 0.1
    with pytest.raises(HyperError, match="floor"):
        edits.schedule_with_param(new[1], "floor", 2.0)
    with pytest.raises(HyperError, match="unknown schedule"):
        edits.with_schedule(runs, 0, "nope")


def test_free_colour_and_duplicate():
    runs = _runs("sgd", "adam")
    assert edits.free_color(runs) == PALETTE[2]
    copy = edits.duplicate(runs[0].__class__(runs[0].optimizer, color="#123456", visible=False, name="x"), "#ABCDEF")
    assert copy.visible and copy.name == "" and copy.color == "#ABCDEF"
