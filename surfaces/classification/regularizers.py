"""Weight penalties ``lam R(W)`` of seed 001 (CS231n lecture 3):

    L2            R(W) = sum W^2
    L1            R(W) = sum |W|
    elastic net   R(W) = l1_ratio sum |W| + (1 - l1_ratio) sum W^2

The lecture writes elastic net as ``sum beta W^2 + |W|``; that is the form above with
``lam_lecture = lam l1_ratio`` and ``beta = (1 - l1_ratio) / l1_ratio``. ``l1_ratio`` is
scikit-learn's name (1 gives L1, 0 gives L2) and makes one slider sweep between them.

The penalty applies to the weight *matrices* only (the 2-D blocks of the model's
layout: W, W1, W2), not to the biases: a bias moves a decision boundary without
making the model any more complex, and penalising it would pull every boundary
towards the origin (the usual practice, as in CS231n's assignments).

Note the factor: L2 here has gradient ``2 lam W`` (the lecture's ``sum W^2``), while an
optimizer's coupled ``weight_decay`` adds ``weight_decay * W``, i.e. ``weight_decay = 2 lam``
on the weight matrices.

The L1 term uses the subgradient ``sign(w)`` (0 at w = 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.hyper import Hyper, HyperError, validate_values

# Not a log slider: like the optimizers' weight_decay, 0 (off) must be reachable.
_LAM = Hyper("lam", 1e-3, 0.0, 1.0, doc="regularization strength (0 switches it off)", symbol="lambda")
_L1_RATIO = Hyper(
    "l1_ratio", 0.5, 0.0, 1.0, doc="share of L1 in the penalty (1 = L1, 0 = L2)", symbol="alpha"
)


@dataclass(frozen=True)
class Regularizer:
    """``lam (l1_ratio sum |w| + (1 - l1_ratio) sum w^2)`` over the entries where
    ``mask`` is 1 (the weight matrices)."""

    key: str = "none"
    lam: float = 0.0
    l1_ratio: float = 0.0

    @property
    def active(self) -> bool:
        return self.lam > 0

    def value(self, W: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """``W (R, D)``, ``mask (D,)`` of 0/1 -> ``(R,)``."""
        if not self.active:
            return np.zeros(W.shape[:-1])
        Wm = W * mask
        l1 = np.abs(Wm).sum(axis=-1) if self.l1_ratio > 0 else 0.0
        l2 = (Wm * Wm).sum(axis=-1) if self.l1_ratio < 1 else 0.0
        return self.lam * (self.l1_ratio * l1 + (1 - self.l1_ratio) * l2)

    def grad(self, W: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """(Sub)gradient ``lam mask (l1_ratio sign(w) + 2 (1 - l1_ratio) w)``, shape of ``W``."""
        if not self.active:
            return np.zeros_like(W)
        g = 2 * (1 - self.l1_ratio) * W if self.l1_ratio < 1 else np.zeros_like(W)
        if self.l1_ratio > 0:
            g = g + self.l1_ratio * np.sign(W)
        return self.lam * mask * g

    def hessian_diag(self, mask: np.ndarray) -> np.ndarray:
        """The penalty's Hessian is diagonal: ``2 lam (1 - l1_ratio)`` on the weights
        (the L1 part is piecewise linear: zero curvature away from w = 0)."""
        return 2 * self.lam * (1 - self.l1_ratio) * mask


@dataclass(frozen=True)
class RegularizerRecord:
    key: str
    title: str
    description: str
    hypers: tuple[Hyper, ...]


REGULARIZERS: dict[str, RegularizerRecord] = {
    r.key: r
    for r in (
        RegularizerRecord("none", "None", "no penalty", ()),
        RegularizerRecord("l2", "L2", "lam sum W^2 (weight matrices only)", (_LAM,)),
        RegularizerRecord("l1", "L1", "lam sum |W| (weight matrices only)", (_LAM,)),
        RegularizerRecord(
            "elastic",
            "Elastic net",
            "lam (l1_ratio sum |W| + (1 - l1_ratio) sum W^2)",
            (_LAM, _L1_RATIO),
        ),
    )
}

_FIXED_RATIO = {"none": 0.0, "l2": 0.0, "l1": 1.0}


def make_regularizer(key: str = "none", **params) -> Regularizer:
    """``make_regularizer("l2", lam=1e-3)``; bad keys or values raise :class:`HyperError`."""
    try:
        record = REGULARIZERS[key]
    except (KeyError, TypeError):
        raise HyperError(f"unknown regularizer {key!r} (accepted: {', '.join(REGULARIZERS)})") from None
    values = validate_values(record.hypers, params, owner=f"regularizer {key!r}")
    lam = values.get("lam", 0.0)
    return Regularizer(key, lam, values.get("l1_ratio", _FIXED_RATIO.get(key, 0.0)))
