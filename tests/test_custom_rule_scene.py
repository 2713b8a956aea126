"""Your own rule beyond the parser (issue 14, item 3): saved in sessions, given on the
command line (``--optimizer custom:lr=..,NAME=.. --rule FILE``), run in classification
mode and compared with a built-in in one sentence."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.custom_rule import EXAMPLES, install_rule, installed_rules
from engine.registry import OPTIMIZERS, unregister_optimizer
from engine.rule_compare import compare, matching_spec
from engine.session import Scene, SessionError
from engine.spec import CONSTANT, OptimizerSpec, ScheduleSpec
from optimizer_playground import cli
from surfaces import make_surface

MOMENTUM = EXAMPLES["momentum (torch form)"]


@pytest.fixture(autouse=True)
def clean_rules():
    yield
    for key in list(installed_rules()):
        unregister_optimizer(key)


def _session(rules, optimizer="custom:lr=0.001,rho=0.95"):
    return {"version": 1, "surface": "rosenbrock", "steps": 40, "rules": rules,
            "runs": [{"optimizer": optimizer, "color": "#0072B2"}]}


def test_a_session_saves_the_rule_text_and_loads_it_back(tmp_path):
    scene = Scene.from_dict(_session({"custom": MOMENTUM}))
    assert scene.runs[0].optimizer.params == {"lr": 0.001, "rho": 0.95}
    path = tmp_path / "s.json"
    scene.save(path)
    assert json.loads(path.read_text())["rules"] == {"custom": MOMENTUM}
    unregister_optimizer("custom")
    again = Scene.load(path)
    assert OPTIMIZERS["custom"].rule_text == MOMENTUM and again.runs == scene.runs


def test_two_rules_in_one_session():
    velocity = EXAMPLES["momentum (velocity form)"]
    data = _session({"custom": MOMENTUM, "custom-velocity": velocity})
    data["runs"].append({"optimizer": "custom-velocity:lr=0.001,rho=0.95", "color": "#D55E00"})
    scene = Scene.from_dict(data)
    assert [r.optimizer.key for r in scene.runs] == ["custom", "custom-velocity"]
    assert scene.to_dict()["rules"] == {"custom": MOMENTUM, "custom-velocity": velocity}
    assert "rules" not in Scene.from_dict({"version": 1, "surface": "quadratic"}).to_dict()


@pytest.mark.parametrize("rules, words", [
    ({"custom": "x = x - lr * q"}, "rules.custom': unknown name 'q' at line 1, column 14"),
    ({"adam": "x = x"}, "bad key 'adam'"),
    ({"custom": 3}, "expected text"),
    ({"custom": "x = x\n" * 1000}, "expected text of at most"),
    ([], "expected an object"),
    ({f"custom-{i}": "x = x" for i in range(9)}, "at most 8"),
])
def test_a_bad_rule_in_a_session_is_refused_naming_the_field(rules, words):
    with pytest.raises(SessionError) as info:
        Scene.from_dict(_session(rules))
    assert words in str(info.value)
    assert "adam" in OPTIMIZERS and OPTIMIZERS["adam"].rule_text == ""


def test_a_session_naming_custom_without_its_rule_is_refused():
    with pytest.raises(SessionError, match="unknown optimizer 'custom'"):
        Scene.from_dict(_session({}))


def _write(tmp_path, text, name="rule.txt"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_cli_trace_runs_a_rule_file_like_the_builtin_it_retypes(tmp_path, capsys):
    rule = _write(tmp_path, MOMENTUM + "\n")
    assert cli.main(["trace", "--surface", "rosenbrock", "--optimizer", "custom:lr=0.001,rho=0.95",
                     "--rule", rule, "--steps", "50"]) == 0
    mine = capsys.readouterr().out
    assert cli.main(["trace", "--surface", "rosenbrock", "--optimizer", "momentum:lr=0.001,momentum=0.95",
                     "--steps", "50"]) == 0
    assert mine == capsys.readouterr().out and mine.count("\n") == 52


def test_cli_sweep_varies_a_hyper_of_your_rule(tmp_path, capsys):
    rule = _write(tmp_path, MOMENTUM)
    assert cli.main(["sweep", "--surface", "rosenbrock", "--optimizer", "custom:lr=0.001", "--rule", rule,
                     "--vary", "rho=0.5:0.95:3", "--steps", "100"]) == 0
    mine = capsys.readouterr().out.split("\n", 1)[1]
    assert cli.main(["sweep", "--surface", "rosenbrock", "--optimizer", "momentum:lr=0.001",
                     "--vary", "momentum=0.5:0.95:3", "--steps", "100"]) == 0
    assert mine == capsys.readouterr().out.split("\n", 1)[1] and mine.count("\n") == 3


def test_cli_train_runs_a_rule_file(tmp_path, capsys):
    rule = _write(tmp_path, EXAMPLES["Adam"])
    assert cli.main(["train", "--dataset", "moons", "--model", "softmax", "--optimizer", "custom:lr=0.05",
                     "--rule", rule, "--steps", "20", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["optimizer"] == "custom:lr=0.05" and out["diverged_at"] is None
    assert out["rows"][-1]["train_loss"] < out["rows"][0]["train_loss"]


@pytest.mark.parametrize("args, words", [
    (["--optimizer", "custom"], "needs --rule FILE"),
    (["--optimizer", "custom", "--rule", "{bad}"], "unknown name 'q' at line 2, column 9"),
    (["--optimizer", "custom", "--rule", "{missing}"], "cannot read"),
    (["--optimizer", "custom", "--rule", "/dev/zero"], "not a regular file"),
    (["--optimizer", "custom", "--rule", "{long}"], "too long"),
    (["--optimizer", "custom:rho=2", "--rule", "{good}"], "rho"),
])
def test_cli_refuses_a_bad_rule_in_one_line(tmp_path, capsys, args, words):
    files = {"bad": _write(tmp_path, "state v = 0\nx = x - q", "bad.txt"),
             "missing": str(tmp_path / "nope.txt"), "long": _write(tmp_path, "x = x\n" * 900, "long.txt"),
             "good": _write(tmp_path, MOMENTUM, "good.txt")}
    args = [a.format(**files) for a in args]
    assert cli.main(["trace", "--surface", "rosenbrock", "--steps", "5", *args]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_compare_says_equal_to_the_builtin_it_retypes_and_where_another_parts():
    install_rule(MOMENTUM)
    surface = make_surface("rosenbrock")
    mine = OptimizerSpec.make("custom", lr=0.001, rho=0.95)
    same = matching_spec(mine, "momentum")
    assert same.params["momentum"] == 0.95 and same.params["lr"] == 0.001  # rho matched by symbol
    result = compare(surface, mine, same, ScheduleSpec.parse("cosine"), surface.start, 300)
    assert result.equal and result.steps == 300
    assert result.sentence().startswith("your rule equals SGD + momentum (lr 0.001) to")
    assert "over 300 steps" in result.sentence()
    other = compare(surface, mine, matching_spec(mine, "sgd"), CONSTANT, surface.start, 300)
    assert not other.equal and other.first_apart == 2  # equal for one step: v = g
    ref = np.abs(np.asarray(surface.start))
    assert other.largest > 1e-3 * ref.max() and "differs from SGD" in other.sentence()


def test_a_rule_runs_in_classification_mode_like_the_builtin():
    from engine.training import build_problem, train

    install_rule(EXAMPLES["RMSProp"])
    problem = build_problem("moons", "mlp", "none", 0, 0)
    mine, ref = train(problem, [(OptimizerSpec.make("custom", lr=0.01), CONSTANT),
                                (OptimizerSpec.make("rmsprop", lr=0.01), CONSTANT)], 30, init_seed=0)
    np.testing.assert_allclose(np.asarray(list(mine.rows()), dtype=float), np.asarray(list(ref.rows()), dtype=float),
                               rtol=1e-10)


def test_the_lr_sweep_runs_your_rule_like_the_builtin():
    from engine.sweep import lr_sweep

    install_rule(MOMENTUM)
    surface = make_surface("rosenbrock")
    lrs = np.geomspace(1e-4, 1e-2, 12)
    mine, ref = lr_sweep(surface, [OptimizerSpec.make("custom"), OptimizerSpec.make("momentum")], lrs, 200)
    assert np.array_equal(np.asarray(mine.final_loss), np.asarray(ref.final_loss), equal_nan=True)
