"""tf.debugging.compare_modes (twinflow's own): run one function three ways, compare bits.

`compare_modes(fn, *args)` runs `fn` eagerly, as a tf.function, and built into a TF1
graph run by a Session, recording every op's outputs in each mode. It reports whether
the results are bit-identical and, if not, the first op (type, name, user line) whose
outputs differ, with both values. twinflow promises it never finds one; it is also how
a user checks their own code.
"""

from __future__ import annotations

import numpy as np

from engine import context, nest
from engine.ops.core import convert_to_tensor, placeholder
from engine.tensor_base import TensorBase
from eager.function import Function
from graph.graph import Graph
from graph.plan import compile_plan
from graph.session import Session
from graph.tensor import user_frame

__all__ = ["compare_modes", "ModeComparison"]

# Graph-only plumbing, and constants (eagerly a Python number may reuse a cached one;
# their values show in the ops that read them).
_SKIP = {"Placeholder", "NoOp", "Const"}
_CONTROL_FLOW = {"Case", "StatelessCase", "While", "StatelessWhile", "PartitionedCall",
                 "StatefulPartitionedCall"}


class _Recorder:
    """Runs eager ops on the executor beneath and keeps (type, line, outputs) of each."""

    def __init__(self, inner):
        self._inner = inner
        self.records = []

    def __getattr__(self, attr):
        return getattr(self._inner, attr)

    def run_op(self, op, inputs, attrs, name):
        result = self._inner.run_op(op, inputs, attrs, name)
        outputs = result if isinstance(result, tuple) else (result,)
        self.records.append((op.name, name or op.name, user_frame(),
                             [getattr(o, "_value", None) for o in outputs]))
        return result


def _run_eagerly(fn, args):
    recorder = _Recorder(context.current_executor())
    with context.executor_scope(recorder):
        out = fn(*args)
    return out, [r for r in recorder.records if r[0] not in _SKIP]


def _graph_records(graph, values_of):
    """(type, name, line, outputs) of each op of `graph`, outputs from `values_of`."""
    records = []
    for op in graph.get_operations():
        if op.type in _SKIP:
            continue
        records.append((op.type, op.name, op.defined_at, [values_of.get(id(t))
                                                         for t in op.outputs]))
    return records


def _run_function(fn, args):
    function = Function(fn, autograph=True)
    concrete = function.get_concrete_function(*args)
    graph = concrete.graph
    tensors = [t for op in graph.get_operations() if op.type not in _SKIP
               for t in op.outputs]
    feeds = list(concrete._traced.inputs) + [inner for _, inner in graph.captures]
    values = [np.asarray(a._value if hasattr(a, "_value") else a) for a in args
              if isinstance(a, (TensorBase, np.ndarray))]
    values += [outer._value for outer, _ in graph.captures]
    plan = compile_plan(graph, tensors, feeds)
    results = plan.fn(context.bottom_executor().store, values)
    by_id = dict(zip(map(id, tensors), results))
    by_id.update(zip(map(id, feeds), values))
    return _graph_records(graph, by_id), _flat_values(function(*args))


def _run_tf1_graph(fn, args):
    """fn built into a TF1 graph (AutoGraph-converted, as tf.function does) and run by a
    Session that starts from the current values of the eager variables fn reads."""
    from eager import autograph  # noqa: PLC0415 - only compare_modes needs it here
    fn = autograph.convert(fn)
    graph = Graph()
    with graph.as_default():
        feeds, call_args = {}, []
        for a in args:
            if isinstance(a, (TensorBase, np.ndarray)) and not hasattr(a, "handle"):
                value = np.asarray(a._value if hasattr(a, "_value") else a)
                p = placeholder(a.dtype, value.shape)
                feeds[p] = value
                call_args.append(p)
            else:
                call_args.append(a)
        result = [t for t in nest.flatten(fn(*call_args)) if isinstance(t, TensorBase)]
        tensors = [t for op in graph.get_operations() if op.type not in _SKIP
                   for t in op.outputs]
        with Session(graph=graph) as sess:
            from graph.variables_v1 import global_variables_initializer
            sess.run(global_variables_initializer())
            _copy_outer_resources(graph, sess)
            results = sess.run(tensors, feeds) if tensors else []
            outputs = [np.asarray(r) for r in sess.run(result, feeds)] if result else []
    by_id = dict(zip(map(id, tensors), [np.asarray(r) for r in results]))
    return _graph_records(graph, by_id), outputs


def _flat_values(result):
    return [np.asarray(t._value if hasattr(t, "_value") else t)
            for t in nest.flatten(result) if isinstance(t, TensorBase)]


def _copy_outer_resources(graph, sess):
    """Eager variables captured by the graph (Consts holding their handles): the Session
    starts from copies of their current values."""
    eager_store = context.bottom_executor().store
    for op in graph.get_operations():
        handle = op._attrs.get("value") if op.type == "Const" else None
        key = getattr(handle, "key", None)
        if key is not None and key in eager_store.values:
            sess._store.values[key] = np.array(eager_store.values[key], copy=True)


class ModeComparison:
    """The verdict: `identical`, and `difference` (None, or a text naming the first op
    whose outputs differ between two modes, with both values)."""

    def __init__(self, records, outputs):
        self.records = records  # mode name -> list of (type, name, line, outputs)
        # Control flow runs Python branches eagerly but one Case/While op in a graph: the
        # ops cannot be paired, so the function's outputs are compared instead.
        self.by_outputs = any(r[0] in _CONTROL_FLOW for rs in records.values() for r in rs)
        self.difference = (_output_difference(outputs) if self.by_outputs
                           else _first_difference(records))
        self.identical = self.difference is None

    def __bool__(self):
        return self.identical

    def __str__(self):
        if self.identical and self.by_outputs:
            return ("outputs bit-identical in all three modes (control flow: the outputs "
                    "are compared, not op by op)")
        if self.identical:
            counts = ", ".join(f"{mode}: {len(r)} ops" for mode, r in self.records.items())
            return f"bit-identical in all three modes ({counts})"
        return self.difference

    __repr__ = __str__


def _first_difference(records):
    base_mode, base = next(iter(records.items()))
    for mode, other in list(records.items())[1:]:
        for i, (a, b) in enumerate(zip(base, other)):
            if a[0] != b[0]:
                return (f"op {i} differs in kind: {base_mode} ran {a[0]} ({a[2]}), {mode} "
                        f"ran {b[0]} ({b[2]})")
            for k, (x, y) in enumerate(zip(a[3], b[3])):
                if not _same(x, y):
                    return (f"first difference: op {i} {a[0]} {b[1]!r} output {k} (user line "
                            f"{a[2]})\n  {base_mode}: {x!r}\n  {mode}: {y!r}")
    return None


def _output_difference(outputs):
    base_mode, base = next(iter(outputs.items()))
    for mode, other in list(outputs.items())[1:]:
        for k, (x, y) in enumerate(zip(base, other)):
            if not _same(x, y):
                return f"output {k} differs\n  {base_mode}: {x!r}\n  {mode}: {y!r}"
    return None


def _same(x, y):
    if x is None or y is None or not isinstance(x, np.ndarray) and not np.isscalar(x):
        return True  # resources and lists are compared through what reads them
    x, y = np.asarray(x), np.asarray(y)
    return x.dtype == y.dtype and x.shape == y.shape and (
        x.tobytes() == y.tobytes() if x.dtype != object else bool(np.all(x == y)))


def compare_modes(fn, *args):
    """Runs fn(*args) eagerly, as a tf.function and as a TF1 graph; compares every op.

    Returns:
        A ModeComparison (truthy when bit-identical; str() explains).
    """
    args = [convert_to_tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    eager_out, eager_records = _run_eagerly(fn, args)
    function_records, function_out = _run_function(fn, args)
    graph_records, graph_out = _run_tf1_graph(fn, args)
    return ModeComparison(
        {"eager": eager_records, "tf.function": function_records, "TF1 graph": graph_records},
        {"eager": _flat_values(eager_out), "tf.function": function_out,
         "TF1 graph": graph_out})

