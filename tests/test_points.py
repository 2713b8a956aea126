"""Your own points (surfaces/classification/points.py): the CSV reader's messages name
the bad line, the split is seeded, stratified and stable under edits, and sessions
keep the points."""

import json
import os

import numpy as np
import pytest

from engine.session import Scene, SessionError
from engine.spec import CONSTANT, OptimizerSpec
from engine.training import build_problem, train
from surfaces.classification.points import (
    MAX_POINTS,
    PointsError,
    PointSet,
    parse_points_csv,
    points_dataset,
    read_points_file,
)

CSV = """# two classes by name
x1,x2,label
0.1,0.2,cat
-1,0.5,dog

0.3,-0.2,"big, cat"
0.5,0.5,dog
"""


def test_names_in_order_of_first_appearance():
    ps = parse_points_csv(CSV)
    assert ps.names == ("cat", "dog", "big, cat")
    assert ps.y.tolist() == [0, 1, 2, 1]
    np.testing.assert_array_equal(ps.X[1], [-1.0, 0.5])
    assert parse_points_csv(ps.to_csv()) == ps  # written and read back, quotes and all


def test_numbered_labels():
    ps = parse_points_csv("0,0,1\n1,1,0\n2,2,2\n")
    assert ps.names == ("0", "1", "2") and ps.y.tolist() == [1, 0, 2]


@pytest.mark.parametrize("text, says", [
    ("0,0,a\n1,1\n", "line 2: expected 3 fields"),
    ("0,0,a\n1,x,b\n", "line 2: 'x' is not a number"),
    ("0,0,a\n1,1,2\n", "line 2: label '2' mixes"),
    ("0,0,1\n1,1,1\n", "class 0 has no point"),
    ("0,0,0\n1,1,2\n", "class 1 has no point"),
    ("0,inf,a\n1,1,b\n", "line 1: coordinates must be finite"),
    ("0,0,a\n", "expected 2 to 8 classes, got 1"),
    ("".join(f"{k},0,c{k}\n" for k in range(9)), "expected 2 to 8 classes, got 9"),
    ("# nothing\n\n", "no points"),
])
def test_bad_files_name_the_line(text, says):
    with pytest.raises(PointsError) as err:
        parse_points_csv(text, "mine.csv")
    assert str(err.value).startswith("mine.csv: ") and says in str(err.value)


def test_too_many_points():
    text = "".join(f"{i},0,{i % 2}\n" for i in range(MAX_POINTS + 1))
    with pytest.raises(PointsError, match=f"line {MAX_POINTS + 1}: more than {MAX_POINTS}"):
        parse_points_csv(text)


def test_only_regular_files_are_read(tmp_path):
    with pytest.raises(PointsError, match="not a regular file"):
        read_points_file(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(PointsError, match="not a regular file"):
        read_points_file(fifo)  # refused by type: never opened, so this cannot block
    big = tmp_path / "big.csv"
    big.write_text("0,0,a\n" * 200_000)
    with pytest.raises(PointsError, match="MB"):
        read_points_file(big)
    good = tmp_path / "good.csv"
    good.write_bytes(("\ufeff" + CSV).encode())  # a spreadsheet's byte-order mark
    assert read_points_file(good).names == ("cat", "dog", "big, cat")


def _blob_points(n=60, K=3, seed=1):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % K
    return PointSet(rng.standard_normal((n, 2)) + y[:, None], y.astype(np.intp), tuple("abc"[:K]))


def _membership(data, points):
    """For each user point: True if it went to validation."""
    val = {tuple(p) for p in data.X_val.tolist()}
    return np.array([tuple(p) in val for p in points.X.tolist()])


def test_split_is_seeded_stratified_and_stable():
    ps = _blob_points()
    a, b = points_dataset(ps, seed=4, val_fraction=0.25), points_dataset(ps, seed=4, val_fraction=0.25)
    np.testing.assert_array_equal(a.X_val, b.X_val)
    assert not np.array_equal(points_dataset(ps, seed=5, val_fraction=0.25).X_val, a.X_val)
    assert [int((a.y_val == k).sum()) for k in range(3)] == [5, 5, 5]  # 25% of each class of 20
    before = _membership(a, ps)
    moved = ps.moved(7, 9.0, 9.0)
    after = _membership(points_dataset(moved, seed=4, val_fraction=0.25), moved)
    assert np.array_equal(np.delete(before, 7), np.delete(after, 7)) and before[7] == after[7]
    # a point added to class 0 leaves classes 1 and 2 exactly as they were
    grown = ps.added(0.0, 0.0, 0)
    after = _membership(points_dataset(grown, seed=4, val_fraction=0.25), grown)[:-1]
    others = ps.y != 0
    assert np.array_equal(before[others], after[others])
    # every class keeps a training point, however small
    tiny = PointSet(np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([0, 1]), ("a", "b"))
    assert points_dataset(tiny, val_fraction=0.5).n_train == 2


def test_sessions_keep_the_points_and_refuse_bad_ones():
    ps = parse_points_csv(CSV)
    scene = Scene(mode="classification", dataset="points:seed=3", model="softmax",
                  points=tuple(tuple(p) for p in ps.to_list()), classes=ps.names)
    again = Scene.from_json(scene.to_json())
    assert again.point_set() == ps and again.dataset == "points:seed=3"
    assert "points" not in Scene().to_dict()  # other sessions stay as they were
    doc = json.loads(scene.to_json())
    for change, says in ((lambda d: d["points"][1].__setitem__(2, 7), "points[1]"),
                         (lambda d: d["points"][0].__setitem__(0, "x"), "points[0]"),
                         (lambda d: d.__setitem__("classes", ["a"]), "classes"),
                         (lambda d: (d.pop("points"), d.pop("classes")), "needs its points")):
        bad = json.loads(json.dumps(doc))
        change(bad)
        with pytest.raises(SessionError) as err:
            Scene.from_dict(bad)
        assert says in str(err.value)


def test_the_points_train():
    ps = _blob_points(K=2)
    problem = build_problem("points", "softmax", points=ps)
    assert problem.dataset.n_classes == 2 and problem.dataset.names == ("a", "b")
    run = train(problem, [(OptimizerSpec.make("adam", lr=0.1), CONSTANT)], 100)[0]
    assert run.metrics["train_loss"][-1] < run.metrics["train_loss"][0]
