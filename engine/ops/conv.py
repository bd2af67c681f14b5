"""tf.nn convolutions: conv2d (conv1d, conv2d_transpose, convolution) and depthwise_conv2d.

The kernels are im2col on numpy. A strided *view* of the padded input holds every
window, shaped (N, OH, OW, KH, KW, C), without copying; one reshape copies it into the
(N*OH*OW, KH*KW*C) column matrix and one GEMM contracts it with the filter. The input
gradient is one GEMM back to window gradients, scattered into place with KH*KW strided
adds (col2im: a loop over the small kernel window, never over pixels); the filter
gradient is one GEMM of the columns with the output gradient. A grouped convolution
(input depth a multiple of the filter's) batches the GEMM over groups, and a depthwise
convolution *is* the grouped one with one input channel per group, so the two families
share all three kernels. NCHW is computed as NHWC between two transposes.

The gradient ops are ops of their own with their own gradients (TensorFlow's rules:
the gradients of a backprop-input are a backprop-filter and a conv2d, and so on), so
second derivatives work. pool.py reuses the window geometry (`Plan`, `tap`, `col2im`).
"""

from __future__ import annotations

import numpy as np

from engine import errors
from engine.context import execute
from engine.infer import fmt_shape, static_value
from engine.ops.pool import (
    Plan,
    bad,
    check_infer_type,
    check_kernel_type,
    check_same_type,
    check_window_attrs,
    convert_padding,
    from_nhwc,
    get_sequence,
    infer_window_dims,
    nhwc_dims,
    nhwc_to_format,
    spatial,
    to_nhwc,
)
from engine.ops.pool import data_format_of as _data_format
from engine.registry import OPS, register
from engine.shapes import TensorShape

__all__ = [
    "conv1d", "conv1d_v1", "conv2d", "conv2d_backprop_filter", "conv2d_backprop_input",
    "conv2d_transpose", "conv2d_transpose_v1", "conv2d_v1", "convolution", "convolution_v1",
    "depthwise_conv2d", "depthwise_conv2d_backprop_filter", "depthwise_conv2d_backprop_input",
    "depthwise_conv2d_v1",
]

_CONV_TYPES = "half, bfloat16, float, double, int32"
_FLOAT_TYPES = "half, bfloat16, float, double"


def _plan(op_name, x_nhwc_shape, k, strides, padding, explicit, data_format, dilations):
    return Plan(x_nhwc_shape[1:3], k, spatial(strides, data_format), spatial(dilations,
                data_format), padding, explicit, data_format)


# ---------------------------------------------------------------- numpy kernels -------

def _compute_type(*arrays):
    """float16 is computed in float32 (numpy's half GEMM is slow and loses precision)."""
    return [a.astype(np.float32) if a.dtype == np.float16 else a for a in arrays]


def conv_forward(x, w, plan):
    """out[n, i, j, o] = sum_{k, l, c} xp[n, i*s + k*d, j*s + l*d, c] w[k, l, c, o]."""
    kh, kw, cf, o = w.shape
    groups = x.shape[3] // cf
    cols = plan.windows(plan.pad(x))
    n, oh, ow = cols.shape[:3]
    if groups == 1:
        return (cols.reshape(n * oh * ow, kh * kw * cf) @ w.reshape(kh * kw * cf, o)).reshape(
            n, oh, ow, o)
    og = o // groups
    a = cols.reshape(n, oh, ow, kh, kw, groups, cf).transpose(5, 0, 1, 2, 3, 4, 6)
    b = w.reshape(kh, kw, cf, groups, og).transpose(3, 0, 1, 2, 4)
    out = np.matmul(a.reshape(groups, n * oh * ow, kh * kw * cf),
                    b.reshape(groups, kh * kw * cf, og))
    return out.transpose(1, 0, 2).reshape(n, oh, ow, o)


def conv_input_grad(x_shape, w, g, plan):
    """The transpose of conv_forward in x: one GEMM to window gradients, then col2im."""
    kh, kw, cf, o = w.shape
    n, oh, ow, _ = g.shape
    groups = x_shape[3] // cf
    dxp = np.zeros((n,) + plan.padded + (groups, cf), np.result_type(w, g))
    if groups == 1 and cf >= 8:
        # One small GEMM per window offset, added straight into place: no (M, KH*KW*C)
        # intermediate to re-read with a stride (~30% faster once C is not tiny).
        g2, dxp4 = g.reshape(n * oh * ow, o), dxp.reshape(dxp.shape[:3] + (cf,))
        for i in range(kh):
            for j in range(kw):
                plan.tap(dxp4, i, j)[...] += (g2 @ w[i, j].T).reshape(n, oh, ow, cf)
        return plan.crop(dxp4, x_shape[1:3])
    if groups == 1:
        dcols = g.reshape(n * oh * ow, o) @ w.reshape(kh * kw * cf, o).T
        dcols = dcols.reshape(n, oh, ow, kh, kw, 1, cf)
    else:
        og = o // groups
        a = g.reshape(n * oh * ow, groups, og).transpose(1, 0, 2)
        b = w.reshape(kh, kw, cf, groups, og).transpose(3, 4, 0, 1, 2)
        dcols = np.matmul(a, b.reshape(groups, og, kh * kw * cf))
        dcols = dcols.reshape(groups, n, oh, ow, kh, kw, cf).transpose(1, 2, 3, 4, 5, 0, 6)
    plan.col2im(dcols, dxp)
    return plan.crop(dxp.reshape(dxp.shape[:3] + (groups * cf,)), x_shape[1:3])


def conv_filter_grad(x, w_shape, g, plan):
    """The transpose of conv_forward in w: the columns times the output gradient."""
    kh, kw, cf, o = w_shape
    groups = x.shape[3] // cf
    cols = plan.windows(plan.pad(x))
    n, oh, ow = cols.shape[:3]
    if groups == 1:
        cols = cols.reshape(n * oh * ow, kh * kw * cf)
        return (cols.T @ g.reshape(n * oh * ow, o)).reshape(kh, kw, cf, o)
    og = o // groups
    a = cols.reshape(n, oh, ow, kh, kw, groups, cf).transpose(5, 3, 4, 6, 0, 1, 2)
    b = g.reshape(n * oh * ow, groups, og).transpose(1, 0, 2)
    dw = np.matmul(a.reshape(groups, kh * kw * cf, n * oh * ow), b)
    return dw.reshape(groups, kh, kw, cf, og).transpose(1, 2, 3, 0, 4).reshape(w_shape)


# ---------------------------------------------------------------- op kernels ----------

def _check_rank(what, a, op_name):
    if a.ndim != 4:
        raise bad(f"{what} must be 4-dimensional{fmt_shape(a.shape)}" if op_name !=
                  "Conv2D" else f"convolution {what} must be 4-dimensional: "
                  f"{fmt_shape(a.shape)}")


def _check_depths(op_name, depthwise, c, filter_shape, o_backprop=None):
    cf, o = filter_shape[2], filter_shape[3]
    if depthwise and c != cf:
        raise bad(f"input and filter must have the same depth: {c} vs {cf}")
    if not depthwise and (cf == 0 or c % cf):
        raise bad(f"input depth must be evenly divisible by filter depth: {c} vs {cf}")
    if not depthwise and o % (c // cf):
        raise bad(f"output depth must be evenly divisible by number of groups: {o} vs "
                  f"{c // cf}")
    if o_backprop is not None and o_backprop != (o * cf if depthwise else o):
        prefix = "Conv2DCustom" + op_name[6:] if op_name.startswith("Conv2D") else op_name
        raise bad(f"{prefix}: filter and out_backprop must have the same out_depth")


def _check_backprop_size(op_name, plan, g_shape, x_hw):
    prefix = "Conv2DCustom" + op_name[6:] if op_name.startswith("Conv2D") else op_name
    for dim in (0, 1):
        if g_shape[1 + dim] != plan.out[dim]:
            raise bad(f"{prefix}: Size of out_backprop doesn't match computed: actual = "
                      f"{g_shape[1 + dim]}, computed = {plan.out[dim]} spatial_dim: {dim + 1} "
                      f"input: {x_hw[dim]} filter: {plan.k[dim]} output: {g_shape[1 + dim]} "
                      f"stride: {plan.strides[dim]} dilation: {plan.dilations[dim]}")


def _as_grouped(w, depthwise):
    """A depthwise filter (KH, KW, C, M) is a grouped one (KH, KW, 1, C*M)."""
    return w.reshape(w.shape[0], w.shape[1], 1, -1) if depthwise else w


def _input_sizes(op_name, input_sizes, filter, out_backprop, data_format):  # noqa: A002
    """The NHWC input shape a backprop-input op restores (TensorFlow also takes the two
    spatial sizes alone: batch from out_backprop, depth from the filter)."""
    sizes = [int(s) for s in np.reshape(input_sizes, -1)]
    if len(sizes) == 2:
        c, batch = filter.shape[2], out_backprop.shape[0]
        sizes = [batch, c, *sizes] if data_format == "NCHW" else [batch, *sizes, c]
    if len(sizes) != 4:
        raise bad(f"{op_name} requires input_sizes to contain 4 values or 2 values, but "
                  f"got: {len(sizes)}")
    return tuple(nhwc_dims(TensorShape(sizes), data_format))


def _make_kernels(names, depthwise, types):
    fwd_name, bpi_name, bpf_name = names

    def forward(input, filter, strides, padding, explicit_paddings, data_format,  # noqa: A002
                dilations):
        check_kernel_type(fwd_name, input, types)
        _check_rank("input", input, fwd_name)
        _check_rank("filter", filter, fwd_name)
        check_window_attrs(strides, dilations, padding, explicit_paddings, data_format)
        x = to_nhwc(input, data_format)
        _check_depths(fwd_name, depthwise, x.shape[3], filter.shape)
        plan = _plan(fwd_name, x.shape, filter.shape[:2], strides, padding, explicit_paddings,
                     data_format, dilations)
        xc, wc = _compute_type(x, _as_grouped(filter, depthwise))
        return from_nhwc(conv_forward(xc, wc, plan).astype(input.dtype, copy=False),
                         data_format)

    def backprop_input(input_sizes, filter, out_backprop, strides, padding,  # noqa: A002
                       explicit_paddings, data_format, dilations):
        check_kernel_type(bpi_name, filter, types)
        _check_rank("filter", filter, bpi_name)
        _check_rank("out_backprop", out_backprop, bpi_name)
        x_shape = _input_sizes(bpi_name, input_sizes, filter, out_backprop, data_format)
        check_window_attrs(strides, dilations, padding, explicit_paddings, data_format)
        g = to_nhwc(out_backprop, data_format)
        _check_depths(bpi_name, depthwise, x_shape[3], filter.shape, g.shape[3])
        plan = _plan(bpi_name, x_shape, filter.shape[:2], strides, padding, explicit_paddings,
                     data_format, dilations)
        _check_backprop_size(bpi_name, plan, g.shape, x_shape[1:3])
        wc, gc = _compute_type(_as_grouped(filter, depthwise), g)
        dx = conv_input_grad(x_shape, wc, gc, plan)
        return from_nhwc(dx.astype(filter.dtype, copy=False), data_format)

    def backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                        explicit_paddings, data_format, dilations):
        check_kernel_type(bpf_name, input, _FLOAT_TYPES)
        w_shape = tuple(int(s) for s in np.reshape(filter_sizes, -1))
        if len(w_shape) != 4:
            raise bad(f"{bpf_name}: filter_sizes input must be 1-dim with 4 elements, not "
                      f"{len(w_shape)}")
        _check_rank("input", input, bpf_name)
        _check_rank("out_backprop", out_backprop, bpf_name)
        check_window_attrs(strides, dilations, padding, explicit_paddings, data_format)
        x, g = to_nhwc(input, data_format), to_nhwc(out_backprop, data_format)
        _check_depths(bpf_name, depthwise, x.shape[3], w_shape, g.shape[3])
        plan = _plan(bpf_name, x.shape, w_shape[:2], strides, padding, explicit_paddings,
                     data_format, dilations)
        _check_backprop_size(bpf_name, plan, g.shape, x.shape[1:3])
        grouped = (w_shape[0], w_shape[1], 1, w_shape[2] * w_shape[3]) if depthwise else w_shape
        xc, gc = _compute_type(x, g)
        return conv_filter_grad(xc, grouped, gc, plan).reshape(w_shape).astype(
            input.dtype, copy=False)

    return forward, backprop_input, backprop_filter


# ---------------------------------------------------------------- static inference ----

def _rank4(op_name, t, shapes):
    if t.shape.rank is not None and t.shape.rank != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {t.shape.rank} for '{op_name}' "
                         f"with input shapes: {shapes}.")


def _out_depth(depthwise, w_dims):
    if w_dims is None:
        return None
    if depthwise:
        return None if None in w_dims[2:] else w_dims[2] * w_dims[3]
    return w_dims[3]


def _make_infers(names, depthwise, types):
    fwd_name, bpi_name, bpf_name = names

    def forward(inputs, attrs):
        x, w = inputs
        dtype = check_same_type(fwd_name, inputs, ("input", "filter"))
        check_infer_type(fwd_name, "input", dtype, types)
        shapes = f"{fmt_shape(x.shape)}, {fmt_shape(w.shape)}"
        _rank4(fwd_name, x, shapes)
        _rank4(fwd_name, w, shapes)
        fmt = attrs["data_format"]
        xd = nhwc_dims(x.shape, fmt)
        wd = w.shape.as_list() if w.shape.rank is not None else None
        c, cf = (xd[3] if xd else None), (wd[2] if wd else None)
        if c is not None and cf is not None:
            if depthwise and c != cf:
                raise ValueError(f"Dimensions must be equal, but are {c} and {cf} for "
                                 f"'{fwd_name}' with input shapes: {shapes}.")
            if not depthwise and (cf == 0 or c % cf):
                raise ValueError(f"Depth of input ({c}) is not a multiple of input depth of "
                                 f"filter ({cf}) for '{fwd_name}' with input shapes: "
                                 f"{shapes}.")
        k = wd[:2] if wd else [None, None]
        dims = infer_window_dims(fwd_name, xd, k, attrs, shapes) + [_out_depth(depthwise, wd)]
        return [(dtype, TensorShape(nhwc_to_format(dims, fmt)))]

    def backprop_input(inputs, attrs):
        sizes_t, w, g = inputs
        check_infer_type(bpi_name, "filter", w.dtype, types)
        sizes = static_value(sizes_t)
        if sizes is not None and np.size(sizes) == 4:
            return [(w.dtype, TensorShape([int(s) for s in np.reshape(sizes, -1)]))]
        return [(w.dtype, TensorShape([None] * 4))]

    def backprop_filter(inputs, attrs):
        x, sizes_t, g = inputs
        check_infer_type(bpf_name, "input", x.dtype, _FLOAT_TYPES)
        sizes = static_value(sizes_t)
        if sizes is not None and np.size(sizes) == 4:
            return [(x.dtype, TensorShape([int(s) for s in np.reshape(sizes, -1)]))]
        return [(x.dtype, TensorShape([None] * 4))]

    return forward, backprop_input, backprop_filter


# ---------------------------------------------------------------- gradients -----------

_ATTRS = ("strides", "padding", "explicit_paddings", "data_format", "dilations")


def shape_input(x):
    """x's shape as an op input: a constant when static (so graph inference sees it)."""
    from engine.ops.array_shape import shape_of
    return shape_of(x)


def _make_grads(names):
    """TensorFlow's rules: each of the three ops' gradients are the two others."""
    fwd, bpi, bpf = names

    def forward(op, g):
        x, w = op.inputs
        attrs = {a: op.get_attr(a) for a in _ATTRS}
        return (execute(OPS[bpi], (shape_input(x), w, g), attrs),
                execute(OPS[bpf], (x, shape_input(w), g), attrs))

    def backprop_input(op, g):
        _, w, dy = op.inputs
        attrs = {a: op.get_attr(a) for a in _ATTRS}
        return (None, execute(OPS[bpf], (g, shape_input(w), dy), attrs),
                execute(OPS[fwd], (g, w), attrs))

    def backprop_filter(op, g):
        x, _, dy = op.inputs
        attrs = {a: op.get_attr(a) for a in _ATTRS}
        return (execute(OPS[bpi], (shape_input(x), g, dy), attrs), None,
                execute(OPS[fwd], (x, g), attrs))

    return forward, backprop_input, backprop_filter


def _register_family(names, depthwise, types):
    kernels = _make_kernels(names, depthwise, types)
    infers = _make_infers(names, depthwise, types)
    grads = _make_grads(names)
    return tuple(register(n, k, i, g, same_dtype=s)
                 for n, k, i, g, s in zip(names, kernels, infers, grads,
                                          ((0, 1), (1, 2), (0, 2))))


CONV2D, CONV2D_BACKPROP_INPUT, CONV2D_BACKPROP_FILTER = _register_family(
    ("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"), False, _CONV_TYPES)
DEPTHWISE, DEPTHWISE_BACKPROP_INPUT, DEPTHWISE_BACKPROP_FILTER = _register_family(
    ("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
     "DepthwiseConv2dNativeBackpropFilter"), True, _FLOAT_TYPES)


# ---------------------------------------------------------------- attributes ----------

def _window_attrs(strides, padding, data_format, dilations, n=2):
    channel_index = 1 if data_format.startswith("NC") else n + 1
    padding, explicit = convert_padding(padding, n + 2)
    return {"strides": get_sequence(strides, n, channel_index, "strides"),
            "padding": padding, "explicit_paddings": explicit, "data_format": data_format,
            "dilations": get_sequence(dilations, n, channel_index, "dilations")}


# ---------------------------------------------------------------- public functions ----

def conv2d(input, filters, strides, padding, data_format="NHWC",  # noqa: A002
           dilations=None, name=None):
    """out[n, i, j, o] = sum_{k, l, c} pad(input)[n, i*s + k*d, j*s + l*d, c]
    filters[k, l, c, o]: a 2-D cross-correlation (grouped when input depth = g * filter's).

    Args:
        padding: "SAME", "VALID" or [[0, 0], [top, bottom], [left, right], [0, 0]] (NHWC).

    Raises:
        ValueError: strides/dilations of a bad length, a malformed padding list.
        InvalidArgumentError: bad padding string, zero strides, depths that do not divide.
    """
    attrs = _window_attrs(strides, padding, _data_format(data_format), dilations)
    return execute(CONV2D, (input, filters), attrs, name)


def conv2d_v1(input, filter=None, strides=None, padding=None,  # noqa: A002
              use_cudnn_on_gpu=True, data_format="NHWC", dilations=(1, 1, 1, 1), name=None,
              filters=None):
    """tf.compat.v1.nn.conv2d: conv2d with TF1's `filter` spelling and 4-entry lists."""
    del use_cudnn_on_gpu
    return conv2d(input, filters if filter is None else filter, strides, padding,
                  data_format, dilations, name)


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None,  # noqa: A002
           name=None):
    """A 1-D convolution, computed as TensorFlow does: a conv2d of height 1."""
    from engine.ops import array
    fmt = _data_format({"NHWC": "NWC", "NCHW": "NCW"}.get(data_format, data_format),
                       ("NWC", "NCW"))
    channel_index = 1 if fmt == "NCW" else 2
    axis = -2 if fmt == "NCW" else -3
    if not isinstance(padding, str):
        raise TypeError(f"Expected string for argument 'padding' not {padding!r}.")
    attrs = {"strides": [1] + get_sequence(stride, 1, channel_index, "stride"),
             "padding": convert_padding(padding)[0], "explicit_paddings": [],
             "data_format": "NCHW" if fmt == "NCW" else "NHWC",
             "dilations": [1] + get_sequence(dilations, 1, channel_index, "dilations")}
    out = execute(CONV2D, (array.expand_dims(input, axis), array.expand_dims(filters, 0)),
                  attrs, None)
    return array.squeeze(out, [axis], name=name)


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                     data_format="NHWC", dilations=None, name=None):
    """The transpose (gradient) of conv2d with respect to its input, of `output_shape`:
    TensorFlow's Conv2DBackpropInput with `input` as the output gradient."""
    attrs = _window_attrs(strides, padding, _data_format(data_format), dilations)
    return execute(CONV2D_BACKPROP_INPUT, (output_shape, filters, input), attrs, name)


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None,  # noqa: A002
                          strides=None, padding=None, use_cudnn_on_gpu=True,
                          data_format="NHWC", dilations=(1, 1, 1, 1), name=None,
                          filters=None):
    """d conv2d / d input: the input-shaped gradient for `out_backprop` (TF1 name)."""
    attrs = _window_attrs(strides, padding, _data_format(data_format), dilations)
    return execute(CONV2D_BACKPROP_INPUT, (input_sizes, filters if filter is None else filter,
                                           out_backprop), attrs, name)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                           use_cudnn_on_gpu=True, data_format="NHWC",
                           dilations=(1, 1, 1, 1), name=None):
    """d conv2d / d filters: the filter-shaped gradient for `out_backprop` (TF1 name)."""
    attrs = _window_attrs(strides, padding, _data_format(data_format), dilations)
    return execute(CONV2D_BACKPROP_FILTER, (input, filter_sizes, out_backprop), attrs, name)


def _depthwise_attrs(strides, padding, data_format, dilations):
    if not isinstance(strides, (list, tuple)):
        raise TypeError(f"Expected list for 'strides' argument to 'depthwise_conv2d_native' "
                        f"Op, not {strides!r}.")
    fmt = _data_format(data_format)
    rate = get_sequence(dilations, 2, 1 if fmt == "NCHW" else 3, "dilations")
    if max(spatial(rate, fmt)) > 1 and max(spatial(strides, fmt) if len(strides) == 4
                                           else strides) > 1:
        # TensorFlow only warns, then returns a differently shaped result (space_to_batch)
        raise ValueError("When dilation rate is greater than 1, then all values of strides "
                         f"must be 1. Received: `dilation rate` {list(spatial(rate, fmt))} "
                         f"and `strides` {list(strides)}")
    padding, explicit = convert_padding(padding)
    return {"strides": [int(s) for s in strides], "padding": padding,
            "explicit_paddings": explicit, "data_format": fmt, "dilations": rate}


def depthwise_conv2d(input, filter, strides, padding, data_format=None,  # noqa: A002
                     dilations=None, name=None):
    """out[n, i, j, c*M + m] = sum_{k, l} pad(input)[n, i*s + k*d, j*s + l*d, c]
    filter[k, l, c, m]: each input channel convolved with its own M filters.

    Args:
        strides: a list of 4 ints (TensorFlow takes no shorthand here).
        dilations: the rate, 1 or 2 ints (strides must then be 1).
    """
    attrs = _depthwise_attrs(strides, padding, data_format, dilations)
    return execute(DEPTHWISE, (input, filter), attrs, name)


def depthwise_conv2d_backprop_input(input_sizes, filter, out_backprop,  # noqa: A002
                                    strides, padding, data_format="NHWC",
                                    dilations=(1, 1, 1, 1), name=None):
    """d depthwise_conv2d / d input for `out_backprop`."""
    attrs = _window_attrs(strides, padding, _data_format(data_format), dilations)
    return execute(DEPTHWISE_BACKPROP_INPUT, (input_sizes, filter, out_backprop), attrs, name)


def depthwise_conv2d_backprop_filter(input, filter_sizes, out_backprop,  # noqa: A002
                                     strides, padding, data_format="NHWC",
                                     dilations=(1, 1, 1, 1), name=None):
    """d depthwise_conv2d / d filter for `out_backprop`."""
    attrs = _window_attrs(strides, padding, _data_format(data_format), dilations)
    return execute(DEPTHWISE_BACKPROP_FILTER, (input, filter_sizes, out_backprop), attrs,
                   name)


def convolution(input, filters, strides=None, padding="VALID",  # noqa: A002
                data_format=None, dilations=None, name=None):
    """An N-D convolution (N = rank - 2): conv1d or conv2d here; 3-D is not implemented.

    Raises:
        ValueError: strides > 1 together with dilations > 1, or an unknown rank.
        UnimplementedError: a 3-D convolution.
    """
    from engine.ops.core import convert_to_tensor
    filters = convert_to_tensor(filters)
    n = filters.shape.rank - 2 if filters.shape.rank is not None else None
    if n not in (1, 2, 3):
        raise ValueError(f"`filters` must be of rank 3, 4 or 5 (N + 2). Received: "
                         f"filters.shape={filters.shape}")
    s = np.array(get_sequence(strides, n, n + 1, "strides")[1:-1])
    d = np.array(get_sequence(dilations, n, n + 1, "dilations")[1:-1])
    if (s > 1).any() and (d > 1).any():
        raise ValueError("`strides > 1` not supported in conjunction with `dilation_rate > "
                         f"1`. Received: strides={s} and dilation_rate={d}")
    if n == 3:
        raise errors.UnimplementedError(None, None, "Conv3D is not implemented in twinflow "
                                        "(tf.nn.convolution takes 1-D and 2-D filters here)")
    first = data_format is not None and data_format.startswith("NC")
    if n == 1:
        return conv1d(input, filters, list(s), padding, "NCW" if first else "NWC", list(d),
                      name)
    return conv2d(input, filters, list(s), padding, "NCHW" if first else "NHWC", list(d),
                  name)


# ---------------------------------------------------------------- TF1 spellings -------

def _one_of(new, old, new_name, old_name):
    if new is not None and old is not None:
        raise ValueError(f"Cannot specify both '{new_name}' and '{old_name}'.")
    return new if new is not None else old


def conv1d_v1(value=None, filters=None, stride=None, padding=None, use_cudnn_on_gpu=None,
              data_format=None, name=None, input=None, dilations=None):  # noqa: A002
    """tf.compat.v1.nn.conv1d: conv1d with TF1's `value` spelling."""
    return conv1d(_one_of(input, value, "input", "value"), filters, stride, padding,
                  data_format or "NWC", dilations, name)


def conv2d_transpose_v1(value=None, filter=None, output_shape=None, strides=None,  # noqa: A002
                        padding="SAME", data_format="NHWC", name=None, input=None,
                        filters=None, dilations=None):
    """tf.compat.v1.nn.conv2d_transpose: TF1's value/filter spellings."""
    return conv2d_transpose(_one_of(input, value, "input", "value"),
                            _one_of(filters, filter, "filters", "filter"), output_shape,
                            strides, padding, data_format, dilations, name)


def depthwise_conv2d_v1(input, filter, strides, padding, rate=None, name=None,  # noqa: A002
                        data_format=None, dilations=None):
    """tf.compat.v1.nn.depthwise_conv2d: TF1's `rate` for the dilations."""
    return depthwise_conv2d(input, filter, strides, padding, data_format,
                            _one_of(dilations, rate, "dilations", "rate"), name)


def convolution_v1(input, filter, padding, strides=None, dilation_rate=None,  # noqa: A002
                   name=None, data_format=None, filters=None, dilations=None):
    """tf.compat.v1.nn.convolution: TF1's argument order and spellings."""
    return convolution(input, _one_of(filters, filter, "filters", "filter"), strides,
                       padding, data_format, _one_of(dilations, dilation_rate, "dilations",
                                                     "dilation_rate"), name)
