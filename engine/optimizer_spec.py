"""``name:key=value,key=value`` specs of optimizers and schedules (SPEC section 7), parsed
and validated against the registry: part of the stepping core, below the surfaces.
Every failure is a SpecError whose one-line message names the bad
key or value and what is accepted; the CLI prints it and exits 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from engine.hyper import HyperError, validate_values
from engine.registry import OPTIMIZERS, get_optimizer, hypers_for, title_for
from engine.schedules import SCHEDULES, multipliers


class SpecError(HyperError):
    """A malformed or invalid spec string."""


_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")


def split_spec(text: str, what: str) -> tuple[str, dict[str, str]]:
    """'adam:lr=0.01,beta2=0.99' -> ('adam', {'lr': '0.01', 'beta2': '0.99'})."""
    if not isinstance(text, str) or not text.strip():
        raise SpecError(f"empty {what} spec (expected NAME or NAME:key=value,...)")
    if len(text) > 2000:
        raise SpecError(f"{what} spec is too long ({len(text)} characters)")
    name, _, rest = text.strip().partition(":")
    name = name.strip()
    if not _NAME.match(name):
        raise SpecError(f"bad {what} name {name!r} (expected NAME or NAME:key=value,...)")
    params: dict[str, str] = {}
    if rest.strip():
        for item in rest.split(","):
            key, eq, value = item.partition("=")
            key = key.strip()
            if not eq or not key:
                raise SpecError(f"bad {what} parameter {item.strip()!r} in {text!r} (expected key=value)")
            if key in params:
                raise SpecError(f"{what} parameter {key!r} given twice in {text!r}")
            params[key] = value.strip()
    return name, params


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer with every hyperparameter filled in (defaults included)."""

    key: str
    params: dict = field(default_factory=dict)

    @classmethod
    def make(cls, key: str, **values) -> OptimizerSpec:
        record = get_optimizer(key)
        hypers = hypers_for(key, values)
        return cls(record.key, validate_values(hypers, values, owner=f"optimizer {key!r}"))

    @classmethod
    def parse(cls, text: str) -> OptimizerSpec:
        key, raw = split_spec(text, "optimizer")
        if key not in OPTIMIZERS:
            raise SpecError(f"unknown optimizer {key!r} (accepted: {', '.join(OPTIMIZERS)})")
        try:
            return cls.make(key, **raw)
        except HyperError as err:
            raise SpecError(str(err)) from None

    def replace(self, **values) -> OptimizerSpec:
        merged = dict(self.params)
        merged.update(values)
        if self.record.wraps in values:
            # a new base brings its own hyperparameters: keep only those it accepts
            names = {h.name for h in hypers_for(self.key, merged)}
            merged = {k: v for k, v in merged.items() if k in names}
        return OptimizerSpec.make(self.key, **merged)

    @property
    def record(self):
        return OPTIMIZERS[self.key]

    @property
    def lr(self) -> float | None:
        return self.params.get("lr")

    def spec(self) -> str:
        hypers = hypers_for(self.key, self.params)
        parts = [f"{h.name}={h.format(self.params[h.name])}" for h in hypers
                 if self.params[h.name] != h.default]
        return self.key + (":" + ",".join(parts) if parts else "")

    def label(self) -> str:
        base = title_for(self.key, self.params)
        lr = self.params.get("lr")
        return f"{base} (lr {lr:g})" if lr is not None else base


@dataclass(frozen=True)
class ScheduleSpec:
    key: str = "constant"
    params: dict = field(default_factory=lambda: {"warmup": 0})

    @classmethod
    def make(cls, key: str, **values) -> ScheduleSpec:
        if key not in SCHEDULES:
            raise SpecError(f"unknown schedule {key!r} (accepted: {', '.join(SCHEDULES)})")
        try:
            return cls(key, validate_values(SCHEDULES[key].hypers, values, owner=f"schedule {key!r}"))
        except SpecError:
            raise
        except HyperError as err:
            raise SpecError(str(err)) from None

    @classmethod
    def parse(cls, text: str) -> ScheduleSpec:
        key, raw = split_spec(text, "schedule")
        return cls.make(key, **raw)

    def spec(self) -> str:
        hypers = SCHEDULES[self.key].hypers
        parts = [f"{h.name}={h.format(self.params[h.name])}" for h in hypers
                 if self.params[h.name] != h.default]
        return self.key + (":" + ",".join(parts) if parts else "")

    def multipliers(self, steps: int, total: int | None = None):
        """s(k) for k = 0 .. steps-1; ``total`` defaults to the run length."""
        return multipliers(self.key, self.params, np.arange(steps), total or steps)


CONSTANT = ScheduleSpec()
