"""tf.TensorArray: a list of tensors that a loop can grow, in both modes.

Its value is one variant tensor holding a TensorList (engine/ops/list_ops.py). Every
`write` returns a NEW TensorArray (use `ta = ta.write(i, x)`, as TensorFlow 2
requires), which is what lets a TensorArray be a tf.while_loop variable in a graph;
the tape and tf.gradients differentiate through writes, reads and stacks.
"""

from __future__ import annotations

from engine import dtypes
from engine.context import execute
from engine.ops import list_ops as ops
from engine.ops.core import convert_to_tensor
from engine.shapes import TensorShape

__all__ = ["TensorArray"]


class TensorArray:
    """A list of tensors of one dtype (and, once known, one shape).

    Args:
        dtype: the elements' dtype.
        size: the initial number of elements (default 0).
        dynamic_size: allow writes past the end (growing the array).
        element_shape: the elements' shape, if known (unwritten elements then read as
            zeros); otherwise learned from the first write when infer_shape.
    """

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic = bool(dynamic_size)
        self._infer_shape = infer_shape
        self._element_shape = TensorShape(element_shape)
        if flow is None:
            size = convert_to_tensor(0 if size is None else size, dtype=dtypes.int32)
            flow = execute(ops.RESERVE, (size,), {"element_dtype": self._dtype,
                                                  "element_shape": self._element_shape},
                           name or "TensorArray")
        self._flow = flow

    def _with(self, flow, element_shape=None):
        """A TensorArray like this one holding `flow` (what a write or a loop returns)."""
        new = TensorArray.__new__(TensorArray)
        new.__dict__.update(self.__dict__)
        new._flow = flow
        if element_shape is not None:
            new._element_shape = element_shape
        return new

    # -- properties ------------------------------------------------------------------
    flow = property(lambda self: self._flow, doc="The variant tensor holding the elements.")
    dtype = property(lambda self: self._dtype)
    element_shape = property(lambda self: self._element_shape)
    dynamic_size = property(lambda self: self._dynamic)

    def _attrs(self):
        return {"element_dtype": self._dtype, "element_shape": self._element_shape}

    def _element(self, value, what):
        value = convert_to_tensor(value, dtype=self._dtype)
        if self._infer_shape and not self._element_shape.is_compatible_with(value.shape):
            raise ValueError(f"Inconsistent shapes: saw {value.shape} but expected "
                             f"{self._element_shape} (TensorArray {what}).")
        return value

    # -- writing ---------------------------------------------------------------------
    def write(self, index, value, name=None):
        """A new TensorArray with `value` at `index` (past the end only if dynamic_size).

        Raises:
            ValueError: value's shape differs from the elements' (infer_shape).
            InvalidArgumentError: index out of range (at run time in a graph).
        """
        value = self._element(value, "write")
        flow = execute(ops.SET_ITEM, (self._flow, index, value),
                       {"element_dtype": self._dtype, "dynamic": self._dynamic}, name)
        shape = self._element_shape.merge_with(value.shape) if self._infer_shape else None
        return self._with(flow, shape)

    def unstack(self, value, name=None):
        """A new TensorArray whose elements are the rows of `value`."""
        value = convert_to_tensor(value, dtype=self._dtype)
        flow = execute(ops.FROM_TENSOR, (value,), {"element_shape": value.shape[1:]}, name)
        return self._with(flow, value.shape[1:])

    def scatter(self, indices, value, name=None):
        """A new TensorArray with row k of `value` at indices[k]."""
        value = convert_to_tensor(value, dtype=self._dtype)
        flow = execute(ops.SCATTER, (self._flow, indices, value), {"dynamic": self._dynamic},
                       name)
        return self._with(flow, self._element_shape.merge_with(value.shape[1:]))

    # -- reading ---------------------------------------------------------------------
    def read(self, index, name=None):
        """The element at `index` (zeros if unwritten and the shape is known)."""
        return execute(ops.GET_ITEM, (self._flow, index), self._attrs(), name)

    def stack(self, name=None):
        """All elements stacked along a new first axis."""
        return execute(ops.STACK, (self._flow,), self._attrs(), name)

    def gather(self, indices, name=None):
        """The elements at `indices`, stacked."""
        return execute(ops.GATHER, (self._flow, indices), self._attrs(), name)

    def concat(self, name=None):
        """All elements joined along their first axis (elements of one shape)."""
        from engine.ops import array
        stacked = self.stack()
        rest = array.shape(stacked)[2:]
        return array.reshape(stacked, array.concat([[-1], rest], 0), name=name)

    def size(self, name=None):
        """The number of elements (int32)."""
        return execute(ops.LENGTH, (self._flow,), None, name)

    # -- no-ops TensorFlow code calls ----------------------------------------------------
    def identity(self):
        return self

    def mark_used(self):
        pass

    def close(self, name=None):
        pass

    def __repr__(self):
        return f"<TensorArray dtype={self._dtype.name} element_shape={self._element_shape}>"
