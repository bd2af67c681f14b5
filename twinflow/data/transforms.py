"""Dataset transformations: each a node pulling from its input's generator."""

from __future__ import annotations

import itertools
import weakref

import numpy as np

from engine import dtypes, errors, nest
from engine.infer import static_value
from engine.ops.core import convert_to_tensor
from engine.ops.random import get_seed
from engine.shapes import TensorShape
from engine.tensor_base import TensorBase
from engine.tensor_spec import TensorSpec
from graph.func_graph import trace
from twinflow.data.dataset import INFINITE, UNKNOWN, Dataset, spec_of

__all__ = ["Map", "Filter", "Batch", "PaddedBatch", "Unbatch", "Shuffle", "Repeat", "Take",
           "Skip", "Concatenate", "Zip", "Passthrough", "Cache"]


def _count_arg(value, what):
    """A count/size argument: a Python int kept as is, else an int64 tensor read at run
    time (a TF1 placeholder batch size works)."""
    if isinstance(value, TensorBase):
        known = static_value(value)
        return int(known) if known is not None else convert_to_tensor(value, dtypes.int64)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{what}` must be an integer or a scalar int64 tensor, got "
                        f"{value!r}") from None


def _known(arg):
    return arg if isinstance(arg, int) else None


def _call(fn, args):
    """TensorFlow's calling rule: a tuple element is spread over the arguments."""
    return fn(*args) if type(args) is tuple else fn(args)


class Map(Dataset):
    """map(fn): fn traced once into a graph, run on each element."""

    def __init__(self, source, fn):
        def call(f, args):
            out = _call(f, args)
            return tuple(out) if isinstance(out, list) else out  # TF: a list is a tuple
        self._fn = trace(fn, source.element_spec, f"map_{getattr(fn, '__name__', 'fn')}",
                         call)
        super().__init__((source,), spec_of(self._fn.structured_outputs),
                         functions=(self._fn,))

    def _generate(self, env):
        captured = [env.value(t) for t in self._fn.captured_tensors]
        run, store = self._fn.run, env.store
        for element in self._inputs[0]._generate(env):
            yield run(store, element, captured)

    def _cardinality(self):
        return self._inputs[0]._cardinality()


class Filter(Dataset):
    """filter(predicate): elements whose traced predicate is True."""

    def __init__(self, source, predicate):
        self._fn = trace(predicate, source.element_spec,
                         f"filter_{getattr(predicate, '__name__', 'fn')}", _call)
        out = self._fn.structured_outputs
        if nest.is_nested(out) or out.dtype != dtypes.bool or out.shape.rank not in (0, None):
            raise ValueError(f"Invalid `predicate`. `predicate` must return a `tf.bool` "
                             f"scalar tensor, but its return type is {spec_of(out)!r}.")
        super().__init__((source,), source.element_spec, functions=(self._fn,))

    def _generate(self, env):
        captured = [env.value(t) for t in self._fn.captured_tensors]
        run, store = self._fn.run, env.store
        for element in self._inputs[0]._generate(env):
            if run(store, element, captured)[0]:
                yield element

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        return INFINITE if n == INFINITE else UNKNOWN


def _batched_spec(spec, batch_dim):
    return nest.map_structure(
        lambda s: TensorSpec(TensorShape([batch_dim]).concatenate(s.shape), s.dtype), spec)


def _batches(source, env, size_arg, drop_remainder):
    """Lists of up to `size` consecutive elements of `source`."""
    size = env.int(size_arg)
    if size <= 0:
        raise errors.InvalidArgumentError(None, None, "Batch size must be greater than zero.")
    batch = []
    for element in source._generate(env):
        batch.append(element)
        if len(batch) == size:
            yield batch
            batch = []
    if batch and not drop_remainder:
        yield batch


def _batch_cardinality(n, size, drop_remainder):
    if n < 0 or size is None:
        return n if n == INFINITE else UNKNOWN
    return n // size if drop_remainder else -(-n // size)


class Batch(Dataset):
    """batch(n): n consecutive elements stacked along a new first dimension."""

    def __init__(self, source, batch_size, drop_remainder):
        self._size = _count_arg(batch_size, "batch_size")
        if isinstance(self._size, int) and self._size <= 0:
            raise errors.InvalidArgumentError(None, None,
                                              "Batch size must be greater than zero.")
        self._drop = bool(drop_remainder)
        dim = _known(self._size) if self._drop else None
        super().__init__((source,), _batched_spec(source.element_spec, dim), [self._size])

    def _generate(self, env):
        for batch in _batches(self._inputs[0], env, self._size, self._drop):
            yield tuple(_stack(parts, i) for i, parts in enumerate(zip(*batch)))

    def _cardinality(self):
        return _batch_cardinality(self._inputs[0]._cardinality(), _known(self._size),
                                  self._drop)


def _stack(parts, component):
    first = np.shape(parts[0])
    for j, p in enumerate(parts):
        if np.shape(p) != first:
            raise errors.InvalidArgumentError(
                None, None, f"Cannot batch tensors with different shapes in component "
                f"{component}. First element had shape {list(first)} and element {j} had "
                f"shape {list(np.shape(p))}.\n  Fix: padded_batch() pads them to one shape.")
    return np.stack(parts)


class PaddedBatch(Dataset):
    """padded_batch(n): like batch, each component padded to one shape first."""

    def __init__(self, source, batch_size, padded_shapes, padding_values, drop_remainder):
        spec = source.element_spec
        self._size = _count_arg(batch_size, "batch_size")
        self._drop = bool(drop_remainder)
        if padded_shapes is None:
            padded_shapes = nest.map_structure(
                lambda s: TensorShape([None] * s.shape.rank), spec)
        self._shapes = nest.flatten(nest.map_structure(
            _padded_shape, spec, _as_shapes(spec, padded_shapes)))
        if padding_values is None:
            padding_values = nest.map_structure(
                lambda s: b"" if s.dtype == dtypes.string else 0, spec)
        elif not nest.is_nested(padding_values) and nest.is_nested(spec):
            padding_values = nest.map_structure(lambda _: padding_values, spec)
        self._pads = nest.flatten(padding_values)
        out = nest.pack_sequence_as(spec, [TensorSpec(sh, s.dtype) for sh, s in
                                           zip(self._shapes, nest.flatten(spec))])
        dim = _known(self._size) if self._drop else None
        super().__init__((source,), _batched_spec(out, dim), [self._size])

    def _generate(self, env):
        for batch in _batches(self._inputs[0], env, self._size, self._drop):
            yield tuple(self._pad(parts, i) for i, parts in enumerate(zip(*batch)))

    def _pad(self, parts, i):
        longest = np.max([np.shape(p) for p in parts], axis=0) if parts[0].ndim else ()
        target = [d if d is not None else int(m) for d, m in
                  zip(self._shapes[i].as_list(), longest)]
        out = np.full([len(parts)] + target, self._pads[i], dtype=parts[0].dtype)
        for j, p in enumerate(parts):
            if any(n > t for n, t in zip(np.shape(p), target)):
                raise errors.InvalidArgumentError(
                    None, None, f"Attempted to pad to a smaller size than the input element: "
                    f"component {i} of element {j} has shape {list(np.shape(p))}, padded "
                    f"shape is {target}.")
            out[(j,) + tuple(slice(0, n) for n in np.shape(p))] = p
        return out

    def _cardinality(self):
        return _batch_cardinality(self._inputs[0]._cardinality(), _known(self._size),
                                  self._drop)


def _padded_shape(spec, padded):
    """The padded shape of one component, checked to hold every element."""
    if spec.shape.rank is None:
        return padded
    if padded.rank != spec.shape.rank or any(
            p is not None and s is not None and p < s for p, s in zip(padded, spec.shape)):
        raise ValueError(f"The padded shape {padded} is not compatible with the shape "
                         f"{spec.shape} of the corresponding input component.")
    return padded


def _as_shapes(spec, padded_shapes):
    """padded_shapes given as lists of ints are one shape each, not nests."""
    if isinstance(spec, TensorSpec):
        return TensorShape(padded_shapes)
    if isinstance(spec, dict):
        return {k: _as_shapes(spec[k], padded_shapes[k]) for k in spec}
    return type(spec)(*[_as_shapes(s, p) for s, p in zip(spec, padded_shapes)]) \
        if hasattr(type(spec), "_fields") else tuple(_as_shapes(s, p)
                                                     for s, p in zip(spec, padded_shapes))


class Unbatch(Dataset):
    """unbatch(): each row of each element becomes an element."""

    def __init__(self, source):
        spec = source.element_spec
        for s in nest.flatten(spec):
            if s.shape.rank == 0:
                raise ValueError("Unbatching a dataset is only supported for rank >= 1: "
                                 f"component {s!r} is a scalar.")
        super().__init__((source,), nest.map_structure(
            lambda s: TensorSpec(s.shape[1:], s.dtype), spec))

    def _generate(self, env):
        for element in self._inputs[0]._generate(env):
            n = len(element[0])
            if any(len(c) != n for c in element):
                raise errors.InvalidArgumentError(
                    None, None, "Input element must have the same batch size in each "
                    f"component: got {[len(c) for c in element]}.")
            for i in range(n):
                yield tuple(c[i] for c in element)

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        return INFINITE if n == INFINITE else UNKNOWN


class Shuffle(Dataset):
    """shuffle(buffer_size, seed): TensorFlow's buffer algorithm — fill a buffer, then
    emit a random slot and refill it from the input.

    With a seed the k-th pass over this node uses the stream (seed, seed2, k). Passes
    are counted per iterator in a TF1 graph (re-initializing replays the same order,
    as TensorFlow 1 does) and per dataset eagerly (each new Python iteration reshuffles,
    as TensorFlow 2 does); without reshuffle_each_iteration every pass uses k = 0.
    """

    def __init__(self, source, buffer_size, seed, reshuffle):
        self._buffer = _count_arg(buffer_size, "buffer_size")
        if isinstance(self._buffer, int) and self._buffer <= 0 and self._buffer != -1:
            raise errors.InvalidArgumentError(None, None,
                                              "buffer_size must be greater than zero.")
        self._seeds = get_seed(seed)
        self._reshuffle = bool(reshuffle)
        self._eager_passes = itertools.count()
        super().__init__((source,), source.element_spec, [self._buffer])

    def _rng(self, env):
        if self._seeds[0] is None:
            return np.random.default_rng()
        if not self._reshuffle:
            k = 0
        elif env.eager:
            k = next(self._eager_passes)
        else:
            k = env.state.get(self._key, 0)
            env.state[self._key] = k + 1
        return np.random.default_rng([*self._seeds, k])

    def _generate(self, env):
        size = env.int(self._buffer)
        size = size if size > 0 else 2 ** 62  # -1 (AUTOTUNE): the whole input
        rng, buffer = self._rng(env), []
        for element in self._inputs[0]._generate(env):
            if len(buffer) < size:
                buffer.append(element)
                continue
            i = int(rng.integers(len(buffer)))
            yield buffer[i]
            buffer[i] = element
        while buffer:
            i = int(rng.integers(len(buffer)))
            yield buffer[i]
            buffer[i] = buffer[-1]
            buffer.pop()

    def _cardinality(self):
        return self._inputs[0]._cardinality()


class Repeat(Dataset):
    """repeat(count): the input again and again (None / -1: forever)."""

    def __init__(self, source, count):
        self._count = -1 if count is None else _count_arg(count, "count")
        super().__init__((source,), source.element_spec, [self._count])

    def _generate(self, env):
        count, done = env.int(self._count), 0
        while count < 0 or done < count:
            empty = True
            for element in self._inputs[0]._generate(env):
                empty = False
                yield element
            if empty:  # an empty input repeated forever ends at once, as in TensorFlow
                return
            done += 1

    def _cardinality(self):
        n, count = self._inputs[0]._cardinality(), _known(self._count)
        if n == 0 or count == 0:
            return 0
        if count is None:
            return UNKNOWN
        if count < 0 or n == INFINITE:
            return INFINITE
        return UNKNOWN if n == UNKNOWN else n * count


class Take(Dataset):
    """take(n): the first n elements (-1: all)."""

    def __init__(self, source, count):
        self._count = _count_arg(count, "count")
        super().__init__((source,), source.element_spec, [self._count])

    def _generate(self, env):
        count = env.int(self._count)
        source = self._inputs[0]._generate(env)
        yield from source if count < 0 else itertools.islice(source, count)

    def _cardinality(self):
        n, count = self._inputs[0]._cardinality(), _known(self._count)
        if count is None:
            return UNKNOWN
        if count < 0 or n == UNKNOWN:
            return n
        return count if n == INFINITE else min(n, count)


class Skip(Dataset):
    """skip(n): all but the first n elements (-1: none)."""

    def __init__(self, source, count):
        self._count = _count_arg(count, "count")
        super().__init__((source,), source.element_spec, [self._count])

    def _generate(self, env):
        count = env.int(self._count)
        source = self._inputs[0]._generate(env)
        if count < 0:
            return
        yield from itertools.islice(source, count, None)

    def _cardinality(self):
        n, count = self._inputs[0]._cardinality(), _known(self._count)
        if count is None or n == UNKNOWN:
            return UNKNOWN
        if n == INFINITE:
            return INFINITE if count >= 0 else 0
        return 0 if count < 0 else max(n - count, 0)


class Concatenate(Dataset):
    """a.concatenate(b): a's elements then b's."""

    def __init__(self, first, second):
        a, b = first.element_spec, second.element_spec
        try:
            spec = nest.map_structure(lambda x, y: x.most_specific_compatible_type(y), a, b)
        except (ValueError, TypeError):
            raise TypeError(f"Incompatible dataset elements:\n  {a!r} vs.\n  {b!r}") from None
        super().__init__((first, second), spec)

    def _generate(self, env):
        yield from self._inputs[0]._generate(env)
        yield from self._inputs[1]._generate(env)

    def _cardinality(self):
        a, b = (d._cardinality() for d in self._inputs)
        if INFINITE in (a, b):
            return INFINITE
        return UNKNOWN if UNKNOWN in (a, b) else a + b


class Zip(Dataset):
    """zip(datasets): one element from each, in the datasets' nest; ends with the shortest."""

    def __init__(self, structure):
        datasets = nest.flatten(structure)
        if not datasets or not all(isinstance(d, Dataset) for d in datasets):
            raise TypeError("Invalid `datasets`. `datasets` is expected to be a (nested) "
                            "structure of `tf.data.Dataset` objects.")
        spec = nest.map_structure(lambda d: d.element_spec, structure)
        super().__init__(datasets, spec)

    def _generate(self, env):
        for parts in zip(*[d._generate(env) for d in self._inputs]):
            yield tuple(itertools.chain.from_iterable(parts))

    def _cardinality(self):
        known = [d._cardinality() for d in self._inputs]
        finite = [n for n in known if n >= 0]
        if finite:
            return min(finite)
        return UNKNOWN if UNKNOWN in known else INFINITE


class Passthrough(Dataset):
    """prefetch(): the same elements (nothing runs in the background here)."""

    def __init__(self, source, kind):
        self._kind = kind
        super().__init__((source,), source.element_spec)

    def _generate(self, env):
        return self._inputs[0]._generate(env)

    def _cardinality(self):
        return self._inputs[0]._cardinality()

    def __repr__(self):
        return f"<_{self._kind}Dataset element_spec={self._spec!r}>"


class Cache(Dataset):
    """cache(): the first complete pass is kept (per store) and replayed afterwards."""

    def __init__(self, source):
        self._kept = weakref.WeakKeyDictionary()  # store -> list of elements
        super().__init__((source,), source.element_spec)

    def _generate(self, env):
        kept = self._kept.get(env.store)
        if kept is not None:
            yield from kept
            return
        elements = []
        for element in self._inputs[0]._generate(env):
            elements.append(element)
            yield element
        self._kept[env.store] = elements

    def _cardinality(self):
        return self._inputs[0]._cardinality()
