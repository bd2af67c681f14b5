"""Tensors made from a shape or a recipe: Fill, ZerosLike, OnesLike, Range, OneHot, and
the composites zeros, ones, linspace, eye, meshgrid.

Re-exported by engine.ops.array (use that module).
"""

from __future__ import annotations

import numbers

import numpy as np

from engine import dtypes
from engine.context import execute
from engine.infer import check_same_dtype, fmt_shape, static_value
from engine.ops.array_shape import (
    bad,
    broadcast_to,
    check_index_dtype,
    expand_dims,
    int_vector,
    reshape,
    shape,
    shape_arg,
    shape_of,
    size,
    static_ints,
    vector_len,
    with_shapes,
)
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape
from engine.tensor_base import TensorBase

__all__ = ["zeros", "ones", "fill", "zeros_like", "ones_like", "range", "linspace",
           "one_hot", "eye", "meshgrid"]

_builtin_range = range  # `range` below is TensorFlow's


def _scalar_of(value, what):
    """A size-1 kernel input as a 0-d array (TensorFlow accepts legacy [1] scalars)."""
    if np.size(value) != 1 or np.ndim(value) > 1:
        raise bad(f"{what}, got shape {fmt_shape(np.shape(value))}")
    return np.reshape(value, ())


# ---------------------------------------------------------------- Fill ---------------

def _fill_kernel(dims, value):
    if np.ndim(dims) != 1:
        raise bad(f"dims must represent a vector, got shape {fmt_shape(np.shape(dims))}")
    dims = int_vector("Fill", "index_type", dims, "dims")
    for d in dims:
        if d < 0:
            raise bad(f"Dimension {d} must be >= 0")
    value = _scalar_of(value, "value must represent a scalar")
    return np.full(dims, value, dtype=value.dtype)


def _fill_infer(inputs, attrs):
    dims_t, value = inputs
    check_index_dtype("Fill", "index_type", dims_t.dtype.name)
    dims = static_ints(dims_t)
    if dims is None:
        n = vector_len(dims_t)
        return [(value.dtype, TensorShape(None if n is None else [None] * n))]
    if any(d < 0 for d in dims):
        raise ValueError("Fill dimensions must be >= 0" + with_shapes("Fill", dims_t, value))
    return [(value.dtype, TensorShape(dims))]


def _fill_grad(op, g):
    from engine.ops.reduce import reduce_sum
    return None, reduce_sum(g)


FILL = register("Fill", _fill_kernel, _fill_infer, _fill_grad)


def fill(dims, value, name=None):
    """A tensor of shape `dims` with every element equal to the scalar `value`."""
    return execute(FILL, (shape_arg(dims), value), None, name)


def _scalar_const(value, dtype):
    """`value` as a 0-d numpy array of `dtype` (b'' / b'1'-free strings for string)."""
    dtype = dtypes.as_dtype(dtype)
    if dtype == dtypes.string:
        if value != 0:
            raise TypeError(f"Cannot convert {value} to EagerTensor of dtype string")
        return np.array(b"", dtype=object)
    return np.array(value, dtype=dtype._np)


def _dims_arg(shape):
    """zeros(3) means zeros([3]), as TensorShape(3) does in TensorFlow."""
    return [shape] if isinstance(shape, (int, np.integer)) else shape


def zeros(shape, dtype=dtypes.float32, name=None):  # noqa: F811 - TensorFlow's name
    """A tensor of `shape` filled with zeros ('' for strings, False for bool)."""
    return fill(_dims_arg(shape), _scalar_const(0, dtype), name=name)


def ones(shape, dtype=dtypes.float32, name=None):  # noqa: F811
    """A tensor of `shape` filled with ones (True for bool)."""
    return fill(_dims_arg(shape), _scalar_const(1, dtype), name=name)


# ---------------------------------------------------------------- Zeros/OnesLike -----

def _zeros_like_kernel(x):
    if x.dtype == object:
        return np.full(np.shape(x), b"", dtype=object)
    return np.zeros_like(x)


def _same_infer(inputs, attrs):
    return [(inputs[0].dtype, inputs[0].shape)]


ZEROS_LIKE = register("ZerosLike", _zeros_like_kernel, _same_infer, NO_GRADIENT)
ONES_LIKE = register("OnesLike", np.ones_like, _same_infer, NO_GRADIENT)


def _like(opdef, filler, input, dtype, name):  # noqa: A002
    from engine.ops.core import convert_to_tensor
    x = convert_to_tensor(input)
    if dtype is not None and dtypes.as_dtype(dtype) != x.dtype:
        return filler(shape_of(x), dtypes.as_dtype(dtype), name=name)
    return execute(opdef, (x,), None, name)


def zeros_like(input, dtype=None, name=None):  # noqa: A002
    """Zeros with the shape of `input` (and its dtype unless `dtype` is given)."""
    return _like(ZEROS_LIKE, zeros, input, dtype, name)


def ones_like(input, dtype=None, name=None):  # noqa: A002
    """Ones with the shape of `input` (and its dtype unless `dtype` is given)."""
    return _like(ONES_LIKE, ones, input, dtype, name)


# ---------------------------------------------------------------- Range --------------

def _fmt_num(v):
    """A number the way TensorFlow's C++ streams print it (5, 0.5, 1e+10)."""
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)


def _range_error(start, limit, delta):
    if delta == 0:
        return f"Requires delta != 0: {_fmt_num(delta)}"
    if delta > 0 and start > limit:
        return (f"Requires start <= limit when delta > 0: {_fmt_num(start)}/"
                f"{_fmt_num(limit)}")
    if delta < 0 and start < limit:
        return (f"Requires start >= limit when delta < 0: {_fmt_num(start)}/"
                f"{_fmt_num(limit)}")
    return None


def _range_size(start, limit, delta):
    if isinstance(start, (int, np.integer)):
        start, limit, delta = int(start), int(limit), int(delta)
        return (abs(limit - start) + abs(delta) - 1) // abs(delta)
    return int(np.ceil(np.abs((limit - start) / delta)))  # in the tensors' float type


def _range_kernel(start, limit, delta):
    args = []
    for what, v in (("start", start), ("limit", limit), ("delta", delta)):
        args.append(_scalar_of(v, f"{what} must be a scalar")[()])
    if start.dtype.kind not in "iuf":
        raise TypeError(f"Range does not support dtype {start.dtype}")
    error = _range_error(*args)
    if error:
        raise bad(error)
    start, _, delta = args
    n = _range_size(*args)
    # start + i * delta in the tensors' dtype, as TensorFlow's kernel computes it.
    return start + np.arange(n, dtype=np.asarray(start).dtype) * delta


def _range_infer(inputs, attrs):
    dtype = check_same_dtype("Range", inputs, (0, 1, 2))
    values = [static_value(t) for t in inputs]
    if any(v is None for v in values):
        return [(dtype, TensorShape([None]))]
    args = [np.reshape(v, ())[()] for v in values]
    error = _range_error(*args)
    if error:
        raise ValueError(error.split(":")[0] + with_shapes("Range", *inputs))
    return [(dtype, TensorShape([_range_size(*args)]))]


RANGE = register("Range", _range_kernel, _range_infer, NO_GRADIENT, same_dtype=(0, 1, 2))
_RANGE_ORDER = [dtypes.int32, dtypes.int64, dtypes.float16, dtypes.float32, dtypes.float64]


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001
    """[start, start + delta, ...) up to `limit` (exclusive); range(n) counts 0..n-1.

    The dtype is the widest of the arguments' (int32 < int64 < float16 < float32 <
    float64) unless `dtype` is given, as TensorFlow's.
    """
    from engine.ops.core import convert_to_tensor
    from engine.ops.math import cast
    if limit is None:
        start, limit = 0, start
    args = []
    for v in (start, limit, delta):
        if isinstance(v, TensorBase):
            args.append(v._as_tensor())
        else:
            args.append(convert_to_tensor(v, dtype=dtype))
    if dtype is None:
        for t in args:
            if t.dtype not in _RANGE_ORDER:
                raise TypeError(f"Range does not support dtype {t.dtype.name}; use one of "
                                "int32, int64, float16, float32, float64")
        dtype = max((t.dtype for t in args), key=_RANGE_ORDER.index)
    args = [cast(t, dtype) for t in args]
    return execute(RANGE, tuple(args), None, name)


# ---------------------------------------------------------------- linspace -----------

def _broadcast_pair(start, stop):
    """start and stop broadcast against each other (a no-op when shapes already agree)."""
    from engine.infer import broadcast_shape
    if start.shape == stop.shape and start.shape.is_fully_defined():
        return start, stop
    both = broadcast_shape("LinSpace", start.shape, stop.shape)
    if both.is_fully_defined():
        return broadcast_to(start, both.as_list()), broadcast_to(stop, both.as_list())
    from engine.ops.math import add
    return add(start, zeros_like(stop)), add(stop, zeros_like(start))


def _num_arg(num):
    """num as (static int or None, integer tensor or None)."""
    if isinstance(num, TensorBase):
        num = num._as_tensor()
        if not num.dtype.is_integer:
            raise TypeError(f"Argument `tensor` (name: num) must be of type integer. "
                            f"Received `tensor` = {num} of dtype: {num.dtype}")
        value = static_value(num)
        return (None, num) if value is None else (int(value), None)
    if isinstance(num, (numbers.Integral, np.integer)):
        return int(num), None
    kind = dtypes.float32 if isinstance(num, float) else type(num).__name__
    raise TypeError(f"Argument `tensor` (name: num) must be of type integer. Received "
                    f"`tensor` = {num} of dtype: {kind}")


def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` (both included) along `axis`.

    start/stop may be tensors (broadcast together); the result has the same dtype as
    float inputs (float64 for integer ones). Built from differentiable ops as
    TensorFlow's linspace_nd, so the gradient reaches start and stop.
    """
    from engine.ops.array import concat
    from engine.ops.core import convert_to_tensor
    from engine.ops.math import cast, maximum, subtract, truediv
    start = convert_to_tensor(start)
    stop = convert_to_tensor(stop, dtype=None if isinstance(stop, TensorBase) else start.dtype)
    n, num_t = _num_arg(num)
    start, stop = _broadcast_pair(start, stop)
    first, last = expand_dims(start, axis), expand_dims(stop, axis)
    n_steps = max(n - 1, 1) if num_t is None else maximum(subtract(num_t, 1), 1)
    delta = truediv(subtract(last, first), cast(n_steps, last.dtype))
    first, last = cast(first, delta.dtype), cast(last, delta.dtype)
    if num_t is None:
        steps = range(1, n_steps if n >= 0 else -1, dtype=dtypes.int64)
    else:
        from engine.ops.math import greater_equal, where
        steps = range(1, where(greater_equal(num_t, 0), n_steps, -1), dtype=dtypes.int64)
    ndim = first.shape.rank
    if ndim is None:
        raise ValueError("linspace needs start and stop of known rank")
    ax = axis % ndim
    middle = first + delta * reshape(cast(steps, delta.dtype),
                                     [-1 if i == ax else 1 for i in _builtin_range(ndim)])
    if num_t is None:  # num known: pick the pieces instead of slicing
        if n == 0:
            return middle
        if n == 1:
            return first
        return concat([first, middle, last], ax, name=name)
    from engine.ops.indexing import slice as slice_
    from engine.ops.math import equal, where
    whole = concat([first, middle, last], ax)
    full = shape(first)
    is_axis = equal(range(0, ndim), ax)
    return slice_(whole, zeros_like(full), where(is_axis, cast(num_t, full.dtype), full),
                  name=name)


# ---------------------------------------------------------------- OneHot -------------

_ONE_HOT_INDICES = ("uint8", "int8", "int32", "int64")


def _one_hot_kernel(indices, depth, on_value, off_value, axis):
    if indices.dtype.name not in _ONE_HOT_INDICES:
        raise TypeError(f"Value for attr 'TI' of {indices.dtype.name} is not in the list of "
                        f"allowed values: {', '.join(_ONE_HOT_INDICES)}")
    depth = int(_scalar_of(depth, "depth must be a scalar"))
    if depth < 0:
        raise bad(f"depth must be non-negative, got: {depth}")
    for what, v in (("on_value", on_value), ("off_value", off_value)):
        if np.ndim(v) != 0:
            raise bad(f"{what} must be a scalar, but got: {fmt_shape(np.shape(v))}")
    ndim = np.ndim(indices)
    if not (axis == -1 or 0 <= axis <= ndim):
        raise bad(f"Expected axis to be -1 or between [0, {ndim + 1}).  But received: {axis}")
    ax = ndim if axis == -1 else axis
    positions = np.arange(depth).reshape((-1,) + (1,) * (ndim - ax))
    return np.where(np.expand_dims(indices, ax) == positions, on_value, off_value)


def _one_hot_infer(inputs, attrs):
    indices, depth, _, _ = inputs
    dtype = check_same_dtype("OneHot", inputs, (2, 3))
    if indices.dtype.name not in _ONE_HOT_INDICES:
        raise TypeError(f"Value for attr 'TI' of {indices.dtype.name} is not in the list of "
                        f"allowed values: {', '.join(_ONE_HOT_INDICES)}")
    if indices.shape.rank is None:
        return [(dtype, TensorShape(None))]
    value = static_value(depth)
    d = None if value is None else int(np.reshape(value, ()))
    dims, axis = indices.shape.as_list(), attrs["axis"]
    if not (axis == -1 or 0 <= axis <= len(dims)):
        raise ValueError(f"Expected axis to be -1 or between [0, {len(dims) + 1}).  But "
                         f"received: {axis}" + with_shapes("OneHot", *inputs))
    ax = len(dims) if axis == -1 else axis
    return [(dtype, TensorShape(dims[:ax] + [d] + dims[ax:]))]


ONE_HOT = register("OneHot", _one_hot_kernel, _one_hot_infer, NO_GRADIENT,
                   same_dtype=(2, 3))


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None,
            name=None):
    """A tensor with `on_value` where the last (or `axis`) position equals the index,
    `off_value` elsewhere; indices outside [0, depth) give an all-off row."""
    from engine.ops.core import convert_to_tensor
    given = dtypes.as_dtype(dtype) if dtype is not None else None

    def convert(value):
        if value is None:
            return None
        if isinstance(value, float) and given is not None and not (
                given.is_floating or given.is_complex):
            return convert_to_tensor(value)  # TensorFlow never turns 1.0 into an int
        return convert_to_tensor(value, dtype_hint=given)

    on, off = convert(on_value), convert(off_value)
    for t, what in ((on, "on_value"), (off, "off_value")):
        if t is not None and given is not None and t.dtype != given:
            raise TypeError(f"dtype {t.dtype} of {what} does not match dtype parameter "
                            f"{given}")
    if on is not None and off is not None and on.dtype != off.dtype:
        raise TypeError(f"dtype {on.dtype} of on_value does not match dtype {off.dtype} of "
                        "off_value")
    out_dtype = given or (on.dtype if on is not None else off.dtype if off is not None
                          else dtypes.float32)
    on = on if on is not None else convert_to_tensor(_scalar_const(1, out_dtype))
    off = off if off is not None else convert_to_tensor(_scalar_const(0, out_dtype))
    if isinstance(depth, (int, np.integer)):
        depth = np.asarray(depth, dtype=np.int32)
    return execute(ONE_HOT, (indices, depth, on, off), {"axis": -1 if axis is None
                                                         else int(axis)}, name)


# ---------------------------------------------------------------- eye, meshgrid ------

def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """An identity matrix [num_rows, num_columns] (ones on the diagonal), optionally
    repeated over `batch_shape` leading dims."""
    from engine.ops.math import cast, equal
    dtype = dtypes.as_dtype(dtype)
    if num_columns is None:
        num_columns = num_rows
    rows = reshape(range(0, num_rows, dtype=dtypes.int32), [-1, 1])
    matrix = cast(equal(rows, range(0, num_columns, dtype=dtypes.int32)), dtype)
    if batch_shape is None:
        if name is not None:
            from engine.ops.core import identity
            return identity(matrix, name=name)
        return matrix
    if matrix.shape.is_fully_defined() and not isinstance(batch_shape, TensorBase):
        full = [int(d) for d in batch_shape] + matrix.shape.as_list()
    else:
        from engine.ops.array import concat
        full = concat([shape_arg(batch_shape), shape(matrix)], 0)
    return broadcast_to(matrix, full, name=name)


def meshgrid(*args, **kwargs):
    """Coordinate grids from 1-D vectors: with indexing 'xy' the first two output axes
    are swapped (Cartesian, the default), with 'ij' they follow the argument order."""
    from engine.ops.core import convert_to_tensor
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"'{next(iter(kwargs))}' is an invalid keyword argument for this "
                        "function")
    if indexing not in ("xy", "ij"):
        raise ValueError("Argument `indexing` parameter must be either 'xy' or 'ij', got "
                         f"'{indexing}'")
    ndim = len(args)
    if not ndim:
        return []
    tensors = [convert_to_tensor(a) for a in args]
    outs = [reshape(t, [-1 if j == i else 1 for j in _builtin_range(ndim)])
            for i, t in enumerate(tensors)]
    sizes = [t.shape.num_elements() for t in tensors]
    if indexing == "xy" and ndim > 1:
        tail = [1] * (ndim - 2)
        outs[0] = reshape(outs[0], [1, -1] + tail)
        outs[1] = reshape(outs[1], [-1, 1] + tail)
        sizes[0], sizes[1] = sizes[1], sizes[0]
        tensors[0], tensors[1] = tensors[1], tensors[0]
    if None in sizes:
        from engine.ops.array import stack
        full = stack([size(t) for t in tensors])
    else:
        full = sizes
    return [broadcast_to(o, full) for o in outs]
