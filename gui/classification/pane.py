"""Classification mode assembled: problem and run controls on the left,
decision regions / loss landscape / optimizer memory / results in the middle, the curves on the
right. Given a ClassificationController; the main window only has to show it (its
transport bar, gui.transport_bar, serves both modes)."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from gui import theme
from gui.analysis.results_view import TrainingResultsView
from gui.framing import install_classification_banner
from gui.panels.hypers import HyperControls
from gui.panels.runs import RunsPanel

from .decision_view import DecisionRegionsView
from .landscape_view import LandscapeView
from .memory_view import MemoryView
from .metrics_view import MetricsView
from .panel import ProblemPanel
from .point_editor import PointEditor
from .signal_view import ClassificationSignalPlot

MESSAGE_MS = 10_000


class ClassificationPane(QtWidgets.QWidget):
    """Everything of classification mode, driven by ``controller``."""

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = c = controller
        root = QtWidgets.QVBoxLayout(self)
        root.setContentsMargins(4, 4, 4, 4)
        root.setSpacing(4)
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        root.addWidget(split, 1)

        side = QtWidgets.QWidget()
        side_lay = QtWidgets.QVBoxLayout(side)
        side_lay.setContentsMargins(0, 0, 4, 0)
        # the runs list and the selected run's knobs are surface mode's own panels: the
        # controller speaks their language (runsChanged, set_hyper, set_schedule_param, ...)
        self.runs_panel = RunsPanel(c)
        self.hyper_controls = HyperControls(c)
        self.hyper_controls.polyak.hide()  # Polyak averaging is drawn on surfaces only
        for title, widget in (("Runs", self.runs_panel), ("Selected run", self.hyper_controls)):
            box = QtWidgets.QGroupBox(title)
            QtWidgets.QVBoxLayout(box).addWidget(widget)
            side_lay.addWidget(box)
        self.problem_panel = ProblemPanel(c)
        side_lay.addWidget(self.problem_panel)
        side_lay.addStretch(1)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(350)
        split.addWidget(scroll)

        self.tabs = QtWidgets.QTabWidget()
        self.decision_view = DecisionRegionsView(c)
        self.landscape_view = LandscapeView(c)
        self.memory_view = MemoryView(c)
        self.tabs.addTab(self.decision_view, "Decision regions")
        self.tabs.addTab(self.landscape_view, "Loss landscape")
        self.tabs.addTab(self.memory_view, "Optimizer memory")
        self.results_view = TrainingResultsView(c)
        self.tabs.addTab(self.results_view, "Results")
        split.addWidget(self.tabs)
        self.metrics_view = MetricsView(c)
        self.signal = ClassificationSignalPlot(c)  # hidden unless the scene names a signal
        curves = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        curves.addWidget(self.metrics_view)
        curves.addWidget(self.signal)
        curves.setStretchFactor(0, 3)
        curves.setStretchFactor(1, 2)
        curves.setChildrenCollapsible(False)
        split.addWidget(curves)
        self.point_editor = PointEditor(c, self.problem_panel, self.decision_view)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 5)
        split.setStretchFactor(2, 5)
        split.setSizes([350, 680, 560])

        self.message = QtWidgets.QLabel()
        self.message.setStyleSheet(f"color: {theme.INK}; padding: 2px 6px;")
        self.message.setWordWrap(True)
        self.message.hide()  # an empty line at 2x type was a blank band under the plots
        root.addWidget(self.message)
        self._clear = QtCore.QTimer(self)
        self._clear.setSingleShot(True)
        self._clear.timeout.connect(lambda: self.show_message(""))
        c.message.connect(self.show_message)
        self.cue_banner = install_classification_banner(self)  # a preset's stops, over the tabs

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        if text:
            self._clear.start(MESSAGE_MS)
