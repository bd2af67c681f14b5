"""tf.Variable: a resource handle plus ops that read and assign the value behind it.

The class is mode-agnostic: it only calls public ops through `execute`, so the same
code gives an eager variable (value set now, in the process's store) and, in graph
mode, VarHandleOp/ReadVariableOp/AssignVariableOp nodes whose value lives in each
Session's store.
"""

from __future__ import annotations

import contextlib

import numpy as np

from engine import context, dtypes
from engine.context import execute
from engine.ops import state
from engine.ops.core import convert_to_tensor
from engine.resources import ResourceHandle
from engine.shapes import TensorShape, as_shape
from engine.tensor_base import TensorBase

__all__ = ["Variable", "VariableSynchronization", "VariableAggregation"]


class VariableSynchronization:
    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation:
    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


class Variable(TensorBase):
    """A tensor-like value that persists across calls and can be assigned.

    Args:
        initial_value: a tensor, Python/numpy value, or a callable returning one.
        trainable: watched automatically by GradientTape (default True).
        validate_shape: assignments must keep the shape (unless `shape` allows it).
        name: the variable's name (default "Variable").
        dtype: convert the initial value to this dtype.
        constraint: a function applied after optimizer updates (Keras).
        shape: the static shape; `tf.TensorShape(None)` allows any shape later.

    Raises:
        ValueError: no initial value.
    """

    def __init__(self, initial_value=None, trainable=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None,
                 import_scope=None, constraint=None,
                 synchronization=VariableSynchronization.AUTO,
                 aggregation=VariableAggregation.NONE, shape=None,
                 experimental_enable_variable_lifting=True):
        if initial_value is None:
            raise ValueError("The `initial_value` arg (None) must be specified.")
        if constraint is not None and not callable(constraint):
            raise ValueError(f"The `constraint` argument must be a callable. "
                             f"Received: {constraint!r}")
        tracing = context.current_executor()
        lifting = getattr(tracing, "lifts_variables", False)
        # Inside tf.function the variable is made outside the traced graph (TensorFlow's
        # init_scope), once; the function then reads it by reference.
        with context.init_scope() if lifting else contextlib.nullcontext():
            if callable(initial_value):
                initial_value = initial_value()
            # a value the traced function computes (tf.zeros, a random draw, x * 0):
            # the variable is made outside, its value assigned by the function's first call
            traced_value = lifting and getattr(initial_value, "graph", None) is tracing
            value = initial_value if traced_value else convert_to_tensor(initial_value,
                                                                         dtype=dtype)
            if traced_value and dtype is not None and value.dtype != dtypes.as_dtype(dtype):
                raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name}"
                                 f" for Tensor with dtype {value.dtype.name}: {value!r}")
            if trainable is None:
                trainable = synchronization != VariableSynchronization.ON_READ
            self._trainable = bool(trainable)
            self._constraint = constraint
            self._set_shape(value, shape, validate_shape)
            self._create(name, None if traced_value else value)
            context.variable_created(self)
        if lifting:
            if traced_value:
                self._initial_value = value
                execute(state.INITIALIZE_ONCE, (self._handle, value),
                        {"validate_shape": self._validate_shape}, "Initialize")
            tracing.variable_lifted(self)

    def _set_shape(self, value, shape, validate_shape):
        self._dtype = value.dtype
        self._shape = as_shape(shape) if shape is not None else value.shape
        if not self._shape.is_compatible_with(value.shape):
            raise ValueError(f"The initial value's shape ({value.shape}) is not compatible "
                             f"with the explicitly supplied `shape` argument ({self._shape}).")
        self._validate_shape = validate_shape and self._shape.rank is not None

    def _create(self, name, value):
        """The handle op and the initializing assignment (run now eagerly; in a graph by
        the initializer)."""
        base = (name or "Variable").split(":")[0]
        self._resource = ResourceHandle(base, "variable", self._dtype,
                                        self._shape if self._validate_shape else None)
        self._initial_value = value
        executor = context.current_executor()
        # a variable's ops ignore surrounding control dependencies (TensorFlow's init_scope)
        clear = executor.control_dependencies(None) if hasattr(
            executor, "control_dependencies") else contextlib.nullcontext()
        with clear, context.name_scope(base) as scope:  # a graph names the ops "w", ...
            self._handle = execute(state.VAR_HANDLE, (), {"handle": self._resource,
                                                          "dtype": self._dtype,
                                                          "shape": self._shape}, scope)
            self._name = self._handle.op.name if hasattr(self._handle, "op") else base
            self._resource.name = self._name
            self._initializer_op = None if value is None else execute(
                state.ASSIGN, (self._handle, value), {"validate_shape": self._validate_shape},
                "Assign")
            # In a graph, what `session.run(v)` fetches: one read built now, not per fetch.
            self._graph_element = None if context.executing_eagerly() else self.read_value()

    # -- identity ------------------------------------------------------------------
    @property
    def name(self) -> str:
        return f"{self._name}:0"

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def handle(self):
        """The resource tensor that ops read and assign through."""
        return self._handle

    @property
    def constraint(self):
        return self._constraint

    @property
    def initial_value(self):
        return self._initial_value

    @property
    def initializer(self):
        """The op that assigns the initial value (graph mode runs it in a Session)."""
        return self._initializer_op

    @property
    def device(self) -> str:
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    def ref(self):
        from eager.tensor import Reference  # noqa: PLC0415 - a plain helper class
        return Reference(self)

    experimental_ref = ref

    # -- reading -------------------------------------------------------------------
    def read_value(self):
        """The current value as a tensor (a ReadVariableOp; tapes watch it if trainable)."""
        context.variable_accessed(self)
        return execute(state.READ, (self._handle,), {"dtype": self._dtype}, None)

    value = read_value

    def _as_tensor(self):
        return self.read_value()

    def numpy(self):
        """A copy of the current value as numpy (eager mode only)."""
        if not context.executing_eagerly():
            raise NotImplementedError("numpy() is only available when eager execution is "
                                      "enabled. In a graph, use session.run(variable).")
        value = self.read_value().numpy()
        return value.copy() if isinstance(value, np.ndarray) else value

    def _static_value(self):
        return None

    # -- writing -------------------------------------------------------------------
    def _write(self, opdef, value, attrs, name, read_value):
        value = convert_to_tensor(value, dtype=self._dtype)
        return self._after_write(execute(opdef, (self._handle, value), attrs, name),
                                 read_value)

    def _after_write(self, op, read_value):
        """Eagerly the variable itself; in a graph the new value read after `op` (what
        `sess.run(v.assign_add(1))` prints in TF1), or `op` when read_value=False."""
        if context.executing_eagerly():
            return self if read_value else None
        if not read_value:
            return op
        with context.current_executor().control_dependencies([op]):
            return self.read_value()

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Sets the variable to `value` (same dtype; same shape unless allowed)."""
        return self._write(state.ASSIGN, value, {"validate_shape": self._validate_shape},
                           name, read_value)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        """Adds `delta` to the variable."""
        return self._write(state.ASSIGN_ADD, delta, None, name, read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        """Subtracts `delta` from the variable."""
        return self._write(state.ASSIGN_SUB, delta, None, name, read_value)

    def scatter_nd_update(self, indices, updates, name=None):
        """Sets the elements at `indices` (shape [..., depth]) to `updates`."""
        indices = convert_to_tensor(indices)
        updates = convert_to_tensor(updates, dtype=self._dtype)
        return self._after_write(execute(state.SCATTER_ND_UPDATE,
                                         (self._handle, indices, updates), None, name), True)

    def __getitem__(self, key):
        return SlicedVariable(self, key)

    # -- Python protocols ------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.read_value(), dtype=dtype)

    def __float__(self):
        return float(self.read_value())

    def __int__(self):
        return int(self.read_value())

    def __bool__(self):
        return bool(self.read_value())

    def __len__(self):
        return len(self.read_value())

    def __iter__(self):
        return iter(self.read_value())

    def __hash__(self):
        raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key.")

    def __repr__(self):
        if context.executing_eagerly():
            value = self.read_value()
            numpy_text = repr(value).split("numpy=", 1)[1][:-1]
            return (f"<tf.Variable '{self.name}' shape={self._shape} "
                    f"dtype={self._dtype.name}, numpy={numpy_text}>")
        return f"<tf.Variable '{self.name}' shape={self._shape} dtype={self._dtype.name}>"


class SlicedVariable(TensorBase):
    """`v[key]`: the sliced value as a tensor, plus `assign` to write just that slice."""

    __slots__ = ("_variable", "_key", "_tensor")

    def __init__(self, variable, key):
        self._variable = variable
        self._key = key
        self._tensor = variable.read_value()[key]

    def _as_tensor(self):
        return self._tensor

    def __getattr__(self, attr):  # dtype, shape, numpy(), ... of the sliced value
        return getattr(self._tensor, attr)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._tensor, dtype=dtype)

    def __repr__(self):
        return repr(self._tensor)

    def assign(self, value, name=None, read_value=True):
        """Writes `value` (broadcast to the slice's shape) into the sliced elements."""
        from engine.ops.indexing import parse_key
        begin, end, strides, masks = parse_key(self._key)
        var = self._variable
        value = convert_to_tensor(value, dtype=var.dtype)
        # the spec is an attribute of the assign op: scalar tensor indices are read now
        attrs = dict(masks, begin=[int(b) for b in begin], end=[int(e) for e in end],
                     strides=[int(s) for s in strides])
        return var._after_write(execute(state.SLICE_ASSIGN, (var.handle, value), attrs, name),
                                read_value)
