"""Training runs, the train command's contract and the loss-landscape slice."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.hyper import HyperError
from engine.landscape import filter_normalized_direction, loss_slice
from engine.spec import OptimizerSpec, ScheduleSpec
from engine.training import METRICS, Trainer, build_problem, state_memory, train

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def spiral():
    return build_problem("spiral:n=300", "mlp:hidden=16", seed=0)


def test_runs_start_from_the_same_weights_and_row0_is_untrained(spiral):
    runs = train(spiral, [(OptimizerSpec.make("adam"), ScheduleSpec()), (OptimizerSpec.make("sgd"), ScheduleSpec())],
                 20, keep_weights=True)
    assert np.array_equal(runs[0].weights[0], runs[1].weights[0])
    m0 = spiral.metrics(spiral.init_weights(0))
    assert runs[0].metrics["train_loss"][0] == pytest.approx(float(m0["train_loss"]))
    assert runs[0].lr[0] == 0.0 and runs[0].lr[1] == pytest.approx(0.01)
    assert len(runs[0].lr) == 21 and all(len(runs[0].metrics[m]) == 21 for m in METRICS)
    assert runs[0].metrics["train_loss"][-1] < runs[0].metrics["train_loss"][0]


def test_trainer_advances_incrementally_like_a_whole_run(spiral):
    spec = [(OptimizerSpec.make("momentum", lr=0.05), ScheduleSpec.make("cosine"))]
    whole = train(spiral, spec, 30)[0]
    trainer = Trainer(spiral, spec, 30, keep_weights=False)
    while not trainer.done:
        trainer.advance(7)
    assert trainer.runs[0].metrics["train_loss"] == whole.metrics["train_loss"]
    assert trainer.runs[0].lr == whole.lr


def test_same_rule_runs_are_stepped_together_and_match_alone(spiral):
    specs = [(OptimizerSpec.make("adam", lr=lr), ScheduleSpec()) for lr in (0.003, 0.03)]
    together = train(spiral, specs, 15)
    alone = [train(spiral, [s], 15)[0] for s in specs]
    for a, b in zip(together, alone):
        np.testing.assert_allclose(a.metrics["train_loss"], b.metrics["train_loss"], rtol=1e-12)


def test_a_diverging_run_is_marked_and_the_others_go_on():
    # L2 with lam = 1 and lr = 100: w <- w (1 - 2 lr lam) grows 199-fold a step
    problem = build_problem("blobs", "softmax", "l2:lam=1")
    runs = train(problem, [(OptimizerSpec.make("adam", lr=0.01), ScheduleSpec()),
                           (OptimizerSpec.make("sgd", lr=100.0), ScheduleSpec()),
                           (OptimizerSpec.make("sgd", lr=0.05), ScheduleSpec())], 300)
    assert runs[1].diverged_at is not None and runs[1].diverged_at < 20
    # run 0 diverging first must not freeze the race: the others stop at the run length
    first = train(problem, [(OptimizerSpec.make("sgd", lr=100.0), ScheduleSpec()),
                            (OptimizerSpec.make("adam", lr=0.01), ScheduleSpec())], 120)
    assert first[0].diverged_at is not None and first[1].steps == 120
    assert runs[2].diverged_at is None and runs[2].steps == 300
    assert runs[0].diverged_at is None and runs[0].steps == 300
    assert all(np.isfinite(v) for v in runs[1].metrics["train_loss"])


def test_rules_the_problem_cannot_serve_are_refused_with_a_reason(spiral):
    with pytest.raises(HyperError, match="newton needs the exact Hessian"):
        Trainer(spiral, [(OptimizerSpec.make("newton"), ScheduleSpec())], 5)
    minibatch = build_problem("spiral:n=300", "mlp:hidden=16", batch_size=16)
    with pytest.raises(HyperError, match="full batch"):
        Trainer(minibatch, [(OptimizerSpec.make("lbfgs"), ScheduleSpec())], 5)


def test_adafactor_keeps_rows_plus_columns_where_adam_keeps_two_per_weight(spiral):
    adam = state_memory(spiral, OptimizerSpec.make("adam"))
    factored = state_memory(spiral, OptimizerSpec.make("adafactor"))
    # mlp hidden 16, 3 classes: W1 (2,16) b1 16 W2 (16,3) b2 3
    assert adam == 2 * (32 + 16 + 48 + 3)
    assert factored == (2 + 16) + 16 + (16 + 3) + 3
    run = train(spiral, [(OptimizerSpec.make("adafactor", lr=0.01), ScheduleSpec())], 200)[0]
    assert run.metrics["train_loss"][-1] < run.metrics["train_loss"][0]


def test_filter_normalised_directions_match_each_neurons_norm(spiral):
    w = spiral.init_weights(3)
    d = filter_normalized_direction(spiral.layout, w, np.random.default_rng(0))
    W1 = w[:32].reshape(2, 16)
    D1 = d[:32].reshape(2, 16)
    np.testing.assert_allclose(np.linalg.norm(D1, axis=0), np.linalg.norm(W1, axis=0))
    assert np.all(d[32:48] == 0)  # biases get no direction (Li et al. 2018)


def test_loss_slice_is_centred_on_the_weights_and_projects_the_path(spiral):
    run = train(spiral, [(OptimizerSpec.make("adam"), ScheduleSpec())], 40, keep_weights=True)[0]
    s = loss_slice(spiral, run.weights[-1], n=11, span=0.5)
    assert s.loss.shape == (11, 11)
    assert s.loss[5, 5] == pytest.approx(float(spiral.value(run.weights[-1])))
    xy = s.project(np.array(run.weights))
    np.testing.assert_allclose(xy[-1], 0.0, atol=1e-12)
    # a point moved exactly along d1 by 0.3 projects to (0.3, 0)
    np.testing.assert_allclose(s.project((run.weights[-1] + 0.3 * s.d1)[None])[0], [0.3, 0.0], atol=1e-9)


def _cli(*args):
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_train_command_csv_contract():
    out = _cli("train", "--dataset", "blobs:n=120", "--model", "softmax", "--optimizer", "sgd:lr=0.5",
               "--steps", "5", "--reg", "l2:lam=1e-3")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "step,train_loss,val_loss,train_acc,val_acc,lr"
    assert len(lines) == 7 and lines[1].startswith("0,") and lines[1].endswith(",0.0")
    assert float(lines[-1].split(",")[-1]) == 0.5


@pytest.mark.parametrize("args, needle", [
    (("--dataset", "nope", "--model", "mlp", "--optimizer", "adam", "--steps", "3"), "unknown dataset"),
    (("--dataset", "spiral", "--model", "mlp:hidden=0", "--optimizer", "adam", "--steps", "3"), "hidden"),
    (("--dataset", "spiral", "--model", "mlp", "--optimizer", "adam", "--steps", "3", "--batch-size", "100000"),
     "batch"),
    (("--dataset", "spiral", "--model", "mlp", "--optimizer", "adam", "--steps", "3", "--reg", "l2:lam=-1"), "lam"),
    (("--dataset", "spiral", "--model", "mlp", "--optimizer", "newton", "--steps", "3"), "newton"),
])
def test_train_command_bad_input_is_one_line_and_exit_2(args, needle):
    out = _cli("train", *args)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and needle in out.stderr
    assert "Traceback" not in out.stderr
