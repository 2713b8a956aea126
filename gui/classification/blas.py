"""One BLAS thread for the live view.

NumPy's OpenBLAS splits a large enough matmul over every core. The decision grid's
hidden layer (64 x 40,000) is large enough, and on this 2-core machine the second
thread competes with the GUI thread itself (and with anything else running): measured
3.5 ms for a 200 x 200 grid with one thread against 9-23 ms with two. The training
steps (64 x 480) are a little faster with one thread too (~620 vs ~560 steps/s for
eight runs). So the classification controller asks OpenBLAS for one thread, the way
threadpoolctl would, through the library NumPy already loaded; where that library is
not found it changes nothing.
"""

from __future__ import annotations

import ctypes
import glob
import os

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads_64_",
            "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads_64_",
            "openblas_get_num_threads64_", "openblas_get_num_threads")


def _openblas():
    import numpy

    root = os.path.dirname(os.path.dirname(numpy.__file__))
    patterns = ("numpy.libs/libscipy_openblas*.so*", "numpy.libs/libopenblas*.so*", "numpy/.dylibs/libscipy_openblas*")
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(root, pattern))):
            try:
                return ctypes.CDLL(path)  # already loaded by NumPy: the same library instance
            except OSError:
                continue
    return None


def blas_threads() -> int | None:
    lib = _openblas()
    for name in _GETTERS if lib is not None else ():
        fn = getattr(lib, name, None)
        if fn is not None:
            return int(fn())
    return None


def limit_blas_threads(n: int = 1) -> bool:
    """Ask NumPy's OpenBLAS for ``n`` threads; False when there is no OpenBLAS to ask."""
    lib = _openblas()
    for name in _SETTERS if lib is not None else ():
        fn = getattr(lib, name, None)
        if fn is not None:
            fn(ctypes.c_int(int(n)))
            return True
    return False
