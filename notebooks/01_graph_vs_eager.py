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
# # 01 · One computation, two execution models
#
# TensorFlow 1 **builds** a graph first and **runs** it later in a `Session`;
# TensorFlow 2 runs each op the moment Python reaches it (eager execution).
# twinflow implements both over one set of op kernels, so the same small layer,
# `relu(x @ w + b)`, can be run both ways and the answers compared bit for bit.
#
# Every claim below is checked by an `assert` in a code cell: if twinflow
# changes, the notebook stops running (`tests/test_notebooks.py` runs it).

# %%
import twinflow as tf

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np

tf1 = tf.compat.v1

X_VALUE = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], np.float32)
W_VALUE = np.array([[0.5, -1.0], [0.25, 0.5], [-0.75, 1.0]], np.float32)
B_VALUE = np.array([0.1, -0.2], np.float32)


def error_of(fn, cls):
    """The message of the `cls` error that fn() raises (AssertionError if it raises none)."""
    try:
        fn()
    except cls as e:
        return str(e)
    raise AssertionError(f"expected {cls.__name__}")

# %% [markdown]
# ## TF1: build a graph, nothing runs
#
# Inside `graph.as_default()` every op call adds an `Operation` to the graph and
# returns a *symbolic* `Tensor`: a name, a dtype and a static shape — no value.
# The batch dimension of the placeholder is unknown (`None`) and stays unknown
# in every shape derived from it.

# %%
graph = tf.Graph()
with graph.as_default():
    x = tf1.placeholder(tf.float32, [None, 3], name="x")
    w = tf1.Variable(W_VALUE, name="w")
    b = tf1.Variable(B_VALUE, name="b")
    y = tf.nn.relu(tf.matmul(x, w) + b, name="y")
    loss = tf.reduce_sum(y, name="loss")
    dw = tf1.gradients(loss, w)[0]

print(repr(y))
print(y)
print("op:", y.op.name, "of type", y.op.type, "reading", [t.name for t in y.op.inputs])
print("static shape:", y.shape, "->", y.shape.as_list())
assert y.shape.as_list() == [None, 2]
assert repr(y) == "<tf.Tensor 'y:0' shape=(None, 2) dtype=float32>"

# %% [markdown]
# What exists before anything runs: the operations, in creation order, with the
# inputs they read and the static shapes of what they will produce.

# %%
ops = graph.get_operations()
print(f"{len(ops)} operations in the graph, 0 run so far\n")
print(f"{'name':<26} {'type':<18} {'inputs':<44} output shapes")
for op in ops:
    inputs = ", ".join(t.name for t in op.inputs)
    shapes = ", ".join(str(t.shape) for t in op.outputs)
    print(f"{op.name:<26} {op.type:<18} {inputs:<44} {shapes}")

types = [op.type for op in ops]
assert {"Placeholder", "VarHandleOp", "MatMul", "Relu", "Sum"} <= set(types)
assert len(ops) > 10  # the gradient ops were built too: tf.gradients adds to the graph

# %% [markdown]
# A symbolic tensor has no value to show. Asking for one explains what to do
# instead; so does using it as a Python `bool`.

# %%
symbolic_error = error_of(y.numpy, NotImplementedError)
print(symbolic_error)
assert "symbolic tensor of a TF1 graph" in symbolic_error
assert "session.run" in symbolic_error

# %% [markdown]
# ### The graph, drawn
#
# twinflow keeps a graph as plain Python objects, so drawing one is a few lines of
# networkx (if twinflow grows its own `Graph.to_networkx`, it is used instead).
# Layers are topological generations: everything in a column can run once the
# columns to its left have.

# %%
def graph_to_networkx(g):
    """A DiGraph of `g`'s operations, data edges from producer to consumer."""
    if hasattr(tf.Graph, "to_networkx"):  # twinflow's own, when it exists
        return g.to_networkx()
    dg = nx.DiGraph()
    for op in g.get_operations():
        dg.add_node(op.name, type=op.type)
        for t in op.inputs:
            dg.add_edge(t.op.name, op.name)
        for dep in op.control_inputs:
            dg.add_edge(dep.name, op.name)
    return dg


def draw(dg, ax, title):
    for layer, names in enumerate(nx.topological_generations(dg)):
        for name in names:
            dg.nodes[name]["layer"] = layer
    pos = nx.multipartite_layout(dg, subset_key="layer")
    labels = {n: f"{n}\n{d.get('type', '')}" for n, d in dg.nodes(data=True)}
    nx.draw_networkx(dg, pos, ax=ax, labels=labels, node_size=300, font_size=6,
                     node_color="#cfe2f3", arrowsize=8)
    ax.set_title(title)
    ax.axis("off")


full = graph_to_networkx(graph)
forward = full.subgraph([n for n, d in full.nodes(data=True)
                         if not str(d.get("name", n)).startswith("gradients/")]).copy()
fig, ax = plt.subplots(figsize=(12, 5))
draw(forward, ax, "the forward graph of relu(x @ w + b), before any run")
assert forward.number_of_nodes() == len([op for op in ops
                                         if not op.name.startswith("gradients/")])
fig.tight_layout()

# %% [markdown]
# ## TF1: run it in a Session
#
# A `Session` owns the variables' values: they must be initialized first. A run
# executes only the ops the fetches need (the gradient ops stay idle here).

# %%
with tf1.Session(graph=graph) as sess:
    print(sess.explain(y))  # a dry run: what y needs
    sess.run(tf1.global_variables_initializer())
    y_graph, loss_graph, dw_graph = sess.run([y, loss, dw], feed_dict={x: X_VALUE})
print("\ny =", y_graph.tolist(), "\nloss =", loss_graph, "\ndloss/dw =", dw_graph.tolist())
assert isinstance(y_graph, np.ndarray) and y_graph.shape == (2, 2)

# %% [markdown]
# ## TF2: the same computation, eagerly
#
# The same function calls, outside any graph: each op runs at once, every tensor
# has its value and a fully known shape, and the gradient comes from a
# `GradientTape` instead of `tf.gradients`.

# %%
x_e = tf.constant(X_VALUE)
w_e = tf.Variable(W_VALUE, name="w")
b_e = tf.Variable(B_VALUE, name="b")
with tf.GradientTape() as tape:
    y_e = tf.nn.relu(tf.matmul(x_e, w_e) + b_e)
    loss_e = tf.reduce_sum(y_e)
dw_e = tape.gradient(loss_e, w_e)

print(repr(y_e))
print("static shape:", y_e.shape)
assert y_e.shape.as_list() == [2, 2]  # eagerly every dimension is known
assert repr(y_e).startswith("<tf.Tensor: shape=(2, 2), dtype=float32, numpy=")

# %% [markdown]
# ## They agree, bit for bit
#
# Both modes call the same kernel for each op (`engine/ops/`), and the same
# gradient function serves `tf.gradients` and the tape, so the results are not
# just close: they are identical bytes.

# %%
assert y_graph.tobytes() == y_e.numpy().tobytes()
assert loss_graph.tobytes() == loss_e.numpy().tobytes()
assert dw_graph.tobytes() == dw_e.numpy().tobytes()
reference = np.maximum(X_VALUE @ W_VALUE + B_VALUE, 0)
np.testing.assert_allclose(y_graph, reference, rtol=1e-6)
print("y, loss and dloss/dw are bit-identical in the two modes")

# %% [markdown]
# ## Where they differ
#
# | | TF1 graph + Session | TF2 eager |
# |---|---|---|
# | when ops run | at `sess.run`, only those the fetches need | when Python reaches them |
# | a tensor holds | a name, dtype and static shape (`None` dims allowed) | a value |
# | variables | live in each Session; initialize them first | have a value once created |
# | inputs | placeholders + `feed_dict` | Python arguments |
# | gradients | `tf.gradients` adds ops to the graph | a `GradientTape` records and replays |
# | Python `if` on a tensor | error: use `tf.cond` | plain Python |
#
# Two of those differences, checked: a second Session starts with no variable
# values, and one graph can be run with any batch size.

# %%
with tf1.Session(graph=graph) as fresh:
    message = error_of(lambda: fresh.run(y, {x: X_VALUE}), tf.errors.FailedPreconditionError)
    print(message.splitlines()[0])
    assert message.startswith("Attempting to use uninitialized value")
    fresh.run(tf1.global_variables_initializer())
    for batch in (1, 5, 7):
        assert fresh.run(y, {x: np.ones((batch, 3), np.float32)}).shape == (batch, 2)
print("one graph, any batch size; each Session has its own variable values")
