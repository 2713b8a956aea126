"""Learning-rate schedules: closed-form multipliers s(k) for the 0-based update index k.

Every function takes an integer array of k and returns the multipliers, so the LR
plot is one call and can never drift from what the run used (``lr_t = lr * s(t-1)``,
SPEC section 4). ``warmup=W`` multiplies in ``min(1, (k+1)/W)`` on every schedule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.hyper import Hyper

_TOTAL = Hyper("total", 0, 0, 10_000_000, kind="int",
               doc="length of the decay in steps; 0 means the run length")
_FLOOR = Hyper("floor", 0.0, 0.0, 1.0, doc="multiplier the decay ends at")
_WARMUP = Hyper("warmup", 0, 0, 10_000_000, kind="int",
                doc="linear warmup over this many steps (0: none)")


def constant(k, p, total):
    """s(k) = 1"""
    return np.ones_like(k, dtype=float)


def step(k, p, total):
    """s(k) = gamma ** (number of milestones <= k)"""
    milestones = np.asarray(p["milestones"], dtype=float)
    passed = (k[:, None] >= milestones[None, :]).sum(axis=1) if milestones.size else np.zeros_like(k)
    return p["gamma"] ** passed.astype(float)


def exponential(k, p, total):
    """s(k) = gamma ** k"""
    return p["gamma"] ** k.astype(float)


def cosine(k, p, total):
    """s(k) = floor + (1 - floor) (1 + cos(pi min(k, T) / T)) / 2   (SGDR without restarts)"""
    T = p["total"] or total
    frac = np.minimum(k, T) / max(T, 1)
    return p["floor"] + (1.0 - p["floor"]) * (1.0 + np.cos(np.pi * frac)) / 2.0


def linear(k, p, total):
    """s(k) = max(floor, 1 - k / T)"""
    T = p["total"] or total
    return np.maximum(p["floor"], 1.0 - k / max(T, 1))


def inverse_sqrt(k, p, total):
    """s(k) = 1 / sqrt(k + 1)"""
    return 1.0 / np.sqrt(k + 1.0)


def inverse_time(k, p, total):
    """s(k) = 1 / (1 + decay k)   (the 1/t step sizes of seed 003)"""
    return 1.0 / (1.0 + p["decay"] * k)


def cosine_restarts(k, p, total):
    """SGDR (Loshchilov & Hutter 2017): cosine over periods T0, T0 mult, T0 mult^2, ...

    s(k) = floor + (1 - floor) (1 + cos(pi k_i / T_i)) / 2, with k_i the step inside period i.
    """
    T0, mult = float(p["T0"]), float(p["mult"])
    k = k.astype(float)
    if mult == 1.0:
        i_start, period = np.floor(k / T0) * T0, np.full_like(k, T0)
    else:
        # period i starts at T0 (mult^i - 1) / (mult - 1): invert for i.
        i = np.floor(np.log1p(k * (mult - 1.0) / T0) / np.log(mult))
        i_start = T0 * (mult ** i - 1.0) / (mult - 1.0)
        # rounding at period boundaries: move to the next period when k passed its end
        period = T0 * mult ** i
        over = k >= i_start + period
        i_start = np.where(over, i_start + period, i_start)
        period = np.where(over, period * mult, period)
    frac = (k - i_start) / period
    return p["floor"] + (1.0 - p["floor"]) * (1.0 + np.cos(np.pi * frac)) / 2.0


@dataclass(frozen=True)
class ScheduleRecord:
    key: str
    title: str
    fn: object
    hypers: tuple[Hyper, ...]
    reference: str = ""

    @property
    def formula(self) -> str:
        return (self.fn.__doc__ or "").strip().splitlines()[0]


SCHEDULES: dict[str, ScheduleRecord] = {r.key: r for r in (
    ScheduleRecord("constant", "Constant", constant, (_WARMUP,)),
    ScheduleRecord("step", "Step decay", step, (
        Hyper("milestones", (), kind="list", doc="steps where the rate is multiplied by gamma, e.g. 100, 200"),
        Hyper("gamma", 0.1, 0.0, 1.0, doc="factor at each milestone"), _WARMUP),
        "seed 001: step decay, e.g. x0.1 at epochs 30, 60, 90"),
    ScheduleRecord("exponential", "Exponential decay", exponential, (
        Hyper("gamma", 0.99, 0.0, 1.0, doc="factor per step"), _WARMUP)),
    ScheduleRecord("cosine", "Cosine decay", cosine, (_TOTAL, _FLOOR, _WARMUP),
                   "seed 001, 003: cosine decay (Loshchilov & Hutter 2017)"),
    ScheduleRecord("linear", "Linear decay", linear, (_TOTAL, _FLOOR, _WARMUP), "seed 001"),
    ScheduleRecord("inverse-sqrt", "Inverse square root", inverse_sqrt, (_WARMUP,),
                   "seed 001 (Vaswani et al. 2017)"),
    ScheduleRecord("inverse-time", "1/t decay", inverse_time, (
        Hyper("decay", 1.0, 0.0, 1000.0, log=False, doc="s(k) = 1/(1 + decay k)"), _WARMUP),
        "seed 003: 1/t step sizes for SGD"),
    ScheduleRecord("cosine-restarts", "Cosine with warm restarts", cosine_restarts, (
        Hyper("T0", 100, 1, 10_000_000, kind="int", doc="first period in steps"),
        Hyper("mult", 1.0, 1.0, 10.0, doc="each period is this much longer"), _FLOOR, _WARMUP),
        "SGDR (Loshchilov & Hutter 2017)"),
)}


def multipliers(key: str, params: dict, k, total: int):
    """s(k) for an array of 0-based update indices, warmup included."""
    record = SCHEDULES[key]
    k = np.asarray(k, dtype=np.int64)
    with np.errstate(all="ignore"):
        s = np.asarray(record.fn(k, params, max(int(total), 1)), dtype=float)
        warmup = params.get("warmup", 0)
        if warmup:
            s = s * np.minimum(1.0, (k + 1.0) / warmup)
    return s
