"""Speed of the analysis tabs and the theory overlays in the real window (medians).

* slider + theory: one lr slider move on the default scene (5 runs, kappa = 10) with the
  theory overlays on and off: the overlays must not make dragging slower.
* sweep tab: Recompute on the default scene (150 rates x 5 optimizers x 300 steps),
  computing and drawing.                                      target <= 0.25 s
* basin tab: Compute on himmelblau, 100 x 100 starts x 300 steps with sgd, computing
  and drawing.                                                target <= 0.5 s
* 3-D frame: render one frame of the 3-D tab (grabFramebuffer: render + read back) at
  the window's size. Only where OpenGL works (under Xvfb: QT_QPA_PLATFORM=xcb
  xvfb-run -a -s "-screen 0 1600x900x24" ...); offscreen it says so.

    .venv/bin/python benchmarks/bench_analysis_gui.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtCore, QtWidgets  # noqa: E402

REPEATS = 9


def median_ms(fn, repeats=REPEATS) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def settle(app, ms=200):
    end = time.perf_counter() + ms / 1e3
    while time.perf_counter() < end:
        app.processEvents()
        QtCore.QThread.msleep(10)


def main() -> int:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    from engine.session import PALETTE, RunConfig
    from engine.spec import OptimizerSpec
    from gui.analysis.tabs import AnalysisTabs
    from gui.controller import PlaygroundController, default_scene
    from gui.window import MainWindow

    c = PlaygroundController(default_scene())
    win = MainWindow(c)
    win.resize(1600, 900)
    win.show()
    settle(app)
    missed = []

    lrs = iter([0.1 + 0.0001 * k for k in range(1000)])
    for on in (False, True):
        c.set_display("theory", on)

        def move():
            c.set_hyper(0, "lr", next(lrs))
            app.processEvents()
        print(f"slider move, theory {'on ' if on else 'off'}: {median_ms(move, 31):7.1f} ms")

    win.analysis.setCurrentIndex(AnalysisTabs.SWEEP)
    settle(app)
    sweep = win.analysis.sweep
    engine = []
    ms = median_ms(lambda: (sweep.compute(), engine.append(sweep.seconds)))
    print(f"sweep tab ({sweep.count.value()} rates x {len(sweep.results)} x {sweep.steps.value()} steps): "
          f"{ms:7.1f} ms   (computing {1e3 * statistics.median(engine):.1f} ms, the rest drawing)")
    if ms > 250:
        missed.append("sweep")

    runs = (RunConfig(OptimizerSpec.make("sgd", lr=0.01), color=PALETTE[0]),)
    c.set_scene(default_scene().replace(surface="himmelblau", start=None, view=None, runs=runs))
    win.analysis.setCurrentIndex(AnalysisTabs.BASINS)
    settle(app)
    basins = win.analysis.basins
    engine = []
    ms = median_ms(lambda: (basins.compute(), engine.append(basins.seconds)), 5)
    print(f"basin tab (100 x 100 x {basins.steps.value()} steps): {ms:7.1f} ms   (computing "
          f"{1e3 * statistics.median(engine):.1f} ms, the rest drawing)")
    if ms > 500:
        missed.append("basins")

    win.analysis.setCurrentIndex(AnalysisTabs.SURFACE_3D)
    settle(app)
    view = win.analysis.surface3d
    if view.available:
        ms = median_ms(view.gl.grabFramebuffer, 31)
        print(f"3-D frame ({view.gl.width()} x {view.gl.height()}): {ms:7.1f} ms")
    else:
        print(f"3-D frame: no OpenGL here ({view.problem})")
    if missed:
        print("missed targets:", ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
