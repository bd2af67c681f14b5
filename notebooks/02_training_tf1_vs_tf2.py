# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · One model, five training loops
#
# A two-layer classifier of the handwritten digits that ship with twinflow
# (`tf.keras.datasets.digits`, 8×8 images), trained five ways from the same
# initial weights, on the same batches, with plain SGD:
#
# 1. **TF1**: placeholders, a graph, `GradientDescentOptimizer.minimize`, a `Session`;
# 2. **TF2**: eager ops and a `GradientTape`;
# 3. **Keras `fit`, eagerly** (`run_eagerly=True`);
# 4. **Keras `fit`, compiled** by `tf.function` (the default);
# 5. **Keras `fit` in a TF1 Session** (eager execution disabled) — the course recipe.
#
# All five produce the same losses and the same final weights, bit for bit.

# %%
import twinflow as tf

import time

import matplotlib.pyplot as plt
import numpy as np

tf1 = tf.compat.v1

(x_train, y_train), _ = tf.keras.datasets.digits.load_data()
X = x_train.reshape(len(x_train), 64).astype(np.float32) / 16.0
Y = y_train.astype(np.int32)
EPOCHS, BATCH, LR, HIDDEN = 6, 64, 0.1, 32
STEPS = -(-len(Y) // BATCH)  # batches per epoch (the last one is smaller)
print(f"{len(Y)} training images of {X.shape[1]} pixels, {STEPS} batches per epoch")


def glorot(rng, n_in, n_out):
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, (n_in, n_out)).astype(np.float32)


rng = np.random.default_rng(0)
INITIAL = [glorot(rng, 64, HIDDEN), np.zeros(HIDDEN, np.float32),
           glorot(rng, HIDDEN, 10), np.zeros(10, np.float32)]


def batches():
    """The same batches, in the same order, for every loop (Keras: shuffle=False)."""
    for i in range(0, len(Y), BATCH):
        yield X[i:i + BATCH], Y[i:i + BATCH]


def forward(x, w1, b1, w2, b2):
    """Logits of Dense(HIDDEN, relu) + Dense(10): the ops Keras's Dense layers run."""
    hidden = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w1), b1))
    return tf.nn.bias_add(tf.matmul(hidden, w2), b2)


def cross_entropy(labels, logits):
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                         logits=logits))


timings = {}

# %% [markdown]
# ## 1 · TF1: placeholders + Session + `optimizer.minimize`
#
# The whole training step — forward pass, gradients, the update — is built once
# as a graph; each `sess.run` feeds one batch and fetches the loss and the
# update op.

# %%
graph = tf.Graph()
with graph.as_default():
    x = tf1.placeholder(tf.float32, [None, 64], name="x")
    y = tf1.placeholder(tf.int32, [None], name="y")
    params = [tf1.Variable(v, name=n) for v, n in zip(INITIAL, ("w1", "b1", "w2", "b2"))]
    loss = cross_entropy(y, forward(x, *params))
    train_op = tf1.train.GradientDescentOptimizer(LR).minimize(loss)
    init = tf1.global_variables_initializer()

start = time.perf_counter()
tf1_losses = []
with tf1.Session(graph=graph) as sess:
    sess.run(init)
    for epoch in range(EPOCHS):
        for xb, yb in batches():
            step_loss, _ = sess.run([loss, train_op], feed_dict={x: xb, y: yb})
            tf1_losses.append(step_loss)
    tf1_weights = sess.run(params)
timings["TF1 Session"] = time.perf_counter() - start
print(f"{len(tf1_losses)} steps, last loss {tf1_losses[-1]:.6f}")

# %% [markdown]
# ## 2 · TF2: eager ops + `GradientTape`
#
# No graph and no Session: the step is ordinary Python, the tape records the
# forward pass, and the update is `variable.assign_sub`.

# %%
start = time.perf_counter()
variables = [tf.Variable(v, name=n) for v, n in zip(INITIAL, ("w1", "b1", "w2", "b2"))]
tf2_losses = []
for epoch in range(EPOCHS):
    for xb, yb in batches():
        with tf.GradientTape() as tape:
            step_loss = cross_entropy(tf.constant(yb), forward(tf.constant(xb), *variables))
        for v, g in zip(variables, tape.gradient(step_loss, variables)):
            v.assign_sub(LR * g)
        tf2_losses.append(step_loss.numpy())
tf2_weights = [v.numpy() for v in variables]
timings["TF2 eager + tape"] = time.perf_counter() - start
print(f"{len(tf2_losses)} steps, last loss {tf2_losses[-1]:.6f}")

# %%
assert np.array(tf1_losses).tobytes() == np.array(tf2_losses).tobytes()
assert all(a.tobytes() == b.tobytes() for a, b in zip(tf1_weights, tf2_weights))
print(f"all {len(tf1_losses)} step losses and all final weights are bit-identical")

# %% [markdown]
# ## 3–5 · Keras `fit` in its three modes
#
# The same network as a `Sequential` model, starting from the same weights.
# `fit` reports per epoch the mean of the batch losses. Eagerly and compiled
# are one argument apart (`run_eagerly`).

# %%
def keras_model():
    """Dense(HIDDEN, relu) + Dense(10) whose initializers give the INITIAL weights (so a
    TF1 Session's global_variables_initializer() starts from them too)."""
    tf.keras.backend.clear_session()
    w1, b1, w2, b2 = (tf.constant_initializer(v) for v in INITIAL)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(HIDDEN, activation="relu", input_shape=(64,),
                              kernel_initializer=w1, bias_initializer=b1),
        tf.keras.layers.Dense(10, kernel_initializer=w2, bias_initializer=b2)])
    return model


def compile_model(model, run_eagerly=False):
    model.compile(optimizer=tf.keras.optimizers.SGD(LR),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], run_eagerly=run_eagerly)


keras_runs = {}
for name, run_eagerly in (("Keras fit, run_eagerly", True), ("Keras fit, tf.function", False)):
    start = time.perf_counter()
    model = keras_model()
    compile_model(model, run_eagerly)
    history = model.fit(X, Y, epochs=EPOCHS, batch_size=BATCH, shuffle=False, verbose=0)
    timings[name] = time.perf_counter() - start
    keras_runs[name] = (history.history, model.get_weights())
    print(f"{name}: loss per epoch {np.round(history.history['loss'], 4).tolist()}")

# %% [markdown]
# The TF1 way: with eager execution disabled, the model is built on placeholders
# in the default graph, and `fit` runs it batch by batch in the default Session.
# The three lines inside the `with` block are the course recipe, verbatim.

# %%
tf.compat.v1.disable_eager_execution()
assert not tf.executing_eagerly()
start = time.perf_counter()
model = keras_model()
compile_model(model)
with tf.compat.v1.Session() as session:
    session.run(tf.compat.v1.global_variables_initializer())
    session.run(tf.compat.v1.tables_initializer())
    history = model.fit(X, Y, epochs=EPOCHS, batch_size=BATCH, shuffle=False, verbose=0)
    keras_runs["Keras fit, TF1 Session"] = (history.history, model.get_weights())
timings["Keras fit, TF1 Session"] = time.perf_counter() - start
tf.compat.v1.enable_eager_execution()
tf.compat.v1.reset_default_graph()
assert tf.executing_eagerly()
print(f"loss per epoch {np.round(history.history['loss'], 4).tolist()}")

# %% [markdown]
# ## The five agree
#
# The three Keras histories are equal as Python floats, and their final weights
# equal the hand-written loops' weights bit for bit. Keras 2's epoch loss is a
# per-sample average: each batch's loss weighs as many samples as the batch holds
# (float32, summed in order), so the hand loops' epoch losses are computed the
# same way to compare them exactly.

# %%
def epoch_means(step_losses):
    """Keras 2's loss metric: a float32 running sum of batch loss * batch size, over
    the number of samples (a short last batch counts for what it holds)."""
    sizes = [len(y) for _, y in batches()]
    means = []
    for epoch in range(EPOCHS):
        total = count = np.float32(0.0)
        for value, size in zip(step_losses[epoch * STEPS:(epoch + 1) * STEPS], sizes):
            total = np.float32(total + np.float32(value) * np.float32(size))
            count = np.float32(count + np.float32(size))
        means.append(float(total / count))
    return means


reference_history, _ = keras_runs["Keras fit, run_eagerly"]
for name, (hist, weights) in keras_runs.items():
    assert hist == reference_history, name
    assert all(a.tobytes() == b.tobytes() for a, b in zip(weights, tf1_weights)), name
assert epoch_means(tf1_losses) == epoch_means(tf2_losses) == reference_history["loss"]

print(f"{'epoch':>5} {'TF1 Session':>12} {'TF2 tape':>12}" +
      "".join(f" {n.replace('Keras fit, ', 'fit/'):>16}" for n in keras_runs))
for e in range(EPOCHS):
    print(f"{e + 1:>5} {epoch_means(tf1_losses)[e]:>12.7f} {epoch_means(tf2_losses)[e]:>12.7f}" +
          "".join(f" {hist['loss'][e]:>16.7f}" for hist, _ in keras_runs.values()))
print("\nfive loops, one set of numbers: every epoch loss and every final weight identical")

# %%
fig, ax = plt.subplots(figsize=(8, 4))
steps = np.arange(1, len(tf1_losses) + 1)
ax.plot(steps, tf1_losses, lw=3, alpha=0.5, label="TF1 Session (per step)")
ax.plot(steps, tf2_losses, "k--", lw=1, label="TF2 GradientTape (per step)")
epoch_ends = np.arange(1, EPOCHS + 1) * STEPS
for (name, (hist, _)), marker in zip(keras_runs.items(), ("o", "s", "x")):
    ax.plot(epoch_ends, hist["loss"], marker, ms=9 - 2 * "osx".index(marker), mfc="none",
            label=f"{name} (epoch mean)")
ax.set_xlabel("training step")
ax.set_ylabel("cross-entropy")
ax.set_title("the same losses from five training loops")
ax.legend()
fig.tight_layout()

# %% [markdown]
# ## Where they differ: time
#
# Same numbers, different machinery. The figures below are from this run and
# are only illustrative (notebook 07 looks at where the time goes).

# %%
for name, seconds in timings.items():
    print(f"{name:<26} {seconds * 1000:8.1f} ms for {EPOCHS * STEPS} steps")
