"""Exports for slides: real, non-blank images of the requested size, SVGs that parse and
hold the curves, and ``main.py render`` without a display."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6 import QtCore, QtGui  # noqa: E402

from gui import export, export_anim  # noqa: E402
from gui.caption import caption_for  # noqa: E402
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


@pytest.mark.parametrize("scale", [1, 2, 4])
def test_window_png_at_1x_2x_and_4x(window, tmp_path, scale):
    path = tmp_path / f"window{scale}.png"
    export.export_widget_png(window, str(path), scale)
    assert image_size(path) == (1280 * scale, 720 * scale)
    assert distinct_colors(path, step=7 * scale) > 50  # the heat map, five trails, text: not blank


@pytest.mark.parametrize("name", ["surface", "loss", "lr"])
@pytest.mark.parametrize("scale", [1, 2, 4])
def test_plot_png_width_follows_the_scale(window, tmp_path, scale, name):
    view = window.views[name]
    path = tmp_path / f"{name}{scale}.png"
    export.export_plot_png(view, str(path), scale)
    w, h = image_size(path)
    assert w == pytest.approx(view.width() * scale, abs=2)
    assert h == pytest.approx(view.height() * scale, abs=2)
    assert distinct_colors(path, step=3 * scale) > 5


def run_ink(image: QtGui.QImage, color: str) -> np.ndarray:
    """Where ``image`` is drawn in (nearly) exactly ``color``: a (height, width) mask."""
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    ptr = image.constBits()
    a = np.frombuffer(ptr, dtype=np.uint8).reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4]
    rgb = a.reshape(image.height(), image.width(), 4)[:, :, 2::-1].astype(int)
    target = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])
    return np.abs(rgb - target).sum(axis=2) < 30


def run_pixels(image: QtGui.QImage, color: str) -> int:
    """Pixels drawn in (nearly) exactly ``color``."""
    return int(run_ink(image, color).sum())


@pytest.mark.parametrize("name", ["surface", "loss"])
def test_a_4x_export_scales_lines_with_everything_else(window, name):
    """Lines are cosmetic pens (device pixels): at 4x they must be 4x wider too, so a
    run's ink covers ~16x the pixels (4x long, 4x wide), not ~4x (hairlines)."""
    view = window.views[name]
    color = window.controller.runs[0].color
    one, four = (run_pixels(export.plot_image(view, s), color) for s in (1, 4))
    assert one > 20
    assert four > 10 * one
    # and the legend's text grows with the tick numbers: the image is the view drawn larger
    assert export.plot_image(view, 4).width() == pytest.approx(4 * view.width(), abs=2)


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
    assert "Loss" in svg_texts(root) and "step t" in svg_texts(root)  # text stays text
    path = tmp_path / "surface.svg"
    export.export_plot_svg(window.contour, str(path))
    root = ET.parse(path).getroot()
    assert any(el.tag.endswith("image") for el in root.iter())  # the heat map
    assert sum(1 for el in root.iter() if el.tag.endswith("path")) > 10
    assert any("Adam" in t for t in svg_texts(root))  # the legend


def svg_texts(root) -> list[str]:
    return ["".join(el.itertext()).strip() for el in root.iter() if el.tag.endswith("text")]


@pytest.mark.parametrize("name", ["surface", "loss", "lr"])
def test_every_plot_exports_as_svg_with_text(window, tmp_path, name):
    path = tmp_path / f"{name}.svg"
    export.export_plot_svg(window.views[name], str(path))
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    assert len(svg_texts(root)) >= 5  # tick numbers and axis titles as <text>


def test_window_svg_parses(window, tmp_path):
    path = tmp_path / "window.svg"
    export.export_widget_svg(window, str(path))
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    assert len(svg_texts(root)) > 20


# -- caption ------------------------------------------------------------------------------------


def test_caption_lists_the_settings(window):
    c = window.controller
    c.set_schedule(4, "cosine:total=300")
    cap = caption_for(c).plain()
    assert c.scene.title in cap
    assert "quadratic:kappa=10.0,angle=0.0" in cap
    for run in c.runs:
        assert run.optimizer.spec() in cap
    assert "cosine:total=300" in cap and "constant" in cap  # schedules differ: one per run
    assert "300 steps" in cap and "seed 0" in cap and "noise 0" in cap


def test_caption_of_a_custom_surface_holds_the_formula(window):
    c = window.controller
    assert c.set_surface("custom:xmin=-2,xmax=2,ymin=-1,ymax=3", "(1 - x)**2 + 100*(y - x**2)**2")
    cap = caption_for(c).plain()
    assert "f(x, y) = (1 - x)**2 + 100*(y - x**2)**2" in cap and "xmin=-2" in cap


def band_is_text(path, top: int) -> bool:
    """Below ``top`` the image is a white band with some dark text on it."""
    image = QtGui.QImage(str(path))
    dark = white = 0
    for y in range(top + 2, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = QtGui.QColor(image.pixel(x, y))
            if c.lightness() > 245:
                white += 1
            elif c.lightness() < 120:
                dark += 1
    return white > 10 * dark > 0


@pytest.mark.parametrize("scale", [1, 2])
def test_png_with_caption_grows_by_a_band_of_text(window, tmp_path, scale):
    cap = caption_for(window.controller)
    path = tmp_path / "window.png"
    export.export_widget_png(window, str(path), scale, cap)
    w, h = image_size(path)
    assert w == 1280 * scale and h > 720 * scale + 60 * scale
    assert band_is_text(path, 720 * scale)
    path = tmp_path / "loss.png"
    export.export_plot_png(window.loss, str(path), scale, cap)
    w, h = image_size(path)
    assert h > window.loss.height() * scale + 60 * scale


def test_svg_with_caption_has_it_as_text(window, tmp_path):
    cap = caption_for(window.controller)
    for name, write in (("loss", lambda p: export.export_plot_svg(window.loss, p, cap)),
                        ("window", lambda p: export.export_widget_svg(window, p, caption=cap))):
        path = tmp_path / f"{name}.svg"
        write(str(path))
        texts = " ".join(svg_texts(ET.parse(path).getroot()))
        for word in ("Surface", "sgd:lr=0.18", "adam:lr=0.15", "steps"):
            assert word in texts, (name, word)


def test_menu_has_the_export_entries_and_remembers_scale_and_caption(window):
    names = window.commands.by_name
    for name in ("export_window", "export_surface", "export_loss", "export_lr", "export_gif", "export_mp4",
                 "export_data", "scale_1x", "scale_2x", "scale_4x", "export_caption"):
        assert name in names, name
    names["scale_4x"].trigger()
    assert window.exporter.scale == 4.0
    assert not names["scale_1x"].isChecked()
    names["scale_2x"].trigger()
    assert window.exporter.scale == 2.0 and not names["scale_4x"].isChecked()
    on = names["export_caption"].isChecked()
    names["export_caption"].trigger()
    assert window.exporter.caption_on is (not on)
    assert (window.exporter.caption() is None) is on
    names["export_caption"].trigger()
    names["scale_1x"].trigger()


def test_window_png_through_the_menu_action_uses_scale_and_caption(window, tmp_path):
    window.exporter.set_scale(2.0)
    window.exporter.set_caption(True)
    try:
        path = window.exporter.export_window(str(tmp_path / "w.png"))
        w, h = image_size(path)
        assert w == 2560 and h > 1440
        path = window.exporter.export_view("surface", str(tmp_path / "s.svg"))
        assert "Surface" in " ".join(svg_texts(ET.parse(path).getroot()))
    finally:
        window.exporter.set_scale(1.0)
        window.exporter.set_caption(False)


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


# -- animations (GUI) -----------------------------------------------------------------------------


def gif_frames(path):
    from PIL import Image

    with Image.open(path) as im:
        frames = []
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB")))
        return im.size, frames


def run_job(qtbot, window, path, options, timeout=60_000):
    job = window.exporter.start_animation(str(path), options)
    assert job.running  # frames are written from a timer: the window keeps its event loop
    with qtbot.waitSignal(job.finished, timeout=timeout) as blocker:
        pass
    return job, blocker.args


@pytest.mark.parametrize("view", ["surface", "loss", "lr", "window"])
def test_gif_of_each_view_has_the_frames_and_size_asked_for(window, qtbot, tmp_path, view):
    c = window.controller
    c.set_steps(40)
    c.seek(17)
    options = export_anim.AnimationOptions(view=view, width=320, height=240, fps=20)
    job, (path, error) = run_job(qtbot, window, tmp_path / "a.gif", options)
    assert error == "" and path == str(tmp_path / "a.gif")
    size, frames = gif_frames(path)
    assert size == (320, 240) and len(frames) == 41  # every step 0..40
    assert not np.array_equal(frames[0], frames[-1])  # the paths grow
    assert len(np.unique(frames[-1].reshape(-1, 3), axis=0)) > 8  # not blank
    assert c.step == 17  # the window is back where it was
    assert [p.name for p in tmp_path.iterdir()] == ["a.gif"]


def test_gif_frames_evenly_spaced_with_caption_and_play_once(window, qtbot, tmp_path):
    from PIL import Image

    options = export_anim.AnimationOptions(view="surface", width=400, height=360, frames=7, fps=10, loop=False,
                                           hold=0.5, caption=True)
    _job, (path, error) = run_job(qtbot, window, tmp_path / "b.gif", options)
    assert not error
    size, frames = gif_frames(path)
    assert size == (400, 360) and len(frames) == 7
    with Image.open(path) as im:
        assert "loop" not in im.info  # plays once
        durations = []
        for k in range(im.n_frames):
            im.seek(k)
            durations.append(im.info["duration"])
    assert durations == [100] * 6 + [600]  # 10 frames/s, the end held 0.5 s more
    # the caption band at the bottom: mostly white with dark text, the same on every frame
    band = frames[-1][-40:]
    assert (band.min(axis=2) == 255).mean() > 0.7 and (band.max(axis=2) < 160).any()
    assert np.array_equal(frames[0][-40:], band)


def test_frame_by_frame_rendering_is_deterministic(window, tmp_path):
    c = window.controller
    c.set_steps(30)
    options = export_anim.AnimationOptions(view="surface", width=300, height=300)
    files = []
    for name in ("one.gif", "two.gif"):
        source = export_anim.make_source(window, options, None)
        files.append(export_anim.write_animation(source, str(tmp_path / name), options))
    assert (tmp_path / "one.gif").read_bytes() == (tmp_path / "two.gif").read_bytes()


def test_gif_frame_shows_the_scene_at_its_step(window, tmp_path):
    """Frame k of the GIF is the surface view at step k (within the palette's rounding)."""
    c = window.controller
    c.set_steps(20)
    options = export_anim.AnimationOptions(view="surface", width=300, height=260, counter=False)
    source = export_anim.make_source(window, options, None)
    reference = export_anim.image_rgb(source.frame(9).copy())
    source.close()
    source = export_anim.make_source(window, options, None)
    export_anim.write_animation(source, str(tmp_path / "c.gif"), options)
    _size, frames = gif_frames(tmp_path / "c.gif")
    err = np.abs(frames[9].astype(int) - reference.astype(int)).max(axis=2)
    assert np.mean(err <= 24) > 0.99
    other = np.abs(frames[3].astype(int) - reference.astype(int)).max(axis=2)
    assert np.mean(other > 24) > np.mean(err > 24)


def test_cancel_midway_leaves_no_file(window, qtbot, tmp_path):
    from PySide6 import QtWidgets
    from PySide6.QtTest import QTest

    options = export_anim.AnimationOptions(view="surface", width=400, height=300)
    job = window.exporter.start_animation(str(tmp_path / "never.gif"), options)
    qtbot.waitUntil(lambda: job.anim is not None and job.anim.done >= 5, timeout=30_000)
    assert job.running and job.anim.done < job.anim.total
    assert any(p.name.endswith(".part.gif") for p in tmp_path.iterdir())  # written to a temp file
    button = job.progress.findChild(QtWidgets.QPushButton)
    with qtbot.waitSignal(job.finished) as blocker:
        QTest.mouseClick(button, QtCore.Qt.MouseButton.LeftButton)
    assert blocker.args[0] == "" and "cancelled" in blocker.args[1]
    assert not job.running
    assert list(tmp_path.iterdir()) == []


def test_animation_options_are_checked(window, tmp_path):
    for bad in (dict(width=10), dict(fps=0), dict(fps=60), dict(frames=0), dict(view="nope")):
        options = export_anim.AnimationOptions(**bad)
        with pytest.raises(ValueError):
            export_anim.make_writer(str(tmp_path / "x.gif"), options, 10)
    assert list(tmp_path.iterdir()) == []


def test_plan_frames_and_delays():
    assert export_anim.plan_frames(4) == [0, 1, 2, 3, 4]
    assert export_anim.plan_frames(300, 4) == [0, 100, 200, 300]
    assert export_anim.plan_frames(2, 5) == [0, 0, 1, 2, 2]  # more frames than steps: steps repeat
    assert export_anim.plan_frames(9, 1) == [9]
    delays = export_anim.frame_delays(30, 30.0)
    assert sum(delays) == 100 and set(delays) <= {3, 4}  # 30 fps on average, whole centiseconds
    assert export_anim.frame_delays(3, 10.0, hold=1.5) == [10, 10, 160]


def test_mp4_entry_says_what_to_install_when_the_extra_is_missing(window, monkeypatch):
    from PySide6 import QtWidgets

    shown = []
    installed = export_anim.mp4_available()
    monkeypatch.setattr(export_anim, "mp4_available", lambda: False)
    monkeypatch.setattr(QtWidgets.QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    assert window.exporter.export_animation("mp4") is None
    assert shown and "pip install 'optimizer-playground[video]'" in shown[0]
    action = window.commands.by_name["export_mp4"]
    if not installed:
        assert "video extra" in action.text() and "optimizer-playground[video]" in action.toolTip()


def test_mp4_when_the_video_extra_is_installed(window, qtbot, tmp_path):
    pytest.importorskip("imageio")
    pytest.importorskip("imageio_ffmpeg")
    import imageio.v2 as imageio

    window.controller.set_steps(24)
    options = export_anim.AnimationOptions(view="loss", width=321, height=240, fps=12, hold=0.0)
    _job, (path, error) = run_job(qtbot, window, tmp_path / "v.mp4", options)
    assert not error
    reader = imageio.get_reader(path)
    frames = [f for f in reader]
    assert len(frames) == 25 and frames[0].shape[:2] == (240, 322)  # odd width padded for yuv420p


# -- trajectories -----------------------------------------------------------------------------------


def test_trajectories_csv_round_trips_exactly(window, tmp_path):
    from gui.export_data import read_trajectories_csv

    c = window.controller
    c.set_noise(0.3)  # noisy floats: every digit matters
    path = window.exporter.export_trajectories(str(tmp_path / "runs.csv"))
    runs = read_trajectories_csv(open(path, encoding="utf-8").read())
    assert sorted(runs) == list(range(1, len(c.runs) + 1))
    for i, (cfg, tr) in enumerate(zip(c.runs, c.traces), start=1):
        back = runs[i]
        assert back["optimizer"] == cfg.optimizer.spec() and back["schedule"] == cfg.schedule.spec()
        assert back["label"] == cfg.label
        rows = np.array(back["rows"], dtype=float)
        assert rows.shape == (len(tr.xs), 5)
        assert np.array_equal(rows[:, 0], np.arange(len(tr.xs)))
        assert np.array_equal(rows[:, 1:3], tr.xs) and np.array_equal(rows[:, 3], tr.loss)
        assert np.array_equal(rows[:, 4], tr.lr)
    assert open(path).readline().strip() == "run,label,optimizer,schedule,step,x,y,loss,lr"


def test_trajectories_csv_of_a_1d_surface_and_a_spec_with_commas(window, tmp_path):
    import csv

    c = window.controller
    assert c.set_surface("sqrt8")
    c.set_hyper(1, "momentum", 0.5)  # "momentum:lr=0.03,momentum=0.5": quoted in the CSV
    path = window.exporter.export_trajectories(str(tmp_path / "runs.csv"))
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["run", "label", "optimizer", "schedule", "step", "x", "loss", "lr"]
    second = [r for r in rows[1:] if r[0] == "2"]
    assert second[0][2] == c.runs[1].optimizer.spec() and "," in second[0][2]
    assert [float(r[5]) for r in second] == c.traces[1].xs[:, 0].tolist()


def test_trajectories_json_holds_the_scene_and_every_row(window, tmp_path):
    import json

    from engine.session import Scene

    c = window.controller
    path = window.exporter.export_trajectories(str(tmp_path / "runs.json"))
    doc = json.load(open(path))
    assert Scene.from_dict(doc["scene"]).runs == c.scene.runs
    assert len(doc["runs"]) == len(c.runs)
    for entry, tr in zip(doc["runs"], c.traces):
        assert [r["loss"] for r in entry["rows"]] == tr.loss.tolist()
        assert [[r["x"], r["y"]] for r in entry["rows"]] == tr.xs.tolist()
        assert entry["diverged_at"] == tr.diverged_at
    assert [p.name for p in tmp_path.iterdir()] == ["runs.json"]


def test_menu_actions_through_their_dialogs(window, qtbot, tmp_path, monkeypatch):
    """File > Export > Animation (GIF)…, Trajectories… and Window… with the dialogs answered."""
    from PySide6 import QtWidgets

    from gui import export_anim_ui

    answers = iter([str(tmp_path / "anim.gif"), str(tmp_path / "runs.csv"), str(tmp_path / "win.svg")])
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (next(answers), ""))

    def accept(dialog):
        dialog.view.setCurrentIndex(dialog.view.findData("loss"))
        dialog.width_box.setValue(300)
        dialog.height_box.setValue(200)
        dialog.spaced.setChecked(True)
        dialog.count.setValue(9)
        return QtWidgets.QDialog.DialogCode.Accepted

    monkeypatch.setattr(export_anim_ui.AnimationDialog, "exec", accept)
    window.commands.by_name["export_gif"].trigger()
    job = window.exporter.job
    with qtbot.waitSignal(job.finished, timeout=30_000):
        pass
    size, frames = gif_frames(tmp_path / "anim.gif")
    assert size == (300, 200) and len(frames) == 9
    dialog = export_anim_ui.AnimationDialog(window, "gif")  # the choices are remembered
    assert dialog.view.currentData() == "loss" and dialog.spaced.isChecked() and dialog.count.value() == 9
    window.commands.by_name["export_data"].trigger()
    assert (tmp_path / "runs.csv").read_text().startswith("run,label,optimizer,schedule,step")
    window.commands.by_name["export_window"].trigger()
    assert ET.parse(tmp_path / "win.svg").getroot().tag.endswith("svg")
