"""One training step of a 784-256-256-10 MLP (ReLU, softmax cross-entropy, SGD) at batch
16 and 128: twinflow eager, tf.function and TF1 Session.run against a hand-written
numpy step, in steps per second and as ratios to numpy measured in the same run:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/function_overhead.py \\
        [--tf-python PATH]

TensorFlow (TF1 Session, TF2 tf.function, TF2 eager) joins through `--tf-python` (a
Python with TensorFlow installed); PyTorch eager when `import torch` works here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import best_seconds, run_json  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SIZES = (784, 256, 256, 10)
BATCHES = (16, 128)
LR = 0.01


def data(batch):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], batch).astype(np.int64)
    weights = []
    for n_in, n_out in zip(SIZES, SIZES[1:]):
        weights.append((rng.normal(size=(n_in, n_out)) * np.sqrt(2 / n_in)).astype(np.float32))
        weights.append(np.zeros(n_out, np.float32))
    return x, y, weights


# ---------------------------------------------------------------- hand-written numpy ------

def numpy_step(x, y, params):
    """Forward, backward and SGD by hand: the floor a numpy engine can reach."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.maximum(x @ w1 + b1, 0)
    h2 = np.maximum(h1 @ w2 + b2, 0)
    logits = h2 @ w3 + b3
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    d3 = p / len(y)
    g3, gb3 = h2.T @ d3, d3.sum(0)
    d2 = (d3 @ w3.T) * (h2 > 0)
    g2, gb2 = h1.T @ d2, d2.sum(0)
    d1 = (d2 @ w2.T) * (h1 > 0)
    g1, gb1 = x.T @ d1, d1.sum(0)
    for w, g in zip(params, (g1, gb1, g2, gb2, g3, gb3)):
        w -= LR * g


# ---------------------------------------------------------------- TensorFlow-API steps ----

def loss_fn(tf, x, y, params):
    w1, b1, w2, b2, w3, b3 = params
    h = tf.nn.relu(tf.matmul(x, w1) + b1)
    h = tf.nn.relu(tf.matmul(h, w2) + b2)
    logits = tf.matmul(h, w3) + b3
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                         logits=logits))


def make_eager_step(tf, params):
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(tf, x, y, params)
        for v, g in zip(params, tape.gradient(loss, params)):
            v.assign_sub(LR * g)
        return loss
    return step


def eager_steps(tf, batch):
    """(eager step, tf.function step, x, y) over the same code, in the TF2 API."""
    x, y, weights = data(batch)
    eager_params = [tf.Variable(w) for w in weights]
    graph_params = [tf.Variable(w) for w in weights]
    return (make_eager_step(tf, eager_params), tf.function(make_eager_step(tf, graph_params)),
            tf.constant(x), tf.constant(y))


def session_step(tf, batch):
    """(callable running one train op, ...) in the TF1 API."""
    tf1 = tf.compat.v1
    x, y, weights = data(batch)
    graph = tf.Graph()
    with graph.as_default():
        xp = tf1.placeholder(tf.float32, [None, SIZES[0]])
        yp = tf1.placeholder(tf.int64, [None])
        params = [tf1.Variable(w) for w in weights]
        train = tf1.train.GradientDescentOptimizer(LR).minimize(loss_fn(tf, xp, yp, params))
        sess = tf1.Session(graph=graph)
        sess.run(tf1.global_variables_initializer())
    run = sess.make_callable(train, [xp, yp])
    return lambda: run(x, y)


def bench_twinflow(batch, seconds):
    sys.path.insert(0, str(ROOT))
    import twinflow as tf
    eager, compiled, x, y = eager_steps(tf, batch)
    out = {"twinflow eager": best_seconds(lambda: eager(x, y), seconds),
           "twinflow tf.function": best_seconds(lambda: compiled(x, y), seconds),
           "twinflow TF1 Session": best_seconds(session_step(tf, batch), seconds)}
    assert compiled.experimental_get_tracing_count() == 1
    return out


def bench_numpy(batch, seconds):
    x, y, weights = data(batch)
    return best_seconds(lambda: numpy_step(x, y, weights), seconds)


def bench_torch(batch, seconds):
    try:
        import torch
    except ImportError:
        return None
    x, y, weights = data(batch)
    params = [torch.tensor(w, requires_grad=True) for w in weights]
    xt, yt = torch.tensor(x), torch.tensor(y)

    def step():
        w1, b1, w2, b2, w3, b3 = params
        h = torch.relu(xt @ w1 + b1)
        h = torch.relu(h @ w2 + b2)
        loss = torch.nn.functional.cross_entropy(h @ w3 + b3, yt)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= LR * g
    return best_seconds(step, seconds)


_TF_SNIPPET = """
import json, sys
sys.path.insert(0, {here!r})
import tensorflow as tf
from function_overhead import eager_steps, session_step, best_seconds
out = {{}}
for batch in {batches!r}:
    eager, compiled, x, y = eager_steps(tf, batch)
    out[batch] = {{"TensorFlow 2 eager": best_seconds(lambda: eager(x, y), {seconds}),
                  "TensorFlow 2 tf.function": best_seconds(lambda: compiled(x, y), {seconds}),
                  "TensorFlow 1 Session": best_seconds(session_step(tf, batch), {seconds})}}
print(json.dumps(out))
"""


def bench_tensorflow(python, seconds):
    if not python:
        return {}
    code = _TF_SNIPPET.format(here=str(Path(__file__).parent), batches=BATCHES,
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
    print(f"{'batch':>5s} {'contender':26s} {'steps/s':>9s} {'x numpy time':>12s}")
    for batch in BATCHES:
        base = bench_numpy(batch, args.seconds)
        rows = [("hand-written numpy", base), *bench_twinflow(batch, args.seconds).items(),
                ("PyTorch eager", bench_torch(batch, args.seconds)),
                *tf_times.get(batch, {}).items()]
        for label, value in rows:
            if value is None:
                print(f"{batch:5d} {label:26s} {'skipped':>9s}")
                continue
            print(f"{batch:5d} {label:26s} {1 / value:9.0f} {value / base:12.2f}")


if __name__ == "__main__":
    main()
