"""tf.nn: activations, softmax, bias_add, cross-entropy losses, moments, dropout, erf.

Each op: kernel (numpy), infer and gradient (public ops, so second derivatives work)
side by side, then its public function. The kernels keep TensorFlow's numerically
stable formulas (shift by the max before exp), so logits of 1000 never overflow.
The cross-entropy losses live in engine.ops.nn_xent and are re-exported here.
"""

from __future__ import annotations

import numbers

import numpy as np

from engine import dtypes
from engine import infer as _infer
from engine.context import execute
from engine.errors import InvalidArgumentError
from engine.ops._util import INT_FLOAT_KINDS, unary
from engine.ops.math import abs as _abs
from engine.ops.math import (
    add,
    cast,
    exp,
    greater,
    greater_equal,
    less,
    logical_and,
    maximum,
    multiply,
    negative,
    realdiv,
    rsqrt,
    sigmoid,
    square,
    squared_difference,
    subtract,
    tanh,
    where,
    zeros_like_fast,
)
from engine.ops.math import pow as _pow
from engine.ops.nn_xent import (
    REAL_FLOAT_KINDS,
    sigmoid_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits,
    sparse_softmax_cross_entropy_with_logits,
)
from engine.ops.nn_xent import check_float as _check_float
from engine.ops.nn_xent import shifted as _shifted
from engine.registry import register
from engine.shapes import TensorShape

__all__ = [
    "bias_add",
    "dropout",
    "elu",
    "erf",
    "erfc",
    "gelu",
    "l2_loss",
    "l2_normalize",
    "leaky_relu",
    "log_softmax",
    "moments",
    "relu",
    "relu6",
    "selu",
    "sigmoid_cross_entropy_with_logits",
    "softmax",
    "softmax_cross_entropy_with_logits",
    "softplus",
    "softsign",
    "sparse_softmax_cross_entropy_with_logits",
]

_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717


def _reduce():
    from engine.ops import reduce
    return reduce


def _array():
    from engine.ops import array
    return array


# ---------------------------------------------------------------- activations ------
# Gradients follow TensorFlow's *Grad kernels: Relu, Relu6, Elu and Selu read the
# output (so the forward value is reused), LeakyRelu, Softplus and Softsign the input.

def _relu_grad(op, g):
    return (execute(RELU_GRAD, (g, op.outputs[0]), None, None),)


def _relu_grad_kernel(gradients, features):
    """TensorFlow's ReluGrad: gradients * (features > 0) (one pass, no np.where)."""
    return gradients * (features > 0)


RELU_GRAD = register(
    "ReluGrad", _relu_grad_kernel, lambda inputs, attrs: [(inputs[0].dtype, inputs[0].shape)],
    lambda op, g: (execute(RELU_GRAD, (g, op.inputs[1]), None, None), None),
    same_dtype=(0, 1))


def _relu6_grad(op, g):
    y = op.outputs[0]
    return (where(logical_and(greater(y, 0), less(y, 6)), g, 0),)


def _elu_grad(op, g):
    y = op.outputs[0]  # elu'(x) = exp(x) = y + 1 for x < 0
    return (where(less(y, 0), multiply(g, add(y, 1)), g),)


def _selu_grad(op, g):
    y = op.outputs[0]  # selu'(x) = scale * alpha * exp(x) = y + scale * alpha for x < 0
    return (where(less(y, 0), multiply(g, add(y, _SELU_SCALE * _SELU_ALPHA)),
                  multiply(g, _SELU_SCALE)),)


def _elu_kernel(x):
    return np.where(x < 0, np.expm1(np.minimum(x, 0)), x)


def _selu_kernel(x):
    neg = (_SELU_SCALE * _SELU_ALPHA) * np.expm1(np.minimum(x, 0))
    return np.where(x < 0, neg, _SELU_SCALE * x)


RELU = unary("Relu", lambda x: np.maximum(x, 0), _relu_grad, INT_FLOAT_KINDS)
RELU6 = unary("Relu6", lambda x: np.minimum(np.maximum(x, 0), 6), _relu6_grad,
              INT_FLOAT_KINDS)
ELU = unary("Elu", _elu_kernel, _elu_grad, REAL_FLOAT_KINDS)
SELU = unary("Selu", _selu_kernel, _selu_grad, REAL_FLOAT_KINDS)
# log(1 + exp(x)) without overflow: logaddexp computes max(x, 0) + log1p(exp(-|x|)).
SOFTPLUS = unary("Softplus", lambda x: np.logaddexp(x, x.dtype.type(0)),
                 lambda op, g: (multiply(g, sigmoid(op.inputs[0])),), REAL_FLOAT_KINDS)
SOFTSIGN = unary("Softsign", lambda x: x / (np.abs(x) + 1),
                 lambda op, g: (realdiv(g, square(add(_abs(op.inputs[0]), 1))),),
                 REAL_FLOAT_KINDS)


def _leaky_relu_kernel(features, alpha):
    if features.dtype.kind != "f":
        _check_float("LeakyRelu", dtypes.from_numpy(features.dtype))
    return np.where(features > 0, features, features * alpha)


def _leaky_relu_infer(inputs, attrs):
    _check_float("LeakyRelu", inputs[0].dtype)
    return [(inputs[0].dtype, inputs[0].shape)]


LEAKY_RELU = register(
    "LeakyRelu", _leaky_relu_kernel, _leaky_relu_infer,
    lambda op, g: (where(greater(op.inputs[0], 0), g,
                         multiply(g, op.get_attr("alpha"))),))


def _public(opdef, doc):
    def fn(features, name=None):
        return execute(opdef, (features,), None, name)
    fn.__doc__ = doc
    return fn


relu = _public(RELU, "max(features, 0) elementwise.")
relu6 = _public(RELU6, "min(max(features, 0), 6) elementwise.")
elu = _public(ELU, "features if > 0 else exp(features) - 1, elementwise.")
selu = _public(SELU, "scale * (x if x > 0 else alpha * (exp(x) - 1)), the self-normalizing "
                     "constants of Klambauer et al.")
softplus = _public(SOFTPLUS, "log(1 + exp(features)) elementwise, without overflow.")
softsign = _public(SOFTSIGN, "features / (1 + |features|) elementwise.")


def leaky_relu(features, alpha=0.2, name=None):
    """features if > 0 else alpha * features; integer inputs become float32 (as TF)."""
    from engine.ops.core import convert_to_tensor
    features = convert_to_tensor(features)
    if features.dtype.is_integer:
        features = cast(features, dtypes.float32)
    if isinstance(alpha, np.ndarray):
        alpha = alpha.item()
    return execute(LEAKY_RELU, (features,), {"alpha": float(alpha)}, name)


# ---------------------------------------------------------------- erf, gelu --------

_TWO_OVER_SQRT_PI = 1.1283791670955126
_ERF_SPLIT = 2.0  # the series below, the continued fraction above (both ~1e-15 there)


def _erf_series(a):
    """erf(a), 0 <= a < 2: 2/sqrt(pi) exp(-a^2) sum_n 2^n a^(2n+1) / (2n+1)!! (no
    cancellation: every term is positive)."""
    a2 = a * a
    term, total = a.copy(), a.copy()
    for n in range(1, 100):  # a loop over series terms; elements are vectorized
        term = term * (2.0 * a2 / (2 * n + 1))
        total += term
        if not np.any(term > 1e-17 * total):
            break
    return _TWO_OVER_SQRT_PI * np.exp(-a2) * total


def _erfc_fraction(a, depth=80):
    """erfc(a), a >= 2: Laplace's continued fraction exp(-a^2)/sqrt(pi) / (a + 1/2 /
    (a + 1 / (a + 3/2 / ...))), evaluated from the bottom up."""
    t = a.copy()
    for k in range(depth, 0, -1):
        t = a + (0.5 * k) / t
    return np.exp(-a * a) / (np.sqrt(np.pi) * t)


def _erf_parts(x):
    """(erf(|x|) where |x| < 2 else erfc(|x|), in float64; the mask |x| < 2)."""
    a = np.abs(np.asarray(x, np.float64))
    small = a < _ERF_SPLIT
    out = np.empty_like(a)
    out[small] = _erf_series(a[small])
    out[~small] = _erfc_fraction(a[~small])
    return out, small


def _erf_kernel(x):
    part, small = _erf_parts(x)
    value = np.where(small, part, 1.0 - part)
    return np.copysign(value, x).astype(x.dtype)


def _erfc_kernel(x):
    part, small = _erf_parts(x)
    positive = np.asarray(x) >= 0
    value = np.where(small, np.where(positive, 1.0 - part, 1.0 + part),
                     np.where(positive, part, 2.0 - part))
    return value.astype(x.dtype)


def _erf_grad(op, g):
    x = op.inputs[0]
    return (multiply(g, multiply(exp(negative(square(x))), _TWO_OVER_SQRT_PI)),)


ERF = unary("Erf", _erf_kernel, _erf_grad, REAL_FLOAT_KINDS)
ERFC = unary("Erfc", _erfc_kernel, lambda op, g: (negative(_erf_grad(op, g)[0]),),
             REAL_FLOAT_KINDS)


def erf(x, name=None):
    """The Gauss error function 2/sqrt(pi) * integral_0^x exp(-t^2) dt, elementwise."""
    return execute(ERF, (x,), None, name)


def erfc(x, name=None):
    """1 - erf(x) elementwise, accurate where erf(x) is close to 1."""
    return execute(ERFC, (x,), None, name)


def gelu(features, approximate=False, name=None):
    """x * Phi(x) = 0.5 x erfc(-x / sqrt(2)); with approximate, TF's tanh formula."""
    from engine.ops.core import convert_to_tensor
    features = convert_to_tensor(features)
    if not features.dtype.is_floating:
        raise ValueError("`features.dtype` must be a floating point tensor."
                         f"Received:features.dtype={features.dtype}")
    if approximate:
        inner = add(features, multiply(0.044715, _pow(features, 3)))
        return multiply(multiply(0.5, features), add(1.0, tanh(multiply(
            0.7978845608028654, inner))), name=name)
    return multiply(multiply(0.5, features),
                    erfc(multiply(negative(features), 0.7071067811865476)), name=name)


# ---------------------------------------------------------------- softmax ----------

def _softmax_infer(op_name):
    def infer(inputs, attrs):
        x = inputs[0]
        _check_float(op_name, x.dtype)
        if x.shape.rank == 0:
            raise ValueError(f"Shape must be at least rank 1 but is rank 0 for '{op_name}' "
                             f"with input shapes: [].")
        return [(x.dtype, x.shape)]
    return infer


def _softmax_kernel(logits):
    e = np.exp(_shifted(logits))
    return e / np.sum(e, axis=-1, keepdims=True)


def _log_softmax_kernel(logits):
    shifted = _shifted(logits)
    with np.errstate(divide="ignore"):  # log(0) only for rows of 0 classes (no output)
        return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _softmax_grad(op, g):
    y = op.outputs[0]
    return (multiply(subtract(g, _reduce().reduce_sum(multiply(g, y), -1, keepdims=True)),
                     y),)


def _log_softmax_grad(op, g):
    softmax_y = exp(op.outputs[0])
    return (subtract(g, multiply(_reduce().reduce_sum(g, -1, keepdims=True), softmax_y)),)


SOFTMAX = register("Softmax", _softmax_kernel, _softmax_infer("Softmax"), _softmax_grad)
LOG_SOFTMAX = register("LogSoftmax", _log_softmax_kernel, _softmax_infer("LogSoftmax"),
                       _log_softmax_grad)


def _along_axis(opdef, logits, axis, name):
    """Runs a last-axis op along `axis` by swapping it with the last axis (as TF)."""
    from engine.ops.core import convert_to_tensor
    logits = convert_to_tensor(logits)
    if axis is None:
        axis = -1
    if not isinstance(axis, numbers.Integral):
        axis = int(_infer.static_value(axis))
    rank = logits.shape.rank
    if axis == -1 or (rank is not None and axis == rank - 1):
        return execute(opdef, (logits,), None, name)
    if rank is None:  # no static perm: the same math from reductions along `axis`
        red = _reduce()
        shifted = subtract(logits, red.reduce_max(logits, axis, keepdims=True))
        if opdef is LOG_SOFTMAX:
            return subtract(shifted, red.reduce_logsumexp(shifted, axis, keepdims=True),
                            name=name)
        e = exp(shifted)
        return realdiv(e, red.reduce_sum(e, axis, keepdims=True), name=name)
    if not -rank <= axis < rank:
        raise InvalidArgumentError(
            None, None, f"`dim` must be in the range [{-rank}, {rank}) where {rank} is the "
            f"number of dimensions in the input. Received: dim={axis}")
    axis %= rank
    perm = list(range(rank))
    perm[axis], perm[-1] = rank - 1, axis  # a swap is its own inverse
    array = _array()
    out = execute(opdef, (array.transpose(logits, perm),), None, None)
    return array.transpose(out, perm, name=name)


def softmax(logits, axis=None, name=None):
    """exp(logits) / sum(exp(logits), axis), computed after subtracting the max."""
    return _along_axis(SOFTMAX, logits, axis, name)


def log_softmax(logits, axis=None, name=None):
    """logits - log(sum(exp(logits), axis)), computed after subtracting the max."""
    return _along_axis(LOG_SOFTMAX, logits, axis, name)


# ---------------------------------------------------------------- bias_add ---------

def _channel_axis(rank, data_format):
    # NCHW puts channels on axis 1 only from rank 3 up; a matrix keeps them last (as TF).
    return 1 if data_format == "NCHW" and rank > 2 else rank - 1


def _bias_add_kernel(value, bias, data_format):
    if value.ndim < 2:
        raise InvalidArgumentError(None, None, f"Input tensor must be at least 2D: "
                                   f"{_infer.fmt_shape(value.shape)}")
    if bias.ndim != 1:
        raise InvalidArgumentError(None, None,
                                   f"Biases must be 1D: {_infer.fmt_shape(bias.shape)}")
    axis = _channel_axis(value.ndim, data_format)
    if value.shape[axis] != bias.shape[0]:
        raise InvalidArgumentError(
            None, None, "Must provide as many biases as the last dimension of the input "
            f"tensor: {_infer.fmt_shape(bias.shape)} vs. {_infer.fmt_shape(value.shape)}")
    return value + bias.reshape((-1,) + (1,) * (value.ndim - 1 - axis))


def _bias_add_infer(inputs, attrs):
    value, bias = inputs
    dtype = _infer.check_same_dtype("BiasAdd", inputs, (0, 1))
    shapes = f"{_infer.fmt_shape(value.shape)}, {_infer.fmt_shape(bias.shape)}"
    if value.shape.rank is not None and value.shape.rank < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {value.shape.rank} "
                         f"for 'BiasAdd' with input shapes: {shapes}.")
    if bias.shape.rank is not None and bias.shape.rank != 1:
        raise ValueError(f"Shape must be rank 1 but is rank {bias.shape.rank} for "
                         f"'BiasAdd' with input shapes: {shapes}.")
    if value.shape.rank is None:
        return [(dtype, value.shape)]
    dims = value.shape.as_list()
    axis = _channel_axis(len(dims), attrs.get("data_format", "NHWC"))
    b = bias.shape.as_list()[0] if bias.shape.rank is not None else None
    if dims[axis] is not None and b is not None and dims[axis] != b:
        raise ValueError(f"Dimensions must be equal, but are {dims[axis]} and {b} for "
                         f"'BiasAdd' with input shapes: {shapes}.")
    if dims[axis] is None:
        dims[axis] = b
    return [(dtype, TensorShape(dims))]


def _bias_add_grad_kernel(out_backprop, data_format):
    if out_backprop.ndim < 2:
        raise InvalidArgumentError(None, None, f"Input tensor must be at least 2D: "
                                   f"{_infer.fmt_shape(out_backprop.shape)}")
    axis = _channel_axis(out_backprop.ndim, data_format)
    others = tuple(i for i in range(out_backprop.ndim) if i != axis)
    return np.sum(out_backprop, axis=others, dtype=out_backprop.dtype)


def _bias_add_grad_infer(inputs, attrs):
    g = inputs[0]
    if g.shape.rank is None:
        return [(g.dtype, TensorShape([None]))]
    if g.shape.rank < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {g.shape.rank} for "
                         f"'BiasAddGrad' with input shapes: {_infer.fmt_shape(g.shape)}.")
    axis = _channel_axis(g.shape.rank, attrs.get("data_format", "NHWC"))
    return [(g.dtype, TensorShape([g.shape.as_list()[axis]]))]


BIAS_ADD_GRAD = register(
    "BiasAddGrad", _bias_add_grad_kernel, _bias_add_grad_infer,
    # The bias gradient is a sum over the non-channel axes: its gradient broadcasts back.
    lambda op, g: (bias_add(zeros_like_fast(op.inputs[0]), g,
                            op.get_attr("data_format")),))
BIAS_ADD = register(
    "BiasAdd", _bias_add_kernel, _bias_add_infer,
    lambda op, g: (g, execute(BIAS_ADD_GRAD, (g,),
                              {"data_format": op.get_attr("data_format")}, None)),
    same_dtype=(0, 1))


def bias_add(value, bias, data_format=None, name=None):
    """value + bias, with the 1-D bias along the channel axis ("N...C" last, "NC..." 1).

    Raises:
        ValueError: data_format is neither of the form N...C nor NC...
        InvalidArgumentError: value is not at least 2-D, bias is not 1-D, or their
            channel sizes differ.
    """
    fmt = "NHWC"
    if data_format is not None:
        if data_format.startswith("NC"):
            fmt = "NCHW"
        elif not (data_format.startswith("N") and data_format.endswith("C")):
            raise ValueError("`data_format` must be of the form `N...C` or `NC...`. "
                             f"Received: data_format={data_format}")
    return execute(BIAS_ADD, (value, bias), {"data_format": fmt}, name)


# ---------------------------------------------------------------- l2, moments ------

def _l2_loss_infer(inputs, attrs):
    _check_float("L2Loss", inputs[0].dtype)
    return [(inputs[0].dtype, TensorShape([]))]


def _l2_loss_kernel(t):
    if t.dtype.kind != "f":
        _check_float("L2Loss", dtypes.from_numpy(t.dtype))
    return np.asarray(np.sum(np.square(t), dtype=t.dtype) / 2, dtype=t.dtype)


L2_LOSS = register("L2Loss", _l2_loss_kernel, _l2_loss_infer,
                   lambda op, g: (multiply(op.inputs[0], g),))


def l2_loss(t, name=None):
    """sum(t ** 2) / 2, a scalar (half the squared L2 norm, without the sqrt)."""
    return execute(L2_LOSS, (t,), None, name)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None):
    """x / sqrt(max(sum(x ** 2, axis), epsilon)): unit L2 norm along axis (all if None)."""
    from engine.ops.core import convert_to_tensor
    x = convert_to_tensor(x)
    square_sum = _reduce().reduce_sum(square(x), axis, keepdims=True)
    return multiply(x, rsqrt(maximum(square_sum, epsilon)), name=name)


def moments(x, axes, shift=None, keepdims=False, name=None):
    """(mean, variance) of x over axes; variance = mean((x - mean) ** 2) (biased).

    `shift` is accepted and ignored, as in TensorFlow 2. float16 inputs are reduced in
    float32 and cast back.
    """
    from engine.ops.core import convert_to_tensor, stop_gradient
    x = convert_to_tensor(x)
    red = _reduce()
    y = cast(x, dtypes.float32) if x.dtype == dtypes.float16 else x
    mean = red.reduce_mean(y, axes, keepdims=True)
    # As TF: d var / d mean is 0 at the mean, so first derivatives are exact and cheaper;
    # second derivatives lose the terms through the mean (TensorFlow's do too).
    variance = red.reduce_mean(squared_difference(y, stop_gradient(mean)), axes,
                               keepdims=True)
    if not keepdims:
        array = _array()
        squeeze_axes = [int(a) for a in np.atleast_1d(axes)]
        mean = array.squeeze(mean, squeeze_axes)
        variance = array.squeeze(variance, squeeze_axes)
    if x.dtype == dtypes.float16:
        return cast(mean, dtypes.float16), cast(variance, dtypes.float16)
    return mean, variance


# ---------------------------------------------------------------- dropout ----------

def _noise_shape(x, noise_shape):
    """The shape of the keep mask: x's shape, or noise_shape with None filled from x."""
    if noise_shape is None:
        if x.shape.is_fully_defined():
            return x.shape.as_list()
        return _array().shape(x)
    try:
        dims = TensorShape(noise_shape)
    except (TypeError, ValueError):
        return noise_shape  # a tensor: the random op checks it
    if x.shape.rank is not None and dims.rank == x.shape.rank:
        return [n if n is not None else d for n, d in zip(dims.as_list(), x.shape.as_list())]
    return dims.as_list()


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """x / (1 - rate) where a uniform draw is >= rate, else 0 (keeps 1 - rate of x).

    Raises:
        ValueError: rate is a number outside [0, 1), or x is not floating point.
    """
    from engine.ops import random
    from engine.ops.core import convert_to_tensor, is_tensor
    is_rate_number = isinstance(rate, numbers.Real)
    if is_rate_number and (rate < 0 or rate >= 1):
        raise ValueError("`rate` must be a scalar tensor or a float in the range [0, 1). "
                         f"Received: rate={rate}")
    x = convert_to_tensor(x)
    if not x.dtype.is_floating:
        raise ValueError("`x.dtype` must be a floating point tensor as `x` will be scaled. "
                         f"Received: x_dtype={x.dtype}")
    if is_rate_number and rate == 0:
        return x  # TensorFlow's fast path: no random draw at all
    if is_tensor(rate):
        rate = convert_to_tensor(rate)
        if rate.shape.rank is not None and rate.shape.rank != 0:
            raise ValueError(f"Shape {rate.shape} must have rank 0")
        if rate.dtype != x.dtype:
            rate = cast(rate, x.dtype)
        scaled = realdiv(x, subtract(1, rate))
    elif is_rate_number:
        scaled = multiply(x, 1 / (1 - rate))
    else:
        raise ValueError(f"`rate` must be a scalar or scalar tensor. Received: rate={rate}")
    noise = random.uniform(_noise_shape(x, noise_shape), minval=0, maxval=1, dtype=x.dtype,
                           seed=seed)
    return where(greater_equal(noise, rate), scaled, 0, name=name)
