"""What the inspector and the head overlays show beyond the raw state: bias-corrected
moments, the velocity in step units and the per-coordinate step size of adaptive
rules. Plain NumPy, no Qt, so it is easy to test against the rules themselves.

For update t (row t of a trace recorded with ``record_states``):

* ``velocity``: the momentum buffer as a displacement, comparable with the plain
  gradient step ``-lr_t g`` (momentum torch form: ``-lr_t v``; velocity form: ``v``;
  Adam family: ``-lr_t m_hat``).
* ``scale``: the effective learning rate per coordinate, ``lr_t / (sqrt(v_hat) + eps)``
  (AdaGrad: G, RMSProp: s, AdaDelta: ``sqrt(u + eps)/sqrt(s + eps)``, AdaMax: u).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from engine.optimizers.base import Diagnostics
from engine.registry import resolve


@dataclass
class Derived:
    rows: list = field(default_factory=list)  # (label, vector) pairs for the inspector
    velocity: np.ndarray | None = None
    scale: np.ndarray | None = None


def derive(optimizer, trace, t: int) -> Derived:
    """Derived quantities after update ``t`` (t >= 1) of a trace with states, as the
    stepping rule's record says (``OptimizerRecord.diagnostics``); rules without
    diagnostics show their state only."""
    out = Derived()
    if trace is None or trace.states is None or t < 1 or t >= len(trace.xs) or not trace.state_names:
        return out
    record, _ = resolve(optimizer.key, optimizer.params)
    if tuple(trace.state_names) != record.state_names:
        return out
    state = record.state(*trace.states[t])
    diag = Diagnostics()
    if record.diagnostics is not None:
        with np.errstate(all="ignore"):
            diag = record.diagnostics(state, record.state(*trace.states[t - 1]),
                                      SimpleNamespace(**optimizer.params), t, float(trace.lr[t]))
    out.rows = [(name, value) for name, value in zip(record.state_names, state) if name not in diag.hide]
    out.rows += list(diag.rows)
    out.velocity, out.scale = diag.velocity, diag.scale
    if out.scale is not None:
        out.rows.append(("lr_eff", out.scale))
    return out
