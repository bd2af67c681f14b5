"""Session.run overhead: a 10-op and a 100-op elementwise chain on a 64-element vector.

Each run feeds x and fetches the end of the chain, so the figure includes feed checks,
the plan lookup and the interpreter. Reported per run and per op, as ratios to raw
numpy in the same run:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/session_overhead.py

TensorFlow 1's Session joins through `--tf-python PATH` (a Python with TensorFlow).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import best_seconds, run_json  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
N = 64
LENGTHS = (10, 100)


def _chain(ops, x, a, length):
    """The same bounded chain in any API: ops = (mul, add, sub, tanh, abs, maximum, sin,
    cos, minimum, negative)."""
    mul, add, sub, tanh, abs_, maximum, sin, cos, minimum, negative = ops
    steps = [lambda y: mul(y, a), lambda y: add(y, a), tanh, lambda y: sub(y, a), abs_,
             lambda y: maximum(y, a), sin, cos, lambda y: minimum(y, a), negative]
    y = x
    for i in range(length):
        y = steps[i % len(steps)](y)
    return y


def bench_numpy(length, seconds):
    x = np.linspace(-1, 1, N, dtype=np.float32)
    a = np.full(N, 0.5, np.float32)
    ops = (np.multiply, np.add, np.subtract, np.tanh, np.abs, np.maximum, np.sin, np.cos,
           np.minimum, np.negative)
    return best_seconds(lambda: _chain(ops, x, a, length), seconds)


def build_session(tf, length):
    """(session, x, y): the chain as a TF1 graph; the same code for twinflow and TF."""
    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [N])
        a = tf.constant(np.full(N, 0.5, np.float32))
        ops = (tf.multiply, tf.add, tf.subtract, tf.tanh, tf.abs, tf.maximum, tf.sin,
               tf.cos, tf.minimum, tf.negative)
        y = _chain(ops, x, a, length)
    return tf1.Session(graph=graph), x, y


def bench_twinflow(length, seconds):
    sys.path.insert(0, str(ROOT))
    import twinflow as tf
    sess, x, y = build_session(tf, length)
    value = np.linspace(-1, 1, N, dtype=np.float32)
    np.testing.assert_array_equal(sess.run(y, {x: value}), bench_check(length))
    return best_seconds(lambda: sess.run(y, {x: value}), seconds)


def bench_check(length):
    x = np.linspace(-1, 1, N, dtype=np.float32)
    a = np.full(N, 0.5, np.float32)
    ops = (np.multiply, np.add, np.subtract, np.tanh, np.abs, np.maximum, np.sin, np.cos,
           np.minimum, np.negative)
    return _chain(ops, x, a, length)


_TF_SNIPPET = """
import json, sys
sys.path.insert(0, {here!r})
import numpy as np, tensorflow as tf
from session_overhead import build_session, best_seconds, N
out = {{}}
value = np.linspace(-1, 1, N, dtype=np.float32)
for length in {lengths!r}:
    sess, x, y = build_session(tf, length)
    out[length] = best_seconds(lambda: sess.run(y, {{x: value}}), {seconds})
print(json.dumps(out))
"""


def bench_tensorflow(python, seconds):
    if not python:
        return {}
    code = _TF_SNIPPET.format(here=str(Path(__file__).parent), lengths=LENGTHS,
                              seconds=seconds)
    result = run_json(python, code)
    if result is None:
        return {}
    return {int(k): v for k, v in result.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per contender")
    parser.add_argument("--tf-python", default=None, help="a Python with TensorFlow")
    args = parser.parse_args(argv)
    tf_times = bench_tensorflow(args.tf_python, args.seconds)
    print(f"{'chain':>6s} {'contender':22s} {'us/run':>9s} {'us/op':>7s} {'x numpy/op':>10s}")
    for length in LENGTHS:
        base = bench_numpy(length, args.seconds)
        rows = [("raw numpy", base), ("twinflow Session.run", bench_twinflow(length,
                                                                             args.seconds)),
                ("TensorFlow 1 Session", tf_times.get(length))]
        for label, value in rows:
            if value is None:
                print(f"{length:6d} {label:22s} {'skipped':>9s}")
                continue
            print(f"{length:6d} {label:22s} {value * 1e6:9.1f} {value * 1e6 / length:7.2f} "
                  f"{value / base:10.1f}")


if __name__ == "__main__":
    main()
