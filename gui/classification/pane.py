"""Classification mode assembled: transport bar, problem and run controls on the left,
decision regions / loss landscape / optimizer memory in the middle, the curves on the
right. Given a ClassificationController; the main window only has to show it."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from gui import theme
from gui.framing import install_classification_banner
from gui.panels.hypers import HyperControls
from gui.panels.runs import RunsPanel

from .controller import SPEED_MAX, SPEED_MIN
from .decision_view import DecisionRegionsView
from .landscape_view import LandscapeView
from .memory_view import MemoryView
from .metrics_view import MetricsView
from .panel import ProblemPanel
from .plotting import Throttle

MESSAGE_MS = 10_000


class TransportBar(QtWidgets.QWidget):
    """Play / step / reset, the speed in updates per second, and where the race stands."""

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.c = controller
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        self.play = QtWidgets.QPushButton("▶ Play")
        self.play.setToolTip("train every run, a few updates per frame")
        self.play.setMinimumWidth(96)
        self.play.clicked.connect(self.c.toggle_play)
        self.step = QtWidgets.QPushButton("Step")
        self.step.setToolTip("one update of every run")
        self.step.clicked.connect(self.c.step_once)
        self.reset = QtWidgets.QPushButton("Reset")
        self.reset.setToolTip("back to step 0: the same initial weights for every run")
        self.reset.clicked.connect(self.c.reset)
        for b in (self.play, self.step, self.reset):
            lay.addWidget(b)
        lay.addSpacing(12)
        lay.addWidget(QtWidgets.QLabel("speed"))
        self.speed = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.speed.setRange(0, 100)
        self.speed.setFixedWidth(160)
        self.speed.setToolTip("updates per second while playing (capped by what the machine manages per frame)")
        self.speed.valueChanged.connect(lambda p: self.c.set_speed(self._speed(p)))
        lay.addWidget(self.speed)
        self.speed_label = QtWidgets.QLabel()
        self.speed_label.setMinimumWidth(80)
        lay.addWidget(self.speed_label)
        lay.addSpacing(12)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setMinimumWidth(220)
        lay.addWidget(self.progress, 1)
        self.c.playingChanged.connect(self._playing)
        self._throttle = Throttle(100, lambda: self._progressed(self.c.step), self)
        self.c.progressed.connect(lambda _s: self._throttle.request())
        self.c.settingsChanged.connect(self._settings)
        self.c.sceneChanged.connect(self._settings)
        self._settings()
        self._progressed(self.c.step)

    @staticmethod
    def _speed(pos: int) -> float:
        return round(10 ** (math.log10(SPEED_MIN) + pos / 100 * (math.log10(SPEED_MAX) - math.log10(SPEED_MIN))))

    def _settings(self) -> None:
        v = self.c.scene.speed
        pos = round((math.log10(v) - math.log10(SPEED_MIN)) / (math.log10(SPEED_MAX) - math.log10(SPEED_MIN)) * 100)
        self.speed.blockSignals(True)
        self.speed.setValue(pos)
        self.speed.blockSignals(False)
        self.speed_label.setText(f"{v:g} steps/s")
        self.progress.setRange(0, self.c.scene.steps)
        self._progressed(self.c.step)

    def _playing(self, on: bool) -> None:
        self.play.setText("❚❚ Pause" if on else "▶ Play")

    def _progressed(self, step: int) -> None:
        self.progress.setValue(step)
        self.progress.setFormat(f"step {step} / {self.c.scene.steps}")


class ClassificationPane(QtWidgets.QWidget):
    """Everything of classification mode, driven by ``controller``."""

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = c = controller
        root = QtWidgets.QVBoxLayout(self)
        root.setContentsMargins(4, 4, 4, 4)
        root.setSpacing(4)
        self.transport = TransportBar(c)
        root.addWidget(self.transport)

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
        split.addWidget(self.tabs)
        self.metrics_view = MetricsView(c)
        split.addWidget(self.metrics_view)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 5)
        split.setStretchFactor(2, 5)
        split.setSizes([350, 680, 560])

        self.message = QtWidgets.QLabel()
        self.message.setStyleSheet(f"color: {theme.INK}; padding: 2px 6px;")
        self.message.setWordWrap(True)
        root.addWidget(self.message)
        self._clear = QtCore.QTimer(self)
        self._clear.setSingleShot(True)
        self._clear.timeout.connect(self.message.clear)
        c.message.connect(self.show_message)
        self.cue_banner = install_classification_banner(self)  # a preset's stops, over the tabs

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self._clear.start(MESSAGE_MS)
