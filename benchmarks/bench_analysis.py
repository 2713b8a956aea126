"""Speed of the analysis figures (issue: sweeps and basin maps), medians of repeats.

    sweep      200 learning rates x 3 optimizers (sgd, momentum, adam) x 500 steps on
               rosenbrock                                           target <= 0.5 s
    basin map  100 x 100 starts x 500 steps on himmelblau with sgd  target <= 1.0 s

For comparison it also times the same work through ``engine.runner.run_batch`` (a Trace
per run, every row kept), which the lean loop of engine/sweep.py replaces.
Exit status 1 if a target is missed.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from engine.basins import basin_map  # noqa: E402
from engine.runner import run_batch  # noqa: E402
from engine.spec import CONSTANT, OptimizerSpec  # noqa: E402
from engine.sweep import log_lrs, lr_sweep  # noqa: E402
from surfaces import make_surface  # noqa: E402

REPEATS = 7


def median_time(fn, repeats=REPEATS) -> float:
    fn()  # warm-up: imports, caches, first allocations
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    rosenbrock = make_surface("rosenbrock")
    himmelblau = make_surface("himmelblau")
    optimizers = [OptimizerSpec.make(k) for k in ("sgd", "momentum", "adam")]
    lrs = log_lrs(1e-6, 1.0, 200)
    sgd = OptimizerSpec.make("sgd", lr=0.01)

    def sweep():
        lr_sweep(rosenbrock, optimizers, lrs, 500)

    def basins():
        basin_map(himmelblau, sgd, 100, 100, 500)

    def sweep_run_batch():
        for spec in optimizers:
            run_batch(rosenbrock, [spec.replace(lr=float(lr)) for lr in lrs], CONSTANT,
                      [rosenbrock.start] * len(lrs), 500)

    xs = (np.arange(100) + 0.5) / 100 * 10.0 - 5.0
    gx, gy = np.meshgrid(xs, xs)
    starts = np.stack([gx.ravel(), gy.ravel()], axis=1)

    def basins_run_batch():
        run_batch(himmelblau, [sgd] * len(starts), CONSTANT, starts, 500)

    ok = True
    print(f"medians of {REPEATS} repeats")
    for name, fn, target in (("sweep 200 lrs x 3 optimizers x 500 steps (rosenbrock)", sweep, 0.5),
                             ("basin map 100x100 x 500 steps (himmelblau, sgd)", basins, 1.0)):
        t = median_time(fn)
        passed = t <= target
        ok &= passed
        print(f"{'PASS' if passed else 'FAIL'}  {name}: {t * 1e3:8.1f} ms  (target <= {target * 1e3:.0f} ms)")
    for name, fn in (("  same sweep through run_batch", sweep_run_batch),
                     ("  same basin map through run_batch", basins_run_batch)):
        print(f"info  {name}: {median_time(fn, 5) * 1e3:8.1f} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
