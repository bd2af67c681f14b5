"""Tracing a Python function into its own graph, and running that graph with a plan.

TensorFlow never runs a dataset's `map` function (or a tf.function) as Python at each
call: it calls it ONCE on symbolic inputs, recording a graph, and runs the graph after
that. A FuncGraph is that recording. Tensors of other graphs that the function touches
become captures (placeholders fed from outside at run time, so a captured variable
handle or table handle is read from the store the function runs against); eager
tensors are immutable, so they become constants.
"""

from __future__ import annotations

import sys

from engine import context, dtypes, nest
from engine.ops.core import convert_to_tensor, identity, no_op, placeholder
from graph.graph import Graph
from graph.plan import compile_plan, kernel_failure
from graph.tensor import Operation, Tensor

__all__ = ["FuncGraph", "TracedFunction", "trace", "own_output", "effect_ops",
           "READ_ONLY"]

# Stateful ops that only read (or make handles): nothing happens if they do not run.
READ_ONLY = frozenset({"Placeholder", "PlaceholderWithDefault", "Const", "VarHandleOp",
                       "ReadVariableOp", "HashTableV2", "LookupTableFindV2",
                       "LookupTableSizeV2", "VarIsInitializedOp", "IteratorV2",
                       "OneShotIterator"})


def effect_ops(ops):
    """The ops with an effect (assignments, prints, asserts, random draws): TensorFlow 2
    runs them all, in program order, whether or not anything reads their outputs."""
    return [op for op in ops if op._opdef.stateful and op.type not in READ_ONLY]


class FuncGraph(Graph):
    """A graph recorded from one call of a Python function.

    Attributes:
        inputs: the placeholders standing for the function's arguments.
        captures: (outer tensor, placeholder) pairs, in order of first use.
    """

    def __init__(self, name, lifts_variables=False):
        super().__init__()
        self.lifts_variables = lifts_variables  # tf.function: variables made outside
        self.accessed_variables: list = []  # variables read while tracing (tapes watch)
        self.created_variables: list = []
        self.name = name
        outer = context.current_executor()
        self.outer_graph = outer if isinstance(outer, FuncGraph) else None
        # traced from TF2 code: `==` is elementwise (TF1 code keeps identity)
        self.tensor_equality = outer.is_eager or getattr(outer, "tensor_equality", False)
        self.seed_state.seed = getattr(getattr(outer, "seed_state", None), "seed", None)
        self.inputs: list = []
        self.captures: list = []
        self._captured: dict = {}
        self._handles: dict = {}  # id(placeholder) -> outer ResourceHandle
        self.outer_controls: list = []  # outer Operations the function returned

    def _own(self, tensor, opdef):
        if isinstance(tensor, Tensor) and tensor._op._graph is not self:
            return self.capture(tensor)
        if getattr(tensor, "dtype", None) == dtypes.resource and hasattr(tensor, "_value"):
            return self.capture(tensor)  # an eager variable: read by reference at each run
        return super()._own(tensor, opdef)

    def capture(self, tensor):
        """The placeholder standing for `tensor` of an outer graph (one per tensor)."""
        if self.outer_graph is not None and isinstance(tensor, Tensor) and \
                tensor._op._graph is not self.outer_graph:
            tensor = self.outer_graph.capture(tensor)  # nested: through each enclosing graph
        inner = self._captured.get(id(tensor))
        if inner is None:
            with context.executor_scope(self), self.name_scope(None):
                inner = placeholder(tensor.dtype, tensor.shape, name="capture")
            self._captured[id(tensor)] = inner
            self.captures.append((tensor, inner))
            if tensor.dtype.name == "resource":  # shape inference may see the handle
                self._handles[id(inner)] = tensor._static_value()
        return inner

    def captured_handle(self, placeholder):
        return self._handles.get(id(placeholder))

    def variable_accessed(self, variable):
        if not any(v is variable for v in self.accessed_variables):
            self.accessed_variables.append(variable)

    def variable_lifted(self, variable):
        self.created_variables.append(variable)


class TracedFunction:
    """A traced function ready to run: `run(store, args, captured) -> flat values`.

    Attributes:
        graph: the FuncGraph (inspectable like any graph).
        inputs: its placeholders fed from `args`.
        captures: (outer tensor, placeholder) pairs fed from `captured`.
        structured_outputs: what the Python function returned, tensors in place.
        outputs: those tensors (or Operations, run for their effect), flattened.
    """

    def __init__(self, graph, structured_outputs, inputs=None, captures=None, effects=()):
        self.graph = graph
        self.inputs = list(graph.inputs if inputs is None else inputs)
        self.captures = list(graph.captures if captures is None else captures)
        self.structured_outputs = structured_outputs
        self.outputs = nest.flatten(structured_outputs)
        feeds = self.inputs + [inner for _, inner in self.captures]
        # effects run after the outputs are computed; run() returns None for each of them
        self._plan = compile_plan(graph, self.outputs + list(effects), feeds)

    @property
    def captured_tensors(self):
        """The outer tensors the function reads, in the order `run` expects their values."""
        return [outer for outer, _ in self.captures]

    @property
    def source(self):
        """The generated Python that runs the function (see graph/plan.py)."""
        return self._plan.source

    def run_flat(self, store, values):
        """The outputs for all input values at once: arguments, then captured values."""
        try:
            return self._plan.fn(store, values)
        except Exception as exc:  # noqa: BLE001 - re-raised as the op's tf.errors class
            raise kernel_failure(self._plan, exc, sys.exc_info()[2]) from None

    def run(self, store, args, captured=()):
        """The output values for argument arrays `args` and captured values `captured`.

        Raises:
            tf.errors.OpError: an op of the function failed (named, with its line).
        """
        try:
            return self._plan.fn(store, [*args, *captured])
        except Exception as exc:  # noqa: BLE001 - re-raised as the op's tf.errors class
            raise kernel_failure(self._plan, exc, sys.exc_info()[2]) from None


def trace(fn, arg_specs, name, call=None, effects=False) -> TracedFunction:
    """Calls `fn` once on placeholders shaped like `arg_specs` (a nest of TensorSpecs).

    Args:
        fn: the Python function.
        arg_specs: a nest of TensorSpecs, one placeholder each.
        name: the graph's name (for messages).
        call: how to call fn with the nest of placeholders (default `fn(args)`).
        effects: also run every op with an effect on each call (a tf.cond branch or loop
            body inside TF2 code), after the outputs.
    """
    graph = FuncGraph(name)
    with graph.as_default():
        graph.inputs = [placeholder(s.dtype, s.shape, name=f"args_{i}")
                        for i, s in enumerate(nest.flatten(arg_specs))]
        args = nest.pack_sequence_as(arg_specs, graph.inputs)
        result = call(fn, args) if call is not None else fn(args)
        outputs = nest.map_structure(lambda t: own_output(graph, t), result)  # in graph
    flat = nest.flatten(outputs)
    extra = [op for op in effect_ops(graph._ops) if all(op is not o for o in flat)] \
        if effects else ()
    return TracedFunction(graph, outputs, effects=extra)


def own_output(graph, value):
    """An output tensor of `graph`: Python values become constants, and outer tensors
    returned as they are get an Identity (a plan computes only its own graph's ops).
    An Operation (a branch ending in an assignment, say) stays: it is run, not fetched."""
    if isinstance(value, Operation):
        if value._graph is not graph:  # an outer op: it must run before the call
            graph.outer_controls.append(value)
            return no_op(name="outer_op")
        return value
    tensor = convert_to_tensor(value)
    if not isinstance(tensor, Tensor) or tensor._op._graph is not graph:
        tensor = identity(tensor)
    return tensor
