"""Python and numpy values to numpy arrays, with TensorFlow's dtype rules.

- Python float -> float32, int -> int32 (int64 if it does not fit), bool -> bool,
  str/bytes -> string (bytes in an object array); nested lists by the same rules.
- numpy arrays and scalars keep their dtype (float64 stays float64).
- With `dtype` given, a value that cannot be represented raises TypeError
  (0.5 as int32), never a silent truncation.
"""

from __future__ import annotations

import numbers

import numpy as np

from engine import dtypes

__all__ = ["to_array", "default_dtype"]

_INT32_MIN, _INT32_MAX = -(2 ** 31), 2 ** 31 - 1


def _python_kind(value):
    """'b', 'i', 'f', 'c', 'S' or None for the leaves of a (nested) Python value."""
    if isinstance(value, bool) or isinstance(value, np.bool_):
        return "b"
    if isinstance(value, numbers.Integral):
        return "i"
    if isinstance(value, numbers.Real):
        return "f"
    if isinstance(value, numbers.Complex):
        return "c"
    if isinstance(value, (str, bytes)):
        return "S"
    return None


def default_dtype(value) -> dtypes.DType:
    """The dtype TensorFlow gives a Python/numpy value when none is requested."""
    if isinstance(value, (np.ndarray, np.generic)):
        return dtypes.from_numpy(value.dtype)
    kinds = set()
    big_int = False
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
            continue
        if isinstance(item, (np.ndarray, np.generic)):
            kinds.add(np.dtype(item.dtype).kind if item.dtype.kind != "U" else "S")
            continue
        kind = _python_kind(item)
        if kind is None:
            raise TypeError(f"Attempt to convert a value ({item!r}) with an unsupported "
                            f"type ({type(item)}) to a Tensor.")
        if kind == "i" and not (_INT32_MIN <= item <= _INT32_MAX):
            big_int = True
        kinds.add(kind)
    if not kinds:
        return dtypes.float32  # [] converts to a float32 tensor, as in TensorFlow
    if "S" in kinds:
        if len(kinds) > 1:
            raise TypeError(f"Can't convert a mix of strings and numbers to a Tensor: "
                            f"{value!r}")
        return dtypes.string
    if "c" in kinds:
        return dtypes.complex128
    if "f" in kinds:
        return dtypes.float32
    if "i" in kinds:
        return dtypes.int64 if big_int else dtypes.int32
    return dtypes.bool


def _to_string_array(value):
    arr = np.array(value, dtype=object)

    def encode(item):
        if isinstance(item, str):
            return item.encode("utf-8")
        if isinstance(item, (bytes, np.bytes_)):
            return bytes(item)
        if isinstance(item, np.str_):
            return str(item).encode("utf-8")
        raise TypeError(f"Expected a string, got {item!r} of type {type(item).__name__}")

    if arr.ndim == 0:
        return np.array(encode(arr.item()), dtype=object)
    flat = [encode(x) for x in arr.ravel()]
    out = np.empty(arr.shape, dtype=object)
    out.ravel()[:] = flat
    return out


def to_array(value, dtype=None):
    """Converts a Python or numpy value to a numpy array of a TensorFlow dtype.

    Args:
        value: a number, bool, string, nested list/tuple of those, or numpy array.
        dtype: the DType wanted, or None for TensorFlow's default for the value.

    Raises:
        TypeError: the value cannot be represented in `dtype`, or is not convertible.
        ValueError: a nested sequence that is not rectangular.
    """
    dtype = default_dtype(value) if dtype is None else dtypes.as_dtype(dtype)
    if dtype is dtypes.string:
        return _to_string_array(value)
    np_dtype = dtype._np
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype == np_dtype:
            return np.asarray(value)
        _check_representable(value, dtype)
        return np.asarray(value).astype(np_dtype)
    try:
        raw = np.array(value)
    except ValueError as exc:
        raise ValueError(f"Can't convert non-rectangular Python sequence to Tensor: "
                         f"{value!r}") from exc
    if raw.dtype == object:
        raise ValueError(f"Can't convert non-rectangular Python sequence to Tensor: "
                         f"{value!r}")
    _check_representable(raw, dtype, value)
    return raw.astype(np_dtype)


def _check_representable(arr, dtype, original=None):
    """TypeError when `arr` would change value on the way into `dtype`."""
    kind = arr.dtype.kind
    shown = arr if original is None else original
    if kind in "US":
        raise TypeError(f"Cannot convert {shown!r} to EagerTensor of dtype {dtype.name}")
    if dtype.is_bool and kind != "b":
        raise TypeError(f"Cannot convert {shown!r} to EagerTensor of dtype bool")
    if dtype.is_integer:
        if kind == "f" and not np.all(np.isfinite(arr) & (arr == np.round(arr))):
            raise TypeError(f"Cannot convert {shown!r} to EagerTensor of dtype {dtype.name}")
        if kind == "c":
            raise TypeError(f"Cannot convert {shown!r} to EagerTensor of dtype {dtype.name}")
        if kind in "iuf" and arr.size:
            info = np.iinfo(dtype._np)
            if arr.min() < info.min or arr.max() > info.max:
                raise TypeError(f"Cannot convert {shown!r} to EagerTensor of dtype "
                                f"{dtype.name}: out of range")
    if dtype.is_floating and kind == "c":
        raise TypeError(f"Cannot convert {shown!r} to EagerTensor of dtype {dtype.name}")
