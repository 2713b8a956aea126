"""The optimizer table: one plain record per rule, read by the GUI (controls), the
CLI (``list``, spec parsing), the session validator and the tests (parametrisation).
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

from engine.hyper import Hyper, HyperError
from engine.optimizers import adafactor as _adafactor
from engine.optimizers import adam as _adam
from engine.optimizers import adaptive as _adaptive
from engine.optimizers import lion as _lion
from engine.optimizers import momentum as _momentum
from engine.optimizers import sam as _sam
from engine.optimizers import search as _search
from engine.optimizers import second_order as _second
from engine.optimizers.base import NoState, diagonal_geometry, elementwise_init, per_weight, weights_size

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")

# -- hyperparameters shared between rules ---------------------------------------------------


def LR(default, lecture=None):
    """``default`` moves visibly on the 2-D surfaces; ``lecture`` is the value the seeds quote
    for real networks (seed 003: AdaGrad, RMSProp and Adam at 0.001), one click away."""
    return Hyper("lr", default, 1e-6, 100.0, log=True, symbol="lr", torch="lr",
                 doc="learning rate (step size) before the schedule", lecture=lecture)


WD = Hyper("weight_decay", 0.0, 0.0, 1.0, symbol="wd", torch="weight_decay",
           doc="L2 coefficient: g <- g + wd x (coupled)")
EPS = {k: Hyper("eps", k, 1e-12, 1.0, log=True, symbol="eps", torch="eps",
                doc="added to the denominator so it is never zero") for k in (1e-6, 1e-7, 1e-8)}
BETA1 = Hyper("beta1", 0.9, 0.0, 0.999, symbol="beta1", torch="betas[0]",
              doc="decay of the first moment (momentum)")
BETA2 = Hyper("beta2", 0.999, 0.0, 0.9999, symbol="beta2", torch="betas[1]",
              doc="decay of the second moment (squared gradients)")
MOMENTUM = Hyper("momentum", 0.9, 0.0, 0.999, symbol="rho", torch="momentum",
                 doc="momentum (friction 1 - rho)")
SCHEDULE_MU = Hyper("momentum_schedule", "none", kind="choice", choices=("none", "sutskever"),
                    doc="sutskever: mu_t = min(1 - 2^(-1 - log2(floor(t/250) + 1)), mu_max) (seed 004)")
MU_MAX = Hyper("mu_max", 0.99, 0.0, 0.999, symbol="mu_max", doc="cap of Sutskever's momentum schedule")
# 250 in the paper's long runs; a demo of a few hundred steps needs a shorter period to
# climb to mu_max (0.99 is reached at t = 49 * period).
MU_PERIOD = Hyper("mu_period", 250, 1, 10_000, kind="int", symbol="T_mu",
                  doc="updates between raises of Sutskever's schedule (250 in the paper)")
C1 = Hyper("c1", 1e-4, 1e-8, 0.5, log=True, symbol="c1", doc="Armijo sufficient-decrease constant")


@dataclass(frozen=True)
class OptimizerRecord:
    """Everything the app knows about one optimizer, next to its rule: adding an
    optimizer means adding one of these (docs/ARCHITECTURE.md, "Adding an optimizer").

    ``init(X, ctx, hp) -> state`` is the one way a state is made (engine.optimizers.base);
    ``state`` is the NamedTuple the rule returns, its fields the slots' names. The rest
    are optional facts the GUI reads instead of branching on keys: ``memory(layout,
    params)`` floats of state per copy of the weights and ``memory_formula`` how to say
    it; ``diagnostics(state, prev, hp, t, lr)`` m_hat, v_hat, lr_eff, ...;
    ``stability(hp, l_max)`` the largest stable constant lr on a quadratic.
    """

    key: str
    title: str
    family: str  # for grouping in menus: "gradient descent", "adaptive", "second order", ...
    hypers: tuple[Hyper, ...]
    rule: object  # element-wise rule(g, x, state, hp, t, lr, ops) or vector step(ctx, g, X, state, hp, t, lr)
    kind: str = "elementwise"  # elementwise | vector
    state: type = NoState
    init: object = None  # init(X, ctx, hp) -> state; element-wise default: each slot at its field default
    reference: str = ""
    summary: str = ""
    decoupled_weight_decay: bool = False  # the rule applies weight_decay itself (adamw, lion)
    lookahead: object = None  # element-wise: where to take the gradient (Nesterov's look-ahead form)
    deterministic: bool = True  # no randomness of its own: a fixed point stays fixed
    matrix_rule: object = None  # used instead of ``rule`` when the weights have matrix blocks
    uses_gradient: bool = True  # random search only compares losses
    memory: object = None  # memory(layout, params) -> floats; default: one float per weight per slot
    memory_formula: str = ""  # e.g. "rows + cols"; default: "k × D" from the count
    diagnostics: object = None
    stability: object = None
    wraps: str = ""  # a wrapper (SAM): the hyperparameter naming the rule it wraps
    geometry: object = None  # geometry(u) -> Shapes of one update at x (engine.geometry, issue 14)
    rule_text: str = ""  # a rule typed by the user (engine.custom_rule): its pseudo-code, saved in scenes
    float_rule: object = None  # vector rule: the same update for one run in Python floats (runner.run)

    def __post_init__(self):
        if self.init is None:
            if self.kind != "elementwise":
                raise TypeError(f"optimizer {self.key!r}: a vector rule needs its own init(X, ctx, hp)")
            object.__setattr__(self, "init", elementwise_init(self.state))
        if self.memory is None:
            object.__setattr__(self, "memory", per_weight(len(self.state._fields)))

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(self.state._fields)

    @property
    def hyper_names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.hypers)

    def hyper(self, name: str) -> Hyper:
        for h in self.hypers:
            if h.name == name:
                return h
        raise KeyError(name)

    @property
    def has_lr(self) -> bool:
        return "lr" in self.hyper_names

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.rule.__doc__ or "")

    @property
    def pseudo_code(self) -> str:
        """The indented block of the rule's docstring: the lecture's pseudo-code."""
        lines = self.doc.splitlines()
        block, started = [], False
        for line in lines:
            if line.startswith("    "):
                block.append(line[4:])
                started = True
            elif started and line.strip():
                break
            elif started:
                block.append("")
        return "\n".join(block).strip("\n")

    def state_floats(self, layout, hp=None) -> int:
        """Floats of optimizer state per copy of the weights (seed 002's memory argument)."""
        return int(self.memory(layout, hp or {}))


def _slots_unless(name, extra, default=False):
    """memory of a rule with one slot that exists only when a hyperparameter asks for it
    (Adam's v_max with amsgrad, RMSProp's b with momentum > 0, as in torch)."""
    def memory(layout, params):
        return (extra + (1 if params.get(name, default) else 0)) * weights_size(layout)
    return memory


_ELEMENTWISE_BASES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw",
                      "adadelta", "adamax", "nadam", "radam", "lion")

OPTIMIZERS: dict[str, OptimizerRecord] = {r.key: r for r in (
    OptimizerRecord("sgd", "SGD", "gradient descent", (LR(0.01), WD), _momentum.sgd,
                    stability=_momentum.sgd_stability, reference="seed 001, 002, 003", summary="x <- x - lr g"),
    OptimizerRecord("momentum", "SGD + momentum", "gradient descent", (
        LR(0.01), MOMENTUM,
        Hyper("form", "torch", kind="choice", choices=("torch", "velocity"),
              doc="torch: v <- rho v + g, x <- x - lr v;  velocity: v <- rho v - lr g, x <- x + v"),
        SCHEDULE_MU, MU_MAX, MU_PERIOD, WD), _momentum.momentum,
        state=_momentum.MomentumState, diagnostics=_momentum.momentum_diagnostics,
        stability=_momentum.momentum_stability, geometry=_momentum.momentum_geometry,
        reference="seed 001, 002, 003, 004 (Polyak 1964)",
        summary="a velocity that accumulates gradients"),
    OptimizerRecord("nesterov", "Nesterov momentum", "gradient descent", (
        LR(0.01), MOMENTUM,
        Hyper("form", "torch", kind="choice", choices=("torch", "lookahead"),
              doc="torch: change of variables;  lookahead: gradient at x + rho v"),
        SCHEDULE_MU, MU_MAX, MU_PERIOD, WD), _momentum.nesterov,
        state=_momentum.MomentumState, lookahead=_momentum.nesterov_lookahead,
        diagnostics=_momentum.momentum_diagnostics, stability=_momentum.nesterov_stability,
        reference="seed 001, 003, 004 (Nesterov 1983, Sutskever et al. 2013)",
        summary="momentum that looks ahead before it steps"),
    OptimizerRecord("adagrad", "AdaGrad", "adaptive", (LR(0.1, lecture=1e-3), EPS[1e-7], WD), _adaptive.adagrad,
                    state=_adaptive.AdagradState, diagnostics=_adaptive.adagrad_diagnostics,
                    geometry=diagonal_geometry(_adaptive.adagrad_diagnostics),
                    reference="seed 001, 003, 004 (Duchi et al. 2011)",
                    summary="divides by the root of all past squared gradients"),
    OptimizerRecord("rmsprop", "RMSProp", "adaptive", (
        LR(0.01, lecture=1e-3), Hyper("decay", 0.9, 0.0, 0.9999, symbol="decay", torch="alpha",
                        doc="decay of the running average of g^2"),
        EPS[1e-7], Hyper("momentum", 0.0, 0.0, 0.999, symbol="rho", torch="momentum",
                         doc="momentum on the scaled step (0: none)"),
        Hyper("nesterov", False, kind="bool", doc="RMSProp + Nesterov momentum (seed 004)"), WD),
        _adaptive.rmsprop, state=_adaptive.RmspropState, diagnostics=_adaptive.rmsprop_diagnostics,
        geometry=diagonal_geometry(_adaptive.rmsprop_diagnostics),
        memory=_slots_unless("momentum", 1),
        reference="seed 001, 003, 004 (Tieleman & Hinton 2012)",
        summary="AdaGrad with a leaky average"),
    OptimizerRecord("adam", "Adam", "adaptive", (
        LR(0.01, lecture=1e-3), BETA1, BETA2, EPS[1e-8],
        Hyper("bias_correction", True, kind="bool", doc="false: the lecture's 'Adam (almost)'"),
        Hyper("amsgrad", False, kind="bool", doc="use the running maximum of v (Reddi et al. 2018)"), WD),
        _adam.adam, state=_adam.AdamState, diagnostics=_adam.adam_diagnostics,
        geometry=diagonal_geometry(_adam.adam_diagnostics),
        memory=_slots_unless("amsgrad", 2),
        reference="seed 001, 003, 004 (Kingma & Ba 2015)", summary="momentum + RMSProp + bias correction"),
    OptimizerRecord("adamw", "AdamW", "adaptive", (
        LR(0.01), BETA1, BETA2, EPS[1e-8],
        Hyper("bias_correction", True, kind="bool", doc="false: no bias correction"),
        Hyper("amsgrad", False, kind="bool", doc="use the running maximum of v"),
        Hyper("weight_decay", 0.01, 0.0, 1.0, symbol="wd", torch="weight_decay",
              doc="decoupled: x <- x - lr wd x before the Adam step")),
        _adam.adamw, state=_adam.AdamState, diagnostics=_adam.adam_diagnostics,
        geometry=diagonal_geometry(_adam.adam_diagnostics),
        memory=_slots_unless("amsgrad", 2),
        decoupled_weight_decay=True, reference="seed 001 (Loshchilov & Hutter 2019)",
        summary="Adam with decoupled weight decay"),
    OptimizerRecord("adadelta", "AdaDelta", "adaptive", (
        LR(1.0), Hyper("rho", 0.9, 0.0, 0.9999, symbol="rho", torch="rho",
                       doc="decay of both running averages"), EPS[1e-6], WD),
        _adaptive.adadelta, state=_adaptive.AdadeltaState, diagnostics=_adaptive.adadelta_diagnostics,
        geometry=diagonal_geometry(_adaptive.adadelta_diagnostics),
        reference="seed 003 (Zeiler 2012)", summary="RMSProp with units fixed by past steps"),
    OptimizerRecord("adamax", "AdaMax", "adaptive", (LR(0.01), BETA1, BETA2, EPS[1e-8], WD),
                    _adam.adamax, state=_adam.AdamaxState, diagnostics=_adam.adamax_diagnostics,
                    geometry=diagonal_geometry(_adam.adamax_diagnostics),
                    reference="seed 003 (Kingma & Ba 2015, section 7)", summary="Adam with the infinity norm"),
    OptimizerRecord("nadam", "NAdam", "adaptive", (
        LR(0.01), BETA1, BETA2, EPS[1e-8],
        Hyper("momentum_decay", 0.004, 0.0, 1.0, torch="momentum_decay", doc="psi of the mu_t schedule"),
        WD), _adam.nadam, state=_adam.NadamState, diagnostics=_adam.nadam_diagnostics,
        geometry=diagonal_geometry(_adam.nadam_diagnostics),
        memory=per_weight(2),  # P is one number per run, not per weight
        reference="Dozat 2016 (Nesterov + Adam)", summary="Adam with Nesterov's look-ahead"),
    OptimizerRecord("radam", "RAdam", "adaptive", (LR(0.01), BETA1, BETA2, EPS[1e-8], WD),
                    _adam.radam, state=_adam.RadamState, diagnostics=_adam.adam_diagnostics,
                    geometry=diagonal_geometry(_adam.adam_diagnostics),
                    reference="Liu et al. 2020 (beyond the seeds: a warmup built into Adam)",
                    summary="Adam that starts as momentum until v is trustworthy"),
    OptimizerRecord("adafactor", "Adafactor", "adaptive", (LR(0.01), BETA2, EPS[1e-8]),
                    _adafactor.adafactor, state=_adafactor.AdafactorState, init=_adafactor.init,
                    matrix_rule=_adafactor.factored_step, memory=_adafactor.state_floats,
                    memory_formula="rows + cols", diagnostics=_adafactor.adafactor_diagnostics,
                    reference="seed 002 (Shazeer & Stern 2018, Algorithm 2, beta1 = 0)",
                    summary="Adam's v as rows x columns: memory n + m instead of n m"),
    OptimizerRecord("lion", "Lion", "sign", (
        LR(0.001), BETA1, Hyper("beta2", 0.99, 0.0, 0.9999, symbol="beta2", doc="decay of the momentum"),
        Hyper("weight_decay", 0.0, 0.0, 1.0, symbol="wd", doc="decoupled weight decay")),
        _lion.lion, state=_lion.LionState, diagnostics=_lion.lion_diagnostics, decoupled_weight_decay=True,
        geometry=_lion.lion_geometry,
        reference="Chen et al. 2023", summary="the sign of a momentum: every coordinate moves by lr"),
    OptimizerRecord("sam", "SAM", "sharpness-aware", (
        Hyper("rho_sam", 0.05, 0.0, 10.0, symbol="rho", doc="radius of the adversarial perturbation"),
        Hyper("base", "sgd", kind="choice", choices=_ELEMENTWISE_BASES, doc="the optimizer that takes g_sam")),
        _sam.sam, wraps="base", geometry=_sam.sam_geometry, reference="seed 002 (Foret et al. 2021)",
        summary="gradient at the worst nearby point: prefers wide minima"),
    OptimizerRecord("newton", "Newton", "second order", (
        Hyper("lr", 1.0, 1e-6, 100.0, log=True, symbol="lr", doc="step multiplier (1: the full Newton step)"),
        Hyper("damping", 0.0, 0.0, 1000.0, symbol="lambda", doc="adds lambda I to the Hessian")),
        _second.newton, kind="vector", init=lambda X, ctx=None, hp=None: NoState(),
        geometry=_second.newton_geometry,
        memory=lambda layout, params: weights_size(layout) ** 2, memory_formula="D² (the Hessian)",
        reference="seed 001, 003", summary="x <- x - H^-1 g"),
    OptimizerRecord("bfgs", "BFGS", "second order", (
        Hyper("lr", 1.0, 1e-6, 100.0, log=True, symbol="lr", doc="initial step of the line search"), C1),
        _second.bfgs, kind="vector", state=_second.BfgsState, init=_second.bfgs_init,
        geometry=_second.bfgs_geometry,
        memory=lambda layout, params: weights_size(layout) ** 2 + 2 * weights_size(layout), memory_formula="D² + 2D",
        reference="seed 001", summary="inverse Hessian from gradient differences + line search"),
    OptimizerRecord("lbfgs", "L-BFGS", "second order", (
        Hyper("lr", 1.0, 1e-6, 100.0, log=True, symbol="lr", doc="initial step of the line search"),
        Hyper("history", 10, 1, 100, kind="int", symbol="m", doc="pairs (s, y) kept"), C1),
        _second.lbfgs, kind="vector", state=_second.LbfgsState, init=_second.lbfgs_init,
        geometry=_second.lbfgs_geometry,
        memory=lambda layout, params: (2 * params.get("history", 10) + 2) * weights_size(layout),
        reference="seed 001", summary="BFGS with the last m steps only"),
    OptimizerRecord("random-search", "Random search", "search", (
        Hyper("sigma", 0.1, 0.0, 10.0, symbol="sigma", doc="proposal spread (0: uniform in the view box)"),),
        _search.random_search, kind="vector", state=_search.SearchState, init=_search.random_search_init,
        deterministic=False, memory=lambda layout, params: 1, memory_formula="1 (f at x)",
        uses_gradient=False, float_rule=_search.random_search_floats,
        reference="seed 001 (strategy #1)", summary="try a random nearby point, keep it if better"),
)}


CUSTOM_KEY = "custom"  # the key of a rule typed by the user (engine.custom_rule)


def register_optimizer(record: OptimizerRecord) -> OptimizerRecord:
    """Adds ``record`` to the table every reader uses (CLI list and specs, sessions,
    GUI knobs). A key already taken is refused rather than silently replaced."""
    if record.key in OPTIMIZERS:
        raise HyperError(f"optimizer {record.key!r} exists already")
    if not _NAME.match(record.key):
        raise HyperError(f"bad optimizer key {record.key!r} (letters, digits, '-' and '_')")
    OPTIMIZERS[record.key] = record
    return record


def unregister_optimizer(key: str) -> None:
    OPTIMIZERS.pop(key, None)


def get_optimizer(key: str) -> OptimizerRecord:
    try:
        return OPTIMIZERS[key]
    except KeyError:
        raise HyperError(f"unknown optimizer {key!r} (accepted: {', '.join(OPTIMIZERS)})") from None


def base_key(key: str, params: dict | None = None) -> str:
    """The key whose rule steps a run of ``key`` (a wrapper's base, else ``key``)."""
    record = get_optimizer(key)
    if not record.wraps:
        return key
    base = (params or {}).get(record.wraps, record.hyper(record.wraps).default)
    choices = record.hyper(record.wraps).choices
    if base not in choices:
        raise HyperError(f"{key}: {record.wraps}={base!r}: expected one of {', '.join(choices)}")
    return base


def resolve(key: str, params: dict | None = None) -> tuple[OptimizerRecord, float]:
    """SAM resolved in one place: (the record whose rule steps a run of ``key``, the SAM
    radius rho_sam, 0 for every rule that is not wrapped)."""
    record = get_optimizer(key)
    if not record.wraps:
        return record, 0.0
    return OPTIMIZERS[base_key(key, params)], (params or {}).get("rho_sam", record.hyper("rho_sam").default)


def hypers_for(key: str, params: dict | None = None) -> tuple[Hyper, ...]:
    """The hyperparameters a run of ``key`` accepts; a wrapper adds those of its base."""
    record = get_optimizer(key)
    if not record.wraps:
        return record.hypers
    return record.hypers + OPTIMIZERS[base_key(key, params)].hypers


def title_for(key: str, params: dict | None = None) -> str:
    """'Adam', or 'Momentum + SAM' for a wrapper around momentum."""
    record = get_optimizer(key)
    if not record.wraps:
        return record.title
    return f"{OPTIMIZERS[base_key(key, params)].title} + {record.title}"
