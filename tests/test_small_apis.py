"""Small TensorFlow APIs TF1 code leans on: tf.compat.v1.logging, tf.train.load_variable,
and Cast's error for strings."""

import logging

import numpy as np
import pytest

import twinflow as tf

tf1 = tf.compat.v1


def test_tf1_logging_goes_to_the_tensorflow_logger(caplog):
    old = tf1.logging.get_verbosity()
    try:
        tf1.logging.set_verbosity(tf1.logging.INFO)
        assert tf1.logging.get_verbosity() == logging.INFO
        with caplog.at_level(logging.INFO, logger="tensorflow"):
            tf1.logging.info("step %d", 3)
            tf1.logging.debug("hidden")
        assert [r.getMessage() for r in caplog.records] == ["step 3"]
        assert tf1.logging.WARN == tf1.logging.WARNING == logging.WARNING
    finally:
        tf1.logging.set_verbosity(old)


def test_load_variable_reads_one_saved_value(tmp_path):
    w = tf.Variable([1.0, 2.0], name="w")
    path = tf1.train.Saver([w]).save(None, str(tmp_path / "m"))
    np.testing.assert_array_equal(tf.train.load_variable(path, "w"), [1.0, 2.0])
    np.testing.assert_array_equal(tf.train.load_variable(str(tmp_path), "w:0"), [1.0, 2.0])
    with pytest.raises(tf.errors.NotFoundError):
        tf.train.load_variable(path, "nope")


def test_casting_strings_is_unimplemented_in_both_modes():
    with pytest.raises(tf.errors.UnimplementedError, match="Cast string to float is not"):
        tf.cast(tf.constant(["1"]), tf.float32)
    with tf.Graph().as_default():
        y = tf.cast(tf.constant([1]), tf.string)
        with tf1.Session() as sess, pytest.raises(tf.errors.UnimplementedError,
                                                  match="Cast int32 to string is not"):
            sess.run(y)
