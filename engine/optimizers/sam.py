"""SAM (Foret et al. 2021; seed 002): a wrapper around another rule, as optax's
``contrib.sam``: it changes only which gradient the base rule receives.

Both stepping paths call ``sam_gradient`` (arrays) or ``sam_gradient_floats`` (one run's
coordinates as Python floats), so the perturbation is written here and nowhere else.
"""

from __future__ import annotations

import math

import numpy as np

from engine.optimizers.base import Shape


def sam(g, x, state, hp, t, lr, ops):
    """SAM (Foret et al. 2021; seed 002): the gradient at the worst point of a ball.

        e = rho_sam g / ||g||
        g <- grad(x + e)                      then the base rule's step with this g

    The radius is fixed whatever ||g|| is, so at a constant lr a run settles about
    rho_sam from a sharp minimum; wide minima tolerate the perturbation.
    """
    raise TypeError("SAM steps with its base rule (engine.registry.resolve)")


def sam_gradient(grad, P, g, rho, k, noise=0.0, noise_row=None):
    """(R, D) arrays: g taken again at P + rho g / |g| (runs with g = 0 are not moved)."""
    norm = np.sqrt(np.sum(g * g, axis=1, keepdims=True))
    e = np.where(norm > 0, rho / np.where(norm > 0, norm, 1.0), 0.0)
    g = grad(P + e * g, k)
    if noise_row is not None:
        g = g + noise * noise_row
    return g


def sam_gradient_floats(grad, p, g, rho, noise=0.0, noise_row=None):
    """One run as lists of floats; the same update as ``sam_gradient``."""
    norm = math.sqrt(sum(gi * gi for gi in g))
    if norm == 0.0:
        return g
    e = rho / norm
    D = len(p)
    g = grad(*[p[i] + e * g[i] for i in range(D)])
    if noise_row is not None:
        g = [g[i] + noise * noise_row[i] for i in range(D)]
    return g


def sam_geometry(u):
    """The rho-ball about x, its worst point x + rho g / |g| (g: the plain gradient at x)
    and the gradient taken there, drawn as the step -lr g_sam it makes from x."""
    ctx, x, hp, t, lr = u.ctx, u.x, u.hp, u.t, u.lr
    rho = float(hp.rho_sam)
    g0 = ctx.objective.grad(np.asarray(x, dtype=float)[None, :], max(int(t) - 1, 0))[0]
    norm = float(np.sqrt(g0 @ g0))
    D = len(x)
    shapes = [Shape("ellipse", x, A=np.eye(D) / rho ** 2, label=f"ρ-ball, ρ = {rho:g}")] if rho > 0 else []
    if norm > 0 and rho > 0:
        ascent = x + rho * g0 / norm
        g_sam = ctx.objective.grad(ascent[None, :], max(int(t) - 1, 0))[0]
        shapes.append(Shape("point", ascent, label="ascent point x + ρ g/|g|"))
        shapes.append(Shape("arrow", ascent, to=ascent - float(lr) * g_sam, label="−lr ∇f there", anchor=ascent))
        shapes.append(Shape("arrow", x, to=x - float(lr) * g0, label="−lr ∇f at x", role="true",
                            anchor=x))
    return tuple(shapes)
