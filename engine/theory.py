"""Theory overlays: what the lectures *predict* for a run, to draw next to what it did.

* :func:`quadratic_theory` -- on a quadratic the Hessian ``H`` is one constant matrix,
  so everything about gradient descent follows from its eigenvalues
  ``l_min <= ... <= l_max`` (seeds 001/002's ill-conditioning):

      kappa      = l_max / l_min                       condition number
      lr_stable  = 2 / l_max                           GD diverges above it
      lr_best    = 2 / (l_min + l_max)                 fastest fixed rate for GD,
                                                       contraction (kappa - 1) / (kappa + 1)
      heavy ball = (lr, rho) = ((2 / (sqrt(l_max) + sqrt(l_min)))^2,
                                ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2)
                                                       contraction (sqrt(kappa) - 1) / (sqrt(kappa) + 1)

  (Polyak 1964; Goh, "Why Momentum Really Works", Distill 2017.) The heavy ball
  ``x <- x - lr g + rho (x - x_prev)`` is exactly the ``momentum`` rule in its torch form
  while lr is constant, so ``polyak_spec()`` can be run as it is.

* :func:`gd_rate_bound` -- seed 003's O(1/T) rate: for convex f with an L-Lipschitz
  gradient and a fixed ``lr <= 1/L``, plain gradient descent obeys

      f(x_T) - f(x*) <= ||x_0 - x*||^2 / (2 lr T)

  When the premises do not hold it returns no curve but the reason, so the GUI can say
  why the bound is not drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

# Surfaces whose Hessian is one constant matrix (the key is enough: their classes
# say so in their formulas; a custom formula is not trusted to be quadratic).
QUADRATIC_KEYS = ("quadratic", "ravine", "parabola")


def applies(surface) -> bool:
    """True for the quadratic-type surfaces, where the theory below is exact."""
    return getattr(surface, "key", None) in QUADRATIC_KEYS


@dataclass(frozen=True)
class QuadraticTheory:
    """Eigen-structure of a constant Hessian and the learning rates it implies."""

    center: np.ndarray  # x*, the minimum: where the eigen-directions are drawn from
    eigenvalues: np.ndarray  # ascending, (D,)
    eigenvectors: np.ndarray  # columns, (D, D): eigenvectors[:, i] belongs to eigenvalues[i]
    kappa: float  # l_max / l_min
    lr_stable: float  # 2 / l_max
    lr_best: float  # 2 / (l_min + l_max)
    polyak_lr: float  # (2 / (sqrt(l_max) + sqrt(l_min)))^2
    polyak_rho: float  # ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2
    rate_gd: float  # per-step contraction of GD at lr_best: (kappa - 1) / (kappa + 1)
    rate_heavy_ball: float  # ... of the heavy ball at (polyak_lr, polyak_rho): sqrt(polyak_rho)

    @property
    def l_min(self) -> float:
        return float(self.eigenvalues[0])

    @property
    def l_max(self) -> float:
        return float(self.eigenvalues[-1])

    def axes(self, half_lengths=None) -> list[tuple[np.ndarray, np.ndarray]]:
        """One segment (start, end) through the minimum per eigen-direction, flat axis
        first. Default half-lengths ~ 1/sqrt(l), the shape of a level set."""
        if half_lengths is None:
            half_lengths = 1.0 / np.sqrt(self.eigenvalues)
        half_lengths = np.broadcast_to(np.asarray(half_lengths, dtype=float), self.eigenvalues.shape)
        return [(self.center - h * self.eigenvectors[:, i], self.center + h * self.eigenvectors[:, i])
                for i, h in enumerate(half_lengths)]

    def lr_marks(self) -> list[tuple[str, float]]:
        """Marks for the learning-rate slider: (label, value), smallest first."""
        return sorted([("1/L (O(1/T) bound holds)", 1.0 / self.l_max),
                       ("2/(l_min+l_max) best fixed rate", self.lr_best),
                       ("2/l_max stability limit", self.lr_stable)], key=lambda m: m[1])

    def heavy_ball_lr_limit(self, rho):
        """The heavy ball's stability boundary: it converges on every eigen-direction iff
        ``0 <= rho < 1`` and ``lr l_max < 2 (1 + rho)`` (the roots of
        ``z^2 - (1 + rho - lr l) z + rho`` inside the unit circle; rho = 0 is GD's 2/l_max).
        Torch-form ``momentum`` with a constant lr is the heavy ball, so this is its
        boundary in an (lr, momentum) phase diagram."""
        return 2.0 * (1.0 + np.asarray(rho, dtype=float)) / self.l_max

    def polyak_spec(self):
        """The optimal heavy ball as a runnable ``momentum`` spec (torch form, constant lr)."""
        from engine.spec import OptimizerSpec

        return OptimizerSpec.make("momentum", lr=self.polyak_lr, momentum=self.polyak_rho)


def quadratic_theory(surface) -> QuadraticTheory | None:
    """The theory of a quadratic surface from its exact, constant Hessian; None elsewhere."""
    if not applies(surface):
        return None
    minima = [m for m in surface.minima() if m.kind == "global"]
    center = np.asarray(minima[0].point if minima else surface.start, dtype=float)
    H = surface.hessian_at(center[None, :])[0]
    eigenvalues, eigenvectors = np.linalg.eigh(H)
    # eigh's signs are arbitrary: point each direction to the right (or up), so a drawn
    # arrow does not flip when kappa or the angle moves a little
    lead = eigenvectors[np.argmax(np.abs(eigenvectors) > 1e-12, axis=0), np.arange(len(eigenvalues))]
    eigenvectors = eigenvectors * np.where(lead < 0, -1.0, 1.0)
    l_min, l_max = float(eigenvalues[0]), float(eigenvalues[-1])
    if not l_min > 0.0:  # every listed quadratic is strictly convex; guard a future one
        return None
    kappa = l_max / l_min
    sk = math.sqrt(kappa)
    rho = ((sk - 1.0) / (sk + 1.0)) ** 2
    return QuadraticTheory(
        center=center, eigenvalues=eigenvalues, eigenvectors=eigenvectors, kappa=kappa,
        lr_stable=2.0 / l_max, lr_best=2.0 / (l_min + l_max),
        polyak_lr=(2.0 / (math.sqrt(l_max) + math.sqrt(l_min))) ** 2, polyak_rho=rho,
        rate_gd=(kappa - 1.0) / (kappa + 1.0), rate_heavy_ball=math.sqrt(rho))


class RateBound(NamedTuple):
    """``bound[T - 1]`` bounds ``f(x_T) - f*`` for T = 1..steps; None with ``reason`` when
    the premises of seed 003's theorem do not hold."""

    bound: np.ndarray | None
    reason: str


def gd_rate_bound(surface, x0, lr, T, *, optimizer=None, schedule=None, noise=0.0) -> RateBound:
    """Seed 003's ``||x0 - x*||^2 / (2 lr T)`` for T = 1..``T``, or why it does not apply.

    Premises checked: the surface is convex with a known smoothness constant L
    (``surface.smoothness()``) and a known minimum, ``0 < lr <= 1/L``. When given,
    ``optimizer`` must be plain gradient descent (``sgd`` without weight decay),
    ``schedule`` constant and ``noise`` zero: the theorem is about exactly that.
    """
    T = int(T)
    if not getattr(surface, "convex", False):
        return RateBound(None, f"{surface.title} is not convex: the O(1/T) bound needs a convex loss")
    L = surface.smoothness()
    if L is None or not L > 0.0:
        return RateBound(None, f"{surface.title}: no global Lipschitz constant L of the gradient is known")
    minima = [m for m in surface.minima() if m.kind == "global"]
    if not minima:
        return RateBound(None, f"{surface.title}: the minimum x* is not known")
    if optimizer is not None:
        if optimizer.key != "sgd":
            return RateBound(None, f"the bound is for plain gradient descent (sgd), not {optimizer.key}")
        if optimizer.params.get("weight_decay", 0.0):
            return RateBound(None, "weight decay changes the loss being minimised: the bound does not apply")
    if schedule is not None and (schedule.key != "constant" or schedule.params.get("warmup", 0)):
        return RateBound(None, "the bound is for a fixed learning rate (constant schedule, no warmup)")
    if noise:
        return RateBound(None, "the bound is for the exact gradient (noise = 0); SGD's rate is O(1/sqrt(T))")
    lr = float(lr)
    # a relative slack of 1e-12: a slider set to exactly 1/L must count as 1/L
    if not 0.0 < lr <= (1.0 + 1e-12) / L:
        return RateBound(None, f"lr = {lr:g} is above 1/L = {1.0 / L:g}: the bound needs lr <= 1/L")
    if T < 1:
        return RateBound(np.zeros(0), "")
    x0 = np.asarray(x0, dtype=float).reshape(-1)
    # several global minima (not on these surfaces) would need the nearest one: the bound
    # holds for every minimiser, so the tightest is the closest
    r2 = min(float(np.sum((x0 - np.asarray(m.point)) ** 2)) for m in minima)
    return RateBound(r2 / (2.0 * lr * np.arange(1, T + 1)), "")
