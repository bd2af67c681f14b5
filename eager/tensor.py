"""EagerTensor: a value computed now, wrapping a numpy array (or numpy scalar).

The array is never mutated after the tensor is made, so tensors can share buffers
freely; `numpy()` returns it without a copy, as TensorFlow may.
"""

from __future__ import annotations

import numpy as np

from engine import dtypes
from engine.shapes import TensorShape
from engine.tensor_base import Tensor

__all__ = ["EagerTensor", "Reference"]

_CPU = "/job:localhost/replica:0/task:0/device:CPU:0"


class EagerTensor(Tensor):
    """A concrete tensor: `numpy()` gives its value; ops on it run at once."""

    __slots__ = ("_value", "__weakref__")

    def __init__(self, value):
        self._value = value

    # -- what it is --------------------------------------------------------------
    @property
    def dtype(self) -> dtypes.DType:
        return dtypes.from_numpy(self._value.dtype)

    @property
    def shape(self) -> TensorShape:
        return TensorShape._from_tuple(self._value.shape)

    @property
    def ndim(self) -> int:
        return len(self._value.shape)

    @property
    def device(self) -> str:
        return _CPU

    def numpy(self):
        """The value as numpy: an ndarray, or a numpy scalar (bytes) for rank 0."""
        value = self._value
        if isinstance(value, np.ndarray) and value.ndim == 0:
            return value[()]
        return value

    def _static_value(self):
        return self._value

    def ref(self):
        """A hashable reference to this tensor, usable as a dict key or set member."""
        return Reference(self)

    experimental_ref = ref

    # -- Python protocols ----------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        value = np.asarray(self._value)
        return value if dtype is None else value.astype(dtype, copy=False)

    def __len__(self):
        if not self._value.shape:
            raise TypeError("Scalar tensor has no `len()`")
        return self._value.shape[0]

    def __iter__(self):
        if not self._value.shape:
            raise TypeError("Cannot iterate over a scalar tensor.")
        return (self[i] for i in range(self._value.shape[0]))

    def __bool__(self):
        return bool(self._value)

    def __float__(self):
        return float(self._value)

    def __int__(self):
        return int(self._value)

    def __index__(self):
        if self._value.dtype.kind not in "iu" or self._value.shape:
            raise TypeError(f"Only integer scalar tensors can be used as an index, got "
                            f"shape {tuple(self._value.shape)} dtype {self.dtype.name}")
        return int(self._value)

    def __format__(self, spec):
        if not self._value.shape:
            return format(self.numpy(), spec)
        return format(str(self), spec)

    def __hash__(self):
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return _rebuild, (np.asarray(self._value),)

    def __repr__(self):
        return (f"<tf.Tensor: shape={_shape_str(self._value.shape)}, dtype={self.dtype.name}, "
                f"numpy={_numpy_repr(self.numpy())}>")

    def __str__(self):
        return (f"tf.Tensor({_numpy_str(self.numpy())}, shape={_shape_str(self._value.shape)}, "
                f"dtype={self.dtype.name})")


def _rebuild(array):
    return EagerTensor(array)


def _shape_str(shape) -> str:
    return str(TensorShape._from_tuple(tuple(shape)))


def _numpy_repr(value) -> str:
    text = repr(value)
    if isinstance(value, np.generic) and not isinstance(value, (np.bytes_, np.str_)):
        return str(value)  # TensorFlow prints numpy=1.0, not np.float32(1.0)
    return text if "\n" not in text else "\n" + text


def _numpy_str(value) -> str:
    text = str(value)
    return "\n" + text if "\n" in text else text  # TensorFlow starts a matrix on a new line


class Reference:
    """What `tensor.ref()` returns: hashes and compares by the tensor's identity."""

    __slots__ = ("_wrapped",)

    def __init__(self, wrapped):
        self._wrapped = wrapped

    def deref(self):
        return self._wrapped

    def __hash__(self):
        return id(self._wrapped)

    def __eq__(self, other):
        return isinstance(other, Reference) and other._wrapped is self._wrapped

    def __repr__(self):
        return f"<Reference at {id(self):#x} of {self._wrapped!r}>"
