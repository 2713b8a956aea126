"""Rewind and branch (engine/branching.py): a branch with nothing changed is the
unbranched run bit for bit; a changed knob continues from the exact point and
optimizer state at step k; another kind of state starts fresh there."""

import numpy as np
import pytest

from engine.branching import Segment, run_branched
from engine.hyper import HyperError
from engine.runner import run
from engine.spec import CONSTANT, OptimizerSpec, ScheduleSpec
from surfaces import make_surface

CASES = [
    ("rosenbrock", "momentum:lr=0.001", "constant", 0.0),
    ("rosenbrock", "adam:lr=0.02", "cosine:warmup=20", 0.5),
    ("quadratic", "nesterov:lr=0.05,form=lookahead", "step:milestones=100/200", 0.0),
    ("sharp-flat", "sam:lr=0.1,rho_sam=0.05,base=momentum", "constant", 0.2),
    ("sqrt8", "rmsprop:lr=0.01,momentum=0.5", "exponential:gamma=0.995", 1.0),
]


def assert_same(a, b):
    for field in ("xs", "loss", "lr", "grads"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    assert a.diverged_at == b.diverged_at


@pytest.mark.parametrize("surface, spec, schedule, noise", CASES)
@pytest.mark.parametrize("k", [0, 1, 57, 300])
def test_branch_with_nothing_changed_is_the_run_bit_for_bit(surface, spec, schedule, noise, k):
    s = make_surface(surface)
    opt, sched = OptimizerSpec.parse(spec), ScheduleSpec.parse(schedule)
    plain = run(s, opt, sched, None, 300, noise, 7, record_states=True)
    branched = run_branched(s, [Segment(opt, sched, k)], opt, sched, None, 300, noise, 7, record_states=True)
    assert_same(branched, plain)
    np.testing.assert_array_equal(branched.states, plain.states)


def test_nested_branches_with_nothing_changed():
    s = make_surface("rosenbrock")
    opt = OptimizerSpec.parse("adam:lr=0.03")
    history = [Segment(opt, CONSTANT, 40), Segment(opt, CONSTANT, 90)]
    assert_same(run_branched(s, history, opt, CONSTANT, None, 200), run(s, opt, CONSTANT, None, 200))


def test_a_changed_knob_continues_from_the_exact_state():
    s = make_surface("quadratic", kappa=10.0)
    before, after, k = OptimizerSpec.parse("momentum:lr=0.02,momentum=0.9"), OptimizerSpec.parse(
        "momentum:lr=0.05,momentum=0.5"), 30
    parent = run(s, before, CONSTANT, (-2.5, 1.5), 60, record_states=True)
    branch = run_branched(s, [Segment(before, CONSTANT, k)], after, CONSTANT, (-2.5, 1.5), 60, record_states=True)
    np.testing.assert_array_equal(branch.xs[: k + 1], parent.xs[: k + 1])
    # by hand, from the parent's x_k and velocity v_k (torch form: v <- rho v + g; x <- x - lr v)
    x, v = parent.xs[k].copy(), parent.states[k, 0].copy()
    for t in range(k + 1, 61):
        g = s.grad_at(x[None, :])[0]
        v = 0.5 * v + g
        x = x - 0.05 * v
        np.testing.assert_allclose(branch.xs[t], x, rtol=1e-12, atol=1e-15)
    assert branch.lr[k] == 0.02 and branch.lr[k + 1] == 0.05
    # a fresh velocity would have gone elsewhere
    fresh = run(s, after, CONSTANT, parent.xs[k], 60 - k)
    assert not np.allclose(fresh.xs[-1], branch.xs[-1])


def test_same_state_names_carry_another_kind_starts_fresh():
    s = make_surface("quadratic", kappa=10.0)
    mom, nes, adam = (OptimizerSpec.parse(t) for t in ("momentum:lr=0.02", "nesterov:lr=0.02", "adam:lr=0.1"))
    k = 25
    parent = run(s, mom, CONSTANT, None, 80, record_states=True)
    carried = run_branched(s, [Segment(mom, CONSTANT, k)], nes, CONSTANT, None, 80)
    fresh_nes = run(s, nes, CONSTANT, parent.xs[k], 80 - k)
    assert not np.allclose(carried.xs[-1], fresh_nes.xs[-1])  # the velocity came along
    switched = run_branched(s, [Segment(mom, CONSTANT, k)], adam, CONSTANT, None, 80, record_states=True)
    np.testing.assert_array_equal(switched.xs[: k + 1], parent.xs[: k + 1])
    assert switched.states is None  # momentum's rows and adam's do not stack
    assert np.isfinite(switched.loss).all() and len(switched.xs) == 81


def test_vector_rules_are_refused():
    s = make_surface("rosenbrock")
    with pytest.raises(HyperError, match="element-wise"):
        run_branched(s, [Segment(OptimizerSpec.parse("sgd"), CONSTANT, 10)], OptimizerSpec.parse("bfgs"),
                     CONSTANT, None, 50)


def test_divergence_in_the_shared_part_ends_the_branch_there():
    s = make_surface("quadratic", kappa=10.0)
    wild, calm = OptimizerSpec.parse("sgd:lr=0.5"), OptimizerSpec.parse("sgd:lr=0.01")
    parent = run(s, wild, CONSTANT, None, 100)
    branch = run_branched(s, [Segment(wild, CONSTANT, 90)], calm, CONSTANT, None, 100)
    assert parent.diverged_at is not None and branch.diverged_at == parent.diverged_at
    assert_same(branch, parent)


# -- sessions ---------------------------------------------------------------------------------------


def test_sessions_save_branches():
    import json

    from engine.session import RunConfig, Scene, SessionError

    mom = OptimizerSpec.parse("momentum:lr=0.02")
    branch = RunConfig(OptimizerSpec.parse("momentum:lr=0.05"), color="#D55E00",
                       history=(Segment(mom, ScheduleSpec.parse("cosine"), 40),))
    scene = Scene(runs=(RunConfig(mom), branch))
    again = Scene.from_json(scene.to_json())
    assert again.runs[1].history == branch.history and again.runs[1].branched_at == 40
    assert "history" not in json.loads(scene.to_json())["runs"][0]  # plain runs unchanged
    doc = json.loads(scene.to_json())
    for bad, says in (({"optimizer": "momentum", "until": -1}, "until"),
                      ({"optimizer": "nope", "until": 3}, "unknown optimizer"),
                      ({"until": 3}, "history[0]"),
                      ({"optimizer": "sgd", "until": 3, "extra": 1}, "history[0]")):
        d = json.loads(json.dumps(doc))
        d["runs"][1]["history"] = [bad]
        with pytest.raises(SessionError) as err:
            Scene.from_dict(d)
        assert "runs[1].history[0]" in str(err.value) and says in str(err.value)
    d = json.loads(json.dumps(doc))
    d["runs"][1]["history"] = [{"optimizer": "sgd", "until": 50}, {"optimizer": "sgd", "until": 10}]
    with pytest.raises(SessionError, match="increasing"):
        Scene.from_dict(d)
