"""How a run's line looks in every view: its dash pattern (a preset's line style,
gui.views.line_style), or, for a run that was branched from (rewind and branch,
engine.branching), its branch's past, drawn dimmed and dashed so the branch stands out
where the two part."""

from __future__ import annotations

from PySide6 import QtCore

from gui import theme
from gui.views.line_style import styled_pen

BRANCHED_ALPHA = 110


def run_pen(run, width: float):
    if getattr(run, "branched", False):
        return theme.pen(run.color, width, QtCore.Qt.PenStyle.DashLine, alpha=BRANCHED_ALPHA)
    return styled_pen(run.color, width, run.dash)
