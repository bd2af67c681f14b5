"""Dataset sources: tensor slices, a single element, a range, a Python generator."""

from __future__ import annotations

import numpy as np

from engine import dtypes, errors, nest
from engine.convert import to_array
from engine.ops.core import convert_to_tensor
from engine.shapes import TensorShape
from engine.tensor_spec import TensorSpec
from twinflow.data.dataset import UNKNOWN, Dataset, spec_of

__all__ = ["TensorSlices", "Tensors", "Range", "Generator"]


class TensorSlices(Dataset):
    """from_tensor_slices: element i is row i of every component."""

    def __init__(self, structure):
        flat = nest.flatten(structure)
        if not flat:
            raise ValueError("Invalid `tensors`: an empty structure has nothing to slice.")
        rows = None
        for t in flat:
            if t.shape.rank == 0:
                raise ValueError(f"Unbatching a tensor is only supported for rank >= 1: "
                                 f"{t!r} is a scalar. Use from_tensors for one element.")
            first = t.shape[0] if t.shape.rank is not None else None
            if rows is not None and first is not None and first != rows:
                raise ValueError(f"Dimensions {rows} and {first} are not compatible")
            rows = first if rows is None else rows
        self._rows = rows
        spec = nest.map_structure(lambda t: TensorSpec(t.shape[1:], t.dtype), structure)
        super().__init__((), spec, flat)
        self._components = flat

    def _generate(self, env):
        arrays = [np.asarray(env.value(t)) for t in self._components]
        n = len(arrays[0])
        for i, a in enumerate(arrays[1:], 1):
            if len(a) != n:
                raise errors.InvalidArgumentError(
                    None, None, f"Dimensions {n} and {len(a)} are not compatible: component "
                    f"{i} of from_tensor_slices has another number of rows.")
        for i in range(n):  # a string row stays an object array, not numpy bytes
            yield tuple(a[i] if a.dtype != object or a.ndim > 1 else
                        np.asarray(a[i], dtype=object) for a in arrays)

    def _cardinality(self):
        return UNKNOWN if self._rows is None else self._rows


class Tensors(Dataset):
    """from_tensors: the whole structure as one element."""

    def __init__(self, structure):
        flat = nest.flatten(structure)
        super().__init__((), spec_of(structure), flat)
        self._components = flat

    def _generate(self, env):
        yield tuple(np.asarray(env.value(t)) for t in self._components)

    def _cardinality(self):
        return 1


class Range(Dataset):
    """range(start, stop, step) as int64 (or `dtype`) scalars."""

    def __init__(self, args, dtype):
        if not 1 <= len(args) <= 3:
            raise ValueError(f"Invalid arguments to range: {args}; expected (stop), "
                             "(start, stop) or (start, stop, step).")
        start, stop, step = (0, args[0], 1) if len(args) == 1 else (*args, 1)[:3]
        if isinstance(step, (int, np.integer)) and step == 0:
            raise errors.InvalidArgumentError(None, None, "step must be a non-zero integer.")
        self._args = [a if isinstance(a, (int, np.integer)) else
                      convert_to_tensor(a, dtype=dtypes.int64) for a in (start, stop, step)]
        self._dtype = dtype
        super().__init__((), TensorSpec([], dtype), self._args)

    def _generate(self, env):
        start, stop, step = (env.int(a) for a in self._args)
        if step == 0:
            raise errors.InvalidArgumentError(None, None, "step must be a non-zero integer.")
        np_dtype = self._dtype._np
        for i in range(start, stop, step):
            yield (np.asarray(i, dtype=np_dtype),)

    def _cardinality(self):
        if not all(isinstance(a, (int, np.integer)) for a in self._args):
            return UNKNOWN
        return len(range(*self._args))


class Generator(Dataset):
    """from_generator: each iterator calls `generator(*args)` and converts what it yields."""

    def __init__(self, generator, output_types, output_shapes, args, output_signature):
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable.")
        if output_signature is not None:
            if output_types is not None or output_shapes is not None:
                raise TypeError("The `output_types` and `output_shapes` arguments can only "
                                "be used without `output_signature`.")
            spec = output_signature
        elif output_types is None:
            raise TypeError("To specify the output signature you need to provide either "
                            "the `output_signature` argument or the `output_types` argument.")
        else:
            spec = nest.map_structure(lambda t, s: TensorSpec(s, dtypes.as_dtype(t)),
                                      output_types, _like(output_types, output_shapes))
        self._generator = generator
        self._args = tuple(args or ())
        super().__init__((), spec)

    def _generate(self, env):
        for value in self._generator(*self._args):
            yield self._convert(value)

    def _convert(self, value):
        try:
            flat = _flatten_up_to(self._spec, value)
        except (ValueError, TypeError, KeyError):
            raise errors.InvalidArgumentError(
                None, None, f"`generator` yielded an element that did not match the "
                f"expected structure. The expected structure was {self._spec!r}, but the "
                f"yielded element was {value!r}.") from None
        out = []
        for spec, item in zip(self._flat_spec, flat):
            try:
                array = to_array(item, spec.dtype)
            except (TypeError, ValueError) as exc:
                raise errors.InvalidArgumentError(
                    None, None, f"`generator` yielded an element that could not be "
                    f"converted to the expected type {spec.dtype.name}: {item!r} ({exc})") \
                    from None
            if not spec.shape.is_compatible_with(array.shape):
                raise errors.InvalidArgumentError(
                    None, None, f"`generator` yielded an element of shape {array.shape} "
                    f"where an element of shape {tuple(spec.shape.as_list())} was expected.")
            out.append(array)
        return tuple(out)

    def _cardinality(self):
        return UNKNOWN


def _like(types, shapes):
    """`shapes` with lists made tuples where `types` nests tuples (output_shapes=[2] is
    one shape for one component, ([2], [None]) two shapes); None: unknown shapes."""
    if shapes is None:
        return nest.map_structure(lambda _: TensorShape(None), types)
    if isinstance(types, tuple):
        return tuple(_like(t, s) for t, s in zip(types, shapes))
    if isinstance(types, dict):
        return {k: _like(types[k], shapes[k]) for k in types}
    return TensorShape(shapes)


def _flatten_up_to(spec, value) -> list:
    """The leaves of `value` where `spec` has TensorSpecs (a yielded list is one tensor
    where the spec has a leaf, a tuple of components where it has a tuple)."""
    if isinstance(spec, TensorSpec):
        return [value]
    if isinstance(spec, dict):
        return [leaf for k in sorted(spec) for leaf in _flatten_up_to(spec[k], value[k])]
    if not isinstance(value, (tuple, list)) or len(value) != len(spec):
        raise ValueError("structure mismatch")
    return [leaf for s, v in zip(spec, value) for leaf in _flatten_up_to(s, v)]
