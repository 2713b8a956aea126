"""How a run's line looks in every view: a run that was branched from (rewind and
branch, engine.branching) is its branch's past, drawn dimmed and dashed so the branch
stands out where the two part."""

from __future__ import annotations

from PySide6 import QtCore

from gui import theme

BRANCHED_ALPHA = 110


def run_pen(run, width: float):
    if getattr(run, "branched", False):
        return theme.pen(run.color, width, QtCore.Qt.PenStyle.DashLine, alpha=BRANCHED_ALPHA)
    return theme.pen(run.color, width)
