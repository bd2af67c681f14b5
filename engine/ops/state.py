"""Resource-variable ops: make a handle, read it, assign to it (whole, added, sliced).

The value behind a handle lives in the executor's ResourceStore (passed in as the
kernel's first argument): the process's store eagerly, a Session's in graph mode.
Stored arrays are never written in place — every assignment stores a new array — so a
value read earlier keeps its numbers, as in TensorFlow.
"""

from __future__ import annotations

import sys

import numpy as np

from engine import dtypes, errors
from engine.infer import fmt_shape, static_value
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape

__all__ = ["VAR_HANDLE", "READ", "ASSIGN", "ASSIGN_ADD", "ASSIGN_SUB", "SLICE_ASSIGN",
           "SCATTER_ND_UPDATE"]

_SCALAR = TensorShape([])


def _handle_infer(inputs, attrs):
    return [(dtypes.resource, _SCALAR)]


VAR_HANDLE = register("VarHandleOp", lambda handle, dtype, shape: handle, _handle_infer,
                      NO_GRADIENT, stateful=True)


def writable_in_place(store, handle) -> bool:
    """True when nothing but the store holds the variable's array, so an update may
    write into it without changing what any earlier read returned (snapshot semantics
    kept; no allocation of a new array per step). Views and read-only arrays never are."""
    value = store.values.get(handle.key)
    return (type(value) is np.ndarray and value.base is None and value.flags.writeable
            and sys.getrefcount(value) <= 3)  # the dict, `value`, getrefcount's argument


def _current(store, handle):
    try:
        return store.values[handle.key]
    except KeyError:
        raise errors.FailedPreconditionError(
            None, None, f"Attempting to use uninitialized value {handle.name}\n"
            f"  Variable {handle.name!r} has no value here yet: run "
            "tf.compat.v1.global_variables_initializer() (or the variable's initializer) "
            "in this Session before reading it.") from None


def _read_infer(inputs, attrs):
    handle = static_value(inputs[0])
    shape = getattr(handle, "shape_hint", None)
    return [(attrs["dtype"], TensorShape(shape) if shape is not None else TensorShape(None))]


READ = register("ReadVariableOp", lambda store, handle, dtype: _current(store, handle),
                _read_infer, lambda op, g: (g,), stateful=True, uses_store=True)


def _check_value(handle, value, op_name, exact_shape):
    want = handle.dtype_hint
    if want is not None and dtypes.from_numpy(value.dtype) is not want:
        raise errors.InvalidArgumentError(
            None, None, f"Trying to {op_name} variable {handle.name!r} with wrong dtype. "
            f"Expected {want.name} got {dtypes.from_numpy(value.dtype).name}.")
    shape = handle.shape_hint
    if exact_shape and shape is not None and not TensorShape(shape).is_compatible_with(
            value.shape):
        raise errors.InvalidArgumentError(
            None, None, f"Trying to {op_name} variable {handle.name!r} with shape "
            f"{fmt_shape(value.shape)}, but the variable has shape {fmt_shape(shape)}. "
            "Create it with shape=tf.TensorShape(None) to allow changing shapes.")


def _assign_kernel(store, handle, value, validate_shape=True):
    _check_value(handle, value, "assign", validate_shape)
    store.values[handle.key] = value
    return ()


def _update_kernel(sign):
    def kernel(store, handle, value):
        old = _current(store, handle)
        _check_value(handle, value, "update", False)
        if np.shape(value) != np.shape(old):
            raise errors.InvalidArgumentError(
                None, None, f"Cannot update variable {handle.name!r} of shape "
                f"{fmt_shape(np.shape(old))} using a Tensor with shape "
                f"{fmt_shape(np.shape(value))}, shapes must be equal.")
        same_dtype = value.dtype == old.dtype
        del old  # so the refcount test sees only the store's reference
        if same_dtype and writable_in_place(store, handle):
            target = store.values[handle.key]
            (np.add if sign > 0 else np.subtract)(target, value, out=target)
        else:
            old = store.values[handle.key]
            store.values[handle.key] = old + value if sign > 0 else old - value
        return ()
    return kernel


def _no_outputs(inputs, attrs):
    return []


ASSIGN = register("AssignVariableOp", _assign_kernel, _no_outputs, NO_GRADIENT,
                  stateful=True, uses_store=True, multi=True)


def _initialize_once_kernel(store, handle, value, validate_shape=True):
    if handle.key not in store.values:
        _assign_kernel(store, handle, value, validate_shape)
    return ()


# A variable created inside tf.function from a value the function computes: the traced
# graph assigns it on its first call only (TensorFlow's UnliftedInitializerVariable).
INITIALIZE_ONCE = register("AssignVariableIfUninitialized", _initialize_once_kernel,
                           _no_outputs, NO_GRADIENT, stateful=True, uses_store=True,
                           multi=True)
ASSIGN_ADD = register("AssignAddVariableOp", _update_kernel(+1), _no_outputs, NO_GRADIENT,
                      stateful=True, uses_store=True, multi=True)
ASSIGN_SUB = register("AssignSubVariableOp", _update_kernel(-1), _no_outputs, NO_GRADIENT,
                      stateful=True, uses_store=True, multi=True)


def _slice_assign_kernel(store, handle, value, begin, end, strides, **masks):
    from engine.ops.indexing import check_strided_slice, numpy_index
    old = _current(store, handle)
    _check_value(handle, value, "assign", False)
    check_strided_slice(old.shape, begin, end, strides, **masks)
    index = numpy_index(old.ndim, begin, end, strides, **masks)
    new = np.array(old, copy=True)
    target_shape = new[index].shape
    if np.shape(value) != target_shape:
        try:
            value = np.broadcast_to(value, target_shape)
        except ValueError:
            raise errors.InvalidArgumentError(
                None, None, f"sliced l-value shape {fmt_shape(target_shape)} does not match "
                f"r-value shape {fmt_shape(np.shape(value))} for variable "
                f"{handle.name!r}") from None
    new[index] = value
    store.values[handle.key] = new
    return ()


SLICE_ASSIGN = register("ResourceStridedSliceAssign", _slice_assign_kernel, _no_outputs,
                        NO_GRADIENT, stateful=True, uses_store=True, multi=True)


def _scatter_nd_update_kernel(store, handle, indices, updates):
    old = _current(store, handle)
    _check_value(handle, updates, "update", False)
    indices = np.asarray(indices)
    depth = indices.shape[-1]
    flat = indices.reshape(-1, depth)
    limits = np.array(old.shape[:depth])
    bad = np.any((flat < 0) | (flat >= limits), axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        raise errors.InvalidArgumentError(
            None, None, f"indices[{i}] = {flat[i].tolist()} does not index into shape "
            f"{fmt_shape(old.shape)} of variable {handle.name!r}")
    new = np.array(old, copy=True)
    new[tuple(flat.T)] = np.reshape(updates, (flat.shape[0],) + old.shape[depth:])
    store.values[handle.key] = new
    return ()


SCATTER_ND_UPDATE = register("ResourceScatterNdUpdate", _scatter_nd_update_kernel,
                             _no_outputs, NO_GRADIENT, stateful=True, uses_store=True,
                             multi=True)
