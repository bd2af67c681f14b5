"""Focused tests for convolution, pooling, normalization, resize and embedding ops:
TensorFlow's errors (class and message), NCHW == NHWC, an independent numpy im2col
reference at realistic sizes, graph mode and tf.function, and numbers pasted from
TensorFlow 2.21 (CPU, oneDNN off) for cases where TensorFlow's conventions decide.
"""

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import twinflow as tf
from engine import errors
from engine.ops import conv, embedding, image, norm, pool

tf1 = tf.compat.v1
InvalidArgument, Unimplemented = errors.InvalidArgumentError, errors.UnimplementedError

X = np.random.default_rng(0).standard_normal((2, 5, 7, 3)).astype(np.float32)
W = np.random.default_rng(1).standard_normal((3, 2, 3, 4)).astype(np.float32)


# ---------------------------------------------------------------- eager errors ---------

_EAGER_ERRORS = [
    ("bad padding", lambda: conv.conv2d(X, W, 1, "FOO"), InvalidArgument,
     'Value for attr \'padding\' of "FOO" is not in the list of allowed values'),
    ("lowercase padding", lambda: conv.conv2d(X, W, 1, "same"), InvalidArgument,
     "of \"same\" is not in the list"),
    ("strides length", lambda: conv.conv2d(X, W, [1, 1, 1], "SAME"), ValueError,
     "strides should be of length 1, 2 or 4. Received: strides=[1, 1, 1] of length 3"),
    ("zero stride", lambda: conv.conv2d(X, W, 0, "SAME"), InvalidArgument,
     "Row and column strides should be larger than 0."),
    ("batch stride", lambda: conv.conv2d(X, W, [2, 1, 1, 1], "SAME"), Unimplemented,
     "does not yet support strides in the batch and depth dimensions."),
    ("zero dilation", lambda: conv.conv2d(X, W, 1, "SAME", dilations=0), InvalidArgument,
     "Dilated rates should be larger than 0."),
    ("depth", lambda: conv.conv2d(X, W[:, :, :2], 1, "SAME"), InvalidArgument,
     "input depth must be evenly divisible by filter depth: 3 vs 2"),
    ("rank 3", lambda: conv.conv2d(X[0], W, 1, "SAME"), InvalidArgument,
     "convolution input must be 4-dimensional: [5,7,3]"),
    ("filter rank 3", lambda: conv.conv2d(X, W[0], 1, "SAME"), InvalidArgument,
     "convolution filter must be 4-dimensional: [2,3,4]"),
    ("int64", lambda: conv.conv2d(X.astype(np.int64), W.astype(np.int64), 1, "SAME"),
     InvalidArgument, "Value for attr 'T' of int64 is not in the list of allowed values: "
     "half, bfloat16, float, double, int32"),
    ("explicit batch", lambda: conv.conv2d(X, W, 1, [[1, 0], [1, 2], [0, 1], [0, 0]]),
     InvalidArgument, "Nonzero explicit padding in the batch or depth dimensions is not "
     "supported"),
    ("explicit negative", lambda: conv.conv2d(X, W, 1, [[0, 0], [-1, 2], [0, 1], [0, 0]]),
     InvalidArgument, "All elements of explicit_paddings must be nonnegative"),
    ("explicit size", lambda: conv.conv2d(X, W, 1, [[0, 0], [1, 1], [1, 1]]), ValueError,
     "When padding is a list, it must be of size 4. Received: padding=[[0, 0], [1, 1], "
     "[1, 1]] of size 3"),
    ("explicit pair", lambda: conv.conv2d(X, W, 1, [[0, 0], [1, 1, 1], [1, 1], [0, 0]]),
     ValueError, "each element of `padding` must be a list/tuple of size 2"),
    ("EXPLICIT string", lambda: conv.conv2d(X, W, 1, "EXPLICIT"), ValueError,
     "'EXPLICIT' is not a valid value for `padding`. To use explicit padding, `padding` "
     "must be a list."),
    ("transpose size", lambda: conv.conv2d_transpose(np.ones((2, 3, 4, 4), np.float32), W,
                                                     [2, 9, 7, 3], 2, "SAME"),
     InvalidArgument, "Conv2DCustomBackpropInput: Size of out_backprop doesn't match "
     "computed: actual = 3, computed = 5 spatial_dim: 1 input: 9 filter: 3 output: 3 "
     "stride: 2 dilation: 1"),
    ("backprop sizes", lambda: conv.conv2d_backprop_input([2, 5, 7], W, np.ones(
        (2, 5, 7, 4), np.float32), [1, 1, 1, 1], "SAME"), InvalidArgument,
     "Conv2DBackpropInput requires input_sizes to contain 4 values or 2 values, but got: 3"),
    ("backprop filter depth", lambda: conv.conv2d_backprop_filter(
        X, [3, 2, 3, 4], np.ones((2, 5, 7, 5), np.float32), [1, 1, 1, 1], "SAME"),
     InvalidArgument, "Conv2DCustomBackpropFilter: filter and out_backprop must have the same "
     "out_depth"),
    ("convolution dilated strides", lambda: conv.convolution(X, W, 2, "SAME", dilations=2),
     ValueError, "`strides > 1` not supported in conjunction with `dilation_rate > 1`"),
    ("conv3d", lambda: conv.convolution(np.ones((1, 4, 4, 4, 1), np.float32),
                                        np.ones((2, 2, 2, 1, 1), np.float32)),
     Unimplemented, "Conv3D is not implemented"),
    ("depthwise depth", lambda: conv.depthwise_conv2d(X, np.ones((3, 2, 2, 2), np.float32),
                                                      [1, 1, 1, 1], "SAME"),
     InvalidArgument, "input and filter must have the same depth: 3 vs 2"),
    ("depthwise strides int", lambda: conv.depthwise_conv2d(X, W, 1, "SAME"), TypeError,
     "Expected list for 'strides' argument to 'depthwise_conv2d_native' Op, not 1."),
    ("depthwise strides len", lambda: conv.depthwise_conv2d(X, W, [1, 1], "SAME"),
     InvalidArgument, "Sliding window strides field must specify 4 dimensions"),
    ("depthwise int", lambda: conv.depthwise_conv2d(np.ones((1, 3, 3, 2), np.int32), np.ones(
        (2, 2, 2, 1), np.int32), [1, 1, 1, 1], "SAME"), InvalidArgument,
     "Value for attr 'T' of int32 is not in the list of allowed values: half, bfloat16, "
     "float, double"),
    ("depthwise rate and stride", lambda: conv.depthwise_conv2d(X, W, [1, 2, 2, 1], "SAME",
                                                                dilations=[2, 2]),
     ValueError, "When dilation rate is greater than 1, then all values of strides must be 1"),
    ("pool ksize length", lambda: pool.max_pool2d(X, [2, 2, 2], 2, "SAME"), ValueError,
     "ksize should be of length 1, 2 or 4. Received: ksize=[2, 2, 2] of length 3"),
    ("pool 1-D ksize length", lambda: pool.max_pool(X[:, 0], [1, 2, 2, 1], 2, "SAME"),
     ValueError, "ksize should be of length 1, 1 or 3. Received: ksize=[1, 2, 2, 1] of "
     "length 4"),
    ("pool zero ksize", lambda: pool.max_pool2d(X, 0, 1, "SAME"), InvalidArgument,
     "Sliding window ksize must be positive. The specified or inferred ksize is: 1,0,0,1"),
    ("pool zero stride", lambda: pool.max_pool2d(X, 2, 0, "SAME"), InvalidArgument,
     "Stride must be > 0, but got 0"),
    ("pool batch", lambda: pool.max_pool2d(X, [2, 2, 2, 1], 2, "SAME"), Unimplemented,
     "Pooling is not yet supported on the batch dimension."),
    ("pool depth", lambda: pool.avg_pool2d(X, [1, 1, 1, 3], [1, 1, 1, 3], "VALID"),
     Unimplemented, "Non-spatial pooling is not yet supported. Volunteers? :)"),
    ("avg pool int", lambda: pool.avg_pool2d(np.ones((1, 4, 4, 1), np.int32), 2, 2, "SAME"),
     InvalidArgument, "Value for attr 'T' of int32 is not in the list of allowed values: "
     "half, bfloat16, float, double"),
    ("avg pool explicit", lambda: pool.avg_pool2d(X, 2, 2, [[0, 0], [1, 1], [0, 1], [0, 0]]),
     TypeError, "Expected string for argument 'padding' not [[0, 0], [1, 1], [0, 1], [0, 0]]"),
    ("pool rank 2", lambda: pool.max_pool(np.ones((4, 4), np.float32), 2, 2, "SAME"),
     ValueError, "`input.shape.rank` must be 3, 4 or 5. Received: input.shape=(4, 4) of "
     "rank 2."),
    ("pool rank 5", lambda: pool.max_pool(np.ones((1, 4, 4, 4, 1), np.float32), 2, 2, "SAME"),
     Unimplemented, "3-D pooling"),
    ("bn rank 3", lambda: norm.fused_batch_norm(X[0], np.ones(3, np.float32), np.zeros(
        3, np.float32)), InvalidArgument, "input must be 4-dimensional[5,7,3]"),
    ("bn scale", lambda: norm.fused_batch_norm(X, np.ones(2, np.float32), np.zeros(
        3, np.float32)), InvalidArgument, "scale must have the same number of elements as "
     "the channels of x, got 2 and 3"),
    ("bn inference mean", lambda: norm.fused_batch_norm(
        X, *[np.ones(3, np.float32)] * 2, np.ones(2, np.float32), np.ones(3, np.float32),
        is_training=False), InvalidArgument, "When is_training=false, mean must have the "
     "same number of elements as the channels of x, got 2 and 3"),
    ("bn inference without stats", lambda: norm.fused_batch_norm(
        X, np.ones(3, np.float32), np.zeros(3, np.float32), is_training=False), ValueError,
     "Both `mean` and `variance` must be a 1D tensor when `is_training` is False"),
    ("lrn rank 3", lambda: norm.lrn(X[0]), InvalidArgument, "in must be 4-dimensional"),
    ("resize rank 2", lambda: image.resize(X[0, :, :, 0], [4, 4]), ValueError,
     "'images' must have either 3 or 4 dimensions."),
    ("resize size length", lambda: image.resize(X, [6, 6, 1]), ValueError,
     "'size' must be a 1-D Tensor of 2 elements: new_height, new_width"),
    ("resize float size", lambda: image.resize(X, [3.0, 4.0]), ValueError,
     "'size' must be a 1-D int32 Tensor"),
    ("resize int64 size", lambda: image.resize(X, tf.constant([3, 4], tf.int64)), ValueError,
     "'size' must be a 1-D int32 Tensor"),
    ("resize zero size", lambda: image.resize(X, [0, 6]), InvalidArgument,
     "output dimensions must be positive"),
    ("resize method", lambda: image.resize(X, [4, 4], method="foo"), ValueError,
     "Resize method is not implemented: foo"),
    ("resize bicubic", lambda: image.resize(X, [4, 4], method="bicubic"), Unimplemented,
     "'bicubic' is not implemented in twinflow"),
    ("resize corners and centers", lambda: image.resize_bilinear(
        X, [3, 4], align_corners=True, half_pixel_centers=True), InvalidArgument,
     "If half_pixel_centers is True, align_corners must be False."),
    ("resize v1 rank 3", lambda: image.resize_bilinear(X[0], [3, 4]), InvalidArgument,
     "input must be 4-dimensional[5,7,3]"),
    ("embedding empty", lambda: embedding.embedding_lookup([], [0]), ValueError,
     "Length of params is currently 0. Need at least one param."),
    ("embedding range", lambda: embedding.embedding_lookup(W[0, 0], [7]), InvalidArgument,
     "indices[0] = 7 is not in [0, 3)"),
    ("embedding negative", lambda: embedding.embedding_lookup(W[0, 0], [-1]), InvalidArgument,
     "indices[0] = -1 is not in [0, 3)"),
    ("embedding mod range", lambda: embedding.embedding_lookup_v1(
        [W[0, 0], W[0, 1, :2]], [6]), InvalidArgument, "indices[0] = 6 is not in [0, 5)"),
]


@pytest.mark.parametrize("fn,cls,message", [c[1:] for c in _EAGER_ERRORS],
                         ids=[c[0] for c in _EAGER_ERRORS])
def test_eager_errors_match_tensorflow(fn, cls, message):
    with pytest.raises(cls) as info:
        fn()
    assert message in str(info.value)


def test_second_derivative_of_lrn_is_missing_as_in_tensorflow():
    x = tf.constant(X)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = norm.lrn(x)
        g = inner.gradient(y, x)
    with pytest.raises(LookupError, match="gradient registry has no entry for: LRNGrad"):
        outer.gradient(g, x)


# ---------------------------------------------------------------- graph-mode shapes ---

def _build(fn, *shapes, dtype=tf.float32):
    graph = tf.Graph()
    with graph.as_default():
        return fn(*[tf1.placeholder(dtype, s) for s in shapes])


@pytest.mark.parametrize("fn,shapes,message", [
    (lambda x, w: conv.conv2d(x, w, 1, "SAME"), ([2, 5, 7, 3], [3, 2, 2, 4]),
     "Depth of input (3) is not a multiple of input depth of filter (2) for 'Conv2D' with "
     "input shapes: [2,5,7,3], [3,2,2,4]."),
    (lambda x, w: conv.conv2d(x, w, 1, "VALID"), ([2, 5, 7, 3], [6, 2, 3, 4]),
     "Negative dimension size caused by subtracting 6 from 5 for 'Conv2D'"),
    (lambda x, w: conv.conv2d(x, w, 1, "SAME"), ([5, 7, 3], [3, 2, 3, 4]),
     "Shape must be rank 4 but is rank 3 for 'Conv2D' with input shapes: [5,7,3], "
     "[3,2,3,4]."),
    (lambda x, w: conv.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
     ([2, 5, 7, 3], [3, 2, 2, 4]), "Dimensions must be equal, but are 3 and 2 for "
     "'DepthwiseConv2dNative'"),
    (lambda x: pool.max_pool2d(x, 6, 1, "VALID"), ([2, 5, 7, 3],),
     "Negative dimension size caused by subtracting 6 from 5 for 'MaxPool'"),
    (lambda x: pool.max_pool2d(x, 2, 2, "SAME"), ([5, 7, 3],),
     "Shape must be rank 4 but is rank 3 for 'MaxPool'"),
    (lambda x, s, o: norm.fused_batch_norm(x, s, o), ([2, 5, 7, 3], [2], [3]),
     "Dimensions must be equal, but are 3 and 2 for 'FusedBatchNormV3'"),
    (lambda x: norm.lrn(x), ([5, 7, 3],), "Shape must be rank 4 but is rank 3 for 'LRN'"),
])
def test_graph_mode_shape_errors(fn, shapes, message):
    with pytest.raises(ValueError) as info:
        _build(fn, *shapes)
    assert message in str(info.value)


def test_graph_mode_dtype_errors():
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf.float32, [2, 5, 7, 3])
        with pytest.raises(TypeError, match="Input 'filter' of 'Conv2D' Op has type float64 "
                           "that does not match type float32 of argument 'input'."):
            conv.conv2d(x, tf1.placeholder(tf.float64, [3, 2, 3, 4]), 1, "SAME")
        with pytest.raises(TypeError, match="has DataType int32 not in list of allowed "
                           "values: float16, bfloat16, float32, float64"):
            pool.avg_pool2d(tf1.placeholder(tf.int32, [1, 4, 4, 1]), 2, 2, "SAME")


@pytest.mark.parametrize("fn,shapes,expected", [
    (lambda x, w: conv.conv2d(x, w, 2, "SAME"), ([None, None, None, 3], [3, 2, 3, 4]),
     [None, None, None, 4]),
    (lambda x, w: conv.conv2d(x, w, 2, "SAME"), ([None, 5, 8, 3], [3, 2, 3, 4]),
     [None, 3, 4, 4]),
    (lambda x, w: conv.conv2d(x, w, 2, "SAME", data_format="NCHW"), ([2, 3, 5, 7],
                                                                     [3, 2, 3, 4]),
     [2, 4, 3, 4]),
    (lambda x, w: conv.conv2d(x, w, 1, [[0, 0], [1, 2], [0, 1], [0, 0]]),
     ([2, 5, 7, 3], [3, 2, 3, 4]), [2, 6, 7, 4]),
    (lambda x, w: conv.conv2d_transpose(x, w, [2, 6, 7, 3], 2), ([2, 3, 4, 4],
                                                                [3, 2, 3, 4]),
     [2, 6, 7, 3]),
    (lambda x, w: conv.depthwise_conv2d(x, w, [1, 2, 2, 1], "VALID"), ([None, 6, 7, 3],
                                                                       [3, 2, 3, 2]),
     [None, 2, 3, 6]),
    (lambda x: pool.max_pool2d(x, 3, 2, "SAME"), ([4, 5, None, 2],), [4, 3, None, 2]),
    (lambda x: pool.avg_pool1d(x, 2, 2, "VALID"), ([4, 7, 2],), [4, 3, 2]),
    (lambda x: image.resize(x, [5, 9]), ([None, 3, 4, 2],), [None, 5, 9, 2]),
    (lambda x: image.resize(x, [6, 6], preserve_aspect_ratio=True), ([1, 3, 4, 2],),
     [1, 4, 6, 2]),
])
def test_graph_mode_static_shapes(fn, shapes, expected):
    assert _build(fn, *shapes).shape.as_list() == expected


def test_graph_gradients_of_gradients_match_eager():
    """tf.gradients of tf.gradients through Conv2D's backprop ops, run by a Session."""
    graph = tf.Graph()
    with graph.as_default():
        x, w = tf1.placeholder(tf.float64, X.shape), tf1.placeholder(tf.float64, W.shape)
        y = conv.conv2d(x, w, 2, "SAME", dilations=1)
        gx = tf.gradients(tf.reduce_sum(y * y), x)[0]
        gw = tf.gradients(tf.reduce_sum(gx * gx), w)[0]
    with tf1.Session(graph=graph) as sess:
        got = sess.run(gw, {x: X.astype(np.float64), w: W.astype(np.float64)})
    xe, we = tf.constant(X.astype(np.float64)), tf.constant(W.astype(np.float64))
    with tf.GradientTape() as outer:
        outer.watch(we)
        with tf.GradientTape() as inner:
            inner.watch(xe)
            ye = conv.conv2d(xe, we, 2, "SAME")
            loss = tf.reduce_sum(ye * ye)
        gxe = inner.gradient(loss, xe)
        loss2 = tf.reduce_sum(gxe * gxe)
    np.testing.assert_array_equal(got, outer.gradient(loss2, we).numpy())


def test_tf_function_traces_once_and_matches_eager():
    w = tf.Variable(W)

    def step(x):
        with tf.GradientTape() as tape:
            y = pool.max_pool2d(tf.nn.relu(conv.conv2d(x, w, 1, "SAME")), 2, 2, "VALID")
            loss = tf.reduce_sum(y * y)
        return loss, tape.gradient(loss, w)

    compiled = tf.function(step)
    for _ in range(2):
        got = compiled(tf.constant(X))
    want = step(tf.constant(X))
    assert compiled.experimental_get_tracing_count() == 1
    for g, e in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), e.numpy())
    assert got[1].dtype == tf.float32


# ---------------------------------------------------------------- NCHW == NHWC --------

def _nchw(a):
    return np.ascontiguousarray(np.transpose(a, (0, 3, 1, 2)))


def _value_and_grads(fn, *arrays):
    tensors = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        y = fn(*tensors)
        loss = tf.reduce_sum(y * y * y)
    return [y.numpy()] + [g.numpy() for g in tape.gradient(loss, tensors)]


@pytest.mark.parametrize("nhwc,nchw,filtered", [
    (lambda x, w: conv.conv2d(x, w, [2, 1], "SAME", dilations=[1, 2]),
     lambda x, w: conv.conv2d(x, w, [2, 1], "SAME", "NCHW", dilations=[1, 2]), True),
    (lambda x, w: conv.conv2d(x, w, 1, [[0, 0], [2, 0], [1, 1], [0, 0]]),
     lambda x, w: conv.conv2d(x, w, 1, [[0, 0], [0, 0], [2, 0], [1, 1]], "NCHW"), True),
    (lambda x, w: conv.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME"),
     lambda x, w: conv.depthwise_conv2d(x, w, [1, 1, 2, 2], "SAME", "NCHW"), True),
    (lambda x: pool.max_pool2d(x, 3, 2, "SAME"),
     lambda x: pool.max_pool2d(x, 3, 2, "SAME", "NCHW"), False),
    (lambda x: pool.avg_pool2d(x, [2, 3], [1, 2], "SAME"),
     lambda x: pool.avg_pool2d(x, [2, 3], [1, 2], "SAME", "NCHW"), False),
    (lambda x: norm.fused_batch_norm(x, [1.0, 2.0, 0.5], [0.0, 1.0, -1.0])[0],
     lambda x: norm.fused_batch_norm(x, [1.0, 2.0, 0.5], [0.0, 1.0, -1.0],
                                     data_format="NCHW")[0], False),
])
def test_nchw_equals_nhwc_transposed(nhwc, nchw, filtered):
    arrays = [X, W[:, :, :, :2] if filtered else None][:1 + filtered]
    want = _value_and_grads(nhwc, *arrays)
    got = _value_and_grads(nchw, _nchw(X), *arrays[1:])
    np.testing.assert_allclose(_nchw(want[0]), got[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_nchw(want[1]), got[1], rtol=1e-4, atol=1e-4)
    if filtered:
        np.testing.assert_allclose(want[2], got[2], rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------- im2col reference ----

def _np_conv(x, w, stride, pads, dilation=1):
    """An independent numpy conv: sliding_window_view + einsum, in float64."""
    xp = np.pad(x.astype(np.float64), ((0, 0), pads[0], pads[1], (0, 0)))
    k = ((w.shape[0] - 1) * dilation + 1, (w.shape[1] - 1) * dilation + 1)
    win = sliding_window_view(xp, k, axis=(1, 2))[:, ::stride, ::stride, :, ::dilation,
                                                  ::dilation]
    return np.einsum("nijckl,klco->nijo", win, w.astype(np.float64))


@pytest.mark.parametrize("shape,filt,stride,dilation,pads", [
    ((4, 28, 28, 8), (5, 5, 8, 16), 2, 1, ((1, 2), (1, 2))),
    ((3, 17, 23, 6), (3, 3, 6, 10), 1, 2, ((2, 2), (2, 2))),
    ((2, 31, 20, 16), (4, 2, 16, 8), 3, 1, ((1, 2), (0, 1))),
])
def test_conv2d_matches_numpy_im2col_at_realistic_sizes(shape, filt, stride, dilation, pads):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal(filt).astype(np.float32)
    got = conv.conv2d(x, w, stride, "SAME", dilations=dilation).numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, _np_conv(x, w, stride, pads, dilation), rtol=1e-4,
                               atol=1e-4)


@pytest.mark.parametrize("fn,filt", [
    (lambda x, w: conv.conv2d(x, w, 2, "SAME"), (5, 5, 8, 16)),
    (lambda x, w: conv.conv2d(x, w, 1, "VALID", dilations=[2, 3]), (3, 3, 8, 6)),
    (lambda x, w: conv.conv2d(x, w, [2, 3], [[0, 0], [3, 1], [0, 2], [0, 0]]), (3, 4, 2, 12)),
    (lambda x, w: conv.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME"), (3, 3, 8, 3)),
])
def test_gradients_are_the_exact_adjoints(fn, filt):
    """<conv(x, w), g> = <x, dx> = <w, dw> for the tape's dx, dw (conv is bilinear)."""
    rng = np.random.default_rng(6)
    x = tf.constant(rng.standard_normal((3, 20, 18, 8)))
    w = tf.constant(rng.standard_normal(filt))
    with tf.GradientTape() as tape:
        tape.watch([x, w])
        y = fn(x, w)
    g = rng.standard_normal(y.shape.as_list())
    dx, dw = tape.gradient(y, [x, w], output_gradients=tf.constant(g))
    total = np.sum(y.numpy() * g)
    assert np.sum(x.numpy() * dx.numpy()) == pytest.approx(total, rel=1e-10)
    assert np.sum(w.numpy() * dw.numpy()) == pytest.approx(total, rel=1e-10)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtypes_are_kept_forward_and_backward(dtype):
    x, w = tf.constant(X.astype(dtype)), tf.constant(W.astype(dtype))
    with tf.GradientTape() as tape:
        tape.watch([x, w])
        y = pool.avg_pool2d(pool.max_pool2d(conv.conv2d(x, w, 1, "SAME"), 2, 1, "SAME"), 2,
                            2, "VALID")
    assert y.dtype == x.dtype
    assert all(g.dtype == x.dtype for g in tape.gradient(y, [x, w]))


# ---------------------------------------------------------------- TensorFlow numbers ---
# Pasted from TensorFlow 2.21 (TF_ENABLE_ONEDNN_OPTS=0), inputs built the same way.

_XI = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
_XD = (np.arange(2 * 5 * 6 * 3, dtype=np.float32).reshape(2, 5, 6, 3) % 7 - 3) / 4
_WD = (np.arange(3 * 2 * 3 * 2, dtype=np.float32).reshape(3, 2, 3, 2) % 5 - 2) / 3


def test_same_padding_with_stride_2_pads_more_at_the_end():
    ones = np.ones((3, 3, 1, 1), np.float32)
    np.testing.assert_array_equal(conv.conv2d(_XI, ones, 2, "SAME").numpy().ravel(),
                                  [45, 39, 66, 50])
    np.testing.assert_array_equal(pool.max_pool2d(_XI, 3, 2, "SAME").numpy().ravel(),
                                  [10, 11, 14, 15])
    np.testing.assert_array_equal(pool.avg_pool2d(_XI, 3, 2, "SAME").numpy().ravel(),
                                  [5, 6.5, 11, 12.5])


def test_conv_numbers_from_tensorflow():
    y = conv.conv2d(_XD, _WD, [1, 2], [[0, 0], [1, 2], [0, 1], [0, 0]]).numpy()
    assert y.shape == (2, 6, 3, 2)
    np.testing.assert_allclose(y[0, :, :, 0], [
        [0.166667, -1.166667, -0.166667], [0.333333, -0.25, -0.25],
        [0.333333, 0.333333, -0.25], [-0.25, 0.333333, -0.25],
        [-1.166667, 0.166667, -0.25], [0.916667, -0.083333, 0.083333]], atol=1e-6)
    y = conv.conv2d(_XD, _WD, 1, "SAME", dilations=2).numpy()
    np.testing.assert_allclose(y[1, 2, :, 1], [-0.416667, 1.833334, -0.416667, 1.416667,
                                               -0.25, -1.583333], atol=1e-6)
    wd = np.concatenate([_WD[..., :1], -_WD[..., :1]], 3)
    y = conv.depthwise_conv2d(_XD, wd, [1, 2, 2, 1], "SAME").numpy()
    assert y.shape == (2, 3, 3, 6)
    np.testing.assert_allclose(y[0, :, :, 3], [[0.666667, 0.583333, -0.666667],
                                               [0.916667, 0.916667, 0.333333],
                                               [0.583333, 0.666667, 0.75]], atol=1e-6)
    y = conv.conv2d_transpose(np.ones((1, 2, 3, 2), np.float32), _WD, [1, 4, 6, 3], 2).numpy()
    np.testing.assert_allclose(y[0, :2, :, 0], [[-1, -1 / 3, -1, -1 / 3, -1, -1 / 3],
                                                [1 / 3, 1, 1 / 3, 1, 1 / 3, 1]], atol=1e-6)
    ints = conv.conv2d(np.ones((1, 3, 3, 2), np.int32), np.ones((2, 2, 2, 1), np.int32), 1,
                       "SAME").numpy()
    assert ints.dtype == np.int32
    np.testing.assert_array_equal(ints.ravel(), [8, 8, 4, 8, 8, 4, 4, 4, 2])


def _square_loss_grads(fn, *arrays):
    """Gradients of sum(fn(...) ** 2), the loss the TensorFlow numbers were taken with."""
    tensors = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        y = fn(*tensors)
        loss = tf.reduce_sum(y * y)
    return [g.numpy() for g in tape.gradient(loss, tensors)]


def test_conv_gradients_from_tensorflow():
    gx, gw = _square_loss_grads(lambda x, w: conv.conv2d(x, w, 2, "SAME"), _XD, _WD)
    np.testing.assert_allclose(gx[1, :, :, 2], [
        [0.77778, 0.55556, 0.11111, 0.22222, -0.16667, -0.5],
        [0.55556, -3.22222, -2.0, -1.33333, -1.83333, 1.33333],
        [-0.22222, 0.11111, 0.16667, 1.0, 0.16667, 0.33333],
        [1.22222, 0.27778, 2.05556, -1.72222, -0.61111, -2.55556],
        [-0.11111, -0.27778, 0.16667, -0.27778, -0.33333, 0.88889]], atol=1e-5)
    np.testing.assert_allclose(gw[:, :, 1, 0], [[-0.875, -0.58333], [2.20833, -0.875],
                                                [-0.20833, 2.625]], atol=1e-5)


def test_max_pool_gradient_goes_to_the_first_maximum():
    ties = np.array([[1.0, 1.0], [1.0, 0.0]], np.float32)[None, :, :, None]
    overlap = np.array([[1.0, 2.0, 2.0], [0.0, 2.0, 1.0], [2.0, 2.0, 2.0]],
                       np.float32)[None, :, :, None]
    for x, want in ((ties, [1, 0, 0, 0]), (overlap, [0, 2, 0, 0, 2, 0, 0, 0, 0])):
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = pool.max_pool2d(xt, 2, 1, "VALID")
        np.testing.assert_array_equal(tape.gradient(y, xt).numpy().ravel(), want)
    y = pool.max_pool2d(-5 * np.ones((1, 3, 3, 1), np.float32), 2, 2, "SAME")
    np.testing.assert_array_equal(y.numpy().ravel(), [-5] * 4)  # padding is never the max


def test_batch_norm_numbers_from_tensorflow():
    scale, offset = np.array([1, 2, 0.5], np.float32), np.array([0, 1, -1], np.float32)
    y, mean, var = norm.fused_batch_norm(_XD, scale, offset)
    np.testing.assert_allclose(mean.numpy(), [-0.0041667, -0.0166667, 0.0], atol=1e-7)
    np.testing.assert_allclose(var.numpy(), [0.2573976, 0.2518362, 0.2478814], rtol=1e-6)
    np.testing.assert_allclose(y.numpy()[0, 0, :, 1], [-0.938618, 2.069582, -1.941351,
                                                       1.066849, 4.075049, 0.064116],
                               atol=2e-6)
    gx, gs, go = _square_loss_grads(lambda x, s, o: norm.fused_batch_norm(x, s, o)[0] ** 3,
                                    _XD, scale, offset)
    # TensorFlow's numbers: gradients of sum((y ** 3) ** 2)
    np.testing.assert_allclose(gx[0, 0, :, 1], [1930.0491, -7180.8135, 4631.3345, -4713.899,
                                                12254.1045, -1399.7882], rtol=2e-4)
    np.testing.assert_allclose(gs, [1265.0608, 99874.32, 1719.8932], rtol=2e-4)
    np.testing.assert_allclose(go, [25.7884, 67675.016, -1452.1978], rtol=2e-3, atol=0.05)


def test_lrn_numbers_from_tensorflow():
    x = (np.arange(28, dtype=np.float32) / 10).reshape(1, 2, 2, 7)
    y = norm.local_response_normalization(x, depth_radius=2, bias=1.0, alpha=0.5, beta=0.75)
    np.testing.assert_allclose(y.numpy().ravel()[:7], [0.0, 0.095052, 0.180097, 0.250028,
                                                       0.302715, 0.382356, 0.469963],
                               atol=1e-6)


_IMG = np.arange(12, dtype=np.float32).reshape(1, 3, 4, 1)


def test_resize_numbers_from_tensorflow():
    def table(y):
        return y.numpy()[0, :, :, 0]
    np.testing.assert_allclose(table(image.resize(_IMG, [5, 6]))[1], [
        1.6, 2.1, 2.766667, 3.433334, 4.1, 4.6], atol=1e-6)
    np.testing.assert_allclose(table(image.resize(_IMG, [2, 3])), [
        [1.166667, 2.5, 3.833333], [7.166667, 8.5, 9.833334]], atol=1e-6)
    np.testing.assert_array_equal(table(image.resize(_IMG, [2, 3], "nearest")),
                                  [[0, 2, 3], [8, 10, 11]])
    np.testing.assert_array_equal(table(image.resize(_IMG, [5, 6], "nearest"))[:, 1:3],
                                  [[1, 1], [1, 1], [5, 5], [9, 9], [9, 9]])
    np.testing.assert_allclose(table(image.resize(_IMG, [2, 3], antialias=True)), [
        [1.8, 3.0, 4.2], [6.8, 8.0, 9.2]], atol=1e-5)
    np.testing.assert_allclose(table(image.resize_bilinear(_IMG, [5, 6]))[3], [
        7.2, 7.866667, 8.533333, 9.200001, 9.866667, 10.200001], atol=1e-6)
    np.testing.assert_array_equal(table(image.resize_nearest_neighbor(
        _IMG, [5, 7], align_corners=True))[:, 0], [0, 4, 4, 8, 8])
    assert image.resize(_IMG.astype(np.float64), [5, 6]).dtype == tf.float32
    assert image.resize(_IMG.astype(np.int32), [5, 6], "nearest").dtype == tf.int32


def test_resize_gradients_from_tensorflow():
    def grad(fn):
        x = tf.constant(_IMG)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return tape.gradient(y, x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(grad(lambda x: image.resize(x, [2, 3], "nearest")),
                                  [[1, 0, 1, 1], [0, 0, 0, 0], [1, 0, 1, 1]])
    np.testing.assert_array_equal(grad(lambda x: image.resize(x, [5, 6], "nearest")),
                                  [[2, 4, 2, 4], [1, 2, 1, 2], [2, 4, 2, 4]])
    np.testing.assert_allclose(grad(lambda x: image.resize(x, [5, 6])),
                               [[2.4] * 4, [2.7] * 4, [2.4] * 4], atol=2e-6)


def test_embedding_numbers_from_tensorflow():
    p = np.arange(15, dtype=np.float32).reshape(5, 3)
    np.testing.assert_array_equal(embedding.embedding_lookup([p[:3], p[3:]], [0, 3, 4]),
                                  p[[0, 3, 4]])
    np.testing.assert_array_equal(embedding.embedding_lookup_v1([p[:3], p[3:]], [0, 1, 2, 3, 4]),
                                  p[[0, 3, 1, 4, 2]])
    np.testing.assert_allclose(embedding.embedding_lookup(p, [0, 1, 4], max_norm=5.0), [
        [0, 1, 2], [2.12132, 2.828427, 3.535534], [2.659453, 2.881074, 3.102695]],
        atol=1e-6)
    np.testing.assert_array_equal(embedding.embedding_lookup(
        np.ones((4, 2, 2), np.float32), [[0, 1]], max_norm=1.0), np.full((1, 2, 2, 2), 0.5))


def test_embedding_gradient_reaches_each_shard_variable():
    a, b = tf.Variable(np.ones((3, 2), np.float32)), tf.Variable(np.ones((2, 2), np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(embedding.embedding_lookup_v1([a, b], [0, 1, 1, 4]))
    ga, gb = tape.gradient(y, [a, b])
    np.testing.assert_array_equal(ga.numpy()[:, 0], [1, 0, 1])  # ids 0, 4 -> rows 0, 2
    np.testing.assert_array_equal(gb.numpy()[:, 0], [2, 0])  # id 1 twice -> row 0


def test_valid_window_larger_than_input_is_empty_eagerly():
    assert conv.conv2d(X, np.ones((6, 2, 3, 4), np.float32), 1, "VALID").shape == (2, 0, 6, 4)
    assert pool.max_pool2d(X, 6, 1, "VALID").shape == (2, 0, 2, 3)


def test_tf1_spellings_match_the_tf2_functions():
    w1 = W[0]
    cases = [
        (conv.conv1d_v1(value=X[:, 0], filters=w1[:, :, :2], stride=2, padding="SAME"),
         conv.conv1d(X[:, 0], w1[:, :, :2], 2, "SAME")),
        (conv.conv2d_transpose_v1(np.ones((2, 3, 4, 4), np.float32), filter=W,
                                  output_shape=[2, 6, 7, 3], strides=2),
         conv.conv2d_transpose(np.ones((2, 3, 4, 4), np.float32), W, [2, 6, 7, 3], 2)),
        (conv.depthwise_conv2d_v1(X, W[..., :2], [1, 1, 1, 1], "SAME", rate=[2, 2]),
         conv.depthwise_conv2d(X, W[..., :2], [1, 1, 1, 1], "SAME", dilations=[2, 2])),
        (conv.convolution_v1(X, W, "VALID", dilation_rate=[1, 2]),
         conv.convolution(X, W, padding="VALID", dilations=[1, 2])),
        (pool.max_pool_v1(X, [1, 2, 2, 1], [1, 2, 2, 1], "SAME"),
         pool.max_pool2d(X, 2, 2, "SAME")),
        (image.resize_images_v1(X, [4, 9]), image.resize_bilinear(X, [4, 9])),
        (image.resize_images_v1(X, [4, 9], image.ResizeMethodV1.NEAREST_NEIGHBOR, True),
         image.resize_nearest_neighbor(X, [4, 9], align_corners=True)),
    ]
    for got, want in cases:
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    with pytest.raises(ValueError, match="Cannot specify both 'dilations' and 'rate'."):
        conv.depthwise_conv2d_v1(X, W, [1, 1, 1, 1], "SAME", rate=2, dilations=2)
