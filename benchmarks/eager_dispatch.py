"""Eager dispatch cost: microseconds per op for a chain of 10 elementwise ops.

The chain runs on a 64-element float32 vector, where the kernel is nearly free and the
framework's per-op overhead is what is measured. All figures come from one run and are
reported as ratios to raw numpy, so a slower or busier machine shifts them together.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/eager_dispatch.py

Optional rivals: PyTorch if importable here; TensorFlow through `--tf-python PATH` (a
Python that has TensorFlow, e.g. a separate venv: it is never a twinflow dependency).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import best_seconds, run_json  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
N = 64
OPS_PER_CHAIN = 10


def _chain(mul, add, sub, tanh, exp, abs_, maximum, square, a):
    def run(x):
        y = mul(x, a)
        y = add(y, a)
        y = tanh(y)
        y = sub(y, a)
        y = mul(y, a)
        y = exp(y)
        y = add(y, a)
        y = abs_(y)
        y = maximum(y, a)
        return square(y)
    return run


def _time_per_op(fn, x, seconds: float) -> float:
    """Microseconds per op of the chain `fn(x)` (best of five samples)."""
    return best_seconds(lambda: fn(x), seconds) / OPS_PER_CHAIN * 1e6


def bench_numpy(seconds):
    x = np.linspace(-1, 1, N, dtype=np.float32)
    a = np.full(N, 0.5, np.float32)
    return _time_per_op(_chain(np.multiply, np.add, np.subtract, np.tanh, np.exp, np.abs,
                               np.maximum, np.square, a), x, seconds)


def bench_twinflow(seconds, tape=None):
    """tape: None (no tape), "idle" (a tape watching nothing) or "watching" (watches x)."""
    sys.path.insert(0, str(ROOT))
    import twinflow as tf
    x = tf.constant(np.linspace(-1, 1, N, dtype=np.float32))
    a = tf.constant(np.full(N, 0.5, np.float32))
    run = _chain(tf.multiply, tf.add, tf.subtract, tf.tanh, tf.exp, tf.abs, tf.maximum,
                 tf.square, a)
    if tape is None:
        return _time_per_op(run, x, seconds)

    def taped(x):
        with tf.GradientTape() as t:
            if tape == "watching":
                t.watch(x)
            return run(x)
    return _time_per_op(taped, x, seconds)


def bench_torch(seconds):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    x = torch.linspace(-1, 1, N, dtype=torch.float32)
    a = torch.full((N,), 0.5, dtype=torch.float32)
    with torch.no_grad():
        return _time_per_op(_chain(torch.mul, torch.add, torch.sub, torch.tanh, torch.exp,
                                   torch.abs, torch.maximum, torch.square, a), x, seconds)


_TF_SNIPPET = """
import json, sys, time
sys.path.insert(0, {here!r})
import numpy as np, tensorflow as tf
from eager_dispatch import _chain, _time_per_op, N
x = tf.constant(np.linspace(-1, 1, N, dtype=np.float32))
a = tf.constant(np.full(N, 0.5, np.float32))
run = _chain(tf.multiply, tf.add, tf.subtract, tf.tanh, tf.exp, tf.abs, tf.maximum,
             tf.square, a)
print(json.dumps(_time_per_op(run, x, {seconds})))
"""


def bench_tensorflow(python, seconds):
    if not python:
        return None
    code = _TF_SNIPPET.format(here=str(Path(__file__).parent), seconds=seconds)
    result = run_json(python, code)
    if result is None:
        return None
    return result


def import_time() -> float:
    """Seconds for `python -c "import twinflow"` in a fresh process (best of 3)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import twinflow"], cwd=ROOT, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per contender")
    parser.add_argument("--tf-python", default=None, help="a Python with TensorFlow")
    args = parser.parse_args(argv)
    rows = [("raw numpy", bench_numpy(args.seconds)),
            ("twinflow eager", bench_twinflow(args.seconds)),
            ("twinflow eager, inside an idle tape", bench_twinflow(args.seconds, "idle")),
            ("twinflow eager, recorded by a tape", bench_twinflow(args.seconds, "watching")),
            ("PyTorch eager", bench_torch(args.seconds)),
            ("TensorFlow 2 eager", bench_tensorflow(args.tf_python, args.seconds))]
    base = rows[0][1]
    print(f"{'contender':42s} {'us/op':>8s} {'x numpy':>8s}")
    for label, value in rows:
        if value is None:
            print(f"{label:42s} {'skipped':>8s}")
        else:
            print(f"{label:42s} {value:8.2f} {value / base:8.1f}")
    print(f"\nimport twinflow: {import_time():.3f} s (fresh process, best of 3)")


if __name__ == "__main__":
    main()
