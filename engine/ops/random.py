"""Random ops with TensorFlow's seed rules: normal, uniform, truncated_normal, shuffle,
categorical, set_seed and get_seed.

Every sampler draws from the numpy Generator its executor's ResourceStore keeps for the
op's (seed, seed2) pair (`ResourceStore.generator`), so one program with one seed gives
the same bits eagerly, in a Session and in a tf.function. One key continues one stream:
an op with an explicit seed called twice eagerly gives different numbers, as in
TensorFlow, until `set_seed` starts everything again. (seed, seed2) == (0, 0) is
TensorFlow's "no seed at all": the kernel draws from fresh OS entropy.

The kernels sample the standard distributions only; mean/stddev/minval/maxval are applied
with multiply and add, as TensorFlow composes them, so those parameters get gradients
and the samplers themselves have none.
"""

from __future__ import annotations

import numpy as np

from engine import context, dtypes, errors
from engine.context import execute
from engine.infer import fmt_shape, static_value
from engine.ops.array_shape import shape_arg
from engine.ops.core import convert_to_tensor
from engine.ops.math import add, multiply, subtract
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape

__all__ = ["normal", "uniform", "truncated_normal", "shuffle", "categorical", "set_seed",
           "get_seed", "SeedState", "DEFAULT_GRAPH_SEED"]

DEFAULT_GRAPH_SEED = 87654321  # TensorFlow's global seed when only an op seed is given
_MAXINT32 = 2 ** 31 - 1
_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)
_SHAPE_DTYPES = (dtypes.int32, dtypes.int64)

# ---------------------------------------------------------------- seeds --------------


class SeedState:
    """A global seed and the counter that numbers the ops built without an op seed."""

    __slots__ = ("seed", "count")

    def __init__(self, seed=None):
        self.seed = seed
        self.count = 0

    def next_op_seed(self) -> int:
        seed = self.count
        self.count += 1
        return seed


_EAGER_SEEDS = SeedState()  # TensorFlow's eager context seed: one per process


def _seed_state() -> SeedState:
    """Where the global seed and op counter live: the executor's own `seed_state` if it
    keeps one (a Graph: TensorFlow's per-graph seed and counter), else the process's."""
    return getattr(context.current_executor(), "seed_state", _EAGER_SEEDS)


def _truncate_seed(seed) -> int:
    return int(seed) % _MAXINT32  # TensorFlow keeps seeds in 31 bits


def set_seed(seed):
    """Sets the global random seed; eagerly it also restarts the op-seed counter and every
    random op's stream (TensorFlow clears its kernel cache), so a program replays."""
    executor = context.current_executor()
    state = _seed_state()
    state.seed = None if seed is None else int(seed)
    if executor.is_eager:
        state.count = 0
        store = getattr(executor, "store", None)
        if store is not None:
            store.generators.clear()


def get_seed(op_seed):
    """The (seed, seed2) a random op uses given its op seed, by TensorFlow's four rules.

    global and op seed both None: (None, None), a nondeterministic op; global only: the
    op seed is the next value of a counter; op seed only: the global seed is
    DEFAULT_GRAPH_SEED; both: both. (0, 0) is returned as (0, 2**31 - 1) because the
    kernels read (0, 0) as "no seed".
    """
    state = _seed_state()
    if state.seed is not None:
        if op_seed is None:
            op_seed = state.next_op_seed()
        seeds = _truncate_seed(state.seed), _truncate_seed(op_seed)
    elif op_seed is not None:
        seeds = DEFAULT_GRAPH_SEED, _truncate_seed(op_seed)
    else:
        return None, None
    if seeds == (0, 0):
        return 0, _MAXINT32
    return seeds


def _sample(opdef, inputs, attrs: dict, op_seed, name):
    """Runs a sampler with the seeds `get_seed(op_seed)` gives, added to `attrs`."""
    executor = context.current_executor()
    state = _seed_state()
    # Eagerly, an op seed from the counter is used once: nothing can continue its stream
    # before set_seed restarts the counter, so its generator is dropped right away
    # instead of piling up in a loop (TensorFlow's eager kernel-cache leak, #37252).
    once = op_seed is None and executor.is_eager and state.seed is not None
    seed, seed2 = get_seed(op_seed)
    attrs["seed"] = seed = seed or 0
    attrs["seed2"] = seed2 = seed2 or 0
    out = execute(opdef, inputs, attrs, name)
    if once:
        executor.store.generators.pop((seed, seed2), None)
    return out


def _generator(store, seed, seed2) -> np.random.Generator:
    if seed == 0 and seed2 == 0:  # no seed anywhere: every run draws fresh numbers
        return np.random.default_rng()
    return store.generator(seed, seed2)


# ---------------------------------------------------------------- shapes -------------

def _dims(shape) -> tuple:
    """The kernel's output shape from its int32/int64 shape vector."""
    if shape.dtype != np.int32 and shape.dtype != np.int64:
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'T' of {shape.dtype} is not in the list of allowed "
            "values: int32, int64 (the shape argument)")
    if shape.ndim != 1:
        raise errors.InvalidArgumentError(
            None, None, f"shape must be a vector of {{int32,int64}}, got shape "
            f"{fmt_shape(shape.shape)}")
    if shape.size and shape.min() < 0:
        raise errors.InvalidArgumentError(
            None, None, f"Dimension {int(shape.min())} must be >= 0")
    return tuple(int(d) for d in shape)


def _static_dims(op_name: str, shape_t) -> TensorShape:
    """The static output shape from a shape tensor: its value if known, else its length."""
    if shape_t.dtype not in _SHAPE_DTYPES:
        raise TypeError(f"Value for attr 'T' of {shape_t.dtype.name} is not in the list of "
                        f"allowed values: int32, int64 (the shape of '{op_name}')")
    rank = shape_t.shape.rank
    if rank is not None and rank != 1:
        raise ValueError(f"Shape must be rank 1 but is rank {rank} for '{op_name}' with "
                         f"input shapes: {fmt_shape(shape_t.shape)}.")
    value = static_value(shape_t)
    if value is None:
        length = shape_t.shape[0] if rank == 1 else None
        return TensorShape(None) if length is None else TensorShape([None] * length)
    dims = []
    for d in np.asarray(value).tolist():
        if d < -1:
            raise ValueError(f"Dimension {d} must be >= 0 in the shape of '{op_name}'")
        dims.append(None if d == -1 else d)  # -1: unknown while building, as TensorFlow
    return TensorShape(dims)


def _shape_tensor(shape):
    """`shape` as a 1-D integer tensor, by array's rules for shape arguments (int32)."""
    return convert_to_tensor(shape_arg(shape))


def _check_float_dtype(dtype) -> dtypes.DType:
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _FLOATS:
        raise TypeError(f"Value passed to parameter 'dtype' has DataType {dtype.name} not in "
                        "list of allowed values: float16, float32, float64\n"
                        "  Fix: sample a float dtype and tf.cast the result, or use "
                        "tf.random.uniform for integers.")
    return dtype


def _is_number(value, number) -> bool:
    """True for a Python int/float equal to `number` (a no-op scale or shift)."""
    return type(value) in (int, float) and value == number


# ---------------------------------------------------------------- samplers -----------

def _sampler_infer(op_name: str):
    def infer(inputs, attrs):
        dtype = _check_float_dtype(attrs["dtype"])
        return [(dtype, _static_dims(op_name, inputs[0]))]
    return infer


def _draw_dtype(dtype):
    # float16 is drawn in float32 and rounded: numpy's Generator has no half sampler.
    return np.float32 if dtype is dtypes.float16 else dtype._np


def _standard_normal_kernel(store, shape, dtype, seed, seed2):
    dims = _dims(shape)
    out = _generator(store, seed, seed2).standard_normal(dims, dtype=_draw_dtype(dtype))
    return out.astype(dtype._np, copy=False)


_F16_BELOW_ONE = np.nextafter(np.float16(1), np.float16(0))


def _uniform_kernel(store, shape, dtype, seed, seed2):
    dims = _dims(shape)
    out = _generator(store, seed, seed2).random(dims, dtype=_draw_dtype(dtype))
    if dtype is dtypes.float16:  # rounding to half may reach 1.0; the range is [0, 1)
        out = np.minimum(out.astype(np.float16), _F16_BELOW_ONE)
    return out


def _truncated_normal_kernel(store, shape, dtype, seed, seed2):
    dims = _dims(shape)
    gen = _generator(store, seed, seed2)
    draw = _draw_dtype(dtype)
    out = gen.standard_normal(dims, dtype=draw)
    flat = out.reshape(-1)  # a view: redraws land in `out`
    redo = np.flatnonzero(np.abs(flat) >= 2.0)
    while redo.size:  # each round redraws only the last round's rejects (~4.6% of them)
        fresh = gen.standard_normal(redo.size, dtype=draw)
        flat[redo] = fresh
        redo = redo[np.abs(fresh) >= 2.0]
    return out.astype(dtype._np, copy=False)


RANDOM_STANDARD_NORMAL = register(
    "RandomStandardNormal", _standard_normal_kernel, _sampler_infer("RandomStandardNormal"),
    NO_GRADIENT, stateful=True, uses_store=True)
RANDOM_UNIFORM = register(
    "RandomUniform", _uniform_kernel, _sampler_infer("RandomUniform"), NO_GRADIENT,
    stateful=True, uses_store=True)
TRUNCATED_NORMAL = register(
    "TruncatedNormal", _truncated_normal_kernel, _sampler_infer("TruncatedNormal"),
    NO_GRADIENT, stateful=True, uses_store=True)


def _scalar_bound(name, value):
    if value.ndim:
        raise errors.InvalidArgumentError(
            None, None, f"{name} must be 0-D, got shape {fmt_shape(value.shape)}")


def _uniform_int_kernel(store, shape, minval, maxval, seed, seed2):
    dims = _dims(shape)
    _scalar_bound("minval", minval)
    _scalar_bound("maxval", maxval)
    if minval.dtype.kind not in "iu":
        raise TypeError(f"RandomUniformInt samples int32 or int64, got {minval.dtype}")
    if not minval < maxval:
        raise errors.InvalidArgumentError(
            None, None, f"Need minval < maxval, got {minval} >= {maxval}")
    return _generator(store, seed, seed2).integers(minval, maxval, size=dims,
                                                   dtype=minval.dtype)


def _uniform_int_infer(inputs, attrs):
    shape_t, minval, maxval = inputs
    if minval.dtype not in (dtypes.int32, dtypes.int64) or maxval.dtype != minval.dtype:
        raise TypeError(f"'RandomUniformInt' takes int32 or int64 minval and maxval of one "
                        f"dtype, got {minval.dtype.name} and {maxval.dtype.name}")
    for name, t in (("minval", minval), ("maxval", maxval)):
        if t.shape.rank not in (None, 0):
            raise ValueError(f"Shape must be rank 0 but is rank {t.shape.rank} for "
                             f"'RandomUniformInt' ({name} must be a scalar)")
    return [(minval.dtype, _static_dims("RandomUniformInt", shape_t))]


RANDOM_UNIFORM_INT = register("RandomUniformInt", _uniform_int_kernel, _uniform_int_infer,
                              NO_GRADIENT, stateful=True, uses_store=True, same_dtype=(1, 2))


def _shuffle_kernel(store, value, seed, seed2):
    if value.ndim == 0 or value.shape[0] <= 1:
        return value
    return value[_generator(store, seed, seed2).permutation(value.shape[0])]


RANDOM_SHUFFLE = register("RandomShuffle", _shuffle_kernel,
                          lambda inputs, attrs: [(inputs[0].dtype, inputs[0].shape)],
                          NO_GRADIENT, stateful=True, uses_store=True)


# ---------------------------------------------------------------- multinomial --------

def _check_logits(logits, num_samples):
    if logits.ndim != 2:
        raise errors.InvalidArgumentError(
            None, None, f"logits should be a matrix, got shape {fmt_shape(logits.shape)}")
    if logits.dtype.kind != "f":
        raise errors.NotFoundError(
            None, None, f"No Multinomial kernel for logits of dtype {logits.dtype}\n"
            "  Fix: tf.cast the logits to float32.")
    if num_samples.ndim:
        raise errors.InvalidArgumentError(
            None, None, f"num_samples should be a scalar, got shape "
            f"{fmt_shape(num_samples.shape)}")
    if num_samples < 0:
        raise errors.InvalidArgumentError(
            None, None, f"num_samples should be non-negative, got {int(num_samples)}")
    if logits.shape[1] == 0:
        raise errors.InvalidArgumentError(
            None, None, "num_classes should be positive, got 0")


def _multinomial_kernel(store, logits, num_samples, seed, seed2, output_dtype):
    """Inverse-CDF sampling, all rows in one searchsorted.

    Non-finite logits weigh nothing; a row with no finite logit yields num_classes, as
    TensorFlow's CPU kernel does.
    """
    _check_logits(logits, num_samples)
    batch, classes = logits.shape
    n = int(num_samples)
    x = logits.astype(np.float64)
    finite = np.isfinite(x)
    top = np.max(np.where(finite, x, -np.inf), axis=1, keepdims=True)
    with np.errstate(invalid="ignore", over="ignore"):
        weights = np.where(finite, np.exp(x - top), 0.0)
    cdf = np.cumsum(weights, axis=1)
    total = cdf[:, -1:]
    cdf = np.where(total > 0, cdf / np.where(total > 0, total, 1.0), 1.0)
    u = _generator(store, seed, seed2).random((batch, n))
    # Row b's cdf lies in [2b, 2b + 1]: the flattened rows stay sorted, so one search
    # finds every sample's class; subtracting b * classes makes the index row-local.
    offsets = 2.0 * np.arange(batch)[:, None]
    found = np.searchsorted((cdf + offsets).ravel(), (u + offsets).ravel(), side="right")
    index = found.reshape(batch, n) - classes * np.arange(batch)[:, None]
    return np.where(total > 0, index, classes).astype(output_dtype._np)


def _multinomial_infer(inputs, attrs):
    logits, num_samples = inputs
    if not logits.dtype.is_floating:
        raise TypeError(f"'Multinomial' takes float logits, got {logits.dtype.name}")
    if num_samples.dtype != dtypes.int32:
        raise TypeError(f"'Multinomial' takes an int32 num_samples, got "
                        f"{num_samples.dtype.name}")
    rank = logits.shape.rank
    if rank is not None and rank != 2:
        raise ValueError(f"Shape must be rank 2 but is rank {rank} for 'Multinomial' with "
                         f"input shapes: {fmt_shape(logits.shape)}, "
                         f"{fmt_shape(num_samples.shape)}.")
    batch = logits.shape[0] if rank == 2 else None
    n = static_value(num_samples)
    n = int(n) if n is not None and np.ndim(n) == 0 else None
    return [(attrs["output_dtype"], TensorShape([batch, n]))]


MULTINOMIAL = register("Multinomial", _multinomial_kernel, _multinomial_infer, NO_GRADIENT,
                       stateful=True, uses_store=True)


# ---------------------------------------------------------------- public functions ---

def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples of N(mean, stddev**2): standard normal draws * stddev + mean.

    Raises:
        TypeError: `dtype` is not float16, float32 or float64.
    """
    dtype = _check_float_dtype(dtype)
    shape = _shape_tensor(shape)
    if _is_number(mean, 0) and _is_number(stddev, 1):  # x * 1 + 0 == x: skip both ops
        return _sample(RANDOM_STANDARD_NORMAL, (shape,), {"dtype": dtype}, seed, name)
    mean = convert_to_tensor(mean, dtype=dtype)
    stddev = convert_to_tensor(stddev, dtype=dtype)
    rnd = _sample(RANDOM_STANDARD_NORMAL, (shape,), {"dtype": dtype}, seed, None)
    return add(multiply(rnd, stddev), mean, name=name)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None,
                     name=None):
    """Samples of N(mean, stddev**2) restricted to |x - mean| < 2 stddev (redrawn beyond).

    Raises:
        TypeError: `dtype` is not float16, float32 or float64.
    """
    dtype = _check_float_dtype(dtype)
    shape = _shape_tensor(shape)
    mean = convert_to_tensor(mean, dtype=dtype)
    stddev = convert_to_tensor(stddev, dtype=dtype)
    rnd = _sample(TRUNCATED_NORMAL, (shape,), {"dtype": dtype}, seed, None)
    return add(multiply(rnd, stddev), mean, name=name)


_UNIFORM_DTYPES = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)


def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Samples of U[minval, maxval): floats as u * (maxval - minval) + minval, u in [0, 1).

    `maxval` defaults to 1 for floats and is required for integers.

    Raises:
        ValueError: `dtype` is not a float or int32/int64, or an integer `dtype` without
            `maxval`.
    """
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _UNIFORM_DTYPES:
        raise ValueError(f"Argument `dtype` got invalid value {dtype}. Accepted dtypes are "
                         f"({', '.join(repr(d) for d in _UNIFORM_DTYPES)}).")
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        maxval = 1
    shape = _shape_tensor(shape)
    # TensorFlow skips the scale and shift only for the Python ints 0 and 1.
    minval_is_zero = isinstance(minval, int) and minval == 0
    maxval_is_one = isinstance(maxval, int) and maxval == 1
    if not minval_is_zero or not maxval_is_one or dtype.is_integer:
        minval = convert_to_tensor(minval, dtype=dtype)
        maxval = convert_to_tensor(maxval, dtype=dtype)
    if dtype.is_integer:
        return _sample(RANDOM_UNIFORM_INT, (shape, minval, maxval), {}, seed, name)
    if minval_is_zero and maxval_is_one:
        return _sample(RANDOM_UNIFORM, (shape,), {"dtype": dtype}, seed, name)
    rnd = _sample(RANDOM_UNIFORM, (shape,), {"dtype": dtype}, seed, None)
    if minval_is_zero:
        return multiply(rnd, maxval, name=name)
    return add(multiply(rnd, subtract(maxval, minval)), minval, name=name)


def shuffle(value, seed=None, name=None):
    """`value` with its slices along axis 0 in a uniformly random order."""
    return _sample(RANDOM_SHUFFLE, (value,), {}, seed, name)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """[batch, num_samples] class indices drawn with P(class j) = softmax(logits[b])[j].

    Raises:
        ValueError: `dtype` is not int32 or int64.
    """
    logits = convert_to_tensor(logits)
    dtype = dtypes.as_dtype(dtype) if dtype else dtypes.int64
    if dtype not in (dtypes.int32, dtypes.int64):
        raise ValueError(f"Argument `dtype` got invalid value {dtype}. Accepted dtypes are "
                         "(tf.int32, tf.int64).")
    return _sample(MULTINOMIAL, (logits, num_samples), {"output_dtype": dtype}, seed, name)

