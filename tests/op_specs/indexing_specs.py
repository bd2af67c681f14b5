"""Op-spec rows for engine/ops/indexing.py and indexing_slice.py."""

import numpy as np

from engine.ops import indexing as ix
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
