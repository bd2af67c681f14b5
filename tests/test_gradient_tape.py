"""GradientTape: watching, variables, nesting, structures, jacobians and its errors."""

import collections

import numpy as np
import pytest

import twinflow as tf


def test_gradient_of_polynomial_matches_calculus():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x * x + 2.0 * x
    assert tape.gradient(y, x).numpy() == pytest.approx(3 * 9 + 2)


def test_unwatched_constant_gets_none_and_zero_on_request():
    x, c = tf.constant(2.0), tf.constant(5.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * 3.0
    assert tape.gradient(y, c) is None
    zero = tape.gradient(y, c, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert zero.numpy() == 0.0 and zero.dtype == tf.float32


def test_trainable_variables_are_watched_automatically_and_others_not():
    w = tf.Variable([1.0, 2.0])
    frozen = tf.Variable(3.0, trainable=False)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(w * w) * frozen
    gw, gf = tape.gradient(y, [w, frozen])
    np.testing.assert_allclose(gw.numpy(), [6.0, 12.0])
    assert gf is None
    watched = tape.watched_variables()
    assert len(watched) == 1 and watched[0] is w


def test_watch_accessed_variables_false_needs_explicit_watch():
    w = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        y = w * w
    assert tape.gradient(y, w) is None
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(w)
        y = w * w
    assert tape.gradient(y, w).numpy() == 4.0


def test_nested_tapes_give_second_and_third_derivatives():
    x = tf.constant(1.5)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.sin(x) * x
            dy = t1.gradient(y, x)
        d2y = t2.gradient(dy, x)
    d3y = t3.gradient(d2y, x)
    s, c = np.sin(1.5), np.cos(1.5)
    assert dy.numpy() == pytest.approx(c * 1.5 + s, rel=1e-6)
    assert d2y.numpy() == pytest.approx(-s * 1.5 + 2 * c, rel=1e-5)
    assert d3y.numpy() == pytest.approx(-c * 1.5 - 3 * s, rel=1e-5)


def test_non_persistent_tape_refuses_a_second_gradient():
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape can only be used"):
        tape.gradient(y, x)


def test_persistent_tape_serves_many_gradients():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert tape.gradient(y, x).numpy() == 4.0
    assert tape.gradient(z, x).numpy() == 32.0


def test_nested_structures_of_targets_and_sources():
    a, b = tf.constant(1.0), tf.constant(2.0)
    Pair = collections.namedtuple("Pair", "a b")
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = {"first": a * b, "second": [a + b]}
    grads = tape.gradient(y, Pair(a, b))
    assert isinstance(grads, Pair)
    assert grads.a.numpy() == 3.0 and grads.b.numpy() == 2.0


def test_output_gradients_weigh_targets():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x, output_gradients=tf.constant([10.0, 100.0]))
    np.testing.assert_allclose(g.numpy(), [20.0, 400.0])


def test_stop_recording_and_stop_gradient():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        with tape.stop_recording():
            hidden = x * x
        y = x * hidden + tf.stop_gradient(x) * x
    # d/dx (x * const9 + const3 * x) = 9 + 3
    assert tape.gradient(y, x).numpy() == 12.0


def test_reset_forgets_recorded_ops():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        tape.reset()
        tape.watch(x)
        z = x * 5.0
    assert tape.gradient(z, x).numpy() == 5.0
    del y


def test_broadcast_gradients_are_summed_back_to_input_shape():
    x = tf.constant(np.ones((3, 4), np.float32))
    b = tf.constant(np.ones((4,), np.float32))
    with tf.GradientTape() as tape:
        tape.watch([x, b])
        y = x * b + b
    gx, gb = tape.gradient(y, [x, b])
    assert gx.shape == (3, 4) and gb.shape == (4,)
    np.testing.assert_allclose(gb.numpy(), np.full(4, 6.0))


def test_gradient_of_integer_source_is_none():
    i = tf.constant(3)
    with tf.GradientTape() as tape:
        tape.watch(i)
        y = i * i
    assert tape.gradient(y, i) is None


def test_jacobian_matches_finite_differences():
    x0 = np.array([0.3, -1.2, 2.0])
    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.sin(x) * tf.reduce_sum(x * x)
    jac = tape.jacobian(y, x).numpy()
    f = lambda v: np.sin(v) * np.sum(v * v)  # noqa: E731
    eps = 1e-6
    numeric = np.stack([(f(x0 + eps * e) - f(x0 - eps * e)) / (2 * eps)
                        for e in np.eye(3)], axis=1)
    assert jac.shape == (3, 3)
    np.testing.assert_allclose(jac, numeric, rtol=1e-6, atol=1e-8)


def test_batch_jacobian_is_per_example():
    x0 = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x * 2.0  # [2, 2]
    bj = tape.batch_jacobian(y, x).numpy()
    assert bj.shape == (2, 2, 2)
    for i in range(2):
        np.testing.assert_allclose(bj[i], np.diag(4 * x0[i]))


def test_watch_rejects_non_tensors():
    with tf.GradientTape() as tape:
        with pytest.raises(ValueError, match="not tf.Tensor or tf.Variable"):
            tape.watch("x")


def test_reentering_an_active_tape_is_an_error():
    tape = tf.GradientTape()
    with tape:
        with pytest.raises(ValueError, match="re-enter an already-active tape"):
            tape.__enter__()


def test_tape_records_only_when_something_is_watched():
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        for _ in range(5):
            x = x + 1.0
    assert tape._ops == []
