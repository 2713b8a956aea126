"""Toy 2-D datasets for the classification problem (SPEC section 6).

Every generator draws its points in a frame that already lies in roughly
``[-1, 1]^2`` (centred on the origin), so one learning rate transfers from one
dataset to another and the polar transform (r, theta) is taken about the
dataset's centre. ``noise`` is in those same plot units, except for ``spiral``,
which keeps the CS231n recipe (noise on the angle, in radians).

Points are split evenly between the classes (the first ``n % K`` classes get one
more), and the train/validation split is stratified, so both halves stay
balanced. Everything is drawn from ``np.random.default_rng(seed)``: the same
parameters give the same points on every machine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.hyper import Hyper, HyperError, validate_values


@dataclass(frozen=True, eq=False)
class Dataset:
    """Points ``X (N, 2)`` with integer labels ``y (N,)`` in ``0..n_classes-1``."""

    key: str
    params: dict
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    n_classes: int
    names: tuple[str, ...] = ()  # the classes' names where they have any (your own points)

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    @property
    def n_val(self) -> int:
        return len(self.y_val)

    @property
    def X(self) -> np.ndarray:
        """All points, training first."""
        return np.concatenate([self.X_train, self.X_val])

    @property
    def y(self) -> np.ndarray:
        return np.concatenate([self.y_train, self.y_val])

    @property
    def box(self) -> tuple[float, float, float, float]:
        """View box ``(xmin, xmax, ymin, ymax)``: every point plus a 10% margin, never
        smaller than [-1, 1] on either axis, so decision regions have room around the data."""
        X = self.X
        lo = np.minimum(X.min(axis=0), -1.0)
        hi = np.maximum(X.max(axis=0), 1.0)
        pad = 0.1 * (hi - lo)
        return (float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1]))


# -- generators: (rng, sizes per class, noise, extra params) -> X (n, 2), y (n,) ----------


def _labels(sizes) -> np.ndarray:
    return np.repeat(np.arange(len(sizes)), sizes)


def _blobs(rng, sizes, noise, **_):
    # Centres on a circle of radius 0.7: each centre is a vertex of their convex hull,
    # so the classes are linearly separable (for noise well below the centre spacing).
    K = len(sizes)
    angles = math.pi / 2 + 2 * math.pi * np.arange(K) / K
    centres = 0.7 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    y = _labels(sizes)
    return centres[y] + noise * rng.standard_normal((len(y), 2)), y


def _xor(rng, sizes, noise, **_):
    # TensorFlow Playground's XOR: uniform in the square, kept a little away from the
    # axes (pad), class 0 in the 1st and 3rd quadrants, class 1 in the 2nd and 4th.
    pad = 0.1
    y = _labels(sizes)
    mag = rng.uniform(pad, 1.0, size=(len(y), 2))
    sx = rng.choice([-1.0, 1.0], size=len(y))
    sy = np.where(y == 0, sx, -sx)
    X = mag * np.stack([sx, sy], axis=1)
    return X + noise * rng.standard_normal(X.shape), y


def _circles(rng, sizes, noise, **_):
    # sklearn's make_circles (outer circle class 0, inner class 1, factor 0.5), radius 0.9.
    y = _labels(sizes)
    t = rng.uniform(0.0, 2 * math.pi, size=len(y))
    r = np.where(y == 0, 0.9, 0.45)
    X = r[:, None] * np.stack([np.cos(t), np.sin(t)], axis=1)
    return X + noise * rng.standard_normal(X.shape), y


def _moons(rng, sizes, noise, **_):
    # sklearn's make_moons, moved to the origin and scaled by 1/1.5 into x in [-1, 1],
    # y in [-0.5, 0.5].
    y = _labels(sizes)
    t = rng.uniform(0.0, math.pi, size=len(y))
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    X = (np.where((y == 0)[:, None], upper, lower) - [0.5, 0.25]) / 1.5
    return X + noise * rng.standard_normal(X.shape), y


def _spiral(rng, sizes, noise, span=4.0, **_):
    # CS231n's spiral: arm j has r = linspace(0, 1) and t = linspace over `span` radians
    # plus N(0, noise) on the angle, X = r (sin t, cos t). The arms start 2 pi / K apart
    # (CS231n starts them 4 rad apart for K = 3), so the picture is rotation-symmetric.
    K = len(sizes)
    Xs = []
    for j, m in enumerate(sizes):
        r = np.linspace(0.0, 1.0, m)
        t = np.linspace(0.0, span, m) + 2 * math.pi * j / K + noise * rng.standard_normal(m)
        Xs.append(r[:, None] * np.stack([np.sin(t), np.cos(t)], axis=1))
    return np.concatenate(Xs), _labels(sizes)


# -- registry ---------------------------------------------------------------------------


def _n(default):
    return Hyper("n", default, 20, 5000, kind="int", doc="number of points (training + validation)")


def _noise(default, doc="standard deviation of the Gaussian jitter, in plot units"):
    return Hyper("noise", default, 0.0, 1.0, doc=doc, symbol="sigma")


_SEED = Hyper("seed", 0, 0, 2**31 - 1, kind="int", doc="seed of the random points")
_VAL = Hyper("val_fraction", 0.2, 0.0, 0.5, doc="share of each class held out for validation", symbol="val")


def _classes(default, lo, doc):
    return Hyper("classes", default, lo, 8, kind="int", doc=doc, symbol="K")


@dataclass(frozen=True)
class DatasetRecord:
    key: str
    title: str
    description: str
    hypers: tuple[Hyper, ...]
    generate: Callable = field(repr=False)
    n_classes: int | None = None  # fixed class count, or None when `classes` sets it


DATASETS: dict[str, DatasetRecord] = {
    r.key: r
    for r in (
        DatasetRecord(
            "blobs",
            "Gaussian blobs",
            "K Gaussian blobs on a circle: linearly separable, the softmax's home ground",
            (_n(300), _classes(3, 2, "number of blobs (classes)"), _noise(0.1), _SEED, _VAL),
            _blobs,
        ),
        DatasetRecord(
            "xor",
            "XOR",
            "2 classes in opposite quadrants: no line separates them",
            (_n(300), _noise(0.05), _SEED, _VAL),
            _xor,
            n_classes=2,
        ),
        DatasetRecord(
            "circles",
            "Circles",
            "a ring around a disc: separable after the polar transform (r, theta)",
            (_n(300), _noise(0.08), _SEED, _VAL),
            _circles,
            n_classes=2,
        ),
        DatasetRecord(
            "moons",
            "Two moons",
            "two interleaved half circles",
            (_n(300), _noise(0.1), _SEED, _VAL),
            _moons,
            n_classes=2,
        ),
        DatasetRecord(
            "spiral",
            "Spiral",
            "the CS231n spiral: K interleaved arms, one class per arm",
            (
                _n(600),
                _classes(3, 2, "number of arms (one class per arm)"),
                _noise(0.2, doc="standard deviation of the jitter on the angle, in radians (CS231n: 0.2)"),
                Hyper("span", 4.0, 1.0, 10.0, doc="how far each arm winds, in radians (CS231n: 4)"),
                _SEED,
                _VAL,
            ),
            _spiral,
        ),
    )
}


def dataset_record(key: str) -> DatasetRecord:
    try:
        return DATASETS[key]
    except (KeyError, TypeError):
        raise HyperError(f"unknown dataset {key!r} (accepted: {', '.join(DATASETS)})") from None


def class_sizes(n: int, K: int) -> list[int]:
    """n points shared as evenly as possible between K classes."""
    return [n // K + (j < n % K) for j in range(K)]


def _split(rng, X, y, K, val_fraction):
    """Stratified split: round(val_fraction * n_k) of each class to validation, at least
    one point of each class kept for training; both halves shuffled."""
    train, val = [], []
    for j in range(K):
        idx = rng.permutation(np.flatnonzero(y == j))
        n_val = min(round(val_fraction * len(idx)), len(idx) - 1)
        val.append(idx[:n_val])
        train.append(idx[n_val:])
    train = rng.permutation(np.concatenate(train))
    val = rng.permutation(np.concatenate(val))
    return X[train], y[train], X[val], y[val]


def make_dataset(key: str, **params) -> Dataset:
    """Build dataset ``key`` with ``params`` (text or values, as from a ``name:key=value``
    spec); unknown keys and out-of-range values raise :class:`HyperError` naming them."""
    record = dataset_record(key)
    values = validate_values(record.hypers, params, owner=f"dataset {key!r}")
    K = record.n_classes or values["classes"]
    rng = np.random.default_rng(values["seed"])
    extra = {k: v for k, v in values.items() if k not in ("n", "noise", "seed", "val_fraction", "classes")}
    X, y = record.generate(rng, class_sizes(values["n"], K), values["noise"], **extra)
    X_train, y_train, X_val, y_val = _split(
        rng, X.astype(np.float64), y.astype(np.intp), K, values["val_fraction"]
    )
    return Dataset(key, values, X_train, y_train, X_val, y_val, K)
