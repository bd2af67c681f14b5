"""TensorBase: the operators every tensor-like object shares, in every mode.

EagerTensor, the graph's symbolic Tensor and Variable all inherit these, so `x + y`,
`x @ w` and `x[1:, None]` call the same public op functions whichever mode runs them.
"""

from __future__ import annotations

import engine.ops as _ops

__all__ = ["TensorBase", "Tensor"]


class TensorBase:
    """Operator overloads over the public op functions. Subclasses supply dtype/shape."""

    __slots__ = ()
    # numpy must hand `ndarray + tensor` to our __radd__ instead of looping elementwise.
    __array_priority__ = 100

    def _as_tensor(self):
        """The tensor this object stands for in the current mode (a Variable reads)."""
        return self

    def get_shape(self):
        """The static TensorShape (TF1's spelling of `.shape`)."""
        return self.shape

    @property
    def ndim(self):
        """The rank, or None when unknown."""
        return self.shape.rank

    # arithmetic
    def __add__(self, other):
        return _ops.math.add(self, other)

    def __radd__(self, other):
        return _ops.math.add(other, self)

    def __sub__(self, other):
        return _ops.math.subtract(self, other)

    def __rsub__(self, other):
        return _ops.math.subtract(other, self)

    def __mul__(self, other):
        return _ops.math.multiply(self, other)

    def __rmul__(self, other):
        return _ops.math.multiply(other, self)

    def __truediv__(self, other):
        return _ops.math.truediv(self, other)

    def __rtruediv__(self, other):
        return _ops.math.truediv(other, self)

    def __floordiv__(self, other):
        return _ops.math.floordiv(self, other)

    def __rfloordiv__(self, other):
        return _ops.math.floordiv(other, self)

    def __mod__(self, other):
        return _ops.math.floormod(self, other)

    def __rmod__(self, other):
        return _ops.math.floormod(other, self)

    def __pow__(self, other):
        return _ops.math.pow(self, other)

    def __rpow__(self, other):
        return _ops.math.pow(other, self)

    def __matmul__(self, other):
        return _ops.linalg.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.linalg.matmul(other, self)

    def __neg__(self):
        return _ops.math.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.math.abs(self)

    # logic: bool tensors use logical ops, as TensorFlow's operators do
    def __and__(self, other):
        return _ops.math.logical_and(self, other)

    def __rand__(self, other):
        return _ops.math.logical_and(other, self)

    def __or__(self, other):
        return _ops.math.logical_or(self, other)

    def __ror__(self, other):
        return _ops.math.logical_or(other, self)

    def __xor__(self, other):
        return _ops.math.logical_xor(self, other)

    def __rxor__(self, other):
        return _ops.math.logical_xor(other, self)

    def __invert__(self):
        return _ops.math.logical_not(self)

    # comparisons (TensorFlow 2: == and != are elementwise too)
    def __lt__(self, other):
        return _ops.math.less(self, other)

    def __le__(self, other):
        return _ops.math.less_equal(self, other)

    def __gt__(self, other):
        return _ops.math.greater(self, other)

    def __ge__(self, other):
        return _ops.math.greater_equal(self, other)

    def __eq__(self, other):
        if other is None:
            return False
        return _ops.math.equal(self, other)

    def __ne__(self, other):
        if other is None:
            return True
        return _ops.math.not_equal(self, other)

    __hash__ = None  # set by each subclass: eager tensors refuse, graph tensors hash by id

    def __getitem__(self, key):
        return _ops.indexing.getitem(self, key)


class Tensor(TensorBase):
    """tf.Tensor: the common base of eager and symbolic tensors (not of variables)."""

    __slots__ = ()
