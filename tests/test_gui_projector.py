"""In front of a class (pytest-qt, offscreen): nothing stale after a preset switch,
nothing cut at a projector's 1280x800 in presentation mode, readable in both themes."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6 import QtCore  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from engine.presets import load_preset  # noqa: E402
from gui import restyle  # noqa: E402
from gui import settings as store  # noqa: E402
from gui.controller import PlaygroundController, default_scene  # noqa: E402
from gui.window import MainWindow  # noqa: E402

Key = QtCore.Qt.Key


@pytest.fixture(autouse=True)
def fresh_settings_and_theme():
    store.settings().clear()
    yield
    restyle.switch([], name="light", scale=1.0)  # module state: the next test starts light, 1x
    store.settings().clear()


@pytest.fixture
def window(qtbot):
    win = MainWindow(PlaygroundController(default_scene()))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def overlay_points(window) -> int:
    """How many points the head overlays (arrows, boxes, their gain note) draw."""
    over = window.contour.overlays
    items = [over.grad, *(item for run in over.per_run for item in run.values())]
    n = sum(len(item.getData()[0] if item.getData()[0] is not None else []) for item in items)
    return n + len(over.label.toPlainText())


# -- 1. no overlay survives a preset switch --------------------------------------------------------


ARROWS = ("gradient_arrows", "step_arrows", "velocity_arrows", "adaptive_boxes")


def arrows_then_none(keys) -> tuple[str, str]:
    """Two neighbours of a playlist: the first shows head arrows, the next none."""
    scenes = {k: load_preset(k) for k in keys}

    def arrows(k):
        return scenes[k].mode == "surface" and any(scenes[k].display.get(a) for a in ARROWS)

    return next((a, b) for a, b in zip(keys, keys[1:]) if arrows(a) and scenes[b].mode == "surface"
                and not arrows(b))


@pytest.mark.parametrize("how", ["menu", "page_down", "escape"])
def test_no_overlay_item_survives_a_preset_switch(window, how):
    presets = window.presets
    presets.set_playlist("lecture")
    first, second = arrows_then_none(presets.keys())
    presets.load(first)
    window.controller.seek(5)
    assert overlay_points(window) > 0  # the test can see arrows when there are some
    if how == "menu":
        presets.load(second)
    elif how == "page_down":
        QTest.keyClick(window, Key.Key_F5)
        QTest.keyClick(window, Key.Key_PageDown)
        assert presets.current == second
    else:
        QTest.keyClick(window, Key.Key_F5)
        presets.load(second)
        QTest.keyClick(window, Key.Key_Escape)
    c = window.controller
    assert not any(c.display(k) for k in ARROWS)
    assert overlay_points(window) == 0
    c.seek(20)
    assert overlay_points(window) == 0


def test_arrows_follow_the_new_scene_when_both_presets_show_them(window):
    window.presets.load("sqrt8-gradient-descent")
    window.controller.seek(3)
    window.presets.load("lr-too-low-high-2d")
    c = window.controller
    c.seek(0)
    over = window.contour.overlays
    start = np.asarray(c.start, dtype=float)[:2]
    drawn = 0
    for items in over.per_run:
        xs, ys = items["step"].getData()
        if xs is not None and len(xs):
            drawn += 1
            assert np.allclose((xs[0], ys[0]), start)  # every arrow leaves the new start point
    assert drawn == len(c.runs)
