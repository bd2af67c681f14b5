"""Session.run with the graph passes on vs off, in one run: a graph with foldable,
duplicate and fusable parts, and the 784-256-256-10 MLP training step (batch 16):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/passes.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import best_seconds  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def synthetic(tf):
    """(graph, fetch, feed): constants to fold, repeated subexpressions, x*1, fusable
    dense layers."""
    tf1 = tf.compat.v1
    graph = tf.Graph()
    rng = np.random.default_rng(0)
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [None, 64])
        h = x
        for i in range(4):
            w = tf.constant(rng.normal(size=(64, 64)).astype(np.float32) * 0.1)
            scale = tf.exp(tf.constant(0.1 * i)) * tf.constant(2.0)  # foldable
            b = tf.constant(np.zeros(64, np.float32)) * scale
            h = tf.nn.relu(tf.nn.bias_add(tf.matmul(h, w), b)) * 1.0
            h = h + tf.tanh(h) * 0.5 + tf.tanh(h) * 0.5               # duplicates
        y = tf.reduce_sum(h)
    return graph, y, {x: rng.normal(size=(16, 64)).astype(np.float32)}


def mlp_step(tf):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from function_overhead import data, loss_fn, LR
    tf1 = tf.compat.v1
    x, y, weights = data(16)
    graph = tf.Graph()
    with graph.as_default():
        xp = tf1.placeholder(tf.float32, [None, 784])
        yp = tf1.placeholder(tf.int64, [None])
        params = [tf1.Variable(w) for w in weights]
        train = tf1.train.GradientDescentOptimizer(LR).minimize(loss_fn(tf, xp, yp, params))
        init = tf1.global_variables_initializer()
    return graph, train, {xp: x, yp: y}, init


def time_both(tf, graph, fetch, feed, init=None, seconds=1.0):
    tf1 = tf.compat.v1
    off = tf1.ConfigProto(graph_options=tf1.GraphOptions(
        rewrite_options=tf1.RewriterConfig(disable_meta_optimizer=True)))
    out = {}
    for label, config in (("passes on", None), ("passes off", off)):
        sess = tf1.Session(graph=graph, config=config)
        if init is not None:
            sess.run(init)
        out[label] = best_seconds(lambda: sess.run(fetch, feed), seconds)
        out[label + " ops"] = len(sess.explain(fetch, feed).plan_ops)
    return out


def main():
    sys.path.insert(0, str(ROOT))
    import twinflow as tf
    rows = [("synthetic (fold, CSE, x*1, fusion)", *synthetic(tf)),
            ("MLP training step, batch 16", *mlp_step(tf))]
    print(f"{'graph':36s} {'on us':>8s} {'off us':>8s} {'speed-up':>9s} {'steps on/off':>13s}")
    for label, graph, fetch, feed, *init in rows:
        t = time_both(tf, graph, fetch, feed, init[0] if init else None)
        print(f"{label:36s} {t['passes on'] * 1e6:8.1f} {t['passes off'] * 1e6:8.1f} "
              f"{t['passes off'] / t['passes on']:9.2f} "
              f"{t['passes on ops']:>6d}/{t['passes off ops']:<6d}")


if __name__ == "__main__":
    main()
