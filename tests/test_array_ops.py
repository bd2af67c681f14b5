"""Array ops: TensorFlow's error classes and messages, edge cases, gradients against
TensorFlow's numbers, static inference with unknown shapes (graph mode), and the
dynamic-shape gradient paths graph mode takes."""

import numpy as np
import pytest

import eager  # noqa: F401  (installs the eager executor)
from eager.tape import GradientTape
from engine import dtypes, errors
from engine.ops import array as A
from engine.ops.core import constant
from tests.fakes import FakeOp, Sym
from engine.shapes import TensorShape

X = np.arange(6, dtype=np.float32).reshape(2, 3)
IAE = errors.InvalidArgumentError


def _grad(fn, value, weights=None):
    x = constant(np.asarray(value))
    with GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    out = tape.gradient(y, x, output_gradients=None if weights is None else constant(weights))
    return out.numpy()


# ---------------------------------------------------------------- eager errors ---------

@pytest.mark.parametrize("call, message", [
    (lambda: A.reshape(X, [4]), ("Input to reshape is a tensor with 6 values, but the "
     "requested shape has 4 \\[Op:Reshape\\]")),
    (lambda: A.reshape(X, [4, -1]), ("Input to reshape is a tensor with 6 values, but the "
     "requested shape requires a multiple of 4")),
    (lambda: A.reshape(X, [-1, -1]), "Only one input size may be -1, not both 0 and 1"),
    (lambda: A.reshape(X, [-2, 3]), "Size 0 must be non-negative, not -2"),
    (lambda: A.reshape(X, [[3, 2]]), r"sizes input must be 1-D, not \[1,2\]"),
    (lambda: A.expand_dims(X, 3), "Tried to expand dim index 3 for tensor with 2 dimensions."),
    (lambda: A.expand_dims(X, [0, 1]), "'dim' must be a tensor with a single value"),
    (lambda: A.squeeze(X, 1), r"Can not squeeze dim\[1\], expected a dimension of 1, got 3"),
    (lambda: A.squeeze(X, 2), "Tried to squeeze dim index 2 for tensor with 2 dimensions."),
    (lambda: A.transpose(X, [0, 0]), r"1 is missing from \{0,0\}\."),
    (lambda: A.transpose(X, [0, 1, 2]), (r"transpose expects a vector of size 2. But "
     r"input\(1\) is a vector of size 3")),
    (lambda: A.transpose(X, [0, 2]), r"2 is out of range \[0 \.\. 2\)"),
    (lambda: A.invert_permutation([0, 3, 1]), "3 is not between 0 and 3"),
    (lambda: A.invert_permutation([0, 0, 1]), "0 is duplicated in the input."),
    (lambda: A.concat([X, np.zeros((3, 3), np.float32)], 1),
     (r"ConcatOp : Dimension 0 in both shapes must be equal: shape\[0\] = \[2,3\] vs\. "
     r"shape\[1\] = \[3,3\]")),
    (lambda: A.concat([X, np.zeros((2, 3, 1), np.float32)], 1),
     r"ConcatOp : Ranks of all input tensors should match"),
    (lambda: A.concat([X, X], 2), (r"Expected concatenating dimensions in the range "
     r"\[-2, 2\), but got 2")),
    (lambda: A.concat([X, constant(X.astype(np.int32))], 1),
     r"input #1\(zero-based\) was expected to be a float tensor but is a int32 tensor"),
    (lambda: A.concat([constant(1.0), constant(2.0)], 0), "Can't concatenate scalars"),
    (lambda: A.stack([constant(X), np.zeros((3, 3), np.float32)]),
     (r"Shapes of all inputs must match: values\[0\]\.shape = \[2,3\] != values\[1\]\.shape "
     r"= \[3,3\]")),
    (lambda: A.unstack(X, num=3), r"Input shape axis 0 must equal 3, got shape \[2,3\]"),
    (lambda: A.split(np.zeros((6, 3)), 4), (r"Number of ways to split should evenly divide "
     r"the split dimension, but got split_dim 0 \(size = 6\) and num_split 4")),
    (lambda: A.split(np.zeros((6, 3)), [1, 2, 2]), ("Determined shape must either match "
     "input shape along split_dim exactly if fully specified.*Got: 5")),
    (lambda: A.split(np.zeros((6, 3)), [1, -1, -1]), "There can only be one -1 in the input."),
    (lambda: A.split(np.zeros(6), [1, -2, 7]), "Split size at index 1 must be >= 0. Got: -2"),
    (lambda: A.split(np.zeros((6, 3)), 3, axis=2), (r"-input rank\(-2\) <= split_dim < input "
     r"rank \(2\), but got 2")),
    (lambda: A.split(np.zeros(6), 0), "num_split' of 0 must be at least minimum 1"),
    (lambda: A.tile(X, [1]), ("Expected multiples argument to be a vector of length 2 but "
     "got length 1")),
    (lambda: A.tile(X, [1, -1]), r"Expected multiples\[1\] >= 0, but got -1"),
    (lambda: A.pad(X, [[1, 1]]), (r"The first dimension of paddings must be the rank of "
     r"inputs\[1,2\] \[2,3\]")),
    (lambda: A.pad(X, [[-1, 1], [0, 0]]), "Paddings must be non-negative: -1 1"),
    (lambda: A.pad(X, [[2, 1], [0, 0]], "REFLECT"), ("paddings must be less than the "
     "dimension size: 2, 1 not less than 2")),
    (lambda: A.pad(X, [[3, 1], [0, 0]], "SYMMETRIC"), ("paddings must be no greater than the "
     "dimension size: 3, 1 greater than 2")),
    (lambda: A.pad(np.zeros(2, np.float32), [[1, 1]], constant_values=[1.0, 2.0]),
     r"constant_values must be a scalar. Found: \[2\]"),
    (lambda: A.reverse(X, [2]), r"'axis'\[0\] = 2 is out of valid range \[0, 1"),
    (lambda: A.reverse(X, [0, -2]), "axis 0 specified more than once."),
    (lambda: A.reverse(X, 0), "'dims' must be 1-dimension, not 0"),
    (lambda: A.broadcast_to(X, [3, 3]), r"Incompatible shapes: \[2,3\] vs\. \[3,3\]"),
    (lambda: A.broadcast_to(X, [3]), (r"Rank of input \(2\) must be no greater than rank of "
     r"output shape \(1\)\.")),
    (lambda: A.broadcast_to(X, [-1, 3]), "Dimension -1 must be >= 0"),
    (lambda: A.fill([2, -1], 3), "Dimension -1 must be >= 0"),
    (lambda: A.fill([2], constant([1, 2])), r"value must represent a scalar, got shape \[2\]"),
    (lambda: A.zeros([-1]), "Dimension -1 must be >= 0"),
    (lambda: A.range(1, 5, 0), "Requires delta != 0: 0"),
    (lambda: A.range(5, 1), "Requires start <= limit when delta > 0: 5/1"),
    (lambda: A.range(0, 10, -1), "Requires start >= limit when delta < 0: 0/10"),
    (lambda: A.linspace(0.0, 1.0, -1), "Requires start <= limit when delta > 0: 1/-1"),
    (lambda: A.one_hot([0, 1], 3, axis=3), (r"Expected axis to be -1 or between \[0, 2\).  "
     r"But received: 3")),
    (lambda: A.one_hot([1, 2], -1), "depth must be non-negative, got: -1"),
    (lambda: A.one_hot([1], 3, on_value=[1.0, 2.0]), (r"on_value must be a scalar, but "
     r"got: \[2\]")),
])
def test_bad_values_raise_invalid_argument_with_tensorflows_message(call, message):
    with pytest.raises(IAE, match=message):
        call()


def test_bad_dtypes_of_integer_parameters_are_invalid_argument_eagerly():
    with pytest.raises(IAE, match="Value for attr 'Tshape' of float is not in the list of "
                       "allowed values: int32, int64"):
        A.reshape(X, [2, 3.0])
    with pytest.raises(IAE, match="Value for attr 'Tidx' of float"):
        A.reverse(X, [1.0])
    with pytest.raises(IAE, match="Value for attr 'TI' of float32 is not in the list"):
        A.one_hot([0.0, 1.0], 3)
    with pytest.raises(IAE, match="Value for attr 'out_type' of float32 is not in the list"):
        A.shape(X, out_type=dtypes.float32)


def test_python_level_errors_are_value_and_type_errors_as_in_tensorflow():
    with pytest.raises(ValueError, match=r"Argument `axis` = 3 not in range \[-3, 3\)"):
        A.stack([X, X], axis=3)
    with pytest.raises(ValueError, match=r"Argument `axis` = 2 not in range \[-2, 2\)"):
        A.unstack(X, axis=2)
    with pytest.raises(ValueError, match=r"Argument `axis` = 0 not in range \[0, 0\)"):
        A.unstack(constant(1.0))
    with pytest.raises(ValueError, match="Rank-0 tensors are not supported as the "
                       "num_or_size_splits argument"):
        A.split(X, constant(3))
    with pytest.raises(ValueError, match='expected to be one of "CONSTANT", "REFLECT", or '
                       '"SYMMETRIC". Received `mode` = FOO'):
        A.pad(X, [[1, 1], [0, 0]], "foo")
    with pytest.raises(ValueError, match="must be either 'xy' or 'ij', got 'foo'"):
        A.meshgrid([1, 2], indexing="foo")
    with pytest.raises(TypeError, match=r"dtype <dtype: 'float32'> of on_value does not "
                       r"match dtype parameter <dtype: 'int32'>"):
        A.one_hot([0, 1], 3, on_value=1.0, dtype=dtypes.int32)
    with pytest.raises(TypeError, match="of on_value does not match dtype <dtype: "
                       "'float32'> of off_value"):
        A.one_hot([0, 1], 3, on_value=1, off_value=0.0)
    with pytest.raises(TypeError, match=r"\(name: num\) must be of type integer"):
        A.linspace(0.0, 1.0, 3.0)
    with pytest.raises(ValueError, match="partially known TensorShape"):
        A.reshape(X, TensorShape([3, None]))
    with pytest.raises(IAE, match="cannot compute PadV2 as input #2"):
        A.pad(constant([1.0, 2.0]), [[1, 1]], constant_values=constant(9))


# ---------------------------------------------------------------- values, edge cases ---

def test_reshape_minus_one_with_zero_sized_dims_follows_tensorflow():
    assert A.reshape(np.zeros((0, 3), np.float32), [-1, 0]).shape == TensorShape([3, 0])
    assert A.reshape(np.zeros(0, np.float32), [-1, 0]).shape == TensorShape([1, 0])
    assert A.reshape(np.zeros((0, 2), np.float32), [0, -1]).shape == TensorShape([0, 2])
    assert A.reshape(X, TensorShape([3, 2])).shape == TensorShape([3, 2])
    assert A.reshape(3.0, [1, 1]).numpy().tolist() == [[3.0]]
    assert A.reshape(X, np.array([6], np.int64)).shape == TensorShape([6])


def test_shape_arguments_accept_mixed_tensors_and_tensor_shapes():
    out = A.zeros([2, A.size(constant(X))])
    assert out.shape == TensorShape([2, 6])
    assert A.ones(TensorShape([2, 1]), dtypes.int64).numpy().tolist() == [[1], [1]]
    assert A.zeros([2], dtypes.string).numpy().tolist() == [b"", b""]
    assert A.zeros([2], dtypes.bool).numpy().tolist() == [False, False]
    assert A.broadcast_to(3, [2]).numpy().tolist() == [3, 3]


def test_dtypes_follow_tensorflow_not_numpy():
    assert A.range(5).dtype is dtypes.int32
    assert A.range(5.0).dtype is dtypes.float32
    assert A.range(np.int64(3)).dtype is dtypes.int64
    assert A.range(1, 2.5).numpy().tolist() == [1.0, 2.0]
    assert A.range(3, 10, 2, dtype=dtypes.float64).numpy().tolist() == [3, 5, 7, 9]
    assert A.linspace(0, 10, 5).dtype is dtypes.float64
    assert A.linspace(constant(np.float64(0)), 1, 3).dtype is dtypes.float64
    assert A.one_hot([1], 2, on_value=True, off_value=False).dtype is dtypes.bool
    assert A.one_hot([1], 2, dtype=dtypes.int64).numpy().tolist() == [[0, 1]]
    assert A.size(X, out_type=dtypes.int64).dtype is dtypes.int64
    assert A.shape(X, out_type="int64").numpy().dtype == np.int64
    assert A.eye(2, dtype=dtypes.bool).numpy().tolist() == [[True, False], [False, True]]
    assert A.zeros_like([[1.0, 2.0]]).dtype is dtypes.float32
    assert A.ones_like(constant([True])).numpy().tolist() == [True]
    assert A.concat([constant([1.0, 2.0]), [3]], 0).numpy().tolist() == [1.0, 2.0, 3.0]
    assert A.stack([constant(1.0), 2]).dtype is dtypes.float32
    assert A.pad(constant([1.0, 2.0]), [[1, 1]], constant_values=9).numpy().tolist() == [
        9, 1, 2, 9]


def test_range_and_linspace_values_are_tensorflows_float32_numbers():
    # TensorFlow computes start + i * delta in float32: the last value is 0.90000004.
    r = A.range(0.3, 70.1, 0.37).numpy()
    assert r.shape == (189,)
    np.testing.assert_array_equal(r, np.float32(0.3) + np.arange(189, dtype=np.float32)
                                  * np.float32(0.37))
    assert A.range(0, 1, 0.1).numpy()[-1] == np.float32(0.90000004)
    assert A.linspace(0.0, 1.0, 7).numpy().tolist() == [
        0.0, 0.1666666716337204, 0.3333333432674408, 0.5, 0.6666666865348816,
        0.8333333730697632, 1.0]
    assert A.linspace([[0.0, 1.0]], [[2.0], [3.0], [4.0]], 3, axis=1).shape == TensorShape(
        [3, 3, 2])


def test_split_unstack_stack_edge_cases():
    assert A.unstack(np.zeros((0, 2), np.float32)) == []
    assert [t.shape for t in A.split(np.zeros((0, 3)), 2)] == [TensorShape([0, 3])] * 2
    assert A.split(np.zeros((6, 3)), [2, -1], num=2)[1].shape == TensorShape([4, 3])
    assert A.stack([]).shape == TensorShape([0])
    assert A.stack(constant([[1, 2]])).numpy().tolist() == [[1, 2]]
    assert A.concat(constant([[1, 2], [3, 4]]), 0).numpy().tolist() == [[1, 2], [3, 4]]
    assert A.squeeze(np.zeros((2, 1)), [1, 1]).shape == TensorShape([2])
    assert A.tile(np.zeros((2, 0)), [0, 2]).shape == TensorShape([0, 0])
    assert A.transpose(np.zeros((2, 3)), constant(np.array([1, 0], np.int64))).shape == (
        TensorShape([3, 2]))


def test_eye_meshgrid_one_hot_match_tensorflow():
    np.testing.assert_array_equal(A.eye(2, 3, batch_shape=[2, 1]).numpy(),
                                  np.broadcast_to(np.eye(2, 3), (2, 1, 2, 3)))
    np.testing.assert_array_equal(A.eye(2, batch_shape=constant([3])).numpy(),
                                  np.broadcast_to(np.eye(2), (3, 2, 2)))
    assert A.eye(constant(2)).numpy().tolist() == [[1, 0], [0, 1]]
    a, b = A.meshgrid([1, 2, 3], [4, 5])
    assert a.numpy().tolist() == [[1, 2, 3], [1, 2, 3]]
    assert b.numpy().tolist() == [[4, 4, 4], [5, 5, 5]]
    assert A.meshgrid(constant([[1.0, 2.0]]), constant([1.0, 2.0, 3.0]))[0].shape == (
        TensorShape([3, 2]))
    assert A.meshgrid() == []
    assert A.one_hot(2, 3).numpy().tolist() == [0, 0, 1]
    assert A.one_hot([[1, -1]], 3, axis=1).shape == TensorShape([1, 3, 2])
    np.testing.assert_array_equal(A.one_hot([0, 3, -1, 1], 3, on_value=5, off_value=-1),
                                  [[5, -1, -1], [-1, -1, -1], [-1, -1, -1], [-1, 5, -1]])


def test_identity_n_keeps_each_dtype():
    a, b = A.identity_n([constant(1), 2.0])
    assert (a.dtype, b.dtype) == (dtypes.int32, dtypes.float32)


# ---------------------------------------------------------------- gradients ------------

def test_gradients_match_tensorflows_numbers():
    np.testing.assert_array_equal(
        _grad(lambda x: A.pad(x, [[1, 1], [2, 2]], "REFLECT"), X.astype(np.float64)),
        [[4, 6, 4], [4, 6, 4]])
    np.testing.assert_array_equal(
        _grad(lambda x: A.pad(x, [[2, 3]], "SYMMETRIC"), np.ones(3)), [3, 3, 2])
    np.testing.assert_array_equal(_grad(lambda x: A.tile(x, [2, 3]), X), np.full((2, 3), 6))
    np.testing.assert_array_equal(_grad(lambda x: A.broadcast_to(x, [4, 2, 3]), X[:1]),
                                  np.full((1, 3), 8))
    np.testing.assert_array_equal(_grad(lambda x: A.fill([2, 3], x), 1.0), 6.0)
    w = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_array_equal(_grad(lambda x: A.concat([x, x], 0), X, w), w[:2] + w[2:])
    assert _grad(lambda x: A.zeros_like(x) + x, X).tolist() == np.ones((2, 3)).tolist()


def test_unused_outputs_of_split_and_unstack_get_zero_gradients():
    x = constant(X)
    with GradientTape() as tape:
        tape.watch(x)
        first = A.unstack(x, axis=1)[0]
        middle = A.split(x, [1, 1, 1], axis=1)[1]
    g = tape.gradient([first, middle], x).numpy()
    np.testing.assert_array_equal(g, [[1, 1, 0], [1, 1, 0]])


def test_conjugate_transpose_gradient_is_the_conjugate_transpose():
    x = constant(np.array([[1 + 2j, 3 - 1j]], np.complex64))
    w = np.array([[1j], [2 + 1j]], np.complex64)
    with GradientTape() as tape:
        tape.watch(x)
        y = A.transpose(x, conjugate=True)
    np.testing.assert_array_equal(tape.gradient(y, x, output_gradients=constant(w)).numpy(),
                                  np.conj(w.T))
    assert A.transpose(x).numpy().tolist() == [[1 + 2j], [3 - 1j]]


# ---------------------------------------------------------------- static inference ----


def _f(shape):
    return Sym(dtypes.float32, shape)


def _i(value=None, shape=None, dtype=dtypes.int32):
    if value is not None:
        value = np.asarray(value, dtype._np)
        shape = value.shape
    return Sym(dtype, shape, value)


def _shape(opdef, inputs, attrs=None, index=0):
    return opdef.infer(inputs, attrs or {})[index][1].as_list()


def test_infer_handles_unknown_dims_ranks_and_values():
    reshape = _opdefs()["Reshape"]
    assert _shape(reshape, [_f([None, 3]), _i([-1, 2])]) == [None, 2]
    assert _shape(reshape, [_f([2, 3]), _i([3, -1])]) == [3, 2]
    assert _shape(reshape, [_f([2, 3]), _i(shape=[3])]) == [None, None, None]
    assert _shape(reshape, [_f([2, 3]), _i(shape=[1])]) == [6]
    assert reshape.infer([_f([2, 3]), _i(shape=[None])], {})[0][1].rank is None
    ops = _opdefs()
    assert _shape(ops["ExpandDims"], [_f([None, 3]), _i(-1)]) == [None, 3, 1]
    assert _shape(ops["ExpandDims"], [_f([None, 3]), _i(shape=[])]) == [None, None, None]
    assert ops["Squeeze"].infer([_f([None, 1])], {"squeeze_dims": []})[0][1].rank is None
    assert _shape(ops["Squeeze"], [_f([None, 1])], {"squeeze_dims": [1]}) == [None]
    assert _shape(ops["Transpose"], [_f([2, None, 4]), _i([2, 0, 1])]) == [4, 2, None]
    assert _shape(ops["Transpose"], [_f(None), _i(shape=[3])]) == [None] * 3
    assert _shape(ops["ConcatV2"], [_f([None, 3]), _f([2, 3]), _i(0)]) == [None, 3]
    assert _shape(ops["ConcatV2"], [_f([1, 3]), _f([2, 3]), _i(0)]) == [3, 3]
    assert _shape(ops["ConcatV2"], [_f([None, 3]), _f([2, 3]), _i(shape=[])]) == [None] * 2
    assert _shape(ops["Pack"], [_f([None, 3]), _f([2, None])], {"axis": 1}) == [2, 2, 3]
    assert _shape(ops["Unpack"], [_f([2, None])], {"num": 2, "axis": 0}, 1) == [None]
    assert _shape(ops["Split"], [_i(1), _f([None, 6])], {"num_split": 3}) == [None, 2]
    assert _shape(ops["SplitV"], [_f([4, None]), _i([1, -1]), _i(0)],
                  {"num_split": 2}, 1) == [3, None]
    assert _shape(ops["SplitV"], [_f([None, 2]), _i([1, -1]), _i(0)],
                  {"num_split": 2}, 1) == [None, 2]
    assert _shape(ops["Tile"], [_f([None, 3]), _i([2, 2])]) == [None, 6]
    assert _shape(ops["Tile"], [_f([2, 3]), _i(shape=[2])]) == [None, None]
    assert _shape(ops["Pad"], [_f([None, 3]), _i([[1, 1], [2, 0]])]) == [None, 5]
    assert _shape(ops["MirrorPadGrad"], [_f([4, 5]), _i([[1, 1], [2, 0]])],
                  {"mode": "REFLECT"}) == [2, 3]
    assert _shape(ops["Pad"], [_f(None), _i(shape=[3, 2])]) == [None] * 3
    assert _shape(ops["BroadcastTo"], [_f([3, 1]), _i([2, -1, 4])]) == [2, 3, 4]
    assert _shape(ops["BroadcastTo"], [_f([3]), _i(shape=[2])]) == [None, 3]
    assert _shape(ops["Fill"], [_i(shape=[2]), _f([])]) == [None, None]
    assert _shape(ops["Range"], [_i(0), _i(shape=[]), _i(1)]) == [None]
    assert _shape(ops["OneHot"], [_i(shape=[None, 2]), _i(shape=[]), _f([]), _f([])],
                  {"axis": 1}) == [None, None, 2]
    assert _shape(ops["Shape"], [_f([None, 2])], {"out_type": dtypes.int32}) == [2]
    assert ops["Shape"].infer([_f(None)], {"out_type": dtypes.int64})[0] == (
        dtypes.int64, TensorShape([None]))


@pytest.mark.parametrize("op, inputs, attrs, error, message", [
    ("Reshape", [_f([2, 3]), _i([4])], {}, ValueError,
     (r"Cannot reshape a tensor with 6 elements to shape \[4\] \(4 elements\) for 'Reshape' "
     r"with input shapes: \[2,3\], \[1\] and with input tensors computed as partial shapes: "
     r"input\[1\] = \[4\]\.")),
    ("Reshape", [_f([2, 3]), _i([4, -1])], {}, ValueError,
     "Dimension size must be evenly divisible by 4 but is 6 for 'Reshape'"),
    ("Reshape", [_f([2, 3]), _i([2.0, 3.0], dtype=dtypes.float32)], {}, TypeError,
     "Value for attr 'Tshape' of float"),
    ("ExpandDims", [_f([2, 3]), _i(3)], {}, ValueError,
     r"dim 3 not in the interval \[-3, 2\]\. for 'ExpandDims' with input shapes: \[2,3\]"),
    ("Squeeze", [_f([2, 3])], {"squeeze_dims": [1]}, ValueError,
     r"Can not squeeze dim\[1\], expected a dimension of 1, got 3 for 'Squeeze'"),
    ("Squeeze", [_f([2, 1])], {"squeeze_dims": [2]}, ValueError,
     r"squeeze_dims\[0\] not in \[-2,2\)\."),
    ("Transpose", [_f([2, 3]), _i([0, 1, 2])], {}, ValueError,
     r"Dimension must be 2 but is 3 for 'Transpose' with input shapes: \[2,3\], \[3\]\."),
    ("ConcatV2", [_f([2, 3]), _f([3, 3]), _i(1)], {}, ValueError,
     "Dimension 0 in both shapes must be equal, but are 2 and 3"),
    ("ConcatV2", [_f([2, 3]), _f([2, 3, 1]), _i(1)], {}, ValueError,
     "Shape must be rank 2 but is rank 3 for 'ConcatV2'"),
    ("ConcatV2", [_f([2, 3]), _f([2, 3]), _i(2)], {}, ValueError,
     "Shape must be at least rank 3 but is rank 2"),
    ("ConcatV2", [_f([2]), _i(shape=[2]), _i(0)], {}, TypeError,
     "Input 1 of 'ConcatV2' Op has type int32 that does not match type float32"),
    ("Pack", [_f([2, 3]), _f([3, 3])], {"axis": 0}, ValueError,
     (r"Dimension 0 in both shapes must be equal, but are 2 and 3\. Shapes are \[2,3\] and "
     r"\[3,3\]\.\n\tFrom merging shape 0 with other shapes\. for 'Pack'")),
    ("Unpack", [_f([2, 3])], {"num": 3, "axis": 0}, ValueError,
     "Dimension must be 3 but is 2 for 'Unpack'"),
    ("Split", [_i(0), _f([6, 3])], {"num_split": 4}, ValueError,
     "Dimension size must be evenly divisible by 4 but is 6"),
    ("SplitV", [_f([6, 3]), _i([1, 2, 2]), _i(0)], {"num_split": 3}, ValueError,
     r"can't split axis of size 6 into pieces of size \[1,2,2\] for 'SplitV'"),
    ("Tile", [_f([2, 3]), _i([1])], {}, ValueError,
     "Shape must be rank 2 but is rank 1 for 'Tile'"),
    ("Pad", [_f([2, 3]), _i([[1, 1]])], {}, ValueError,
     "The first dimension of paddings must be the rank of inputs"),
    ("ReverseV2", [_f([2, 3]), _i([2])], {}, ValueError,
     r"'axis'\[0\] = 2 is out of valid range \[0, 1 for 'ReverseV2'"),
    ("BroadcastTo", [_f([2, 3]), _i([3, 3])], {}, ValueError,
     "Dimensions must be equal, but are 2 and 3 for 'BroadcastTo'"),
    ("Fill", [_i([2, -1]), _f([])], {}, ValueError, "Fill dimensions must be >= 0 for 'Fill'"),
    ("Range", [_i(1), _i(5), _i(0)], {}, ValueError, "Requires delta != 0 for 'Range'"),
    ("OneHot", [_i(shape=[2]), _i(3), _f([]), _f([])], {"axis": 3}, ValueError,
     "Expected axis to be -1 or between"),
])
def test_infer_errors_use_graph_mode_words(op, inputs, attrs, error, message):
    with pytest.raises(error, match=message):
        _opdefs()[op].infer(inputs, attrs)


def _opdefs():
    from engine.registry import OPS
    return OPS


# ---------------------------------------------------------------- dynamic gradients ----

def _grad_of(name, inputs, g, **attrs):
    opdef = _opdefs()[name]
    return opdef.grad(FakeOp(inputs, opdef=opdef, **attrs), *g)


def test_gradients_take_the_dynamic_shape_path_when_static_shapes_are_unknown(hide):
    x = hide(X)
    g6 = constant(np.arange(6, dtype=np.float32))
    assert _grad_of("Reshape", [x, hide(np.array([6], np.int32))], [g6])[0].shape == (
        TensorShape([2, 3]))
    perm = hide(np.array([1, 0], np.int32))
    gt = constant(X.T * 10)
    np.testing.assert_array_equal(_grad_of("Transpose", [x, perm], [gt])[0].numpy(), X * 10)
    y = hide(np.ones((2, 1), np.float32))
    g = constant(np.arange(8, dtype=np.float32).reshape(2, 4))
    gx, gy, gaxis = _grad_of("ConcatV2", [x, y, hide(np.int32(-1))], [g])
    np.testing.assert_array_equal(gx.numpy(), g.numpy()[:, :3])
    np.testing.assert_array_equal(gy.numpy(), g.numpy()[:, 3:])
    assert gaxis is None
    tiled = constant(np.arange(24, dtype=np.float32).reshape(4, 6))
    expected = np.arange(24).reshape(2, 2, 2, 3).sum(axis=(0, 2))
    np.testing.assert_array_equal(
        _grad_of("Tile", [x, hide(np.array([2, 2], np.int32))], [tiled])[0].numpy(), expected)
    out = A.transpose(hide(X))
    np.testing.assert_array_equal(out.numpy(), X.T)
    grids = A.meshgrid(hide(np.array([1.0, 2.0, 3.0])), hide(np.array([4.0, 5.0])))
    assert grids[0].numpy().shape == (2, 3)
    assert A.zeros_like(hide(X)).numpy().shape == (2, 3)
    assert A.ones_like(hide(X), dtype=dtypes.int32).numpy().tolist() == [[1] * 3] * 2


def test_pad_and_linspace_dynamic_paths_use_slice(hide):
    pytest.importorskip("engine.ops.indexing")
    x = hide(X)
    paddings = hide(np.array([[1, 0], [0, 2]], np.int32))
    g = constant(np.arange(15, dtype=np.float32).reshape(3, 5))
    np.testing.assert_array_equal(_grad_of("Pad", [x, paddings], [g])[0].numpy(),
                                  g.numpy()[1:, :3])
    out = A.linspace(0.0, 1.0, hide(np.int32(5)))
    np.testing.assert_allclose(out.numpy(), np.linspace(0, 1, 5), rtol=1e-6)

