"""TensorFlow's DType objects (tf.float32, tf.int32, ...) mapped onto numpy dtypes.

Each DType is a singleton, so `t.dtype is tf.float32` and `==` both work; `as_dtype`
accepts a DType, a numpy dtype or type, Python float/bool/object, a
TensorFlow name string or a DataType enum.
"""

from __future__ import annotations

import builtins

import numpy as np

__all__ = ["DType", "as_dtype"]


class DType:
    """A tensor element type with TensorFlow's name and properties."""

    __slots__ = ("name", "_np", "_enum")

    def __init__(self, name: str, np_dtype, enum: int):
        self.name = name
        self._np = np.dtype(np_dtype)
        self._enum = enum

    @property
    def as_numpy_dtype(self):
        """The numpy scalar type (`np.float32`, ...); Python `object` for strings, as in TF."""
        return object if self is string else self._np.type

    @property
    def as_datatype_enum(self) -> int:
        return self._enum

    @property
    def base_dtype(self) -> "DType":
        return self

    @property
    def real_dtype(self) -> "DType":
        """float32/float64 for complex64/complex128, else this DType."""
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    @property
    def is_floating(self) -> bool:
        return self._np.kind == "f"

    @property
    def is_integer(self) -> bool:
        return self._np.kind in "iu"

    @property
    def is_unsigned(self) -> bool:
        return self._np.kind == "u"

    @property
    def is_bool(self) -> bool:
        return self._np.kind == "b"

    @property
    def is_complex(self) -> bool:
        return self._np.kind == "c"

    @property
    def is_numeric(self) -> bool:
        return self._np.kind in "iufc"

    @property
    def size(self) -> int:
        """Bytes per element; 0 for string, resource and variant, as in TensorFlow."""
        return 0 if self._np.kind == "O" else self._np.itemsize

    @property
    def min(self):
        """The smallest representable value (a Python int for integers); TypeError for
        bool, complex and non-numeric types."""
        if self.is_floating:
            return self._np.type(np.finfo(self._np).min)
        if self.is_integer:
            return int(np.iinfo(self._np).min)
        raise TypeError(f"Cannot find minimum value of {self} with type {self}.")

    @property
    def max(self):
        """The largest representable value (a Python int for integers); TypeError for
        bool, complex and non-numeric types."""
        if self.is_floating:
            return self._np.type(np.finfo(self._np).max)
        if self.is_integer:
            return int(np.iinfo(self._np).max)
        raise TypeError(f"Cannot find maximum value of {self} with type {self}.")

    def is_compatible_with(self, other) -> bool:
        return self is as_dtype(other)

    def __eq__(self, other):
        if self is other:
            return True
        try:
            return self is as_dtype(other)
        except TypeError:
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return self._enum

    def __reduce__(self):
        return as_dtype, (self.name,)

    def __repr__(self):
        return f"tf.{self.name}"

    def __str__(self):
        return f"<dtype: '{self.name}'>"


float16 = DType("float16", np.float16, 19)
half = float16
float32 = DType("float32", np.float32, 1)
float64 = DType("float64", np.float64, 2)
double = float64
int8 = DType("int8", np.int8, 6)
int16 = DType("int16", np.int16, 5)
int32 = DType("int32", np.int32, 3)
int64 = DType("int64", np.int64, 9)
uint8 = DType("uint8", np.uint8, 4)
uint16 = DType("uint16", np.uint16, 17)
uint32 = DType("uint32", np.uint32, 22)
uint64 = DType("uint64", np.uint64, 23)
bool = DType("bool", np.bool_, 10)  # noqa: A001 - TensorFlow's public name
complex64 = DType("complex64", np.complex64, 8)
complex128 = DType("complex128", np.complex128, 18)
string = DType("string", np.object_, 7)
# A resource handle (variables, tables, iterators): the array holds a handle object.
resource = DType("resource", np.object_, 20)
variant = DType("variant", np.object_, 21)

_ALL = [float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32,
        uint64, bool, complex64, complex128, string, resource, variant]
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, float=float32, double=float64)
_BY_ENUM = {d._enum: d for d in _ALL}
# numpy dtype -> DType; object arrays are strings (resources never reach numpy users).
_BY_NP = {d._np: d for d in reversed(_ALL)}
_BY_NP[np.dtype(np.bytes_)] = string
_BY_NP[np.dtype(np.str_)] = string
# What a resource handle reports as its `.dtype`, so from_numpy maps it to tf.resource.
RESOURCE_TAG = type("ResourceTag", (), {"__repr__": lambda self: "resource"})()
_BY_NP[RESOURCE_TAG] = resource
# ...and what a TensorList (the value of a tf.TensorArray) reports: tf.variant.
VARIANT_TAG = type("VariantTag", (), {"__repr__": lambda self: "variant"})()
_BY_NP[VARIANT_TAG] = variant
# Only these Python types convert (tf.as_dtype(int) is a TypeError in TensorFlow).
_BY_PY = {float: float32, builtins.bool: bool, object: string}


def as_dtype(type_value) -> DType:
    """Converts a DType, enum, name, numpy dtype/type, value with a numpy `.dtype`,
    or Python float/bool/object into a DType.

    Raises:
        TypeError: if the value names no TensorFlow type.
    """
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        found = _BY_NAME.get(type_value)
        if found is not None:
            return found
    elif isinstance(type_value, int):
        found = _BY_ENUM.get(type_value)
        if found is not None:
            return found
    elif isinstance(type_value, type) and type_value in _BY_PY:
        return _BY_PY[type_value]
    else:
        if isinstance(type_value, np.dtype) or (isinstance(type_value, type)
                                                and issubclass(type_value, np.generic)):
            npd = np.dtype(type_value)
        else:  # arrays and numpy scalars: their `.dtype`; never np.dtype(None/int/list)
            try:
                npd = np.dtype(type_value.dtype)
            except (AttributeError, TypeError):
                npd = None
        if npd is not None:
            found = _BY_NP.get(npd) or _BY_NP.get(np.dtype(npd.kind + str(npd.itemsize))
                                                  if npd.kind in "iufc" else npd)
            if found is not None:
                return found
            if npd.kind in "SU":
                return string
    raise TypeError(f"Cannot convert the argument `type_value`: {type_value!r} "
                    "to a TensorFlow DType.")


def from_numpy(np_dtype) -> DType:
    """The DType of a numpy dtype: a fast dict lookup on the hot path."""
    found = _BY_NP.get(np_dtype)
    return found if found is not None else as_dtype(np_dtype)
