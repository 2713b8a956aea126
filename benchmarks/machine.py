"""How fast this machine is right now, printed beside every benchmark's numbers.

The 2-core machines these targets are measured on are shared: the same code measured
13.7 ms one session and 21 ms the next for a slider drag, with no change in the code and
no other process running (the host's other tenants). A fixed pure-Python loop, timed
the same way, tells a slow phase from a regression: compare ratios, not raw times.
"""

from __future__ import annotations

import os
import statistics
import time

LOOP = 3_000_000


def python_loop_ms(repeats: int = 3) -> float:
    """CPU milliseconds of ``LOOP`` additions of squares (median of ``repeats``)."""
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        s = 0
        for i in range(LOOP):
            s += i * i
        times.append(time.process_time() - t0)
    return statistics.median(times) * 1000


def describe() -> str:
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return (f"machine now: a {LOOP // 1_000_000}M-step Python loop takes {python_loop_ms():.0f} ms of CPU "
            f"(~250 ms on a quiet fast phase, ~600 on a slow one); load average {load}")
