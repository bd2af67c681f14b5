"""tf.nn: errors (class and TensorFlow's message), stability, gradients at kinks, dropout.

Expected numbers marked "TF" were printed by TensorFlow 2.21 for the same call.
"""

import math as pymath
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import eager  # noqa: F401  (installs the eager executor)
from eager.tape import GradientTape
from engine import dtypes, errors
from engine.ops import nn, nn_xent, random
from engine.ops.core import constant
from engine.shapes import TensorShape


def f32(values):
    return constant(np.asarray(values, np.float32))


def grad_of(fn, x, output_gradients=None):
    x = constant(np.asarray(x))
    with GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x, output_gradients=output_gradients).numpy()


@pytest.fixture
def no_numpy_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ---------------------------------------------------------------- activations --------

def test_activation_values_match_tensorflow():
    x = f32([-1000.0, -1.0, 0.0, 1.0, 1000.0])
    np.testing.assert_array_equal(nn.relu(x).numpy(), [0, 0, 0, 1, 1000])
    np.testing.assert_array_equal(nn.relu6(x).numpy(), [0, 0, 0, 1, 6])
    np.testing.assert_allclose(nn.elu(x).numpy(), [-1.0, -0.63212055, 0, 1, 1000], rtol=1e-6)
    np.testing.assert_allclose(nn.selu(f32([-1000.0, -1.0, 0.0, 1.0])).numpy(),
                               [-1.7580993, -1.1113307, 0.0, 1.050701], rtol=1e-6)  # TF
    np.testing.assert_allclose(nn.softsign(x).numpy(), [-0.999001, -0.5, 0, 0.5, 0.999001],
                               rtol=1e-6)
    np.testing.assert_allclose(nn.leaky_relu(x, alpha=0.1).numpy(), [-100, -0.1, 0, 1, 1000])


def test_softplus_is_stable_at_the_extremes(no_numpy_warnings):
    got = nn.softplus(f32([-1000.0, -20.0, -10.0, 0.0, 10.0, 20.0, 1000.0])).numpy()
    tf = [0.0, 2.0611537e-09, 4.5398901e-05, 6.9314718e-01, 1.0000046e+01, 20.0, 1000.0]
    np.testing.assert_allclose(got, tf, rtol=1e-6)
    np.testing.assert_allclose(grad_of(nn.softplus, np.float32([-1000.0, 0.0, 1000.0])),
                               [0.0, 0.5, 1.0])


def test_gelu_matches_tensorflow_including_the_far_left_tail():
    x = f32([-10.0, -1.0, 0.0, 1.5])
    np.testing.assert_allclose(nn.gelu(x).numpy(),
                               [-7.6198536e-23, -1.5865526e-01, 0.0, 1.3997892e+00], rtol=1e-6)
    np.testing.assert_allclose(nn.gelu(x, approximate=True).numpy(),
                               [-0.0, -0.158808, 0.0, 1.3995715], rtol=1e-6, atol=1e-7)


def test_gelu_rejects_integers_with_tensorflows_message():
    with pytest.raises(ValueError, match=r"`features.dtype` must be a floating point tensor"):
        nn.gelu(constant([1, 2]))


def test_leaky_relu_casts_integers_to_float32():
    y = nn.leaky_relu(constant([-1, 2]))
    assert y.dtype == dtypes.float32
    np.testing.assert_allclose(y.numpy(), [-0.2, 2.0])


def test_relu_keeps_integer_dtypes():
    y = nn.relu(constant(np.array([-3, 4], np.int64)))
    assert y.dtype == dtypes.int64
    np.testing.assert_array_equal(y.numpy(), [0, 4])


@pytest.mark.parametrize("fn", [nn.elu, nn.selu, nn.softplus, nn.softsign, nn.erf, nn.erfc])
def test_float_only_activations_reject_int32(fn):
    with pytest.raises(errors.InvalidArgumentError, match="int32"):
        fn(constant([1, 2]))


def test_relu_rejects_bool():
    with pytest.raises(errors.InvalidArgumentError, match="bool"):
        nn.relu(constant([True, False]))


def test_gradients_at_the_kinks_follow_tensorflow():
    x = np.float32([-1.0, 0.0, 3.0, 6.0, 7.0])
    np.testing.assert_array_equal(grad_of(nn.relu, x), [0, 0, 1, 1, 1])  # 0 at x = 0
    np.testing.assert_array_equal(grad_of(nn.relu6, x), [0, 0, 1, 0, 0])  # 0 at 0 and 6
    np.testing.assert_allclose(grad_of(nn.leaky_relu, x), [0.2, 0.2, 1, 1, 1])
    np.testing.assert_allclose(grad_of(nn.elu, x), [np.exp(-1.0), 1, 1, 1, 1], rtol=1e-6)
    scale = 1.0507009873554805
    np.testing.assert_allclose(grad_of(nn.selu, np.float32([-1.0, 0.0, 2.0])),
                               [scale * 1.6732632423543772 * np.exp(-1.0), scale, scale],
                               rtol=1e-6)


def test_erf_and_erfc_are_accurate_in_float64():
    x = np.linspace(-8, 8, 4001)
    np.testing.assert_allclose(nn.erf(constant(x)).numpy(), [pymath.erf(v) for v in x],
                               rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(nn.erfc(constant(x)).numpy(), [pymath.erfc(v) for v in x],
                               rtol=1e-12, atol=0)
    special = nn.erf(constant([np.inf, -np.inf, np.nan, -0.0])).numpy()
    assert special[0] == 1 and special[1] == -1 and np.isnan(special[2])
    assert np.signbit(special[3])


def test_erf_keeps_float16():
    y = nn.erf(constant(np.float16([0.5])))
    assert y.dtype == dtypes.float16
    assert y.numpy()[0] == np.float16(0.5205)  # TF


# ---------------------------------------------------------------- softmax ------------

def test_softmax_and_log_softmax_do_not_overflow(no_numpy_warnings):
    x = f32([[1000.0, 0.0], [-1000.0, -1000.0]])
    np.testing.assert_array_equal(nn.softmax(x).numpy(), [[1, 0], [0.5, 0.5]])
    np.testing.assert_allclose(nn.log_softmax(x).numpy(),
                               [[0, -1000], [-np.log(2), -np.log(2)]], rtol=1e-6)


def test_softmax_along_axis0_matches_tensorflow():
    y = nn.softmax(f32([[1.0, 2.0], [3.0, 5.0]]), axis=0).numpy()
    np.testing.assert_allclose(y, [[0.11920291, 0.04742587], [0.880797, 0.95257413]],
                               rtol=1e-6)


@pytest.mark.parametrize("fn", [nn.softmax, nn.log_softmax])
@pytest.mark.parametrize("axis", [2, -3])
def test_softmax_axis_out_of_range(fn, axis):
    with pytest.raises(errors.InvalidArgumentError,
                       match=rf"`dim` must be in the range \[-2, 2\) where 2 is the number of "
                             rf"dimensions in the input. Received: dim={axis}"):
        fn(f32([[1.0, 2.0], [3.0, 5.0]]), axis=axis)


def test_softmax_rejects_scalars_and_integers():
    with pytest.raises(errors.InvalidArgumentError, match="rank"):
        nn.softmax(f32(1.0))
    with pytest.raises(errors.InvalidArgumentError, match="int32"):
        nn.softmax(constant([1, 2]))


def test_softmax_gradient_is_tensorflows_formula():
    x = np.float32([1.0, 2.0, 3.0])
    w = np.float32([0.3, -1.0, 2.0])
    s = np.exp(x) / np.exp(x).sum()
    got = grad_of(nn.softmax, x, output_gradients=constant(w))
    np.testing.assert_allclose(got, (w - np.dot(w, s)) * s, rtol=1e-6)
    got = grad_of(nn.log_softmax, x, output_gradients=constant(w))
    np.testing.assert_allclose(got, w - w.sum() * s, rtol=1e-6)


# ---------------------------------------------------------------- bias_add -----------

def test_bias_add_formats():
    x = constant(np.zeros((1, 3, 2), np.float32))
    b = f32([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(nn.bias_add(x, b, data_format="NCW").numpy()[0],
                                  [[1, 1], [2, 2], [3, 3]])
    x = constant(np.zeros((1, 2, 3), np.float32))
    np.testing.assert_array_equal(nn.bias_add(x, b, data_format="NWC").numpy()[0],
                                  [[1, 2, 3], [1, 2, 3]])


@pytest.mark.parametrize("value, bias, fmt, message", [
    ([3], [3], None, r"Input tensor must be at least 2D: \[3\]"),
    ([2, 3], [1, 3], None, r"Biases must be 1D: \[1,3\]"),
    ([2, 3], [4], None, (r"Must provide as many biases as the last dimension of the input "
                         r"tensor: \[4\] vs. \[2,3\]")),
    ([2, 3, 4], [2], "NCHW", r"\[2\] vs. \[2,3,4\]"),
])
def test_bias_add_shape_errors(value, bias, fmt, message):
    with pytest.raises(errors.InvalidArgumentError, match=message):
        nn.bias_add(tf_ones(value), tf_ones(bias), data_format=fmt)


def tf_ones(shape):
    return constant(np.ones(shape, np.float32))


def test_bias_add_rejects_unknown_formats_and_mixed_dtypes():
    with pytest.raises(ValueError, match=r"`data_format` must be of the form `N...C` or "
                                         r"`NC...`. Received: data_format=XYZ"):
        nn.bias_add(tf_ones([1, 2, 3]), tf_ones([3]), data_format="XYZ")
    with pytest.raises(errors.InvalidArgumentError, match="cannot compute BiasAdd as input #1"):
        nn.bias_add(tf_ones([1, 2]), constant([1, 2]))


def test_bias_add_gradients_sum_over_the_batch_and_spatial_axes():
    x = constant(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    b = f32([0.0, 0.0, 0.0])
    g = constant(np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.5)
    with GradientTape() as tape:
        tape.watch(b)
        tape.watch(x)
        y = nn.bias_add(x, b, data_format="NCHW")
    gx, gb = tape.gradient(y, [x, b], output_gradients=g)
    np.testing.assert_array_equal(gx.numpy(), g.numpy())
    np.testing.assert_array_equal(gb.numpy(), g.numpy().sum(axis=(0, 2)))


def test_bias_add_infer_with_unknown_dims():
    fake = SimpleNamespace
    value = fake(dtype=dtypes.float32, shape=TensorShape([None, None]))
    bias = fake(dtype=dtypes.float32, shape=TensorShape([5]))
    [(dtype, shape)] = nn.BIAS_ADD.infer([value, bias], {"data_format": "NHWC"})
    assert dtype == dtypes.float32 and shape.as_list() == [None, 5]
    value = fake(dtype=dtypes.float32, shape=TensorShape([2, 4]))
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 4 and 5"):
        nn.BIAS_ADD.infer([value, bias], {"data_format": "NHWC"})


# ---------------------------------------------------------------- cross entropy ------

def test_sigmoid_cross_entropy_matches_tensorflow(no_numpy_warnings):
    logits = f32([1.0, -1.0, 0.0, 1.0, -1.0, 0.0, 0.0])
    labels = f32([0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.5])
    got = nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits).numpy()
    np.testing.assert_allclose(got, [1.3132617, 0.3132617, 0.6931472, 0.3132617, 1.3132617,
                                     0.6931472, 0.6931472], rtol=1e-6)  # TF docstring
    got = nn.sigmoid_cross_entropy_with_logits(labels=f32([1.0, 0.0, 0.5]),
                                               logits=f32([1000.0, 1000.0, -1000.0]))
    np.testing.assert_array_equal(got.numpy(), [0.0, 1000.0, 500.0])  # TF


def test_sigmoid_cross_entropy_errors():
    with pytest.raises(ValueError, match=r"`logits` and `labels` must have the same shape, "
                                         r"received \(\(2, 4\) vs \(2, 3\)\)."):
        nn.sigmoid_cross_entropy_with_logits(labels=tf_ones([2, 3]), logits=tf_ones([2, 4]))
    with pytest.raises(ValueError, match="Both `labels` and `logits` must be provided"):
        nn.sigmoid_cross_entropy_with_logits(logits=tf_ones([2]))
    with pytest.raises(errors.InvalidArgumentError, match="int32"):
        nn.sigmoid_cross_entropy_with_logits(labels=[1, 0], logits=tf_ones([2]))


def test_sigmoid_cross_entropy_gradient_is_sigmoid_minus_labels():
    z = np.float32([0.0, 1.0, 0.3])
    got = grad_of(lambda x: nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
                  np.float32([0.0, -2.0, 5.0]))
    np.testing.assert_allclose(got, 1 / (1 + np.exp(-np.float32([0.0, -2.0, 5.0]))) - z,
                               rtol=1e-6)


def test_softmax_cross_entropy_values_and_broadcasting():
    got = nn.softmax_cross_entropy_with_logits(labels=[0.0, 1.0, 0.0],
                                               logits=[1000.0, 0.0, 1.0])
    assert got.shape == TensorShape([]) and got.numpy() == 1000.0  # TF
    got = nn.softmax_cross_entropy_with_logits(labels=tf_ones([1, 3]), logits=tf_ones([2, 3]))
    np.testing.assert_allclose(got.numpy(), [3.295837, 3.295837], rtol=1e-6)  # TF
    got = nn.softmax_cross_entropy_with_logits(labels=[[0.0, 1.0], [1.0, 0.0]],
                                               logits=[[1.0, 2.0], [3.0, 4.0]], axis=0)
    np.testing.assert_allclose(got.numpy(), [0.12692805, 2.126928], rtol=1e-6)  # TF
    got = nn.softmax_cross_entropy_with_logits(labels=constant([0, 1]), logits=f32([1, 2]))
    np.testing.assert_allclose(got.numpy(), 0.31326166, rtol=1e-6)  # int labels are cast


def test_softmax_cross_entropy_keeps_float16():
    got = nn.softmax_cross_entropy_with_logits(
        labels=constant(np.full((2, 3), 1 / 3, np.float16)),
        logits=constant(np.ones((2, 3), np.float16)))
    assert got.dtype == dtypes.float16
    np.testing.assert_allclose(got.numpy(), [1.099, 1.099], rtol=1e-3)


def test_softmax_cross_entropy_class_mismatch():
    with pytest.raises(errors.InvalidArgumentError,
                       match=r"logits and labels must be broadcastable: logits_size=\[2,4\] "
                             r"labels_size=\[2,3\]"):
        nn.softmax_cross_entropy_with_logits(labels=tf_ones([2, 3]), logits=tf_ones([2, 4]))


def test_softmax_cross_entropy_gradients_reach_labels():
    logits, labels = f32([[1.0, 2.0, 3.0]]), f32([[0.2, 0.3, 0.5]])
    with GradientTape() as tape:
        tape.watch([logits, labels])
        loss = nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    g_logits, g_labels = tape.gradient(loss, [logits, labels])
    s = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    np.testing.assert_allclose(g_logits.numpy(), [s - [0.2, 0.3, 0.5]], rtol=1e-6)
    np.testing.assert_allclose(g_labels.numpy(), [-np.log(s)], rtol=1e-6)


def test_sparse_cross_entropy_values():
    got = nn.sparse_softmax_cross_entropy_with_logits(
        labels=constant([[0, 1]]), logits=f32([[[1.0, 2.0, 3.0], [1000.0, 0.0, 0.0]]]))
    np.testing.assert_allclose(got.numpy(), [[2.407606, 1000.0]], rtol=1e-6)  # TF
    got = nn.sparse_softmax_cross_entropy_with_logits(labels=constant(1),
                                                      logits=f32([1.0, 2.0, 3.0]))
    assert got.shape == TensorShape([])
    np.testing.assert_allclose(got.numpy(), 1.4076059, rtol=1e-6)  # TF


@pytest.mark.parametrize("label", [5, -1])
def test_sparse_cross_entropy_label_out_of_range(label):
    with pytest.raises(errors.InvalidArgumentError,
                       match=rf"Received a label value of {label} which is outside the valid "
                             rf"range of \[0, 3\).  Label values: 0 {label}"):
        nn.sparse_softmax_cross_entropy_with_logits(labels=constant([0, label]),
                                                    logits=tf_ones([2, 3]))


def test_sparse_cross_entropy_shape_errors():
    with pytest.raises(ValueError, match=r"`labels.shape.rank` must equal "
                                         r"`logits.shape.rank - 1`. Received: "
                                         r"labels.shape=\(1, 2\) of rank 2"):
        nn.sparse_softmax_cross_entropy_with_logits(labels=constant([[0, 1]]),
                                                    logits=tf_ones([2, 3]))
    with pytest.raises(ValueError, match=r"`labels.shape` must equal `logits.shape` except "
                                         r"for the last dimension. Received: "
                                         r"labels.shape=\(3,\) and logits.shape=\(2, 3\)"):
        nn.sparse_softmax_cross_entropy_with_logits(labels=constant([0, 1, 2]),
                                                    logits=tf_ones([2, 3]))
    with pytest.raises(ValueError, match="`logits` cannot be a scalar"):
        nn.sparse_softmax_cross_entropy_with_logits(labels=constant(0), logits=f32(0.0))
    with pytest.raises(errors.InvalidArgumentError, match="Tlabels"):
        nn.sparse_softmax_cross_entropy_with_logits(labels=f32([0.0]), logits=tf_ones([1, 3]))


def test_sparse_cross_entropy_gradient_is_softmax_minus_one_hot():
    x = np.float32([[1.0, 2.0, 3.0], [0.0, 0.0, 1000.0]])
    got = grad_of(lambda t: nn.sparse_softmax_cross_entropy_with_logits(
        labels=constant([2, 0]), logits=t), x)
    expected = np.exp(x - x.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    expected[[0, 1], [2, 0]] -= 1
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def test_sparse_infer_checks_label_dtype_and_batch():
    fake = SimpleNamespace
    logits = fake(dtype=dtypes.float32, shape=TensorShape([None, 4]))
    labels = fake(dtype=dtypes.int64, shape=TensorShape([3]))
    (d0, s0), (d1, s1) = nn_xent.SPARSE_SOFTMAX_XENT.infer([logits, labels], {})
    assert s0.as_list() == [3] and s1.as_list() == [3, 4] and d0 == d1 == dtypes.float32
    with pytest.raises(TypeError, match="Tlabels"):
        nn_xent.SPARSE_SOFTMAX_XENT.infer([logits, fake(dtype=dtypes.float32,
                                                   shape=TensorShape([3]))], {})
    unknown = fake(dtype=dtypes.int32, shape=TensorShape(None))
    (_, s0), (_, s1) = nn_xent.SPARSE_SOFTMAX_XENT.infer([logits, unknown], {})
    assert s0.as_list() == [None] and s1.as_list() == [None, 4]


# ---------------------------------------------------------------- l2, moments --------

def test_l2_loss_and_l2_normalize():
    assert nn.l2_loss(f32([1.0, 2.0, 3.0])).numpy() == 7.0  # TF
    assert nn.l2_loss(constant(np.zeros((0,), np.float32))).numpy() == 0.0
    with pytest.raises(errors.InvalidArgumentError, match="int32"):
        nn.l2_loss(constant([1, 2]))
    got = nn.l2_normalize(f32([[3.0, 4.0], [0.0, 0.0]]), axis=1).numpy()
    np.testing.assert_allclose(got, [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    with pytest.raises(TypeError, match="Cannot convert 1e-12"):
        nn.l2_normalize(constant([[3, 4]]))


def test_moments_values_keepdims_and_ignored_shift():
    x = f32([[1.0, 2.0], [3.0, 5.0]])
    mean, var = nn.moments(x, axes=[0], shift=100.0)
    np.testing.assert_allclose(mean.numpy(), [2.0, 3.5])
    np.testing.assert_allclose(var.numpy(), [1.0, 2.25])
    mean, var = nn.moments(x, axes=[0, 1], keepdims=True)
    assert mean.shape == TensorShape([1, 1]) and var.shape == TensorShape([1, 1])
    np.testing.assert_allclose([mean.numpy()[0, 0], var.numpy()[0, 0]], [2.75, 2.1875])


def test_moments_float16_is_computed_in_float32():
    mean, var = nn.moments(constant(np.float16([[1.0, 2.0], [3.0, 5.0]])), axes=[0])
    assert mean.dtype == var.dtype == dtypes.float16
    np.testing.assert_array_equal(var.numpy(), np.float16([1.0, 2.25]))


def test_moments_of_integers_stay_integers():
    mean, var = nn.moments(constant([[1, 2], [3, 5]]), axes=[0])
    assert mean.dtype == dtypes.int32
    np.testing.assert_array_equal(mean.numpy(), [2, 3])  # TF
    np.testing.assert_array_equal(var.numpy(), [1, 2])  # TF


# ---------------------------------------------------------------- dropout ------------

@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5])
def test_dropout_rate_out_of_range(rate):
    with pytest.raises(ValueError, match=r"`rate` must be a scalar tensor or a float in the "
                                         rf"range \[0, 1\). Received: rate={rate}"):
        nn.dropout(f32([1.0, 2.0]), rate)


def test_dropout_rejects_integers_and_strings():
    with pytest.raises(ValueError, match="`x.dtype` must be a floating point tensor"):
        nn.dropout(constant([1, 2]), 0.5)
    with pytest.raises(ValueError, match="`rate` must be a scalar or scalar tensor"):
        nn.dropout(f32([1.0]), "a")


def test_dropout_rate_zero_returns_the_input_itself():
    x = f32([1.0, 2.0])
    assert nn.dropout(x, 0.0) is x


def test_dropout_keeps_one_minus_rate_and_scales():
    x = constant(np.ones((200, 500), np.float32))
    y = nn.dropout(x, 0.25, seed=3).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert abs(np.mean(y != 0) - 0.75) < 0.01
    assert y.dtype == np.float32


def test_dropout_is_reproducible_with_seeds():
    random.set_seed(7)
    a = nn.dropout(tf_ones([50]), 0.5, seed=1).numpy()
    random.set_seed(7)
    b = nn.dropout(tf_ones([50]), 0.5, seed=1).numpy()
    random.set_seed(None)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("noise_shape", [[30, 1], [None, 1]])
def test_dropout_noise_shape_drops_whole_rows(noise_shape):
    y = nn.dropout(tf_ones([30, 4]), 0.5, noise_shape=noise_shape, seed=2).numpy()
    assert np.all((y == 0).all(axis=1) | (y == 2).all(axis=1))
    assert 0 < np.sum(y[:, 0] == 0) < 30


def test_dropout_tensor_rate_and_gradient():
    x = constant(np.ones((100,), np.float32))
    with GradientTape() as tape:
        tape.watch(x)
        y = nn.dropout(x, constant(np.float32(0.5)), seed=5)
    g = tape.gradient(y, x).numpy()
    np.testing.assert_array_equal(g, y.numpy())  # mask * 1 / (1 - rate), and x is ones
    assert set(np.unique(g)) <= {0.0, 2.0}
