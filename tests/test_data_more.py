"""Dataset.range(output_type=) and Dataset.reduce, eagerly and in a TF1 Session.
Expected numbers come from TF 2.21."""

import numpy as np
import pytest

import twinflow as tf

tf1 = tf.compat.v1


def test_range_output_type():
    ints = list(tf.data.Dataset.range(3, output_type=tf.int32))
    floats = list(tf.data.Dataset.range(1, 8, 3, output_type=tf.float32))
    assert [t.dtype for t in ints] == [tf.int32] * 3  # from TF 2.21
    assert [t.numpy() for t in ints] == [0, 1, 2]
    assert floats[0].dtype == tf.float32 and [t.numpy() for t in floats] == [1.0, 4.0, 7.0]
    assert tf.data.Dataset.range(2).element_spec.dtype == tf.int64


def test_reduce_eagerly():
    total = tf.data.Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x)
    assert total.dtype == tf.int64 and total.numpy() == 10  # from TF 2.21
    pair = tf.data.Dataset.range(5).reduce((np.int64(0), 1.0),
                                           lambda s, x: (s[0] + x, s[1] * 2))
    assert pair[0].numpy() == 10 and pair[1].numpy() == 32.0 and pair[1].dtype == tf.float32


def test_reduce_state_dtype_mismatch_is_a_type_error():
    with pytest.raises(TypeError):  # TF 2.21: int32 state + int64 element -> TypeError
        tf.data.Dataset.range(5).reduce(0, lambda s, x: s + x)


def test_reduce_in_a_session_reads_feeds(graph_mode):
    n = tf1.placeholder(tf.int64, [])
    total = tf.data.Dataset.range(n).map(lambda x: x * 2).reduce(
        tf.constant(0, tf.int64), lambda s, x: s + x)
    sums = tf.data.Dataset.from_tensor_slices(([1.0, 2.0], [3, 4])).reduce(
        (0.0, 0), lambda s, e: (s[0] + e[0], s[1] + e[1]))
    assert total.shape.as_list() == []
    with tf1.Session() as sess:
        assert sess.run(total, {n: 5}) == 20 and sess.run(total, {n: 3}) == 6
        assert sess.run(sums) == (3.0, 7)
