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
# # 07 · Performance: where the time goes
#
# Every mode runs the same numpy kernels, so the differences are in what happens
# around them: Python dispatch. Eagerly, each op is a Python call through the
# executor; a `tf.function` or a Session runs a compiled plan — straight-line
# Python over numbered slots — whose per-op cost is about one kernel call.
#
# The measurements are short (a few hundred calls each, best of five repeats)
# so the notebook stays fast: the numbers are illustrative and vary from machine
# to machine. Only non-timing facts are asserted (equal results, trace counts).

# %%
import twinflow as tf

import time

import matplotlib.pyplot as plt
import numpy as np

tf1 = tf.compat.v1


def us_per_call(runners, calls, repeats=5):
    """{name: best-of-`repeats` microseconds per call of fn() over `calls` calls} for
    the functions in `runners`, whose repeats are interleaved so that a slow moment of
    the machine does not land on one of them only."""
    for fn in runners.values():
        fn()  # warm up (traces, compiles plans)
    best = dict.fromkeys(runners, float("inf"))
    for _ in range(repeats):
        for name, fn in runners.items():
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: seconds / calls * 1e6 for name, seconds in best.items()}


# %% [markdown]
# ## Per-op overhead: chains of small ops
#
# A chain of `n` elementwise `tanh` ops on a 64-element vector, for n = 1 … 64,
# run four ways: raw numpy (the kernels alone), twinflow eager, a `tf.function`,
# and a TF1 graph run by a Session. The slope of time against chain length is the
# cost of one op; the intercept is the fixed cost of one call.

# %%
LENGTHS = [1, 4, 16, 64]
x_np = np.linspace(-1, 1, 64).astype(np.float32)
x_t = tf.constant(x_np)


def numpy_chain(n):
    def run():
        v = x_np
        for _ in range(n):
            v = np.tanh(v)
        return v
    return run


def tanh_n(v, n):
    """n tanh ops: run eagerly, traced by tf.function, or built into a graph."""
    for _ in range(n):
        v = tf.tanh(v)
    return v


def eager_chain(n):
    return lambda: tanh_n(x_t, n)


def function_chain(n):
    compiled = tf.function(lambda v: tanh_n(v, n))
    return lambda: compiled(x_t)


sessions = []


def session_chain(n):
    graph = tf.Graph()
    with graph.as_default():
        p = tf1.placeholder(tf.float32, [64])
        out = tanh_n(p, n)
    sess = tf1.Session(graph=graph)
    sessions.append(sess)
    return lambda: sess.run(out, {p: x_np})


MODES = {"raw numpy": numpy_chain, "eager": eager_chain, "tf.function": function_chain,
         "TF1 Session": session_chain}
chain_us = {mode: [] for mode in MODES}
for n in LENGTHS:
    runners = {mode: make(n) for mode, make in MODES.items()}
    results = [np.asarray(r()) for r in runners.values()]  # eager tensors convert too
    assert all(r.tobytes() == results[0].tobytes() for r in results)  # same bits, 4 ways
    for mode, us in us_per_call(runners, calls=max(20, 400 // n)).items():
        chain_us[mode].append(us)
for sess in sessions:
    sess.close()

print(f"{'chain':>5}" + "".join(f"{m:>14}" for m in MODES) + "   (us per call)")
for i, n in enumerate(LENGTHS):
    print(f"{n:>5}" + "".join(f"{chain_us[m][i]:>14.1f}" for m in MODES))
per_op = {m: np.polyfit(LENGTHS, chain_us[m], 1) for m in MODES}
print("\nfitted: us per op (slope), us per call (intercept)")
for m, (slope, intercept) in per_op.items():
    print(f"  {m:<12} {slope:6.2f} us/op  {intercept:6.1f} us/call")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for mode in MODES:
    axes[0].plot(LENGTHS, chain_us[mode], "o-", label=mode)
axes[0].set_xscale("log", base=2)
axes[0].set_yscale("log")
axes[0].set_xlabel("ops in the chain")
axes[0].set_ylabel("us per call")
axes[0].set_title("one call of a chain of tanh ops (64 floats)")
axes[0].legend()
kernel = per_op["raw numpy"][0]  # what the numpy call itself costs
dispatch = [max(per_op[m][0] - kernel, 0.0) for m in MODES]
axes[1].bar(list(MODES), [kernel] * len(MODES), color="#999999", label="kernel (numpy)")
axes[1].bar(list(MODES), dispatch, bottom=[kernel] * len(MODES), color="#e69138",
            label="Python around it")
axes[1].set_ylabel("us per op (fitted slope)")
axes[1].set_title("the cost of one more op: kernel + dispatch")
axes[1].legend()
fig.tight_layout()

# %% [markdown]
# ## An MLP training step at growing batch sizes
#
# One SGD step of a 256 → 128 → 10 MLP. At small batches the kernels are cheap
# and dispatch dominates, so the modes differ; as the batch grows the matrix
# products dominate and the modes converge to the same kernel time. The
# `tf.function` has an `input_signature` with an unknown batch dimension, so one
# trace serves every batch size — as does one Session plan.

# %%
BATCHES = [4, 32, 256, 1024]
rng = np.random.default_rng(0)
INITIAL = [rng.normal(size=(256, 128)).astype(np.float32) * 0.05, np.zeros(128, np.float32),
           rng.normal(size=(128, 10)).astype(np.float32) * 0.05, np.zeros(10, np.float32)]
DATA = {b: (rng.normal(size=(b, 256)).astype(np.float32),
            rng.integers(0, 10, b).astype(np.int32)) for b in BATCHES}
LR = 0.01


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


eager_vars = [tf.Variable(v) for v in INITIAL]
eager_step = make_step(eager_vars)
function_vars = [tf.Variable(v) for v in INITIAL]
function_step = tf.function(make_step(function_vars), input_signature=[
    tf.TensorSpec([None, 256], tf.float32), tf.TensorSpec([None], tf.int32)])

graph = tf.Graph()
with graph.as_default():
    xp = tf1.placeholder(tf.float32, [None, 256])
    yp = tf1.placeholder(tf.int32, [None])
    graph_vars = [tf1.Variable(v) for v in INITIAL]
    graph_loss = loss_of(xp, yp, *graph_vars)
    train_op = tf1.train.GradientDescentOptimizer(LR).minimize(graph_loss)
sess = tf1.Session(graph=graph)
sess.run([v.initializer for v in graph_vars])

step_us = {"eager": [], "tf.function": [], "TF1 Session": []}
for b in BATCHES:
    x_b, y_b = DATA[b]
    xt, yt = tf.constant(x_b), tf.constant(y_b)
    feed = {xp: x_b, yp: y_b}
    runners = {"eager": lambda xt=xt, yt=yt: eager_step(xt, yt).numpy(),
               "tf.function": lambda xt=xt, yt=yt: function_step(xt, yt).numpy(),
               "TF1 Session": lambda feed=feed: sess.run([graph_loss, train_op], feed)[0]}
    losses = [run() for run in runners.values()]  # one step each, from equal weights
    assert losses[0].tobytes() == losses[1].tobytes() == losses[2].tobytes(), b
    for mode, us in us_per_call(runners, calls=max(8, 1000 // b)).items():
        step_us[mode].append(us)
    # every mode took the same number of steps, so the weights are still equal
    assert all(u.numpy().tobytes() == v.numpy().tobytes() == w.tobytes() for u, v, w in
               zip(eager_vars, function_vars, sess.run(graph_vars)))
plans = len(sess._plans)
sess.close()

assert function_step.experimental_get_tracing_count() == 1
assert plans == 3  # the initializers, the training step, the weight fetch
print(f"for all {len(BATCHES)} batch sizes: one trace ({function_step.trace_log()[0]}) and "
      f"{plans} Session plans (the initializers, the training step, the weight fetch)\n")
print(f"{'batch':>6}" + "".join(f"{m:>14}" for m in step_us) + f"{'eager/Session':>15}")
for i, b in enumerate(BATCHES):
    print(f"{b:>6}" + "".join(f"{step_us[m][i]:>14.1f}" for m in step_us) +
          f"{step_us['eager'][i] / step_us['TF1 Session'][i]:>15.2f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for mode, values in step_us.items():
    axes[0].plot(BATCHES, values, "o-", label=mode)
    axes[1].plot(BATCHES, np.array(values) / np.array(BATCHES), "o-", label=mode)
for ax in axes:
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("batch size")
    ax.legend()
axes[0].set_ylabel("us per training step")
axes[0].set_title("MLP step time")
axes[1].set_ylabel("us per example")
axes[1].set_title("per example: dispatch is amortized")
fig.tight_layout()

# %% [markdown]
# ## Reading the numbers
#
# * Raw numpy is the floor: the kernels alone. A compiled plan (`tf.function`,
#   Session) adds little per op, because a plan line is one direct kernel call.
# * Eager execution pays Python dispatch on every op: converting inputs,
#   checking dtypes, wrapping the result, telling the tapes. For tiny tensors that
#   is most of the time; for large ones it disappears behind the kernels.
# * A `tf.function` call and a `Session.run` have a fixed cost per call (binding
#   arguments, feeding, fetching) that a long chain amortizes.
# * `benchmarks/` measures the same effects more carefully, against TensorFlow too.
