"""Speed of the NumPy engine: medians and p90 of repeated runs, against the targets that keep
the app live (slider dragging re-runs a scene every frame).

    python benchmarks/bench_engine.py [--repeats N]

(a) one 1000-step path on rosenbrock, for every optimizer       target <= 16 ms each
(b) a scene of 8 runs, 8 different optimizers x 1000 steps      target <= 50 ms
(c) a learning-rate sweep: 256 Adam runs x 1000 steps           target <= 50 ms
(d) `python main.py trace ... --steps 1000`, start to exit      target <= 0.3 s

Timings are noisy on a shared 2-core machine: compare ratios, rerun before believing
a FAIL. Nothing here is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from machine import describe  # noqa: E402  (benchmarks/, this script's folder)

from engine import runner  # noqa: E402
from engine.fused import fused_path_2d  # noqa: E402
from engine.registry import OPTIMIZERS, resolve  # noqa: E402
from engine.runner import run, run_batch, run_scene  # noqa: E402
from engine.spec import CONSTANT, OptimizerSpec  # noqa: E402
from surfaces import make_surface  # noqa: E402

STEPS = 1000
# Settings that keep each rule finite on Rosenbrock for 1000 steps (a diverged run
# stops early and would look fast).
SETTINGS = {
    "sgd": "sgd:lr=0.001", "momentum": "momentum:lr=0.001", "nesterov": "nesterov:lr=0.001",
    "adagrad": "adagrad:lr=0.5", "rmsprop": "rmsprop:lr=0.001", "adam": "adam:lr=0.01",
    "adamw": "adamw:lr=0.01", "adadelta": "adadelta", "adamax": "adamax:lr=0.1", "nadam": "nadam:lr=0.01",
    "radam": "radam:lr=0.01", "adafactor": "adafactor:lr=0.003", "lion": "lion:lr=0.001",
    "sam": "sam:base=momentum,lr=0.001,rho_sam=0.002", "newton": "newton", "bfgs": "bfgs",
    "lbfgs": "lbfgs", "random-search": "random-search:sigma=0.03",
}
SCENE = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "lion"]


def _cpu_seconds():
    """CPU time of this process and of its finished children (case (d) runs a child)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timings(fn, repeats):
    """(median, p90, median CPU time) of ``repeats`` timed calls after a warm-up call.
    CPU time tells our own cost apart from a busy machine's waiting."""
    fn()  # warm-up: imports, caches
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), _cpu_seconds()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(_cpu_seconds() - c0)
    p90 = statistics.quantiles(times, n=10, method="inclusive")[-1]
    return statistics.median(times), p90, statistics.median(cpu)


def row(label, times, target, note=""):
    """PASS when the median is under the target; the p90 says how steady it is."""
    median, p90, cpu = times
    verdict = "PASS" if median <= target else "FAIL"
    print(f"  {label:44s} median {median * 1e3:7.2f} ms  p90 {p90 * 1e3:7.2f} ms  cpu {cpu * 1e3:7.2f} ms  "
          f"target {target * 1e3:4.0f} ms  {verdict}  {note}")
    return verdict == "PASS"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11, help="timed repeats per case (>= 5)")
    args = parser.parse_args(argv)
    repeats = max(5, args.repeats)
    surface = make_surface("rosenbrock")
    ok = True
    print(describe())

    print(f"(a) one {STEPS}-step path on rosenbrock (median and p90 of {repeats})")
    missing = set(OPTIMIZERS) - set(SETTINGS)
    assert not missing, f"no benchmark settings for {sorted(missing)}"
    for key in OPTIMIZERS:
        spec = OptimizerSpec.parse(SETTINGS[key])
        trace = run(surface, spec, steps=STEPS)
        note = "" if trace.diverged_at is None else f"(diverged at {trace.diverged_at})"
        record, sam_rho = resolve(key, spec.params)
        path = "float" if record.kind == "elementwise" or record.float_rule is not None else "batched"
        if record.kind == "elementwise" and record.lookahead is None and not sam_rho \
                and fused_path_2d(record.rule) is not None:
            # what pasting the rule into the loop (engine.fused) saves a slider move
            runner.FUSE_2D = False
            called = timings(lambda spec=spec: run(surface, spec, steps=STEPS), repeats)[0]
            runner.FUSE_2D = True
            path += ", fused"
            note = f"{note} (rule called: {called * 1e3:.2f} ms)".strip()
        ok &= row(f"{SETTINGS[key]} [{path}]", timings(lambda spec=spec: run(surface, spec, steps=STEPS), repeats),
                  0.016, note)

    print(f"(b) a scene of {len(SCENE)} runs x {STEPS} steps via run_scene")
    runs = [(OptimizerSpec.parse(SETTINGS[k]), CONSTANT, None) for k in SCENE]
    ok &= row(", ".join(SCENE)[:50], timings(lambda: run_scene(surface, runs, STEPS), repeats), 0.050)

    print(f"(c) learning-rate sweep: 256 adam runs x {STEPS} steps via run_batch")
    specs = [OptimizerSpec.make("adam", lr=float(lr)) for lr in np.geomspace(1e-4, 1.0, 256)]
    starts = [surface.start] * 256
    ok &= row("adam x 256", timings(lambda: run_batch(surface, specs, CONSTANT, starts, STEPS), repeats),
              0.050)

    print("(d) python main.py trace --surface rosenbrock --optimizer adam --steps 1000 (median of 7)")
    cmd = [sys.executable, "main.py", "trace", "--surface", "rosenbrock", "--optimizer", "adam", "--steps",
           str(STEPS)]

    def cli():
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)

    ok &= row("process start to exit", timings(cli, max(7, repeats)), 0.300)
    print("all targets met" if ok else "some targets missed (timings are noisy: rerun to confirm)")
    if hasattr(os, "getloadavg"):
        print("load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg())
              + f" on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
