"""What the headless commands print is strict JSON (no NaN or Infinity, which most
readers refuse), a run that cannot start is not said to have 'stopped at its last
finite row', and refused input is one line with exit 2 (no traceback)."""

from __future__ import annotations

import json

import pytest

from engine.trace import strict_json
from optimizer_playground.cli import main


def strict_load(text):
    def refuse(name):
        raise AssertionError(f"{name} in the JSON output")
    return json.loads(text, parse_constant=refuse)


def test_trace_json_writes_null_with_the_reason_for_a_start_outside_the_domain(capsys):
    assert main(["trace", "--surface", "custom", "--formula", "sqrt(x)", "--optimizer", "sgd", "--steps", "3",
                 "--start=-1", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    doc = strict_load(out)
    assert doc["rows"][0]["loss"] is None and "not a finite number" in doc["nulls"]["loss"]
    assert "last finite row" not in err  # row 0 is not finite: there is no such row
    assert "loss at the start" in err and err.count("\n") == 1


def test_trace_json_of_a_diverging_run_stays_strict(capsys):
    assert main(["trace", "--surface", "quadratic", "--optimizer", "sgd:lr=50", "--steps", "400",
                 "--format", "json"]) == 0
    out, err = capsys.readouterr()
    doc = strict_load(out)
    assert doc["diverged_at"] is not None
    assert "stopped at its last finite row" in err


def test_train_json_without_a_validation_split_has_null_columns_with_the_reason(capsys):
    assert main(["train", "--dataset", "blobs:val_fraction=0", "--model", "softmax", "--optimizer", "sgd",
                 "--steps", "2", "--format", "json"]) == 0
    doc = strict_load(capsys.readouterr().out)
    assert all(row["val_loss"] is None and row["val_acc"] is None for row in doc["rows"])
    assert "no validation split" in doc["nulls"]["val_loss"]


def test_strict_json_only_adds_nulls_when_needed():
    assert strict_json({"a": 1.5, "rows": [{"x": 2.0}]}) == '{"a": 1.5, "rows": [{"x": 2.0}]}'
    doc = strict_load(strict_json({"rows": [{"x": float("inf")}, {"x": float("nan")}]}, {"x": "why"}))
    assert doc == {"rows": [{"x": None}, {"x": None}], "nulls": {"x": "why"}}


@pytest.mark.parametrize("argv, word", [
    (["trace", "--surface", "custom:formula=x", "--formula", "x**2", "--optimizer", "sgd", "--steps", "3"],
     "--formula"),
    (["trace", "--surface", "quadratic", "--optimizer", "sgd", "--schedule", "step:milestones=" + "9" * 400,
      "--steps", "3"], "milestones"),
    (["trace", "--surface", "quadratic", "--optimizer", "adam:lr=０.１", "--steps", "3"], "lr"),
    (["trace", "--surface", "quadratic", "--optimizer", "sgd", "--steps", "١٠"], "--steps"),
    (["trace", "--surface", "quadratic", "--optimizer", "sgd", "--steps", "1_0"], "--steps"),
    (["trace", "--surface", "quadratic", "--optimizer", "sgd", "--steps", "9" * 5000], "--steps"),
    (["trace", "--surface", "quadratic", "--optimizer", "sgd", "--steps", "3", "--seed", "9" * 400], "--seed"),
    (["trace", "--surface", "quadratic", "--optimizer", "sgd", "--steps", "3", "--start=1e308,1"], "--start"),
    (["trace", "--surface", "custom:start=99", "--formula", "x**2 + y**2", "--optimizer", "sgd", "--steps", "3"],
     "start"),
])
def test_hostile_command_lines_are_one_line_and_exit_2(capsys, argv, word):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: ") and err.count("\n") == 1 and word in err
    assert len(err) < 300


@pytest.mark.parametrize("field, value", [("steps", 10**400), ("seed", 10**400), ("start", [10**400, 1]),
                                          ("view", [-10**400, 1, -1, 1]), ("view", [-1e308, 1e308, -1, 1])])
def test_hostile_session_numbers_are_one_line_and_exit_2(tmp_path, capsys, field, value):
    path = tmp_path / "s.json"
    data = {"version": 1, "surface": "quadratic", "runs": [{"optimizer": "sgd"}]}
    data[field] = value
    path.write_text(json.dumps(data))
    pytest.importorskip("PySide6")
    assert main(["render", "--session", str(path), "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"'{field}'" in err and len(err) < 300


def test_a_one_dimensional_view_of_1e308_is_refused(tmp_path):
    from engine.session import Scene, SessionError

    data = {"version": 1, "surface": "parabola", "runs": [{"optimizer": "sgd"}], "view": [-1e308, 1e308]}
    with pytest.raises(SessionError, match="'view'"):
        Scene.from_dict(data)
