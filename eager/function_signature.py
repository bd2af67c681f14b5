"""How a tf.function call is keyed: which arguments make a new trace, and why.

Tensors are keyed by dtype and shape, Python values by their value, variables and
other objects by identity, containers by their structure — so a call with a new key
traces again. `describe_change` turns two keys into the sentence a user needs
("arg 'lr' is a Python float: 0.01 -> 0.0099; each new value is a new trace").
"""

from __future__ import annotations

import inspect

import numpy as np

from engine import dtypes, nest
from engine.tensor_base import TensorBase
from engine.tensor_spec import TensorSpec
from engine.variables import Variable
from eager.tensor import EagerTensor

__all__ = ["bind", "binder", "leaf_key", "call_key", "describe_change", "describe_key",
           "is_tensor_leaf", "SpecValue"]

_PYTHON = (bool, int, float, complex, str, bytes, type(None))


def bind(fn, args, kwargs):
    """{parameter name: value} of a call, defaults filled in, in the signature's order."""
    return binder(fn)(args, kwargs)


def binder(fn):
    """`bind` for one function, its signature read once: `binder(fn)(args, kwargs)`.

    A call passing every parameter positionally (the common case) is one zip."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins: positional names only
        return lambda args, kwargs: {f"arg{i}": a for i, a in enumerate(args)} | dict(kwargs)
    params = list(sig.parameters.values())
    names = tuple(p.name for p in params)
    simple = all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params)

    def bind_call(args, kwargs):
        if simple and not kwargs and len(args) == len(names):
            return dict(zip(names, args))
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)
    return bind_call


class SpecValue:
    """An argument bound to an input_signature entry: keyed by the spec (so every call
    shares one trace), traced with the spec's shape, fed with `value`."""

    __slots__ = ("value", "spec")

    def __init__(self, value, spec):
        self.value, self.spec = value, spec


def is_tensor_leaf(value) -> bool:
    """Arguments that become graph inputs (placeholders): tensors, numpy arrays and numpy
    scalars (TensorFlow keys np.float32(1) and np.float32(2) alike: one trace)."""
    return (isinstance(value, (TensorBase, np.ndarray, np.number, np.bool_))
            and not isinstance(value, Variable))


def leaf_key(value):
    """What about one argument leaf decides the trace."""
    if type(value) is EagerTensor:  # the hot path: numpy's shape tuple is the dims
        array = value._value
        return ("tensor", dtypes.from_numpy(array.dtype).name, array.shape)
    if isinstance(value, Variable):
        return ("variable", id(value))
    if isinstance(value, SpecValue):
        return ("tensor", "signature", repr(value.spec))
    if is_tensor_leaf(value):
        return ("tensor", value.dtype.name if isinstance(value, TensorBase) else
                np.dtype(value.dtype).name, tuple(value.shape) if not hasattr(
                    value.shape, "rank") else _dims(value.shape))
    if isinstance(value, TensorSpec):
        return ("tensor", value.dtype.name, _dims(value.shape))
    if isinstance(value, _PYTHON):
        return ("python", type(value).__name__, value)
    try:
        hash(value)
        return ("object", type(value).__name__, value)
    except TypeError:
        return ("object", type(value).__name__, id(value))


def _dims(shape):
    return None if shape.rank is None else tuple(shape.as_list())


def _structure(value):
    """The containers around the leaves (their kinds, lengths and dict keys)."""
    if isinstance(value, dict):
        return ("dict", tuple(sorted(map(str, value))), tuple(_structure(value[k]) for k in
                                                               sorted(value, key=str)))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_structure(v) for v in value))
    return None


def call_key(arguments):
    """The cache key of a bound call: per parameter, its structure and leaf keys."""
    return tuple((name, _structure(value), tuple(leaf_key(v) for v in _leaves(value)))
                 for name, value in arguments.items())


def _leaves(value):
    return nest.flatten(value) if isinstance(value, (list, tuple, dict)) else [value]


def describe_key(key) -> str:
    """One trace's key in words: `x=float32[2, 3], lr=0.01`."""
    return ", ".join(f"{name}={_leaf_text(leaves)}" for name, _, leaves in key)


def _leaf_text(leaves):
    parts = []
    for kind, *rest in leaves:
        if kind == "tensor" and rest[0] == "signature":
            parts.append(rest[1])
        elif kind == "tensor":
            dims = "?" if rest[1] is None else ", ".join("None" if d is None else str(d)
                                                         for d in rest[1])
            parts.append(f"{rest[0]}[{dims}]")
        elif kind == "python":
            parts.append(repr(rest[1]))
        else:
            parts.append(f"<{rest[0] if kind == 'object' else 'tf.Variable'}>")
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def describe_change(old, new) -> list:
    """Sentences naming each argument whose key changed between two traces."""
    reasons = []
    old_by_name = {name: (structure, leaves) for name, structure, leaves in old}
    for name, structure, leaves in new:
        before = old_by_name.get(name)
        if before is None or before == (structure, leaves):
            continue
        if before[0] != structure:
            reasons.append(f"arg {name!r} changed structure (a different nesting, length or "
                           "dict keys): each structure is a new trace")
            continue
        for a, b in zip(before[1], leaves):
            if a != b:
                reasons.append(_leaf_reason(name, a, b))
    return reasons


def _leaf_reason(name, a, b):
    if a[0] == b[0] == "python":
        return (f"arg {name!r} is a Python {b[1]}: {a[2]!r} -> {b[2]!r}; each new value is a "
                f"new trace. Fix: pass it as a tensor (tf.constant) or a tf.Variable")
    if a[0] == b[0] == "tensor":
        if a[1] != b[1]:
            return f"arg {name!r} is a tensor whose dtype changed: {a[1]} -> {b[1]}"
        return (f"arg {name!r} is a tensor whose shape changed: {a[2]} -> {b[2]}. Fix: "
                "input_signature with None dimensions, or reduce_retracing=True")
    if a[0] == b[0] == "variable":
        return (f"arg {name!r} is a different tf.Variable object; each variable is a new "
                "trace. Fix: pass the same variable, or read it outside and pass a tensor")
    return f"arg {name!r} changed kind: {a[0]} -> {b[0]}"
