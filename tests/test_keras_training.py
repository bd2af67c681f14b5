"""Keras training extras: every optimizer's update rule against float32 numpy (and the
TensorFlow kernels' recorded results), bit-identical in eager, tf.function and a TF1
Session; clipping, decay and the learning-rate variable; schedules against their
formulas; every callback; the shipped digits dataset."""

import csv
import io
import math

import numpy as np
import pytest

import twinflow as tf
from twinflow import keras
from twinflow.compat import v1 as tf1
from twinflow.keras.datasets import digits

F = np.float32
VAR0 = np.array([0.5, -1.0, 2.0, 0.0, 1.5], F)
GRADS = np.random.default_rng(7).normal(size=(4, 5)).astype(F)


# ------------------------------------------------------------------ numpy update rules ----

def np_sgd(var, grads, lr=F(0.1), momentum=F(0.9), nesterov=False):
    v = np.zeros_like(var)
    for g in grads:
        v = v * momentum - g * lr
        var = var + (v * momentum - g * lr if nesterov else v)
    return var


def np_adam(var, grads, lr=F(0.01), b1=F(0.9), b2=F(0.999), eps=F(1e-7), amsgrad=False,
            wd=None):
    m, v, vhat = (np.zeros_like(var) for _ in range(3))
    for t, g in enumerate(grads, 1):
        if wd is not None:
            var = var - var * F(wd) * lr
        alpha = lr * np.sqrt(F(1) - b2 ** F(t)) / (F(1) - b1 ** F(t))
        m = m + (g - m) * (F(1) - b1)
        v = v + (g * g - v) * (F(1) - b2)
        vhat = np.maximum(vhat, v)
        var = var - m * alpha / (np.sqrt(vhat if amsgrad else v) + eps)
    return var


def np_adadelta(var, grads, lr=F(0.5), rho=F(0.95), eps=F(1e-7)):
    acc, acc_var = np.zeros_like(var), np.zeros_like(var)
    for g in grads:
        acc = acc * rho + g * g * (F(1) - rho)
        update = np.sqrt(acc_var + eps) / np.sqrt(acc + eps) * g
        var = var - update * lr
        acc_var = acc_var * rho + update * update * (F(1) - rho)
    return var


def np_adamax(var, grads, lr=F(0.01), b1=F(0.9), b2=F(0.999), eps=F(1e-7)):
    m, v = np.zeros_like(var), np.zeros_like(var)
    for t, g in enumerate(grads, 1):
        m = m + (g - m) * (F(1) - b1)
        v = np.maximum(b2 * v, np.abs(g))
        var = var - lr / (F(1) - b1 ** F(t)) * (m / (v + eps))
    return var


def np_nadam(var, grads, lr=F(0.01), b1=F(0.9), b2=F(0.999), eps=F(1e-7)):
    """Keras 2's OptimizerV2 Nadam: Dozat's momentum schedule, decay 0.004."""
    m, v, cache = np.zeros_like(var), np.zeros_like(var), F(1)
    for t, g in enumerate(grads, 1):
        mu = b1 * (F(1) - F(0.5) * F(0.96) ** (F(0.004) * F(t)))
        mu_next = b1 * (F(1) - F(0.5) * F(0.96) ** (F(0.004) * F(t + 1)))
        cache = cache * mu
        m = b1 * m + (F(1) - b1) * g
        v = b2 * v + (F(1) - b2) * g * g
        m_bar = (F(1) - mu) * g / (F(1) - cache) + mu_next * m / (F(1) - cache * mu_next)
        var = var - lr * m_bar / (np.sqrt(v / (F(1) - b2 ** F(t))) + eps)
    return var


def np_rmsprop(var, grads, lr=F(0.01), rho=F(0.9), eps=F(1e-7)):
    rms = np.zeros_like(var)
    for g in grads:
        rms = rms * rho + g * g * (F(1) - rho)
        var = var - lr * g / (np.sqrt(rms) + eps)
    return var


def np_adagrad(var, grads, lr=F(0.1), init=F(0.1), eps=F(1e-7)):
    acc = np.full_like(var, init)
    for g in grads:
        acc = acc + g * g
        var = var - g * lr / (np.sqrt(acc) + eps)
    return var


OPTIMIZERS = {
    "sgd_momentum": (lambda: keras.optimizers.SGD(0.1, momentum=0.9), np_sgd),
    "sgd_nesterov": (lambda: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
                     lambda v, g: np_sgd(v, g, nesterov=True)),
    "adam": (lambda: keras.optimizers.Adam(0.01), np_adam),
    "amsgrad": (lambda: keras.optimizers.Adam(0.01, amsgrad=True),
                lambda v, g: np_adam(v, g, amsgrad=True)),
    "adamw": (lambda: keras.optimizers.AdamW(0.01, weight_decay=0.1),
              lambda v, g: np_adam(v, g, wd=0.1)),
    "adadelta": (lambda: keras.optimizers.Adadelta(0.5), np_adadelta),
    "adamax": (lambda: keras.optimizers.Adamax(0.01), np_adamax),
    "nadam": (lambda: keras.optimizers.Nadam(0.01), np_nadam),
    "rmsprop": (lambda: keras.optimizers.RMSprop(0.01), np_rmsprop),
    "adagrad": (lambda: keras.optimizers.Adagrad(0.1), np_adagrad),
}


def run_eager(optimizer, grads=GRADS):
    var = tf.Variable(VAR0)
    for g in grads:
        optimizer.apply_gradients([(tf.constant(g), var)])
    return var.numpy()


def run_function(optimizer):
    var = tf.Variable(VAR0)
    step = tf.function(lambda g: optimizer.apply_gradients([(g, var)]))
    for g in GRADS:
        step(tf.constant(g))
    return var.numpy()


def run_session(optimizer):
    """TF1: the op apply_gradients returns runs every update (a train_op)."""
    tf1.disable_eager_execution()
    try:
        var = tf.Variable(VAR0)
        grad = tf1.placeholder(tf.float32, [5])
        train_op = optimizer.apply_gradients([(grad, var)])
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            for g in GRADS:
                session.run(train_op, {grad: g})
            return session.run(var), session.run(optimizer.iterations)
    finally:
        tf1.enable_eager_execution()
        tf1.reset_default_graph()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizer_rules_match_numpy_in_every_mode(name):
    make, reference = OPTIMIZERS[name]
    eager = run_eager(make())
    np.testing.assert_allclose(eager, reference(VAR0, GRADS), rtol=2e-6, atol=1e-7)
    np.testing.assert_array_equal(run_function(make()), eager)
    graph, iterations = run_session(make())
    np.testing.assert_array_equal(graph, eager)
    assert iterations == len(GRADS)


TF_VAR0 = np.array([0.96212858, 0.92842156, 1.33209312, 0.80636305, -0.33560804], F)
TF_GRADS = np.array([[-0.05426895, 0.4942151, -0.31029227, 0.54943877, 1.15360951],
                     [-0.80124599, -1.77038407, 1.19365501, 0.01775991, 0.70866984],
                     [-1.33230531, 1.73299253, 0.73861986, -0.12607418, -0.35198805],
                     [0.11389588, -0.16673134, -0.27869013, -1.11959994, 1.2628094]], F)
TF_RESULTS = {  # tf.raw_ops.ResourceApply{Adadelta, AdaMax, AdamWithAmsgrad} and
    # tf.keras.optimizers.AdamW, TensorFlow 2.21, four steps on TF_VAR0 with TF_GRADS
    "adadelta": [0.96490508, 0.92783248, 1.33141172, 0.80676323, -0.33734831],
    "adamax": [0.98739684, 0.92071038, 1.33047879, 0.79132193, -0.36293367],
    "amsgrad": [0.99523139, 0.92168933, 1.32515872, 0.78942168, -0.36807543],
    "adamw": [0.9913342, 0.91800183, 1.31982648, 0.7862488, -0.36668009]}


def test_composed_optimizers_match_tensorflow_kernels():
    makers = {"adadelta": lambda: keras.optimizers.Adadelta(0.5),
              "adamax": lambda: keras.optimizers.Adamax(0.01),
              "amsgrad": lambda: keras.optimizers.Adam(0.01, amsgrad=True),
              "adamw": lambda: keras.optimizers.AdamW(0.01, weight_decay=0.1)}
    for name, make in makers.items():
        var = tf.Variable(TF_VAR0)
        optimizer = make()
        for g in TF_GRADS:
            optimizer.apply_gradients([(tf.constant(g), var)])
        # the kernels' own rules are matched exactly; Keras 3's AdamW rounds 1 - beta in
        # float64 first, a 1-ulp difference
        np.testing.assert_allclose(var.numpy(), TF_RESULTS[name],
                                   rtol=1e-6 if name == "adamw" else 1e-7, err_msg=name)


def test_slots_weights_and_legacy_names():
    adam = keras.optimizers.Adam(amsgrad=True)
    a, b = tf.Variable([1.0, 2.0], name="a"), tf.Variable(3.0, name="b")
    adam.apply_gradients([(tf.constant([0.1, 0.2]), a), (tf.constant(0.3), b)])
    assert [v.name for v in adam.variables] == [  # Keras 2's order: all m, all v, all vhat
        "Adam/iter:0", "Adam/a/m:0", "Adam/b/m:0", "Adam/a/v:0", "Adam/b/v:0",
        "Adam/a/vhat:0", "Adam/b/vhat:0"]
    assert adam.get_slot_names() == ["m", "v", "vhat"]
    assert len(adam.get_weights()) == 7 and adam.get_weights()[0] == 1
    nadam = keras.optimizers.Nadam()
    nadam.apply_gradients([(tf.constant([0.1, 0.2]), a)])
    assert nadam.variables[1].name == "Nadam/momentum_cache:0"
    legacy = keras.optimizers.legacy
    assert (legacy.Adam, legacy.SGD, legacy.Nadam, legacy.Adadelta, legacy.Adamax) == (
        keras.optimizers.Adam, keras.optimizers.SGD, keras.optimizers.Nadam,
        keras.optimizers.Adadelta, keras.optimizers.Adamax)
    for name in ("sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam"):
        optimizer = keras.optimizers.get(name)
        copy = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
        assert type(copy) is type(optimizer) and copy.get_config() == optimizer.get_config()


def test_clipping_against_numpy():
    g = np.array([3.0, -4.0, 0.5, 0.0, 12.0], F)
    norm = np.sqrt((g * g).sum())
    cases = {"clipvalue": np.clip(g, -1.0, 1.0), "clipnorm": g * F(2.0) / norm,
             "global_clipnorm": g * F(2.0) / norm}
    for key, clipped in cases.items():
        value = 1.0 if key == "clipvalue" else 2.0
        got = run_eager(keras.optimizers.SGD(1.0, **{key: value}), [g])
        np.testing.assert_allclose(got, VAR0 - clipped, rtol=1e-6, err_msg=key)
    a, b = tf.Variable([3.0]), tf.Variable([4.0])  # global norm 5 across both -> scale 1/5
    keras.optimizers.SGD(1.0, global_clipnorm=1.0).apply_gradients(
        [(tf.constant([3.0]), a), (tf.constant([4.0]), b)])
    np.testing.assert_allclose([a.numpy()[0], b.numpy()[0]], [2.4, 3.2], rtol=1e-6)
    with pytest.raises(ValueError, match="Cannot accept more than one of `clipnorm`"):
        keras.optimizers.Adam(clipnorm=1.0, clipvalue=1.0)


def test_optimizer_errors():
    with pytest.raises(TypeError, match="Unexpected keyword argument passed to optimizer: "
                                        "momentumm"):
        keras.optimizers.SGD(momentumm=0.9)
    with pytest.raises(ValueError, match=r"`momentum` must be between \[0, 1\]"):
        keras.optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="initial_accumulator_value must be non-negative"):
        keras.optimizers.Adagrad(initial_accumulator_value=-1.0)
    with pytest.raises(ValueError, match="Nadam optimizer does not support"):
        keras.optimizers.Nadam(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        keras.optimizers.Adam().apply_gradients([(None, tf.Variable(1.0))])
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        keras.optimizers.get("adamx")
    with pytest.raises(ValueError, match="Unknown optimizer: 'Bogus'"):
        keras.optimizers.deserialize({"class_name": "Bogus", "config": {}})
    scheduled = keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="its learning rate is not settable"):
        scheduled.learning_rate = 0.5


def test_decay_and_schedule_drive_the_step():
    g = np.ones((3, 5), F)
    got = run_eager(keras.optimizers.SGD(0.1, decay=0.5), g)  # lr / (1 + 0.5 * t), t=0,1,2
    np.testing.assert_allclose(got, VAR0 - F(0.1) * (1 + 1 / 1.5 + 1 / 2), rtol=1e-6)
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay([0, 1], [1.0, 0.5, 0.25])
    got = run_eager(keras.optimizers.SGD(schedule), g)  # steps 0, 1, 2
    np.testing.assert_allclose(got, VAR0 - F(1.75), rtol=1e-6)
    config = keras.optimizers.SGD(schedule).get_config()
    assert config["learning_rate"]["class_name"] == "PiecewiseConstantDecay"
    assert keras.optimizers.SGD.from_config(config).learning_rate.values == [1.0, 0.5, 0.25]


@pytest.mark.parametrize("mode", ["eager", "compiled", "graph"])
def test_learning_rate_set_between_fits_reaches_the_built_step(mode):
    """The rate is a variable, so setting it after the step was traced (or built into a
    TF1 graph) changes the next updates."""
    x, y = np.ones((4, 2), F), np.ones((4, 1), F)

    def run():
        keras.backend.clear_session()
        model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,),
                                                     kernel_initializer="zeros")])
        model.compile(keras.optimizers.SGD(0.1), "mse", run_eagerly=mode == "eager")
        model.fit(x, y, epochs=1, batch_size=4, verbose=0)
        first = model.get_weights()[0].copy()
        model.optimizer.learning_rate = 0.0
        model.fit(x, y, epochs=1, batch_size=4, verbose=0)
        return first, model.get_weights()[0], float(keras.callbacks._lr_value(model))
    first, second, rate = _in_mode(mode, run)
    np.testing.assert_allclose(first, [[0.2], [0.2]], rtol=1e-6)
    np.testing.assert_array_equal(second, first)
    assert rate == 0.0


def _in_mode(mode, fn):
    if mode != "graph":
        return fn()
    tf1.disable_eager_execution()
    try:
        with tf1.Session():
            return fn()
    finally:
        tf1.enable_eager_execution()
        tf1.reset_default_graph()


# ------------------------------------------------------------------ schedules -------------

def test_schedules_match_their_formulas():
    s = keras.optimizers.schedules
    steps = np.array([0, 1, 3, 10, 25, 40], F)
    cases = [
        (s.ExponentialDecay(0.1, 10, 0.5), F(0.1) * F(0.5) ** (steps / F(10))),
        (s.ExponentialDecay(0.1, 10, 0.5, staircase=True),
         F(0.1) * F(0.5) ** np.floor(steps / F(10))),
        (s.InverseTimeDecay(0.1, 10, 0.5), F(0.1) / (F(1) + F(0.5) * steps / F(10))),
        (s.PiecewiseConstantDecay([3, 25], [0.3, 0.2, 0.1]),
         np.where(steps <= 3, F(0.3), np.where(steps <= 25, F(0.2), F(0.1)))),
        (s.PolynomialDecay(0.1, 20, 0.01, power=2.0),
         (F(0.1) - F(0.01)) * (F(1) - np.minimum(steps, 20) / F(20)) ** 2 + F(0.01)),
        (s.PolynomialDecay(0.1, 20, 0.01, cycle=True),
         (F(0.1) - F(0.01)) * (F(1) - steps / (F(20) * np.maximum(np.ceil(steps / 20), 1)))
         + F(0.01)),
        (s.CosineDecay(0.1, 20, alpha=0.1),
         F(0.1) * ((F(0.9)) * F(0.5) * (F(1) + np.cos(F(math.pi) * np.minimum(steps, 20) /
                                                     F(20))) + F(0.1))),
        (s.CosineDecay(0.0, 20, warmup_target=0.2, warmup_steps=10),
         np.where(steps < 10, F(0.2) * steps / F(10), F(0.2) * F(0.5) * (F(1) + np.cos(
             F(math.pi) * (np.minimum(steps, 30) - 10) / F(20))))),
    ]
    for schedule, want in cases:
        got = np.array([schedule(int(step)).numpy() for step in steps])
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-8,
                                   err_msg=type(schedule).__name__)
        copy = s.deserialize(s.serialize(schedule))
        assert type(copy) is type(schedule) and copy.get_config() == schedule.get_config()
    with pytest.raises(ValueError, match="The length of boundaries should be 1 less"):
        s.PiecewiseConstantDecay([1, 2], [0.1])
    with pytest.raises(ValueError, match="Unknown decay: 'Nope'"):
        s.deserialize({"class_name": "Nope", "config": {}})


# ------------------------------------------------------------------ callbacks -------------

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 4)).astype(F)
Y = RNG.integers(0, 3, 60)


def small_model(optimizer="sgd", metrics=("accuracy",)):
    keras.backend.clear_session()
    tf.random.set_seed(0)
    model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(4,)),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=list(metrics))
    return model


def test_history_progbar_and_lambda_callback(capsys):
    model = small_model()
    calls = []
    hooks = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: calls.append(f"epoch_begin{epoch}"),
        on_batch_end=lambda batch, logs: calls.append(f"batch{batch}"),
        on_epoch_end=lambda epoch, logs: calls.append(f"epoch_end{epoch}"),
        on_train_end=lambda logs: calls.append("train_end"))
    history = model.fit(X, Y, epochs=3, batch_size=30, verbose=2, initial_epoch=1,
                        validation_data=(X[:10], Y[:10]), callbacks=[hooks])
    assert calls == ["train_begin", "epoch_begin1", "batch0", "batch1", "epoch_end1",
                     "epoch_begin2", "batch0", "batch1", "epoch_end2", "train_end"]
    assert history.epoch == [1, 2] and model.history is history
    assert history.params == {"epochs": 3, "steps": 2, "verbose": 2}
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 2/3" and lines[2] == "Epoch 3/3"
    assert lines[1].startswith("2/2 - ") and " - val_accuracy: " in lines[1]
    assert lines[1].endswith("ms/step")
    model.fit(X, Y, epochs=1, batch_size=30, verbose=1)
    out = capsys.readouterr().out
    assert "1/2 [==============>...............]" in out
    assert "2/2 [==============================]" in out


def test_early_stopping_restores_the_best_weights():
    model = small_model(keras.optimizers.SGD(0.5))
    snapshots = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: snapshots.append((logs["val_loss"],
                                                           model.get_weights())))
    val = (X[:20], (Y[:20] + 1) % 3)  # labels the training cannot fit: val_loss rises
    stop = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    model.fit(X, Y, epochs=30, batch_size=20, verbose=0, validation_data=val,
              callbacks=[record, stop])
    losses = [loss for loss, _ in snapshots]
    best = int(np.argmin(losses))
    assert stop.stopped_epoch == len(losses) - 1 < 29 and stop.best_epoch == best
    assert len(losses) - 1 - best == 2  # patience epochs without improvement
    for got, want in zip(model.get_weights(), snapshots[best][1]):
        np.testing.assert_array_equal(got, want)
    auto = keras.callbacks.EarlyStopping(monitor="val_auc")
    assert auto.monitor_op is np.greater
    with pytest.warns(UserWarning, match="EarlyStopping mode up is unknown"):
        keras.callbacks.EarlyStopping(mode="up")


class _FakeModel:
    def __init__(self, rate=0.1):
        self.optimizer, self.stop_training = keras.optimizers.SGD(rate), False
        self.weights = [np.zeros(1)]

    def get_weights(self):
        return list(self.weights)

    def set_weights(self, weights):
        self.weights = list(weights)


def _stops_at(callback, values, key="loss"):
    model = _FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        model.weights = [np.full(1, epoch)]
        callback.on_epoch_end(epoch, {key: value})
        if model.stop_training:
            return epoch, model.weights[0][0]
    return None, model.weights[0][0]


def test_early_stopping_baseline_min_delta_and_missing_monitor():
    losses = [1.0, 0.9, 0.95, 0.97, 0.99, 0.5]
    assert _stops_at(keras.callbacks.EarlyStopping("loss", patience=2), losses) == (3, 3)
    # the wait restarts only on beating the baseline too
    assert _stops_at(keras.callbacks.EarlyStopping("loss", patience=2, baseline=0.5),
                     losses) == (2, 2)
    assert _stops_at(keras.callbacks.EarlyStopping("loss", patience=1, min_delta=0.2),
                     losses) == (1, 1)
    assert _stops_at(keras.callbacks.EarlyStopping(
        "loss", patience=2, restore_best_weights=True), losses) == (3, 1)
    assert _stops_at(keras.callbacks.EarlyStopping("val_accuracy", patience=1),
                     [0.5, 0.6, 0.55, 0.7], "val_accuracy") == (2, 2)  # auto mode: max
    assert _stops_at(keras.callbacks.EarlyStopping("loss", patience=1, start_from_epoch=3),
                     losses) == (4, 4)
    with pytest.warns(UserWarning, match="Early stopping conditioned on metric `val_x`"):
        small_model().fit(X, Y, epochs=1, verbose=0,
                          callbacks=[keras.callbacks.EarlyStopping(monitor="val_x")])


@pytest.mark.parametrize("mode", ["compiled", "graph"])
def test_learning_rate_scheduler_sets_and_logs_the_rate(mode, capsys):
    def run():
        model = small_model(keras.optimizers.SGD(0.1))
        schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5,
                                                         verbose=1)
        history = model.fit(X, Y, epochs=3, batch_size=60, verbose=0, callbacks=[schedule])
        return history.history["lr"]
    rates = _in_mode(mode, run)
    assert rates == [F(0.05), F(0.025), F(0.0125)] and type(rates[0]) is np.float32
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.025" in \
        capsys.readouterr().out
    model = small_model()
    with pytest.raises(ValueError, match="should be float. Got: 1"):
        model.fit(X, Y, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(
            lambda epoch: 1)])


def test_terminate_on_nan(capsys):
    keras.backend.clear_session()
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(4,))])
    model.compile(keras.optimizers.SGD(1e30), "mse")
    history = model.fit(X * F(1e20), Y.astype(F), epochs=5, batch_size=10, verbose=0,
                        callbacks=[keras.callbacks.TerminateOnNaN()])
    assert "Batch 0: Invalid loss, terminating training" in capsys.readouterr().out
    assert len(history.epoch) == 1 and not np.isfinite(history.history["loss"][0])


def test_reduce_lr_on_plateau_patience_cooldown_and_floor(capsys):
    model = _FakeModel(1.0)
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2,
                                                cooldown=1, min_lr=0.2, verbose=1)
    plateau.set_model(model)
    plateau.on_train_begin()
    rates = []
    for epoch, loss in enumerate([1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]):
        logs = {"val_loss": loss}
        plateau.on_epoch_end(epoch, logs)
        rates.append(float(logs["lr"]))
    np.testing.assert_array_equal(rates, F([1, 1, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2]))
    assert "Epoch 4: ReduceLROnPlateau reducing learning rate to 0.5." in capsys.readouterr().out
    with pytest.raises(ValueError, match="does not support a factor >= 1.0. Got 1.5"):
        keras.callbacks.ReduceLROnPlateau(factor=1.5)
    history = small_model().fit(X, Y, epochs=2, batch_size=60, verbose=0, callbacks=[
        keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=0, factor=0.1)])
    assert history.history["lr"][0] == F(0.01)


def test_model_checkpoint_files_best_only_and_weights(tmp_path, capsys):
    model = small_model(keras.optimizers.SGD(0.5))
    val = (X[:20], (Y[:20] + 1) % 3)
    every = keras.callbacks.ModelCheckpoint(str(tmp_path / "m-{epoch:02d}-{loss:.2f}.keras"))
    best = keras.callbacks.ModelCheckpoint(str(tmp_path / "best.keras"), save_best_only=True,
                                           verbose=1)
    weights = keras.callbacks.ModelCheckpoint(str(tmp_path / "w-{epoch}"),
                                              save_weights_only=True, save_freq=3)
    history = model.fit(X, Y, epochs=4, batch_size=20, verbose=0, validation_data=val,
                        callbacks=[every, best, weights])
    names = sorted(p.name for p in tmp_path.iterdir())
    losses = history.history["loss"]
    assert [n for n in names if n.startswith("m-")] == [
        f"m-{e + 1:02d}-{loss:.2f}.keras" for e, loss in enumerate(losses)]
    assert {"w-1.index", "w-2.index", "w-3.index", "w-4.index"} <= set(names)  # 12 batches
    out = capsys.readouterr().out
    val_losses = history.history["val_loss"]
    best_epoch = int(np.argmin(val_losses))
    assert f"Epoch 1: val_loss improved from inf to {val_losses[0]:.5f}, saving model to " \
        f"{tmp_path / 'best.keras'}" in out
    assert "did not improve from" in out
    restored = keras.models.load_model(str(tmp_path / "best.keras"))
    trained = keras.models.load_model(str(tmp_path / f"m-{best_epoch + 1:02d}-"
                                          f"{losses[best_epoch]:.2f}.keras"))
    for a, b in zip(restored.get_weights(), trained.get_weights()):
        np.testing.assert_array_equal(a, b)
    last = small_model()
    last.load_weights(str(tmp_path / "w-4"))
    for a, b in zip(last.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="Unrecognized save_freq: often"):
        keras.callbacks.ModelCheckpoint("x", save_freq="often")
    with pytest.raises(KeyError, match='Failed to format this callback filepath: "{nope}"'):
        model.fit(X, Y, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint("{nope}")])
    with pytest.warns(UserWarning, match="Can save best model only with val_acc available"):
        model.fit(X, Y, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(
            str(tmp_path / "x.keras"), monitor="val_acc", save_best_only=True)])


def test_csv_logger_rows_and_append(tmp_path):
    path = tmp_path / "log.csv"
    model = small_model()
    history = model.fit(X, Y, epochs=2, batch_size=30, verbose=0,
                        callbacks=[keras.callbacks.CSVLogger(str(path), separator=";")])
    text = path.read_bytes().decode()
    assert text.splitlines()[0] == "epoch;accuracy;loss" and text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[1] == ["0", repr(history.history["accuracy"][0]),
                       repr(history.history["loss"][0])]
    model.fit(X, Y, epochs=1, verbose=0,
              callbacks=[keras.callbacks.CSVLogger(str(path), separator=";", append=True)])
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode()), delimiter=";"))
    assert len(rows) == 4 and rows[3][0] == "0"  # one header, three epochs


# ------------------------------------------------------------------ digits ----------------

def test_digits_dataset_is_shipped_and_learnable():
    (x, y), (x_test, y_test) = digits.load_data()
    assert x.shape == (1437, 8, 8) and x_test.shape == (360, 8, 8)
    assert x.dtype == np.uint8 and y.dtype == np.uint8 and y_test.shape == (360,)
    assert x.max() == 16 and x.min() == 0 and set(np.unique(y)) == set(range(10))
    assert y[:10].tolist() == list(range(10))  # the file's order: 0, 1, ..., 9, 0, ...
    assert np.bincount(y).min() == 141 and np.bincount(y_test).min() == 33
    keras.backend.clear_session()
    tf.random.set_seed(0)
    model = keras.Sequential([keras.layers.Flatten(input_shape=(8, 8)),
                              keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit((x / 16).astype(F), y, epochs=5, batch_size=64, verbose=0)
    _, accuracy = model.evaluate((x_test / 16).astype(F), y_test, verbose=0)
    assert accuracy > 0.8
