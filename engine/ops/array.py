"""Array ops: rearranging, joining and splitting tensors (TensorFlow's array_ops).

This module is the family's front: it defines Transpose, ConjugateTranspose,
InvertPermutation and IdentityN, and re-exports the shape ops (array_shape.py), the
creation ops (array_create.py), concat/stack/split (array_join.py) and
tile/pad/reverse (array_pad.py). Parameters that TensorFlow takes as tensors (perm,
axis, size_splits, multiples, paddings) are op inputs; attributes hold only Python
values.
"""

from __future__ import annotations

import builtins

import numpy as np

from engine.context import execute
from engine.ops.array_create import (  # noqa: F401 - re-exported
    eye,
    fill,
    linspace,
    meshgrid,
    one_hot,
    ones,
    ones_like,
    range,
    zeros,
    zeros_like,
)
from engine.ops.array_join import concat, split, stack, unstack  # noqa: F401 - re-exported
from engine.ops.array_pad import pad, reverse, tile  # noqa: F401 - re-exported
from engine.ops.array_shape import (  # noqa: F401 - re-exported
    bad,
    broadcast_to,
    check_index_dtype,
    expand_dims,
    int_vector,
    rank,
    reshape,
    shape,
    shape_arg,
    shape_n,
    size,
    squeeze,
    static_ints,
    vector_len,
    with_shapes,
)
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape

_range = builtins.range  # `range` below is TensorFlow's (re-exported)

__all__ = [
    "zeros", "ones", "fill", "zeros_like", "ones_like", "reshape", "transpose",
    "expand_dims", "squeeze", "concat", "stack", "unstack", "split", "tile", "pad",
    "reverse", "broadcast_to", "range", "linspace", "shape", "shape_n", "size", "rank",
    "one_hot", "eye", "meshgrid", "identity_n", "invert_permutation",
]

# ---------------------------------------------------------------- Transpose ----------

def _perm_of(op_name, perm, ndim):
    p = int_vector(op_name, "Tperm", perm, "perm")
    if len(p) != ndim:
        raise bad(f"transpose expects a vector of size {ndim}. But input(1) is a vector of "
                  f"size {len(p)}")
    p = [d + ndim if -ndim <= d < 0 else d for d in p]
    for d in p:
        if not 0 <= d < ndim:
            raise bad(f"{d} is out of range [0 .. {ndim})")
    seen = set(p)
    for d in _range(ndim):
        if d not in seen:
            raise bad(f"{d} is missing from {{{','.join(map(str, p))}}}.")
    return p


def _transpose_kernel(x, perm):
    return np.transpose(x, _perm_of("Transpose", perm, np.ndim(x)))


def _conjugate_transpose_kernel(x, perm):
    return np.conj(np.transpose(x, _perm_of("ConjugateTranspose", perm, np.ndim(x))))


def _transpose_infer_for(op_name):
    def infer(inputs, attrs):
        x, perm_t = inputs
        check_index_dtype(op_name, "Tperm", perm_t.dtype.name)
        perm, rank_ = static_ints(perm_t), x.shape.rank
        if perm is None:
            n = vector_len(perm_t) if rank_ is None else rank_
            return [(x.dtype, TensorShape(None if n is None else [None] * n))]
        if rank_ is None:
            return [(x.dtype, TensorShape([None] * len(perm)))]
        if len(perm) != rank_:
            raise ValueError(f"Dimension must be {rank_} but is {len(perm)}"
                             + with_shapes(op_name, x, perm_t))
        dims = x.shape.as_list()
        for d in perm:
            if not -rank_ <= d < rank_:
                raise ValueError(f"perm[{perm.index(d)}] = {d} is out of range [0 .. "
                                 f"{rank_})" + with_shapes(op_name, x, perm_t))
        return [(x.dtype, TensorShape([dims[d] for d in perm]))]
    return infer


def _inverse_perm(perm_t, rank_):
    """The inverse permutation: a Python list when perm is static, else an op."""
    perm = static_ints(perm_t)
    if perm is None or rank_ is None:
        return invert_permutation(perm_t)
    return np.argsort([d % rank_ for d in perm]).astype(np.int32)


def _transpose_grad(op, g):
    x, perm_t = op.inputs
    return transpose(g, _inverse_perm(perm_t, x.shape.rank)), None


def _conjugate_transpose_grad(op, g):
    x, perm_t = op.inputs
    inverse = _inverse_perm(perm_t, x.shape.rank)
    return execute(CONJUGATE_TRANSPOSE, (g, inverse), None, None), None


TRANSPOSE = register("Transpose", _transpose_kernel, _transpose_infer_for("Transpose"),
                     _transpose_grad)
CONJUGATE_TRANSPOSE = register("ConjugateTranspose", _conjugate_transpose_kernel,
                               _transpose_infer_for("ConjugateTranspose"),
                               _conjugate_transpose_grad)


def _invert_permutation_kernel(x):
    p = int_vector("InvertPermutation", "T", x, "invert_permutation expects x to be")
    n = len(p)
    out = np.empty(n, dtype=x.dtype)
    outside = (x < 0) | (x >= n)
    if outside.any():  # the first bad entry, as TensorFlow reports it
        raise bad(f"{int(x[outside][0])} is not between 0 and {n}")
    seen = np.zeros(n, dtype=bool)
    seen[x] = True
    if not seen.all():
        counts = np.bincount(x, minlength=n)
        raise bad(f"{int(np.argmax(counts > 1))} is duplicated in the input.")
    out[x] = np.arange(n, dtype=x.dtype)
    return out


INVERT_PERMUTATION = register(
    "InvertPermutation", _invert_permutation_kernel,
    lambda inputs, attrs: [(inputs[0].dtype, inputs[0].shape)], NO_GRADIENT)


def invert_permutation(x, name=None):
    """y with y[x[i]] = i: the permutation that undoes x."""
    return execute(INVERT_PERMUTATION, (x,), None, name)


def transpose(a, perm=None, conjugate=False, name="transpose"):
    """`a` with its axes permuted: output axis i is input axis perm[i] (default:
    reversed); with conjugate=True complex values are also conjugated."""
    from engine.ops.core import convert_to_tensor
    a = convert_to_tensor(a)
    if perm is None:
        if a.shape.rank is not None:
            perm = np.arange(a.shape.rank - 1, -1, -1, dtype=np.int32)
        else:
            n = rank(a)
            perm = range(n - 1, -1, -1)
    elif isinstance(perm, (list, tuple)) and not perm:
        perm = np.zeros(0, np.int32)
    opdef = CONJUGATE_TRANSPOSE if conjugate and a.dtype.is_complex else TRANSPOSE
    return execute(opdef, (a, perm), None, name)

# ---------------------------------------------------------------- IdentityN ----------

IDENTITY_N = register("IdentityN", lambda *xs: tuple(xs),
                      lambda inputs, attrs: [(t.dtype, t.shape) for t in inputs],
                      lambda op, *grads: grads, multi=True)


def identity_n(input, name=None):  # noqa: A002 - TensorFlow's name
    """The tensors of `input`, unchanged (one op with many outputs)."""
    return list(execute(IDENTITY_N, tuple(input), None, name))

