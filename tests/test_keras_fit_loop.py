"""Keras's fit/evaluate/predict loop: the TF1 engine follows the current Session, the
callback hooks fire in Keras 2's order, a repeated Dataset continues across epochs when
steps_per_epoch is given, and bad input gets Keras's errors."""

import warnings

import numpy as np
import pytest

import twinflow as tf
from twinflow import keras
from twinflow.compat import v1 as tf1

RNG = np.random.default_rng(1)
X = RNG.normal(size=(12, 4)).astype(np.float32)
Y = (X @ np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32)).astype(np.float32)
MODES = ("eager", "compiled", "graph")


def make_model(mode="compiled"):
    keras.backend.clear_session()
    tf.random.set_seed(0)
    model = keras.Sequential([keras.layers.Dense(3, activation="relu", input_shape=(4,)),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"],
                  run_eagerly=mode == "eager")
    return model


def in_mode(mode, fn):
    """fn() eagerly, or (mode "graph") with eager execution disabled, in a Session."""
    if mode != "graph":
        return fn()
    tf1.disable_eager_execution()
    try:
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            return fn()
    finally:
        tf1.enable_eager_execution()
        tf1.reset_default_graph()


# -- 1. the TF1 engine runs in the current Session -------------------------------------------
def _two_sessions(tmp_path):
    model = make_model()
    weights = str(tmp_path / "w")
    with tf1.Session() as first:
        first.run(tf1.global_variables_initializer())
        start = model.evaluate(X, Y, verbose=0)
        h1 = model.fit(X, Y, batch_size=4, epochs=2, verbose=0).history
        trained = model.predict(X, verbose=0)
        model.save_weights(weights)
    with tf1.Session() as second:  # a fresh Session: its own, re-initialized values
        second.run(tf1.global_variables_initializer())
        assert model.evaluate(X, Y, verbose=0) == start
        h2 = model.fit(X, Y, batch_size=4, epochs=2, verbose=0).history
        np.testing.assert_array_equal(model.predict(X, verbose=0), trained)
        model.load_weights(weights)
        np.testing.assert_array_equal(model.predict(X, verbose=0), trained)
        assert model.evaluate(X, Y, verbose=0) != start
    assert h1 == h2 and h1["loss"][1] < h1["loss"][0]


def test_graph_engine_follows_a_new_session(tmp_path):
    tf1.disable_eager_execution()
    try:
        _two_sessions(tmp_path)
    finally:
        tf1.enable_eager_execution()
        tf1.reset_default_graph()


def test_graph_engine_follows_a_new_session_in_a_graph_scope(tmp_path):
    with tf.Graph().as_default():
        _two_sessions(tmp_path)


# -- 2. callback hooks -------------------------------------------------------------------------
class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def _log(self, hook, *args):
        self.calls.append((hook,) + args)


for _hook in ("train_begin", "train_end", "test_begin", "test_end", "predict_begin",
              "predict_end"):
    setattr(Recorder, f"on_{_hook}", lambda self, logs=None, _h=_hook: self._log(
        _h, sorted(logs or {})))
for _hook in ("epoch_begin", "epoch_end", "train_batch_begin", "train_batch_end",
              "test_batch_begin", "test_batch_end", "predict_batch_begin",
              "predict_batch_end"):
    setattr(Recorder, f"on_{_hook}", lambda self, i, logs=None, _h=_hook: self._log(
        _h, i, sorted(logs or {})))

METRICS = ["loss", "mae"]
VAL = ["loss", "mae", "val_loss", "val_mae"]


@pytest.mark.parametrize("mode", MODES)
def test_fit_calls_the_test_hooks_for_validation_and_passes_last_logs(mode):
    def run():
        rec, model = Recorder(), make_model(mode)
        history = model.fit(X, Y, batch_size=6, epochs=2, verbose=0, callbacks=[rec],
                            validation_data=(X[:4], Y[:4]))
        return rec.calls, history.history
    calls, history = in_mode(mode, run)

    def epoch(e):
        return [("epoch_begin", e, []),
                ("train_batch_begin", 0, []), ("train_batch_end", 0, METRICS),
                ("train_batch_begin", 1, []), ("train_batch_end", 1, METRICS),
                ("test_begin", []), ("test_batch_begin", 0, []),
                ("test_batch_end", 0, METRICS), ("test_end", METRICS),
                ("epoch_end", e, VAL)]
    assert calls == [("train_begin", [])] + epoch(0) + epoch(1) + [("train_end", VAL)]
    assert len(history["val_loss"]) == 2


class LastLogs(keras.callbacks.Callback):
    def on_train_end(self, logs=None):
        self.logs = dict(logs)

    def on_test_end(self, logs=None):
        self.test_logs = dict(logs)


def test_train_end_gets_the_last_epoch_logs_and_test_end_the_results():
    model, last = make_model(), LastLogs()
    history = model.fit(X, Y, batch_size=4, epochs=3, verbose=0, callbacks=[last],
                        validation_split=0.25)
    assert last.logs == {k: v[-1] for k, v in history.history.items()}
    result = model.evaluate(X, Y, batch_size=5, verbose=0, callbacks=[last],
                            return_dict=True)
    assert last.test_logs == result


@pytest.mark.parametrize("mode", MODES)
def test_evaluate_and_predict_hooks(mode):
    def run():
        rec, model = Recorder(), make_model(mode)
        result = model.evaluate(X, Y, batch_size=5, verbose=0, callbacks=[rec])
        predictions = model.predict(X, batch_size=5, verbose=0, callbacks=[rec])
        return rec.calls, result, predictions
    calls, result, predictions = in_mode(mode, run)
    test = [("test_begin", [])] + [c for i in range(3) for c in (
        ("test_batch_begin", i, []), ("test_batch_end", i, METRICS))] + \
        [("test_end", METRICS)]
    predict = [("predict_begin", [])] + [c for i in range(3) for c in (
        ("predict_batch_begin", i, []), ("predict_batch_end", i, ["outputs"]))] + \
        [("predict_end", [])]
    assert calls == test + predict
    assert len(result) == 2 and predictions.shape == (12, 1)


def test_evaluate_and_predict_print_the_progress_bar(capsys):
    model = make_model()
    model.evaluate(X, Y, batch_size=6)
    out = capsys.readouterr().out
    assert out.startswith("\r1/2 [==============>...............]")
    final = out.split("\r")[-1]
    assert final.startswith("2/2 [==============================] - ")
    assert " - loss: " in final and " - mae: " in final and final.endswith("\n")
    model.predict(X, batch_size=6)
    final = capsys.readouterr().out.split("\r")[-1]
    assert final.startswith("2/2 [==============================] - ")
    assert final.rstrip().endswith("ms/step")  # no outputs printed
    model.evaluate(X, Y, batch_size=6, verbose=2)
    assert capsys.readouterr().out.startswith("2/2 - ")
    model.evaluate(X, Y, verbose=0)
    model.predict(X, verbose=0)
    assert capsys.readouterr().out == ""


def test_fit_prints_no_bar_for_its_validation(capsys):
    make_model().fit(X, Y, batch_size=6, epochs=1, validation_data=(X, Y))
    out = capsys.readouterr().out
    assert out.count("Epoch 1/1") == 1 and out.count("\n") == 2  # header + final bar
    assert " - val_loss: " in out.splitlines()[-1]


# -- 3. a repeated Dataset continues across epochs ---------------------------------------------
def _dataset_fit(mode, dataset_fn, **kwargs):
    def run():
        model = make_model(mode)
        history = model.fit(dataset_fn(), verbose=0, **kwargs)
        return history.history, model.get_weights()
    return in_mode(mode, run)


def _reference(x, y, epochs=1):
    """The same SGD updates from arrays fed in the given order, eagerly."""
    model = make_model("eager")
    model.fit(x, y, batch_size=4, epochs=epochs, shuffle=False, verbose=0)
    return model.get_weights()


@pytest.mark.parametrize("mode", MODES)
def test_steps_per_epoch_continues_the_dataset_iterator(mode):
    def repeated():
        return tf.data.Dataset.from_tensor_slices((X, Y)).batch(4).repeat()
    history, weights = _dataset_fit(mode, repeated, epochs=3, steps_per_epoch=2)
    assert len(history["loss"]) == 3
    # 6 steps over batches 0,1,2,0,1,2 (not 0,1,0,1,0,1)
    expected = _reference(np.concatenate([X, X]), np.concatenate([Y, Y]))
    for got, want in zip(weights, expected):
        np.testing.assert_array_equal(got, want)
    restarted = _reference(np.concatenate([X[:8]] * 3), np.concatenate([Y[:8]] * 3))
    assert not np.array_equal(weights[0], restarted[0])


@pytest.mark.parametrize("mode", MODES)
def test_a_finite_dataset_restarts_each_epoch(mode):
    def finite():
        return tf.data.Dataset.from_tensor_slices((X, Y)).batch(4)
    history, weights = _dataset_fit(mode, finite, epochs=2)
    assert len(history["loss"]) == 2
    for got, want in zip(weights, _reference(X, Y, epochs=2)):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("mode", MODES)
def test_running_out_of_data_stops_training_with_keras_warning(mode):
    def finite():
        return tf.data.Dataset.from_tensor_slices((X, Y)).batch(4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history, _ = _dataset_fit(mode, finite, epochs=3, steps_per_epoch=2)
    assert len(history["loss"]) == 2  # batches 0,1 then 2 and the end
    messages = [str(w.message) for w in caught]
    assert any(m.startswith("Your input ran out of data; interrupting training.") and
               "(in this case, 6 batches)" in m for m in messages)


# -- 4. input handling and errors --------------------------------------------------------------
def test_one_element_lists_and_python_lists_are_accepted():
    reference = make_model().fit(X, Y, batch_size=4, epochs=2, verbose=0).history
    assert make_model().fit([X], [Y], batch_size=4, epochs=2, verbose=0).history == reference
    listed = make_model().fit(X.tolist(), Y.tolist(), batch_size=4, epochs=2, verbose=0)
    assert listed.history == reference
    model = make_model()
    np.testing.assert_array_equal(model.predict([X], verbose=0), model.predict(X, verbose=0))
    assert model.evaluate([X], [Y], verbose=0) == model.evaluate(X, Y, verbose=0)


def test_fit_without_targets_names_the_fix():
    with pytest.raises(ValueError, match=r"Target data is missing\. Your model was compiled "
                                         r"with loss=mse, and therefore expects target data "
                                         r"to be provided in `fit\(\)`\."):
        make_model().fit(X, verbose=0)


@pytest.mark.parametrize("split", [1.0, 1.5, -0.1])
def test_validation_split_out_of_range(split):
    with pytest.raises(ValueError, match=r"`validation_split` must be a float in \[0, 1\)"):
        make_model().fit(X, Y, validation_split=split, verbose=0)


def test_validation_split_needs_arrays():
    dataset = tf.data.Dataset.from_tensor_slices((X, Y)).batch(4)
    with pytest.raises(ValueError, match="`validation_split` is only supported for Tensors"):
        make_model().fit(dataset, validation_split=0.2, verbose=0)


def test_empty_input_is_a_clear_error():
    empty = tf.data.Dataset.from_tensor_slices((X, Y)).take(0).batch(4)
    with pytest.raises(ValueError, match=r"Unexpected result of `train_function` \(Empty "
                                         r"logs\)"):
        make_model().fit(empty, verbose=0)
    with pytest.raises(ValueError, match=r"Unexpected result of `predict_function`"):
        make_model().predict(empty, verbose=0)


@pytest.mark.parametrize("mode", MODES)
def test_on_batch_methods_take_lists(mode):
    def run():
        model = make_model(mode)
        out = [model.train_on_batch([X], [Y]), model.test_on_batch(X.tolist(), Y.tolist()),
               model.predict_on_batch([X])]
        with pytest.raises(ValueError, match="Target data is missing"):
            model.train_on_batch(X)
        return out
    listed, reference = in_mode(mode, run), in_mode(mode, lambda: [
        make_model(mode).train_on_batch(X, Y), None, None])
    assert listed[0] == reference[0] and len(listed[1]) == 2
    assert listed[2].shape == (12, 1)
