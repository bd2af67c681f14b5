"""Compiling a Session.run call: prune the graph, order it, and emit a flat plan.

The plan is straight-line Python — one line per op over numbered slots (local
variables), each slot deleted after its last reader — compiled once with `compile()`
and cached by the Session. Reading `plan.source` shows exactly what a run executes:

    def run(store, feeds):
        v0 = feeds[0]
        v1 = k1(v0, v_const)          # 1: MatMul 'dense/MatMul'
        ...

A failing kernel is mapped back to its op through the line number of the frame, so
the hot loop carries no bookkeeping at all.
"""

from __future__ import annotations

from engine import errors
from engine.infer import explain_failure
from graph.passes import optimize
from graph.tensor import Tensor

__all__ = ["Plan", "compile_plan"]

_HEADER_LINES = 1  # the `def run(...)` line before the first step


class Plan:
    """A compiled run: `fn(store, feeds) -> fetched values`, plus its source and ops."""

    def __init__(self, fn, source, line_ops, fetch_count):
        self.fn = fn
        self.source = source
        self.line_ops = line_ops      # generated line number -> Operation (for errors)
        self.fetch_count = fetch_count

    def op_at_line(self, lineno):
        return self.line_ops.get(lineno)


def _needed_ops(graph, fetch_ops, fed):
    """Ops the fetches depend on (data and control edges), stopping at fed tensors."""
    needed, stack = set(), list(fetch_ops)
    while stack:
        op = stack.pop()
        if id(op) in needed:
            continue
        needed.add(id(op))
        for t in op._inputs:
            if id(t) not in fed:
                stack.append(t._op)
        stack.extend(op._control_inputs)
    return [op for op in graph._ops if id(op) in needed]  # creation order is topological


def _path(fetch_ops, target) -> str:
    """'fetch <- ... <- target': how a fetch reaches an op (breadth first, shortest)."""
    parent = {id(op): None for op in fetch_ops}
    queue = list(fetch_ops)
    while queue:
        op = queue.pop(0)
        if op is target:
            break
        for nxt in [t._op for t in op._inputs] + list(op._control_inputs):
            if id(nxt) not in parent:
                parent[id(nxt)] = op
                queue.append(nxt)
    chain = [target]
    while parent.get(id(chain[-1])) is not None:
        chain.append(parent[id(chain[-1])])
    return " <- ".join(op.name for op in reversed(chain))


def _missing_feed_error(placeholders, fetch_ops):
    lines = []
    for op in placeholders:
        t = op._outputs[0]
        lines.append(f"You must feed a value for placeholder tensor '{op.name}' with dtype "
                     f"{_tf_type(t.dtype)} and shape {t._shape_text()}")
    first = placeholders[0]
    more = "".join(f"\n  also: {line}" for line in lines[1:])
    return errors.InvalidArgumentError(
        None, first, f"{lines[0]}\n\t [[node {first.name} (defined at {first.defined_at}) ]]"
        f"{more}\n  needed through: {_path(fetch_ops, first)}\n  Fix: pass "
        f"feed_dict={{{first.name}: value, ...}} to Session.run.")


def _tf_type(dtype):
    return {"float32": "float", "float64": "double", "float16": "half"}.get(dtype.name,
                                                                           dtype.name)


def _step_line(i, op, slot, fed, env) -> str:
    """One op as one line of Python: `v7 = k3(v2, v5, axis=a3_axis)`; binds k/a names."""
    outs = []
    for t in op._outputs:
        if id(t) in fed:  # a fed output keeps the fed value
            outs.append("_")
            continue
        if id(t) not in slot:
            slot[id(t)] = f"v{len(slot)}"
        outs.append(slot[id(t)])
    args = [slot[id(t)] for t in op._inputs]
    opdef = op._opdef
    env[f"k{i}"] = opdef.kernel
    if opdef.uses_store:
        args.insert(0, "store")
    for key, value in op._attrs.items():
        env[f"a{i}_{key}"] = value
        args.append(f"{key}=a{i}_{key}")
    call = f"k{i}({', '.join(args)})"
    if not opdef.multi:
        return f"{outs[0]} = {call}"
    if outs:
        return f"{', '.join(outs)}{',' if len(outs) == 1 else ''} = {call}"
    return call


def compile_plan(graph, fetches, feeds, passes=None) -> Plan:
    """A Plan computing `fetches` (Tensors/Operations) given values for `feeds` (Tensors).

    The pruned ops go through the graph passes (graph/passes/) unless `passes` is False;
    a dict of TensorFlow option names overrides the global switches for this plan.

    Raises:
        InvalidArgumentError: a placeholder is needed but not fed (all of them are named).
    """
    fed = {id(t): i for i, t in enumerate(feeds)}
    fetch_ops = [f._op if isinstance(f, Tensor) else f for f in fetches
                 if not (isinstance(f, Tensor) and id(f) in fed)]
    ops = _needed_ops(graph, fetch_ops, fed)
    missing = [op for op in ops if op.type == "Placeholder"]
    if missing:
        raise _missing_feed_error(missing, fetch_ops)
    report = None
    if passes is False:
        nodes, resolve = ops, (lambda t: t)
    else:
        nodes, resolve, report = optimize(ops, fetches, feeds,
                                          passes if isinstance(passes, dict) else None)
    fetches = [resolve(f) if isinstance(f, Tensor) else f for f in fetches]
    plan = _write_plan(nodes, fetches, feeds, fed)
    plan.report, plan.ops = report, ops
    return plan


def _write_plan(nodes, fetches, feeds, fed):
    """The straight-line Python of `nodes`, compiled."""
    slot = {}  # id(tensor) -> local variable name
    for t in feeds:
        slot[id(t)] = f"v{len(slot)}"
    last_use = {}
    for i, op in enumerate(nodes):
        for t in op._inputs:
            last_use[id(t)] = i
    keep = {id(f) for f in fetches if hasattr(f, "dtype")}
    # the module name puts numpy's RuntimeWarnings (inf * 0) under engine/ops' filter,
    # as they are for the same kernels run eagerly
    env, body, line_ops = {"__name__": "graph.compiled_plan"}, [], {}
    body += [f"    {slot[id(t)]} = feeds[{i}]" for i, t in enumerate(feeds)]
    for i, op in enumerate(nodes):
        line = _step_line(i, op, slot, fed, env)
        body.append(f"    {line}  # {op.type} '{op.name}'")
        line_ops[_HEADER_LINES + len(body)] = op
        dead = [slot[id(t)] for t in op._inputs
                if last_use.get(id(t)) == i and id(t) not in keep]
        dead += [slot[id(t)] for t in op._outputs
                 if id(t) not in last_use and id(t) not in keep and id(t) not in fed]
        if dead:
            body.append(f"    del {', '.join(sorted(set(dead)))}")
    results = [slot[id(f)] if hasattr(f, "dtype") else "None" for f in fetches]
    body.append(f"    return ({', '.join(results)}{',' if len(results) == 1 else ''})")
    source = "def run(store, feeds):\n" + "\n".join(body) + "\n"
    code = compile(source, f"<twinflow plan of {len(nodes)} ops>", "exec")
    exec(code, env)  # noqa: S102 - our own generated straight-line code
    return Plan(env["run"], source, line_ops, len(fetches))


def kernel_failure(plan, exc, tb) -> Exception:
    """The tf.errors exception for a kernel that failed inside `plan`, naming its op."""
    op = None
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "run" and tb.tb_frame.f_code.co_filename.startswith(
                "<twinflow plan"):
            op = plan.op_at_line(tb.tb_lineno)
        tb = tb.tb_next
    if op is None:
        return exc
    cls, message = explain_failure(op._opdef, op._inputs, op._attrs, exc)
    return cls(None, op, f"{message}\n\t [[node {op.name} (defined at {op.defined_at}) ]]")
