"""Every lecture preset loads, runs headless, and shows what its note tells the lecturer.

A preset is a promise made in front of a class ("SGD ends in the narrow well, SAM in
the wide one"). Each one has a claim function below that checks that promise on the
traces the engine produces from the very file that ships; a preset without a claim
fails ``test_every_preset_has_a_claim``. Playlists (presentation mode's PageDown /
PageUp order) must name existing presets.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from types import SimpleNamespace

import numpy as np
import pytest

from engine.ops import ARRAY_OPS
from engine.optimizers.momentum import momentum_coefficient
from engine.presets import PRESET_DIR, list_presets, load_preset
from engine.runner import run_scene
from engine.session import PALETTE, RunConfig, Scene
from engine.spec import CONSTANT, OptimizerSpec
from engine.trace import polyak_average

PLAYLIST_DIR = PRESET_DIR.parent / "playlists"
KEYS = sorted(p.stem for p in PRESET_DIR.glob("*.json"))
MAX_SECONDS = 30  # steps / speed: an animation a class will sit through


# -- running a preset (cached: several claims compare presets or variants) -----------------------


@cache
def result(key: str):
    """The preset ``key`` stepped headless (cached: some claims compare two presets)."""
    return simulate(load_preset(key))


def simulate(scene: Scene):
    """Surface mode: ``traces`` from engine.runner.run_scene. Classification mode: ``runs``
    from engine.training.train (metrics per row and the weights of every row)."""
    if scene.mode == "classification":
        training = pytest.importorskip("engine.training", reason="classification claims need engine/training.py")
        problem = training.problem_from_scene(scene)
        runs = training.train(problem, [(r.optimizer, r.schedule) for r in scene.runs], scene.steps,
                              init_seed=scene.seed, keep_weights=True)
        return SimpleNamespace(scene=scene, problem=problem, runs=runs, training=training)
    surface = scene.make_surface()
    start = scene.start if scene.start is not None else surface.start
    traces = run_scene(surface, [(r.optimizer, r.schedule, start) for r in scene.runs],
                       scene.steps, scene.noise, scene.seed)
    return SimpleNamespace(scene=scene, surface=surface, traces=traces, start=np.asarray(start, dtype=float))


def dist(trace, point):
    """Distance of every row of a trace to ``point``."""
    return np.linalg.norm(trace.xs - np.asarray(point, dtype=float), axis=1)


def first(mask):
    """Index of the first True, or None."""
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else None


def step_lengths(trace):
    return np.linalg.norm(np.diff(trace.xs, axis=0), axis=1)


def mean_turn_cosine(trace):
    """Mean cosine between consecutive steps: 1 for a straight path, ~0 for a random walk."""
    d = np.diff(trace.xs, axis=0)
    n = np.linalg.norm(d, axis=1)
    return float(np.mean(np.sum(d[1:] * d[:-1], axis=1) / (n[1:] * n[:-1])))


def minimum(surface, kind):
    return np.asarray(next(m.point for m in surface.minima() if m.kind == kind))


CLAIMS = {}


def claim(key):
    def register(fn):
        assert key not in CLAIMS, key
        CLAIMS[key] = fn
        return fn
    return register


# -- learning rate ------------------------------------------------------------------------------


def _too_low_just_right_too_high(r, bounce_coord):
    low, right, bounce, high = r.traces
    assert np.abs(low.final).max() > 1.0, "too-low lr should still be far from the minimum"
    assert np.abs(right.final).max() < 1e-3, "just-right lr should end at the minimum"
    d = np.diff(bounce.xs[:21, bounce_coord])
    assert np.all(d[1:] * d[:-1] < 0), "the high lr should overshoot to the other side every step"
    assert np.abs(bounce.final).max() < 0.05, "the high (below 2/L) lr should still converge"
    assert high.diverged_at is not None or high.loss[-1] > 100 * high.loss[0], \
        "the too-high lr should diverge (its loss ends far above its start)"


@claim("lr-too-low-high-1d")
def _(r):
    _too_low_just_right_too_high(r, 0)


@claim("lr-too-low-high-2d")
def _(r):
    _too_low_just_right_too_high(r, 1)


@claim("sqrt8-gradient-descent")
def _(r):
    gd, bouncy, newton = r.traces
    root = math.sqrt(8.0)
    assert abs(gd.final[0] - root) < 1e-6 and abs(gd.final[0] - 2.828427) < 1e-6
    assert first(np.abs(newton.xs[:, 0] - root) < 1e-10) <= 6, "Newton should get there in a handful of steps"
    side = np.sign(bouncy.xs[1:11, 0] - root)
    assert np.all(side[1:] != side[:-1]), "lr 0.03 should land on alternate sides of sqrt(8)"
    assert abs(bouncy.final[0] - root) < abs(bouncy.xs[0, 0] - root)


@claim("gd-rate-bound")
def _(r):
    L = r.surface.smoothness()
    x_star = minimum(r.surface, "global")
    f_star = float(r.surface.value_at(x_star[None])[0])
    r0 = float(np.sum((r.start - x_star) ** 2))
    for run, tr in zip(r.scene.runs, r.traces):
        lr = run.optimizer.lr
        assert lr <= 1.0 / L + 1e-12, "the bound is stated for lr <= 1/L"
        T = np.arange(1, len(tr.xs))
        assert np.all(tr.loss[1:] - f_star <= r0 / (2.0 * lr * T)), run.label
    # a smaller lr gives a higher bound and a slower run
    assert r.traces[0].loss[50] < r.traces[1].loss[50] < r.traces[2].loss[50]


@claim("random-search-vs-gd")
def _(r):
    gd, *searches = r.traces
    assert gd.loss[-1] < 1e-10
    for tr in searches:
        assert np.all(np.diff(tr.loss) <= 0), "random search only keeps a point when the loss drops"
        assert tr.loss[-1] > 1e3 * gd.loss[-1] and tr.loss[-1] > 1e-6, "random search should lag far behind"
        accepted = np.mean(np.diff(tr.loss) < 0)
        assert accepted < 0.4, f"most proposals should be rejected ({accepted:.0%} accepted)"


# -- problems of plain SGD ------------------------------------------------------------------------


@claim("zigzag-momentum")
def _(r):
    sgd, mom = r.traces
    dy = np.diff(sgd.xs[:21, 1])
    assert np.all(dy[1:] * dy[:-1] < 0), "SGD's step across the valley should flip sign every step"
    dy = np.diff(mom.xs[:61, 1])
    assert np.mean(dy[1:] * dy[:-1] < 0) < 1 / 3, "momentum swings slowly across the valley instead of jittering"
    reach_sgd, reach_mom = first(dist(sgd, (0, 0)) < 0.05), first(dist(mom, (0, 0)) < 0.05)
    assert reach_mom is not None and reach_sgd is not None
    assert 3 * reach_mom <= reach_sgd, (reach_mom, reach_sgd)


@claim("saddle-point")
def _(r):
    sgd, mom, adam = r.traces
    near = [int(np.sum(dist(tr, (0, 0)) < 0.2)) for tr in r.traces]
    assert near[0] >= 40, f"SGD should linger at the saddle for many steps, got {near[0]}"
    (cue,) = r.scene.cues  # "SGD sits at the saddle"
    assert dist(sgd, (0, 0))[cue.step] < 0.1
    assert near[1] <= near[0] / 2 and near[2] <= near[0] / 2, near
    for tr in r.traces:
        assert tr.loss[-1] < -1.0, "every run should escape downhill in the end"


@claim("local-minima-wavy")
def _(r):
    local, best = minimum(r.surface, "local"), minimum(r.surface, "global")
    sgd, weak, strong = r.traces
    assert dist(sgd, local)[-1] < 0.01, "SGD should stop in the local minimum"
    assert dist(weak, local)[-1] < 0.01, "momentum 0.8 should fall back into the local minimum"
    assert dist(strong, best)[-1] < 0.01, "momentum 0.9 should roll over into the global minimum"
    (cue,) = r.scene.cues  # "all three roll down towards the dip": none has reached it yet
    assert all(tr.xs[cue.step, 0] < local[0] - 0.1 for tr in r.traces)


@claim("momentum-over-the-bump-rastrigin")
def _(r):
    sgd, weak, strong = r.traces
    for tr in (sgd, weak):
        assert dist(tr, r.start)[-1] < 1.0 and tr.loss[-1] > 30, "should stop in the nearest local minimum"
        assert np.abs(tr.xs[-1] - tr.xs[-2]).max() < 1e-4, "should have settled"
    assert dist(strong, (0, 0))[-1] < 0.01, "momentum 0.9 should reach the global minimum"


@claim("noise-vs-momentum")
def _(r):
    sgd, mom = r.traces
    assert r.scene.noise > 0
    assert mean_turn_cosine(sgd) < 0.2 < 0.5 < mean_turn_cosine(mom), \
        (mean_turn_cosine(sgd), mean_turn_cosine(mom))
    assert step_lengths(mom).sum() < 0.5 * step_lengths(sgd).sum(), "momentum's path should be far shorter"
    assert mom.loss[-100:].mean() < 2.0 * sgd.loss[-100:].mean(), "about the same noise floor"


# -- momentum -------------------------------------------------------------------------------------


@claim("momentum-forms-schedule")
def _(r):
    torch_c, vel_c, torch_s, vel_s = r.traces
    milestone = r.scene.runs[2].schedule.params["milestones"][0]
    assert np.abs(torch_c.xs - vel_c.xs).max() < 1e-12, "the two forms agree at constant lr"
    m = int(milestone)
    assert np.abs(torch_s.xs[: m + 1] - vel_s.xs[: m + 1]).max() < 1e-12, "identical before the milestone"
    assert np.abs(torch_s.xs - vel_s.xs).max() > 0.1, "they part under the schedule"
    brake = np.linalg.norm(torch_s.xs[m + 10] - torch_s.xs[m])
    coast = np.linalg.norm(vel_s.xs[m + 10] - vel_s.xs[m])
    assert brake < 0.5 * coast, "the torch form brakes at the milestone, the velocity form coasts"


@claim("write-momentum-yourself")
def _(r):
    from engine.arithmetic import explain
    from engine.custom_rule import parse_rule
    from engine.rule_compare import compare, matching_spec
    from engine.spec import OptimizerSpec, ScheduleSpec

    torch_typed, velocity_typed, builtin = r.traces
    assert np.abs(torch_typed.xs - builtin.xs).max() < 1e-12, "the torch form typed by hand is the built-in"
    assert np.abs(velocity_typed.xs - builtin.xs).max() < 1e-12, "so is the velocity form, at constant lr"
    mine = r.scene.runs[0].optimizer
    result = compare(r.surface, mine, matching_spec(mine, "momentum"), ScheduleSpec(), r.start, r.scene.steps)
    assert result.equal and result.sentence().startswith("your rule equals SGD + momentum")
    assert f"over {r.scene.steps} steps" in result.sentence()
    # the step arithmetic at t = 1: v is g (torch form) or -lr g (velocity form); x moves by -lr g
    g = builtin.grads[0]
    for k, v_expected in ((0, g), (1, -0.02 * g)):
        run = r.scene.runs[k]
        tr = run_scene(r.surface, [(run.optimizer, run.schedule, tuple(r.start))], 3, record_states=True)[0]
        e = explain(run.optimizer, tr, 1)
        np.testing.assert_allclose(e.values["v"], v_expected, rtol=1e-15)
        np.testing.assert_allclose(e.values["x"], r.start - 0.02 * g, rtol=1e-15)
    # "Live": a step schedule parts the two typed forms; the averaged form is lr x (1 - rho)
    step = ScheduleSpec.parse("step:milestones=15")
    a, b = run_scene(r.surface, [(r.scene.runs[0].optimizer, step, tuple(r.start)),
                                 (r.scene.runs[1].optimizer, step, tuple(r.start))], r.scene.steps)
    assert np.abs(a.xs - b.xs).max() > 0.1, "they part under a schedule"
    from engine.custom_rule import install_rule
    ema = r.scene.rules()["custom"].replace("v = rho * v + g", "v = rho * v + (1 - rho) * g")
    assert parse_rule(ema).assignments[0].source == "rho * v + (1 - rho) * g"
    install_rule(ema, "custom-ema")
    try:
        slow, ref = run_scene(r.surface, [(OptimizerSpec.make("custom-ema", lr=0.02), ScheduleSpec(), tuple(r.start)),
                                          (OptimizerSpec.make("momentum", lr=0.002), ScheduleSpec(), tuple(r.start))],
                              r.scene.steps)
        np.testing.assert_allclose(slow.xs, ref.xs, rtol=1e-9, atol=1e-12)
        assert slow.loss[-1] > 10 * builtin.loss[-1], "ten-fold slower"
    finally:
        from engine.registry import unregister_optimizer
        unregister_optimizer("custom-ema")


@claim("nesterov-sutskever")
def _(r):
    mom, nest, mom_s, nest_s = r.traces
    sched = r.scene.runs[3].optimizer.params
    assert sched["momentum_schedule"] == "sutskever" and sched["mu_max"] == 0.99
    assert r.scene.runs[2].optimizer.params["mu_period"] == sched["mu_period"] == 10
    mu = momentum_coefficient(SimpleNamespace(**sched), np.arange(1, r.scene.steps + 1), ARRAY_OPS)  # the rule's mu_t
    np.testing.assert_allclose(mu[[0, 9, 19]], [0.5, 0.75, 5 / 6], rtol=1e-15)  # 0.5, 0.75, 0.83, ...
    assert int(np.argmax(mu >= 0.99)) + 1 == 49 * 10 == 490, "the schedule reaches 0.99 within the preset"
    assert [c.step for c in r.scene.cues] == [20, 490]
    assert np.abs(mom.xs[20:, 1]).max() > 0.5, "constant mu = 0.99 keeps swinging across the valley"
    assert np.abs(nest.xs[20:, 1]).max() < 1e-3, "Nesterov's look-ahead kills the swing across it"
    assert 0.1 < mom.loss[-1] < 0.2 and 1e-5 < nest.loss[-1] < 3e-5
    for tr in (mom_s, nest_s):
        assert np.abs(tr.xs[20:, 1]).max() < 0.1 * np.abs(mom.xs[20:, 1]).max(), "the schedule starts calm"
    assert 1e-10 < nest_s.loss[-1] < 1e-9 and 5e-8 < mom_s.loss[-1] < 2e-7
    assert nest_s.loss[-1] < 0.01 * mom_s.loss[-1], "N below M under the schedule: the table's 0.99N vs 0.99M"


# -- adaptive methods -----------------------------------------------------------------------------


def _effective_rates(trace, kind, hp):
    """lr / (sqrt(accumulator) + eps) per row, rebuilt from the gradients the run used."""
    g2 = trace.grads[:-1] ** 2
    if kind == "adagrad":
        acc = np.cumsum(g2, axis=0)
    else:
        acc = np.empty_like(g2)
        s = np.zeros(g2.shape[1])
        for k, row in enumerate(g2):
            s = hp["decay"] * s + (1 - hp["decay"]) * row
            acc[k] = s
    return hp["lr"] / (np.sqrt(acc) + hp["eps"])


@claim("adagrad-vs-rmsprop-ravine")
def _(r):
    ada, rms = r.traces
    assert dist(ada, (1, 1))[-1] > 0.2, "AdaGrad should stall before the minimum"
    assert dist(rms, (1, 1))[-1] < 1e-3, "RMSProp should reach the minimum"
    steps = np.abs(np.diff(ada.xs, axis=0))
    assert np.all(steps[-1] < 0.1 * steps[0]), "AdaGrad's steps shrink towards zero"
    rate_ada = _effective_rates(ada, "adagrad", r.scene.runs[0].optimizer.params)
    rate_rms = _effective_rates(rms, "rmsprop", r.scene.runs[1].optimizer.params)
    assert np.all(np.diff(rate_ada, axis=0) <= 0), "AdaGrad's effective rate can only fall"
    assert np.all(rate_ada[-1] < 0.2 * rate_ada[0])
    assert np.all(rate_rms[-1] > 10 * rate_ada[-1]), "RMSProp forgets and keeps its step size"
    (cue,) = r.scene.cues  # "RMSProp is at (1, 1); AdaGrad ... is still far away"
    assert dist(rms, (1, 1))[cue.step] < 0.01 and dist(ada, (1, 1))[cue.step] > 1.0


@claim("adaptive-family")
def _(r):
    first_steps = [np.abs(tr.xs[1] - tr.xs[0]) for tr in r.traces]
    sgd_ratio = first_steps[0][1] / first_steps[0][0]
    assert abs(sgd_ratio - 100) < 1e-6, "SGD's first step is as lopsided as the gradient"
    for run, s in zip(r.scene.runs[1:], first_steps[1:]):
        assert abs(s[1] / s[0] - 1) < 0.01, f"{run.label}: first step should be equal in both coordinates"
    names = [run.optimizer.key for run in r.scene.runs]
    reach = {k: first(tr.loss < 0.1) for k, tr in zip(names, r.traces)}
    assert reach["adam"] < reach["sgd"] and reach["adamax"] < reach["sgd"], reach
    assert first_steps[names.index("adadelta")].max() < 0.01, "AdaDelta starts with tiny steps"
    assert r.traces[names.index("adadelta")].loss[-1] > 1, "and is still on its way at the end"
    for key in ("adagrad", "rmsprop", "adam", "adamax"):
        assert r.traces[names.index(key)].loss[-1] < 1e-2, f"{key} gets there"


def _steps_to(tr, tol=1e-2):
    t = first(tr.loss < tol)
    return len(tr.loss) * 10 if t is None else t  # never: far worse than any step


@claim("rotated-quadratic-adaptive")
def _(r):
    angle = r.surface.angle
    assert angle == 45
    # The same scene with the valley turned back onto the axes (and the start with it).
    a = math.radians(-angle)
    x, y = r.start
    start0 = (math.cos(a) * x - math.sin(a) * y, math.sin(a) * x + math.cos(a) * y)
    axis = simulate(r.scene.replace(surface=r.scene.surface.replace("angle=45", "angle=0"), start=start0))
    sgd0, *adaptive0 = [_steps_to(tr) for tr in axis.traces]
    sgd45, *adaptive45 = [_steps_to(tr) for tr in r.traces]
    for on_axis, rotated in zip(adaptive0, adaptive45):
        assert on_axis <= 0.6 * sgd0, "on the axes the adaptive methods beat SGD clearly"
        assert rotated >= sgd45, "rotated by 45 degrees they no longer beat SGD"
        assert rotated / sgd45 > 1.5 * on_axis / sgd0, "the gap shrinks (here: reverses) with the angle"


@claim("adam-bias-correction")
def _(r):
    adam, almost = r.traces
    hp = r.scene.runs[1].optimizer.params
    lr = r.scene.runs[0].optimizer.lr
    np.testing.assert_allclose(np.abs(adam.xs[1] - adam.xs[0]), lr, rtol=1e-6)
    expected = lr * (1 - hp["beta1"]) / math.sqrt(1 - hp["beta2"])  # 3.16 lr
    np.testing.assert_allclose(np.abs(almost.xs[1] - almost.xs[0]), expected, rtol=1e-4)
    assert step_lengths(almost)[:20].max() >= 3 * step_lengths(adam)[:20].max()


@claim("optimizer-race")
def _(r):
    sgd, *others = r.traces
    t_sgd = first(sgd.loss < 0.1)
    for run, tr in zip(r.scene.runs[1:], others):
        t = first(tr.loss < 0.1)
        assert t is not None and t < t_sgd, f"{run.label} should get below 0.1 before SGD"


@claim("adamw-vs-adam-l2")
def _(r):
    adam, adam_l2, adamw, sgd_l2 = r.traces
    wd = r.scene.runs[1].optimizer.params["weight_decay"]
    assert r.scene.runs[2].optimizer.params["weight_decay"] == wd
    l2_minimum = np.array([2 / (2 + wd), 200 / (200 + wd)])  # argmin of f + wd/2 |x|^2 on the ravine
    assert dist(adam, (1, 1))[-1] < 1e-3
    assert dist(adam_l2, l2_minimum)[-1] < 1e-3, "Adam + L2 ends at the L2-regularized minimum"
    assert dist(sgd_l2, l2_minimum)[-1] < 1e-3, "so does SGD + L2"
    assert dist(adamw, l2_minimum)[-1] > 0.1, "AdamW ends somewhere else"
    assert adamw.final[1] < 0.9 < l2_minimum[1], "AdamW pulls even the steep coordinate in"


# -- schedules ------------------------------------------------------------------------------------


@claim("schedule-gallery")
def _(r):
    constant, *decaying = r.traces
    assert r.scene.runs[0].schedule.key == "constant" and r.scene.noise > 0
    floor = constant.loss[-20:].mean()
    for run, tr in zip(r.scene.runs, r.traces):
        lr = run.optimizer.lr
        np.testing.assert_allclose(tr.lr[1:], lr * run.schedule.multipliers(r.scene.steps), rtol=1e-12)
    for run, tr in zip(r.scene.runs[1:], decaying):
        assert tr.loss[-20:].mean() < 0.25 * floor, f"{run.label} should end below the constant lr's noise floor"
    keys = {run.schedule.key + (":warmup" if run.schedule.params.get("warmup") else ""): tr
            for run, tr in zip(r.scene.runs, r.traces)}
    assert {"step", "cosine", "linear", "inverse-sqrt", "cosine:warmup", "cosine-restarts"} <= set(keys)
    warm = keys["cosine:warmup"].lr
    assert np.all(np.diff(warm[1:30]) > 0) and warm[1] < 0.05 * warm[30], "warmup ramps the lr up"
    restarts = keys["cosine-restarts"].lr
    assert restarts[101] == restarts[1] == restarts[201] and restarts[100] < 0.01 * restarts[1]


@claim("sgd-diminishing-lr")
def _(r):
    fixed, decaying = r.traces
    assert r.scene.noise > 0 and r.scene.runs[1].schedule.key == "inverse-time"
    assert first(fixed.loss < 0.1) <= 12, "at the bottom within about 10 steps"
    tail = fixed.loss[100:]
    assert tail.min() < 0.005 and tail.max() > 2.5, "then it jumps between about 0.003 and 3"
    mid, end = fixed.loss[100:200].mean(), fixed.loss[-100:].mean()
    assert abs(mid - 0.37) < 0.01 and abs(end - 0.29) < 0.01, (mid, end)
    assert end > 0.5 * mid, "no trend: the last 100 steps are not much better than steps 100-200"
    assert abs(decaying.loss[-100:].mean() - 0.009) < 0.001
    assert 25 < end / decaying.loss[-100:].mean() < 40, "about 30 times lower"
    assert step_lengths(decaying)[-50:].mean() < 0.3 * step_lengths(fixed)[-50:].mean(), "1/t's steps shrink"


@claim("polyak-averaging")
def _(r):
    (run,), (tr,) = r.scene.runs, r.traces
    assert 0 < run.polyak < 1 and r.scene.noise > 0
    avg = polyak_average(tr.xs, run.polyak)
    x_star = minimum(r.surface, "global")
    d_iter, d_avg = dist(tr, x_star)[-100:].mean(), np.linalg.norm(avg - x_star, axis=1)[-100:].mean()
    assert d_avg < 0.6 * d_iter, (d_avg, d_iter)
    assert r.surface.value_at(avg[-100:]).mean() < 0.3 * tr.loss[-100:].mean()


# -- second order ---------------------------------------------------------------------------------


@claim("newton-one-step")
def _(r):
    newton, half, sgd = r.traces
    assert np.abs(newton.xs[1]).max() < 1e-12, "one Newton step lands on the minimum"
    ratios = dist(half, (0, 0))[1:11] / dist(half, (0, 0))[:10]
    np.testing.assert_allclose(ratios, 0.5, rtol=1e-9)
    assert dist(sgd, (0, 0))[10] > 1e-3


@claim("newton-saddle")
def _(r):
    newton, damped, sgd = r.traces
    assert np.abs(newton.xs[1:]).max() < 1e-12, "Newton jumps onto the saddle and stays"
    eig = np.linalg.eigvalsh(r.surface.hessian_at(newton.xs[-1:])[0])
    assert eig.min() < 0 < eig.max(), "where it stops is a saddle, not a minimum"
    assert damped.loss[-1] < -1 and sgd.loss[-1] < -1, "damped Newton and SGD escape downhill"
    # the note's live suggestion: each step multiplies y by lambda / (lambda - 2)
    for lam, escapes in ((0.5, False), (1.5, True)):
        spec = OptimizerSpec.parse(f"newton:damping={lam}")
        y = simulate(r.scene.replace(runs=(RunConfig(spec),), steps=6)).traces[0].xs[:, 1]
        np.testing.assert_allclose(y[1:] / y[:-1], lam / (lam - 2), rtol=1e-9)
        assert (abs(y[-1]) > abs(y[0])) == escapes
    y = simulate(r.scene.replace(runs=(RunConfig(OptimizerSpec.parse("newton:damping=1.0")),),
                                 steps=6)).traces[0].xs[:, 1]
    np.testing.assert_allclose(np.abs(y), 0.8, rtol=1e-12)  # at exactly 1 it bounces between 0.8 and -0.8


@claim("bfgs-lbfgs-rosenbrock")
def _(r):
    names = [run.optimizer.key for run in r.scene.runs]
    reach = {k: first(dist(tr, (1, 1)) < 1e-4) for k, tr in zip(names, r.traces)}
    assert reach["bfgs"] is not None and reach["bfgs"] < 60, reach
    assert reach["lbfgs"] is not None and reach["lbfgs"] < 60, reach
    assert reach["newton"] is not None and reach["newton"] < 10, reach
    for key in ("sgd", "momentum"):
        assert dist(r.traces[names.index(key)], (1, 1))[-1] > 0.1, f"{key} should still be in the valley"


@claim("lbfgs-noise")
def _(r):
    lbfgs, mom = r.traces
    assert r.scene.noise > 0
    assert lbfgs.loss[-1] > max(0.5, 5 * mom.loss[-1]), "with noisy gradients L-BFGS loses its way"
    clean = simulate(r.scene.replace(noise=0.0))
    assert first(dist(clean.traces[0], (1, 1)) < 1e-4) < 60, "without noise it converges fast"


@claim("sam-sharp-flat")
def _(r):
    wide, narrow = sorted(r.surface.minima(), key=lambda m: m.point[0])
    assert wide.kind == narrow.kind == "global" and abs(wide.value - narrow.value) < 1e-6, "two wells of equal depth"
    assert abs(wide.value + 0.953) < 5e-4
    sharp = [np.linalg.eigvalsh(r.surface.hessian_at(np.array([m.point]))[0]).max() for m in (wide, narrow)]
    assert sharp[1] > 10 * sharp[0], "one sharp, one flat"
    sgd, mom, sam = r.traces
    assert dist(sgd, narrow.point)[-1] < 0.05, "SGD ends in the sharp well"
    assert dist(mom, narrow.point)[-1] < 0.05, "so does momentum without SAM"
    assert first(dist(sam, narrow.point) < 0.05) < 40, "SAM drops into the sharp well too"
    assert 100 <= first(sam.xs[:, 0] < 0) <= 140, "and crosses x = 0 at about step 120"
    assert dist(sam, wide.point)[-1] < 0.05, "SAM ends in the flat well"
    (cue,) = r.scene.cues  # "momentum and SAM have dropped into the sharp well; SGD is on its way"
    inside = 0.15  # the sharp well's width: SAM rattles inside it, its ball reaching the walls
    assert dist(mom, narrow.point)[cue.step] < inside and dist(sam, narrow.point)[cue.step] < inside
    assert dist(sgd, narrow.point)[cue.step] > 0.3
    assert r.scene.display["signal_axis"] == "grad_evals"


# -- classification -------------------------------------------------------------------------------


def _weights(res, run=0):
    """Entries of the weight matrices (biases excluded) at the end of a run."""
    w = res.runs[run].weights[-1]
    return w[res.problem.model.weight_mask.astype(bool)]


def _near_zero(w, tol=0.02):
    return float(np.mean(np.abs(w) < tol))


def _final(res, metric, run=0):
    return res.runs[run].metrics[metric][-1]


@claim("l1-sparse-weights")
def _(r):
    l2 = result("l2-spread-weights")
    assert (r.scene.dataset, r.scene.model, r.scene.steps) == (l2.scene.dataset, l2.scene.model, l2.scene.steps)
    for i, run in enumerate(r.scene.runs):
        sparse, spread = _near_zero(_weights(r, i)), _near_zero(_weights(l2, i))
        assert sparse > 0.3 and sparse > 3 * spread, f"{run.label}: L1 {sparse:.2f} vs L2 {spread:.2f} near zero"
        assert _final(r, "val_acc", i) > 0.85


@claim("l2-spread-weights")
def _(r):
    l1 = result("l1-sparse-weights")
    for i, run in enumerate(r.scene.runs):
        w2, w1 = _weights(r, i), _weights(l1, i)
        assert _near_zero(w2) < 0.2, f"{run.label}: few L2 weights are near zero"
        assert np.abs(w2).max() < 0.8 * np.abs(w1).max(), "and none is as large as L1's biggest"
        assert _final(r, "val_acc", i) > 0.85


@claim("l2-spreads-lecture-vectors")
def _(r):
    plain, l2 = r.traces
    s = r.surface
    assert s.value(1.0, 0.0) == 0 and s.value(0.5, 0.5) == 0, "w1 and w2 both fit"
    np.testing.assert_allclose(plain.final, [1.0, 0.0], atol=1e-9)  # the nearest perfect fit: sparse w1
    a = 2 / (4 + 0.1)  # grad of (x+y-1)^2 + (wd/2)|w|^2 = 0 on y = x
    np.testing.assert_allclose(l2.final, [a, a], atol=0.01)  # the spread point (0.49, 0.49)
    assert first(np.abs(l2.xs[:, 0] - l2.xs[:, 1]) < 0.05) in range(140, 160), "near y = x by step ~150"
    assert l2.loss[-1] == pytest.approx(0.0006, abs=5e-5), "the data fit barely worsens"
    assert np.sum(l2.final ** 2) == pytest.approx(0.48, abs=0.005) and np.sum(plain.final ** 2) == pytest.approx(1)
    # the lecture's 4-D numbers, as the note quotes them
    w1, w2 = np.array([1.0, 0, 0, 0]), np.full(4, 0.25)
    assert w1 @ np.ones(4) == w2 @ np.ones(4) == 1
    assert (np.abs(w1).sum(), np.abs(w2).sum(), w1 @ w1, w2 @ w2) == (1, 1, 1, 0.25)
    assert r.scene.runs[0].dash != r.scene.runs[1].dash


@claim("gradient-check")
def _(r):
    from engine import signals as S

    exact, buggy = (S.gradient_check(S.SurfaceRun(t, cfg.optimizer, r.surface, 0.0))
                    for t, cfg in zip(r.traces, r.scene.runs))
    assert np.nanmax(exact) < 1e-10, "the analytic gradient passes the check"
    np.testing.assert_allclose(buggy[20:-1], 0.1 / 1.1, rtol=1e-6)  # 0.09 once on the valley's floor
    assert np.nanmin(buggy) > 1e-2 and np.nanmin(buggy) / np.nanmax(exact) > 1e8, "eight decades apart"
    assert r.traces[1].loss[-1] < 1e-8 and r.traces[0].loss[-1] < 1e-8, "both still converge"
    # live: a small mismatch still fails; noise makes every gradient an estimate
    small = r.scene.runs[1].optimizer.replace(weight_decay=0.001)
    t = run_scene(r.surface, [(small, CONSTANT, r.start)], r.scene.steps)[0]
    assert 5e-4 < np.nanmedian(S.gradient_check(S.SurfaceRun(t, small, r.surface, 0.0))) < 2e-3
    noisy = run_scene(r.surface, [(r.scene.runs[0].optimizer, CONSTANT, r.start)], r.scene.steps, 0.1, 0)[0]
    assert np.nanmedian(S.gradient_check(S.SurfaceRun(noisy, r.scene.runs[0].optimizer, r.surface, 0.0))) > 1e-2


def _log_log_slope(loss, lo=100, hi=1000):
    t = np.arange(lo, hi + 1)
    return float(np.polyfit(np.log(t), np.log(np.asarray(loss)[lo:hi + 1]), 1)[0])


@claim("sgd-vs-gd-rates")
def _(r):
    gd, sgd = r.traces
    assert r.scene.noise == 0 and r.scene.display["signal_slopes"] == "1:-1, 2:-0.5"
    assert _log_log_slope(gd.loss) == pytest.approx(-1.0, abs=0.02), "GD follows 1/T"
    assert _log_log_slope(sgd.loss) == pytest.approx(-0.53, abs=0.02), "the 1/sqrt(t) step follows 1/sqrt T"
    assert [round(float(gd.loss[t]), 3) for t in (10, 100, 1000)] == [0.099, 0.010, 0.001]
    assert round(float(sgd.loss[100]), 3) == 0.056 and round(float(sgd.loss[1000]), 3) == 0.017
    assert 15 < sgd.loss[1000] / gd.loss[1000] < 19, "about 17 times behind after 1000 steps"
    assert gd.xs[-1].min() > sgd.xs[-1].max() > r.start.max(), "both walk out along the diagonal, GD further"
    assert r.scene.runs[0].dash != r.scene.runs[1].dash and r.scene.runs[0].marker != r.scene.runs[1].marker


def _examples_to_accuracy(res, acc=0.8):
    t = first(np.asarray(res.runs[0].metrics["train_acc"]) >= acc)
    return None if t is None else t * res.problem.batch_size


@claim("batch-size-1")
def _(r):
    assert r.problem.batch_size == 1
    loss = np.asarray(r.runs[0].metrics["train_loss"])
    assert np.mean(np.diff(loss) > 0) > 0.3, "one point per step: the loss curve is ragged"
    full = result("full-batch")
    mine, theirs = _examples_to_accuracy(r), _examples_to_accuracy(full)
    assert mine is not None and theirs is not None
    assert mine * 50 < theirs, f"batch 1 needs far fewer examples: {mine} vs {theirs}"


@claim("full-batch")
def _(r):
    assert r.problem.full_batch
    loss = np.asarray(r.runs[0].metrics["train_loss"])
    assert np.mean(np.diff(loss) > 0) < 0.02, "the full-batch loss goes down (almost) every step"
    assert max(r.runs[0].metrics["train_acc"]) >= 0.8


def _mean_confidence(res, run=0):
    from surfaces.classification.models import design, softmax_probabilities
    w = res.runs[run].weights[-1]
    scores, _ = res.problem.model.forward(w[None, :], design(res.problem.dataset.X_train, res.problem.model.features))
    return float(softmax_probabilities(scores)[0].max(axis=0).mean())


@claim("label-smoothing")
def _(r):
    eps = r.scene.label_smoothing
    assert eps > 0
    plain = simulate(r.scene.replace(label_smoothing=0.0))
    smooth_conf, plain_conf = _mean_confidence(r), _mean_confidence(plain)
    assert plain_conf > 0.95, plain_conf
    assert smooth_conf < 1 - eps + 0.03, smooth_conf
    assert abs(_final(r, "val_acc") - _final(plain, "val_acc")) <= 0.03, "accuracy does not suffer"


@claim("mixup")
def _(r):
    assert r.scene.mixup > 0
    plain = simulate(r.scene.replace(mixup=0.0))
    gap = _final(r, "val_loss") - _final(r, "train_loss")
    plain_gap = _final(plain, "val_loss") - _final(plain, "train_loss")
    assert _final(r, "train_loss") > _final(plain, "train_loss"), "mixup fits the training set less tightly"
    assert _final(r, "val_loss") < _final(plain, "val_loss"), "and does better on validation"
    assert gap < 0.5 * plain_gap
    conf = [float(res.problem.decision_grid(res.runs[0].weights[-1], 60, 60).probs.max(axis=-1).mean())
            for res in (r, plain)]
    assert conf[0] < conf[1], "the decision regions are less confident"


@claim("adafactor-memory")
def _(r):
    names = [run.optimizer.key for run in r.scene.runs]
    adam, ada = names.index("adam"), names.index("adafactor")
    memory = {k: r.training.state_memory(r.problem, run.optimizer) for k, run in zip(names, r.scene.runs)}
    assert memory["adam"] == 2 * r.problem.dim
    assert memory["adafactor"] < 0.3 * memory["adam"], memory
    assert _final(r, "val_acc", ada) >= _final(r, "val_acc", adam) - 0.05
    assert _final(r, "val_acc", ada) > 0.9


# -- presets for the ideas that had none (issue 9) ------------------------------------------------------


@claim("warmup-early-blowup")
def _(r):
    plain, warm = r.traces
    lr = r.scene.runs[0].optimizer.lr
    assert r.scene.runs[1].optimizer.lr == lr and r.scene.runs[1].schedule.params["warmup"] == 20
    curvature = [np.linalg.eigvalsh(r.surface.hessian_at(np.array([p]))[0]).max() for p in (r.start, (3.0, 2.0))]
    assert 320 < curvature[0] < 340 and 80 < curvature[1] < 85, curvature
    assert 2 / curvature[0] < lr < 2 / curvature[1], "too large at the start, stable at the minimum"
    assert plain.diverged_at is not None and plain.diverged_at <= 6, "no warmup: it explodes within six steps"
    assert warm.diverged_at is None and dist(warm, (3, 2))[-1] < 1e-12, "warmup: converges to machine precision"
    np.testing.assert_allclose(warm.lr[1], lr / 20, rtol=1e-12)
    assert warm.lr[20] == lr and np.all(np.diff(warm.lr[1:21]) > 0), "the lr ramps up to full over 20 steps"


@claim("tuned-momentum-beats-adam")
def _(r):
    adam, untuned, tuned = r.traces
    reach = [first(tr.loss < 1e-6) for tr in r.traces]
    assert 115 <= reach[0] <= 135 and 135 <= reach[1] <= 155, reach
    assert 25 <= reach[2] <= 35 and 3.5 * reach[2] <= reach[0], "tuned momentum: almost four times sooner"
    assert np.abs(tuned.xs).max() <= 3.0, "and it stays in the view"
    for lr in (0.05, 0.3):  # 0.1 is the best of the Adam lrs the note names
        other = simulate(r.scene.replace(runs=(RunConfig(OptimizerSpec.make("adam", lr=lr)),))).traces[0]
        assert first(other.loss < 1e-6) >= reach[0]


@claim("rmsprop-momentum-vs-nesterov")
def _(r):
    mom, nest = r.traces
    reach = [first(tr.loss < 1e-4) for tr in r.traces]
    assert 55 <= reach[0] <= 70 and 35 <= reach[1] <= 45, reach
    over = [tr.xs[:, 0].max() - 1.0 for tr in r.traces]
    assert abs(over[0] - 0.24) < 0.01 and abs(over[1] - 0.19) < 0.01, over
    assert nest.loss[-1] < 1e-20 and 1e-6 < mom.loss[-1] < 1e-4, "after the lr drop: Nesterov exactly there"
    still = simulate(r.scene.replace(runs=tuple(RunConfig(run.optimizer) for run in r.scene.runs)))
    assert min(tr.loss[-50:].min() for tr in still.traces) > 1e-12, "without the schedule neither settles"


@claim("adagrad-lr-sensitivity")
def _(r):
    big, mid, small = r.traces
    assert [run.optimizer.lr for run in r.scene.runs] == [1.0, 0.1, 0.01]
    assert big.loss[-1] == 0.0, "lr 1: at the minimum"
    assert 0.15 < mid.loss[-1] < 0.3, "lr 0.1: half-way"
    assert 140 < small.loss[-1] < 170 and dist(small, r.start)[-1] < 0.5, "lr 0.01: hardly left the start"
    for run, tr in zip(r.scene.runs, r.traces):
        s = np.abs(tr.xs[1] - tr.xs[0])
        assert abs(s[1] / s[0] - 1) < 1e-6, "both coordinates move at the same speed at first"
        rates = _effective_rates(tr, "adagrad", run.optimizer.params)
        assert np.all(np.diff(rates, axis=0) <= 0), "the effective step only shrinks"


@claim("l1-vs-l2-lecture-vectors")
def _(r):
    from engine.signals import SurfaceRun, compute
    # the lecture's 4-D numbers and their 2-D shadow: the data cannot tell w1 from w2
    x4, w1, w2 = np.ones(4), np.array([1.0, 0, 0, 0]), np.full(4, 0.25)
    assert w1 @ x4 == w2 @ x4 == 1.0 and np.abs(w1).sum() == np.abs(w2).sum() == 1.0
    assert (w1 ** 2).sum() == 1.0 and (w2 ** 2).sum() == 0.25
    assert r.surface.value_at(np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])).tolist() == [0.0, 0.0, 0.0]
    plain, l2, l1 = r.traces
    assert r.scene.runs[1].optimizer.params["weight_decay"] == 0.2 and r.scene.runs[2].optimizer.params["lam"] == 0.1
    np.testing.assert_allclose(plain.final, (1.25, -0.25), atol=1e-9)  # where it first meets the valley
    np.testing.assert_allclose(l2.final, 2 / 4.2, atol=2e-5)  # argmin (x + y - 1)^2 + 0.1 |x|^2: (0.48, 0.48)
    assert l1.final[1] == 0.0 and abs(l1.final[0] - 0.95) < 1e-9, "L1: y exactly 0, x = 1 - lam / 2"
    sparse = [compute("smallest_weight", SurfaceRun(tr, run.optimizer, r.surface))[-1]
              for run, tr in zip(r.scene.runs, r.traces)]
    assert sparse[2] == 0.0 and abs(sparse[1] - 0.48) < 0.005 and abs(sparse[0] - 0.25) < 1e-9
    late = r.scene.cues[1].step  # the cue states where each stops: they are there by then
    for tr, end in zip(r.traces, ((1.25, -0.25), (0.48, 0.48), (0.95, 0.0))):
        assert dist(tr, end)[late] < 0.01
    # "drag the start": L2 always ends at the spread point; L1 at a corner or between them
    for start in ((-0.5, 1.8), (0.2, -0.6), (2.2, 1.6)):
        moved = simulate(r.scene.replace(start=start)).traces
        np.testing.assert_allclose(moved[1].final, 2 / 4.2, atol=2e-5)
        end = moved[2].final
        assert np.all(end >= 0) and abs(end.sum() - 0.95) < 1e-6, (start, end)


def _weight_norms(res, run=0):
    mask = res.problem.model.weight_mask.astype(bool)
    return np.array([np.linalg.norm(w[mask]) for w in res.runs[run].weights])


@claim("svm-w-and-2w")
def _(r):
    assert r.scene.model == "svm" and r.scene.reg == "none"
    free, l2 = r.runs
    loss = np.asarray(free.metrics["train_loss"])
    zero = first(loss == 0.0)
    assert zero is not None and 230 <= zero <= 270 and np.all(loss[zero:] == 0.0), "hinge loss exactly 0, ~250"
    w = free.weights[-1]
    np.testing.assert_array_equal(free.weights[zero], w)  # zero loss, zero gradient: nothing moves
    assert r.problem.value((2.0 * w)[None])[0] == 0.0, "2W also has L = 0"
    assert r.problem.value((0.5 * w)[None])[0] > 0.0, "W / 2 does not"
    norms, norms_l2 = _weight_norms(r, 0), _weight_norms(r, 1)
    assert 3.1 < norms[-1] < 3.4 and 2.0 < norms_l2[-1] < 2.2, (norms[-1], norms_l2[-1])
    assert abs(norms_l2[-1] - norms_l2[-50]) < 0.02 * norms_l2[-1], "L2's ||W|| levels off"
    assert np.asarray(l2.metrics["train_loss"])[-1] > 0.0, "with L2 a small loss remains"
    for run in r.runs:
        assert run.metrics["train_acc"][-1] == 1.0


@claim("softmax-never-satisfied")
def _(r):
    svm = result("svm-w-and-2w")
    assert r.scene.dataset == svm.scene.dataset and r.scene.model == "softmax"
    assert svm.runs[0].metrics["train_loss"][-1] == 0.0, "the SVM reached zero on the same data"
    for i, run in enumerate(r.runs):
        loss = np.asarray(run.metrics["train_loss"])
        assert first(np.asarray(run.metrics["train_acc"]) == 1.0) <= 5, "every point classified early on"
        assert np.all(np.diff(loss[1:]) < 0) and loss[-1] > 1e-3, "the loss keeps falling and never reaches 0"
        norms = _weight_norms(r, i)
        assert np.all(np.diff(norms[1:]) > 0), "||W|| keeps growing"


@claim("polar-features")
def _(r):
    assert r.scene.model == "softmax:features=polar" and r.scene.runs[0].optimizer.lr == 1e-3
    raw = simulate(r.scene.replace(model="softmax"))
    for i in range(len(r.runs)):
        assert _final(r, "val_acc", i) > 0.9, "a disc and a ring, over 90 % right"
        assert _final(raw, "val_acc", i) < 0.6, "on raw (x, y) a linear model stays near chance"


@claim("linear-scaling-rule")
def _(r):
    assert r.problem.batch_size == 32
    scaled, same = r.scene.runs
    assert scaled.optimizer.lr == 4 * same.optimizer.lr
    small = simulate(r.scene.replace(batch_size=8, steps=4 * r.scene.steps, runs=(same,)))

    def per_example(res, run=0):
        loss = np.asarray(res.runs[run].metrics["train_loss"])
        return lambda e: float(np.interp(e, np.arange(len(loss)) * res.problem.batch_size, loss))

    ref, big, slow = per_example(small), per_example(r, 0), per_example(r, 1)
    for e in (2400, 4800, 9600):
        assert abs(big(e) - ref(e)) < 0.03 * ref(e), (e, big(e), ref(e))
    assert abs(ref(9600) - 0.40) < 0.01 and abs(slow(9600) - 0.65) < 0.01, (ref(9600), slow(9600))


# -- the tests ------------------------------------------------------------------------------------


def test_presets_exist():
    assert len(KEYS) >= 25


def test_every_preset_has_a_claim():
    missing = sorted(set(KEYS) - set(CLAIMS))
    assert not missing, f"presets without a claim in tests/test_presets.py: {missing}"
    stale = sorted(set(CLAIMS) - set(KEYS))
    assert not stale, f"claims for presets that do not exist: {stale}"


@pytest.mark.parametrize("key", KEYS)
def test_preset_claim(key):
    if key not in CLAIMS:
        pytest.fail(f"preset {key!r} has no claim")
    CLAIMS[key](result(key))


@pytest.mark.parametrize("key", KEYS)
def test_preset_file(key):
    path = PRESET_DIR / f"{key}.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["version"] == 1
    scene = Scene.load(path)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key), "keys are typed on the command line"
    assert scene.title.strip() and scene.note.strip()
    assert "\n" not in scene.note and len(scene.note) > 200, "one paragraph for the lecturer"
    assert re.search(r"[Ss]eeds? 00[1-4]", scene.note), "the note says which lecture it comes from"
    assert scene.runs
    names = [run.name for run in scene.runs]
    assert all(names) and len(set(names)) == len(names), "every run has its own legend name"
    assert all(run.color in PALETTE for run in scene.runs)
    assert scene.steps / scene.speed <= MAX_SECONDS, "watchable in a lecture"
    assert scene.step == 0, "a preset starts at the beginning"
    assert Scene.from_json(scene.to_json()) == scene
    assert load_preset(key) == scene
    if scene.mode == "surface":
        assert scene.start is not None, "the start is part of the point a preset makes"


# -- the picture: what makes it readable, besides the numbers -------------------------------------------

FRAMED_ROWS = 3  # the start and the first two steps


@pytest.mark.parametrize("key", KEYS)
def test_preset_picture(key):
    scene = load_preset(key)
    looks = [(run.dash, run.marker) for run in scene.runs]
    assert len(set(looks)) == len(looks), "runs differ without colour: each has its own dash and marker"
    assert all(run.visible for run in scene.runs), "nothing the note compares is hidden by default"
    signal = scene.display.get("signal")
    if "signal plot" in scene.note:
        assert signal, "the note speaks of the signal plot: the preset names its signal"
    if "memory view" in scene.note:
        assert scene.display.get("tab") == "memory", "the note shows the memory view: the preset opens it"
    plots = scene.display.get("plots")
    if plots is not None:
        for words, plot in (("loss plot", "loss"), ("learning-rate plot", "lr"), ("inspector", "inspector")):
            assert words not in scene.note or plot in plots.split("/"), f"the note names the {words}"
    if scene.mode == "surface":
        res = result(key)
        view = np.asarray(res.surface.view, dtype=float)  # the preset's view box, or the surface's
        lo, hi = view[0::2], view[1::2]
        for run, tr in zip(scene.runs, res.traces):
            rows = tr.xs[:FRAMED_ROWS]
            assert np.all((rows >= lo) & (rows <= hi)), f"{run.name}: its first steps leave the framed view"
    if signal is not None:
        signals = pytest.importorskip("engine.signals", reason="the signal table lands with the signal plot")
        assert signal in signals.SIGNALS and scene.mode in signals.SIGNALS[signal].modes, signal


def test_titles_unique_and_listed():
    listed = dict(list_presets())
    assert sorted(listed) == KEYS
    titles = [listed[k] for k in KEYS]
    assert all(t.strip() for t in titles)
    assert len(set(titles)) == len(titles)


def _playlists():
    return sorted(PLAYLIST_DIR.glob("*.json"))


def test_lecture_playlist_shows_every_preset_once():
    data = json.loads((PLAYLIST_DIR / "lecture.json").read_text(encoding="utf-8"))
    assert sorted(data["presets"]) == KEYS


@pytest.mark.parametrize("path", _playlists(), ids=lambda p: p.stem)
def test_playlist(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"title", "presets"}
    assert isinstance(data["title"], str) and data["title"].strip()
    keys = data["presets"]
    assert keys and all(isinstance(k, str) for k in keys)
    assert len(set(keys)) == len(keys), "a playlist shows each preset once"
    unknown = [k for k in keys if k not in KEYS]
    assert not unknown, f"{path.name} names unknown presets {unknown}"
