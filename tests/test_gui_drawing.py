"""Drawing internals that must not change the picture: runs that stand still while one
run's slider is dragged are drawn from a pixmap of themselves (gui.views.trails), and
exports at 2x/4x widen marker outlines as they do lines (gui.export)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6 import QtGui  # noqa: E402

from gui.controller import PlaygroundController, default_scene  # noqa: E402
from gui.window import MainWindow  # noqa: E402


@pytest.fixture
def window(qtbot):
    win = MainWindow(PlaygroundController(default_scene()))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def pixels(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine()).copy()


def drawn_directly(window) -> np.ndarray:
    for items in window.contour.trails.items:
        items.cache_while_still(False)
    return pixels(window.contour)


def test_a_slider_drag_caches_the_runs_that_stand_still_and_the_picture_is_unchanged(window, qtbot):
    c = window.controller
    c.seek(60)
    c.select_run(1)
    slider = window.hyper_controls.knobs["lr"].slider
    for delta in (-30, -60):
        slider.setValue(slider.value() + delta)
        qtbot.wait(10)
    items = window.contour.trails.items
    assert not items[1].cached
    assert all(it.cached for k, it in enumerate(items) if k != 1 and c.runs[k].visible)
    cached = pixels(window.contour)
    assert np.array_equal(cached, drawn_directly(window))


def test_runs_drawn_from_their_pixmap_follow_the_next_step(window, qtbot):
    c = window.controller
    c.seek(40)
    c.select_run(0)
    slider = window.hyper_controls.knobs["lr"].slider
    slider.setValue(slider.value() - 40)
    slider.setValue(slider.value() - 40)
    qtbot.wait(10)
    c.seek(80)  # every trail grows: a stale pixmap would still end at step 40
    qtbot.wait(10)
    assert not any(it.cached for it in window.contour.trails.items)
    moved = pixels(window.contour)
    assert np.array_equal(moved, drawn_directly(window))
