"""tf.image resizing: resize (TensorFlow 2: half-pixel centers), the TF1 resize_bilinear,
resize_nearest_neighbor and resize_images, and their gradient ops.

Resizing is separable: along each spatial axis every output sample reads a few input
samples ("taps") with fixed weights, computed once per call from the sizes. The forward
kernels gather the taps (bilinear with TensorFlow's lerp formula, x first then y, so the
float32 numbers follow its kernel); the gradients apply the transposed (out, in) weight
matrix of each axis with one matmul, which sums every contribution exactly once. An
antialiased bilinear resize is TensorFlow's ScaleAndTranslate with a triangle kernel
widened by the downscaling factor.
"""

from __future__ import annotations

import numpy as np

from engine import dtypes, errors
from engine.context import execute
from engine.infer import fmt_shape, static_value
from engine.ops.pool import bad
from engine.registry import register
from engine.shapes import TensorShape

__all__ = ["ResizeMethod", "ResizeMethodV1", "resize", "resize_bilinear", "resize_images_v1",
           "resize_nearest_neighbor"]


class ResizeMethod:
    """The method names tf.image.resize takes (TensorFlow's enum of strings)."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


class ResizeMethodV1:
    """TF1's integer method codes (tf.compat.v1.image.ResizeMethod)."""

    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


_METHODS = {v for k, v in vars(ResizeMethod).items() if k.isupper()}
_F32 = np.float32


# ---------------------------------------------------------------- taps per axis -------

def _scale(in_size, out_size, align_corners):
    """TensorFlow's CalculateResizeScale, in float32."""
    if align_corners and out_size > 1:
        return _F32((in_size - 1) / _F32(out_size - 1))
    return _F32(in_size / _F32(out_size))


def _bilinear_taps(in_size, out_size, align_corners, half_pixel):
    """(lower, upper, lerp): TensorFlow's ComputeInterpolationWeights, vectorized."""
    scale = _scale(in_size, out_size, align_corners)
    i = np.arange(out_size, dtype=_F32)
    src = (i + _F32(0.5)) * scale - _F32(0.5) if half_pixel else i * scale
    floor = np.floor(src)
    lower = np.maximum(floor, 0).astype(np.intp)
    upper = np.minimum(np.ceil(src), in_size - 1).astype(np.intp)
    return lower, upper, (src - floor).astype(_F32)


def _nearest_index(in_size, out_size, align_corners, half_pixel):
    scale = _scale(in_size, out_size, align_corners)
    i = np.arange(out_size, dtype=_F32)
    src = (i + _F32(0.5)) * scale if half_pixel else i * scale
    index = np.floor(src + _F32(0.5)) if align_corners else np.floor(src)  # roundf / floorf
    index = np.minimum(index, in_size - 1)
    return (np.maximum(index, 0) if half_pixel else index).astype(np.intp)


def _triangle_taps(in_size, out_size, scale, translation, antialias):
    """(index (out, T), weight (out, T)): TensorFlow's ComputeSpans for the triangle
    kernel; antialiasing widens the kernel by 1/scale when shrinking."""
    inv_scale = _F32(1) / _F32(scale)
    kernel_scale = max(inv_scale, _F32(1)) if antialias else _F32(1)
    span = min(2 * int(np.ceil(kernel_scale)) + 1, in_size)
    sample = (np.arange(out_size, dtype=_F32) + _F32(0.5)) * inv_scale - inv_scale * _F32(
        translation)
    start = np.clip(np.ceil(sample - kernel_scale - _F32(0.5)), 0, in_size - 1)
    end = np.clip(np.floor(sample + kernel_scale - _F32(0.5)), 0, in_size - 1) + 1
    index = start[:, None].astype(np.intp) + np.arange(span)
    pos = index + _F32(0.5) - sample[:, None]
    weight = np.maximum(_F32(1) - np.abs(pos / kernel_scale), 0).astype(_F32)
    weight[(index >= end[:, None]) | ((sample < 0) | (sample > in_size))[:, None]] = 0
    total = weight.sum(axis=1, keepdims=True)
    weight = np.where(np.abs(total) >= 1000 * np.finfo(_F32).tiny, weight / total, weight)
    return np.minimum(index, in_size - 1), weight


def _matrix(out_size, in_size, index, weight):
    """The dense (out, in) weight matrix of one axis (what a gradient multiplies by)."""
    m = np.zeros((out_size, in_size), weight.dtype if weight is not None else _F32)
    rows = np.repeat(np.arange(out_size), index.shape[1] if index.ndim == 2 else 1)
    np.add.at(m, (rows, index.reshape(-1)),
              1 if weight is None else weight.reshape(-1))
    return m


def _apply_transposed(g, m_h, m_w):
    """g (N, OH, OW, C) times the transposed axis matrices: (N, H, W, C)."""
    n, oh, ow, c = g.shape
    g = (m_h.T @ g.reshape(n, oh, ow * c)).reshape(n, -1, ow, c)
    return m_w.T @ g


# ---------------------------------------------------------------- checks --------------

def _sizes(op_name, images, size, align_corners, half_pixel):
    if images.ndim != 4:
        raise bad(f"input must be 4-dimensional{fmt_shape(images.shape)}")
    size = np.reshape(size, -1)
    if size.shape != (2,):
        raise bad(f"shape_t must have two elements{fmt_shape(size.shape)}")
    if size.min() <= 0:
        raise bad("output dimensions must be positive")
    if align_corners and half_pixel:
        raise bad("If half_pixel_centers is True, align_corners must be False.")
    return int(size[0]), int(size[1])


def _resize_infer(op_name, out_dtype=None):
    def infer(inputs, attrs):
        images, size = inputs[0], inputs[1]
        if images.shape.rank is not None and images.shape.rank != 4:
            raise ValueError(f"Shape must be rank 4 but is rank {images.shape.rank} for "
                             f"'{op_name}' with input shapes: {fmt_shape(images.shape)}, "
                             f"{fmt_shape(size.shape)}.")
        value = static_value(size)
        hw = [None, None] if value is None else [int(v) if v > 0 else None
                                                 for v in np.reshape(value, -1)[:2]]
        dims = images.shape.as_list() if images.shape.rank is not None else [None] * 4
        return [(out_dtype or images.dtype, TensorShape([dims[0], *hw, dims[3]]))]
    return infer


def _shape_hw(x):
    """x's (height, width) as an op input (static when known)."""
    dims = x.shape.as_list()[1:3] if x.shape.rank is not None else [None]
    if None not in dims:
        return dims
    from engine.ops import array
    return array.shape(x)[1:3]


# ---------------------------------------------------------------- bilinear ------------

def _bilinear_kernel(images, size, align_corners, half_pixel_centers):
    oh, ow = _sizes("ResizeBilinear", images, size, align_corners, half_pixel_centers)
    x = images.astype(_F32, copy=False)
    lo, hi, lerp = _bilinear_taps(x.shape[2], ow, align_corners, half_pixel_centers)
    left, right = x[:, :, lo], x[:, :, hi]
    x = left + (right - left) * lerp[:, None]
    lo, hi, lerp = _bilinear_taps(x.shape[1], oh, align_corners, half_pixel_centers)
    top, bottom = x[:, lo], x[:, hi]
    return top + (bottom - top) * lerp[:, None, None]


def _bilinear_matrices(in_hw, out_hw, align_corners, half_pixel):
    mats = []
    for n_in, n_out in zip(in_hw, out_hw):
        lo, hi, lerp = _bilinear_taps(n_in, n_out, align_corners, half_pixel)
        mats.append(_matrix(n_out, n_in, np.stack([lo, hi], 1), np.stack([1 - lerp, lerp], 1)))
    return mats


def _bilinear_grad_kernel(grads, original_image, align_corners, half_pixel_centers):
    n, h, w, c = original_image.shape
    m_h, m_w = _bilinear_matrices((h, w), grads.shape[1:3], align_corners, half_pixel_centers)
    dtype = np.result_type(original_image.dtype, _F32)
    out = _apply_transposed(grads.astype(dtype, copy=False), m_h.astype(dtype),
                            m_w.astype(dtype))
    return out.astype(original_image.dtype, copy=False)


def _like(t, ref):
    """t in ref's dtype: the resizes compute in float32, their gradients' inputs may not."""
    if t.dtype == ref.dtype:
        return t
    from engine.ops.math import cast
    return cast(t, ref.dtype)


def _attrs_of(op):
    return {a: op.get_attr(a) for a in ("align_corners", "half_pixel_centers")}


RESIZE_BILINEAR_GRAD = register(
    "ResizeBilinearGrad", _bilinear_grad_kernel,
    lambda inputs, attrs: [(inputs[1].dtype, inputs[1].shape)],
    lambda op, g: (_like(execute(RESIZE_BILINEAR, (g, _shape_hw(op.inputs[0])),
                                 _attrs_of(op)), op.inputs[0]), None))
RESIZE_BILINEAR = register(
    "ResizeBilinear", _bilinear_kernel, _resize_infer("ResizeBilinear", dtypes.float32),
    lambda op, g: (execute(RESIZE_BILINEAR_GRAD, (g, op.inputs[0]), _attrs_of(op)), None))


# ---------------------------------------------------------------- nearest -------------

def _nearest_kernel(images, size, align_corners, half_pixel_centers):
    oh, ow = _sizes("ResizeNearestNeighbor", images, size, align_corners, half_pixel_centers)
    rows = _nearest_index(images.shape[1], oh, align_corners, half_pixel_centers)
    cols = _nearest_index(images.shape[2], ow, align_corners, half_pixel_centers)
    return images[:, rows][:, :, cols]


def _nearest_grad_kernel(grads, size, align_corners, half_pixel_centers):
    h, w = (int(s) for s in np.reshape(size, -1))
    oh, ow = grads.shape[1:3]
    mats = [_matrix(o, i, _nearest_index(i, o, align_corners, half_pixel_centers)[:, None],
                    None) for i, o in ((h, oh), (w, ow))]
    g = grads.astype(np.result_type(grads.dtype, _F32), copy=False)
    return _apply_transposed(g, *(m.astype(g.dtype) for m in mats)).astype(grads.dtype)


RESIZE_NEAREST_GRAD = register(
    "ResizeNearestNeighborGrad", _nearest_grad_kernel,
    _resize_infer("ResizeNearestNeighborGrad"),
    lambda op, g: (execute(RESIZE_NEAREST, (g, _shape_hw(op.inputs[0])), _attrs_of(op)),
                   None))
RESIZE_NEAREST = register(
    "ResizeNearestNeighbor", _nearest_kernel, _resize_infer("ResizeNearestNeighbor"),
    lambda op, g: (execute(RESIZE_NEAREST_GRAD, (g, _shape_hw(op.inputs[0])),
                           _attrs_of(op)), None))


# ---------------------------------------------------------------- ScaleAndTranslate ---

def _triangle_matrices(in_hw, out_hw, scale, translation, antialias):
    return [_matrix(o, i, *_triangle_taps(i, o, s, t, antialias))
            for i, o, s, t in zip(in_hw, out_hw, np.reshape(scale, -1),
                                  np.reshape(translation, -1))]


def _check_kernel_type(kernel_type):
    if kernel_type != "triangle":
        raise errors.UnimplementedError(None, None, f"ScaleAndTranslate kernel_type "
                                        f"{kernel_type!r} is not implemented in twinflow "
                                        "(only 'triangle', antialiased bilinear)")


def _scale_translate_kernel(images, size, scale, translation, kernel_type, antialias):
    _check_kernel_type(kernel_type)
    oh, ow = _sizes("ScaleAndTranslate", images, size, False, False)
    m_h, m_w = _triangle_matrices(images.shape[1:3], (oh, ow), scale, translation, antialias)
    n, h, w, c = images.shape
    x = (m_h @ images.astype(_F32, copy=False).reshape(n, h, w * c)).reshape(n, oh, w, c)
    return m_w @ x


def _scale_translate_grad_kernel(grads, original_image, scale, translation, kernel_type,
                                 antialias):
    _check_kernel_type(kernel_type)
    mats = _triangle_matrices(original_image.shape[1:3], grads.shape[1:3], scale,
                              translation, antialias)
    g = grads.astype(np.result_type(grads.dtype, _F32), copy=False)  # TF: float32 only
    return _apply_transposed(g, *(m.astype(g.dtype) for m in mats))


def _st_attrs(op):
    return {a: op.get_attr(a) for a in ("kernel_type", "antialias")}


SCALE_AND_TRANSLATE_GRAD = register(
    "ScaleAndTranslateGrad", _scale_translate_grad_kernel,
    lambda inputs, attrs: [(inputs[0].dtype, inputs[1].shape)],
    lambda op, g: (_like(execute(SCALE_AND_TRANSLATE, (g, _shape_hw(op.inputs[0]),
                                                       op.inputs[2], op.inputs[3]),
                                 _st_attrs(op)), op.inputs[0]), None, None, None))
SCALE_AND_TRANSLATE = register(
    "ScaleAndTranslate", _scale_translate_kernel,
    _resize_infer("ScaleAndTranslate", dtypes.float32),
    lambda op, g: (execute(SCALE_AND_TRANSLATE_GRAD, (g, op.inputs[0], op.inputs[2],
                                                      op.inputs[3]), _st_attrs(op)),
                   None, None, None))


# ---------------------------------------------------------------- public functions ----

def _size_input(size):
    """size as an int32 [2] input, checked as TensorFlow checks it."""
    from engine.ops.core import convert_to_tensor, is_tensor
    if is_tensor(size):
        size = convert_to_tensor(size)
        if size.dtype != dtypes.int32:
            raise ValueError("'size' must be a 1-D int32 Tensor")
    else:
        array = np.asarray(size)
        if array.dtype.kind not in "iu":
            raise ValueError("'size' must be a 1-D int32 Tensor")
        size = convert_to_tensor(array.astype(np.int32))
    if not size.shape.is_compatible_with([2]):
        raise ValueError("'size' must be a 1-D Tensor of 2 elements: new_height, new_width")
    return size


def _aspect_size(images, size):
    """The largest size within `size` keeping the image's aspect ratio (float32 math,
    rounded half to even, as TensorFlow); computed now when everything is static."""
    from engine.ops import math as m
    from engine.ops import reduce
    from engine.ops.core import convert_to_tensor
    hw, wanted = _shape_hw(images), static_value(size)
    if isinstance(hw, list) and wanted is not None:
        current = np.asarray(hw, _F32)
        factor = np.min(np.asarray(wanted, _F32) / current)
        return convert_to_tensor(np.round(factor * current).astype(np.int32))
    current = m.cast(convert_to_tensor(hw), dtypes.float32)
    factor = reduce.reduce_min(m.realdiv(m.cast(size, dtypes.float32), current))
    return m.cast(m.round(m.multiply(factor, current)), dtypes.int32)


def _batched(images, fn):
    """Runs fn on a 4-D batch; a 3-D image gets a batch of one, removed afterwards."""
    from engine.ops import array
    from engine.ops.core import convert_to_tensor
    images = convert_to_tensor(images)
    rank = images.shape.rank
    if rank not in (3, 4):
        raise ValueError("'images' must have either 3 or 4 dimensions.")
    if rank == 4:
        return fn(images)
    return array.squeeze(fn(array.expand_dims(images, 0)), [0])


def resize(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False,
           antialias=False, name=None):
    """images (N, H, W, C or H, W, C) resampled to `size` = (new_height, new_width) with
    half-pixel centers; "bilinear" gives float32, "nearest" keeps the dtype.

    Raises:
        ValueError: images not 3-D or 4-D, a malformed size, an unknown method.
        UnimplementedError: a method twinflow lacks (bicubic, area, lanczos, ...).
    """
    method = getattr(method, "value", method)
    if method not in _METHODS:
        raise ValueError(f"Resize method is not implemented: {method}")
    if method not in (ResizeMethod.BILINEAR, ResizeMethod.NEAREST_NEIGHBOR):
        raise errors.UnimplementedError(None, None, f"tf.image.resize method {method!r} is "
                                        "not implemented in twinflow (bilinear and nearest "
                                        "are)")
    size = _size_input(size)

    def run(batch):
        from engine.ops import math as m
        new = _aspect_size(batch, size) if preserve_aspect_ratio else size
        attrs = {"align_corners": False, "half_pixel_centers": True}
        if method == ResizeMethod.NEAREST_NEIGHBOR:
            return execute(RESIZE_NEAREST, (batch, new), attrs, name)
        if not antialias:
            return execute(RESIZE_BILINEAR, (batch, new), attrs, name)
        scale = m.realdiv(m.cast(new, dtypes.float32), m.cast(_shape_hw(batch),
                                                               dtypes.float32))
        return execute(SCALE_AND_TRANSLATE, (batch, new, scale, np.zeros(2, _F32)),
                       {"kernel_type": "triangle", "antialias": True}, name)
    return _batched(images, run)


def resize_bilinear(images, size, align_corners=False, name=None, half_pixel_centers=False):
    """TF1's bilinear resize of a 4-D batch to `size` (float32), corner-aligned or legacy
    (top-left) sampling by default."""
    attrs = {"align_corners": bool(align_corners), "half_pixel_centers": bool(
        half_pixel_centers)}
    return execute(RESIZE_BILINEAR, (images, size), attrs, name)


def resize_nearest_neighbor(images, size, align_corners=False, name=None,
                            half_pixel_centers=False):
    """TF1's nearest-neighbor resize of a 4-D batch to `size` (keeps the dtype)."""
    attrs = {"align_corners": bool(align_corners), "half_pixel_centers": bool(
        half_pixel_centers)}
    return execute(RESIZE_NEAREST, (images, size), attrs, name)


def resize_images_v1(images, size, method=0, align_corners=False,
                     preserve_aspect_ratio=False, name=None):
    """tf.compat.v1.image.resize(_images): methods 0 (bilinear) and 1 (nearest) with TF1's
    sampling; a resize to the same static size returns the images unchanged."""
    method = {0: "bilinear", 1: "nearest"}.get(method, method)
    size = _size_input(size)
    if method not in ("bilinear", "nearest"):
        raise errors.UnimplementedError(None, None, f"resize method {method!r} is not "
                                        "implemented in twinflow (bilinear and nearest are)")

    def run(batch):
        new = _aspect_size(batch, size) if preserve_aspect_ratio else size
        static = static_value(new)
        if static is not None and list(np.reshape(static, -1)) == batch.shape.as_list()[1:3]:
            return batch
        fn = resize_bilinear if method == "bilinear" else resize_nearest_neighbor
        return fn(batch, new, align_corners=align_corners, name=name)
    return _batched(images, run)
