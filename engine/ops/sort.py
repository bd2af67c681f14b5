"""Sorting and searching: top_k, sort, argsort, unique, searchsorted.

As in TensorFlow, TopKV2 is the one sorting op: sort and argsort move the axis last,
take top_k of all of it, and sort ascending by flipping the order of the values first
(-x for floats, -1 - x for signed and max - x for unsigned integers, none of which
overflow). So sort's gradient is TopKV2's: the output gradient scattered back to the
positions the values came from. Ties go to the lower index, which makes every order
stable.
"""

from __future__ import annotations

import numpy as np

from engine import dtypes, errors
from engine.context import execute, executing_eagerly
from engine.infer import fmt_shape, static_value
from engine.ops import math as _m
from engine.ops.core import constant, convert_to_tensor, is_tensor
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape

__all__ = ["argsort", "searchsorted", "sort", "top_k", "unique"]

_TOP_K_TYPES = ("float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, "
                "uint32, uint64")
_TOP_K_OK = {"float32", "float64", "int32", "uint8", "int16", "int8", "int64", "uint16",
             "float16", "uint32", "uint64"}
_INDEX_TYPES = ("int32", "int64")


def _attr_error(attr, name, allowed, node):
    return errors.InvalidArgumentError(
        None, None, f"Value for attr '{attr}' of {name} is not in the list of allowed values: "
        f"{allowed}\n\t; NodeDef: {{{{node {node}}}}}")


def _np_name(x) -> str:
    return "string" if x.dtype == object else x.dtype.name


# ---------------------------------------------------------------- TopKV2 -------------

def _descending_order(x):
    """argsort along the last axis, largest first, ties by lower index (a stable sort of
    the reversed row, read backwards)."""
    n = x.shape[-1]
    return (n - 1) - np.argsort(x[..., ::-1], axis=-1, kind="stable")[..., ::-1]


def _top_k_kernel(x, k, sorted, index_type):  # noqa: A002 - TensorFlow's attr name
    if _np_name(x) not in _TOP_K_OK:
        raise _attr_error("T", _np_name(x), _TOP_K_TYPES, "TopKV2")
    if x.ndim < 1:
        raise errors.InvalidArgumentError(
            None, None, f"input must be >= 1-D, got shape {fmt_shape(x.shape)}")
    if np.ndim(k) != 0:
        raise errors.InvalidArgumentError(
            None, None, f"k must be 0-D, got shape {fmt_shape(np.shape(k))}")
    k = int(k)
    if k < 0:
        raise errors.InvalidArgumentError(None, None, f"Need k >= 0, got {k}")
    if x.shape[-1] < k:
        raise errors.InvalidArgumentError(
            None, None, f"input must have at least k columns. Had {x.shape[-1]}, needed {k}")
    order = _descending_order(x)[..., :k]
    return np.take_along_axis(x, order, -1), order.astype(index_type._np)


def _top_k_infer(inputs, attrs):
    x, k_t = inputs
    shapes = f"{fmt_shape(x.shape)}, {fmt_shape(k_t.shape)}"
    if x.dtype.name not in _TOP_K_OK:
        raise TypeError(f"Value passed to parameter 'input' has DataType {x.dtype.name} not "
                        f"in list of allowed values: {_TOP_K_TYPES} (op 'TopKV2')")
    if x.shape.rank is not None and x.shape.rank < 1:
        raise ValueError(f"Shape must be at least rank 1 but is rank 0 for 'TopKV2' with "
                         f"input shapes: {shapes}.")
    k = static_value(k_t)
    if k is not None:
        k = int(k)
        computed = f" and with computed input tensors: input[1] = <{k}>."
        if k < 0:
            raise ValueError(f"Dimension size, given by scalar input 1, must be non-negative "
                             f"but is {k} for 'TopKV2' with input shapes: {shapes}{computed}")
        last = x.shape[-1] if x.shape.rank is not None else None
        if last is not None and last < k:
            raise ValueError(f"input must have last dimension >= k = {k} but is {last} for "
                             f"'TopKV2' with input shapes: {shapes}{computed}")
    if x.shape.rank is None:
        shape = TensorShape(None)
    else:
        shape = TensorShape(x.shape.as_list()[:-1] + [k])
    return [(x.dtype, shape), (attrs["index_type"], shape)]


def _top_k_grad(op, grad, _):
    """The values' gradient scattered back to the positions they were taken from
    (TensorFlow's rule: flat indices into the input viewed as [rows, n])."""
    from engine.ops import array, indexing, reduce
    x, idx = op.inputs[0], op.outputs[1]
    if x.shape.is_fully_defined() and idx.shape.is_fully_defined():
        dims = x.shape.as_list()
        n, total, k = dims[-1], int(np.prod(dims)), idx.shape.as_list()[-1]
        index_np = np.int64 if total >= 2 ** 31 else np.int32
        rows = total // n if n else int(np.prod(dims[:-1]))
        offsets = constant((np.arange(rows, dtype=index_np) * n).reshape(rows, 1))
        flat = _m.add(array.reshape(_m.cast(idx, dtypes.as_dtype(index_np)), [rows, k]),
                      offsets)
        scattered = indexing.scatter_nd(array.reshape(flat, [-1, 1]),
                                        array.reshape(grad, [-1]), [total])
        return array.reshape(scattered, dims), None
    in_shape = array.shape(x)
    idx2d = array.reshape(idx, array.concat([[-1], array.shape(idx)[-1:]], 0))
    offsets = _m.multiply(array.range(array.shape(idx2d)[0]), in_shape[-1])
    flat = array.reshape(_m.add(idx2d, array.reshape(offsets, [-1, 1])), [-1, 1])
    total = array.reshape(reduce.reduce_prod(in_shape), [1])
    scattered = indexing.scatter_nd(flat, array.reshape(grad, [-1]), total)
    return array.reshape(scattered, in_shape), None


TOP_K = register("TopKV2", _top_k_kernel, _top_k_infer, _top_k_grad, multi=True)


def top_k(input, k=1, sorted=True, index_type=dtypes.int32, name=None):  # noqa: A002
    """(values, indices) of the k largest entries along the last axis, largest first; ties
    go to the lower index."""
    index_type = dtypes.as_dtype(index_type)
    if index_type.name not in _INDEX_TYPES:
        raise _attr_error("index_type", index_type.name, "int16, int32, int64", "TopKV2")
    k = k if is_tensor(k) else constant(np.asarray(k, np.int32))
    return execute(TOP_K, (input, k), {"sorted": bool(sorted), "index_type": index_type},
                   name)


# ---------------------------------------------------------------- sort, argsort --------

_DIRECTIONS = ("ASCENDING", "DESCENDING")


def _static_axis(axis) -> int:
    value = static_value(axis) if is_tensor(axis) else np.asarray(axis)
    if value is None or np.ndim(value) != 0 or np.asarray(value).dtype.kind not in "iu":
        raise ValueError(f"Argument `axis` must be a constant scalar. Received: axis={axis}.")
    return int(value)


def _bad_axis(axis, rank):
    """TensorFlow reads the sorted dim with a strided slice, and words the error so."""
    message = f"slice index {axis if axis >= 0 else axis + rank} of dimension 0 out of bounds."
    if executing_eagerly():
        return errors.InvalidArgumentError(None, None, message)
    return ValueError(message)


def _descending(values, axis, return_argsort):
    """top_k of the whole `axis` (moved last and back), as TensorFlow's sort does."""
    from engine.ops import array
    rank = values.shape.rank
    if rank is not None and not -rank <= axis < rank:
        raise _bad_axis(axis, rank)
    if rank is None and axis != -1:
        raise ValueError("sort along an axis other than -1 needs the rank known")
    axis = -1 if rank is None else axis % rank
    perm = None
    if rank is not None and axis != rank - 1:
        perm = list(range(rank))
        perm[axis], perm[-1] = rank - 1, axis  # a swap: its own inverse
        values = array.transpose(values, perm)
    k = values.shape[-1] if rank is not None else None
    if k is None:
        k = array.shape(values)[-1]
    result = top_k(values, k)[1 if return_argsort else 0]
    return result if perm is None else array.transpose(result, perm)


def _sort_or_argsort(values, axis, direction, return_argsort):
    if direction not in _DIRECTIONS:
        raise ValueError(f"Argument `direction` should be one of ASCENDING, DESCENDING. "
                         f"Received: direction={direction}")
    axis = _static_axis(axis)
    values = convert_to_tensor(values)
    if direction == "DESCENDING":
        return _descending(values, axis, return_argsort)
    dtype = values.dtype
    if dtype.is_unsigned:
        flip = (lambda t: _m.subtract(dtype.max, t))  # noqa: E731
    elif dtype.is_integer:
        flip = (lambda t: _m.subtract(-1, t))  # noqa: E731 - bitwise not, no overflow
    else:
        flip = _m.negative
    result = _descending(flip(values), axis, return_argsort)
    return result if return_argsort else flip(result)


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """values sorted along `axis` (ascending or descending; ties keep their order).

    Raises:
        ValueError: an unknown direction, or an axis that is not a constant integer.
    """
    result = _sort_or_argsort(values, axis, direction, False)
    return result if name is None else _named(result, name)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """int32 indices that sort values along `axis`; always stable (ties by lower index)."""
    del stable  # top_k already breaks ties by index
    result = _sort_or_argsort(values, axis, direction, True)
    return result if name is None else _named(result, name)


def _named(t, name):
    from engine.ops.core import identity
    return identity(t, name=name)


# ---------------------------------------------------------------- unique --------------

def _unique_kernel(x, out_idx):
    if out_idx.name not in _INDEX_TYPES:
        raise _attr_error("out_idx", out_idx.name, "int32, int64", "Unique")
    if x.ndim != 1:
        raise errors.InvalidArgumentError(None, None, "unique expects a 1D vector.")
    kwargs = {"equal_nan": False} if x.dtype.kind in "fc" else {}
    _, first, inverse = np.unique(x, return_index=True, return_inverse=True, **kwargs)
    order = np.argsort(first, kind="stable")  # numpy sorts; TensorFlow keeps first-seen order
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return x[first[order]], rank[inverse.reshape(-1)].astype(out_idx._np)


def _unique_infer(inputs, attrs):
    x = inputs[0]
    if x.shape.rank is not None and x.shape.rank != 1:
        raise ValueError(f"Shape must be rank 1 but is rank {x.shape.rank} for 'Unique' with "
                         f"input shapes: {fmt_shape(x.shape)}.")
    return [(x.dtype, TensorShape([None])), (attrs["out_idx"], TensorShape([None])
             if x.shape.rank is None else x.shape)]


UNIQUE = register("Unique", _unique_kernel, _unique_infer, NO_GRADIENT, multi=True)


def unique(x, out_idx=dtypes.int32, name=None):
    """(y, idx): the distinct values of the 1-D x in order of first occurrence, and for
    each entry of x the position of its value in y (x == gather(y, idx))."""
    return execute(UNIQUE, (x,), {"out_idx": dtypes.as_dtype(out_idx)}, name)


# ---------------------------------------------------------------- searchsorted --------

def _bound_kernel(op_name, side):
    def kernel(sorted_inputs, values, out_type):
        if out_type.name not in _INDEX_TYPES:
            raise _attr_error("out_type", out_type.name, "int32, int64", op_name)
        for arg, t in (("sorted_inputs", sorted_inputs), ("values", values)):
            if t.ndim != 2:
                raise errors.InvalidArgumentError(
                    None, None, f"Shape must be rank 2 but is rank {t.ndim} for `{arg}` "
                    "argument")
        if sorted_inputs.shape[0] != values.shape[0]:
            raise errors.InvalidArgumentError(
                None, None, "Leading dim_size of both tensors must match.")
        return _batched_search(sorted_inputs, values, side).astype(out_type._np)
    return kernel


def _batched_search(seq, values, side):
    """np.searchsorted row by row, vectorized: one stable sort of [values, seq] per row
    (seq first for side='right', so equal entries count as before the value)."""
    if seq.shape[0] == 1:
        return np.searchsorted(seq[0], values[0], side)[None]
    m, n = values.shape[1], seq.shape[1]
    if side == "left":
        keys, is_seq, first_value = np.concatenate([values, seq], 1), np.arange(m + n) >= m, 0
    else:
        keys, is_seq, first_value = np.concatenate([seq, values], 1), np.arange(n + m) < n, n
    order = np.argsort(keys, axis=1, kind="stable")
    seen = np.cumsum(is_seq[order], axis=1)  # sequence entries up to each sorted position
    value_pos = order - first_value
    out = np.empty(values.shape, np.int64)
    hit = ~is_seq[order]
    rows = np.nonzero(hit)[0]
    out[rows, value_pos[hit]] = seen[hit]
    return out


def _bound_infer(op_name):
    def infer(inputs, attrs):
        s, v = inputs
        if s.dtype != v.dtype:
            raise TypeError(f"Input 'values' of '{op_name}' Op has type {v.dtype.name} that "
                            f"does not match type {s.dtype.name} of argument 'sorted_inputs'.")
        for t in (s, v):
            if t.shape.rank is not None and t.shape.rank != 2:
                raise ValueError(f"Shape must be rank 2 but is rank {t.shape.rank} for "
                                 f"'{op_name}' with input shapes: {fmt_shape(s.shape)}, "
                                 f"{fmt_shape(v.shape)}.")
        return [(attrs["out_type"], v.shape)]
    return infer


LOWER_BOUND = register("LowerBound", _bound_kernel("LowerBound", "left"),
                       _bound_infer("LowerBound"), NO_GRADIENT, same_dtype=(0, 1))
UPPER_BOUND = register("UpperBound", _bound_kernel("UpperBound", "right"),
                       _bound_infer("UpperBound"), NO_GRADIENT, same_dtype=(0, 1))


def _last_dim(t):
    from engine.ops import array
    rank = t.shape.rank
    if rank == 0:
        raise _bad_axis(-1, 0)
    last = t.shape[-1] if rank is not None else None
    return array.shape(t)[-1:] if last is None else [last]


def searchsorted(sorted_sequence, values, side="left", out_type=dtypes.int32, name=None):
    """For each value, the index in its row of sorted_sequence (innermost axis) where it
    would be inserted to keep the row sorted: before equal entries for side='left'.

    Raises:
        ValueError: side is neither 'left' nor 'right'.
    """
    from engine.ops import array
    if side not in ("left", "right"):
        raise ValueError(f"Argument `side` must be either 'right' or 'left'. Received: "
                         f"`side` = '{side}'.")
    seq = convert_to_tensor(sorted_sequence)
    values = convert_to_tensor(values)

    def as_rows(t):  # TensorFlow's searchsorted works on [rows, n] views
        last = _last_dim(t)
        shape = [-1] + last if isinstance(last, list) else array.concat([[-1], last], 0)
        return t if t.shape.rank == 2 else array.reshape(t, shape)

    opdef = LOWER_BOUND if side == "left" else UPPER_BOUND
    out = execute(opdef, (as_rows(seq), as_rows(values)),
                  {"out_type": dtypes.as_dtype(out_type)}, None if values.shape.rank != 2
                  else name)
    if values.shape.rank == 2:
        return out
    shape = values.shape.as_list() if values.shape.is_fully_defined() else array.shape(values)
    return array.reshape(out, shape, name=name)
