"""Step arithmetic (View > Step arithmetic, Ctrl+Shift+A): the selected run's update at
the current step written out with its numbers, line by line and per coordinate, as
engine.arithmetic replays it from the run's own rule; it follows the timeline and the
selection, and copies as plain text or as LaTeX for a slide.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from engine.arithmetic import explain
from gui import theme


class ArithmeticPanel(QtWidgets.QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.explanation = None
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.title = QtWidgets.QLabel()
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.text = QtWidgets.QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(theme.font(11, mono=True))
        self.text.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        layout.addWidget(self.text, 1)
        row = QtWidgets.QHBoxLayout()
        row.addStretch(1)
        self.copy_text = QtWidgets.QPushButton("Copy text")
        self.copy_text.setToolTip("Copy these lines as plain text")
        self.copy_text.clicked.connect(lambda: self._copy(False))
        row.addWidget(self.copy_text)
        self.copy_latex = QtWidgets.QPushButton("Copy LaTeX")
        self.copy_latex.setToolTip("Copy these lines as a LaTeX aligned block, for a slide")
        self.copy_latex.clicked.connect(lambda: self._copy(True))
        row.addWidget(self.copy_latex)
        layout.addLayout(row)
        c = controller
        for signal in (c.stepChanged, c.selectionChanged, c.tracesChanged, c.sceneChanged, c.runsChanged,
                       c.runChanged):
            signal.connect(lambda *_: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        if not self.isVisible():
            return  # drawn when shown (showEvent): playback costs nothing while hidden
        c = self.controller
        self.explanation = None
        if not c.runs:
            self._show("<i>No runs</i>", "")
            return
        i = c.selected
        run = c.runs[i]
        t = c.row(i)
        if t < 1:
            self._show(f"<b style='color:{run.color}'>■</b> {run.label}",
                       "Step 0: the run has not moved yet.\nStep forward (→) to see update 1 written out.")
            return
        try:
            e = explain(run.optimizer, c.states_trace(i), t)
        except Exception as err:  # noqa: BLE001 - a failing rule must never take the app down
            self._show(run.label, f"could not write out update {t}: {err}")
            return
        self.explanation = e
        if e is None:
            self._show(run.label, "no update to show here")
            return
        self._show(f"<b style='color:{run.color}'>■</b> <b>{run.label}</b>: update t = {t}, "
                   f"from x<sub>{t - 1}</sub> to x<sub>{t}</sub>", e.plain().split("\n", 1)[1])

    def _show(self, title: str, body: str) -> None:
        self.title.setText(title)
        if self.text.toPlainText() != body:
            self.text.setPlainText(body)

    def _copy(self, latex: bool) -> None:
        e = self.explanation
        if e is None:
            return
        QtGui.QGuiApplication.clipboard().setText(e.latex() if latex else e.plain())
        self.controller.message.emit("step arithmetic copied" + (" as LaTeX" if latex else ""))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()


def arithmetic_dock(window) -> QtWidgets.QDockWidget:
    """The panel in a dock under the plots: its lines are long (Adam's x line is ~100
    characters), and the full width holds them at 1280 px."""
    dock = QtWidgets.QDockWidget("Step arithmetic", window)
    dock.setObjectName("arithmetic")
    dock.setWidget(ArithmeticPanel(window.controller, dock))
    window.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    window.resizeDocks([dock], [200], QtCore.Qt.Orientation.Vertical)
    return dock
