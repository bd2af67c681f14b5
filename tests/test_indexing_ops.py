"""Indexing ops: TensorFlow's error classes and messages, `tensor[key]` parsing, the
strided-slice helpers shared with sliced assignment, gradients against TensorFlow's
numbers, static inference with unknown shapes, and the dynamic-shape gradient paths."""

import numpy as np
import pytest

import eager  # noqa: F401  (installs the eager executor)
from eager.tape import GradientTape
from engine import dtypes, errors
from engine.ops import indexing as ix
from engine.ops.core import constant
from engine.registry import OPS
from engine.shapes import TensorShape
from tests.fakes import FakeOp

IAE = errors.InvalidArgumentError
X = np.arange(60, dtype=np.float32).reshape(4, 3, 5)
P = np.arange(6, dtype=np.float32).reshape(3, 2)


def _x():
    return constant(X)


# ---------------------------------------------------------------- eager errors ---------

@pytest.mark.parametrize("call, message", [
    (lambda: ix.gather([1.0, 2.0, 3.0], [0, 7]), r"^indices\[1\] = 7 is not in \[0, 3\)"),
    (lambda: ix.gather([1.0, 2.0, 3.0], [0, -1]), r"indices\[1\] = -1 is not in \[0, 3\)"),
    (lambda: ix.gather([1.0, 2.0, 3.0], [[0, 1], [7, 0]]),
     r"indices\[1,0\] = 7 is not in \[0, 3\) \[Op:GatherV2\]"),
    (lambda: ix.gather([1.0, 2.0, 3.0], 7), r"^indices = 7 is not in \[0, 3\)"),
    (lambda: ix.gather(constant(1.0), [0]), "params must be at least 1 dimensional"),
    (lambda: ix.gather([1.0, 2.0, 3.0], [0], axis=1),
     "Shape must be at least rank 2 but is rank 1"),
    (lambda: ix.gather([1.0, 2.0, 3.0], [0], axis=-3),
     "Shape must be at least rank 3 but is rank 1"),
    (lambda: ix.gather([1.0, 2.0, 3.0], [0.0]),
     "Value for attr 'Tindices' of float is not in the list of allowed values"),
    (lambda: ix.gather(np.ones((2, 3, 4), np.float32), [[0], [1]], axis=1, batch_dims=2),
     r"batch_dims \(2\) must be less than or equal to axis \(1\)"),
    (lambda: ix.gather_nd(np.ones((2, 3), np.float32), [[0, 1], [2, 0]]),
     r"indices\[1\] = \[2, 0\] does not index into param shape \[2,3\]"),
    (lambda: ix.gather_nd(np.ones((2, 3), np.float32), [5, 0]),
     r"^indices = \[5, 0\] does not index into param shape \[2,3\]"),
    (lambda: ix.gather_nd(np.ones((2, 3), np.float32), [[0, 1, 0]]),
     "index innermost dimension length must be <= params rank; saw: 3 vs. 2"),
    (lambda: ix.gather_nd(np.ones((2, 3), np.float32), 1), "indices must be at least a vector"),
    (lambda: ix.scatter_nd([[5]], [1.0], [3]),
     r"indices\[0\] = \[5\] does not index into shape \[3\] \[Op:ScatterNd\]"),
    (lambda: ix.scatter_nd([[1], [2]], [1.0], [3]),
     (r"Dimensions \[0,1\) of indices\[shape=\[2,1\]\] must match dimensions \[0,1\) of "
      r"updates\[shape=\[1\]\]")),
    (lambda: ix.scatter_nd([[1]], [[1.0, 2.0, 3.0]], [3, 2]),
     (r"Dimensions \[1,2\) of input\[shape=\[3,2\]\] must match dimensions \[1,2\) of "
      r"updates\[shape=\[1,3\]\]")),
    (lambda: ix.tensor_scatter_nd_update(np.ones(3, np.float32), [[5]], [1.0]),
     r"indices\[0\] = \[5\] does not index into shape \[3\] \[Op:TensorScatterUpdate\]"),
    (lambda: ix.tensor_scatter_nd_update(np.ones(3, np.float32), [[1], [2]], [1.0]),
     (r"Outer dimensions of indices and update must match. Indices shape: \[2,1\], updates "
      r"shape:\[1\]")),
    (lambda: ix.tensor_scatter_nd_add(np.ones((3, 2), np.float32), [[1]], [[1.0, 2.0, 3.0]]),
     (r"The inner 1 dimensions of output.shape=\[3,2\] must match the inner 1 dimensions of "
      r"updates.shape=\[1,3\] \[Op:TensorScatterAdd\]")),
    (lambda: ix.tensor_scatter_nd_update(np.ones(3, np.float32), 1, 1.0),
     r"Indices shape must have rank at least one. Found:\[\]"),
    (lambda: ix.tensor_scatter_nd_update(np.ones(3, np.float32), [[1]], np.ones(1)),
     r"input #2\(zero-based\) was expected to be a float tensor but is a double tensor"),
    (lambda: ix.unsorted_segment_sum(np.ones(3, np.float32), [0, 5, 1], 3),
     r"segment_ids\[1\] = 5 is out of range \[0, 3\) \[Op:UnsortedSegmentSum\]"),
    (lambda: ix.unsorted_segment_sum(np.ones((2, 3), np.float32), [0, 1, 0], 3),
     r"data.shape = \[2,3\] does not start with segment_ids.shape = \[3\]"),
    (lambda: ix.segment_sum(np.ones(3, np.float32), [1, 0, 1]),
     r"segment ids are not increasing \[Op:SegmentSum\]"),
    (lambda: ix.segment_sum(np.ones(3, np.float32), [-1, 0, 1]),
     (r"Segment id -1 out of range \[0, 2\), possibly because 'segment_ids' input is not "
      r"sorted.")),
    (lambda: ix.segment_sum(np.ones((2, 2), np.float32), [[0, 0], [1, 1]]),
     "segment_ids should be a vector."),
    (lambda: ix.segment_sum(np.ones(3, np.float32), [0, 1]),
     "segment_ids should be the same size as dimension 0 of input."),
    (lambda: ix.slice(np.ones((3, 4), np.float32), [1, 0], [3, 2]),
     r"Expected size\[0\] in \[0, 2\], but got 3 \[Op:Slice\]"),
    (lambda: ix.slice(np.ones((3, 4), np.float32), [4, 0], [0, 2]),
     r"Expected begin\[0\] in \[0, 3\], but got 4"),
    (lambda: ix.slice(np.ones((3, 4), np.float32), [-1, 0], [1, 2]),
     r"Expected begin\[0\] in \[0, 3\], but got -1"),
    (lambda: ix.slice(np.ones((3, 4), np.float32), [0, 0], [-2, 2]),
     r"Expected size\[0\] in \[0, 3\], but got -2"),
    (lambda: ix.slice(np.ones((3, 4), np.float32), [1], [1]),
     (r"Expected begin and size arguments to be 1-D tensors of size 2, but got shapes \[1\] "
      r"and \[1\] instead.")),
    (lambda: ix.strided_slice(X, [0, 0], [1], [1, 1]),
     (r"Expected begin, end, and strides to be 1D equal size tensors, but got shapes \[2\], "
      r"\[1\], and \[2\] instead.")),
    (lambda: ix.strided_slice(X, [1], [0], [-1], shrink_axis_mask=1),
     "only stride 1 allowed on non-range indexing."),
    (lambda: _x()[5], r"^slice index 5 of dimension 0 out of bounds. \[Op:StridedSlice\]"),
    (lambda: _x()[-5], "slice index -1 of dimension 0 out of bounds."),
    (lambda: _x()[0, 3], "slice index 3 of dimension 1 out of bounds."),
    (lambda: _x()[..., 7], "slice index 7 of dimension 2 out of bounds."),
    (lambda: _x()[::0], r"strides\[0\] must be non-zero"),
    (lambda: _x()[..., 0, ...], "Multiple ellipses in slice spec not allowed"),
    (lambda: _x()[0, 0, 0, 0], "Index out of range using input dim 3; input has only 3 dims"),
    (lambda: constant(3.0)[0], "Attempting to slice scalar input."),
])
def test_eager_errors_are_tensorflows(call, message):
    with pytest.raises(IAE, match=message):
        call()


@pytest.mark.parametrize("key", [1.0, [[0, 1]], np.array([0, 1]), np.array(1.0),
                                 slice(0.5, None), constant(np.array([1], np.int32)),
                                 constant(np.uint8(1)), (True, 0), "a"])
def test_getitem_rejects_what_tensorflow_rejects(key):
    with pytest.raises(TypeError):
        _x()[key]


def test_getitem_bad_index_message():
    with pytest.raises(TypeError, match=(r"Only integers, slices \(`:`\), ellipsis \(`...`\), "
                                         r"tf.newaxis \(`None`\) and scalar tf.int32/tf.int64 "
                                         r"tensors are valid indices, got 1.0")):
        _x()[1.0]


def test_boolean_mask_errors():
    with pytest.raises(ValueError, match="mask cannot be scalar."):
        _x()[True]
    with pytest.raises(ValueError, match=r"Shapes \(3,\) and \(2,\) are incompatible"):
        ix.boolean_mask(np.ones(3, np.float32), [True, False])


# ---------------------------------------------------------------- getitem -------------

@pytest.mark.parametrize("key", [
    0, -1, np.int64(2), np.array(1), (), Ellipsis, None, slice(None), slice(None, None, -1),
    (1, 2, 3), (slice(1, -1), None, Ellipsis, 0), (Ellipsis, None, slice(None, None, -2)),
    (slice(-100, 100), slice(100, -100, -1)), (slice(2, 2),), (None, None, 1),
    (np.int32(-4), Ellipsis, None, slice(4, None, -3)), [1, 2],
])
def test_getitem_matches_numpy(key):
    expected = X[tuple(key)] if isinstance(key, list) else X[key]
    got = _x()[key]
    np.testing.assert_array_equal(got.numpy(), expected)
    assert got.dtype == dtypes.float32


def test_getitem_accepts_scalar_int_tensors_and_packs_them():
    x = _x()
    got = x[constant(np.int16(1)), constant(np.int64(-2)):, ::constant(-2)]
    np.testing.assert_array_equal(got.numpy(), X[1, -2:, ::-2])


def test_getitem_bool_key_is_boolean_mask():
    mask = np.array([True, False, True, False])
    np.testing.assert_array_equal(_x()[mask].numpy(), X[mask])
    np.testing.assert_array_equal(_x()[constant(mask)].numpy(), X[mask])


def test_parse_key_gives_tensorflows_masks():
    begin, end, strides, masks = ix.parse_key((1, slice(None, 3), Ellipsis, None,
                                              slice(2, None, -1)))
    assert (begin, end, strides) == ([1, 0, 0, 0, 2], [2, 3, 0, 0, 0], [1, 1, 1, 1, -1])
    assert masks == {"begin_mask": 0b00010, "end_mask": 0b10000, "ellipsis_mask": 0b00100,
                     "new_axis_mask": 0b01000, "shrink_axis_mask": 0b00001}
    assert ix.parse_key(slice(1, 2)) == ([1], [2], [1], dict.fromkeys(masks, 0))


@pytest.mark.parametrize("key", [
    (1, slice(None, 3), Ellipsis, None), (slice(None, None, -1), -1), (None, Ellipsis, 2),
    (slice(5, -7, -2), None, slice(1, None)), (Ellipsis,), (-4, -3, -5),
])
def test_numpy_index_round_trips_python_keys(key):
    begin, end, strides, masks = ix.parse_key(key)
    index = ix.numpy_index(X.ndim, begin, end, strides, **masks)
    ix.check_strided_slice(X.shape, begin, end, strides, **masks)
    np.testing.assert_array_equal(X[index], X[key])


def test_numpy_index_ignores_begin_mask_on_shrunk_axes_like_tensorflow():
    got = ix.strided_slice(X, [2], [0], [1], begin_mask=1, shrink_axis_mask=1)
    np.testing.assert_array_equal(got.numpy(), X[2])
    assert ix.numpy_index(3, [2], [0], [1], begin_mask=1, shrink_axis_mask=1) == (2,)


def test_check_strided_slice_is_what_the_kernel_checks():
    with pytest.raises(IAE, match="slice index 4 of dimension 0 out of bounds."):
        ix.check_strided_slice((4, 3), [4], [5], [1], shrink_axis_mask=1)
    ix.check_strided_slice((4, 3), [-4], [-3], [1], shrink_axis_mask=1)


# ---------------------------------------------------------------- forward details -------

def test_gather_ignores_batch_dims_when_axis_is_zero_like_tensorflow():
    got = ix.gather(np.ones((2, 3), np.float32), [[0], [1]], axis=0, batch_dims=1)
    assert got.shape == (2, 1, 3)


def test_gather_keeps_dtypes_and_strings():
    assert ix.gather(constant(np.array([1, 2], np.int64)), [1]).dtype == dtypes.int64
    got = ix.gather(constant(["a", "b", "c"]), [2, 0])
    assert got.dtype == dtypes.string and got.numpy().tolist() == [b"c", b"a"]


def test_tensor_scatter_update_duplicates_last_wins_and_scatter_nd_sums():
    got = ix.tensor_scatter_nd_update(np.zeros(3, np.float32), [[1], [1]], [1.0, 2.0])
    np.testing.assert_array_equal(got.numpy(), [0, 2, 0])
    got = ix.scatter_nd([[1], [1]], [1.0, 2.0], [3])
    np.testing.assert_array_equal(got.numpy(), [0, 3, 0])
    assert ix.scatter_nd(constant(np.array([[1]], np.int64)), [5], [2]).dtype == dtypes.int32


def test_unsorted_segment_sum_drops_negative_ids():
    got = ix.unsorted_segment_sum([1.0, 2.0, 3.0], [0, -1, 1], 3)
    np.testing.assert_array_equal(got.numpy(), [1, 3, 0])


def test_segment_sum_fills_missing_segments_with_zeros():
    got = ix.segment_sum(constant(np.array([1, 2, 3], np.int32)), [0, 0, 2])
    assert got.dtype == dtypes.int32 and got.numpy().tolist() == [3, 0, 3]


def test_slice_size_minus_one_reaches_the_end():
    got = ix.slice(X, [1, 1, 2], [-1, 1, -1])
    np.testing.assert_array_equal(got.numpy(), X[1:, 1:2, 2:])


def test_strided_slice_default_strides_with_tensor_begin():
    begin = constant(np.array([1, 0], np.int32))
    got = ix.strided_slice(X, begin, [3, 2])
    np.testing.assert_array_equal(got.numpy(), X[1:3, 0:2])


# ---------------------------------------------------------------- gradients -------------

def _grads(fn, *values, weights=None):
    xs = [constant(np.asarray(v)) for v in values]
    with GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        y = fn(*xs)
    w = None if weights is None else constant(np.asarray(weights, np.float32))
    return [None if g is None else g.numpy() for g in tape.gradient(y, xs, output_gradients=w)]


def test_gather_gradient_sums_duplicates_densely():
    (g,) = _grads(lambda p: ix.gather(p, [2, 0, 2]), P, weights=[[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(g, [[3, 4], [0, 0], [6, 8]])  # TensorFlow's numbers


def test_unsorted_segment_sum_gradient_zeroes_dropped_rows():
    (g,) = _grads(lambda p: ix.unsorted_segment_sum(p, [1, -1, 1], 2), P,
                  weights=[[1, 2], [3, 4]])
    np.testing.assert_array_equal(g, [[3, 4], [0, 0], [3, 4]])


def test_tensor_scatter_nd_update_gradients():
    gt, gu = _grads(lambda p, u: ix.tensor_scatter_nd_update(p, [[0, 1], [2, 0]], u),
                    P, np.array([10.0, 20.0], np.float32), weights=P)
    np.testing.assert_array_equal(gt, [[0, 0], [2, 3], [0, 5]])
    np.testing.assert_array_equal(gu, [1, 4])


def test_boolean_mask_and_reverse_strided_slice_gradients():
    (g,) = _grads(lambda p: ix.boolean_mask(p, [True, False, True]), P)
    np.testing.assert_array_equal(g, [[1, 1], [0, 0], [1, 1]])
    (g,) = _grads(lambda p: p[::-2, 1], P)
    np.testing.assert_array_equal(g, [[0, 1], [0, 0], [0, 1]])


def test_gather_nd_with_batch_dims_gradient_is_unimplemented():
    with pytest.raises(errors.UnimplementedError, match="batch_dims > 0"):
        _grads(lambda p: ix.gather_nd(p, [[0], [1]], batch_dims=1), P[:2])


# ---------------------------------------------------------------- static inference ------

def _infer(name, inputs, **attrs):
    return OPS[name].infer(inputs, attrs)


def test_infer_with_unknown_shapes_and_values(hide):
    params = hide(np.ones((3, 4), np.float32), [None, 4])
    indices = hide(np.zeros((2, 5), np.int32), [2, None])
    [(dtype, shape)] = _infer("GatherV2", [params, indices, constant(1)], batch_dims=0)
    assert dtype == dtypes.float32 and shape == TensorShape([None, 2, None])
    [(_, shape)] = _infer("GatherV2", [params, indices, hide(np.int32(1))], batch_dims=0)
    assert shape.rank is None
    masks = {"begin_mask": 0, "end_mask": 0, "ellipsis_mask": 0, "new_axis_mask": 0,
             "shrink_axis_mask": 1}
    begin = hide(np.array([0, 1], np.int32), [2])
    [(_, shape)] = _infer("StridedSlice", [params, begin, begin, begin], **masks)
    assert shape == TensorShape([None])
    assert ix.boolean_mask(np.ones((3, 2), np.float32), [True, False, True]).shape == (2, 2)
    [(_, shape)] = _infer("Slice", [params, hide(np.array([1, 0], np.int32), [2]),
                                    constant(np.array([-1, 2], np.int32))])
    assert shape == TensorShape([None, 2])
    [(_, shape)] = _infer("UnsortedSegmentSum", [params, indices, hide(np.int32(3))])
    assert shape == TensorShape([None])
    [(_, shape)] = _infer("SegmentSum", [params, hide(np.zeros(3, np.int32), [3])])
    assert shape == TensorShape([None, 4])


@pytest.mark.parametrize("name, inputs, error, message", [
    ("GatherNd", [np.ones((2, 3), np.float32), np.zeros((1, 3), np.int32)], ValueError,
     "index innermost dimension length must be <= params rank; saw: 3 vs. 2 for 'GatherNd'"),
    ("GatherV2", [np.ones(3, np.float32), np.zeros(1, np.float32), np.int32(0)], TypeError,
     "Value for attr 'Tindices' of float"),
    ("ScatterNd", [np.zeros((2, 1), np.int32), np.ones(1, np.float32), np.array([3])],
     ValueError, (r"Dimensions \[0,1\) of indices\[shape=\[2,1\]\] must match .* for "
                  "'ScatterNd'")),
    ("TensorScatterUpdate", [np.ones((3, 2), np.float32), np.zeros((1, 1), np.int32),
                             np.ones((1, 3), np.float32)], ValueError,
     "The inner 1 dimensions of output.shape=\\[3,2\\] .* for 'TensorScatterUpdate'"),
])
def test_infer_errors_use_graph_mode_words(name, inputs, error, message):
    attrs = {"batch_dims": 0} if name.startswith("Gather") else {}
    with pytest.raises(error, match=message):
        _infer(name, [constant(v) for v in inputs], **attrs)


# ---------------------------------------------------------------- dynamic gradients -----

def _grad_of(name, inputs, g, **attrs):
    opdef = OPS[name]
    return opdef.grad(FakeOp(inputs, outputs=(constant(g.numpy() * 0),), opdef=opdef, **attrs),
                      g)


def test_gradients_take_the_dynamic_shape_path(hide):
    p = hide(P)
    g = constant(np.array([[1.0, 2.0], [3.0, 4.0]], np.float32))
    gp, gi, ga = _grad_of("GatherV2", [p, hide(np.array([2, 2], np.int32)), hide(np.int32(0))],
                          g, batch_dims=0)
    np.testing.assert_array_equal(gp.numpy(), [[0, 0], [0, 0], [4, 6]])
    assert gi is None and ga is None
    gp, _, _ = _grad_of("Slice", [p, hide(np.array([1, 0], np.int32)),
                                  hide(np.array([2, -1], np.int32))], g)
    np.testing.assert_array_equal(gp.numpy(), [[0, 0], [1, 2], [3, 4]])
    masks = {"begin_mask": 0, "end_mask": 2, "ellipsis_mask": 0, "new_axis_mask": 0,
             "shrink_axis_mask": 0}
    gp = _grad_of("StridedSlice", [p, hide(np.array([1, 0], np.int32)),
                                   hide(np.array([3, 0], np.int32)),
                                   hide(np.array([1, 1], np.int32))], g, **masks)[0]
    np.testing.assert_array_equal(gp.numpy(), [[0, 0], [1, 2], [3, 4]])
    gd = _grad_of("UnsortedSegmentSum", [p, hide(np.array([1, -1, 0], np.int32)),
                                         hide(np.int32(2))], g)[0]
    np.testing.assert_array_equal(gd.numpy(), [[3, 4], [0, 0], [1, 2]])
    gp, _ = _grad_of("GatherNd", [p, hide(np.array([[0, 1], [0, 1]], np.int32))],
                     constant(np.array([1.0, 2.0], np.float32)), batch_dims=0)
    np.testing.assert_array_equal(gp.numpy(), [[0, 3], [0, 0], [0, 0]])


def test_boolean_mask_with_unknown_static_shapes(hide):
    t = hide(P, [None, 2])
    mask = hide(np.array([True, False, True]), [None])
    np.testing.assert_array_equal(ix.boolean_mask(t, mask).numpy(), P[[0, 2]])
