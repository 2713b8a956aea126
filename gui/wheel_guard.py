"""The mouse wheel scrolls a controls panel; it does not turn the knob under the pointer.

Scrolling down the controls column passed the wheel to whichever combo box, spin box
or slider the pointer crossed: the regularizer jumped to elastic net and the dataset
was regenerated mid-lecture. A knob takes the wheel only once it has the keyboard
focus (clicked or tabbed to); otherwise the wheel goes to the scroll area around it.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

KNOBS = (QtWidgets.QComboBox, QtWidgets.QAbstractSpinBox, QtWidgets.QAbstractSlider)


class WheelGuard(QtCore.QObject):
    """Installed on a scroll area's viewport and, as they appear, on every knob in it."""

    def __init__(self, scroll: QtWidgets.QAbstractScrollArea):
        super().__init__(scroll)
        self.scroll = scroll
        self._watch(scroll.widget() if isinstance(scroll, QtWidgets.QScrollArea) else scroll.viewport())

    def _watch(self, root: QtWidgets.QWidget | None) -> None:
        if root is None:
            return
        root.installEventFilter(self)  # ChildAdded: knobs built later (a new run's page) too
        for knob in root.findChildren(QtWidgets.QWidget):
            self._guard(knob)

    def _guard(self, widget) -> None:
        if isinstance(widget, KNOBS):
            # StrongFocus: a wheel no longer gives focus, so an unfocused knob stays unfocused
            widget.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
            widget.installEventFilter(self)
        elif isinstance(widget, QtWidgets.QWidget):
            widget.installEventFilter(self)

    def eventFilter(self, obj, event):
        kind = event.type()
        if kind == QtCore.QEvent.Type.ChildAdded:
            child = event.child()
            if isinstance(child, QtWidgets.QWidget):
                self._guard(child)
                for knob in child.findChildren(QtWidgets.QWidget):
                    self._guard(knob)
            return False
        if kind == QtCore.QEvent.Type.Wheel and isinstance(obj, KNOBS) and not obj.hasFocus():
            QtCore.QCoreApplication.sendEvent(self.scroll.verticalScrollBar(), event)
            return True
        return False


def guard_wheel(scroll: QtWidgets.QAbstractScrollArea) -> WheelGuard:
    return WheelGuard(scroll)
