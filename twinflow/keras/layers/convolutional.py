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


def _padding(padding):
    padding = padding.upper()
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"The `padding` argument must be a string \"valid\" or \"same\" "
                         f"(case-insensitive). Received: padding={padding.lower()}")
    return padding


class _Conv(Layer):
    """Shared weights and config of the convolutions (kernel, bias, activation)."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if data_format not in (None, "channels_last"):
            raise NotImplementedError("twinflow's Keras convolutions take channels_last "
                                      "inputs (the Keras default).")
        self.filters = int(filters) if filters is not None else None
        self.kernel_size = _tuple(kernel_size, self.rank)
        self.strides = _tuple(strides, self.rank)
        self.padding = _padding(padding)
        self.dilation_rate = _tuple(dilation_rate, self.rank)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _kernel_shape(self, channels):
        return list(self.kernel_size) + [channels, self.filters]

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. "
                             f"Found None. Full input shape received: {input_shape}")
        self.kernel = self.add_weight("kernel", self._kernel_shape(channels),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
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
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": list(self.kernel_size), "strides": list(self.strides),
                "padding": self.padding.lower(), "dilation_rate": list(self.dilation_rate),
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer)}


class Conv2D(_Conv):
    """2-D convolution over [batch, height, width, channels]."""

    def _convolve(self, inputs):
        return conv.conv2d(inputs, self.kernel, [1, *self.strides, 1], self.padding,
                           dilations=[1, *self.dilation_rate, 1])


class Conv1D(_Conv):
    """1-D convolution over [batch, steps, channels]."""

    rank = 1

    def _convolve(self, inputs):
        return conv.conv1d(inputs, self.kernel, self.strides[0], self.padding,
                           dilations=self.dilation_rate[0])


class Conv2DTranspose(_Conv):
    """The transpose of Conv2D (upsampling by `strides`): kernel [kh, kw, filters, in]."""

    def _kernel_shape(self, channels):
        return list(self.kernel_size) + [self.filters, channels]

    def _convolve(self, inputs):
        shape = array.shape(inputs)
        size = [_deconv_length(inputs.shape[i + 1], self.strides[i], self.kernel_size[i],
                               self.padding, shape[i + 1]) for i in range(2)]
        out_shape = array.stack([shape[0], size[0], size[1], self.filters])
        return conv.conv2d_transpose(inputs, self.kernel, out_shape, [1, *self.strides, 1],
                                     self.padding)


def _deconv_length(static, stride, kernel, padding, dynamic):
    n = static if static is not None else dynamic
    return n * stride if padding == "SAME" else n * stride + max(kernel - stride, 0)


class DepthwiseConv2D(_Conv):
    """Each input channel convolved with its own `depth_multiplier` filters."""

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 depthwise_initializer="glorot_uniform", **kwargs):
        kwargs.setdefault("kernel_initializer", depthwise_initializer)
        super().__init__(None, kernel_size, strides, padding, **kwargs)
        self.depth_multiplier = int(depth_multiplier)

    def _kernel_shape(self, channels):
        return list(self.kernel_size) + [channels, self.depth_multiplier]

    def _bias_size(self, channels):
        return channels * self.depth_multiplier

    def _convolve(self, inputs):
        return conv.depthwise_conv2d(inputs, self.kernel, [1, *self.strides, 1], self.padding,
                                     dilations=list(self.dilation_rate))

    def get_config(self):
        config = {**super().get_config(), "depth_multiplier": self.depth_multiplier}
        config.pop("filters")
        return config


class SeparableConv2D(_Conv):
    """A depthwise convolution, then a 1x1 convolution mixing the channels."""

    def __init__(self, filters, kernel_size, depth_multiplier=1, **kwargs):
        super().__init__(filters, kernel_size, **kwargs)
        self.depth_multiplier = int(depth_multiplier)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", list(self.kernel_size) + [channels, self.depth_multiplier],
            initializer=self.kernel_initializer)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", [1, 1, channels * self.depth_multiplier, self.filters],
            initializer=self.kernel_initializer)
        self.bias = self.add_weight("bias", [self.filters], initializer=self.bias_initializer) \
            if self.use_bias else None
        self.built = True

    def _convolve(self, inputs):
        depthwise = conv.depthwise_conv2d(inputs, self.depthwise_kernel,
                                          [1, *self.strides, 1], self.padding,
                                          dilations=list(self.dilation_rate))
        return conv.conv2d(depthwise, self.pointwise_kernel, [1, 1, 1, 1], "VALID")

    def get_config(self):
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier}


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
