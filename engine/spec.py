"""Specs of a whole scene (SPEC section 7): the optimizer and schedule specs of
``engine.optimizer_spec`` plus ``parse_surface``, which needs the surfaces and so
lives above them (docs/ARCHITECTURE.md, "Layers").
"""

from __future__ import annotations

from engine.hyper import HyperError
from engine.optimizer_spec import CONSTANT, OptimizerSpec, ScheduleSpec, SpecError, split_spec
from surfaces import SURFACES, make_surface
from surfaces.formula import CustomSurface  # the safe parser; never eval

__all__ = ["CONSTANT", "OptimizerSpec", "ScheduleSpec", "SpecError", "split_spec", "parse_surface"]


def parse_surface(text: str, formula: str | None = None):
    """'quadratic:kappa=50,angle=30' -> a Surface; 'custom' needs ``formula``."""
    key, raw = split_spec(text, "surface")
    if key == "custom":
        if "formula" in raw:  # it would reach CustomSurface twice; one place for the text
            raise SpecError("surface 'custom': give the formula with --formula EXPR, not as formula= in the spec")
        if formula is None:
            raise SpecError("surface 'custom' needs --formula EXPR, e.g. --formula 'x**2 + 10*y**2'")
        try:
            return CustomSurface(formula=formula, **raw)
        except ValueError as err:  # HyperError or FormulaError: both carry a clear message
            raise SpecError(str(err)) from None
    if key not in SURFACES:
        raise SpecError(f"unknown surface {key!r} (accepted: {', '.join(SURFACES)})")
    try:
        return make_surface(key, **raw)
    except HyperError as err:
        raise SpecError(str(err)) from None
