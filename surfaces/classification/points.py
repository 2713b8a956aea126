"""Your own points: a classification dataset typed, loaded from CSV or clicked in.

A ``PointSet`` is the user's list of 2-D points with class labels ``0..K-1`` and the
classes' names (from the file's labels, or "0", "1", ... when they were numbers).
A CSV has one point a line, ``x1,x2,label``; an optional header line, blank lines and
lines starting with ``#`` are skipped. Labels are either all whole numbers ``0..K-1``
(each used at least once) or all names (classes numbered in order of first
appearance). Every refusal names the line and what was expected.

The train/validation split is seeded and stable under editing: point ``i`` draws
``u_i`` from ``default_rng(seed)`` (the i-th number of one stream, so adding a point
never changes the others' draws) and in each class the points with the lowest ``u``
form the validation share, at least one point of every class staying for training.
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass

import numpy as np

from engine.hyper import Hyper, HyperError, validate_values

from .datasets import Dataset, DatasetRecord

MAX_POINTS = 5000
MAX_CLASSES = 8
MAX_FILE_BYTES = 1_000_000  # 5000 lines of coordinates are ~100 kB
MAX_NAME = 40
COORD_LIMIT = 1e6


class PointsError(HyperError):
    """A bad point file or point list; the message names the line or entry."""


@dataclass(frozen=True, eq=False)
class PointSet:
    X: np.ndarray  # (N, 2) float
    y: np.ndarray  # (N,) int in 0..K-1
    names: tuple[str, ...]  # K class names

    @property
    def n_classes(self) -> int:
        return len(self.names)

    def __len__(self) -> int:
        return len(self.y)

    def __eq__(self, other) -> bool:
        return (isinstance(other, PointSet) and self.names == other.names and np.array_equal(self.X, other.X)
                and np.array_equal(self.y, other.y))

    __hash__ = None

    # -- editing (each returns a new set) ---------------------------------------------------------

    def added(self, x: float, y: float, label: int) -> PointSet:
        _need(0 <= int(label) < self.n_classes, f"class {label} does not exist (0..{self.n_classes - 1})")
        _need(len(self) < MAX_POINTS, f"at most {MAX_POINTS} points")
        return PointSet(np.vstack([self.X, [[float(x), float(y)]]]), np.append(self.y, int(label)), self.names)

    def moved(self, i: int, x: float, y: float) -> PointSet:
        X = self.X.copy()
        X[int(i)] = (float(x), float(y))
        return PointSet(X, self.y.copy(), self.names)

    def removed(self, i: int) -> PointSet:
        keep = np.arange(len(self)) != int(i)
        return PointSet(self.X[keep], self.y[keep], self.names)

    def nearest(self, x: float, y: float, scale=(1.0, 1.0)) -> tuple[int, float]:
        """(index, distance) of the point nearest to (x, y), distances divided by ``scale``
        per axis (the GUI passes the size of a pixel); (-1, inf) when there are none."""
        if not len(self):
            return -1, math.inf
        d = np.hypot((self.X[:, 0] - x) / scale[0], (self.X[:, 1] - y) / scale[1])
        i = int(np.argmin(d))
        return i, float(d[i])

    # -- as data ----------------------------------------------------------------------------------

    def to_list(self) -> list:
        return [[float(a), float(b), int(k)] for (a, b), k in zip(self.X, self.y)]

    def to_csv(self) -> str:
        lines = ["x1,x2,label"] + [f"{a!r},{b!r},{_csv_name(self.names[k])}"
                                   for (a, b), k in zip(self.X.tolist(), self.y.tolist())]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_list(cls, points, names) -> PointSet:
        """From a session's ``points`` ([[x1, x2, k], ...]) and ``classes`` (names)."""
        _need(isinstance(names, (list, tuple)) and 2 <= len(names) <= MAX_CLASSES
              and all(isinstance(n, str) and 0 < len(n) <= MAX_NAME for n in names),
              f"classes: expected 2 to {MAX_CLASSES} names of 1 to {MAX_NAME} characters")
        _need(len(set(names)) == len(names), "classes: every name must be different")
        _need(isinstance(points, (list, tuple)) and 0 < len(points) <= MAX_POINTS,
              f"points: expected a list of 1 to {MAX_POINTS} points [x1, x2, class]")
        X, y = np.empty((len(points), 2)), np.empty(len(points), dtype=np.intp)
        for i, p in enumerate(points):
            ok = isinstance(p, (list, tuple)) and len(p) == 3 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in p)
            ok = ok and all(math.isfinite(v) and abs(v) <= COORD_LIMIT for v in p[:2])
            ok = ok and float(p[2]).is_integer() and 0 <= p[2] < len(names)
            _need(ok, f"points[{i}]: expected [x1, x2, class] with finite coordinates and a class "
                      f"from 0 to {len(names) - 1}, got {p!r}"[:300])
            X[i], y[i] = p[:2], int(p[2])
        return cls(X, y, tuple(names))

    @classmethod
    def from_dataset(cls, data: Dataset) -> PointSet:
        """Every point of a generated dataset (to edit it)."""
        return cls(data.X.copy(), data.y.astype(np.intp), tuple(str(k) for k in range(data.n_classes)))


def _need(cond, message):
    if not cond:
        raise PointsError(message)


def _csv_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"' if any(c in name for c in ',"\n') else name


# -- CSV ------------------------------------------------------------------------------------------


def _fields(line: str) -> list[str]:
    """One CSV line; a quoted label may hold commas."""
    import csv

    return next(csv.reader([line]))


def parse_points_csv(text: str, where: str = "") -> PointSet:
    """``x1,x2,label`` lines -> PointSet. ``where`` (a file name) prefixes messages."""
    at = f"{where}: " if where else ""
    coords, labels, first_line = [], [], {}
    header_done = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            parts = [p.strip() for p in _fields(line)]
        except Exception:  # noqa: BLE001 - csv's errors are plain Exceptions
            raise PointsError(f"{at}line {number}: not a CSV line: {line[:60]!r}") from None
        if len(parts) != 3:
            raise PointsError(f"{at}line {number}: expected 3 fields x1,x2,label, got {len(parts)}: {line[:60]!r}")
        try:
            x1, x2 = float(parts[0]), float(parts[1])
        except ValueError:
            if not header_done and not coords:  # "x1,x2,label" or any names: a header
                header_done = True
                continue
            bad = parts[0] if not _is_float(parts[0]) else parts[1]
            raise PointsError(f"{at}line {number}: {bad[:30]!r} is not a number (expected x1,x2,label)") from None
        header_done = True
        if not (math.isfinite(x1) and math.isfinite(x2) and abs(x1) <= COORD_LIMIT and abs(x2) <= COORD_LIMIT):
            raise PointsError(f"{at}line {number}: coordinates must be finite numbers within ±{COORD_LIMIT:g}")
        label = parts[2]
        if not label or len(label) > MAX_NAME:
            raise PointsError(f"{at}line {number}: the label must be 1 to {MAX_NAME} characters")
        if len(coords) >= MAX_POINTS:
            raise PointsError(f"{at}line {number}: more than {MAX_POINTS} points")
        coords.append((x1, x2))
        labels.append(label)
        first_line.setdefault(label, number)
    if not coords:
        raise PointsError(f"{at}no points: expected lines x1,x2,label")
    return PointSet(np.array(coords, dtype=float), *_classes(labels, first_line, at))


def _is_float(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _classes(labels, first_line, at) -> tuple[np.ndarray, tuple[str, ...]]:
    """Numbered labels 0..K-1, or names in order of first appearance."""
    numeric = [lab.lstrip("+").isdigit() for lab in labels]
    if all(numeric):
        ks = [int(lab) for lab in labels]
        K = max(ks) + 1
        missing = sorted(set(range(K)) - set(ks))
        if missing:
            raise PointsError(f"{at}labels are numbers, so they must be 0..K-1 with each used: "
                              f"class {missing[0]} has no point (highest label {K - 1})")
        names = tuple(str(k) for k in range(K))
        y = np.array(ks, dtype=np.intp)
    elif any(numeric):
        bad = labels[numeric.index(False)] if numeric[0] else labels[numeric.index(True)]
        raise PointsError(f"{at}line {first_line[bad]}: label {bad!r} mixes with the others: "
                          "use all numbers 0..K-1 or all names")
    else:
        names = tuple(dict.fromkeys(labels))
        index = {n: k for k, n in enumerate(names)}
        y = np.array([index[lab] for lab in labels], dtype=np.intp)
    if not 2 <= len(names) <= MAX_CLASSES:
        extra = f"; line {first_line[labels[-1]]} is the last" if len(names) > MAX_CLASSES else ""
        raise PointsError(f"{at}expected 2 to {MAX_CLASSES} classes, got {len(names)}{extra}")
    return y, names


def read_points_file(path) -> PointSet:
    """A CSV file of points: only a regular file is read, and at most MAX_FILE_BYTES."""
    path = os.fspath(path)
    name = os.path.basename(path) or path
    try:
        info = os.stat(path)
    except OSError as err:
        raise PointsError(f"cannot open {name}: {err.strerror or err}") from None
    if not stat.S_ISREG(info.st_mode):
        raise PointsError(f"{name} is not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise PointsError(f"{name} is {info.st_size / 1e6:.1f} MB: a point file is at most "
                          f"{MAX_FILE_BYTES // 1_000_000} MB ({MAX_POINTS} points)")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        text = data.decode("utf-8-sig")
    except OSError as err:
        raise PointsError(f"cannot read {name}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise PointsError(f"{name} is not UTF-8 text") from None
    return parse_points_csv(text, name)


# -- as a dataset ---------------------------------------------------------------------------------


POINTS = DatasetRecord(
    "points", "Your points", "points you loaded from a CSV file (x1,x2,label) or clicked in",
    (Hyper("seed", 0, 0, 2**31 - 1, kind="int", doc="seed of the train/validation split"),
     Hyper("val_fraction", 0.2, 0.0, 0.5, doc="share of each class held out for validation", symbol="val")),
    generate=None)


def points_dataset(points: PointSet, **params) -> Dataset:
    """The user's points as a Dataset, split as the module docstring says."""
    if points is None or not len(points):
        raise PointsError("the 'points' dataset has no points: load a CSV file or click some in")
    values = validate_values(POINTS.hypers, params, owner="dataset 'points'")
    u = np.random.default_rng(values["seed"]).random(len(points))
    val = np.zeros(len(points), dtype=bool)
    for k in range(points.n_classes):
        idx = np.flatnonzero(points.y == k)
        n_val = min(round(values["val_fraction"] * len(idx)), max(len(idx) - 1, 0))
        val[idx[np.argsort(u[idx], kind="stable")[:n_val]]] = True
    # the content is part of the identity: views redraw when a point moves
    digest = hash((points.X.tobytes(), points.y.tobytes(), points.names))
    return Dataset("points", {**values, "n": len(points), "digest": digest}, points.X[~val], points.y[~val],
                   points.X[val], points.y[val], points.n_classes, points.names)
