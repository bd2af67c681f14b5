"""Scans and arg-reductions along one axis: cumsum, cumprod, argmax, argmin.

Re-exported by engine.ops.reduce (use that module); the dtype checks are reduce's.
"""

from __future__ import annotations

import numpy as np

from engine import dtypes, errors
from engine.context import execute
from engine.infer import fmt_shape, static_value
from engine.ops import math as _m
from engine.ops.core import constant, convert_to_tensor, is_tensor
from engine.ops.reduce import (_ARG_TYPES, _SUM_TYPES, _UNKNOWN, _check_index_dtype,
                               _infer_type_check, _kernel_type_check)
from engine.registry import register
from engine.shapes import TensorShape

__all__ = ["cumsum", "cumprod", "argmax", "argmin"]


# ---------------------------------------------------------------- scans ---------------

def _scan_axis(x, axis) -> int:
    _check_index_dtype(np.dtype(axis.dtype).name)
    if np.ndim(axis) != 0:
        raise errors.InvalidArgumentError(
            None, None, f"ScanOp: axis must be a scalar, not {list(np.shape(axis))}")
    rank, a = np.ndim(x), int(axis)
    if not -rank <= a < rank:
        raise errors.InvalidArgumentError(
            None, None, f"ScanOp: Expected scan axis in the range [{-rank}, {rank}), but "
            f"got {a}")
    return a % rank


def _scan_kernel(op_name, ufunc, identity):
    def kernel(x, axis, exclusive, reverse):
        _kernel_type_check(op_name, x, _SUM_TYPES)
        a = _scan_axis(x, axis)
        if reverse:
            x = np.flip(x, a)
        out = ufunc.accumulate(x, axis=a, dtype=x.dtype)
        if exclusive and x.shape[a]:
            shifted = np.empty_like(out)
            lead = (slice(None),) * a
            shifted[lead + (slice(0, 1),)] = identity
            shifted[lead + (slice(1, None),)] = out[lead + (slice(0, -1),)]
            out = shifted
        return np.flip(out, a) if reverse else out
    return kernel


def _scan_infer(op_name):
    def infer(inputs, attrs):
        x, axis = inputs
        _infer_type_check(op_name, x, _SUM_TYPES)
        value, rank = static_value(axis), x.shape.rank
        if axis.shape.rank not in (None, 0):
            raise ValueError(f"ScanOp: axis must be a scalar, not {fmt_shape(axis.shape)} "
                             f"for '{op_name}'")
        if value is not None and rank is not None and not -rank <= int(value) < rank:
            raise ValueError(f"ScanOp: Expected scan axis in the range [{-rank}, {rank}), "
                             f"but got {int(value)} for '{op_name}' with input shapes: "
                             f"{fmt_shape(x.shape)}, []")
        return [(x.dtype, x.shape)]
    return infer


def _cumsum_grad(op, g):
    """Each x[i] feeds every later (earlier when reversed) output: cumsum the other way."""
    return cumsum(g, op.inputs[1], exclusive=op.get_attr("exclusive"),
                  reverse=not op.get_attr("reverse")), None


def _cumprod_grad(op, g):
    """TensorFlow's formula cumsum(y * g, reversed) / x: correct for nonzero x only."""
    x, axis = op.inputs
    summed = cumsum(_m.multiply(op.outputs[0], g), axis, exclusive=op.get_attr("exclusive"),
                    reverse=not op.get_attr("reverse"))
    return _m.realdiv(summed, x), None


CUMSUM = register("Cumsum", _scan_kernel("Cumsum", np.add, 0), _scan_infer("Cumsum"),
                  _cumsum_grad)
CUMPROD = register("Cumprod", _scan_kernel("Cumprod", np.multiply, 1),
                   _scan_infer("Cumprod"), _cumprod_grad)


def _scan(opdef, x, axis, exclusive, reverse, name):
    x = convert_to_tensor(x)
    if not is_tensor(axis):
        value = np.asarray(axis)
        if value.dtype.kind not in "iu":
            raise TypeError(f"Cannot convert {axis!r} to EagerTensor of dtype int32")
        axis = constant(value if value.dtype == np.int64 else value.astype(np.int32))
    return execute(opdef, (x, axis), {"exclusive": bool(exclusive), "reverse": bool(reverse)},
                   name)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running sums along `axis`: y[i] = x[0] + ... + x[i] (x[i] left out if exclusive)."""
    return _scan(CUMSUM, x, axis, exclusive, reverse, name)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running products along `axis`: y[i] = x[0] * ... * x[i] (exclusive: up to i-1)."""
    return _scan(CUMPROD, x, axis, exclusive, reverse, name)


# ---------------------------------------------------------------- argmax, argmin -------

_OUTPUT_TYPES = ("int16", "uint16", "int32", "int64")


def _arg_kernel(op_name, fn, nan_as):
    def kernel(x, dimension, output_type):
        _kernel_type_check(op_name, x, _ARG_TYPES)
        _check_index_dtype(np.dtype(dimension.dtype).name)
        if output_type.name not in _OUTPUT_TYPES:
            raise errors.InvalidArgumentError(
                None, None, f"Value for attr 'output_type' of {output_type.name} is not in "
                f"the list of allowed values: {', '.join(_OUTPUT_TYPES)}")
        rank, a = np.ndim(x), int(dimension)
        if not -rank <= a < rank:
            raise errors.InvalidArgumentError(
                None, None, f"Expected dimension in the range [{-rank}, {rank}), but got {a}")
        a %= rank
        if x.shape[a] == 0:
            raise errors.InvalidArgumentError(
                None, None, f"Reduction axis {a} is empty in shape {fmt_shape(x.shape)}")
        if x.dtype.kind == "f" and np.isnan(x).any():
            x = np.where(np.isnan(x), nan_as, x)  # TensorFlow never picks a NaN over a number
        return fn(x, axis=a).astype(output_type._np)
    return kernel


def _arg_infer(op_name):
    def infer(inputs, attrs):
        x, dimension = inputs
        _infer_type_check(op_name, x, _ARG_TYPES)
        out_type = attrs["output_type"]
        if out_type.name not in _OUTPUT_TYPES:
            raise TypeError(f"Value passed to parameter 'output_type' has DataType "
                            f"{out_type.name} not in list of allowed values: "
                            f"{', '.join(_OUTPUT_TYPES)}")
        rank, value = x.shape.rank, static_value(dimension)
        if rank is None:
            return [(out_type, _UNKNOWN)]
        if value is None:
            return [(out_type, TensorShape([None] * max(rank - 1, 0)))]
        a = int(value)
        if not -rank <= a < rank:
            raise ValueError(f"Dimension ({a}) must be in the range [{-rank}, {rank}), where "
                             f"{rank} is the number of dimensions in the input. for "
                             f"'{op_name}' with input shapes: {fmt_shape(x.shape)}, [] and "
                             f"with computed input tensors: input[1] = <{a}>.")
        dims = x.shape.as_list()
        return [(out_type, TensorShape(dims[:a % rank] + dims[a % rank + 1:]))]
    return infer


ARGMAX = register("ArgMax", _arg_kernel("ArgMax", np.argmax, -np.inf), _arg_infer("ArgMax"))
ARGMIN = register("ArgMin", _arg_kernel("ArgMin", np.argmin, np.inf), _arg_infer("ArgMin"))


def _arg(opdef, input, axis, output_type, name):  # noqa: A002
    x = convert_to_tensor(input)
    if axis is None:
        axis = 0
    if not is_tensor(axis):
        value = np.asarray(axis)
        if value.ndim != 0 or value.dtype.kind not in "iu":
            raise TypeError("axis must be int or Tensor with integer datatype")
        axis = constant(value.astype(np.int32) if value.dtype != np.int64 else value)
    return execute(opdef, (x, axis), {"output_type": dtypes.as_dtype(output_type)}, name)


def argmax(input, axis=None, output_type=dtypes.int64, name=None):  # noqa: A002
    """The index of the largest value along `axis` (0 when None); ties pick the first."""
    return _arg(ARGMAX, input, axis, output_type, name)


def argmin(input, axis=None, output_type=dtypes.int64, name=None):  # noqa: A002
    """The index of the smallest value along `axis` (0 when None); ties pick the first."""
    return _arg(ARGMIN, input, axis, output_type, name)
