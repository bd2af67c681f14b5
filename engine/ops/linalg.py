"""Linear algebra: matmul, tensordot, norms and norm clipping (+ einsum from
linalg_einsum.py, diagonals, trace, matrix_transpose and svd from linalg_diag.py).

MatMul (rank 2) and BatchMatMulV2 (batch dims broadcast) are TensorFlow's two matrix
product ops; their gradients are matrix products again, and the backward driver sums
a broadcast batch gradient back to each input's shape. tensordot, norm, trace and the
clip_by_* functions are composites of public ops, as in TensorFlow, so their
gradients come for free.
"""

from __future__ import annotations

from collections import abc

import numpy as np

from engine import dtypes, errors
from engine import infer as _infer
from engine.context import execute
from engine.infer import fmt_shape, static_value
from engine.ops import math as _m
from engine.ops._util import tf_type_name
from engine.ops.core import constant, convert_to_tensor, identity, is_tensor
from engine.ops.linalg_diag import (  # noqa: F401 - re-exported
    MATRIX_DIAG,
    MATRIX_DIAG_PART,
    SVD,
    diag,
    diag_part,
    matrix_transpose,
    svd,
    trace,
)
from engine.ops.linalg_einsum import EINSUM, einsum  # noqa: F401 - re-exported
from engine.registry import register
from engine.shapes import TensorShape

__all__ = [
    "clip_by_global_norm", "clip_by_norm", "diag", "diag_part", "einsum", "global_norm",
    "matmul", "matrix_transpose", "norm", "svd", "tensordot", "trace",
]

# TensorFlow's CPU kernels (names as its messages print them).
_MATMUL_TYPES = ("bfloat16, half, float, double, int32, int64, uint8, uint16, uint32, uint64, "
                 "complex64, complex128")
_BATCH_TYPES = ("bfloat16, half, float, double, int16, int32, int64, uint8, uint16, uint32, "
                "uint64, complex64, complex128")
_PY_NAMES = {"half": "float16", "float": "float32", "double": "float64"}


def _allowed(types: str) -> set:
    return {_PY_NAMES.get(n, n) for n in types.split(", ")}


_MATMUL_OK, _BATCH_OK = _allowed(_MATMUL_TYPES), _allowed(_BATCH_TYPES)
_NUMPY_NAMES = {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                "uint16", "uint32", "uint64", "complex64", "complex128", "bool"}


_NP_OK: dict = {}  # id(allowed names) -> the numpy dtypes they allow (a fast hot-path test)


def _kernel_type_check(op_name, x, ok, types):
    allowed = _NP_OK.get(id(ok))
    if allowed is None:
        allowed = _NP_OK[id(ok)] = frozenset(np.dtype(n) for n in ok if n in _NUMPY_NAMES)
    if x.dtype in allowed:
        return
    name = "string" if x.dtype == object else x.dtype.name
    if name not in ok:
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'T' of {name} is not in the list of allowed values: "
            f"{types}\n\t; NodeDef: {{{{node {op_name}}}}}")


def _infer_type_check(op_name, param, dtype, ok, types):
    if dtype.name not in ok:
        names = ", ".join(_PY_NAMES.get(n, n) for n in types.split(", "))
        raise TypeError(f"Value passed to parameter '{param}' has DataType {dtype.name} not in "
                        f"list of allowed values: {names} (op '{op_name}')")


# ---------------------------------------------------------------- MatMul --------------

def _check_ranks(a, b, batch):
    for i, x in enumerate((a, b)):
        if x.ndim < 2 or (x.ndim > 2 and not batch):
            raise errors.InvalidArgumentError(
                None, None, f"In[{i}] ndims must be >= 2" if x.ndim < 2 else
                f"In[{i}] is not a matrix. Instead it has shape {fmt_shape(x.shape)}")


def _matmul_kernel(a, b, transpose_a, transpose_b):
    _kernel_type_check("MatMul", a, _MATMUL_OK, _MATMUL_TYPES)
    _check_ranks(a, b, False)
    if a.shape[0 if transpose_a else 1] != b.shape[1 if transpose_b else 0]:
        raise errors.InvalidArgumentError(
            None, None, f"Matrix size-incompatible: In[0]: {fmt_shape(a.shape)}, In[1]: "
            f"{fmt_shape(b.shape)}")
    return np.matmul(a.T if transpose_a else a, b.T if transpose_b else b)


def _adjoint(x, adj):
    if not adj:
        return x
    x = np.swapaxes(x, -1, -2)
    return np.conj(x) if x.dtype.kind == "c" else x


def _batch_matmul_kernel(x, y, adj_x, adj_y):
    _kernel_type_check("BatchMatMulV2", x, _BATCH_OK, _BATCH_TYPES)
    _check_ranks(x, y, True)
    try:
        np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    except ValueError:
        raise errors.InvalidArgumentError(
            None, None, "In[0] and In[1] must have compatible batch dimensions: "
            f"{fmt_shape(x.shape)} vs. {fmt_shape(y.shape)}") from None
    if x.shape[-2 if adj_x else -1] != y.shape[-1 if adj_y else -2]:
        raise errors.InvalidArgumentError(
            None, None, f"Matrix size-incompatible: In[0]: {fmt_shape(x.shape)}, In[1]: "
            f"{fmt_shape(y.shape)} {int(adj_x)} {int(adj_y)}")
    return np.matmul(_adjoint(x, adj_x), _adjoint(y, adj_y))


def _matrix_dims(op_name, t, flip, shapes, exact):
    """The (rows, cols) of t as used (after transposing), None where unknown."""
    rank = t.shape.rank
    if rank is None:
        return None, None
    if rank < 2 or (exact and rank != 2):
        what = "rank 2" if exact else "at least rank 2"
        raise ValueError(f"Shape must be {what} but is rank {rank} for '{op_name}' with input "
                         f"shapes: {shapes}.")
    rows, cols = t.shape.as_list()[-2:]
    return (cols, rows) if flip else (rows, cols)


def _matmul_infer_fn(op_name, flags, batch):
    param, ok, types = ("x", _BATCH_OK, _BATCH_TYPES) if batch else ("a", _MATMUL_OK,
                                                                      _MATMUL_TYPES)

    def infer(inputs, attrs):
        a, b = inputs
        dtype = _infer.check_same_dtype(op_name, inputs, (0, 1))
        _infer_type_check(op_name, param, dtype, ok, types)
        shapes = f"{fmt_shape(a.shape)}, {fmt_shape(b.shape)}"
        m, ka = _matrix_dims(op_name, a, attrs[flags[0]], shapes, not batch)
        kb, n = _matrix_dims(op_name, b, attrs[flags[1]], shapes, not batch)
        if ka is not None and kb is not None and ka != kb:
            raise ValueError(f"Dimensions must be equal, but are {ka} and {kb} for "
                             f"'{op_name}' with input shapes: {shapes}.")
        if not batch:
            return [(dtype, TensorShape([m, n]))]
        if a.shape.rank is None or b.shape.rank is None:
            return [(dtype, TensorShape(None))]
        try:
            lead = _infer.broadcast_shape(op_name, a.shape[:-2], b.shape[:-2])
        except ValueError as exc:  # name the full shapes, not just the batch parts
            raise ValueError(str(exc).rsplit(" with input shapes:", 1)[0]
                             + f" with input shapes: {shapes}.") from None
        return [(dtype, lead.concatenate([m, n]))]
    return infer


# The four MatMul attr dicts, shared by every call (executors copy or only read them).
_MM_ATTRS = {(ta, tb): {"transpose_a": ta, "transpose_b": tb}
             for ta in (False, True) for tb in (False, True)}

# TensorFlow's _MatMulGrad: (transpose_a, transpose_b) -> how to form da and db, each as
# (first, second, transpose first, transpose second) over a = 0, b = 1, g = 2.
_MATMUL_GRADS = {(False, False): ((2, 1, False, True), (0, 2, True, False)),
                 (False, True): ((2, 1, False, False), (2, 0, True, False)),
                 (True, False): ((1, 2, False, True), (0, 2, False, False)),
                 (True, True): ((1, 2, True, True), (2, 0, True, True))}


def _matmul_grad(op, g):
    """Each case is again one MatMul with transposes; a side no source reaches (the
    input data) is skipped. The op's inputs are matrices, so the products go straight
    to the MatMul op."""
    parts = (*op.inputs, g)
    skip = getattr(op, "skip_input_indices", None) or ()
    out = []
    for index, (x, y, tx, ty) in enumerate(
            _MATMUL_GRADS[op.get_attr("transpose_a"), op.get_attr("transpose_b")]):
        out.append(None if index in skip else
                   execute(MATMUL, (parts[x], parts[y]), _MM_ATTRS[tx, ty], None))
    return tuple(out)


def _batch_matmul_grad(op, g):
    """TensorFlow's _BatchMatMulV2 gradient; the driver sums broadcast batch dims."""
    x, y = op.inputs
    adj_x, adj_y = op.get_attr("adj_x"), op.get_attr("adj_y")
    if not adj_x and not adj_y:
        return matmul(g, y, adjoint_b=True), matmul(x, g, adjoint_a=True)
    if not adj_x:
        return matmul(g, y), matmul(g, x, adjoint_a=True)
    if not adj_y:
        return matmul(y, g, adjoint_b=True), matmul(x, g)
    return (matmul(y, g, adjoint_a=True, adjoint_b=True),
            matmul(g, x, adjoint_a=True, adjoint_b=True))


MATMUL = register("MatMul", _matmul_kernel,
                  _matmul_infer_fn("MatMul", ("transpose_a", "transpose_b"), False),
                  _matmul_grad, same_dtype=(0, 1))
BATCH_MATMUL = register("BatchMatMulV2", _batch_matmul_kernel,
                        _matmul_infer_fn("BatchMatMulV2", ("adj_x", "adj_y"), True),
                        _batch_matmul_grad, same_dtype=(0, 1))


def _output_type(a, b, output_type):
    """TensorFlow widens only (u)int8 products to int32; other requests have no kernel."""
    output_type = dtypes.as_dtype(output_type)
    if output_type == a.dtype:
        return a, b
    if a.dtype.name in ("int8", "uint8") and output_type is dtypes.int32:
        return _m.cast(a, dtypes.int32), _m.cast(b, dtypes.int32)
    raise errors.NotFoundError(
        None, None, f"Could not find device for node: {{{{node BatchMatMulV3}}}} = "
        f"BatchMatMulV3[Ta=DT_{tf_type_name(a.dtype).upper()}, "
        f"Tb=DT_{tf_type_name(b.dtype).upper()}, Tout=DT_{output_type.name.upper()}]: "
        "matmul's output_type only turns int8/uint8 inputs into int32")


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """The matrix product a @ b (batched with broadcast batch dims when rank > 2).

    Raises:
        ValueError: both transpose_x and adjoint_x are set.
        InvalidArgumentError: inner dimensions differ (ValueError while building a graph).
    """
    del a_is_sparse, b_is_sparse  # TensorFlow's hints for picking a kernel; same result
    for t, adj, arg in ((transpose_a, adjoint_a, "a"), (transpose_b, adjoint_b, "b")):
        if t and adj:
            raise ValueError(f"Only one of `transpose_{arg}` and `adjoint_{arg}` can be True. "
                             f"Received `transpose_{arg}`={t}, `adjoint_{arg}`={adj}.")
    a = convert_to_tensor(a)
    b = convert_to_tensor(b, dtype_hint=a.dtype)
    if output_type is not None:
        a, b = _output_type(a, b, output_type)
    ra, rb = a.shape.rank, b.shape.rank
    complex_adjoint = a.dtype.is_complex and (adjoint_a or adjoint_b)
    if ra is not None and rb is not None and ra <= 2 and rb <= 2 and not complex_adjoint:
        return execute(MATMUL, (a, b), _MM_ATTRS[bool(transpose_a or adjoint_a),
                                                 bool(transpose_b or adjoint_b)], name)
    if a.dtype.is_complex:  # a plain transpose must not conjugate
        a = matrix_transpose(a) if transpose_a else a
        b = matrix_transpose(b) if transpose_b else b
        transpose_a = transpose_b = False
    return execute(BATCH_MATMUL, (a, b), {"adj_x": transpose_a or adjoint_a,
                                          "adj_y": transpose_b or adjoint_b}, name)


# ---------------------------------------------------------------- tensordot -----------

def _tensordot_axes(a, axes):
    if is_tensor(axes):
        value = static_value(axes)
        if value is None:
            raise ValueError("tensordot needs `axes` known when the op is built")
        axes = value.tolist()
    if isinstance(axes, np.ndarray):
        axes = axes.tolist()
    if isinstance(axes, (int, np.integer)):
        axes = int(axes)
        if axes < 0:
            raise ValueError(f"`axes` must be at least 0. Received: {axes}.")
        rank = a.shape.rank
        if rank is None:
            raise ValueError("tensordot with an integer `axes` needs the rank of `a` known")
        if axes > rank:
            raise ValueError(f"`axes` must not be larger than the number of dimensions of "
                             f"tensor {a}.  Received {axes}, vs tensor dimensions {rank}.")
        return list(range(rank - axes, rank)), list(range(axes))
    if not isinstance(axes, (list, tuple)) or len(axes) != 2:
        raise ValueError(f"`axes` must be an integer or have length 2. Received {axes}.")
    a_axes, b_axes = axes
    if isinstance(a_axes, (int, np.integer)) and isinstance(b_axes, (int, np.integer)):
        a_axes, b_axes = [a_axes], [b_axes]
    a_axes, b_axes = [int(i) for i in a_axes], [int(i) for i in b_axes]
    if len(a_axes) != len(b_axes):
        raise ValueError(f"Different number of contraction axes `a` and `b`, {len(a_axes)} "
                         f"!= {len(b_axes)}.")
    return a_axes, b_axes


def _tensordot_reshape(a, axes, flipped=False):
    """a as a matrix [free, contracted] ([contracted, free] when flipped), and a's free dims
    (a list when static, else a shape tensor)."""
    from engine.ops import array
    rank = a.shape.rank
    if rank is None:
        raise ValueError("tensordot needs the rank of its inputs known")
    axes = [i + rank if i < 0 else i for i in axes]
    free = [i for i in range(rank) if i not in axes]
    perm = axes + free if flipped else free + axes
    moved = a if perm == list(range(rank)) else array.transpose(a, perm)
    if a.shape.is_fully_defined():
        dims = a.shape.as_list()
        free_dims = [dims[i] for i in free]
        prod_free, prod_axes = int(np.prod(free_dims)), int(np.prod([dims[i] for i in axes]))
        new_shape = [prod_axes, prod_free] if flipped else [prod_free, prod_axes]
        if moved.shape.as_list() != new_shape:
            moved = array.reshape(moved, new_shape)
        return moved, free_dims
    from engine.ops import indexing, reduce
    shape = array.shape(a)
    free_dims = indexing.gather(shape, constant(np.array(free, np.int32)))
    prod_free = reduce.reduce_prod(free_dims)
    prod_axes = reduce.reduce_prod(indexing.gather(shape, constant(np.array(axes, np.int32))))
    new_shape = array.stack([prod_axes, prod_free] if flipped else [prod_free, prod_axes])
    return array.reshape(moved, new_shape), free_dims


def tensordot(a, b, axes, name=None):
    """sum over the paired axes of a[..., i, ...] * b[..., i, ...]: the free axes of a, then
    those of b (axes=N pairs a's last N axes with b's first N)."""
    from engine.ops import array
    a, b = convert_to_tensor(a), convert_to_tensor(b)
    a_axes, b_axes = _tensordot_axes(a, axes)
    a_mat, a_free = _tensordot_reshape(a, a_axes)
    b_mat, b_free = _tensordot_reshape(b, b_axes, flipped=True)
    product = matmul(a_mat, b_mat)
    if isinstance(a_free, list) and isinstance(b_free, list):
        if product.shape.is_fully_defined() and product.shape.as_list() == a_free + b_free:
            return product if name is None else identity(product, name=name)
        return array.reshape(product, a_free + b_free, name=name)
    parts = [constant(np.array(d, np.int32)) if isinstance(d, list) else d
             for d in (a_free, b_free)]
    return array.reshape(product, array.concat(parts, 0), name=name)


# ---------------------------------------------------------------- norms ---------------

def _check_norm_args(ord, axis):  # noqa: A002 - TensorFlow's argument name
    """(is_matrix_norm, axis as a tuple or None); TensorFlow's ValueErrors otherwise."""
    is_matrix = isinstance(axis, (tuple, list)) and len(axis) == 2
    if is_matrix:
        axis = tuple(axis)
        if not all(isinstance(a, (int, np.integer)) for a in axis) or axis[0] == axis[1]:
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique "
                             f"integers, got {axis}")
        if not any(ord == o and type(ord) is not bool for o in ("euclidean", "fro", 1, 2,
                                                                np.inf)):
            raise ValueError(f"'ord' must be a supported matrix norm in ['euclidean', 'fro', "
                             f"1, 2, inf], got {ord}")
        return True, axis
    if not (axis is None or isinstance(axis, (int, np.integer))):
        raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, "
                         f"got {axis}")
    positive = (isinstance(ord, (int, float, np.number)) and not isinstance(ord, bool)
                and ord > 0)
    if not (ord == "euclidean" or positive):
        raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
    return False, None if axis is None else (int(axis),)


def _matrix_2_norm(x, axis, keepdims):
    """The largest singular value over the two axes (TensorFlow's Svd route)."""
    from engine.ops import array, reduce
    rank = x.shape.rank
    if rank is None:
        raise ValueError("norm(ord=2) over two axes needs the rank of the tensor known")
    a0, a1 = (int(a) % rank for a in axis)
    perm = [i for i in range(rank) if i not in (a0, a1)] + [a0, a1]
    moved = x if perm == list(range(rank)) else array.transpose(x, perm)
    result = reduce.reduce_max(_m.abs(svd(moved, compute_uv=False)), -1)
    if keepdims:
        for a in sorted((a0, a1)):
            result = array.expand_dims(result, a)
    return result


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):  # noqa: A002
    """The vector p-norm (sum |x|^p)^(1/p) over `axis` (all entries when None), or over two
    axes a matrix norm: 'fro'/'euclidean', 1 (max column sum), inf (max row sum), 2
    (largest singular value).

    Raises:
        ValueError: an unsupported `ord` or a malformed `axis`.
    """
    from engine.ops import reduce
    is_matrix, axis = _check_norm_args(ord, axis)
    x = convert_to_tensor(tensor)
    keep = bool(keepdims)
    red = None if axis is None else list(axis)
    if is_matrix and ord == 2:
        result = _matrix_2_norm(x, axis, keep)
    elif ord in ("fro", "euclidean", 2):
        result = _m.sqrt(reduce.reduce_sum(_m.multiply(x, x), red, keepdims=keep))
    elif ord == 1 and is_matrix:  # the size-1 summed axis is dropped by the max
        result = reduce.reduce_max(reduce.reduce_sum(_m.abs(x), axis[0], keepdims=True),
                                   red, keepdims=keep)
    elif ord == np.inf and is_matrix:
        result = reduce.reduce_max(reduce.reduce_sum(_m.abs(x), axis[1], keepdims=True),
                                   red, keepdims=keep)
    elif ord == 1:
        result = reduce.reduce_sum(_m.abs(x), red, keepdims=keep)
    elif ord == np.inf:
        result = reduce.reduce_max(_m.abs(x), red, keepdims=keep)
    else:
        result = _m.pow(reduce.reduce_sum(_m.pow(_m.abs(x), ord), red, keepdims=keep),
                        1.0 / ord)
    return result if name is None else identity(result, name=name)


def _tensor_list(t_list):
    if not isinstance(t_list, abc.Sequence) or isinstance(t_list, str):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    return list(t_list)


def global_norm(t_list, name=None):
    """sqrt(sum of squares of every entry of every tensor in t_list); None entries skipped."""
    from engine.ops import nn
    values = [convert_to_tensor(t) for t in _tensor_list(t_list) if t is not None]
    if not values:
        return constant(np.float32(0.0), name=name or "global_norm")
    half = [nn.l2_loss(v) for v in values]  # sum(v ** 2) / 2 each
    total = half[0] if len(half) == 1 else _m.add_n(half)
    return _m.sqrt(_m.multiply(total, 2.0), name=name)


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """t * clip_norm / max(||t||_2, clip_norm), the L2 norm taken over `axes` (all when None).

    Raises:
        ValueError: clip_norm would broadcast t to a bigger shape.
    """
    from engine.ops import reduce
    values = convert_to_tensor(t)
    l2sum = reduce.reduce_sum(_m.multiply(values, values), axes, keepdims=True)
    positive = _m.greater(l2sum, 0)
    # The two-sided where keeps the gradient finite where the norm is 0.
    l2norm = _m.where(positive, _m.sqrt(_m.where(positive, l2sum, 1)), l2sum)
    scaled = _m.multiply(values, clip_norm)
    if not values.shape.is_compatible_with(scaled.shape):
        raise ValueError(f"Shapes {values.shape} and {scaled.shape} are incompatible")
    return identity(_m.truediv(scaled, _m.maximum(l2norm, clip_norm)), name=name)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """(each t * clip_norm / max(global_norm, clip_norm), global_norm); None stays None,
    and every tensor becomes NaN when the global norm is not finite (as TensorFlow).

    Raises:
        TypeError: t_list is not a sequence.
    """
    t_list = _tensor_list(t_list)
    if use_norm is None:
        use_norm = global_norm(t_list)
    use_norm = convert_to_tensor(use_norm)
    one = constant(1.0, dtype=use_norm.dtype)
    scale = _m.multiply(clip_norm, _m.minimum(_m.truediv(1.0, use_norm),
                                              _m.truediv(one, clip_norm)))
    scale = _m.add(scale, _m.subtract(use_norm, use_norm))  # NaN for inf/NaN norms
    clipped = []
    for t in t_list:
        if t is None:
            clipped.append(None)
            continue
        v = convert_to_tensor(t, dtype_hint=scale.dtype)
        clipped.append(identity(_m.multiply(v, _m.cast(scale, v.dtype)), name=name))
    return clipped, use_norm
