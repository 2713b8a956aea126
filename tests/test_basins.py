"""Basin maps (engine/basins.py): Himmelblau's four basins, the labelling rule, and the
end points against run_batch."""

import numpy as np
import pytest

from engine.basins import DIVERGED, NOT_CONVERGED, assign_minima, basin_map
from engine.runner import run, run_batch
from engine.spec import OptimizerSpec, ScheduleSpec
from surfaces import make_surface

SGD = OptimizerSpec.make("sgd", lr=0.01)


@pytest.fixture(scope="module")
def himmelblau_map():
    return basin_map(make_surface("himmelblau"), SGD, 40, 40, 500)


def _cell(bmap, point):
    """(row, column) of the cell whose square holds ``point``."""
    dx = bmap.xs[1] - bmap.xs[0]
    dy = bmap.ys[1] - bmap.ys[0]
    return (int((point[1] - bmap.view[2]) // dy), int((point[0] - bmap.view[0]) // dx))


def test_himmelblau_has_four_basins_and_each_minimum_owns_its_neighbourhood(himmelblau_map):
    bmap = himmelblau_map
    assert bmap.labels.shape == (40, 40) and bmap.ends.shape == (40, 40, 2)
    assert len(bmap.minima) == 4
    counts = bmap.counts()
    assert all(counts[i] > 0 for i in range(4))
    assert sum(counts.values()) == 1600
    assert counts[DIVERGED] == 0
    for i, m in enumerate(bmap.minima):
        j, k = _cell(bmap, m.point)
        # the cell holding the minimum and its eight neighbours all flow into it
        assert np.all(bmap.labels[j - 1: j + 2, k - 1: k + 2] == i), (i, m.point)
        ends = bmap.ends[bmap.labels == i]
        assert np.max(np.linalg.norm(ends - np.asarray(m.point), axis=1)) < 1e-6


def test_the_map_is_what_single_runs_do(himmelblau_map):
    s = make_surface("himmelblau")
    rng = np.random.default_rng(0)
    cells = rng.integers(0, 40, size=(12, 2))
    starts = [(himmelblau_map.xs[k], himmelblau_map.ys[j]) for j, k in cells]
    traces = run_batch(s, [SGD] * len(starts), ScheduleSpec.make("constant"), starts, 500)
    for (j, k), tr in zip(cells, traces):
        np.testing.assert_array_equal(himmelblau_map.ends[j, k], tr.xs[-1])
        alone = run(s, SGD, start=(himmelblau_map.xs[k], himmelblau_map.ys[j]), steps=500)
        nearest = np.argmin([np.linalg.norm(alone.xs[-1] - np.asarray(m.point)) for m in himmelblau_map.minima])
        assert himmelblau_map.labels[j, k] == nearest


def test_momentum_changes_the_basins(himmelblau_map):
    heavy = basin_map(make_surface("himmelblau"), OptimizerSpec.make("momentum", lr=0.01, momentum=0.9),
                      40, 40, 500)
    assert np.count_nonzero(heavy.labels != himmelblau_map.labels) > 40


def test_too_large_a_rate_diverges_or_never_settles():
    # curvature ~82 at (3, 2) and more elsewhere: lr = 0.05 > 2 / 82 cannot settle anywhere
    bmap = basin_map(make_surface("himmelblau"), OptimizerSpec.make("sgd", lr=0.05), 20, 20, 300)
    counts = bmap.counts()
    assert counts[DIVERGED] > 0
    assert all(counts[i] == 0 for i in range(4))


def test_no_steps_no_basins_except_at_the_minima():
    s = make_surface("himmelblau")
    bmap = basin_map(s, SGD, 30, 30, 0)
    np.testing.assert_array_equal(bmap.ends[..., 0], np.broadcast_to(bmap.xs, (30, 30)))
    gx, gy = np.meshgrid(bmap.xs, bmap.ys)
    labelled = bmap.labels >= 0
    assert np.count_nonzero(labelled) < 10
    for j, k in zip(*np.nonzero(labelled)):
        m = bmap.minima[bmap.labels[j, k]].point
        assert np.hypot(gx[j, k] - m[0], gy[j, k] - m[1]) <= bmap.radius


def test_the_labelling_rule():
    s = make_surface("himmelblau")
    minima = [m.point for m in s.minima()]
    radius = 0.5
    m0 = np.asarray(minima[0])
    H = s.hessian_at(m0[None, :])[0]
    flat = np.linalg.eigh(H)[1][:, 0]  # the least curved direction at minimum 0
    ends = np.array([
        m0,                                  # at the minimum
        m0 + 0.05 * flat,                    # settled: Newton distance 0.05 <= settle 0.125
        m0 + 0.4 * flat,                     # inside the radius but still on the slope
        m0 + 0.6 * flat,                     # outside the radius
        [-0.27, -0.92],                      # at the local maximum: no listed minimum near
        minima[2],                           # at another minimum, but the run diverged
        [np.nan, np.nan],                    # what a blown-up run leaves (also diverged)
    ])
    diverged = np.array([False, False, False, False, False, True, True])
    labels = assign_minima(s, ends, diverged, radius)
    assert list(labels) == [0, 0, NOT_CONVERGED, NOT_CONVERGED, NOT_CONVERGED, DIVERGED, DIVERGED]
    # a looser settle lets the slope point in; the radius still keeps the far one out
    assert list(assign_minima(s, ends[:4], diverged[:4], radius, settle=0.5)) == [0, 0, 0, NOT_CONVERGED]


def test_one_dimensional_basins():
    s = make_surface("sqrt8")  # minima at -sqrt(8) (index 0) and +sqrt(8) (index 1); a maximum at 0
    bmap = basin_map(s, OptimizerSpec.make("sgd", lr=0.005), 40, 1, 500)
    assert bmap.labels.shape == (1, 40)
    left, right = bmap.xs < -0.1, bmap.xs > 0.1
    assert np.all(bmap.labels[0, left] == 0) and np.all(bmap.labels[0, right] == 1)
    with pytest.raises(ValueError):
        basin_map(s, SGD, 10, 5, 10)


def test_a_surface_without_minima_labels_nothing():
    bmap = basin_map(make_surface("saddle"), OptimizerSpec.make("sgd", lr=0.05), 10, 10, 200)
    assert set(np.unique(bmap.labels)) <= {NOT_CONVERGED, DIVERGED}
    assert bmap.counts()[DIVERGED] > 0  # everything off the stable axis runs away
