"""The mission's promise: a model trained TF1-style (placeholders, Session, optimizer
.minimize) and TF2-style (eager, GradientTape) gives the SAME float32 numbers, bit for bit."""

import numpy as np
import pytest

import twinflow as tf

tf1 = tf.compat.v1

OPTIMIZERS = {
    "sgd": lambda: tf1.train.GradientDescentOptimizer(0.1),
    "momentum": lambda: tf1.train.MomentumOptimizer(0.05, 0.9),
    "nesterov": lambda: tf1.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True),
    "adam": lambda: tf1.train.AdamOptimizer(0.01),
    "rmsprop": lambda: tf1.train.RMSPropOptimizer(0.01, momentum=0.5),
    "adagrad": lambda: tf1.train.AdagradOptimizer(0.1),
}


def _data(kind):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    if kind == "regression":
        y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32) + 0.3).astype(np.float32)
    else:
        y = np.argmax(x[:, :3] + 0.1 * rng.standard_normal((64, 3)), axis=1).astype(np.int32)
    return x, y


def _init(kind):
    rng = np.random.default_rng(1)
    if kind == "regression":
        return [rng.standard_normal((4, 1)).astype(np.float32) * 0.1,
                np.zeros(1, np.float32)]
    return [rng.standard_normal((4, 8)).astype(np.float32) * 0.3, np.zeros(8, np.float32),
            rng.standard_normal((8, 3)).astype(np.float32) * 0.3, np.zeros(3, np.float32)]


def _loss(kind, x, y, params):
    if kind == "regression":
        w, b = params
        return tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
    w1, b1, w2, b2 = params
    logits = tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                        logits=logits))


def _train_graph(kind, make_opt, steps):
    x_data, y_data = _data(kind)
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [None, 4])
        y = tf1.placeholder(tf.float32 if kind == "regression" else tf.int32,
                            [None, 1] if kind == "regression" else [None])
        params = [tf.Variable(p) for p in _init(kind)]
        loss = _loss(kind, x, y, params)
        step = tf1.train.get_or_create_global_step()
        train = make_opt().minimize(loss, global_step=step)
        init = tf1.global_variables_initializer()
    with tf1.Session(graph=graph) as sess:
        sess.run(init)
        losses = [sess.run([loss, train], {x: x_data, y: y_data})[0] for _ in range(steps)]
        return losses, sess.run(params), sess.run(step)


def _train_eager(kind, make_opt, steps):
    x_data, y_data = _data(kind)
    params = [tf.Variable(p) for p in _init(kind)]
    opt = make_opt()
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = _loss(kind, tf.constant(x_data), tf.constant(y_data), params)
        opt.apply_gradients(zip(tape.gradient(loss, params), params))
        losses.append(loss.numpy())
    return losses, [p.numpy() for p in params]


@pytest.mark.parametrize("kind", ["regression", "classifier"])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_tf1_session_and_tf2_tape_train_bit_identically(kind, name):
    steps = 15
    g_losses, g_params, g_step = _train_graph(kind, OPTIMIZERS[name], steps)
    e_losses, e_params = _train_eager(kind, OPTIMIZERS[name], steps)
    assert g_step == steps
    assert g_losses[-1] < g_losses[0]  # it learns
    np.testing.assert_array_equal(np.array(g_losses), np.array(e_losses))
    for g, e in zip(g_params, e_params):
        assert g.dtype == np.float32
        np.testing.assert_array_equal(g, e)


def test_minimize_eagerly_needs_a_callable_loss():
    w = tf.Variable(1.0)
    with pytest.raises(RuntimeError, match="should be a function when eager execution"):
        tf1.train.GradientDescentOptimizer(0.1).minimize(w * w)
    tf1.train.GradientDescentOptimizer(0.25).minimize(lambda: w * w)
    assert w.numpy() == 0.5  # 1 - 0.25 * 2


def test_no_gradients_is_a_value_error():
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable(1.0, name="w")
        loss = tf.constant(3.0)
        with pytest.raises(ValueError, match="No gradients provided for any variable"):
            tf1.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=[w])


def test_adam_slots_are_named_and_initialized_by_the_global_initializer():
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable([1.0, 2.0], name="w")
        opt = tf1.train.AdamOptimizer(0.1)
        train = opt.minimize(tf.reduce_sum(w * w))
        assert opt.get_slot_names() == ["m", "v"]
        assert opt.get_slot(w, "m").name == "w/Adam:0"
        assert opt.get_slot(w, "v").name == "w/Adam_1:0"
        init = tf1.global_variables_initializer()
    with tf1.Session(graph=graph) as sess:
        sess.run(init)
        sess.run(train)
        # first Adam step moves each weight by ~lr against the sign of its gradient
        np.testing.assert_allclose(sess.run(w), [0.9, 1.9], rtol=1e-5)
