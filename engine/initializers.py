"""TensorFlow's initializers, built from public ops only, so they work in every mode.

`init(shape, dtype)` returns a tensor of that shape: values eagerly, a Graph's nodes
while it builds. Random initializers hand their `seed` to the random ops, so one seed
gives the same numbers eagerly and in a Session.

TF2 classes (tf.keras.initializers) are called as `init(shape, dtype=None, **kwargs)`,
dtype float32 by default. TF1's (tf.compat.v1.*_initializer) take the default dtype in
the constructor, record it in get_config and have other defaults: stddev 1.0 (TF2: 0.05)
and uniform over [0, 1) (TF2: [-0.05, 0.05)).
"""

from __future__ import annotations

import math as _pymath

import numpy as np

from engine import dtypes
from engine.infer import static_value
from engine.ops import array, linalg, random
from engine.ops import math as _m
from engine.ops.core import constant, is_tensor
from engine.ops.qr import qr
from engine.shapes import TensorShape

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal",
    "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal", "Identity", "compute_fans",
    "zeros_initializer", "ones_initializer", "constant_initializer",
    "random_normal_initializer", "truncated_normal_initializer",
    "random_uniform_initializer", "glorot_uniform_initializer", "glorot_normal_initializer",
    "variance_scaling_initializer", "orthogonal_initializer", "identity_initializer",
]

# The standard deviation of N(0, 1) truncated to [-2, 2] (scipy's truncnorm.std(-2, 2)):
# dividing by it makes truncated draws have the intended standard deviation.
_TRUNCATED_STDDEV = .87962566103423978
_PARTITION_KEYS = ("partition_shape", "partition_offset")

# ---------------------------------------------------------------- helpers ------------


def _dims(shape) -> list:
    """`shape` (list, tuple, TensorShape, int, or a tensor whose value is known) as ints."""
    if is_tensor(shape):
        value = static_value(shape)
        if value is None:
            raise ValueError(f"An initializer needs a static shape; the value of {shape} is "
                             "unknown while building.\n  Fix: pass a list of ints.")
        return [int(d) for d in np.reshape(value, -1)]
    if isinstance(shape, (int, np.integer)):
        return [int(shape)]
    dims = TensorShape(shape)
    if not dims.is_fully_defined():
        raise ValueError(f"An initializer needs a fully defined shape, got {shape}")
    return dims.as_list()


def _shape_arg(shape):
    """A shape for ops that take shape tensors: a tensor passes (dynamic in a graph)."""
    return shape if is_tensor(shape) else _dims(shape)


def compute_fans(shape) -> tuple:
    """(fan_in, fan_out) of a weight shape, by TensorFlow's rule.

    Scalars count 1 and 1; vectors n and n; matrices [in, out]; a convolution kernel
    [..., in, out] multiplies both by its receptive field (the product of the leading
    dims).
    """
    dims = _dims(shape)
    if len(dims) < 1:
        return 1, 1
    if len(dims) == 1:
        return dims[0], dims[0]
    if len(dims) == 2:
        return dims[0], dims[1]
    receptive_field = int(np.prod(dims[:-2]))
    return dims[-2] * receptive_field, dims[-1] * receptive_field


def _float_dtype(dtype) -> dtypes.DType:
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"Argument `dtype` is expected to be floating point. "
                         f"Received: {dtype}.")
    return dtype


def _numeric_dtype(dtype, allow_bool=True) -> dtypes.DType:
    """`dtype` if numeric (or bool/complex with allow_bool, as TF2 Zeros/Ones allow)."""
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_floating or dtype.is_integer
            or (allow_bool and (dtype.is_bool or dtype.is_complex))):
        raise ValueError(f"Argument `dtype` expected to be numeric or boolean. "
                         f"Received {dtype}.")
    return dtype


def _check_matrix_rank(shape, dims, exact: bool):
    if (len(dims) != 2) if exact else (len(dims) < 2):
        raise ValueError("The tensor to initialize, specified by argument `shape` must be "
                         f"at least two-dimensional. Received shape={shape}")


# ---------------------------------------------------------------- TF2 base -----------

class Initializer:
    """Base class: `init(shape, dtype=None, **kwargs)` returns a tensor of `shape`.

    Subclasses implement `_generate(shape, dtype, full_shape)`; `full_shape` is the whole
    variable's shape when only one partition of it is generated (fans use it)."""

    _supports_partition = True

    def __call__(self, shape, dtype=None, **kwargs):
        for key in kwargs:
            if key not in _PARTITION_KEYS:
                raise TypeError(f"Keyword argument should be one of {list(_PARTITION_KEYS)}."
                                f" Received: {key}")
            if not self._supports_partition:
                raise ValueError(f"{type(self).__name__} initializer doesn't support "
                                 "partition-related arguments")
        part = kwargs.get("partition_shape", shape)
        return self._generate(part, dtypes.float32 if dtype is None else dtype, shape)

    def _generate(self, shape, dtype, full_shape):
        raise NotImplementedError

    def get_config(self) -> dict:
        """The constructor arguments as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """An initializer built from `get_config()`'s dict (a "dtype" entry is dropped)."""
        config = dict(config)
        config.pop("dtype", None)
        return cls(**config)


# ---------------------------------------------------------------- constants ----------

class Zeros(Initializer):
    """All zeros (False for bool)."""

    def _generate(self, shape, dtype, full_shape):
        return array.zeros(_shape_arg(shape), _numeric_dtype(dtype))


class Ones(Initializer):
    """All ones (True for bool)."""

    def _generate(self, shape, dtype, full_shape):
        return array.ones(_shape_arg(shape), _numeric_dtype(dtype))


def _check_constant_value(value, v1: bool):
    if not (np.isscalar(value) or isinstance(value, (list, tuple, np.ndarray))):
        if v1:
            raise TypeError(f"Invalid type for initial value={value} of type: "
                            f"{type(value).__name__}. Expected Python scalar, list or tuple "
                            "of values, or numpy.ndarray.")
        raise TypeError(f"Invalid type for initial value: {type(value).__name__}. Expected "
                        "Python scalar, list or tuple of values, or numpy.ndarray.")


class Constant(Initializer):
    """`value` everywhere (a scalar), or `value`'s elements laid out in `shape` (a list or
    array with exactly that many elements). dtype defaults to float32, as in Keras."""

    def __init__(self, value=0):
        _check_constant_value(value, v1=False)
        self.value = value

    def _generate(self, shape, dtype, full_shape, verify_shape=False):
        dims = _dims(shape)
        values = np.asarray(self.value)
        size = int(np.prod(dims))
        if verify_shape and list(values.shape) != dims:
            raise TypeError(f"Expected Tensor {values} (converted from {self.value!r}) with "
                            f"shape {tuple(dims)}, but got shape {values.shape}.")
        if values.size != 1 and values.size != size:
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tensor "
                            f"{values} (converted from {self.value!r}) has {values.size} "
                            f"elements, but got `shape` {tuple(dims)} with {size} elements).")
        return constant(self.value, dtype=dtypes.as_dtype(dtype), shape=dims)

    def get_config(self):
        return {"value": self.value}


# ---------------------------------------------------------------- random -------------

class RandomNormal(Initializer):
    """Samples of N(mean, stddev**2)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def _generate(self, shape, dtype, full_shape):
        return random.normal(_shape_arg(shape), self.mean, self.stddev, _float_dtype(dtype),
                             seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """Samples of N(mean, stddev**2) redrawn until within two stddevs of the mean."""

    def _generate(self, shape, dtype, full_shape):
        return random.truncated_normal(_shape_arg(shape), self.mean, self.stddev,
                                       _float_dtype(dtype), seed=self.seed)


class RandomUniform(Initializer):
    """Samples of U[minval, maxval) (floats or integers)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        self.seed = seed

    def _generate(self, shape, dtype, full_shape):
        dtype = _numeric_dtype(dtype, allow_bool=False)
        return random.uniform(_shape_arg(shape), self.minval, self.maxval, dtype, seed=self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


_MODES = ("fan_in", "fan_out", "fan_avg")


def _variance_args(scale, mode, distribution, v1: bool) -> str:
    """Checks VarianceScaling's arguments; returns the distribution's canonical name
    (TF2 reads "normal" as "truncated_normal"; TF1 keeps "normal", a synonym)."""
    if scale <= 0.:
        raise ValueError(f"Argument `scale` must be a positive float. Received: {scale}")
    if mode not in _MODES:
        raise ValueError("Argument `mode` should be one of ('fan_in', 'fan_out', "
                         f"'fan_avg'). Received: {mode}")
    distribution = distribution.lower()
    if v1:
        if distribution not in ("normal", "uniform", "truncated_normal",
                                "untruncated_normal"):
            raise ValueError("Argument `distribution` should be one of ('normal', "
                             "uniform', 'truncated_normal', 'untruncated_normal'). "
                             f"Received: {distribution}")
        return distribution
    if distribution == "normal":
        distribution = "truncated_normal"
    if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
        raise ValueError("Argument `distribution` should be one of ('uniform', "
                         "'truncated_normal', 'untruncated_normal'). Received: "
                         f"{distribution}")
    return distribution


class VarianceScaling(Initializer):
    """Samples whose variance is scale / n, n = fan_in, fan_out or their mean (`mode`).

    "truncated_normal": truncated normal with stddev sqrt(scale / n) after truncation;
    "untruncated_normal": normal with that stddev; "uniform": U[-limit, limit) with
    limit = sqrt(3 * scale / n).

    Raises:
        ValueError: `scale` is not positive, or `mode`/`distribution` is unknown.
    """

    _v1 = False

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal",
                 seed=None):
        self.distribution = _variance_args(scale, mode, distribution, self._v1)
        self.scale = scale
        self.mode = mode
        self.seed = seed

    def _generate(self, shape, dtype, full_shape):
        dtype = _float_dtype(dtype)
        fan_in, fan_out = compute_fans(full_shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out,
               "fan_avg": (fan_in + fan_out) / 2.}[self.mode]
        scale = self.scale / max(1., fan)
        dims = _dims(shape)
        if self.distribution in ("truncated_normal", "normal"):
            stddev = _pymath.sqrt(scale) / _TRUNCATED_STDDEV
            return random.truncated_normal(dims, 0.0, stddev, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random.normal(dims, 0.0, _pymath.sqrt(scale), dtype, seed=self.seed)
        limit = _pymath.sqrt(3.0 * scale)
        return random.uniform(dims, -limit, limit, dtype, seed=self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _preset(name, scale, mode, distribution, doc):
    """A VarianceScaling with fixed arguments whose only parameter is the seed."""
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": doc})


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform",
                        "U[-limit, limit), limit = sqrt(6 / (fan_in + fan_out)) (Xavier).")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                       "Truncated normal, stddev = sqrt(2 / (fan_in + fan_out)) (Xavier).")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal",
                   "Truncated normal, stddev = sqrt(2 / fan_in).")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform",
                    "U[-limit, limit), limit = sqrt(6 / fan_in).")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal",
                      "Truncated normal, stddev = sqrt(1 / fan_in).")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform",
                       "U[-limit, limit), limit = sqrt(3 / fan_in).")


# ---------------------------------------------------------------- matrices -----------

class Orthogonal(Initializer):
    """gain * an orthogonal matrix: q of the QR decomposition of a normal matrix, its
    columns' signs fixed by r's diagonal (a uniform draw from the orthogonal group).

    A shape [..., n] is filled as the matrix [prod(...), n]; with fewer rows than columns
    the rows are orthonormal, else the columns.

    Raises:
        ValueError: `shape` has fewer than two dimensions.
    """

    _supports_partition = False

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        self.seed = seed

    def _generate(self, shape, dtype, full_shape):
        dtype = _float_dtype(dtype)
        dims = _dims(shape)
        _check_matrix_rank(shape, dims, exact=False)
        rows, cols = int(np.prod(dims[:-1])), dims[-1]
        a = random.normal((max(rows, cols), min(rows, cols)), dtype=dtype, seed=self.seed)
        q, r = qr(a, full_matrices=False)
        q = _m.multiply(q, _m.sign(linalg.diag_part(r)))
        if rows < cols:
            q = linalg.matrix_transpose(q)
        return _m.multiply(array.reshape(q, dims), self.gain)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """gain * the identity matrix (ones on the main diagonal of a [rows, cols] matrix).

    Raises:
        ValueError: `shape` is not two-dimensional.
    """

    _supports_partition = False

    def __init__(self, gain=1.0):
        self.gain = gain

    def _generate(self, shape, dtype, full_shape):
        dtype = _float_dtype(dtype)
        dims = _dims(shape)
        _check_matrix_rank(shape, dims, exact=True)
        return _m.multiply(array.eye(dims[0], dims[1], dtype=dtype), self.gain)

    def get_config(self):
        return {"gain": self.gain}


# ---------------------------------------------------------------- TF1 ----------------

class _V1:
    """TF1's convention, mixed into a TF2 class: the dtype given to the constructor is
    the default, `partition_info.full_shape` sizes the fans, get_config adds the dtype."""

    def __call__(self, shape, dtype=None, partition_info=None):
        full = shape if partition_info is None else partition_info.full_shape
        return self._generate(shape, self.dtype if dtype is None else dtype, full)

    def get_config(self):
        return {**super().get_config(), "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class zeros_initializer(_V1, Zeros):  # noqa: N801 - TensorFlow's name
    """TF1 Zeros: all zeros of `dtype` unless the call gives one (any dtype: '' for
    strings)."""

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def _generate(self, shape, dtype, full_shape):
        return array.zeros(_shape_arg(shape), dtypes.as_dtype(dtype))


class ones_initializer(_V1, Ones):  # noqa: N801
    """TF1 Ones: all ones of `dtype` unless the call gives one."""

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)


class constant_initializer(_V1, Constant):  # noqa: N801
    """TF1 Constant: `value` as `dtype` (float32 by default); `verify_shape` requires
    `value` to have exactly the requested shape."""

    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        _check_constant_value(value, v1=True)
        self.value = value
        self.dtype = dtypes.as_dtype(dtype)
        self._verify_shape = verify_shape

    def __call__(self, shape, dtype=None, partition_info=None, verify_shape=None):
        verify = self._verify_shape if verify_shape is None else verify_shape
        return self._generate(shape, self.dtype if dtype is None else dtype, shape, verify)


class random_uniform_initializer(_V1, RandomUniform):  # noqa: N801
    """TF1 RandomUniform: U[minval, maxval), maxval None meaning 1 (floats)."""

    def __init__(self, minval=.0, maxval=None, seed=None, dtype=dtypes.float32):
        super().__init__(minval, maxval, seed)
        self.dtype = dtypes.as_dtype(dtype)


class random_normal_initializer(_V1, RandomNormal):  # noqa: N801
    """TF1 RandomNormal: N(mean, stddev**2), stddev 1.0 by default."""

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        super().__init__(mean, stddev, seed)
        self.dtype = _float_dtype(dtype)


class truncated_normal_initializer(_V1, TruncatedNormal):  # noqa: N801
    """TF1 TruncatedNormal: N(mean, stddev**2) within two stddevs, stddev 1.0 default."""

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        super().__init__(mean, stddev, seed)
        self.dtype = _float_dtype(dtype)


class variance_scaling_initializer(_V1, VarianceScaling):  # noqa: N801
    """TF1 VarianceScaling ("normal" is kept as a synonym of "truncated_normal")."""

    _v1 = True

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal",
                 seed=None, dtype=dtypes.float32):
        super().__init__(scale, mode, distribution, seed)
        self.dtype = _float_dtype(dtype)


class glorot_uniform_initializer(_V1, GlorotUniform):  # noqa: N801
    """TF1 GlorotUniform: U[-limit, limit), limit = sqrt(6 / (fan_in + fan_out))."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(seed)
        self.dtype = _float_dtype(dtype)


class glorot_normal_initializer(_V1, GlorotNormal):  # noqa: N801
    """TF1 GlorotNormal: truncated normal, stddev = sqrt(2 / (fan_in + fan_out))."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(seed)
        self.dtype = _float_dtype(dtype)


class orthogonal_initializer(_V1, Orthogonal):  # noqa: N801
    """TF1 Orthogonal: gain * q of the QR decomposition of a normal matrix."""

    def __init__(self, gain=1.0, seed=None, dtype=dtypes.float32):
        super().__init__(gain, seed)
        self.dtype = _float_dtype(dtype)


class identity_initializer(_V1, Identity):  # noqa: N801
    """TF1 Identity (tf.compat.v1.initializers.identity): gain * the identity matrix."""

    def __init__(self, gain=1.0, dtype=dtypes.float32):
        super().__init__(gain)
        self.dtype = _float_dtype(dtype)
