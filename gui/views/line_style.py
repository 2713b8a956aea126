"""A run's line style as Qt draws it: the session's names (engine.session DASHES,
MARKERS) mapped to pen dash patterns and pyqtgraph symbols.

Colour alone does not tell runs apart on a grey-scale print or to a colour-blind eye,
and a path drawn exactly over another hides it; a dash pattern lets the one below
show through the gaps, a marker shape names the head without a legend lookup.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui

from gui import theme

# Patterns in units of the pen's width, long enough to read at 1x and in presentation.
DASH_PATTERNS = {"dash": (5.0, 3.0), "dot": (1.2, 2.2), "dashdot": (5.0, 2.2, 1.2, 2.2)}
SYMBOLS = {"circle": "o", "square": "s", "triangle": "t", "diamond": "d", "plus": "+", "cross": "x",
           "star": "star", "pentagon": "p", "hexagon": "h"}


def symbol(marker: str) -> str:
    return SYMBOLS.get(marker, "o")


def styled_pen(color, width: float, dash: str = "solid") -> QtGui.QPen:
    """theme.pen with the run's dash pattern (flat caps so dots stay round-ish and short)."""
    pen = theme.pen(color, width)
    pattern = DASH_PATTERNS.get(dash)
    if pattern is not None:
        pen.setStyle(QtCore.Qt.PenStyle.CustomDashLine)
        pen.setDashPattern(list(pattern))
        pen.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
    return pen
