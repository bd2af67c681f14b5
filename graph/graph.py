"""Graph: the TF1 executor that records ops instead of running them.

Pushed on the executor stack (`with g.as_default():`, or as the bottom after
`disable_eager_execution()`), it receives every op built and adds an Operation with a
unique name under the current name scope, control inputs from `control_dependencies`
and the user's file:line. It infers each output's dtype and static shape with the op's
`infer`, so shape errors surface while building, as in TensorFlow.
"""

from __future__ import annotations

import contextlib
import re
import threading

from engine import context
from engine.ops.core import convert_inputs
from engine.ops.random import SeedState
from engine.tensor_base import TensorBase
from graph.tensor import Operation, Tensor, user_frame

__all__ = ["Graph", "GraphKeys", "get_default_graph", "reset_default_graph"]


class GraphKeys:
    """Standard collection names."""

    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    MODEL_VARIABLES = "model_variables"
    TABLE_INITIALIZERS = "table_initializer"
    UPDATE_OPS = "update_ops"
    GLOBAL_STEP = "global_step"
    LOSSES = "losses"
    REGULARIZATION_LOSSES = "regularization_losses"
    SUMMARIES = "summaries"
    INIT_OP = "init_op"


class Graph:
    """A dataflow graph: Operations in creation order (a topological order)."""

    is_eager = False
    tensor_equality = False  # TF1: `a == b` on graph tensors is identity

    def __init__(self):
        self._ops: list = []
        self._by_name: dict = {}
        self._names_in_use: dict = {}
        self._scope = ""
        self._control_stack: list = []
        self._collections: dict = {}
        self._finalized = False
        self.version = 0
        self.seed_state = SeedState()  # the graph-level seed (tf.compat.v1.set_random_seed)
        self._lock = threading.RLock()

    # -- building ------------------------------------------------------------------
    def run_op(self, opdef, inputs, attrs, name):
        """Adds an Operation for `opdef` and returns its output Tensor(s)."""
        if self._finalized:
            raise RuntimeError(f"Graph is finalized and cannot be modified (adding "
                               f"{opdef.name} at {user_frame()}).")
        inputs = [self._own(t, opdef) for t in convert_inputs(opdef, inputs)]
        specs = opdef.infer(inputs, attrs or {})
        with self._lock:
            # a name ending in "/" is a scope name already made unique: use it as is
            op_name = name[:-1] if name and name.endswith("/") else \
                self.unique_name(name or opdef.name)
            controls = self._current_control_inputs(inputs)
            op = Operation(self, opdef, op_name, inputs, attrs, controls, user_frame())
            op._outputs = tuple(Tensor(op, i, dtype, shape)
                                for i, (dtype, shape) in enumerate(specs))
            self._ops.append(op)
            self._by_name[op_name] = op
            self.version += 1
        if opdef.multi:
            return op._outputs if op._outputs else op
        return op._outputs[0]

    def _own(self, tensor, opdef):
        if isinstance(tensor, Tensor):
            if tensor._op._graph is not self:
                raise ValueError(f"Tensor {tensor!r} must be from the same graph as the "
                                 f"{opdef.name} op being built. Build all ops of one model "
                                 "inside one `with graph.as_default():` block.")
            return tensor
        if hasattr(tensor, "_value"):  # an eager tensor (or resource handle): a Const
            from engine.ops.core import CONST
            with context.executor_scope(self):
                return context.execute(CONST, (), {"value": tensor._value,
                                                   "dtype": tensor.dtype}, "Const")
        raise TypeError(f"Cannot use {tensor!r} as an input of {opdef.name} in a graph")

    def captured_handle(self, placeholder):
        """The resource handle a placeholder stands for (only function graphs have any)."""
        return None

    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """`scope/name`, made unique with _1, _2, ... the way TensorFlow does."""
        full = f"{self._scope}/{name}" if self._scope else name
        key = full.lower()
        i = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = i + 1
        if i > 0:
            base = key
            while key in self._names_in_use:
                key = f"{base}_{i}"
                i += 1
            if mark_as_used:
                self._names_in_use[key] = 1
            full = f"{full}_{i - 1}"
        return full

    @contextlib.contextmanager
    def name_scope(self, name):
        """Ops built inside get names `name/...`; a trailing '/' re-enters a scope as is."""
        old = self._scope
        if name is None or name == "":
            self._scope = ""
        elif name.endswith("/"):
            self._scope = name[:-1]
        else:
            if not re.match(r"^[A-Za-z0-9_.\-/>]*$", name):
                raise ValueError(f"'{name}' is not a valid scope name")
            self._scope = self.unique_name(name)
        try:
            yield (self._scope + "/") if self._scope else ""
        finally:
            self._scope = old

    def get_name_scope(self) -> str:
        return self._scope

    # -- control dependencies --------------------------------------------------------
    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops built inside run after `control_inputs`; None clears the outer ones."""
        if control_inputs is None:
            saved, self._control_stack = self._control_stack, []
            try:
                yield
            finally:
                self._control_stack = saved
            return
        ops = []
        for c in control_inputs:
            if isinstance(c, TensorBase) and not isinstance(c, Tensor):
                c = c._as_tensor()
            op = c._op if isinstance(c, Tensor) else c
            if not isinstance(op, Operation):
                raise TypeError(f"Control input must be an Operation or a Tensor: {c!r}")
            if op._graph is not self:
                raise ValueError(f"Control input {op.name!r} is not an element of this graph.")
            ops.append(op)
        self._control_stack.append(ops)
        try:
            yield
        finally:
            self._control_stack.pop()

    def _current_control_inputs(self, inputs):
        if not self._control_stack:
            return ()
        direct = {id(t._op) for t in inputs}
        seen, out = set(), []
        for frame in self._control_stack:
            for op in frame:
                if id(op) not in seen and id(op) not in direct:
                    seen.add(id(op))
                    out.append(op)
        return out

    # -- lookup ------------------------------------------------------------------------
    def get_operations(self):
        return list(self._ops)

    def get_operation_by_name(self, name):
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"The name {name!r} refers to an Operation not in the graph.") \
                from None

    def get_tensor_by_name(self, name):
        if ":" not in name:
            raise ValueError(f"The name {name!r} looks like an (invalid) Operation name, not "
                             "a Tensor. Tensor names must be of the form \"<op_name>:<output_"
                             "index>\".")
        op_name, index = name.rsplit(":", 1)
        op = self._by_name.get(op_name)
        if op is None or not index.isdigit() or int(index) >= len(op._outputs):
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. The "
                           f"operation, {op_name!r}, does not exist in the graph."
                           if op is None else f"The name {name!r} refers to a Tensor which "
                           f"does not exist: {op_name!r} has {len(op._outputs)} outputs.")
        return op._outputs[int(index)]

    def as_graph_element(self, obj):
        """A fetch target: Tensor, Operation, variable or name, checked to be in this graph."""
        if isinstance(obj, str):
            return self.get_tensor_by_name(obj) if ":" in obj else \
                self.get_operation_by_name(obj)
        graph_element = getattr(obj, "_graph_element", None)
        if graph_element is not None:
            obj = graph_element
        if isinstance(obj, (Tensor, Operation)):
            if obj.graph is not self:
                raise ValueError(f"{obj!r} is not an element of this graph.")
            return obj
        raise TypeError(f"Fetch argument {obj!r} has invalid type {type(obj).__name__}, must "
                        "be a string or Tensor. (Can not convert a "
                        f"{type(obj).__name__} into a Tensor or Operation.)")

    # -- collections, finalize, default ------------------------------------------------
    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        for name in ([names] if isinstance(names, str) else names):
            self.add_to_collection(name, value)

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_collection(self, name, scope=None):
        """A copy of the collection; with `scope`, only items whose name matches it."""
        items = list(self._collections.get(name, []))
        if scope is None:
            return items
        pattern = re.compile(scope)
        return [x for x in items if pattern.match(getattr(x, "name", "") or "")]

    def get_all_collection_keys(self):
        return [k for k, v in self._collections.items() if v]

    def clear_collection(self, name):
        self._collections.pop(name, None)

    def finalize(self):
        """Makes the graph read-only: adding an op now raises RuntimeError."""
        self._finalized = True

    @property
    def finalized(self) -> bool:
        return self._finalized

    @contextlib.contextmanager
    def device(self, device_name_or_function):
        """Accepted for compatibility: twinflow runs every op on the CPU."""
        yield

    def variable_created(self, variable):
        """Called by tf.Variable built in this graph: the TF1 collections track it."""
        keys = getattr(variable, "_collections", None)  # tf.compat.v1.Variable's argument
        if keys is None:
            keys = [GraphKeys.GLOBAL_VARIABLES]
        if variable.trainable and GraphKeys.TRAINABLE_VARIABLES not in keys:
            keys = list(keys) + [GraphKeys.TRAINABLE_VARIABLES]
        self.add_to_collections(keys, variable)

    def table_created(self, initializer_op):
        """Called by lookup tables built in this graph: tables_initializer() runs these."""
        self.add_to_collection(GraphKeys.TABLE_INITIALIZERS, initializer_op)

    def to_networkx(self):
        """The graph as a networkx.DiGraph (graph/drawing.py): op names as nodes."""
        from graph.drawing import to_networkx  # noqa: PLC0415 - drawing imports graph
        return to_networkx(self)

    def to_dot(self, **kwargs):
        """The graph as DOT text, name scopes as clusters (graph/drawing.py)."""
        from graph.drawing import to_dot  # noqa: PLC0415
        return to_dot(self, **kwargs)

    def _repr_svg_(self):
        """Jupyter draws the graph (graph/drawing.py); None falls back to repr()."""
        from graph.drawing import repr_svg  # noqa: PLC0415 - drawing imports graph
        return repr_svg(self)

    def as_default(self):
        """`with g.as_default():` builds ops into this graph."""
        return _default_scope(self)

    def as_graph_def(self, from_version=None, add_shapes=False):
        """This graph as a JSON-ready GraphDef dict (graph/graph_def.py; shapes always in)."""
        from graph.graph_def import as_graph_def  # noqa: PLC0415 - it imports this module
        return as_graph_def(self)

    def __repr__(self):
        return f"<twinflow Graph with {len(self._ops)} ops>"


class _DefaultGraphs(threading.local):
    def __init__(self):
        self.stack = []     # graphs entered with as_default()
        self.global_default = None


_defaults = _DefaultGraphs()


@contextlib.contextmanager
def _default_scope(graph):
    _defaults.stack.append(graph)
    try:
        with context.executor_scope(graph):
            yield graph
    finally:
        _defaults.stack.pop()


def get_default_graph() -> Graph:
    """The innermost graph entered with as_default(), else the global default graph."""
    if _defaults.stack:
        return _defaults.stack[-1]
    if _defaults.global_default is None:
        _defaults.global_default = Graph()
    return _defaults.global_default


def reset_default_graph():
    """Replaces the global default graph with a new empty one.

    Raises:
        AssertionError: called inside a `with graph.as_default():` block.
    """
    if _defaults.stack:
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. If "
                             "you need a cleared graph, exit the nesting and create a new "
                             "graph.")
    old = _defaults.global_default
    _defaults.global_default = Graph()
    bottom = context.bottom_executor()
    if old is not None and bottom is old:
        context.replace_bottom_executor(_defaults.global_default)


def disable_eager_execution():
    """TF1 mode: ops now build into the default graph and run in a Session."""
    context.replace_bottom_executor(get_default_graph())


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    """TF2 mode (the default): ops run at once."""
    context.restore_eager_bottom()
