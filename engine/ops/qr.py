"""The QR decomposition (Qr): input = q @ r, q with orthonormal columns, r upper triangular.

The kernel is LAPACK's Householder QR through numpy (the routine TensorFlow's CPU kernel
also calls), so the signs of q's columns follow the same convention. Orthogonal
initializers draw a normal matrix and take its q; nothing differentiates through it,
so the op is registered without a gradient.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from engine.context import execute
from engine.infer import fmt_shape
from engine.ops._util import LAPACK_TYPES, lapack_input
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape

__all__ = ["qr", "Qr"]

# tf.linalg.qr returns this namedtuple; it unpacks as `q, r = tf.linalg.qr(x)`.
Qr = namedtuple("Qr", ["q", "r"])

def _qr_kernel(x, full_matrices):
    work = lapack_input("Qr", x)
    q, r = np.linalg.qr(work, mode="complete" if full_matrices else "reduced")
    return q.astype(x.dtype, copy=False), r.astype(x.dtype, copy=False)


def _qr_infer(inputs, attrs):
    x = inputs[0]
    if x.dtype.name not in LAPACK_TYPES:
        raise TypeError(f"Value for attr 'T' of {x.dtype.name} is not in the list of allowed "
                        "values: double, float, half, complex64, complex128 (input of 'Qr')")
    rank = x.shape.rank
    if rank is None:
        return [(x.dtype, TensorShape(None))] * 2
    if rank < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {rank} for 'Qr' with "
                         f"input shapes: {fmt_shape(x.shape)}.")
    dims = x.shape.as_list()
    batch, (m, n) = dims[:-2], dims[-2:]
    if attrs["full_matrices"]:
        return [(x.dtype, TensorShape(batch + [m, m])), (x.dtype, TensorShape(batch + [m, n]))]
    p = None if m is None or n is None else min(m, n)
    return [(x.dtype, TensorShape(batch + [m, p])), (x.dtype, TensorShape(batch + [p, n]))]


QR = register("Qr", _qr_kernel, _qr_infer, NO_GRADIENT, multi=True)


def qr(input, full_matrices=False, name=None):  # noqa: A002 - TensorFlow's argument name
    """(q, r) with input = q @ r for each innermost [M, N] matrix: q [M, P] with
    orthonormal columns and r [P, N] upper triangular, P = min(M, N) (P = M for q and
    r's rows with full_matrices)."""
    q, r = execute(QR, (input,), {"full_matrices": bool(full_matrices)}, name)
    return Qr(q, r)
