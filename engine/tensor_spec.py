"""tf.TensorSpec: the dtype and (partial) shape a tensor must have, without a value.

Datasets describe their elements with TensorSpecs (`element_spec`); tf.function
signatures use them too.
"""

from __future__ import annotations

from engine import dtypes
from engine.shapes import TensorShape, as_shape

__all__ = ["TensorSpec"]


class TensorSpec:
    """Describes a tensor: `TensorSpec(shape, dtype=tf.float32, name=None)`.

    A None dimension (or shape=None, unknown rank) matches any size.
    """

    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self._shape = as_shape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._name = name

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    name = property(lambda self: self._name)

    @classmethod
    def from_tensor(cls, tensor, name=None):
        """The spec of an existing tensor (its static shape in a graph)."""
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, spec_or_tensor) -> bool:
        """Same dtype, and shapes that could be equal."""
        return (self._dtype == spec_or_tensor.dtype
                and self._shape.is_compatible_with(TensorShape(spec_or_tensor.shape)))

    def most_specific_compatible_type(self, other) -> "TensorSpec":
        """The spec both match: unequal dimensions become None."""
        if other.dtype != self._dtype:
            raise ValueError(f"No TypeSpec is compatible with both {self!r} and {other!r}")
        return TensorSpec(self._shape.most_specific_compatible_shape(other.shape), self._dtype)

    def __eq__(self, other):
        return (isinstance(other, TensorSpec) and self._dtype == other._dtype
                and self._shape == other._shape and self._name == other._name)

    def __hash__(self):
        return hash((self._dtype, tuple(self._shape.dims or ()) if self._shape.rank is not None
                     else None, self._name))

    def __repr__(self):
        dims = None if self._shape.rank is None else tuple(self._shape.as_list())
        return f"TensorSpec(shape={dims}, dtype={self._dtype!r}, name={self._name!r})"
