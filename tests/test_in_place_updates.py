"""Variable updates write in place only when no earlier read can see it."""

import numpy as np

import twinflow as tf
from eager.executor import PROCESS_STORE
from twinflow.compat import v1 as tf1


def stored(v):
    return PROCESS_STORE.values[v._resource.key]


def test_reads_keep_their_values_and_unshared_arrays_are_reused():
    v = tf.Variable(np.arange(3, dtype=np.float32))
    before = v.read_value()
    v.assign_sub(np.ones(3, np.float32))
    assert before.numpy().tolist() == [0.0, 1.0, 2.0]  # the snapshot survived
    del before
    array_id = id(stored(v))
    v.assign_add(np.ones(3, np.float32) * 2)
    assert id(stored(v)) == array_id  # nothing else held it: updated in place
    assert v.numpy().tolist() == [1.0, 2.0, 3.0]
    user = np.zeros(2, np.float32)
    w = tf.Variable(user)
    w.assign_add(np.ones(2, np.float32))
    assert user.tolist() == [0.0, 0.0]  # the caller's own array is never written


def test_gradient_descent_in_place_keeps_session_fetches_and_bits():
    with tf.Graph().as_default():
        v = tf1.Variable(np.array([1.0, 2.0], np.float32))
        read = v.read_value()
        step = tf1.train.GradientDescentOptimizer(0.5).minimize(tf.reduce_sum(v * v))
        with tf1.Session() as sess:
            sess.run(v.initializer)
            old = sess.run(read)
            sess.run(step)
            assert old.tolist() == [1.0, 2.0]
            np.testing.assert_array_equal(sess.run(read), np.float32([1, 2]) -
                                          np.float32(0.5) * np.float32([2, 4]))
