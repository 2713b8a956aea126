"""The mouse wheel scrolls the controls panel; it never turns a setting on its way.

A combo box, spin box or slider under the pointer takes the wheel only once it has
the keyboard focus (a click or Tab gives it): otherwise the wheel goes to the panel's
scroll bar. One application-wide filter, so widgets a panel builds later (per-run
knobs) are covered too.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

SETTINGS = (QtWidgets.QComboBox, QtWidgets.QAbstractSpinBox, QtWidgets.QAbstractSlider)


def scroll_area_of(widget) -> QtWidgets.QScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QtWidgets.QScrollArea):
        parent = parent.parentWidget()
    return parent


class WheelGuard(QtCore.QObject):
    """Guards every scrolled panel of the application (both modes' controls)."""

    def __init__(self, parent):
        super().__init__(parent)
        QtWidgets.QApplication.instance().installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() != QtCore.QEvent.Type.Wheel or not isinstance(obj, SETTINGS):
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
