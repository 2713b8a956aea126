"""The toy classification problem (SPEC section 6): datasets, the hand-written backprop
(seed 001's gradient check), minibatch fairness, bad input, and quality bars.

The quality bars use a tiny Adam loop written here, because the engine is being written
at the same time; it is the SPEC's Adam with bias correction (lr 0.01, default betas).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.hyper import HyperError
from surfaces.classification import (
    DATASETS,
    MODELS,
    REGULARIZERS,
    ClassificationProblem,
    make_dataset,
    make_model,
    make_problem,
    make_regularizer,
)
from surfaces.classification.models import design

REG_PARAMS = {"none": {}, "l2": {"lam": 0.1}, "l1": {"lam": 0.1}, "elastic": {"lam": 0.1, "l1_ratio": 0.3}}
H = 1e-5  # central-difference step
KINK = 1e-4  # stay this far from ReLU / hinge / |w| kinks (a step moves a score by <= ~3H)


def rel_error(a, b):
    """CS231n's gradient-check measure: max |a - b| / max(1e-8, |a| + |b|)."""
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def numeric_grad(f, w, h=H):
    g = np.zeros_like(w)
    for i in range(len(w)):
        e = np.zeros_like(w)
        e[i] = h
        g[i] = (f(w + e) - f(w - e)) / (2 * h)
    return g


def near_kink(problem, w, k):
    """True when a central difference at w could straddle a kink of the batch-k loss."""
    m = problem.model
    XaT, targets = problem.batch(k)
    blocks = problem.model.split(w[None])
    if problem.reg.active and problem.reg.l1_ratio > 0 and np.min(np.abs(w[m.weight_mask == 1])) < KINK:
        return True
    if m.hidden:
        W1b = np.concatenate([blocks["W1"], blocks["b1"][:, None, :]], axis=1)[0]
        if np.min(np.abs(W1b.T @ XaT)) < KINK:
            return True
    if m.loss_kind == "hinge":
        sT, _ = m.forward(w[None], XaT)
        cols = np.arange(sT.shape[-1])
        margins = sT[0] - sT[0][targets, cols] + 1.0
        margins[targets, cols] = 1.0
        if np.min(np.abs(margins)) < KINK:
            return True
    return False


def smooth_point(problem, k=0, seed=0):
    """Random weights (scale 1) away from every kink, deterministic for a seed."""
    for s in range(seed, seed + 200):
        w = np.random.default_rng(s).standard_normal(problem.dim)
        if not near_kink(problem, w, k):
            return w
    raise AssertionError("no kink-free point found")


def small_problem(model, reg="none", features="raw", **problem_params):
    model_params = {"features": features, **({"hidden": 8} if model == "mlp" else {})}
    return make_problem(
        "spiral",
        model,
        reg,
        dataset_params={"n": 40},
        model_params=model_params,
        reg_params=REG_PARAMS[reg],
        **problem_params,
    )


def adam(problem, steps, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, seed=0):
    W = problem.init_weights(seed)[None].copy()
    m, v = np.zeros_like(W), np.zeros_like(W)
    for t in range(1, steps + 1):
        g = problem.grad(W, t - 1)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        W -= lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return W


# -- gradient check (seed 001) ----------------------------------------------------------

GRAD_CASES = [
    (model, reg, smoothing, features)
    for model in MODELS
    for reg in REGULARIZERS
    for smoothing in ((0.0,) if model == "svm" else (0.0, 0.1))
    for features in ("raw", "polar")
]


@pytest.mark.parametrize(("model", "reg", "smoothing", "features"), GRAD_CASES)
def test_gradient_check(model, reg, smoothing, features):
    problem = small_problem(model, reg, features, label_smoothing=smoothing, batch_size=10)
    k = 3
    w = smooth_point(problem, k)
    analytic = problem.grad(w, k)
    numeric = numeric_grad(lambda v: problem.batch_value(v, k), w)
    assert rel_error(analytic, numeric) < 1e-6


@pytest.mark.parametrize("model", ["softmax", "mlp"])
@pytest.mark.parametrize("features", ["raw", "polar"])
def test_gradient_check_with_mixup(model, features):
    problem = small_problem(model, "l2", features, label_smoothing=0.1, mixup=0.4, batch_size=16)
    for k in (0, 7):
        w = smooth_point(problem, k)
        numeric = numeric_grad(lambda v, k=k: problem.batch_value(v, k), w)
        assert rel_error(problem.grad(w, k), numeric) < 1e-6


@pytest.mark.parametrize("model", list(MODELS))
def test_full_batch_grad_is_the_gradient_of_value(model):
    """Without mixup, full-batch grad and the plotted value are one function (line searches rely on it)."""
    smoothing = 0.0 if model == "svm" else 0.2
    problem = small_problem(model, "elastic", label_smoothing=smoothing)
    w = smooth_point(problem)
    assert rel_error(problem.grad(w, 5), numeric_grad(problem.value, w)) < 1e-6


@pytest.mark.parametrize("model", ["softmax", "svm"])
@pytest.mark.parametrize("reg", ["none", "l2", "elastic"])
def test_hessian_matches_differences_of_the_gradient(model, reg):
    problem = small_problem(model, reg, label_smoothing=0.0)
    w = smooth_point(problem)
    Hx = problem.hessian(w)
    numeric = np.stack([numeric_grad(lambda v, i=i: problem.grad(v, 0)[i], w) for i in range(problem.dim)])
    assert Hx.shape == (problem.dim, problem.dim)
    np.testing.assert_allclose(Hx, numeric, atol=1e-7)
    np.testing.assert_allclose(Hx, Hx.T, atol=1e-12)


def test_mlp_refuses_a_hessian_with_a_reason():
    problem = small_problem("mlp")
    with pytest.raises(NotImplementedError, match="bfgs"):
        problem.hessian(problem.init_weights(0))


def test_runs_are_stepped_independently():
    """The batched (R, D) path gives each run the gradient it would get alone."""
    problem = small_problem("mlp", "l1", label_smoothing=0.1, mixup=0.3, batch_size=8)
    W = np.stack([smooth_point(problem, 2, seed=s * 1000) for s in range(4)])
    together = problem.grad(W, 2)
    alone = np.stack([problem.grad(w, 2) for w in W])
    np.testing.assert_allclose(together, alone, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(problem.value(W), [problem.value(w) for w in W], rtol=1e-12)


# -- datasets -------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(DATASETS))
def test_dataset_shapes_balance_and_scale(key):
    d = make_dataset(key)
    n = next(h.default for h in DATASETS[key].hypers if h.name == "n")
    assert d.X_train.shape == (d.n_train, 2) and d.X_val.shape == (d.n_val, 2)
    assert d.y_train.shape == (d.n_train,) and d.y_val.shape == (d.n_val,)
    assert d.n_train + d.n_val == n
    assert d.n_val == pytest.approx(0.2 * n, abs=d.n_classes)
    assert d.X_train.dtype == np.float64 and np.all(np.isfinite(d.X))
    for y in (d.y_train, d.y_val, d.y):
        counts = np.bincount(y, minlength=d.n_classes)
        assert len(counts) == d.n_classes and counts.max() - counts.min() <= 1
    assert np.abs(d.X).max() < 1.6  # standardised: learning rates transfer
    assert np.abs(d.X.mean(axis=0)).max() < 0.3
    xmin, xmax, ymin, ymax = d.box
    assert xmin < d.X[:, 0].min() and d.X[:, 0].max() < xmax
    assert ymin < d.X[:, 1].min() and d.X[:, 1].max() < ymax


@pytest.mark.parametrize("key", list(DATASETS))
def test_dataset_is_deterministic_for_a_seed(key):
    a, b, c = make_dataset(key, seed=7), make_dataset(key, seed=7), make_dataset(key, seed=8)
    for name in ("X_train", "y_train", "X_val", "y_val"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.X_train, c.X_train)


def test_dataset_parameters_take_effect():
    d = make_dataset("spiral", n=90, classes=5, val_fraction=0.0, noise="0")
    assert d.n_classes == 5 and d.n_train == 90 and d.n_val == 0
    assert np.bincount(d.y_train).tolist() == [18] * 5
    r = np.hypot(*d.X.T)
    assert r.max() == pytest.approx(1.0)  # noise 0: the arms end on the unit circle
    blobs = make_dataset("blobs", classes=4)
    assert blobs.n_classes == 4 and set(blobs.y) == {0, 1, 2, 3}


@settings(max_examples=25)
@given(
    key=st.sampled_from(list(DATASETS)),
    n=st.integers(20, 400),
    noise=st.floats(0.0, 1.0),
    val=st.floats(0.0, 0.5),
    seed=st.integers(0, 2**31 - 1),
)
def test_any_dataset_parameters_in_range_build(key, n, noise, val, seed):
    d = make_dataset(key, n=n, noise=noise, val_fraction=val, seed=seed)
    assert d.n_train + d.n_val == n
    assert set(np.unique(d.y_train)) == set(range(d.n_classes))  # every class is trained on
    assert np.all(np.isfinite(d.X))


# -- minibatches ----------------------------------------------------------------------


def test_minibatches_are_shared_by_runs_and_change_with_k():
    kwargs = dict(dataset_params={"n": 200}, batch_size=16, seed=3)
    p, q = make_problem("spiral", "mlp", **kwargs), make_problem("spiral", "mlp", **kwargs)
    np.testing.assert_array_equal(p.batch_indices(5), q.batch_indices(5))
    assert not np.array_equal(p.batch_indices(5), p.batch_indices(6))
    # two identical runs stacked get identical gradients
    w = p.init_weights(0)
    g = p.grad(np.stack([w, w]), 5)
    np.testing.assert_array_equal(g[0], g[1])
    np.testing.assert_array_equal(g[0], q.grad(w, 5))
    assert not np.allclose(p.grad(w, 5), p.grad(w, 6))
    # a different problem seed gives a different order
    other = make_problem("spiral", "mlp", **{**kwargs, "seed": 4})
    assert not np.array_equal(p.batch_indices(5), other.batch_indices(5))


def test_each_epoch_visits_every_point_once():
    p = make_problem("moons", "softmax", dataset_params={"n": 100}, batch_size=7)
    n, spe = p.dataset.n_train, p.steps_per_epoch
    assert spe == n // 7
    for epoch in (0, 1):
        seen = np.concatenate([p.batch_indices(epoch * spe + i) for i in range(spe)])
        assert len(seen) == spe * 7 and len(set(seen.tolist())) == len(seen)
    assert not np.array_equal(p.batch_indices(0), p.batch_indices(spe))  # reshuffled


def test_batch_size_one_is_pure_sgd():
    p = small_problem("softmax", batch_size=1)
    w = smooth_point(p)
    (i,) = p.batch_indices(4)
    Xa = design(p.dataset.X_train[[i]])
    T = np.eye(3)[p.dataset.y_train[[i]]].T
    _, expected = p.model.loss_and_grad(w[None], Xa, T)
    np.testing.assert_allclose(p.grad(w, 4), expected[0], rtol=1e-12)


def test_full_batch_uses_every_training_point():
    n = small_problem("mlp").dataset.n_train
    for batch_size in (0, None, n):
        p = small_problem("mlp", batch_size=batch_size)
        assert p.full_batch and p.steps_per_epoch == 1
        np.testing.assert_array_equal(p.batch_indices(9), np.arange(n))
        w = p.init_weights(1)
        np.testing.assert_array_equal(p.grad(w, 0), p.grad(w, 9))


def test_mixup_is_seeded_per_step():
    p = small_problem("mlp", mixup=1.0, batch_size=0)
    w = p.init_weights(0)
    np.testing.assert_array_equal(p.grad(w, 2), p.grad(w, 2))
    assert not np.allclose(p.grad(w, 2), p.grad(w, 3))
    # value is the exact full-batch objective: no mixup in it
    plain = small_problem("mlp")
    assert p.value(w) == pytest.approx(plain.value(w), rel=1e-12)


# -- objective, metrics, views --------------------------------------------------------


def test_initial_softmax_loss_is_log_k():
    """The lecture's sanity check: small random weights give loss ~ log(K)."""
    p = make_problem("spiral", "softmax")
    assert p.value(p.init_weights(0)) == pytest.approx(math.log(3), abs=0.01)


def test_layout_and_init():
    p = make_problem("spiral", "mlp", model_params={"hidden": 16})
    assert p.layout == (("W1", (2, 16)), ("b1", (16,)), ("W2", (16, 3)), ("b2", (3,)))
    assert p.dim == 2 * 16 + 16 + 16 * 3 + 3
    w = p.init_weights(5)
    assert w.shape == (p.dim,) and w.dtype == np.float64
    np.testing.assert_array_equal(w, p.init_weights(5))
    assert not np.array_equal(w, p.init_weights(6))
    blocks = p.model.split(w[None])
    assert blocks["W2"].shape == (1, 16, 3) and np.all(blocks["b1"] == 0)
    linear = make_problem("blobs", "svm", dataset_params={"classes": 4})
    assert linear.layout == (("W", (2, 4)), ("b", (4,)))


def test_regularizer_skips_biases():
    p = make_problem("spiral", "mlp", "l2", reg_params={"lam": 0.5}, model_params={"hidden": 4})
    w = np.zeros(p.dim)
    w[p.model.weight_mask == 0] = 3.0  # biases only
    assert p.reg.value(w[None], p.model.weight_mask)[0] == 0.0
    w[0] = 2.0  # one entry of W1
    assert p.reg.value(w[None], p.model.weight_mask)[0] == pytest.approx(0.5 * 4.0)


def test_metrics_shapes_and_meaning():
    p = make_problem("spiral", "mlp", "l2", reg_params={"lam": 1e-2}, label_smoothing=0.1)
    W = np.stack([p.init_weights(s) for s in range(3)])
    m = p.metrics(W)
    assert set(m) == {"objective", "train_loss", "val_loss", "train_acc", "val_acc"}
    assert all(v.shape == (3,) for v in m.values())
    np.testing.assert_allclose(m["objective"], p.value(W), rtol=1e-12)
    assert np.all(m["objective"] > m["train_loss"])  # penalty and smoothing only add
    assert np.all((m["train_acc"] >= 0) & (m["train_acc"] <= 1))
    no_val = make_problem("spiral", "softmax", dataset_params={"val_fraction": 0})
    assert np.isnan(no_val.metrics(no_val.init_weights(0))["val_acc"])


def test_out_of_bounds_and_non_finite_weights_do_not_raise():
    p = make_problem("xor", "mlp")
    W = np.stack([p.init_weights(0), np.full(p.dim, 2e6), np.full(p.dim, np.nan)])
    assert p.out_of_bounds(W).tolist() == [False, True, False]
    assert np.isfinite(p.value(W)[0]) and not np.isfinite(p.value(W)[2])
    assert not np.all(np.isfinite(p.grad(W, 0)[2]))


@pytest.mark.parametrize(("model", "features"), [("mlp", "raw"), ("mlp", "polar"), ("svm", "raw")])
def test_decision_grid_matches_the_model(model, features):
    p = make_problem("moons", model, model_params={"features": features})
    w = smooth_point(p)
    grid = p.decision_grid(w, nx=30, ny=20)
    assert grid.probs.shape == (20, 30, 2) and grid.classes.shape == (20, 30)
    np.testing.assert_allclose(grid.probs.sum(axis=-1), 1.0, atol=1e-5)
    assert grid.xs[0] == p.box[0] and grid.ys[-1] == p.box[3]
    # the point (xs[j], ys[i]) gets the model's own prediction
    i, j = 13, 4
    sT, _ = p.model.forward(w[None], design(np.array([[grid.xs[j], grid.ys[i]]]), features))
    assert grid.classes[i, j] == sT[0, :, 0].argmax()
    custom = p.decision_grid(w, nx=5, ny=5, box=(-1, 1, -2, 2))
    assert custom.ys[0] == -2 and custom.xs[-1] == 1


# -- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: make_model("mlp", 3, hidden=0), "hidden"),
        (lambda: make_problem("spiral", "mlp", batch_size=481), "batch_size"),
        (lambda: make_regularizer("l2", lam=-0.1), "lam"),
        (lambda: make_regularizer("elastic", l1_ratio=1.5), "l1_ratio"),
        (lambda: make_regularizer("lasso"), "regularizer"),
        (lambda: make_dataset("swiss-roll"), "dataset"),
        (lambda: make_model("resnet", 3), "model"),
        (lambda: make_dataset("spiral", n=5), "n"),
        (lambda: make_dataset("moons", nosie=0.1), "nosie"),
        (lambda: make_dataset("blobs", classes="three"), "classes"),
        (lambda: make_model("softmax", 3, features="cartesian"), "features"),
        (lambda: make_problem("spiral", "svm", label_smoothing=0.1), "label_smoothing"),
        (lambda: make_problem("spiral", "svm", mixup=0.2), "mixup"),
        (lambda: make_problem("spiral", "mlp", label_smoothing=0.9), "label_smoothing"),
        (lambda: make_problem("spiral", "mlp", batch=32), "batch"),
    ],
)
def test_bad_input_names_the_field(build, field):
    with pytest.raises(HyperError, match=field):
        build()


def test_model_and_dataset_class_counts_must_agree():
    with pytest.raises(HyperError, match="n_classes"):
        ClassificationProblem(make_dataset("xor"), make_model("softmax", 3))


# -- quality bars (fixed seeds) -------------------------------------------------------


def test_mlp_with_adam_learns_the_spiral():
    p = make_problem("spiral", "mlp", dataset_params={"n": 600})
    W = adam(p, 2000, lr=0.01)
    assert p.metrics(W)["train_acc"][0] >= 0.95


def test_softmax_with_adam_separates_the_blobs():
    p = make_problem("blobs", "softmax")
    W = adam(p, 300, lr=0.01)
    assert p.metrics(W)["train_acc"][0] >= 0.99


def test_a_line_cannot_separate_the_spiral_but_polar_features_open_the_circles():
    """Seed 001: a linear classifier fails on nonlinear data; (r, theta) fixes the circles."""
    spiral = make_problem("spiral", "softmax")
    assert spiral.metrics(adam(spiral, 500, lr=0.05))["train_acc"][0] < 0.7
    raw = make_problem("circles", "softmax")
    polar = make_problem("circles", "softmax", model_params={"features": "polar"})
    assert raw.metrics(adam(raw, 500, lr=0.05))["train_acc"][0] < 0.75
    assert polar.metrics(adam(polar, 500, lr=0.05))["train_acc"][0] >= 0.98


def test_svm_minibatch_sgd_trains_on_blobs():
    p = make_problem("blobs", "svm", "l2", reg_params={"lam": 1e-3}, batch_size=16)
    W = p.init_weights(0)[None]
    for k in range(300):
        W = W - 0.1 * p.grad(W, k)
    assert p.metrics(W)["train_acc"][0] >= 0.99
