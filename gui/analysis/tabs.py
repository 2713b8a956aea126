"""The centre of the window as tabs: Surface | LR sweep | Basins | 3-D | Results.

The surface (the contour view) stays the first tab and the default; the others
compute only while they are shown (see their modules). Alt+1..5 switch tabs.
"""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

from gui.analysis.basin_view import BasinView
from gui.analysis.phase_view import PhaseView
from gui.analysis.results_view import ResultsView
from gui.analysis.surface3d_view import Surface3DView
from gui.analysis.sweep_view import SweepView


class AnalysisTabs(QtWidgets.QTabWidget):
    SURFACE, SWEEP, BASINS, SURFACE_3D, RESULTS = range(5)

    def __init__(self, controller, contour, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.contour = contour
        self.sweep = SweepView(controller)
        self.phase = PhaseView(controller)
        self.sweep_page = SweepPage(self.sweep, self.phase)
        self.basins = BasinView(controller)
        self.surface3d = Surface3DView(controller)
        self.results = ResultsView(controller)
        self.setDocumentMode(True)
        for widget, title, tip in (
                (contour, "Surface", "The loss surface with the runs on it"),
                (self.sweep_page, "LR sweep", "Final loss against the learning rate (too low / just right / "
                                              "too high), or a phase diagram of two hyperparameters"),
                (self.basins, "Basins", "Which minimum each start point ends in"),
                (self.surface3d, "3-D", "The surface as a shaded mesh with the paths (needs OpenGL)"),
                (self.results, "Results", "Per run: final and best loss, evaluations, memory, time; fair tuning")):
            i = self.addTab(widget, title)
            self.setTabToolTip(i, f"{tip}  (Alt+{i + 1})")
        self.sweep.showSurface.connect(self.show_surface)
        self.phase.showSurface.connect(self.show_surface)
        self.basins.showSurface.connect(self.show_surface)

    def show_surface(self) -> None:
        self.setCurrentIndex(self.SURFACE)

    def install_shortcuts(self, window) -> None:
        for i in range(self.count()):
            action = QtGui.QAction(f"Show the {self.tabText(i)} tab", window)
            action.setShortcut(QtGui.QKeySequence(f"Alt+{i + 1}"))
            action.triggered.connect(lambda _=False, k=i: self.setCurrentIndex(k))
            window.addAction(action)


class SweepPage(QtWidgets.QWidget):
    """The LR-sweep tab: the learning-rate curves, or (second axis) the phase diagram.
    Only the page shown computes (each view works only while visible)."""

    def __init__(self, sweep, phase, parent=None):
        super().__init__(parent)
        self.sweep, self.phase = sweep, phase
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        bar = QtWidgets.QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        self.buttons = QtWidgets.QButtonGroup(self)
        for k, (text, tip) in enumerate((("One axis: lr", "final loss against lr, one curve per run"),
                                         ("Two axes: phase diagram", "any two hyperparameters of one run"))):
            button = QtWidgets.QRadioButton(text)
            button.setToolTip(tip)
            self.buttons.addButton(button, k)
            bar.addWidget(button)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.stack = QtWidgets.QStackedWidget()
        self.stack.addWidget(sweep)
        self.stack.addWidget(phase)
        layout.addWidget(self.stack, 1)
        self.buttons.button(0).setChecked(True)
        self.buttons.idClicked.connect(self.stack.setCurrentIndex)

    def show_phase(self, on: bool = True) -> None:
        self.buttons.button(int(on)).setChecked(True)
        self.stack.setCurrentIndex(int(on))
