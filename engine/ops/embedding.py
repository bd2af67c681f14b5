"""tf.nn.embedding_lookup: rows of an embedding table (or of a table sharded into a
list of tensors) gathered by id, optionally clipped to a maximum L2 norm.

A sharded table is looked up as ONE gather from the shards concatenated in order: with
TensorFlow 2's "div" partitioning that order is already the id order; TF1's "mod"
partitioning (id -> shard id % P, row id // P) first maps each id to its row of the
concatenation. Gradients come from GatherV2 and ConcatV2.
"""

from __future__ import annotations

import numpy as np


__all__ = ["embedding_lookup", "embedding_lookup_v1"]


def _params_list(params):
    from engine.ops.core import convert_to_tensor
    if isinstance(params, (list, tuple)):
        if not params:
            raise ValueError("Length of params is currently 0. Need at least one param.")
        return [convert_to_tensor(p) for p in params]
    return [convert_to_tensor(params)]


def _clip(rows, ids, max_norm):
    """TensorFlow's _clip: each looked-up embedding scaled down to L2 norm <= max_norm."""
    if max_norm is None:
        return rows
    from engine.ops import array
    from engine.ops.linalg import clip_by_norm
    ids_rank, rows_rank = ids.shape.rank, rows.shape.rank
    if ids_rank is not None and rows_rank is not None:
        axes = list(range(ids_rank, rows_rank))
    else:
        axes = array.range(array.rank(ids), array.rank(rows))
    return clip_by_norm(rows, max_norm, axes=axes)


def _mod_rows(ids, shards):
    """Row of the concatenated shards holding each id under "mod" partitioning; ids
    outside [0, total) are kept as they are, so the gather reports them out of range."""
    from engine.ops import array, reduce
    from engine.ops import math as m
    from engine.ops.indexing import gather
    sizes = [s.shape.as_list()[0] if s.shape.rank else None for s in shards]
    if None in sizes:
        sizes = array.stack([array.shape(s, out_type=ids.dtype)[0] for s in shards])
        total = reduce.reduce_sum(sizes)
        offsets = m.subtract(reduce.cumsum(sizes), sizes)
    else:
        total = sum(sizes)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(ids.dtype._np)
    n = len(shards)
    rows = m.add(gather(offsets, m.floormod(ids, n)), m.floordiv(ids, n))
    inside = m.logical_and(m.greater_equal(ids, 0), m.less(ids, total))
    return m.where(inside, rows, ids)


def _lookup(params, ids, partition_strategy, name, max_norm):
    from engine.ops import array
    from engine.ops.core import convert_to_tensor
    from engine.ops.indexing import gather
    shards = _params_list(params)
    ids = convert_to_tensor(ids)
    if partition_strategy not in ("mod", "div"):
        raise ValueError(f"Unrecognized partition strategy: {partition_strategy}."
                         "Must be one of either `mod` or `div`.")
    if len(shards) == 1:
        return _clip(gather(shards[0], ids, name=name), ids, max_norm)
    table = array.concat(shards, 0)
    if partition_strategy == "mod":
        ids = _mod_rows(ids, shards)
    return _clip(gather(table, ids, name=name), ids, max_norm)


def embedding_lookup(params, ids, max_norm=None, name=None):
    """params[ids] (rows of a table, or of a list of "div"-sharded tables), each row
    scaled to L2 norm <= max_norm when given. Output shape: ids.shape + row shape.

    Raises:
        ValueError: params is an empty list.
        InvalidArgumentError: an id outside [0, number of rows).
    """
    return _lookup(params, ids, "div", name, max_norm)


def embedding_lookup_v1(params, ids, partition_strategy="mod", name=None,
                        validate_indices=True, max_norm=None):
    """tf.compat.v1.nn.embedding_lookup: sharded tables default to "mod" partitioning
    (id -> shard id % P, row id // P)."""
    del validate_indices  # TensorFlow ignores it too
    return _lookup(params, ids, partition_strategy, name, max_norm)


