"""Joining and splitting: ConcatV2, Pack/Unpack (stack/unstack), Split/SplitV.

Re-exported by engine.ops.array (use that module). The axis and size_splits of
concat/split are op inputs; stack/unstack take theirs as attributes, as TensorFlow.
"""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from engine import dtypes
from engine.context import execute
from engine.infer import check_same_dtype, fmt_shape
from engine.ops.array_create import one_hot
from engine.ops.array_shape import (
    bad,
    check_index_dtype,
    int_vector,
    rank,
    shape,
    static_ints,
    with_shapes,
)
from engine.registry import register
from engine.shapes import TensorShape
from engine.tensor_base import TensorBase

__all__ = ["concat", "stack", "unstack", "split"]

_range = builtins.range


def _check_dtypes(op_name, arrays):
    """Inputs of one type list must share a dtype (numpy would silently promote)."""
    first = arrays[0].dtype
    for i, a in enumerate(arrays[1:], 1):
        if a.dtype != first:
            from engine.ops._util import tf_type_name
            raise bad(f"cannot compute {op_name} as input #{i}(zero-based) was expected to "
                      f"be a {tf_type_name(dtypes.from_numpy(first))} tensor but is a "
                      f"{tf_type_name(dtypes.from_numpy(a.dtype))} tensor")


def _convert_group(values):
    """Tensors as they are; Python values take the first tensor's dtype (TensorFlow's
    rule for inputs sharing one type attribute)."""
    from engine.ops.core import convert_to_tensor
    hint = next((v.dtype for v in values if isinstance(v, TensorBase)), None)
    out = []
    for v in values:
        if isinstance(v, TensorBase):
            out.append(v._as_tensor())
        elif hint is None or isinstance(v, (np.ndarray, np.generic)):
            out.append(convert_to_tensor(v))
            hint = hint or out[-1].dtype
        else:
            out.append(convert_to_tensor(v, dtype=hint))
    return out


def _static_axis(axis_t, rank_):
    """A scalar axis input's static value normalized to [0, rank), or None."""
    value = static_ints(axis_t)
    if value is None or rank_ is None or len(value) != 1 or not -rank_ <= value[0] < rank_:
        return None
    return value[0] % rank_


# ---------------------------------------------------------------- ConcatV2 -----------

def _concat_kernel(*args):
    values, axis = args[:-1], args[-1]
    check_index_dtype("ConcatV2", "Tidx", axis.dtype.name)
    _check_dtypes("ConcatV2", values)
    ndim = np.ndim(values[0])
    ax = int(np.reshape(axis, -1)[0]) if np.size(axis) == 1 else None
    if ax is None or not -max(ndim, 1) <= ax < max(ndim, 1):
        raise bad(f"ConcatOp : Expected concatenating dimensions in the range [{-ndim}, "
                  f"{ndim}), but got {ax}")
    if ndim == 0:
        raise bad("ConcatOp : Can't concatenate scalars (use tf.stack instead)")
    ax %= ndim
    first = np.shape(values[0])
    for i, v in enumerate(values[1:], 1):
        s = np.shape(v)
        if len(s) != ndim:
            raise bad(f"ConcatOp : Ranks of all input tensors should match: shape[0] = "
                      f"{fmt_shape(first)} vs. shape[{i}] = {fmt_shape(s)}")
        for d in _range(ndim):
            if d != ax and s[d] != first[d]:
                raise bad(f"ConcatOp : Dimension {d} in both shapes must be equal: shape[0] "
                          f"= {fmt_shape(first)} vs. shape[{i}] = {fmt_shape(s)}")
    return np.concatenate(values, axis=ax)


def _concat_infer(inputs, attrs):
    values, axis_t = inputs[:-1], inputs[-1]
    dtype = check_same_dtype("ConcatV2", inputs, tuple(_range(len(values))))
    check_index_dtype("ConcatV2", "Tidx", axis_t.dtype.name)
    ranks = {v.shape.rank for v in values} - {None}
    if len(ranks) > 1:
        first = next(v.shape.rank for v in values if v.shape.rank is not None)
        other = next(r for r in ranks if r != first)
        raise ValueError(f"Shape must be rank {first} but is rank {other}"
                         + with_shapes("ConcatV2", *inputs))
    if not ranks:
        return [(dtype, TensorShape(None))]
    rank_ = ranks.pop()
    value = static_ints(axis_t)
    if value is None:
        return [(dtype, TensorShape([None] * rank_))]
    if not -rank_ <= value[0] < rank_:
        need = value[0] + 1 if value[0] >= 0 else -value[0]
        raise ValueError(f"Shape must be at least rank {need} but is rank {rank_}"
                         + with_shapes("ConcatV2", *inputs))
    ax = value[0] % rank_
    dims = [None] * rank_
    total = 0
    for v in values:
        if v.shape.rank is None:
            total = None
            continue
        vd = v.shape.as_list()
        for d in _range(rank_):
            if d == ax:
                continue
            if dims[d] is not None and vd[d] is not None and dims[d] != vd[d]:
                raise ValueError(
                    f"Dimension {d} in both shapes must be equal, but are {dims[d]} and "
                    f"{vd[d]}" + with_shapes("ConcatV2", *inputs))
            dims[d] = dims[d] if dims[d] is not None else vd[d]
        total = None if total is None or vd[ax] is None else total + vd[ax]
    dims[ax] = total
    return [(dtype, TensorShape(dims))]


def _axis_size(x, ax_t):
    """x.shape[axis] as a scalar int32 tensor, with array and reduce ops only."""
    from engine.ops.math import multiply
    from engine.ops.reduce import reduce_sum
    hot = one_hot(ax_t, rank(x), dtype=dtypes.int32)
    return reduce_sum(multiply(shape(x), hot))


def _concat_grad(op, g):
    """dL/dx_i: the slice of g that x_i filled; split along the axis by x_i's sizes."""
    values, axis_t = op.inputs[:-1], op.inputs[-1]
    rank_ = values[0].shape.rank
    ax = _static_axis(axis_t, rank_)
    if ax is not None and all(v.shape.rank == rank_ and v.shape[ax] is not None
                              for v in values):
        return tuple(split(g, [v.shape[ax] for v in values], axis=ax)) + (None,)
    from engine.ops.math import add, cast, floormod
    n = rank(values[0])
    ax_t = floormod(add(cast(axis_t, dtypes.int32), n), n)
    sizes = stack([_axis_size(v, ax_t) for v in values])
    return tuple(split(g, sizes, axis=ax_t, num=len(values))) + (None,)


CONCAT = register("ConcatV2", _concat_kernel, _concat_infer, _concat_grad)


def concat(values, axis, name="concat"):
    """The tensors in `values` joined along dimension `axis`."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) == 1:
        from engine.ops.core import convert_to_tensor, identity
        axis_t = convert_to_tensor(axis)
        if axis_t.shape.rank not in (0, None):
            raise ValueError(f"Shape must be rank 0 but is rank {axis_t.shape.rank} for "
                             "'concat/axis'")
        return identity(values[0], name=name)
    if not values:
        raise ValueError("concat needs at least one tensor in `values`")
    if isinstance(axis, (int, np.integer)):
        axis = np.asarray(axis, dtype=np.int32)
    return execute(CONCAT, tuple(_convert_group(values)) + (axis,), None, name)


# ---------------------------------------------------------------- Pack / Unpack ------

def _pack_kernel(*values, axis):
    _check_dtypes("Pack", values)
    first = np.shape(values[0])
    out_dims = len(first) + 1
    if not -out_dims <= axis < out_dims:
        raise bad(f"axis = {axis} not in [{-out_dims}, {out_dims})")
    for i, v in enumerate(values[1:], 1):
        if np.shape(v) != first:
            raise bad(f"Shapes of all inputs must match: values[0].shape = "
                      f"{fmt_shape(first)} != values[{i}].shape = {fmt_shape(np.shape(v))}")
    return np.stack(values, axis=axis)


def _merge_message(a, b):
    """TensorFlow's words for two shapes that cannot be merged."""
    if a.rank != b.rank:
        return f"Shapes must be equal rank, but are {a.rank} and {b.rank}"
    d = next(i for i, (x, y) in enumerate(zip(a, b)) if x is not None and y is not None
             and x != y)
    return (f"Dimension {d} in both shapes must be equal, but are {a[d]} and {b[d]}. "
            f"Shapes are {fmt_shape(a)} and {fmt_shape(b)}.")


def _pack_infer(inputs, attrs):
    dtype = check_same_dtype("Pack", inputs, tuple(_range(len(inputs))))
    merged = TensorShape(None)
    for t in inputs:
        if not merged.is_compatible_with(t.shape):
            raise ValueError(_merge_message(merged, t.shape) + "\n\tFrom merging shape 0 "
                             "with other shapes." + with_shapes("Pack", *inputs))
        merged = merged.merge_with(t.shape)
    if merged.rank is None:
        return [(dtype, merged)]
    dims, axis = merged.as_list(), attrs["axis"]
    if not -len(dims) - 1 <= axis <= len(dims):
        raise ValueError(f"Argument `axis` = {axis} not in range [{-len(dims) - 1}, "
                         f"{len(dims) + 1})")
    axis %= len(dims) + 1
    return [(dtype, TensorShape(dims[:axis] + [len(inputs)] + dims[axis:]))]


PACK = register("Pack", _pack_kernel, _pack_infer,
                lambda op, g: tuple(unstack(g, num=len(op.inputs), axis=op.get_attr("axis"))))


def _unpack_kernel(x, num, axis):
    in_shape = np.shape(x)
    if not -len(in_shape) <= axis < len(in_shape):
        raise bad(f"axis = {axis} not in [{-len(in_shape)}, {len(in_shape)})")
    axis %= len(in_shape)
    if in_shape[axis] != num:
        raise bad(f"Input shape axis {axis} must equal {num}, got shape "
                  f"{fmt_shape(in_shape)}")
    lead = (slice(None),) * axis
    return tuple(x[lead + (i,)] for i in _range(num))  # views: no copying


def _unpack_infer(inputs, attrs):
    x, num, axis = inputs[0], attrs["num"], attrs["axis"]
    if x.shape.rank is None:
        return [(x.dtype, TensorShape(None))] * num
    dims = x.shape.as_list()
    if not -len(dims) <= axis < len(dims):
        raise ValueError(f"Argument `axis` = {axis} not in range [{-len(dims)}, {len(dims)})")
    axis %= len(dims)
    if dims[axis] not in (None, num):
        raise ValueError(f"Dimension must be {num} but is {dims[axis]}"
                         + with_shapes("Unpack", x))
    return [(x.dtype, TensorShape(dims[:axis] + dims[axis + 1:]))] * num


UNPACK = register("Unpack", _unpack_kernel, _unpack_infer,
                  lambda op, *grads: (stack(list(grads), axis=op.get_attr("axis")),),
                  multi=True)


def _has_tensor(values):
    stack_ = [values]
    while stack_:
        item = stack_.pop()
        if isinstance(item, TensorBase):
            return True
        if isinstance(item, (list, tuple)):
            stack_.extend(item)
    return False


def stack(values, axis=0, name="stack"):
    """The rank-R tensors in `values` stacked into one rank-(R+1) tensor along `axis`."""
    from engine.ops.core import convert_to_tensor
    if isinstance(values, TensorBase) or (axis == 0 and not _has_tensor(values)):
        return convert_to_tensor(values, name=name)  # a constant list is just a constant
    values = _convert_group(list(values))
    if not values:
        raise ValueError("stack needs at least one tensor in `values`")
    rank_ = values[0].shape.rank
    if rank_ is not None and not -rank_ - 1 <= axis <= rank_:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-rank_ - 1}, {rank_ + 1})")
    return execute(PACK, tuple(values), {"axis": int(axis)}, name)


def unstack(value, num=None, axis=0, name="unstack"):
    """The rank-(R-1) slices of `value` along `axis`, as a list of `num` tensors."""
    from engine.ops.core import convert_to_tensor
    value = convert_to_tensor(value)
    value_shape = value.shape
    if value_shape.rank is not None:
        r = value_shape.rank
        if not -r <= axis < r:
            raise ValueError(f"Argument `axis` = {axis} not in range [{-r}, {r})")
    if num is None:
        num = None if value_shape.rank is None else value_shape[axis]
        if num is None:
            shown = "<unknown>" if value_shape.rank is None else tuple(value_shape)
            raise ValueError(f"Cannot infer argument `num` from shape {shown}")
    return list(execute(UNPACK, (value,), {"num": int(num), "axis": int(axis)}, name))


# ---------------------------------------------------------------- Split / SplitV -----

def _split_axis(op_name, axis, ndim):
    check_index_dtype(op_name, "Tidx", axis.dtype.name)
    ax = int(np.reshape(axis, -1)[0])
    if not -ndim <= ax < ndim:
        raise bad(f"-input rank(-{ndim}) <= split_dim < input rank ({ndim}), but got {ax}")
    return ax % ndim


def _split_kernel(axis, x, num_split):
    if num_split < 1:
        raise bad(f"Value for attr 'num_split' of {num_split} must be at least minimum 1")
    ax = _split_axis("Split", axis, np.ndim(x))
    n = np.shape(x)[ax]
    if n % num_split:
        raise bad(f"Number of ways to split should evenly divide the split dimension, but "
                  f"got split_dim {ax} (size = {n}) and num_split {num_split}")
    return tuple(np.split(x, num_split, axis=ax))


def _split_infer(inputs, attrs):
    axis_t, x = inputs
    num = attrs["num_split"]
    ax = _static_axis(axis_t, x.shape.rank)
    if ax is None:
        rank_ = x.shape.rank
        return [(x.dtype, TensorShape(None if rank_ is None else [None] * rank_))] * num
    dims = x.shape.as_list()
    if dims[ax] is not None:
        if dims[ax] % num:
            raise ValueError(f"Dimension size must be evenly divisible by {num} but is "
                             f"{dims[ax]}\n\tNumber of ways to split should evenly divide "
                             "the split dimension" + with_shapes("Split", axis_t, x))
        dims[ax] //= num
    return [(x.dtype, TensorShape(dims))] * num


SPLIT = register("Split", _split_kernel, _split_infer,
                 lambda op, *grads: (None, concat(list(grads), op.inputs[0])), multi=True)


def _resolve_splits(sizes, n):
    """size_splits with its -1 filled in; (sizes, error message)."""
    sizes = list(sizes)
    unknown = [i for i, s in enumerate(sizes) if s == -1]
    if len(unknown) > 1:
        return None, "There can only be one -1 in the input."
    for i, s in enumerate(sizes):
        if s < -1:
            return None, f"Split size at index {i} must be >= 0. Got: {s}"
    known = sum(s for s in sizes if s != -1)
    if (not unknown and known != n) or (unknown and known > n):
        return None, ("Determined shape must either match input shape along split_dim "
                      "exactly if fully specified, or be less than the size of the input "
                      f"along split_dim if not fully specified.  Got: {known}")
    if unknown:
        sizes[unknown[0]] = n - known
    return sizes, None


def _split_v_kernel(x, size_splits, axis, num_split):
    ax = _split_axis("SplitV", axis, np.ndim(x))
    sizes = int_vector("SplitV", "Tlen", size_splits, "size_splits")
    if len(sizes) != num_split:
        raise bad(f"size of the split_tensor must be 1-D and have the same elements as "
                  f"outputs got {np.ndim(size_splits)} -D and {len(sizes)} elements")
    sizes, error = _resolve_splits(sizes, np.shape(x)[ax])
    if error:
        raise bad(error)
    return tuple(np.split(x, np.cumsum(sizes[:-1]), axis=ax))


def _split_v_infer(inputs, attrs):
    x, sizes_t, axis_t = inputs
    num = attrs["num_split"]
    check_index_dtype("SplitV", "Tlen", sizes_t.dtype.name)
    ax, sizes = _static_axis(axis_t, x.shape.rank), static_ints(sizes_t)
    if ax is None:
        rank_ = x.shape.rank
        return [(x.dtype, TensorShape(None if rank_ is None else [None] * rank_))] * num
    dims = x.shape.as_list()
    if sizes is None:
        return [(x.dtype, TensorShape(dims[:ax] + [None] + dims[ax + 1:]))] * num
    if dims[ax] is not None:
        resolved, error = _resolve_splits(sizes, dims[ax])
        if error:
            raise ValueError(f"can't split axis of size {dims[ax]} into pieces of size "
                             f"{fmt_shape(sizes)}" + with_shapes("SplitV", *inputs))
    else:
        resolved = [None if s == -1 else s for s in sizes]
    return [(x.dtype, TensorShape(dims[:ax] + [s] + dims[ax + 1:])) for s in resolved]


SPLIT_V = register("SplitV", _split_v_kernel, _split_v_infer,
                   lambda op, *grads: (concat(list(grads), op.inputs[2]), None, None),
                   multi=True)


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """`value` cut along `axis` into num_or_size_splits equal pieces, or into pieces of
    the given sizes (one size may be -1: the rest)."""
    if isinstance(axis, (int, np.integer)):
        axis = np.asarray(axis, dtype=np.int32)
    if isinstance(num_or_size_splits, numbers.Integral):
        n = int(num_or_size_splits)
        return list(execute(SPLIT, (axis, value), {"num_split": n}, name))
    sizes = num_or_size_splits
    if not isinstance(sizes, TensorBase):
        sizes = np.asarray(sizes)
        empty = sizes.size == 0 and sizes.dtype.kind not in "iu"
        small = sizes.dtype == np.int64 and np.abs(sizes).max(initial=0) < 2**31
        if empty or small:  # [] is float32 by default; Python ints make int32, as TF
            sizes = sizes.astype(np.int32)
    rank0 = (sizes.shape.rank if isinstance(sizes, TensorBase) else sizes.ndim) == 0
    if rank0:
        raise ValueError("Rank-0 tensors are not supported as the num_or_size_splits "
                         f"argument to split. Argument provided: {num_or_size_splits}")
    if num is None:
        num = sizes.shape[0]
        if num is None:
            raise ValueError(f"Cannot infer argument `num` from shape {num_or_size_splits}")
    return list(execute(SPLIT_V, (value, sizes, axis), {"num_split": int(num)}, name))
