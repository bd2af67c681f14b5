"""The three engines under one `fit`: eager, compiled (tf.function), and TF1 graph.

Each runs a model step (train_step, test_step or predict_step) on one numpy batch and
returns numpy results. They run the SAME step code, so the same ops in the same order:
- EagerEngine: ops run as the Python runs (`run_eagerly=True`);
- FunctionEngine: the step traced once by tf.function and replayed (the default);
- GraphEngine: eager execution disabled — the step is built once on placeholders in the
  default graph and each batch is one Session.run of its outputs and of every op with
  an effect (updates, metric states), which the plan runs in the order they were built.
"""

from __future__ import annotations

import numpy as np

from engine import context, nest
from engine.ops.core import constant, placeholder
from eager.function import Function
from graph.func_graph import effect_ops
from twinflow.keras import backend

__all__ = ["make_engine"]


def _data(batch):
    """Keras's `data` argument: (x,), (x, y) or (x, y, sample_weight) — no trailing None."""
    batch = tuple(batch)
    while len(batch) > 1 and batch[-1] is None:
        batch = batch[:-1]
    return batch


def _to_tensors(batch):
    return nest.map_structure(lambda a: constant(a), _data(batch))


def _numpy(results):
    return nest.map_structure(lambda t: None if t is None else np.asarray(t.numpy()),
                              results)


class EagerEngine:
    def __init__(self, step):
        self._step = step

    def __call__(self, batch):
        return _numpy(self._step(_to_tensors(batch)))


class FunctionEngine:
    def __init__(self, step):
        self._step = Function(step, reduce_retracing=True, name=step.__name__)

    def __call__(self, batch):
        return _numpy(self._step(_to_tensors(batch)))


class GraphEngine:
    """Builds the step once on placeholders, then runs it per batch in the Keras Session."""

    def __init__(self, step):
        self._step = step
        self._run = None

    def _build(self, batch):
        graph = context.current_executor()
        feeds = nest.map_structure(lambda a: placeholder(_dtype(a), (None,) + a.shape[1:]),
                                   _data(batch))
        start = len(graph._ops)
        results = self._step(feeds)
        built = graph._ops[start:]
        # variables first made by this build (optimizer slots...) are initialized once,
        # by get_session, never on every step
        inits = {id(v.initializer) for v in graph.get_collection("variables")}
        effects = [op for op in effect_ops(built) if id(op) not in inits]
        session = backend.get_session()  # initializes what is not initialized yet
        flat_feeds = nest.flatten(feeds)
        call = session.make_callable([nest.flatten(results), effects], flat_feeds)

        def run(batch):
            values = nest.flatten(_data(batch))
            out, _ = call(*values)
            return nest.pack_sequence_as(results, [np.asarray(v) for v in out])
        self._run = run
        self._signature = _signature(batch)

    def __call__(self, batch):
        if self._run is None or _signature(batch) != self._signature:
            self._build(batch)
        return self._run(batch)


def _dtype(array):
    from engine.dtypes import from_numpy, string
    return string if array.dtype.kind in "OSU" else from_numpy(array.dtype)


def _signature(batch):
    return tuple((a.dtype, a.shape[1:]) for a in nest.flatten(_data(batch)))


def make_engine(step, run_eagerly):
    """The engine for the current mode: graph when eager execution is disabled."""
    if not context.executing_eagerly():
        return GraphEngine(step)
    return EagerEngine(step) if run_eagerly else FunctionEngine(step)
