"""What `fit`, `evaluate` and `predict` accept, as batches of numpy arrays.

numpy arrays, tensors, lists and dicts of them (x and y), or a tf.data.Dataset of
(x, y[, sample_weight]) batches. Arrays are shuffled once per epoch by a numpy
generator seeded from the TensorFlow seed of the current mode, so the same program
sees the same batches eagerly, compiled and in a TF1 Session.
"""

from __future__ import annotations

import numpy as np

from engine import nest
from engine.ops.random import _seed_state
from engine.tensor_base import TensorBase

__all__ = ["ArrayData", "DatasetData", "make_data", "split_validation", "unpack",
           "whole_batch"]


def _to_numpy(value):
    if value is None:
        return None
    if isinstance(value, TensorBase):
        return np.asarray(value.numpy())
    return np.asarray(value)


def _is_scalars(value):
    """Keras 2's lists of scalars (nested to any depth): one array, made by numpy."""
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    return isinstance(value, (bool, int, float, complex, str, bytes, np.generic))


def _as_arrays(structure):
    """numpy arrays in the structure of x (or y): a list of numbers is ONE array."""
    if structure is None:
        return None
    if isinstance(structure, dict):
        return {k: _as_arrays(v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        if structure and _is_scalars(structure):
            return np.asarray(structure)
        return type(structure)(_as_arrays(v) for v in structure) \
            if type(structure) in (list, tuple) else nest.map_structure(_to_numpy, structure)
    return _to_numpy(structure)


def _length(structure):
    lengths = {len(a) for a in nest.flatten(structure) if a is not None}
    if len(lengths) > 1:
        raise ValueError(f"Data cardinality is ambiguous: the arrays have different numbers "
                         f"of samples {sorted(lengths)}. Make sure all arrays contain the "
                         "same number of samples.")
    return lengths.pop() if lengths else 0


def _take(structure, index):
    return nest.map_structure(lambda a: None if a is None else a[index], structure)


class ArrayData:
    """In-memory data cut into batches (the last one may be shorter)."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False,
                 class_weight=None, steps=None):
        self.x, self.y = _as_arrays(x), _as_arrays(y)
        self.sample_weight = _as_arrays(sample_weight)
        self.n = _length([a for a in (self.x, self.y) if a is not None])
        if self.y is not None and _length(self.y) != _length(self.x):
            raise ValueError(f"Data cardinality is ambiguous: x sizes: {_length(self.x)}, "
                             f"y sizes: {_length(self.y)}. Make sure all arrays contain the "
                             "same number of samples.")
        if class_weight is not None:
            self.sample_weight = _class_weights(self.y, class_weight, self.sample_weight)
        self.batch_size = int(batch_size or 32)
        self.shuffle = shuffle
        seed = _seed_state().seed
        self._rng = np.random.default_rng(seed)
        self.steps = steps or max(1, -(-self.n // self.batch_size))

    def batches(self):
        """One epoch: (x, y, sample_weight) numpy batches."""
        order = self._rng.permutation(self.n) if self.shuffle else None
        for step in range(self.steps):
            lo = (step * self.batch_size) % max(self.n, 1)
            index = slice(lo, lo + self.batch_size) if order is None else \
                order[lo:lo + self.batch_size]
            yield (_take(self.x, index), _take(self.y, index),
                   None if self.sample_weight is None else self.sample_weight[index])


class DatasetData:
    """A tf.data.Dataset already batched: each element is x, (x, y) or (x, y, weight).

    Keras 2 keeps ONE iterator across epochs when `steps` is given and is not the
    dataset's size (`fit(ds.repeat(), steps_per_epoch=2)` continues where the last epoch
    stopped); otherwise each epoch starts the dataset again. `exhausted` is set when a
    kept iterator ran out, which ends training with Keras's warning.
    """

    def __init__(self, dataset, steps=None):
        self.dataset, self.steps, self.exhausted = dataset, steps, False
        n = dataset._cardinality()
        self._keep = steps is not None and n != steps
        if steps is None:
            self.steps = n if n >= 0 else None
        self._iterator = None  # the kept eager iterator, or the Session it started in
        self._graph_iterator = None  # (graph, initializer, get_next) in TF1 mode
        self.epochs = None  # fit sets it: the warning names steps * epochs

    def batches(self):
        """One epoch of (x, y, sample_weight) batches."""
        from engine import context
        if not self._keep:
            self._iterator = None
        next_element = self._eager_next if context.executing_eagerly() else \
            self._session_next()
        step = 0
        while not self.exhausted and (self.steps is None or step < self.steps):
            element = next_element()
            if element is None:
                break
            yield unpack(element)
            step += 1

    def _ran_out(self):
        """After the last element: a kept iterator warns as Keras 2 does."""
        if self._keep:
            import warnings
            self.exhausted, self._iterator = True, None
            total = f" (in this case, {self.epochs * self.steps} batches)" if self.epochs \
                else ""
            warnings.warn("Your input ran out of data; interrupting training. Make sure "
                          "that your dataset or generator can generate at least "
                          f"`steps_per_epoch * epochs` batches{total}. You may need to use "
                          "the repeat() function when building your dataset.", stacklevel=4)

    def _eager_next(self):
        from twinflow.data.iterators import NumpyIterator
        if self._iterator is None:
            self._iterator = NumpyIterator(self.dataset)
        try:
            return next(self._iterator)
        except StopIteration:
            self._ran_out()
            return None

    def _session_next(self):
        """TF1 mode: an initializable iterator in the default graph, run by the Keras
        Session — initialized each epoch (once per Session if kept)."""
        from engine import context, errors
        from twinflow.data.iterators import make_initializable_iterator
        from twinflow.keras.backend import get_session
        graph = context.current_executor()
        if self._graph_iterator is None or self._graph_iterator[0] is not graph:
            iterator = make_initializable_iterator(self.dataset)
            self._graph_iterator = (graph, iterator.initializer, iterator.get_next())
        _, initializer, get_next = self._graph_iterator
        session = get_session()
        if not self._keep or self._iterator is not session:
            session.run(initializer)
            self._iterator = session if self._keep else None

        def next_element():
            try:
                return session.run(get_next)
            except errors.OutOfRangeError:
                self._ran_out()
                return None
        return next_element


def unpack(element):
    """(x, y, sample_weight) from a dataset element or a data tuple."""
    if isinstance(element, tuple):
        if len(element) == 1:
            return element[0], None, None
        if len(element) == 2:
            return element[0], element[1], None
        return element[0], element[1], element[2]
    return element, None, None


def make_data(x, y=None, sample_weight=None, batch_size=None, shuffle=False,
              class_weight=None, steps=None):
    """The batch source for x (a Dataset, or arrays)."""
    from twinflow.data.dataset import Dataset
    if isinstance(x, Dataset):
        if y is not None:
            raise ValueError("`y` argument is not supported when using dataset as input.")
        return DatasetData(x, steps)
    return ArrayData(x, y, sample_weight, batch_size, shuffle, class_weight, steps)


def whole_batch(x, y=None, sample_weight=None, class_weight=None):
    """*_on_batch's one batch: all of x (and y, sample_weight) as numpy arrays."""
    data = ArrayData(x, y, sample_weight, class_weight=class_weight)
    return data.x, data.y, data.sample_weight


def split_validation(x, y, sample_weight, validation_split):
    """Keras's rule: the LAST fraction of the samples (before any shuffling)."""
    x, y, sample_weight = _as_arrays(x), _as_arrays(y), _as_arrays(sample_weight)
    n = _length([a for a in (x, y) if a is not None])
    cut = int(n * (1.0 - validation_split))
    first, last = slice(0, cut), slice(cut, n)
    return ((_take(x, first), _take(y, first),
             None if sample_weight is None else sample_weight[first]),
            (_take(x, last), _take(y, last),
             None if sample_weight is None else sample_weight[last]))


def _class_weights(y, class_weight, sample_weight):
    labels = np.asarray(y)
    labels = labels.argmax(-1) if labels.ndim > 1 and labels.shape[-1] > 1 else \
        labels.reshape(len(labels))
    weights = np.array([class_weight.get(int(label), 1.0) for label in labels], np.float32)
    return weights if sample_weight is None else weights * sample_weight
