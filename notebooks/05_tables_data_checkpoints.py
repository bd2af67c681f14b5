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
# # 05 · State: lookup tables, input pipelines, checkpoints
#
# A TF1 graph describes state — a table's contents, an iterator's position, a
# variable's value — but the values live in a `Session`, which must be told to
# fill them (initializers) and which forgets them when it closes. TF2 objects own
# their state from the moment they exist. This notebook runs each kind of state
# both ways and checks that the values agree, including a checkpoint written in a
# TF1 Session and read back by TF2 code (and the other way round).

# %%
import twinflow as tf

import os
import shutil
import tempfile

import numpy as np

tf1 = tf.compat.v1
Dataset = tf.data.Dataset
WORKDIR = tempfile.mkdtemp(prefix="twinflow-nb05-")  # checkpoints go here, not in the repo


def error_of(fn, cls):
    """The message of the `cls` error that fn() raises (AssertionError if it raises none)."""
    try:
        fn()
    except cls as e:
        return str(e)
    raise AssertionError(f"expected {cls.__name__}")


VOCAB = ["the", "cat", "sat", "on", "mat"]
SENTENCES = [["the", "cat", "sat", ""], ["the", "dog", "sat", ""], ["on", "the", "mat", ""],
             ["a", "cat", "on", "mat"]]  # words, padded with "" to one length


def make_table():
    """word -> id, -1 for words not in VOCAB."""
    init = tf.lookup.KeyValueTensorInitializer(VOCAB, np.arange(len(VOCAB), dtype=np.int64))
    return tf.lookup.StaticHashTable(init, default_value=-1, name="vocab")


# %% [markdown]
# ## Lookup tables
#
# **TF1**: building the table adds its initializer to the `TABLE_INITIALIZERS`
# collection. A lookup before `tables_initializer()` has run *in this Session*
# fails with TensorFlow's "Table not initialized."; a second Session starts empty.

# %%
graph = tf.Graph()
with graph.as_default():
    table = make_table()
    ids = table.lookup(tf.constant(["cat", "dog", "mat"]))
    print("initializers collected:", tf1.get_collection(tf1.GraphKeys.TABLE_INITIALIZERS))

with tf1.Session(graph=graph) as sess:
    message = error_of(lambda: sess.run(ids), tf.errors.FailedPreconditionError)
    print(message, end="\n\n")
    sess.run(tf1.tables_initializer())
    graph_ids = sess.run(ids)
    print("after tables_initializer():", graph_ids)
with tf1.Session(graph=graph) as other:
    again = error_of(lambda: other.run(ids), tf.errors.FailedPreconditionError)
assert message.startswith("Table not initialized.") and again.startswith("Table not initialized")
assert graph_ids.tolist() == [1, -1, 4]

# %% [markdown]
# **TF2**: the table is filled when it is created; there is nothing to initialize.

# %%
eager_table = make_table()
eager_ids = eager_table.lookup(tf.constant(["cat", "dog", "mat"]))
print(eager_ids)
assert eager_ids.numpy().tobytes() == graph_ids.tobytes()
assert eager_table.size().numpy() == len(VOCAB)

# %% [markdown]
# ## Input pipelines: `tf.data`
#
# One pipeline: sentences (rows of words) mapped to word ids through the table,
# in batches of two. The `map` function is traced once into a graph in both modes.
#
# **TF1** pulls elements with an iterator's `get_next()` op: `OutOfRangeError`
# ends an epoch, and re-running the iterator's initializer starts the next one.

# %%
def make_pipeline(table):
    return (Dataset.from_tensor_slices(SENTENCES)
            .map(lambda words: table.lookup(words))
            .batch(2))


tf1_epochs = []
with tf.Graph().as_default():
    iterator = tf1.data.make_initializable_iterator(make_pipeline(make_table()))
    next_batch = iterator.get_next()
    print("get_next() is a symbolic tensor:", next_batch)
    with tf1.Session() as sess:
        print("before the initializer:", error_of(lambda: sess.run(next_batch),
                                                  tf.errors.FailedPreconditionError)
              .splitlines()[0])
        sess.run(tf1.tables_initializer())
        for epoch in range(2):
            sess.run(iterator.initializer)
            batches = []
            while True:
                try:
                    batches.append(sess.run(next_batch))
                except tf.errors.OutOfRangeError as end:
                    print(f"epoch {epoch + 1}: {len(batches)} batches, then "
                          f"OutOfRangeError: {str(end).splitlines()[0]}")
                    break
            tf1_epochs.append(batches)
for batch in tf1_epochs[0]:
    print(batch.tolist())

# %% [markdown]
# **TF2**: a dataset is a Python iterable; each `for` loop is one epoch.

# %%
eager_pipeline = make_pipeline(make_table())
tf2_epochs = [[batch.numpy() for batch in eager_pipeline] for _ in range(2)]
for batch in tf2_epochs[0]:
    print(batch.tolist())

assert len(tf1_epochs) == len(tf2_epochs) == 2
for tf1_batches, tf2_batches in zip(tf1_epochs, tf2_epochs):
    assert len(tf1_batches) == len(tf2_batches) == 2
    for a, b in zip(tf1_batches, tf2_batches):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
assert tf2_epochs[0][0].tolist() == [[0, 1, 2, -1], [0, -1, 2, -1]]
print("the same batches in both modes, both epochs")

# %% [markdown]
# Shuffling with a seed gives the same order in both modes too (twinflow uses
# TensorFlow's buffer algorithm); TF2 reshuffles on each pass, while a TF1
# initializer replays the first order.

# %%
def shuffled():
    return Dataset.range(10).shuffle(5, seed=42)


shuffled_ds = shuffled()
eager_orders = [[int(v) for v in shuffled_ds] for _ in range(2)]
with tf.Graph().as_default():
    it = tf1.data.make_initializable_iterator(shuffled())
    nxt = it.get_next()
    graph_orders = []
    with tf1.Session() as sess:
        for _ in range(2):
            sess.run(it.initializer)
            graph_orders.append([int(sess.run(nxt)) for _ in range(10)])
for name, orders in (("eager", eager_orders), ("graph", graph_orders)):
    print(f"{name}: pass 1 {orders[0]}, pass 2 {orders[1]}")
assert eager_orders[0] == graph_orders[0] == graph_orders[1]
assert eager_orders[1] != eager_orders[0] and sorted(eager_orders[1]) == list(range(10))


# %% [markdown]
# ## Checkpoints across modes
#
# A small classifier is trained a few steps TF1-style and saved with
# `tf.compat.v1.train.Saver`. TF2 code that builds the same model — as a
# `tf.Module`, with differently structured Python objects but the same variable
# names — restores it with `tf.train.Checkpoint`, which matches a Saver
# checkpoint by variable name. Predictions must be identical.

# %%
rng = np.random.default_rng(1)
X = rng.normal(size=(12, 4)).astype(np.float32)
Y = (X[:, 0] > 0).astype(np.int32)


def logits_of(x, kernel, bias):
    return tf.matmul(x, kernel) + bias


with tf.Graph().as_default() as train_graph:
    xp = tf1.placeholder(tf.float32, [None, 4], name="x")
    yp = tf1.placeholder(tf.int32, [None], name="y")
    with tf1.variable_scope("dense"):
        kernel = tf1.get_variable("kernel", [4, 2], initializer=tf1.glorot_uniform_initializer(
            seed=1))
        bias = tf1.get_variable("bias", [2], initializer=tf1.zeros_initializer())
    logits = logits_of(xp, kernel, bias)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yp,
                                                                         logits=logits))
    train_op = tf1.train.GradientDescentOptimizer(0.5).minimize(loss)
    saver = tf1.train.Saver([kernel, bias])
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        for _ in range(5):
            sess.run(train_op, {xp: X, yp: Y})
        tf1_predictions = sess.run(logits, {xp: X})
        tf1_path = saver.save(sess, os.path.join(WORKDIR, "tf1-model"))

print("saved:", os.path.basename(tf1_path), sorted(os.listdir(WORKDIR)))
print("variables in it:", tf.train.list_variables(tf1_path))
assert [name for name, _ in tf.train.list_variables(tf1_path)] == ["dense/bias",
                                                                   "dense/kernel"]

# %%
class Dense(tf.Module):
    """The TF2 model: eager variables with the TF1 program's names."""

    def __init__(self):
        super().__init__()
        self.kernel = tf.Variable(tf.zeros([4, 2]), name="dense/kernel")
        self.bias = tf.Variable(tf.zeros([2]), name="dense/bias")

    def __call__(self, x):
        return logits_of(x, self.kernel, self.bias)


model = Dense()
status = tf.train.Checkpoint(model=model).restore(tf1_path)
status.assert_consumed()
tf2_predictions = model(tf.constant(X)).numpy()
print(type(status).__name__, "- every variable was matched by name")
assert tf2_predictions.tobytes() == tf1_predictions.tobytes()
print("TF1-trained, TF2-restored: predictions bit-identical")

# %% [markdown]
# And back: the TF2 model trains one more step eagerly, `tf.train.Checkpoint`
# saves it (an object-based checkpoint), and the TF1 Saver restores it into the
# graph, where the Session's predictions again match.

# %%
with tf.GradientTape() as tape:
    step_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.constant(Y), logits=model(tf.constant(X))))
for v, g in zip([model.kernel, model.bias], tape.gradient(step_loss,
                                                          [model.kernel, model.bias])):
    v.assign_sub(0.5 * g)
tf2_path = tf.train.Checkpoint(model=model).save(os.path.join(WORKDIR, "tf2-model"))
print("saved:", os.path.basename(tf2_path))
print("keys:", [name for name, _ in tf.train.list_variables(tf2_path)])

with train_graph.as_default(), tf1.Session() as sess:
    saver.restore(sess, tf2_path)
    restored_predictions = sess.run(logits, {xp: X})
assert restored_predictions.tobytes() == model(tf.constant(X)).numpy().tobytes()
assert restored_predictions.tobytes() != tf1_predictions.tobytes()  # the extra step counts
print("TF2-trained, TF1-restored: predictions bit-identical")

# %%
shutil.rmtree(WORKDIR)  # the checkpoints were only for this notebook
