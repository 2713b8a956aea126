"""One source of limits (engine.limits): a table of bad scene numbers, in the manner of
torch's ``optim_error_inputs``, tried against every user of that number — session
files, the command line, the classification problem and both modes' setters. Each
must refuse it and name it; and the edge values all of them accept.

Before, a session with mixup = 6 and batch_size = 100000 loaded and then the problem
refused it with a HyperError.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from engine.hyper import HyperError
from engine.limits import BATCH_SIZE, LABEL_SMOOTHING, MIXUP, NOISE, SEED, SPEED, STEPS
from engine.session import Scene, SessionError
from engine.training import build_problem
from optimizer_playground import cli

SMALL = "blobs:n=60"  # 48 training points: problem checks stay fast


class ErrorInput(NamedTuple):
    field: str
    value: object
    users: tuple[str, ...]  # session, cli, problem, surface-mode, classification-mode


ERROR_INPUTS = [
    ErrorInput("mixup", 6.0, ("session", "problem", "classification-mode")),
    ErrorInput("mixup", -0.1, ("session", "problem", "classification-mode")),
    ErrorInput("batch_size", 100_000, ("session", "cli", "problem", "classification-mode")),
    ErrorInput("batch_size", -1, ("session", "cli", "problem", "classification-mode")),
    ErrorInput("batch_size", 2.5, ("session", "cli", "problem", "classification-mode")),
    ErrorInput("label_smoothing", 0.6, ("session", "problem", "classification-mode")),
    ErrorInput("seed", -1, ("session", "cli", "problem", "surface-mode", "classification-mode")),
    ErrorInput("seed", 2**31, ("session", "cli", "problem", "surface-mode", "classification-mode")),
    ErrorInput("noise", 1e4, ("session", "cli", "surface-mode")),
    ErrorInput("noise", float("nan"), ("session", "cli", "surface-mode")),
    ErrorInput("steps", 0, ("session", "surface-mode", "classification-mode")),
    ErrorInput("steps", 100_001, ("session", "surface-mode", "classification-mode")),
    ErrorInput("speed", 0.5, ("session",)),
    ErrorInput("speed", 1e5, ("session",)),
]
CLI_FLAGS = {"batch_size": ("train", "--batch-size"), "seed": ("trace", "--seed"), "noise": ("trace", "--noise")}
ACCEPTED = {"mixup": MIXUP.hi, "batch_size": 40, "label_smoothing": LABEL_SMOOTHING.hi, "seed": SEED.hi,
            "noise": NOISE.hi, "steps": STEPS.hi, "speed": SPEED.hi}


def session_data(**fields):
    data = {"version": 1, "mode": "classification", "dataset": SMALL, "model": "softmax", "runs": []}
    data.update(fields)
    return data


def problem_kwargs(field, value):
    return {"dataset": SMALL, "model": "softmax", field: value}


@pytest.mark.parametrize("bad", [e for e in ERROR_INPUTS if "session" in e.users], ids=str)
def test_session_refuses(bad):
    with pytest.raises(SessionError, match=f"'{bad.field}'"):
        Scene.from_dict(session_data(**{bad.field: bad.value}))


@pytest.mark.parametrize("bad", [e for e in ERROR_INPUTS if "problem" in e.users], ids=str)
def test_problem_refuses(bad):
    with pytest.raises(HyperError, match=bad.field):
        build_problem(**problem_kwargs(bad.field, bad.value))


@pytest.mark.parametrize("bad", [e for e in ERROR_INPUTS if "cli" in e.users], ids=str)
def test_command_line_refuses(bad, capsys):
    command, flag = CLI_FLAGS[bad.field]
    base = (["trace", "--surface", "quadratic", "--optimizer", "sgd", "--steps", "3"] if command == "trace"
            else ["train", "--dataset", SMALL, "--model", "softmax", "--optimizer", "sgd", "--steps", "3"])
    code = cli.main(base + [flag, str(bad.value)])
    err = capsys.readouterr().err
    assert code == 2 and flag in err and "expected" in err


@pytest.mark.parametrize("field,value", sorted(ACCEPTED.items()))
def test_edge_values_are_accepted_by_every_user(field, value):
    scene = Scene.from_dict(session_data(**{field: value}))
    assert getattr(scene, field) == value
    if field in ("mixup", "batch_size", "label_smoothing", "seed"):
        assert getattr(build_problem(**problem_kwargs(field, value)), field) == value


@pytest.mark.parametrize("bad", [e for e in ERROR_INPUTS if e.users[-1].endswith("-mode")], ids=str)
def test_both_modes_setters_refuse(bad, qtbot):
    pytest.importorskip("PySide6")
    from gui.classification.controller import ClassificationController
    from gui.controller import PlaygroundController

    modes = {"surface-mode": lambda: PlaygroundController(Scene(surface="quadratic", steps=20)),
             "classification-mode": lambda: ClassificationController(
                 Scene(mode="classification", dataset=SMALL, model="softmax", steps=20))}
    for user in bad.users:
        if user not in modes:
            continue
        c = modes[user]()
        said = []
        c.message.connect(said.append)
        before = getattr(c.scene, bad.field)
        assert getattr(c, f"set_{bad.field}")(bad.value) is False, user
        assert getattr(c.scene, bad.field) == before
        assert said and bad.field in said[-1], user


def test_records_are_the_ones_the_problem_uses():
    from surfaces.classification.problem import PROBLEM_HYPERS
    assert set(PROBLEM_HYPERS) == {BATCH_SIZE, LABEL_SMOOTHING, MIXUP, SEED}
