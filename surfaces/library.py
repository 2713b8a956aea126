"""The table of surfaces (SPEC section 5): one registry read by the GUI's surface menu,
``main.py list surfaces``, the session validator and the tests' parametrisation.

The surfaces themselves live in :mod:`surfaces.lecture` (the ones the seeds draw) and
:mod:`surfaces.classic` (standard test functions).  The ``custom`` formula surface is
added by :mod:`surfaces.formula` through :func:`register_surface`.
"""

from __future__ import annotations

from engine.hyper import HyperError
from surfaces.base import Surface
from surfaces.classic import Beale, Himmelblau, Rastrigin, Rosenbrock, SixHumpCamel
from surfaces.lecture import Parabola, Quadratic, Ravine, Saddle, SharpFlat, Sqrt8, Wavy

# In the order of SPEC section 5, which is the order of menus and `list surfaces`.
SURFACES: dict[str, type[Surface]] = {
    cls.key: cls
    for cls in (Parabola, Sqrt8, Wavy, Quadratic, Ravine, Saddle, Rosenbrock, Beale,
                Himmelblau, Rastrigin, SixHumpCamel, SharpFlat)
}


def register_surface(cls: type[Surface]) -> type[Surface]:
    """Add a surface class to :data:`SURFACES` under ``cls.key`` (usable as a decorator).

    This is the hook for surfaces defined elsewhere, e.g. ``custom`` in
    ``surfaces/formula.py``.  Registering the same class again is a no-op; a different
    class under a key that is taken is a programming error.
    """
    if not (isinstance(cls, type) and issubclass(cls, Surface)) or not cls.key:
        raise TypeError(f"register_surface needs a Surface subclass with a key, got {cls!r}")
    known = SURFACES.get(cls.key)
    if known is not None and known is not cls:
        raise ValueError(f"surface key {cls.key!r} is already taken by {known.__name__}")
    SURFACES[cls.key] = cls
    return cls


def make_surface(key: str, **params) -> Surface:
    """Build surface ``key`` with ``params`` (text or values, checked against its hypers).

    Raises :class:`engine.hyper.HyperError` naming the bad key or value and what is
    accepted, e.g. ``unknown surface 'x' (accepted: parabola, sqrt8, ...)``.
    """
    cls = SURFACES.get(key)
    if cls is None:
        raise HyperError(f"unknown surface {key!r} (accepted: {', '.join(SURFACES)})")
    return cls(**params)
