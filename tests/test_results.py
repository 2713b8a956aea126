"""The results table (engine/results.py): counted evaluations against what each rule
is known to do, the fair-tuning criterion against the quadratic's best rate, and the
Markdown / CSV / ``--format table`` forms."""

import csv
import io

import numpy as np
import pytest

from engine.results import (
    TUNING_LRS,
    count_evaluations,
    fair_lr,
    steps_to,
    surface_results,
    to_csv,
    to_markdown,
)
from engine.runner import run
from engine.spec import CONSTANT, OptimizerSpec
from engine.theory import quadratic_theory
from optimizer_playground import cli as main
from surfaces import make_surface


@pytest.mark.parametrize("spec, per_step", [
    ("sgd:lr=0.001", (1, 0, 0)),
    ("adam:lr=0.01", (1, 0, 0)),
    ("sam:lr=0.001,rho_sam=0.05", (2, 0, 0)),  # the gradient at x, then at the worst nearby point
    ("nesterov:lr=0.001,form=lookahead", (1, 0, 0)),  # taken at the look-ahead point only
    ("newton:damping=1", (1, 0, 1)),
    ("random-search", (0, 1, 0)),  # compares losses, never a gradient
])
def test_counts_per_step(spec, per_step):
    surface = make_surface("rosenbrock")
    counts = count_evaluations(surface, OptimizerSpec.parse(spec), CONSTANT, (-1.5, 2.0), 40)
    assert counts == tuple(40 * n for n in per_step)


def test_line_search_counts_its_trial_points():
    surface = make_surface("rosenbrock")
    grads, values, hessians = count_evaluations(surface, OptimizerSpec.parse("bfgs"), CONSTANT, (-1.5, 2.0), 30)
    assert grads == 30 and hessians == 0
    assert values > 30  # at least f(x) and one trial point per step, more when it backtracks


def test_surface_results_rows():
    surface = make_surface("quadratic", kappa=10.0)
    runs = [("GD", OptimizerSpec.parse("sgd:lr=0.1"), CONSTANT),
            ("Adam", OptimizerSpec.parse("adam:lr=0.05"), CONSTANT),
            ("too fast", OptimizerSpec.parse("sgd:lr=0.5"), CONSTANT)]
    gd, adam, fast = surface_results(surface, runs, (-2.5, 1.5), 200, tol=1e-8)
    trace = run(surface, runs[0][1], CONSTANT, (-2.5, 1.5), 200)
    assert gd.final_loss == trace.loss[-1] and gd.best_loss == trace.loss.min()
    assert gd.steps_to_tol == int(np.flatnonzero(trace.loss <= 1e-8)[0])
    assert (gd.grad_evals, gd.state_floats) == (200, 0)
    assert adam.state_floats == 4  # m and v for each of 2 coordinates
    assert fast.diverged_at is not None and fast.grad_evals == fast.steps < 200
    assert all(r.seconds_per_step > 0 for r in (gd, adam, fast))


def test_steps_to():
    assert steps_to(np.array([5.0, 1.0, 1e-7, 0.0]), 0.0, 1e-6) == 2
    assert steps_to(np.array([5.0, 1.0]), 0.0, 1e-6) is None
    assert steps_to(np.array([5.0, 0.0]), None, 1e-6) is None


def test_fair_tuning_finds_the_quadratic_best_rate():
    surface = make_surface("quadratic", kappa=10.0)
    th = quadratic_theory(surface)
    lr = fair_lr(surface, OptimizerSpec.make("sgd"), steps=300)
    ratio = TUNING_LRS[1] / TUNING_LRS[0]
    assert lr in TUNING_LRS and th.lr_best / ratio <= lr <= th.lr_best * ratio
    # the criterion itself: no rate of the grid that stays finite ends lower (below
    # 1e-12 of the starting gap every run counts as solved, and the fastest wins)
    traces = [run(surface, OptimizerSpec.make("sgd", lr=float(r)), CONSTANT, None, 300) for r in TUNING_LRS]
    finals = [t.loss[-1] for t in traces if t.diverged_at is None]
    mine = run(surface, OptimizerSpec.make("sgd", lr=lr), CONSTANT, None, 300).loss[-1]
    assert mine <= max(min(finals), 1e-12 * traces[0].loss[0])
    assert fair_lr(surface, OptimizerSpec.make("random-search")) is None  # nothing to tune


def test_markdown_and_csv():
    surface = make_surface("saddle")
    rows = surface_results(surface, [("a|b", OptimizerSpec.parse("sgd"), CONSTANT),
                                     ("x,y", OptimizerSpec.parse("momentum"), CONSTANT)], None, 20)
    md = to_markdown(rows).splitlines()
    assert len(md) == 4 and md[0].startswith("| run | final loss") and "a\\|b" in md[2]
    assert all(line.count("|") - line.count("\\|") == 11 for line in md)
    parsed = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert [r["label"] for r in parsed] == ["a|b", "x,y"]
    assert float(parsed[0]["final_loss"]) == rows[0].final_loss and parsed[0]["steps_to_tol"] == ""


def test_format_table_in_trace_and_train(capsys):
    assert main.main(["trace", "--surface", "rosenbrock", "--optimizer", "sam:lr=0.001", "--steps", "30",
                      "--format", "table"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    cells = [c.strip() for c in lines[2].strip("|").split("|")]
    assert cells[0] == "sam:lr=0.001" and cells[5] == "60"
    assert main.main(["train", "--dataset", "blobs:n=60", "--model", "softmax", "--optimizer", "adam",
                      "--steps", "10", "--format", "table"]) == 0
    lines = capsys.readouterr().out.splitlines()
    cells = [c.strip() for c in lines[2].strip("|").split("|")]
    assert cells[0] == "adam" and cells[5] == "10" and int(cells[8]) > 0


def test_a_branch_row_is_the_branch():
    from engine.branching import Segment, run_branched

    surface = make_surface("rosenbrock")
    sgd, sam = OptimizerSpec.parse("sgd:lr=0.001"), OptimizerSpec.parse("sam:lr=0.001")
    history = (Segment(sgd, CONSTANT, 30),)
    (row,) = surface_results(surface, [("b", sam, CONSTANT, history)], None, 100)
    trace = run_branched(surface, history, sam, CONSTANT, None, 100)
    assert row.final_loss == trace.loss[-1]
    assert row.grad_evals == 30 + 2 * 70  # one gradient a step before the branch, SAM's two after
