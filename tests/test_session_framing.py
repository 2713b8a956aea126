"""What a preset uses to frame its scene, in the session file: per-run line styles
(dash and marker), cues (stops with a line of text), the tab and plots shown; the
engine pieces presets need (Sutskever's period, equally deep sharp/flat wells).
Each is validated with a message naming the field, and round-trips."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from engine.ops import ARRAY_OPS
from engine.optimizers.momentum import momentum_coefficient
from engine.registry import OPTIMIZERS
from engine.session import DASHES, MARKERS, Cue, Scene, SessionError
from engine.spec import OptimizerSpec, parse_surface


def scene_dict(**changes) -> dict:
    data = {"version": 1, "mode": "surface", "surface": "quadratic", "steps": 50,
            "runs": [{"optimizer": "sgd"}, {"optimizer": "adam", "style": {"dash": "dash", "marker": "square"}}]}
    data.update(changes)
    return data


def test_run_styles_load_and_round_trip():
    scene = Scene.from_dict(scene_dict())
    assert (scene.runs[0].dash, scene.runs[0].marker) == ("solid", "circle")  # the defaults
    assert (scene.runs[1].dash, scene.runs[1].marker) == ("dash", "square")
    assert Scene.from_json(scene.to_json()) == scene
    assert json.loads(scene.to_json())["runs"][1]["style"] == {"dash": "dash", "marker": "square"}


@pytest.mark.parametrize("dash", DASHES)
@pytest.mark.parametrize("marker", MARKERS[:3])
def test_every_style_round_trips(dash, marker):
    scene = Scene.from_dict(scene_dict(runs=[{"optimizer": "sgd", "style": {"dash": dash, "marker": marker}}]))
    assert Scene.from_json(scene.to_json()).runs[0].dash == dash


@pytest.mark.parametrize("style, field", [
    ({"dash": "wavy"}, r"runs\[0\]\.style\.dash"),
    ({"marker": "heart"}, r"runs\[0\]\.style\.marker"),
    ({"colour": "red"}, r"runs\[0\]\.style"),
    ("dash", r"runs\[0\]\.style"),
])
def test_bad_styles_are_refused_naming_the_field(style, field):
    with pytest.raises(SessionError, match=field):
        Scene.from_dict(scene_dict(runs=[{"optimizer": "sgd", "style": style}]))


def test_cues_load_in_step_order_and_round_trip():
    scene = Scene.from_dict(scene_dict(cues=[{"step": 5, "text": "Where will it go?"},
                                             {"step": 50, "text": "There."}]))
    assert scene.cues == (Cue(5, "Where will it go?"), Cue(50, "There."))
    assert Scene.from_json(scene.to_json()) == scene
    assert Scene.from_dict(scene_dict()).cues == ()


@pytest.mark.parametrize("cues, field", [
    ([{"step": 0, "text": "x"}], r"cues\[0\]\.step"),
    ([{"step": 51, "text": "x"}], r"cues\[0\]\.step"),  # past the last step
    ([{"step": 2.5, "text": "x"}], r"cues\[0\]\.step"),
    ([{"step": True, "text": "x"}], r"cues\[0\]\.step"),
    ([{"step": 3, "text": ""}], r"cues\[0\]\.text"),
    ([{"step": 3, "text": "a\nb"}], r"cues\[0\]\.text"),
    ([{"step": 3, "text": "x" * 201}], r"cues\[0\]\.text"),
    ([{"step": 3}], r"cues\[0\]"),
    ([{"step": 9, "text": "x"}, {"step": 4, "text": "y"}], r"cues\[1\]\.step"),
    ({"step": 3, "text": "x"}, r"'cues'"),
])
def test_bad_cues_are_refused_naming_the_field(cues, field):
    with pytest.raises(SessionError, match=field):
        Scene.from_dict(scene_dict(cues=cues))


@pytest.mark.parametrize("key, value", [("tab", "sweep"), ("tab", "memory"), ("plots", "loss"),
                                        ("plots", "loss/lr/inspector")])
def test_tab_and_plots_are_accepted(key, value):
    assert Scene.from_dict(scene_dict(display={key: value})).display[key] == value


@pytest.mark.parametrize("key, value", [("tab", "spreadsheet"), ("tab", 3), ("plots", "loss/pie"), ("plots", ""),
                                        ("plots", "signal")])
def test_bad_tab_or_plots_are_refused(key, value):
    with pytest.raises(SessionError, match=f"display.{key}"):
        Scene.from_dict(scene_dict(display={key: value}))


# -- engine pieces the presets stand on -------------------------------------------------------------


def sutskever_momentum(t, mu_max, period=250):
    """The rules' own mu_t (momentum_coefficient) for update numbers t, vectorised."""
    hp = SimpleNamespace(momentum_schedule="sutskever", mu_max=mu_max, mu_period=period, momentum=0.0)
    return momentum_coefficient(hp, np.asarray(t), ARRAY_OPS)


def test_sutskever_period_is_a_hyperparameter_of_both_momentum_rules():
    for key in ("momentum", "nesterov"):
        assert OPTIMIZERS[key].hyper("mu_period").default == 250  # the paper's
    t = np.arange(1, 601)
    mu = sutskever_momentum(t, 0.99, period=10)
    assert mu[8] == 0.5 and mu[9] == 0.75  # raised at t = 10
    assert mu.max() == 0.99 and int(t[np.argmax(mu >= 0.99)]) == 490  # 49 periods
    np.testing.assert_array_equal(sutskever_momentum(t, 0.99), sutskever_momentum(t, 0.99, period=250))


def test_the_optimizer_uses_the_period():
    """Momentum with a period of 10 steps like the constant-mu rule with mu_t of that schedule."""
    from engine.runner import run
    from engine.session import CONSTANT

    surface = parse_surface("quadratic:kappa=10")
    spec = OptimizerSpec.parse("momentum:lr=0.01,momentum_schedule=sutskever,mu_period=10")
    tr = run(surface, spec, CONSTANT, (-2.5, 1.5), 40, 0.0, 0)
    x, v = np.array([-2.5, 1.5]), np.zeros(2)
    for t in range(1, 41):
        g = surface.grad_at(x[None])[0]
        v = float(sutskever_momentum(t, 0.99, period=10)) * v + g
        x = x - 0.01 * v
    np.testing.assert_allclose(tr.xs[-1], x, rtol=1e-12)


def test_sharp_flat_equal_depth_makes_both_minima_global():
    from surfaces.lecture import EQUAL_DEPTH

    default = parse_surface("sharp-flat").minima()
    assert [m.kind for m in default] == ["global", "local"]  # the wide well is deeper by default
    wide, narrow = parse_surface(f"sharp-flat:sharp_depth={EQUAL_DEPTH}").minima()
    assert abs(wide.value - narrow.value) < 1e-6
    assert wide.kind == narrow.kind == "global"
    assert wide.point[0] < 0 < narrow.point[0]
    s = parse_surface(f"sharp-flat:sharp_depth={EQUAL_DEPTH}")
    curv = [np.linalg.eigvalsh(s.hessian_at(np.array([m.point]))[0]).min() for m in (wide, narrow)]
    assert curv[1] > 10 * curv[0], "one well sharp, the other flat"
