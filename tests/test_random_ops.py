"""tf.random: TensorFlow's seed rules, distributions, dtypes, shapes and errors."""

import math as pymath

import numpy as np
import pytest

import eager  # noqa: F401  (installs the eager executor)
from eager.executor import EagerExecutor
from eager.tape import GradientTape
from engine import context, dtypes, errors
from engine.ops import random
from engine.ops.core import constant, convert_inputs
from engine.shapes import TensorShape
from tests.fakes import Sym

N = 100_000


@pytest.fixture(autouse=True)
def _no_global_seed():
    """Each test starts and ends without a global seed (as a fresh TensorFlow process)."""
    random.set_seed(None)
    yield
    random.set_seed(None)


def _draw_all(seed=None):
    """One draw of every sampler, as numpy arrays."""
    return [random.normal([3, 2], seed=seed).numpy(),
            random.uniform([4], seed=seed).numpy(),
            random.uniform([4], minval=-3, maxval=9, dtype=dtypes.int64, seed=seed).numpy(),
            random.truncated_normal([5], seed=seed).numpy(),
            random.shuffle(np.arange(10), seed=seed).numpy(),
            random.categorical([[0.0, 1.0, 2.0]], 8, seed=seed).numpy()]


# ---------------------------------------------------------------- seeds --------------

def test_set_seed_replays_every_sampler_bit_for_bit():
    random.set_seed(1234)
    first = _draw_all()
    random.set_seed(1234)
    second = _draw_all()
    for a, b in zip(first, second):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def test_global_seed_alone_gives_each_op_its_own_stream():
    random.set_seed(7)
    a = random.normal([6]).numpy()
    b = random.normal([6]).numpy()  # next op seed from the counter: other numbers
    assert not np.array_equal(a, b)
    assert random.get_seed(None) == (7, 2)  # ops 0 and 1 were used above


def test_different_op_seeds_differ_and_same_op_seed_continues_its_stream():
    random.set_seed(3)
    a = random.normal([4], seed=1).numpy()
    b = random.normal([4], seed=2).numpy()
    assert not np.array_equal(a, b)
    again = random.normal([4], seed=1).numpy()  # the same key continues, as TF eager
    assert not np.array_equal(a, again)
    random.set_seed(3)  # restarts every stream
    whole = random.normal([8], seed=1).numpy()
    np.testing.assert_array_equal(whole, np.concatenate([a, again]))


def test_op_seed_without_global_seed_uses_tensorflows_default_graph_seed():
    assert random.get_seed(5) == (random.DEFAULT_GRAPH_SEED, 5) == (87654321, 5)
    a = random.uniform([3], seed=5).numpy()
    random.set_seed(None)
    b = random.uniform([3], seed=5).numpy()
    np.testing.assert_array_equal(a, b)


def test_float32_draws_are_numpys_philox_stream_keyed_by_the_seeds():
    random.set_seed(11)
    got = random.normal([5], seed=22).numpy()
    gen = np.random.Generator(np.random.Philox(key=[11, 22]))
    np.testing.assert_array_equal(got, gen.standard_normal(5, dtype=np.float32))
    gen = np.random.Generator(np.random.Philox(key=[11, 23]))
    np.testing.assert_array_equal(random.uniform([3], seed=23).numpy(),
                                  gen.random(3, dtype=np.float32))


def test_get_seed_follows_tensorflows_rules():
    assert random.get_seed(None) == (None, None)
    random.set_seed(5)
    assert [random.get_seed(None) for _ in range(3)] == [(5, 0), (5, 1), (5, 2)]
    assert random.get_seed(9) == (5, 9)
    random.set_seed(5)  # restarts the counter
    assert random.get_seed(None) == (5, 0)
    random.set_seed(0)
    assert random.get_seed(0) == (0, 2 ** 31 - 1)  # (0, 0) would mean "no seed"
    assert random.get_seed(2 ** 40) == (0, 2 ** 40 % (2 ** 31 - 1))
    assert random.get_seed(-1) == (0, 2 ** 31 - 2)


def test_no_seed_at_all_is_nondeterministic_and_keeps_no_stream():
    store = context.current_executor().store
    before = len(store.generators)
    a = random.normal([16]).numpy()
    b = random.normal([16]).numpy()
    assert not np.array_equal(a, b)
    assert len(store.generators) == before


def test_set_seed_clears_the_eager_generators():
    random.normal([2], seed=4)
    assert context.current_executor().store.generators
    random.set_seed(1)
    assert not context.current_executor().store.generators



def test_counter_seeded_eager_draws_leave_no_generators_behind():
    """A counter seed is used once eagerly, so a training loop's memory stays flat."""
    store = context.current_executor().store
    random.set_seed(1)
    for _ in range(50):
        random.normal([2])
        random.uniform([2], maxval=4, dtype=dtypes.int32)
    assert not store.generators
    random.normal([2], seed=3)  # an explicit op seed keeps its stream
    assert list(store.generators) == [(1, 3)]

# ---------------------------------------------------------------- distributions ------

def test_normal_moments():
    random.set_seed(0)
    x = random.normal([N]).numpy()
    assert abs(x.mean()) < 0.02 and abs(x.std() - 1.0) < 0.02
    y = random.normal([N], mean=3.0, stddev=2.0).numpy()
    assert abs(y.mean() - 3.0) < 0.04 and abs(y.std() - 2.0) < 0.04


def test_uniform_float_range_and_moments():
    random.set_seed(0)
    x = random.uniform([N]).numpy()
    assert x.min() >= 0.0 and x.max() < 1.0
    assert abs(x.mean() - 0.5) < 0.01 and abs(x.var() - 1 / 12) < 0.005
    y = random.uniform([N], minval=-2.0, maxval=5.0).numpy()
    assert y.min() >= -2.0 and y.max() < 5.0 and abs(y.mean() - 1.5) < 0.05
    z = random.uniform([N], maxval=4.0).numpy()  # minval 0: a scale only
    assert z.min() >= 0.0 and z.max() < 4.0 and abs(z.mean() - 2.0) < 0.05


def test_uniform_int_covers_its_range_evenly():
    random.set_seed(0)
    x = random.uniform([N], minval=3, maxval=10, dtype=dtypes.int32).numpy()
    assert x.dtype == np.int32
    values, counts = np.unique(x, return_counts=True)
    np.testing.assert_array_equal(values, np.arange(3, 10))
    np.testing.assert_allclose(counts / N, 1 / 7, atol=0.01)
    big = random.uniform([1000], maxval=2 ** 40, dtype=dtypes.int64).numpy()
    assert big.dtype == np.int64 and big.max() > 2 ** 31 and big.min() >= 0


def test_truncated_normal_stays_within_two_stddevs():
    random.set_seed(0)
    x = random.truncated_normal([N]).numpy()
    assert np.abs(x).max() < 2.0
    # the standard deviation of N(0, 1) truncated to (-2, 2)
    phi2 = pymath.exp(-2.0) / pymath.sqrt(2 * pymath.pi)
    std = pymath.sqrt(1 - 4 * phi2 / pymath.erf(2 / pymath.sqrt(2)))
    assert abs(x.mean()) < 0.02 and abs(x.std() - std) < 0.02
    y = random.truncated_normal([N], mean=10.0, stddev=0.5).numpy()
    assert np.abs(y - 10.0).max() <= 1.0 and abs(y.mean() - 10.0) < 0.02


def test_shuffle_is_a_permutation_of_rows():
    random.set_seed(0)
    x = np.arange(12, dtype=np.int32).reshape(6, 2)
    y = random.shuffle(x).numpy()
    assert y.dtype == np.int32 and y.shape == (6, 2)
    assert sorted(map(tuple, y)) == sorted(map(tuple, x))  # rows kept whole
    long = random.shuffle(np.arange(1000)).numpy()
    assert not np.array_equal(long, np.arange(1000))
    np.testing.assert_array_equal(np.sort(long), np.arange(1000))
    assert random.shuffle(5).numpy() == 5
    assert random.shuffle(np.zeros((0, 3), np.float32)).shape == (0, 3)
    words = random.shuffle(constant(["a", "b", "c"])).numpy()
    assert sorted(words) == [b"a", b"b", b"c"]


def test_categorical_frequencies_follow_softmax_per_row():
    random.set_seed(0)
    logits = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]], np.float32))
    logits[1] += 3.0  # a shift changes nothing
    x = random.categorical(logits, N).numpy()
    assert x.shape == (2, N) and x.dtype == np.int64
    for row, probs in zip(x, ([0.1, 0.2, 0.7], [0.5, 0.25, 0.25])):
        np.testing.assert_allclose(np.bincount(row, minlength=3) / N, probs, atol=0.01)


def test_categorical_skips_non_finite_logits_like_tensorflow():
    random.set_seed(0)
    x = random.categorical([[1.0, -np.inf, 2.0], [-np.inf, -np.inf, -np.inf]], 200).numpy()
    assert set(np.unique(x[0])) == {0, 2}
    np.testing.assert_array_equal(x[1], 3)  # no finite logit: num_classes, as TF's CPU
    assert set(np.unique(random.categorical([[np.inf, 1.0]], 20).numpy())) == {1}


def test_categorical_dtype_and_empty_shapes():
    x = random.categorical([[0.0, 0.0]], 5, dtype=dtypes.int32)
    assert x.dtype == dtypes.int32 and x.shape == (1, 5)
    assert random.categorical([[0.0, 0.0]], 0).shape == (1, 0)
    assert random.categorical(np.zeros((0, 3), np.float32), 4).shape == (0, 4)
    x64 = random.categorical(np.zeros((2, 3), np.float64), constant(7))
    assert x64.shape == (2, 7) and x64.numpy().max() < 3


# ---------------------------------------------------------------- dtypes and shapes --

@pytest.mark.parametrize("dtype", [dtypes.float16, dtypes.float32, dtypes.float64])
@pytest.mark.parametrize("fn", [random.normal, random.uniform, random.truncated_normal])
def test_float_samplers_keep_their_dtype(fn, dtype):
    x = fn([3, 4], dtype=dtype, seed=1)
    assert x.dtype == dtype and x.numpy().dtype == dtype._np and x.shape == (3, 4)
    shifted = fn([2], 1, 2, dtype=dtype, seed=1)  # mean/minval and stddev/maxval
    assert shifted.dtype == dtype


def test_float16_uniform_never_reaches_one():
    random.set_seed(0)
    x = random.uniform([N], dtype=dtypes.float16).numpy()
    assert x.max() < 1.0 and x.min() >= 0.0


@pytest.mark.parametrize("shape", [[2, 3], (2, 3), TensorShape([2, 3])])
def test_shape_as_list_tuple_or_tensorshape(shape):
    assert random.normal(shape).shape == (2, 3)


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_shape_as_integer_tensor(dtype):
    assert random.uniform(constant([4, 1], dtype=dtype)).shape == (4, 1)


def test_scalar_and_empty_shapes():
    scalar = random.normal([])
    assert scalar.shape == () and scalar.dtype == dtypes.float32
    assert random.uniform((), dtype=dtypes.int32, maxval=3).shape == ()
    assert random.truncated_normal([0, 3]).shape == (0, 3)
    assert random.uniform([2, 0], maxval=5, dtype=dtypes.int64).shape == (2, 0)


class _CheckingExecutor(EagerExecutor):
    """Runs ops eagerly and checks each op's static inference against its outputs."""

    def __init__(self):
        super().__init__()
        self.checked = set()

    def run_op(self, op, inputs, attrs, name):
        inputs = convert_inputs(op, inputs)
        result = super().run_op(op, inputs, attrs, name)
        [(dtype, shape)] = op.infer(inputs, attrs or {})
        assert dtype == result.dtype and shape.is_compatible_with(result.shape), op.name
        self.checked.add(op.name)
        return result


def test_infer_matches_every_kernel():
    executor = _CheckingExecutor()
    with context.executor_scope(executor):
        _draw_all(seed=3)
        random.uniform([2], dtype=dtypes.float64, seed=3)
    assert {"RandomStandardNormal", "RandomUniform", "RandomUniformInt", "TruncatedNormal",
            "RandomShuffle", "Multinomial"} <= executor.checked



def test_infer_with_unknown_shape_values():
    attrs = {"dtype": dtypes.float32, "seed": 0, "seed2": 0}
    infer = random.RANDOM_STANDARD_NORMAL.infer
    assert infer([Sym(dtypes.int32, [3])], attrs) == [
        (dtypes.float32, TensorShape([None, None, None]))]
    assert infer([Sym(dtypes.int32, None)], attrs)[0][1].rank is None
    assert infer([constant([2, -1])], attrs)[0][1].as_list() == [2, None]
    logits = Sym(dtypes.float32, [None, 5])
    out = random.MULTINOMIAL.infer([logits, Sym(dtypes.int32, [])],
                                   {"output_dtype": dtypes.int64})
    assert out == [(dtypes.int64, TensorShape([None, None]))]


# ---------------------------------------------------------------- gradients ----------

def test_mean_and_stddev_get_gradients_the_samplers_none():
    mean = constant([1.0, 2.0, 3.0])
    stddev = constant([0.5, 1.0, 2.0])
    with GradientTape(persistent=True) as tape:
        tape.watch(mean)
        tape.watch(stddev)
        y = random.normal([3], mean=mean, stddev=stddev, seed=1)
        z = random.shuffle(mean, seed=1)
    ones = constant(np.ones(3, np.float32))
    g_mean, g_std = tape.gradient(y, [mean, stddev], output_gradients=ones)
    np.testing.assert_allclose(g_mean.numpy(), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(g_std.numpy(), (y.numpy() - mean.numpy()) / stddev.numpy(),
                               rtol=1e-6)
    # RandomShuffle is not differentiable: None, as in TensorFlow
    assert tape.gradient(z, mean, output_gradients=ones) is None


# ---------------------------------------------------------------- errors -------------

def test_bad_dtypes_raise_with_tensorflows_class():
    with pytest.raises(TypeError, match="DataType int32 not in list of allowed values"):
        random.normal([2], dtype=dtypes.int32)
    with pytest.raises(TypeError, match="DataType int64 not in list"):
        random.truncated_normal([2], dtype=dtypes.int64)
    with pytest.raises(ValueError, match=r"Argument `dtype` got invalid value "
                                         r"<dtype: 'bool'>\. Accepted dtypes are"):
        random.uniform([2], dtype=dtypes.bool)
    with pytest.raises(ValueError, match="Argument `dtype` got invalid value <dtype: 'int8'>"):
        random.uniform([2], maxval=3, dtype=dtypes.int8)
    with pytest.raises(ValueError, match=r"Accepted dtypes are \(tf.int32, tf.int64\)"):
        random.categorical([[1.0, 2.0]], 3, dtype=dtypes.float32)
    with pytest.raises(ValueError, match="Tensor conversion requested dtype float64"):
        random.normal([2], mean=constant(1.0), dtype=dtypes.float64)


def test_integer_uniform_needs_maxval_above_minval():
    with pytest.raises(ValueError, match="Must specify maxval for integer dtype tf.int32"):
        random.uniform([2], dtype=dtypes.int32)
    with pytest.raises(errors.InvalidArgumentError, match="Need minval < maxval, got 5 >= 3"):
        random.uniform([2], minval=5, maxval=3, dtype=dtypes.int32)
    with pytest.raises(errors.InvalidArgumentError, match="Need minval < maxval, got 3 >= 3"):
        random.uniform([2], minval=3, maxval=3, dtype=dtypes.int64)
    with pytest.raises(errors.InvalidArgumentError, match=r"minval must be 0-D, got shape \[1\]"):
        random.uniform([2], minval=[1], maxval=10, dtype=dtypes.int32)


def test_bad_shapes_raise_invalid_argument_naming_the_op():
    with pytest.raises(errors.InvalidArgumentError,
                       match=r"Dimension -1 must be >= 0 \[Op:RandomStandardNormal\]"):
        random.normal([2, -1])
    with pytest.raises(errors.InvalidArgumentError,
                       match=r"shape must be a vector of \{int32,int64\}, got shape \[1,1\]"):
        random.uniform([[2]])
    with pytest.raises(errors.InvalidArgumentError, match=r"got shape \[\]"):
        random.normal(3)
    with pytest.raises(errors.InvalidArgumentError, match="Value for attr 'T' of float32"):
        random.normal([2.5])
    with pytest.raises(ValueError, match="Cannot convert a partially known TensorShape"):
        random.normal(TensorShape([2, None]))


def test_bad_categorical_inputs():
    with pytest.raises(errors.InvalidArgumentError,
                       match=r"logits should be a matrix, got shape \[2\] \[Op:Multinomial\]"):
        random.categorical([1.0, 2.0], 3)
    with pytest.raises(errors.InvalidArgumentError,
                       match="num_samples should be non-negative, got -1"):
        random.categorical([[1.0, 2.0]], -1)
    with pytest.raises(errors.InvalidArgumentError, match=r"num_samples should be a scalar"):
        random.categorical([[1.0, 2.0]], [3])
    with pytest.raises(errors.InvalidArgumentError, match="num_classes should be positive"):
        random.categorical(np.zeros((2, 0), np.float32), 3)
    with pytest.raises(errors.NotFoundError, match="logits of dtype int32"):
        random.categorical([[1, 2]], 3)
