"""The ops every other op leans on: Const, Identity, StopGradient, and conversion.

`convert_to_tensor` turns a Python or numpy value into a Const op run by the current
executor, so the one function serves eager mode (an EagerTensor) and graph mode (a
Const Operation) alike.
"""

from __future__ import annotations

import numpy as np

from engine import dtypes
from engine.context import execute, executing_eagerly
from engine.convert import to_array
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape
from engine.tensor_base import TensorBase

__all__ = ["constant", "convert_to_tensor", "identity", "stop_gradient", "is_tensor",
           "convert_inputs", "convert_pair"]


CONST = register(
    "Const", lambda value, dtype: value,
    lambda inputs, attrs: [(attrs["dtype"], TensorShape(np.shape(attrs["value"])))],
    NO_GRADIENT)
IDENTITY = register("Identity", lambda x: x,
                    lambda inputs, attrs: [(inputs[0].dtype, inputs[0].shape)],
                    lambda op, g: (g,))
STOP_GRADIENT = register("StopGradient", lambda x: x,
                         lambda inputs, attrs: [(inputs[0].dtype, inputs[0].shape)],
                         NO_GRADIENT)


def is_tensor(x) -> bool:
    """True for tensors of either mode and for variables (tf.is_tensor)."""
    return isinstance(x, TensorBase)


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """`value` as a tensor of the current mode.

    Tensors pass through (a Variable is read); anything else becomes a Const with
    TensorFlow's default dtype, `dtype` if given, else `dtype_hint` when it fits.

    Raises:
        ValueError: `value` is a tensor of another dtype than `dtype`.
        TypeError: `value` cannot be represented in `dtype`.
    """
    if isinstance(value, TensorBase):
        tensor = value._as_tensor()
        if dtype is not None and tensor.dtype != dtypes.as_dtype(dtype):
            raise ValueError(f"Tensor conversion requested dtype "
                             f"{dtypes.as_dtype(dtype).name} for Tensor with dtype "
                             f"{tensor.dtype.name}: {tensor!r}")
        return tensor
    key = _constant_key(value, dtype, dtype_hint)
    if key is not None and executing_eagerly():
        tensor = _CONSTANTS.get(key)
        if tensor is None:
            tensor = _new_constant(value, dtype, dtype_hint, name)
            tensor._value.flags.writeable = False  # shared from now on
            if len(_CONSTANTS) < 4096:
                _CONSTANTS[key] = tensor
        return tensor
    try:
        return _new_constant(value, dtype, dtype_hint, name)
    except (TypeError, ValueError):
        if not isinstance(value, (list, tuple)):
            raise
        from engine.ops.array_join import _has_tensor, stack  # noqa: PLC0415 - a cycle
        if not _has_tensor(value):
            raise
    # TensorFlow's auto-packing: a list holding tensors (`[tf.shape(x)[0], 3]`) is stacked,
    # Python numbers taking the tensors' dtype
    packed = stack(value, name=name or "packed")
    if dtype is not None and packed.dtype != dtypes.as_dtype(dtype):
        raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} "
                         f"for a list packing {packed.dtype.name} tensors: {value!r}")
    return packed


_CONSTANTS: dict = {}  # eager constants made from Python ints and short int lists


def _constant_key(value, dtype, dtype_hint):
    """A cache key for the ints and int lists ops receive as shapes and axes (a gradient
    function's `reshape(g, [1, 3])`), None for anything else. Element types are part of
    the key through the test: [1, 2] and [1.0, 2.0] compare equal but differ in dtype."""
    kind = type(value)
    if kind is int:
        return (value, dtype, dtype_hint)
    if (kind is list or kind is tuple) and len(value) <= 8:
        for v in value:
            if type(v) is not int:
                return None
        return (kind, tuple(value), dtype, dtype_hint)
    return None


def _new_constant(value, dtype, dtype_hint, name):
    if dtype is None and dtype_hint is not None:
        try:
            array = to_array(value, dtype_hint)
        except (TypeError, ValueError):
            array = to_array(value)
    else:
        array = to_array(value, dtype)
    return execute(CONST, (), {"value": array, "dtype": dtypes.from_numpy(array.dtype)
                               if array.dtype != object else dtypes.string},
                   name or "Const")


def constant(value, dtype=None, shape=None, name="Const"):
    """A tensor holding `value`, optionally cast to `dtype` and reshaped/filled to `shape`.

    Raises:
        TypeError: `value` cannot be represented in `dtype` (0.5 as int32).
        ValueError (InvalidArgumentError eagerly in TensorFlow): `shape` does not fit.
    """
    if isinstance(value, TensorBase):
        value = np.asarray(value)  # an eager tensor's value, copied as TensorFlow does
    array = to_array(value, dtype)
    if shape is not None:
        shape = [int(d) for d in shape]
        if array.size == 1 and int(np.prod(shape)) != 1:
            array = np.full(shape, array.reshape(()), dtype=array.dtype)
        elif array.size != int(np.prod(shape)):
            from engine.errors import InvalidArgumentError
            raise InvalidArgumentError(
                None, None, f"Expected values to have {int(np.prod(shape))} elements for "
                f"shape {shape}, got {array.size} (a single value is broadcast).")
        else:
            array = array.reshape(shape)
    dtype = dtypes.string if array.dtype == object else dtypes.from_numpy(array.dtype)
    return execute(CONST, (), {"value": array, "dtype": dtype}, name)


def identity(input, name=None):  # noqa: A002 - TensorFlow's argument name
    """A tensor with the same value as `input` (a new node in graph mode)."""
    return execute(IDENTITY, (input,), None, name)


def stop_gradient(input, name=None):  # noqa: A002
    """`input` unchanged, but no gradient flows back through it."""
    return execute(STOP_GRADIENT, (input,), None, name)


def convert_inputs(opdef, inputs):
    """Every input as a tensor of the current mode; Python values in the op's
    same-dtype group take the dtype of the group's tensors (TensorFlow's rule)."""
    group = opdef.same_dtype or ()
    hint = None
    for i in group:
        value = inputs[i]
        if isinstance(value, TensorBase):
            hint = value.dtype
            break
    out = []
    for i, value in enumerate(inputs):
        if isinstance(value, TensorBase):
            out.append(value._as_tensor())
        elif hint is not None and i in group:
            out.append(_convert_to_group(value, hint))
        else:
            out.append(convert_to_tensor(value))
    return out


_SCALARS: dict = {}  # (type, value, dtype) -> eager constant: Python numbers in eager ops


def _convert_to_group(value, dtype):
    """Python values take the group's dtype; numpy values keep theirs (no promotion).

    Eagerly, the constants made for Python numbers (`x * 2.0`, `lr * g`) are kept and
    reused: they are immutable, and a training loop meets the same few every step.
    """
    if isinstance(value, (np.ndarray, np.generic)):
        return convert_to_tensor(value)
    kind = type(value)
    if (kind is float or kind is int) and value and executing_eagerly():  # not -0.0 vs 0.0
        key = (kind, value, dtype)
        tensor = _SCALARS.get(key)
        if tensor is None:
            tensor = convert_to_tensor(value, dtype=dtype)
            if len(_SCALARS) < 4096:
                _SCALARS[key] = tensor
        return tensor
    return convert_to_tensor(value, dtype=dtype)


def convert_pair(x, y):
    """x and y as tensors, Python values taking the other's dtype (for composites)."""
    if not isinstance(x, TensorBase) and isinstance(y, TensorBase):
        y = y._as_tensor()
        return _convert_to_group(x, y.dtype), y
    x = convert_to_tensor(x)
    if isinstance(y, TensorBase):
        return x, y._as_tensor()
    return x, _convert_to_group(y, x.dtype)


# ---------------------------------------------------------------- placeholders -------

def _placeholder_kernel(dtype, shape):
    from engine.errors import InvalidArgumentError
    raise InvalidArgumentError(None, None, "You must feed a value for this placeholder")


PLACEHOLDER = register("Placeholder", _placeholder_kernel,
                       lambda inputs, attrs: [(attrs["dtype"], attrs["shape"])], NO_GRADIENT,
                       stateful=True)
PLACEHOLDER_WITH_DEFAULT = register(
    "PlaceholderWithDefault", lambda x, shape: x,
    lambda inputs, attrs: [(inputs[0].dtype, attrs["shape"])], lambda op, g: (g,))


def placeholder(dtype, shape=None, name=None):
    """A graph input whose value must be fed to Session.run (TF1 only).

    Raises:
        RuntimeError: called while executing eagerly.
    """
    if executing_eagerly():
        raise RuntimeError("tf.placeholder() is not compatible with eager execution.")
    return execute(PLACEHOLDER, (), {"dtype": dtypes.as_dtype(dtype),
                                     "shape": TensorShape(shape)}, name or "Placeholder")


def placeholder_with_default(input, shape, name=None):  # noqa: A002
    """`input` unless a value is fed in its place (the fed shape must fit `shape`)."""
    return execute(PLACEHOLDER_WITH_DEFAULT, (input,), {"shape": TensorShape(shape)}, name)


NO_OP = register("NoOp", lambda: (), lambda inputs, attrs: [], NO_GRADIENT, stateful=True,
                 multi=True)


def no_op(name=None):
    """Does nothing; with control dependencies it groups other ops (graph mode)."""
    return execute(NO_OP, (), None, name)
