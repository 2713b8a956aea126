"""Presentation mode's thick trails: frames per second of the real window at 1920x1080
(offscreen unless QT_QPA_PLATFORM says otherwise), fonts and markers at 2x.

NOTES.md measured wide pens at a fifth of the frame rate (width 2 + antialias: under
2 frames/s). That is Qt's raster engine *stroking a path* (QPainter.drawPath): the
outline of the whole polyline with its joins. Stroking the same trail as separate
segments (QPainter.drawLines, pyqtgraph's segmentedLineMode) costs about the same at
width 6 as at width 1. This script compares, for two scenes:

* ``race``: benchmarks/bench_gui.py's 8 runs x 1000 steps on Rosenbrock;
* ``zigzag``: 8 SGD runs just under lr = 2/L on a kappa = 10 valley: 1000 long
  segments each across the whole map (the worst case a lecturer shows: "lr too high");

the ways to draw a thick trail: thin (normal mode), a stroked path (aliased, then
antialiased), separate segments (aliased: what presentation mode uses; antialiased),
each with the last ~60 frames of the run (late: 940+ rows) and the first 60; and the
pixmap cache at Qt's default 10 MB vs the app's 256 MB (gui.app.PIXMAP_CACHE_KB).

    .venv/bin/python benchmarks/bench_presentation.py [--quick]

Measured (2-core box, offscreen, load ~2; frames/s early / late): zigzag: thin 1 px
122 / 52, separate segments 3.5 px 125 / 51 (used), stroked path 86 / 30, stroked path
antialiased 2.7 / 2.0, segments antialiased 90 / 37. The 10 MB pixmap cache: 57 instead
of 159 frames/s on the optimizer-race preset, 30 instead of 51 late in the race scene.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WIDTH, HEIGHT = 1920, 1080
_TMP = tempfile.mkdtemp(prefix="bench-presentation-")
if "QT_QPA_PLATFORM" not in os.environ:
    # offscreen's screen is 800x800 unless a config file describes one: a projector's
    with open(os.path.join(_TMP, "screen.json"), "w") as fh:
        json.dump({"screens": [{"name": "Projector", "x": 0, "y": 0, "width": WIDTH, "height": HEIGHT,
                                "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}, fh)
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={os.path.join(_TMP, 'screen.json')}"
# never the lecturer's own settings
os.environ["OPTIMIZER_PLAYGROUND_SETTINGS"] = os.path.join(_TMP, "settings.ini")


def zigzag_scene():
    from engine.session import PALETTE, RunConfig, Scene
    from engine.spec import OptimizerSpec

    runs = tuple(RunConfig(OptimizerSpec.make("sgd", lr=0.1995 - 0.0003 * i), color=PALETTE[i]) for i in range(8))
    return Scene(surface="quadratic:kappa=10", runs=runs, steps=1000, start=(-2.8, 2.5), speed=60.0)


def race_scene():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_gui import bench_scene
    return bench_scene()


def presenting_window(scene):
    from gui.app import build_window, make_application

    app = make_application()
    controller, window = build_window(scene)
    window.resize(WIDTH, HEIGHT)
    window.show()
    window.presentation.enter()
    settle(app)
    size = (window.width(), window.height())
    if size != (WIDTH, HEIGHT):
        raise SystemExit(f"the window is {size[0]}x{size[1]}, not {WIDTH}x{HEIGHT}: the measurement is not valid")
    return app, controller, window


def settle(app, seconds: float = 0.3) -> None:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        app.processEvents()


def frame_ms(app, controller, first: int, frames: int) -> float:
    controller.seek(first - 1)
    app.processEvents()
    times = []
    for k in range(first, first + frames):
        t0 = time.perf_counter()
        controller.seek(k)
        app.processEvents()  # the paints happen here
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def set_trails(window, mode: str, antialias: bool, thin: bool = False) -> None:
    from gui import theme

    trails = window.contour.trails
    for i, items in enumerate(trails.items):
        run = window.controller.runs[i]
        pen = theme.pen(run.color, 1.0 / theme.LINE_SCALE if thin else trails.width)
        items.trail.setPen(pen)
        items.trail.opts["antialias"] = antialias
        items.trail.setSegmentedLineMode(mode)
        items.shown = -1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames")
    args = parser.parse_args()
    frames = 30 if args.quick else 60
    from PySide6 import QtGui

    from gui import theme

    print(f"platform {os.environ['QT_QPA_PLATFORM'].split(':')[0]}, full screen {WIDTH}x{HEIGHT}, presentation "
          "mode (2x); median ms per frame (frames/s); early: rows 1..60, late: the last 60 rows")
    ways = (("thin, width 1 (normal mode's look)", "auto", False, True),
            ("stroked path, aliased", "off", False, False),
            ("stroked path, antialiased", "off", True, False),
            ("separate segments, aliased  [used]", "on", False, False),
            ("separate segments, antialiased", "on", True, False))
    from engine.presets import load_preset

    scenes = (("preset optimizer-race", lambda: load_preset("optimizer-race")), ("race", race_scene),
              ("zigzag", zigzag_scene))
    for name, make in scenes:
        app, controller, window = presenting_window(make())
        width = window.contour.trails.items[0].trail.opts["pen"].widthF()
        print(f"\n{name}: {len(controller.runs)} runs x {controller.scene.steps} steps, thick trails {width:.1f} px,"
              f" fonts x{theme.SCALE:g}")
        last = controller.last_step - frames
        for label, mode, aa, thin in ways:
            set_trails(window, mode, aa, thin)
            settle(app, 0.05)
            early = frame_ms(app, controller, 1, frames)
            late = frame_ms(app, controller, last, frames if not (mode == "off" and aa) else max(frames // 6, 4))
            print(f"  {label:38s} early {early:7.2f} ms ({1e3 / early:5.1f}/s)   late {late:7.2f} ms "
                  f"({1e3 / late:5.1f}/s)")
        set_trails(window, "on", False)
        limit = QtGui.QPixmapCache.cacheLimit()
        QtGui.QPixmapCache.setCacheLimit(10 * 1024)
        settle(app, 0.05)
        small = frame_ms(app, controller, last, frames)
        QtGui.QPixmapCache.setCacheLimit(limit)
        print(f"  {'segments, Qt default 10 MB pixmap cache':38s} late {small:7.2f} ms ({1e3 / small:5.1f}/s)"
              f"   (axes and map re-drawn every frame)")
        window.presentation.leave()
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
