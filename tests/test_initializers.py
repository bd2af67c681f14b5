"""Initializers (engine/initializers.py) and the Qr op they use (engine/ops/qr.py).

Values, dtypes and statistics against numpy; TensorFlow's defaults, configs and error
messages; seeds replaying the same numbers eagerly and in a Session.
"""

import math
import re

import numpy as np
import pytest

import twinflow as tf
from engine import errors
from engine import initializers as init
from engine.ops import qr as qr_ops
from engine.ops import random
from engine.registry import NO_GRADIENT, OPS

tf1 = tf.compat.v1
TRUNC = 0.87962566103423978  # std of N(0, 1) truncated to [-2, 2]


@pytest.fixture(autouse=True)
def _no_global_seed():
    random.set_seed(None)
    yield
    random.set_seed(None)


def _in_graph(make):
    """Builds `make()` in a fresh Graph (after set_seed(1) there) and runs it."""
    with tf.Graph().as_default():
        random.set_seed(1)
        t = make()
        assert not tf.executing_eagerly() and not hasattr(t, "_value")  # symbolic
        with tf1.Session() as sess:
            return sess.run(t)


# ---------------------------------------------------------------- fans ---------------

@pytest.mark.parametrize("shape, fans", [
    ((), (1, 1)), ([5], (5, 5)), ([3, 4], (3, 4)), ((2, 3, 4, 5), (24, 30)),
    ((7, 2, 3), (14, 21)), (tf.TensorShape([3, 3, 16, 32]), (144, 288)), (6, (6, 6))])
def test_compute_fans_matches_tensorflow(shape, fans):
    assert init.compute_fans(shape) == fans


# ---------------------------------------------------------------- constants ----------

def test_zeros_ones_values_and_dtypes():
    z = init.Zeros()([2, 3])
    assert z.dtype == tf.float32 and z.shape == (2, 3)
    np.testing.assert_array_equal(z.numpy(), np.zeros((2, 3), np.float32))
    o = init.Ones()((4,), tf.int32)
    assert o.numpy().dtype == np.int32
    np.testing.assert_array_equal(o.numpy(), [1, 1, 1, 1])
    np.testing.assert_array_equal(init.Zeros()([2], tf.bool).numpy(), [False, False])
    assert init.Ones()(3, dtype=tf.float64).numpy().dtype == np.float64


def test_constant_scalar_list_and_dtype():
    c = init.Constant(3)([2, 2])
    assert c.dtype == tf.float32  # float32 by default, as tf.keras.initializers.Constant
    np.testing.assert_array_equal(c.numpy(), np.full((2, 2), 3.0, np.float32))
    c = init.Constant([1, 2, 3, 4, 5, 6])((2, 3), tf.int64)
    assert c.numpy().dtype == np.int64
    np.testing.assert_array_equal(c.numpy(), [[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(init.Constant(np.arange(4.0))([4]).numpy(), [0, 1, 2, 3])


def test_constant_errors_use_tensorflow_messages():
    with pytest.raises(TypeError, match=r"has 3 elements, but got `shape` \(2, 2\) with 4 "
                                        r"elements"):
        init.Constant([1, 2, 3])([2, 2])
    with pytest.raises(TypeError, match="Invalid type for initial value: dict"):
        init.Constant({1: 2})
    with pytest.raises(TypeError, match=r"Invalid type for initial value=\{1: 2\} of type: "
                                        "dict"):
        init.constant_initializer({1: 2})
    with pytest.raises(TypeError, match=r"with shape \(2, 2\), but got shape \(4,\)"):
        init.constant_initializer([1, 2, 3, 4], verify_shape=True)([2, 2])
    np.testing.assert_array_equal(
        init.constant_initializer([1, 2, 3, 4])([2, 2], verify_shape=False).numpy(),
        [[1, 2], [3, 4]])


def test_zeros_rejects_strings_in_tf2_but_not_tf1():
    with pytest.raises(ValueError, match=r"Argument `dtype` expected to be numeric or "
                                         r"boolean. Received <dtype: 'string'>."):
        init.Zeros()([2], tf.string)
    np.testing.assert_array_equal(init.zeros_initializer(tf.string)([2]).numpy(), [b"", b""])


def test_tf1_constant_ones_zeros_take_the_constructor_dtype():
    c = init.constant_initializer(3)([2])
    assert c.dtype == tf.float32
    np.testing.assert_array_equal(c.numpy(), [3.0, 3.0])
    assert init.zeros_initializer(tf.int32)([2]).dtype == tf.int32
    assert init.ones_initializer(tf.int32)([2], dtype=tf.float64).dtype == tf.float64
    assert init.constant_initializer(2, dtype=tf.int64)([1]).numpy().tolist() == [2]


# ---------------------------------------------------------------- defaults -----------

def test_tf2_and_tf1_defaults_differ_as_in_tensorflow():
    assert init.RandomNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert init.TruncatedNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert init.RandomUniform().get_config() == {"minval": -0.05, "maxval": 0.05,
                                                 "seed": None}
    assert init.VarianceScaling().get_config() == {
        "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": None}
    assert init.Orthogonal().get_config() == {"gain": 1.0, "seed": None}
    assert init.Identity().get_config() == {"gain": 1.0}
    assert init.Constant().get_config() == {"value": 0}
    assert init.Zeros().get_config() == {}
    assert init.random_normal_initializer().get_config() == {
        "mean": 0.0, "stddev": 1.0, "seed": None, "dtype": "float32"}
    assert init.truncated_normal_initializer().get_config() == {
        "mean": 0.0, "stddev": 1.0, "seed": None, "dtype": "float32"}
    assert init.random_uniform_initializer().get_config() == {
        "minval": 0.0, "maxval": None, "seed": None, "dtype": "float32"}
    assert init.glorot_uniform_initializer(seed=3).get_config() == {"seed": 3,
                                                                    "dtype": "float32"}
    assert init.zeros_initializer().get_config() == {"dtype": "float32"}
    assert init.orthogonal_initializer().get_config() == {"gain": 1.0, "seed": None,
                                                          "dtype": "float32"}
    assert init.identity_initializer().get_config() == {"gain": 1.0, "dtype": "float32"}


def test_tf1_random_uniform_default_range_is_zero_to_one():
    x = init.random_uniform_initializer(seed=2)([20000]).numpy()
    assert x.dtype == np.float32 and x.min() >= 0.0 and x.max() < 1.0
    assert abs(x.mean() - 0.5) < 0.01
    y = init.RandomUniform(seed=2)([20000]).numpy()
    assert y.min() >= -0.05 and y.max() < 0.05 and y.min() < -0.049 and y.max() > 0.049


# ---------------------------------------------------------------- random values ------

def test_random_normal_statistics_and_dtype():
    x = init.RandomNormal(mean=1.0, stddev=2.0, seed=1)([200, 500]).numpy()
    assert x.dtype == np.float32 and x.shape == (200, 500)
    assert abs(x.mean() - 1.0) < 0.02 and abs(x.std() - 2.0) < 0.02
    y = init.random_normal_initializer(seed=1, dtype=tf.float64)([3])
    assert y.dtype == tf.float64
    assert init.random_normal_initializer(dtype=tf.float64)([3], tf.float32).dtype == \
        tf.float32


def test_truncated_normal_bounds_and_stddev():
    x = init.TruncatedNormal(mean=1.0, stddev=2.0, seed=4)([400, 300]).numpy()
    assert np.abs(x - 1.0).max() < 4.0  # within two stddevs of the mean
    assert np.abs(x - 1.0).max() > 3.9
    assert abs(x.std() - 2.0 * TRUNC) < 0.02 and abs(x.mean() - 1.0) < 0.02


def test_random_uniform_floats_and_integers():
    x = init.RandomUniform(-3.0, 5.0, seed=5)([100000]).numpy()
    assert x.min() >= -3.0 and x.max() < 5.0 and abs(x.mean() - 1.0) < 0.05
    n = init.RandomUniform(0, 10, seed=5)([5000], tf.int32).numpy()
    assert n.dtype == np.int32 and sorted(set(n.tolist())) == list(range(10))


@pytest.mark.parametrize("make, scale, mode, distribution", [
    (lambda: init.GlorotUniform(seed=11), 1.0, "fan_avg", "uniform"),
    (lambda: init.GlorotNormal(seed=11), 1.0, "fan_avg", "truncated_normal"),
    (lambda: init.HeNormal(seed=11), 2.0, "fan_in", "truncated_normal"),
    (lambda: init.HeUniform(seed=11), 2.0, "fan_in", "uniform"),
    (lambda: init.LecunNormal(seed=11), 1.0, "fan_in", "truncated_normal"),
    (lambda: init.LecunUniform(seed=11), 1.0, "fan_in", "uniform"),
    (lambda: init.VarianceScaling(3.0, "fan_out", "untruncated_normal", seed=11), 3.0,
     "fan_out", "untruncated_normal"),
    (lambda: init.VarianceScaling(0.5, "fan_avg", "normal", seed=11), 0.5, "fan_avg",
     "truncated_normal"),
    (lambda: init.glorot_uniform_initializer(seed=11), 1.0, "fan_avg", "uniform"),
    (lambda: init.glorot_normal_initializer(seed=11), 1.0, "fan_avg", "truncated_normal"),
    (lambda: init.variance_scaling_initializer(2.0, "fan_out", "normal", seed=11), 2.0,
     "fan_out", "truncated_normal"),
])
def test_variance_scaling_variance_and_bounds(make, scale, mode, distribution):
    shape = (3, 3, 64, 128)  # a conv kernel: receptive field 9
    fan_in, fan_out = 9 * 64, 9 * 128
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    x = make()(shape).numpy()
    assert x.dtype == np.float32 and x.shape == shape
    target = scale / n
    assert abs(x.var() / target - 1) < 0.03, (x.var(), target)
    assert abs(x.mean()) < 0.1 * math.sqrt(target)
    if distribution == "uniform":
        limit = math.sqrt(3 * target)
        assert np.abs(x).max() <= limit and np.abs(x).max() > 0.999 * limit
    elif distribution == "truncated_normal":
        bound = 2 * math.sqrt(target) / TRUNC
        assert np.abs(x).max() < bound and np.abs(x).max() > 0.98 * bound
    else:
        assert np.abs(x).max() > 3 * math.sqrt(target)  # untruncated: tails beyond 2 sd


def test_variance_scaling_small_fans_and_float64():
    # fan 0.5 < 1: TensorFlow divides by max(1, fan).
    x = init.VarianceScaling(1.0, "fan_in", "uniform", seed=3)([1, 1000]).numpy()
    assert np.abs(x).max() <= math.sqrt(3.0) and np.abs(x).max() > 1.7
    y = init.HeNormal(seed=3)([50, 40], dtype=tf.float64)
    assert y.dtype == tf.float64


def test_partition_shape_keeps_the_full_fans():
    x = init.GlorotUniform(seed=1)([4, 6], partition_shape=[2, 6]).numpy()
    assert x.shape == (2, 6) and np.abs(x).max() <= math.sqrt(6.0 / 10)


# ---------------------------------------------------------------- orthogonal ---------

@pytest.mark.parametrize("shape", [(5, 5), (7, 3), (3, 7), (2, 3, 4), (4, 2, 5)])
def test_orthogonal_is_orthogonal(shape):
    w = init.Orthogonal(gain=1.5, seed=2)(shape, dtype=tf.float64).numpy()
    assert w.shape == shape and w.dtype == np.float64
    m = w.reshape(-1, shape[-1])
    small = min(m.shape)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, 1.5 ** 2 * np.eye(small), atol=1e-12)


def test_orthogonal_float32_and_tf1_variant():
    w = init.Orthogonal(seed=3)([64, 32]).numpy()
    assert w.dtype == np.float32
    np.testing.assert_allclose(w.T @ w, np.eye(32), atol=2e-6)
    v = init.orthogonal_initializer(gain=2.0, seed=3)([6, 6]).numpy()
    np.testing.assert_allclose(v @ v.T, 4 * np.eye(6), atol=1e-5)


def test_orthogonal_signs_follow_r_diagonal():
    """q * sign(diag(r)): the same matrix numpy's QR gives after the same sign fix."""
    random.set_seed(9)
    a = random.normal([6, 4], seed=21).numpy()
    random.set_seed(9)
    w = init.Orthogonal(seed=21)([6, 4]).numpy()
    q, r = np.linalg.qr(a)
    np.testing.assert_allclose(w, q * np.sign(np.diag(r)), atol=1e-6)


# ---------------------------------------------------------------- identity -----------

def test_identity_square_rect_gain_and_dtype():
    np.testing.assert_array_equal(init.Identity()([3, 3]).numpy(), np.eye(3, dtype=np.float32))
    x = init.Identity(gain=0.5)((2, 3)).numpy()
    np.testing.assert_array_equal(x, 0.5 * np.eye(2, 3, dtype=np.float32))
    y = init.identity_initializer(dtype=tf.float64)([3, 2])
    assert y.dtype == tf.float64
    np.testing.assert_array_equal(y.numpy(), np.eye(3, 2))


@pytest.mark.parametrize("shape", [[3], (2, 2, 2), ()])
def test_identity_needs_two_dims(shape):
    with pytest.raises(ValueError, match=r"The tensor to initialize, specified by argument "
                                         r"`shape` must be at least two-dimensional. "
                                         rf"Received shape={re.escape(str(shape))}"):
        init.Identity()(shape)
    with pytest.raises(ValueError, match="must be at least two-dimensional"):
        init.identity_initializer()(shape)


# ---------------------------------------------------------------- errors -------------

def test_variance_scaling_argument_errors():
    with pytest.raises(ValueError, match=r"Argument `mode` should be one of \('fan_in', "
                                         r"'fan_out', 'fan_avg'\). Received: fan_max"):
        init.VarianceScaling(mode="fan_max")
    with pytest.raises(ValueError, match=r"Argument `distribution` should be one of "
                                         r"\('uniform', 'truncated_normal', "
                                         r"'untruncated_normal'\). Received: cauchy"):
        init.VarianceScaling(distribution="Cauchy")
    with pytest.raises(ValueError, match=r"should be one of \('normal', uniform', "):
        init.variance_scaling_initializer(distribution="cauchy")
    with pytest.raises(ValueError, match="Argument `scale` must be a positive float. "
                                         "Received: 0"):
        init.VarianceScaling(scale=0)
    assert init.VarianceScaling(distribution="Normal").distribution == "truncated_normal"
    assert init.variance_scaling_initializer(distribution="Normal").distribution == "normal"


def test_dtype_and_keyword_errors():
    with pytest.raises(ValueError, match=r"Argument `dtype` is expected to be floating "
                                         r"point. Received: <dtype: 'int32'>."):
        init.RandomNormal()([2], tf.int32)
    with pytest.raises(ValueError, match="expected to be floating point"):
        init.random_normal_initializer(dtype=tf.int32)
    with pytest.raises(ValueError, match="expected to be floating point"):
        init.GlorotUniform()([2, 2], tf.int64)
    with pytest.raises(ValueError, match=r"numeric or boolean. Received <dtype: 'bool'>"):
        init.RandomUniform()([2], tf.bool)
    with pytest.raises(TypeError, match=r"Keyword argument should be one of "
                                        r"\['partition_shape', 'partition_offset'\]. "
                                        "Received: foo"):
        init.Zeros()([2], foo=1)
    with pytest.raises(ValueError, match="Orthogonal initializer doesn't support "
                                         "partition-related arguments"):
        init.Orthogonal()([3, 3], partition_shape=[3, 3])
    with pytest.raises(ValueError, match=r"must be at least two-dimensional. "
                                         r"Received shape=\[3\]"):
        init.Orthogonal()([3])
    with pytest.raises(ValueError, match="Must specify maxval for integer dtype"):
        init.random_uniform_initializer(dtype=tf.int32)([2])


# ---------------------------------------------------------------- seeds, configs -----

ALL = [
    lambda: init.Zeros(), lambda: init.Ones(), lambda: init.Constant(2.5),
    lambda: init.RandomNormal(0.5, 2.0, seed=3), lambda: init.TruncatedNormal(seed=3),
    lambda: init.RandomUniform(-1.0, 2.0, seed=3),
    lambda: init.VarianceScaling(2.0, "fan_out", "uniform", seed=3),
    lambda: init.GlorotUniform(seed=3), lambda: init.GlorotNormal(seed=3),
    lambda: init.HeNormal(seed=3), lambda: init.HeUniform(seed=3),
    lambda: init.LecunNormal(seed=3), lambda: init.LecunUniform(seed=3),
    lambda: init.Orthogonal(0.5, seed=3), lambda: init.Identity(2.0),
    lambda: init.zeros_initializer(), lambda: init.ones_initializer(tf.float64),
    lambda: init.constant_initializer(-1.5), lambda: init.random_normal_initializer(seed=3),
    lambda: init.truncated_normal_initializer(1.0, 0.5, seed=3),
    lambda: init.random_uniform_initializer(-2.0, 2.0, seed=3),
    lambda: init.variance_scaling_initializer(seed=3),
    lambda: init.glorot_uniform_initializer(seed=3),
    lambda: init.glorot_normal_initializer(seed=3),
    lambda: init.orthogonal_initializer(seed=3),
    lambda: init.identity_initializer(dtype=tf.float64),
]


@pytest.mark.parametrize("make", ALL)
def test_config_round_trip_gives_the_same_values(make):
    a = make()
    b = type(a).from_config(a.get_config())
    assert type(b) is type(a) and b.get_config() == a.get_config()
    random.set_seed(5)
    x = a([4, 4]).numpy()
    random.set_seed(5)
    np.testing.assert_array_equal(b([4, 4]).numpy(), x)


@pytest.mark.parametrize("make", ALL)
def test_same_seed_same_numbers_eagerly_and_in_a_session(make):
    random.set_seed(1)
    eager_value = make()([3, 5]).numpy()
    graph_value = _in_graph(lambda: make()([3, 5]))
    assert graph_value.dtype == eager_value.dtype
    np.testing.assert_array_equal(graph_value, eager_value)


def test_seeds_replay_and_differ():
    random.set_seed(1)
    a = init.GlorotUniform(seed=7)([3, 4]).numpy()
    random.set_seed(1)
    b = init.GlorotUniform(seed=7)([3, 4]).numpy()
    c = init.GlorotUniform(seed=8)([3, 4]).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_from_config_tf2_drops_dtype_tf1_keeps_it():
    a = init.RandomNormal.from_config({"mean": 0.0, "stddev": 1.0, "seed": None,
                                       "dtype": "float64"})
    assert a([2]).dtype == tf.float32
    b = init.random_normal_initializer.from_config({"mean": 0.0, "stddev": 1.0, "seed": None,
                                                    "dtype": "float64"})
    assert b([2]).dtype == tf.float64


def test_initializers_build_graph_nodes():
    with tf.Graph().as_default():
        t = init.Orthogonal(seed=1)([4, 3])
        u = init.HeUniform(seed=1)([4, 3])
        assert t.shape == (4, 3) and u.shape == (4, 3)
        assert "Qr" in [op.type for op in tf1.get_default_graph().get_operations()]


# ---------------------------------------------------------------- Qr op --------------

@pytest.mark.parametrize("shape", [(4, 4), (6, 3), (3, 6), (2, 5, 3), (0, 3)])
def test_qr_reconstructs_with_orthonormal_q(shape):
    a = np.random.default_rng(0).standard_normal(shape)
    q, r = qr_ops.qr(a)
    q, r = q.numpy(), r.numpy()
    p = min(shape[-2:])
    assert q.shape == shape[:-2] + (shape[-2], p) and r.shape == shape[:-2] + (p, shape[-1])
    np.testing.assert_allclose(q @ r, a, atol=1e-12)
    np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q,
                               np.broadcast_to(np.eye(p), q.shape[:-2] + (p, p)), atol=1e-12)
    np.testing.assert_array_equal(np.tril(r, -1), 0)


def test_qr_full_matrices_dtypes_and_namedtuple():
    a = np.random.default_rng(1).standard_normal((2, 5, 3)).astype(np.float32)
    out = qr_ops.qr(a, full_matrices=True)
    assert out.q.shape == (2, 5, 5) and out.r.shape == (2, 5, 3)
    assert out.q.dtype == tf.float32
    np.testing.assert_allclose(out.q.numpy() @ out.r.numpy(), a, atol=1e-5)
    h = qr_ops.qr(np.eye(3, dtype=np.float16))
    assert h.q.dtype == tf.float16 and h.r.dtype == tf.float16
    assert OPS["Qr"].grad is NO_GRADIENT


def test_qr_errors():
    with pytest.raises(errors.InvalidArgumentError, match="Input tensor 0 must have rank "
                                                          ">= 2, got 1"):
        qr_ops.qr(np.ones(3, np.float32))
    with pytest.raises(errors.InvalidArgumentError, match="Value for attr 'T' of int32 is "
                                                          "not in the list of allowed values"):
        qr_ops.qr(np.ones((3, 3), np.int32))
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=r"Shape must be at least rank 2 but is rank 1 "
                                             r"for 'Qr' with input shapes: \[3\]."):
            qr_ops.qr(tf1.placeholder(tf.float32, [3]))


def test_qr_static_shapes_in_a_graph():
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 4, 3])
        q, r = qr_ops.qr(x)
        assert q.shape.as_list() == [None, 4, 3] and r.shape.as_list() == [None, 3, 3]
        y = tf1.placeholder(tf.float64, [None, 3])
        q2, r2 = qr_ops.qr(y, full_matrices=True)
        assert q2.shape.as_list() == [None, None] and r2.shape.as_list() == [None, 3]
        with tf1.Session() as sess:
            qv, rv = sess.run([q2, r2], {y: np.arange(15.0).reshape(5, 3)})
        assert qv.shape == (5, 5) and rv.shape == (5, 3)
        np.testing.assert_allclose(qv @ rv, np.arange(15.0).reshape(5, 3), atol=1e-12)


def test_shape_tensors_pass_through_to_the_ops():
    with tf.Graph().as_default():
        shape = tf1.placeholder(tf.int32, [2])
        z, r = init.Zeros()(shape), init.RandomUniform(seed=2)(shape)
        assert z.shape.as_list() == [None, None]
        with tf1.Session() as sess:
            zv, rv = sess.run([z, r], {shape: [2, 3]})
    np.testing.assert_array_equal(zv, np.zeros((2, 3), np.float32))
    assert rv.shape == (2, 3) and np.abs(rv).max() < 0.05
    eager = init.Ones()(tf.constant([2, 1]), tf.int64)
    np.testing.assert_array_equal(eager.numpy(), [[1], [1]])
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="An initializer needs a static shape"):
            init.GlorotUniform()(tf1.placeholder(tf.int32, [2]))
