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

__all__ = ["boolean_mask", "check_strided_slice", "gather", "gather_nd", "getitem",
           "numpy_index", "parse_key", "scatter_nd", "segment_sum", "slice", "strided_slice",
           "tensor_scatter_nd_add", "tensor_scatter_nd_sub", "tensor_scatter_nd_update",
           "unsorted_segment_sum"]

_UNKNOWN = TensorShape(None)


def _position(flat_index, shape) -> str:
    """"[1,0]" for the flat_index-th element of `shape`; "" for a scalar (as TensorFlow)."""
    if not shape:
        return ""
    return "[" + ",".join(str(int(i)) for i in np.unravel_index(flat_index, shape)) + "]"


def _check_range(name, indices, limit):
    """InvalidArgumentError naming the first index outside [0, limit)."""
    bad = (indices < 0) | (indices >= limit)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InvalidArgumentError(
            None, None, f"{name}{_position(first, indices.shape)} = "
            f"{int(indices.reshape(-1)[first])} is not in [0, {limit})")


_INDEX_DTYPES = ("int16", "int32", "int64")


def _index_dtype_error(dtype_name):
    name = {"float32": "float", "float64": "double"}.get(dtype_name, dtype_name)
    return TypeError(f"Value for attr 'Tindices' of {name} is not in the list of allowed "
                     f"values: int16, int32, int64")


def _check_int(value):
    """TypeError (InvalidArgumentError once the executor wraps it) for non-integer indices."""
    dtype_name = np.asarray(value).dtype.name
    if dtype_name not in _INDEX_DTYPES:
        raise _index_dtype_error(dtype_name)


def _check_int_infer(tensor):
    if tensor.dtype.name not in _INDEX_DTYPES:
        raise _index_dtype_error(tensor.dtype.name)


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
        need = axis + 1 if axis >= 0 else -axis
        raise InvalidArgumentError(None, None, f"Shape must be at least rank {need} but is "
                                   f"rank {params_ndim}")
    axis %= builtins.max(params_ndim, 1)
    if batch_dims < 0:
        batch_dims += indices_ndim
    if batch_dims > axis:
        raise InvalidArgumentError(None, None, f"batch_dims ({batch_dims}) must be less "
                                   f"than or equal to axis ({axis}).")
    return axis, batch_dims


def _gather_kernel(params, indices, axis, batch_dims=0):
    _check_int(indices)
    indices = np.asarray(indices)
    axis, batch_dims = _gather_axis(np.ndim(params), axis, batch_dims, indices.ndim)
    if np.ndim(params) == 0:
        raise InvalidArgumentError(None, None, "params must be at least 1 dimensional")
    _check_range("indices", indices, params.shape[axis])
    return np.asarray(params)[_gather_index(params.shape, indices, axis, batch_dims)]


def _gather_infer(inputs, attrs):
    params, indices, axis_t = inputs
    _check_int_infer(indices)
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
    static_axis = static_value(axis) if isinstance(axis, TensorBase) else axis
    if static_axis is not None and int(static_axis) == 0:
        batch_dims = 0  # TensorFlow drops batch_dims when axis is 0 (its sparse_read path)
    return execute(GATHER, (params, indices, _index_tensor(axis)),
                   {"batch_dims": int(batch_dims)}, name)


def _index_tensor(value):
    from engine.ops.core import convert_to_tensor
    if isinstance(value, TensorBase):
        return value
    return convert_to_tensor(value, dtype=dtypes.int32 if -2 ** 31 <= int(value) < 2 ** 31
                             else dtypes.int64)


def _nd_target(arr, indices, batch_dims, what):
    """(view, index) with view[index] the elements or slices that the index vectors in
    the last axis of `indices` address (after TensorFlow's range check).

    `what` names the shape in the error: "param shape" (gathers) or "shape" (scatters).
    """
    if indices.ndim == 0:
        raise InvalidArgumentError(None, None, "indices must be at least a vector")
    depth, lead = indices.shape[-1], indices.shape[:-1]
    if depth > arr.ndim - batch_dims:
        raise InvalidArgumentError(None, None, "index innermost dimension length must be <= "
                                   f"params rank; saw: {depth} vs. {arr.ndim}")
    limits = np.asarray(arr.shape[batch_dims:batch_dims + depth], dtype=np.int64)
    flat = indices.reshape(int(np.prod(lead)), depth)
    bad = np.any((flat < 0) | (flat >= limits), axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidArgumentError(
            None, None, f"indices{_position(i, lead)} = {flat[i].tolist()} does not index "
            f"into {what} {fmt_shape(arr.shape)}")
    coords = tuple(indices[..., k] for k in range(depth))
    if batch_dims:
        grids = np.ogrid[tuple(builtins.slice(0, n) for n in lead)]
        coords = tuple(grids[:batch_dims]) + coords
    if depth == 0:  # whole slices: a zero index on a new leading axis spreads them over lead
        return arr[None], (np.zeros(lead, np.intp),) + coords
    return arr, coords


def _gather_nd_kernel(params, indices, batch_dims=0):
    _check_int(indices)
    view, index = _nd_target(np.asarray(params), np.asarray(indices), batch_dims,
                             "param shape")
    return view[index]


def _gather_nd_infer(inputs, attrs):
    params, indices = inputs
    _check_int_infer(indices)
    depth = indices.shape[-1] if indices.shape.rank else None
    if params.shape.rank is None or indices.shape.rank is None or depth is None:
        return [(params.dtype, _UNKNOWN)]
    bd = attrs.get("batch_dims", 0)
    if depth > params.shape.rank - bd:
        raise ValueError(f"index innermost dimension length must be <= params rank; saw: "
                         f"{depth} vs. {params.shape.rank} for 'GatherNd' with input shapes: "
                         f"{fmt_shape(params.shape)}, {fmt_shape(indices.shape)}.")
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

def _scatter_shape_error(tensor_op, indices, updates, shape):
    """TensorFlow's message when updates' shape is not indices.shape[:-1] + shape[depth:],
    or None when the (possibly partly unknown) shapes fit. Shapes are lists or tuples."""
    def same(a, b):
        return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b))

    f = fmt_shape
    if not indices:
        return f"Indices shape must have rank at least one. Found:{f(indices)}"
    depth, k = indices[-1], len(indices) - 1
    if depth is None:
        return None
    if not same(indices[:k], updates[:k]):
        return (f"Outer dimensions of indices and update must match. Indices shape: "
                f"{f(indices)}, updates shape:{f(updates)}" if tensor_op else
                f"Dimensions [0,{k}) of indices[shape={f(indices)}] must match dimensions "
                f"[0,{k}) of updates[shape={f(updates)}]")
    if depth > len(shape) and tensor_op:
        return (f"Inner dimensions of output shape must match inner dimensions of updates "
                f"shape. Output: {f(shape)} updates: {f(updates)}")
    if depth > len(shape) or not same(shape[depth:], updates[k:]):
        inner = len(shape) - depth
        return (f"The inner {inner} dimensions of output.shape={f(shape)} must match the "
                f"inner {inner} dimensions of updates.shape={f(updates)}" if tensor_op else
                f"Dimensions [{depth},{len(shape)}) of input[shape={f(shape)}] must match "
                f"dimensions [{k},{len(updates)}) of updates[shape={f(updates)}]")
    return None


def _check_scatter(tensor_op, indices, updates, shape):
    _check_int(indices)
    message = _scatter_shape_error(tensor_op, list(np.shape(indices)), list(np.shape(updates)),
                                   list(shape))
    if message:
        raise InvalidArgumentError(None, None, message)


def _infer_scatter(op_name, tensor_op, indices, updates, shape):
    if indices.rank is None or updates.rank is None or shape.rank is None:
        return
    message = _scatter_shape_error(tensor_op, indices.as_list(), updates.as_list(),
                                   shape.as_list())
    if message:
        raise ValueError(f"{message} for '{op_name}'")


def _scatter_nd_kernel(indices, updates, shape):
    out = np.zeros(tuple(int(d) for d in shape), dtype=updates.dtype)
    _check_scatter(False, indices, updates, out.shape)
    view, index = _nd_target(out, np.asarray(indices), 0, "shape")
    np.add.at(view, index, updates)
    return out


def _scatter_nd_infer(inputs, attrs):
    _check_int_infer(inputs[0])
    shape = static_value(inputs[2])
    dims = TensorShape([int(d) for d in shape] if shape is not None else None)
    _infer_scatter("ScatterNd", False, inputs[0].shape, inputs[1].shape, dims)
    return [(inputs[1].dtype, dims)]


SCATTER_ND = register("ScatterNd", _scatter_nd_kernel, _scatter_nd_infer,
                      lambda op, g: (None, gather_nd(g, op.inputs[0]), None))


def scatter_nd(indices, updates, shape, name=None):
    """Zeros of `shape` with `updates` added at `indices` (duplicates sum)."""
    from engine.ops.array_shape import shape_arg
    return execute(SCATTER_ND, (indices, updates, shape_arg(shape)), None, name)


def _tensor_scatter_kernel(mode):
    def kernel(tensor, indices, updates):
        out = np.array(tensor, copy=True)
        _check_scatter(True, indices, updates, out.shape)
        view, index = _nd_target(out, np.asarray(indices), 0, "shape")
        if mode == "update":
            view[index] = updates  # duplicates: the last update wins, as TensorFlow's CPU
        else:
            np.add.at(view, index, updates if mode == "add" else -updates)
        return out
    return kernel


def _tensor_scatter_infer(op_name):
    def infer(inputs, attrs):
        _check_int_infer(inputs[1])
        _infer_scatter(op_name, True, inputs[1].shape, inputs[2].shape, inputs[0].shape)
        return [(inputs[0].dtype, inputs[0].shape)]
    return infer


def _scatter_update_grad(op, g):
    from engine.ops import array
    indices, updates = op.inputs[1], op.inputs[2]
    return (tensor_scatter_nd_update(g, indices, array.zeros_like(updates)), None,
            gather_nd(g, indices))


def _scatter_sub_grad(op, g):
    from engine.ops import math
    return g, None, math.negative(gather_nd(g, op.inputs[1]))


TENSOR_SCATTER_UPDATE = register(
    "TensorScatterUpdate", _tensor_scatter_kernel("update"),
    _tensor_scatter_infer("TensorScatterUpdate"), _scatter_update_grad, same_dtype=(0, 2))
TENSOR_SCATTER_ADD = register(
    "TensorScatterAdd", _tensor_scatter_kernel("add"), _tensor_scatter_infer("TensorScatterAdd"),
    lambda op, g: (g, None, gather_nd(g, op.inputs[1])), same_dtype=(0, 2))
TENSOR_SCATTER_SUB = register(
    "TensorScatterSub", _tensor_scatter_kernel("sub"), _tensor_scatter_infer("TensorScatterSub"),
    _scatter_sub_grad, same_dtype=(0, 2))


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """A copy of `tensor` with the elements at `indices` replaced by `updates`."""
    return execute(TENSOR_SCATTER_UPDATE, (tensor, indices, updates), None, name)


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """A copy of `tensor` with `updates` added at `indices`."""
    return execute(TENSOR_SCATTER_ADD, (tensor, indices, updates), None, name)


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """A copy of `tensor` with `updates` subtracted at `indices`."""
    return execute(TENSOR_SCATTER_SUB, (tensor, indices, updates), None, name)


# ---------------------------------------------------------------- segments ------------

def _segment_sums(data, ids, n):
    """out[i] = sum of data[j] with ids[j] == i; ids < 0 are dropped (TensorFlow)."""
    out = np.zeros((n,) + data.shape[ids.ndim:], dtype=data.dtype)
    keep = ids >= 0
    np.add.at(out, ids[keep], data[keep])
    return out


def _unsorted_segment_kernel(data, segment_ids, num_segments):
    _check_int(segment_ids)
    ids, n = np.asarray(segment_ids), int(num_segments)
    if data.shape[:ids.ndim] != ids.shape:
        raise InvalidArgumentError(None, None, f"data.shape = {fmt_shape(data.shape)} does "
                                   f"not start with segment_ids.shape = {fmt_shape(ids.shape)}")
    too_big = ids >= n
    if too_big.any():
        i = int(np.flatnonzero(too_big)[0])
        raise InvalidArgumentError(None, None, f"segment_ids{_position(i, ids.shape)} = "
                                   f"{int(ids.reshape(-1)[i])} is out of range [0, {n})")
    return _segment_sums(np.asarray(data), ids, n)


def _unsorted_segment_infer(inputs, attrs):
    data, ids, num = inputs
    _check_int_infer(ids)
    n = static_value(num)
    if data.shape.rank is None or ids.shape.rank is None:
        return [(data.dtype, _UNKNOWN)]
    dims = [None if n is None else int(n)] + data.shape.as_list()[ids.shape.rank:]
    return [(data.dtype, TensorShape(dims))]


def _gather_drop_negatives(g, ids):
    """g[ids] with zeros where ids < 0 (TensorFlow's _GatherDropNegatives)."""
    from engine.ops import array, math
    gathered = gather(g, math.maximum(ids, 0))
    keep = math.greater_equal(ids, 0)
    ones = array.ones_like(array.shape(g)[1:])  # gathered is ids.shape + g.shape[1:]
    keep = array.reshape(keep, array.concat([array.shape(ids), ones], axis=0))
    return math.where(keep, gathered, array.zeros_like(gathered))


UNSORTED_SEGMENT_SUM = register(
    "UnsortedSegmentSum", _unsorted_segment_kernel, _unsorted_segment_infer,
    lambda op, g: (_gather_drop_negatives(g, op.inputs[1]), None, None))


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """out[i] = sum of data[j] over j with segment_ids[j] == i (negative ids dropped)."""
    return execute(UNSORTED_SEGMENT_SUM, (data, segment_ids, _index_tensor(num_segments)),
                   None, name)


def _segment_kernel(data, segment_ids):
    _check_int(segment_ids)
    ids = np.asarray(segment_ids)
    if ids.ndim != 1:
        raise InvalidArgumentError(None, None, "segment_ids should be a vector.")
    if np.ndim(data) == 0 or len(ids) != data.shape[0]:
        raise InvalidArgumentError(None, None, "segment_ids should be the same size as "
                                   "dimension 0 of input.")
    n = int(ids[-1]) + 1 if ids.size else 0
    if ids.size and (ids[0] < 0 or ids[0] >= n):
        raise InvalidArgumentError(None, None, f"Segment id {int(ids[0])} out of range [0, "
                                   f"{n}), possibly because 'segment_ids' input is not sorted.")
    if np.any(np.diff(ids) < 0):
        raise InvalidArgumentError(None, None, "segment ids are not increasing")
    return _segment_sums(np.asarray(data), ids, n)


def _segment_infer(inputs, attrs):
    data, ids = inputs
    _check_int_infer(ids)
    if data.shape.rank is None:
        return [(data.dtype, _UNKNOWN)]
    values = static_value(ids)
    n = None if values is None else (int(values[-1]) + 1 if np.size(values) else 0)
    return [(data.dtype, TensorShape([n] + data.shape.as_list()[1:]))]


SEGMENT_SUM = register("SegmentSum", _segment_kernel, _segment_infer,
                       lambda op, g: (gather(g, op.inputs[1]), None))


def segment_sum(data, segment_ids, name=None):
    """out[i] = sum of data[j] over j with segment_ids[j] == i, for sorted ids."""
    return execute(SEGMENT_SUM, (data, segment_ids), None, name)


from engine.ops.indexing_slice import (  # noqa: E402  (the slicing half of this family)
    boolean_mask,
    check_strided_slice,
    getitem,
    numpy_index,
    parse_key,
    slice,
    strided_slice,
)
