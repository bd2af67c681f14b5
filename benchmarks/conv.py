"""One training step of a small CNN on 28x28x1 images, batch 64 (conv 3x3x32 SAME, relu,
maxpool 2, conv 3x3x64 SAME, relu, maxpool 2, flatten, dense 10, softmax
cross-entropy, SGD): twinflow eager, tf.function and TF1 Session.run against a
hand-written numpy im2col step, in steps per second and as ratios to numpy measured in
the same run:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/conv.py \\
        [--tf-python PATH] [--seconds 1.0]

TensorFlow (TF2 eager, tf.function, TF1 Session) joins through `--tf-python` (a Python
with TensorFlow installed), PyTorch eager when `import torch` works here. A per-op
breakdown of twinflow's conv and pool kernels (forward, forward + backward) follows.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import best_seconds, run_json  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BATCH, LR = 64, 0.01


def data():
    """Images, labels and He-initialized weights (w1, b1, w2, b2, w3, b3), float32."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, 28, 28, 1)).astype(np.float32)
    y = rng.integers(0, 10, BATCH).astype(np.int64)
    shapes = [(3, 3, 1, 32), (32,), (3, 3, 32, 64), (64,), (7 * 7 * 64, 10), (10,)]
    weights = []
    for shape in shapes:
        fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        scale = np.sqrt(2 / fan_in) if len(shape) > 1 else 0.0
        weights.append((rng.normal(size=shape) * scale).astype(np.float32))
    return x, y, weights


# ---------------------------------------------------------------- hand-written numpy ------

def _im2col(x):
    """(columns (N*H*W, 9*C), padded shape) for a 3x3 SAME stride-1 convolution."""
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    win = sliding_window_view(xp, (3, 3), axis=(1, 2))  # (N, H, W, C, 3, 3)
    return win.transpose(0, 1, 2, 4, 5, 3).reshape(-1, 9 * x.shape[3]), xp.shape


def _col2im(dcols, xp_shape, c):
    n, hp, wp, _ = xp_shape
    h, w = hp - 2, wp - 2
    dcols = dcols.reshape(n, h, w, 3, 3, c)
    dxp = np.zeros(xp_shape, dcols.dtype)
    for i in range(3):
        for j in range(3):
            dxp[:, i:i + h, j:j + w] += dcols[:, :, :, i, j]
    return dxp[:, 1:-1, 1:-1]


def _pool(r):
    n, h, w, c = r.shape
    r6 = r.reshape(n, h // 2, 2, w // 2, 2, c)
    out = r6.max(axis=(2, 4))
    return out, r6 == out[:, :, None, :, None]


def _unpool(d, mask):
    n, h, _, w, _, c = mask.shape
    return (mask * d[:, :, None, :, None]).reshape(n, 2 * h, 2 * w, c)


def numpy_step(x, y, params):
    """Forward, backward and SGD by hand (im2col + one GEMM per conv): numpy's floor."""
    w1, b1, w2, b2, w3, b3 = params
    cols1, xp1 = _im2col(x)
    a1 = (cols1 @ w1.reshape(-1, 32)).reshape(BATCH, 28, 28, 32) + b1
    p1, m1 = _pool(np.maximum(a1, 0))
    cols2, xp2 = _im2col(p1)
    a2 = (cols2 @ w2.reshape(-1, 64)).reshape(BATCH, 14, 14, 64) + b2
    p2, m2 = _pool(np.maximum(a2, 0))
    flat = p2.reshape(BATCH, -1)
    logits = flat @ w3 + b3
    logits -= logits.max(axis=1, keepdims=True)
    prob = np.exp(logits)
    prob /= prob.sum(axis=1, keepdims=True)
    prob[np.arange(BATCH), y] -= 1
    d3 = prob / BATCH
    g3, gb3 = flat.T @ d3, d3.sum(0)
    d2 = _unpool((d3 @ w3.T).reshape(p2.shape), m2) * (a2 > 0)
    g2, gb2 = (cols2.T @ d2.reshape(-1, 64)).reshape(w2.shape), d2.sum((0, 1, 2))
    dp1 = _col2im(d2.reshape(-1, 64) @ w2.reshape(-1, 64).T, xp2, 32)
    d1 = _unpool(dp1, m1) * (a1 > 0)
    g1, gb1 = (cols1.T @ d1.reshape(-1, 32)).reshape(w1.shape), d1.sum((0, 1, 2))
    for w, g in zip(params, (g1, gb1, g2, gb2, g3, gb3)):
        w -= LR * g


# ---------------------------------------------------------------- TensorFlow-API steps ----

def nn_ops(tf):
    """conv2d/max_pool2d of `tf`: tf.nn, or twinflow's op modules until tf.nn re-exports
    them."""
    if hasattr(tf.nn, "conv2d") and hasattr(tf.nn, "max_pool2d"):
        return tf.nn
    from engine.ops import conv, pool
    return SimpleNamespace(conv2d=conv.conv2d, max_pool2d=pool.max_pool2d)


def loss_fn(tf, x, y, params):
    w1, b1, w2, b2, w3, b3 = params
    nn = nn_ops(tf)
    h = nn.max_pool2d(tf.nn.relu(nn.conv2d(x, w1, 1, "SAME") + b1), 2, 2, "VALID")
    h = nn.max_pool2d(tf.nn.relu(nn.conv2d(h, w2, 1, "SAME") + b2), 2, 2, "VALID")
    logits = tf.matmul(tf.reshape(h, [-1, 7 * 7 * 64]), w3) + b3
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


def eager_steps(tf):
    """(eager step, tf.function step, x, y) over the same code, in the TF2 API."""
    x, y, weights = data()
    eager_params = [tf.Variable(w) for w in weights]
    graph_params = [tf.Variable(w) for w in weights]
    return (make_eager_step(tf, eager_params), tf.function(make_eager_step(tf, graph_params)),
            tf.constant(x), tf.constant(y))


def session_step(tf):
    """A callable running one train op in the TF1 API."""
    tf1 = tf.compat.v1
    x, y, weights = data()
    graph = tf.Graph()
    with graph.as_default():
        xp = tf1.placeholder(tf.float32, [None, 28, 28, 1])
        yp = tf1.placeholder(tf.int64, [None])
        params = [tf1.Variable(w) for w in weights]
        train = tf1.train.GradientDescentOptimizer(LR).minimize(loss_fn(tf, xp, yp, params))
        sess = tf1.Session(graph=graph)
        sess.run(tf1.global_variables_initializer())
    run = sess.make_callable(train, [xp, yp])
    return lambda: run(x, y)


def bench_twinflow(seconds):
    sys.path.insert(0, str(ROOT))
    import twinflow as tf
    eager, compiled, x, y = eager_steps(tf)
    out = {"twinflow eager": best_seconds(lambda: eager(x, y), seconds),
           "twinflow tf.function": best_seconds(lambda: compiled(x, y), seconds),
           "twinflow TF1 Session": best_seconds(session_step(tf), seconds)}
    assert compiled.experimental_get_tracing_count() == 1
    return out


def bench_numpy(seconds):
    x, y, weights = data()
    return best_seconds(lambda: numpy_step(x, y, weights), seconds)


def bench_torch(seconds):
    try:
        import torch
        import torch.nn.functional as F  # noqa: N812 - PyTorch's convention
    except ImportError:
        return None
    x, y, weights = data()
    layout = [w.transpose(3, 2, 0, 1) if w.ndim == 4 else w.T if w.ndim == 2 else w
              for w in weights]  # OIHW filters, (out, in) dense
    params = [torch.tensor(np.ascontiguousarray(w), requires_grad=True) for w in layout]
    xt, yt = torch.tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2))), torch.tensor(y)

    def step():
        w1, b1, w2, b2, w3, b3 = params
        h = F.max_pool2d(torch.relu(F.conv2d(xt, w1, b1, padding=1)), 2)
        h = F.max_pool2d(torch.relu(F.conv2d(h, w2, b2, padding=1)), 2)
        loss = F.cross_entropy(F.linear(h.flatten(1), w3, b3), yt)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= LR * g
    return best_seconds(step, seconds)


_TF_SNIPPET = """
import json, sys
sys.path.insert(0, {here!r})
import tensorflow as tf
from conv import eager_steps, session_step, best_seconds
eager, compiled, x, y = eager_steps(tf)
print(json.dumps({{"TensorFlow 2 eager": best_seconds(lambda: eager(x, y), {seconds}),
                  "TensorFlow 2 tf.function": best_seconds(lambda: compiled(x, y), {seconds}),
                  "TensorFlow 1 Session": best_seconds(session_step(tf), {seconds})}}))
"""


def bench_tensorflow(python, seconds):
    if not python:
        return {}
    code = _TF_SNIPPET.format(here=str(Path(__file__).parent), seconds=seconds)
    result = run_json(python, code)
    if result is None:
        return {}
    return result


def kernel_breakdown(seconds):
    """Milliseconds of twinflow's conv/pool ops eagerly: forward, and forward + backward."""
    sys.path.insert(0, str(ROOT))
    import twinflow as tf
    from engine.ops import conv, pool
    rng = np.random.default_rng(1)
    cases = [("conv 3x3x32 SAME on [64,28,28,1]", (64, 28, 28, 1), (3, 3, 1, 32)),
             ("conv 3x3x64 SAME on [64,14,14,32]", (64, 14, 14, 32), (3, 3, 32, 64))]
    rows = []
    for label, xs, ws in cases:
        x = tf.constant(rng.normal(size=xs).astype(np.float32))
        w = tf.constant(rng.normal(size=ws).astype(np.float32))

        def both(fn, *args):
            with tf.GradientTape() as tape:
                tape.watch(args)
                out = fn(*args)
            return tape.gradient(out, args, output_gradients=out)
        rows.append((label, best_seconds(lambda: conv.conv2d(x, w, 1, "SAME"), seconds),
                     best_seconds(lambda: both(lambda a, b: conv.conv2d(a, b, 1, "SAME"),
                                               x, w), seconds)))
        y = conv.conv2d(x, w, 1, "SAME")
        rows.append((f"maxpool 2 on {y.shape.as_list()}",
                     best_seconds(lambda: pool.max_pool2d(y, 2, 2, "VALID"), seconds),
                     best_seconds(lambda: both(lambda a: pool.max_pool2d(a, 2, 2, "VALID"),
                                               y), seconds)))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per contender")
    parser.add_argument("--tf-python", default=None, help="a Python with TensorFlow")
    args = parser.parse_args(argv)
    tf_times = bench_tensorflow(args.tf_python, args.seconds)
    base = bench_numpy(args.seconds)
    rows = [("hand-written numpy im2col", base), *bench_twinflow(args.seconds).items(),
            ("PyTorch eager", bench_torch(args.seconds)), *tf_times.items()]
    print(f"CNN training step, batch {BATCH}")
    print(f"{'contender':28s} {'steps/s':>9s} {'ms/step':>9s} {'x numpy time':>12s}")
    for label, value in rows:
        if value is None:
            print(f"{label:28s} {'skipped':>9s}")
            continue
        print(f"{label:28s} {1 / value:9.1f} {1e3 * value:9.2f} {value / base:12.2f}")
    print(f"\n{'twinflow kernel (eager)':36s} {'fwd ms':>8s} {'fwd+bwd ms':>11s}")
    for label, fwd, both in kernel_breakdown(args.seconds / 2):
        print(f"{label:36s} {1e3 * fwd:8.2f} {1e3 * both:11.2f}")


if __name__ == "__main__":
    main()
