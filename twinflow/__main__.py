"""`python -m twinflow`: the side-by-side demo.

For now it shows the TF2 half: ops that run at once, a GradientTape, and a tiny model
trained eagerly. The TF1 graph + Session half joins it when graph mode lands.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def _eager_basics(tf):
    print("== Eager mode: ops run at once ==")
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    y = tf.matmul(x, x) + 1.0
    print("x @ x + 1 =", y)
    print("executing eagerly:", tf.executing_eagerly())


def _tape_demo(tf):
    print("\n== GradientTape: d/dx of x^3 at x = 2, and the second derivative ==")
    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x * x * x
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    print(f"y = {y.numpy()}, dy/dx = {dy.numpy()} (3x^2), d2y/dx2 = {d2y.numpy()} (6x)")


def _train_demo(tf, steps: int):
    print(f"\n== Linear regression trained with a tape, {steps} steps ==")
    rng = np.random.default_rng(0)
    features = rng.standard_normal((256, 3)).astype(np.float32)
    true_w = np.array([[2.0], [-3.0], [0.5]], np.float32)
    labels = features @ true_w + 1.0
    w = tf.Variable(tf.zeros([3, 1]), name="w")
    b = tf.Variable(0.0, name="b")
    start = time.perf_counter()
    for step in range(steps):
        with tf.GradientTape() as tape:
            pred = tf.matmul(features, w) + b
            loss = tf.reduce_mean(tf.square(pred - labels))
        gw, gb = tape.gradient(loss, [w, b])
        w.assign_sub(0.1 * gw)
        b.assign_sub(0.1 * gb)
        if step % max(1, steps // 5) == 0 or step == steps - 1:
            print(f"  step {step:3d}  loss {loss.numpy():.6f}")
    elapsed = time.perf_counter() - start
    print("learned w:", np.round(w.numpy().ravel(), 3), "b:", np.round(b.numpy(), 3),
          f"({elapsed * 1e3 / steps:.2f} ms/step)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m twinflow", description=__doc__)
    parser.add_argument("--steps", type=int, default=50, help="training steps in the demo")
    args = parser.parse_args(argv)
    import twinflow as tf
    _eager_basics(tf)
    _tape_demo(tf)
    _train_demo(tf, args.steps)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
