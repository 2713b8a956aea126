"""Phase diagrams (engine/phase.py) and ``main.py sweep``: against the heavy ball's
closed forms on a quadratic, against single runs, and the command line's contract."""

import csv
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.phase import Axis, PhaseError, check_axes, phase_chunks, phase_grid, phase_theory
from engine.runner import run
from engine.spec import CONSTANT, OptimizerSpec, ScheduleSpec
from engine.theory import quadratic_theory
from optimizer_playground import cli as main
from surfaces import make_surface

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def heavy_ball():
    """momentum on quadratic kappa=10 over (lr, rho), 400 steps."""
    surface = make_surface("quadratic", kappa=10.0, angle=30.0)
    axes = (Axis("lr", 0.01, 1.0, 48, log=True), Axis("momentum", 0.0, 0.95, 40))
    grid = phase_grid(surface, OptimizerSpec.make("momentum"), axes, 400, tol=1e-10)
    return surface, grid


# -- theory --------------------------------------------------------------------------------------


def test_stability_boundary_matches_heavy_ball_closed_form(heavy_ball):
    surface, grid = heavy_ball
    th = quadratic_theory(surface)
    lr, rho = np.meshgrid(*grid.values(), indexing="ij")
    limit = th.heavy_ball_lr_limit(rho)
    start_gap = grid.start_loss - grid.f_star
    with np.errstate(invalid="ignore"):
        shrank = ~grid.diverged & (grid.gap < start_gap)
    inside, outside = lr < 0.9 * limit, lr > 1.1 * limit
    assert inside.sum() > 100 and outside.sum() > 100  # both sides are sampled
    assert shrank[inside].all()
    assert not shrank[outside].any()
    # the rho = 0 row is plain GD: its boundary is 2 / l_max
    assert th.heavy_ball_lr_limit(0.0) == pytest.approx(th.lr_stable)


def test_fastest_cell_is_polyaks_optimum(heavy_ball):
    surface, grid = heavy_ball
    th = quadratic_theory(surface)
    i, j = grid.best()
    lrs, rhos = grid.values()
    assert lrs[i] == pytest.approx(th.polyak_lr, rel=0.15)
    assert abs(rhos[j] - th.polyak_rho) < 0.06
    # and it beats the best plain GD (rho = 0) by about the predicted factor:
    # steps ~ log(eps) / log(rate), rate sqrt(kappa)-1/sqrt(kappa)+1 vs kappa-1/kappa+1
    gd = grid.steps_to_tol[:, 0]
    gd_best = gd[gd >= 0].min()
    predicted = math.log(th.rate_heavy_ball) / math.log(th.rate_gd)
    assert gd_best / grid.steps_to_tol[i, j] == pytest.approx(predicted, rel=0.35)


# -- the grid is the runs it stands for -----------------------------------------------------------


def test_cells_match_single_runs():
    surface = make_surface("rosenbrock")
    spec = OptimizerSpec.make("adam")
    axes = (Axis("lr", 1e-3, 3.0, 5, log=True), Axis("beta2", 0.5, 0.999, 3))
    grid = phase_grid(surface, spec, axes, 200, start=(-1.5, 2.0), noise=0.5, seed=3, tol=1e-3)
    for i in range(5):
        for j in range(3):
            trace = run(surface, grid.cell_spec((i, j)), CONSTANT, (-1.5, 2.0), 200, 0.5, 3)
            assert grid.final_loss[i, j] == pytest.approx(trace.loss[-1], rel=1e-9, abs=1e-12)
            assert (grid.diverged_at[i, j] if grid.diverged_at[i, j] >= 0 else None) == trace.diverged_at
            hit = np.flatnonzero(trace.loss - surface.min_value <= 1e-3)
            assert grid.steps_to_tol[i, j] == (hit[0] if len(hit) else -1)


def test_chunks_give_the_same_grid_and_count_up():
    surface = make_surface("quadratic", kappa=20.0)
    spec = OptimizerSpec.make("nesterov")
    axes = (Axis("lr", 0.01, 0.5, 7, log=True), Axis("momentum", 0.0, 0.9, 4))
    whole = phase_grid(surface, spec, axes, 150)
    done = [g.done for g in phase_chunks(surface, spec, axes, 150, rows_per_chunk=2)]
    assert done == [2, 4, 6, 7]
    *_, pieces = phase_chunks(surface, spec, axes, 150, rows_per_chunk=3)
    np.testing.assert_array_equal(pieces.final_loss, whole.final_loss)
    np.testing.assert_array_equal(pieces.steps_to_tol, whole.steps_to_tol)
    np.testing.assert_array_equal(pieces.diverged_at, whole.diverged_at)


def test_one_axis_and_unknown_minimum():
    surface = make_surface("saddle")
    grid = phase_grid(surface, OptimizerSpec.make("sgd"), [Axis("lr", 0.01, 0.1, 4)], 20)
    assert grid.shape == (4,) and grid.f_star is None
    assert np.isnan(grid.gap).all() and (grid.steps_to_tol == -1).all()


# -- axes ------------------------------------------------------------------------------------------


def test_axis_values_and_parse():
    axis = Axis.parse("lr=1e-3:1:4:log")
    np.testing.assert_allclose(axis.values(), [1e-3, 1e-2, 1e-1, 1.0])
    np.testing.assert_allclose(Axis.parse("momentum=0:0.9:4").values(), [0, 0.3, 0.6, 0.9])


@pytest.mark.parametrize("text", ["lr", "lr=1:2", "lr=a:2:3", "lr=1:2:3:lin", "lr=2:1:3", "lr=0:1:3:log",
                                  "lr=1:2:1", "lr=1:2:513", "lr=nan:2:3", "=1:2:3"])
def test_bad_axes_are_refused(text):
    with pytest.raises(PhaseError):
        Axis.parse(text)


@pytest.mark.parametrize("axes", [[Axis("beta1", 0.1, 0.5, 3)],  # momentum has no beta1
                                  [Axis("form", 0.1, 0.5, 3)],  # not a number
                                  [Axis("momentum", 0.0, 1.5, 3)],  # outside its range
                                  [Axis("lr", 0.1, 0.5, 3), Axis("lr", 0.1, 0.5, 3)]])
def test_axes_must_fit_the_optimizer(axes):
    with pytest.raises(PhaseError):
        check_axes(OptimizerSpec.make("momentum"), axes)


# -- main.py sweep ------------------------------------------------------------------------------


def cli(capsys, *argv):
    code = main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_sweep_csv_rows(capsys):
    code, out, _ = cli(capsys, "sweep", "--surface", "quadratic", "--optimizer", "momentum",
                       "--vary", "lr=0.01:1.5:4:log", "--vary", "momentum=0:0.9:3", "--steps", "100",
                       "--start=-2,1")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["lr", "momentum", "final_loss", "gap", "steps_to_tol", "diverged_at"]
    assert len(rows) == 12
    assert [float(r["momentum"]) for r in rows[:3]] == [0.0, 0.45, 0.9]  # the second axis varies fastest
    surface = make_surface("quadratic")
    for r in rows:
        spec = OptimizerSpec("momentum", {**OptimizerSpec.make("momentum").params, "lr": float(r["lr"]),
                                          "momentum": float(r["momentum"])})
        trace = run(surface, spec, CONSTANT, (-2.0, 1.0), 100)
        assert float(r["final_loss"]) == pytest.approx(trace.loss[-1], rel=1e-9, abs=1e-15)
        assert r["diverged_at"] == ("" if trace.diverged_at is None else str(trace.diverged_at))
        assert (r["steps_to_tol"] == "") == (float(r["gap"]) > 1e-6 or r["diverged_at"] != "")
    assert any(r["diverged_at"] for r in rows) and any(r["steps_to_tol"] for r in rows)


def test_sweep_json_is_strict(capsys, tmp_path):
    out = tmp_path / "grid.json"
    code, _, _ = cli(capsys, "sweep", "--surface", "saddle", "--optimizer", "sgd", "--vary", "lr=0.01:3:5:log",
                     "--steps", "60", "--format", "json", "-o", str(out))
    assert code == 0

    def refuse(token):
        raise AssertionError(f"non-strict JSON token {token}")

    doc = json.loads(out.read_text(), parse_constant=refuse)
    assert doc["vary"] == ["lr=0.01:3:5:log"] and len(doc["rows"]) == 5
    assert all(r["gap"] is None and r["steps_to_tol"] is None for r in doc["rows"])  # f* unknown
    assert doc["rows"][-1]["diverged_at"] is not None


@pytest.mark.parametrize("vary", [["lr=0.1:1:3", "--vary", "foo=0:1:3"],  # a name momentum lacks
                                  ["lr=1:0.1:3"],  # LO >= HI
                                  ["lr=0:1:3:log"],  # log with LO <= 0
                                  ["lr=0.1:1:1"], ["lr=0.1:1:600"],  # N out of range
                                  ["lr=0.1:1:3", "--vary", "momentum=0:0.9:3", "--vary", "mu_max=0:0.9:3"]])
def test_sweep_bad_input_exits_2_with_one_line(vary):
    done = subprocess.run([sys.executable, "main.py", "sweep", "--surface", "quadratic", "--optimizer", "momentum",
                           "--steps", "10", "--vary", *vary], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stdout == ""


# -- the theory drawn on a diagram ----------------------------------------------------------------


def test_phase_theory_closed_forms():
    surface = make_surface("quadratic", kappa=25.0, angle=10.0)
    th = phase_theory(surface, OptimizerSpec.make("momentum"), ("lr", "momentum"))
    np.testing.assert_allclose(th.lr_limit([0.0, 0.5, 0.9]), [2 / 25, 3 / 25, 3.8 / 25])
    lr, rho = th.polyak
    assert lr == pytest.approx((2 / (5 + 1)) ** 2) and rho == pytest.approx((4 / 6) ** 2)
    assert th.gd_limit == pytest.approx(quadratic_theory(surface).lr_stable)
    # weight decay shifts every eigenvalue by wd
    th = phase_theory(surface, OptimizerSpec.make("sgd"), ("weight_decay", "lr"))
    np.testing.assert_allclose(th.lr_limit([0.0, 5.0]), [2 / 25, 2 / 30])
    assert th.polyak is None
    # where it does not hold: not a quadratic, another rule, a schedule
    assert phase_theory(make_surface("rosenbrock"), OptimizerSpec.make("momentum"), ("lr", "momentum")) is None
    assert phase_theory(surface, OptimizerSpec.make("adam"), ("lr", "beta2")) is None
    assert phase_theory(surface, OptimizerSpec.make("sgd"), ("lr",), ScheduleSpec.parse("cosine")) is None


def test_weight_decay_boundary_matches_runs():
    surface = make_surface("quadratic", kappa=10.0)
    spec = OptimizerSpec.make("sgd")
    axes = (Axis("lr", 0.02, 0.4, 40, log=True), Axis("weight_decay", 0.0, 1.0, 11))
    grid = phase_grid(surface, spec, axes, 400)
    limit = phase_theory(surface, spec, ("lr", "weight_decay")).lr_limit(grid.values()[1])[None, :]
    lr = grid.values()[0][:, None]
    with np.errstate(invalid="ignore"):
        shrank = ~grid.diverged & (grid.gap < grid.start_loss - grid.f_star)
    assert shrank[lr < 0.93 * limit].all()
    assert not shrank[lr > 1.07 * limit].any()
