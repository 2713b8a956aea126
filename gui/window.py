"""The main window: the surface large in the centre, loss / learning-rate plots and
the inspector beside it, the controls in a dock on the left, the transport bar
(gui.transport_bar, shared by both modes), menus with every shortcut, and a status bar.

Built the same way by the app and by ``main.py render`` (offscreen).
"""

from __future__ import annotations

import html

from PySide6 import QtCore, QtGui, QtWidgets

from gui import framing, shell, theme
from gui.actions import WindowActions, about_box
from gui.analysis.tabs import AnalysisTabs
from gui.controller import PlaygroundController
from gui.export import ExportActions
from gui.modes import ModeSwitch
from gui.panels.hypers import HyperControls
from gui.panels.inspector import InspectorPanel
from gui.panels.runs import RunsPanel
from gui.panels.scene_controls import SceneControls
from gui.presentation import Presentation
from gui.presets_ui import Presets
from gui.sessions import SessionFiles
from gui.statusbar import PlaygroundStatusBar
from gui.transport_bar import TransportBar
from gui.views.contour import ContourView
from gui.views.loss import LossCurvePlot
from gui.views.schedule import ScheduleView
from gui.views.signal import SurfaceSignalPlot
from gui.views.theory import TheoryOverlays
from gui.wheel_guard import WheelGuard

CONTROLS_WIDTH = 330
PLOT_ROOM = 160       # px a side plot needs for a title, three tick numbers and an axis title
INSPECTOR_ROOM = 110  # px the inspector keeps: its header and the first rows (the rest scrolls)
PLOT_FRAME = 50  # px at least of a side plot's height around its data (before it is laid out)


def about_html(commands) -> str:
    """The About text: what the app is and every key of every action (read from the
    actions themselves, so it cannot miss one), in a left-aligned table."""
    native = QtGui.QKeySequence.SequenceFormat.NativeText
    rows = []
    for action in commands.by_name.values():
        keys = ", ".join(k.toString(native) for k in action.shortcuts() if not k.isEmpty())
        if keys:
            text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
            rows.append(f"<tr><td style='padding-right:14px'><b>{html.escape(keys)}</b></td>"
                        f"<td>{html.escape(text)}</td></tr>")
    return ("<p><b>Optimizer Playground</b>: optimizers moving live on loss surfaces and on a "
            "toy classification problem.</p><p>Keyboard:</p>"
            f"<table cellspacing='0' cellpadding='1' align='left'>{''.join(rows)}</table>")


def _group(title: str, widget: QtWidgets.QWidget) -> QtWidgets.QGroupBox:
    box = QtWidgets.QGroupBox(title)
    layout = QtWidgets.QVBoxLayout(box)
    layout.setContentsMargins(6, 4, 6, 6)
    layout.addWidget(widget)
    return box


class MainWindow(QtWidgets.QMainWindow):
    def __init__(self, controller: PlaygroundController | None = None, parent=None):
        super().__init__(parent)
        self.controller = controller or PlaygroundController(parent=self)
        if self.controller.parent() is None:
            self.controller.setParent(self)
        self.setWindowTitle("Optimizer Playground[*]")  # [*]: unsaved changes (gui.modes.window_title)
        c = self.controller

        self.contour = ContourView(c)
        self.loss = LossCurvePlot(c)
        self.schedule = ScheduleView(c)
        self.signal = SurfaceSignalPlot(c)  # hidden unless the scene names a signal
        self.inspector = InspectorPanel(c)
        self.views = {"surface": self.contour, "loss": self.loss, "lr": self.schedule}

        self.side = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        self.side.addWidget(self.loss)
        self.side.addWidget(self.schedule)
        self.side.addWidget(self.signal)
        # in a scroll area: on a short column (1280x800, the lecturer's note open) the plots
        # keep their room and the inspector scrolls, where its ~240 px minimum squeezed them
        inspector_scroll = QtWidgets.QScrollArea()
        inspector_scroll.setWidget(self.inspector)
        inspector_scroll.setWidgetResizable(True)
        inspector_scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        inspector_scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.inspector_box = _group("Inspector", inspector_scroll)
        self.side.addWidget(self.inspector_box)
        for i, stretch in enumerate((4, 3, 4, 5)):
            self.side.setStretchFactor(i, stretch)
        self.side.setChildrenCollapsible(False)
        self.side.installEventFilter(self)  # a dock shown or hidden changes its height alone
        c.displayChanged.connect(lambda key, _v: key == "signal" and QtCore.QTimer.singleShot(0, self.balance))
        c.sceneChanged.connect(lambda: QtCore.QTimer.singleShot(0, self.balance))
        self.central = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        # the surface shares the centre with the analysis tabs (LR sweep, basins, 3-D)
        self.analysis = AnalysisTabs(c, self.contour)
        self.central.addWidget(self.analysis)
        self.central.addWidget(self.side)
        self.central.setStretchFactor(0, 3)
        self.central.setStretchFactor(1, 2)
        self.central.setChildrenCollapsible(False)
        self.setCentralWidget(self.central)

        self.scene_controls = SceneControls(c)
        self.runs_panel = RunsPanel(c)
        self.hyper_controls = HyperControls(c)
        column = QtWidgets.QWidget()
        col = QtWidgets.QVBoxLayout(column)
        col.setContentsMargins(4, 4, 4, 4)
        col.addWidget(_group("Surface", self.scene_controls))
        col.addWidget(_group("Runs", self.runs_panel))
        col.addWidget(_group("Selected run", self.hyper_controls))
        col.addStretch(1)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(column)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.wheel_guard = WheelGuard(self)  # the wheel scrolls panels, never turns a knob
        self.wheel_guard.cover(scroll)
        self.wheel_guard.cover_scroll_areas(self.analysis)  # the tabs' control columns scroll too
        self.controls_dock = QtWidgets.QDockWidget("Controls", self)
        self.controls_dock.setObjectName("controls")
        self.controls_dock.setWidget(scroll)
        self.controls_dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable
                                       | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, self.controls_dock)
        self.resizeDocks([self.controls_dock], [CONTROLS_WIDTH], QtCore.Qt.Orientation.Horizontal)
        scroll.setMinimumWidth(CONTROLS_WIDTH - 20)

        self.transport_bar = TransportBar(c, self)  # follows the visible mode (gui.modes)
        self.addToolBar(QtCore.Qt.ToolBarArea.TopToolBarArea, self.transport_bar)
        self.setStatusBar(PlaygroundStatusBar(c, self.contour.frames, self))
        self.exporter = ExportActions(self)
        # the lecture tools (gui.shell), before the commands: those act on the visible mode
        self.modes = ModeSwitch(self)
        self.sessions = SessionFiles(self)
        self.presets = Presets(self)
        self.presentation = Presentation(self)
        self.remember_layout = False  # gui.shell.restore turns it on for the app's own window
        self.commands = WindowActions(self)
        self.theory = TheoryOverlays(self)
        self.analysis.install_shortcuts(self)
        self.cue_banner = framing.install_surface_banner(self)  # a preset's stops, over the map
        shell.install_actions(self)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)

    # -- sizing -------------------------------------------------------------------------------

    def fit_to_screen(self) -> None:
        """Fill the available screen area: there is no window manager under Xvfb to do it."""
        screen = self.screen() or QtGui.QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(1600, 900)
            return
        geo = screen.availableGeometry()
        self.setGeometry(geo)
        self.balance()

    def balance(self) -> None:
        """Give the surface the larger share of the centre."""
        width = self.central.width() or (self.width() - CONTROLS_WIDTH)
        side = max(min(300, width // 3), min(480, int(width * 0.36)))
        self.central.setSizes([width - side, side])
        height = self.side.height() or self.height()
        # with a signal plot the three plots share the column and the inspector gets less;
        # the shares split what is left after each plot's frame (_plot_heights), so the
        # signal plot's choosers and the titles are not counted in them
        shares = (0.27, 0.14, 0.32, 0.27) if self.signal.isVisibleTo(self) else (0.34, 0.24, 0.0, 0.42)
        inspector = 0
        if self.inspector_box.isVisibleTo(self):
            # a short column (1280x800 with the lecturer's note open: ~560 px) gives the plots
            # room first: below ~150 px each their numbers pile up and their titles shrink
            # to nothing, while the inspector's table scrolls
            plots = sum(1 for s in shares[:3] if s)
            least = min(INSPECTOR_ROOM, self.inspector_box.minimumSizeHint().height())
            inspector = max(min(int(height * shares[3]), height - plots * PLOT_ROOM), least)
        self.side.setSizes(self._plot_heights(height - inspector, shares[:3]) + [inspector])

    def _plot_heights(self, room: int, shares) -> list[int]:
        """``room`` px for the side plots: each its frame (title, tick numbers, axis title,
        the signal plot's choosers; measured) and its share of the rest. Shares of the
        whole made the frames' part: presenting at 1366x768 with a signal plot, the rate
        plot's 2x frame took all of its 140 px and left no room for its line."""
        plots = (self.loss, self.schedule, self.signal)
        frames = [max(w.height() - w.plot.vb.height(), PLOT_FRAME * theme.SCALE) if s else 0.0
                  for w, s in zip(plots, shares)]
        data = room - sum(frames)
        if data <= 0:  # not even the frames fit: in proportion to them
            return [int(room * f / sum(frames)) for f in frames]
        return [int(f + data * s / sum(shares)) if s else 0 for f, s in zip(frames, shares)]

    def resizeEvent(self, event):
        super().resizeEvent(event)
        QtCore.QTimer.singleShot(0, self.balance)

    def eventFilter(self, obj, event):
        if obj is self.side and event.type() == QtCore.QEvent.Type.Resize \
                and event.oldSize().height() != event.size().height():
            QtCore.QTimer.singleShot(0, self.balance)
        return super().eventFilter(obj, event)

    def set_inspector_visible(self, on: bool) -> None:
        self.inspector_box.setVisible(bool(on))

    # -- sessions -----------------------------------------------------------------------------

    def open_session(self, path: str | None = None) -> bool:
        """``path`` or, without one, a file dialog (gui.sessions validates and reports)."""
        return self.sessions.open_path(path) if path else self.sessions.open_dialog()

    def save_session(self, path: str | None = None) -> bool:
        """To ``path``, or Ctrl+S: the current file (asks the first time)."""
        return self.sessions.save_to(path) if path else self.sessions.save()

    def show_about(self) -> None:
        about_box(self, about_html(self.commands))

    def closeEvent(self, event):
        self.controller.pause()
        shell.remember(self)
        super().closeEvent(event)
