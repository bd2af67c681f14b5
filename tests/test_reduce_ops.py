"""Reductions and scans: errors (class and TensorFlow's message), edge cases, gradients
against TensorFlow's numbers, static inference with unknown shapes, and the
dynamic-shape gradient path graph mode takes."""

import numpy as np
import pytest

import eager  # noqa: F401  (installs the eager executor)
from eager.tape import GradientTape
from engine import dtypes, errors
from engine.backprop import unbroadcast
from engine.ops import math as m
from engine.ops import reduce as r
from engine.ops.core import constant
from tests.fakes import FakeOp, Sym
from engine.shapes import TensorShape

X = np.arange(6, dtype=np.float32).reshape(2, 3)


def _grad(fn, value):
    x = constant(np.asarray(value))
    with GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x).numpy()


# ---------------------------------------------------------------- values, dtypes ------

def test_axis_forms_int_list_negative_tensor_empty():
    x = constant(X)
    np.testing.assert_array_equal(r.reduce_sum(x, 1).numpy(), [3, 12])
    np.testing.assert_array_equal(r.reduce_sum(x, [-1, 0]).numpy(), 15)
    np.testing.assert_array_equal(r.reduce_sum(x, (0,)).numpy(), [3, 5, 7])
    np.testing.assert_array_equal(r.reduce_sum(x, constant(np.int64(1))).numpy(), [3, 12])
    np.testing.assert_array_equal(r.reduce_sum(x, [[0, 1]]).numpy(), 15)  # as TensorFlow
    same = r.reduce_sum(x, [])
    assert same.shape == TensorShape([2, 3])
    np.testing.assert_array_equal(same.numpy(), X)
    assert r.reduce_sum(x, None, keepdims=True).shape == TensorShape([1, 1])


def test_dtypes_are_kept_where_numpy_would_widen():
    ints = constant(np.array([[1, 2], [3, 4]], np.int32))
    assert r.reduce_sum(ints).dtype is dtypes.int32
    assert r.reduce_prod(ints, 0).dtype is dtypes.int32
    assert r.reduce_sum(constant(np.array([200, 100], np.uint8))).numpy() == 44  # wraps
    assert r.reduce_sum(constant(np.array([100, 100], np.int8))).numpy() == -56
    assert r.reduce_mean(constant(X.astype(np.float16))).dtype is dtypes.float16
    assert r.cumsum(constant(np.array([100, 100], np.int8))).numpy().tolist() == [100, -56]


def test_integer_mean_truncates_toward_zero_and_accumulates_wide():
    def mean(values, dtype):
        return r.reduce_mean(constant(np.array(values, dtype))).numpy()
    assert mean([-1, -2], np.int32) == -1      # -1.5 -> -1, not floor's -2
    assert mean([-7, 0, 0], np.int32) == -2
    assert mean([100, 100], np.int8) == 100    # no int8 overflow in the sum
    assert mean([250, 250], np.uint8) == 250
    assert mean([2 ** 30] * 3, np.int32) == 2 ** 30
    assert mean([], np.int32) == 0


def test_empty_reductions_give_tensorflows_identities():
    empty = constant(np.zeros((0, 3), np.float32))
    np.testing.assert_array_equal(r.reduce_sum(empty, 0).numpy(), [0, 0, 0])
    np.testing.assert_array_equal(r.reduce_prod(empty, 0).numpy(), [1, 1, 1])
    np.testing.assert_array_equal(r.reduce_max(empty, 0).numpy(), [-np.inf] * 3)
    np.testing.assert_array_equal(r.reduce_min(empty, 0).numpy(), [np.inf] * 3)
    assert np.isnan(r.reduce_mean(empty).numpy())
    assert r.reduce_max(constant(np.zeros(0, np.int32))).numpy() == -2 ** 31
    assert r.reduce_min(constant(np.zeros(0, np.uint8))).numpy() == 255
    assert r.reduce_any(constant(np.zeros(0, bool))).numpy() is np.False_
    assert r.reduce_all(constant(np.zeros(0, bool))).numpy() is np.True_
    assert r.reduce_logsumexp(constant(np.zeros(0, np.float32))).numpy() == -np.inf


def test_nan_propagates_in_max_but_argmax_skips_it_as_tensorflow():
    for values, top, bottom in [([np.nan, 1, 2], 2, 1), ([1, np.nan, 2], 2, 0),
                                ([np.nan, np.nan], 0, 0), ([2, np.nan, 1], 0, 2)]:
        x = constant(np.array(values, np.float32))
        assert np.isnan(r.reduce_max(x).numpy()) and np.isnan(r.reduce_min(x).numpy())
        assert r.argmax(x).numpy() == top and r.argmin(x).numpy() == bottom


def test_argmax_axis_default_ties_and_output_type():
    x = constant(np.array([[1, 3, 3], [5, 0, 5]], np.int32))
    assert r.argmax(x).numpy().tolist() == [1, 0, 1]           # axis None means 0
    assert r.argmax(x, 1).numpy().tolist() == [1, 0]           # first of the ties
    out = r.argmin(x, -1, output_type=dtypes.int32)
    assert out.dtype is dtypes.int32 and out.numpy().tolist() == [0, 1]
    assert r.argmax(constant([False, True])).numpy() == 1


def test_logsumexp_is_stable_and_handles_infinities():
    assert r.reduce_logsumexp(constant([1000.0, 1000.0])).numpy() == pytest.approx(
        1000 + np.log(2))
    out = r.reduce_logsumexp(constant([[-np.inf, -np.inf], [np.inf, 1.0]]), 1).numpy()
    assert out.tolist() == [-np.inf, np.inf]
    kept = r.reduce_logsumexp(constant([[1.0, 2.0], [3.0, 4.0]]), 1, keepdims=True)
    np.testing.assert_allclose(kept.numpy(), [[2.3132617], [4.3132615]], rtol=1e-6)


def test_count_nonzero_variants():
    x = constant(np.array([[0, 1], [2, 0]], np.int32))
    assert r.count_nonzero(x, 1).numpy().tolist() == [1, 1]
    assert r.count_nonzero(x).dtype is dtypes.int64
    out = r.count_nonzero(constant([0.0, 1.5]), dtype=dtypes.float32, keepdims=True)
    assert out.dtype is dtypes.float32 and out.numpy().tolist() == [1.0]
    assert r.count_nonzero(constant([True, False, True])).numpy() == 2
    assert r.count_nonzero(constant(["", "a", "bc"])).numpy() == 2


def test_scans_exclusive_reverse():
    x = constant(X)
    np.testing.assert_array_equal(r.cumsum(x, 1, exclusive=True, reverse=True).numpy(),
                                  [[3, 2, 0], [9, 5, 0]])
    np.testing.assert_array_equal(r.cumprod(constant([1, 2, 3]), exclusive=True).numpy(),
                                  [1, 1, 2])
    assert r.cumsum(constant(np.zeros((0, 2), np.float32)), 0, True).shape == (0, 2)


def test_euclidean_norm_integer_truncates():
    assert r.reduce_euclidean_norm(constant([3, 4, 1])).numpy() == 5
    np.testing.assert_allclose(r.reduce_euclidean_norm(constant(X), 1).numpy(),
                               np.linalg.norm(X, axis=1), rtol=1e-6)


# ---------------------------------------------------------------- errors ---------------

@pytest.mark.parametrize("fn, message", [
    (lambda: r.reduce_sum(constant(X), 2),
     "Invalid reduction dimension (2 for input with 2 dimension(s) [Op:Sum]"),
    (lambda: r.reduce_max(constant(X), -3),
     "Invalid reduction dimension (-3 for input with 2 dimension(s) [Op:Max]"),
    (lambda: r.reduce_sum(constant(3.0), 0),
     "Invalid reduction dimension (0 for input with 0 dimension(s) [Op:Sum]"),
    (lambda: r.reduce_sum(constant(X), [0, -2]),
     "Invalid reduction arguments: Axes contains duplicate dimension: 0 [Op:Sum]"),
    (lambda: r.reduce_sum(constant([True, False])),
     "Value for attr 'T' of bool is not in the list of allowed values: float, double"),
    (lambda: r.reduce_max(constant([1 + 2j])),
     "Value for attr 'T' of complex128 is not in the list of allowed values"),
    (lambda: r.reduce_any(constant([1.0])),
     ("cannot compute Any as input #0(zero-based) was expected to be a bool tensor but is "
      "a float tensor [Op:Any]")),
    (lambda: r.reduce_sum(constant(X), constant(np.uint8(0))),
     "Value for attr 'Tidx' of uint8 is not in the list of allowed values: int32, int64"),
    (lambda: r.argmax(constant(X), 2),
     "Expected dimension in the range [-2, 2), but got 2 [Op:ArgMax]"),
    (lambda: r.argmax(constant(np.zeros((2, 0), np.float32)), 1),
     "Reduction axis 1 is empty in shape [2,0] [Op:ArgMax]"),
    (lambda: r.argmax(constant([1.0]), output_type=dtypes.uint8),
     "Value for attr 'output_type' of uint8 is not in the list of allowed values"),
    (lambda: r.cumsum(constant(X), 2),
     "ScanOp: Expected scan axis in the range [-2, 2), but got 2 [Op:Cumsum]"),
    (lambda: r.cumsum(constant(X), constant([1])),
     "ScanOp: axis must be a scalar, not [1] [Op:Cumsum]"),
    (lambda: r.cumsum(constant([True])), "Value for attr 'T' of bool is not in the list"),
    (lambda: r.reduce_logsumexp(constant([1, 2])), "IsFinite"),
])
def test_eager_errors_are_invalid_argument_with_tensorflows_words(fn, message):
    with pytest.raises(errors.InvalidArgumentError) as info:
        fn()
    assert message in str(info.value)


def test_python_level_type_errors():
    with pytest.raises(TypeError, match=r"Cannot convert 0.0 to EagerTensor of dtype int32"):
        r.reduce_sum(constant(X), 0.0)
    with pytest.raises(TypeError, match=r"Cannot convert 0.5 to EagerTensor of dtype int32"):
        r.cumsum(constant(X), 0.5)
    with pytest.raises(TypeError, match="axis must be int or Tensor with integer datatype"):
        r.argmax(constant(X), [1])
    with pytest.raises(TypeError, match=r"Received integer type <dtype: 'int32'>\."):
        r.reduce_std(constant([1, 2]))
    with pytest.raises(TypeError, match="Input must be either real or complex"):
        r.reduce_variance(constant(np.array([1, 2], np.int64)))


# ---------------------------------------------------------------- static inference ----


def _infer(opdef, x_shape, axes, keep=False, dtype=dtypes.float32, axes_shape=None):
    axes_t = Sym(dtypes.int32, axes_shape if axes is None else np.shape(axes),
                  None if axes is None else np.asarray(axes, np.int32))
    return opdef.infer([Sym(dtype, x_shape), axes_t], {"keep_dims": keep})[0]


def test_infer_shapes_with_unknown_dims_ranks_and_axes():
    assert _infer(r.SUM, [None, 3, 4], [0, 2])[1].as_list() == [3]
    assert _infer(r.SUM, [None, 3, 4], [-1], keep=True)[1].as_list() == [None, 3, 1]
    assert _infer(r.MAX, [2, 3], [])[1].as_list() == [2, 3]
    assert _infer(r.MEAN, [2, 3], None, axes_shape=[None])[1].rank is None
    assert _infer(r.MEAN, [2, 3], None, keep=True, axes_shape=[None])[1].as_list() == [
        None, None]
    assert _infer(r.PROD, None, [1])[1].rank is None
    assert _infer(r.ANY, [4], [0], dtype=dtypes.bool) == (dtypes.bool, TensorShape([]))


def test_infer_errors_are_value_and_type_errors_in_graph_words():
    with pytest.raises(ValueError, match=r"Invalid reduction dimension 2 for input with 2 "
                       r"dimensions\. for 'Sum' with input shapes: \[2,3\], \[\]"):
        _infer(r.SUM, [2, 3], 2)
    with pytest.raises(TypeError, match="Value passed to parameter 'input' has DataType "
                       "bool not in list of allowed values: float32, float64"):
        _infer(r.SUM, [2], [0], dtype=dtypes.bool)
    with pytest.raises(TypeError, match="Input 'input' of 'Any' Op has type float32 that "
                       "does not match expected type of bool"):
        _infer(r.ANY, [2], [0])
    dim = Sym(dtypes.int32, [], np.int32(2))
    with pytest.raises(ValueError, match=r"Dimension \(2\) must be in the range \[-2, 2\)"):
        r.ARGMAX.infer([Sym(dtypes.float32, [2, 3]), dim], {"output_type": dtypes.int64})
    unknown = Sym(dtypes.int32, [], None)
    out = r.ARGMIN.infer([Sym(dtypes.float32, [2, None, 3]), unknown],
                         {"output_type": dtypes.int32})[0]
    assert out == (dtypes.int32, TensorShape([None, None]))


# ---------------------------------------------------------------- gradients ------------

def test_max_min_share_the_gradient_among_ties_as_tensorflow():
    np.testing.assert_allclose(_grad(lambda x: r.reduce_max(x, 1), [[1.0, 3, 3], [2, 2, 2]]),
                               [[0, 0.5, 0.5], [1 / 3] * 3])
    np.testing.assert_allclose(_grad(r.reduce_min, [[1.0, 3, 1], [2, 1, 2]]),
                               [[1 / 3, 0, 1 / 3], [0, 1 / 3, 0]])


def test_prod_gradient_is_exact_with_zeros():
    np.testing.assert_allclose(
        _grad(lambda x: r.reduce_prod(x, 1), [[1.5, 0, -2], [0.5, 2, 3]]),
        [[0, -3, 0], [6, 1.5, 1]])
    np.testing.assert_allclose(_grad(lambda x: r.reduce_prod(x, [0, 1]), [[1.5, 0], [0, 2]]),
                               [[0, 0], [0, 0]])
    np.testing.assert_allclose(_grad(lambda x: r.reduce_prod(x, [1, 0]), [[1.5, 0], [1, 2]]),
                               [[0, 3], [0, 0]])


def test_composite_gradients_match_tensorflow():
    np.testing.assert_allclose(_grad(r.reduce_logsumexp, [1000.0, 1000.0]), [0.5, 0.5])
    np.testing.assert_allclose(_grad(lambda x: r.reduce_std(x, 0), [[1.0, 2], [3, 5]]),
                               [[-0.5, -0.5], [0.5, 0.5]])
    np.testing.assert_allclose(_grad(lambda x: r.cumprod(x, exclusive=True, reverse=True),
                                     [2.0, 3, 4]), [0, 4, 4])
    np.testing.assert_allclose(_grad(lambda x: r.reduce_mean(x, [0, 2]), np.ones((2, 2, 2))),
                               np.full((2, 2, 2), 0.25))


def test_backprop_unbroadcast_sums_with_list_or_tensor_axes():
    grad = constant(np.ones((2, 3, 4)))
    out = unbroadcast(grad, constant(np.ones((3, 1))))
    np.testing.assert_array_equal(out.numpy(), np.full((3, 1), 8.0))
    axes, _ = m.broadcast_gradient_args(constant([3, 1]), constant([2, 3, 4]))
    np.testing.assert_array_equal(r.reduce_sum(grad, axes).numpy(), np.full(3, 8.0))


def test_gradients_take_the_dynamic_shape_path_when_static_shapes_are_unknown(hide):
    x_value = np.array([[[1.0, 5.0], [2.0, 5.0]], [[3.0, -1.0], [0.5, 4.0]]])
    x, axes = hide(x_value), hide(np.array([-1, 0], np.int32))
    assert x.shape.rank is None
    y = hide(r.reduce_max(constant(x_value), [-1, 0]).numpy())
    g = constant(np.array([1.0, 2.0]))
    assert r._kept_shape(x, axes).numpy().tolist() == [1, 2, 1]
    op = FakeOp([x, axes], [y], keep_dims=False)
    per_row = np.array([1.0, 2.0]).reshape(1, 2, 1)
    np.testing.assert_allclose(r._sum_grad(op, g)[0].numpy(),
                               np.broadcast_to(per_row, (2, 2, 2)))
    np.testing.assert_allclose(r._mean_grad(op, g)[0].numpy(),
                               np.broadcast_to(per_row / 4, (2, 2, 2)))
    expected = np.zeros((2, 2, 2))
    expected[0, 0, 1], expected[0, 1, 1] = 1.0, 2.0
    np.testing.assert_allclose(r._minmax_grad(op, g)[0].numpy(), expected)
    prod = FakeOp([x, axes], [hide(np.prod(x_value, (0, 2)))], keep_dims=False)
    np.testing.assert_allclose(r._prod_grad(prod, g)[0].numpy(),
                               per_row * np.prod(x_value, (0, 2), keepdims=True) / x_value)
    scalar = r._kept_shape(hide(np.float64(2.0)), hide(np.zeros(0, np.int32)))
    assert scalar.numpy().tolist() == []


def test_unknown_rank_axis_none_reduces_every_axis(hide):
    x = hide(X)
    out = r.reduce_sum(x)
    assert out.numpy() == 15.0
    assert r.reduce_max(x, keepdims=True).numpy().tolist() == [[5.0]]
