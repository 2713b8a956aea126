"""Soak: the real window, offscreen, playing at top speed for a long time, looping
reset/play, with a knob moved and the selection changed now and then. Prints RSS
memory and sys.getrefcount(None) every few seconds; both must stay flat.

    .venv/bin/python benchmarks/soak_gui.py              # 60 s
    .venv/bin/python benchmarks/soak_gui.py --minutes 30 # the full soak

Exit status 1 if memory grew by more than --max-growth-mb between the first and the
last quarter of the run (after warm-up), so CI can run a short one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between reports")
    parser.add_argument("--max-growth-mb", type=float, default=20.0)
    args = parser.parse_args()

    from PySide6 import QtCore

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_gui import bench_scene, make_window

    app, controller, window = make_window(bench_scene(steps=2000))
    for key in ("gradient_arrows", "step_arrows", "velocity_arrows", "adaptive_boxes", "polyak"):
        controller.set_display(key, True)
    controller.set_speed(5000)
    t_end = time.perf_counter() + args.minutes * 60
    samples: list[tuple[float, float, int]] = []
    state = {"loops": 0, "moves": 0, "t0": time.perf_counter(), "next": 0.0}

    def tick():
        now = time.perf_counter()
        if not controller.playing:  # reached the end: loop
            state["loops"] += 1
            controller.reset()
            controller.play()
        if int(now * 4) % 7 == 0:  # a few knob moves a second, like a student at the sliders
            i = state["moves"] % len(controller.runs)
            lr = controller.runs[i].optimizer.params.get("lr")
            if lr:
                controller.set_hyper(i, "lr", lr * (1.01 if state["moves"] % 2 else 1 / 1.01))
            controller.select_run(i)
            state["moves"] += 1
        if now >= state["next"]:
            state["next"] = now + args.every
            rss = rss_mb()
            nref = sys.getrefcount(None)
            samples.append((now - state["t0"], rss, nref))
            print(f"{now - state['t0']:7.1f} s  rss {rss:7.1f} MB  refcount(None) {nref:8d}  "
                  f"loops {state['loops']:4d}  knob moves {state['moves']:5d}  "
                  f"fps {window.contour.frames.fps:5.1f}", flush=True)
        if now >= t_end:
            app.quit()

    timer = QtCore.QTimer()
    timer.timeout.connect(tick)
    timer.start(50)
    controller.play()
    app.exec()
    controller.pause()

    if len(samples) < 4:
        print("too short to judge")
        return 0
    quarter = max(1, len(samples) // 4)
    first = statistics.median(s[1] for s in samples[1:1 + quarter])  # after warm-up
    last = statistics.median(s[1] for s in samples[-quarter:])
    growth = last - first
    refs = samples[-1][2] - samples[1][2]
    print(f"memory: {first:.1f} MB -> {last:.1f} MB ({growth:+.1f} MB); refcount(None) {refs:+d}")
    return 1 if growth > args.max_growth_mb else 0


if __name__ == "__main__":
    sys.exit(main())
