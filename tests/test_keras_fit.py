"""Keras compile/fit/evaluate/predict: the three engines agree bit for bit; the TF1
Session recipe runs verbatim; the functional API, summary and fit's options."""

import io

import numpy as np
import pytest

import twinflow as tf
from twinflow import keras
from twinflow.compat import v1 as tf1

RNG = np.random.default_rng(0)
X = RNG.normal(size=(120, 8)).astype(np.float32)
Y = RNG.integers(0, 3, 120)


def make_model(dropout=False):
    keras.backend.clear_session()
    tf.random.set_seed(0)
    layers = [keras.layers.Dense(16, activation="relu", input_shape=(8,)),
              keras.layers.Dense(3, activation="softmax")]
    return keras.Sequential(layers)


def fit_in(mode, optimizer, **fit_kwargs):
    """history and predictions of one fit in `mode`: eager, compiled or graph."""
    def run():
        model = make_model()
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"], run_eagerly=mode == "eager")
        history = model.fit(X, Y, epochs=3, batch_size=32, verbose=0, **fit_kwargs)
        return history.history, model.predict(X[:5], verbose=0), model.evaluate(
            X, Y, verbose=0)
    if mode != "graph":
        return run()
    tf1.disable_eager_execution()
    try:
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            session.run(tf1.tables_initializer())
            return run()
    finally:
        tf1.enable_eager_execution()
        tf1.reset_default_graph()


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_three_engines_bit_identical(optimizer):
    results = [fit_in(mode, optimizer, validation_split=0.25) for mode in
               ("eager", "compiled", "graph")]
    (history, predictions, evaluation) = results[0]
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history["loss"]) == 3
    for other in results[1:]:
        assert other[0] == history
        np.testing.assert_array_equal(other[1], predictions)
        assert other[2] == evaluation


def test_training_reduces_the_loss_and_matches_a_numpy_forward():
    model = make_model()
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy")
    history = model.fit(X, Y, epochs=20, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] * 0.9
    w1, b1, w2, b2 = model.get_weights()
    logits = np.maximum(X @ w1 + b1, 0) @ w2 + b2
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    np.testing.assert_allclose(model.predict(X, verbose=0), probs, rtol=1e-5, atol=1e-6)
    assert model.optimizer.iterations.numpy() == 20 * 4


def test_functional_model_with_two_inputs_and_summary():
    keras.backend.clear_session()
    a = keras.Input(shape=(3,), name="a")
    b = keras.Input(shape=(2,), name="b")
    joined = keras.layers.Lambda(lambda t: tf.concat(t, axis=1), name="join")([a, b])
    shared = keras.layers.Dense(4, name="shared")
    out = keras.layers.Dense(1, name="out")(shared(joined))
    assert repr(out) == "<KerasTensor: shape=(None, 1) dtype=float32 (created by layer 'out')>"
    model = keras.Model(inputs=[a, b], outputs=out)
    assert [layer.name for layer in model.layers] == ["a", "b", "join", "shared", "out"]
    xa, xb = np.ones((2, 3), np.float32), np.arange(4, dtype=np.float32).reshape(2, 2)
    y = model([xa, xb])
    w, bias, w2, b2 = model.get_weights()
    ref = (np.concatenate([xa, xb], 1) @ w + bias) @ w2 + b2
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-6)
    seq = make_model()
    text = io.StringIO()
    seq.summary(print_fn=lambda s: text.write(s))
    assert text.getvalue().splitlines()[0] == 'Model: "sequential"'
    assert " dense (Dense)                (None, 16)                144" in text.getvalue()
    assert "Total params: 195 (780.00 Byte)" in text.getvalue()


def test_fit_options_validation_data_weights_and_callbacks():
    model = make_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    seen = []
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    history = model.fit(X, Y, epochs=5, batch_size=40, verbose=0,
                        validation_data=(X[:30], Y[:30]), class_weight={0: 1.0, 1: 2.0},
                        callbacks=[stop, keras.callbacks.LambdaCallback(
                            on_epoch_end=lambda epoch, logs: seen.append(epoch))])
    assert seen == [0, 1] and len(history.history["val_loss"]) == 2  # stopped early
    weights = np.ones(120, np.float32)
    loss = model.evaluate(X, Y, sample_weight=weights, verbose=0)[0]
    np.testing.assert_allclose(loss, model.evaluate(X, Y, verbose=0)[0], rtol=1e-6)


def test_progress_output_formats(capsys):
    model = make_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(X, Y, epochs=1, batch_size=60, verbose=2)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/1" and out[1].startswith("2/2 - ") and " - loss: " in out[1]
    model.fit(X, Y, epochs=1, batch_size=60, verbose=1)
    out = capsys.readouterr().out
    assert "2/2 [==============================]" in out


def test_weights_round_trip_and_errors(tmp_path):
    model = make_model()
    weights = model.get_weights()
    model.set_weights([w + 1 for w in weights])
    np.testing.assert_array_equal(model.get_weights()[1], weights[1] + 1)
    with pytest.raises(ValueError, match="was expecting 4 weights"):
        model.set_weights(weights[:2])
    model.save_weights(str(tmp_path / "w"))
    other = make_model()
    other.load_weights(str(tmp_path / "w"))
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(RuntimeError, match="You must compile your model before training"):
        make_model().fit(X, Y, verbose=0)


def test_layer_errors():
    with pytest.raises(ValueError, match="expected a positive integer"):
        keras.layers.Dense(0)
    with pytest.raises(TypeError, match="Keyword argument not understood: 'unitz'"):
        keras.layers.Dense(3, unitz=4)
    with pytest.raises(ValueError, match="Unknown activation function: 'nope'"):
        keras.layers.Dense(3, activation="nope")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        make_model().compile(optimizer="nope", loss="mse")


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_digits_sequential_identical_history_in_three_modes(optimizer):
    (x, y), _ = keras.datasets.digits.load_data()
    x = x[:320].reshape(320, 64).astype(np.float32) / 16.0
    y = y[:320].astype(np.int64)

    def run(run_eagerly):
        keras.backend.clear_session()
        tf.random.set_seed(3)
        model = keras.Sequential([keras.layers.Dense(32, activation="relu", input_shape=(64,)),
                                  keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"], run_eagerly=run_eagerly)
        return model.fit(x, y, epochs=3, batch_size=32, verbose=0,
                         validation_split=0.2).history
    eager, compiled = run(True), run(False)
    tf1.disable_eager_execution()
    try:
        with tf1.Session() as session:  # the course's TF1 recipe, verbatim
            session.run(tf1.global_variables_initializer())
            session.run(tf1.tables_initializer())
            graph = run(False)
    finally:
        tf1.enable_eager_execution()
        tf1.reset_default_graph()
    assert eager == compiled == graph
    assert eager["loss"][-1] < eager["loss"][0]


def test_fit_on_a_dataset_eagerly_and_in_a_tf1_session():
    # (with reshuffling, epoch 2 would differ: TF2 reshuffles per pass, TF1's re-run
    # initializer replays the first order — TensorFlow's own difference)
    data = tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(
        120, seed=2, reshuffle_each_iteration=False).batch(32)

    def run():
        model = make_model()
        model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(data, epochs=2, verbose=0).history
        return history, model.evaluate(data, verbose=0)
    eager = run()
    tf1.disable_eager_execution()
    try:
        with tf1.Session():
            graph = run()  # an initializable iterator, re-initialized each epoch
    finally:
        tf1.enable_eager_execution()
        tf1.reset_default_graph()
    assert eager == graph and len(eager[0]["loss"]) == 2


def test_multi_output_history_has_each_output_loss():
    keras.backend.clear_session()
    tf.random.set_seed(0)
    a = keras.Input(shape=(8,), name="a")
    h = keras.layers.Dense(4, activation="relu")(a)
    reg = keras.layers.Dense(1, name="reg")(h)
    cls = keras.layers.Dense(3, activation="softmax", name="cls")(h)
    model = keras.Model(a, [reg, cls])
    model.compile("sgd", loss=["mse", "sparse_categorical_crossentropy"],
                  loss_weights=[1.0, 0.5], metrics={"cls": ["accuracy"]})
    target = X[:, :1]
    history = model.fit(X, [target, Y], epochs=2, batch_size=120, verbose=0).history
    assert list(history) == ["loss", "reg_loss", "cls_loss", "cls_accuracy"]
    probs = model.predict(X, verbose=0)[1]
    assert model.evaluate(X, [target, Y], verbose=0)[3] == pytest.approx(
        float(np.mean(probs.argmax(1) == Y)))
    for total, r, c in zip(history["loss"], history["reg_loss"], history["cls_loss"]):
        assert total == pytest.approx(r + 0.5 * c, rel=1e-6)
