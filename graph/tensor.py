"""Operation and symbolic Tensor: the nodes and edges of a TF1 graph.

A symbolic Tensor has a dtype and a (possibly partial) static shape but no value:
values exist only inside `Session.run`. Graph tensors compare and hash by identity,
as TensorFlow's do once eager execution is disabled.
"""

from __future__ import annotations

import os
import sys

from engine.errors import OperatorNotAllowedInGraphError
from engine.infer import fmt_shape
from engine.shapes import TensorShape, as_shape
from engine.tensor_base import Tensor as _TensorBase

__all__ = ["Operation", "Tensor", "user_frame"]

_FIXES = ("  Fix: decide inside the graph with tf.cond / tf.where (tf.while_loop for a "
          "loop), or run the code eagerly or inside tf.function, where Python control "
          "flow sees values.")

_OWN_DIRS = tuple(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), d)
                  + os.sep for d in ("engine", "graph", "eager", "twinflow"))


def user_frame() -> str:
    """'file:line' of the first caller outside twinflow: where the user built the op."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_OWN_DIRS):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


class Operation:
    """A node: an op type with attributes, input tensors, output tensors, control inputs."""

    __slots__ = ("_opdef", "_name", "_inputs", "_outputs", "_control_inputs", "_attrs",
                 "skip_input_indices",
                 "_graph", "_defined_at", "__weakref__")

    def __init__(self, graph, opdef, name, inputs, attrs, control_inputs, defined_at):
        self._graph = graph
        self._opdef = opdef
        self._name = name
        self._inputs = tuple(inputs)
        self._attrs = dict(attrs or {})
        self._control_inputs = tuple(control_inputs)
        self._defined_at = defined_at
        self._outputs = ()

    name = property(lambda self: self._name)
    type = property(lambda self: self._opdef.name)
    inputs = property(lambda self: self._inputs)
    outputs = property(lambda self: self._outputs)
    control_inputs = property(lambda self: self._control_inputs)
    graph = property(lambda self: self._graph)

    @property
    def defined_at(self) -> str:
        """The user's file:line that created this op (shown in run-time errors)."""
        return self._defined_at

    def get_attr(self, name):
        try:
            return self._attrs[name]
        except KeyError:
            raise ValueError(f"Operation {self._name!r} has no attr named {name!r}.") from None

    def run(self, feed_dict=None, session=None):
        """Runs this op in `session` (default: the default session)."""
        from graph.session import _session_or_default
        _session_or_default(session, self).run(self, feed_dict)

    def __repr__(self):
        return f"<tf.Operation '{self._name}' type={self.type}>"


class Tensor(_TensorBase):
    """A symbolic tensor: output `value_index` of the Operation `op`."""

    __slots__ = ("_op", "_value_index", "_dtype", "_shape")

    def __init__(self, op, value_index, dtype, shape):
        self._op = op
        self._value_index = value_index
        self._dtype = dtype
        self._shape = as_shape(shape)

    op = property(lambda self: self._op)
    value_index = property(lambda self: self._value_index)
    dtype = property(lambda self: self._dtype)
    graph = property(lambda self: self._op._graph)

    @property
    def name(self) -> str:
        return f"{self._op._name}:{self._value_index}"

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape):
        """Narrows the static shape; ValueError if `shape` contradicts what is known."""
        self._shape = self._shape.merge_with(as_shape(shape))

    def consumers(self):
        """The operations that take this tensor as an input, in creation order."""
        return [op for op in self._op._graph._ops if any(t is self for t in op._inputs)]

    def eval(self, feed_dict=None, session=None):
        """This tensor's value, computed by `session` (default: the default session)."""
        from graph.session import _session_or_default
        return _session_or_default(session, self).run(self, feed_dict)

    def numpy(self):
        """Refused: a symbolic tensor has no value until the graph runs."""
        inside = "a tf.function" if getattr(self._op._graph, "lifts_variables", False) \
            else "a TF1 graph"
        raise NotImplementedError(
            f"numpy() is only available when eager execution is enabled: {self.name!r} is a "
            f"symbolic tensor of {inside} (built at {self._op._defined_at}).\n  Fix: inside "
            "tf.function, use tf.print to see values or return the tensor and call .numpy() "
            "on the result; in a TF1 graph, use session.run.")

    def _static_value(self):
        op = self._op
        if op.type == "Const":
            return op._attrs["value"]
        if op.type in ("VarHandleOp", "HashTableV2"):  # the resource's handle object
            return op._attrs["handle"]
        if op.type == "Placeholder":  # a function's capture of an outer resource handle
            return op._graph.captured_handle(self)
        return None

    # TF1 graph tensors compare by identity, so they key feed_dicts; a graph traced from
    # TF2 code (a dataset function, tf.function) compares elementwise, as TF2 does. They
    # hash by id either way: distinct live tensors never share a hash, so a dict never
    # asks `==` between two of them.
    def __eq__(self, other):
        if self._op._graph.tensor_equality:
            return _TensorBase.__eq__(self, other)
        return self is other

    def __ne__(self, other):
        if self._op._graph.tensor_equality:
            return _TensorBase.__ne__(self, other)
        return self is not other

    __hash__ = object.__hash__

    def __bool__(self):
        raise OperatorNotAllowedInGraphError(
            f"Using a symbolic `tf.Tensor` as a Python `bool` is not allowed: its value "
            f"exists only when the graph runs.\n  tensor {self.name!r}, built at "
            f"{self._op._defined_at}; used at {user_frame()}\n{_FIXES}")

    def __iter__(self):
        raise OperatorNotAllowedInGraphError(
            f"Iterating over a symbolic `tf.Tensor` is not allowed: its value exists only "
            f"when the graph runs.\n  tensor {self.name!r}, built at {self._op._defined_at};"
            f" used at {user_frame()}\n{_FIXES}\n  (or tf.unstack for a known length)")

    def __len__(self):
        raise TypeError(f"len is not well defined for a symbolic Tensor ({self.name}). "
                        "Please call `x.shape` rather than `len(x)` for shape information.")

    def __repr__(self):
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={self._dtype.name}>"

    def __str__(self):
        return f'Tensor("{self.name}", shape={self._shape}, dtype={self._dtype.name})'

    def _shape_text(self) -> str:
        return fmt_shape(self._shape)
