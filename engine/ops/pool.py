"""tf.nn pooling (max_pool2d, avg_pool2d, their 1-D forms and the rank-dispatching
max_pool/avg_pool), and the sliding-window machinery conv.py shares.

A window `Plan` knows, for one spatial layout, TensorFlow's output size and padding
(SAME: ceil(size / stride), the odd padded pixel at the end), and gives numpy views:
`tap(xp, i, j)` is the strided view that window offset (i, j) reads, one entry per
output pixel. Pooling is then KH*KW whole-array ufunc calls (np.maximum, np.add) over
those views, never a loop over pixels; MaxPoolGrad routes each output gradient to the
first maximum of its window in row-major order (TensorFlow's tie rule) by walking the
same taps with a "not yet taken" mask.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np
from numpy.lib.stride_tricks import as_strided

from engine import errors
from engine.context import execute
from engine.infer import fmt_shape, static_value
from engine.registry import OPS, register
from engine.shapes import TensorShape

__all__ = ["avg_pool", "avg_pool1d", "avg_pool2d", "avg_pool_v1", "max_pool", "max_pool1d",
           "max_pool2d", "max_pool_v1"]

_PY_NAMES = {"half": "float16", "float": "float32", "double": "float64"}
_MAX_POOL_TYPES = "half, bfloat16, float, double, int32, int64, uint8, int16, int8, uint16"
_FLOAT_TYPES = "half, bfloat16, float, double"

# ---------------------------------------------------------------- shared checks -------

def bad(message):
    return errors.InvalidArgumentError(None, None, message)


@functools.lru_cache(maxsize=None)
def _allowed(types):
    """TensorFlow's type list ("half, float, ...") as numpy dtype names, parsed once."""
    return tuple(_PY_NAMES.get(t, t) for t in types.split(", "))


def check_kernel_type(op_name, x, types):
    """InvalidArgumentError (TensorFlow's attr-check text) unless x's dtype is in types."""
    if x.dtype.name not in _allowed(types):
        raise bad(f"Value for attr 'T' of {x.dtype.name} is not in the list of allowed "
                  f"values: {types}\n\t; NodeDef: {{{{node {op_name}}}}}")


def check_infer_type(op_name, param, dtype, types):
    if dtype.name not in _allowed(types):
        raise TypeError(f"Value passed to parameter '{param}' has DataType {dtype.name} not "
                        f"in list of allowed values: {', '.join(_allowed(types))} (op "
                        f"'{op_name}')")


def check_same_type(op_name, inputs, names):
    a, b = inputs[0].dtype, inputs[1].dtype
    if a != b:
        raise TypeError(f"Input '{names[1]}' of '{op_name}' Op has type {b.name} that does "
                        f"not match type {a.name} of argument '{names[0]}'.")
    return a


def spatial(values, data_format):
    """The (height, width) entries of a 4-element NHWC or NCHW attribute list."""
    return (values[2], values[3]) if data_format == "NCHW" else (values[1], values[2])


def to_nhwc(x, data_format):
    return x.transpose(0, 2, 3, 1) if data_format == "NCHW" and x.ndim == 4 else x


def from_nhwc(x, data_format):
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2)) if data_format == "NCHW" else x


def nhwc_dims(shape, data_format):
    """A static shape's dims in NHWC order (None entries unknown), or None (rank unknown)."""
    if shape.rank is None:
        return None
    dims = shape.as_list()
    if data_format == "NCHW" and len(dims) == 4:
        return [dims[0], dims[2], dims[3], dims[1]]
    return dims


def nhwc_to_format(dims, data_format):
    return [dims[0], dims[3], dims[1], dims[2]] if data_format == "NCHW" else dims


def check_window_attrs(strides, dilations, padding, explicit, data_format, what="strides"):
    """TensorFlow's kernel checks on strides, dilations and explicit paddings."""
    if len(strides) != 4:
        raise bad(f"Sliding window {what} field must specify 4 dimensions")
    batch_depth = (0, 1) if data_format == "NCHW" else (0, 3)
    if any(strides[i] != 1 for i in batch_depth):
        raise errors.UnimplementedError(None, None, "Current implementation does not yet "
                                        "support strides in the batch and depth dimensions.")
    if min(spatial(strides, data_format)) <= 0:
        raise bad("Row and column strides should be larger than 0.")
    if dilations is not None:
        if any(dilations[i] != 1 for i in batch_depth):
            raise errors.UnimplementedError(None, None, "Current implementation does not "
                                            "yet support dilations in the batch and depth "
                                            "dimensions.")
        if min(spatial(dilations, data_format)) <= 0:
            raise bad("Dilated rates should be larger than 0.")
    if padding == "EXPLICIT":
        if len(explicit) != 8:
            raise bad(f"explicit_paddings attribute must contain 8 values, but got: "
                      f"{len(explicit)}")
        if min(explicit) < 0:
            raise bad("All elements of explicit_paddings must be nonnegative")
        if any(explicit[2 * i] or explicit[2 * i + 1] for i in batch_depth):
            raise bad("Nonzero explicit padding in the batch or depth dimensions is not "
                      "supported")


# ---------------------------------------------------------------- window geometry -----

def out_size(size, k, stride, dilation, padding, pads=(0, 0)):
    """(output size, (pad before, pad after)) of one spatial dim, TensorFlow's rules:
    SAME gives ceil(size / stride) and pads the odd pixel at the end."""
    eff = (k - 1) * dilation + 1
    if padding == "SAME":
        out = -(-size // stride)
        total = max((out - 1) * stride + eff - size, 0)
        return out, (total // 2, total - total // 2)
    padded = size + pads[0] + pads[1]
    return ((padded - eff) // stride + 1 if padded >= eff else 0), tuple(pads)


class Plan:
    """Where the windows of one 2-D convolution or pooling sit on the padded NHWC input."""

    __slots__ = ("k", "strides", "dilations", "out", "pads", "padded")

    def __init__(self, hw, k, strides, dilations, padding, explicit, data_format):
        pairs = ((0, 0), (0, 0))
        if padding == "EXPLICIT":
            first = 4 if data_format == "NCHW" else 2
            pairs = (tuple(explicit[first:first + 2]), tuple(explicit[first + 2:first + 4]))
        self.k, self.strides, self.dilations = tuple(k), tuple(strides), tuple(dilations)
        dims = [out_size(hw[i], k[i], strides[i], dilations[i], padding, pairs[i])
                for i in (0, 1)]
        self.out = (dims[0][0], dims[1][0])
        self.pads = (dims[0][1], dims[1][1])
        self.padded = (hw[0] + sum(self.pads[0]), hw[1] + sum(self.pads[1]))

    def pad(self, x, value=0):
        """x (N, H, W, ...) inside a border of `value` (x itself when there is none)."""
        (top, bottom), (left, right) = self.pads
        if not (top or bottom or left or right):
            return x
        out = np.full((x.shape[0],) + self.padded + x.shape[3:], value, x.dtype)
        out[:, top:top + x.shape[1], left:left + x.shape[2]] = x
        return out

    def crop(self, xp, hw):
        (top, _), (left, _) = self.pads
        return xp[:, top:top + hw[0], left:left + hw[1]]

    def windows(self, xp):
        """Every window of the padded xp as a read-only view (N, OH, OW, KH, KW, C)."""
        sn, sh, sw, sc = xp.strides
        shape = (xp.shape[0],) + self.out + self.k + (xp.shape[3],)
        return as_strided(xp, shape, (sn, sh * self.strides[0], sw * self.strides[1],
                                      sh * self.dilations[0], sw * self.dilations[1], sc),
                          writeable=False)

    def tap(self, xp, i, j):
        """The view of xp that window offset (i, j) reads, one entry per output pixel."""
        top, left = i * self.dilations[0], j * self.dilations[1]
        return xp[:, top:top + (self.out[0] - 1) * self.strides[0] + 1:self.strides[0],
                  left:left + (self.out[1] - 1) * self.strides[1] + 1:self.strides[1]]

    def col2im(self, dcols, dxp):
        """Adds window gradients (N, OH, OW, KH, KW, ...) into the padded dxp in place."""
        for i in range(self.k[0]):
            for j in range(self.k[1]):
                self.tap(dxp, i, j)[...] += dcols[:, :, :, i, j]
        return dxp


def infer_window_dims(op_name, x_dims, k, attrs, shapes):
    """[N, OH, OW] from static NHWC dims (None where unknown); ValueError as TensorFlow."""
    fmt = attrs.get("data_format", "NHWC")
    strides = spatial(attrs["strides"], fmt)
    dilations = spatial(attrs.get("dilations") or (1, 1, 1, 1), fmt)
    if min(strides) <= 0:
        raise ValueError(f"Stride must be > 0, but got {min(strides)} for '{op_name}' with "
                         f"input shapes: {shapes}.")
    if x_dims is None:
        return [None, None, None]
    plan_pads = ((0, 0), (0, 0))
    if attrs["padding"] == "EXPLICIT":
        first = 4 if fmt == "NCHW" else 2
        e = attrs["explicit_paddings"]
        plan_pads = (tuple(e[first:first + 2]), tuple(e[first + 2:first + 4]))
    out = [x_dims[0]]
    for i in (0, 1):
        size = x_dims[1 + i]
        if size is None or k[i] is None:
            out.append(None)
            continue
        eff = (k[i] - 1) * dilations[i] + 1
        if attrs["padding"] == "VALID" and size < eff:
            raise ValueError(f"Negative dimension size caused by subtracting {eff} from "
                             f"{size} for '{op_name}' with input shapes: {shapes}.")
        out.append(out_size(size, k[i], strides[i], dilations[i], attrs["padding"],
                            plan_pads[i])[0])
    return out


def get_sequence(value, n, channel_index, name):
    """TensorFlow's _get_sequence: an int or list of 1, n or n + 2 as n + 2 entries."""
    if value is None:
        return [1] * (n + 2)
    value = [value] if isinstance(value, numbers.Integral) else [int(v) for v in value]
    if len(value) == n + 2:
        return value
    if len(value) == 1:
        value = value * n
    elif len(value) != n:
        raise ValueError(f"{name} should be of length 1, {n} or {n + 2}. Received: "
                         f"{name}={value} of length {len(value)}")
    return [1, 1] + value if channel_index == 1 else [1] + value + [1]


def convert_padding(padding, expected_length=4):
    """TensorFlow's convert_padding: "SAME"/"VALID", or a list of (before, after) pairs
    as ("EXPLICIT", flat list)."""
    if isinstance(padding, str):
        if padding == "EXPLICIT":
            raise ValueError("'EXPLICIT' is not a valid value for `padding`. To use explicit "
                             "padding, `padding` must be a list.")
        if padding not in ("SAME", "VALID"):
            raise bad(f'Value for attr \'padding\' of "{padding}" is not in the list of '
                      'allowed values: "SAME", "VALID", "EXPLICIT"')
        return padding, []
    if isinstance(padding, (list, tuple)):
        if len(padding) != expected_length:
            raise ValueError(f"When padding is a list, it must be of size {expected_length}. "
                             f"Received: padding={padding} of size {len(padding)}")
        flat = []
        for i, pair in enumerate(padding):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                size = len(pair) if isinstance(pair, (list, tuple)) else 1
                raise ValueError("When `padding` is a list, each element of `padding` must be "
                                 f"a list/tuple of size 2. Received: padding={padding} with "
                                 f"element at index {i} of size {size}")
            flat += [int(pair[0]), int(pair[1])]
        return "EXPLICIT", flat
    raise TypeError(f"Expected string or list for argument 'padding' not {padding!r}.")


def data_format_of(data_format, names=("NHWC", "NCHW")):
    if data_format is None:
        return names[0]
    if data_format not in names:
        raise ValueError(f"`data_format` must be {names[0]!r} or {names[1]!r}. Received: "
                         f"data_format={data_format}")
    return data_format


# ---------------------------------------------------------------- pooling kernels -----

def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _pool_plan(op_name, shape, ksize, strides, padding, explicit, data_format):
    """The window Plan of a pooling op on an input of `shape`, after TensorFlow's checks."""
    if len(shape) != 4:
        raise bad(f"input must be 4-dimensional{fmt_shape(shape)}")
    if len(ksize) != 4 or len(strides) != 4:
        raise bad("Sliding window ksize and stride fields must specify 4 dimensions")
    if min(ksize) <= 0:
        raise bad("Sliding window ksize must be positive. The specified or inferred ksize "
                  f"is: {','.join(str(k) for k in ksize)}")
    if min(strides) <= 0:
        raise bad(f"Stride must be > 0, but got {min(strides)}")
    batch, depth = (0, 1) if data_format == "NCHW" else (0, 3)
    if ksize[batch] != 1 or strides[batch] != 1:
        raise errors.UnimplementedError(None, None, "Pooling is not yet supported on the "
                                        "batch dimension.")
    if ksize[depth] != 1 or strides[depth] != 1:
        raise errors.UnimplementedError(None, None, "Non-spatial pooling is not yet "
                                        "supported. Volunteers? :)")
    check_window_attrs(strides, None, padding, explicit, data_format)
    return Plan(spatial(shape, data_format), spatial(ksize, data_format),
                spatial(strides, data_format), (1, 1), padding, explicit, data_format)


def _max_of_windows(xp, plan):
    out = None
    for i in range(plan.k[0]):
        for j in range(plan.k[1]):
            tap = plan.tap(xp, i, j)
            out = tap.copy() if out is None else np.maximum(out, tap, out=out)
    return out


def _route_to_first_max(xp, plan, visit):
    """Calls visit(i, j, hit) per window offset in row-major order; `hit` marks the
    outputs whose first maximum (TensorFlow's tie rule) sits at that offset."""
    best = _max_of_windows(xp, plan)
    free = np.ones(best.shape, bool)
    hit = np.empty(best.shape, bool)
    for i in range(plan.k[0]):
        for j in range(plan.k[1]):
            np.equal(plan.tap(xp, i, j), best, out=hit)
            np.logical_and(hit, free, out=hit)
            np.logical_xor(free, hit, out=free)  # hit is inside free: free & ~hit
            visit(i, j, hit)
    return best


def _check_grad_shape(grad, plan, x):
    expected = (x.shape[0],) + plan.out + (x.shape[3],)
    if grad.shape != expected:
        raise bad(f"Expected grad shape to be {fmt_shape(expected)}, but got "
                  f"{fmt_shape(grad.shape)}")


def _max_pool_kernel(input, ksize, strides, padding, explicit_paddings,  # noqa: A002
                     data_format):
    check_kernel_type("MaxPool", input, _MAX_POOL_TYPES)
    plan = _pool_plan("MaxPool", input.shape, ksize, strides, padding, explicit_paddings,
                      data_format)
    x = to_nhwc(input, data_format)
    return from_nhwc(_max_of_windows(plan.pad(x, _lowest(x.dtype)), plan), data_format)


def _max_pool_grad_kernel(orig_input, orig_output, grad, ksize, strides, padding,
                          explicit_paddings, data_format):
    """d max_pool / d input: each output's gradient lands on its window's first max."""
    plan = _pool_plan("MaxPoolGrad", orig_input.shape, ksize, strides, padding,
                      explicit_paddings, data_format)
    x, g = to_nhwc(orig_input, data_format), to_nhwc(grad, data_format)
    _check_grad_shape(g, plan, x)
    xp = plan.pad(x, _lowest(x.dtype))
    dxp = np.zeros(xp.shape, grad.dtype)
    routed = np.empty(g.shape, grad.dtype)

    def visit(i, j, hit):
        np.multiply(g, hit, out=routed)
        plan.tap(dxp, i, j)[...] += routed

    _route_to_first_max(xp, plan, visit)
    return from_nhwc(np.ascontiguousarray(plan.crop(dxp, x.shape[1:3])), data_format)


def _max_pool_grad_grad_kernel(orig_input, orig_output, grad, ksize, strides, padding,
                               explicit_paddings, data_format):
    """The input-shaped `grad` read at each window's first max (MaxPoolGrad's transpose)."""
    plan = _pool_plan("MaxPoolGradGrad", orig_input.shape, ksize, strides, padding,
                      explicit_paddings, data_format)
    x, g = to_nhwc(orig_input, data_format), to_nhwc(grad, data_format)
    if g.shape != x.shape:
        raise bad(f"Expected grad shape to be {fmt_shape(x.shape)}, but got "
                  f"{fmt_shape(g.shape)}")
    gp = plan.pad(g, 0)
    out = np.zeros((x.shape[0],) + plan.out + (x.shape[3],), grad.dtype)

    def visit(i, j, hit):
        np.copyto(out, plan.tap(gp, i, j), where=hit)

    _route_to_first_max(plan.pad(x, _lowest(x.dtype)), plan, visit)
    return from_nhwc(out, data_format)


def _window_counts(plan, hw, dtype):
    """How many real (unpadded) pixels each window covers, (OH, OW, 1): TensorFlow's
    SAME average divides by these, not by the window size."""
    counts = []
    for d in (0, 1):
        start = np.arange(plan.out[d]) * plan.strides[d] - plan.pads[d][0]
        counts.append(np.minimum(start + plan.k[d], hw[d]) - np.maximum(start, 0))
    return np.outer(*counts).astype(dtype)[:, :, None]


def _avg_pool_kernel(value, ksize, strides, padding, data_format):
    check_kernel_type("AvgPool", value, _FLOAT_TYPES)
    plan = _pool_plan("AvgPool", value.shape, ksize, strides, padding, (), data_format)
    x = to_nhwc(value, data_format)
    xp = plan.pad(x.astype(np.float32) if x.dtype == np.float16 else x)
    total = None
    for i in range(plan.k[0]):
        for j in range(plan.k[1]):
            tap = plan.tap(xp, i, j)
            total = tap.copy() if total is None else np.add(total, tap, out=total)
    out = total / _window_counts(plan, x.shape[1:3], total.dtype)
    return from_nhwc(out.astype(value.dtype, copy=False), data_format)


def _avg_pool_grad_kernel(orig_input_shape, grad, ksize, strides, padding, data_format):
    """d avg_pool / d input: each output's gradient spread evenly over its window."""
    shape = [int(s) for s in np.reshape(orig_input_shape, -1)]
    if len(shape) != 4:
        raise bad("orig_input_shape must be 1-dimensional and 4 elements")
    plan = _pool_plan("AvgPoolGrad", shape, ksize, strides, padding, (), data_format)
    x_shape = nhwc_dims(TensorShape(shape), data_format)
    g = to_nhwc(grad, data_format)
    g = g / _window_counts(plan, x_shape[1:3], g.dtype)
    dxp = np.zeros((x_shape[0],) + plan.padded + (x_shape[3],), grad.dtype)
    plan.col2im(np.broadcast_to(g[:, :, :, None, None], g.shape[:3] + plan.k + g.shape[3:]),
                dxp)
    return from_nhwc(np.ascontiguousarray(plan.crop(dxp, x_shape[1:3])), data_format)


# ---------------------------------------------------------------- inference, grads ----

def _pool_infer(op_name, param, types):
    def infer(inputs, attrs):
        x = inputs[0]
        check_infer_type(op_name, param, x.dtype, types)
        shapes = fmt_shape(x.shape)
        if x.shape.rank is not None and x.shape.rank != 4:
            raise ValueError(f"Shape must be rank 4 but is rank {x.shape.rank} for "
                             f"'{op_name}' with input shapes: {shapes}.")
        fmt = attrs["data_format"]
        xd = nhwc_dims(x.shape, fmt)
        dims = infer_window_dims(op_name, xd, spatial(attrs["ksize"], fmt), attrs, shapes)
        return [(x.dtype, TensorShape(nhwc_to_format(dims + [xd[3] if xd else None], fmt)))]
    return infer


def _like_input(index):
    return lambda inputs, attrs: [(inputs[2].dtype, inputs[index].shape)]


def _avg_pool_grad_infer(inputs, attrs):
    sizes = static_value(inputs[0])
    dims = [int(s) for s in np.reshape(sizes, -1)] if sizes is not None else [None] * 4
    return [(inputs[1].dtype, TensorShape(dims))]


_MAX_ATTRS = ("ksize", "strides", "padding", "explicit_paddings", "data_format")
_AVG_ATTRS = ("ksize", "strides", "padding", "data_format")


def _attrs(op, names):
    return {a: op.get_attr(a) for a in names}


def _max_pool_grad_grads(opdef):
    """Both second-order max-pool ops pass the gradient through the same argmax, so each
    one's gradient is the other; the argmax itself is piecewise constant in the input."""
    def grad(op, g):
        from engine.ops.math import zeros_like_fast
        x, y = op.inputs[:2]
        return (zeros_like_fast(x), zeros_like_fast(y),
                execute(OPS[opdef], (x, y, g), _attrs(op, _MAX_ATTRS)))
    return grad


MAX_POOL = register(
    "MaxPool", _max_pool_kernel, _pool_infer("MaxPool", "input", _MAX_POOL_TYPES),
    lambda op, g: (execute(MAX_POOL_GRAD, (op.inputs[0], op.outputs[0], g),
                           _attrs(op, _MAX_ATTRS)),))
MAX_POOL_GRAD = register("MaxPoolGrad", _max_pool_grad_kernel, _like_input(0),
                         _max_pool_grad_grads("MaxPoolGradGrad"), same_dtype=(0, 1, 2))
MAX_POOL_GRAD_GRAD = register("MaxPoolGradGrad", _max_pool_grad_grad_kernel, _like_input(1),
                              _max_pool_grad_grads("MaxPoolGrad"), same_dtype=(0, 1, 2))


def _avg_pool_grad(op, g):
    from engine.ops.array_shape import shape_of
    return (execute(AVG_POOL_GRAD, (shape_of(op.inputs[0]), g), _attrs(op, _AVG_ATTRS)),)


AVG_POOL = register("AvgPool", _avg_pool_kernel, _pool_infer("AvgPool", "value", _FLOAT_TYPES),
                    _avg_pool_grad)
AVG_POOL_GRAD = register(
    "AvgPoolGrad", _avg_pool_grad_kernel, _avg_pool_grad_infer,
    lambda op, g: (None, execute(AVG_POOL, (g,), _attrs(op, _AVG_ATTRS))))


# ---------------------------------------------------------------- public functions ----

def _pool_attrs(ksize, strides, padding, data_format, n, explicit_ok):
    fmt = data_format_of(data_format)
    channel_index = 1 if fmt == "NCHW" else 3
    if not explicit_ok and not isinstance(padding, str):
        raise TypeError(f"Expected string for argument 'padding' not {padding!r}.")
    padding, explicit = convert_padding(padding, n + 2)
    attrs = {"ksize": get_sequence(ksize, 2, channel_index, "ksize"),
             "strides": get_sequence(strides, 2, channel_index, "strides"),
             "padding": padding, "data_format": fmt}
    if explicit_ok:
        attrs["explicit_paddings"] = explicit
    return attrs


def _pool1d(opdef, input, ksize, strides, padding, data_format, name):  # noqa: A002
    """TensorFlow's 1-D pooling: a 2-D pool over a height-1 image."""
    from engine.ops import array
    fmt = data_format_of(data_format or "NWC", ("NWC", "NCW"))
    channel_index = 1 if fmt == "NCW" else 2
    explicit_ok = opdef is MAX_POOL
    if not explicit_ok and not isinstance(padding, str):
        raise TypeError(f"Expected string for argument 'padding' not {padding!r}.")
    padding, explicit = convert_padding(padding, 3)
    attrs = {"ksize": [1] + get_sequence(ksize, 1, channel_index, "ksize"),
             "strides": [1] + get_sequence(strides, 1, channel_index, "strides"),
             "padding": padding, "data_format": "NCHW" if fmt == "NCW" else "NHWC"}
    if explicit_ok:
        attrs["explicit_paddings"] = [0, 0] + explicit if explicit else []
    axis = 2 if fmt == "NCW" else 1
    out = execute(opdef, (array.expand_dims(input, axis),), attrs, None)
    return array.squeeze(out, [axis], name=name)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """out[n, i, j, c] = max over the window of pad(input, -inf) at (i*s, j*s).

    Args:
        ksize, strides: an int, 2 ints or 4 ints (NHWC order).
        padding: "SAME", "VALID" or [[0, 0], [top, bottom], [left, right], [0, 0]].
    """
    return execute(MAX_POOL, (input,), _pool_attrs(ksize, strides, padding, data_format, 2,
                                                   True), name)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """out[n, i, j, c] = mean of the window's real pixels (SAME padding not counted)."""
    return execute(AVG_POOL, (input,), _pool_attrs(ksize, strides, padding, data_format, 2,
                                                   False), name)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """out[n, i, c] = max of the window of pad(input, -inf) at i*s (a height-1 max_pool2d)."""
    return _pool1d(MAX_POOL, input, ksize, strides, padding, data_format, name)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """out[n, i, c] = mean of the window's real pixels at i*s (a height-1 avg_pool2d)."""
    return _pool1d(AVG_POOL, input, ksize, strides, padding, data_format, name)


def _by_rank(pool1d, pool2d, input, ksize, strides, padding, data_format, name):  # noqa: A002
    """TensorFlow's max_pool/avg_pool: the 1-, 2- or 3-D pool picked by the input rank."""
    from engine.ops.core import convert_to_tensor
    input = convert_to_tensor(input)  # noqa: A001
    if input.shape.rank is not None:
        n = input.shape.rank - 2
    elif data_format is not None:
        n = len(data_format) - 2
    else:
        raise ValueError("`input` must have a static shape or a data format must be given. "
                         f"Received: input.shape={input.shape} and data_format={data_format}")
    if not 1 <= n <= 3:
        raise ValueError(f"`input.shape.rank` must be 3, 4 or 5. Received: "
                         f"input.shape={input.shape} of rank {n + 2}.")
    channel_index = n + 1 if data_format is None or not data_format.startswith("NC") else 1
    ksize = get_sequence(ksize, n, channel_index, "ksize")
    strides = get_sequence(strides, n, channel_index, "strides")
    if n == 3:
        raise errors.UnimplementedError(None, None, "3-D pooling (MaxPool3D/AvgPool3D) is not "
                                        "implemented in twinflow")
    return (pool1d if n == 1 else pool2d)(input, ksize, strides, padding,
                                          data_format=data_format, name=name)


def max_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """Max pooling over the N = rank - 2 spatial dims (1 or 2 here)."""
    return _by_rank(max_pool1d, max_pool2d, input, ksize, strides, padding, data_format, name)


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """Average pooling over the N = rank - 2 spatial dims (1 or 2 here)."""
    return _by_rank(avg_pool1d, avg_pool2d, input, ksize, strides, padding, data_format, name)


def _v1_value(value, input):  # noqa: A002
    if value is not None and input is not None:
        raise ValueError("Cannot specify both 'value' and 'input'.")
    return input if value is None else value


def max_pool_v1(value, ksize, strides, padding, data_format="NHWC", name=None,
                input=None):  # noqa: A002
    """tf.compat.v1.nn.max_pool: max_pool2d with TF1's `value` argument."""
    if any(k == 0 for k in np.atleast_1d(ksize)):
        raise ValueError(f"`ksize` cannot be zero. Received: ksize={ksize}")
    return max_pool2d(_v1_value(value, input), ksize, strides, padding, data_format, name)


def avg_pool_v1(value, ksize, strides, padding, data_format="NHWC", name=None,
                input=None):  # noqa: A002
    """tf.compat.v1.nn.avg_pool: avg_pool2d with TF1's `value` argument."""
    return avg_pool2d(_v1_value(value, input), ksize, strides, padding, data_format, name)
