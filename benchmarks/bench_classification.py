"""Speed of classification mode (medians; the real controller and pane, 1600x900,
offscreen unless QT_QPA_PLATFORM says otherwise).

Scene: 8 runs (8 different rules) of the MLP with 64 hidden units on the 600-point
spiral, full batch. Targets: together >= 300 training steps per second while the
decision regions (200 x 200 grid) are redrawn >= 30 times a second.

* playing: the pane plays at full speed for several windows of WINDOW seconds; each
  window reports steps/s (the Trainer's step counter) and decision pictures/s (the
  view's frame counter); the median window is the result. Also the ticks' own
  duration (training + the views' data updates; painting comes after) and the updates
  a tick took.
* parts: one training step of all 8 runs without the GUI; one decision picture (grid,
  colours and paint); one update of the curves (data and paint).

The machine is shared (2 cores): the load average is printed next to the numbers.

    .venv/bin/python benchmarks/bench_classification.py [--quick] [--check]
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

RUNS = (("sgd", 0.1), ("momentum", 0.03), ("nesterov", 0.03), ("adagrad", 0.03),
        ("rmsprop", 0.003), ("adam", 0.003), ("adamw", 0.003), ("adafactor", 0.003))
TARGET_STEPS, TARGET_FRAMES = 300.0, 30.0


def bench_scene(steps: int = 6000):
    from engine.session import PALETTE, RunConfig
    from engine.spec import OptimizerSpec
    from gui.classification.controller import default_scene

    runs = tuple(RunConfig(OptimizerSpec.make(k, lr=lr), color=PALETTE[i]) for i, (k, lr) in enumerate(RUNS))
    return default_scene().replace(dataset="spiral:n=600", model="mlp:hidden=64", batch_size=0,
                                   runs=runs, steps=steps, speed=5000.0)


def median_ms(fn, n: int) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer, shorter windows")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args()
    windows, window = (3, 1.5) if args.quick else (7, 2.0)

    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    from gui.classification.controller import ClassificationController
    from gui.classification.pane import ClassificationPane

    c = ClassificationController(bench_scene())
    pane = ClassificationPane(c)
    pane.resize(1600, 900)
    pane.show()
    for _ in range(20):
        app.processEvents()

    # -- playing ---------------------------------------------------------------------------------
    ticks, spt = [], []

    def on_progress(_step):
        if c.playing:
            ticks.append(c.transport.tick_ms)
            spt.append(c.transport.steps_per_tick)

    c.stepChanged.connect(on_progress)
    c.play()
    warm = time.perf_counter()
    while time.perf_counter() - warm < 0.5:
        app.processEvents()
    rates, frames = [], []
    for _ in range(windows):
        s0, f0, t0 = c.step, pane.decision_view.frames, time.perf_counter()
        while time.perf_counter() - t0 < window:
            app.processEvents()
        dt = time.perf_counter() - t0
        rates.append((c.step - s0) / dt)
        frames.append((pane.decision_view.frames - f0) / dt)
    c.pause()
    c.stepChanged.disconnect(on_progress)
    ticks_sorted = sorted(ticks)

    # -- parts -----------------------------------------------------------------------------------
    c.reset()
    c.trainer.advance(1000)
    step_ms = median_ms(lambda: c.trainer.advance(1), 200)
    dv, mv = pane.decision_view, pane.metrics_view

    def picture():
        dv.redraw(full=True)
        dv.canvas.viewport().repaint()

    def curves():
        mv.update_curves(c.step, force=True)
        mv.canvas.viewport().repaint()

    picture_ms = median_ms(picture, 40)
    grid_ms = median_ms(lambda: c.problem.decision_grid(c.weights(0), 200, 200), 40)
    curves_ms = median_ms(curves, 20)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    steps_s, frames_s = statistics.median(rates), statistics.median(frames)
    print(f"classification: 8 runs, mlp hidden 64, spiral 600 points (480 train), full batch; load average {load:.2f}")
    print(f"  playing   {steps_s:7.0f} steps/s (target >= {TARGET_STEPS:.0f})   windows: "
          + " ".join(f"{r:.0f}" for r in rates))
    print(f"            {frames_s:7.1f} decision pictures/s (target >= {TARGET_FRAMES:.0f})   windows: "
          + " ".join(f"{f:.0f}" for f in frames))
    if ticks_sorted:
        p95 = ticks_sorted[int(0.95 * (len(ticks_sorted) - 1))]
        print(f"            tick {statistics.median(ticks_sorted):.1f} ms median, {p95:.1f} ms p95; "
              f"{statistics.median(spt):.0f} updates per tick")
    print(f"  parts     one step of all 8 runs {step_ms:.2f} ms ({1e3 / step_ms:.0f} steps/s without drawing)")
    print(f"            decision picture {picture_ms:.1f} ms (of which the 200x200 grid {grid_ms:.1f} ms)")
    print(f"            curves update + paint {curves_ms:.1f} ms (at step {c.step}; drawn ~10 times a second)")
    ok = steps_s >= TARGET_STEPS and frames_s >= TARGET_FRAMES
    print("  targets   " + ("met" if ok else "MISSED"))
    pane.close()
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
