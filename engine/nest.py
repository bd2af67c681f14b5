"""tf.nest: flatten nested lists, tuples, dicts and namedtuples, and rebuild them.

Dicts flatten in sorted key order, as TensorFlow does, so a structure and its values
always line up. Everything else (tensors, numbers, None) is a leaf.
"""

from __future__ import annotations

import collections.abc

__all__ = ["flatten", "pack_sequence_as", "map_structure", "is_nested", "assert_same_structure"]


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


_LEAF_TYPES: set = set()  # types seen not to nest (tensors, numbers): one set lookup


def is_nested(x) -> bool:
    """True for lists, tuples (namedtuples too) and mappings."""
    kind = type(x)
    if kind in _LEAF_TYPES:
        return False
    if isinstance(x, (list, tuple, collections.abc.Mapping)):
        return True
    _LEAF_TYPES.add(kind)
    return False


def _children(x):
    if isinstance(x, collections.abc.Mapping):
        return [x[k] for k in _sorted_keys(x)]
    return list(x)


def _sorted_keys(mapping):
    try:
        return sorted(mapping)
    except TypeError:
        return sorted(mapping, key=repr)


def flatten(structure) -> list:
    """The leaves of `structure`, depth first, left to right (dicts by sorted key)."""
    out = []
    stack = [structure]
    while stack:
        item = stack.pop()
        if is_nested(item):
            stack.extend(reversed(_children(item)))
        else:
            out.append(item)
    return out


def _rebuild(template, children):
    if isinstance(template, collections.abc.Mapping):
        by_key = dict(zip(_sorted_keys(template), children))
        if isinstance(template, collections.OrderedDict) or type(template) is dict:
            return type(template)((k, by_key[k]) for k in template)
        return type(template)({k: by_key[k] for k in template})
    if _is_namedtuple(template):
        return type(template)(*children)
    if isinstance(template, tuple):
        return tuple(children)
    return list(children)


def pack_sequence_as(structure, flat_sequence):
    """Rebuilds `structure` with the leaves taken in order from `flat_sequence`.

    Raises:
        ValueError: the number of leaves differs.
    """
    flat_sequence = list(flat_sequence)
    kind = type(structure)
    if (kind is list or kind is tuple) and len(structure) == len(flat_sequence) and \
            not any(map(is_nested, structure)):  # a flat list or tuple: the common case
        return flat_sequence if kind is list else tuple(flat_sequence)
    leaves = iter(flat_sequence)

    def build(template):
        if not is_nested(template):
            return next(leaves)
        return _rebuild(template, [build(c) for c in _children(template)])

    if len(flatten(structure)) != len(flat_sequence):
        raise ValueError(f"Could not pack sequence. Structure had {len(flatten(structure))} "
                         f"elements, but flat_sequence had {len(flat_sequence)} elements.")
    return build(structure)


def map_structure(func, *structures):
    """func applied to the leaves of structures (which must share one structure)."""
    for other in structures[1:]:
        assert_same_structure(structures[0], other)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [func(*leaves) for leaves in zip(*flats)])


def assert_same_structure(a, b):
    """ValueError unless a and b nest the same way with the same number of leaves."""
    def shape_of(x):
        if not is_nested(x):
            return None
        kind = "dict" if isinstance(x, collections.abc.Mapping) else "seq"
        keys = tuple(_sorted_keys(x)) if kind == "dict" else len(x)
        return (kind, keys, tuple(shape_of(c) for c in _children(x)))

    if shape_of(a) != shape_of(b):
        raise ValueError(f"The two structures don't have the same nested structure.\n\n"
                         f"First structure: {a!r}\n\nSecond structure: {b!r}")
