"""Op-spec rows for engine/ops/conv.py, pool.py, norm.py, image.py and embedding.py.

The references are deliberately plain numpy with Python loops over output pixels
(slow, obviously right); TensorFlow's padding rule is restated once in `_pads`.
"""

import numpy as np

from eager.tape import GradientTape
from engine.ops import conv, embedding, image, norm, pool
from engine.ops.math import cast
from tests.op_specs.spec import Spec


def _pads(size, k, stride, dilation, padding):
    """TensorFlow's (before, after) padding of one spatial dim."""
    if padding == "VALID":
        return 0, 0
    if isinstance(padding, tuple):
        return padding
    eff = (k - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + eff - size, 0)
    return total // 2, total - total // 2


def _conv_ref(strides=(1, 1), padding="VALID", dilations=(1, 1), depthwise=False,
              nchw=False):
    """A loop-over-pixels NHWC cross-correlation (grouped when depths say so)."""
    def ref(x, w):
        x64, w64 = x.astype(np.float64), w.astype(np.float64)
        if nchw:
            x64 = x64.transpose(0, 2, 3, 1)
        if depthwise:
            w64 = w64.reshape(w.shape[0], w.shape[1], 1, -1)
        n, h, wd, c = x64.shape
        kh, kw, cf, o = w64.shape
        og = o // (c // cf)
        pad = [_pads(s, k, st, d, p) for s, k, st, d, p in
               zip((h, wd), (kh, kw), strides, dilations,
                   padding if isinstance(padding, list) else [padding] * 2)]
        xp = np.pad(x64, ((0, 0), pad[0], pad[1], (0, 0)))
        eff = [(k - 1) * d + 1 for k, d in zip((kh, kw), dilations)]
        oh = max((xp.shape[1] - eff[0]) // strides[0] + 1, 0)
        ow = max((xp.shape[2] - eff[1]) // strides[1] + 1, 0)
        out = np.zeros((n, oh, ow, o))
        for i in range(oh):
            for j in range(ow):
                for oc in range(o):
                    g = oc // og
                    patch = xp[:, i * strides[0]:i * strides[0] + eff[0]:dilations[0],
                               j * strides[1]:j * strides[1] + eff[1]:dilations[1],
                               g * cf:(g + 1) * cf]
                    out[:, i, j, oc] = np.sum(patch * w64[..., oc], axis=(1, 2, 3))
        out = out.transpose(0, 3, 1, 2) if nchw else out
        return out.astype(x.dtype)
    return ref


def _transpose_ref(out_hw, strides, padding):
    """conv2d_transpose as the adjoint: every input pixel scatters w-weighted copies."""
    def ref(g, w):
        n, oh, ow, o = g.shape
        kh, kw, c, _ = w.shape
        pad = [_pads(s, k, st, 1, padding) for s, k, st in zip(out_hw, (kh, kw), strides)]
        full = np.zeros((n, out_hw[0] + sum(pad[0]) + kh, out_hw[1] + sum(pad[1]) + kw, c))
        for i in range(oh):
            for j in range(ow):
                top, left = i * strides[0], j * strides[1]
                full[:, top:top + kh, left:left + kw] += np.einsum(
                    "no,klco->nklc", g[:, i, j].astype(np.float64), w.astype(np.float64))
        return full[:, pad[0][0]:pad[0][0] + out_hw[0],
                    pad[1][0]:pad[1][0] + out_hw[1]].astype(g.dtype)
    return ref


def _pool_ref(kind, k, strides, padding, nchw=False):
    def ref(x):
        x64 = x.astype(np.float64).transpose(0, 2, 3, 1) if nchw else x.astype(np.float64)
        n, h, w, c = x64.shape
        pads = [_pads(s, kk, st, 1, p) for s, kk, st, p in
                zip((h, w), k, strides, padding if isinstance(padding, list)
                    else [padding] * 2)]
        oh = (h + sum(pads[0]) - k[0]) // strides[0] + 1
        ow = (w + sum(pads[1]) - k[1]) // strides[1] + 1
        out = np.zeros((n, oh, ow, c))
        for i in range(oh):
            for j in range(ow):
                top, left = i * strides[0] - pads[0][0], j * strides[1] - pads[1][0]
                win = x64[:, max(top, 0):top + k[0], max(left, 0):left + k[1]]
                out[:, i, j] = win.max((1, 2)) if kind == "max" else win.mean((1, 2))
        out = out.transpose(0, 3, 1, 2) if nchw else out
        return out.astype(x.dtype)
    return ref


def _grad_of(fn):
    """fn'(x) applied to u: the tape gradient whose ops are the *Grad kernels, so a
    gradient check of this exercises the gradients of those gradient ops."""
    def grad(x, u):
        with GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return tape.gradient(y, x, output_gradients=u)
    return grad


def _pool_grad_ref(kind, k, strides, padding):
    """The max/avg pooling input gradient for u, by loops (first max wins ties)."""
    def ref(x, u):
        n, h, w, c = x.shape
        pads = [_pads(s, kk, st, 1, padding) for s, kk, st in zip((h, w), k, strides)]
        dx = np.zeros(x.shape)
        for i in range(u.shape[1]):
            for j in range(u.shape[2]):
                top, left = i * strides[0] - pads[0][0], j * strides[1] - pads[1][0]
                r0, c0 = max(top, 0), max(left, 0)
                win = x[:, r0:top + k[0], c0:left + k[1]]
                if kind == "avg":
                    dx[:, r0:top + k[0], c0:left + k[1]] += (
                        u[:, i, j][:, None, None] / (win.shape[1] * win.shape[2]))
                    continue
                flat = win.reshape(n, -1, c).argmax(1)
                for b in range(n):
                    for ch in range(c):
                        r, cc = divmod(flat[b, ch], win.shape[2])
                        dx[b, r0 + r, c0 + cc, ch] += u[b, i, j, ch]
        return dx.astype(x.dtype)
    return ref


def _inputs(*makers):
    return lambda rng: [m(rng) for m in makers]


def _normal(shape, dtype=np.float32, scale=1.0, shift=0.0):
    return lambda rng: (rng.standard_normal(shape) * scale + shift).astype(dtype)


SPECS = []

# ---------------------------------------------------------------- conv2d ---------------
_X = (2, 5, 7, 3)
SPECS += [
    Spec("conv2d_valid", fn=lambda x, w: conv.conv2d(x, w, 1, "VALID"), ref=_conv_ref(),
         shapes=[_X, (3, 2, 3, 4)], grad2=True),
    Spec("conv2d_same_stride2_even", fn=lambda x, w: conv.conv2d(x, w, 2, "SAME"),
         ref=_conv_ref((2, 2), "SAME"), shapes=[(2, 6, 6, 3), (3, 3, 3, 2)], grad2=True),
    Spec("conv2d_same_stride2_odd", fn=lambda x, w: conv.conv2d(x, w, [2, 3], "SAME"),
         ref=_conv_ref((2, 3), "SAME"), shapes=[(1, 5, 7, 2), (3, 2, 2, 3)]),
    Spec("conv2d_valid_stride2_leftover", fn=lambda x, w: conv.conv2d(x, w, 2, "VALID"),
         ref=_conv_ref((2, 2)), shapes=[(2, 6, 7, 2), (3, 2, 2, 2)]),
    Spec("conv2d_explicit", fn=lambda x, w: conv.conv2d(
        x, w, [1, 2], [[0, 0], [1, 2], [0, 1], [0, 0]]),
         ref=_conv_ref((1, 2), [(1, 2), (0, 1)]), shapes=[_X, (3, 2, 3, 2)], grad2=True),
    Spec("conv2d_dilation2", fn=lambda x, w: conv.conv2d(x, w, 1, "SAME", dilations=2),
         ref=_conv_ref((1, 1), "SAME", (2, 2)), shapes=[_X, (3, 2, 3, 2)]),
    Spec("conv2d_dilation_and_stride", fn=lambda x, w: conv.conv2d(x, w, 2, "VALID",
                                                                   dilations=[1, 2]),
         ref=_conv_ref((2, 2), "VALID", (1, 2)), shapes=[(1, 7, 8, 2), (2, 3, 2, 2)]),
    Spec("conv2d_nchw", fn=lambda x, w: conv.conv2d(x, w, 2, "SAME", data_format="NCHW"),
         ref=_conv_ref((2, 2), "SAME", nchw=True), shapes=[(2, 3, 5, 6), (3, 3, 3, 4)]),
    Spec("conv2d_grouped", fn=lambda x, w: conv.conv2d(x, w, 1, "SAME"),
         ref=_conv_ref((1, 1), "SAME"), shapes=[(2, 4, 5, 4), (3, 3, 2, 6)], grad2=True),
    Spec("conv2d_1x1", fn=lambda x, w: conv.conv2d(x, w, 1, "VALID"), ref=_conv_ref(),
         shapes=[(3, 4, 4, 5), (1, 1, 5, 2)]),
    Spec("conv2d_filter_bigger_than_input", fn=lambda x, w: conv.conv2d(x, w, 1, "SAME"),
         ref=_conv_ref((1, 1), "SAME"), shapes=[(1, 2, 2, 1), (3, 5, 1, 2)]),
    Spec("conv2d_float64", fn=lambda x, w: conv.conv2d(x, w, 2, "SAME"),
         ref=_conv_ref((2, 2), "SAME"), shapes=[_X, (3, 3, 3, 2)], dtype="float64",
         grad=False, rtol=1e-12, atol=1e-12),
    Spec("conv2d_int32", fn=lambda x, w: conv.conv2d(x, w, 1, "SAME"),
         ref=_conv_ref((1, 1), "SAME"), shapes=[(1, 4, 4, 2), (2, 2, 2, 3)], dtype="int32",
         domain=(-4, 5), grad=False),
    Spec("conv2d_empty_batch", fn=lambda x, w: conv.conv2d(x, w, 1, "SAME"),
         ref=_conv_ref((1, 1), "SAME"), shapes=[(0, 4, 4, 2), (2, 2, 2, 3)], grad=False),
    Spec("conv2d_v1_filter_kwarg", fn=lambda x, w: conv.conv2d_v1(x, filter=w,
                                                                  strides=[1, 1, 1, 1],
                                                                  padding="VALID"),
         ref=_conv_ref(), shapes=[(1, 3, 3, 2), (2, 2, 2, 1)]),
    Spec("conv1d_same_stride2", fn=lambda x, w: conv.conv1d(x, w, 2, "SAME"),
         ref=lambda x, w: _conv_ref((1, 2), "SAME")(x[:, None], w[None])[:, 0],
         shapes=[(2, 9, 3), (3, 3, 4)], grad2=True),
    Spec("conv1d_ncw_dilated", fn=lambda x, w: conv.conv1d(x, w, 1, "VALID", "NCW",
                                                           dilations=2),
         ref=lambda x, w: _conv_ref((1, 1), "VALID", (1, 2))(
             x.transpose(0, 2, 1)[:, None], w[None])[:, 0].transpose(0, 2, 1),
         shapes=[(2, 3, 8), (2, 3, 2)]),
    Spec("convolution_2d_dilated", fn=lambda x, w: conv.convolution(x, w, padding="SAME",
                                                                    dilations=[2, 1]),
         ref=_conv_ref((1, 1), "SAME", (2, 1)), shapes=[_X, (2, 2, 3, 2)]),
    Spec("convolution_1d", fn=lambda x, w: conv.convolution(x, w, strides=2),
         ref=lambda x, w: _conv_ref((1, 2))(x[:, None], w[None])[:, 0],
         shapes=[(2, 7, 2), (3, 2, 3)]),
    Spec("conv2d_transpose_same_stride2", fn=lambda g, w: conv.conv2d_transpose(
        g, w, [2, 6, 7, 3], 2, "SAME"), ref=_transpose_ref((6, 7), (2, 2), "SAME"),
         shapes=[(2, 3, 4, 4), (3, 2, 3, 4)], grad2=True),
    Spec("conv2d_transpose_valid_spatial_shape", fn=lambda g, w: conv.conv2d_transpose(
        g, w, [7, 5], [2, 1], "VALID"), ref=_transpose_ref((7, 5), (2, 1), "VALID"),
         shapes=[(1, 3, 4, 2), (3, 2, 1, 2)]),
    Spec("conv2d_backprop_filter_v1", fn=lambda x, g: conv.conv2d_backprop_filter(
        x, [2, 2, 3, 2], g, [1, 1, 1, 1], "VALID"),
         ref=lambda x, g: _filter_grad_ref(x, g, (2, 2)),
         shapes=[(2, 5, 7, 3), (2, 4, 6, 2)], grad2=True),
]


def _filter_grad_ref(x, g, k):
    """d sum(g * conv(x, w)) / dw for VALID stride 1, by loops over the kernel window."""
    n, oh, ow, o = g.shape
    dw = np.zeros(k + (x.shape[3], o))
    for a in range(k[0]):
        for b in range(k[1]):
            dw[a, b] = np.einsum("nijc,nijo->co", x[:, a:a + oh, b:b + ow].astype(np.float64),
                                 g.astype(np.float64))
    return dw.astype(x.dtype)


# ---------------------------------------------------------------- depthwise ------------
SPECS += [
    Spec("depthwise_same", fn=lambda x, w: conv.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
         ref=_conv_ref((1, 1), "SAME", depthwise=True), shapes=[_X, (3, 2, 3, 1)],
         grad2=True),
    Spec("depthwise_multiplier2_stride2", fn=lambda x, w: conv.depthwise_conv2d(
        x, w, [1, 2, 2, 1], "VALID"), ref=_conv_ref((2, 2), depthwise=True),
         shapes=[(2, 6, 7, 2), (3, 2, 2, 2)], grad2=True),
    Spec("depthwise_dilated", fn=lambda x, w: conv.depthwise_conv2d(
        x, w, [1, 1, 1, 1], "SAME", dilations=[2, 2]),
         ref=_conv_ref((1, 1), "SAME", (2, 2), depthwise=True), shapes=[_X, (2, 2, 3, 2)]),
    Spec("depthwise_explicit", fn=lambda x, w: conv.depthwise_conv2d(
        x, w, [1, 1, 1, 1], [[0, 0], [1, 1], [0, 2], [0, 0]]),
         ref=_conv_ref((1, 1), [(1, 1), (0, 2)], depthwise=True), shapes=[_X, (3, 2, 3, 2)]),
    Spec("depthwise_nchw", fn=lambda x, w: conv.depthwise_conv2d(
        x, w, [1, 1, 2, 2], "SAME", data_format="NCHW"),
         ref=_conv_ref((2, 2), "SAME", depthwise=True, nchw=True),
         shapes=[(2, 3, 5, 6), (3, 3, 3, 2)]),
    Spec("depthwise_backprop_input", fn=lambda w, g: conv.depthwise_conv2d_backprop_input(
        [2, 4, 5, 3], w, g, [1, 1, 1, 1], "VALID"),
         ref=lambda w, g: _transpose_ref((4, 5), (1, 1), "VALID")(
             g, _depthwise_dense(w)), shapes=[(2, 2, 3, 2), (2, 3, 4, 6)]),
    Spec("depthwise_backprop_filter", fn=lambda x, g: conv.depthwise_conv2d_backprop_filter(
        x, [2, 2, 3, 1], g, [1, 1, 1, 1], "VALID"),
         ref=lambda x, g: np.stack([_filter_grad_ref(x[..., c:c + 1], g[..., c:c + 1],
                                                     (2, 2))[:, :, 0] for c in range(3)], 2),
         shapes=[(2, 4, 5, 3), (2, 3, 4, 3)]),
]


def _depthwise_dense(w):
    """A depthwise filter (KH, KW, C, M) as the dense (KH, KW, C, C*M) filter it acts as."""
    kh, kw, c, m = w.shape
    dense = np.zeros((kh, kw, c, c * m), w.dtype)
    for ch in range(c):
        dense[:, :, ch, ch * m:(ch + 1) * m] = w[:, :, ch]
    return dense


# ---------------------------------------------------------------- pooling --------------
_P = (2, 5, 7, 3)
SPECS += [
    Spec("max_pool2d_valid_2x2", fn=lambda x: pool.max_pool2d(x, 2, 2, "VALID"),
         ref=_pool_ref("max", (2, 2), (2, 2), "VALID"), shapes=[(2, 4, 6, 3)], grad2=True),
    Spec("max_pool2d_same_overlap", fn=lambda x: pool.max_pool2d(x, 3, 2, "SAME"),
         ref=_pool_ref("max", (3, 3), (2, 2), "SAME"), shapes=[_P]),
    Spec("max_pool2d_3x2_stride1", fn=lambda x: pool.max_pool2d(x, [3, 2], 1, "VALID"),
         ref=_pool_ref("max", (3, 2), (1, 1), "VALID"), shapes=[_P]),
    Spec("max_pool2d_explicit", fn=lambda x: pool.max_pool2d(
        x, 2, 2, [[0, 0], [1, 1], [0, 1], [0, 0]]),
         ref=_pool_ref("max", (2, 2), (2, 2), [(1, 1), (0, 1)]), shapes=[_P]),
    Spec("max_pool2d_nchw", fn=lambda x: pool.max_pool2d(x, 2, [1, 2], "SAME", "NCHW"),
         ref=_pool_ref("max", (2, 2), (1, 2), "SAME", nchw=True), shapes=[(2, 3, 5, 7)]),
    Spec("max_pool2d_int32", fn=lambda x: pool.max_pool2d(x, 3, 2, "SAME"),
         ref=_pool_ref("max", (3, 3), (2, 2), "SAME"), shapes=[(1, 4, 5, 2)],
         dtype="int32", domain=(-9, 9), grad=False),
    Spec("max_pool2d_all_negative_same", fn=lambda x: pool.max_pool2d(x, 2, 2, "SAME"),
         ref=_pool_ref("max", (2, 2), (2, 2), "SAME"), shapes=[(1, 3, 3, 1)],
         domain=(-9, -5)),
    Spec("max_pool1d", fn=lambda x: pool.max_pool1d(x, 3, 2, "SAME"),
         ref=lambda x: _pool_ref("max", (1, 3), (1, 2), "SAME")(x[:, None])[:, 0],
         shapes=[(2, 9, 3)]),
    Spec("max_pool_rank3_dispatch", fn=lambda x: pool.max_pool(x, [2], [1], "VALID"),
         ref=lambda x: _pool_ref("max", (1, 2), (1, 1), "VALID")(x[:, None])[:, 0],
         shapes=[(2, 5, 2)]),
    Spec("max_pool_v1", fn=lambda x: pool.max_pool_v1(x, [1, 2, 2, 1], [1, 1, 1, 1], "SAME"),
         ref=_pool_ref("max", (2, 2), (1, 1), "SAME"), shapes=[(1, 3, 4, 2)]),
    Spec("max_pool_grad_of_grad", fn=_grad_of(lambda x: pool.max_pool2d(x, 3, 2, "SAME")),
         ref=_pool_grad_ref("max", (3, 3), (2, 2), "SAME"), shapes=[_P, (2, 3, 4, 3)],
         graph=False),
    Spec("avg_pool2d_same_overlap", fn=lambda x: pool.avg_pool2d(x, 3, 2, "SAME"),
         ref=_pool_ref("avg", (3, 3), (2, 2), "SAME"), shapes=[_P], grad2=True),
    Spec("avg_pool2d_valid_3x2", fn=lambda x: pool.avg_pool2d(x, [3, 2], [1, 2], "VALID"),
         ref=_pool_ref("avg", (3, 2), (1, 2), "VALID"), shapes=[_P]),
    Spec("avg_pool2d_nchw", fn=lambda x: pool.avg_pool2d(x, 2, 2, "SAME", "NCHW"),
         ref=_pool_ref("avg", (2, 2), (2, 2), "SAME", nchw=True), shapes=[(2, 3, 5, 5)]),
    Spec("avg_pool2d_float64", fn=lambda x: pool.avg_pool2d(x, 2, 1, "SAME"),
         ref=_pool_ref("avg", (2, 2), (1, 1), "SAME"), shapes=[(1, 3, 3, 2)],
         dtype="float64", grad=False, rtol=1e-13),
    Spec("avg_pool1d_ncw", fn=lambda x: pool.avg_pool1d(x, 2, 2, "SAME", "NCW"),
         ref=lambda x: _pool_ref("avg", (1, 2), (1, 2), "SAME")(
             x.transpose(0, 2, 1)[:, None])[:, 0].transpose(0, 2, 1), shapes=[(2, 3, 7)]),
    Spec("avg_pool_rank4_dispatch", fn=lambda x: pool.avg_pool(x, 2, 2, "VALID"),
         ref=_pool_ref("avg", (2, 2), (2, 2), "VALID"), shapes=[(1, 4, 4, 1)]),
    Spec("avg_pool_v1", fn=lambda x: pool.avg_pool_v1(x, 2, 1, "VALID"),
         ref=_pool_ref("avg", (2, 2), (1, 1), "VALID"), shapes=[(1, 3, 3, 2)]),
    Spec("avg_pool_grad_of_grad", fn=_grad_of(lambda x: pool.avg_pool2d(x, 3, 2, "SAME")),
         ref=_pool_grad_ref("avg", (3, 3), (2, 2), "SAME"), shapes=[_P, (2, 3, 4, 3)],
         graph=False),
]

# ---------------------------------------------------------------- normalization --------


def _bn_ref(axes, eps=0.001):
    def ref(x, scale, offset):
        x64 = x.astype(np.float64)
        shape = [1] * 4
        shape[1 if axes == (0, 2, 3) else 3] = -1
        mean, var = x64.mean(axes), x64.var(axes)
        y = (x64 - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
        y = y * scale.reshape(shape) + offset.reshape(shape)
        n = x.size // scale.size
        return (y.astype(x.dtype), mean.astype(scale.dtype),
                (var * n / (n - 1)).astype(scale.dtype))
    return ref


_MEAN = np.array([0.1, -0.2, 0.3], np.float32)
_VAR = np.array([0.5, 1.5, 2.0], np.float32)


def _bn_infer_fn(x, scale, offset):
    mean, var = cast(_MEAN, scale.dtype), cast(_VAR, scale.dtype)
    return norm.fused_batch_norm(x, scale, offset, mean, var, is_training=False)[0]


def _bn_infer_ref(x, scale, offset):
    y = (x.astype(np.float64) - _MEAN) / np.sqrt(_VAR.astype(np.float64) + 0.001)
    return (y * scale + offset).astype(x.dtype)


def _lrn_ref(radius, bias, alpha, beta):
    def ref(x):
        x64 = x.astype(np.float64)
        out = np.empty_like(x64)
        for d in range(x.shape[3]):
            window = x64[..., max(d - radius, 0):d + radius + 1]
            out[..., d] = x64[..., d] / (bias + alpha * np.sum(window ** 2, -1)) ** beta
        return out.astype(x.dtype)
    return ref


_BN = [(2, 3, 4, 3), (3,), (3,)]
_BN_IN = _inputs(_normal((2, 3, 4, 3), shift=0.5), _normal((3,), shift=1.0),
                 _normal((3,)))
SPECS += [
    Spec("batch_normalization", fn=lambda x, m, v, o, s: norm.batch_normalization(
        x, m, v, o, s, 0.01),
         ref=lambda x, m, v, o, s: ((x - m) / np.sqrt(v + 0.01) * s + o).astype(x.dtype),
         shapes=[(2, 3, 4), (4,), (4,), (4,), (4,)], grad2=True,
         inputs=_inputs(_normal((2, 3, 4)), _normal((4,)), lambda rng: rng.uniform(
             0.5, 2, (4,)).astype(np.float32), _normal((4,)), _normal((4,)))),
    Spec("batch_normalization_no_scale_offset", fn=lambda x, m, v: norm.batch_normalization(
        x, m, v, None, None, 0.001),
         ref=lambda x, m, v: ((x - m) / np.sqrt(v + 0.001)).astype(x.dtype),
         shapes=[(3, 2), (2,), (2,)], inputs=_inputs(_normal((3, 2)), _normal((2,)),
                                                     lambda rng: np.full(2, 0.7, np.float32))),
    Spec("fused_batch_norm_training", fn=norm.fused_batch_norm, ref=_bn_ref((0, 1, 2)),
         shapes=_BN, inputs=_BN_IN, grad=False),
    Spec("fused_batch_norm_training_y", fn=lambda x, s, o: norm.fused_batch_norm(x, s, o)[0],
         ref=lambda x, s, o: _bn_ref((0, 1, 2))(x, s, o)[0], shapes=_BN, inputs=_BN_IN,
         grad2=True, rtol=1e-4, atol=1e-5),
    Spec("fused_batch_norm_training_nchw", fn=lambda x, s, o: norm.fused_batch_norm(
        x, s, o, data_format="NCHW", epsilon=0.01),
         ref=_bn_ref((0, 2, 3), 0.01), shapes=[(2, 3, 4, 2), (3,), (3,)], grad=False),
    Spec("fused_batch_norm_training_nchw_y", fn=lambda x, s, o: norm.fused_batch_norm(
        x, s, o, data_format="NCHW")[0],
         ref=lambda x, s, o: _bn_ref((0, 2, 3))(x, s, o)[0],
         shapes=[(2, 3, 4, 2), (3,), (3,)], grad2=True, rtol=1e-4, atol=1e-5),
    Spec("fused_batch_norm_inference", fn=_bn_infer_fn, ref=_bn_infer_ref, shapes=_BN,
         inputs=_BN_IN, grad2=True),
    Spec("fused_batch_norm_exponential_avg", fn=lambda x, s, o: norm.fused_batch_norm(
        x, s, o, cast(_MEAN, s.dtype), cast(_VAR, s.dtype), exponential_avg_factor=0.3)[1:],
         ref=lambda x, s, o: tuple(
             (0.7 * r + 0.3 * b).astype(np.float32)
             for r, b in zip((_MEAN, _VAR), _bn_ref((0, 1, 2))(x, s, o)[1:])),
         shapes=_BN, inputs=_BN_IN, grad=False),
    Spec("fused_batch_norm_float16", fn=lambda x, s, o: norm.fused_batch_norm(x, s, o)[0],
         ref=lambda x, s, o: _bn_ref((0, 1, 2))(x, s, o)[0], shapes=_BN,
         dtype=["float16", "float32", "float32"], grad=False, rtol=2e-3, atol=2e-3),
    Spec("lrn_defaults", fn=norm.local_response_normalization, ref=_lrn_ref(5, 1, 1, 0.5),
         shapes=[(2, 2, 3, 7)]),
    Spec("lrn_radius2", fn=lambda x: norm.lrn(x, 2, bias=2.0, alpha=0.5, beta=0.75),
         ref=_lrn_ref(2, 2.0, 0.5, 0.75), shapes=[(1, 3, 2, 6)]),
    Spec("lrn_float64", fn=lambda x: norm.lrn(x, 1), ref=_lrn_ref(1, 1, 1, 0.5),
         shapes=[(1, 2, 2, 4)], dtype="float64", grad=False, rtol=1e-13),
]

# ---------------------------------------------------------------- resize ---------------


def _src(i, in_size, out_size, align, half):
    if align and out_size > 1:
        scale = (in_size - 1) / (out_size - 1)
    else:
        scale = in_size / out_size
    return (i + 0.5) * scale - (0.5 if half else 0) if half else i * scale


def _bilinear_ref(size, align=False, half=True):
    def ref(x):
        n, h, w, c = x.shape
        out = np.zeros((n,) + tuple(size) + (c,))
        for i in range(size[0]):
            y = _src(i, h, size[0], align, half)
            y0, y1 = max(int(np.floor(y)), 0), min(int(np.ceil(y)), h - 1)
            fy = y - np.floor(y)
            for j in range(size[1]):
                xs = _src(j, w, size[1], align, half)
                x0, x1 = max(int(np.floor(xs)), 0), min(int(np.ceil(xs)), w - 1)
                fx = xs - np.floor(xs)
                top = x[:, y0, x0] * (1 - fx) + x[:, y0, x1] * fx
                bottom = x[:, y1, x0] * (1 - fx) + x[:, y1, x1] * fx
                out[:, i, j] = top * (1 - fy) + bottom * fy
        return out.astype(np.float32)
    return ref


def _nearest_ref(size, align=False, half=True):
    def ref(x):
        n, h, w, c = x.shape

        def index(i, n_in, n_out):
            s = (i + 0.5) * (n_in / n_out) if half else _src(i, n_in, n_out, align, False)
            k = int(np.floor(s + 0.5)) if align else int(np.floor(s))
            return max(min(k, n_in - 1), 0)
        rows = [index(i, h, size[0]) for i in range(size[0])]
        cols = [index(j, w, size[1]) for j in range(size[1])]
        return x[:, rows][:, :, cols]
    return ref


def _bilinear_grad_ref(size):
    """The adjoint of the bilinear resize, by pushing u back through each tap."""
    def ref(x, u):
        n, h, w, c = x.shape
        dx = np.zeros(x.shape)
        for i in range(size[0]):
            y = _src(i, h, size[0], False, True)
            y0, y1, fy = max(int(np.floor(y)), 0), min(int(np.ceil(y)), h - 1), y - np.floor(y)
            for j in range(size[1]):
                xs = _src(j, w, size[1], False, True)
                x0, x1 = max(int(np.floor(xs)), 0), min(int(np.ceil(xs)), w - 1)
                fx = xs - np.floor(xs)
                for r, cc, wt in ((y0, x0, (1 - fy) * (1 - fx)), (y0, x1, (1 - fy) * fx),
                                  (y1, x0, fy * (1 - fx)), (y1, x1, fy * fx)):
                    dx[:, r, cc] += wt * u[:, i, j]
        return dx.astype(x.dtype)
    return ref


_IMG = (2, 3, 4, 2)
SPECS += [
    Spec("resize_bilinear_up", fn=lambda x: image.resize(x, [5, 7]),
         ref=_bilinear_ref((5, 7)), shapes=[_IMG], grad=False),
    Spec("resize_bilinear_down", fn=lambda x: image.resize(x, [2, 3]),
         ref=_bilinear_ref((2, 3)), shapes=[(1, 5, 7, 3)], grad=False),
    Spec("resize_bilinear_int_to_float32", fn=lambda x: image.resize(x, [4, 6]),
         ref=_bilinear_ref((4, 6)), shapes=[(1, 3, 4, 1)], dtype="int32", domain=(0, 255),
         grad=False),
    Spec("resize_bilinear_rank3", fn=lambda x: image.resize(x, [4, 3]),
         ref=lambda x: _bilinear_ref((4, 3))(x[None])[0], shapes=[(3, 4, 2)], grad=False),
    Spec("resize_bilinear_gradient", fn=_grad_of(lambda x: image.resize(x, [5, 3])),
         ref=_bilinear_grad_ref((5, 3)), shapes=[_IMG, (2, 5, 3, 2)], graph=False),
    Spec("resize_nearest_up", fn=lambda x: image.resize(x, [5, 6], method="nearest"),
         ref=_nearest_ref((5, 6)), shapes=[_IMG], grad2=True),
    Spec("resize_nearest_down", fn=lambda x: image.resize(x, [2, 3], "nearest"),
         ref=_nearest_ref((2, 3)), shapes=[(1, 5, 7, 2)]),
    Spec("resize_nearest_uint8", fn=lambda x: image.resize(x, [4, 5], "nearest"),
         ref=_nearest_ref((4, 5)), shapes=[(1, 2, 3, 1)], dtype="uint8", domain=(0, 255),
         grad=False),
    Spec("resize_preserve_aspect_ratio", fn=lambda x: image.resize(
        x, [6, 6], preserve_aspect_ratio=True), ref=_bilinear_ref((4, 6)), shapes=[_IMG],
         grad=False),
    Spec("resize_antialias_up_is_bilinear", fn=lambda x: image.resize(x, [5, 7],
                                                                      antialias=True),
         ref=_bilinear_ref((5, 7)), shapes=[_IMG], grad=False),
    Spec("resize_antialias_gradient", fn=_grad_of(lambda x: image.resize(x, [2, 3],
                                                                         antialias=True)),
         ref=lambda x, u: _antialias_grad_ref(x, u), shapes=[(1, 5, 7, 2), (1, 2, 3, 2)],
         graph=False, rtol=1e-4, atol=1e-5),
    Spec("resize_bilinear_v1_align_corners", fn=lambda x: image.resize_bilinear(
        x, [5, 6], align_corners=True), ref=_bilinear_ref((5, 6), True, False),
         shapes=[_IMG], grad=False),
    Spec("resize_bilinear_v1_legacy", fn=lambda x: image.resize_bilinear(x, [5, 6]),
         ref=_bilinear_ref((5, 6), False, False), shapes=[_IMG], grad=False),
    Spec("resize_nearest_v1_align_corners", fn=lambda x: image.resize_nearest_neighbor(
        x, [5, 7], align_corners=True), ref=_nearest_ref((5, 7), True, False),
         shapes=[_IMG]),
    Spec("resize_nearest_v1_legacy", fn=lambda x: image.resize_nearest_neighbor(x, [5, 7]),
         ref=_nearest_ref((5, 7), False, False), shapes=[_IMG]),
    Spec("resize_images_v1_same_size_keeps_input", fn=lambda x: image.resize_images_v1(
        x, [3, 4]), ref=lambda x: x, shapes=[(1, 3, 4, 1)], dtype="int32", grad=False),
]


def _triangle_1d(n_in, n_out):
    """The antialiased triangle filter of one axis as a dense (out, in) matrix."""
    scale = n_out / n_in
    width = max(1 / scale, 1.0)
    m = np.zeros((n_out, n_in))
    for i in range(n_out):
        centre = (i + 0.5) / scale
        for j in range(n_in):
            m[i, j] = max(0.0, 1 - abs((j + 0.5 - centre) / width))
        m[i] /= m[i].sum()
    return m


def _antialias_grad_ref(x, u):
    mh, mw = _triangle_1d(x.shape[1], u.shape[1]), _triangle_1d(x.shape[2], u.shape[2])
    return np.einsum("ih,jw,nijc->nhwc", mh, mw, u.astype(np.float64)).astype(x.dtype)


# ---------------------------------------------------------------- embedding ------------
_TABLE = [(5, 3), (2, 2)]


def _ids(*shape, high=5):
    return lambda rng: rng.integers(0, high, size=shape).astype(np.int32)


SPECS += [
    Spec("embedding_lookup", fn=embedding.embedding_lookup, ref=lambda p, i: p[i],
         shapes=_TABLE, inputs=_inputs(_normal((5, 3)), _ids(2, 2))),
    Spec("embedding_lookup_int64_ids_3d_rows", fn=embedding.embedding_lookup,
         ref=lambda p, i: p[i], shapes=[(4, 2, 2), (3,)],
         inputs=_inputs(_normal((4, 2, 2)), lambda rng: np.array([3, 0, 3], np.int64))),
    Spec("embedding_lookup_max_norm", fn=lambda p, i: embedding.embedding_lookup(
        p, i, max_norm=1.0),
         ref=lambda p, i: (p[i] / np.maximum(np.linalg.norm(p[i], axis=-1, keepdims=True),
                                              1.0)).astype(p.dtype),
         shapes=_TABLE, inputs=_inputs(_normal((5, 3), scale=2.0), _ids(2, 2))),
    Spec("embedding_lookup_sharded_div", fn=lambda a, b, i: embedding.embedding_lookup(
        [a, b], i), ref=lambda a, b, i: np.concatenate([a, b])[i],
         shapes=[(3, 2), (2, 2), (4,)],
         inputs=_inputs(_normal((3, 2)), _normal((2, 2)), _ids(4))),
    Spec("embedding_lookup_v1_sharded_mod", fn=lambda a, b, i: embedding.embedding_lookup_v1(
        [a, b], i), ref=lambda a, b, i: np.stack([(a, b)[k % 2][k // 2] for k in i]),
         shapes=[(3, 2), (2, 2), (5,)],
         inputs=_inputs(_normal((3, 2)), _normal((2, 2)),
                        lambda rng: np.array([0, 1, 2, 3, 4], np.int32))),
]
