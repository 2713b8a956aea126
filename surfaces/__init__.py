"""1-D/2-D loss surfaces and the toy classification problem. NumPy only, never Qt."""

from surfaces.base import Minimum, Surface
from surfaces.library import SURFACES, make_surface, register_surface

# The `custom` formula surface registers itself (register_surface) when its module is
# imported; until surfaces/formula.py exists the table simply has no `custom` row.
try:
    import surfaces.formula  # noqa: F401
except ModuleNotFoundError as err:
    if err.name != "surfaces.formula":
        raise

__all__ = ["SURFACES", "Minimum", "Surface", "make_surface", "register_surface"]
