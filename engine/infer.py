"""Shared static inference: output dtypes and shapes from input dtypes and shapes.

An `infer(inputs, attrs)` sees tensors only through `.dtype` (DType), `.shape`
(TensorShape) and `static_value(t)` (the value when known while building: eager
tensors and graph constants). It returns a list of (DType, TensorShape), one per
output, and raises ValueError (bad shapes) or TypeError (bad dtypes) naming the op.
"""

from __future__ import annotations

import numpy as np

from engine import dtypes
from engine.shapes import TensorShape

__all__ = ["static_value", "same_as_input", "broadcast_shape", "binary_infer",
           "normalize_axis", "fmt_shape"]

UNKNOWN = TensorShape(None)


def static_value(t):
    """The numpy value of `t` if it is known without running anything, else None."""
    fn = getattr(t, "_static_value", None)
    return fn() if fn is not None else None


def fmt_shape(shape) -> str:
    """A shape the way TensorFlow prints it in messages: [2,3], [?,3] or <unknown>."""
    shape = TensorShape(shape)
    if shape.rank is None:
        return "<unknown>"
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def same_as_input(index: int = 0):
    """infer for ops whose one output has the dtype and shape of input `index`."""
    def infer(inputs, attrs):
        return [(inputs[index].dtype, inputs[index].shape)]
    return infer


def broadcast_shape(op_name: str, a: TensorShape, b: TensorShape) -> TensorShape:
    """numpy broadcasting over static shapes with unknown dims; ValueError naming the op."""
    if a.rank is None or b.rank is None:
        return UNKNOWN
    da, db = a.as_list(), b.as_list()
    n = max(len(da), len(db))
    da = [1] * (n - len(da)) + da
    db = [1] * (n - len(db)) + db
    out = []
    for x, y in zip(da, db):
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None or y is None:
            out.append(x if y is None else y)
        elif x == y:
            out.append(x)
        else:
            raise ValueError(f"Dimensions must be equal, but are {x} and {y} for "
                             f"'{op_name}' with input shapes: {fmt_shape(a)}, {fmt_shape(b)}.")
    return TensorShape(out)


def check_same_dtype(op_name: str, inputs, indices) -> dtypes.DType:
    """The dtype shared by inputs[indices]; TypeError naming both dtypes otherwise."""
    first = inputs[indices[0]].dtype
    for i in indices[1:]:
        if inputs[i].dtype != first:
            raise TypeError(f"Input {i} of '{op_name}' Op has type {inputs[i].dtype.name} "
                            f"that does not match type {first.name} of input "
                            f"{indices[0]}.")
    return first


def binary_infer(op_name: str, out_dtype=None):
    """infer for broadcasting binary ops; `out_dtype` (e.g. tf.bool) or the inputs' dtype."""
    def infer(inputs, attrs):
        x, y = inputs
        dtype = check_same_dtype(op_name, inputs, (0, 1))
        return [(out_dtype or dtype, broadcast_shape(op_name, x.shape, y.shape))]
    return infer


def normalize_axis(op_name: str, axis: int, rank: int) -> int:
    """A non-negative axis; ValueError (TensorFlow's wording) when out of [-rank, rank)."""
    if not -rank <= axis < rank:
        raise ValueError(f"Invalid reduction dimension {axis} for input with {rank} "
                         f"dimensions. for '{op_name}'" if rank else
                         f"axis {axis} is out of bounds for a scalar in '{op_name}'")
    return axis % rank


def as_int_list(value) -> list:
    """An int or list/array of ints as a list of Python ints."""
    return [int(v) for v in np.atleast_1d(np.asarray(value))]


def explain_failure(opdef, inputs, attrs, exc):
    """(tf.errors class, message) for a kernel that raised `exc`, in both modes.

    A kernel's own tf.errors keep their class and text; anything else (numpy's
    ValueError, IndexError...) becomes InvalidArgumentError, worded by the op's `infer`
    when it can see what is wrong with the shapes or dtypes.
    """
    from engine import errors
    if isinstance(exc, errors.OpError):
        return type(exc), exc.message
    try:
        opdef.infer(list(inputs), attrs or {})
        message = None
    except (ValueError, TypeError) as infer_exc:
        message = str(infer_exc)
    except Exception:  # noqa: BLE001 - infer is only asked for a better message
        message = None
    if isinstance(exc, MemoryError):
        return errors.ResourceExhaustedError, message or "out of memory"
    if isinstance(exc, NotImplementedError):
        return errors.UnimplementedError, message or str(exc)
    return errors.InvalidArgumentError, message or str(exc) or type(exc).__name__
