"""Convolution and pooling layers: Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D,
SeparableConv2D, MaxPooling1D/2D, AveragePooling1D/2D and the global poolings — thin
layers over the tf.nn ops (channels_last, as Keras defaults)."""

from __future__ import annotations

from engine.ops import array, conv, nn, pool, reduce
from twinflow.keras import activations, constraints, initializers, regularizers
from twinflow.keras.base_layer import Layer

__all__ = ["Conv1D", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D",
           "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
           "GlobalMaxPooling2D", "Conv2DTranspose"]


def _tuple(value, n):
    return tuple(value) if isinstance(value, (list, tuple)) else (int(value),) * n


def _padding(padding, causal_ok=False):
    padding = padding.upper()
    if padding == "CAUSAL" and not causal_ok:
        raise ValueError("Causal padding is only supported for `Conv1D` and "
                         "`SeparableConv1D`.")
    if padding not in ("SAME", "VALID", "CAUSAL"):
        raise ValueError(f"The `padding` argument must be a string \"valid\" or \"same\" "
                         f"(case-insensitive). Received: padding={padding.lower()}")
    return padding


def _serialize(kind, value):
    module = {"initializer": initializers, "regularizer": regularizers,
              "constraint": constraints}[kind]
    return module.serialize(value)


class _Conv(Layer):
    """Shared weights and config of the convolutions (kernel, bias, activation).

    `kernel_args` names each kernel's Keras argument prefix ("kernel", or "depthwise" and
    "pointwise"): its initializer, regularizer and constraint are made, built and
    serialized the same way."""

    rank, kernel_args = 2, ("kernel",)

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 bias_initializer="zeros", bias_regularizer=None, activity_regularizer=None,
                 bias_constraint=None, **kwargs):
        spec = {}
        for prefix in self.kernel_args:
            spec[prefix] = (initializers.get(kwargs.pop(f"{prefix}_initializer",
                                                        "glorot_uniform")),
                            regularizers.get(kwargs.pop(f"{prefix}_regularizer", None)),
                            constraints.get(kwargs.pop(f"{prefix}_constraint", None)))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if data_format not in (None, "channels_last"):
            raise NotImplementedError("twinflow's Keras convolutions take channels_last "
                                      "inputs (the Keras default).")
        if groups != 1:
            raise NotImplementedError("twinflow's Keras convolutions have groups=1 only.")
        self._spec = spec
        for prefix, (init, reg, con) in spec.items():
            setattr(self, f"{prefix}_initializer", init)
            setattr(self, f"{prefix}_regularizer", reg)
            setattr(self, f"{prefix}_constraint", con)
        self.filters = int(filters) if filters is not None else None
        self.kernel_size = _tuple(kernel_size, self.rank)
        self.strides = _tuple(strides, self.rank)
        self.padding = _padding(padding, causal_ok=self.rank == 1)
        self.dilation_rate = _tuple(dilation_rate, self.rank)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)

    def _kernel_shapes(self, channels):
        return {"kernel": list(self.kernel_size) + [channels, self.filters]}

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. "
                             f"Found None. Full input shape received: {input_shape}")
        for prefix, shape in self._kernel_shapes(channels).items():
            init, reg, con = self._spec[prefix]
            name = "kernel" if prefix == "kernel" else f"{prefix}_kernel"
            setattr(self, name, self.add_weight(name, shape, initializer=init,
                                                regularizer=reg, constraint=con))
        self.bias = self.add_weight("bias", [self._bias_size(channels)],
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def _bias_size(self, channels):
        return self.filters

    def call(self, inputs):
        outputs = self._convolve(inputs)
        if self.use_bias:
            outputs = nn.bias_add(outputs, self.bias)
        return self.activation(outputs)

    def get_config(self):
        """Keras 2's keys, so clone_model and save/load keep every argument."""
        config = {**super().get_config(), "filters": self.filters,
                  "kernel_size": list(self.kernel_size), "strides": list(self.strides),
                  "padding": self.padding.lower(), "data_format": "channels_last",
                  "dilation_rate": list(self.dilation_rate), "groups": 1,
                  "activation": activations.serialize(self.activation),
                  "use_bias": self.use_bias}
        for prefix in self.kernel_args:
            for kind in ("initializer", "regularizer", "constraint"):
                config[f"{prefix}_{kind}"] = _serialize(kind,
                                                        getattr(self, f"{prefix}_{kind}"))
        config.update({"bias_initializer": initializers.serialize(self.bias_initializer),
                       "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                       "activity_regularizer":
                           regularizers.serialize(self.activity_regularizer),
                       "bias_constraint": constraints.serialize(self.bias_constraint)})
        return config


class Conv2D(_Conv):
    """2-D convolution over [batch, height, width, channels]."""

    def _convolve(self, inputs):
        return conv.conv2d(inputs, self.kernel, [1, *self.strides, 1], self.padding,
                           dilations=[1, *self.dilation_rate, 1])


class Conv1D(_Conv):
    """1-D convolution over [batch, steps, channels]; padding="causal" pads only the
    start by dilation*(kernel-1), so output t never sees inputs after t."""

    rank = 1

    def _convolve(self, inputs):
        padding = self.padding
        if padding == "CAUSAL":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            inputs = array.pad(inputs, [[0, 0], [left, 0], [0, 0]])
            padding = "VALID"
        return conv.conv1d(inputs, self.kernel, self.strides[0], padding,
                           dilations=self.dilation_rate[0])


class Conv2DTranspose(_Conv):
    """The transpose of Conv2D (upsampling by `strides`): kernel [kh, kw, filters, in].
    `output_padding` adds rows/columns at the end (each less than its stride)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, **kwargs)
        self.output_padding = None if output_padding is None else \
            _tuple(output_padding, 2)
        for pad, stride in zip(self.output_padding or (), self.strides):
            if pad >= stride:
                raise ValueError(f"Strides {self.strides} must be greater than output "
                                 f"padding {self.output_padding}. Received strides="
                                 f"{self.strides}, output_padding={self.output_padding}.")

    def _kernel_shapes(self, channels):
        return {"kernel": list(self.kernel_size) + [self.filters, channels]}

    def _convolve(self, inputs):
        shape = array.shape(inputs)
        pads = self.output_padding or (None, None)
        size = [_deconv_length(inputs.shape[i + 1], self.strides[i], self.kernel_size[i],
                               self.padding, shape[i + 1], pads[i]) for i in range(2)]
        out_shape = array.stack([shape[0], size[0], size[1], self.filters])
        out = conv.conv2d_transpose(inputs, self.kernel, out_shape, [1, *self.strides, 1],
                                    self.padding)
        if hasattr(out, "set_shape"):  # graph tensors: keep the static dims known
            out.set_shape([inputs.shape[0]] + [d if isinstance(d, int) else None
                                               for d in size] + [self.filters])
        return out

    def get_config(self):
        pads = self.output_padding
        return {**super().get_config(), "output_padding": None if pads is None else list(pads)}


def _deconv_length(static, stride, kernel, padding, dynamic, output_padding=None):
    """Keras 2's conv_utils.deconv_output_length."""
    n = static if static is not None else dynamic
    if output_padding is None:
        return n * stride if padding == "SAME" else n * stride + max(kernel - stride, 0)
    pad = kernel // 2 if padding == "SAME" else 0
    return (n - 1) * stride + kernel - 2 * pad + output_padding


class DepthwiseConv2D(_Conv):
    """Each input channel convolved with its own `depth_multiplier` filters."""

    kernel_args = ("depthwise",)

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 **kwargs):
        super().__init__(None, kernel_size, strides, padding, **kwargs)
        self.depth_multiplier = int(depth_multiplier)

    def _kernel_shapes(self, channels):
        return {"depthwise": list(self.kernel_size) + [channels, self.depth_multiplier]}

    def _bias_size(self, channels):
        return channels * self.depth_multiplier

    def _convolve(self, inputs):
        return conv.depthwise_conv2d(inputs, self.depthwise_kernel, [1, *self.strides, 1],
                                     self.padding, dilations=list(self.dilation_rate))

    def get_config(self):
        config = {**super().get_config(), "depth_multiplier": self.depth_multiplier}
        config.pop("filters")
        return config


class SeparableConv2D(_Conv):
    """A depthwise convolution, then a 1x1 convolution mixing the channels."""

    kernel_args = ("depthwise", "pointwise")

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), depth_multiplier=1, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         **kwargs)
        self.depth_multiplier = int(depth_multiplier)

    def _kernel_shapes(self, channels):
        return {"depthwise": list(self.kernel_size) + [channels, self.depth_multiplier],
                "pointwise": [1, 1, channels * self.depth_multiplier, self.filters]}

    def _convolve(self, inputs):
        depthwise = conv.depthwise_conv2d(inputs, self.depthwise_kernel,
                                          [1, *self.strides, 1], self.padding,
                                          dilations=list(self.dilation_rate))
        return conv.conv2d(depthwise, self.pointwise_kernel, [1, 1, 1, 1], "VALID")

    def get_config(self):
        config = {**super().get_config(), "depth_multiplier": self.depth_multiplier}
        config.pop("groups")
        return config


class _Pool(Layer):
    rank, op = 2, None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.pool_size = _tuple(pool_size, self.rank)
        self.strides = _tuple(strides if strides is not None else pool_size, self.rank)
        self.padding = _padding(padding)

    def call(self, inputs):
        return type(self).op(inputs, list(self.pool_size), list(self.strides), self.padding)

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size),
                "strides": list(self.strides), "padding": self.padding.lower()}


class MaxPooling2D(_Pool):
    op = staticmethod(pool.max_pool2d)


class AveragePooling2D(_Pool):
    op = staticmethod(pool.avg_pool2d)


class MaxPooling1D(_Pool):
    rank, op = 1, staticmethod(pool.max_pool1d)


class AveragePooling1D(_Pool):
    rank, op = 1, staticmethod(pool.avg_pool1d)


class _GlobalPool(Layer):
    axes, reducer = (1, 2), None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.keepdims = keepdims

    def call(self, inputs):
        return type(self).reducer(inputs, axis=list(self.axes), keepdims=self.keepdims)

    def get_config(self):
        return {**super().get_config(), "keepdims": self.keepdims}


class GlobalAveragePooling2D(_GlobalPool):
    reducer = staticmethod(reduce.reduce_mean)


class GlobalMaxPooling2D(_GlobalPool):
    reducer = staticmethod(reduce.reduce_max)


class GlobalAveragePooling1D(_GlobalPool):
    axes, reducer = (1,), staticmethod(reduce.reduce_mean)


class GlobalMaxPooling1D(_GlobalPool):
    axes, reducer = (1,), staticmethod(reduce.reduce_max)
