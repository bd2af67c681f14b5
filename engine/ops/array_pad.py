"""Tile, Pad/PadV2/MirrorPad (and MirrorPadGrad), ReverseV2.

Re-exported by engine.ops.array (use that module). multiples, paddings and axis are
op inputs, read statically by `infer` when known.
"""

from __future__ import annotations

import numpy as np

from engine.context import execute
from engine.infer import fmt_shape, static_value
from engine.ops.array_shape import (
    bad,
    check_index_dtype,
    int_vector,
    reshape,
    shape,
    shape_of,
    static_ints,
    with_shapes,
)
from engine.registry import register
from engine.shapes import TensorShape

__all__ = ["tile", "pad", "reverse"]


# ---------------------------------------------------------------- Tile ---------------

def _tile_kernel(x, multiples):
    if np.ndim(multiples) != 1:
        raise bad(f"Expected multiples to be 1-D, but got shape "
                  f"{fmt_shape(np.shape(multiples))}")
    reps = int_vector("Tile", "Tmultiples", multiples, "multiples")
    if len(reps) != np.ndim(x):
        raise bad(f"Expected multiples argument to be a vector of length {np.ndim(x)} but "
                  f"got length {len(reps)}")
    for i, m in enumerate(reps):
        if m < 0:
            raise bad(f"Expected multiples[{i}] >= 0, but got {m}")
    return np.tile(x, reps) if reps else np.array(x, copy=True)


def _tile_infer(inputs, attrs):
    x, multiples_t = inputs
    check_index_dtype("Tile", "Tmultiples", multiples_t.dtype.name)
    reps, rank_ = static_ints(multiples_t), x.shape.rank
    if rank_ is None:
        n = multiples_t.shape[0] if multiples_t.shape.rank == 1 else None
        return [(x.dtype, TensorShape(None if n is None else [None] * n))]
    if multiples_t.shape.rank == 1 and multiples_t.shape[0] not in (None, rank_):
        raise ValueError(f"Shape must be rank {rank_} but is rank {multiples_t.shape[0]}"
                         + with_shapes("Tile", x, multiples_t))
    if reps is None:
        return [(x.dtype, TensorShape([None] * rank_))]
    return [(x.dtype, TensorShape([None if d is None else d * m
                                   for d, m in zip(x.shape.as_list(), reps)]))]


def _tile_grad(op, g):
    """Sum the copies: g reshaped to [m0, d0, m1, d1, ...], summed over the m axes."""
    from engine.ops.reduce import reduce_sum
    x, multiples_t = op.inputs
    reps = static_ints(multiples_t)
    if reps is not None and x.shape.is_fully_defined():
        split_shape = [n for pair in zip(reps, x.shape.as_list()) for n in pair]
        axes = list(range(0, 2 * len(reps), 2))
    else:
        from engine.ops.array import range as range_
        from engine.ops.array import size, stack, transpose
        in_shape = shape(x, out_type=multiples_t.dtype)
        split_shape = reshape(transpose(stack([multiples_t, in_shape])), [-1])
        axes = range_(0, size(split_shape), 2)
    return reduce_sum(reshape(g, split_shape), axis=axes), None


TILE = register("Tile", _tile_kernel, _tile_infer, _tile_grad)


def tile(input, multiples, name=None):  # noqa: A002 - TensorFlow's name
    """`input` repeated multiples[i] times along each dimension i."""
    if isinstance(multiples, (list, tuple)) and not multiples:
        multiples = np.zeros(0, np.int32)
    return execute(TILE, (input, multiples), None, name)


# ---------------------------------------------------------------- Pad family ---------

def _paddings_of(op_name, x, paddings):
    """paddings as an [ndim, 2] int array, checked as TensorFlow's kernels check it."""
    check_index_dtype(op_name, "Tpaddings", paddings.dtype.name)
    in_shape = np.shape(x)
    if np.shape(paddings) != (len(in_shape), 2):
        raise bad(f"The first dimension of paddings must be the rank of inputs"
                  f"{fmt_shape(np.shape(paddings))} {fmt_shape(in_shape)}")
    negative = paddings < 0
    if negative.any():
        row = np.argmax(negative.any(axis=1))
        raise bad(f"Paddings must be non-negative: {paddings[row, 0]} {paddings[row, 1]}")
    return paddings


def _pad_kernel(x, paddings):
    return np.pad(x, _paddings_of("Pad", x, paddings))


def _pad_v2_kernel(x, paddings, constant_values):
    p = _paddings_of("PadV2", x, paddings)
    if np.ndim(constant_values) != 0:
        raise bad(f"constant_values must be a scalar. Found: "
                  f"{fmt_shape(np.shape(constant_values))}")
    return np.pad(x, p, constant_values=constant_values)


def _mirror_pad_kernel(x, paddings, mode):
    p = _paddings_of("MirrorPad", x, paddings)
    in_shape = np.shape(x)
    for (before, after), n in zip(p.tolist(), in_shape):
        if mode == "REFLECT" and (before >= n or after >= n):
            raise bad(f"paddings must be less than the dimension size: {before}, {after} not "
                      f"less than {n}")
        if mode == "SYMMETRIC" and (before > n or after > n):
            raise bad(f"paddings must be no greater than the dimension size: {before}, "
                      f"{after} greater than {n}")
    return np.pad(x, p, mode=mode.lower())


def _padded_infer(op_name, sign=1):
    """infer for ops adding (sign 1) or removing (sign -1) paddings around the input."""
    def infer(inputs, attrs):
        x, paddings_t = inputs[0], inputs[1]
        check_index_dtype(op_name, "Tpaddings", paddings_t.dtype.name)
        if len(inputs) == 3 and inputs[2].dtype != x.dtype:
            raise TypeError(f"Input 2 of '{op_name}' Op has type {inputs[2].dtype.name} that "
                            f"does not match type {x.dtype.name} of input 0.")
        rank_ = x.shape.rank
        if rank_ is None and paddings_t.shape.rank == 2:
            rank_ = paddings_t.shape[0]
        if rank_ is None:
            return [(x.dtype, TensorShape(None))]
        value = static_value(paddings_t)
        if paddings_t.shape.rank is not None and not TensorShape([rank_, 2]).is_compatible_with(
                paddings_t.shape):
            raise ValueError(f"The first dimension of paddings must be the rank of inputs"
                             f"{fmt_shape(paddings_t.shape)} {fmt_shape(x.shape)}"
                             + with_shapes(op_name, *inputs))
        dims = x.shape.as_list() if x.shape.rank is not None else [None] * rank_
        if value is None:
            return [(x.dtype, TensorShape([None] * rank_))]
        value = np.asarray(value)
        if (value < 0).any():
            raise ValueError("Paddings must be non-negative" + with_shapes(op_name, *inputs))
        return [(x.dtype, TensorShape([None if d is None else d + sign * int(a + b)
                                       for d, (a, b) in zip(dims, value.tolist())]))]
    return infer


def _pad_grad(op, g):
    """dL/dx: the middle of g, where x sits inside the padding."""
    from engine.ops.indexing import slice as slice_
    x, paddings_t = op.inputs[0], op.inputs[1]
    value = static_value(paddings_t)
    if value is not None:
        begin, sizes = np.asarray(value)[:, 0].astype(np.int32), shape_of(x)
    else:
        from engine.ops.array import split
        begin = reshape(split(paddings_t, 2, axis=1)[0], [-1])
        sizes = shape(x, out_type=paddings_t.dtype)
    grad = slice_(g, begin, sizes)
    return (grad,) + (None,) * (len(op.inputs) - 1)


def _mirror_pad_grad_kernel(g, paddings, mode):
    """Folds the mirrored borders of g back onto the positions they were copied from."""
    offset = 0 if mode == "SYMMETRIC" else 1
    for axis, (before, after) in enumerate(np.asarray(paddings).tolist()):
        n = g.shape[axis] - before - after
        lead = (slice(None),) * axis
        core = np.array(g[lead + (slice(before, before + n),)], copy=True)
        if before:
            core[lead + (slice(offset, offset + before),)] += np.flip(
                g[lead + (slice(0, before),)], axis)
        if after:
            core[lead + (slice(n - offset - after, n - offset),)] += np.flip(
                g[lead + (slice(before + n, None),)], axis)
        g = core
    return g


PAD = register("Pad", _pad_kernel, _padded_infer("Pad"), _pad_grad)
PAD_V2 = register("PadV2", _pad_v2_kernel, _padded_infer("PadV2"), _pad_grad,
                  same_dtype=(0, 2))
MIRROR_PAD = register(
    "MirrorPad", _mirror_pad_kernel, _padded_infer("MirrorPad"),
    lambda op, g: (execute(MIRROR_PAD_GRAD, (g, op.inputs[1]),
                           {"mode": op.get_attr("mode")}, None), None))
MIRROR_PAD_GRAD = register(
    "MirrorPadGrad", _mirror_pad_grad_kernel, _padded_infer("MirrorPadGrad", -1),
    lambda op, g: (execute(MIRROR_PAD, (g, op.inputs[1]), {"mode": op.get_attr("mode")},
                           None), None))


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """`tensor` with paddings[i] = [before, after] values added around dimension i:
    `constant_values`, or a mirror of the edge without (REFLECT) or with (SYMMETRIC)
    the edge value itself."""
    from engine.ops.core import is_tensor
    mode = str(mode).upper()
    if mode == "CONSTANT":
        if (not is_tensor(constant_values) and np.ndim(constant_values) == 0
                and constant_values == 0):
            return execute(PAD, (tensor, paddings), None, name)
        return execute(PAD_V2, (tensor, paddings, constant_values), None, name)
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise ValueError('Value of argument `mode` expected to be one of "CONSTANT", '
                         f'"REFLECT", or "SYMMETRIC". Received `mode` = {mode}')
    return execute(MIRROR_PAD, (tensor, paddings), {"mode": mode}, name)


# ---------------------------------------------------------------- ReverseV2 ----------

def _reverse_axes(op_name, axis, ndim, error):
    """The axes to flip, checked as TensorFlow checks them (`error` makes the exception)."""
    axes = []
    for i, a in enumerate(axis):
        if not -ndim <= a < ndim:
            raise error(f"'axis'[{i}] = {a} is out of valid range [0, {ndim - 1}")
        a %= ndim
        if a in axes:
            raise error(f"axis {a} specified more than once.")
        axes.append(a)
    return tuple(axes)


def _reverse_kernel(x, axis):
    check_index_dtype("ReverseV2", "Tidx", axis.dtype.name)
    if np.ndim(axis) != 1:
        raise bad(f"'dims' must be 1-dimension, not {np.ndim(axis)}")
    axes = _reverse_axes("ReverseV2", axis.tolist(), np.ndim(x), bad)
    return np.flip(x, axes) if axes else x


def _reverse_infer(inputs, attrs):
    x, axis_t = inputs
    check_index_dtype("ReverseV2", "Tidx", axis_t.dtype.name)
    value = static_ints(axis_t)
    if value is not None and x.shape.rank is not None:
        def error(message):
            return ValueError(message + with_shapes("ReverseV2", x, axis_t))
        _reverse_axes("ReverseV2", value, x.shape.rank, error)
    return [(x.dtype, x.shape)]


REVERSE = register("ReverseV2", _reverse_kernel, _reverse_infer,
                   lambda op, g: (reverse(g, op.inputs[1]), None))


def reverse(tensor, axis, name=None):
    """`tensor` with the order of elements reversed along each dimension in `axis`."""
    if isinstance(axis, (list, tuple)) and not axis:
        axis = np.zeros(0, np.int32)
    return execute(REVERSE, (tensor, axis), None, name)
