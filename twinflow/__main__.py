"""`python -m twinflow`: one classifier trained TF1-style and TF2-style, side by side,
then one Keras model fitted in Keras's three modes.

TF1: placeholders, a Graph, `optimizer.minimize`, a Session. TF2: eager ops and a
GradientTape. Same data (the spirals that ship with twinflow), same initial weights,
same op kernels and gradient definitions: the table shows both losses each epoch,
whether they are bit-identical, and the time per step of each mode. Then the same
Keras model is fitted on the shipped digits eagerly (run_eagerly=True), compiled with
tf.function (the default) and inside a TF1 Session, with an "identical" column.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def initial_weights(hidden: int, seed: int = 0):
    """Glorot-uniform weights drawn once with numpy, so both modes start identical."""
    rng = np.random.default_rng(seed)

    def glorot(n_in, n_out):
        limit = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-limit, limit, (n_in, n_out)).astype(np.float32)
    return [glorot(2, hidden), np.zeros(hidden, np.float32), glorot(hidden, 3),
            np.zeros(3, np.float32)]


def _model(tf, x, w1, b1, w2, b2):
    hidden = tf.tanh(tf.matmul(x, w1) + b1)
    return tf.matmul(hidden, w2) + b2


def train_tf1(tf, data, weights, epochs, batch, lr):
    """Placeholders + Session + GradientDescentOptimizer.minimize: losses per step."""
    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [None, 2], name="x")
        y = tf1.placeholder(tf.int32, [None], name="y")
        params = [tf.Variable(w, name=n) for w, n in zip(weights, ("w1", "b1", "w2", "b2"))]
        logits = _model(tf, x, *params)
        loss = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train_op = tf1.train.GradientDescentOptimizer(lr).minimize(loss)
        init = tf1.global_variables_initializer()
    losses, start = [], time.perf_counter()
    with tf1.Session(graph=graph) as sess:
        sess.run(init)
        for _ in range(epochs):
            for xb, yb in _batches(data, batch):
                value, _ = sess.run([loss, train_op], feed_dict={x: xb, y: yb})
                losses.append(value)
        final = sess.run(params)
    return np.array(losses, np.float32), final, time.perf_counter() - start


def train_tf2(tf, data, weights, epochs, batch, lr):
    """Eager ops + GradientTape + variable.assign_sub: losses per step."""
    params = [tf.Variable(w, name=n) for w, n in zip(weights, ("w1", "b1", "w2", "b2"))]
    losses, start = [], time.perf_counter()
    for _ in range(epochs):
        for xb, yb in _batches(data, batch):
            with tf.GradientTape() as tape:
                logits = _model(tf, tf.constant(xb), *params)
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                    labels=tf.constant(yb), logits=logits))
            for p, g in zip(params, tape.gradient(loss, params)):
                p.assign_sub(lr * g)
            losses.append(loss.numpy())
    return (np.array(losses, np.float32), [p.numpy() for p in params],
            time.perf_counter() - start)


def _batches(data, batch):
    features, labels = data
    for i in range(0, len(labels), batch):
        yield features[i:i + batch], labels[i:i + batch]


def keras_fit(tf, mode, epochs, data):
    """Loss per epoch of one Sequential model on digits, fitted in `mode`."""
    keras, tf1 = tf.keras, tf.compat.v1
    x, y = data

    def fit():
        keras.backend.clear_session()
        tf.random.set_seed(0)
        model = keras.Sequential([keras.layers.Dense(64, activation="relu", input_shape=(64,)),
                                  keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"], run_eagerly=mode == "eager")
        return model.fit(x, y, epochs=epochs, batch_size=32, verbose=0).history["loss"]
    if mode != "graph":
        return fit()
    tf1.disable_eager_execution()
    try:
        with tf1.Session() as session:  # the TF1 recipe, verbatim
            session.run(tf1.global_variables_initializer())
            session.run(tf1.tables_initializer())
            return fit()
    finally:
        tf1.enable_eager_execution()
        tf1.reset_default_graph()


def keras_three_modes(tf, epochs) -> bool:
    """Prints the three loss columns; True if they are bit-identical."""
    (x, y), _ = tf.keras.datasets.digits.load_data()
    data = (x.reshape(len(x), 64).astype(np.float32) / 16.0, y.astype(np.int64))
    columns, times = {}, {}
    for mode in ("eager", "compiled", "graph"):
        start = time.perf_counter()
        columns[mode] = keras_fit(tf, mode, epochs, data)
        times[mode] = time.perf_counter() - start
    print("\nKeras: Dense(64, relu) + Dense(10, softmax) on the shipped digits, Adam\n")
    print(f"{'epoch':>5}  {'run_eagerly':>12}  {'tf.function':>12}  {'TF1 Session':>12}  "
          "identical")
    for e in range(epochs):
        row = [columns[m][e] for m in ("eager", "compiled", "graph")]
        print(f"{e + 1:5d}  {row[0]:12.9f}  {row[1]:12.9f}  {row[2]:12.9f}  "
              f"{'yes' if row[0] == row[1] == row[2] else 'NO'}")
    print("seconds per fit: " + ", ".join(f"{m} {t:.2f}" for m, t in times.items()))
    return columns["eager"] == columns["compiled"] == columns["graph"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m twinflow", description=__doc__)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=30)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--keras-epochs", type=int, default=5)
    args = parser.parse_args(argv)
    import twinflow as tf
    from twinflow.datasets import load_spirals
    features, labels = load_spirals()
    order = np.random.default_rng(1).permutation(len(labels))
    data = (features[order], labels[order])
    weights = initial_weights(args.hidden)
    run = (data, weights, args.epochs, args.batch, args.lr)
    loss1, final1, t1 = train_tf1(tf, *run)
    loss2, final2, t2 = train_tf2(tf, *run)
    steps_per_epoch = len(loss1) // args.epochs
    print("twinflow: one 2-layer classifier on the shipped spirals, trained both ways\n")
    print(f"{'epoch':>5}  {'TF1 Session loss':>17}  {'TF2 eager loss':>15}  bit-identical")
    for e in range(args.epochs):
        a = loss1[(e + 1) * steps_per_epoch - 1]
        b = loss2[(e + 1) * steps_per_epoch - 1]
        print(f"{e + 1:5d}  {a:17.9f}  {b:15.9f}  {'yes' if a == b else 'NO'}")
    same_losses = np.array_equal(loss1, loss2)
    same_weights = all(np.array_equal(a, b) for a, b in zip(final1, final2))
    n = len(loss1)
    print(f"\nall {n} step losses identical: {same_losses}; final weights identical: "
          f"{same_weights}")
    print(f"time per step: TF1 Session {t1 / n * 1e3:.3f} ms, TF2 eager {t2 / n * 1e3:.3f} ms")
    keras_same = keras_three_modes(tf, args.keras_epochs)
    return 0 if same_losses and same_weights and keras_same else 1


if __name__ == "__main__":
    raise SystemExit(main())
