"""Your own rule (issue 14, item 3): the lectures' pseudo-code, parsed by the formula
parser's tokenizer and recursive descent, compiled over the engine's ops tables and
registered as the optimizer ``custom``. Every built-in element-wise rule typed by hand
matches the built-in step for step on both stepping paths; hostile rules are refused
quickly, with a caret, and nothing of them is run.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from engine.custom_rule import EXAMPLES, RuleError, install_rule, installed_rules, parse_rule
from engine.registry import OPTIMIZERS, unregister_optimizer
from engine.runner import run, run_batch
from engine.spec import OptimizerSpec, ScheduleSpec, parse_surface
from surfaces import make_surface
from tests.test_formula import HOSTILE, Tripwire, hostile_id


@pytest.fixture
def clean_rules():
    yield
    for key in list(installed_rules()):
        unregister_optimizer(key)


DECLARE_ADAM = ("state m = 0\nstate v = 0\nhyper beta1 = 0.9 in [0, 0.999]\n"
                "hyper beta2 = 0.999 in [0, 0.9999]\nhyper eps = 1e-8 in [1e-12, 1]\n")

# (built-in spec, the same rule typed by hand). Each line as the lecture writes it; the
# operation order as the built-in's, so the floats agree to the last bit or nearly.
BY_HAND = [
    ("sgd:lr=0.002", "x = x - lr * g"),
    ("momentum:lr=0.002,momentum=0.8", EXAMPLES["momentum (torch form)"].replace("0.9 in", "0.8 in")),
    ("momentum:lr=0.002,form=velocity", EXAMPLES["momentum (velocity form)"]),
    ("nesterov:lr=0.002", "state v = 0\nhyper rho = 0.9 in [0, 0.999]\nv = rho * v + g\n"
                          "x = x - lr * (g + rho * v)"),
    ("adagrad:lr=0.1", "state G = 0\nhyper eps = 1e-7 in [1e-12, 1]\nG = G + g^2\nx = x - lr * g / (sqrt(G) + eps)"),
    ("rmsprop:lr=0.01", EXAMPLES["RMSProp"]),
    ("rmsprop:lr=0.01,momentum=0.5,nesterov=true",
     "state s = 0\nstate b = 0\nhyper decay = 0.9 in [0, 0.9999]\nhyper eps = 1e-7 in [1e-12, 1]\n"
     "hyper mom = 0.5 in [0, 0.999]\ns = decay * s + (1 - decay) * g * g\nd = g / (sqrt(s) + eps)\n"
     "b = mom * b + d\nx = x - lr * (d + mom * b)"),
    ("adam:lr=0.01", EXAMPLES["Adam"]),
    ("adam:lr=0.01,bias_correction=false", DECLARE_ADAM + "m = beta1 * m + (1 - beta1) * g\n"
     "v = beta2 * v + (1 - beta2) * g * g\nx = x - lr * m / (sqrt(v) + eps)"),
    ("adam:lr=0.01,amsgrad=true", "state v_max = 0\n" + DECLARE_ADAM + "m = beta1 * m + (1 - beta1) * g\n"
     "v = beta2 * v + (1 - beta2) * g^2\nv_max = max(v_max, v)\n"
     "x = x - lr * (m / (1 - beta1^t)) / (sqrt(v_max / (1 - beta2^t)) + eps)"),
    ("adamw:lr=0.01,weight_decay=0.1", "hyper wd = 0.1 in [0, 1]\n" + DECLARE_ADAM
     + "x = x - lr * wd * x\nm = beta1 * m + (1 - beta1) * g\nv = beta2 * v + (1 - beta2) * g^2\n"
       "x = x - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)"),
    ("adadelta", "hyper lr = 1 in [1e-6, 100]\nstate s = 0\nstate u = 0\nhyper rho = 0.9 in [0, 0.9999]\n"
     "hyper eps = 1e-6 in [1e-12, 1]\ns = rho * s + (1 - rho) * g^2\n"
     "d = sqrt(u + eps) / sqrt(s + eps) * g\nu = rho * u + (1 - rho) * d^2\nx = x - lr * d"),
    ("adamax:lr=0.01", "state m = 0\nstate u = 0\nhyper beta1 = 0.9 in [0, 0.999]\n"
     "hyper beta2 = 0.999 in [0, 0.9999]\nhyper eps = 1e-8 in [1e-12, 1]\nm = beta1 * m + (1 - beta1) * g\n"
     "u = max(beta2 * u, abs(g) + eps)\nx = x - lr / (1 - beta1^t) * m / u"),
    ("nadam:lr=0.01", "state m = 0\nstate v = 0\nstate P = 1\nhyper beta1 = 0.9 in [0, 0.999]\n"
     "hyper beta2 = 0.999 in [0, 0.9999]\nhyper eps = 1e-8 in [1e-12, 1]\nhyper psi = 0.004 in [0, 1]\n"
     "mu_t = beta1 * (1 - 0.5 * 0.96 ^ (t * psi))\nmu_next = beta1 * (1 - 0.5 * 0.96 ^ ((t + 1) * psi))\n"
     "P = P * mu_t\nm = beta1 * m + (1 - beta1) * g\nv = beta2 * v + (1 - beta2) * g * g\n"
     "m_hat = mu_next * m / (1 - P * mu_next) + (1 - mu_t) * g / (1 - P)\n"
     "x = x - lr * m_hat / (sqrt(v / (1 - beta2^t)) + eps)"),
    ("radam:lr=0.01", "state m = 0\nstate v = 0\nhyper beta1 = 0.9 in [0, 0.999]\n"
     "hyper beta2 = 0.999 in [0, 0.9999]\nhyper eps = 1e-8 in [1e-12, 1]\n"
     "m = beta1 * m + (1 - beta1) * g\nv = beta2 * v + (1 - beta2) * g * g\nm_hat = m / (1 - beta1^t)\n"
     "b2t = beta2^t\nrho_inf = 2 / (1 - beta2) - 1\nrho_t = rho_inf - 2 * t * b2t / (1 - b2t)\n"
     "ok = max(sign(rho_t - 5), 0)  # 1 once v's variance is tractable, else 0\n"
     "r = sqrt(max((rho_t - 4) * (rho_t - 2) * rho_inf, 0) / max((rho_inf - 4) * (rho_inf - 2) * rho_t, 1))\n"
     "adaptive = m_hat * r * sqrt(1 - b2t) / (sqrt(v) + eps)\n"
     "x = x - lr * (adaptive * ok + m_hat * (1 - ok))"),
    ("lion:lr=0.001,weight_decay=0.1", "state m = 0\nhyper beta1 = 0.9 in [0, 0.999]\n"
     "hyper beta2 = 0.99 in [0, 0.9999]\nhyper wd = 0.1 in [0, 1]\nc = beta1 * m + (1 - beta1) * g\n"
     "x = x - lr * (sign(c) + wd * x)\nm = beta2 * m + (1 - beta2) * g"),
]


def test_every_elementwise_builtin_is_covered():
    """Nesterov's look-ahead form takes its gradient elsewhere (a rule sees g at x only);
    every other element-wise record is typed by hand above."""
    covered = {spec.partition(":")[0] for spec, _ in BY_HAND}
    elementwise = {k for k, r in OPTIMIZERS.items() if r.kind == "elementwise" and not r.wraps
                   and not r.rule_text and r.matrix_rule is None}
    assert elementwise - covered == set()


@pytest.mark.parametrize("builtin, text", BY_HAND, ids=[s for s, _ in BY_HAND])
def test_a_builtin_typed_by_hand_matches_it_step_for_step(builtin, text, clean_rules):
    record = install_rule(text)
    spec = OptimizerSpec.parse(builtin)
    lr = spec.params.get("lr")
    mine = OptimizerSpec.make("custom", lr=lr) if lr is not None else OptimizerSpec.make("custom")
    schedule = ScheduleSpec.parse("cosine:warmup=20")  # lr_t changes every update
    for surface in (make_surface("rosenbrock"), parse_surface("quadratic:kappa=20,angle=30")):
        ref = run(surface, spec, schedule, steps=200, record_states=True)
        for ours in (run(surface, mine, schedule, steps=200, record_states=True),
                     run_batch(surface, [mine, mine], schedule, [surface.start, (0.3, -0.7)], 200,
                               record_states=True)[0]):
            assert len(ours.xs) == len(ref.xs)
            np.testing.assert_allclose(ours.xs, ref.xs, rtol=1e-12, atol=1e-15)
            for name in record.state_names:
                ref_name = {"mom": "b"}.get(name, name)
                if ref_name in ref.state_names:
                    np.testing.assert_allclose(ours.states[:, record.state_names.index(name)],
                                               ref.states[:, ref.state_names.index(ref_name)],
                                               rtol=1e-12, atol=1e-15)


def test_hypers_become_knobs_and_specs(clean_rules):
    install_rule("state v = 0\nhyper rho = 0.9 in [0, 0.999]\nv = rho * v + g\nx = x - lr * v")
    spec = OptimizerSpec.parse("custom:lr=0.01,rho=0.95")
    assert spec.params == {"lr": 0.01, "rho": 0.95}
    assert spec.spec() == "custom:rho=0.95"
    with pytest.raises(ValueError, match="rho"):
        OptimizerSpec.parse("custom:rho=1.5")
    rho = OPTIMIZERS["custom"].hyper("rho")
    assert (rho.lo, rho.hi, rho.default, rho.log) == (0.0, 0.999, 0.9, False)
    assert OPTIMIZERS["custom"].hyper("lr").log


def test_a_refused_rule_leaves_the_installed_one(clean_rules):
    install_rule("x = x - lr * g")
    with pytest.raises(RuleError):
        install_rule("x = x - lr * q")
    assert OPTIMIZERS["custom"].rule_text == "x = x - lr * g"
    with pytest.raises(RuleError, match="key"):
        install_rule("x = x - lr * g", key="adam")


def test_values_that_would_raise_in_python_give_inf_or_nan():
    """1/0, log(0), exp(1000), (-8)^0.5: NumPy's answers on both paths, never an exception
    (a run then stops as diverged, as with any optimizer)."""
    from types import SimpleNamespace

    from engine.custom_rule import rule_function
    from engine.ops import ARRAY_OPS, FLOAT_OPS

    rule = parse_rule("state a = 0\nstate b = 0\nstate c = 0\nstate d = 0\n"
                      "a = g / x\nb = log(x)\nc = exp(2000 * g)\nd = (x - 1) ^ 0.5\nx = x")
    step = rule_function(rule)
    one = step(0.5, 0.0, (0.0,) * 4, SimpleNamespace(), 1, 0.1, FLOAT_OPS)
    with np.errstate(all="ignore"):
        many = step(np.array([[0.5]]), np.array([[0.0]]), (np.zeros((1, 1)),) * 4, SimpleNamespace(), 1, 0.1,
                    ARRAY_OPS)
    assert one[1][0] == np.inf and one[1][1] == -np.inf and one[1][2] == np.inf and np.isnan(one[1][3])
    np.testing.assert_array_equal(np.array(one[1]), np.array([m[0, 0] for m in many[1]]))


# -- refusals -------------------------------------------------------------------------------------

# (rule, line, column, a word the message must contain)
REFUSED = [
    ("x = x - lr * q", 1, 14, "unknown name 'q'"),
    ("state v = 0\nv = rho * v\nx = x", 2, 5, "unknown name 'rho'"),
    ("hyper rho = 2 in [0, 1]\nx = x", 1, 13, "outside its range"),
    ("v = 1", 1, 6, "never changes x"),
    ("g = 0\nx = x", 1, 1, "'g' cannot be assigned"),
    ("hyper a = 1\na = 2\nx = x", 2, 1, "'a' cannot be assigned"),
    ("state v = 0\nstate v = 1\nx = x", 2, 7, "declared twice"),
    ("state sqrt = 0\nx = x", 1, 7, "cannot be declared"),
    ("state lambda = 0\nx = x", 1, 7, "cannot be declared"),
    ("state v = x\nx = x", 1, 11, "unknown name 'x'"),
    ("x = x - lr *", 1, 13, "incomplete"),
    ("x := x", 1, 3, "expected '='"),
    ("x = x - lr * g  g", 1, 17, "missing operator"),
    ("x == x", 1, 4, "unexpected character '='"),
    ("x = m_hat\nm_hat = 1", 1, 5, "unknown name 'm_hat'"),
    ("hyper lr = 0 in [0, 1]\nx = x", 1, 12, "positive"),
    ("hyper r = 0.5 in [1, 0]\nx = x", 1, 11, "range is empty"),
    ("hyper r = 0.5 in [0, 1\nx = x", 1, 23, "missing ']'"),
    ("x = x ** x ** 99", 1, 15, "exponent"),
]


@pytest.mark.parametrize("text, line, column, words", REFUSED, ids=[r[0][:30] for r in REFUSED])
def test_error_names_line_and_column_with_a_caret(text, line, column, words):
    with pytest.raises(RuleError) as info:
        parse_rule(text)
    err = info.value
    assert words in str(err)
    assert (err.line, err.column) == (line, column), str(err)
    top, caret = err.caret().split("\n")
    assert caret.endswith("^") and len(caret) == column
    assert top == text.split("\n")[line - 1]


HOSTILE_RULES = (
    [f"x = {h}" for h in HOSTILE if isinstance(h, str) and h != "x # comment"]
    + [f"state v = {h}\nx = x" for h in HOSTILE[:30]]
    + ["x = x\n" * 100, "x = x - lr * g\n" + "#" * 5000, "state " + "v" * 100 + " = 0\nx = x",
       "".join(f"state s{i} = 0\n" for i in range(20)) + "x = x",
       "".join(f"hyper h{i} = 0\n" for i in range(20)) + "x = x",
       "import os\nx = x", "x = __import__('os').system('true')", "x = x\nexec('1')",
       "state __class__ = 0\nx = x", "hyper x = 1\nx = x", "x = x; import os", "x = lambda: 1",
       "hyper a = 1e999\nx = x", "hyper a = 1 in [0, 1e7]\nx = x", "x = x ^ 100", "x = 9^9^9",
       "x = x - lr * g\n\u2028x = 1", "x = x\u2212lr*g", "x = x - lr × g", None, 3.0, b"x = x", ["x = x"]]
)


@pytest.mark.parametrize("text", HOSTILE_RULES, ids=hostile_id)
def test_hostile_rule_is_refused_quickly_and_runs_nothing(text, monkeypatch):
    modules_before = set(sys.modules)
    timings = []
    for _ in range(3):
        trip = Tripwire(monkeypatch)
        trip.calls.clear()
        start = time.perf_counter()
        try:
            install_rule(text)
        except RuleError as err:
            error = err
        else:
            unregister_optimizer("custom")
            pytest.fail(f"accepted {text!r}")
        finally:
            timings.append(time.perf_counter() - start)
            monkeypatch.undo()
        assert trip.calls == [], f"parsing {hostile_id(text)} called {trip.calls}"
    assert min(timings) < 0.050, f"refusal took {min(timings) * 1e3:.1f} ms"
    assert set(sys.modules) == modules_before
    assert "custom" not in OPTIMIZERS
    assert 0 <= error.position <= (len(text) if isinstance(text, str) else 0)
    assert "\n" not in str(error)
    lines = error.caret().split("\n")
    assert len(lines) == 2 and len(lines[0]) <= 80 and lines[1].endswith("^")


def test_the_rule_module_never_calls_eval_exec_compile_or_ast():
    import tokenize
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "engine" / "custom_rule.py"
    with open(path, "rb") as fh:
        names = {t.string for t in tokenize.tokenize(fh.readline) if t.type == tokenize.NAME}
    assert not names & {"eval", "exec", "compile", "__import__", "ast", "literal_eval"}
