"""model.save / tf.keras.models.load_model (.keras zip files), configs and JSON,
clone_model: a loaded model predicts bit for bit what the saved one did — eagerly and in
a TF1 Session — and trains on from the restored optimizer state; every bad file and
refused object fails with its class and message."""

import json
import os
import zipfile

import numpy as np
import pytest

import twinflow as tf
from twinflow import keras
from twinflow.compat import v1 as tf1

RNG = np.random.default_rng(2)
X = RNG.normal(size=(40, 4)).astype(np.float32)
Y = RNG.integers(0, 3, 40)
X2 = RNG.normal(size=(40, 2)).astype(np.float32)


def sequential(optimizer="adam"):
    keras.backend.clear_session()
    tf.random.set_seed(3)
    model = keras.Sequential([
        keras.layers.Dense(8, activation="relu", input_shape=(4,),
                           kernel_regularizer=keras.regularizers.l2(0.01)),
        keras.layers.Dropout(0.0),  # 0: continued training is compared bit for bit
        keras.layers.Dense(3, activation="softmax", name="probs")])
    model.compile(optimizer, "sparse_categorical_crossentropy",
                  metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2)])
    return model


def functional():
    """Two inputs, a shared layer called twice, two outputs."""
    keras.backend.clear_session()
    tf.random.set_seed(4)
    a, b = keras.Input((4,), name="a"), keras.Input((2,), name="b")
    shared = keras.layers.Dense(5, activation="relu", name="shared")
    ha, hb = shared(keras.layers.Dense(5, name="pa")(a)), shared(
        keras.layers.Dense(5, name="pb")(b))
    out = keras.layers.Dense(3, activation="softmax", name="out")(
        keras.layers.Flatten()(ha))
    score = keras.layers.Dense(1, name="score")(hb)
    return keras.Model(inputs=[a, b], outputs=[out, score], name="two_towers")


def in_graph(fn):
    """fn() run with eager execution disabled, inside a TF1 Session."""
    tf1.disable_eager_execution()
    try:
        with tf1.Session():
            return fn()
    finally:
        tf1.enable_eager_execution()
        tf1.reset_default_graph()


def fit(model, epochs=2):
    return model.fit(X, Y, epochs=epochs, batch_size=10, shuffle=False, verbose=0).history


def assert_same_weights(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_sequential_round_trip_predicts_and_trains_on_bit_identically(tmp_path):
    path = str(tmp_path / "model.keras")
    model = sequential(keras.optimizers.Adam(0.02))
    fit(model)
    model.save(path)
    saved = model.predict(X, verbose=0)
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json",
                                              "model.weights.npz"]
        config = json.loads(archive.read("config.json"))
    assert config["class_name"] == "Sequential"
    assert [layer["class_name"] for layer in config["config"]["layers"]] == [
        "InputLayer", "Dense", "Dropout", "Dense"]
    assert config["compile_config"]["loss"] == "sparse_categorical_crossentropy"
    assert config["compile_config"]["metrics"][0] == "accuracy"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert "optimizer/dense/weight_0/m" in config["weights"]
    loaded = keras.models.load_model(path)
    assert [layer.name for layer in loaded.layers] == ["dense", "dropout", "probs"]
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), saved)
    assert loaded.get_config() == model.get_config()
    assert type(loaded.optimizer) is keras.optimizers.Adam
    assert loaded.optimizer.iterations.numpy() == 8
    assert loaded.metrics_names == model.metrics_names
    assert loaded.evaluate(X, Y, verbose=0) == model.evaluate(X, Y, verbose=0)
    assert fit(loaded) == fit(model)  # slots and iterations restored: same next steps
    assert_same_weights(loaded.get_weights(), model.get_weights())
    bare = keras.models.load_model(path, compile=False)
    assert bare.optimizer is None
    np.testing.assert_array_equal(bare.predict(X, verbose=0), saved)


def test_load_in_a_tf1_session_and_save_from_one(tmp_path):
    path, back = str(tmp_path / "m.keras"), str(tmp_path / "graph.keras")
    model = sequential(keras.optimizers.Nadam(0.01))
    fit(model)
    model.save(path)
    want, want_eval = model.predict(X, verbose=0), model.evaluate(X, Y, verbose=0)
    want_history = fit(model)

    def graph_side():
        loaded = keras.models.load_model(path)
        predicted, evaluated = loaded.predict(X, verbose=0), loaded.evaluate(X, Y, verbose=0)
        history = fit(loaded)
        loaded.save(back)
        return predicted, evaluated, history, loaded.get_weights()
    predicted, evaluated, history, weights = in_graph(graph_side)
    np.testing.assert_array_equal(predicted, want)
    assert evaluated == want_eval and history == want_history
    assert_same_weights(weights, model.get_weights())
    again = keras.models.load_model(back)
    assert_same_weights(again.get_weights(), model.get_weights())
    assert again.optimizer.iterations.numpy() == 16
    np.testing.assert_array_equal(again.optimizer.get_weights()[1],
                                  model.optimizer.get_weights()[1])  # momentum_cache


def test_functional_config_json_and_round_trip(tmp_path):
    model = functional()
    model.compile("sgd", ["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5])
    config = model.get_config()
    shared = next(layer for layer in config["layers"] if layer["name"] == "shared")
    assert shared["inbound_nodes"] == [[["pa", 0, 0, {}]], [["pb", 0, 0, {}]]]
    assert config["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["output_layers"] == [["out", 0, 0], ["score", 0, 0]]
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Functional"
    for rebuilt in (keras.models.model_from_json(text), keras.Model.from_config(config),
                    keras.models.model_from_config(json.loads(text))):
        assert rebuilt.get_config() == config
        assert [w.shape for w in rebuilt.get_weights()] == \
            [w.shape for w in model.get_weights()]
    path = str(tmp_path / "f.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    for got, want in zip(loaded.predict([X, X2], verbose=0), model.predict([X, X2],
                                                                              verbose=0)):
        np.testing.assert_array_equal(got, want)
    assert loaded.compiled_loss._weights == [1.0, 0.5]
    graph_out = in_graph(lambda: keras.models.load_model(path).predict([X, X2], verbose=0))
    np.testing.assert_array_equal(graph_out[0], model.predict([X, X2], verbose=0)[0])


def test_nested_model_custom_objects_and_lambda_safe_mode(tmp_path):
    keras.backend.clear_session()

    class Scale(keras.layers.Layer):
        def __init__(self, factor, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    def double_mse(y_true, y_pred):
        return 2.0 * keras.losses.mean_squared_error(y_true, y_pred)
    inner = keras.Sequential([keras.layers.Dense(3, input_shape=(4,), name="inner_dense")],
                             name="inner")
    x = keras.Input((4,), name="x")
    y = keras.layers.Lambda(lambda t: tf.nn.relu(t) + 1.0, name="shift")(Scale(2.0)(inner(x)))
    model = keras.Model(x, y)
    model.compile("sgd", double_mse)
    path = str(tmp_path / "custom.keras")
    model.save(path)
    with pytest.raises(ValueError, match="Unknown layer: 'Scale'"):
        keras.models.load_model(path)
    custom = {"Scale": Scale, "double_mse": double_mse}
    with pytest.raises(ValueError, match="Requested the deserialization of a `Lambda` layer "
                                         r"whose `function` is a Python lambda.*"
                                         "safe_mode=False"):
        keras.models.load_model(path, custom_objects=custom)
    with pytest.raises(ValueError, match="Unknown loss function: 'double_mse'"):
        keras.models.load_model(path, custom_objects={"Scale": Scale}, safe_mode=False)
    loaded = keras.models.load_model(path, custom_objects=custom, safe_mode=False)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert loaded.get_layer("inner").get_layer("inner_dense").units == 3
    assert loaded.compiled_loss.first().fn is double_mse


def test_clone_model():
    model = sequential()
    clone = keras.models.clone_model(model)
    assert clone is not model and clone.get_config() == model.get_config()
    assert clone.optimizer is None
    assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(X, verbose=0), model.predict(X, verbose=0))
    net = functional()
    seen = []

    def record(layer):
        seen.append(layer.name)
        return layer.__class__.from_config(layer.get_config())
    copy = keras.models.clone_model(net, clone_function=record)
    assert seen == ["pa", "shared", "pb", "flatten", "out", "score"]  # shared needs pb later
    assert copy.get_config() == net.get_config()
    new_inputs = [keras.Input((4,), name="na"), keras.Input((2,), name="nb")]
    rewired = keras.models.clone_model(net, input_tensors=new_inputs)
    assert [t.node.layer.name for t in rewired.inputs] == ["na", "nb"]


def test_errors_name_the_file(tmp_path):
    model = sequential()
    path = str(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="File not found: filepath=.*nothing.keras"):
        keras.models.load_model(str(tmp_path / "nothing.keras"))
    with pytest.raises(ValueError, match="Invalid filepath extension for saving.*m.h5"):
        model.save(str(tmp_path / "m.h5"))
    with pytest.raises(ValueError, match="save_format=tf"):
        model.save(path, save_format="tf")
    with pytest.raises(ValueError, match=r"argument\(s\) are not supported: \['bogus'\]"):
        model.save(path, bogus=1)
    model.save(path)
    with pytest.raises(FileExistsError, match="m.keras already exists and overwrite=False"):
        model.save(path, overwrite=False)
    data = open(path, "rb").read()
    for name, damaged in (("cut.keras", data[:len(data) // 2]),
                          ("flip.keras", data[:200] + bytes([data[200] ^ 0xFF]) + data[201:]),
                          ("text.keras", b"not a zip file")):
        (tmp_path / name).write_bytes(damaged)
        with pytest.raises(tf.errors.DataLossError,
                           match=f"Model file .*{name} is corrupted or truncated"):
            keras.models.load_model(str(tmp_path / name))
    with zipfile.ZipFile(tmp_path / "partial.keras", "w") as archive:
        archive.writestr("config.json", "{}")
    with pytest.raises(tf.errors.DataLossError, match="it has no model.weights.npz"):
        keras.models.load_model(str(tmp_path / "partial.keras"))
    model.save_weights(str(tmp_path / "ckpt"))
    with pytest.raises(ValueError, match="is a weights checkpoint"):
        keras.models.load_model(str(tmp_path / "ckpt"))
    with pytest.raises(TypeError, match="`model_from_config` expects a dictionary"):
        keras.models.model_from_config([])


def test_unsaveable_models_and_atomic_overwrite(tmp_path):
    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)
    sub = Sub()
    sub(X)
    with pytest.raises(NotImplementedError, match="requires it to be a Functional or a "
                                                  "Sequential model"):
        sub.save(str(tmp_path / "sub.keras"))
    path = tmp_path / "keep.keras"
    model = sequential()
    model.save(str(path))
    before = path.read_bytes()
    model.get_layer("probs").units = object()  # a config json cannot hold
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        model.save(str(path))
    assert path.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["keep.keras"]
    called = keras.Sequential([keras.layers.Dense(2)])  # built by its first call
    want = called(X).numpy()
    called.save(str(tmp_path / "called.keras"))
    np.testing.assert_array_equal(keras.models.load_model(str(tmp_path / "called.keras"))(X),
                                  want)
    keras.backend.clear_session()
    x = keras.Input((4,))
    twins = keras.Model(x, keras.layers.Dense(2, name="d")(keras.layers.Dense(2, name="d")(x)))
    with pytest.raises(ValueError, match='The name "d" is used 2 times in the model'):
        twins.save(str(tmp_path / "twins.keras"))
