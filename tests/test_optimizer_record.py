"""An optimizer is one record (docs/ARCHITECTURE.md, "Adding an optimizer"): a record
registered here, and nothing else edited, is listed by the CLI, accepted by specs and
session files, stepped on both paths, and given knobs, diagnostics and a memory count
by the GUI. Also: every built-in record keeps the shape the GUI and user rules rely on.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
import pytest

from engine.hyper import Hyper, HyperError
from engine.optimizers.base import Diagnostics
from engine.registry import OPTIMIZERS, OptimizerRecord, hypers_for, register_optimizer, resolve, unregister_optimizer
from engine.runner import run, run_batch
from engine.session import Scene, SessionError
from engine.spec import CONSTANT, OptimizerSpec, SpecError
from optimizer_playground import cli
from surfaces import make_surface


class LeakyState(NamedTuple):
    v: object = 0.0


def leaky(g, x, state, hp, t, lr, ops):
    """Leaky heavy ball, a rule defined only in this test.

        v <- leak v + g
        x <- x - lr_t v
    """
    v = hp.leak * state.v + g
    return x - lr * v, LeakyState(v)


def leaky_diagnostics(state, prev, hp, t, lr):
    return Diagnostics(velocity=-lr * state.v)


LEAKY = OptimizerRecord(
    "leaky-test", "Leaky test rule", "gradient descent",
    (Hyper("lr", 0.02, 1e-6, 10.0, log=True, symbol="lr"), Hyper("leak", 0.5, 0.0, 0.99, symbol="leak")),
    leaky, state=LeakyState, diagnostics=leaky_diagnostics, summary="a rule registered by a test")


@pytest.fixture
def leaky_registered():
    register_optimizer(LEAKY)
    try:
        yield LEAKY
    finally:
        unregister_optimizer(LEAKY.key)
    assert LEAKY.key not in OPTIMIZERS


def test_cli_lists_and_parses_a_registered_record(leaky_registered, capsys):
    assert cli.main(["list", "optimizers"]) == 0
    assert "leaky-test" in capsys.readouterr().out
    assert OptimizerSpec.parse("leaky-test:leak=0.9").params == {"lr": 0.02, "leak": 0.9}
    with pytest.raises(SpecError, match="leak"):
        OptimizerSpec.parse("leaky-test:leak=2")


def test_session_validator_accepts_a_registered_record(leaky_registered, tmp_path):
    data = {"version": 1, "surface": "quadratic", "steps": 50,
            "runs": [{"optimizer": "leaky-test:lr=0.05", "schedule": "constant", "color": "#0072B2"}]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    scene = Scene.load(path)
    assert scene.runs[0].optimizer.params["lr"] == 0.05
    data["runs"][0]["optimizer"] = "leaky-test:leak=-1"
    path.write_text(json.dumps(data))
    with pytest.raises(SessionError, match="leak"):
        Scene.load(path)


def test_both_paths_step_a_registered_record_the_same(leaky_registered):
    surface = make_surface("quadratic")
    spec = OptimizerSpec.make("leaky-test", lr=0.05, leak=0.7)
    one = run(surface, spec, steps=40, record_states=True)
    two = run_batch(surface, [spec], CONSTANT, [surface.start], 40, record_states=True)[0]
    np.testing.assert_allclose(one.xs, two.xs, rtol=1e-12)
    assert one.state_names == two.state_names == ("v",)
    # by hand: the first update is v = g, x <- x - lr g
    g0 = np.asarray(surface.grad(*surface.start))
    np.testing.assert_allclose(one.xs[1], np.asarray(surface.start) - 0.05 * g0, rtol=1e-12)


def test_gui_gives_a_registered_record_knobs_and_derived_rows(leaky_registered, qtbot):
    pytest.importorskip("PySide6")
    from gui.controller import PlaygroundController
    from gui.derived import derive
    from gui.panels.hypers import HyperControls
    from gui.panels.runs import optimizer_menu

    menu = optimizer_menu(None, lambda key: None)
    assert "leaky-test" in [a.data() for a in menu.actions()]
    c = PlaygroundController(Scene(surface="quadratic", steps=30, runs=()))
    assert c.add_run("leaky-test")
    panel = HyperControls(c)
    qtbot.addWidget(panel)
    panel.sync()
    assert set(panel.knobs) == {"lr", "leak"}
    spec = OptimizerSpec.make("leaky-test")
    trace = run(make_surface("quadratic"), spec, steps=5, record_states=True)
    d = derive(spec, trace, 3)
    np.testing.assert_allclose(d.velocity, -trace.lr[3] * trace.states[3][0])


def test_a_taken_key_or_a_bad_key_is_refused():
    with pytest.raises(HyperError, match="exists"):
        register_optimizer(OPTIMIZERS["adam"])
    with pytest.raises(HyperError, match="bad optimizer key"):
        register_optimizer(OptimizerRecord("no spaces", "x", "x", (), leaky, state=LeakyState))
    with pytest.raises(TypeError, match="init"):
        OptimizerRecord("vec", "x", "x", (), leaky, kind="vector")


@pytest.mark.parametrize("key", [k for k, r in OPTIMIZERS.items() if not r.wraps])
def test_every_record_makes_its_named_state_with_one_init(key):
    """init(X, ctx, hp) on an (R, D) batch gives the record's NamedTuple; element-wise
    rules also give it for one float (the float path)."""
    from engine.runner import SurfaceObjective
    from engine.stepper import StepContext

    record = OPTIMIZERS[key]
    surface = make_surface("rosenbrock")
    ctx = StepContext(SurfaceObjective(surface), seed=0)
    hp = OptimizerSpec.make(key).params
    state = record.init(np.zeros((3, 2)), ctx, SimpleNamespace(**hp))
    assert isinstance(state, record.state) and state._fields == record.state_names
    if record.kind == "elementwise":
        one = record.init(0.5, None, SimpleNamespace(**hp))
        assert isinstance(one, record.state) and all(isinstance(v, float) for v in one)


def test_memory_comes_from_the_records():
    """seed 002's counts, and issue 10: Newton keeps its D x D Hessian."""
    layout = (("W", (2, 3)), ("b", (3,)))  # D = 9
    floats = {key: OPTIMIZERS[key].state_floats(layout, OptimizerSpec.make(key).params) for key in OPTIMIZERS}
    assert floats["sgd"] == 0 and floats["momentum"] == 9 and floats["adam"] == 18
    assert floats["adafactor"] == 2 + 3 + 3
    assert floats["newton"] == 81 and floats["bfgs"] == 81 + 18
    assert OPTIMIZERS["adam"].state_floats(layout, {"amsgrad": True}) == 27
    assert OPTIMIZERS["rmsprop"].state_floats(layout, {"momentum": 0.9}) == 18


def test_sam_is_resolved_in_one_place():
    record, rho = resolve("sam", OptimizerSpec.make("sam", base="adam", rho_sam=0.2).params)
    assert record is OPTIMIZERS["adam"] and rho == 0.2
    assert resolve("adam")[0] is OPTIMIZERS["adam"] and resolve("adam")[1] == 0.0
    names = {h.name for h in hypers_for("sam", {"base": "adam"})}
    assert {"rho_sam", "base", "beta1", "amsgrad"} <= names
    with pytest.raises(HyperError, match="base"):
        resolve("sam", {"base": "newton"})
    assert OptimizerSpec.make("sam", base="momentum").label().startswith("SGD + momentum + SAM")
