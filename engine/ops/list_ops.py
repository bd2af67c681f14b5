"""TensorList ops: the value behind tf.TensorArray, one variant tensor.

A TensorList is an immutable tuple of arrays (None where nothing was written yet).
Every write makes a new list, so a TensorArray can be a loop variable of a graph
while_loop (one variant tensor) exactly like a tensor, and the tape and tf.gradients
differentiate through it with the gradients below: the gradient of a list is a list
of gradients, and two such lists add elementwise.
"""

from __future__ import annotations

import numpy as np

from engine import dtypes, errors
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape

__all__ = ["TensorList", "RESERVE", "SET_ITEM", "GET_ITEM", "STACK", "FROM_TENSOR", "GATHER",
           "SCATTER", "LENGTH", "ZEROS_LIKE_LIST"]

_SCALAR = TensorShape([])


class TensorList:
    """Items (arrays or None) plus what an unwritten item looks like."""

    __slots__ = ("items", "dtype_np", "element_shape")
    dtype = dtypes.VARIANT_TAG
    shape = ()
    ndim = 0

    def __init__(self, items, dtype_np, element_shape):
        self.items = tuple(items)
        self.dtype_np = dtype_np
        self.element_shape = element_shape  # tuple, or None when not fully known

    def item(self, i, what="read from"):
        value = self.items[i]
        if value is None:
            if self.element_shape is None:
                raise errors.InvalidArgumentError(
                    None, None, f"Could not {what} TensorArray index {i} because it has not "
                    "yet been written to, and the element shape is not fully defined: set "
                    "element_shape to get zeros for unwritten elements.")
            return np.zeros(self.element_shape, self.dtype_np)
        return value

    def __add__(self, other):  # gradients reaching one list add elementwise
        if not isinstance(other, TensorList):
            return self
        items = [b if a is None else a if b is None else a + b
                 for a, b in zip(self.items, other.items)]
        longer = self.items if len(self.items) > len(other.items) else other.items
        return TensorList(items + list(longer[len(items):]), self.dtype_np,
                          self.element_shape or other.element_shape)

    __radd__ = __add__

    def __repr__(self):
        return f"<TensorList of {len(self.items)}>"


def _index(i, length, dynamic, what):
    i = int(i)
    if i < 0 or (i >= length and not dynamic):
        raise errors.InvalidArgumentError(
            None, None, f"Tried to {what} index {i} but array size is: {length}")
    return i


def _list_infer(inputs, attrs):
    return [(dtypes.variant, _SCALAR)]


def _element_infer(inputs, attrs):
    shape = attrs.get("element_shape")
    return [(attrs["element_dtype"], TensorShape(shape))]


def _reserve_kernel(num_elements, element_dtype, element_shape):
    return TensorList([None] * int(num_elements), element_dtype._np, _known(element_shape))


def _known(shape):
    shape = TensorShape(shape)
    return tuple(shape.as_list()) if shape.is_fully_defined() else None


RESERVE = register("TensorListReserve", _reserve_kernel, _list_infer, NO_GRADIENT)


def _set_kernel(tlist, index, item, element_dtype, dynamic):
    i = _index(index, len(tlist.items), dynamic, "write to")
    item = np.asarray(item)
    if item.dtype != tlist.dtype_np:
        raise errors.InvalidArgumentError(
            None, None, f"TensorArray dtype is {dtypes.from_numpy(tlist.dtype_np).name} but "
            f"Op is trying to write dtype {dtypes.from_numpy(item.dtype).name}.")
    if tlist.element_shape is not None and item.shape != tlist.element_shape:
        raise errors.InvalidArgumentError(
            None, None, f"Could not write to TensorArray index {i}: element shape "
            f"{list(item.shape)} differs from the array's {list(tlist.element_shape)}.")
    items = list(tlist.items) + [None] * (i + 1 - len(tlist.items))
    items[i] = item
    return TensorList(items, tlist.dtype_np, tlist.element_shape or item.shape)


def _set_grad(op, g):
    """The written item gets the gradient at its slot; the old list gets the rest (the
    overwritten slot's old value did not reach the output: zero there)."""
    from engine.context import execute
    from engine.ops.array import zeros_like
    index, item = op.inputs[1], op.inputs[2]
    dtype = op.get_attr("element_dtype")
    item_grad = execute(GET_ITEM, (g, index), {"element_dtype": dtype,
                                               "element_shape": item.shape})
    rest = execute(SET_ITEM, (g, index, zeros_like(item)), {"element_dtype": dtype,
                                                             "dynamic": True})
    return rest, None, item_grad


SET_ITEM = register("TensorListSetItem", _set_kernel, _list_infer, _set_grad)


def _get_kernel(tlist, index, element_dtype, element_shape):
    return tlist.item(_index(index, len(tlist.items), False, "read from"))


def _get_grad(op, g):
    from engine.context import execute
    zeros = execute(ZEROS_LIKE_LIST, (op.inputs[0],), None)
    return execute(SET_ITEM, (zeros, op.inputs[1], g),
                   {"element_dtype": op.get_attr("element_dtype"), "dynamic": True}), None


GET_ITEM = register("TensorListGetItem", _get_kernel, _element_infer, _get_grad)


def _stack_kernel(tlist, element_dtype, element_shape):
    if not tlist.items:
        shape = _known(element_shape) or tlist.element_shape
        if shape is None:
            raise errors.InvalidArgumentError(
                None, None, "TensorArray has size zero, but element shape is not fully "
                "defined. Currently only static shapes are supported when packing zero-size "
                "TensorArrays.")
        return np.zeros((0,) + tuple(shape), tlist.dtype_np)
    return np.stack([tlist.item(i, "stack") for i in range(len(tlist.items))])


def _stack_grad(op, g):
    from engine.context import execute
    return (execute(FROM_TENSOR, (g,), {"element_shape": op.get_attr("element_shape")}),)


STACK = register("TensorListStack", _stack_kernel,
                 lambda inputs, attrs: [(attrs["element_dtype"], TensorShape([None]).concatenate(
                     TensorShape(attrs["element_shape"])))], _stack_grad)


def _from_tensor_kernel(tensor, element_shape):
    tensor = np.asarray(tensor)
    return TensorList(list(tensor), tensor.dtype, tuple(tensor.shape[1:]))


def _from_tensor_grad(op, g):
    from engine.context import execute
    x = op.inputs[0]
    return (execute(STACK, (g,), {"element_dtype": x.dtype, "element_shape": x.shape[1:]}),)


FROM_TENSOR = register("TensorListFromTensor", _from_tensor_kernel, _list_infer,
                       _from_tensor_grad)


def _gather_kernel(tlist, indices, element_dtype, element_shape):
    indices = np.asarray(indices).ravel()
    if not len(indices):
        return np.zeros((0,) + (tlist.element_shape or ()), tlist.dtype_np)
    return np.stack([tlist.item(_index(i, len(tlist.items), False, "read from"))
                     for i in indices])


def _gather_grad(op, g):
    from engine.context import execute
    zeros = execute(ZEROS_LIKE_LIST, (op.inputs[0],), None)
    return execute(SCATTER, (zeros, op.inputs[1], g), {"dynamic": True}), None


GATHER = register("TensorListGather", _gather_kernel,
                  lambda inputs, attrs: [(attrs["element_dtype"], TensorShape([None]).concatenate(
                      TensorShape(attrs["element_shape"])))], _gather_grad)


def _scatter_kernel(tlist, indices, tensor, dynamic):
    for i, row in zip(np.asarray(indices).ravel(), np.asarray(tensor)):
        tlist = _set_kernel(tlist, i, row, None, dynamic)
    return tlist


def _scatter_grad(op, g):
    from engine.context import execute
    x = op.inputs[2]
    rows = execute(GATHER, (g, op.inputs[1]), {"element_dtype": x.dtype,
                                                "element_shape": x.shape[1:]})
    return g, None, rows  # overwritten slots keep the incoming gradient (rarely rewritten)


SCATTER = register("TensorListScatterIntoExistingList", _scatter_kernel, _list_infer,
                   _scatter_grad)
LENGTH = register("TensorListLength", lambda tlist: np.int32(len(tlist.items)),
                  lambda inputs, attrs: [(dtypes.int32, _SCALAR)], NO_GRADIENT)
ZEROS_LIKE_LIST = register(
    "TensorListZerosLike",
    lambda tlist: TensorList([None] * len(tlist.items), tlist.dtype_np, tlist.element_shape),
    _list_infer, NO_GRADIENT)
