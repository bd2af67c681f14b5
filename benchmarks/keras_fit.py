"""Seconds per epoch of Keras `fit` on digits (a 64-64-10 MLP, batch 32, Adam) in each
twinflow mode, against a hand-written numpy loop, as ratios measured in one run:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/keras_fit.py \\
        [--tf-python PATH]

tf.keras (compiled and run_eagerly) joins through `--tf-python` (a Python with
TensorFlow installed).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import run_json  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EPOCHS, BATCH = 3, 32


def digits():
    """(x, y): the digits the package ships (random data of its shape if absent)."""
    sys.path.insert(0, str(ROOT))
    try:
        from twinflow.keras.datasets import digits as d
        (x, y), _ = d.load_data()
        return x.reshape(len(x), 64).astype(np.float32) / 16.0, y.astype(np.int64)
    except ImportError:
        rng = np.random.default_rng(0)
        return rng.random((1437, 64), np.float32), rng.integers(0, 10, 1437)


def numpy_epoch_seconds(x, y, epochs=EPOCHS):
    """A hand-written Adam loop over shuffled batches: the floor for numpy."""
    rng = np.random.default_rng(0)
    sizes = [(64, 64), (64,), (64, 10), (10,)]
    params = [rng.normal(size=s).astype(np.float32) * 0.1 for s in sizes]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step = 0
    start = time.perf_counter()
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for lo in range(0, len(x), BATCH):
            idx = order[lo:lo + BATCH]
            xb, yb = x[idx], y[idx]
            w1, b1, w2, b2 = params
            h = np.maximum(xb @ w1 + b1, 0)
            z = h @ w2 + b2
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            p[np.arange(len(yb)), yb] -= 1
            d2 = p / len(yb)
            d1 = (d2 @ w2.T) * (h > 0)
            grads = [xb.T @ d1, d1.sum(0), h.T @ d2, d2.sum(0)]
            step += 1
            lr_t = 0.001 * np.sqrt(1 - 0.999 ** step) / (1 - 0.9 ** step)
            for k, g in enumerate(grads):
                m[k] += (g - m[k]) * 0.1
                v[k] += (g * g - v[k]) * 0.001
                params[k] -= lr_t * m[k] / (np.sqrt(v[k]) + 1e-7)
    return (time.perf_counter() - start) / epochs


def build_and_fit(tf, x, y, run_eagerly, epochs=EPOCHS):
    """Seconds per epoch of model.fit (the first epoch, which traces, is not counted)."""
    keras = tf.keras
    model = keras.Sequential([keras.layers.Dense(64, activation="relu", input_shape=(64,)),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], run_eagerly=run_eagerly)
    model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, epochs=epochs, batch_size=BATCH, verbose=0)
    return (time.perf_counter() - start) / epochs


def twinflow_graph_mode(tf, x, y, epochs=EPOCHS):
    tf1 = tf.compat.v1
    tf1.disable_eager_execution()
    try:
        with tf1.Session():
            return build_and_fit(tf, x, y, False, epochs)
    finally:
        tf1.enable_eager_execution()


_TF_SNIPPET = """
import json, sys
sys.path.insert(0, {here!r})
import numpy as np, tensorflow as tf
from keras_fit import build_and_fit
data = np.load({data!r})
x, y = data["x"], data["y"]
print(json.dumps({{"tf.keras compiled": build_and_fit(tf, x, y, False),
                  "tf.keras run_eagerly": build_and_fit(tf, x, y, True, 1)}}))
"""


def tensorflow_times(python, x, y):
    if not python:
        return {}
    path = Path("/tmp/twinflow_keras_fit_data.npz")
    np.savez(path, x=x, y=y)
    code = _TF_SNIPPET.format(here=str(Path(__file__).parent), data=str(path))
    result = run_json(python, code)
    if result is None:
        return {}
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tf-python", default=None, help="a Python with TensorFlow")
    args = parser.parse_args(argv)
    x, y = digits()
    tf_rows = tensorflow_times(args.tf_python, x, y)
    import twinflow as tf
    base = numpy_epoch_seconds(x, y)
    rows = [("hand-written numpy (Adam)", base),
            ("twinflow compiled (default)", build_and_fit(tf, x, y, False)),
            ("twinflow run_eagerly=True", build_and_fit(tf, x, y, True)),
            ("twinflow TF1 Session", twinflow_graph_mode(tf, x, y)), *tf_rows.items()]
    print(f"{'contender':30s} {'s/epoch':>8s} {'x numpy':>8s}")
    for label, seconds in rows:
        print(f"{label:30s} {seconds:8.3f} {seconds / base:8.1f}")


if __name__ == "__main__":
    main()
