"""The classifiers of seed 001 (CS231n lecture 3), with backprop written out by hand.

    softmax   s = W^T x + b,                   L_i = -log softmax(s)_y  (cross-entropy)
    svm       s = W^T x + b,                   L_i = sum_{j != y} max(0, s_j - s_y + 1)
    mlp       s = W2^T max(0, W1^T x + b1) + b2,  cross-entropy

(row-vector convention: ``W`` is (inputs, outputs), as in ``X @ W``.) The data loss is
the mean of ``L_i`` over the batch. The input ``x`` is the point itself (``features=raw``)
or the lecture's polar transform ``(r, theta)`` (``features=polar``, with theta / pi so
both features stay in about [-1, 1]).

Weights are ONE flat float64 vector per run, cut into the blocks of ``Model.layout``,
e.g. ``(("W1", (2, 64)), ("b1", (64,)), ("W2", (64, 3)), ("b2", (3,)))``; the 2-D blocks
are what Adafactor factors and what the regularizer penalises. Because each bias
directly follows its matrix, ``[W; b]`` is a free ``(inputs + 1, outputs)`` view of the
flat vector, multiplied with the inputs plus a row of ones; the first layer uses that
(one matmul instead of a matmul and a pass over the hidden activations).

Shapes: R runs are stepped together, ``w (R, D)``. Activations are kept feature-major,
``(R, features, N)``: the softmax then reduces over a short leading axis, measured ~3x
faster than over a trailing axis of length K = 3.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from engine.hyper import Hyper, HyperError, validate_values

FEATURES = ("raw", "polar")


def features(X: np.ndarray, kind: str = "raw") -> np.ndarray:
    """Points ``(N, 2)`` -> model inputs ``(N, 2)``: ``(x, y)`` or ``(r, theta / pi)``."""
    if kind == "raw":
        return X
    r = np.hypot(X[:, 0], X[:, 1])
    theta = np.arctan2(X[:, 1], X[:, 0]) / math.pi
    return np.stack([r, theta], axis=1)


def design(X: np.ndarray, kind: str = "raw", dtype=np.float64) -> np.ndarray:
    """Model inputs transposed, with a row of ones for the bias: ``(3, N)``, C-contiguous."""
    out = np.ones((3, len(X)), dtype=dtype)
    out[:2] = features(X, kind).T
    return out


# -- losses on scores sT (R, K, N): each returns (mean loss (R,), dL/dsT or None) ----------


def softmax_cross_entropy(sT, TT, want_grad=True):
    """``L_i = -sum_k T_ki log p_ki = logsumexp(s_i) - sum_k T_ki s_ki`` for targets ``TT (K, N)``
    whose columns sum to 1 (one-hot, smoothed or mixed). Backward: ``dL_i/ds_i = p_i - T_i``."""
    N = sT.shape[-1]
    m = sT.max(axis=1, keepdims=True)  # shift by the max: exp never overflows
    e = np.exp(sT - m)
    Z = e.sum(axis=1, keepdims=True)
    loss = (m + np.log(Z))[:, 0, :] - np.einsum("rkn,kn->rn", sT, TT)
    if not want_grad:
        return loss.mean(axis=-1), None
    return loss.mean(axis=-1), (e / Z - TT) / N


def multiclass_hinge(sT, y, want_grad=True):
    """Seed 001's SVM loss ``L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + 1)``.
    Backward: ``dL_i/ds_j = 1[margin_j > 0]`` for j != y_i, ``dL_i/ds_y = -#(margins > 0)``."""
    N = sT.shape[-1]
    cols = np.arange(N)
    margins = sT - sT[:, y, cols][:, None, :] + 1.0
    margins[:, y, cols] = 0.0
    positive = margins > 0
    loss = np.where(positive, margins, 0.0).sum(axis=1).mean(axis=-1)
    if not want_grad:
        return loss, None
    dsT = positive.astype(sT.dtype)
    dsT[:, y, cols] = -positive.sum(axis=1)
    return loss, dsT / N


def softmax_probabilities(sT):
    e = np.exp(sT - sT.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# -- the model ------------------------------------------------------------------------


class Workspace:
    """Reusable buffers for the (R, H, N) hidden activations.

    Fresh arrays of that size (~2 MB for 8 runs x 64 units x 480 points) come from mmap
    and are page-faulted in on every call; reusing them measured 1.6 ms -> 0.9 ms per
    grad call. The cache a forward pass returns lives in these buffers, so it is valid
    until the next forward pass with the same workspace (one caller at a time).
    """

    def __init__(self):
        self._bufs = {}

    def __call__(self, name, shape, dtype=np.float64):
        buf = self._bufs.get(name)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            buf = self._bufs[name] = np.empty(shape, dtype=dtype)
        return buf


def _fresh(name, shape, dtype=np.float64):
    return np.empty(shape, dtype=dtype)


@dataclass(frozen=True, eq=False)
class Model:
    """One classifier: ``hidden = 0`` is linear (softmax or svm), ``hidden = H`` the 2-layer MLP."""

    key: str
    n_classes: int
    hidden: int = 0
    features: str = "raw"
    loss_kind: str = "softmax"  # softmax | hinge
    params: dict = field(default_factory=dict)

    n_inputs = 2

    @property
    def layout(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        F, H, K = self.n_inputs, self.hidden, self.n_classes
        if not H:
            return (("W", (F, K)), ("b", (K,)))
        return (("W1", (F, H)), ("b1", (H,)), ("W2", (H, K)), ("b2", (K,)))

    @property
    def dim(self) -> int:
        return sum(math.prod(shape) for _, shape in self.layout)

    @property
    def weight_mask(self) -> np.ndarray:
        """1.0 on the entries of weight matrices, 0.0 on biases (what the regularizer sees)."""
        return np.concatenate([np.full(math.prod(s), float(len(s) == 2)) for _, s in self.layout])

    @property
    def uses_soft_targets(self) -> bool:
        return self.loss_kind == "softmax"

    def split(self, w: np.ndarray) -> dict[str, np.ndarray]:
        """Views of the blocks of ``w (R, D)``, each ``(R, *shape)``."""
        out, start = {}, 0
        for name, shape in self.layout:
            size = math.prod(shape)
            out[name] = w[:, start : start + size].reshape(len(w), *shape)
            start += size
        return out

    def init_weights(self, seed: int = 0) -> np.ndarray:
        """Seeded start: CS231n's ``0.01 N(0, 1)`` for a linear model (initial softmax loss
        ~ log K, the lecture's sanity check); for the MLP He init ``N(0, 2 / fan_in)`` on W1
        (ReLU follows) and ``N(0, 1 / fan_in)`` on W2. Biases start at 0."""
        rng = np.random.default_rng(seed)
        F, H, K = self.n_inputs, self.hidden, self.n_classes
        if not H:
            return np.concatenate([0.01 * rng.standard_normal(F * K), np.zeros(K)])
        W1 = rng.standard_normal(F * H) * math.sqrt(2.0 / F)
        W2 = rng.standard_normal(H * K) * math.sqrt(1.0 / H)
        return np.concatenate([W1, np.zeros(H), W2, np.zeros(K)])

    # forward and backward side by side, layer by layer --------------------------------

    def forward(self, w: np.ndarray, XaT: np.ndarray, work=_fresh):
        """``w (R, D)``, inputs with a ones row ``XaT (3, N)`` -> scores ``sT (R, K, N)``, cache.
        ``work``: a :class:`Workspace` to reuse the hidden-layer buffers."""
        R, F, H, K, N = len(w), self.n_inputs, self.hidden, self.n_classes, XaT.shape[1]
        if not H:
            Wb = w.reshape(R, F + 1, K)  # [W; b]
            return np.matmul(Wb.swapaxes(1, 2), XaT), None
        W1b = w[:, : (F + 1) * H].reshape(R, F + 1, H)  # [W1; b1]
        W2 = w[:, (F + 1) * H : -K].reshape(R, H, K)
        b2 = w[:, -K:]
        zT = np.matmul(W1b.swapaxes(1, 2), XaT, out=work("z", (R, H, N), w.dtype))  # z = W1^T x + b1
        active = np.greater(zT, 0, out=work("active", (R, H, N), bool))
        hT = np.maximum(zT, 0.0, out=zT)  # h = max(0, z)
        sT = np.matmul(W2.swapaxes(1, 2), hT)  # s = W2^T h + b2        (R, K, N)
        sT += b2[:, :, None]
        return sT, (hT, active, W2)

    def backward(self, w: np.ndarray, XaT: np.ndarray, cache, dsT: np.ndarray, work=_fresh) -> np.ndarray:
        """dL/dsT ``(R, K, N)`` -> dL/dw ``(R, D)``, the same flat layout as ``w``."""
        R, F, H, K, N = len(w), self.n_inputs, self.hidden, self.n_classes, XaT.shape[1]
        g = np.empty_like(w)
        if not H:
            np.matmul(XaT, dsT.swapaxes(1, 2), out=g.reshape(R, F + 1, K))  # d[W; b] = [x; 1] ds^T
            return g
        hT, active, W2 = cache
        gW1b = g[:, : (F + 1) * H].reshape(R, F + 1, H)
        gW2 = g[:, (F + 1) * H : -K].reshape(R, H, K)
        np.matmul(hT, dsT.swapaxes(1, 2), out=gW2)  # dW2 = h ds^T
        g[:, -K:] = dsT.sum(axis=2)  # db2 = sum over the batch of ds
        dhT = np.matmul(W2, dsT, out=work("dh", (R, H, N), w.dtype))  # dh = W2 ds
        dhT *= active  # dz = dh where z > 0 (ReLU)
        np.matmul(XaT, dhT.swapaxes(1, 2), out=gW1b)  # d[W1; b1] = [x; 1] dz^T
        return g

    def data_loss(self, sT, targets, want_grad=True):
        """Mean loss over the batch: ``targets`` are soft ``TT (K, N)`` for the softmax
        loss, integer labels ``y (N,)`` for the hinge."""
        if self.loss_kind == "hinge":
            return multiclass_hinge(sT, targets, want_grad)
        return softmax_cross_entropy(sT, targets, want_grad)

    def loss_and_grad(self, w, XaT, targets, work=_fresh):
        sT, cache = self.forward(w, XaT, work)
        loss, dsT = self.data_loss(sT, targets)
        return loss, self.backward(w, XaT, cache, dsT, work)

    def data_hessian(self, w: np.ndarray, XaT: np.ndarray) -> np.ndarray:
        """Exact Hessian of the mean data loss, ``(R, D, D)``, for the linear models.

        softmax: ``H = 1/N sum_i (x_i x_i^T) kron (diag(p_i) - p_i p_i^T)`` with x_i = [x; 1];
        it does not depend on the targets (so label smoothing leaves it unchanged) and is
        singular along "add the same number to every class's b" (softmax ignores it).
        svm: the hinge is piecewise linear, so its Hessian is 0 wherever it exists.
        mlp: not provided (NotImplementedError): it would need second-order backprop, and
        with D in the hundreds Newton's (D, D) solve per step defeats a live view; bfgs and
        lbfgs are the lecture's answer to exactly that.
        """
        if self.hidden:
            raise NotImplementedError(
                f"newton needs the exact Hessian, which the mlp model does not provide "
                f"(D = {self.dim}); use bfgs or lbfgs, or a linear model (softmax, svm)"
            )
        R, D, F1, K = len(w), self.dim, self.n_inputs + 1, self.n_classes
        if self.loss_kind == "hinge":
            return np.zeros((R, D, D))
        N = XaT.shape[1]
        p = softmax_probabilities(self.forward(w, XaT)[0])  # (R, K, N)
        # diag(p) part: C[r, f, k, g] = 1/N sum_i x_if x_ig p_rik, placed where k == l
        C = np.einsum("fn,gn,rkn->rfkg", XaT, XaT, p) / N
        H = np.zeros((R, F1, K, F1, K))
        idx = np.arange(K)
        H[:, :, idx, :, idx] = C.transpose(2, 0, 1, 3)
        # p p^T part: Q[r, n, (f, k)] = x_nf p_rkn, then Q^T Q / N
        Q = (XaT.T[None, :, :, None] * p.transpose(0, 2, 1)[:, :, None, :]).reshape(R, N, D)
        return H.reshape(R, D, D) - np.matmul(Q.swapaxes(1, 2), Q) / N


# -- registry -------------------------------------------------------------------------

_FEATURES = Hyper(
    "features",
    "raw",
    kind="choice",
    choices=FEATURES,
    doc="model inputs: the point (x, y) or the polar transform (r, theta) of seed 001",
)


@dataclass(frozen=True)
class ModelRecord:
    key: str
    title: str
    description: str
    hypers: tuple[Hyper, ...]
    loss_kind: str


MODELS: dict[str, ModelRecord] = {
    r.key: r
    for r in (
        ModelRecord(
            "softmax", "Softmax", "linear scores W^T x + b, cross-entropy loss", (_FEATURES,), "softmax"
        ),
        ModelRecord(
            "svm",
            "Linear SVM",
            "linear scores, multiclass hinge sum_{j != y} max(0, s_j - s_y + 1)",
            (_FEATURES,),
            "hinge",
        ),
        ModelRecord(
            "mlp",
            "2-layer MLP",
            "W2^T max(0, W1^T x + b1) + b2, cross-entropy loss",
            (
                Hyper("hidden", 64, 1, 512, kind="int", doc="hidden width H (ReLU units)", symbol="H"),
                _FEATURES,
            ),
            "softmax",
        ),
    )
}


def make_model(key: str, n_classes: int, **params) -> Model:
    """``make_model("mlp", n_classes=3, hidden=64, features="polar")``; bad keys or values
    (``hidden=0`` included) raise :class:`HyperError` naming them."""
    try:
        record = MODELS[key]
    except (KeyError, TypeError):
        raise HyperError(f"unknown model {key!r} (accepted: {', '.join(MODELS)})") from None
    values = validate_values(record.hypers, params, owner=f"model {key!r}")
    if not isinstance(n_classes, numbers.Integral) or n_classes < 2:
        raise HyperError(f"model {key!r}: n_classes={n_classes!r}: expected a whole number >= 2")
    return Model(key, int(n_classes), values.get("hidden", 0), values["features"], record.loss_kind, values)
