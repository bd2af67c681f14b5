"""Matrix structure ops: diagonals (MatrixDiagPartV3, MatrixDiagV3), trace, matrix
transpose, and singular values (Svd). Re-exported by engine.ops.linalg.

The diagonal ops take one diagonal k (TensorFlow's band form k=(lo, hi) is not
supported); each is the other's gradient, so both differentiate to any order.
"""

from __future__ import annotations

import numpy as np

from engine import errors
from engine.context import execute, executing_eagerly
from engine.infer import fmt_shape, static_value
from engine.ops.core import constant, convert_to_tensor, is_tensor
from engine.ops.linalg_einsum import EINSUM
from engine.ops._util import lapack_input
from engine.registry import register
from engine.shapes import TensorShape

__all__ = ["diag", "diag_part", "matrix_transpose", "svd", "trace"]


# ---------------------------------------------------------------- diagonals -----------

def _single_k(k):
    k = np.reshape(k, -1)
    if k.size == 2 and k[0] != k[1]:
        raise NotImplementedError("twinflow's matrix diagonal ops take one diagonal k, not a "
                                  f"band {k.tolist()}")
    return int(k[0])


def _diag_part_kernel(x, k, padding_value, align):
    if x.ndim < 2:
        raise errors.InvalidArgumentError(
            None, None, f"input must be at least 2-dim, received shape: {fmt_shape(x.shape)}")
    k = _single_k(k)
    rows, cols = x.shape[-2:]
    if not (-rows < k < cols or k == 0):
        raise errors.InvalidArgumentError(
            None, None, f"lower_diag_index is out of bound: {k}. It must be between {-rows} "
            f"and {cols}")
    return np.ascontiguousarray(np.diagonal(x, k, -2, -1))


def _diag_len(rows, cols, k):
    if rows is None or cols is None:
        return None
    return max(min(rows + min(k, 0), cols - max(k, 0)), 0)


def _diag_part_infer(inputs, attrs):
    x, k = inputs[0], static_value(inputs[1])
    rank = x.shape.rank
    if rank is not None and rank < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {rank} for "
                         f"'MatrixDiagPartV3' with input shapes: {fmt_shape(x.shape)}, [], [].")
    if rank is None:
        return [(x.dtype, TensorShape(None))]
    rows, cols = x.shape.as_list()[-2:]
    length = None
    if k is not None:
        k = _single_k(k)
        if rows is not None and cols is not None and not (-rows < k < cols or k == 0):
            raise ValueError(f"lower_diag_index is out of bound. for 'MatrixDiagPartV3' with "
                             f"input shapes: {fmt_shape(x.shape)}, [], [] and with computed "
                             f"input tensors: input[1] = <{k}>.")
        length = _diag_len(rows, cols, k)
    return [(x.dtype, TensorShape(x.shape.as_list()[:-2] + [length]))]


def _diag_part_grad(op, g):
    """Scatter g back onto the diagonal of a zero matrix of x's shape."""
    x = op.inputs[0]
    rows, cols = x.shape.as_list()[-2:] if x.shape.rank is not None else (None, None)
    if rows is None or cols is None:
        from engine.ops import array
        shape = array.shape(x)
        rows, cols = shape[-2], shape[-1]
    out = execute(MATRIX_DIAG, (g, op.inputs[1], rows, cols, 0),
                  {"align": op.get_attr("align")}, None)
    return out, None, None


def _diag_sizes(length, k, num_rows, num_cols):
    """TensorFlow's rule: a square matrix unless a size is given; the other fits."""
    min_rows, min_cols = length - min(k, 0), length + max(k, 0)
    if num_rows == -1 and num_cols == -1:
        return max(min_rows, min_cols), max(min_rows, min_cols), None
    rows = min_rows if num_rows == -1 else num_rows
    cols = min_cols if num_cols == -1 else num_cols
    if rows < min_rows:
        return rows, cols, "The number of rows is too small."
    if cols < min_cols:
        return rows, cols, "The number of columns is too small."
    if rows != min_rows and cols != min_cols:
        return rows, cols, ("The number of rows or columns is not consistent with the "
                            "specified d_lower, d_upper, and diagonal.")
    return rows, cols, None


def _diag_kernel(d, k, num_rows, num_cols, padding_value, align):
    if d.ndim < 1:
        raise errors.InvalidArgumentError(
            None, None, f"diagonal must be at least 1-dim, received shape: "
                        f"{fmt_shape(d.shape)}")
    k, length = _single_k(k), d.shape[-1]
    rows, cols, problem = _diag_sizes(length, k, int(num_rows), int(num_cols))
    if problem:
        raise errors.InvalidArgumentError(None, None, problem)
    out = np.full(d.shape[:-1] + (rows, cols), padding_value, d.dtype)
    i = np.arange(length)
    out[..., i - min(k, 0), i + max(k, 0)] = d
    return out


def _diag_infer(inputs, attrs):
    d = inputs[0]
    k, num_rows, num_cols = (static_value(t) for t in inputs[1:4])
    if d.shape.rank is not None and d.shape.rank < 1:
        raise ValueError("Shape must be at least rank 1 but is rank 0 for 'MatrixDiagV3' "
                         "with input shapes: [], [], [], [], [].")
    if d.shape.rank is None:
        return [(d.dtype, TensorShape(None))]
    length = d.shape.as_list()[-1]
    rows = cols = None
    if None not in (k, num_rows, num_cols, length):
        rows, cols, problem = _diag_sizes(length, _single_k(k), int(num_rows), int(num_cols))
        if problem:
            raise ValueError(f"{problem} for 'MatrixDiagV3' with input shapes: "
                             f"{fmt_shape(d.shape)}, [], [], [], [].")
    return [(d.dtype, TensorShape(d.shape.as_list()[:-1] + [rows, cols]))]


def _diag_grad(op, g):
    part = execute(MATRIX_DIAG_PART, (g, op.inputs[1], 0), {"align": op.get_attr("align")},
                   None)
    return part, None, None, None, None


MATRIX_DIAG_PART = register("MatrixDiagPartV3", _diag_part_kernel, _diag_part_infer,
                            _diag_part_grad, same_dtype=(0, 2))
MATRIX_DIAG = register("MatrixDiagV3", _diag_kernel, _diag_infer, _diag_grad,
                       same_dtype=(0, 4))


def _k_input(k):
    return k if is_tensor(k) else constant(np.asarray(k, np.int32))


def diag_part(input, name="diag_part", k=0, padding_value=0,  # noqa: A002
              align="RIGHT_LEFT"):
    """The k-th diagonal of each innermost matrix (k > 0 above the main one)."""
    input = convert_to_tensor(input)  # noqa: A001 - padding_value takes its dtype
    return execute(MATRIX_DIAG_PART, (input, _k_input(k), padding_value), {"align": align},
                   name)


def diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0,
         align="RIGHT_LEFT"):
    """Matrices with `diagonal` on their k-th diagonal and padding_value elsewhere."""
    diagonal = convert_to_tensor(diagonal)
    return execute(MATRIX_DIAG, (diagonal, _k_input(k), np.int32(num_rows),
                                 np.int32(num_cols), padding_value), {"align": align}, name)


def trace(x, name=None):
    """The sum of the main diagonal of each innermost matrix."""
    from engine.ops import reduce
    return reduce.reduce_sum(diag_part(x), [-1], name=name)


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """a with its two innermost axes swapped (conjugated too when `conjugate`).

    Raises:
        ValueError: a has rank < 2.
    """
    from engine.ops import array
    a = convert_to_tensor(a)
    rank = a.shape.rank
    if conjugate and a.dtype.is_complex and rank is None:
        raise NotImplementedError("matrix_transpose(conjugate=True) needs the rank known")
    if rank is None:
        return execute(EINSUM, (a,), {"equation": "...ij->...ji"}, name)
    if rank < 2:
        shown = a.numpy() if executing_eagerly() else a
        raise ValueError(f"Argument `a` should be a (batch) matrix with rank >= 2.  Received "
                         f"`a` = {shown} with shape: {tuple(a.shape.as_list())}")
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    if conjugate and a.dtype.is_complex:
        return array.transpose(a, perm, conjugate=True, name=name)
    return array.transpose(a, perm, name=name)


# ---------------------------------------------------------------- svd -----------------

def _svd_kernel(x, compute_uv, full_matrices):
    work = lapack_input("Svd", x)
    if not compute_uv:
        s = np.linalg.svd(work, compute_uv=False).astype(x.real.dtype)
        return s, np.zeros((), x.dtype), np.zeros((), x.dtype)
    u, s, vh = np.linalg.svd(work, full_matrices=full_matrices)
    v = np.conj(np.swapaxes(vh, -1, -2))
    return s.astype(x.real.dtype), u.astype(x.dtype), v.astype(x.dtype)


def _svd_infer(inputs, attrs):
    x = inputs[0]
    if x.shape.rank is None:
        return [(x.dtype.real_dtype, TensorShape(None))] + [(x.dtype, TensorShape(None))] * 2
    if x.shape.rank < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {x.shape.rank} for 'Svd' "
                         f"with input shapes: {fmt_shape(x.shape)}.")
    dims = x.shape.as_list()
    batch, (m, n) = dims[:-2], dims[-2:]
    p = None if m is None or n is None else min(m, n)
    s = (x.dtype.real_dtype, TensorShape(batch + [p]))
    if not attrs["compute_uv"]:
        return [s, (x.dtype, TensorShape([])), (x.dtype, TensorShape([]))]
    full = attrs["full_matrices"]
    return [s, (x.dtype, TensorShape(batch + [m, m if full else p])),
            (x.dtype, TensorShape(batch + [n, n if full else p]))]


def _svd_grad(op, grad_s, grad_u, grad_v):
    """d s = u^H (d a) v, so the gradient of the singular values is u diag(grad_s) v^H."""
    if op.get_attr("compute_uv"):
        raise NotImplementedError("twinflow differentiates svd only through its singular "
                                  "values (compute_uv=False, as norm(ord=2) uses)")
    _, u, v = execute(SVD, (op.inputs[0],), {"compute_uv": True, "full_matrices": False},
                      None)
    scaled = execute(EINSUM, (u, grad_s), {"equation": "...ik,...k->...ik"}, None)
    from engine.ops.linalg import matmul
    return (matmul(scaled, v, adjoint_b=True),)


SVD = register("Svd", _svd_kernel, _svd_infer, _svd_grad, multi=True)


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """The singular values s (descending) of each innermost matrix, and with compute_uv the
    u, v of tensor = u @ diag(s) @ adjoint(v): returns s, or (s, u, v)."""
    s, u, v = execute(SVD, (tensor,), {"compute_uv": compute_uv,
                                       "full_matrices": full_matrices}, name)
    return (s, u, v) if compute_uv else s
