"""EagerTensor behaviour, TensorFlow's conversion rules, and the errors users meet first."""

import numpy as np
import pytest

import twinflow as tf


def test_repr_and_str_are_tensorflows():
    t = tf.constant([1.0, 2.0])
    assert repr(t) == ("<tf.Tensor: shape=(2,), dtype=float32, "
                       "numpy=array([1., 2.], dtype=float32)>")
    assert str(t) == "tf.Tensor([1. 2.], shape=(2,), dtype=float32)"
    assert repr(tf.constant(3)) == "<tf.Tensor: shape=(), dtype=int32, numpy=3>"


def test_default_dtypes_follow_tensorflow():
    assert tf.constant(1.5).dtype == tf.float32
    assert tf.constant(1).dtype == tf.int32
    assert tf.constant(2 ** 40).dtype == tf.int64
    assert tf.constant(True).dtype == tf.bool
    assert tf.constant("a").dtype == tf.string
    assert tf.constant([1, 2.5]).dtype == tf.float32
    assert tf.constant(np.float64(1.0)).dtype == tf.float64
    assert tf.constant(np.arange(3)).dtype == tf.int64


def test_numpy_of_scalars_is_a_numpy_scalar_and_strings_are_bytes():
    value = tf.constant(1.5).numpy()
    assert isinstance(value, np.float32) and value == 1.5
    assert tf.constant("héllo").numpy() == "héllo".encode()


def test_python_numbers_take_the_tensor_dtype_and_float32_stays_float32():
    x = tf.constant([1.0, 2.0])
    for y in (x + 1, 1 + x, x * 0.1, x / 3, x - np.float32(1), 2 ** x, x ** 2):
        assert y.dtype == tf.float32
    assert (tf.constant([1, 2]) + 1).dtype == tf.int32
    np.testing.assert_array_equal((x * 0.1).numpy(), np.float32([1.0, 2.0]) * np.float32(0.1))


def test_no_implicit_promotion_between_tensor_dtypes():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"cannot compute AddV2 as input #1\(zero-based\) was expected to "
                             r"be a int32 tensor but is a float tensor \[Op:AddV2\]"):
        tf.constant(1) + tf.constant(1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="float tensor but is a double"):
        tf.constant([1.0]) * np.array([2.0])  # numpy float64 keeps its dtype, as in TF


def test_python_float_into_int_tensor_is_a_type_error():
    with pytest.raises(TypeError, match="Cannot convert 0.5 to EagerTensor of dtype int32"):
        tf.constant(1) + 0.5
    with pytest.raises(TypeError, match="Cannot convert"):
        tf.constant(0.5, dtype=tf.int32)


def test_matmul_shape_mismatch_names_op_and_shapes():
    a = tf.ones([2, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[2,3\].*\[2,3\].*MatMul"):
        tf.matmul(a, a)


def test_axis_out_of_range():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Invalid reduction dimension \(2 for input with 2 dimension\(s\) "
                             r"\[Op:Sum\]"):
        tf.reduce_sum(tf.ones([2, 3]), axis=2)


def test_reshape_to_incompatible_size():
    with pytest.raises(tf.errors.InvalidArgumentError, match="6 values.*4"):
        tf.reshape(tf.ones([2, 3]), [4])


def test_gather_out_of_range():
    message = r"indices\[1\] = 7 is not in \[0, 3\)"
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf.gather(tf.constant([1.0, 2.0, 3.0]), [0, 7])


def test_sqrt_of_int_is_rejected_not_promoted():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Sqrt.*int32"):
        tf.sqrt(tf.constant(4))


def test_integer_division_by_zero_raises():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
        tf.constant([1, 2]) // tf.constant([1, 0])


def test_true_division_of_ints_gives_float64():
    assert (tf.constant([1, 2]) / tf.constant([2, 4])).dtype == tf.float64


def test_python_protocols():
    t = tf.constant([[1, 2], [3, 4]])
    assert len(t) == 2
    rows = [r.numpy().tolist() for r in t]
    assert rows == [[1, 2], [3, 4]]
    assert int(tf.constant(3)) == 3 and float(tf.constant(2.5)) == 2.5
    assert [10, 20, 30][tf.constant(1)] == 20
    assert bool(tf.constant(True))
    with pytest.raises(TypeError, match="Scalar tensor has no `len\\(\\)`"):
        len(tf.constant(1.0))
    with pytest.raises(TypeError, match="unhashable"):
        {tf.constant(1): 1}
    assert np.asarray(t).tolist() == [[1, 2], [3, 4]]
    assert f"{tf.constant(2.5):.2f}" == "2.50"


def test_equality_is_elementwise_and_none_is_false():
    eq = tf.constant([1, 2]) == tf.constant([1, 3])
    np.testing.assert_array_equal(eq.numpy(), [True, False])
    assert (tf.constant(1) == None) is False  # noqa: E711


def test_indexing_like_python():
    x = tf.reshape(tf.range(24), [2, 3, 4])
    ref = np.arange(24).reshape(2, 3, 4)
    for key in [1, -1, (0, 1), (slice(None), 1), (Ellipsis, 2), (slice(None, None, -1),),
                (None, 0), (0, slice(1, None), slice(None, None, 2))]:
        np.testing.assert_array_equal(x[key].numpy(), ref[key])


def test_constant_with_shape_broadcasts_a_scalar_and_reshapes_a_list():
    np.testing.assert_array_equal(tf.constant(7, shape=[2, 2]).numpy(), np.full((2, 2), 7))
    np.testing.assert_array_equal(tf.constant([1, 2, 3, 4], shape=[2, 2]).numpy(),
                                  [[1, 2], [3, 4]])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.constant([1, 2, 3], shape=[2, 2])


def test_non_rectangular_list_is_a_value_error():
    with pytest.raises(ValueError, match="non-rectangular"):
        tf.constant([[1, 2], [3]])


def test_executing_eagerly_and_is_tensor():
    assert tf.executing_eagerly()
    assert tf.is_tensor(tf.constant(1)) and tf.is_tensor(tf.Variable(1.0))
    assert not tf.is_tensor(np.ones(2))


def test_convert_to_tensor_checks_requested_dtype():
    t = tf.constant([1.0])
    assert tf.convert_to_tensor(t) is t
    with pytest.raises(ValueError, match="requested dtype int32 for Tensor with dtype float32"):
        tf.convert_to_tensor(t, dtype=tf.int32)
    assert tf.convert_to_tensor([1, 2], dtype_hint=tf.float32).dtype == tf.float32


def test_kernels_return_inf_and_nan_silently_like_tensorflow_but_numpy_still_warns():
    import subprocess
    import sys
    code = ("import numpy as np, twinflow as tf\n"
            "assert np.isinf(tf.math.log(tf.constant(0.0)).numpy())\n"
            "assert np.isinf((tf.constant(1.0) / tf.constant(0.0)).numpy())\n"
            "np.log(np.zeros(1))\n")
    out = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True,
                         text=True, check=True)
    assert out.stderr.count("RuntimeWarning") == 1  # only the user's own np.log


def test_python_ints_become_shared_read_only_constants():
    """Eagerly, ints and int lists given to ops (shapes, axes) are cached constants: the
    same list gives the same tensor, it cannot be written through, and [1, 2] never
    answers for [1.0, 2.0]."""
    first = tf.identity([1, 2])
    assert first.dtype == tf.int32
    assert tf.identity([1.0, 2.0]).dtype == tf.float32
    assert tf.identity((1, 2)).numpy().tolist() == [1, 2]
    with pytest.raises(ValueError, match="read-only"):
        first.numpy()[0] = 7
    assert tf.identity([1, 2]).numpy().tolist() == [1, 2]
    assert tf.reshape(tf.range(6), [2, 3]).shape == [2, 3]
