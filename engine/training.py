"""Training runs on the toy classification problem (SPEC section 6 and ``main.py train``).

Every run trains its own copy of the model from the same initial weights and sees
the same minibatch at update k (the problem seeds its batches by (seed, k)), so the
optimizers race fairly. Runs of one rule are stepped together (engine.stepper);
metrics are recorded for every row, row 0 being the untrained model.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np

from engine.hyper import HyperError, validate_values
from engine.registry import resolve
from engine.spec import OptimizerSpec, ScheduleSpec, SpecError, split_spec
from engine.stepper import BatchStepper

METRICS = ("train_loss", "val_loss", "train_acc", "val_acc")


def _classification():
    import surfaces.classification as cls  # NumPy only; imported when first needed
    return cls


def check_spec(kind: str, text: str) -> None:
    """Validate a dataset/model/reg spec string; raises HyperError naming the bad part."""
    cls = _classification()
    name, params = split_spec(text, kind)
    if kind == "dataset" and name == "points":  # the user's points: only the split's knobs here
        from surfaces.classification.points import POINTS
        validate_values(POINTS.hypers, params, owner="dataset 'points'")
    elif kind == "dataset":
        if name not in cls.DATASETS:
            raise SpecError(f"unknown dataset {name!r} (accepted: {', '.join(cls.DATASETS)})")
        cls.make_dataset(name, **params)
    elif kind == "model":
        if name not in cls.MODELS:
            raise SpecError(f"unknown model {name!r} (accepted: {', '.join(cls.MODELS)})")
        cls.make_model(name, 3, **params)
    elif kind == "reg":
        if name not in cls.REGULARIZERS:
            raise SpecError(f"unknown regularizer {name!r} (accepted: {', '.join(cls.REGULARIZERS)})")
        cls.make_regularizer(name, **params)


def build_problem(dataset: str = "spiral", model: str = "mlp", reg: str = "none", batch_size: int = 0,
                  seed: int = 0, label_smoothing: float = 0.0, mixup: float = 0.0, points=None):
    """A ClassificationProblem from spec strings (``spiral:n=600,noise=0.2``, ``mlp:hidden=64``);
    ``points`` (a PointSet) for the dataset ``points``."""
    cls = _classification()
    d_name, d_params = split_spec(dataset, "dataset")
    m_name, m_params = split_spec(model, "model")
    r_name, r_params = split_spec(reg, "reg")
    return cls.make_problem(d_name, m_name, r_name, dataset_params=d_params, model_params=m_params,
                            reg_params=r_params, batch_size=batch_size, seed=seed,
                            label_smoothing=label_smoothing, mixup=mixup, points=points)


def problem_from_scene(scene):
    return build_problem(scene.dataset, scene.model, scene.reg, scene.batch_size, scene.seed,
                         scene.label_smoothing, scene.mixup, points=scene.point_set())


def check_optimizer_fits(problem, spec: OptimizerSpec) -> None:
    """Refuse, with a reason, the rules this problem cannot serve."""
    key = spec.key
    if key == "newton":
        try:
            problem.hessian(problem.init_weights(0)[None, :])
        except NotImplementedError:
            raise HyperError("newton needs the exact Hessian, which this playground has for the "
                             "softmax and svm models only (use bfgs or lbfgs for the mlp)") from None
        if problem.dim > 400:
            raise HyperError(f"newton: the model has {problem.dim} weights; the Hessian is too big")
    if key in ("bfgs", "lbfgs") and not problem.full_batch:
        raise HyperError(f"{key} needs full batch: its line search compares exact losses "
                         f"(set the batch size to 0 = full batch)")
    if key == "bfgs" and problem.dim > 2000:
        raise HyperError(f"bfgs: the model has {problem.dim} weights; use lbfgs")


@dataclass
class TrainingRun:
    """Metrics per row (0 = the untrained model), the weights of every row, lr per row."""

    metrics: dict = field(default_factory=dict)  # name -> list of floats
    weights: list = field(default_factory=list)  # (D,) arrays, row by row
    lr: list = field(default_factory=list)
    diverged_at: int | None = None

    @property
    def steps(self) -> int:
        return len(self.lr) - 1

    def rows(self):
        for t in range(len(self.lr)):
            yield [t] + [self.metrics[m][t] for m in METRICS] + [self.lr[t]]


class Trainer:
    """Several runs on one problem, advanced incrementally (the GUI's classification
    mode calls ``advance`` a few steps per frame; ``train`` runs it to the end)."""

    def __init__(self, problem, runs, total_steps: int, init_seed: int = 0, keep_weights: bool = True):
        self.problem = problem
        self.total_steps = int(total_steps)
        self.keep_weights = keep_weights
        w0 = problem.init_weights(init_seed)
        self.runs = [TrainingRun() for _ in runs]
        self.groups = []
        by_key: dict = {}
        for i, (opt, _schedule) in enumerate(runs):
            check_optimizer_fits(problem, opt)
            from engine.runner import batch_key
            by_key.setdefault(batch_key(opt), []).append(i)
        for idx in by_key.values():
            stepper = BatchStepper(problem, [runs[i][0] for i in idx], [runs[i][1] for i in idx],
                                   [w0] * len(idx), self.total_steps)
            self.groups.append((idx, stepper))
        self._taken = 0
        self._record_rows([(idx, np.array([w0] * len(idx)), np.zeros(len(idx))) for idx, _ in self.groups])

    @property
    def step(self) -> int:
        """Updates taken (a run that diverged stopped earlier; the race goes on)."""
        return self._taken

    def _record_rows(self, groups):
        for idx, W, lr in groups:
            m = self.problem.metrics(W)
            bad = ~np.isfinite(m["objective"]) | self.problem.out_of_bounds(W) | ~np.all(np.isfinite(W), axis=1)
            for j, i in enumerate(idx):
                run = self.runs[i]
                if run.diverged_at is not None:
                    continue
                if bad[j]:
                    run.diverged_at = len(run.lr)
                    continue
                for name in METRICS:
                    run.metrics.setdefault(name, []).append(float(m[name][j]))
                run.lr.append(float(lr[j]))
                if self.keep_weights:
                    run.weights.append(W[j].copy())

    def advance(self, n: int = 1) -> int:
        """Take up to ``n`` more updates of every live run; returns the updates taken."""
        taken = 0
        for _ in range(n):
            if self.step >= self.total_steps:
                break
            rows = []
            for idx, stepper in self.groups:
                if all(self.runs[i].diverged_at is not None for i in idx):
                    continue
                k = stepper.k
                W = stepper.step()
                rows.append((idx, W, stepper.lr_at(k)))
            if not rows:
                break
            self._record_rows(rows)
            self._taken += 1
            taken += 1
        return taken

    @property
    def done(self) -> bool:
        return self.step >= self.total_steps or all(r.diverged_at is not None for r in self.runs)


def train(problem, runs, steps: int, init_seed: int = 0, keep_weights: bool = False) -> list[TrainingRun]:
    trainer = Trainer(problem, runs, steps, init_seed, keep_weights)
    while not trainer.done:
        if trainer.advance(256) == 0:
            break
    return trainer.runs


def state_memory(problem, spec: OptimizerSpec) -> int:
    """Floats of optimizer state per copy of the weights (seed 002: Adam 2 per weight,
    Adafactor rows + columns per matrix)."""
    return resolve(spec.key, spec.params)[0].state_floats(problem.layout, spec.params)


# -- the CLI command -----------------------------------------------------------------------------


def train_command(args) -> int:
    from engine.cli_args import UsageError, parse_value, write_output
    from engine.limits import BATCH_SIZE, RUN_STEPS, SEED
    from engine.trace import stop_note, strict_json

    steps = parse_value(args.steps, RUN_STEPS)
    seed = parse_value(args.seed, SEED)
    batch = parse_value(args.batch_size, BATCH_SIZE) if args.batch_size is not None else 0
    optimizer = OptimizerSpec.parse(args.optimizer)
    schedule = ScheduleSpec.parse(args.schedule)
    for kind, text in (("dataset", args.dataset), ("model", args.model), ("reg", args.reg)):
        try:
            check_spec(kind, text)
        except HyperError as err:
            raise UsageError(f"--{kind} {text!r}: {err}") from None
    problem = build_problem(args.dataset, args.model, args.reg, batch, seed)
    run = train(problem, [(optimizer, schedule)], steps, init_seed=seed)[0]
    header = ["step", *METRICS, "lr"]
    if args.format == "table":  # the results table's row (engine.results), for slides
        from engine.results import to_markdown, training_result
        text = to_markdown([training_result(problem, optimizer, schedule, steps, seed)])
    elif args.format == "json":
        rows = [dict(zip(header, row)) for row in run.rows()]
        no_split = "no validation split (the dataset's val_fraction is 0)"
        reasons = {"val_loss": no_split, "val_acc": no_split} if not problem.dataset.n_val else None
        text = strict_json({"dataset": args.dataset, "model": args.model, "reg": args.reg,
                            "optimizer": optimizer.spec(), "schedule": schedule.spec(),
                            "batch_size": problem.batch_size, "rows": rows,
                            "diverged_at": run.diverged_at}, reasons) + "\n"
    else:
        lines = [",".join(header)]
        for row in run.rows():
            lines.append(",".join([str(row[0])] + [repr(float(v)) for v in row[1:]]))
        text = "\n".join(lines) + "\n"
    write_output(text, args.output)
    note = stop_note(run.diverged_at, run.steps, bool(np.isfinite(run.metrics["train_loss"][-1])))
    if note:
        print(note, file=sys.stderr)
    return 0
