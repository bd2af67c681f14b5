"""Op-spec rows for engine/ops/indexing.py and indexing_slice.py."""

import numpy as np

from engine.ops import indexing as ix
from engine.ops.core import constant
from tests.op_specs.spec import Spec


def _with_ints(shape, *ints):
    """Inputs: a float array of `shape` followed by fixed integer arrays."""
    def make(rng):
        return [rng.uniform(-2, 2, shape).astype(np.float32)] + [np.asarray(i) for i in ints]
    return make


def _gather_batch_ref(p, i):
    return np.stack([p[b][i[b]] for b in range(p.shape[0])])


SPECS = [
    Spec("gather_axis0", fn=ix.gather, ref=lambda p, i: p[i], shapes=[],
         inputs=_with_ints((5, 3), np.array([4, 0, 0, 2], np.int32))),
    Spec("gather_axis1_2d_indices",
         fn=lambda p, i: ix.gather(p, i, axis=1), ref=lambda p, i: np.take(p, i, axis=1),
         inputs=_with_ints((2, 4, 3), np.array([[3, 1], [0, 3]], np.int64)), grad2=True),
    Spec("gather_negative_axis",
         fn=lambda p, i: ix.gather(p, i, axis=-1), ref=lambda p, i: np.take(p, i, axis=-1),
         inputs=_with_ints((2, 3), np.array([2, 2, 1], np.int32))),
    Spec("gather_batch_dims",
         fn=lambda p, i: ix.gather(p, i, batch_dims=1), ref=_gather_batch_ref,
         inputs=_with_ints((2, 5, 3), np.array([[0, 4], [3, 3]], np.int32))),
    Spec("gather_empty_indices", fn=ix.gather, ref=lambda p, i: p[i],
         inputs=_with_ints((4, 2), np.zeros(0, np.int32))),
    Spec("gather_nd", fn=ix.gather_nd, ref=lambda p, i: p[tuple(i.T)],
         inputs=_with_ints((3, 4), np.array([[0, 1], [2, 3], [0, 1]], np.int32))),
    Spec("gather_nd_slices", fn=ix.gather_nd, ref=lambda p, i: p[i[:, 0]],
         inputs=_with_ints((3, 4), np.array([[2], [0]], np.int32))),
    Spec("gather_nd_batch", fn=lambda p, i: ix.gather_nd(p, i, batch_dims=1),
         ref=lambda p, i: np.stack([p[b][tuple(i[b].T)] for b in range(2)]), grad=False,
         inputs=_with_ints((2, 3, 4), np.array([[[0, 1]], [[2, 3]]], np.int32))),
    Spec("scatter_nd", fn=lambda i, u: ix.scatter_nd(i, u, [4, 2]),
         ref=lambda i, u: _scatter_ref(i, u, (4, 2)),
         inputs=lambda rng: [np.array([[1], [3], [1]], np.int32),
                             rng.uniform(-2, 2, (3, 2)).astype(np.float32)]),
    Spec("tensor_scatter_nd_update", fn=ix.tensor_scatter_nd_update,
         ref=lambda t, i, u: _update_ref(t, i, u),
         inputs=lambda rng: [rng.uniform(-2, 2, (4, 3)).astype(np.float32),
                             np.array([[0, 1], [3, 2]], np.int32),
                             rng.uniform(-2, 2, 2).astype(np.float32)]),
    Spec("tensor_scatter_nd_add", fn=ix.tensor_scatter_nd_add,
         ref=lambda t, i, u: t + _scatter_ref(i, u, t.shape),
         inputs=lambda rng: [rng.uniform(-2, 2, (4, 3)).astype(np.float32),
                             np.array([[1], [1]], np.int32),
                             rng.uniform(-2, 2, (2, 3)).astype(np.float32)]),
    Spec("tensor_scatter_nd_sub", fn=ix.tensor_scatter_nd_sub,
         ref=lambda t, i, u: t - _scatter_ref(i, u, t.shape),
         inputs=lambda rng: [rng.uniform(-2, 2, (4,)).astype(np.float32),
                             np.array([[0], [3]], np.int32),
                             rng.uniform(-2, 2, 2).astype(np.float32)]),
    Spec("unsorted_segment_sum", fn=lambda d, i: ix.unsorted_segment_sum(d, i, 3),
         ref=lambda d, i: np.stack([d[i == k].sum(0) for k in range(3)]),
         inputs=_with_ints((5, 2), np.array([0, 2, 0, 1, 2], np.int32))),
    Spec("segment_sum", fn=ix.segment_sum,
         ref=lambda d, i: np.stack([d[i == k].sum(0) for k in range(3)]),
         inputs=_with_ints((4, 2), np.array([0, 0, 1, 2], np.int32))),
    Spec("slice", fn=lambda x: ix.slice(x, [1, 0], [2, -1]), ref=lambda x: x[1:3, 0:],
         shapes=[(4, 3)], grad2=True),
    Spec("slice_empty", fn=lambda x: ix.slice(x, [1, 1], [0, 2]), ref=lambda x: x[1:1, 1:3],
         shapes=[(4, 3)]),
    Spec("boolean_mask", fn=ix.boolean_mask, ref=lambda t, m: t[m],
         inputs=lambda rng: [rng.uniform(-2, 2, (4, 3)).astype(np.float32),
                             np.array([True, False, True, True])]),
    Spec("gather_int_params", fn=lambda p, i: ix.gather(p, i, axis=1),
         ref=lambda p, i: np.take(p, i, axis=1), grad=False,
         inputs=lambda rng: [rng.integers(-9, 9, (3, 4)).astype(np.int32),
                             np.array([3, 0], np.int64)]),
    Spec("gather_scalar_index", fn=lambda p, i: ix.gather(p, i, axis=1),
         ref=lambda p, i: p[:, i], inputs=_with_ints((3, 4), np.int32(2))),
    Spec("gather_empty_params_axis", fn=lambda p, i: ix.gather(p, i, axis=1),
         ref=lambda p, i: np.take(p, i, axis=1),
         inputs=_with_ints((0, 3), np.array([2, 1], np.int32))),
    Spec("gather_batch_dims_axis2",
         fn=lambda p, i: ix.gather(p, i, axis=2, batch_dims=1),
         ref=lambda p, i: np.stack([np.take(p[b], i[b], axis=1) for b in range(2)]),
         inputs=_with_ints((2, 3, 4), np.array([[0, 3, 3], [1, 2, 0]], np.int32)), grad2=True),
    Spec("gather_nd_depth0", fn=ix.gather_nd,
         ref=lambda p, i: np.broadcast_to(p, i.shape[:-1] + p.shape).copy(),
         inputs=_with_ints((2, 3), np.zeros((4, 0), np.int32))),
    Spec("gather_nd_3d_indices", fn=ix.gather_nd, ref=lambda p, i: p[i[..., 0], i[..., 1]],
         inputs=_with_ints((3, 4, 2), np.array([[[0, 1], [2, 3]], [[1, 1], [0, 0]]], np.int64)),
         grad2=True),
    Spec("scatter_nd_slices", fn=lambda i, u: ix.scatter_nd(i, u, [3, 2, 2]),
         ref=lambda i, u: _scatter_ref(i, u, (3, 2, 2)),
         inputs=lambda rng: [np.array([[2, 0], [2, 0], [1, 1]], np.int32),
                             rng.uniform(-2, 2, (3, 2)).astype(np.float32)]),
    Spec("scatter_nd_int", fn=lambda i, u: ix.scatter_nd(i, u, [5]),
         ref=lambda i, u: _scatter_ref(i, u, (5,)), grad=False,
         inputs=lambda rng: [np.array([[4], [0], [4]], np.int64),
                             np.array([7, -1, 2], np.int32)]),
    Spec("scatter_nd_empty_updates", fn=lambda i, u: ix.scatter_nd(i, u, [3]),
         ref=lambda i, u: np.zeros(3, np.float32),
         inputs=lambda rng: [np.zeros((0, 1), np.int32), np.zeros(0, np.float32)]),
    Spec("tensor_scatter_nd_update_slices", fn=ix.tensor_scatter_nd_update,
         ref=lambda t, i, u: _update_ref(t, i, u),
         inputs=lambda rng: [rng.uniform(-2, 2, (4, 3)).astype(np.float32),
                             np.array([[3], [1]], np.int32),
                             rng.uniform(-2, 2, (2, 3)).astype(np.float32)]),
    Spec("tensor_scatter_nd_add_int", fn=ix.tensor_scatter_nd_add,
         ref=lambda t, i, u: t + _scatter_ref(i, u, t.shape), grad=False,
         inputs=lambda rng: [np.arange(6, dtype=np.int32).reshape(2, 3),
                             np.array([[0, 2], [0, 2], [1, 0]], np.int32),
                             np.array([5, 6, 7], np.int32)]),
    Spec("unsorted_segment_sum_negative_ids",
         fn=lambda d, i: ix.unsorted_segment_sum(d, i, 4),
         ref=lambda d, i: np.stack([d[i == k].sum(0) for k in range(4)]),
         inputs=_with_ints((5, 2), np.array([3, -1, 0, 3, -2], np.int32))),
    Spec("unsorted_segment_sum_2d_ids",
         fn=lambda d, i: ix.unsorted_segment_sum(d, i, 3),
         ref=lambda d, i: np.stack([d[i == k].sum(0) for k in range(3)]),
         inputs=_with_ints((2, 3, 2), np.array([[0, 2, 2], [-1, 0, 1]], np.int64)),
         grad2=True),
    Spec("unsorted_segment_sum_int", fn=lambda d, i: ix.unsorted_segment_sum(d, i, 2),
         ref=lambda d, i: np.array([d[i == k].sum() for k in range(2)], np.int32), grad=False,
         inputs=lambda rng: [np.array([1, 2, 3, 4], np.int32), np.array([1, 1, 0, 1])]),
    Spec("segment_sum_empty", fn=ix.segment_sum, ref=lambda d, i: np.zeros((0, 2), d.dtype),
         inputs=lambda rng: [np.zeros((0, 2), np.float32), np.zeros(0, np.int32)]),
    Spec("segment_sum_gaps", fn=ix.segment_sum,
         ref=lambda d, i: np.stack([d[i == k].sum(0) for k in range(5)]), grad2=True,
         inputs=_with_ints((4, 3), np.array([1, 1, 4, 4], np.int64))),
    Spec("slice_tensor_args", fn=lambda x, b: ix.slice(x, b, [-1, 2, 1]),
         ref=lambda x, b: x[b[0]:, b[1]:b[1] + 2, b[2]:b[2] + 1],
         inputs=_with_ints((3, 4, 2), np.array([1, 2, 1], np.int64))),
    Spec("slice_int", fn=lambda x: ix.slice(x, [0, 2], [2, 1]), ref=lambda x: x[0:2, 2:3],
         shapes=[(3, 4)], dtype="int32", domain=(-5, 5), grad=False),
    Spec("strided_slice_new_and_shrink",
         fn=lambda x: ix.strided_slice(x, [0, 1, 0], [0, 2, 3], [1, 1, -1], begin_mask=4,
                                       end_mask=4, new_axis_mask=1, shrink_axis_mask=2),
         ref=lambda x: x[None, 1, ::-1], shapes=[(3, 4)], grad2=True),
    Spec("strided_slice_ellipsis_middle",
         fn=lambda x: ix.strided_slice(x, [1, 0, 0], [2, 0, 2], [1, 1, 1], ellipsis_mask=2,
                                       shrink_axis_mask=1),
         ref=lambda x: x[1, ..., 0:2], shapes=[(3, 2, 4, 5)]),
    Spec("getitem_tensor_indices",
         fn=lambda x: x[constant(np.int64(2)), constant(1):, ::constant(-1)],
         ref=lambda x: x[2, 1:, ::-1], shapes=[(4, 3, 5)]),
    Spec("getitem_list_is_tuple", fn=lambda x: x[[1, slice(0, 2)]], ref=lambda x: x[1, 0:2],
         shapes=[(4, 3)]),
    Spec("getitem_bool_mask", fn=lambda x, m: x[m], ref=lambda x, m: x[m],
         inputs=lambda rng: [rng.uniform(-2, 2, (3, 4)).astype(np.float32),
                             np.array([[True, False, True, True]] * 2 + [[False] * 4])]),
    Spec("getitem_empty_dim", fn=lambda x: x[:, 1:, None], ref=lambda x: x[:, 1:, None],
         shapes=[(0, 3)]),
    Spec("getitem_int", fn=lambda x: x[1:, -1], ref=lambda x: x[1:, -1], shapes=[(3, 4)],
         dtype="int64", domain=(-9, 9), grad=False),
    Spec("getitem_scalar_newaxis", fn=lambda x: x[..., None], ref=lambda x: x[..., None],
         shapes=[()]),
    Spec("boolean_mask_all_false", fn=ix.boolean_mask, ref=lambda t, m: t[m],
         inputs=lambda rng: [rng.uniform(-2, 2, (3, 2)).astype(np.float32),
                             np.zeros(3, bool)]),
    Spec("boolean_mask_2d_axis1", fn=lambda t, m: ix.boolean_mask(t, m, axis=1),
         ref=lambda t, m: t[:, m],
         inputs=lambda rng: [rng.uniform(-2, 2, (2, 2, 3, 2)).astype(np.float32),
                             np.array([[True, False, True], [False, False, True]])]),
]

_KEYS = [1, -1, (0, 1), (slice(None), 1), (Ellipsis, 2), (slice(None, None, -1),),
         (None, 0), (0, slice(1, None), slice(None, None, 2)), (slice(-3, -1), None, Ellipsis),
         (slice(5, 1, -2),), (Ellipsis,), (slice(10, 20),)]
for _k, _key in enumerate(_KEYS):
    SPECS.append(Spec(f"getitem_{_k}", fn=lambda x, _key=_key: x[_key],
                      ref=lambda x, _key=_key: x[_key], shapes=[(4, 3, 5)],
                      grad2=_k < 2))
SPECS.append(Spec("strided_slice_masks",
                  fn=lambda x: ix.strided_slice(x, [0, 1], [0, 3], [1, 1], begin_mask=1,
                                                end_mask=1),
                  ref=lambda x: x[:, 1:3], shapes=[(3, 4)]))


def _scatter_ref(indices, updates, shape):
    out = np.zeros(shape, updates.dtype)
    np.add.at(out, tuple(indices.T), updates)
    return out


def _update_ref(tensor, indices, updates):
    out = tensor.copy()
    out[tuple(indices.T)] = updates
    return out
