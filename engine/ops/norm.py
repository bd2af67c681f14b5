"""tf.nn normalization: batch_normalization (a composite, as in TensorFlow),
fused_batch_norm (FusedBatchNormV3 and its gradient op) and local response
normalization (LRN, LRNGrad).

FusedBatchNormV3 follows TensorFlow's CPU kernel: in training it normalizes with the
batch's biased variance but *outputs* the Bessel-corrected one (n / (n - 1)), blended
with the running value when exponential_avg_factor != 1, and keeps the batch mean and
biased variance as reserve spaces for the gradient. FusedBatchNormGradV3 is one numpy
pass; its own gradient (second derivatives) is the closed form of differentiating that
pass, written with public ops so it works eagerly and in graphs.
"""

from __future__ import annotations

import numpy as np

from engine.context import execute
from engine.infer import fmt_shape
from engine.ops import math as _m
from engine.ops.pool import bad, check_infer_type, check_kernel_type, data_format_of
from engine.registry import register
from engine.shapes import TensorShape

__all__ = ["batch_normalization", "fused_batch_norm", "local_response_normalization", "lrn"]

# TensorFlow's CPU kernels take half, bfloat16 and float; double is accepted here too so
# that float64 gradient checks can run (a twinflow extension).
_BN_TYPES = "half, bfloat16, float, double"
_MIN_EPSILON = 1.001e-5  # cuDNN's floor, which TensorFlow's fused_batch_norm applies


def _reduce():
    from engine.ops import reduce
    return reduce


def _array():
    from engine.ops import array
    return array


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) * scale / sqrt(variance + epsilon) + offset, with TensorFlow's op order:
    x * inv + (offset - mean * inv) where inv = scale * rsqrt(variance + epsilon)."""
    from engine.ops.core import convert_to_tensor
    x = convert_to_tensor(x)
    inv = _m.rsqrt(_m.add(variance, variance_epsilon))
    if scale is not None:
        inv = _m.multiply(inv, scale)
    shift = (_m.subtract(offset, _m.multiply(mean, inv)) if offset is not None
             else _m.negative(_m.multiply(mean, inv)))
    return _m.add(_m.multiply(x, _m.cast(inv, x.dtype)), _m.cast(shift, x.dtype), name=name)


# ---------------------------------------------------------------- FusedBatchNormV3 ----

def _layout(x, data_format):
    """(reduction axes, broadcast shape of a per-channel vector, channel count)."""
    if data_format == "NCHW":
        return (0, 2, 3), (-1, 1, 1), x.shape[1]
    return (0, 1, 2), (-1,), x.shape[3]


def _check_channels(what, t, c, prefix=""):
    if t.size != c:
        raise bad(f"{prefix}{what} must have the same number of elements as the channels of "
                  f"x, got {t.size} and {c}")


def _fused_bn_kernel(x, scale, offset, mean, variance, epsilon, exponential_avg_factor,
                     data_format, is_training):
    check_kernel_type("FusedBatchNormV3", x, _BN_TYPES)
    if x.ndim != 4:
        raise bad(f"input must be 4-dimensional{fmt_shape(x.shape)}")
    axes, shape, c = _layout(x, data_format)
    _check_channels("scale", scale, c)
    _check_channels("offset", offset, c)
    f = exponential_avg_factor
    if not is_training or f != 1:
        _check_channels("mean", mean, c, "When is_training=false, ")
        _check_channels("variance", variance, c, "When is_training=false, ")
    xc = x.astype(scale.dtype, copy=False)
    if is_training:
        use_mean = xc.mean(axis=axes)
        use_var = np.square(xc - use_mean.reshape(shape)).mean(axis=axes)
        n = x.size // max(c, 1)
        corrected = use_var * (n / max(n - 1, 1))
        out_mean = use_mean if f == 1 else (1 - f) * mean + f * use_mean
        out_var = corrected if f == 1 else (1 - f) * variance + f * corrected
    else:
        use_mean, use_var, out_mean, out_var = mean, variance, mean, variance
    inv = scale / np.sqrt(use_var + scale.dtype.type(epsilon))
    y = (xc - use_mean.reshape(shape)) * inv.reshape(shape) + offset.reshape(shape)
    return (y.astype(x.dtype, copy=False), out_mean, out_var, use_mean, use_var,
            np.zeros((), scale.dtype))


def _fused_bn_infer(inputs, attrs):
    x, scale = inputs[0], inputs[1]
    check_infer_type("FusedBatchNormV3", "x", x.dtype, _BN_TYPES)
    shapes = ", ".join(fmt_shape(t.shape) for t in inputs)
    if x.shape.rank is not None and x.shape.rank != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {x.shape.rank} for "
                         f"'FusedBatchNormV3' with input shapes: {shapes}.")
    c = None
    if x.shape.rank is not None:
        c = x.shape.as_list()[1 if attrs["data_format"] == "NCHW" else 3]
    checked = inputs[1:3] if attrs["is_training"] else inputs[1:]
    for t in checked:
        if t.shape.rank is not None and t.shape.rank != 1:
            raise ValueError(f"Shape must be rank 1 but is rank {t.shape.rank} for "
                             f"'FusedBatchNormV3' with input shapes: {shapes}.")
        d = t.shape.as_list()[0] if t.shape.rank == 1 else None
        if c is not None and d is not None and c != d:
            raise ValueError(f"Dimensions must be equal, but are {c} and {d} for "
                             f"'FusedBatchNormV3' with input shapes: {shapes}.")
        c = c if c is not None else d
    u = scale.dtype
    vec = (u, TensorShape([c]))
    return [(x.dtype, x.shape), vec, vec, vec, vec, (u, TensorShape([]))]


def _fused_bn_grad(op, dy, *unused):
    """TensorFlow's _BaseFusedBatchNormGrad: only y's gradient flows back; in inference
    the population statistics stand in for the reserve spaces (and get no gradient)."""
    x, scale = op.inputs[0], op.inputs[1]
    training = op.get_attr("is_training")
    stats = (op.outputs[3], op.outputs[4]) if training else (op.inputs[3], op.inputs[4])
    attrs = {a: op.get_attr(a) for a in ("epsilon", "data_format", "is_training")}
    dx, dscale, doffset, _, _ = execute(FUSED_BN_GRAD, (dy, x, scale, *stats, op.outputs[5]),
                                        attrs)
    return dx, dscale, doffset, None, None


def _fused_bn_grad_kernel(y_backprop, x, scale, reserve_space_1, reserve_space_2,
                          reserve_space_3, epsilon, data_format, is_training):
    """dx, dscale, doffset for y = scale * (x - mean) * rsqrt(var + eps) + offset; in
    training the batch statistics depend on x too (the two mean terms)."""
    axes, shape, c = _layout(x, data_format)
    u = scale.dtype
    dy, xc = y_backprop.astype(u, copy=False), x.astype(u, copy=False)
    inv = 1 / np.sqrt(reserve_space_2 + u.type(epsilon))
    xhat = (xc - reserve_space_1.reshape(shape)) * inv.reshape(shape)
    doffset = dy.sum(axis=axes)
    dscale = (dy * xhat).sum(axis=axes)
    if is_training:
        n = x.size // max(c, 1)
        dy = dy - (doffset / n).reshape(shape) - xhat * (dscale / n).reshape(shape)
    dx = dy * (scale * inv).reshape(shape)
    empty = np.zeros(0, u)
    return dx.astype(x.dtype, copy=False), dscale, doffset, empty, empty


def _fused_bn_grad_infer(inputs, attrs):
    x, scale = inputs[1], inputs[2]
    vec = (scale.dtype, scale.shape)
    return [(x.dtype, x.shape), vec, vec, (scale.dtype, TensorShape([0])),
            (scale.dtype, TensorShape([0]))]


def _fused_bn_grad_grad(op, gx, gscale, goffset, *unused):
    """The gradient of FusedBatchNormGradV3's (dx, dscale, doffset) in (dy, x, scale),
    by hand: with xhat = (x - mean) r, r = rsqrt(var + eps) and means over N, H, W,
      d dy = scale r (gx - <gx> - xhat <gx xhat>) + gscale xhat + goffset,
      d scale = r sum(gx (dy - <dy> - xhat <dy xhat>)),
      d x = r (c - <c> - xhat <c xhat>) - scale r^2 xhat (<gx dy> - <dy><gx> - <dy xhat>
            <gx xhat>)  where c = gscale dy - scale r (<gx xhat> dy + <dy xhat> gx)
    (inference: d dy = scale r gx + gscale xhat + goffset, d scale = r sum(gx dy),
    d x = gscale r dy)."""
    dy, x, scale, mean, var = op.inputs[:5]
    fmt, eps = op.get_attr("data_format"), op.get_attr("epsilon")
    array, red = _array(), _reduce()
    axes = [0, 2, 3] if fmt == "NCHW" else [0, 1, 2]
    u = scale.dtype
    dy_u, x_u, gx_u = (_m.cast(t, u) if t.dtype != u else t for t in (dy, x, gx))

    def chan(v):  # a per-channel vector, broadcastable against x
        return array.reshape(v, [-1, 1, 1]) if fmt == "NCHW" else v

    def avg(t):
        return red.reduce_mean(t, axes, keepdims=True)

    if op.get_attr("is_training"):
        mean = avg(x_u)
        var = avg(_m.square(_m.subtract(x_u, mean)))
    else:
        mean, var = chan(mean), chan(var)
    r = _m.rsqrt(_m.add(var, eps))
    xhat = _m.multiply(_m.subtract(x_u, mean), r)
    s, gs, go = chan(scale), chan(gscale), chan(goffset)
    if not op.get_attr("is_training"):
        d_dy = _m.add(_m.add(_m.multiply(_m.multiply(s, r), gx_u), _m.multiply(gs, xhat)), go)
        d_scale = red.reduce_sum(_m.multiply(r, _m.multiply(gx_u, dy_u)), axes)
        d_x = _m.multiply(_m.multiply(gs, r), dy_u)
        return _m.cast(d_dy, dy.dtype), _m.cast(d_x, x.dtype), d_scale, None, None, None
    a_dy, b_dy = avg(dy_u), avg(_m.multiply(dy_u, xhat))
    a_gx, c_gx = avg(gx_u), avg(_m.multiply(gx_u, xhat))
    sr = _m.multiply(s, r)
    d_dy = _m.add(_m.add(_m.multiply(sr, _centered(gx_u, a_gx, xhat, c_gx)),
                         _m.multiply(gs, xhat)), go)
    d_scale = red.reduce_sum(_m.multiply(r, _m.multiply(gx_u, _centered(dy_u, a_dy, xhat,
                                                                         b_dy))), axes)
    c = _m.subtract(_m.multiply(gs, dy_u),
                    _m.multiply(sr, _m.add(_m.multiply(c_gx, dy_u), _m.multiply(b_dy, gx_u))))
    cross = _m.subtract(_m.subtract(avg(_m.multiply(gx_u, dy_u)), _m.multiply(a_dy, a_gx)),
                        _m.multiply(b_dy, c_gx))
    d_x = _m.subtract(_m.multiply(r, _centered(c, avg(c), xhat, avg(_m.multiply(c, xhat)))),
                      _m.multiply(_m.multiply(sr, r), _m.multiply(xhat, cross)))
    return _m.cast(d_dy, dy.dtype), _m.cast(d_x, x.dtype), d_scale, None, None, None


def _centered(t, mean_t, xhat, mean_t_xhat):
    """t - <t> - xhat <t xhat>: t with its components along 1 and xhat removed."""
    return _m.subtract(_m.subtract(t, mean_t), _m.multiply(xhat, mean_t_xhat))


FUSED_BN_GRAD = register("FusedBatchNormGradV3", _fused_bn_grad_kernel, _fused_bn_grad_infer,
                         _fused_bn_grad_grad, multi=True, same_dtype=(2, 3, 4))
FUSED_BN = register("FusedBatchNormV3", _fused_bn_kernel, _fused_bn_infer, _fused_bn_grad,
                    multi=True, same_dtype=(1, 2, 3, 4))


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None,
                     exponential_avg_factor=1.0):
    """(y, mean, variance): y = scale * (x - m) / sqrt(v + epsilon) + offset per channel,
    with (m, v) the batch's (biased) statistics when training, else the given ones; the
    returned variance is Bessel-corrected in training. (tf.compat.v1.nn: TensorFlow 2
    has no tf.nn.fused_batch_norm.)

    Raises:
        ValueError: mean/variance missing in inference or with exponential averaging.
        InvalidArgumentError: x not 4-D, or per-channel vectors of the wrong size.
    """
    from engine.ops.core import constant, convert_to_tensor
    if (not is_training or exponential_avg_factor != 1.0) and (mean is None
                                                               or variance is None):
        raise ValueError("Both `mean` and `variance` must be a 1D tensor when `is_training` "
                         "is False or `exponential_avg_factor` != 1.0. Received: `mean` "
                         f"{mean!r} and `variance` {variance!r}")
    x = convert_to_tensor(x)
    scale = convert_to_tensor(scale)
    if mean is None:  # TensorFlow feeds empty vectors in training
        mean = variance = constant(np.zeros(0, scale.dtype.as_numpy_dtype))
    attrs = {"epsilon": float(max(epsilon, _MIN_EPSILON)),
             "exponential_avg_factor": float(exponential_avg_factor),
             "data_format": data_format_of(data_format), "is_training": bool(is_training)}
    y, out_mean, out_var, _, _, _ = execute(FUSED_BN, (x, scale, offset, mean, variance),
                                            attrs, name)
    return y, out_mean, out_var


# ---------------------------------------------------------------- LRN ------------------

def _band(c, radius, dtype):
    """band[i, j] = 1 where |i - j| <= radius: channel-window sums as one matmul."""
    i = np.arange(c)
    return (np.abs(i[:, None] - i[None, :]) <= radius).astype(dtype)


def _lrn_norm(x, depth_radius, bias, alpha):
    """(x as computed, bias + alpha * sum of x^2 over the channel window, band)."""
    check_kernel_type("LRN", x, _BN_TYPES)
    if x.ndim != 4:
        raise bad("in must be 4-dimensional")
    xc = x.astype(np.float32) if x.dtype == np.float16 else x
    band = _band(x.shape[3], depth_radius, xc.dtype)
    return xc, bias + alpha * (np.square(xc) @ band), band


def _lrn_kernel(input, depth_radius, bias, alpha, beta):  # noqa: A002
    xc, norm, _ = _lrn_norm(input, depth_radius, bias, alpha)
    return (xc / norm ** beta).astype(input.dtype, copy=False)


def _lrn_grad_kernel(input_grads, input_image, output_image, depth_radius, bias, alpha,
                     beta):
    """d/dx_j of x_i norm_i^-beta: the direct term and the one through every norm_i whose
    window holds j (norm_i = bias + alpha sum_window x^2)."""
    x, norm, band = _lrn_norm(input_image, depth_radius, bias, alpha)
    g = input_grads.astype(x.dtype, copy=False)
    through_norm = (g * x * norm ** (-beta - 1)) @ band
    dx = g * norm ** -beta - (2 * alpha * beta) * x * through_norm
    return dx.astype(input_image.dtype, copy=False)


def _lrn_infer(inputs, attrs):
    x = inputs[0]
    check_infer_type("LRN", "input", x.dtype, _BN_TYPES)
    if x.shape.rank is not None and x.shape.rank != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {x.shape.rank} for 'LRN' with "
                         f"input shapes: {fmt_shape(x.shape)}.")
    return [(x.dtype, x.shape)]


_LRN_ATTRS = ("depth_radius", "bias", "alpha", "beta")


def _no_lrn_grad_grad(op, g):
    raise LookupError("gradient registry has no entry for: LRNGrad")  # as TensorFlow


LRN = register("LRN", _lrn_kernel, _lrn_infer,
               lambda op, g: (execute(LRN_GRAD, (g, op.inputs[0], op.outputs[0]),
                                      {a: op.get_attr(a) for a in _LRN_ATTRS}),))
LRN_GRAD = register("LRNGrad", _lrn_grad_kernel,
                    lambda inputs, attrs: [(inputs[1].dtype, inputs[1].shape)],
                    _no_lrn_grad_grad, same_dtype=(0, 1, 2))


def local_response_normalization(input, depth_radius=5, bias=1, alpha=1,  # noqa: A002
                                 beta=0.5, name=None):
    """input / (bias + alpha * sum(input^2 over channels d-r .. d+r)) ** beta.

    Raises:
        InvalidArgumentError: input is not 4-D (NHWC).
    """
    attrs = {"depth_radius": int(depth_radius), "bias": float(bias), "alpha": float(alpha),
             "beta": float(beta)}
    return execute(LRN, (input,), attrs, name)


lrn = local_response_normalization
