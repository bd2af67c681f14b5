"""Normalization layers: BatchNormalization, LayerNormalization and Normalization.

BatchNormalization's training step is public ops only — tf.nn.moments for the batch
statistics and `Variable.assign` for the moving ones — so the same code updates the
moving statistics eagerly, inside tf.function (assigns are effects the function always
runs) and in a TF1 graph, where the assign ops also join
tf.compat.v1.GraphKeys.UPDATE_OPS for the classic `control_dependencies(update_ops)`
recipe (Keras's graph-mode fit runs them itself).
"""

from __future__ import annotations

import numpy as np

from engine import context, dtypes
from engine.ops import array, math, nn
from engine.ops.core import convert_to_tensor
from engine.shapes import TensorShape
from twinflow.keras import activations, backend, constraints, initializers, regularizers
from twinflow.keras.base_layer import Layer

__all__ = ["BatchNormalization", "LayerNormalization", "Normalization"]


# -- config helpers shared by the new layer modules (embedding, recurrent) ----------------

serialize_constraint, get_constraint = constraints.serialize, constraints.get


# activations.get/serialize look names up by __name__, which the op-made sigmoid and tanh
# do not carry (they are all "fn"): tf.keras.activations' attribute names are tried first.
_ACTIVATIONS = [n for n in activations.__all__ if n not in ("get", "serialize", "deserialize")]


def get_activation(identifier):
    """An activation from a name ("tanh"), a function, or None (linear)."""
    if isinstance(identifier, str) and identifier in _ACTIVATIONS:
        return getattr(activations, identifier)
    return activations.get(identifier)


def activation_name(fn):
    """The tf.keras.activations name of `fn`, for get_config."""
    return next((n for n in _ACTIVATIONS if getattr(activations, n) is fn), None) or \
        activations.serialize(fn)


def serialize_layer(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize_layer(config):
    """A layer from {"class_name", "config"}, its class found among tf.keras.layers'."""
    import importlib
    name = config["class_name"]
    for module in ("twinflow.keras.layers", "twinflow.keras.layers.core",
                   "twinflow.keras.layers.recurrent", "twinflow.keras.layers.merge", __name__,
                   "twinflow.keras.layers.embedding", "twinflow.keras.layers.reshaping"):
        cls = getattr(importlib.import_module(module), name, None)
        if isinstance(cls, type) and issubclass(cls, Layer):
            return cls.from_config(config.get("config", {}))
    raise ValueError(f"Unknown layer: '{name}'. Please ensure you are using a "
                     f"`keras.utils.custom_object_scope` and that this object is included in "
                     f"the scope.")


def _axes_list(axis, what="axis"):
    if isinstance(axis, int):
        return [axis]
    if isinstance(axis, (list, tuple)) and all(isinstance(a, int) for a in axis):
        return list(axis)
    raise TypeError(f"Expected an int or a list/tuple of ints for the argument '{what}', but "
                    f"received: {axis!r}")


def _positive_axes(axis, input_shape, layer):
    """`axis` as sorted positive ints for inputs of `input_shape` (Keras 2 keeps them so,
    and so does its get_config once built).

    Raises:
        ValueError: unknown rank, an axis out of range or repeated, or an axis whose
            dimension is unknown.
    """
    if input_shape.rank is None:
        raise ValueError(f"Input has undefined rank. Received: input_shape={input_shape}.")
    ndims = input_shape.rank
    axes = [a + ndims if a < 0 else a for a in _axes_list(axis)]
    for a in axes:
        if not 0 <= a < ndims:
            raise ValueError(f"Invalid axis. Expected 0 <= axis < inputs.rank (with "
                             f"inputs.rank={ndims}). Received: {layer}.axis={axis}")
    if len(axes) != len(set(axes)):
        raise ValueError(f"Duplicate axis: {axes}")
    dims = input_shape.as_list()
    if any(dims[a] is None for a in axes):
        raise ValueError(f"Input has undefined `axis` dimension. Received input with shape "
                         f"{tuple(dims)} and axis={tuple(axes)}")
    return axes


def _broadcaster(axes, input_shape):
    """A function reshaping a parameter of the kept axes' dims to broadcast against the
    inputs: a no-op when the only axis is the last (plain broadcasting already works)."""
    ndims, dims = input_shape.rank, input_shape.as_list()
    if axes == [ndims - 1]:
        return lambda t: t
    shape = [dims[i] if i in axes else 1 for i in range(ndims)]
    return lambda t: array.reshape(t, shape)


def _normalize(x, mean, variance, offset, scale, epsilon):
    """tf.nn.batch_normalization's formula: x * inv + (offset - mean * inv) with
    inv = scale / sqrt(variance + epsilon) — TensorFlow's order of rounding."""
    inv = math.rsqrt(variance + epsilon)
    if scale is not None:
        inv = inv * scale
    shift = offset - mean * inv if offset is not None else -mean * inv
    return x * inv + shift


class BatchNormalization(Layer):
    """gamma * (x - mean) / sqrt(var + epsilon) + beta, per feature along `axis`.

    Training (`training=True`): mean and var are the batch's moments, and the moving
    statistics move towards them: `moving = moving * momentum + batch * (1 - momentum)`.
    Inference (`training` False or None, or the layer not trainable): the moving ones.

    Weights: gamma, beta (trainable), moving_mean, moving_variance (not trainable).
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, fused=None, trainable=True, virtual_batch_size=None,
                 adjustment=None, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.axis = axis if isinstance(axis, int) else _axes_list(axis)
        if renorm or virtual_batch_size is not None or adjustment is not None:
            raise NotImplementedError("twinflow's BatchNormalization has no renorm, "
                                      "virtual_batch_size or adjustment")
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = get_constraint(beta_constraint)
        self.gamma_constraint = get_constraint(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = TensorShape(input_shape)
        self.axis = _positive_axes(self.axis, input_shape, "layer")
        dims = input_shape.as_list()
        # one axis: a vector; several: the inputs' rank with 1 on the reduced axes (Keras)
        shape = [dims[self.axis[0]]] if len(self.axis) == 1 else \
            [dims[i] if i in self.axis else 1 for i in range(len(dims))]
        self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", shape, trainable=False,
                                           initializer=self.moving_mean_initializer)
        self.moving_variance = self.add_weight("moving_variance", shape, trainable=False,
                                               initializer=self.moving_variance_initializer)
        self._reduction_axes = [i for i in range(len(dims)) if i not in self.axis]
        self._broadcast = _broadcaster(self.axis, input_shape) if len(self.axis) == 1 \
            else (lambda t: t)
        self.built = True

    def call(self, inputs, training=None):
        if training and self.trainable:
            mean, variance = nn.moments(inputs, self._reduction_axes,
                                        keepdims=len(self.axis) > 1)
            self._update(self.moving_mean, mean)
            self._update(self.moving_variance, variance)
        else:
            mean, variance = self.moving_mean, self.moving_variance
        b = self._broadcast
        return _normalize(inputs, b(mean), b(variance),
                          None if self.beta is None else b(self.beta),
                          None if self.gamma is None else b(self.gamma), self.epsilon)

    def _update(self, moving, value):
        """moving <- moving * momentum + value * (1 - momentum) (Keras 2's formula); in a
        graph the assign op also joins the UPDATE_OPS collection."""
        new = moving * self.momentum + value * (1.0 - self.momentum)
        op = moving.assign(new, read_value=False)
        if not context.executing_eagerly():
            from graph.graph import GraphKeys
            context.current_executor().add_to_collection(GraphKeys.UPDATE_OPS, op)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(
                    self.moving_variance_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": serialize_constraint(self.beta_constraint),
                "gamma_constraint": serialize_constraint(self.gamma_constraint)}


class LayerNormalization(Layer):
    """gamma * (x - mean) / sqrt(var + epsilon) + beta with the moments of EACH example
    over `axis` (no batch statistics, so training and inference agree)."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else _axes_list(axis)
        self.epsilon, self.center, self.scale = float(epsilon), bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = get_constraint(beta_constraint)
        self.gamma_constraint = get_constraint(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = TensorShape(input_shape)
        self.axis = _positive_axes(self.axis, input_shape, "layer")
        shape = [input_shape.as_list()[a] for a in self.axis]
        self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self._broadcast = _broadcaster(self.axis, input_shape)
        self.built = True

    def call(self, inputs):
        mean, variance = nn.moments(inputs, self.axis, keepdims=True)
        b = self._broadcast
        return _normalize(inputs, mean, variance, None if self.beta is None else b(self.beta),
                          None if self.gamma is None else b(self.gamma), self.epsilon)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": serialize_constraint(self.beta_constraint),
                "gamma_constraint": serialize_constraint(self.gamma_constraint)}


class Normalization(Layer):
    """(x - mean) / max(sqrt(variance), epsilon) per feature of `axis` (the kept axes;
    None: one scalar mean), with mean and variance given or learned by `adapt(data)`.

    `invert=True` maps back: mean + x * max(sqrt(variance), epsilon).
    Weights (only without a given mean/variance): mean, variance, count (not trainable).
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else tuple(_axes_list(axis))
        if (mean is None) != (variance is None):
            raise ValueError(f"When setting values directly, both `mean` and `variance` must "
                             f"be set. Got mean: {mean} and variance: {variance}")
        self.input_mean, self.input_variance, self.invert = mean, variance, bool(invert)

    def build(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        ndim = len(dims)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Found "
                             f"ndim: `{ndim}`, axis: {self.axis}")
        self._keep_axis = sorted(a + ndim if a < 0 else a for a in self.axis)
        for a in self._keep_axis:
            if dims[a] is None:
                raise ValueError(f"All `axis` values to be kept must have known shape. Got "
                                 f"axis: {self.axis}, input shape: {dims}, with unknown axis "
                                 f"at index: {a}")
        self._broadcast_shape = [dims[d] if d in self._keep_axis else 1 for d in range(ndim)]
        shape = [dims[d] for d in self._keep_axis]
        if self.input_mean is None:
            self.adapt_mean = self.add_weight("mean", shape, initializer="zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight("variance", shape, initializer="ones",
                                                  trainable=False)
            self.count = self.add_weight("count", [], dtype=dtypes.int64, initializer="zeros",
                                         trainable=False)
        else:  # constant arrays (built once, here), broadcast to the kept axes
            ones = np.ones(shape, self._dtype._np)
            self._fixed = [np.reshape(value * ones, self._broadcast_shape).astype(ones.dtype)
                           for value in (self.input_mean, self.input_variance)]
        self.built = True

    @property
    def mean(self):
        """The mean in the broadcast shape (e.g. (1, features)), as Keras 2 exposes it."""
        return self._statistics()[0]

    @property
    def variance(self):
        return self._statistics()[1]

    def _statistics(self):
        if self.input_mean is not None:
            return convert_to_tensor(self._fixed[0]), convert_to_tensor(self._fixed[1])
        return (array.reshape(self.adapt_mean, self._broadcast_shape),
                array.reshape(self.adapt_variance, self._broadcast_shape))

    def call(self, inputs):
        if inputs.dtype != self._dtype:
            inputs = math.cast(inputs, self._dtype)
        mean, variance = self._statistics()
        spread = math.maximum(math.sqrt(variance), backend.epsilon())
        return mean + inputs * spread if self.invert else (inputs - mean) / spread

    def adapt(self, data, batch_size=None, steps=None):
        """Sets mean and variance to the moments of `data` (an array, a tensor or a
        tf.data.Dataset of batches) over every axis but the kept ones — computed once,
        not per batch: adapt runs before training, outside any graph of the model.

        Raises:
            ValueError: the layer was given a fixed mean and variance.
        """
        if self.input_mean is not None:
            raise ValueError(f"Cannot `adapt` a Normalization layer that is initialized with "
                             f"static `mean` and `variance`, you passed mean "
                             f"{self.input_mean} and variance {self.input_variance}.")
        values = _adapt_array(data, steps)
        if not self.built:
            with context.name_scope(self.name):
                self.build(TensorShape((None,) + values.shape[1:]))
        reduce_axes = tuple(d for d in range(values.ndim) if d not in self._keep_axis)
        mean = values.mean(axis=reduce_axes)
        variance = values.var(axis=reduce_axes)
        count = values.size // max(1, int(np.prod(mean.shape)))
        self.set_weights([mean, variance, np.int64(count)])

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": _listify(self.input_mean), "variance": _listify(self.input_variance)}


def _listify(value):
    return value.tolist() if isinstance(value, np.ndarray) else value


def _adapt_array(data, steps):
    """The adapt data as one float64 numpy array (Dataset batches joined)."""
    if hasattr(data, "as_numpy_iterator"):
        batches = []
        for i, batch in enumerate(data.as_numpy_iterator()):
            if steps is not None and i >= steps:
                break
            batches.append(np.asarray(batch))
        return np.concatenate(batches).astype(np.float64)
    if hasattr(data, "numpy"):
        data = data.numpy()
    return np.asarray(data, dtype=np.float64)
