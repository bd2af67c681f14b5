"""Reductions and scans: sum, mean, max, min, prod, any, all, argmax, cumsum, cumprod.

The axes are an INPUT (TensorFlow's `reduction_indices`), so a graph can feed them;
`infer` reads them with `static_value` and gives an unknown shape when they are not
known. Gradients broadcast the incoming gradient back over the reduced axes with
public ops, using static shapes when they are known and `array.shape(x)` otherwise,
so they serve the tape and graph mode alike and differentiate again.
"""

from __future__ import annotations

import numpy as np

from engine import dtypes, errors
from engine.context import execute
from engine.infer import fmt_shape, static_value
from engine.ops import math as _m
from engine.ops.core import constant, convert_to_tensor, is_tensor, stop_gradient
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape

__all__ = [
    "argmax", "argmin", "count_nonzero", "cumprod", "cumsum", "reduce_all", "reduce_any",
    "reduce_euclidean_norm", "reduce_logsumexp", "reduce_max", "reduce_mean", "reduce_min",
    "reduce_prod", "reduce_std", "reduce_sum", "reduce_variance",
]

_UNKNOWN = TensorShape(None)
# TensorFlow's allowed-type lists, as its kernels print them (C++ names).
_SUM_TYPES = ("float, double, int32, uint8, int16, int8, complex64, int64, qint8, quint8, "
              "qint32, bfloat16, qint16, quint16, uint16, complex128, half, uint32, uint64")
_MAX_TYPES = ("float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, "
              "uint32, uint64, qint8, quint8, qint32, qint16, quint16")
_ARG_TYPES = _MAX_TYPES + ", bool"
_KINDS = {_SUM_TYPES: "iufc", _MAX_TYPES: "iuf", _ARG_TYPES: "iufb"}


def _py_names(allowed: str) -> str:
    """The allowed list with Python dtype names, as graph-mode TypeErrors print it."""
    names = {"float": "float32", "double": "float64", "half": "float16"}
    return ", ".join(names.get(n, n) for n in allowed.split(", "))


def _kernel_type_check(op_name, x, allowed, attr="T"):
    if x.dtype.kind not in _KINDS[allowed] or x.dtype == object:
        name = dtypes.from_numpy(x.dtype).name if x.dtype != object else "string"
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr '{attr}' of {name} is not in the list of allowed "
            f"values: {allowed}\n\t; NodeDef: {{{{node {op_name}}}}}")


def _infer_type_check(op_name, x, allowed):
    if x.dtype._np.kind not in _KINDS[allowed] or x.dtype is dtypes.string:
        raise TypeError(f"Value passed to parameter 'input' has DataType {x.dtype.name} not "
                        f"in list of allowed values: {_py_names(allowed)} (op '{op_name}')")


_INDEX_NP = frozenset((np.dtype(np.int32), np.dtype(np.int64)))


def _check_index_dtype(dtype_name, where="Tidx"):
    if dtype_name not in ("int32", "int64"):
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr '{where}' of {dtype_name} is not in the list of "
            "allowed values: int32, int64")


# ---------------------------------------------------------------- axes, both sides ----

def _kernel_axes(x, axes) -> tuple:
    """The normalized, checked reduction axes (eager errors in TensorFlow's words)."""
    if axes.dtype not in _INDEX_NP:
        _check_index_dtype(np.dtype(axes.dtype).name)
    rank = np.ndim(x)
    flat = axes.tolist() if axes.ndim <= 1 else np.reshape(axes, -1).tolist()
    norm = []
    for a in (flat if type(flat) is list else (flat,)):
        if not -rank <= a < rank:
            raise errors.InvalidArgumentError(
                None, None, f"Invalid reduction dimension ({a} for input with {rank} "
                "dimension(s)")
        norm.append(a % rank)
    if len(norm) > 1 and len(set(norm)) != len(norm):
        dup = next(a for i, a in enumerate(norm) if a in norm[:i])
        raise errors.InvalidArgumentError(
            None, None, "Invalid reduction arguments: Axes contains duplicate dimension: "
            f"{dup}")
    return tuple(norm)


def _reduced_shape(op_name, x, axes, keep) -> TensorShape:
    """The static output shape of reducing `x` over `axes` (None dims where unknown)."""
    rank, value = x.shape.rank, static_value(axes)
    if value is None:
        return TensorShape([None] * rank) if keep and rank is not None else _UNKNOWN
    flat = [int(a) for a in np.reshape(value, -1)]
    if not flat:
        return x.shape
    if rank is None:
        return _UNKNOWN
    for a in flat:
        if not -rank <= a < rank:
            raise ValueError(
                f"Invalid reduction dimension {a} for input with {rank} dimensions. for "
                f"'{op_name}' with input shapes: {fmt_shape(x.shape)}, "
                f"{fmt_shape(axes.shape)} and with computed input tensors: input[1] = "
                f"<{' '.join(str(v) for v in flat)}>.")
    reduced = {a % rank for a in flat}
    dims = x.shape.as_list()
    if keep:
        return TensorShape([1 if i in reduced else d for i, d in enumerate(dims)])
    return TensorShape([d for i, d in enumerate(dims) if i not in reduced])


def _reduce_infer(op_name, allowed):
    def infer(inputs, attrs):
        x, axes = inputs
        _infer_type_check(op_name, x, allowed)
        if axes.dtype.name not in ("int32", "int64"):
            raise TypeError(f"Value passed to parameter 'reduction_indices' has DataType "
                            f"{axes.dtype.name} not in list of allowed values: int32, int64")
        return [(x.dtype, _reduced_shape(op_name, x, axes, attrs.get("keep_dims", False)))]
    return infer


def _axes_input(x, axis):
    """The reduction_indices tensor for `axis` (None: every axis, as TensorFlow)."""
    if axis is None:
        if x.shape.rank is not None:  # eagerly a cached constant (a tuple of Python ints)
            return convert_to_tensor(tuple(range(x.shape.rank)), dtype=dtypes.int32)
        from engine.ops import array
        return _positions(array.shape(x))
    if is_tensor(axis):
        return axis
    if type(axis) is int or (type(axis) in (list, tuple) and axis and
                             all(type(a) is int for a in axis)):
        return convert_to_tensor(axis, dtype=dtypes.int32)  # eagerly a cached constant
    value = np.asarray(axis)
    if value.dtype.kind not in "iu":
        if value.size:
            raise TypeError(f"Cannot convert {axis!r} to EagerTensor of dtype int32")
        value = value.astype(np.int32)
    if value.dtype not in (np.int32, np.int64):
        value = value.astype(np.int32)
    return constant(value)


def _may_reduce_to_scalar(keepdims, axis, output):
    """Reducing every axis of an unknown-rank tensor still gives a scalar (graph mode)."""
    if not keepdims and axis is None and output.shape.rank is None:
        set_shape = getattr(output, "set_shape", None)
        if set_shape is not None:
            set_shape([])
    return output


# ---------------------------------------------------------------- gradient helpers ----

def _positions(shape_t):
    """[0, 1, ..., n-1] for a shape tensor of n entries, with public ops only."""
    return cumsum(_m.add(_m.multiply(shape_t, 0), 1), exclusive=True)


def _kept_shape(x, axes):
    """x's shape with the reduced axes set to 1: a Python list when static, else a tensor."""
    rank, value = x.shape.rank, static_value(axes)
    if rank is not None and value is not None:
        reduced = {int(a) % rank for a in np.reshape(value, -1)} if rank else set()
        dims = x.shape.as_list()
        kept = [1 if i in reduced else d for i, d in enumerate(dims)]
        if None not in kept:
            return kept
        from engine.ops import array
        mask = constant(np.array([i in reduced for i in range(rank)], dtype=bool))
        return _m.where(mask, 1, array.shape(x))
    from engine.ops import array
    shape = array.shape(x)
    ones = _m.add(_m.multiply(shape, 0), 1)
    rank_t = _m.maximum(reduce_sum(ones), 1)  # a scalar x has no axes: avoid mod by 0
    axes = _m.floormod(array.reshape(_m.cast(axes, dtypes.int32), [1, -1]), rank_t)
    hit = reduce_any(_m.equal(array.reshape(_positions(shape), [-1, 1]), axes), axis=1)
    return _m.where(hit, ones, shape)


def _shape_of(x):
    """x's shape as a Python list when fully known, else the shape tensor."""
    if x.shape.is_fully_defined():
        return x.shape.as_list()
    from engine.ops import array
    return array.shape(x)


def _keepdims_grad(op, g):
    """The output gradient with the reduced axes kept as size 1 (broadcasts against x)."""
    if op.get_attr("keep_dims"):
        return g
    from engine.ops import array
    return array.reshape(g, _kept_shape(op.inputs[0], op.inputs[1]))


def _sum_grad(op, g):
    """dL/dx = the output gradient broadcast back over the reduced axes (no reshape when
    those are the leading axes: broadcasting puts them back by itself)."""
    from engine.ops import array
    x = op.inputs[0]
    if not (op.get_attr("keep_dims") or _leading_axes(x, op.inputs[1])):
        g = _keepdims_grad(op, g)
    return array.broadcast_to(g, _shape_of(x)), None


def _leading_axes(x, axes) -> bool:
    """The reduced axes are statically 0..k-1 (a batch sum, or every axis)."""
    rank, value = x.shape.rank, static_value(axes)
    if rank is None or value is None:
        return False
    reduced = sorted({int(a) % rank for a in np.reshape(value, -1)}) if rank else []
    return reduced == list(range(len(reduced)))


def _count(x, y):
    """How many input elements fed each output element, as a scalar (static if known):
    one Size op when only the input's shape is dynamic (a batch mean's gradient)."""
    if x.shape.is_fully_defined() and y.shape.is_fully_defined():
        return x.shape.num_elements() // max(y.shape.num_elements(), 1)
    from engine.ops import array
    if y.shape.is_fully_defined() and y.shape.num_elements() <= 1:
        return array.size(x)
    return _m.floordiv(array.size(x), _m.maximum(array.size(y), 1))


def _mean_grad(op, g):
    """The sum's gradient divided by the count; a static count divides the (small)
    output gradient before broadcasting it — the same numbers, fewer divisions."""
    count = _count(op.inputs[0], op.outputs[0])
    if isinstance(count, int):
        scaled = _m.realdiv(g, count)
        return _sum_grad(op, scaled)[0], None
    grad, _ = _sum_grad(op, g)
    return _m.realdiv(grad, _m.cast(count, grad.dtype)), None


def _minmax_grad(op, g):
    """TensorFlow's rule: the gradient is shared equally among the tied extreme values."""
    x, axes = op.inputs
    y = op.outputs[0]
    if not op.get_attr("keep_dims"):
        from engine.ops import array
        kept = _kept_shape(x, axes)
        y, g = array.reshape(y, kept), array.reshape(g, kept)
    hits = _m.cast(_m.equal(y, x), g.dtype)
    ties = reduce_sum(hits, axes, keepdims=True)
    return _m.multiply(_m.realdiv(hits, ties), g), None


def _prod_of_others(x, axes):
    """For each element, the product of the OTHER elements of its reduced group.

    One axis at a time: (exclusive cumprods from both ends along the axis) times the
    same quantity for the product-reduced tensor over the remaining axes. No division,
    so it is exact when the group contains zeros.
    """
    result = None
    for a in axes:
        left = cumprod(x, a, exclusive=True)
        right = cumprod(x, a, exclusive=True, reverse=True)
        part = _m.multiply(left, right)
        result = part if result is None else _m.multiply(result, part)
        x = reduce_prod(x, a, keepdims=True)
    return result


def _prod_grad(op, g):
    """Zero-safe for static axes (cumprod trick); y / x for axes only known at run time."""
    x, axes = op.inputs
    g = _keepdims_grad(op, g)
    value = static_value(axes)
    if value is not None:
        others = _prod_of_others(x, [int(a) for a in np.reshape(value, -1)])
        return (g if others is None else _m.multiply(g, others)), None
    from engine.ops import array
    y = array.reshape(op.outputs[0], _kept_shape(x, axes))
    return _m.realdiv(_m.multiply(g, y), x), None


def _norm_grad(op, g):
    """d||x|| / dx = x / ||x|| (nan where the norm is 0, as TensorFlow)."""
    x, axes = op.inputs
    y = op.outputs[0]
    if not op.get_attr("keep_dims"):
        from engine.ops import array
        kept = _kept_shape(x, axes)
        y, g = array.reshape(y, kept), array.reshape(g, kept)
    return _m.realdiv(_m.multiply(x, g), y), None


# ---------------------------------------------------------------- kernels -------------

def _sum_kernel(x, axes, keep_dims):
    _kernel_type_check("Sum", x, _SUM_TYPES)
    return np.add.reduce(x, axis=_kernel_axes(x, axes), dtype=x.dtype, keepdims=keep_dims)


def _count_of(x, axes):
    n, shape = 1, np.shape(x)
    for a in axes:
        n *= shape[a]
    return n


def _mean_kernel(x, axes, keep_dims):
    _kernel_type_check("Mean", x, _SUM_TYPES)
    axes_t = _kernel_axes(x, axes)
    n = _count_of(x, axes_t)
    if x.dtype.kind in "fc":
        total = np.add.reduce(x, axis=axes_t, dtype=x.dtype, keepdims=keep_dims)
        if n == 0:  # an empty mean is nan, quietly, as TensorFlow's
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.asarray(total / x.dtype.type(n)).astype(x.dtype, copy=False)
        return np.asarray(np.true_divide(total, x.dtype.type(n), dtype=x.dtype))
    # Integers: TensorFlow accumulates wide and divides truncating toward zero.
    wide = np.uint64 if x.dtype.kind == "u" else np.int64
    total = np.asarray(np.sum(x, axis=axes_t, dtype=wide, keepdims=keep_dims))
    if n == 0:
        return np.zeros_like(total, dtype=x.dtype)
    if x.dtype.kind == "u":
        return (total // n).astype(x.dtype)
    return np.where(total < 0, -(-total // n), total // n).astype(x.dtype)


def _extreme_kernel(op_name, fn, pick_lowest):
    def kernel(x, axes, keep_dims):
        _kernel_type_check(op_name, x, _MAX_TYPES)
        if x.dtype.kind == "f":
            initial = -np.inf if pick_lowest else np.inf
        else:
            info = np.iinfo(x.dtype)
            initial = info.min if pick_lowest else info.max
        # `initial` is the identity, so empty reductions give TensorFlow's -inf / lowest.
        return fn(x, axis=_kernel_axes(x, axes), keepdims=keep_dims,
                  initial=x.dtype.type(initial))
    return kernel


def _prod_kernel(x, axes, keep_dims):
    _kernel_type_check("Prod", x, _SUM_TYPES)
    return np.prod(x, axis=_kernel_axes(x, axes), dtype=x.dtype, keepdims=keep_dims)


def _bool_kernel(op_name, fn):
    def kernel(x, axes, keep_dims):
        if x.dtype.kind != "b":
            raise errors.InvalidArgumentError(
                None, None, f"cannot compute {op_name} as input #0(zero-based) was expected "
                f"to be a bool tensor but is a {_tf_name(x.dtype)} tensor")
        return fn(x, axis=_kernel_axes(x, axes), keepdims=keep_dims)
    return kernel


def _tf_name(np_dtype):
    from engine.ops._util import tf_type_name
    return tf_type_name(dtypes.from_numpy(np_dtype)) if np_dtype != object else "string"


def _bool_infer(op_name):
    def infer(inputs, attrs):
        x, axes = inputs
        if x.dtype is not dtypes.bool:
            raise TypeError(f"Input 'input' of '{op_name}' Op has type {x.dtype.name} that "
                            "does not match expected type of bool.")
        return [(x.dtype, _reduced_shape(op_name, x, axes, attrs.get("keep_dims", False)))]
    return infer


def _norm_kernel(x, axes, keep_dims):
    _kernel_type_check("EuclideanNorm", x, _SUM_TYPES)
    axes_t = _kernel_axes(x, axes)
    squares = x * np.conj(x) if x.dtype.kind == "c" else np.multiply(x, x, dtype=x.dtype)
    total = np.sum(squares, axis=axes_t, dtype=x.dtype, keepdims=keep_dims)
    if x.dtype.kind in "iu":  # an integer norm is the truncated square root, as TensorFlow
        return np.asarray(np.sqrt(total.astype(np.float64))).astype(x.dtype)
    return np.asarray(np.sqrt(total)).astype(x.dtype, copy=False)


SUM = register("Sum", _sum_kernel, _reduce_infer("Sum", _SUM_TYPES), _sum_grad)
MEAN = register("Mean", _mean_kernel, _reduce_infer("Mean", _SUM_TYPES), _mean_grad)
MAX = register("Max", _extreme_kernel("Max", np.max, True), _reduce_infer("Max", _MAX_TYPES),
               _minmax_grad)
MIN = register("Min", _extreme_kernel("Min", np.min, False),
               _reduce_infer("Min", _MAX_TYPES), _minmax_grad)
PROD = register("Prod", _prod_kernel, _reduce_infer("Prod", _SUM_TYPES), _prod_grad)
ANY = register("Any", _bool_kernel("Any", np.any), _bool_infer("Any"), NO_GRADIENT)
ALL = register("All", _bool_kernel("All", np.all), _bool_infer("All"), NO_GRADIENT)
EUCLIDEAN_NORM = register("EuclideanNorm", _norm_kernel,
                          _reduce_infer("EuclideanNorm", _SUM_TYPES), _norm_grad)


KEEP_DIMS = {False: {"keep_dims": False}, True: {"keep_dims": True}}  # shared: never mutated


def _reduce(opdef, input_tensor, axis, keepdims, name):
    x = convert_to_tensor(input_tensor)
    out = execute(opdef, (x, _axes_input(x, axis)), KEEP_DIMS[bool(keepdims)], name)
    return _may_reduce_to_scalar(keepdims, axis, out)


def _public(opdef, fn_name, doc):
    def fn(input_tensor, axis=None, keepdims=False, name=None):
        return _reduce(opdef, input_tensor, axis, keepdims, name)
    fn.__name__ = fn.__qualname__ = fn_name
    fn.__doc__ = doc
    return fn


reduce_sum = _public(SUM, "reduce_sum", "sum(x) over `axis` (every axis when None); "
                     "keepdims keeps them as size 1.")
reduce_mean = _public(MEAN, "reduce_mean", "mean(x) over `axis`; integer tensors give the "
                      "integer mean truncated toward zero, as TensorFlow.")
reduce_max = _public(MAX, "reduce_max", "max(x) over `axis`; an empty reduction gives -inf "
                     "(floats) or the lowest integer.")
reduce_min = _public(MIN, "reduce_min", "min(x) over `axis`; an empty reduction gives +inf "
                     "(floats) or the largest integer.")
reduce_prod = _public(PROD, "reduce_prod", "prod(x) over `axis` (1 for an empty reduction).")
reduce_any = _public(ANY, "reduce_any", "Logical OR of a bool tensor over `axis` (False "
                     "when empty).")
reduce_all = _public(ALL, "reduce_all", "Logical AND of a bool tensor over `axis` (True "
                     "when empty).")
reduce_euclidean_norm = _public(EUCLIDEAN_NORM, "reduce_euclidean_norm",
                                "sqrt(sum(x * x)) over `axis` (integer inputs give the "
                                "truncated integer root, as TensorFlow).")


# ---------------------------------------------------------------- composites ----------

def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """log(sum(exp(x))) over `axis`, computed as m + log(sum(exp(x - m))), m = max(x).

    The shift m is a constant for differentiation (stop_gradient) and is 0 where the max
    is not finite, so all -inf gives -inf and +inf gives +inf, exactly as TensorFlow.
    """
    x = convert_to_tensor(input_tensor)
    raw_max = reduce_max(x, axis, keepdims=True)
    shift = stop_gradient(_m.where(_m.is_finite(raw_max), raw_max, 0))
    total = reduce_sum(_m.exp(_m.subtract(x, shift)), axis, keepdims)
    if not keepdims:  # drop the kept size-1 axes: summing over them changes nothing
        shift = reduce_sum(shift, axis)
    out = _m.add(_m.log(total), shift, name=name)
    return _may_reduce_to_scalar(keepdims, axis, out)


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """mean((x - mean(x))**2) over `axis` (the population variance, floats only)."""
    x = convert_to_tensor(input_tensor)
    means = reduce_mean(x, axis, keepdims=True)
    if means.dtype.is_integer:
        raise TypeError(f"Input must be either real or complex. Received integer type "
                        f"{means.dtype}.")
    if means.dtype.is_complex:
        raise TypeError(f"reduce_variance of complex tensors ({means.dtype}) is not "
                        "supported yet; pass the real and imaginary parts separately.")
    deviations = _m.square(_m.subtract(x, means))
    return _may_reduce_to_scalar(keepdims, axis,
                                 reduce_mean(deviations, axis, keepdims, name=name))


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """sqrt(reduce_variance(x)) over `axis` (floats only)."""
    return _m.sqrt(reduce_variance(input_tensor, axis, keepdims), name=name)


def count_nonzero(input, axis=None, keepdims=None, dtype=dtypes.int64,  # noqa: A002
                  name=None):
    """The number of elements != 0 (!= "" for strings) over `axis`, as `dtype`."""
    x = convert_to_tensor(input)
    zero = constant(np.zeros((), dtype=x.dtype._np) if x.dtype is not dtypes.string
                    else b"")
    nonzero = _m.cast(_m.not_equal(x, zero), dtypes.int64)
    keepdims = bool(keepdims) if keepdims is not None else False
    return _m.cast(reduce_sum(nonzero, axis, keepdims), dtype, name=name)


from engine.ops.scan import (  # noqa: E402,F401
    ARGMAX, ARGMIN, CUMPROD, CUMSUM, argmax, argmin, cumprod, cumsum)
