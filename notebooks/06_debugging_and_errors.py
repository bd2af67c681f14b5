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
# # 06 · Debugging, and the errors of each mode
#
# TF1's errors come in two waves: while building (shapes and dtypes known
# statically) and at `Session.run` (missing feeds, uninitialized state, values).
# Run-time errors happen far from the line that caused them, so TensorFlow names
# the node; twinflow adds the line that built it and the fix. TF2 raises at the
# line itself. Below, each classic TF1 error next to its TF2 counterpart, with
# twinflow's messages, then the tools: `tf.print`, `check_numerics`, and
# twinflow's `tf.debugging.compare_modes`.

# %%
import twinflow as tf

import io

import numpy as np

tf1 = tf.compat.v1
summary = []  # (situation, TF1 error, TF2 behaviour), printed at the end


def error_of(fn, cls):
    """The `cls` error fn() raises, printed (AssertionError if it raises none)."""
    try:
        fn()
    except cls as e:
        print(f"{type(e).__name__}: {e}\n")
        return e
    raise AssertionError(f"expected {cls.__name__}")


graph = tf.Graph()
with graph.as_default():
    x = tf1.placeholder(tf.float32, [None, 2], name="x")
    w = tf1.Variable(np.ones((2, 1), np.float32), name="weights")
    y = tf.matmul(x, w, name="y")
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2]), -1, name="vocab")
    ids = table.lookup(tf.constant(["a", "z"]))
X = np.array([[1.0, 2.0]], np.float32)

# %% [markdown]
# ## 1 · Uninitialized variable
#
# TF1: a variable's value lives in the Session; reading it before its initializer
# ran is a `FailedPreconditionError` naming the variable. TF2: a variable has its
# value from the moment it is created — the error cannot happen.

# %%
with tf1.Session(graph=graph) as sess:
    e = error_of(lambda: sess.run(y, {x: X}), tf.errors.FailedPreconditionError)
    print("still uninitialized:", sess.run(tf1.report_uninitialized_variables()))
assert str(e).startswith("Attempting to use uninitialized value weights")
assert "global_variables_initializer()" in str(e)

eager_w = tf.Variable(np.ones((2, 1), np.float32), name="weights")
print("TF2:", eager_w.numpy().ravel(), "- readable at once")
summary.append(("uninitialized variable", type(e).__name__, "cannot happen"))

# %% [markdown]
# ## 2 · Missing feed
#
# TF1: a placeholder the fetch needs was not fed. twinflow names every missing
# placeholder with its dtype and shape, the line that created it, and the path
# from the fetch. TF2: inputs are function arguments, so Python itself reports a
# missing one.

# %%
with tf1.Session(graph=graph) as sess:
    sess.run(tf1.global_variables_initializer())
    e = error_of(lambda: sess.run(y), tf.errors.InvalidArgumentError)
assert str(e).startswith("You must feed a value for placeholder tensor 'x' with dtype float "
                         "and shape [?,2]")
assert "needed through: y <- x" in str(e)


@tf.function
def predict(inputs):
    return tf.matmul(inputs, eager_w)


e2 = error_of(lambda: predict(), TypeError)
assert "missing a required argument: 'inputs'" in str(e2)
summary.append(("missing input", type(e).__name__, type(e2).__name__ + " (Python's)"))

# %% [markdown]
# ## 3 · "is not an element of this graph"
#
# TF1: every tensor belongs to one graph; fetching a tensor of another graph is a
# `ValueError`, and so is combining tensors of two graphs. TF2: the mistake is
# mixing a TF1 graph's symbolic tensor into eager code — twinflow says what the
# tensor is and what to do.

# %%
other = tf.Graph()
with other.as_default():
    stranger = tf.constant(1.0, name="stranger")

with tf1.Session(graph=graph) as sess:
    e = error_of(lambda: sess.run(stranger), ValueError)
assert str(e).endswith("is not an element of this graph.")


def combine():
    with graph.as_default():
        return y + stranger


e_mixed = error_of(combine, ValueError)
assert "must be from the same graph" in str(e_mixed)

e2 = error_of(lambda: tf.matmul(stranger, stranger), TypeError)
assert "is a symbolic graph tensor" in str(e2) and "Session.run" in str(e2)
summary.append(("tensor of another graph", type(e).__name__, type(e2).__name__))

# %% [markdown]
# ## 4 · Table not initialized
#
# TF1: tables are filled by `tables_initializer()`, per Session. TF2: a table is
# filled when it is created.

# %%
with tf1.Session(graph=graph) as sess:
    e = error_of(lambda: sess.run(ids), tf.errors.FailedPreconditionError)
    sess.run(tf1.tables_initializer())
    print("after tables_initializer():", sess.run(ids))
assert str(e).startswith("Table not initialized.")

eager_table = tf.lookup.StaticHashTable(
    tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2]), -1)
print("TF2:", eager_table.lookup(tf.constant(["a", "z"])).numpy())
summary.append(("table not initialized", type(e).__name__, "cannot happen"))

# %% [markdown]
# ## 5 · Shapes and dtypes: when is the error raised?
#
# When the shapes are known while building, TF1 fails at the line that builds the
# op (a `ValueError`, like TensorFlow's shape inference). When a dimension is only
# known at run time, the error comes from `Session.run` and names the node and the
# line that defined it. Eagerly every shape is known: the error is raised by the
# call itself, with `[Op:MatMul]`, TensorFlow's eager suffix.

# %%
with tf.Graph().as_default():
    e_build = error_of(lambda: tf.matmul(tf.ones([2, 3]), tf.ones([2, 3])), ValueError)
    a = tf1.placeholder(tf.float32, [None, None], name="a")
    late = tf.matmul(a, tf.ones([2, 3]))
    with tf1.Session() as sess:
        e_run = error_of(lambda: sess.run(late, {a: np.ones((2, 3))}),
                         tf.errors.InvalidArgumentError)
e_eager = error_of(lambda: tf.matmul(tf.ones([2, 3]), tf.ones([2, 3])),
                   tf.errors.InvalidArgumentError)
assert "Dimensions must be equal, but are 3 and 2" in str(e_build)
assert str(e_run).startswith("Matrix size-incompatible: In[0]: [2,3], In[1]: [2,3]")
assert "[[node MatMul (defined at" in str(e_run)
assert str(e_eager) == "Matrix size-incompatible: In[0]: [2,3], In[1]: [2,3] [Op:MatMul]"
summary.append(("matmul shape mismatch", "ValueError (build) / InvalidArgumentError (run)",
                type(e_eager).__name__))

# %% [markdown]
# TensorFlow never converts between tensor dtypes implicitly, in either mode.

# %%
e_eager = error_of(lambda: tf.constant(1) + tf.constant(1.0), tf.errors.InvalidArgumentError)
with tf.Graph().as_default():
    e_graph = error_of(lambda: tf.constant(1) + tf.constant(1.0), TypeError)
assert "expected to be a int32 tensor but is a float tensor" in str(e_eager)
summary.append(("int32 + float32", type(e_graph).__name__ + " (build)", type(e_eager).__name__))

# %% [markdown]
# ## 6 · Python control flow on a tensor
#
# A symbolic tensor has no value, so a Python `if` on it is an error in a TF1
# graph, with the fixes. Eagerly, it is plain Python; inside `tf.function`,
# AutoGraph turns the `if` into a `tf.cond`.

# %%
def relu_or_zero(v):
    if v > 0:
        out = v
    else:
        out = tf.zeros_like(v)
    return out


with tf.Graph().as_default():
    e = error_of(lambda: relu_or_zero(tf1.placeholder(tf.float32, [])),
                 tf.errors.OperatorNotAllowedInGraphError)
assert "Using a symbolic `tf.Tensor` as a Python `bool` is not allowed" in str(e)
eager_value = relu_or_zero(tf.constant(3.0)).numpy()
graph_value = tf.function(relu_or_zero)(tf.constant(-3.0)).numpy()
print("eager:", eager_value, " tf.function (AutoGraph):", graph_value)
assert eager_value == 3.0 and graph_value == 0.0
summary.append(("Python if on a tensor", type(e).__name__, "works (AutoGraph in tf.function)"))

# %% [markdown]
# ## `tf.print`
#
# `tf.print` is an op. Eagerly it prints at once. In a graph, it prints when a
# run reaches it: only if something fetched depends on it (a control dependency),
# in dependency order — building prints nothing.

# %%
stream = io.StringIO()
tf.print("eager:", tf.constant([1.0, 2.0]) * 2, output_stream=stream)
with tf.Graph().as_default():
    p = tf1.placeholder(tf.float32, [2], name="p")
    first = tf.print("graph, first:", p, output_stream=stream)
    with tf.control_dependencies([first]):
        second = tf.print("graph, second:", p * 2, output_stream=stream)
    with tf.control_dependencies([second]):
        out = tf.identity(p + 1)
    assert stream.getvalue() == "eager: [2 4]\n"  # building printed nothing
    with tf1.Session() as sess:
        sess.run(out, {p: [1.0, 2.0]})
        sess.run(p + 1, {p: [1.0, 2.0]})  # does not depend on the prints: silent
print(stream.getvalue())
assert stream.getvalue() == "eager: [2 4]\ngraph, first: [1 2]\ngraph, second: [2 4]\n"

# %% [markdown]
# ## `check_numerics`
#
# A NaN or Inf is found where it appears, not where it ends up. Eagerly the error
# names the op; in a graph it names the node and the line that built it.
# `tf.debugging.enable_check_numerics()` checks every eager op's output.

# %%
values = tf.constant([1.0, 0.0, -1.0])
e_eager = error_of(lambda: tf.debugging.check_numerics(tf.math.log(values), "log(values)"),
                   tf.errors.InvalidArgumentError)
with tf.Graph().as_default():
    q = tf1.placeholder(tf.float32, [3])
    checked = tf.debugging.check_numerics(tf.math.log(q), "log(q)")
    with tf1.Session() as sess:
        e_graph = error_of(lambda: sess.run(checked, {q: [1.0, 0.0, -1.0]}),
                           tf.errors.InvalidArgumentError)
assert str(e_eager).startswith("log(values) : Tensor had Inf and NaN values")
assert "node CheckNumerics (defined at" in str(e_graph)

tf.debugging.enable_check_numerics()
try:
    e_all = error_of(lambda: tf.reduce_sum(tf.math.log(values)), tf.errors.InvalidArgumentError)
finally:
    tf.debugging.disable_check_numerics()
assert 'Detected Infinity or NaN in output 0 of eagerly-executing op "Log"' in str(e_all)

# %% [markdown]
# ## `tf.debugging.compare_modes`
#
# twinflow's own check: run a function eagerly, as a `tf.function`, and as a TF1
# graph in a Session, recording every op's outputs, and report whether all are
# bit-identical — or the first op (and line) whose outputs differ.

# %%
def model(inputs, kernel):
    hidden = tf.nn.relu(tf.matmul(inputs, kernel) + 0.5)
    return tf.reduce_sum(tf.nn.softmax(hidden) * 3.0)


rng = np.random.default_rng(0)
verdict = tf.debugging.compare_modes(model, rng.normal(size=(4, 3)).astype(np.float32),
                                     rng.normal(size=(3, 2)).astype(np.float32))
print(verdict)
assert verdict and str(verdict).startswith("bit-identical in all three modes")


def noisy(inputs):
    return inputs + tf.random.uniform([3])  # no seed: a new draw in every mode


verdict = tf.debugging.compare_modes(noisy, tf.zeros([3]))
print(verdict)
assert not verdict and str(verdict).startswith("first difference: op 0 RandomUniform")

# %% [markdown]
# ## Summary

# %%
print(f"{'situation':<26} {'TF1 (graph + Session)':<48} TF2 (eager)")
for situation, tf1_error, tf2_error in summary:
    print(f"{situation:<26} {tf1_error:<48} {tf2_error}")
assert len(summary) == 7
