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
# # 04 · Under the hood: one op, two paths, one kernel
#
# Why do the two modes agree bit for bit? Because an op exists once. This
# notebook follows a `MatMul` from `tf.matmul` down to its numpy kernel in each
# mode, shows the one gradient function both differentiation engines call, watches
# the graph passes rewrite a Session's plan step by step, and lists what each mode
# actually executes for one training step.

# %%
import twinflow as tf

import collections
import inspect
import os
import re
import traceback

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np

from engine import context
from engine.registry import OPS
from graph.passes import ir

tf1 = tf.compat.v1
REPO = os.path.dirname(os.path.dirname(os.path.abspath(tf.__file__)))

# %% [markdown]
# ## The op table
#
# `engine.registry.OPS` maps TensorFlow's op type names to one `OpDef` each: the
# kernel (numpy), `infer` (dtype and static shape without running), and `grad`
# (written with public ops, so it works on eager tensors and on graph tensors).

# %%
matmul = OPS["MatMul"]
print(f"{len(OPS)} ops registered; MatMul is {matmul!r}:")
for part in ("kernel", "infer", "grad"):
    fn = getattr(matmul, part)
    print(f"  {part:<6} {fn.__qualname__:<38} "
          f"{os.path.relpath(inspect.getsourcefile(fn), REPO)}:{inspect.getsourcelines(fn)[1]}")
print()
print(inspect.getsource(matmul.grad))
assert matmul.name == "MatMul" and callable(matmul.kernel)

# %% [markdown]
# ## Following one MatMul through both modes
#
# Below, the MatMul kernel, infer and grad are wrapped for a moment by a spy that
# records who called them (the twinflow frames of the Python stack). The same
# product is then computed eagerly, and built in a graph and run by a Session.

# %%
events = []


def spy(part):
    real = getattr(matmul, part)

    def wrapper(*args, **kwargs):
        frames = [f for f in traceback.extract_stack()[:-1]
                  if f.filename.startswith(REPO) or f.filename.startswith("<twinflow plan")]
        events.append((part, [(os.path.relpath(f.filename, REPO)
                               if f.filename.startswith(REPO) else f.filename,
                               f.lineno, f.name) for f in frames]))
        return real(*args, **kwargs)
    return real, wrapper


def show(title):
    print(f"--- {title}")
    for part, frames in events:
        print(f"  {part} called via:")
        for filename, lineno, name in frames:
            print(f"      {filename}:{lineno} in {name}")
    events.clear()


A = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
B = np.array([[0.5], [-1.0]], np.float32)
originals = {part: spy(part) for part in ("kernel", "infer", "grad")}
for part, (_, wrapper) in originals.items():
    setattr(matmul, part, wrapper)
try:
    eager_result = tf.matmul(A, B)
    show("eager: tf.matmul runs the kernel at once (no infer)")

    with tf.Graph().as_default() as g:
        a = tf1.placeholder(tf.float32, [None, 2], name="a")
        product = tf.matmul(a, B)
        show("graph: tf.matmul only infers dtype and shape, and adds an Operation")
        with tf1.Session() as sess:
            graph_result = sess.run(product, {a: A})
            plan = list(sess._plans.values())[-1]
        show("Session.run: the compiled plan calls the same kernel")
        assert product.op._opdef is matmul
        assert plan.fn.__globals__[re.search(r"(k\d+)\(.*# MatMul", plan.source).group(1)] \
            is originals["kernel"][1]  # the plan holds the kernel function itself

    x = tf.constant(A)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.matmul(x, B))
    tape_grad = tape.gradient(y, x)
    show("tape.gradient calls MatMul's grad")
    with tf.Graph().as_default():
        xg = tf.constant(A)
        graph_grad = tf1.gradients(tf.reduce_sum(tf.matmul(xg, B)), xg)[0]
        show("tf.gradients calls the same grad, building ops instead of running them")
        with tf1.Session() as sess:
            graph_grad = sess.run(graph_grad)
finally:
    for part, (real, _) in originals.items():
        setattr(matmul, part, real)

print("\nthe plan's source:\n" + plan.source)
assert eager_result.numpy().tobytes() == graph_result.tobytes()
assert tape_grad.numpy().tobytes() == graph_grad.tobytes()
print("eager and Session products are bit-identical; so are the tape's and tf.gradients'"
      " gradients:", graph_grad.tolist())

# %% [markdown]
# How the grad serves both: the tape records a `TapeOp` per op, an adapter with
# the same `type`, `inputs`, `outputs` and `get_attr` as a graph `Operation`
# (TensorFlow's `_MockOp` idea), and one backward driver (`engine/backprop.py`)
# walks either kind of record in reverse.

# %%
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)
    y = tf.reduce_sum(tf.matmul(x, B))
record = tape._ops[0]
print("tape record:", type(record).__name__, record.type, [t.shape for t in record.inputs],
      record.get_attr("transpose_a"))
print("graph op:   ", type(product.op).__name__, product.op.type,
      [t.shape for t in product.op.inputs], product.op.get_attr("transpose_a"))
assert record._opdef is product.op._opdef is matmul

# %% [markdown]
# ## Graph passes, step by step
#
# Before a Session runs a graph it prunes it and rewrites it, as TensorFlow's
# Grappler does — only with rewrites that change no bit of any result.
# `Session.explain(fetches)` is a dry run that reports what each pass did.

# %%
with tf.Graph().as_default() as g:
    x = tf1.placeholder(tf.float32, [None, 3], name="x")
    w = tf1.Variable(np.ones((3, 2), np.float32), name="w")
    b = tf1.Variable(np.zeros(2, np.float32), name="b")
    folded = tf.constant(2.0) * tf.constant(3.0)                # constant folding
    s1, s2 = tf.sin(x), tf.sin(x)                               # a common subexpression
    h = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w), b)) * 1.0    # x * 1, then fusion
    out = h + folded + tf.reduce_sum(s1 + s2)

    OFF = tf1.ConfigProto(graph_options=tf1.GraphOptions(
        rewrite_options=tf1.RewriterConfig(disable_meta_optimizer=True)))
    with tf1.Session() as sess, tf1.Session(config=OFF) as plain:
        explanation = sess.explain(out)
        print(explanation)
        for s in (sess, plain):
            s.run(tf1.global_variables_initializer())
        feed = {x: np.array([[1.0, -2.0, 3.0]], np.float32)}
        optimized, unoptimized = sess.run(out, feed), plain.run(out, feed)
        plan_on = list(sess._plans.values())[-1]
        plan_off = list(plain._plans.values())[-1]

steps = {name: (before, after, notes) for name, before, after, notes in
         explanation.report.steps}
assert steps["constant folding"][2] == ["Mul"]
assert steps["common subexpressions"][2] == ["Sin_1 = Sin"]
assert steps["arithmetic simplification"][2] == ["Mul_1 -> Relu:0"]
assert steps["fusion"][2] == ["MatMul + BiasAdd + Relu"]
assert optimized.tobytes() == unoptimized.tobytes()
print("\nwith and without the passes: the same bits", optimized.tolist())

# %% [markdown]
# The two plans a Session compiled for that fetch — straight-line Python, one line
# per op — with the passes and without them:

# %%
print("passes on:\n" + plan_on.source)
print("passes off:\n" + plan_off.source)
count = {name: len(re.findall(r"# \w+ '", p.source))
         for name, p in (("on", plan_on), ("off", plan_off))}
print(f"steps in the plan: {count['off']} without the passes, {count['on']} with them")
assert count["on"] < count["off"]
assert "_FusedMatMul" in plan_on.source

# %% [markdown]
# Before and after, drawn (`graph.passes.ir.to_networkx` turns a plan into a
# networkx graph; ops with nothing to read start on the left).

# %%
def draw_plan(nodes, ax, title):
    dg = ir.to_networkx(nodes)
    for layer, members in enumerate(nx.topological_generations(dg)):
        for n in members:
            dg.nodes[n]["layer"] = layer
    pos = nx.multipartite_layout(dg, subset_key="layer")
    nx.draw_networkx(dg, pos, ax=ax, labels={n: d["type"] for n, d in dg.nodes(data=True)},
                     node_size=250, font_size=6, node_color="#d9ead3", arrowsize=8)
    ax.set_title(f"{title}: {len(nodes)} steps")
    ax.axis("off")


before = ir.from_ops([op for op in explanation.ops if op.type != "Placeholder"])
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
draw_plan(before, axes[0], "before the passes")
draw_plan(explanation.plan_ops, axes[1], "after the passes")
fig.tight_layout()
assert len(explanation.plan_ops) < len(before)

# %% [markdown]
# ## What each mode executes for one training step
#
# One SGD step of a small MLP. Eagerly, every op — forward, backward, update — is
# one Python call through the executor; an executor wrapper counts them (and the
# tape shows the forward ops it recorded for the backward pass). In a Session, the
# step is one call of a compiled plan; its source lists every step.

# %%
rng = np.random.default_rng(0)
X = rng.normal(size=(16, 4)).astype(np.float32)
Y = rng.integers(0, 3, 16).astype(np.int32)
INITIAL = [rng.normal(size=(4, 8)).astype(np.float32), np.zeros(8, np.float32),
           rng.normal(size=(8, 3)).astype(np.float32), np.zeros(3, np.float32)]
LR = 0.1


def loss_of(x, y, w1, b1, w2, b2):
    logits = tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                         logits=logits))


class Counter:
    """An executor wrapper: runs each op on the executor beneath, noting its type and the
    phase of the step it belongs to."""

    def __init__(self, inner):
        self.inner, self.types, self.phases, self.phase = inner, [], [], "forward"

    def __getattr__(self, attr):
        return getattr(self.inner, attr)

    def run_op(self, op, inputs, attrs, name):
        self.types.append(op.name)
        self.phases.append(self.phase)
        return self.inner.run_op(op, inputs, attrs, name)


variables = [tf.Variable(v) for v in INITIAL]
x_t, y_t = tf.constant(X), tf.constant(Y)
counter = Counter(context.current_executor())
with context.executor_scope(counter):
    with tf.GradientTape(persistent=True) as tape:
        eager_loss = loss_of(x_t, y_t, *variables)
    counter.phase = "backward"
    grads = tape.gradient(eager_loss, variables)
    counter.phase = "update"
    for v, grad in zip(variables, grads):
        v.assign_sub(LR * grad)
tape_types = [record.type for record in tape._ops]
eager_types = counter.types

with tf.Graph().as_default():
    xp, yp = tf1.placeholder(tf.float32, [None, 4]), tf1.placeholder(tf.int32, [None])
    graph_vars = [tf1.Variable(v) for v in INITIAL]
    loss = loss_of(xp, yp, *graph_vars)
    train_op = tf1.train.GradientDescentOptimizer(LR).minimize(loss)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        graph_loss, _ = sess.run([loss, train_op], {xp: X, yp: Y})
        step_plan = list(sess._plans.values())[-1]
        graph_weights = sess.run(graph_vars)
plan_steps = re.findall(r"# (\w+) '([^']*)'", step_plan.source)  # (type, name) per step
plan_types = [op_type for op_type, _ in plan_steps]

assert eager_loss.numpy().tobytes() == graph_loss.tobytes()
assert all(v.numpy().tobytes() == w.tobytes() for v, w in zip(variables, graph_weights))
print(f"eager: {len(eager_types)} op calls ({len(tape_types)} forward ops on the tape); "
      f"Session: one plan of {len(plan_types)} steps; same loss and weights, bit for bit\n")
table = {"eager (all)": collections.Counter(eager_types),
         "tape (forward)": collections.Counter(tape_types),
         "Session plan": collections.Counter(plan_types)}
print(f"{'op type':<34}" + "".join(f"{k:>16}" for k in table))
for op_type in sorted(set().union(*table.values())):
    print(f"{op_type:<34}" + "".join(f"{c[op_type]:>16}" for c in table.values()))
# 2 forward products, 3 in the backward pass (dW2, dh, dW1: the input x needs none)
assert table["tape (forward)"]["MatMul"] == 2 and table["eager (all)"]["MatMul"] == 5
assert table["Session plan"]["MatMul"] + table["Session plan"]["_FusedMatMul"] == 5
# the update: eagerly 4 assign_sub calls, in the graph the optimizer's 4 Apply ops
assert table["eager (all)"]["AssignSubVariableOp"] == 4
assert table["Session plan"]["ResourceApplyGradientDescent"] == 4

# %% [markdown]
# The two lists differ where the modes differ. The graph was built with an
# unknown batch size, so a gradient that needs a shape (the mean's divisor, the
# broadcast of the seed) computes it with ops — `Shape`, `Prod`, `FloorDiv`,
# `Unbroadcast` — where eagerly the shape is a plain Python value. The Session also
# runs the variable handles and the optimizer's fused `ResourceApply...` ops as
# steps, where eager code calls `assign_sub`.

# %% [markdown]
# The same two sequences as a timeline: one cell per op, in execution order,
# coloured by what the op is for. (In the plan, gradient ops are those whose
# names start with `gradients/`; eagerly, those run inside `tape.gradient`.)

# %%
def category(op_type, phase):
    if op_type in ("VarHandleOp", "ReadVariableOp"):
        return "variable handles and reads"
    if op_type == "Const":
        return "constants"
    if op_type.startswith(("ResourceApply", "AssignSub")) or op_type == "NoOp":
        return "update"
    return phase


CATEGORIES = {"variable handles and reads": "#b7b7b7", "constants": "#e6e6e6",
              "forward": "#6fa8dc", "backward": "#f6b26b", "update": "#93c47d"}
rows = {"eager": [(t, category(t, p)) for t, p in zip(eager_types, counter.phases)],
        "Session plan": [(t, category(t, "backward" if name.startswith("gradients")
                                      else "forward")) for t, name in plan_steps]}
fig, ax = plt.subplots(figsize=(13, 4.2))
for row, seq in enumerate(rows.values()):
    for i, (op_type, cat) in enumerate(seq):
        ax.barh(row, 1, left=i, height=0.9, color=CATEGORIES[cat], edgecolor="white")
        ax.text(i + 0.5, row, op_type.replace("SparseSoftmaxCrossEntropyWithLogits",
                                              "SparseSoftmaxXent"),
                rotation=90, ha="center", va="center", fontsize=5)
ax.set_yticks(range(len(rows)), list(rows))
ax.invert_yaxis()
ax.set_xlim(0, max(len(seq) for seq in rows.values()))
ax.set_xlabel("op number in one training step")
ax.legend([plt.Rectangle((0, 0), 1, 1, color=c) for c in CATEGORIES.values()],
          list(CATEGORIES), ncol=5, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0))
fig.tight_layout()
for seq in rows.values():
    assert {"forward", "backward", "update"} <= {cat for _, cat in seq}
