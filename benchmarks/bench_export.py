"""Speed of the animation export (medians of 3; offscreen unless QT_QPA_PLATFORM says otherwise).

* gif: a GIF of 300 frames at 800x600 of the surface view (the optimizer race of the
  default scene with its 300 steps: heat map, contours, five trails with dots and
  heads, legend, colour bar), written frame by frame exactly as File > Export >
  Animation does it (a copy of the view laid out at 800x600, one palette, changed
  rectangles only). Target <= 20 s.
* also timed, for information: the same with the settings caption, the lr view, and
  the whole window (1600x900, scaled into the frame); and where the time goes for the
  surface view (drawing a frame vs indexing and encoding it).

    .venv/bin/python benchmarks/bench_export.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGET_S = 20.0
FRAMES, WIDTH, HEIGHT = 300, 800, 600


def setup():
    from gui.app import build_window, make_application

    app = make_application()
    controller, window = build_window(None)  # the default scene: five optimizers, 300 steps
    window.resize(1600, 900)
    window.show()
    for _ in range(3):
        app.processEvents()
    return app, controller, window


def gif_once(window, view: str, caption: bool, folder: str) -> tuple[float, int]:
    from PIL import Image

    from gui.caption import caption_for
    from gui.export_anim import AnimationOptions, make_source, write_animation

    options = AnimationOptions(view=view, width=WIDTH, height=HEIGHT, frames=FRAMES, fps=30, caption=caption)
    path = os.path.join(folder, f"{view}.gif")
    t0 = time.perf_counter()
    source = make_source(window, options, caption_for(window.controller) if caption else None)
    write_animation(source, path, options)
    dt = time.perf_counter() - t0
    with Image.open(path) as im:
        if im.n_frames != FRAMES or im.size != (WIDTH, HEIGHT):
            raise SystemExit(f"{path}: {im.n_frames} frames of {im.size}, expected {FRAMES} of {WIDTH}x{HEIGHT}")
    return dt, os.path.getsize(path)


def breakdown(window) -> dict[str, float]:
    """Per-frame milliseconds of the surface view: draw, index (palette), encode."""
    from gui.export_anim import AnimationOptions, GifWriter, image_rgb32, make_source, plan_frames

    options = AnimationOptions(view="surface", width=WIDTH, height=HEIGHT)
    source = make_source(window, options, None)
    steps = plan_frames(source.controller.scene.steps, FRAMES)
    with tempfile.TemporaryDirectory() as folder:
        writer = GifWriter(os.path.join(folder, "b.gif"), WIDTH, HEIGHT, 30, len(steps))
        t0 = time.perf_counter()
        writer.start([source.frame(steps[0]).copy(), source.frame(steps[-1]).copy()])
        palette = time.perf_counter() - t0
        draw = index = total = 0.0
        for k in steps:
            t0 = time.perf_counter()
            image = source.frame(k)
            t1 = time.perf_counter()
            writer.index(image_rgb32(image))
            t2 = time.perf_counter()
            writer.add(image)
            t3 = time.perf_counter()
            draw, index, total = draw + t1 - t0, index + t2 - t1, total + t3 - t2
        writer.abort()
    source.close()
    n = len(steps)
    return {"palette (once)": palette * 1000, "draw": draw / n * 1000, "index": index / n * 1000,
            "index + encode": total / n * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat, surface view only")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    _app, _controller, window = setup()
    cases = [("surface", False)] if args.quick else [("surface", False), ("surface", True), ("lr", False),
                                                    ("window", False)]
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        for view, caption in cases:
            runs = [gif_once(window, view, caption, folder) for _ in range(repeats)]
            med = statistics.median(t for t, _ in runs)
            size = runs[-1][1] / 1e6
            name = f"gif {FRAMES} frames {WIDTH}x{HEIGHT} {view}" + (" + caption" if caption else "")
            if (view, caption) == ("surface", False):
                verdict = "PASS" if med <= TARGET_S else "FAIL"
                ok = ok and med <= TARGET_S
                print(f"{name:44s} median {med:6.2f} s  ({size:.2f} MB)  target <= {TARGET_S:g} s  {verdict}")
            else:
                print(f"{name:44s} median {med:6.2f} s  ({size:.2f} MB)")
    parts = breakdown(window)
    print("surface view, per frame: " + ", ".join(f"{k} {v:.1f} ms" for k, v in parts.items()))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
