"""A 2-D slice of the loss landscape around a set of weights (Li et al. 2018,
"Visualizing the Loss Landscape of Neural Nets").

Two random Gaussian directions, *filter-normalised*: each neuron's slice of a
direction (the column of a weight matrix that feeds one unit) is rescaled to the
norm of that neuron's weights, so the picture does not depend on how the network
happens to be scaled (a ReLU net is unchanged when a layer is multiplied by c and
the next divided by c). Biases get zero direction, as in the paper. The run's
trajectory is drawn on the slice by least-squares projection onto the two
directions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def filter_normalized_direction(layout, w, rng) -> np.ndarray:
    d = rng.standard_normal(w.shape)
    offset = 0
    for _, shape in layout:
        size = int(np.prod(shape))
        block_w = w[offset:offset + size]
        block_d = d[offset:offset + size]
        if len(shape) == 2:
            W = block_w.reshape(shape)
            D = block_d.reshape(shape)
            # columns are neurons: W[:, j] are the weights into unit j
            scale = np.linalg.norm(W, axis=0) / np.maximum(np.linalg.norm(D, axis=0), 1e-12)
            block_d[:] = (D * scale[None, :]).ravel()
        else:
            block_d[:] = 0.0
        offset += size
    return d


@dataclass
class LandscapeSlice:
    alphas: np.ndarray  # (n,) coordinates along d1
    betas: np.ndarray  # (n,) coordinates along d2
    loss: np.ndarray  # (n, n): loss[j, i] at w + alphas[i] d1 + betas[j] d2
    d1: np.ndarray
    d2: np.ndarray
    center: np.ndarray

    def project(self, trajectory) -> np.ndarray:
        """(T, D) weights -> (T, 2) coordinates on the slice (least squares)."""
        A = np.stack([self.d1, self.d2], axis=1)
        delta = np.asarray(trajectory, dtype=float) - self.center
        coords, *_ = np.linalg.lstsq(A, delta.T, rcond=None)
        return coords.T


def loss_slice(problem, center, n: int = 41, span: float = 1.0, seed: int = 0, chunk: int = 256) -> LandscapeSlice:
    """Loss on an n x n grid of w + a d1 + b d2 for a, b in [-span, span]."""
    center = np.asarray(center, dtype=float)
    rng = np.random.default_rng([int(seed), 2018])
    d1 = filter_normalized_direction(problem.layout, center, rng)
    d2 = filter_normalized_direction(problem.layout, center, rng)
    # make d2 orthogonal to d1, so the axes of the picture are independent
    norm1 = float(d1 @ d1)
    if norm1 > 0:
        d2 = d2 - (d2 @ d1) / norm1 * d1
        d2 *= np.sqrt(norm1 / max(float(d2 @ d2), 1e-300))
    alphas = np.linspace(-span, span, n)
    betas = np.linspace(-span, span, n)
    A, B = np.meshgrid(alphas, betas)
    coeffs = np.stack([A.ravel(), B.ravel()], axis=1)
    loss = np.empty(len(coeffs))
    with np.errstate(all="ignore"):
        for start in range(0, len(coeffs), chunk):
            c = coeffs[start:start + chunk]
            W = center[None, :] + c[:, :1] * d1[None, :] + c[:, 1:] * d2[None, :]
            loss[start:start + chunk] = problem.value(W)
    return LandscapeSlice(alphas, betas, loss.reshape(n, n), d1, d2, center)
