"""Iterators over a Dataset: eager Python iteration, and TF1's graph iterators.

Eagerly, `iter(dataset)` pulls elements straight from the pipeline's generator and
wraps them as EagerTensors. In a TF1 graph an iterator is a resource: an IteratorV2 (or
OneShotIterator) op makes the handle, MakeIterator (the `initializer`) starts the data
in the running Session's store, and IteratorGetNext yields the next element, raising
OutOfRangeError at the end — the epoch loop of TF1 programs.
"""

from __future__ import annotations

import numpy as np

from engine import context, errors, nest
from engine.context import execute
from engine.ops import data as ops
from engine.resources import ResourceHandle
from engine.tensor_base import Tensor
from engine.tensor_spec import TensorSpec
from eager.executor import _wrap

__all__ = ["OwnedIterator", "NumpyIterator", "Iterator", "make_one_shot_iterator",
           "make_initializable_iterator", "get_output_types", "get_output_shapes",
           "get_output_classes", "reduce_dataset"]


def _eager_source(dataset):
    """The element generator of `dataset`, started in the process's store."""
    for t in dataset._captured():
        if not hasattr(t, "_value"):
            raise RuntimeError(f"This dataset reads the graph tensor {t!r}: a dataset built "
                               "in a TF1 graph runs only through a graph iterator and "
                               "Session.run.")
    return dataset._start(context.current_executor().store, (), eager=True)


class OwnedIterator:
    """`iter(dataset)` eagerly: each `next()` is one element as EagerTensors."""

    def __init__(self, dataset):
        self._spec = dataset.element_spec
        self._source = _eager_source(dataset)

    @property
    def element_spec(self):
        return self._spec

    def __iter__(self):
        return self

    def __next__(self):
        element = next(self._source)  # StopIteration ends a Python `for`
        return nest.pack_sequence_as(self._spec, [_wrap(np.asarray(a)) for a in element])

    def get_next(self):
        """The next element; OutOfRangeError after the last one (TF's iterator method)."""
        try:
            return self.__next__()
        except StopIteration:
            raise errors.OutOfRangeError(None, None, "End of sequence") from None


class NumpyIterator(OwnedIterator):
    """`dataset.as_numpy_iterator()`: elements as numpy values (0-d as numpy scalars,
    strings as bytes)."""

    def __init__(self, dataset):
        if not context.executing_eagerly():
            raise RuntimeError("`tf.data.Dataset.as_numpy_iterator()` is only supported in "
                               "eager mode.")
        super().__init__(dataset)

    def __next__(self):
        element = next(self._source)
        return nest.pack_sequence_as(self._spec, [np.asarray(a)[()] if np.ndim(a) == 0
                                                  else np.asarray(a) for a in element])


class Iterator:
    """A TF1 graph iterator: `get_next()` builds the op yielding the next element."""

    def __init__(self, handle, resource, spec, initializer=None):
        self._handle = handle
        self._resource = resource
        self._spec = spec
        self._initializer = initializer
        resource.name = handle.op.name

    @classmethod
    def from_structure(cls, output_types, output_shapes=None, shared_name=None,
                       output_classes=None):
        """A reinitializable iterator: `make_initializer(dataset)` for each dataset of this
        structure (e.g. one for training data, one for validation data)."""
        if output_shapes is None:
            output_shapes = nest.map_structure(lambda _: None, output_types)
        spec = nest.map_structure(lambda t, s: TensorSpec(s, t), output_types, output_shapes)
        resource = ResourceHandle("Iterator", "iterator")
        handle = execute(ops.ITERATOR, (), {"handle": resource, **_type_attrs(spec)},
                         "Iterator")
        return cls(handle, resource, spec)

    @property
    def initializer(self):
        """The op that (re)starts the data in a Session."""
        if self._initializer is None:
            raise ValueError("The iterator does not have an initializer. It was created "
                             "with make_one_shot_iterator(), which starts itself on first "
                             "use; use make_initializable_iterator() to restart data.")
        return self._initializer

    def make_initializer(self, dataset, name=None):
        """An op starting this iterator on `dataset` (same structure and dtypes).

        Raises:
            TypeError: the dataset's elements do not match the iterator's.
        """
        mine, theirs = _types(self._spec), _types(dataset.element_spec)
        if mine != theirs or not all(a.shape.is_compatible_with(b.shape) for a, b in zip(
                nest.flatten(self._spec), nest.flatten(dataset.element_spec))):
            raise TypeError(f"Expected output types {mine} and shapes "
                            f"{_shapes(self._spec)} but got dataset with output types "
                            f"{theirs} and shapes {_shapes(dataset.element_spec)}.")
        return execute(ops.MAKE_ITERATOR, (self._handle, *dataset._captured()),
                       {"dataset": dataset}, name or "make_initializer")

    def get_next(self, name=None):
        """The next element as a nest of tensors (one IteratorGetNext op per call)."""
        flat = execute(ops.ITERATOR_GET_NEXT, (self._handle,), _type_attrs(self._spec),
                       name or "IteratorGetNext")
        return nest.pack_sequence_as(self._spec, list(flat))

    @property
    def element_spec(self):
        return self._spec

    output_types = property(lambda self: nest.map_structure(lambda s: s.dtype, self._spec))
    output_shapes = property(lambda self: nest.map_structure(lambda s: s.shape, self._spec))
    output_classes = property(lambda self: nest.map_structure(lambda s: Tensor, self._spec))


def _type_attrs(spec):
    flat = nest.flatten(spec)
    return {"output_types": [s.dtype for s in flat], "output_shapes": [s.shape for s in flat]}


def _types(spec):
    return [s.dtype for s in nest.flatten(spec)]


def _shapes(spec):
    return [s.shape for s in nest.flatten(spec)]


def make_one_shot_iterator(dataset):
    """An iterator that starts itself the first time a Session runs it (no initializer);
    eagerly, a plain Python iterator."""
    if context.executing_eagerly():
        return OwnedIterator(dataset)
    resource = ResourceHandle("OneShotIterator", "iterator")
    handle = execute(ops.ONE_SHOT_ITERATOR, tuple(dataset._captured()),
                     {"handle": resource, "dataset": dataset}, "OneShotIterator")
    return Iterator(handle, resource, dataset.element_spec)


def make_initializable_iterator(dataset, shared_name=None):
    """An iterator whose `initializer` op must run before `get_next()`, and may run again
    to restart the data (after OutOfRangeError, or with new feeds).

    Raises:
        RuntimeError: called eagerly (iterate the dataset with `for` instead).
    """
    if context.executing_eagerly():
        raise RuntimeError("make_initializable_iterator is not supported when eager "
                           "execution is enabled. Use `for element in dataset` instead.")
    iterator = Iterator.from_structure(*_types_and_shapes(dataset))
    iterator._initializer = iterator.make_initializer(dataset)
    return iterator


def _types_and_shapes(dataset):
    return (nest.map_structure(lambda s: s.dtype, dataset.element_spec),
            nest.map_structure(lambda s: s.shape, dataset.element_spec))


def get_output_types(dataset_or_iterator):
    """The nest of DTypes of an element."""
    return nest.map_structure(lambda s: s.dtype, dataset_or_iterator.element_spec)


def get_output_shapes(dataset_or_iterator):
    """The nest of TensorShapes of an element."""
    return nest.map_structure(lambda s: s.shape, dataset_or_iterator.element_spec)


def get_output_classes(dataset_or_iterator):
    """The nest of element classes (always Tensor: twinflow has no sparse tensors)."""
    return nest.map_structure(lambda s: Tensor, dataset_or_iterator.element_spec)


def reduce_dataset(dataset, initial_state, reduce_func):
    """dataset.reduce: `reduce_func(state, element)` folded over every element, as ONE
    ReduceDataset op (run now eagerly, a graph node in TF1), the state's structure kept.

    Raises:
        TypeError: reduce_func returns a state of other structure or dtypes.
    """
    from graph.func_graph import trace
    from twinflow.data.dataset import normalize, spec_of
    state = normalize(initial_state)
    state_spec = spec_of(state)
    fn = trace(reduce_func, (state_spec, dataset.element_spec),
               f"reduce_{getattr(reduce_func, '__name__', 'fn')}",
               lambda f, args: f(args[0], args[1]))
    out = fn.structured_outputs
    out = tuple(out) if isinstance(out, list) else out
    try:
        nest.assert_same_structure(state, out)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"The element types for the new state must match the initial state."
                        f" Expected {state_spec}; got {spec_of(out)}. ({exc})") from None
    got, want = [t.dtype for t in nest.flatten(out)], [s.dtype for s in nest.flatten(state)]
    if got != want:
        raise TypeError(f"The element types for the new state must match the initial state."
                        f" Expected {[d.name for d in want]}; got {[d.name for d in got]}.")
    captured = dataset._captured()
    inputs = (*captured, *fn.captured_tensors, *nest.flatten(state))
    attrs = {"dataset": dataset, "fn": fn, "n_captured": len(captured),
             "n_fn_captured": len(fn.captured_tensors), "eager": context.executing_eagerly(),
             "out_specs": tuple((t.dtype, s.shape) for t, s in
                                zip(nest.flatten(out), nest.flatten(state_spec)))}
    results = execute(ops.REDUCE_DATASET, inputs, attrs, "ReduceDataset")
    return nest.pack_sequence_as(state, list(results))
