"""Panels that read numbers (runs list, inspector, status bar) follow a slider drag or the
playback at most ~12 times a second (gui.throttle), and always end on the last state:
a name that lies ("lr = 0.01" after the slider moved to 0.5) must not come back."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from gui.controller import PlaygroundController, default_scene  # noqa: E402
from gui.throttle import Throttle  # noqa: E402
from gui.window import MainWindow  # noqa: E402


@pytest.fixture
def window(qtbot):
    win = MainWindow(PlaygroundController(default_scene()))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_the_first_request_runs_at_once_and_a_burst_once_at_the_end(qtbot):
    calls = []
    throttle = Throttle(80, lambda: calls.append(time.perf_counter()))
    t0 = time.perf_counter()
    throttle.request()
    assert len(calls) == 1 and not throttle.pending  # after a quiet spell: no delay
    for _ in range(10):
        throttle.request()
    assert len(calls) == 1 and throttle.pending  # merged into one run
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=1000)
    assert calls[1] - t0 >= 0.075  # at the end of the interval, not before
    qtbot.wait(120)
    assert len(calls) == 2  # nothing was left to run
    throttle.flush()
    assert len(calls) == 2  # flush runs only a waiting request
    throttle.request()
    throttle.request()
    throttle.flush()
    assert len(calls) == 4 and not throttle.pending


def test_a_drag_refreshes_the_runs_list_and_inspector_a_few_times_and_ends_on_the_last_lr(window, qtbot):
    c = window.controller
    c.select_run(0)
    c.seek(5)  # lr_t of update 5 (row 0 has none)
    refreshed = {"list": 0, "inspector": 0}
    list_refresh, inspector_refresh = window.runs_panel._refresh, window.inspector.refresh

    def count_list(i):
        refreshed["list"] += 1
        list_refresh(i)

    def count_inspector(**kw):
        refreshed["inspector"] += 1
        inspector_refresh(**kw)

    window.runs_panel._refresh, window.inspector.refresh = count_list, count_inspector
    slider = window.hyper_controls.knobs["lr"].slider
    qtbot.wait(100)
    t0 = time.perf_counter()
    for k in range(30):  # ~60 moves a second, as a mouse drag
        slider.setValue(slider.value() + (1 if k % 2 else 2))
        qtbot.wait(5)
    elapsed = time.perf_counter() - t0
    qtbot.wait(150)
    # about one refresh per 80 ms of dragging (and the last one), not one per move
    assert 1 <= refreshed["list"] <= elapsed / 0.08 + 2, (refreshed, elapsed)
    assert 1 <= refreshed["inspector"] <= elapsed / 0.08 + 2, (refreshed, elapsed)
    label = c.runs[0].label
    assert label in window.runs_panel.list.item(0).text()  # the name of the last lr, not an older one
    assert label in window.inspector.title.text()
    table = window.inspector.table
    names = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    lr = float(table.item(names.index("lr_t"), 0).text())
    assert lr == pytest.approx(c.runs[0].optimizer.params["lr"], rel=1e-3)


def test_stepping_with_the_keys_shows_each_step_at_once(window, qtbot):
    # one step after a pause: the first request runs at once, no 80-ms lag
    c = window.controller
    qtbot.wait(100)
    c.seek(7)
    table = window.inspector.table
    names = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    assert table.item(names.index("t"), 0).text() == "7"
