"""Step arithmetic (issue 14, item 2): the numbers written out for update t are the
engine's own. The run's record's rule is replayed with recording numbers on the run's
x_{t-1}, g, state and lr_t; every line's value must equal the trace's x_t and state_t,
for every optimizer in the table (SAM, your own rule and the whole-vector rules too)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.arithmetic import Rec, explain, render
from engine.custom_rule import EXAMPLES, install_rule, installed_rules
from engine.registry import OPTIMIZERS, unregister_optimizer
from engine.runner import run, run_batch
from engine.spec import OptimizerSpec, ScheduleSpec, parse_surface
from surfaces import make_surface

SPECS = [key for key in OPTIMIZERS if not OPTIMIZERS[key].rule_text] + [
    "momentum:form=velocity", "momentum:momentum_schedule=sutskever", "nesterov:form=lookahead",
    "rmsprop:momentum=0.5,nesterov=true", "adam:amsgrad=true", "adam:bias_correction=false",
    "sam:base=adam", "lion:weight_decay=0.1", "custom", "custom-two"]


@pytest.fixture(scope="module", autouse=True)
def rules():
    install_rule(EXAMPLES["Adam"])
    install_rule(EXAMPLES["RMSProp"] + "\nx = x + 0 * t  # a name assigned twice", "custom-two")
    yield
    for key in list(installed_rules()):
        unregister_optimizer(key)


@pytest.mark.parametrize("text", SPECS)
def test_every_line_equals_the_engines_state_at_that_step(text):
    spec = OptimizerSpec.parse(text)
    surface = parse_surface("quadratic:kappa=10,angle=30")
    schedule = ScheduleSpec.parse("cosine:warmup=5")
    trace = run(surface, spec, schedule, steps=40, record_states=True, noise=0.3, seed=2)
    record = OPTIMIZERS[text.partition(":")[0]]
    for t in (1, 2, 17, 40):
        if t >= len(trace.xs):
            continue
        e = explain(spec, trace, t)
        assert e is not None and e.t == t
        np.testing.assert_array_equal(e.values["x"], trace.xs[t])  # same float operations: same bits
        for slot, name in enumerate(trace.state_names):
            if name in e.values:
                np.testing.assert_array_equal(e.values[name], trace.states[t][slot])
        if record.kind == "elementwise" or record.wraps:
            changed = [n for s, n in enumerate(trace.state_names)
                       if not np.array_equal(trace.states[t][s], trace.states[t - 1][s])]
            assert set(changed) <= set(e.values), f"{changed} not written out"
        else:
            np.testing.assert_array_equal(e.values["g"], trace.grads[t - 1])
            assert "whole vector" in e.note


def test_the_batched_path_agrees_to_rounding():
    """3-D weights step as arrays (NumPy's pow may differ from C's in the last bit)."""
    spec = OptimizerSpec.parse("adam:lr=0.05")
    surface = make_surface("rosenbrock")
    trace = run_batch(surface, [spec], ScheduleSpec(), [surface.start], 30, record_states=True)[0]
    e = explain(spec, trace, 30)
    np.testing.assert_allclose(e.values["x"], trace.xs[30], rtol=1e-13)


def test_the_lines_read_as_the_lecture_writes_them():
    install_rule(EXAMPLES["momentum (torch form)"], "custom-mom")
    try:
        spec = OptimizerSpec.parse("custom-mom:lr=0.1")
        surface = parse_surface("quadratic:kappa=10,angle=30")
        trace = run(surface, spec, steps=5, record_states=True)
        e = explain(spec, trace, 2)
        assert [line.target for line in e.lines] == ["v", "x"]
        assert e.lines[0].symbolic == "rho·v + g" and e.lines[1].symbolic == "x − lr·v"
        text = e.plain()
        v1, g1 = trace.states[1][0][0], trace.grads[1][0]
        assert f"[1]  v ← 0.9·{_fmt(v1)} + {_fmt(g1)} = {_fmt(trace.states[2][0][0], bare=True)}" in text
        tex = e.latex()
        assert tex.startswith(r"\begin{aligned}") and r"v &\leftarrow \rho \cdot v + g \\" in tex
        assert r"x_{1} &\leftarrow" in tex
    finally:
        unregister_optimizer("custom-mom")


def _fmt(v, bare=False):
    text = f"{v:.4g}".replace("-", "−")
    return f"({text})" if v < 0 and not bare else text


def test_signs_and_powers_are_bracketed_where_they_would_be_misread():
    a, b = Rec(-0.5, name="a"), Rec(2.0, name="b")
    assert render(0.9 * a, True) == "0.9·(−0.5)"
    assert render(b - a, True) == "2 − (−0.5)"
    assert render((a + b) ** 2, True) == "(−0.5 + 2)^2"
    assert render(b / (a * b), False) == "b/(a·b)"
    assert render(-(a - b), False) == "−(a − b)"


def test_no_update_no_explanation():
    spec = OptimizerSpec.parse("sgd")
    trace = run(make_surface("rosenbrock"), spec, steps=3, record_states=True)
    assert explain(spec, trace, 0) is None and explain(spec, trace, 4) is None
