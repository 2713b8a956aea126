"""1-D/2-D loss surfaces and the toy classification problem. NumPy only, never Qt."""

# The `custom` formula surface registers itself (register_surface) when its module is imported.
import surfaces.formula  # noqa: E402, F401
from surfaces.base import Minimum, Surface
from surfaces.library import SURFACES, make_surface, register_surface

__all__ = ["SURFACES", "Minimum", "Surface", "make_surface", "register_surface"]
