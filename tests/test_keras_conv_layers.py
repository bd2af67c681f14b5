"""Keras core, convolution and pooling layers: numbers vs the tf.nn ops / numpy, eager ==
graph, configs, one training step, and a small CNN fitting in all three modes."""

import numpy as np
import pytest

import twinflow as tf
from tests.test_keras_layers import check_layer
from twinflow import keras
from twinflow.compat import v1 as tf1

L = keras.layers


@pytest.mark.parametrize("factory, shape", [
    (lambda: L.Dense(3, activation="tanh", kernel_regularizer="l2"), (2, 4)),
    (lambda: L.Dense(2), (2, 3, 4)),
    (lambda: L.Activation("relu"), (2, 4)),
    (lambda: L.Dropout(0.5), (2, 4)),
    (lambda: L.Flatten(), (2, 3, 2)),
    (lambda: L.Reshape((3, 2)), (2, 6)),
    (lambda: L.Permute((2, 1)), (2, 3, 4)),
    (lambda: L.RepeatVector(3), (2, 4)),
    (lambda: L.Conv2D(4, 3, padding="same", activation="relu"), (2, 6, 5, 3)),
    (lambda: L.Conv2D(2, (3, 2), strides=2), (2, 7, 6, 1)),
    (lambda: L.Conv1D(3, 2, dilation_rate=2), (2, 9, 2)),
    (lambda: L.Conv2DTranspose(2, 3, strides=2, padding="same"), (2, 3, 4, 2)),
    (lambda: L.DepthwiseConv2D(3, depth_multiplier=2), (2, 5, 5, 2)),
    (lambda: L.SeparableConv2D(3, 3, padding="same"), (2, 5, 5, 2)),
    (lambda: L.MaxPooling2D(2), (2, 6, 6, 2)),
    (lambda: L.AveragePooling2D(3, strides=2, padding="same"), (2, 7, 7, 2)),
    (lambda: L.MaxPooling1D(2), (2, 6, 3)),
    (lambda: L.AveragePooling1D(2), (2, 6, 3)),
    (lambda: L.GlobalAveragePooling2D(), (2, 4, 4, 3)),
    (lambda: L.GlobalMaxPooling2D(), (2, 4, 4, 3)),
    (lambda: L.GlobalAveragePooling1D(), (2, 5, 3)),
])
def test_layer_eager_graph_config_and_training(factory, shape):
    check_layer(factory, shape, fit=bool(factory().__class__.__name__.startswith(
        ("Conv", "Depthwise", "Separable", "Dense"))))


def test_conv2d_matches_a_numpy_reference():
    keras.backend.clear_session()
    layer = L.Conv2D(2, 3, padding="valid")
    x = np.random.default_rng(1).normal(size=(1, 5, 4, 3)).astype(np.float32)
    y = layer(x).numpy()
    k, b = layer.get_weights()
    ref = np.zeros((1, 3, 2, 2), np.float32)
    for i in range(3):
        for j in range(2):
            ref[0, i, j] = np.tensordot(x[0, i:i + 3, j:j + 3], k, axes=3) + b
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)
    assert [w.name for w in layer.weights] == ["conv2d/kernel:0", "conv2d/bias:0"]


def test_pooling_matches_numpy():
    x = np.arange(32, dtype=np.float32).reshape(1, 4, 4, 2)
    np.testing.assert_array_equal(L.MaxPooling2D(2)(x).numpy(),
                                  x.reshape(1, 2, 2, 2, 2, 2).max(axis=(2, 4)))
    np.testing.assert_array_equal(L.GlobalAveragePooling2D()(x).numpy(), x.mean(axis=(1, 2)))


def test_small_cnn_fits_identically_in_three_modes():
    rng = np.random.default_rng(0)
    x = rng.random((24, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 3, 24)

    def run(run_eagerly):
        keras.backend.clear_session()
        tf.random.set_seed(1)
        model = keras.Sequential([L.Conv2D(4, 3, padding="same", activation="relu",
                                           input_shape=(8, 8, 1)), L.MaxPooling2D(2),
                                  L.Flatten(), L.Dense(3, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy", run_eagerly=run_eagerly)
        return model.fit(x, y, epochs=2, batch_size=8, verbose=0).history["loss"]
    eager, compiled = run(True), run(False)
    tf1.disable_eager_execution()
    try:
        with tf1.Session():
            graph = run(False)
    finally:
        tf1.enable_eager_execution()
        tf1.reset_default_graph()
    assert eager == compiled == graph


def test_conv_layer_errors():
    with pytest.raises(ValueError, match="must be a string \"valid\" or \"same\""):
        L.Conv2D(2, 3, padding="full")
    with pytest.raises(ValueError, match="channel dimension of the inputs should be defined"):
        with tf.Graph().as_default():
            L.Conv2D(2, 3)(tf1.placeholder(tf.float32, [None, 4, 4, None]))


def test_summary_wraps_long_names_like_keras():
    keras.backend.clear_session()
    model = keras.Sequential([L.Conv2D(8, 3, input_shape=(8, 8, 1)),
                              L.GlobalAveragePooling2D(), L.Dense(2)])
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines).splitlines()
    row = text.index(" global_average_pooling2d (G  (None, 8)                 0".ljust(65))
    assert text[row + 1].strip() == "lobalAveragePooling2D)"
    assert " conv2d (Conv2D)              (None, 6, 6, 8)           80" in text[4]
