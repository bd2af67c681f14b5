"""Indexing: gather, slicing (`tensor[...]`), boolean_mask, scatter and segment sums.

Index checks follow TensorFlow, not numpy: a negative or too-large gather index is an
InvalidArgumentError naming the index ("indices[1] = 7 is not in [0, 3)"), never a
silent wrap-around. Gather-like gradients scatter-add into zeros (dense; TensorFlow
returns IndexedSlices with the same values).
"""

from __future__ import annotations

import builtins

import numpy as np

from engine import dtypes
from engine.context import execute
from engine.errors import InvalidArgumentError, UnimplementedError
from engine.infer import fmt_shape, static_value
from engine.registry import register
from engine.shapes import TensorShape
from engine.tensor_base import TensorBase

__all__ = ["gather", "gather_nd", "slice", "strided_slice", "getitem", "boolean_mask",
           "scatter_nd", "tensor_scatter_nd_update", "tensor_scatter_nd_add",
           "tensor_scatter_nd_sub", "unsorted_segment_sum", "segment_sum", "parse_key",
           "numpy_index"]

_UNKNOWN = TensorShape(None)
_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


def _position(flat_index, shape) -> str:
    return ",".join(str(int(i)) for i in np.unravel_index(flat_index, shape)) if shape else ""


def _check_range(name, indices, limit):
    """InvalidArgumentError naming the first index outside [0, limit)."""
    bad = (indices < 0) | (indices >= limit)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InvalidArgumentError(
            None, None, f"{name}[{_position(first, indices.shape)}] = "
            f"{int(indices.reshape(-1)[first])} is not in [0, {limit})")


def _check_int(name, value):
    if np.asarray(value).dtype.kind not in "iu":
        raise TypeError(f"{name} must be int32 or int64, got {np.asarray(value).dtype}")


# ---------------------------------------------------------------- gather --------------

def _gather_index(params_shape, indices, axis, batch_dims):
    """An advanced-index tuple such that params[tuple] is gather(params, indices)."""
    n_idx = indices.ndim - batch_dims
    out_shape = (tuple(params_shape[:axis]) + tuple(indices.shape[batch_dims:])
                 + tuple(params_shape[axis + 1:]))
    grids = np.ogrid[tuple(builtins.slice(0, n) for n in out_shape)] if out_shape else []
    index = list(grids[:axis])
    index.append(indices[tuple(grids[:batch_dims]) + tuple(grids[axis:axis + n_idx])]
                 if out_shape else indices)
    index.extend(grids[axis + n_idx:])
    return tuple(index)


def _gather_axis(params_ndim, axis, batch_dims, indices_ndim):
    axis = int(axis)
    if not -params_ndim <= axis < builtins.max(params_ndim, 1):
        raise InvalidArgumentError(None, None, f"Expected axis in the range [{-params_ndim}, "
                                   f"{params_ndim}), but got {axis}")
    axis %= builtins.max(params_ndim, 1)
    if batch_dims < 0:
        batch_dims += indices_ndim
    if batch_dims > axis:
        raise InvalidArgumentError(None, None, f"batch_dims ({batch_dims}) must be less "
                                   f"than or equal to axis ({axis}).")
    return axis, batch_dims


def _gather_kernel(params, indices, axis, batch_dims=0):
    _check_int("indices", indices)
    indices = np.asarray(indices)
    axis, batch_dims = _gather_axis(np.ndim(params), axis, batch_dims, indices.ndim)
    if np.ndim(params) == 0:
        raise InvalidArgumentError(None, None, "params must be at least 1 dimensional")
    _check_range("indices", indices, params.shape[axis])
    return np.asarray(params)[_gather_index(params.shape, indices, axis, batch_dims)]


def _gather_infer(inputs, attrs):
    params, indices, axis_t = inputs
    axis = static_value(axis_t)
    p, i = params.shape, indices.shape
    if axis is None or p.rank is None or i.rank is None:
        return [(params.dtype, _UNKNOWN)]
    axis = int(axis)
    if not -p.rank <= axis < p.rank:
        raise ValueError(f"Shape must be at least rank {axis + 1} but is rank {p.rank} for "
                         f"'GatherV2' with input shapes: {fmt_shape(p)}, {fmt_shape(i)}.")
    axis %= p.rank
    bd = attrs.get("batch_dims", 0)
    bd = bd + i.rank if bd < 0 else bd
    dims = p.as_list()[:axis] + i.as_list()[bd:] + p.as_list()[axis + 1:]
    return [(params.dtype, TensorShape(dims))]


def _gather_grad(op, g):
    from engine.ops import array
    params, indices, axis = op.inputs
    grad = execute(GATHER_GRAD, (array.shape(params), indices, axis, g),
                   {"batch_dims": op.get_attr("batch_dims")})
    return grad, None, None


GATHER = register("GatherV2", _gather_kernel, _gather_infer, _gather_grad)


def _gather_grad_kernel(shape, indices, axis, grad, batch_dims=0):
    indices = np.asarray(indices)
    axis, batch_dims = _gather_axis(len(shape), axis, batch_dims, indices.ndim)
    out = np.zeros(tuple(int(d) for d in shape), dtype=grad.dtype)
    np.add.at(out, _gather_index(out.shape, indices, axis, batch_dims), grad)
    return out


def _gather_grad_infer(inputs, attrs):
    shape = static_value(inputs[0])
    dims = [int(d) for d in shape] if shape is not None else None
    return [(inputs[3].dtype, TensorShape(dims))]


GATHER_GRAD = register(
    "GatherGrad", _gather_grad_kernel, _gather_grad_infer,
    lambda op, g: (None, None, None, gather(g, op.inputs[1], axis=op.inputs[2],
                                            batch_dims=op.get_attr("batch_dims"))))


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """params[..., indices, ...] along `axis` (default batch_dims), per batch element."""
    if axis is None:
        axis = batch_dims
    return execute(GATHER, (params, indices, _index_tensor(axis)),
                   {"batch_dims": int(batch_dims)}, name)


def _index_tensor(value):
    from engine.ops.core import convert_to_tensor
    if isinstance(value, TensorBase):
        return value
    return convert_to_tensor(value, dtype=dtypes.int32 if -2 ** 31 <= int(value) < 2 ** 31
                             else dtypes.int64)


def _nd_index(params_shape, indices, batch_dims):
    """The index tuple for gather_nd / scatter_nd (after a range check)."""
    depth = indices.shape[-1]
    limits = np.asarray(params_shape[batch_dims:batch_dims + depth])
    flat = indices.reshape(-1, depth) if depth else indices.reshape(-1, 0)
    bad = np.any((flat < 0) | (flat >= limits), axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidArgumentError(
            None, None, f"indices[{_position(i, indices.shape[:-1])}] = {flat[i].tolist()} "
            f"does not index into param shape {fmt_shape(params_shape)}")
    coords = tuple(indices[..., k] for k in range(depth))
    if batch_dims:
        grids = np.ogrid[tuple(builtins.slice(0, n) for n in indices.shape[:-1])]
        coords = tuple(grids[:batch_dims]) + coords
    return coords


def _gather_nd_kernel(params, indices, batch_dims=0):
    _check_int("indices", indices)
    return np.asarray(params)[_nd_index(params.shape, np.asarray(indices), batch_dims)]


def _gather_nd_infer(inputs, attrs):
    params, indices = inputs
    depth = indices.shape[-1] if indices.shape.rank else None
    if params.shape.rank is None or indices.shape.rank is None or depth is None:
        return [(params.dtype, _UNKNOWN)]
    bd = attrs.get("batch_dims", 0)
    dims = indices.shape.as_list()[:-1] + params.shape.as_list()[bd + depth:]
    return [(params.dtype, TensorShape(dims))]


def _gather_nd_grad(op, g):
    from engine.ops import array
    if op.get_attr("batch_dims"):
        raise UnimplementedError(None, None, "The gradient of gather_nd with batch_dims > 0 "
                                 "is not implemented; use gather with batch_dims instead.")
    return scatter_nd(op.inputs[1], g, array.shape(op.inputs[0])), None


GATHER_ND = register("GatherNd", _gather_nd_kernel, _gather_nd_infer, _gather_nd_grad)


def gather_nd(params, indices, batch_dims=0, name=None):
    """params at the index vectors in the last axis of `indices`."""
    return execute(GATHER_ND, (params, indices), {"batch_dims": int(batch_dims)}, name)


# ---------------------------------------------------------------- scatter -------------

def _scatter_nd_kernel(indices, updates, shape):
    _check_int("indices", indices)
    out = np.zeros(tuple(int(d) for d in shape), dtype=updates.dtype)
    np.add.at(out, _nd_index(out.shape, np.asarray(indices), 0), updates)
    return out


def _scatter_nd_infer(inputs, attrs):
    shape = static_value(inputs[2])
    dims = [int(d) for d in shape] if shape is not None else None
    return [(inputs[1].dtype, TensorShape(dims))]


SCATTER_ND = register("ScatterNd", _scatter_nd_kernel, _scatter_nd_infer,
                      lambda op, g: (None, gather_nd(g, op.inputs[0]), None))


def scatter_nd(indices, updates, shape, name=None):
    """Zeros of `shape` with `updates` added at `indices` (duplicates sum)."""
    from engine.ops.array_shape import shape_arg
    return execute(SCATTER_ND, (indices, updates, shape_arg(shape)), None, name)


def _tensor_scatter_kernel(mode):
    def kernel(tensor, indices, updates):
        _check_int("indices", indices)
        out = np.array(tensor, copy=True)
        index = _nd_index(out.shape, np.asarray(indices), 0)
        if mode == "update":
            out[index] = updates
        else:
            np.add.at(out, index, updates if mode == "add" else -updates)
        return out
    return kernel


def _same_as_tensor(inputs, attrs):
    return [(inputs[0].dtype, inputs[0].shape)]


def _scatter_update_grad(op, g):
    from engine.ops import array
    indices, updates = op.inputs[1], op.inputs[2]
    return (tensor_scatter_nd_update(g, indices, array.zeros_like(updates)), None,
            gather_nd(g, indices))


TENSOR_SCATTER_UPDATE = register("TensorScatterUpdate", _tensor_scatter_kernel("update"),
                                 _same_as_tensor, _scatter_update_grad, same_dtype=(0, 2))
TENSOR_SCATTER_ADD = register(
    "TensorScatterAdd", _tensor_scatter_kernel("add"), _same_as_tensor,
    lambda op, g: (g, None, gather_nd(g, op.inputs[1])), same_dtype=(0, 2))
TENSOR_SCATTER_SUB = register(
    "TensorScatterSub", _tensor_scatter_kernel("sub"), _same_as_tensor,
    lambda op, g: (g, None, -gather_nd(g, op.inputs[1])), same_dtype=(0, 2))


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """A copy of `tensor` with the elements at `indices` replaced by `updates`."""
    return execute(TENSOR_SCATTER_UPDATE, (tensor, indices, updates), None, name)


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """A copy of `tensor` with `updates` added at `indices`."""
    return execute(TENSOR_SCATTER_ADD, (tensor, indices, updates), None, name)


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """A copy of `tensor` with `updates` subtracted at `indices`."""
    return execute(TENSOR_SCATTER_SUB, (tensor, indices, updates), None, name)


def _segment_kernel(data, segment_ids, num_segments):
    _check_int("segment_ids", segment_ids)
    ids = np.asarray(segment_ids)
    n = int(num_segments)
    _check_range("segment_ids", ids, n)
    if data.shape[:ids.ndim] != ids.shape:
        raise InvalidArgumentError(None, None, f"segment_ids.shape = {fmt_shape(ids.shape)} "
                                   f"does not prefix data.shape = {fmt_shape(data.shape)}")
    out = np.zeros((n,) + data.shape[ids.ndim:], dtype=data.dtype)
    np.add.at(out, ids, data)
    return out


def _segment_infer(inputs, attrs):
    data, ids, num = inputs
    n = static_value(num)
    if data.shape.rank is None or ids.shape.rank is None:
        return [(data.dtype, _UNKNOWN)]
    dims = [None if n is None else int(n)] + data.shape.as_list()[ids.shape.rank:]
    return [(data.dtype, TensorShape(dims))]


UNSORTED_SEGMENT_SUM = register("UnsortedSegmentSum", _segment_kernel, _segment_infer,
                                lambda op, g: (gather(g, op.inputs[1]), None, None))


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """out[i] = sum of data[j] over j with segment_ids[j] == i, for i < num_segments."""
    return execute(UNSORTED_SEGMENT_SUM, (data, segment_ids, _index_tensor(num_segments)),
                   None, name)


def segment_sum(data, segment_ids, name=None):
    """unsorted_segment_sum for sorted ids, with as many segments as the last id + 1."""
    from engine.ops import math, reduce
    ids = static_value(segment_ids) if isinstance(segment_ids, TensorBase) \
        else np.asarray(segment_ids)
    if ids is not None and ids.size and np.any(np.diff(np.reshape(ids, -1)) < 0):
        raise InvalidArgumentError(None, None, "segment ids are not increasing")
    num = (int(np.max(ids)) + 1 if ids.size else 0) if ids is not None else \
        math.add(reduce.reduce_max(segment_ids), 1)
    return unsorted_segment_sum(data, segment_ids, num, name=name)


from engine.ops.indexing_slice import (  # noqa: E402  (the slicing half of this family)
    boolean_mask, getitem, numpy_index, parse_key, slice, strided_slice)
