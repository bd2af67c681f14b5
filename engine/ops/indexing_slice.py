"""Slicing: Slice, StridedSlice (what `tensor[...]` builds) and boolean_mask.

A strided-slice spec (begin, end, strides + five bit masks) is turned into a numpy
index tuple by ONE function, `numpy_index`, used by the kernel, its gradient and
sliced variable assignment alike, so they cannot disagree. Re-exported by
engine.ops.indexing (use that module).
"""

from __future__ import annotations

import builtins

import numpy as np

from engine import dtypes
from engine.context import execute
from engine.errors import InvalidArgumentError
from engine.infer import fmt_shape, static_value
from engine.registry import register
from engine.shapes import TensorShape
from engine.tensor_base import TensorBase

__all__ = ["boolean_mask", "check_strided_slice", "getitem", "numpy_index", "parse_key", "slice",
           "strided_slice"]

_UNKNOWN = TensorShape(None)
_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


def _spec_dims(rank, n, ellipsis_mask, new_axis_mask):
    """For each spec entry, the input dimension it addresses (None: newaxis/ellipsis),
    and how many input dims the ellipsis covers."""
    used = sum(1 for i in range(n) if not (new_axis_mask >> i) & 1
               and not (ellipsis_mask >> i) & 1)
    covered = builtins.max(rank - used, 0)
    dims, d = [], 0
    for i in range(n):
        if (ellipsis_mask >> i) & 1:
            dims.append(None)
            d += covered
        elif (new_axis_mask >> i) & 1:
            dims.append(None)
        else:
            dims.append(d)
            d += 1
    return dims, covered


def numpy_index(rank, begin, end, strides, begin_mask=0, end_mask=0, ellipsis_mask=0,
                new_axis_mask=0, shrink_axis_mask=0):
    """The numpy index tuple of a strided-slice spec on an array of `rank` dims."""
    index = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        b, e, s = int(b), int(e), int(s)
        if (ellipsis_mask >> i) & 1:
            index.append(Ellipsis)
        elif (new_axis_mask >> i) & 1:
            index.append(None)
        elif (shrink_axis_mask >> i) & 1:
            index.append(b)
        else:
            if s == 0:
                raise InvalidArgumentError(None, None, f"strides[{i}] must be non-zero")
            index.append(builtins.slice(None if (begin_mask >> i) & 1 else b,
                                        None if (end_mask >> i) & 1 else e, s))
    return tuple(index)


def check_strided_slice(shape, begin, end, strides, ellipsis_mask=0, new_axis_mask=0,
                        shrink_axis_mask=0, **_):
    """InvalidArgumentError for the specs TensorFlow's StridedSlice kernel rejects and numpy
    would not (or would word differently): one ellipsis, no index past the rank, shrunk
    indices in range. Run it before indexing with `numpy_index`."""
    n = len(begin)
    if not n == len(end) == len(strides):
        raise InvalidArgumentError(
            None, None, "Expected begin, end, and strides to be 1D equal size tensors, but got "
            f"shapes [{n}], [{len(end)}], and [{len(strides)}] instead.")
    if (ellipsis_mask & ((1 << n) - 1)).bit_count() > 1:
        raise InvalidArgumentError(None, None, "Multiple ellipses in slice spec not allowed")
    dims, _ = _spec_dims(len(shape), n, ellipsis_mask, new_axis_mask)
    used = [d for d in dims if d is not None]
    if used and not shape:
        raise InvalidArgumentError(None, None, "Attempting to slice scalar input.")
    if used and used[-1] >= len(shape):
        raise InvalidArgumentError(None, None, f"Index out of range using input dim "
                                   f"{len(shape)}; input has only {len(shape)} dims")
    for i, d in enumerate(dims):
        if not (shrink_axis_mask >> i) & 1 or d is None:
            continue
        if int(strides[i]) <= 0:
            raise InvalidArgumentError(None, None, "only stride 1 allowed on non-range "
                                       "indexing.")
        index = int(begin[i]) + (shape[d] if int(begin[i]) < 0 else 0)
        if not 0 <= index < shape[d]:
            raise InvalidArgumentError(None, None, f"slice index {index} of dimension {d} "
                                       "out of bounds.")


def _strided_slice_kernel(x, begin, end, strides, **masks):
    x = np.asarray(x)
    check_strided_slice(x.shape, begin, end, strides, **masks)
    return x[numpy_index(x.ndim, begin, end, strides, **masks)]


def _strided_slice_infer(inputs, attrs):
    x, begin_t, end_t, strides_t = inputs
    values = [static_value(t) for t in (begin_t, end_t, strides_t)]
    n = begin_t.shape[0] if begin_t.shape.rank == 1 else None
    if x.shape.rank is None or n is None:
        return [(x.dtype, _UNKNOWN)]
    dims_of, covered = _spec_dims(x.shape.rank, n, attrs["ellipsis_mask"],
                                  attrs["new_axis_mask"])
    in_dims = x.shape.as_list()
    out, next_dim = [], 0
    for i, d in enumerate(dims_of):
        if (attrs["ellipsis_mask"] >> i) & 1:
            out.extend(in_dims[next_dim:next_dim + covered])
            next_dim += covered
        elif (attrs["new_axis_mask"] >> i) & 1:
            out.append(1)
        elif (attrs["shrink_axis_mask"] >> i) & 1:
            next_dim += 1
        else:
            size = in_dims[d] if d < len(in_dims) else None
            if size is None or any(v is None for v in values):
                out.append(None)
            else:
                b, e, s = (int(v[i]) for v in values)
                sl = builtins.slice(None if (attrs["begin_mask"] >> i) & 1 else b,
                                    None if (attrs["end_mask"] >> i) & 1 else e, s or 1)
                out.append(len(range(*sl.indices(size))))
            next_dim += 1
    out.extend(in_dims[next_dim:])
    return [(x.dtype, TensorShape(out))]


def _masks_of(op):
    return {m: op.get_attr(m) for m in _MASKS}


def _strided_slice_grad(op, g):
    from engine.ops import array
    _, begin, end, strides = op.inputs
    grad = execute(STRIDED_SLICE_GRAD, (array.shape(op.inputs[0]), begin, end, strides, g),
                   _masks_of(op))
    return grad, None, None, None


STRIDED_SLICE = register("StridedSlice", _strided_slice_kernel, _strided_slice_infer,
                         _strided_slice_grad)


def _strided_slice_grad_kernel(shape, begin, end, strides, dy, **masks):
    out = np.zeros(tuple(int(d) for d in shape), dtype=dy.dtype)
    out[numpy_index(out.ndim, begin, end, strides, **masks)] = dy
    return out


def _strided_slice_grad_infer(inputs, attrs):
    shape = static_value(inputs[0])
    dims = [int(d) for d in shape] if shape is not None else None
    return [(inputs[4].dtype, TensorShape(dims))]


STRIDED_SLICE_GRAD = register(
    "StridedSliceGrad", _strided_slice_grad_kernel, _strided_slice_grad_infer,
    lambda op, g: (None, None, None, None,
                   execute(STRIDED_SLICE, (g,) + tuple(op.inputs[1:4]), _masks_of(op))))


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0,
                  ellipsis_mask=0, new_axis_mask=0, shrink_axis_mask=0, var=None,
                  name=None):
    """input_[begin:end:strides] per dimension, with TensorFlow's five bit masks."""
    if strides is None:
        from engine.ops import array
        strides = array.ones_like(begin) if isinstance(begin, TensorBase) else [1] * len(begin)
    attrs = {"begin_mask": begin_mask, "end_mask": end_mask, "ellipsis_mask": ellipsis_mask,
             "new_axis_mask": new_axis_mask, "shrink_axis_mask": shrink_axis_mask}
    return execute(STRIDED_SLICE, (input_, _pack(begin), _pack(end), _pack(strides)),
                   attrs, name)


def _pack(values):
    """A list of ints and scalar int tensors as one int32 vector (TF's auto-packing)."""
    from engine.ops.core import convert_to_tensor
    if isinstance(values, TensorBase):
        return values
    if any(isinstance(v, TensorBase) for v in values):
        from engine.ops import array, math
        return array.stack([math.cast(v, dtypes.int32) if isinstance(v, TensorBase)
                            else convert_to_tensor(int(v), dtype=dtypes.int32)
                            for v in values])
    return convert_to_tensor(np.asarray([int(v) for v in values], dtype=np.int32))


def parse_key(key):
    """Python's `[key]` as a strided-slice spec: (begin, end, strides, masks).

    A list is read as a tuple, as TensorFlow's _slice_helper does (`x[[0, 1]]` is
    `x[0, 1]`). Entries are Python ints or scalar integer tensors; `masks` is a dict of
    begin_mask, end_mask, ellipsis_mask, new_axis_mask and shrink_axis_mask.

    Raises:
        TypeError: an index TensorFlow does not accept (floats, nested lists, non-scalar
            tensors or arrays, unsigned tensors).
    """
    if not isinstance(key, (tuple, list)):
        key = (key,)
    begin, end, strides = [], [], []
    masks = dict.fromkeys(_MASKS, 0)
    for i, item in enumerate(key):
        bit = 1 << i
        if isinstance(item, builtins.slice):
            for value, out, mask in ((item.start, begin, "begin_mask"),
                                     (item.stop, end, "end_mask")):
                if value is None:
                    out.append(0)
                    masks[mask] |= bit
                else:
                    out.append(_check_index(value))
            strides.append(1 if item.step is None else _check_index(item.step))
        elif item is Ellipsis or item is None:
            begin.append(0), end.append(0), strides.append(1)
            masks["ellipsis_mask" if item is Ellipsis else "new_axis_mask"] |= bit
        else:
            index = _check_index(item)
            begin.append(index)
            end.append(index + 1)
            strides.append(1)
            masks["shrink_axis_mask"] |= bit
    if begin and isinstance(key[0], (bool, np.bool_)):
        # TensorFlow packs the spec into a tensor typed by its first entry: bool fails.
        raise TypeError(f"Cannot convert {begin!r} to EagerTensor of dtype bool")
    return begin, end, strides, masks


def _check_index(item):
    """The index as an int, or a scalar int16/32/64 tensor; TypeError for anything else."""
    if isinstance(item, (int, np.integer, np.bool_)):  # bools are ints, as for Python
        return int(item)
    if isinstance(item, np.ndarray) and item.ndim == 0 and item.dtype.kind in "iu":
        return int(item)
    if (isinstance(item, TensorBase) and item.dtype.name in ("int16", "int32", "int64")
            and item.shape.rank == 0):
        return item
    raise TypeError(f"Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and "
                    f"scalar tf.int32/tf.int64 tensors are valid indices, got {item!r}")


def _is_mask_key(key):
    """TensorFlow reads `x[b]` for a Python bool, bool array or bool tensor as a mask."""
    if isinstance(key, (bool, np.bool_)):
        return True
    if isinstance(key, np.ndarray):
        return key.dtype == np.bool_
    return isinstance(key, TensorBase) and key.dtype == dtypes.bool


def getitem(tensor, key):
    """`tensor[key]` for every key Python's [] accepts, as TensorFlow's StridedSlice
    (a bool key is boolean_mask, as in TensorFlow)."""
    if _is_mask_key(key):
        return boolean_mask(tensor, key)
    begin, end, strides, masks = parse_key(key)
    if not begin:  # tensor[()] is the tensor itself
        from engine.ops.core import identity
        return identity(tensor)
    return strided_slice(tensor, begin, end, strides, **masks)


# ---------------------------------------------------------------- Slice -----------------

def _slice_kernel(x, begin, size):
    x = np.asarray(x)
    if len(begin) != x.ndim or len(size) != x.ndim:
        raise InvalidArgumentError(None, None, f"Expected begin and size arguments to be 1-D "
                                   f"tensors of size {x.ndim}, but got shapes "
                                   f"{fmt_shape(np.shape(begin))} and "
                                   f"{fmt_shape(np.shape(size))} instead.")
    index = []
    for i, (b, s, d) in enumerate(zip(begin, size, x.shape)):
        b, s = int(b), int(s)
        s = d - b if s == -1 else s
        if not (0 <= b <= d and 0 <= s <= d - b):
            raise InvalidArgumentError(None, None, f"Expected size[{i}] in [0, {d - b}], but "
                                       f"got {s}" if 0 <= b <= d else
                                       f"Expected begin[{i}] in [0, {d}], but got {b}")
        index.append(builtins.slice(b, b + s))
    return x[tuple(index)]


def _slice_infer(inputs, attrs):
    x, begin_t, size_t = inputs
    begin, size = static_value(begin_t), static_value(size_t)
    n = size_t.shape[0] if size_t.shape.rank == 1 else x.shape.rank
    if n is None:
        return [(x.dtype, _UNKNOWN)]
    dims = []
    for i in range(n):
        s = None if size is None else int(size[i])
        if s == -1:
            d = x.shape[i] if x.shape.rank else None
            s = None if d is None or begin is None else d - int(begin[i])
        dims.append(s)
    return [(x.dtype, TensorShape(dims))]


def _slice_grad(op, g):
    from engine.ops import array, math
    x, begin, _ = op.inputs
    begin = math.cast(begin, dtypes.int32)
    after = math.subtract(math.subtract(array.shape(x), begin), array.shape(op.outputs[0]))
    return array.pad(g, array.stack([begin, after], axis=1)), None, None


SLICE = register("Slice", _slice_kernel, _slice_infer, _slice_grad)


def slice(input_, begin, size, name=None):  # noqa: A001 - TensorFlow's name
    """input_[begin[i] : begin[i] + size[i]] in each dimension (size -1: to the end)."""
    return execute(SLICE, (input_, _pack(begin), _pack(size)), None, name)


def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """The elements (or slices along `axis`) of `tensor` where `mask` is True."""
    from engine.ops import array, math
    from engine.ops.core import convert_to_tensor
    from engine.ops.indexing import gather
    tensor, mask = convert_to_tensor(tensor), convert_to_tensor(mask)
    axis = 0 if axis is None else int(axis)
    k = mask.shape.rank
    if k is None:
        raise ValueError("Number of mask dimensions must be specified, even if some "
                         "dimensions are None.  E.g. shape=[None] is ok, but shape=None is not.")
    if k == 0:
        raise ValueError("mask cannot be scalar.")
    tshape = tensor.shape
    if tshape.rank is not None:
        axis %= builtins.max(tshape.rank, 1)
        tshape[axis:axis + k].assert_is_compatible_with(mask.shape)
    leading = array.shape(tensor)
    flat_shape = array.concat([leading[:axis], [-1], leading[axis + k:]], axis=0)
    flat = array.reshape(tensor, flat_shape)
    indices = array.squeeze(math.where(array.reshape(mask, [-1])), axis=[1])
    return gather(flat, indices, axis=axis, name=name)

