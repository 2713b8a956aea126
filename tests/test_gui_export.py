"""Exports for slides: real, non-blank images of the requested size, SVGs that parse and
hold the curves, and ``main.py render`` without a display."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6 import QtCore, QtGui  # noqa: E402

from gui import export  # noqa: E402
from gui.controller import PlaygroundController, default_scene  # noqa: E402
from gui.window import MainWindow  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def window(qtbot):
    win = MainWindow(PlaygroundController(default_scene()))
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitExposed(win)
    win.controller.jump_to_end()
    return win


def distinct_colors(path, step=7) -> int:
    image = QtGui.QImage(str(path))
    assert not image.isNull(), f"{path} is not an image"
    seen = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            seen.add(image.pixel(x, y))
    return len(seen)


def image_size(path) -> tuple[int, int]:
    image = QtGui.QImage(str(path))
    return image.width(), image.height()


@pytest.mark.parametrize("scale", [1, 2])
def test_window_png_at_1x_and_2x(window, tmp_path, scale):
    path = tmp_path / f"window{scale}.png"
    export.export_widget_png(window, str(path), scale)
    assert image_size(path) == (1280 * scale, 720 * scale)
    assert distinct_colors(path) > 50  # the heat map, five trails, text: not blank


@pytest.mark.parametrize("scale", [1, 2])
def test_plot_png_width_follows_the_scale(window, tmp_path, scale):
    path = tmp_path / f"loss{scale}.png"
    export.export_plot_png(window.loss, str(path), scale)
    w, h = image_size(path)
    assert w == pytest.approx(window.loss.width() * scale, abs=2)
    assert distinct_colors(path, step=3) > 5


def test_plot_svg_parses_and_holds_the_curves(window, tmp_path):
    path = tmp_path / "loss.svg"
    export.export_plot_svg(window.loss, str(path))
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    # one curve per run: a group stroked in the run's colour holding a long path
    curves = {}
    for el in root.iter():
        stroke = el.get("stroke", "").lower()
        points = [p.get("d", "").count("L") + len(p.get("points", "").split())
                  for p in el.iter() if p.tag.endswith(("path", "polyline"))]
        if stroke and points:  # a wide pen comes out as one 2-point polyline per segment
            curves[stroke] = max(curves.get(stroke, 0), sum(points))
    for run in window.controller.runs:
        assert curves.get(run.color.lower(), 0) >= 100
    path = tmp_path / "surface.svg"
    export.export_plot_svg(window.contour, str(path))
    root = ET.parse(path).getroot()
    assert any(el.tag.endswith("image") for el in root.iter())  # the heat map
    assert sum(1 for el in root.iter() if el.tag.endswith("path")) > 10


def test_window_svg_parses(window, tmp_path):
    path = tmp_path / "window.svg"
    export.export_widget_svg(window, str(path))
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")


def test_ctrl_e_saves_to_the_remembered_folder(window, tmp_path, qtbot, monkeypatch):
    store = {export.SETTINGS_FOLDER: str(tmp_path), export.SETTINGS_SCALE: 1.0}

    class FakeSettings:
        def value(self, key, default=None):
            return store.get(key, default)

        def setValue(self, key, value):
            store[key] = value

    monkeypatch.setattr(export, "settings", lambda: FakeSettings())
    window.activateWindow()
    from PySide6.QtTest import QTest
    QTest.keyClick(window, QtCore.Qt.Key.Key_E, QtCore.Qt.KeyboardModifier.ControlModifier)
    files = list(tmp_path.glob("playground-*.png"))
    assert len(files) == 1
    assert image_size(files[0]) == (1280, 720)


# -- main.py render (a subprocess: no display, offscreen by itself) ------------------------


def run_main(*args):
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_render_writes_a_png_of_the_requested_size(tmp_path):
    out = tmp_path / "x.png"
    proc = run_main("render", "--surface", "rosenbrock", "--optimizer", "adam", "--optimizer", "sgd:lr=0.001",
                    "--steps", "200", "-o", str(out), "--size", "800x600")
    assert proc.returncode == 0, proc.stderr
    assert image_size(out) == (800, 600)
    assert distinct_colors(out) > 50


def test_render_one_plot_as_svg_and_png(tmp_path):
    out = tmp_path / "surface.svg"
    proc = run_main("render", "--surface", "quadratic:kappa=20,angle=30", "--optimizer", "momentum",
                    "--view", "surface", "--start=-2,1", "-o", str(out), "--size", "600x500")
    assert proc.returncode == 0, proc.stderr
    assert ET.parse(out).getroot().tag.endswith("svg")
    out = tmp_path / "lr.png"
    proc = run_main("render", "--surface", "sqrt8", "--optimizer", "sgd", "--schedule", "cosine",
                    "--view", "lr", "--caption", "-o", str(out), "--size", "640x400")
    assert proc.returncode == 0, proc.stderr
    assert image_size(out) == (640, 400)


@pytest.mark.parametrize("args, word", [
    (["--surface", "rosenbrock", "--optimizer", "adamx"], "adamx"),
    (["--surface", "rosenbrock", "--optimizer", "adam:lr=1000"], "lr"),
    (["--surface", "nowhere", "--optimizer", "adam"], "nowhere"),
    (["--surface", "rosenbrock"], "--optimizer"),
    (["--surface", "rosenbrock", "--optimizer", "adam", "--size", "10x10"], "--size"),
    (["--surface", "rosenbrock", "--optimizer", "adam", "--steps", "0"], "--steps"),
    (["--surface", "rosenbrock", "--optimizer", "adam", "--start", "1"], "--start"),
    (["--session", "/no/such/file.json"], "--session"),
])
def test_bad_render_input_exits_2_with_one_line(tmp_path, args, word):
    proc = run_main("render", *args, "-o", str(tmp_path / "x.png"))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and word in lines[0], proc.stderr
    assert not (tmp_path / "x.png").exists()


def test_render_gif_without_a_display(tmp_path):
    from PIL import Image

    out = tmp_path / "x.gif"
    proc = run_main("render", "--surface", "rosenbrock", "--optimizer", "adam", "--optimizer", "sgd:lr=0.001",
                    "-o", str(out), "--size", "400x300", "--steps", "30")
    assert proc.returncode == 0, proc.stderr
    with Image.open(out) as im:
        assert im.size == (400, 300)
        assert im.n_frames == 31  # every step, 0 to 30
    assert [p.name for p in tmp_path.iterdir()] == ["x.gif"]  # no temp file left


def test_render_gif_of_a_view_with_frames_fps_and_caption(tmp_path):
    from PIL import Image

    out = tmp_path / "loss.gif"
    proc = run_main("render", "--surface", "quadratic", "--optimizer", "momentum", "--view", "loss", "--caption",
                    "--frames", "12", "--fps", "10", "-o", str(out), "--size", "640x480", "--steps", "100")
    assert proc.returncode == 0, proc.stderr
    with Image.open(out) as im:
        assert im.size == (640, 480) and im.n_frames == 12
        assert im.info["duration"] == 100  # 10 frames a second
        im.seek(11)
        import numpy as np
        assert len(np.unique(np.asarray(im.convert("RGB")).reshape(-1, 3), axis=0)) > 10


@pytest.mark.parametrize("args, name, word", [
    (["--frames", "0"], "x.gif", "--frames"),
    (["--fps", "500"], "x.gif", "--fps"),
    ([], "x.bmp", ".gif"),
])
def test_bad_animation_input_exits_2(tmp_path, args, name, word):
    proc = run_main("render", "--surface", "rosenbrock", "--optimizer", "adam", *args, "-o", str(tmp_path / name))
    assert proc.returncode == 2
    assert word in proc.stderr.strip().splitlines()[-1], proc.stderr
    assert not list(tmp_path.iterdir())
