"""Merge layers: Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum, Dot,
and their functional forms (`concatenate([a, b])` is `Concatenate()([a, b])`).

Each takes a LIST of tensors. `build` only validates the shapes (Keras 2's messages,
shapes printed as tuples without the batch dimension where Keras does so); `call` is
public ops folded left to right, exactly as Keras 2 folds them, so the rounding of a
3-input Add is (a + b) + c in every mode.
"""

from __future__ import annotations

from engine.ops import array, linalg, math, nn
from twinflow.keras.base_layer import Layer

__all__ = ["Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
           "Dot", "concatenate", "add", "subtract", "multiply", "average", "maximum",
           "minimum", "dot"]


def _as_tuple(shape):
    """A TensorShape as Keras's shape tuple (None for an unknown rank)."""
    return None if shape is None or shape.rank is None else tuple(shape.as_list())


def _shape_list(input_shape):
    """The input shapes as tuples, or None when the layer was not given a list."""
    if not isinstance(input_shape, (list, tuple)) or not input_shape or \
            isinstance(input_shape[0], (int, type(None))):
        return None
    return [_as_tuple(s) for s in input_shape]


def _elemwise_shape(shape1, shape2):
    """The broadcast of two shapes (no batch dim), aligned on the right as Keras 2 does.

    Raises:
        ValueError: two known dims that differ and neither is 1.
    """
    if shape1 is None or shape2 is None:
        return None
    if len(shape1) < len(shape2):
        return _elemwise_shape(shape2, shape1)
    if not shape2:
        return shape1
    out = list(shape1[:-len(shape2)])
    for i, j in zip(shape1[-len(shape2):], shape2):
        if i is None or j is None:
            out.append(None)
        elif i == 1 or j == 1:
            out.append(j if i == 1 else i)
        elif i != j:
            raise ValueError(f"Inputs have incompatible shapes. Received shapes {shape1} and "
                             f"{shape2}")
        else:
            out.append(i)
    return tuple(out)


class _Merge(Layer):
    """Elementwise merge of a list of tensors: shapes must broadcast (checked in build);
    inputs of lower rank are expanded at axis 1 until the ranks agree (Keras 2's rule)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        shapes = _shape_list(input_shape)
        if shapes is None:
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: "
                             f"input_shape={_as_tuple(input_shape)} (not a list of shapes)")
        batch_sizes = {s[0] for s in shapes if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(f"Cannot merge tensors with different batch sizes. Got tensors "
                             f"with shapes {shapes}")
        out = None if shapes[0] is None else shapes[0][1:]
        for shape in shapes[1:]:
            out = _elemwise_shape(out, None if shape is None else shape[1:])
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: "
                             f"inputs={inputs} (not a list of tensors)")
        ranks = [x.shape.rank for x in inputs]
        if None not in ranks and len(set(ranks)) > 1:
            top = max(ranks)
            expanded = []
            for x, rank in zip(inputs, ranks):
                for _ in range(top - rank):
                    x = array.expand_dims(x, 1)
                expanded.append(x)
            inputs = expanded
        return self._merge_function(list(inputs))

    def _merge_function(self, inputs):
        raise NotImplementedError


def _fold(fn, inputs):
    out = inputs[0]
    for x in inputs[1:]:
        out = fn(out, x)
    return out


class Add(_Merge):
    """inputs[0] + inputs[1] + ... (all of one shape, or broadcastable)."""

    def _merge_function(self, inputs):
        return _fold(math.add, inputs)


class Subtract(_Merge):
    """inputs[0] - inputs[1]: exactly two inputs."""

    def build(self, input_shape):
        shapes = _shape_list(input_shape)
        if shapes is not None and len(shapes) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={shapes}")
        super().build(input_shape)

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: inputs={inputs}")
        return math.subtract(inputs[0], inputs[1])


class Multiply(_Merge):
    """inputs[0] * inputs[1] * ... elementwise."""

    def _merge_function(self, inputs):
        return _fold(math.multiply, inputs)


class Average(_Merge):
    """(inputs[0] + ... + inputs[n-1]) / n."""

    def _merge_function(self, inputs):
        return _fold(math.add, inputs) / len(inputs)


class Maximum(_Merge):
    """The elementwise maximum of the inputs."""

    def _merge_function(self, inputs):
        return _fold(math.maximum, inputs)


class Minimum(_Merge):
    """The elementwise minimum of the inputs."""

    def _merge_function(self, inputs):
        return _fold(math.minimum, inputs)


class Concatenate(_Merge):
    """The inputs joined along `axis`; every other dimension must match."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        shapes = _shape_list(input_shape)
        if shapes is None:
            raise ValueError(f"A `Concatenate` layer should be called on a list of at least 1 "
                             f"input. Received: input_shape={_as_tuple(input_shape)}")
        known = [list(s) for s in shapes if s is not None]
        message = (f"A `Concatenate` layer requires inputs with matching shapes except for "
                   f"the concatenation axis. Received: input_shape={shapes}")
        if len({len(s) for s in known}) > 1:
            raise ValueError(message)
        for s in known:
            del s[self.axis]
        for dims in zip(*known):
            if len({d for d in dims if d is not None}) > 1:
                raise ValueError(message)
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: "
                             f"inputs={inputs} (not a list of tensors)")
        return array.concat(list(inputs), axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _batch_dot(x1, x2, axes):
    """Keras's batch_dot as one einsum: contract x1's axes[0] with x2's axes[1], batch
    axis shared; a rank-1 result becomes [batch, 1] as Keras returns it."""
    r1, r2 = x1.shape.rank, x2.shape.rank
    left = list(_LETTERS[:r1])
    right = [left[0]] + list(_LETTERS[r1:r1 + r2 - 1])
    right[axes[1]] = left[axes[0]]
    out = [c for i, c in enumerate(left) if i != axes[0]] + \
        [c for i, c in enumerate(right) if i not in (0, axes[1])]
    result = linalg.einsum(f"{''.join(left)},{''.join(right)}->{''.join(out)}", x1, x2)
    return array.expand_dims(result, 1) if len(out) == 1 else result


class Dot(_Merge):
    """The batchwise dot product of two inputs along `axes` (cosine proximity when
    `normalize`: each input is L2-normalized along its axis first)."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(f"Invalid type for argument `axes`: it should be a list or an "
                                f"int. Received: axes={axes}")
            if len(axes) != 2:
                raise ValueError(f"Invalid format for argument `axes`: it should contain two "
                                 f"elements. Received: axes={axes}")
            if not all(isinstance(a, int) for a in axes):
                raise ValueError(f"Invalid format for argument `axes`: list elements should be "
                                 f"integers. Received: axes={axes}")
        self.axes = axes if isinstance(axes, int) else list(axes)
        self.normalize = normalize

    def _resolved(self, ranks):
        pair = [self.axes] * 2 if isinstance(self.axes, int) else self.axes
        axes = [a % r if a < 0 else a for a, r in zip(pair, ranks)]
        if 0 in axes:
            raise ValueError("Cannot perform batch_dot over axis 0. If your inputs are not "
                             "batched, add a dummy batch dimension to your inputs using "
                             "tf.expand_dims(x, 0)")
        return axes

    def build(self, input_shape):
        shapes = _shape_list(input_shape)
        if shapes is None or len(shapes) != 2:
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs. Received: "
                             f"input_shape={shapes or _as_tuple(input_shape)}")
        shape1, shape2 = shapes
        if shape1 is not None and shape2 is not None:
            a1, a2 = self._resolved([len(shape1), len(shape2)])
            if None not in (shape1[a1], shape2[a2]) and shape1[a1] != shape2[a2]:
                raise ValueError(f"Incompatible input shapes: axis values {shape1[a1]} (at axis "
                                 f"{a1}) != {shape2[a2]} (at axis {a2}). Full input shapes: "
                                 f"{shape1}, {shape2}")
        self.built = True

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: "
                             f"inputs={inputs}")
        x1, x2 = inputs
        axes = self._resolved([x1.shape.rank, x2.shape.rank])
        if self.normalize:
            x1 = nn.l2_normalize(x1, axis=axes[0])
            x2 = nn.l2_normalize(x2, axis=axes[1])
        return _batch_dot(x1, x2, axes)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: "
                             f"inputs={inputs} (not a list of tensors)")
        return self._merge_function(list(inputs))

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of Concatenate: the inputs joined along `axis`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def add(inputs, **kwargs):
    """Functional form of Add."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of Subtract."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of Multiply."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of Average."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of Maximum."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of Minimum."""
    return Minimum(**kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """Functional form of Dot."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
