"""tf.TensorArray: list semantics, errors, and use inside while_loop in both modes."""

import numpy as np
import pytest

import twinflow as tf
from twinflow.compat import v1 as tf1


def test_write_read_stack_and_friends():
    ta = tf.TensorArray(tf.float32, size=3)
    for i in range(3):
        ta = ta.write(i, [float(i), float(i) * 2])
    assert ta.element_shape.as_list() == [2]
    np.testing.assert_array_equal(ta.stack().numpy(), [[0, 0], [1, 2], [2, 4]])
    np.testing.assert_array_equal(ta.read(2).numpy(), [2, 4])
    np.testing.assert_array_equal(ta.gather([2, 0]).numpy(), [[2, 4], [0, 0]])
    np.testing.assert_array_equal(ta.concat().numpy(), [0, 0, 1, 2, 2, 4])
    assert int(ta.size()) == 3
    rows = tf.TensorArray(tf.int32, size=0, dynamic_size=True).unstack([[1, 2], [3, 4]])
    assert int(rows.size()) == 2 and rows.read(1).numpy().tolist() == [3, 4]
    scattered = tf.TensorArray(tf.int32, size=3, element_shape=[2]).scatter(
        [2, 0], [[5, 6], [7, 8]])
    assert scattered.stack().numpy().tolist() == [[7, 8], [0, 0], [5, 6]]  # unwritten: zeros
    grown = tf.TensorArray(tf.float32, size=0, dynamic_size=True).write(4, 1.0)
    assert int(grown.size()) == 5


def test_errors():
    fixed = tf.TensorArray(tf.float32, size=2)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Tried to write to index 2 but array size is: 2"):
        fixed.write(2, 1.0)
    with pytest.raises(ValueError, match="Tensor conversion requested dtype float32"):
        fixed.write(0, tf.constant(1))
    with pytest.raises(ValueError, match=r"Inconsistent shapes: saw \(3,\) but expected \(2,\)"):
        fixed.write(0, [1.0, 2.0]).write(1, [1.0, 2.0, 3.0])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Could not read from TensorArray index 1 because it has not yet "
                             "been written to"):
        fixed.read(1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="size zero"):
        tf.TensorArray(tf.float32, size=0).stack()


def rnn(x):
    """A tiny recurrence writing each step's state into a TensorArray."""
    ta = tf.TensorArray(x.dtype, size=0, dynamic_size=True)

    def body(i, h, ta):
        h = tf.tanh(h * 0.9 + x[i])
        return i + 1, h, ta.write(i, h)
    _, h, ta = tf.while_loop(lambda i, h, ta: i < tf.shape(x)[0], body,
                             [tf.constant(0), tf.zeros_like(x[0]), ta])
    return ta.stack(), h


def test_tensor_array_in_while_loop_graph_equals_eager_with_gradients():
    x = np.arange(8, dtype=np.float32).reshape(4, 2) / 10
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        states, last = rnn(xt)
        loss = tf.reduce_sum(states * states) + tf.reduce_sum(last)
    eager = [states.numpy(), tape.gradient(loss, xt).numpy()]
    with tf.Graph().as_default():
        xp = tf1.placeholder(tf.float32, [None, 2])
        states, last = rnn(xp)
        assert states.shape.as_list() == [None, 2]
        loss = tf.reduce_sum(states * states) + tf.reduce_sum(last)
        grad = tf1.gradients(loss, xp)[0]
        with tf1.Session() as sess:
            graph = sess.run([states, grad], {xp: x})
    for a, b in zip(eager, graph):
        np.testing.assert_array_equal(a, b)
    ref, h = [], np.zeros(2, np.float32)
    for row in x:
        h = np.tanh(h * np.float32(0.9) + row)
        ref.append(h)
    np.testing.assert_allclose(eager[0], np.stack(ref), rtol=1e-6)


def test_tensor_array_loop_gradient_matches_finite_differences():
    x = np.random.default_rng(0).normal(size=(3, 2))

    def f(a):
        states, _ = rnn(tf.constant(a))
        return float(tf.reduce_sum(tf.sin(states)).numpy())
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        states, _ = rnn(xt)
        loss = tf.reduce_sum(tf.sin(states))
    grad = tape.gradient(loss, xt).numpy()
    numeric = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += 1e-6
        down[idx] -= 1e-6
        numeric[idx] = (f(up) - f(down)) / 2e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
