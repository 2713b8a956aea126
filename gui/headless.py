"""The life of an offscreen window for ``render``: a quiet Qt log, signals that clean up,
and an ordered teardown before the interpreter exits.

Why the teardown: left alone, the window and its pyqtgraph items outlive ``main()``;
at exit ``Py_FinalizeEx`` runs PySide's atexit hook, which destroys the QApplication
and with it every remaining widget. ``~QGraphicsWidget`` then sends events to items
whose Python wrappers (pyqtgraph subclasses overriding ``event``) are being finalised,
and about every second run died with SIGSEGV after writing its file. Closing and
deleting the widgets here, while Python is whole, and dropping our references leaves
nothing for that hook to destroy but the QApplication itself.
"""

from __future__ import annotations

import gc
import signal
import sys
from contextlib import contextmanager

# Printed by the offscreen platform for every window it shows; nothing is wrong.
QUIET_MESSAGES = ("This plugin does not support propagateSizeHints()",)
CLEAN_EXIT_SIGNALS = ("SIGTERM", "SIGHUP")


def _log(mode, context, message) -> None:
    if message in QUIET_MESSAGES:
        return
    sys.stderr.write(message + "\n")


@contextmanager
def quiet_qt_log():
    """Qt's warnings reach stderr as before, without the offscreen plugin's noise; the
    handler is removed again, so no Python code runs from Qt's log at exit."""
    from PySide6 import QtCore

    previous = QtCore.qInstallMessageHandler(_log)
    try:
        yield
    finally:
        QtCore.qInstallMessageHandler(previous)


class Terminated(BaseException):
    """SIGTERM or SIGHUP while writing: unwinds like an exception, so half-written
    temporary files are removed on the way out; ``render`` then exits 128 + signal.

    Not a SystemExit: raised inside a Qt slot, PySide hands the exception to
    PyErr_Print, which ends the process on the spot for a SystemExit, before any
    ``finally`` has removed the temporary file. Any other exception is printed there
    and the render raises it again between frames (:func:`exit_if_signalled`); raised
    in a Qt virtual (an event filter, a boundingRect), PySide may hand it on as a
    SystemError instead, which ``render`` also reads as the signal (:func:`received`)."""

    @property
    def code(self) -> int:
        return self.args[0]


# The status of a signal already received. pyqtgraph catches and prints exceptions in
# some of its callbacks (debug.printExc), so a Terminated raised while one of them runs
# is swallowed; the render checks this between frames and raises it again.
_received: int | None = None


def _raise_exit(signum, frame):
    global _received
    _received = 128 + signum
    raise Terminated(_received)


def received() -> int | None:
    """128 + the signal if SIGTERM/SIGHUP arrived while :func:`clean_exit_on_signals` lasted."""
    return _received


def exit_if_signalled() -> None:
    """Raise :class:`Terminated` if SIGTERM/SIGHUP arrived, even if it was swallowed."""
    if _received is not None:
        raise Terminated(_received)


@contextmanager
def clean_exit_on_signals():
    """SIGTERM/SIGHUP raise :class:`Terminated` in the main thread while this lasts."""
    global _received
    _received = None
    previous = {}
    for name in CLEAN_EXIT_SIGNALS:
        sig = getattr(signal, name, None)
        if sig is None:
            continue
        try:
            previous[sig] = signal.signal(sig, _raise_exit)
        except (ValueError, OSError):  # not the main thread
            pass
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def tear_down(app, *objects) -> None:
    """Close and delete ``objects`` (widgets or QObjects) and every top-level widget,
    let Qt run the deletions, then collect: children go before the QApplication."""
    from PySide6 import QtCore, QtWidgets

    widgets = [o for o in objects if isinstance(o, QtWidgets.QWidget)]
    for widget in widgets + [w for w in app.topLevelWidgets() if w not in widgets]:
        try:
            # QWidget.close itself: pyqtgraph's GraphicsView.close clears its scene and
            # swaps the viewport, which crashes on a view taken out of its window
            QtWidgets.QWidget.close(widget)
            widget.deleteLater()
        except RuntimeError:  # already deleted by its parent
            pass
    for obj in objects:
        if isinstance(obj, QtCore.QObject) and not isinstance(obj, QtWidgets.QWidget):
            try:
                obj.deleteLater()
            except RuntimeError:
                pass
    for _ in range(3):
        app.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete.value)
        app.processEvents()
    gc.collect()
