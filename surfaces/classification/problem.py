"""The toy classification problem as an engine Objective (docs/ARCHITECTURE.md).

``ClassificationProblem`` binds a dataset, a model and a regularizer and exposes them
to the engine's batched path: R runs are rows of ``W (R, D)``.

What each method computes:

* ``value(W)`` -- the exact training objective, the number plotted as "loss":
  ``1/N sum_i L_i`` over *all* training points (full batch), with the training targets
  (label-smoothed when ``label_smoothing > 0``, since smoothing is a deterministic part
  of the objective), plus ``lam R(W)``. Mixup is left out: it is a random augmentation
  of the minibatch, i.e. gradient noise, and SPEC section 2 plots the exact loss, never
  the noisy one. So in full-batch mode without mixup, ``grad`` is exactly the gradient
  of ``value`` (what line searches rely on).
* ``grad(W, k)`` -- the gradient of ``batch_value(W, k)``: the same loss on minibatch
  ``k`` (mixed up when ``mixup > 0``) plus ``lam R(W)``.
* ``metrics(W)`` -- ``objective`` (= value), and for comparing runs and train vs
  validation: ``train_loss`` / ``val_loss`` (mean data loss with the plain labels, no
  smoothing, no penalty) and ``train_acc`` / ``val_acc``.

Minibatches (fair races): the training set is reshuffled once per epoch by a generator
seeded by ``(seed, epoch)`` and cut into ``n_train // batch_size`` batches (a remainder
is dropped, as torch's ``drop_last``); update ``k`` uses batch ``k % steps_per_epoch`` of
epoch ``k // steps_per_epoch``. It depends on ``(seed, k)`` only, so every run and every
optimizer sees the same points at update ``k``, and each point is used once per epoch.
Mixup draws ``lambda ~ Beta(alpha, alpha)`` (one per update, as Zhang et al.) and a random
partner from the training set for each point of the batch, from a generator seeded by
``(seed, k)``: ``x = lambda x_i + (1 - lambda) x_j``, ``y = lambda y_i + (1 - lambda) y_j``
(seed 003). The points are mixed before the feature transform.

Label smoothing follows seed 003: the target is ``1 - eps`` on the true class and
``eps / (K - 1)`` on each other class (torch's ``label_smoothing`` spreads ``eps`` over
all K classes instead: ``1 - eps + eps / K`` on the true class). Smoothing and mixup
need soft targets, so the svm (hard-label hinge) refuses them.

``hessian`` is exact for the linear models (softmax, svm) and refuses the mlp with
NotImplementedError (see ``Model.data_hessian``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.hyper import Hyper, HyperError, validate_values
from engine.limits import BATCH_SIZE, LABEL_SMOOTHING, MIXUP, SEED

from .datasets import Dataset, make_dataset
from .models import Model, Workspace, design, make_model, softmax_probabilities
from .regularizers import Regularizer, make_regularizer

BOUND = 1e6  # a weight beyond this marks the run as diverged
CHUNK_FLOATS = 2**21  # activations per chunk of runs (16 MB of float64)
METRICS = ("objective", "train_loss", "val_loss", "train_acc", "val_acc")

# The scene's own numbers, from the one source of limits the session files, the command
# line and both modes' setters read too.
PROBLEM_HYPERS: tuple[Hyper, ...] = (BATCH_SIZE, LABEL_SMOOTHING, MIXUP, SEED)


def smoothed_targets(y: np.ndarray, K: int, eps: float = 0.0) -> np.ndarray:
    """One-hot rows ``(N, K)``, smoothed as in seed 003: ``1 - eps`` / ``eps / (K - 1)``."""
    T = np.full((len(y), K), eps / (K - 1))
    T[np.arange(len(y)), y] = 1.0 - eps
    return T


@dataclass(frozen=True)
class DecisionGrid:
    """Class probabilities on a regular grid: ``probs[i, j]`` at ``(xs[j], ys[i])``."""

    xs: np.ndarray  # (nx,)
    ys: np.ndarray  # (ny,)
    probs: np.ndarray  # (ny, nx, K) float32: softmax of the scores (for svm: shading only)

    @property
    def classes(self) -> np.ndarray:
        """Predicted class index per grid point, ``(ny, nx)``."""
        return self.probs.argmax(axis=-1)


class ClassificationProblem:
    """Objective over the flat weights of ``model`` trained on ``dataset``."""

    def __init__(
        self,
        dataset: Dataset,
        model: Model,
        reg: Regularizer | None = None,
        batch_size: int | None = 0,
        seed: int = 0,
        label_smoothing: float = 0.0,
        mixup: float = 0.0,
    ):
        hp = validate_values(
            PROBLEM_HYPERS,
            {
                "batch_size": batch_size or 0,
                "seed": seed,
                "label_smoothing": label_smoothing,
                "mixup": mixup,
            },
            owner="classification problem",
        )
        if model.n_classes != dataset.n_classes:
            raise HyperError(
                f"model {model.key!r} has n_classes={model.n_classes} but dataset "
                f"{dataset.key!r} has {dataset.n_classes} classes"
            )
        n = dataset.n_train
        if hp["batch_size"] > n:
            raise HyperError(
                f"batch_size={hp['batch_size']}: larger than the {n} training points of dataset "
                f"{dataset.key!r}; use 1..{n} ({n} or 0 = full batch)"
            )
        if not model.uses_soft_targets:
            for name in ("label_smoothing", "mixup"):
                if hp[name] > 0:
                    raise HyperError(
                        f"{name}={hp[name]:g}: not applicable to the {model.key!r} model, whose hinge "
                        f"loss takes hard labels; use 0, or the softmax or mlp model"
                    )
        self.dataset, self.model = dataset, model
        self.reg = reg if reg is not None else Regularizer()
        self.batch_size = hp["batch_size"] or n
        self.seed = hp["seed"]
        self.label_smoothing = hp["label_smoothing"]
        self.mixup = hp["mixup"]
        self.steps_per_epoch = n // self.batch_size
        self._mask = model.weight_mask
        self._perm_epoch, self._perm = None, None
        self._grid_cache = None
        self._work = Workspace()

        K, feats = model.n_classes, model.features
        # Training inputs, with the targets the objective uses (smoothed) and the plain ones.
        self._XaT_train = design(dataset.X_train, feats)
        self._T_rows = smoothed_targets(dataset.y_train, K, self.label_smoothing)
        self._targets_train = self._targets(self._T_rows, dataset.y_train)
        self._plain_train = self._targets(smoothed_targets(dataset.y_train, K), dataset.y_train)
        self._XaT_val = design(dataset.X_val, feats)
        self._plain_val = self._targets(smoothed_targets(dataset.y_val, K), dataset.y_val)

    def _targets(self, T_rows, y):
        """What the model's loss takes: soft targets ``(K, N)`` or integer labels."""
        return np.ascontiguousarray(T_rows.T) if self.model.uses_soft_targets else y

    # -- Objective protocol ------------------------------------------------------------

    @property
    def dim(self) -> int:
        return self.model.dim

    @property
    def layout(self):
        return self.model.layout

    @property
    def box(self):
        return self.dataset.box

    @property
    def full_batch(self) -> bool:
        return self.batch_size >= self.dataset.n_train

    def init_weights(self, seed: int = 0) -> np.ndarray:
        return self.model.init_weights(seed)

    @property
    def stochastic(self) -> bool:
        """True when grad is not the exact gradient of value (minibatches or mixup)."""
        return not self.full_batch or self.mixup > 0

    def _chunks(self, R: int, N: int):
        """Row slices of W small enough that the (rows, H, N) activations stay ~16 MB:
        the runner evaluates value() on every row of a whole trace at once."""
        step = max(1, CHUNK_FLOATS // (max(self.model.hidden, self.model.n_classes) * max(N, 1)))
        return [slice(s, s + step) for s in range(0, R, step)]

    def value(self, W: np.ndarray) -> np.ndarray:
        """Full-batch training objective ``(R,)`` (see the module docstring)."""
        W, one = _runs(W)
        loss = np.empty(len(W))
        with np.errstate(all="ignore"):
            for rows in self._chunks(len(W), self.dataset.n_train):
                sT, _ = self.model.forward(W[rows], self._XaT_train, self._work)
                loss[rows] = self.model.data_loss(sT, self._targets_train, want_grad=False)[0]
            loss += self.reg.value(W, self._mask)
        return _out(loss, one)

    def grad(self, W: np.ndarray, k: int) -> np.ndarray:
        """Gradient ``(R, D)`` of the loss on minibatch ``k`` plus the penalty."""
        return self.loss_and_grad(W, k)[1]

    def batch_value(self, W: np.ndarray, k: int) -> np.ndarray:
        """The loss that ``grad(W, k)`` differentiates: minibatch ``k`` (mixed up) + penalty."""
        return self.loss_and_grad(W, k)[0]

    def loss_and_grad(self, W: np.ndarray, k: int):
        W, one = _runs(W)
        XaT, targets = self.batch(k)
        loss, g = np.empty(len(W)), np.empty_like(W)
        with np.errstate(all="ignore"):
            for rows in self._chunks(len(W), XaT.shape[1]):
                loss[rows], g[rows] = self.model.loss_and_grad(W[rows], XaT, targets, self._work)
            if self.reg.active:
                loss = loss + self.reg.value(W, self._mask)
                g += self.reg.grad(W, self._mask)
        return _out(loss, one), _out(g, one)

    def hessian(self, W: np.ndarray) -> np.ndarray:
        """Exact Hessian ``(R, D, D)`` of ``value`` (linear models; NotImplementedError for mlp)."""
        W, one = _runs(W)
        with np.errstate(all="ignore"):
            H = self.model.data_hessian(W, self._XaT_train)
        H += np.diag(self.reg.hessian_diag(self._mask))
        return _out(H, one)

    def out_of_bounds(self, W: np.ndarray) -> np.ndarray:
        W, one = _runs(W)
        return _out(np.abs(W).max(axis=-1) > BOUND, one)

    # -- minibatches ---------------------------------------------------------------------

    def batch_indices(self, k: int) -> np.ndarray:
        """Indices into the training set used by update ``k`` (0-based)."""
        n = self.dataset.n_train
        if self.full_batch:
            return np.arange(n)
        epoch, pos = divmod(int(k), self.steps_per_epoch)
        if epoch != self._perm_epoch:
            self._perm = np.random.default_rng([self.seed, 0, epoch]).permutation(n)
            self._perm_epoch = epoch
        return self._perm[pos * self.batch_size : (pos + 1) * self.batch_size]

    def batch(self, k: int):
        """Inputs ``XaT (3, B)`` and targets of update ``k``."""
        if not self.mixup:
            if self.full_batch:
                return self._XaT_train, self._targets_train
            idx = self.batch_indices(k)
            targets = (
                self._targets_train[:, idx] if self.model.uses_soft_targets else self._targets_train[idx]
            )
            return self._XaT_train[:, idx], targets
        idx = self.batch_indices(k)
        rng = np.random.default_rng([self.seed, 1, int(k)])
        lam = rng.beta(self.mixup, self.mixup)
        partner = rng.integers(0, self.dataset.n_train, size=len(idx))
        X = self.dataset.X_train
        X_mix = lam * X[idx] + (1 - lam) * X[partner]
        T_mix = lam * self._T_rows[idx] + (1 - lam) * self._T_rows[partner]
        return design(X_mix, self.model.features), np.ascontiguousarray(T_mix.T)

    # -- what the views show -------------------------------------------------------------

    def metrics(self, W: np.ndarray) -> dict[str, np.ndarray]:
        """``objective``, ``train_loss``, ``val_loss``, ``train_acc``, ``val_acc``, each ``(R,)``
        (validation entries are NaN when the dataset has no validation points)."""
        W, one = _runs(W)
        m, d = self.model, self.dataset
        out = {k: np.full(len(W), np.nan) for k in METRICS}
        with np.errstate(all="ignore"):
            for rows in self._chunks(len(W), max(d.n_train, d.n_val)):
                sT, _ = m.forward(W[rows], self._XaT_train, self._work)
                out["train_loss"][rows] = m.data_loss(sT, self._plain_train, want_grad=False)[0]
                out["objective"][rows] = (
                    m.data_loss(sT, self._targets_train, want_grad=False)[0]
                    if self.label_smoothing
                    else out["train_loss"][rows]
                )
                out["train_acc"][rows] = (sT.argmax(axis=1) == d.y_train).mean(axis=-1)
                if d.n_val:
                    sT, _ = m.forward(W[rows], self._XaT_val, self._work)
                    out["val_loss"][rows] = m.data_loss(sT, self._plain_val, want_grad=False)[0]
                    out["val_acc"][rows] = (sT.argmax(axis=1) == d.y_val).mean(axis=-1)
            out["objective"] += self.reg.value(W, self._mask)
        return {k: _out(v, one) for k, v in out.items()}

    def confidence(self, W: np.ndarray) -> np.ndarray:
        """Mean over validation points (training points when there are none) of the largest
        softmax probability, ``(R,)``: how sure the model is, right or wrong (label smoothing
        caps it). The SVM's scores go through the same softmax."""
        W, one = _runs(W)
        d = self.dataset
        XaT = self._XaT_val if d.n_val else self._XaT_train
        out = np.full(len(W), np.nan)
        with np.errstate(all="ignore"):
            for rows in self._chunks(len(W), max(d.n_val, d.n_train)):
                sT, _ = self.model.forward(W[rows], XaT, self._work)
                out[rows] = softmax_probabilities(sT).max(axis=1).mean(axis=-1)
        return _out(out, one)

    def decision_grid(self, w: np.ndarray, nx: int = 200, ny: int = 200, box=None) -> DecisionGrid:
        """Class probabilities of one run ``w (D,)`` on an ``nx`` x ``ny`` grid over ``box``
        ``(xmin, xmax, ymin, ymax)`` (default: the dataset's view box), for drawing the
        decision regions. Computed in float32: colours need no more, and it halves the
        memory traffic of the (ny nx, H) hidden layer."""
        box = tuple(float(b) for b in (box or self.box))
        key = (nx, ny, box)
        if self._grid_cache is None or self._grid_cache[0] != key:
            xs = np.linspace(box[0], box[1], nx)
            ys = np.linspace(box[2], box[3], ny)
            gx, gy = np.meshgrid(xs, ys)
            points = np.stack([gx.ravel(), gy.ravel()], axis=1)
            self._grid_cache = (key, xs, ys, design(points, self.model.features, dtype=np.float32))
        _, xs, ys, XaT = self._grid_cache
        w32 = np.asarray(w, dtype=np.float32).reshape(1, -1)
        with np.errstate(all="ignore"):
            sT, _ = self.model.forward(w32, XaT)
            p = softmax_probabilities(sT)[0]  # (K, ny nx)
        return DecisionGrid(xs, ys, p.T.reshape(ny, nx, -1))


def _runs(W):
    """Accept one run ``(D,)`` or a stack ``(R, D)``; remember which, for ``_out``."""
    W = np.asarray(W)
    if not np.issubdtype(W.dtype, np.floating):
        W = W.astype(np.float64)
    return (W[None, :], True) if W.ndim == 1 else (W, False)


def _out(a, one):
    return a[0] if one else a


def make_problem(
    dataset: str = "spiral",
    model: str = "mlp",
    reg: str = "none",
    *,
    dataset_params: dict | None = None,
    model_params: dict | None = None,
    reg_params: dict | None = None,
    points=None,
    **problem_params,
) -> ClassificationProblem:
    """Build a problem from registry keys and parameters (as parsed from ``name:key=value``
    specs), e.g. ``make_problem("spiral", "mlp", "l2", model_params={"hidden": 32},
    reg_params={"lam": 1e-3}, batch_size=32)``; ``points`` (a PointSet) for the dataset
    ``points``. Any bad key or value raises HyperError."""
    known = [h.name for h in PROBLEM_HYPERS]
    for key in problem_params:
        if key not in known:
            raise HyperError(
                f"classification problem has no parameter {key!r} (accepted: {', '.join(known)})"
            )
    if dataset == "points":  # the user's own (points.py)
        from .points import points_dataset
        data = points_dataset(points, **(dataset_params or {}))
    else:
        data = make_dataset(dataset, **(dataset_params or {}))
    return ClassificationProblem(
        data,
        make_model(model, data.n_classes, **(model_params or {})),
        make_regularizer(reg, **(reg_params or {})),
        **problem_params,
    )
