"""tf.function's API surface: ConcreteFunction calls and attributes, get_concrete_function
with an input_signature, numpy scalar arguments, and tf.function's keyword arguments."""

import numpy as np
import pytest

import twinflow as tf


@tf.function
def triple(x):
    return x * 3.0


def test_a_concrete_function_checks_what_it_is_called_with():
    concrete = triple.get_concrete_function(tf.TensorSpec([None], tf.float32))
    assert concrete(tf.constant([1.0, 2.0])).numpy().tolist() == [3.0, 6.0]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"input #0\(zero-based\) was expected to be a float32 tensor "
                             r"but is a int32 tensor"):
        concrete(tf.constant([1, 2]))
    with pytest.raises(TypeError, match=r"input #0 has shape \(2, 2\)"):
        concrete(tf.ones([2, 2]))
    with pytest.raises(TypeError, match="takes 1 tensor arguments, got 2"):
        concrete(tf.ones([2]), tf.ones([2]))
    scalar = triple.get_concrete_function(tf.TensorSpec([], tf.float32))
    assert scalar(2.0).numpy() == 6.0                 # a Python number feeds the input
    assert triple.experimental_get_tracing_count() == 2


def test_concrete_function_attributes():
    w = tf.Variable(2.0)

    @tf.function
    def f(x, y):
        return {"sum": x + y * w, "n": tf.shape(x)[0]}
    concrete = f.get_concrete_function(tf.TensorSpec([None], tf.float32, name="x"),
                                       tf.TensorSpec([None], tf.float32))
    args, kwargs = concrete.structured_input_signature
    assert [(s.shape.as_list(), s.dtype) for s in args] == [([None], tf.float32)] * 2
    assert kwargs == {}
    assert concrete.output_dtypes == {"sum": tf.float32, "n": tf.int32}
    assert concrete.output_shapes["sum"].as_list() == [None]
    assert concrete.trainable_variables == [w]
    text = concrete.pretty_printed_signature()
    assert "Input Parameters:" in text and "TensorSpec(shape=(None,), dtype=tf.float32)" in text


def test_get_concrete_function_uses_the_input_signature():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def plus_one(x):
        return x + 1.0
    first = plus_one.get_concrete_function()
    assert plus_one.get_concrete_function(tf.TensorSpec([None], tf.float32)) is first
    assert first(tf.constant([1.0])).numpy().tolist() == [2.0]
    assert plus_one.experimental_get_tracing_count() == 1


def test_numpy_scalars_are_tensors_not_python_values():
    @tf.function
    def double(x):
        return x * 2
    assert double(np.float32(1.5)).numpy() == 3.0
    assert double(np.float32(4.0)).numpy() == 8.0
    assert double.experimental_get_tracing_count() == 1
    assert double(np.int64(3)).numpy() == 6              # a new dtype: a new trace
    assert double.experimental_get_tracing_count() == 2


def test_tf_function_keyword_arguments():
    with pytest.raises(TypeError, match="bogus"):
        tf.function(lambda x: x, bogus=1)
    relaxed = tf.function(lambda x: x * 2.0, experimental_relax_shapes=True)
    for n in (1, 2, 3):
        relaxed(tf.ones([n]))
    assert relaxed.experimental_get_tracing_count() == 2  # the old name of reduce_retracing
