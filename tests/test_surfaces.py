"""The surfaces of SPEC section 5: exact derivatives against central differences (the
lecture's gradient check), the listed minima really are stationary points of the right
kind, the float and array paths agree, extreme input never raises, and the default
start and learning rate of each surface show the point its lecture makes.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.hyper import HyperError
from surfaces import SURFACES, Minimum, Surface, make_surface, register_surface

SPEC_KEYS = ["parabola", "sqrt8", "wavy", "quadratic", "ravine", "saddle", "rosenbrock", "beale",
             "himmelblau", "rastrigin", "six-hump-camel", "sharp-flat"]

# Every registered surface with its defaults, plus non-default parameters.
CASES = [(key, {}) for key in SURFACES] + [
    ("parabola", {"scale": 3.0}),
    ("quadratic", {"kappa": 50.0, "angle": 30.0}),
    ("quadratic", {"kappa": 1000.0, "angle": -90.0}),
    ("quadratic", {"kappa": 3.0, "angle": 45.0}),
    ("rosenbrock", {"b": 10.0}),
    ("rosenbrock", {"a": -0.5, "b": 1000.0}),
]
CASE_IDS = [key + "".join(f"-{k}={v:g}" for k, v in params.items()) for key, params in CASES]


@pytest.fixture(params=CASES, ids=CASE_IDS)
def surface(request) -> Surface:
    key, params = request.param
    return make_surface(key, **params)


def random_points(s: Surface, n: int = 20, seed: int = 1234):
    """n points uniform in the view box, as a tuple of coordinate arrays."""
    rng = np.random.default_rng(seed)
    v = s.view
    return tuple(rng.uniform(v[2 * i], v[2 * i + 1], n) for i in range(s.dim))


def assert_close(actual, expected, rtol, atol):
    """assert_allclose with a per-point atol (an array), which NumPy's does not take."""
    actual, expected = np.broadcast_arrays(actual, expected)
    bad = np.abs(actual - expected) > atol + rtol * np.abs(expected)
    assert not bad.any(), f"mismatch at {np.flatnonzero(bad)}: {actual[bad]} vs {expected[bad]}"


def shifted(coords, i, h):
    return tuple(c + h if j == i else c for j, c in enumerate(coords))


def hessian_entries(s: Surface, coords):
    """Hessian as a list of rows of arrays, from the coordinate-form tuple."""
    if s.dim == 1:
        return [[s.hessian(*coords)[0]]]
    hxx, hxy, hyy = s.hessian(*coords)
    return [[hxx, hxy], [hxy, hyy]]


# -- the table ----------------------------------------------------------------------------

def test_registry_holds_the_spec_table_in_order():
    assert [k for k in SURFACES if k != "custom"] == SPEC_KEYS
    for key, cls in SURFACES.items():
        assert issubclass(cls, Surface) and cls.key == key


def test_unknown_surface_is_a_clear_hyper_error():
    with pytest.raises(HyperError, match=r"unknown surface 'bowl' \(accepted: parabola, sqrt8, .*sharp-flat"):
        make_surface("bowl")


@pytest.mark.parametrize("params, named", [({"kappa": 0.5}, "kappa"), ({"kapa": 3}, "kapa"),
                                           ({"angle": "north"}, "angle")])
def test_bad_parameters_are_refused_by_name(params, named):
    with pytest.raises(HyperError, match=named):
        make_surface("quadratic", **params)


def test_register_surface_adds_a_row_and_refuses_a_taken_key():
    class Bowl(Surface):
        key = "test-bowl"

    try:
        assert register_surface(Bowl) is Bowl
        assert register_surface(Bowl) is Bowl  # same class again: harmless
        assert isinstance(make_surface("test-bowl"), Bowl)
        assert list(SURFACES)[-1] == "test-bowl"
    finally:
        SURFACES.pop("test-bowl", None)

    class Impostor(Surface):
        key = "quadratic"

    with pytest.raises(ValueError, match="quadratic"):
        register_surface(Impostor)
    with pytest.raises(TypeError):
        register_surface(object)
    assert SURFACES["quadratic"].__name__ == "Quadratic"


def test_record_fields_are_consistent(surface):
    cls = type(surface)
    assert cls.title and cls.formula and cls.reference
    assert surface.dim in (1, 2)
    assert len(surface.view) == 2 * surface.dim and len(surface.start) == surface.dim
    for i, x0 in enumerate(surface.start):
        assert surface.view[2 * i] < x0 < surface.view[2 * i + 1]
    assert surface.default_lr > 0
    for h in cls.hypers:
        assert h.parse(h.default) == h.default and h.doc
        if h.kind in ("float", "int"):
            assert h.lo <= h.default <= h.hi


def rebuild(text: str) -> Surface:
    """make_surface from a "name:key=value,..." string (the CLI's SPEC form)."""
    key, _, rest = text.partition(":")
    params = dict(item.split("=", 1) for item in rest.split(",")) if rest else {}
    return make_surface(key, **params)


def test_spec_round_trip(surface):
    text = surface.spec()
    again = rebuild(text)
    assert type(again) is type(surface)
    assert again.params == surface.params and again.spec() == text


def test_spec_of_defaults_is_the_bare_key():
    assert make_surface("quadratic").spec() == "quadratic"
    assert make_surface("quadratic", kappa="50", angle=30).spec() == "quadratic:kappa=50.0,angle=30.0"


# -- exact derivatives ---------------------------------------------------------------------

def test_gradient_matches_central_differences(surface):
    p = random_points(surface)
    f = surface.value(*p)
    grad = surface.grad(*p)
    assert len(grad) == surface.dim
    for i in range(surface.dim):
        h = 1e-6 * np.maximum(1.0, np.abs(p[i]))
        fd = (surface.value(*shifted(p, i, h)) - surface.value(*shifted(p, i, -h))) / (2 * h)
        # rounding in the difference is ~eps |f| / h ~ 2e-10 |f|: atol leaves 50x room
        assert_close(grad[i], fd, rtol=1e-6, atol=1e-8 * (1 + np.abs(f)))


def test_hessian_matches_central_differences_of_the_gradient(surface):
    p = random_points(surface)
    H = hessian_entries(surface, p)
    gscale = 1 + np.max(np.abs(surface.grad(*p)), axis=0)
    for j in range(surface.dim):
        h = 1e-6 * np.maximum(1.0, np.abs(p[j]))
        up, down = surface.grad(*shifted(p, j, h)), surface.grad(*shifted(p, j, -h))
        for i in range(surface.dim):
            fd = (up[i] - down[i]) / (2 * h)
            assert_close(H[i][j], fd, rtol=1e-6, atol=1e-8 * gscale)


def test_float_path_returns_python_floats_equal_to_the_array_path(surface):
    p = random_points(surface)
    for k in range(len(p[0])):
        floats = tuple(float(c[k]) for c in p)
        arrays = tuple(np.array([c[k]]) for c in p)
        for name in ("value", "grad", "hessian"):
            by_float = getattr(surface, name)(*floats)
            by_array = getattr(surface, name)(*arrays)
            if name == "value":
                by_float, by_array = (by_float,), (by_array,)
            for a, b in zip(by_float, by_array):
                assert type(a) is float, f"{name} returned {type(a).__name__} for floats"
                assert b.shape == (1,)
                # math and NumPy may differ in the last bit of cos/sin
                assert a == pytest.approx(float(b[0]), rel=1e-13, abs=1e-12)


@pytest.mark.parametrize("shape", [(5,), (3, 4)])
def test_every_component_has_the_shape_of_the_input(surface, shape):
    rng = np.random.default_rng(7)
    p = tuple(rng.uniform(-1, 1, shape) for _ in range(surface.dim))
    parts = [surface.value(*p), *surface.grad(*p), *surface.hessian(*p)]
    assert len(parts) == 1 + surface.dim + (1 if surface.dim == 1 else 3)
    for part in parts:
        assert isinstance(part, np.ndarray) and part.shape == shape
    X = np.stack(p, axis=-1).reshape(-1, surface.dim)
    assert surface.value_at(X).shape == (X.shape[0],)
    assert surface.grad_at(X).shape == X.shape
    assert surface.hessian_at(X).shape == X.shape + (surface.dim,)


def test_grid_shapes_and_orientation(surface):
    xs, ys, Z = surface.grid(nx=30, ny=20)
    assert xs.shape == (30,) and xs[0] == surface.view[0] and xs[-1] == surface.view[1]
    if surface.dim == 1:
        assert ys is None and Z.shape == (30,)
        np.testing.assert_array_equal(Z, surface.value(xs))
    else:
        assert ys.shape == (20,) and Z.shape == (20, 30)
        assert Z[7, 3] == pytest.approx(surface.value(float(xs[3]), float(ys[7])), rel=1e-13, abs=1e-13)


EXTREME = [1e200, -1e200, 1e308, -1e308, math.inf, -math.inf, math.nan, 0.0, 0.5]


def test_extreme_floats_never_raise(surface):
    """The engine's divergence check expects inf/nan, not OverflowError or ValueError."""
    others = [1e200, -1e200, math.inf, math.nan, 0.0] if surface.dim == 2 else [None]
    for x in EXTREME:
        for y in others:
            point = (x,) if y is None else (x, y)
            out = [surface.value(*point), *surface.grad(*point), *surface.hessian(*point)]
            assert all(type(v) is float for v in out), point


def test_extreme_arrays_give_no_warnings_inside_errstate(surface):
    values = np.array(EXTREME)
    X, Y = np.meshgrid(values, values)
    point = (values,) if surface.dim == 1 else (X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="ignore"):
            out = [surface.value(*point), *surface.grad(*point), *surface.hessian(*point)]
    assert all(v.shape == point[0].shape for v in out)
    # finite where every coordinate is moderate (the last entry: 0.5 everywhere)
    assert all(np.isfinite(v.flat[-1]) for v in out)


# -- minima --------------------------------------------------------------------------------

def points_around(point, r, n=16):
    if len(point) == 1:
        return [(point[0] - r,), (point[0] + r,)]
    return [(point[0] + r * math.cos(2 * math.pi * k / n), point[1] + r * math.sin(2 * math.pi * k / n))
            for k in range(n)]


def test_listed_minima_are_stationary_points_of_their_kind(surface):
    minima = surface.minima()
    assert minima or surface.key not in SPEC_KEYS, "every built-in surface lists at least one point"
    for m in minima:
        assert isinstance(m, Minimum) and len(m.point) == surface.dim
        assert all(isinstance(c, float) for c in m.point)
        for i, c in enumerate(m.point):
            assert surface.view[2 * i] <= c <= surface.view[2 * i + 1]
        g = surface.grad(*m.point)
        assert max(abs(gi) for gi in g) < 1e-6, (m, g)
        assert surface.value(*m.point) == pytest.approx(m.value, abs=1e-12)
        eig = np.linalg.eigvalsh(surface.hessian_at([m.point])[0])
        # located to ~1e-9: one more Newton step would move the point by less than that
        step = np.linalg.solve(surface.hessian_at([m.point])[0], surface.grad_at([m.point])[0])
        assert np.max(np.abs(step)) < 1e-9, (m, step)
        if m.kind == "saddle":
            assert eig.min() < 0 < eig.max()
        else:
            assert m.kind in ("global", "local")
            assert eig.min() > 0, (m, eig)
            for r in (1e-5, 1e-3):
                assert all(surface.value(*q) >= m.value for q in points_around(m.point, r))


def test_global_minima_are_lowest_on_the_view(surface):
    minima = surface.minima()
    best = [m.value for m in minima if m.kind == "global"]
    if not best:
        assert all(m.kind == "saddle" for m in minima)
        assert surface.min_value is None
        return
    assert max(best) - min(best) < 1e-12, "global minima share one value"
    assert all(m.value > min(best) for m in minima if m.kind == "local")
    assert surface.min_value == min(best)
    _, _, Z = surface.grid(401, 401)
    assert Z.min() >= min(best) - 1e-12


def test_saddle_has_one_saddle_and_curvature_of_both_signs():
    s = make_surface("saddle")
    (m,) = s.minima()
    assert m == Minimum((0.0, 0.0), 0.0, kind="saddle")
    p = random_points(s)
    hxx, hxy, hyy = s.hessian(*p)
    assert hxy.shape == p[0].shape
    assert np.all(hxx > 0) and np.all(hyy < 0) and np.all(hxy == 0)
    assert s.hessian(0.3, 0.1) == (2.0, 0.0, -2.0)


@pytest.mark.parametrize("kappa, angle", [(10.0, 0.0), (50.0, 30.0), (1000.0, -90.0), (3.0, 45.0),
                                          (7.5, -60.0), (1.0, 10.0)])
def test_quadratic_has_eigenvalues_1_and_kappa_with_the_flat_axis_at_angle(kappa, angle):
    s = make_surface("quadratic", kappa=kappa, angle=angle)
    H = s.hessian_at([[0.3, -0.7]])[0]
    np.testing.assert_allclose(np.linalg.eigvalsh(H), [1.0, kappa], rtol=1e-12)
    a = math.radians(angle)
    along = np.array([math.cos(a), math.sin(a)])
    np.testing.assert_allclose(H @ along, along, atol=1e-12 * kappa)
    if kappa > 1:
        eigvals, eigvecs = np.linalg.eigh(H)
        assert abs(eigvecs[:, 0] @ along) == pytest.approx(1.0, abs=1e-12)
    assert s.smoothness() == max(1.0, kappa) and s.convex


@given(kappa=st.floats(1.0, 1000.0), angle=st.floats(-90.0, 90.0), t=st.floats(-3.0, 3.0))
def test_quadratic_any_parameters_in_range(kappa, angle, t):
    s = make_surface("quadratic", kappa=kappa, angle=angle)
    a = math.radians(angle)
    c, si = math.cos(a), math.sin(a)
    assert s.value(t * c, t * si) == pytest.approx(0.5 * t * t, rel=1e-9, abs=1e-12)
    assert s.value(-t * si, t * c) == pytest.approx(0.5 * kappa * t * t, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(np.linalg.eigvalsh(s.hessian_at([[t, t]])[0]), [1.0, kappa], rtol=1e-9)


@given(data=st.data())
def test_any_parameters_in_range_build_a_working_surface(data):
    key = data.draw(st.sampled_from([k for k in SPEC_KEYS if SURFACES[k].hypers]))
    hypers = SURFACES[key].hypers
    params = {h.name: data.draw(st.floats(h.lo, h.hi)) for h in hypers}
    s = make_surface(key, **params)
    assert all(math.isfinite(g) for g in s.grad(*s.start))
    assert s.default_lr > 0
    assert rebuild(s.spec()).params == s.params


def test_convex_quadratics_know_their_smoothness():
    for key, params in [("parabola", {"scale": 3.0}), ("quadratic", {"kappa": 50.0}), ("ravine", {})]:
        s = make_surface(key, **params)
        H = s.hessian_at([[0.1] * s.dim])[0]
        assert s.convex and s.smoothness() == pytest.approx(np.linalg.eigvalsh(H).max())


# -- the default start and learning rate show the lecture's point ---------------------------

def descend(s: Surface, steps: int, lr=None, momentum=0.0, sam_rho=0.0, start=None):
    """SGD (torch-form momentum, optional SAM perturbation) in the float path; the path."""
    lr = s.default_lr if lr is None else lr
    x = list(start or s.start)
    v = [0.0] * s.dim
    path = [tuple(x)]
    for _ in range(steps):
        g = s.grad(*x)
        if sam_rho:
            norm = math.sqrt(sum(gi * gi for gi in g))
            g = s.grad(*(xi + sam_rho * gi / norm for xi, gi in zip(x, g)))
        v = [momentum * vi + gi for vi, gi in zip(v, g)]
        x = [xi - lr * vi for xi, vi in zip(x, v)]
        path.append(tuple(x))
    return path


@pytest.mark.parametrize("key, params", [c for c in CASES if c[0] not in ("saddle", "custom")], ids=[
    i for i, c in zip(CASE_IDS, CASES) if c[0] not in ("saddle", "custom")])
def test_default_lr_is_stable_from_the_default_start(key, params):
    s = make_surface(key, **params)
    path = descend(s, 2000)
    losses = [s.value(*p) for p in path]
    assert all(math.isfinite(f) for f in losses)
    for p in path:
        for i, c in enumerate(p):
            lo, hi = s.view[2 * i], s.view[2 * i + 1]
            assert lo - (hi - lo) <= c <= hi + (hi - lo)
    assert losses[-1] < losses[0]


def nearest(s: Surface, point):
    return min(s.minima(), key=lambda m: math.dist(m.point, point))


def test_sqrt8_finds_the_root_as_in_the_lecture():
    s = make_surface("sqrt8")
    assert s.start == (3.0,) and s.default_lr == 0.01
    assert descend(s, 300)[-1][0] == pytest.approx(math.sqrt(8), abs=1e-9)


def test_wavy_sgd_stops_in_the_local_minimum_momentum_reaches_the_global_one():
    s = make_surface("wavy")
    local, best = s.minima()
    assert (local.kind, best.kind) == ("local", "global")
    assert local.point[0] == pytest.approx(-0.2738526868, abs=1e-9)
    assert best.point[0] == pytest.approx(1.0904082219, abs=1e-9)
    assert descend(s, 2000)[-1][0] == pytest.approx(local.point[0], abs=1e-6)
    assert descend(s, 2000, momentum=0.9)[-1][0] == pytest.approx(best.point[0], abs=1e-6)


def test_quadratic_zig_zags_across_the_valley():
    for angle in (0.0, 30.0):
        s = make_surface("quadratic", angle=angle)
        a = math.radians(angle)
        across = [-x * math.sin(a) + y * math.cos(a) for x, y in descend(s, 10)]
        assert all(w0 * w1 < 0 for w0, w1 in zip(across, across[1:]))
        assert math.dist(descend(s, 300)[-1], (0, 0)) < 1e-6


def test_ravine_sgd_bounces_in_y_and_crawls_in_x():
    s = make_surface("ravine")
    path = descend(s, 50)
    dy = [y - 1.0 for _, y in path]
    assert all(a * b < 0 for a, b in zip(dy, dy[1:]))
    assert abs(path[-1][0] - 1.0) > 0.5  # x still far after 50 steps


def test_saddle_sgd_lingers_at_the_saddle_then_escapes():
    s = make_surface("saddle")
    path = descend(s, 120)
    closest = min(range(len(path)), key=lambda k: math.hypot(*path[k]))
    assert math.hypot(*path[closest]) < 0.05 and 20 < closest < 100
    assert abs(path[-1][1]) > 1.0


def test_sharp_flat_wells_sgd_stays_sharp_sam_finds_flat():
    s = make_surface("sharp-flat")
    wide, narrow = s.minima()
    assert wide.kind == "global" and wide.point[0] < 0 < narrow.point[0]
    curvature = [np.linalg.eigvalsh(s.hessian_at([m.point])[0]).max() for m in (narrow, wide)]
    assert curvature[0] > 10 * curvature[1]
    assert math.dist(descend(s, 3000)[-1], narrow.point) < 1e-6  # settles: lr < 2 / curvature
    assert nearest(s, descend(s, 3000, momentum=0.9, sam_rho=0.1)[-1]) == wide


def test_six_hump_camel_sgd_stops_in_a_local_minimum_momentum_reaches_a_global_one():
    s = make_surface("six-hump-camel")
    g = [m for m in s.minima() if m.kind == "global"]
    assert len(g) == 2 and g[0].point == pytest.approx((0.0898420131, -0.7126564030), abs=1e-9)
    assert g[1].point == pytest.approx((-0.0898420131, 0.7126564030), abs=1e-9)
    assert nearest(s, descend(s, 3000)[-1]).kind == "local"
    assert nearest(s, descend(s, 3000, momentum=0.9)[-1]).kind == "global"


def test_himmelblau_has_four_minima_and_momentum_changes_which_one():
    s = make_surface("himmelblau")
    points = sorted(m.point for m in s.minima())
    expected = sorted([(3.0, 2.0), (-2.805118087, 3.131312518), (-3.779310253, -3.283185991),
                       (3.584428340, -1.848126527)])
    np.testing.assert_allclose(points, expected, atol=1e-9)
    assert nearest(s, descend(s, 3000)[-1]).point == (3.0, 2.0)
    assert nearest(s, descend(s, 3000, momentum=0.9)[-1]).point != (3.0, 2.0)


def test_rosenbrock_minimum_moves_with_a():
    s = make_surface("rosenbrock", a=-0.5, b=10)
    (m,) = s.minima()
    assert m.point == (-0.5, 0.25) and s.value(*m.point) == 0.0
    assert nearest(s, descend(s, 5000, momentum=0.9)[-1]) == m


def test_rastrigin_sgd_is_caught_by_a_local_minimum():
    s = make_surface("rastrigin")
    end = descend(s, 3000)[-1]
    assert s.value(*end) > 1.0 and max(abs(g) for g in s.grad(*end)) < 1e-6
