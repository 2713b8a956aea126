"""Heavy scenes do not freeze the window: their paths are computed in a worker thread
while the event loop runs, with progress and Cancel, and the scene on screen changes
only when every path is ready (gui.long_work, gui.controller)."""

from __future__ import annotations

import threading
import time

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6 import QtCore, QtWidgets  # noqa: E402

from gui import long_work  # noqa: E402
from gui.long_work import Cancelled, run_off_the_ui_thread  # noqa: E402


def _slow_job(seconds, result, seen_threads):
    def job(progress):
        seen_threads.append(threading.current_thread())
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            time.sleep(0.005)
            progress.tick(1)
        return result
    return job


def test_jobs_run_off_the_ui_thread_while_the_event_loop_keeps_going(qapp):
    seen: list = []
    ui_ran = threading.Event()
    QtCore.QTimer.singleShot(0, ui_ran.set)  # stands for a repaint: runs only if the UI thread is free

    def waits_for_the_ui(progress):
        seen.append(threading.current_thread())
        return ui_ran.wait(20)

    out = run_off_the_ui_thread(None, "Computing paths", [waits_for_the_ui, _slow_job(0.05, "b", seen)], total=20)
    assert out == [True, "b"]  # the timer fired while the first job was still running
    assert seen and all(t is not threading.main_thread() for t in seen)


def test_cancel_stops_the_work_and_returns_none(qapp):
    seen: list = []

    def press_cancel():
        dialog = next(w for w in QtWidgets.QApplication.topLevelWidgets()
                      if isinstance(w, QtWidgets.QProgressDialog) and w.isVisible())
        dialog.cancel()

    QtCore.QTimer.singleShot(long_work.SHOW_AFTER_MS + 300, press_cancel)
    t0 = time.monotonic()
    out = run_off_the_ui_thread(None, "Computing paths", [_slow_job(30.0, "never", seen)], total=6000)
    assert out is None
    assert time.monotonic() - t0 < 10  # not the 30 s the job wanted


def test_a_failing_job_raises_in_the_callers_thread(qapp):
    def bad(progress):
        raise OverflowError("int too large to convert to float")

    with pytest.raises(OverflowError):
        run_off_the_ui_thread(None, "Computing paths", [bad], total=1)


def test_input_is_held_back_while_work_runs(qapp, qtbot):
    button = QtWidgets.QPushButton("recompute")
    qtbot.addWidget(button)
    button.show()
    clicks = []
    button.clicked.connect(lambda: clicks.append(1))
    QtCore.QTimer.singleShot(50, lambda: qtbot.mouseClick(button, QtCore.Qt.MouseButton.LeftButton))
    run_off_the_ui_thread(None, "Computing paths", [_slow_job(0.4, None, [])], total=80)
    assert clicks == []  # a click during the work does not start a second computation
    qtbot.mouseClick(button, QtCore.Qt.MouseButton.LeftButton)
    assert clicks == [1]


def test_the_estimate_sends_heavy_scenes_off_the_ui_thread():
    assert long_work.estimate_seconds([("vector", 100_000)] * 16) > long_work.LONG_WORK_S
    assert long_work.estimate_seconds([("elementwise", 300)] * 8) < long_work.LONG_WORK_S


def test_progress_tick_raises_after_cancel():
    p = long_work.Progress(10)
    p.tick()
    p.cancel.set()
    with pytest.raises(Cancelled):
        p.tick()


HEAVY = {"version": 1, "title": "Heavy", "surface": "rosenbrock", "steps": 3000, "noise": 0.5,
         "runs": [{"optimizer": "lbfgs"}, {"optimizer": "lbfgs:history=5"}]}


def test_a_heavy_scene_is_computed_off_the_ui_thread_and_commits_whole(qapp, monkeypatch):
    from engine.session import Scene
    from gui.controller import PlaygroundController

    heavy = Scene.from_dict(HEAVY)
    assert long_work.estimate_seconds([("vector", heavy.steps)] * 2) > long_work.LONG_WORK_S
    calls = []
    real = long_work.run_off_the_ui_thread
    monkeypatch.setattr(long_work, "run_off_the_ui_thread", lambda *a, **k: calls.append(1) or real(*a, **k))
    threads = set()
    import engine.runner as runner
    real_run = runner.run_batch

    def spy(*a, **k):
        threads.add(threading.current_thread())
        return real_run(*a, **k)
    monkeypatch.setattr(runner, "run_batch", spy)
    c = PlaygroundController(heavy)
    assert calls == [1]
    assert threads and threading.main_thread() not in threads
    assert len(c.traces) == 2 and all(len(tr.xs) > 1 for tr in c.traces)
    assert c.scene.steps == 3000


def test_cancelling_a_heavy_change_keeps_the_scene_on_screen(qapp, monkeypatch):
    from engine.session import Scene
    from gui.controller import PlaygroundController

    c = PlaygroundController(Scene.from_dict({**HEAVY, "steps": 50}))  # light: computed in place
    before = c.current_scene()
    said = []
    c.message.connect(said.append)
    # Cancel as the dialog reports it (the button, Esc or cancel(): test_cancel_stops_the_
    # work_and_returns_none presses the real one), a few polls into the work. Twice a CI
    # run hung here for minutes, the UI thread waiting for the GIL inside the first poll:
    # test_a_numpy_job_leaves_the_ui_thread_its_polls.
    polls = []
    real = QtWidgets.QProgressDialog.wasCanceled
    monkeypatch.setattr(QtWidgets.QProgressDialog, "wasCanceled",
                        lambda dialog: polls.append(1) or len(polls) > 3 or real(dialog))
    t0 = time.monotonic()
    assert not c.set_steps(100_000)  # 2 L-BFGS runs x 100,000 steps: a minute or more
    assert time.monotonic() - t0 < 30 and len(polls) > 3
    assert c.current_scene() == before
    assert any("cancelled" in m for m in said)


def test_a_numpy_job_leaves_the_ui_thread_its_polls(qapp, monkeypatch):
    """L-BFGS steps in NumPy, which drops and retakes the GIL inside its calls: without
    Progress.tick handing the GIL over, the UI thread's 40 ms polls (and with them the
    dialog, its Cancel and every repaint) came seconds apart."""
    from engine.session import Scene
    from gui.controller import PlaygroundController

    c = PlaygroundController(Scene.from_dict({**HEAVY, "steps": 50}))
    polls = []
    real = QtWidgets.QProgressDialog.wasCanceled

    def poll(dialog):
        polls.append(time.monotonic())
        return polls[-1] - polls[0] > 2.0 or real(dialog)  # Cancel after 2 s of polling
    monkeypatch.setattr(QtWidgets.QProgressDialog, "wasCanceled", poll)
    assert not c.set_steps(100_000)  # 2 L-BFGS runs x 100,000 steps: minutes
    gaps = [b - a for a, b in zip(polls, polls[1:])]
    # 50 polls in 2 s at POLL_MS; starved, one or two gaps alone took 2 s or more
    assert len(polls) > 15 and max(gaps) < 0.5, [round(g, 2) for g in gaps]


def test_quitting_the_app_stops_the_worker(qapp):
    QtCore.QTimer.singleShot(200, lambda: QtCore.QCoreApplication.exit(0))
    t0 = time.monotonic()
    try:
        out = run_off_the_ui_thread(None, "Computing paths", [_slow_job(30.0, "never", [])], total=6000)
    finally:
        # exit() outside exec() leaves Qt's "quit now" set, which would end every later
        # event loop at once; a short exec() clears it for the tests that follow
        QtCore.QTimer.singleShot(0, qapp.quit)
        qapp.exec()
    assert out is None and time.monotonic() - t0 < 10
