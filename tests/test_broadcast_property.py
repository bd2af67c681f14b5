"""Property tests (hypothesis): broadcasting binary ops agree with numpy for any shapes,
static inference agrees with the real result, and gradients come back in input shape."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import twinflow as tf
from engine.ops import math as m

_OPS = [(tf.add, np.add, m.ADD), (tf.multiply, np.multiply, m.MUL),
        (tf.maximum, np.maximum, m.MAXIMUM), (tf.subtract, np.subtract, m.SUB)]


@settings(max_examples=60, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                 min_side=0, max_side=3),
       op_index=st.integers(0, len(_OPS) - 1), seed=st.integers(0, 2 ** 16))
def test_broadcasting_binary_ops_match_numpy(shapes, op_index, seed):
    fn, ref, opdef = _OPS[op_index]
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(s).astype(np.float32) for s in shapes.input_shapes)
    x, y = tf.constant(a), tf.constant(b)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        out = fn(x, y)
    expected = ref(a, b)
    assert out.dtype == tf.float32 and out.shape == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected)
    (dtype, shape), = opdef.infer([x, y], {})
    assert dtype == tf.float32 and shape == expected.shape
    gx, gy = tape.gradient(out, [x, y])
    assert gx.shape == a.shape and gy.shape == b.shape
