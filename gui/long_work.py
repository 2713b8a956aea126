"""Long computations off the UI thread, with progress and Cancel.

Paths are pure functions of the scene and most take milliseconds, so the controller
computes them in place. A scene that would take longer than :data:`LONG_WORK_S`
(16 L-BFGS runs x 100,000 steps with noise: minutes) is computed by
:func:`run_off_the_ui_thread`: the jobs run in a worker thread while the window keeps
painting in a local event loop, a progress dialog with Cancel appears after
``SHOW_AFTER_MS``, and input to the window is held back until the work ends (so a
slider cannot start a second computation in the middle of the first). The caller
gets the results, ``None`` after Cancel, or the job's exception -- the same contract
as computing in place, so the scene on screen changes only when everything is ready.
"""

from __future__ import annotations

import threading
import time

from PySide6 import QtCore, QtWidgets

# Estimated seconds above which paths are computed off the UI thread. Below it a change
# is drawn at once, as before (a slider drag on a scene of a few hundred L-BFGS steps).
LONG_WORK_S = 1.0
SHOW_AFTER_MS = 300
POLL_MS = 40
# Measured per update on this 2-core machine (benchmarks/bench_engine.py, NOTES.md):
# element-wise rules step in Python floats, vector rules (Newton, BFGS, L-BFGS, random
# search) in NumPy with a line search; generous figures, so the estimate errs long.
SECONDS_PER_STEP = {"elementwise": 5e-6, "vector": 1e-3}
# A job gives the UI thread the interpreter at least this often (Progress.tick). NumPy
# drops and retakes the GIL inside its calls, and each retake resets CPython's switch
# timer, so the UI thread, waiting to run its poll, could wait for seconds: on a busy
# 2-core machine polls 40 ms apart came 1-9 s apart, and Cancel with them.
YIELD_S = 0.005

# Held back while work runs. Releases pass, so a slider or button pressed before the work
# began is not left pressed; a change they ask for meanwhile is refused (busy()).
_INPUT = {QtCore.QEvent.Type.MouseButtonPress, QtCore.QEvent.Type.MouseButtonDblClick,
          QtCore.QEvent.Type.MouseMove, QtCore.QEvent.Type.Wheel, QtCore.QEvent.Type.KeyPress,
          QtCore.QEvent.Type.Shortcut, QtCore.QEvent.Type.ShortcutOverride, QtCore.QEvent.Type.Drop,
          QtCore.QEvent.Type.ContextMenu}
_running = threading.Event()


def busy() -> bool:
    """True while :func:`run_off_the_ui_thread` waits for its worker."""
    return _running.is_set()


class Cancelled(Exception):
    """Raised inside a job when the user pressed Cancel."""


def estimate_seconds(kinds_and_steps) -> float:
    """Rough seconds for runs given as (rule kind, updates) pairs."""
    return sum(SECONDS_PER_STEP.get(kind, SECONDS_PER_STEP["vector"]) * steps for kind, steps in kinds_and_steps)


class Progress:
    """Handed to each job: ``tick(units)`` after some work (raises Cancelled after Cancel)."""

    def __init__(self, total: int):
        self.total = max(int(total), 1)
        self.done = 0
        self.cancel = threading.Event()
        self._yielded = time.perf_counter()

    def tick(self, units: int = 1) -> None:
        self.done += units
        if self.cancel.is_set():
            raise Cancelled()
        now = time.perf_counter()
        if now - self._yielded > YIELD_S:
            self._yielded = now
            time.sleep(0)  # lets the waiting UI thread take the GIL (see YIELD_S)


class _HoldInput(QtCore.QObject):
    """Swallows input to every window but the progress dialog while work runs."""

    def __init__(self, dialog):
        super().__init__(dialog)
        self.dialog = dialog

    def eventFilter(self, obj, event):
        if event.type() in _INPUT:
            widget = obj if isinstance(obj, QtWidgets.QWidget) else None
            inside = widget is not None and (widget is self.dialog or self.dialog.isAncestorOf(widget))
            return not inside
        return False


def run_off_the_ui_thread(parent, label: str, jobs, total: int):
    """Run ``jobs`` (callables taking a :class:`Progress`) one after the other in a
    worker thread; returns their results in order, or None when cancelled. A job's
    exception is raised here, in the caller's thread."""
    app = QtWidgets.QApplication.instance()
    progress = Progress(total)
    outcome: dict = {"results": [], "error": None}

    def work():
        try:
            for job in jobs:
                outcome["results"].append(job(progress))
        except Cancelled:
            pass
        except Exception as err:  # noqa: BLE001 - handed to the caller's thread
            outcome["error"] = err

    worker = threading.Thread(target=work, name="paths", daemon=True)
    dialog = QtWidgets.QProgressDialog(label, "Cancel", 0, 1000, parent)
    dialog.setWindowTitle("Computing")
    dialog.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(SHOW_AFTER_MS)
    dialog.setAutoReset(False)
    dialog.setAutoClose(False)
    hold = _HoldInput(dialog)
    app.installEventFilter(hold)
    loop = QtCore.QEventLoop()
    timer = QtCore.QTimer()
    timer.setInterval(POLL_MS)
    started = time.perf_counter()

    def poll():
        if dialog.wasCanceled():  # the button, Esc or cancel(): all end here
            progress.cancel.set()
        dialog.setValue(min(999, int(1000 * progress.done / progress.total)))
        elapsed = time.perf_counter() - started
        if progress.done:
            left = elapsed * (progress.total - progress.done) / progress.done
            dialog.setLabelText(f"{label}\n{progress.done:,} of {progress.total:,} updates, ~{left:.0f} s left")
        if not worker.is_alive():
            loop.quit()

    timer.timeout.connect(poll)
    _running.set()
    worker.start()
    timer.start()
    try:
        loop.exec()
    finally:
        if worker.is_alive():  # the app is quitting (window closed): stop at the next update
            progress.cancel.set()
        _running.clear()
        timer.stop()
        app.removeEventFilter(hold)
        dialog.close()
        dialog.deleteLater()
        worker.join()
    if progress.cancel.is_set():
        return None
    if outcome["error"] is not None:
        raise outcome["error"]
    return outcome["results"]
