"""The mouse wheel scrolls the controls panel; it never turns a setting on its way.

A combo box, spin box or slider under the pointer takes the wheel only once it has
the keyboard focus (a click or Tab gives it): otherwise the wheel goes to the panel's
scroll bar. The filter sits on the widgets inside the panels' scroll areas only (an
application-wide Python filter saw every event of the app, ~40 a slider move, ~4% of a
drag); widgets a panel builds later (per-run knobs) are covered as they are added.
"""

from __future__ import annotations

import shiboken6
from PySide6 import QtCore, QtWidgets

SETTINGS = (QtWidgets.QComboBox, QtWidgets.QAbstractSpinBox, QtWidgets.QAbstractSlider)


def scroll_area_of(widget) -> QtWidgets.QScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QtWidgets.QScrollArea):
        parent = parent.parentWidget()
    return parent


class WheelGuard(QtCore.QObject):
    """Guards the scroll areas it is given (both modes' controls panels) and every widget
    added inside them later."""

    def __init__(self, parent):
        super().__init__(parent)
        self._pending: list = []

    def cover(self, scroll: QtWidgets.QScrollArea) -> None:
        self._cover(scroll.viewport())

    def cover_scroll_areas(self, root: QtWidgets.QWidget) -> None:
        for scroll in root.findChildren(QtWidgets.QScrollArea):
            self.cover(scroll)

    def _cover(self, widget: QtWidgets.QWidget) -> None:
        for w in [widget] + widget.findChildren(QtWidgets.QWidget):
            if not w.property("wheel_guarded"):
                w.setProperty("wheel_guarded", True)
                w.installEventFilter(self)

    def _cover_pending(self) -> None:
        pending, self._pending = self._pending, []
        for w in pending:
            if shiboken6.isValid(w) and isinstance(w, QtWidgets.QWidget):
                self._cover(w)

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if kind == QtCore.QEvent.Type.ChildAdded:
            # the child is still being built (its Python type may not be set yet): cover it
            # and what it holds once the event loop runs, before any wheel can reach it
            if not self._pending:
                QtCore.QTimer.singleShot(0, self._cover_pending)
            self._pending.append(event.child())
            return False
        if kind != QtCore.QEvent.Type.Wheel or not isinstance(obj, SETTINGS):
            return False
        if obj.hasFocus() or isinstance(obj, QtWidgets.QScrollBar):
            return False
        scroll = scroll_area_of(obj)
        if scroll is None:
            return False
        if obj.focusPolicy() == QtCore.Qt.FocusPolicy.WheelFocus:
            obj.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)  # the wheel must not give it the focus
        QtWidgets.QApplication.sendEvent(scroll.verticalScrollBar(), event)
        return True
