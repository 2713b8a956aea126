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

import numpy as np


@dataclass
class Derived:
    rows: list = field(default_factory=list)  # (label, vector) pairs for the inspector
    velocity: np.ndarray | None = None
    scale: np.ndarray | None = None


def rule_of(optimizer) -> tuple[str, dict]:
    """The element-wise rule that actually steps (SAM steps with its base)."""
    if optimizer.key == "sam":
        return optimizer.params["base"], optimizer.params
    return optimizer.key, optimizer.params


def derive(optimizer, trace, t: int) -> Derived:
    """Derived quantities after update ``t`` (t >= 1) of a trace with states."""
    out = Derived()
    if trace is None or trace.states is None or t < 1 or t >= len(trace.xs) or not trace.state_names:
        return out
    key, p = rule_of(optimizer)
    state = dict(zip(trace.state_names, trace.states[t]))
    lr = float(trace.lr[t])
    for name in trace.state_names:
        if name == "v_max" and not p.get("amsgrad"):
            continue
        if name == "b" and not p.get("momentum"):
            continue
        if name == "P":
            continue
        out.rows.append((name, state[name]))
    with np.errstate(all="ignore"):
        if key in ("momentum", "nesterov"):
            v = state["v"]
            out.velocity = v if p.get("form") in ("velocity", "lookahead") else -lr * v
        elif key in ("adam", "adamw", "radam", "nadam", "adamax"):
            b1 = p["beta1"]
            correct = p.get("bias_correction", True)
            m_hat = state["m"] / (1.0 - b1 ** t) if correct else state["m"]
            out.rows.append(("m_hat", m_hat))
            out.velocity = -lr * m_hat
            if key == "adamax":
                out.scale = lr / (1.0 - b1 ** t) / state["u"]
            else:
                v = state["v_max"] if p.get("amsgrad") else state["v"]
                v_hat = v / (1.0 - p["beta2"] ** t) if correct else v
                out.rows.append(("v_hat", v_hat))
                out.scale = lr / (np.sqrt(v_hat) + p["eps"])
        elif key == "adafactor":
            v_hat = state["v"] / (1.0 - p["beta2"] ** t)
            out.rows.append(("v_hat", v_hat))
            out.scale = lr / (np.sqrt(v_hat) + p["eps"])
        elif key == "adagrad":
            out.scale = lr / (np.sqrt(state["G"]) + p["eps"])
        elif key == "rmsprop":
            out.scale = lr / (np.sqrt(state["s"]) + p["eps"])
            if p.get("momentum"):
                out.velocity = -lr * state["b"]
        elif key == "adadelta":
            # the scale of update t uses u from before that update
            u_prev = trace.states[t - 1][list(trace.state_names).index("u")]
            out.scale = lr * np.sqrt(u_prev + p["eps"]) / np.sqrt(state["s"] + p["eps"])
        elif key == "lion":
            out.velocity = -lr * state["m"]
    if out.scale is not None:
        out.rows.append(("lr_eff", out.scale))
    return out
