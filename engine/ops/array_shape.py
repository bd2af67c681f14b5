"""Shape ops: Shape, ShapeN, Size, Rank, Reshape, ExpandDims, Squeeze, BroadcastTo.

Re-exported by engine.ops.array (use that module). Shape-valued parameters (reshape's
`shape`, expand_dims' `axis`, broadcast_to's `shape`) are op inputs, so a graph can
feed them; `infer` reads them with `static_value` and leaves dims unknown otherwise.
"""

from __future__ import annotations

import numpy as np

from engine import dtypes
from engine.context import execute
from engine.errors import InvalidArgumentError
from engine.infer import fmt_shape, static_value
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape
from engine.tensor_base import TensorBase

__all__ = ["shape", "shape_n", "size", "rank", "reshape", "expand_dims", "squeeze",
           "broadcast_to"]

_INDEX_TYPES = ("int32", "int64")
_INDEX_NP = frozenset((np.dtype(np.int32), np.dtype(np.int64)))  # a fast-path test


# ---------------------------------------------------------------- shared helpers -----

def bad(message) -> InvalidArgumentError:
    """The error a kernel raises for bad values, worded as TensorFlow's kernel words it."""
    return InvalidArgumentError(None, None, message)


def with_shapes(op_name, *tensors) -> str:
    """TensorFlow's suffix naming the op and every input shape."""
    return (f" for '{op_name}' with input shapes: "
            + ", ".join(fmt_shape(t.shape) for t in tensors) + ".")


def check_index_dtype(op_name, attr, dtype_name):
    """TypeError unless an integer parameter (shape, perm, axis...) is int32 or int64."""
    if dtype_name not in _INDEX_TYPES:
        name = {"float32": "float", "float64": "double"}.get(dtype_name, dtype_name)
        raise TypeError(f"Value for attr '{attr}' of {name} is not in the list of allowed "
                        f"values: int32, int64 (op '{op_name}')")


def int_vector(op_name, attr, value, what):
    """A kernel's 1-D integer parameter as a list of Python ints."""
    check_index_dtype(op_name, attr, np.asarray(value).dtype.name)
    if np.ndim(value) != 1:
        raise bad(f"{what} must be 1-D, not {fmt_shape(np.shape(value))}")
    return value.tolist()


def static_ints(t):
    """The value of an integer tensor as a list of ints (None when not known statically)."""
    value = static_value(t)
    if value is None:
        return None
    return np.reshape(value, -1).tolist()


def vector_len(t):
    """The static length of a 1-D tensor (None if unknown)."""
    return t.shape[0] if t.shape.rank == 1 else None


def shape_arg(shape):
    """A shape argument (list, tuple, TensorShape, ndarray or tensor) as an op input.

    Lists mixing ints and scalar tensors (`[tf.shape(x)[0], 3]`) are stacked, as
    TensorFlow's auto-packing does; an empty list is an int32 vector, not float32.
    """
    if isinstance(shape, TensorBase):
        return shape
    if isinstance(shape, TensorShape):
        if not shape.is_fully_defined():
            raise ValueError(f"Cannot convert a partially known TensorShape {shape} to a "
                             "Tensor.")
        return np.asarray(shape.as_list(), dtype=np.int32)
    if isinstance(shape, (list, tuple)):
        if all(type(d) is int for d in shape) and shape:
            return shape  # plain ints: converted (eagerly from a cache) by the op
        if any(isinstance(d, TensorBase) for d in shape):
            from engine.ops.array import stack
            from engine.ops.core import convert_to_tensor
            return stack([d if isinstance(d, TensorBase)
                          else convert_to_tensor(d, dtype=dtypes.int32) for d in shape])
        dims = [getattr(d, "value", d) for d in shape]  # Dimension-like objects
        if any(d is None for d in dims):
            raise ValueError(f"Cannot convert a partially known shape {list(shape)} to a "
                             "Tensor.")
        if not dims:
            return np.zeros(0, np.int32)
        return dims
    if isinstance(shape, (int, np.integer)):
        return np.asarray(shape, dtype=np.int32 if -2**31 <= shape < 2**31 else np.int64)
    return shape


def shape_of(x):
    """x's shape as a Python list when fully known (good for static inference), else a
    Shape tensor: what gradients use to restore an input's shape."""
    if x.shape.is_fully_defined():
        return x.shape.as_list()
    return shape(x)


def _shape_from_input(t) -> TensorShape:
    """The static shape a shape-valued input describes: known entries, or unknown dims."""
    value = static_ints(t)
    if value is not None:
        return TensorShape([None if d < 0 else d for d in value])
    n = vector_len(t)
    return TensorShape(None) if n is None else TensorShape([None] * n)


def _out_type_infer(op_name, allowed=_INDEX_TYPES):
    def check(out_type):
        if allowed is not None and out_type.name not in allowed:
            raise TypeError(f"Value for attr 'out_type' of {out_type.name} is not in the list "
                            f"of allowed values: {', '.join(allowed)} (op '{op_name}')")
        return out_type
    return check


# ---------------------------------------------------------------- Shape, Size, Rank --

_check_shape_out = _out_type_infer("Shape")


def _shape_kernel(x, out_type):
    _check_shape_out(out_type)
    return np.array(np.shape(x), dtype=out_type._np)


def _shape_infer(inputs, attrs):
    out_type = _check_shape_out(attrs["out_type"])
    return [(out_type, TensorShape([inputs[0].shape.rank]))]


SHAPE = register("Shape", _shape_kernel, _shape_infer, NO_GRADIENT)
SHAPE_N = register(
    "ShapeN", lambda *xs, out_type: tuple(_shape_kernel(x, out_type) for x in xs),
    lambda inputs, attrs: [_shape_infer([t], attrs)[0] for t in inputs], NO_GRADIENT,
    multi=True)
SIZE = register("Size", lambda x, out_type: np.array(np.size(x), dtype=out_type._np),
                lambda inputs, attrs: [(attrs["out_type"], TensorShape([]))], NO_GRADIENT)
RANK = register("Rank", lambda x: np.array(np.ndim(x), dtype=np.int32),
                lambda inputs, attrs: [(dtypes.int32, TensorShape([]))], NO_GRADIENT)


def _out_type(out_type):
    return dtypes.int32 if out_type is None else dtypes.as_dtype(out_type)


def shape(input, out_type=dtypes.int32, name=None):  # noqa: A002 - TensorFlow's name
    """The shape of `input` as a 1-D integer tensor."""
    return execute(SHAPE, (input,), {"out_type": _out_type(out_type)}, name)


def shape_n(input, out_type=dtypes.int32, name=None):  # noqa: A002
    """The shapes of a list of tensors, one 1-D integer tensor each."""
    return list(execute(SHAPE_N, tuple(input), {"out_type": _out_type(out_type)}, name))


def size(input, out_type=dtypes.int32, name=None):  # noqa: A002
    """The number of elements of `input`, as a scalar tensor."""
    return execute(SIZE, (input,), {"out_type": _out_type(out_type)}, name)


def rank(input, name=None):  # noqa: A002
    """The number of dimensions of `input`, as a scalar int32 tensor."""
    return execute(RANK, (input,), None, name)


# ---------------------------------------------------------------- Reshape ------------

def _resolve_reshape(in_shape, sizes):
    """The output dims for `sizes` (one -1 allowed), as TensorFlow's Reshape kernel does.

    Zero-sized requested dims are left out of the product so that -1 stays inferable
    ([0, 3] -> [-1, 0] gives [3, 0], as TensorFlow). `in_shape` None: -1 stays unknown.
    Returns (dims, error message).
    """
    dims, unknown, product, has_zero = [], None, 1, False
    for d, size_ in enumerate(sizes):
        if size_ == -1:
            if unknown is not None:
                return None, f"Only one input size may be -1, not both {unknown} and {d}"
            unknown = d
        elif size_ < 0:
            return None, f"Size {d} must be non-negative, not {size_}"
        elif size_ == 0:
            has_zero = True
        else:
            product *= size_
        dims.append(size_)
    if unknown is None:
        return dims, None
    if in_shape is None:
        dims[unknown] = None
        return dims, None
    n = int(np.prod([d for d in in_shape if d > 0 or not has_zero], dtype=np.int64))
    input_has_zero = has_zero and 0 in in_shape
    missing = n // product
    if not input_has_zero and missing * product != n:
        return None, (f"Input to reshape is a tensor with {n} values, but the requested "
                      f"shape requires a multiple of {product}")
    dims[unknown] = missing
    return dims, None


def _reshape_kernel(x, shape):
    if shape.dtype in _INDEX_NP and shape.ndim == 1:  # fast path: numpy agrees with TF
        dims = shape.tolist()  # once no size is below -1 (numpy reads any negative as -1)
        if min(dims, default=0) >= -1:
            try:
                return np.reshape(x, dims)
            except ValueError:
                pass  # explained below
    sizes = int_vector("Reshape", "Tshape", shape, "sizes input")
    dims, error = _resolve_reshape(np.shape(x), sizes)
    if error:
        raise bad(error)
    total = int(np.prod(dims, dtype=np.int64))
    if total != np.size(x):
        raise bad(f"Input to reshape is a tensor with {np.size(x)} values, but the "
                  f"requested shape has {total}")
    return np.reshape(x, dims)


def _reshape_infer(inputs, attrs):
    x, shape_t = inputs
    check_index_dtype("Reshape", "Tshape", shape_t.dtype.name)
    sizes = static_ints(shape_t)
    if sizes is None:
        n = vector_len(shape_t)
        if n == 1 and x.shape.num_elements() is not None:
            return [(x.dtype, TensorShape([x.shape.num_elements()]))]
        return [(x.dtype, TensorShape(None) if n is None else TensorShape([None] * n))]
    known = x.shape.as_list() if x.shape.is_fully_defined() else None
    dims, error = _resolve_reshape(known, sizes)
    suffix = with_shapes("Reshape", x, shape_t)[:-1] + (
        " and with input tensors computed as partial shapes: input[1] = "
        f"{fmt_shape([None if d == -1 else d for d in sizes])}.")
    if error:
        if error.startswith("Input to reshape"):
            error = (f"Dimension size must be evenly divisible by "
                     f"{int(np.prod([d for d in sizes if d > 0]))} but is "
                     f"{int(np.prod(known))}")
        raise ValueError(error + suffix)
    elements = int(np.prod(dims)) if None not in dims else None
    if known is not None and elements is not None and elements != int(np.prod(known)):
        raise ValueError(f"Cannot reshape a tensor with {int(np.prod(known))} elements to "
                         f"shape {fmt_shape(sizes)} ({elements} elements)" + suffix)
    return [(x.dtype, TensorShape(dims))]


def _reshape_grad(op, g):
    return reshape(g, shape_of(op.inputs[0])), None


RESHAPE = register("Reshape", _reshape_kernel, _reshape_infer, _reshape_grad)


def reshape(tensor, shape, name=None):  # noqa: F811 - TensorFlow's argument name
    """`tensor`'s values in a new shape (one dimension may be -1: inferred)."""
    return execute(RESHAPE, (tensor, shape_arg(shape)), None, name)


# ---------------------------------------------------------------- ExpandDims ---------

def _expand_dims_kernel(x, dim):
    if dim.dtype in _INDEX_NP and dim.size == 1:  # fast path: one reshape
        axis, shape = int(dim.reshape(-1)[0]), np.shape(x)
        if -len(shape) - 1 <= axis <= len(shape):
            axis %= len(shape) + 1
            return np.reshape(x, shape[:axis] + (1,) + shape[axis:])
    check_index_dtype("ExpandDims", "Tdim", dim.dtype.name)
    if np.size(dim) != 1:
        raise bad("'dim' must be a tensor with a single value")
    axis, ndim = int(np.reshape(dim, -1)[0]), np.ndim(x)
    if not -ndim - 1 <= axis <= ndim:
        raise bad(f"Tried to expand dim index {axis} for tensor with {ndim} dimensions.")
    return np.expand_dims(x, axis)


def _expand_dims_infer(inputs, attrs):
    x, dim = inputs
    check_index_dtype("ExpandDims", "Tdim", dim.dtype.name)
    value, rank_ = static_ints(dim), x.shape.rank
    if rank_ is None:
        return [(x.dtype, TensorShape(None))]
    if value is None:
        return [(x.dtype, TensorShape([None] * (rank_ + 1)))]
    if len(value) != 1:
        raise ValueError("'dim' input must be a tensor with a single value"
                         + with_shapes("ExpandDims", x, dim))
    axis = value[0]
    if not -rank_ - 1 <= axis <= rank_:
        raise ValueError(f"dim {axis} not in the interval [{-rank_ - 1}, {rank_}]."
                         + with_shapes("ExpandDims", x, dim))
    axis %= rank_ + 1
    dims = x.shape.as_list()
    return [(x.dtype, TensorShape(dims[:axis] + [1] + dims[axis:]))]


EXPAND_DIMS = register("ExpandDims", _expand_dims_kernel, _expand_dims_infer,
                       lambda op, g: (reshape(g, shape_of(op.inputs[0])), None))


def expand_dims(input, axis, name=None):  # noqa: A002
    """`input` with a new size-1 dimension inserted at `axis` (negative counts from the end)."""
    if type(axis) is int:  # eagerly a cached constant
        from engine.ops.core import convert_to_tensor
        axis = convert_to_tensor(axis, dtype=dtypes.int32)
    elif isinstance(axis, np.integer):
        axis = np.asarray(axis, dtype=np.int32)
    return execute(EXPAND_DIMS, (input, axis), None, name)


# ---------------------------------------------------------------- Squeeze ------------

def _squeeze_kernel(x, squeeze_dims):
    in_shape, ndim = np.shape(x), np.ndim(x)
    if not squeeze_dims:
        return np.reshape(x, [d for d in in_shape if d != 1])
    axes = set()
    for d in squeeze_dims:
        if not -ndim <= d < ndim:
            raise bad(f"Tried to squeeze dim index {d} for tensor with {ndim} dimensions.")
        d %= ndim
        if in_shape[d] != 1:
            raise bad(f"Can not squeeze dim[{d}], expected a dimension of 1, got "
                      f"{in_shape[d]}")
        axes.add(d)
    return np.reshape(x, [n for i, n in enumerate(in_shape) if i not in axes])


def _squeeze_infer(inputs, attrs):
    x, squeeze_dims = inputs[0], attrs["squeeze_dims"]
    rank_ = x.shape.rank
    if rank_ is None:
        return [(x.dtype, TensorShape(None))]
    dims = x.shape.as_list()
    if not squeeze_dims:
        if None in dims:  # an unknown dim may or may not be 1
            return [(x.dtype, TensorShape(None))]
        return [(x.dtype, TensorShape([d for d in dims if d != 1]))]
    axes = set()
    for i, d in enumerate(squeeze_dims):
        if not -rank_ <= d < rank_:
            raise ValueError(f"squeeze_dims[{i}] not in [{-rank_},{rank_})."
                             + with_shapes("Squeeze", x))
        d %= rank_
        if dims[d] not in (1, None):
            raise ValueError(f"Can not squeeze dim[{d}], expected a dimension of 1, got "
                             f"{dims[d]}" + with_shapes("Squeeze", x))
        axes.add(d)
    return [(x.dtype, TensorShape([n for i, n in enumerate(dims) if i not in axes]))]


SQUEEZE = register("Squeeze", _squeeze_kernel, _squeeze_infer,
                   lambda op, g: (reshape(g, shape_of(op.inputs[0])),))


def squeeze(input, axis=None, name=None):  # noqa: A002
    """`input` without its size-1 dimensions (only those in `axis` when given)."""
    if axis is None:
        axis = []
    elif isinstance(axis, (int, np.integer)):
        axis = [int(axis)]
    else:
        axis = [int(a) for a in axis]
    return execute(SQUEEZE, (input,), {"squeeze_dims": axis}, name)


# ---------------------------------------------------------------- BroadcastTo --------

def _broadcast_to_kernel(x, shape):
    if shape.dtype in _INDEX_NP and shape.ndim == 1 and np.ndim(x) <= shape.shape[0]:
        try:  # fast path: a fresh array filled by broadcasting (TF materializes too)
            out = np.empty(shape.tolist(), np.result_type(x))
            np.copyto(out, x)
            return out
        except ValueError:
            pass  # negative or incompatible dims: explained below
    check_index_dtype("BroadcastTo", "Tidx", shape.dtype.name)
    if np.ndim(shape) != 1:
        raise bad(f"shape must be a vector of {{int32,int64}}, got shape "
                  f"{fmt_shape(np.shape(shape))}")
    dims, in_shape = shape.tolist(), np.shape(x)
    for d in dims:
        if d < 0:
            raise bad(f"Dimension {d} must be >= 0")
    if len(in_shape) > len(dims):
        raise bad(f"Rank of input ({len(in_shape)}) must be no greater than rank of output "
                  f"shape ({len(dims)}).")
    for a, b in zip(in_shape[::-1], dims[::-1]):
        if a != b and a != 1:
            raise bad(f"Incompatible shapes: {fmt_shape(in_shape)} vs. {fmt_shape(dims)}")
    # A copy, as TensorFlow materializes the result: values handed out stay writable.
    return np.broadcast_to(x, dims).copy()


def _broadcast_to_infer(inputs, attrs):
    x, shape_t = inputs
    check_index_dtype("BroadcastTo", "Tidx", shape_t.dtype.name)
    out = _shape_from_input(shape_t)
    if out.rank is None or x.shape.rank is None:
        return [(x.dtype, out)]
    if x.shape.rank > out.rank:
        raise ValueError(f"Rank of input ({x.shape.rank}) must be no greater than rank of "
                         f"output shape ({out.rank})." + with_shapes("BroadcastTo", x, shape_t))
    dims = out.as_list()
    lead = out.rank - x.shape.rank
    for i, a in enumerate(x.shape.as_list()):
        b = dims[lead + i]
        if a is not None and b is not None and a != b and a != 1:
            raise ValueError(f"Dimensions must be equal, but are {a} and {b}"
                             + with_shapes("BroadcastTo", x, shape_t))
        if b is None and a is not None and a != 1:
            dims[lead + i] = a
    return [(x.dtype, TensorShape(dims))]


# The backward driver sums the gradient back over the broadcast axes (engine.backprop).
BROADCAST_TO = register("BroadcastTo", _broadcast_to_kernel, _broadcast_to_infer,
                        lambda op, g: (g, None))


def broadcast_to(input, shape, name=None):  # noqa: A002
    """`input` repeated along size-1 and missing leading dims to `shape` (numpy rules)."""
    return execute(BROADCAST_TO, (input, shape_arg(shape)), None, name)
