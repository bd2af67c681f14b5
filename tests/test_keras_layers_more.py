"""Keras layer gaps: Model weight order, metrics not tracked as layers, activity
regularizer per example, causal Conv1D, Conv2DTranspose output_padding, bilinear
UpSampling2D, conv configs, and the preprocessing layers' adapt/lookup details — numbers
against numpy references, gradients against finite differences."""

import numpy as np
import pytest

import twinflow as tf
from twinflow import keras

L = keras.layers
RNG = np.random.default_rng(7)


def _names(variables):
    return [v.name.split(":")[0].split("/", 1)[-1] for v in variables]


# -- 1. weight order -------------------------------------------------------------------------

def test_model_weights_layer_by_layer():
    model = keras.Sequential([L.Dense(3, input_shape=(4,)), L.BatchNormalization(),
                              L.Dense(1)])
    first, bn, last = model.layers
    expected = [first.kernel, first.bias, bn.gamma, bn.beta, bn.moving_mean,
                bn.moving_variance, last.kernel, last.bias]
    assert [id(w) for w in model.weights] == [id(w) for w in expected]
    assert [id(w) for w in model.trainable_weights] == [id(w) for w in expected
                                                        if w.trainable]
    assert [id(w) for w in model.non_trainable_weights] == [id(bn.moving_mean),
                                                            id(bn.moving_variance)]
    values = [RNG.standard_normal(w.shape.as_list()).astype("float32") for w in expected]
    values[5] = np.abs(values[5])
    model.set_weights(values)
    for got, want in zip(model.get_weights(), values):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), values[4])
    first.trainable = False  # freezing moves nothing in a model's order
    assert [id(w) for w in model.weights] == [id(w) for w in expected]
    assert [id(w) for w in model.trainable_weights] == [id(w) for w in expected[2:4] +
                                                        expected[6:]]
    model.trainable = False  # a frozen model lists every weight, layer by layer
    assert model.trainable_weights == []
    assert [id(w) for w in model.non_trainable_weights] == [id(w) for w in expected]
    # a plain layer keeps trainable first, then the rest
    assert _names(bn.weights) == ["gamma", "beta", "moving_mean", "moving_variance"]


class _Sub(keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = L.Dense(3)
        self.bn = L.BatchNormalization()
        self.d2 = L.Dense(1)

    def call(self, x, training=None):
        return self.d2(self.bn(self.d1(x), training=training))


def test_subclassed_weights_order_and_no_metric_layers():
    model = _Sub()
    x = RNG.standard_normal((8, 4)).astype("float32")
    y = RNG.standard_normal((8, 1)).astype("float32")
    model.compile("sgd", "mse", metrics=["mae"])
    model.fit(x, y, epochs=1, verbose=0)
    assert [layer.name for layer in model.layers] == [model.d1.name, model.bn.name,
                                                      model.d2.name]
    assert [v.name.split(":")[0].rsplit("/", 1)[-1] for v in model.weights] == [
        "kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance", "kernel",
        "bias"]
    assert model.count_params() == 4 * 3 + 3 + 4 * 3 + 3 + 1 == 31
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Mean" not in text and "Total params: 31" in text
    assert [m.name for m in model.metrics] == ["loss", "mae"]


# -- 5. activity regularizer -----------------------------------------------------------------

def test_activity_regularizer_divided_by_batch_and_not_piled_up():
    layer = L.Dense(2, activity_regularizer=keras.regularizers.L2(0.1),
                    kernel_initializer="ones")
    x = np.arange(12, dtype="float32").reshape(4, 3)
    out = layer(x).numpy()
    np.testing.assert_allclose(out, x @ np.ones((3, 2)), rtol=1e-6)
    (loss,) = layer.losses
    np.testing.assert_allclose(loss.numpy(), 0.1 * np.sum(out ** 2) / 4, rtol=1e-6)
    layer(x[:2])  # a later call replaces, not adds
    (loss,) = layer.losses
    np.testing.assert_allclose(loss.numpy(), 0.1 * np.sum(out[:2] ** 2) / 2, rtol=1e-6)
    model = keras.Sequential([L.Dense(2, activity_regularizer="l1",
                                      kernel_initializer="ones", input_shape=(3,))])
    model(x)
    model(x)
    assert len(model.losses) == 1
    np.testing.assert_allclose(model.losses[0].numpy(),
                               0.01 * np.abs(x @ np.ones((3, 2))).sum() / 4, rtol=1e-6)


def test_activity_regularizer_in_training_loss():
    model = keras.Sequential([L.Dense(1, activity_regularizer=keras.regularizers.L2(0.5),
                                      kernel_initializer="ones", input_shape=(2,))])
    model.compile("sgd", "mse")
    x = np.array([[1.0, 2.0], [3.0, 4.0]], "float32")
    y = np.zeros((2, 1), "float32")
    pred = x.sum(1, keepdims=True)
    want = np.mean(pred ** 2) + 0.5 * np.sum(pred ** 2) / 2
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), want, rtol=1e-5)


# -- 6. causal, output_padding, bilinear -------------------------------------------------------

def _gradient_check(layer, x):
    """The tape's input gradient vs a central difference along one random direction."""
    direction = RNG.standard_normal(x.shape)
    weights = RNG.standard_normal(layer(x).shape)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        total = tf.reduce_sum(layer(xt) * weights)
    analytic = np.sum(tape.gradient(total, xt).numpy() * direction)
    eps = 1e-6
    plus = np.sum(layer(x + eps * direction).numpy() * weights)
    minus = np.sum(layer(x - eps * direction).numpy() * weights)
    np.testing.assert_allclose(analytic, (plus - minus) / (2 * eps), rtol=1e-6)


def test_conv1d_causal_matches_numpy_and_gradient():
    layer = L.Conv1D(4, 3, padding="causal", dilation_rate=2, dtype="float64")
    x = RNG.standard_normal((2, 7, 3))
    out = layer(x).numpy()
    kernel, bias = layer.get_weights()
    padded = np.pad(x, [(0, 0), (4, 0), (0, 0)])
    want = sum(padded[:, 2 * j:2 * j + 7, :] @ kernel[j] for j in range(3)) + bias
    np.testing.assert_allclose(out, want, rtol=1e-12)
    x2 = x.copy()
    x2[:, 5:] = 99.0  # the future never leaks into earlier steps
    np.testing.assert_allclose(layer(x2).numpy()[:, :5], out[:, :5], rtol=1e-12)
    assert layer.get_config()["padding"] == "causal"
    assert keras.Input((7, 3)).shape.as_list() == [None, 7, 3]
    assert layer(keras.Input((7, 3))).shape.as_list() == [None, 7, 4]
    _gradient_check(layer, x)
    with pytest.raises(ValueError, match="Causal padding is only supported for `Conv1D`"):
        L.Conv2D(2, 3, padding="causal")


def _np_conv_transpose(x, kernel, strides, padding, out_hw):
    """The scatter form of a transposed convolution, cropped as TensorFlow pads."""
    n, h, w, _ = x.shape
    kh, kw, filters, _ = kernel.shape
    full = np.zeros((n, (h - 1) * strides[0] + kh + out_hw[0],
                     (w - 1) * strides[1] + kw + out_hw[1], filters))
    for i in range(h):
        for j in range(w):
            full[:, i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw] \
                += np.einsum("nc,abfc->nabf", x[:, i, j], kernel)
    tops = [max((size - 1) * s + k - out, 0) // 2 if padding == "same" else 0
            for size, s, k, out in zip((h, w), strides, (kh, kw), out_hw)]
    return full[:, tops[0]:tops[0] + out_hw[0], tops[1]:tops[1] + out_hw[1]]


@pytest.mark.parametrize("padding, want_hw", [("valid", (10, 17)), ("same", (8, 15))])
def test_conv2d_transpose_output_padding(padding, want_hw):
    layer = L.Conv2DTranspose(2, 3, strides=(2, 3), padding=padding, output_padding=(1, 2),
                              dtype="float64")
    x = RNG.standard_normal((2, 4, 5, 3))
    out = layer(x).numpy()
    assert out.shape == (2, *want_hw, 2)
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out, _np_conv_transpose(x, kernel, (2, 3), padding, want_hw)
                               + bias, rtol=1e-10, atol=1e-12)
    assert layer(keras.Input((4, 5, 3))).shape.as_list() == [None, *want_hw, 2]
    assert layer.get_config()["output_padding"] == [1, 2]
    _gradient_check(layer, x)
    with pytest.raises(ValueError, match="must be greater than output padding"):
        L.Conv2DTranspose(2, 3, strides=2, output_padding=2)


def _np_bilinear(x, out_h, out_w):
    """tf.image.resize bilinear (half-pixel centers) in numpy."""
    def taps(in_size, out_size):
        src = (np.arange(out_size) + 0.5) * in_size / out_size - 0.5
        low = np.clip(np.floor(src), 0, in_size - 1).astype(int)
        high = np.clip(np.ceil(src), 0, in_size - 1).astype(int)
        return low, high, src - np.floor(src)
    (t, b, fy), (lft, r, fx) = taps(x.shape[1], out_h), taps(x.shape[2], out_w)
    rows = x[:, t] * (1 - fy)[None, :, None, None] + x[:, b] * fy[None, :, None, None]
    return rows[:, :, lft] * (1 - fx)[None, None, :, None] + rows[:, :, r] * fx[None, None, :,
                                                                                 None]


def test_upsampling2d_bilinear():
    x = RNG.standard_normal((2, 4, 5, 3)).astype("float32")
    layer = L.UpSampling2D((2, 3), interpolation="bilinear")
    out = layer(x).numpy()
    np.testing.assert_allclose(out, _np_bilinear(x.astype(np.float64), 8, 15), rtol=1e-5,
                               atol=1e-6)
    assert layer(keras.Input((None, 5, 3))).shape.as_list() == [None, None, 15, 3]
    first = L.UpSampling2D(2, data_format="channels_first", interpolation="bilinear")
    np.testing.assert_allclose(first(x.transpose(0, 3, 1, 2)).numpy(),
                               _np_bilinear(x.astype(np.float64), 8, 10).transpose(0, 3, 1, 2),
                               rtol=1e-5, atol=1e-6)
    assert L.UpSampling2D.from_config(layer.get_config()).interpolation == "bilinear"
    with pytest.raises(NotImplementedError, match="'nearest' or 'bilinear'"):
        L.UpSampling2D(interpolation="bicubic")


# -- 4. conv configs -------------------------------------------------------------------------

def test_conv_configs_have_keras2_keys_and_round_trip():
    common = {"bias_initializer", "bias_regularizer", "activity_regularizer",
              "bias_constraint", "activation", "use_bias", "padding", "strides",
              "dilation_rate", "data_format", "kernel_size"}
    kernel = {"kernel_initializer", "kernel_regularizer", "kernel_constraint", "filters",
              "groups"}
    layers = {
        L.Conv1D(2, 3, kernel_regularizer="l2", bias_constraint="non_neg"): kernel,
        L.Conv2D(2, 3, kernel_constraint=keras.constraints.MaxNorm(1.5)): kernel,
        L.Conv2DTranspose(2, 3, kernel_regularizer=keras.regularizers.L1(0.3)):
            kernel | {"output_padding"},
        L.DepthwiseConv2D(3, depthwise_regularizer="l2", depthwise_constraint="unit_norm"):
            {"depthwise_initializer", "depthwise_regularizer", "depthwise_constraint",
             "depth_multiplier", "groups"},
        L.SeparableConv2D(2, 3, pointwise_constraint="non_neg", depthwise_initializer="ones"):
            {"filters", "depth_multiplier"} | {f"{p}_{k}" for p in ("depthwise", "pointwise")
                                               for k in ("initializer", "regularizer",
                                                         "constraint")},
    }
    for layer, extra in layers.items():
        config = layer.get_config()
        assert set(config) - {"name", "trainable", "dtype"} == common | extra, type(layer)
        again = type(layer).from_config(config).get_config()
        assert again == config
    sep = L.SeparableConv2D(2, 3, depthwise_initializer="ones")
    sep(np.ones((1, 4, 4, 2), "float32"))
    np.testing.assert_array_equal(sep.depthwise_kernel.numpy(), np.ones((3, 3, 2, 1)))
    dw = L.DepthwiseConv2D(3, depthwise_initializer="ones")
    dw(np.ones((1, 4, 4, 2), "float32"))
    assert _names(dw.weights) == ["depthwise_kernel", "bias"]


# -- 7. preprocessing --------------------------------------------------------------------------

def test_adapt_orders_ties_like_keras2():
    strings = L.StringLookup()
    strings.adapt(np.array(["b", "a", "c", "c", "a", "d"]))
    # counts: a 2, c 2, b 1, d 1; ties by decreasing token (np.lexsort(...)[::-1])
    assert strings.get_vocabulary() == ["[UNK]", "c", "a", "d", "b"]
    ints = L.IntegerLookup()
    ints.adapt(np.array([3, 1, 2, 2, 1, 3, 5]))
    assert ints.get_vocabulary() == [-1, 3, 2, 1, 5]
    capped = L.StringLookup(max_tokens=3)
    capped.adapt(np.array(["b", "a", "c", "c", "a", "d"]))
    assert capped.get_vocabulary() == ["[UNK]", "c", "a"]


def test_normalization_mean_variance_and_int32_lookups():
    norm = L.Normalization()
    data = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 4.0]])
    norm.adapt(data)
    np.testing.assert_allclose(norm.mean.numpy(), data.mean(0, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(norm.variance.numpy(), data.var(0, keepdims=True), rtol=1e-6)
    fixed = L.Normalization(mean=2.0, variance=4.0)
    fixed(np.zeros((1, 3), "float32"))
    np.testing.assert_array_equal(fixed.mean.numpy(), np.full((1, 3), 2.0))
    inverse = L.StringLookup(vocabulary=["a", "b"], invert=True)
    assert inverse(np.array([1, 2, 0], "int32")).numpy().tolist() == [b"a", b"b", b"[UNK]"]
    ints = L.IntegerLookup(vocabulary=[7, 9])
    assert ints(np.array([9, 7, 5], "int32")).numpy().tolist() == [2, 1, 0]
    back = L.IntegerLookup(vocabulary=[7, 9], invert=True)
    assert back(np.array([1, 2], "int32")).numpy().tolist() == [7, 9]


def test_reshape_resolves_minus_one_statically():
    out = L.Reshape((-1, 2))(keras.Input((4, 3, 2)))
    assert out.shape.as_list() == [None, 12, 2]
    x = RNG.standard_normal((2, 4, 3, 2)).astype("float32")
    np.testing.assert_array_equal(L.Reshape((-1, 2))(x).numpy(), x.reshape(2, 12, 2))
    with pytest.raises(ValueError, match="total size of new array must be unchanged"):
        L.Reshape((-1, 5))(keras.Input((4, 3)))


def test_attribute_metrics_are_found_but_not_layers():
    class Tracked(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(1)
            self.tracker = keras.metrics.Mean(name="tracker")

        def call(self, x):
            return self.dense(x)
    model = Tracked()
    model(np.ones((2, 3), "float32"))
    assert [layer.name for layer in model.layers] == [model.dense.name]
    assert model._attribute_metrics() == [model.tracker]
    assert model.count_params() == 4
