"""The command line's `list` and `trace` (SPEC section 7, a stable contract).

Most checks call ``main.main(argv)`` in-process and read what it printed; the
bad-input ones run ``python main.py`` as a user would, so that a traceback or a
second line on stderr cannot hide. (That `list`/`trace` work without Qt is
tests/test_layering.py's job.)
"""

import csv
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.registry import OPTIMIZERS
from engine.runner import run
from engine.schedules import SCHEDULES
from engine.spec import OptimizerSpec, ScheduleSpec
from optimizer_playground import cli as main
from surfaces import SURFACES, make_surface

ROOT = Path(__file__).resolve().parents[1]


def cli(capsys, *argv):
    code = main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cli_process(*argv):
    return subprocess.run([sys.executable, "main.py", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


# -- list ---------------------------------------------------------------------------------------


def _expected_keys(kind):
    if kind == "surfaces":
        return list(SURFACES) + ([] if "custom" in SURFACES else ["custom"])
    if kind == "optimizers":
        return list(OPTIMIZERS)
    if kind == "schedules":
        return list(SCHEDULES)
    if kind == "datasets":
        from surfaces.classification import DATASETS
        return list(DATASETS)
    from engine.presets import list_presets
    return [key for key, _ in list_presets()]


@pytest.mark.parametrize("kind", ["surfaces", "optimizers", "schedules", "datasets", "presets"])
def test_list_prints_one_entry_per_line_key_first_no_header(capsys, kind):
    code, out, err = cli(capsys, "list", kind)
    assert code == 0 and err == ""
    lines = out.splitlines()
    keys = _expected_keys(kind)
    assert [line.split()[0] for line in lines] == keys  # every key, once, in registry order
    assert all(line.strip() and not line[0].isspace() for line in lines)
    assert out == "" or out.endswith("\n")


def test_list_optimizers_covers_the_whole_registry(capsys):
    _, out, _ = cli(capsys, "list", "optimizers")
    assert {line.split()[0] for line in out.splitlines()} == set(OPTIMIZERS)
    assert len(OPTIMIZERS) >= 17  # SPEC section 3's table (plus additions)
    assert "custom" in cli(capsys, "list", "surfaces")[1].split()


def test_list_without_a_kind_lists_the_kinds(capsys):
    code, out, _ = cli(capsys, "list")
    assert code == 0
    assert out.split() == ["surfaces", "optimizers", "schedules", "datasets", "presets"]


# -- trace: formats -----------------------------------------------------------------------------


def test_trace_csv_header_rows_and_repr_exact_floats(capsys):
    code, out, err = cli(capsys, "trace", "--surface", "rosenbrock", "--optimizer", "adam:lr=0.02",
                         "--schedule", "cosine:warmup=5", "--steps", "40")
    assert code == 0 and err == ""
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["step", "x", "y", "loss", "lr"]
    assert len(rows) == 42  # header + N + 1
    want = run(make_surface("rosenbrock"), OptimizerSpec.parse("adam:lr=0.02"),
               ScheduleSpec.parse("cosine:warmup=5"), None, 40)
    for t, row in enumerate(rows[1:]):
        assert row[0] == str(t)
        # repr precision: reading the text back gives every bit of the float64
        assert [float(v) for v in row[1:]] == [*want.xs[t], want.loss[t], want.lr[t]]
    assert rows[1][1:] == ["-1.5", "2.0", "12.5", "0.0"]
    assert float(rows[2][4]) == 0.02 * 1 / 5  # lr of update 1: lr * s(0), warmup 1/5


def test_trace_csv_on_a_1d_surface(capsys):
    code, out, _ = cli(capsys, "trace", "--surface", "parabola", "--optimizer", "sgd:lr=0.1", "--steps", "7")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "step,x,loss,lr" and len(lines) == 9
    assert lines[1] == "0,2.5,6.25,0.0"
    assert lines[2] == "1,2.0,4.0,0.1"  # 2.5 - 0.1 * 5


@pytest.mark.parametrize("optimizer", ["adam", "newton"])
def test_zero_steps_print_the_start_only(capsys, optimizer):
    code, out, _ = cli(capsys, "trace", "--surface", "quadratic", "--optimizer", optimizer, "--steps", "0")
    assert code == 0 and out == "step,x,y,loss,lr\n0,-2.5,1.5,14.375,0.0\n"


def test_trace_json_keys(capsys):
    code, out, _ = cli(capsys, "trace", "--surface", "quadratic:kappa=50", "--optimizer", "momentum",
                       "--steps", "5", "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert {"surface", "optimizer", "rows", "diverged_at"} <= set(doc)
    assert doc["surface"] == "quadratic:kappa=50.0" and doc["optimizer"] == "momentum"
    assert doc["diverged_at"] is None and len(doc["rows"]) == 6
    assert doc["rows"][0] == {"step": 0, "x": -2.5, "y": 1.5, "loss": 0.5 * (6.25 + 50 * 2.25), "lr": 0.0}


@pytest.mark.parametrize("form", [["--start=-1.5,2"], ["--start", "-1.5,2"], ["--start", "-1.5,-.5"]])
def test_negative_start_in_both_forms(capsys, form):
    code, out, err = cli(capsys, "trace", "--surface", "quadratic", "--optimizer", "sgd", "--steps", "1", *form)
    assert code == 0, err
    row0 = out.splitlines()[1].split(",")
    assert [float(v) for v in row0[1:3]] == [float(v) for v in form[-1].split("=")[-1].split(",")]


def test_negative_start_on_a_1d_surface(capsys):
    code, out, _ = cli(capsys, "trace", "--surface", "sqrt8", "--optimizer", "sgd", "--steps", "1",
                       "--start", "-3")
    assert code == 0 and out.splitlines()[1] == "0,-3.0,1.0,0.0"


def test_output_file(capsys, tmp_path):
    target = tmp_path / "path.csv"
    code, out, err = cli(capsys, "trace", "--surface", "himmelblau", "--optimizer", "bfgs", "--steps", "10",
                         "-o", str(target))
    assert code == 0 and out == "" and err == ""
    text = target.read_text()
    assert text.startswith("step,x,y,loss,lr\n") and len(text.splitlines()) == 12
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind
    code, _, _ = cli(capsys, "trace", "--surface", "himmelblau", "--optimizer", "bfgs", "--steps", "10",
                     "--format", "json", "-o", str(tmp_path / "path.json"))
    assert code == 0 and len(json.loads((tmp_path / "path.json").read_text())["rows"]) == 11


def test_noise_and_seed_make_a_reproducible_run(capsys):
    args = ["trace", "--surface", "quadratic", "--optimizer", "sgd", "--steps", "20", "--noise", "0.5"]
    a = cli(capsys, *args, "--seed", "3")[1]
    assert a == cli(capsys, *args, "--seed", "3")[1]
    assert a != cli(capsys, *args, "--seed", "4")[1]
    assert a != cli(capsys, *args[:-2], "--seed", "3")[1]


def test_a_custom_surface(capsys):
    code, out, _ = cli(capsys, "trace", "--surface", "custom", "--formula", "x**2 + 10*y**2", "--optimizer",
                       "newton", "--steps", "2", "--start", "1,1")
    lines = out.splitlines()
    assert code == 0 and lines[1] == "0,1.0,1.0,11.0,0.0"
    assert [float(v) for v in lines[2].split(",")[1:4]] == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("formula", ["-cos(x)*cos(y)", "-x**2+y**2", "-(x - 1)**2 - y**2 + 10"])
def test_a_formula_may_start_with_a_minus(capsys, formula):
    code, out, err = cli(capsys, "trace", "--surface", "custom", "--formula", formula, "--optimizer", "sgd",
                         "--steps", "1", "--start", "0.5,0.25")
    assert code == 0, err
    x, y = 0.5, 0.25
    want = {"-cos(x)*cos(y)": -math.cos(x) * math.cos(y), "-x**2+y**2": -x * x + y * y,
            "-(x - 1)**2 - y**2 + 10": -(x - 1) ** 2 - y * y + 10}[formula]
    assert float(out.splitlines()[1].split(",")[3]) == pytest.approx(want, rel=1e-15)


def test_a_diverging_run_exits_0_and_says_so_on_stderr():
    proc = cli_process("trace", "--surface", "quadratic", "--optimizer", "sgd:lr=100", "--steps", "50",
                       "--format", "json")
    assert proc.returncode == 0
    doc = json.loads(proc.stdout)
    assert isinstance(doc["diverged_at"], int) and doc["diverged_at"] >= 1
    assert len(doc["rows"]) == doc["diverged_at"]  # ends at the last finite row
    assert len(proc.stderr.splitlines()) == 1 and "diverged" in proc.stderr
    assert str(doc["diverged_at"]) in proc.stderr
    csv_run = cli_process("trace", "--surface", "quadratic", "--optimizer", "sgd:lr=100", "--steps", "50")
    assert csv_run.returncode == 0 and "diverged" in csv_run.stderr
    assert len(csv_run.stdout.splitlines()) == doc["diverged_at"] + 1


# -- trace: bad input ---------------------------------------------------------------------------

TRACE = ["trace", "--surface", "quadratic", "--optimizer", "adam", "--steps", "10"]


def _with(**changes):
    argv = list(TRACE)
    for option, value in changes.items():
        flag = "--" + option
        if flag in argv:
            i = argv.index(flag)
            if value is None:
                del argv[i:i + 2]
            else:
                argv[i + 1] = value
        else:
            argv += [flag, value]
    return argv


BAD = [
    (_with(optimizer="adamm"), ["adamm", "sgd"]),  # unknown optimizer: names it and the accepted ones
    (_with(optimizer="adam:beta_2=0.9"), ["beta_2", "beta2"]),  # unknown hyperparameter
    (_with(optimizer="adam:lr=1000"), ["lr", "1000"]),  # out of range
    (_with(optimizer="adam:beta1=1"), ["beta1"]),
    (_with(optimizer="adam:lr"), ["lr"]),  # malformed spec
    (_with(optimizer="adam:lr=abc"), ["lr", "abc"]),
    (_with(optimizer="adam:amsgrad=yes"), ["amsgrad", "true or false"]),
    (_with(optimizer="nesterov:form=sideways"), ["form", "lookahead"]),
    (_with(optimizer="sam:base=newton"), ["base", "newton"]),
    (_with(optimizer="lbfgs:history=2.5"), ["history"]),
    (_with(start="1"), ["--start", "X,Y"]),  # bad start: one number on a 2-D surface
    (_with(start="a,b"), ["--start"]),
    (_with(start="1,2,3"), ["--start"]),
    (_with(start="nan,1"), ["--start"]),
    (_with(steps="ten"), ["--steps", "ten"]),  # non-numeric steps
    (_with(steps="-5"), ["--steps"]),
    (_with(steps="2.5"), ["--steps"]),
    (_with(steps=None), ["--steps"]),  # missing
    (_with(surface="banana"), ["banana", "rosenbrock"]),  # unknown surface
    (_with(surface="quadratic:kappa=0"), ["kappa"]),
    (_with(surface="custom"), ["--formula"]),  # custom without --formula
    (_with(surface="custom", formula="__import__('os')"), ["__import__"]),
    (_with(formula="x**2"), ["--formula"]),  # a formula on a built-in surface
    (_with(schedule="cosine:total=-1"), ["total"]),
    (_with(schedule="warp"), ["warp"]),
    (_with(noise="-1"), ["--noise"]),
    (_with(seed="x"), ["--seed"]),
    (_with(format="xml"), ["xml"]),
    (["list", "colours"], ["colours"]),
    (["frobnicate"], ["frobnicate"]),
]


@pytest.mark.parametrize("argv,needles", BAD, ids=[" ".join(a[6:] or a) for a, _ in BAD])
def test_bad_input_exits_2_with_one_line_naming_the_problem(argv, needles):
    proc = cli_process(*argv)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert proc.stdout == ""


def test_an_unwritable_output_file_is_bad_input(capsys, tmp_path):
    code, _, err = cli(capsys, *TRACE, "-o", str(tmp_path / "missing" / "out.csv"))
    assert code == 2 and len(err.splitlines()) == 1 and "out.csv" in err


def test_a_broken_session_file_is_a_usage_error_without_qt_work(tmp_path):
    """main() catches a SessionError without importing engine.session itself (so `trace`
    and `list` start fast): a broken --session still ends with one line and exit 2."""
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "runs": "x"}')
    proc = cli_process("render", "--session", str(bad), "-o", str(tmp_path / "out.png"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("error: --session")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out.png").exists()


def test_trace_does_not_import_the_session_rule_or_formula_modules():
    code = ("import sys, io, contextlib\n"
            "from optimizer_playground.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    code = main(['trace', '--surface', 'quadratic', '--optimizer', 'sgd', '--steps', '3'])\n"
            "print(code, sorted(m for m in sys.modules if m in ('engine.session', 'engine.custom_rule', "
            "'engine.signals', 'surfaces.formula_parse', 'surfaces.formula_diff')))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "0 []", proc.stdout + proc.stderr


@pytest.mark.parametrize("preset, expected", [(None, "1"), ("3", "3")])
def test_trace_asks_for_one_blas_thread_unless_the_user_chose(preset, expected):
    """Set before NumPy loads (it reads the variable then); a user's own value wins."""
    code = ("import os, io, contextlib\n"
            "from optimizer_playground.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    code = main(['trace', '--surface', 'quadratic', '--optimizer', 'sgd', '--steps', '3'])\n"
            "print(code, os.environ.get('OPENBLAS_NUM_THREADS'))\n")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if preset is not None:
        env["OPENBLAS_NUM_THREADS"] = preset
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert proc.stdout.split() == ["0", expected], proc.stdout + proc.stderr
