"""Speed of ``main.py sweep`` (issue 13): a 64 x 64 grid x 300 steps, the whole process,
against one 300-step ``main.py trace`` process (start-up and imports included in both).

    target: sweep median <= 4 x trace median

Prints medians and p90 of REPEATS runs of each; exit status 1 if the target is missed.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 9
TRACE = ["trace", "--surface", "quadratic:kappa=10", "--optimizer", "momentum:lr=0.1", "--steps", "300"]
SWEEP = ["sweep", "--surface", "quadratic:kappa=10", "--optimizer", "momentum",
         "--vary", "lr=1e-3:2:64:log", "--vary", "momentum=0:0.99:64", "--steps", "300"]


def times(args: list[str]) -> list[float]:
    cmd = [sys.executable, str(ROOT / "main.py"), *args]
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # warm the file cache
    out = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        out.append(time.perf_counter() - t0)
    return out


def summary(label: str, ts: list[float]) -> float:
    med = statistics.median(ts)
    p90 = statistics.quantiles(ts, n=10)[-1]
    print(f"{label:34s} median {med * 1e3:7.0f} ms   p90 {p90 * 1e3:7.0f} ms")
    return med


def main() -> int:
    trace = summary("trace, 300 steps (one run)", times(TRACE))
    sweep = summary("sweep, 64 x 64 grid x 300 steps", times(SWEEP))
    ratio = sweep / trace
    ok = ratio <= 4.0
    print(f"sweep / trace = {ratio:.2f} (target <= 4): {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
