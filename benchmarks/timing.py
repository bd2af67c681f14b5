"""One timer for every benchmark: the best of five samples, each ~seconds/5 long."""

from __future__ import annotations

import time


def best_seconds(fn, seconds: float = 1.0) -> float:
    """Seconds per call of `fn()`: calibrate a loop count, then keep the fastest sample."""
    fn()
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        if time.perf_counter() - start > 0.02:
            break
        loops *= 2
    best = float("inf")
    per_sample = max(1, int(loops * (seconds / 5) / 0.02))
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(per_sample):
            fn()
        best = min(best, (time.perf_counter() - start) / per_sample)
    return best
