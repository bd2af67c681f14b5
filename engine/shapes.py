"""TensorShape: a static shape whose rank or dimensions may be unknown (None).

Graph mode infers these when an op is built; eager tensors always have fully
defined shapes. Dimensions are plain Python ints or None, as in TensorFlow 2.
"""

from __future__ import annotations

import numbers

__all__ = ["TensorShape", "as_shape", "unknown_shape"]


def _as_dim(value):
    if value is None:
        return None
    if hasattr(value, "value") and not isinstance(value, numbers.Number):  # Dimension-like
        value = value.value
        if value is None:
            return None
    try:
        dim = int(value.__index__())
    except (AttributeError, TypeError):
        raise TypeError(f"Dimension value must be integer or None, got {value!r}") from None
    if dim < 0:
        raise ValueError(f"Dimension {dim} must be >= 0")
    return dim


class TensorShape:
    """The static shape of a tensor: unknown rank (dims None) or a tuple of int/None."""

    __slots__ = ("_dims",)

    def __init__(self, dims=None):
        if dims is None:
            self._dims = None
        elif isinstance(dims, TensorShape):
            self._dims = dims._dims
        elif isinstance(dims, (str, bytes)):
            raise TypeError(f"A TensorShape cannot be built from a string: {dims!r}")
        else:
            try:
                items = iter(dims)
            except TypeError:
                items = (dims,)  # a single int: a rank-1 shape
            self._dims = tuple(_as_dim(d) for d in items)

    @classmethod
    def _from_tuple(cls, dims):
        """Wraps a tuple already known to hold only ints/None (the fast path)."""
        shape = cls.__new__(cls)
        shape._dims = dims
        return shape

    # -- queries ---------------------------------------------------------------
    @property
    def dims(self):
        return None if self._dims is None else list(self._dims)

    @property
    def rank(self):
        return None if self._dims is None else len(self._dims)

    ndims = rank

    def as_list(self):
        if self._dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self._dims)

    def is_fully_defined(self) -> bool:
        return self._dims is not None and None not in self._dims

    def num_elements(self):
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self._dims:
            n *= d
        return n

    def __len__(self):
        if self._dims is None:
            raise ValueError("Cannot take the length of shape with unknown rank.")
        return len(self._dims)

    def __bool__(self):
        return self._dims is not None

    def __iter__(self):
        if self._dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter(self._dims)

    def __getitem__(self, key):
        if self._dims is None:
            if isinstance(key, slice):  # TF knows the rank of [a:b] with a, b >= 0
                start = 0 if key.start is None else key.start
                if key.step is not None:
                    raise ValueError("Steps are not yet handled")
                if key.stop is None or start < 0 or key.stop < 0:
                    return TensorShape(None)
                return unknown_shape(rank=max(key.stop - start, 0))
            return None
        if isinstance(key, slice):
            return TensorShape._from_tuple(self._dims[key])
        return self._dims[key]

    # -- compatibility ---------------------------------------------------------
    def is_compatible_with(self, other) -> bool:
        """True if some fully defined shape could be both this shape and `other`."""
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return True
        if len(self._dims) != len(other._dims):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self._dims, other._dims))

    def assert_is_compatible_with(self, other):
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are incompatible")  # other as given

    def merge_with(self, other) -> "TensorShape":
        """The most specific shape compatible with both; ValueError if there is none."""
        other = as_shape(other)
        if self._dims is None:
            return other
        if other._dims is None:
            return self
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        return TensorShape._from_tuple(
            tuple(a if a is not None else b for a, b in zip(self._dims, other._dims)))

    def most_specific_compatible_shape(self, other) -> "TensorShape":
        """The most specific shape that both this shape and `other` are compatible with."""
        other = as_shape(other)
        if self._dims is None or other._dims is None or len(self._dims) != len(other._dims):
            return TensorShape(None)
        return TensorShape._from_tuple(
            tuple(a if a == b else None for a, b in zip(self._dims, other._dims)))

    def concatenate(self, other) -> "TensorShape":
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return TensorShape(None)
        return TensorShape._from_tuple(self._dims + other._dims)

    def with_rank(self, rank) -> "TensorShape":
        try:
            return self.merge_with(TensorShape([None] * rank))
        except ValueError:
            raise ValueError(f"Shape {self} must have rank {rank}") from None

    def with_rank_at_least(self, rank) -> "TensorShape":
        if self._dims is not None and len(self._dims) < rank:
            raise ValueError(f"Shape {self} must have rank at least {rank}")
        return self

    def with_rank_at_most(self, rank) -> "TensorShape":
        if self._dims is not None and len(self._dims) > rank:
            raise ValueError(f"Shape {self} must have rank at most {rank}")
        return self

    def assert_has_rank(self, rank):
        if self._dims is not None and len(self._dims) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")

    def assert_is_fully_defined(self):
        if not self.is_fully_defined():
            raise ValueError(f"Shape {self} is not fully defined")

    # -- value semantics -------------------------------------------------------
    def __eq__(self, other):
        try:
            other = as_shape(other)
        except (TypeError, ValueError):
            return NotImplemented
        return self._dims == other._dims

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self):
        return hash(self._dims)

    def __add__(self, other):
        return self.concatenate(other)

    def __radd__(self, other):
        return as_shape(other).concatenate(self)

    def __reduce__(self):
        return TensorShape, (self.dims,)

    def __repr__(self):
        if self._dims is None:
            return "TensorShape(None)"
        return f"TensorShape({list(self._dims)})"

    def __str__(self):
        if self._dims is None:
            return "<unknown>"
        if len(self._dims) == 1:
            return f"({self._dims[0]},)"
        return "(" + ", ".join(str(d) for d in self._dims) + ")"


def as_shape(shape) -> TensorShape:
    """Converts a TensorShape, list/tuple of int/None, or None into a TensorShape."""
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)


def unknown_shape(rank=None) -> TensorShape:
    return TensorShape(None if rank is None else [None] * rank)
