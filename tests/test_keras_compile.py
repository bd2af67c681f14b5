"""compile's losses and metrics (Keras 2's compile_utils): per-output dicts matched by
output name, per-sample averaged losses, and sample/class weights that weight the loss
and `weighted_metrics` only. Numbers are checked against numpy, in eager, compiled and
TF1-Session fits (which must agree bit for bit)."""

import numpy as np
import pytest

import twinflow as tf
from twinflow import keras
from twinflow.compat import v1 as tf1

L = keras.layers
RNG = np.random.default_rng(1)
XA = RNG.normal(size=(10, 3)).astype(np.float32)
XB = RNG.normal(size=(10, 2)).astype(np.float32)
YR = RNG.normal(size=(10, 1)).astype(np.float32)
YC = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 1])
W = np.array([1, 2, 0, 1, 3, 1, 0.5, 1, 2, 1], np.float32)
MODES = ["eager", "compiled", "graph"]


def in_mode(mode, build):
    """build(run_eagerly): eagerly, compiled with tf.function, or in a TF1 Session."""
    if mode != "graph":
        return build(mode == "eager")
    tf1.disable_eager_execution()
    try:
        with tf1.Session():
            return build(False)
    finally:
        tf1.enable_eager_execution()
        tf1.reset_default_graph()


def two_outputs():
    """Outputs [reg, cls]: their names sort the other way round (cls < reg)."""
    keras.backend.clear_session()
    tf.random.set_seed(0)
    a, b = keras.Input((3,)), keras.Input((2,))
    reg = L.Dense(1, name="reg")(L.concatenate([a, b]))
    cls = L.Dense(2, activation="softmax", name="cls")(a)
    return keras.Model([a, b], [reg, cls])


def frozen():
    return keras.optimizers.SGD(learning_rate=0.0)  # weights stay: one numpy forward


def forward(model):
    """Per-sample float64 references: squared error, crossentropy, |error|, hit."""
    wr, br = model.get_layer("reg").get_weights()
    wc, bc = model.get_layer("cls").get_weights()
    reg = (np.concatenate([XA, XB], 1) @ wr + br)[:, 0].astype(np.float64)
    logits = (XA @ wc + bc).astype(np.float64)
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    err = reg - YR[:, 0]
    ce = -np.log(probs[np.arange(10), YC])
    return err ** 2, ce, np.abs(err), (probs.argmax(1) == YC).astype(np.float64)


def assert_close(logs, expected):
    assert list(logs) == list(expected)
    for key, want in expected.items():
        np.testing.assert_allclose(logs[key], want, rtol=2e-6, err_msg=key)


# ------------------------------------------------------------------ output names ----------

@pytest.mark.parametrize("mode", MODES)
def test_dict_losses_and_metrics_match_outputs_by_name(mode):
    def run(eager):
        model = two_outputs()
        model.compile(frozen(), loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                      metrics={"cls": "accuracy"}, run_eagerly=eager)
        history = model.fit([XA, XB], [YR, YC], batch_size=4, epochs=1, verbose=0).history
        by_dict = model.evaluate([XA, XB], {"cls": YC, "reg": YR}, batch_size=3, verbose=0,
                                 return_dict=True)
        return history, by_dict, forward(model)
    history, by_dict, (se, ce, _, hit) = in_mode(mode, run)
    expected = {"loss": se.mean() + ce.mean(), "reg_loss": se.mean(), "cls_loss": ce.mean(),
                "cls_accuracy": hit.mean()}
    assert_close({k: v[0] for k, v in history.items()}, expected)
    assert_close(by_dict, expected)  # y as a dict: matched by name too


def test_nested_metric_list_is_per_output_and_loss_weights_by_name():
    model = two_outputs()
    model.compile(frozen(), loss=["mse", "sparse_categorical_crossentropy"],
                  loss_weights={"cls": 2.0, "reg": 0.5},
                  metrics=[["mae"], ["accuracy"]], run_eagerly=True)
    logs = model.evaluate([XA, XB], [YR, YC], batch_size=4, verbose=0, return_dict=True)
    se, ce, ae, hit = forward(model)
    assert_close(logs, {"loss": 0.5 * se.mean() + 2.0 * ce.mean(), "reg_loss": se.mean(),
                        "cls_loss": ce.mean(), "reg_mae": ae.mean(),
                        "cls_accuracy": hit.mean()})


def test_one_loss_and_flat_metrics_broadcast_to_every_output():
    model = two_outputs()
    model.compile(frozen(), loss="mse", metrics=["mae"])
    assert model.metrics_names == ["loss", "reg_loss", "cls_loss", "reg_mae", "cls_mae"]


@pytest.mark.parametrize("mode", ["compiled", "graph"])
def test_dict_outputs_are_named_by_their_keys(mode):
    def run(eager):
        keras.backend.clear_session()
        tf.random.set_seed(0)
        a, b = keras.Input((3,)), keras.Input((2,))
        outputs = {"score": L.Dense(1, name="reg")(L.concatenate([a, b])),
                   "label": L.Dense(2, activation="softmax", name="cls")(a)}
        model = keras.Model([a, b], outputs)
        model.compile(frozen(), loss={"score": "mse", "label": "sparse_categorical_crossentropy"},
                      loss_weights={"score": 0.5, "label": 2.0},
                      metrics={"label": "accuracy"}, run_eagerly=eager)
        history = model.fit([XA, XB], {"score": YR, "label": YC}, batch_size=4,
                            verbose=0).history
        return {k: v[0] for k, v in history.items()}, forward(model)
    logs, (se, ce, _, hit) = in_mode(mode, run)
    assert_close(logs, {"loss": 0.5 * se.mean() + 2.0 * ce.mean(), "label_loss": ce.mean(),
                        "score_loss": se.mean(), "label_accuracy": hit.mean()})


def test_subclassed_outputs_get_keras2_pseudo_names_in_every_engine():
    class TwoHeads(keras.Model):
        def __init__(self):
            super().__init__()
            self.reg, self.cls = L.Dense(1), L.Dense(2, activation="softmax")

        def call(self, x):
            return [self.reg(x), self.cls(x)]

    def run(eager):
        keras.backend.clear_session()
        tf.random.set_seed(0)
        model = TwoHeads()
        model.compile("sgd", loss=["mse", "sparse_categorical_crossentropy"],
                      metrics={"output_2": "accuracy"}, run_eagerly=eager)
        return model.fit(XA, [YR, YC], batch_size=4, epochs=2, verbose=0).history
    results = [in_mode(mode, run) for mode in MODES]
    assert list(results[0]) == ["loss", "output_1_loss", "output_2_loss", "output_2_accuracy"]
    assert results[1] == results[0] and results[2] == results[0]


def test_bad_names_and_duplicates_raise():
    model = two_outputs()
    with pytest.raises(ValueError, match="do not correspond to any Model output: "
                                         r"\['score'\]"):
        model.compile("sgd", loss={"reg": "mse", "score": "mse"})
    with pytest.raises(ValueError, match="Found two metrics with the same name: mae"):
        keras.Sequential([L.Dense(1, input_shape=(3,))]).compile(
            "sgd", "mse", metrics=["mae", "mae"])
    shared = keras.metrics.MeanAbsoluteError()
    with pytest.raises(ValueError, match="Found duplicated metrics object"):
        model.compile("sgd", "mse", metrics=[shared], weighted_metrics=[shared])


# ------------------------------------------------------------------ per-sample loss -------

def single_output():
    keras.backend.clear_session()
    tf.random.set_seed(0)
    return keras.Sequential([L.Dense(1, input_shape=(3,))])


@pytest.mark.parametrize("mode", MODES)
def test_reported_loss_is_a_per_sample_average(mode):
    """10 samples in batches of 4, 4, 2: Keras 2 weighs each batch's loss by its size."""
    def run(eager):
        model = single_output()
        model.compile(frozen(), "mse", run_eagerly=eager)
        history = model.fit(XA, YR, batch_size=4, epochs=1, verbose=0,
                            validation_data=(XA[:7], YR[:7])).history
        pred = model.predict(XA, verbose=0)[:, 0].astype(np.float64)
        return history, model.evaluate(XA, YR, batch_size=4, verbose=0), pred
    history, evaluated, pred = in_mode(mode, run)
    se = (pred - YR[:, 0]) ** 2
    batch_means = [se[:4].mean(), se[4:8].mean(), se[8:].mean()]
    assert abs(np.mean(batch_means) - se.mean()) > 1e-3  # the two readings differ here
    np.testing.assert_allclose(evaluated, se.mean(), rtol=2e-6)
    np.testing.assert_allclose(history["loss"][0], se.mean(), rtol=2e-6)
    np.testing.assert_allclose(history["val_loss"][0], se[:7].mean(), rtol=2e-6)


# ------------------------------------------------------------------ weights ---------------

@pytest.mark.parametrize("mode", MODES)
def test_sample_weight_weights_the_loss_and_weighted_metrics_only(mode):
    def run(eager):
        model = single_output()
        model.compile(frozen(), "mse", metrics=["mae"], weighted_metrics=["mae", "mse"],
                      run_eagerly=eager)
        history = model.fit(XA, YR, sample_weight=W, batch_size=4, verbose=0).history
        pred = model.predict(XA, verbose=0)[:, 0].astype(np.float64)
        logs = model.evaluate(XA, YR, sample_weight=W, batch_size=4, verbose=0,
                              return_dict=True)
        return {k: v[0] for k, v in history.items()}, logs, pred
    history, logs, pred = in_mode(mode, run)
    err = pred - YR[:, 0]
    expected = {"loss": (W * err ** 2).sum() / 10, "mae": np.abs(err).mean(),
                "weighted_mae": (W * np.abs(err)).sum() / W.sum(),
                "mse": (W * err ** 2).sum() / W.sum()}  # Keras 2's weighted-metric names
    assert_close(history, expected)
    assert_close(logs, expected)


def test_multi_output_weighted_metric_names_and_values():
    model = two_outputs()
    model.compile(frozen(), loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  metrics={"reg": "mae"}, weighted_metrics={"reg": "mae", "cls": "accuracy"})
    logs = model.evaluate([XA, XB], [YR, YC], sample_weight=W, batch_size=4, verbose=0,
                          return_dict=True)
    se, ce, ae, hit = forward(model)
    assert_close(logs, {"loss": (W * se).sum() / 10 + (W * ce).sum() / 10,
                        "reg_loss": (W * se).sum() / 10, "cls_loss": (W * ce).sum() / 10,
                        "reg_mae": ae.mean(), "reg_weighted_mae": (W * ae).sum() / W.sum(),
                        "cls_accuracy": (W * hit).sum() / W.sum()})


def test_class_weight_weights_the_loss_not_the_metrics():
    keras.backend.clear_session()
    tf.random.set_seed(0)
    model = keras.Sequential([L.Dense(2, activation="softmax", input_shape=(3,), name="cls")])
    model.compile(frozen(), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(XA, YC, class_weight={0: 1.0, 1: 3.0}, batch_size=4, verbose=0,
                        shuffle=False).history
    probs = model.predict(XA, verbose=0).astype(np.float64)
    ce = -np.log(probs[np.arange(10), YC])
    weights = np.where(YC == 1, 3.0, 1.0)
    np.testing.assert_allclose(history["loss"][0], (weights * ce).sum() / 10, rtol=2e-6)
    np.testing.assert_allclose(history["accuracy"][0], np.mean(probs.argmax(1) == YC))


def test_three_engines_agree_bit_for_bit_with_weights_and_validation():
    def run(eager):
        model = two_outputs()
        model.compile("sgd", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                      loss_weights=[1.0, 0.5], metrics=[["mae"], ["accuracy"]],
                      weighted_metrics=["mae"], run_eagerly=eager)
        return model.fit([XA, XB], {"reg": YR, "cls": YC}, sample_weight=W, batch_size=4,
                         epochs=3, verbose=0, validation_data=([XA, XB], [YR, YC])).history
    eager, compiled, graph = (in_mode(mode, run) for mode in MODES)
    assert list(eager) == ["loss", "reg_loss", "cls_loss", "reg_mae", "reg_weighted_mae",
                           "cls_accuracy", "cls_mae", "val_loss", "val_reg_loss",
                           "val_cls_loss", "val_reg_mae", "val_reg_weighted_mae",
                           "val_cls_accuracy", "val_cls_mae"]
    assert compiled == eager and graph == eager


def test_validation_sample_weight_weights_val_loss():
    model = single_output()
    model.compile(frozen(), "mse", run_eagerly=True)
    history = model.fit(XA, YR, batch_size=4, verbose=0,
                        validation_data=(XA, YR, W)).history
    pred = model.predict(XA, verbose=0)[:, 0].astype(np.float64)
    np.testing.assert_allclose(history["val_loss"][0],
                               (W * (pred - YR[:, 0]) ** 2).sum() / 10, rtol=2e-6)
