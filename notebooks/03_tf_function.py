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
# # 03 · `tf.function`: eager code, run as a graph
#
# TF2 keeps TF1's graphs, but builds them for you: `@tf.function` runs the Python
# function once on symbolic placeholders (a *trace*), keeps the resulting graph,
# and runs that graph on later calls. This notebook shows the trace and its cache,
# what makes it retrace, which side effects survive, the graph itself, AutoGraph,
# and what it buys in speed next to plain eager code and a TF1 Session.

# %%
import twinflow as tf

import contextlib
import io
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np

tf1 = tf.compat.v1


@contextlib.contextmanager
def captured():
    """Collects stdout, stderr (where tf.print writes) and warnings raised in the block."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield out, err, caught


# %% [markdown]
# ## Tracing: Python runs once, the graph runs every time
#
# `print` is Python: it runs while the function is traced. `tf.print` is an op:
# it is part of the graph and runs on every call. twinflow notices a `print`
# during a trace and says so (a `SideEffectNote` warning).

# %%
@tf.function
def scale(x, factor):
    print("Python print: tracing scale with", x)
    tf.print("tf.print: x * factor =", x * factor)
    return x * factor


with captured() as (out, err, caught):
    for value in (1.0, 2.0, 3.0):
        scale(tf.constant(value), 10.0)

print("stdout:\n" + out.getvalue())
print("stderr:\n" + err.getvalue())
print("warning:", caught[0].message)
assert out.getvalue().count("tracing scale") == 1  # once: while tracing
assert err.getvalue() == "tf.print: x * factor = 10\ntf.print: x * factor = 20\n" \
                         "tf.print: x * factor = 30\n"
assert type(caught[0].message).__name__ == "SideEffectNote"
assert "Use tf.print" in str(caught[0].message)
assert scale.experimental_get_tracing_count() == 1

# %% [markdown]
# ## The trace cache
#
# Each call is keyed by its arguments: tensors by dtype and shape, Python values
# by value. A new key means a new trace; `trace_log()` says which key made each.

# %%
with captured():
    scale(tf.constant(4.0), 10.0)            # same key: the cached graph
    scale(tf.constant([1.0, 2.0]), 10.0)     # a new shape
    scale(tf.constant(5), 10)                # a new dtype
    scale(tf.constant(4.0), 0.5)             # a new Python value

for line in scale.trace_log():
    print(line)
assert scale.experimental_get_tracing_count() == 4
assert scale.trace_log() == ["trace 1: x=float32[], factor=10.0",
                             "trace 2: x=float32[2], factor=10.0",
                             "trace 3: x=int32[], factor=10",
                             "trace 4: x=float32[], factor=0.5"]

# %% [markdown]
# ## Retracing, and why
#
# Passing a Python number that changes on every call traces on every call. After
# five traces in five calls twinflow warns with TensorFlow's words, then says
# which argument changed and how to fix it.

# %%
@tf.function
def sgd_update(w, lr):
    return w - lr * 2.0 * w


with captured() as (_, _, caught):
    for step in range(1, 6):
        sgd_update(tf.constant(1.0), step / 100)
retrace_warning = next(str(w.message) for w in caught if "retracing" in str(w.message))
print(retrace_warning)
assert retrace_warning.startswith("5 out of the last 5 calls to <function sgd_update> "
                                  "triggered tf.function retracing.")
assert "arg 'lr' is a Python float: 0.04 -> 0.05; each new value is a new trace" \
    in retrace_warning

# %% [markdown]
# The fixes: pass the value as a tensor, or fix the signature. With
# `input_signature` (a `None` dimension accepts any length) one trace serves all.

# %%
with captured():
    for step in range(1, 6):
        sgd_update(tf.constant(1.0), tf.constant(step / 100))
print("lr as a tensor:", sgd_update.experimental_get_tracing_count() - 5, "new trace")


@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def normalize(v):
    return v / tf.reduce_sum(v)


for n in (2, 3, 10):
    normalize(tf.ones([n]))
print("input_signature:", normalize.trace_log())
assert sgd_update.experimental_get_tracing_count() == 6
assert normalize.experimental_get_tracing_count() == 1

# %% [markdown]
# ## The traced graph
#
# A trace is a real `tf.Graph` (a `FuncGraph`): the arguments became placeholders,
# and its operations are those a TF1 program would have built.

# %%
@tf.function
def dense_relu(x, w):
    return tf.nn.relu(tf.matmul(x, w))


concrete = dense_relu.get_concrete_function(tf.TensorSpec([None, 3], tf.float32),
                                            tf.TensorSpec([3, 2], tf.float32))
func_graph = concrete.graph
for op in func_graph.get_operations():
    print(f"{op.name:<14} {op.type:<12} -> {', '.join(str(t.shape) for t in op.outputs)}")
print("outputs:", concrete.outputs)
assert isinstance(func_graph, tf.Graph)
assert [op.type for op in func_graph.get_operations()] == ["Placeholder", "Placeholder",
                                                           "MatMul", "Relu"]
assert concrete.outputs[0].shape.as_list() == [None, 2]
result = concrete(tf.ones([4, 3]), tf.ones([3, 2]))
assert result.numpy().tolist() == [[3.0, 3.0]] * 4

# %% [markdown]
# ## AutoGraph: Python control flow on tensors
#
# A Python `while` or `if` cannot branch on a symbolic tensor. Before tracing,
# `tf.function` rewrites such statements into functional ops (`tf.while_loop`,
# `tf.cond`); `tf.autograph.to_code` shows the rewritten source.

# %%
def collatz_steps(n):
    steps = 0
    while n > 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


code = tf.autograph.to_code(collatz_steps)
print(code)
graph_collatz = tf.function(collatz_steps)
assert graph_collatz(tf.constant(27)).numpy() == collatz_steps(27) == 111
loop_types = {op.type for op in graph_collatz.get_concrete_function(
    tf.constant(6)).graph.get_operations()}
print("ops of the traced loop:", sorted(loop_types))
assert "ag__.while_stmt" in code and loop_types & {"While", "StatelessWhile"}

# %% [markdown]
# ## Speed: eager vs `tf.function` vs Session
#
# One training step of a small MLP (64 → 32 → 10, batch 32): eagerly, as a
# `tf.function`, and as a TF1 graph run by a Session. All three start from the
# same weights and compute the same losses bit for bit; only the dispatch differs.
# The times are from this run and only illustrative (few repeats, a shared machine).

# %%
rng = np.random.default_rng(0)
X = rng.normal(size=(32, 64)).astype(np.float32)
Y = rng.integers(0, 10, 32).astype(np.int32)
INITIAL = [rng.normal(size=(64, 32)).astype(np.float32) * 0.1, np.zeros(32, np.float32),
           rng.normal(size=(32, 10)).astype(np.float32) * 0.1, np.zeros(10, np.float32)]
STEPS, LR = 150, 0.05


def loss_of(x, y, w1, b1, w2, b2):
    logits = tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                         logits=logits))


def make_step(variables):
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_of(x, y, *variables)
        for v, g in zip(variables, tape.gradient(loss, variables)):
            v.assign_sub(LR * g)
        return loss
    return train_step


def timed(step, call):
    """Losses of STEPS calls, and microseconds per call (the first call not timed)."""
    losses = [call(step)]
    start = time.perf_counter()
    losses += [call(step) for _ in range(STEPS - 1)]
    return np.array(losses, np.float32), (time.perf_counter() - start) / (STEPS - 1) * 1e6


x_t, y_t = tf.constant(X), tf.constant(Y)
eager_losses, eager_us = timed(make_step([tf.Variable(v) for v in INITIAL]),
                               lambda s: s(x_t, y_t).numpy())
compiled = tf.function(make_step([tf.Variable(v) for v in INITIAL]))
function_losses, function_us = timed(compiled, lambda s: s(x_t, y_t).numpy())

with tf.Graph().as_default() as graph:
    xp, yp = tf1.placeholder(tf.float32, [None, 64]), tf1.placeholder(tf.int32, [None])
    graph_vars = [tf1.Variable(v) for v in INITIAL]
    loss = loss_of(xp, yp, *graph_vars)
    train_op = tf1.train.GradientDescentOptimizer(LR).minimize(loss)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        session_losses, session_us = timed(
            None, lambda _: sess.run([loss, train_op], {xp: X, yp: Y})[0])

assert eager_losses.tobytes() == function_losses.tobytes() == session_losses.tobytes()
assert compiled.experimental_get_tracing_count() == 1
speeds = {"eager": eager_us, "tf.function": function_us, "TF1 Session": session_us}
for name, us in speeds.items():
    print(f"{name:<12} {us:8.1f} us/step")
print(f"\n{STEPS} steps, identical losses in all three modes (last: {eager_losses[-1]:.6f})")

# %%
fig, ax = plt.subplots(figsize=(6, 2.5))
ax.barh(list(speeds), list(speeds.values()), color=["#e69138", "#6aa84f", "#3d85c6"])
ax.invert_yaxis()
ax.set_xlabel("microseconds per training step (lower is faster)")
ax.set_title("one MLP training step, three ways")
fig.tight_layout()
