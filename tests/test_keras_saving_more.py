"""Saving gaps: weights keyed by object structure (a fresh subclassed instance loads
them), one `.weights.h5` file, optimizer state through load_model, constraints that
serialize, and the optimizers' Keras 2.11 weight_decay / EMA arguments."""

import os

import numpy as np
import pytest

import twinflow as tf
from twinflow import keras

L = keras.layers
RNG = np.random.default_rng(3)
X = RNG.standard_normal((16, 4)).astype("float32")
Y = RNG.standard_normal((16, 1)).astype("float32")


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.blocks = [L.Dense(3, activation="relu"), L.BatchNormalization()]
        self.head = L.Dense(1)

    def call(self, x, training=None):
        for block in self.blocks:
            x = block(x)
        return self.head(x)


def _same(a_list, b_list):
    assert len(a_list) == len(b_list)
    for a, b in zip(a_list, b_list):
        np.testing.assert_array_equal(a, b)


# -- 3. save_weights / load_weights ------------------------------------------------------------

@pytest.mark.parametrize("filename", ["w.weights.h5", "ckpt"])
def test_fresh_subclassed_instance_loads_weights(tmp_path, filename):
    model = Net()
    model(X)
    model.set_weights([w + 0.5 for w in model.get_weights()])
    path = str(tmp_path / filename)
    model.save_weights(path)
    if filename.endswith(".h5"):
        assert sorted(os.listdir(tmp_path)) == ["w.weights.h5"]
    else:
        assert sorted(os.listdir(tmp_path)) == ["ckpt.data-00000-of-00001", "ckpt.index"]
    fresh = Net()  # other auto-generated layer names (dense_2 ...)
    fresh(X)
    assert fresh.head.name != model.head.name
    fresh.load_weights(path)
    _same(fresh.get_weights(), model.get_weights())
    np.testing.assert_array_equal(fresh(X).numpy(), model(X).numpy())


def test_weights_file_errors(tmp_path):
    model = Net()
    model(X)
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    with pytest.raises(ValueError, match="has no weights yet"):
        Net().load_weights(path)
    other = keras.Sequential([L.Dense(2, input_shape=(4,))])
    with pytest.raises(ValueError, match="the file has no"):
        other.load_weights(path)
    with pytest.raises(FileNotFoundError):
        model.load_weights(str(tmp_path / "missing.weights.h5"))
    (tmp_path / "bad.weights.h5").write_bytes(b"not a zip")
    with pytest.raises(tf.errors.DataLossError, match="is not a weights file"):
        model.load_weights(str(tmp_path / "bad.weights.h5"))
    with pytest.raises(ValueError, match="is a weights file"):
        keras.models.load_model(path)


def test_functional_weights_keyed_by_position(tmp_path):
    def make():
        inputs = keras.Input((4,))
        hidden = L.Dropout(0.1)(L.Dense(3)(inputs))
        return keras.Model(inputs, L.Dense(2)(hidden))
    model = make()
    path = str(tmp_path / "f.weights.h5")
    model.save_weights(path)
    again = make()
    again.load_weights(path)
    _same(again.get_weights(), model.get_weights())
    with np.load(path) as stored:
        assert sorted(stored.files) == sorted(
            ["__twinflow_format__", "layer_with_weights-0/kernel",
             "layer_with_weights-0/bias", "layer_with_weights-1/kernel",
             "layer_with_weights-1/bias"])


def test_load_model_restores_optimizer_state(tmp_path):
    def make():
        return keras.Sequential([L.Dense(3, input_shape=(4,)), L.BatchNormalization(),
                                 L.Dense(1)])
    model = make()
    model.compile(keras.optimizers.Adam(0.01), "mse")
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert int(loaded.optimizer.iterations.numpy()) == 4
    _same(loaded.optimizer.get_weights(), model.optimizer.get_weights())
    model.fit(X, Y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(X, Y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    _same(loaded.get_weights(), model.get_weights())


# -- 4. constraints ------------------------------------------------------------------------------

def test_constraints_serialize_and_get():
    C = keras.constraints
    for constraint in (C.MaxNorm(2.0, axis=1), C.MinMaxNorm(0.5, 1.5, 0.7, 0), C.NonNeg(),
                       C.UnitNorm(axis=1)):
        config = C.serialize(constraint)
        again = C.get(config)
        assert type(again) is type(constraint) and again.get_config() == \
            constraint.get_config()
    assert isinstance(C.get("non_neg"), C.NonNeg) and isinstance(C.get("MaxNorm"), C.MaxNorm)
    assert C.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret constraint identifier"):
        C.get("bogus")
    with pytest.raises(ValueError, match="Unknown constraint: 'Bogus'"):
        C.get({"class_name": "Bogus", "config": {}})


def test_dense_constraints_survive_config_save_and_training(tmp_path):
    dense = L.Dense(2, bias_constraint="non_neg",
                    kernel_constraint=keras.constraints.MaxNorm(2.0))
    again = L.Dense.from_config(dense.get_config())
    assert again.kernel_constraint.max_value == 2.0
    assert isinstance(again.bias_constraint, keras.constraints.NonNeg)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, L.Dense(2, bias_constraint="non_neg",
                                        kernel_constraint=keras.constraints.MaxNorm(0.5),
                                        bias_initializer="ones")(inputs))
    model.compile(keras.optimizers.SGD(1.0), "mse")
    model.fit(X, np.full((16, 2), -50.0, "float32"), epochs=1, batch_size=16, verbose=0)
    kernel, bias = model.get_weights()
    assert np.all(bias >= 0) and np.all(np.sqrt((kernel ** 2).sum(0)) <= 0.5 + 1e-6)
    path = str(tmp_path / "c.keras")
    model.save(path)
    layer = keras.models.load_model(path).layers[1]
    assert layer.kernel_constraint.max_value == 0.5
    assert isinstance(layer.bias_constraint, keras.constraints.NonNeg)
    clone = keras.models.clone_model(model).layers[1]
    assert clone.get_config()["kernel_constraint"] == {"class_name": "MaxNorm",
                                                       "config": {"max_value": 0.5,
                                                                  "axis": 0}}


def test_conv_arguments_survive_save_and_clone(tmp_path):
    inputs = keras.Input((8, 8, 3))
    x = L.Conv2D(4, 3, kernel_regularizer="l2", bias_constraint="non_neg")(inputs)
    x = L.DepthwiseConv2D(3, depthwise_regularizer=keras.regularizers.L1(0.1))(x)
    x = L.SeparableConv2D(2, 3, pointwise_constraint="non_neg")(x)
    x = L.Conv2DTranspose(2, 3, strides=2, output_padding=1)(x)
    model = keras.Model(inputs, L.Conv1D(2, 2, padding="causal")(L.Reshape((-1, 2))(x)))
    path = str(tmp_path / "conv.keras")
    model.save(path)
    loaded, clone = keras.models.load_model(path), keras.models.clone_model(model)
    for a, b, c in zip(model.layers, loaded.layers, clone.layers):
        ca, cb, cc = (dict(layer.get_config(), name=None) for layer in (a, b, c))
        assert ca == cb == cc, type(a).__name__
    np.testing.assert_array_equal(loaded(np.ones((1, 8, 8, 3), "float32")).numpy(),
                                  model(np.ones((1, 8, 8, 3), "float32")).numpy())
    assert len(loaded.losses) == 2


# -- 8. weight_decay and EMA ------------------------------------------------------------------

def _steps(optimizer, grads, start):
    var = tf.Variable(start)
    for g in grads:
        optimizer.apply_gradients([(tf.constant(g), var)])
    return var


def test_weight_decay_is_decoupled_for_every_optimizer():
    start = np.array([1.0, -2.0, 3.0], "float32")
    grads = [np.array([0.5, 0.25, -1.0], "float32")] * 3
    var = _steps(keras.optimizers.SGD(0.1, weight_decay=0.2), grads, start)
    want = start.astype(np.float64)
    for g in grads:
        want = want - 0.1 * 0.2 * want - 0.1 * g
    np.testing.assert_allclose(var.numpy(), want, rtol=1e-6)
    plain, decayed = keras.optimizers.Adam(0.1), keras.optimizers.Adam(0.1, weight_decay=0.0)
    np.testing.assert_array_equal(_steps(plain, grads, start).numpy(),
                                  _steps(decayed, grads, start).numpy())
    adamw = _steps(keras.optimizers.AdamW(0.1, weight_decay=0.2), grads, start)
    adam = _steps(keras.optimizers.Adam(0.1, weight_decay=0.2), grads, start)
    np.testing.assert_array_equal(adamw.numpy(), adam.numpy())
    config = keras.optimizers.SGD(0.1, weight_decay=0.2).get_config()
    assert config["weight_decay"] == 0.2
    assert keras.optimizers.SGD.from_config(config).weight_decay == 0.2
    excluded = keras.optimizers.SGD(0.1, weight_decay=0.2)
    var = tf.Variable(start, name="bias")
    excluded.exclude_from_weight_decay(var_names=["bias"])
    excluded.apply_gradients([(tf.constant(grads[0]), var)])
    np.testing.assert_allclose(var.numpy(), start - 0.1 * grads[0], rtol=1e-6)


def _np_ema_sgd(start, grads, lr, momentum, overwrite=None):
    var, average = start.astype(np.float64), start.astype(np.float64)
    for step, g in enumerate(grads):
        var = var - lr * g
        average = momentum * average + (1 - momentum) * var
        if overwrite and (step + 1) % overwrite == 0:
            var = average.copy()
    return var, average


@pytest.mark.parametrize("overwrite", [None, 2])
def test_ema_matches_keras2_rule(overwrite):
    start = np.array([1.0, -2.0], "float32")
    grads = [np.array([0.5, -1.0], "float32") * (i + 1) for i in range(5)]
    optimizer = keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.9,
                                     ema_overwrite_frequency=overwrite)
    var = _steps(optimizer, grads, start)
    want_var, want_average = _np_ema_sgd(start, grads, 0.1, 0.9, overwrite)
    np.testing.assert_allclose(var.numpy(), want_var, rtol=1e-6)
    np.testing.assert_allclose(optimizer.get_slot(var, "average").numpy(), want_average,
                               rtol=1e-6)
    optimizer.finalize_variable_values([var])
    np.testing.assert_array_equal(var.numpy(), optimizer.get_slot(var, "average").numpy())


def test_ema_in_a_tf_function_equals_eager():
    start = np.array([1.0, -2.0], "float32")
    grads = [np.array([0.5, -1.0], "float32") * (i + 1) for i in range(4)]
    eager_opt = keras.optimizers.SGD(0.1, momentum=0.5, use_ema=True, weight_decay=0.1)
    eager_var = _steps(eager_opt, grads, start)
    graph_opt = keras.optimizers.SGD(0.1, momentum=0.5, use_ema=True, weight_decay=0.1)
    var = tf.Variable(start)

    @tf.function
    def apply(g):
        graph_opt.apply_gradients([(g, var)])
    for g in grads:
        apply(tf.constant(g))
    np.testing.assert_array_equal(var.numpy(), eager_var.numpy())
    np.testing.assert_array_equal(graph_opt.get_slot(var, "average").numpy(),
                                  eager_opt.get_slot(eager_var, "average").numpy())


def test_ema_argument_errors():
    with pytest.raises(ValueError, match="`ema_momentum` must be in the range"):
        keras.optimizers.Adam(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match="`ema_overwrite_frequency` must be an integer"):
        keras.optimizers.Adam(use_ema=True, ema_overwrite_frequency=0.5)
    with pytest.raises(TypeError, match="Unexpected keyword argument"):
        keras.optimizers.Adam(bogus=1)
