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


def run_json(python, code):
    """The JSON a snippet prints last, run by another Python (e.g. one with TensorFlow);
    None (with a note) when it fails."""
    import json
    import subprocess
    out = subprocess.run([python, "-c", code], capture_output=True, text=True,
                         env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"})
    if out.returncode != 0:
        print(f"(TensorFlow run failed: {out.stderr.strip().splitlines()[-1:]})")
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])
