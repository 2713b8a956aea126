"""The centre of the window as tabs: Surface | LR sweep | Basins | 3-D.

The surface (the contour view) stays the first tab and the default; the others
compute only while they are shown (see their modules). Alt+1..4 switch tabs.
"""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

from gui.analysis.basin_view import BasinView
from gui.analysis.surface3d_view import Surface3DView
from gui.analysis.sweep_view import SweepView


class AnalysisTabs(QtWidgets.QTabWidget):
    SURFACE, SWEEP, BASINS, SURFACE_3D = range(4)

    def __init__(self, controller, contour, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.contour = contour
        self.sweep = SweepView(controller)
        self.basins = BasinView(controller)
        self.surface3d = Surface3DView(controller)
        self.setDocumentMode(True)
        for widget, title, tip in (
                (contour, "Surface", "The loss surface with the runs on it"),
                (self.sweep, "LR sweep", "Final loss against the learning rate: too low / just right / too high"),
                (self.basins, "Basins", "Which minimum each start point ends in"),
                (self.surface3d, "3-D", "The surface as a shaded mesh with the paths (needs OpenGL)")):
            i = self.addTab(widget, title)
            self.setTabToolTip(i, f"{tip}  (Alt+{i + 1})")
        self.sweep.showSurface.connect(self.show_surface)
        self.basins.showSurface.connect(self.show_surface)

    def show_surface(self) -> None:
        self.setCurrentIndex(self.SURFACE)

    def install_shortcuts(self, window) -> None:
        for i in range(self.count()):
            action = QtGui.QAction(f"Show the {self.tabText(i)} tab", window)
            action.setShortcut(QtGui.QKeySequence(f"Alt+{i + 1}"))
            action.triggered.connect(lambda _=False, k=i: self.setCurrentIndex(k))
            window.addAction(action)
