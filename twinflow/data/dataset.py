"""tf.data.Dataset: a description of an input pipeline, run the same way in both modes.

A Dataset is a chain of nodes (sources and transformations). Building one runs
nothing: tensor arguments are tensors of the current mode (graph tensors in TF1, so a
placeholder can be fed when the iterator is initialized) and functions given to `map`
or `filter` are traced once into a graph, as TensorFlow does. Elements flow only when
an iterator starts the chain: `_start(store, captured_values)` returns a Python
generator of flat tuples of numpy arrays. Eager iteration and the graph-mode
IteratorGetNext kernel both pull from that same generator, so both modes give the same
elements in the same order.
"""

from __future__ import annotations

import itertools

import numpy as np

from engine import context, dtypes, nest
from engine.ops.core import constant, convert_to_tensor
from engine.tensor_base import TensorBase
from engine.tensor_spec import TensorSpec

__all__ = ["Dataset", "INFINITE", "UNKNOWN", "normalize", "spec_of"]

INFINITE = -1  # tf.data.INFINITE_CARDINALITY
UNKNOWN = -2   # tf.data.UNKNOWN_CARDINALITY


def normalize(value):
    """A dataset element with tensors at the leaves. Tuples, dicts and namedtuples are
    structure; a list is ONE tensor (TensorFlow's rule for tf.data, unlike tf.nest)."""
    if isinstance(value, dict):
        return type(value)((k, normalize(v)) for k, v in value.items())
    if isinstance(value, tuple):
        items = [normalize(v) for v in value]
        return type(value)(*items) if hasattr(type(value), "_fields") else tuple(items)
    return convert_to_tensor(value)


def spec_of(structure):
    """The nest of TensorSpecs describing a nest of tensors."""
    return nest.map_structure(lambda t: TensorSpec(t.shape, t.dtype), structure)


class _Env:
    """What one started iterator runs against: the store, the captured tensors' values,
    and per-iterator state of nodes (shuffle epochs)."""

    __slots__ = ("store", "values", "state", "eager")

    def __init__(self, store, captured, values, eager):
        self.store = store
        self.eager = eager  # started by eager iteration rather than an iterator op
        self.values = {id(t): v for t, v in zip(captured, values)}
        self.state = {}

    def value(self, tensor):
        """The array of a tensor argument: eager tensors hold theirs, graph ones are fed."""
        if not isinstance(tensor, TensorBase):
            return tensor  # a Python number given as an argument
        return tensor._value if hasattr(tensor, "_value") else self.values[id(tensor)]

    def int(self, arg) -> int:
        return int(self.value(arg))


class Dataset:
    """A sequence of elements, each a nest of tensors matching `element_spec`.

    Build with a source (`from_tensor_slices`, `from_tensors`, `range`,
    `from_generator`, `zip`), chain transformations (`map`, `batch`, `shuffle`, ...) and
    iterate: a Python `for` eagerly, `tf.compat.v1.data.make_one_shot_iterator` or
    `make_initializable_iterator` in a TF1 graph.
    """

    _ids = itertools.count(1)

    def __init__(self, inputs, spec, tensors=(), functions=()):
        self._inputs = tuple(inputs)
        self._spec = spec
        self._flat_spec = nest.flatten(spec)
        self._tensors = [t for t in tensors if isinstance(t, TensorBase)]
        self._functions = tuple(functions)
        self._key = next(Dataset._ids)

    # -- what every node provides -------------------------------------------------------
    def _generate(self, env):
        """Yields the elements as flat tuples of numpy arrays."""
        raise NotImplementedError

    def _cardinality(self) -> int:
        """The number of elements, INFINITE or UNKNOWN, as far as known when built."""
        raise NotImplementedError

    # -- starting ------------------------------------------------------------------------
    def _captured(self) -> list:
        """Every outer tensor the pipeline reads when it runs, each once, in chain order."""
        seen, out = set(), []
        for node in self._chain():
            tensors = list(node._tensors)
            for fn in node._functions:
                tensors += fn.captured_tensors
            for t in tensors:
                if id(t) not in seen:
                    seen.add(id(t))
                    out.append(t)
        return out

    def _chain(self):
        nodes, stack, seen = [], [self], set()
        while stack:
            node = stack.pop()
            if node._key not in seen:
                seen.add(node._key)
                nodes.append(node)
                stack.extend(reversed(node._inputs))
        return nodes

    def _start(self, store, values, eager=False):
        """A fresh generator of this pipeline's elements (captured `values` in
        `_captured()` order)."""
        return self._generate(_Env(store, self._captured(), values, eager))

    # -- inspecting ----------------------------------------------------------------------
    @property
    def element_spec(self):
        """The nest of TensorSpecs every element matches."""
        return self._spec

    def cardinality(self):
        """The number of elements as an int64 scalar: INFINITE_CARDINALITY (-1) or
        UNKNOWN_CARDINALITY (-2) when not known without running the pipeline."""
        return constant(self._cardinality(), dtype=dtypes.int64)

    def __len__(self):
        n = self._cardinality()
        if n == INFINITE:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self):
        return True

    def __repr__(self):
        return f"<_{type(self).__name__}Dataset element_spec={self._spec!r}>"

    # -- eager iteration -----------------------------------------------------------------
    def __iter__(self):
        """Eagerly: an iterator yielding elements as EagerTensors."""
        if not context.executing_eagerly():
            raise RuntimeError("`tf.data.Dataset` only supports Python-style iteration in "
                               "eager mode or within tf.function.\n  In a TF1 graph use "
                               "tf.compat.v1.data.make_one_shot_iterator(dataset).get_next() "
                               "and Session.run.")
        return _iterators.OwnedIterator(self)

    def as_numpy_iterator(self):
        """Eagerly: an iterator yielding elements as numpy values (0-d as numpy scalars)."""
        return _iterators.NumpyIterator(self)

    # -- sources -------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per row (first dimension) of `tensors` (all must share it).

        Raises:
            ValueError: components whose first dimensions differ, or scalars.
        """
        return _sources.TensorSlices(normalize(tensors))

    @staticmethod
    def from_tensors(tensors, name=None):
        """A single element: `tensors` itself."""
        return _sources.Tensors(normalize(tensors))

    @staticmethod
    def range(*args, output_type=dtypes.int64, name=None, dtype=None):
        """range(stop), range(start, stop) or range(start, stop, step), as Python's, of
        `output_type` (int64 by default)."""
        return _sources.Range(args, dtypes.as_dtype(dtype or output_type))

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """Elements from calling `generator(*args)` anew for each iterator.

        Raises:
            TypeError: neither `output_signature` nor `output_types` given.
        """
        return _sources.Generator(generator, output_types, output_shapes, args,
                                  output_signature)

    @staticmethod
    def zip(*datasets, name=None):
        """Elements combined from datasets in the same nest (stops at the shortest)."""
        structure = datasets[0] if len(datasets) == 1 else datasets
        return _transforms.Zip(structure)

    # -- transformations -----------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """`map_func` applied to each element (traced once into a graph; a tuple element
        is passed as separate arguments). num_parallel_calls is accepted, runs serially."""
        return _transforms.Map(self, map_func)

    def filter(self, predicate, name=None):
        """Only the elements for which `predicate` (a scalar tf.bool) is True."""
        return _transforms.Filter(self, predicate)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        """Consecutive elements stacked `batch_size` at a time (a last shorter batch
        unless drop_remainder)."""
        return _transforms.Batch(self, batch_size, drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """Like batch, padding each component to `padded_shapes` (None dims: the longest
        in the batch) with `padding_values` (default 0 or b"")."""
        return _transforms.PaddedBatch(self, batch_size, padded_shapes, padding_values,
                                      drop_remainder)

    def unbatch(self, name=None):
        """Splits each element along its first dimension (the inverse of batch)."""
        return _transforms.Unbatch(self)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Elements in random order, drawn from a buffer of `buffer_size` elements."""
        return _transforms.Shuffle(self, buffer_size, seed,
                       True if reshuffle_each_iteration is None else reshuffle_each_iteration)

    def repeat(self, count=None, name=None):
        """The elements `count` times over (None or -1: forever)."""
        return _transforms.Repeat(self, count)

    def take(self, count, name=None):
        """At most the first `count` elements (-1: all)."""
        return _transforms.Take(self, count)

    def skip(self, count, name=None):
        """All but the first `count` elements (-1: none)."""
        return _transforms.Skip(self, count)

    def concatenate(self, dataset, name=None):
        """This dataset's elements, then `dataset`'s (same structure and dtypes)."""
        return _transforms.Concatenate(self, dataset)

    def enumerate(self, start=0, name=None):
        """(index, element) pairs, counting from `start` (int64)."""
        return Dataset.zip((Dataset.range(start, np.iinfo(np.int64).max), self))

    def prefetch(self, buffer_size, name=None):
        """The same elements (twinflow runs the pipeline on demand: nothing to overlap)."""
        return _transforms.Passthrough(self, "Prefetch")

    def cache(self, filename="", name=None):
        """The same elements, computed once per iterator's store and replayed after the
        first complete pass (in memory; a `filename` is accepted and not written)."""
        return _transforms.Cache(self)

    def reduce(self, initial_state, reduce_func, name=None):
        """`reduce_func(state, element)` folded over every element from `initial_state`:
        the final state (run now eagerly; an op to Session.run in a TF1 graph)."""
        return _iterators.reduce_dataset(self, initial_state, reduce_func)

    def apply(self, transformation_func):
        """transformation_func(self): chains a function of datasets."""
        return transformation_func(self)

    # -- TF1 ---------------------------------------------------------------------------
    def make_one_shot_iterator(self):
        """TF1: tf.compat.v1.data.make_one_shot_iterator(self)."""
        return _iterators.make_one_shot_iterator(self)

    def make_initializable_iterator(self, shared_name=None):
        """TF1: tf.compat.v1.data.make_initializable_iterator(self)."""
        return _iterators.make_initializable_iterator(self, shared_name)

    @property
    def output_types(self):
        """TF1: the nest of DTypes of an element."""
        return nest.map_structure(lambda s: s.dtype, self._spec)

    @property
    def output_shapes(self):
        """TF1: the nest of TensorShapes of an element."""
        return nest.map_structure(lambda s: s.shape, self._spec)


from twinflow.data import sources as _sources  # noqa: E402  (they subclass Dataset)
from twinflow.data import transforms as _transforms  # noqa: E402
from twinflow.data import iterators as _iterators  # noqa: E402
