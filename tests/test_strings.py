"""tf.strings: values, ragged split, and errors with TensorFlow's classes and messages."""

import numpy as np
import pytest

import twinflow as tf


def test_string_constants_equality_and_bytes():
    a = tf.constant(["ab", "cd"])
    assert a.dtype == tf.string
    assert (a == tf.constant(["ab", "x"])).numpy().tolist() == [True, False]
    assert tf.constant("héllo").numpy() == "héllo".encode()


def test_split_is_ragged_and_pads_to_dense():
    parts = tf.strings.split(tf.constant(["a b", "c", ""]))
    assert parts.to_list() == [[b"a", b"b"], [b"c"], []]
    assert parts.row_splits.numpy().tolist() == [0, 2, 3, 3]
    dense = parts.to_tensor(default_value=b"-")
    assert dense.numpy().tolist() == [[b"a", b"b"], [b"c", b"-"], [b"-", b"-"]]


def test_to_number_int_and_error():
    assert tf.strings.to_number(tf.constant(["7", "-3"]), tf.int32).numpy().tolist() == [7, -3]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="StringToNumberOp could not correctly convert string: x"):
        tf.strings.to_number(tf.constant(["1", "x"]))


def test_as_string_formats():
    assert tf.strings.as_string(tf.constant([3, -4])).numpy().tolist() == [b"3", b"-4"]
    assert tf.strings.as_string(tf.constant([1.23456]), precision=2).numpy()[0] == b"1.23"
    assert tf.strings.as_string(tf.constant([5]), width=3, fill="0").numpy()[0] == b"005"
    assert tf.strings.as_string(tf.constant([True, False])).numpy().tolist() == [b"true",
                                                                                 b"false"]


def test_substr_out_of_range_and_non_string_inputs():
    with pytest.raises(tf.errors.InvalidArgumentError, match="pos 9 out of range for string"):
        tf.strings.substr(tf.constant(["hello"]), 9, 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be a string tensor"):
        tf.strings.length(tf.constant([1, 2]))
    with pytest.raises(ValueError, match="unit must be one of BYTE, UTF8_CHAR"):
        tf.strings.length(tf.constant(["a"]), unit="WORD")


def test_strings_in_a_session_match_eager():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.string, [None])
        y = tf.strings.upper(tf.strings.join([x, x], separator="+"))
    with tf.compat.v1.Session(graph=graph) as sess:
        got = sess.run(y, {x: np.array([b"a", b"b"], dtype=object)})
    assert got.tolist() == [b"A+A", b"B+B"]
