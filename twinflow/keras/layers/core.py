"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector,
Lambda — each a few public ops in `call`, the same code in every mode."""

from __future__ import annotations

import numpy as np

from engine.ops import array, linalg, nn
from twinflow.keras import activations, constraints, initializers, regularizers
from twinflow.keras.base_layer import Layer

__all__ = ["Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "RepeatVector",
           "Lambda"]


class Dense(Layer):
    """activation(inputs @ kernel + bias), over the last axis of the inputs."""

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if int(units) <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        last = input_shape[-1] if input_shape.rank else None
        if last is None:
            raise ValueError("The last dimension of the inputs to a Dense layer should be "
                             f"defined. Found None. Full input shape received: {input_shape}")
        self.kernel = self.add_weight("kernel", [last, self.units],
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", [self.units], initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def call(self, inputs):
        if inputs.shape.rank == 2:
            outputs = linalg.matmul(inputs, self.kernel)
        else:  # [..., in] x [in, units]: contract the last axis
            outputs = linalg.tensordot(inputs, self.kernel, [[inputs.shape.rank - 1], [0]])
        if self.use_bias:
            outputs = nn.bias_add(outputs, self.bias)
        return self.activation(outputs)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": _constraint(self.kernel_constraint),
                "bias_constraint": _constraint(self.bias_constraint)}


_constraint = constraints.serialize


class Activation(Layer):
    """activation(inputs)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        return {**super().get_config(),
                "activation": activations.serialize(self.activation)}


class Dropout(Layer):
    """Training: zeroes each input with probability `rate`, scaling the rest by
    1 / (1 - rate); inference: the inputs unchanged."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        return nn.dropout(inputs, rate=self.rate, noise_shape=self.noise_shape,
                          seed=self.seed)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class Flatten(Layer):
    """[batch, d1, d2, ...] -> [batch, d1 * d2 * ...]."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)

    def call(self, inputs):
        rest = inputs.shape[1:]
        if rest.is_fully_defined():
            return array.reshape(inputs, [-1, int(rest.num_elements())])
        return array.reshape(inputs, array.stack([array.shape(inputs)[0], -1]))


class Reshape(Layer):
    """Reshapes each example to `target_shape` (the batch dimension is kept)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def call(self, inputs):
        target = _fix_unknown_dimension(inputs.shape.as_list()[1:], self.target_shape)
        if -1 not in target:
            return array.reshape(inputs, [-1, *target])  # static shape known
        if -1 in self.target_shape:  # the batch size must come from the data
            return array.reshape(inputs, array.concat(
                [array.shape(inputs)[:1], list(self.target_shape)], 0))
        return array.reshape(inputs, [-1, *self.target_shape])  # static shape known

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


def _fix_unknown_dimension(input_dims, target):
    """Keras 2's rule: a -1 in `target` resolved from fully known input dims.

    Raises:
        ValueError: the sizes cannot match.
    """
    target = list(target)
    if -1 not in target or None in input_dims:
        return target
    total = int(np.prod(input_dims))
    known = int(np.prod([d for d in target if d != -1]))
    if target.count(-1) > 1 or known == 0 or total % known:
        raise ValueError(f"total size of new array must be unchanged, input_shape = "
                         f"{input_dims}, output_shape = {target}")
    target[target.index(-1)] = total // known
    return target


class Permute(Layer):
    """Permutes the non-batch axes: dims is 1-based, as in Keras."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set "
                             f"of indices in `dims` must be consecutive and start from 1. "
                             f"Received dims={dims}")

    def call(self, inputs):
        return array.transpose(inputs, [0, *self.dims])

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    """[batch, features] -> [batch, n, features]."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = int(n)

    def call(self, inputs):
        return array.tile(array.expand_dims(inputs, 1), [1, self.n, 1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


class Lambda(Layer):
    """function(inputs): any Python function of tensors as a layer (not serializable
    safely: loading a saved Lambda needs safe_mode=False)."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function, self.arguments = function, dict(arguments or {})

    def call(self, inputs):
        return self.function(inputs, **self.arguments)

    def get_config(self):
        import base64
        import marshal
        code = base64.b64encode(marshal.dumps(self.function.__code__)).decode()
        return {**super().get_config(), "function": code, "arguments": self.arguments}

