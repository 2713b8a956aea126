"""Every optimizer against two or three steps computed by hand (SPEC section 3):
gradient descent, momentum, Nesterov, Lion and SAM here; the adaptive rules in
test_optimizers_adaptive.py; Newton, (L-)BFGS and random search in
test_optimizers_second_order.py.

The expected values are written out from SPEC's formulas with plain arithmetic on the
quadratic ``f = 1/2 (x^2 + 10 y^2)`` (gradient ``(x, 10 y)``), never by calling the rule
under test (tests/quadratic_by_hand.py). Each test uses settings (large lr, small betas,
a schedule) under which a wrong formula moves the point visibly, and several also assert
that a plausible wrong variant would NOT match, so they cannot pass by accident.
"""

import math
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from quadratic_by_hand import X0, Q, adam_by_hand, close, grad_q, grad_rosenbrock, path

from engine.ops import ARRAY_OPS, FLOAT_OPS
from engine.optimizers.momentum import momentum_coefficient
from engine.registry import OPTIMIZERS
from engine.spec import OptimizerSpec, ScheduleSpec
from surfaces import make_surface

HERE = Path(__file__).parent
HAND_FILES = ("test_optimizers.py", "test_optimizers_adaptive.py", "test_optimizers_second_order.py")


def test_every_registered_optimizer_has_a_hand_computed_test():
    """A rule added to the registry without a test named after it fails here."""
    names = " ".join(name for f in HAND_FILES
                     for name in re.findall(r"^def (test_\w+)", (HERE / f).read_text(), re.M))
    missing = [key for key in OPTIMIZERS if not re.search(rf"\b\w*{key.replace('-', '_')}\w*", names)]
    assert missing == []
    assert tuple(Q.start) == tuple(X0)


# SPEC section 3's table: the defaults in brackets (a contract shared by CLI, GUI and sessions)
SPEC_DEFAULTS = {
    "sgd": {"lr": 0.01, "weight_decay": 0.0},
    "momentum": {"lr": 0.01, "momentum": 0.9, "form": "torch", "weight_decay": 0.0},
    "nesterov": {"lr": 0.01, "momentum": 0.9, "form": "torch", "momentum_schedule": "none",
                 "mu_max": 0.99, "weight_decay": 0.0},
    "adagrad": {"lr": 0.1, "eps": 1e-7, "weight_decay": 0.0},
    "rmsprop": {"lr": 0.01, "decay": 0.9, "eps": 1e-7, "momentum": 0.0, "nesterov": False, "weight_decay": 0.0},
    "adam": {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "bias_correction": True,
             "amsgrad": False, "weight_decay": 0.0},
    "adamw": {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
    "adadelta": {"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0},
    "adamax": {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0},
    "nadam": {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "momentum_decay": 0.004,
              "weight_decay": 0.0},
    "adafactor": {"lr": 0.01, "beta2": 0.999, "eps": 1e-8},
    "lion": {"lr": 0.001, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0},
    "sam": {"rho_sam": 0.05, "base": "sgd", "lr": 0.01},
    "newton": {"lr": 1.0, "damping": 0.0},
    "bfgs": {"lr": 1.0, "c1": 1e-4},
    "lbfgs": {"lr": 1.0, "history": 10, "c1": 1e-4},
    "random-search": {"sigma": 0.1},
}


@pytest.mark.parametrize("key", list(SPEC_DEFAULTS))
def test_defaults_are_specs(key):
    params = OptimizerSpec.make(key).params
    assert {name: params[name] for name in SPEC_DEFAULTS[key]} == SPEC_DEFAULTS[key]
    assert OPTIMIZERS[key].decoupled_weight_decay == (key in ("adamw", "lion"))


# -- gradient descent and momentum ------------------------------------------------------------


def test_sgd():
    lr, x, want = 0.05, X0.copy(), [X0]
    for _ in range(3):
        x = x - lr * grad_q(x)
        want.append(x)
    close(path("sgd", lr=lr), want)


@pytest.mark.parametrize("key,lr", [("sgd", 1e-4), ("momentum", 1e-4), ("adam", 0.05), ("adagrad", 0.05)])
def test_coupled_weight_decay_is_added_to_the_gradient(key, lr):
    """g <- g + wd x before the rule (SPEC section 2). On Rosenbrock, because on the
    axis-aligned quadratic wd x is parallel to g per coordinate, and Adam and AdaGrad
    are blind to a per-coordinate rescaling of g."""
    wd, rosenbrock = 0.5, make_surface("rosenbrock")
    x0 = np.array(rosenbrock.start)
    with_wd = path(key, lr=lr, weight_decay=wd, surface=rosenbrock)
    close(with_wd, _hand_run(key, lambda x: grad_rosenbrock(x) + wd * x, lr, x0=x0))
    assert not np.allclose(with_wd, path(key, lr=lr, surface=rosenbrock), rtol=1e-9, atol=0)


def _hand_run(key, g_of, lr, steps=3, x0=X0):
    """SGD, Adam (defaults), torch momentum (rho 0.9) and AdaGrad (eps 1e-7) written out."""
    x, want = x0.copy(), [x0.copy()]
    m = np.zeros(2)
    v = np.zeros(2)
    for t in range(1, steps + 1):
        g = g_of(x)
        if key == "sgd":
            x = x - lr * g
        elif key == "adam":
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            x = x - lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        elif key == "momentum":
            m = 0.9 * m + g
            x = x - lr * m
        elif key == "adagrad":
            v = v + g * g
            x = x - lr * g / (np.sqrt(v) + 1e-7)
        want.append(x)
    return want


def test_momentum_torch_form():
    lr, rho = 0.05, 0.9
    x, v, want = X0.copy(), np.zeros(2), [X0]
    for _ in range(3):
        v = rho * v + grad_q(x)
        x = x - lr * v
        want.append(x)
    close(path("momentum", lr=lr, momentum=rho), want)


def test_momentum_velocity_form_under_a_schedule():
    """v <- rho v - lr_t g; x <- x + v, with lr_t = lr * s(t-1) from a step schedule."""
    lr, rho = 0.05, 0.9
    lrs = [lr, lr * 0.5, lr * 0.5]  # step: milestones=1, gamma=0.5 -> s(0)=1, s(1)=s(2)=0.5
    x, v, want = X0.copy(), np.zeros(2), [X0]
    for lr_t in lrs:
        v = rho * v - lr_t * grad_q(x)
        x = x + v
        want.append(x)
    sched = ScheduleSpec.parse("step:milestones=1,gamma=0.5")
    close(path("momentum", schedule=sched, lr=lr, momentum=rho, form="velocity"), want)


def test_nesterov_torch_form():
    lr, rho = 0.05, 0.9
    x, v, want = X0.copy(), np.zeros(2), [X0]
    for _ in range(3):
        g = grad_q(x)
        v = rho * v + g
        x = x - lr * (g + rho * v)
        want.append(x)
    close(path("nesterov", lr=lr, momentum=rho), want)


def test_nesterov_lookahead_form():
    """v <- rho v - lr grad(x + rho v); x <- x + v: the gradient is taken ahead."""
    lr, rho = 0.05, 0.9
    x, v, want = X0.copy(), np.zeros(2), [X0]
    for _ in range(3):
        v = rho * v - lr * grad_q(x + rho * v)
        x = x + v
        want.append(x)
    got = path("nesterov", lr=lr, momentum=rho, form="lookahead")
    close(got, want)
    # the gradient at x instead of x + rho v (plain momentum) would not match
    assert not np.allclose(got, path("momentum", lr=lr, momentum=rho, form="velocity"))


def sutskever_momentum(t, mu_max):
    """The rules' own coefficient (momentum_coefficient) for update numbers t, vectorised."""
    hp = SimpleNamespace(momentum_schedule="sutskever", mu_max=mu_max, mu_period=250, momentum=0.0)
    return momentum_coefficient(hp, np.asarray(t), ARRAY_OPS)


def test_sutskever_momentum_schedule_values():
    """Seed 004: mu_t = min(1 - 2^(-1 - log2(floor(t/250) + 1)), mu_max)."""
    def mu(t, mu_max):
        return min(1.0 - 2.0 ** (-1.0 - math.log2(math.floor(t / 250) + 1)), mu_max)

    # written out: 1 - 1/2, 1 - 1/4, 1 - 1/6, 1 - 1/10
    expected = {1: 0.5, 250: 0.75, 500: 1 - 1 / 6, 1000: 0.9}
    for t, value in expected.items():
        assert mu(t, 0.99) == pytest.approx(value, rel=1e-15)
        assert float(sutskever_momentum(t, 0.99)) == pytest.approx(value, rel=1e-15)
        hp = SimpleNamespace(**OptimizerSpec.make("nesterov", momentum_schedule="sutskever").params)
        for ops in (FLOAT_OPS, ARRAY_OPS):  # the coefficient the rules use, on both paths
            assert float(momentum_coefficient(hp, t, ops)) == pytest.approx(value, rel=1e-15)
    assert float(sutskever_momentum(249, 0.99)) == 0.5
    assert float(sutskever_momentum(12_000, 0.99)) == 1 - 1 / 98
    assert float(sutskever_momentum(12_250, 0.99)) == 0.99  # capped by mu_max from t = 12250
    assert float(sutskever_momentum(1000, 0.8)) == 0.8


@pytest.mark.parametrize("key", ["momentum", "nesterov"])
def test_sutskever_schedule_drives_the_run(key):
    """Across t = 250 the coefficient jumps from 1/2 to 3/4; a hand loop with mu_t per
    update reproduces the run (torch forms)."""
    lr = 0.01
    x, v, want = X0.copy(), np.zeros(2), [X0]
    for t in range(1, 261):
        mu = 1.0 - 2.0 ** (-1.0 - math.log2(t // 250 + 1))
        g = grad_q(x)
        v = mu * v + g
        x = x - lr * (v if key == "momentum" else g + mu * v)
        want.append(x)
    got = path(key, steps=260, lr=lr, momentum_schedule="sutskever")
    close(got, want, rtol=1e-12)
    assert not np.allclose(got, path(key, steps=260, lr=lr, momentum=0.5))



# -- sign descent ----------------------------------------------------------------------------


def test_lion_steps_are_plus_minus_lr():
    """c = b1 m + (1-b1) g; x <- x - lr sign(c); m <- b2 m + (1-b2) g. With lr a power of
    two and a start on the 1/8 grid, every step is exactly +-lr per coordinate."""
    lr, b1, b2 = 0.125, 0.9, 0.99
    got = path("lion", steps=12, lr=lr)
    assert np.all(np.abs(np.diff(got, axis=0)) == lr)
    x, m, want = X0.copy(), np.zeros(2), [X0]
    for _ in range(12):
        g = grad_q(x)
        c = b1 * m + (1 - b1) * g
        x = x - lr * np.sign(c)
        m = b2 * m + (1 - b2) * g
        want.append(x)
    close(got, want)


def test_lion_decoupled_weight_decay():
    lr, wd = 0.125, 0.5
    x, m, want = X0.copy(), np.zeros(2), [X0]
    for _ in range(3):
        g = grad_q(x)
        c = 0.9 * m + 0.1 * g
        x = x - lr * (np.sign(c) + wd * x)
        m = 0.99 * m + 0.01 * g
        want.append(x)
    close(path("lion", lr=lr, weight_decay=wd), want)


# -- SAM --------------------------------------------------------------------------------------


def test_sam_with_sgd():
    """e = rho g/|g|; g_sam = grad(x + e); x <- x - lr g_sam."""
    lr, rho = 0.05, 0.3
    x, want = X0.copy(), [X0]
    for _ in range(3):
        g = grad_q(x)
        e = rho * g / math.sqrt(g[0] ** 2 + g[1] ** 2)
        x = x - lr * grad_q(x + e)
        want.append(x)
    got = path("sam", lr=lr, rho_sam=rho)
    close(got, want)
    assert not np.allclose(got, path("sgd", lr=lr))


def test_sam_with_adam_takes_g_sam_into_adam():
    rho = 0.3

    def g_sam(x):
        g = grad_q(x)
        return grad_q(x + rho * g / np.linalg.norm(g))

    close(path("sam", base="adam", lr=0.1, rho_sam=rho), adam_by_hand(0.1, g_of=g_sam))
