"""The optimizer table: one plain record per rule, read by the GUI (controls), the
CLI (``list``, spec parsing), the session validator and the tests (parametrisation).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from engine.hyper import Hyper, HyperError
from engine.optimizers import adafactor as _adafactor
from engine.optimizers import adam as _adam
from engine.optimizers import adaptive as _adaptive
from engine.optimizers import lion as _lion
from engine.optimizers import momentum as _momentum
from engine.optimizers import search as _search
from engine.optimizers import second_order as _second

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
    key: str
    title: str
    family: str  # for grouping in menus: "gradient descent", "adaptive", "second order", ...
    hypers: tuple[Hyper, ...]
    rule: object  # element-wise rule(g, x, state, hp, t, lr, ops) or vector step(ctx, g, X, state, hp, t, lr)
    kind: str = "elementwise"  # elementwise | vector
    state_names: tuple[str, ...] = ()  # element-wise: one slot per name, each a copy of x's shape
    state_init: tuple[float, ...] = ()
    vector_init: object = None  # vector rules: init(X, ctx) -> state
    reference: str = ""
    summary: str = ""
    decoupled_weight_decay: bool = False  # the rule applies weight_decay itself (adamw, lion)
    lookahead: object = None  # element-wise: where to take the gradient (Nesterov's look-ahead form)
    deterministic: bool = True  # no randomness of its own: a fixed point stays fixed
    matrix_rule: object = None  # used instead of ``rule`` when the weights have matrix blocks
    matrix_init: object = None
    uses_gradient: bool = True  # random search only compares losses

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
        size = sum(int(_prod(shape)) for _, shape in layout)
        if self.key == "adafactor":
            return _adafactor.state_floats(layout)
        if self.key == "adam" or self.key == "adamw":
            return size * (3 if hp is not None and hp.get("amsgrad") else 2)
        if self.key == "rmsprop" and not (hp or {}).get("momentum"):
            return size  # the momentum buffer b exists only with momentum > 0 (as in torch)
        if self.key == "bfgs":
            return size * size + 2 * size
        if self.key == "lbfgs":
            history = (hp or {}).get("history", 10)
            return 2 * history * size + 2 * size
        return size * len(self.state_names)


def _prod(shape):
    n = 1
    for s in shape:
        n *= int(s)
    return n


_ELEMENTWISE_BASES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw",
                      "adadelta", "adamax", "nadam", "radam", "lion")

OPTIMIZERS: dict[str, OptimizerRecord] = {r.key: r for r in (
    OptimizerRecord("sgd", "SGD", "gradient descent", (LR(0.01), WD), _momentum.sgd,
                    reference="seed 001, 002, 003", summary="x <- x - lr g"),
    OptimizerRecord("momentum", "SGD + momentum", "gradient descent", (
        LR(0.01), MOMENTUM,
        Hyper("form", "torch", kind="choice", choices=("torch", "velocity"),
              doc="torch: v <- rho v + g, x <- x - lr v;  velocity: v <- rho v - lr g, x <- x + v"),
        SCHEDULE_MU, MU_MAX, MU_PERIOD, WD), _momentum.momentum,
        state_names=("v",), state_init=(0.0,), reference="seed 001, 002, 003, 004 (Polyak 1964)",
        summary="a velocity that accumulates gradients"),
    OptimizerRecord("nesterov", "Nesterov momentum", "gradient descent", (
        LR(0.01), MOMENTUM,
        Hyper("form", "torch", kind="choice", choices=("torch", "lookahead"),
              doc="torch: change of variables;  lookahead: gradient at x + rho v"),
        SCHEDULE_MU, MU_MAX, MU_PERIOD, WD), _momentum.nesterov,
        state_names=("v",), state_init=(0.0,), lookahead=_momentum.nesterov_lookahead,
        reference="seed 001, 003, 004 (Nesterov 1983, Sutskever et al. 2013)",
        summary="momentum that looks ahead before it steps"),
    OptimizerRecord("adagrad", "AdaGrad", "adaptive", (LR(0.1, lecture=1e-3), EPS[1e-7], WD), _adaptive.adagrad,
                    state_names=("G",), state_init=(0.0,), reference="seed 001, 003, 004 (Duchi et al. 2011)",
                    summary="divides by the root of all past squared gradients"),
    OptimizerRecord("rmsprop", "RMSProp", "adaptive", (
        LR(0.01, lecture=1e-3), Hyper("decay", 0.9, 0.0, 0.9999, symbol="decay", torch="alpha",
                        doc="decay of the running average of g^2"),
        EPS[1e-7], Hyper("momentum", 0.0, 0.0, 0.999, symbol="rho", torch="momentum",
                         doc="momentum on the scaled step (0: none)"),
        Hyper("nesterov", False, kind="bool", doc="RMSProp + Nesterov momentum (seed 004)"), WD),
        _adaptive.rmsprop, state_names=("s", "b"), state_init=(0.0, 0.0),
        reference="seed 001, 003, 004 (Tieleman & Hinton 2012)",
        summary="AdaGrad with a leaky average"),
    OptimizerRecord("adam", "Adam", "adaptive", (
        LR(0.01, lecture=1e-3), BETA1, BETA2, EPS[1e-8],
        Hyper("bias_correction", True, kind="bool", doc="false: the lecture's 'Adam (almost)'"),
        Hyper("amsgrad", False, kind="bool", doc="use the running maximum of v (Reddi et al. 2018)"), WD),
        _adam.adam, state_names=("m", "v", "v_max"), state_init=(0.0, 0.0, 0.0),
        reference="seed 001, 003, 004 (Kingma & Ba 2015)", summary="momentum + RMSProp + bias correction"),
    OptimizerRecord("adamw", "AdamW", "adaptive", (
        LR(0.01), BETA1, BETA2, EPS[1e-8],
        Hyper("bias_correction", True, kind="bool", doc="false: no bias correction"),
        Hyper("amsgrad", False, kind="bool", doc="use the running maximum of v"),
        Hyper("weight_decay", 0.01, 0.0, 1.0, symbol="wd", torch="weight_decay",
              doc="decoupled: x <- x - lr wd x before the Adam step")),
        _adam.adamw, state_names=("m", "v", "v_max"), state_init=(0.0, 0.0, 0.0),
        decoupled_weight_decay=True, reference="seed 001 (Loshchilov & Hutter 2019)",
        summary="Adam with decoupled weight decay"),
    OptimizerRecord("adadelta", "AdaDelta", "adaptive", (
        LR(1.0), Hyper("rho", 0.9, 0.0, 0.9999, symbol="rho", torch="rho",
                       doc="decay of both running averages"), EPS[1e-6], WD),
        _adaptive.adadelta, state_names=("s", "u"), state_init=(0.0, 0.0),
        reference="seed 003 (Zeiler 2012)", summary="RMSProp with units fixed by past steps"),
    OptimizerRecord("adamax", "AdaMax", "adaptive", (LR(0.01), BETA1, BETA2, EPS[1e-8], WD),
                    _adam.adamax, state_names=("m", "u"), state_init=(0.0, 0.0),
                    reference="seed 003 (Kingma & Ba 2015, section 7)", summary="Adam with the infinity norm"),
    OptimizerRecord("nadam", "NAdam", "adaptive", (
        LR(0.01), BETA1, BETA2, EPS[1e-8],
        Hyper("momentum_decay", 0.004, 0.0, 1.0, torch="momentum_decay", doc="psi of the mu_t schedule"),
        WD), _adam.nadam, state_names=("m", "v", "P"), state_init=(0.0, 0.0, 1.0),
        reference="Dozat 2016 (Nesterov + Adam)", summary="Adam with Nesterov's look-ahead"),
    OptimizerRecord("radam", "RAdam", "adaptive", (LR(0.01), BETA1, BETA2, EPS[1e-8], WD),
                    _adam.radam, state_names=("m", "v"), state_init=(0.0, 0.0),
                    reference="Liu et al. 2020 (beyond the seeds: a warmup built into Adam)",
                    summary="Adam that starts as momentum until v is trustworthy"),
    OptimizerRecord("adafactor", "Adafactor", "adaptive", (LR(0.01), BETA2, EPS[1e-8]),
                    _adafactor.adafactor, state_names=("v",), state_init=(0.0,),
                    matrix_rule=_adafactor.factored_step, matrix_init=_adafactor.factored_init,
                    reference="seed 002 (Shazeer & Stern 2018, Algorithm 2, beta1 = 0)",
                    summary="Adam's v as rows x columns: memory n + m instead of n m"),
    OptimizerRecord("lion", "Lion", "sign", (
        LR(0.001), BETA1, Hyper("beta2", 0.99, 0.0, 0.9999, symbol="beta2", doc="decay of the momentum"),
        Hyper("weight_decay", 0.0, 0.0, 1.0, symbol="wd", doc="decoupled weight decay")),
        _lion.lion, state_names=("m",), state_init=(0.0,), decoupled_weight_decay=True,
        reference="Chen et al. 2023", summary="the sign of a momentum: every coordinate moves by lr"),
    OptimizerRecord("sam", "SAM", "sharpness-aware", (
        Hyper("rho_sam", 0.05, 0.0, 10.0, symbol="rho", doc="radius of the adversarial perturbation"),
        Hyper("base", "sgd", kind="choice", choices=_ELEMENTWISE_BASES, doc="the optimizer that takes g_sam")),
        None, reference="seed 002 (Foret et al. 2021)",
        summary="gradient at the worst nearby point: prefers wide minima"),
    OptimizerRecord("newton", "Newton", "second order", (
        Hyper("lr", 1.0, 1e-6, 100.0, log=True, symbol="lr", doc="step multiplier (1: the full Newton step)"),
        Hyper("damping", 0.0, 0.0, 1000.0, symbol="lambda", doc="adds lambda I to the Hessian")),
        _second.newton, kind="vector", vector_init=lambda X, ctx: (),
        reference="seed 001, 003", summary="x <- x - H^-1 g"),
    OptimizerRecord("bfgs", "BFGS", "second order", (
        Hyper("lr", 1.0, 1e-6, 100.0, log=True, symbol="lr", doc="initial step of the line search"), C1),
        _second.bfgs, kind="vector", vector_init=_second.bfgs_init,
        reference="seed 001", summary="inverse Hessian from gradient differences + line search"),
    OptimizerRecord("lbfgs", "L-BFGS", "second order", (
        Hyper("lr", 1.0, 1e-6, 100.0, log=True, symbol="lr", doc="initial step of the line search"),
        Hyper("history", 10, 1, 100, kind="int", symbol="m", doc="pairs (s, y) kept"), C1),
        _second.lbfgs, kind="vector",
        vector_init=lambda X, ctx, hp=None: _second.lbfgs_init(X, ctx, int(getattr(hp, "history", 10))),
        reference="seed 001", summary="BFGS with the last m steps only"),
    OptimizerRecord("random-search", "Random search", "search", (
        Hyper("sigma", 0.1, 0.0, 10.0, symbol="sigma", doc="proposal spread (0: uniform in the view box)"),),
        _search.random_search, kind="vector", vector_init=_search.random_search_init, deterministic=False,
        uses_gradient=False,
        reference="seed 001 (strategy #1)", summary="try a random nearby point, keep it if better"),
)}


def get_optimizer(key: str) -> OptimizerRecord:
    try:
        return OPTIMIZERS[key]
    except KeyError:
        raise HyperError(f"unknown optimizer {key!r} (accepted: {', '.join(OPTIMIZERS)})") from None


def hypers_for(key: str, params: dict | None = None) -> tuple[Hyper, ...]:
    """The hyperparameters a run of ``key`` accepts; SAM adds those of its base optimizer."""
    record = get_optimizer(key)
    if key != "sam":
        return record.hypers
    base = (params or {}).get("base", "sgd")
    if base not in _ELEMENTWISE_BASES:
        raise HyperError(f"sam: base={base!r}: expected one of {', '.join(_ELEMENTWISE_BASES)}")
    return record.hypers + OPTIMIZERS[base].hypers
