"""Op-spec rows for engine/ops/linalg.py (+ _einsum.py) and engine/ops/sort.py."""

import numpy as np

from engine.ops import linalg as la
from engine.ops import sort as so
from tests.op_specs.spec import Spec


def _t(x):
    return np.swapaxes(x, -1, -2)


def _ints(lo, hi, *shapes, dtype=np.int32):
    """inputs(rng) for integer operands (ties and repeats on purpose)."""
    return lambda rng: [rng.integers(lo, hi, size=s).astype(dtype) for s in shapes]


def _top_k_ref(k):
    def ref(x):
        order = np.argsort(-x, axis=-1, kind="stable")[..., :k]  # ties: lower index first
        return np.take_along_axis(x, order, -1), order.astype(np.int32)
    return ref


def _first_seen_unique(x):
    values, first, inverse = np.unique(x, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return values[order], rank[inverse].astype(np.int32)


def _searchsorted_ref(side):
    def ref(seq, values):
        rows_s, rows_v = seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1])
        out = np.stack([np.searchsorted(s, v, side) for s, v in zip(rows_s, rows_v)])
        return out.reshape(values.shape).astype(np.int32)
    return ref


def _sorted_rows(shape, values_shape, lo=0, hi=8):
    def make(rng):
        seq = np.sort(rng.integers(lo, hi, size=shape), axis=-1).astype(np.int32)
        return [seq, rng.integers(lo - 1, hi + 1, size=values_shape).astype(np.int32)]
    return make


def _clip_global_ref(x, y, clip=1.0):
    norm = np.sqrt(np.sum(x * x) + np.sum(y * y))
    scale = clip * min(1.0 / norm, 1.0 / clip)
    return (x * scale).astype(x.dtype), (y * scale).astype(y.dtype), norm.astype(x.dtype)


def _clip_global(x, y):
    clipped, norm = la.clip_by_global_norm([x, None, y], 1.0)
    assert clipped[1] is None
    return clipped[0], clipped[2], norm


def _clip_norm_ref(axes, clip):
    def ref(x):
        norm = np.sqrt(np.sum(x * x, axis=axes, keepdims=True))
        return (x * clip / np.maximum(norm, clip)).astype(x.dtype)
    return ref


def _norm_ref(ord, axis, keepdims=False):  # noqa: A002
    def ref(x):
        return np.asarray(np.linalg.norm(x, ord, axis, keepdims)).astype(x.dtype)
    return ref


def _sort_ref(axis, descending=False):
    def ref(x):
        out = np.sort(x, axis=axis)
        return np.flip(out, axis) if descending else out
    return ref


def _argsort_desc(x):
    # numpy has no stable descending argsort: sort the reversed row, read it backwards.
    n = x.shape[-1]
    return ((n - 1) - np.argsort(x[..., ::-1], kind="stable")[..., ::-1]).astype(np.int32)


SPECS = [
    # ------------------------------------------------------------ matmul -------------
    Spec("matmul_2x3_3x4", la.matmul, np.matmul, [(2, 3), (3, 4)], grad2=True),
    Spec("matmul_transpose_a", lambda a, b: la.matmul(a, b, transpose_a=True),
         lambda a, b: a.T @ b, [(3, 2), (3, 4)], grad2=True),
    Spec("matmul_transpose_b", lambda a, b: la.matmul(a, b, transpose_b=True),
         lambda a, b: a @ b.T, [(2, 3), (4, 3)], grad2=True),
    Spec("matmul_transpose_both", lambda a, b: la.matmul(a, b, transpose_a=True,
                                                         transpose_b=True),
         lambda a, b: a.T @ b.T, [(3, 2), (4, 3)], grad2=True),
    Spec("matmul_adjoint_a", lambda a, b: la.matmul(a, b, adjoint_a=True),
         lambda a, b: a.T @ b, [(3, 2), (3, 1)]),
    Spec("matmul_empty_inner", la.matmul, np.matmul, [(2, 0), (0, 3)]),
    Spec("matmul_empty_rows", la.matmul, np.matmul, [(0, 3), (3, 2)]),
    Spec("matmul_int32", la.matmul, np.matmul, [(3, 4), (4, 2)], dtype="int32",
         domain=(-5, 5), grad=False),
    Spec("matmul_int64_vector_shapes", la.matmul, np.matmul, [(1, 3), (3, 1)],
         dtype="int64", domain=(-5, 5), grad=False),
    Spec("matmul_float16", la.matmul, np.matmul, [(2, 3), (3, 2)], dtype="float16",
         grad=False, rtol=1e-2, atol=1e-2),
    Spec("matmul_operator", lambda a, b: a @ b, np.matmul, [(2, 2), (2, 3)]),
    Spec("batch_matmul_same_batch", la.matmul, np.matmul, [(4, 2, 3), (4, 3, 5)], grad2=True),
    Spec("batch_matmul_broadcast_batch", la.matmul, np.matmul,
         [(2, 1, 2, 3), (5, 3, 4)], grad2=True),
    Spec("batch_matmul_rank3_rank2", la.matmul, np.matmul, [(3, 2, 3), (3, 4)]),
    Spec("batch_matmul_rank2_rank3", la.matmul, np.matmul, [(2, 3), (3, 3, 4)]),
    Spec("batch_matmul_adjoint_both", lambda a, b: la.matmul(a, b, adjoint_a=True,
                                                             adjoint_b=True),
         lambda a, b: _t(a) @ _t(b), [(3, 3, 2), (1, 4, 3)], grad2=True),
    Spec("batch_matmul_transpose_a", lambda a, b: la.matmul(a, b, transpose_a=True),
         lambda a, b: _t(a) @ b, [(2, 3, 2), (3, 4)], grad2=True),
    Spec("batch_matmul_transpose_b", lambda a, b: la.matmul(a, b, transpose_b=True),
         lambda a, b: a @ _t(b), [(2, 1, 3), (2, 4, 3)], grad2=True),
    Spec("batch_matmul_empty_batch", la.matmul, np.matmul, [(0, 2, 3), (3, 4)]),
    Spec("batch_matmul_int32", la.matmul, np.matmul, [(2, 2, 3), (3, 2)], dtype="int32",
         domain=(-4, 4), grad=False),
    # ------------------------------------------------------------ tensordot ----------
    Spec("tensordot_axes1", lambda a, b: la.tensordot(a, b, 1),
         lambda a, b: np.tensordot(a, b, 1), [(2, 3), (3, 4)], grad2=True),
    Spec("tensordot_axes0_outer", lambda a, b: la.tensordot(a, b, 0),
         lambda a, b: np.tensordot(a, b, 0), [(2, 3), (4,)]),
    Spec("tensordot_axes2_scalar", lambda a, b: la.tensordot(a, b, 2),
         lambda a, b: np.asarray(np.tensordot(a, b, 2)), [(2, 3), (2, 3)]),
    Spec("tensordot_pairs", lambda a, b: la.tensordot(a, b, [[1, 2], [1, 0]]),
         lambda a, b: np.tensordot(a, b, [[1, 2], [1, 0]]), [(2, 3, 4), (4, 3, 5)],
         grad2=True),
    Spec("tensordot_negative_axes", lambda a, b: la.tensordot(a, b, [[-1], [0]]),
         lambda a, b: np.tensordot(a, b, [[-1], [0]]), [(2, 3), (3, 2, 2)]),
    Spec("tensordot_int_pair", lambda a, b: la.tensordot(a, b, (0, 1)),
         lambda a, b: np.tensordot(a, b, (0, 1)), [(3, 2), (4, 3)]),
    Spec("tensordot_int32", lambda a, b: la.tensordot(a, b, 1),
         lambda a, b: np.tensordot(a, b, 1).astype(np.int32), [(2, 3), (3,)],
         dtype="int32", domain=(-4, 4), grad=False),
    # ------------------------------------------------------------ einsum -------------
    Spec("einsum_matmul", lambda a, b: la.einsum("ij,jk->ik", a, b),
         lambda a, b: a @ b, [(2, 3), (3, 4)], grad2=True),
    Spec("einsum_implicit_output", lambda a, b: la.einsum("ij,jk", a, b),
         lambda a, b: a @ b, [(2, 3), (3, 4)]),
    Spec("einsum_spaces", lambda a, b: la.einsum("ij , kj -> ik", a, b),
         lambda a, b: a @ b.T, [(2, 3), (4, 3)]),
    Spec("einsum_trace", lambda x: la.einsum("ii", x),
         lambda x: np.asarray(np.trace(x)), [(3, 3)], grad2=True),
    Spec("einsum_diagonal", lambda x: la.einsum("ii->i", x),
         lambda x: np.diagonal(x).copy(), [(4, 4)], grad2=True),
    Spec("einsum_transpose", lambda x: la.einsum("ijk->kij", x),
         lambda x: np.transpose(x, (2, 0, 1)), [(2, 3, 4)]),
    Spec("einsum_sum_all", lambda x: la.einsum("ij->", x),
         lambda x: np.asarray(np.sum(x)), [(2, 3)], grad2=True),
    Spec("einsum_sum_axis_transposed", lambda x: la.einsum("ijk->ki", x),
         lambda x: np.einsum("ijk->ki", x), [(2, 3, 4)]),
    Spec("einsum_generalized_trace", lambda x: la.einsum("aabbcd->ca", x),
         lambda x: np.einsum("aabbcd->ca", x), [(2, 2, 3, 3, 4, 2)], grad2=True),
    Spec("einsum_batch_matmul", lambda a, b: la.einsum("bij,bjk->bik", a, b),
         lambda a, b: a @ b, [(3, 2, 3), (3, 3, 2)], grad2=True),
    Spec("einsum_reduce_in_one_operand", lambda a, b: la.einsum("abc,cd->ad", a, b),
         lambda a, b: np.einsum("abc,cd->ad", a, b), [(2, 3, 4), (4, 5)], grad2=True),
    Spec("einsum_reduce_repeated_in_one_operand", lambda a, b: la.einsum("aab,c->c", a, b),
         lambda a, b: np.einsum("aab,c->c", a, b), [(3, 3, 2), (4,)], grad2=True),
    Spec("einsum_ellipsis_one_side", lambda a, b: la.einsum("...ij,jk->...ik", a, b),
         lambda a, b: a @ b, [(5, 2, 3), (3, 4)], grad2=True),
    Spec("einsum_ellipsis_implicit_operand", lambda a, b: la.einsum("...ij,...jk->...ik", a, b),
         lambda a, b: a @ b, [(5, 2, 3), (3, 4)], grad2=True),
    Spec("einsum_ellipsis_broadcast", lambda a, b: la.einsum("...ij,...jk->...ik", a, b),
         lambda a, b: a @ b, [(4, 1, 2, 3), (5, 3, 2)], grad2=True),
    Spec("einsum_ellipsis_middle", lambda a, b: la.einsum("i...j,j->i...", a, b),
         lambda a, b: np.einsum("i...j,j->i...", a, b), [(2, 4, 3), (3,)], grad2=True),
    Spec("einsum_ellipsis_middle_broadcast", lambda a, b: la.einsum("i...j,...j->i...", a, b),
         lambda a, b: np.einsum("i...j,...j->i...", a, b), [(2, 1, 4, 3), (5, 1, 3)]),
    Spec("einsum_ellipsis_empty", lambda a, b: la.einsum("ab...,b->...a", a, b),
         lambda a, b: np.einsum("ab...,b->...a", a, b), [(2, 3), (3,)]),
    Spec("einsum_outer", lambda a, b: la.einsum("i,j->ij", a, b),
         np.outer, [(3,), (4,)], grad2=True),
    Spec("einsum_dot", lambda a, b: la.einsum("i,i->", a, b),
         lambda a, b: np.asarray(a @ b), [(5,), (5,)], grad2=True),
    Spec("einsum_elementwise", lambda a, b: la.einsum("ij,ij->ij", a, b),
         np.multiply, [(2, 3), (2, 3)]),
    Spec("einsum_three_chain", lambda a, b, c: la.einsum("ij,jk,kl->il", a, b, c),
         lambda a, b, c: a @ b @ c, [(2, 3), (3, 4), (4, 5)], grad2=True),
    Spec("einsum_three_outer", lambda a, b, c: la.einsum("i,j,k->ijk", a, b, c),
         lambda a, b, c: np.einsum("i,j,k->ijk", a, b, c), [(2,), (3,), (4,)]),
    Spec("einsum_bilinear", lambda a, w, b: la.einsum("bi,ij,bj->b", a, w, b),
         lambda a, w, b: np.einsum("bi,ij,bj->b", a, w, b), [(3, 2), (2, 4), (3, 4)]),
    Spec("einsum_four_with_ellipsis", lambda a, b, c, d: la.einsum("...i,ij,jk,k->...", a, b,
                                                                   c, d),
         lambda a, b, c, d: np.einsum("...i,ij,jk,k->...", a, b, c, d),
         [(2, 3), (3, 4), (4, 2), (2,)]),
    Spec("einsum_empty_dim", lambda a, b: la.einsum("ij,jk->ik", a, b),
         lambda a, b: a @ b, [(2, 0), (0, 3)]),
    Spec("einsum_int32", lambda a, b: la.einsum("ij,jk->ik", a, b),
         np.matmul, [(2, 3), (3, 2)], dtype="int32", domain=(-4, 4), grad=False),
    Spec("einsum_int64_trace", lambda x: la.einsum("ii->", x),
         lambda x: np.asarray(np.trace(x)), [(3, 3)], dtype="int64", domain=(-4, 4),
         grad=False),
    # ------------------------------------------------------------ norms, clipping ---
    Spec("norm_vector_euclidean", la.norm, _norm_ref(None, None), [(5,)], grad2=True),
    Spec("norm_matrix_default_is_flat", la.norm,
         lambda x: np.asarray(np.sqrt(np.sum(x * x))).astype(x.dtype), [(3, 4)]),
    Spec("norm_axis1_keepdims", lambda x: la.norm(x, axis=1, keepdims=True),
         _norm_ref(None, 1, True), [(3, 4)], grad2=True),
    Spec("norm_negative_axis", lambda x: la.norm(x, axis=-2), _norm_ref(None, -2),
         [(2, 3, 4)]),
    Spec("norm_vector_ord1", lambda x: la.norm(x, ord=1, axis=0), _norm_ref(1, 0), [(4, 3)]),
    Spec("norm_vector_ord2", lambda x: la.norm(x, ord=2, axis=-1), _norm_ref(2, -1), [(2, 5)]),
    Spec("norm_vector_inf", lambda x: la.norm(x, ord=np.inf), _norm_ref(np.inf, None), [(6,)]),
    Spec("norm_vector_p3", lambda x: la.norm(x, ord=3, axis=0), _norm_ref(3, 0), [(5, 2)],
         grad2=True),
    Spec("norm_vector_p_half", lambda x: la.norm(x, ord=0.5), _norm_ref(0.5, None), [(4,)],
         domain=(0.5, 2.0)),
    Spec("norm_vector_ord1_flat_matrix", lambda x: la.norm(x, ord=1),
         lambda x: np.asarray(np.sum(np.abs(x))).astype(x.dtype), [(2, 3)]),
    Spec("norm_matrix_fro", lambda x: la.norm(x, ord="fro", axis=[0, 1]),
         _norm_ref("fro", (0, 1)), [(3, 4)]),
    Spec("norm_matrix_euclidean_batch", lambda x: la.norm(x, axis=(1, 2)),
         _norm_ref("fro", (1, 2)), [(2, 3, 4)]),
    Spec("norm_matrix_ord1", lambda x: la.norm(x, ord=1, axis=[0, 1]),
         _norm_ref(1, (0, 1)), [(3, 4)]),
    Spec("norm_matrix_inf_keepdims", lambda x: la.norm(x, ord=np.inf, axis=[-2, -1],
                                                       keepdims=True),
         _norm_ref(np.inf, (-2, -1), True), [(2, 3, 4)]),
    Spec("norm_matrix_ord1_reversed_axes", lambda x: la.norm(x, ord=1, axis=[1, 0]),
         _norm_ref(1, (1, 0)), [(3, 4)]),
    Spec("norm_matrix_2", lambda x: la.norm(x, ord=2, axis=[1, 2]),
         _norm_ref(2, (1, 2)), [(2, 3, 4)], rtol=1e-4),
    Spec("norm_matrix_2_keepdims_outer_axes", lambda x: la.norm(x, ord=2, axis=(0, 2),
                                                                keepdims=True),
         _norm_ref(2, (0, 2), True), [(3, 2, 4)], rtol=1e-4),
    Spec("norm_int32_ord1", lambda x: la.norm(x, ord=1),
         lambda x: np.asarray(np.sum(np.abs(x))).astype(np.int32), [(2, 3)], dtype="int32",
         domain=(-5, 5), grad=False),
    Spec("global_norm_two", lambda x, y: la.global_norm([x, None, y]),
         lambda x, y: np.asarray(np.sqrt(np.sum(x * x) + np.sum(y * y))).astype(x.dtype),
         [(2, 3), (4,)], grad2=True),
    Spec("clip_by_norm_clips", lambda x: la.clip_by_norm(x, 1.0), _clip_norm_ref(None, 1.0),
         [(3, 4)], grad2=True),
    Spec("clip_by_norm_keeps_small", lambda x: la.clip_by_norm(x, 100.0),
         _clip_norm_ref(None, 100.0), [(3, 4)]),
    Spec("clip_by_norm_axes", lambda x: la.clip_by_norm(x, 1.5, axes=[1]),
         _clip_norm_ref(1, 1.5), [(3, 4)], grad2=True),
    Spec("clip_by_norm_zero_input_finite_gradient", lambda x: la.clip_by_norm(x, 1.0),
         lambda x: x.copy(), inputs=lambda rng: [np.zeros((2, 2), np.float32)]),
    Spec("clip_by_global_norm", _clip_global, _clip_global_ref, [(2, 3), (3,)], grad2=True),
    # ------------------------------------------------------------ diagonals, svd -----
    Spec("trace_matrix", la.trace, lambda x: np.asarray(np.trace(x)), [(3, 3)]),
    Spec("trace_batch_rect", la.trace, lambda x: np.trace(x, axis1=-2, axis2=-1),
         [(2, 3, 4)]),
    Spec("diag_part_rect", la.diag_part, lambda x: np.diagonal(x).copy(), [(3, 4)]),
    Spec("diag_part_k1", lambda x: la.diag_part(x, k=1),
         lambda x: np.diagonal(x, 1, -2, -1).copy(), [(2, 3, 4)]),
    Spec("diag_part_k_neg2", lambda x: la.diag_part(x, k=-2),
         lambda x: np.diagonal(x, -2).copy(), [(3, 4)]),
    Spec("diag_part_int32", la.diag_part, lambda x: np.diagonal(x).copy(), [(3, 3)],
         dtype="int32", domain=(-9, 9), grad=False),
    Spec("diag_vector", la.diag, np.diag, [(3,)]),
    Spec("diag_batch_k1", lambda d: la.diag(d, k=1),
         lambda d: np.stack([np.diag(r, 1) for r in d]), [(2, 3)]),
    Spec("diag_k_neg1_num_cols", lambda d: la.diag(d, k=-1, num_cols=4),
         lambda d: np.pad(np.diag(d, -1), ((0, 0), (0, 1))), [(2,)]),
    Spec("diag_num_rows_padding", lambda d: la.diag(d, num_rows=3, padding_value=9),
         lambda d: np.where(np.eye(3, 2, dtype=bool),
                            np.pad(np.diag(d), ((0, 1), (0, 0))), 9).astype(d.dtype),
         [(2,)]),
    Spec("matrix_transpose_batch", la.matrix_transpose, _t, [(2, 3, 4)]),
    Spec("svd_singular_values", lambda x: la.svd(x, compute_uv=False),
         lambda x: np.linalg.svd(x, compute_uv=False), [(3, 4)], rtol=1e-4),
    Spec("svd_singular_values_batch", lambda x: la.svd(x, compute_uv=False),
         lambda x: np.linalg.svd(x, compute_uv=False), [(2, 4, 3)], rtol=1e-4),
    # ------------------------------------------------------------ top_k, sort --------
    Spec("top_k_k2", lambda x: so.top_k(x, 2), _top_k_ref(2), [(3, 5)]),
    Spec("top_k_default_k1", so.top_k, _top_k_ref(1), [(6,)]),
    Spec("top_k_k0", lambda x: so.top_k(x, 0), _top_k_ref(0), [(2, 3)]),
    Spec("top_k_all_3d", lambda x: so.top_k(x, 4), _top_k_ref(4), [(2, 3, 4)]),
    Spec("top_k_int_ties_lower_index_first", lambda x: so.top_k(x, 4), _top_k_ref(4),
         inputs=_ints(0, 3, (3, 6)), grad=False),
    Spec("top_k_uint8", lambda x: so.top_k(x, 2), _top_k_ref(2),
         inputs=_ints(250, 256, (7,), dtype=np.uint8), grad=False),
    Spec("sort_ascending", so.sort, _sort_ref(-1), [(4, 5)]),
    Spec("sort_descending_axis0", lambda x: so.sort(x, axis=0, direction="DESCENDING"),
         _sort_ref(0, True), [(4, 3)]),
    Spec("sort_middle_axis", lambda x: so.sort(x, axis=1), _sort_ref(1), [(2, 3, 4)]),
    Spec("sort_empty", so.sort, _sort_ref(-1), [(2, 0)]),
    Spec("sort_int32_ties", so.sort, _sort_ref(-1), inputs=_ints(0, 3, (2, 7)), grad=False),
    Spec("sort_int32_extremes", so.sort, _sort_ref(-1), grad=False,
         inputs=lambda rng: [np.array([5, -2 ** 31, 2 ** 31 - 1, 0, -1], np.int32)]),
    Spec("sort_uint8_descending", lambda x: so.sort(x, direction="DESCENDING"),
         _sort_ref(-1, True), inputs=_ints(0, 256, (9,), dtype=np.uint8), grad=False),
    Spec("argsort_ascending_stable", so.argsort,
         lambda x: np.argsort(x, kind="stable").astype(np.int32),
         inputs=_ints(0, 3, (3, 8)), grad=False),
    Spec("argsort_descending_stable", lambda x: so.argsort(x, direction="DESCENDING"),
         _argsort_desc, inputs=_ints(0, 3, (3, 8)), grad=False),
    Spec("argsort_axis0_float", lambda x: so.argsort(x, axis=0),
         lambda x: np.argsort(x, axis=0, kind="stable").astype(np.int32), [(5, 3)],
         grad=False),
    Spec("unique_first_seen_order", so.unique, _first_seen_unique,
         inputs=_ints(0, 5, (12,)), grad=False),
    Spec("unique_float_signed_zero", so.unique, _first_seen_unique, grad=False,
         inputs=lambda rng: [np.array([2.5, 0.0, -0.0, 2.5, -1.0], np.float32)]),
    Spec("unique_empty", so.unique, _first_seen_unique, grad=False,
         inputs=lambda rng: [np.zeros(0, np.float32)]),
    Spec("searchsorted_left_rows", so.searchsorted, _searchsorted_ref("left"),
         inputs=_sorted_rows((3, 6), (3, 4)), grad=False),
    Spec("searchsorted_right_rows", lambda s, v: so.searchsorted(s, v, side="right"),
         _searchsorted_ref("right"), inputs=_sorted_rows((3, 6), (3, 4)), grad=False),
    Spec("searchsorted_1d", so.searchsorted, _searchsorted_ref("left"),
         inputs=_sorted_rows((6,), (5,)), grad=False),
    Spec("searchsorted_3d_right", lambda s, v: so.searchsorted(s, v, side="right"),
         _searchsorted_ref("right"), inputs=_sorted_rows((2, 2, 5), (2, 2, 3)), grad=False),
    Spec("searchsorted_float_one_row", so.searchsorted, _searchsorted_ref("left"),
         grad=False, inputs=lambda rng: [np.array([[0.5, 1.0, 1.0, 2.0]], np.float32),
                                         np.array([[1.0, -3.0, 2.5, 0.75]], np.float32)]),
    Spec("searchsorted_int64_out", lambda s, v: so.searchsorted(s, v, out_type="int64"),
         lambda s, v: _searchsorted_ref("left")(s, v).astype(np.int64),
         inputs=_sorted_rows((2, 4), (2, 3)), grad=False),
]
