"""Identities between rules (STYLE.md, "Tests that mean something") and the agreement of
the two stepping paths (docs/ARCHITECTURE.md: one element-wise rule serves a float path
and a batched NumPy path; the float path must give the batched path's trace).

Each identity is also checked to be non-trivial: the two sides differ once the knob
that makes them equal is moved.
"""

import numpy as np
import pytest

from engine.registry import OPTIMIZERS
from engine.runner import run, run_batch, run_scene
from engine.spec import CONSTANT, OptimizerSpec, ScheduleSpec
from surfaces import make_surface

Q = make_surface("quadratic")
ROSENBROCK = make_surface("rosenbrock")
ELEMENTWISE = [k for k, r in OPTIMIZERS.items() if r.kind == "elementwise"]


def xs(key, steps=200, surface=ROSENBROCK, schedule=CONSTANT, **hp):
    tr = run(surface, OptimizerSpec.make(key, **hp), schedule, None, steps)
    assert tr.diverged_at is None
    return tr.xs


def same(a, b, rtol=1e-12):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-13)


@pytest.mark.parametrize("form", ["torch", "velocity"])
def test_momentum_with_rho_zero_is_sgd(form):
    same(xs("momentum", lr=1e-3, momentum=0.0, form=form), xs("sgd", lr=1e-3))
    assert not np.allclose(xs("momentum", lr=1e-3, momentum=0.5, form=form), xs("sgd", lr=1e-3))


@pytest.mark.parametrize("form", ["torch", "lookahead"])
def test_nesterov_with_rho_zero_is_sgd(form):
    same(xs("nesterov", lr=1e-3, momentum=0.0, form=form), xs("sgd", lr=1e-3))
    assert not np.allclose(xs("nesterov", lr=1e-3, momentum=0.5, form=form), xs("sgd", lr=1e-3))


@pytest.mark.parametrize("options", [{}, {"amsgrad": True}, {"bias_correction": False, "lr": 1e-3}])
def test_adamw_with_zero_weight_decay_is_adam(options):
    options = {"lr": 0.02, **options}
    same(xs("adamw", weight_decay=0.0, **options), xs("adam", **options), rtol=0)
    assert not np.allclose(xs("adamw", weight_decay=0.1, **options), xs("adam", **options))


@pytest.mark.parametrize("base,hp", [("sgd", {"lr": 1e-3}), ("momentum", {"lr": 1e-3}),
                                     ("nesterov", {"lr": 1e-3, "form": "lookahead"}),
                                     ("adam", {"lr": 0.02}), ("rmsprop", {"lr": 0.01}),
                                     ("lion", {"lr": 0.01}), ("adagrad", {"lr": 0.5})])
def test_sam_with_rho_zero_is_its_base(base, hp):
    same(xs("sam", base=base, rho_sam=0.0, **hp), xs(base, **hp), rtol=0)
    assert not np.allclose(xs("sam", base=base, rho_sam=0.05, **hp), xs(base, **hp))


def test_rmsprop_is_adam_with_beta1_zero_and_no_bias_correction():
    """Exactly true: both put eps outside the square root (g / (sqrt(s) + eps)), so with
    beta1 = 0 (m = g), bias_correction = false, beta2 = decay and the same eps the two
    rules are the same arithmetic up to rounding (lr g / d vs lr (g / d)). Not true with
    bias correction (Adam divides v by 1 - beta2^t, RMSProp does not), nor with the
    rules' default eps (1e-8 vs 1e-7)."""
    adam = dict(lr=0.01, beta1=0.0, beta2=0.9, eps=1e-7, bias_correction=False)
    rms = xs("rmsprop", lr=0.01, decay=0.9, eps=1e-7)
    same(xs("adam", **adam), rms, rtol=1e-11)
    assert not np.allclose(xs("adam", **{**adam, "bias_correction": True}), rms)
    assert not np.allclose(xs("adam", **{**adam, "eps": 1e-1}), rms)


def test_newton_solves_a_rotated_quadratic_in_one_step():
    surface = make_surface("quadratic", kappa=100.0, angle=-40.0)
    tr = run(surface, OptimizerSpec.make("newton"), steps=5, start=(2.0, -1.0))
    assert np.all(np.abs(tr.xs[1:]) < 1e-12)
    assert tr.loss[1] < 1e-24


@pytest.mark.parametrize("rho", [0.5, 0.9])
def test_the_two_nesterov_forms_agree_after_the_change_of_variables(rho):
    """x_torch_t = x_look_t + rho v_t (v the look-ahead form's velocity), constant lr."""
    lr, steps = 1e-3, 300
    torch_form = run(ROSENBROCK, OptimizerSpec.make("nesterov", lr=lr, momentum=rho), steps=steps)
    look = run(ROSENBROCK, OptimizerSpec.make("nesterov", lr=lr, momentum=rho, form="lookahead"),
               steps=steps, record_states=True)
    v = look.states[:, 0, :]  # (rows, slot "v", D)
    assert look.state_names == ("v",)
    same(torch_form.xs, look.xs + rho * v, rtol=1e-10)
    assert np.max(np.abs(torch_form.xs - look.xs)) > 1e-3  # the two variables differ


def test_the_two_momentum_forms_agree_at_constant_lr_and_part_under_a_step_schedule():
    lr = 1e-3
    torch_form = xs("momentum", lr=lr)
    velocity = xs("momentum", lr=lr, form="velocity")
    same(torch_form, velocity, rtol=1e-10)
    sched = ScheduleSpec.parse("step:milestones=100,gamma=0.1")
    t_sched = xs("momentum", lr=lr, schedule=sched)
    v_sched = xs("momentum", lr=lr, schedule=sched, form="velocity")
    same(t_sched[:101], v_sched[:101], rtol=1e-10)  # the same until the milestone
    # after it the torch form rescales the whole velocity, the velocity form only new g
    assert np.linalg.norm(t_sched[101] - v_sched[101]) > 1e-4
    step_t = np.linalg.norm(t_sched[101] - t_sched[100])
    step_v = np.linalg.norm(v_sched[101] - v_sched[100])
    assert step_t < 0.2 * step_v


def test_adagrad_effective_step_shrinks_monotonically():
    """lr / (sqrt(G) + eps) per coordinate never grows (G only accumulates)."""
    tr = run(ROSENBROCK, OptimizerSpec.make("adagrad", lr=0.5), steps=500, record_states=True)
    G = tr.states[:, 0, :]
    effective = 0.5 / (np.sqrt(G[1:]) + 1e-7)
    assert np.all(np.diff(effective, axis=0) <= 0.0)
    # compare RMSProp, whose leaky average lets the step grow again as g shrinks
    rms = run(ROSENBROCK, OptimizerSpec.make("rmsprop", lr=0.01), steps=500, record_states=True)
    s = rms.states[:, 0, :]
    assert np.any(np.diff(0.01 / (np.sqrt(s[1:]) + 1e-7), axis=0) > 0.0)


# -- float path vs batched path ---------------------------------------------------------------

# Settings under which each rule stays finite on Rosenbrock for 200 steps (with noise too).
FLOAT_VS_BATCH = {
    "sgd": {"lr": 5e-4},
    "momentum": {"lr": 5e-4},
    "momentum-velocity-sutskever": ("momentum", {"lr": 5e-4, "form": "velocity",
                                                 "momentum_schedule": "sutskever"}),
    "nesterov": {"lr": 5e-4},
    "nesterov-lookahead": ("nesterov", {"lr": 5e-4, "form": "lookahead"}),
    "adagrad": {"lr": 0.5},
    "rmsprop": {"lr": 0.01},
    "rmsprop-nesterov": ("rmsprop", {"lr": 0.005, "momentum": 0.5, "nesterov": True}),
    "adam": {"lr": 0.02},
    "adam-amsgrad-nobc": ("adam", {"lr": 0.005, "amsgrad": True, "bias_correction": False}),
    "adamw": {"lr": 0.02, "weight_decay": 0.1},
    "adadelta": {},
    "adamax": {"lr": 0.05},
    "nadam": {"lr": 0.02},
    "radam": {"lr": 0.02},
    "adafactor": {"lr": 0.01},
    "lion": {"lr": 0.01},
    "sam-sgd": ("sam", {"lr": 5e-4}),
    "sam-adam": ("sam", {"base": "adam", "lr": 0.02, "rho_sam": 0.1}),
    "sam-nesterov-lookahead": ("sam", {"base": "nesterov", "lr": 5e-4, "form": "lookahead"}),
}


def _spec(name, wd):
    entry = FLOAT_VS_BATCH[name]
    key, hp = entry if isinstance(entry, tuple) else (name, entry)
    spec = OptimizerSpec.make(key, **hp)
    # coupled L2 on most rules, decoupled on adamw and lion; a SAM run takes its base's
    return spec.replace(weight_decay=wd) if wd and "weight_decay" in spec.params else spec


def test_float_vs_batch_table_covers_every_elementwise_rule():
    keys = {(e[0] if isinstance(e, tuple) else n) for n, e in FLOAT_VS_BATCH.items()}
    assert keys == set(ELEMENTWISE) | {"sam"}


@pytest.mark.parametrize("noise,wd", [(0.0, 0.0), (2.0, 0.0), (0.0, 0.05), (2.0, 0.05)],
                         ids=["exact", "noise", "wd", "noise+wd"])
@pytest.mark.parametrize("name", list(FLOAT_VS_BATCH))
def test_float_path_and_batched_path_give_the_same_trace(name, noise, wd):
    spec = _spec(name, wd)
    assert not wd or spec.params.get("weight_decay") == wd or name == "adafactor"
    sched = ScheduleSpec.parse("cosine:warmup=10")
    one = run(ROSENBROCK, spec, sched, None, 200, noise, 3)
    # stepped beside a second, different run, so the arrays really are (R, D)
    other = spec.replace(lr=spec.params["lr"] / 2) if "lr" in spec.params else spec
    batch = run_batch(ROSENBROCK, [spec, other], sched, [ROSENBROCK.start, (0.5, 0.5)], 200, noise, 3)
    two = batch[0]
    assert one.diverged_at is None and two.diverged_at is None
    assert one.steps == two.steps == 200
    np.testing.assert_allclose(one.xs, two.xs, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(one.loss, two.loss, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(one.grads, two.grads, rtol=1e-11, atol=1e-11)
    np.testing.assert_array_equal(one.lr, two.lr)


def test_run_scene_gives_each_run_the_trace_it_has_alone():
    """A scene mixes element-wise runs (float path) and vector runs (batched by rule)."""
    runs = [(OptimizerSpec.make("adam", lr=0.02), CONSTANT, None),
            (OptimizerSpec.make("newton", lr=0.5), CONSTANT, None),
            (OptimizerSpec.make("lbfgs", history=3), CONSTANT, (0.0, 0.0)),
            (OptimizerSpec.make("lbfgs", history=5), CONSTANT, None),
            (OptimizerSpec.make("newton", lr=0.8), ScheduleSpec.parse("linear"), (1.5, 2.5)),
            (OptimizerSpec.make("sam", base="momentum", lr=5e-4), CONSTANT, None)]
    scene = run_scene(ROSENBROCK, runs, 150, noise=0.5, seed=9)
    for (spec, sched, start), tr in zip(runs, scene):
        alone = run(ROSENBROCK, spec, sched, start, 150, 0.5, 9)
        np.testing.assert_allclose(tr.xs, alone.xs, rtol=1e-12, atol=1e-13)
