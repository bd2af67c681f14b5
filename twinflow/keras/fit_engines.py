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

from eager.function import Function
from engine import context, nest
from engine.ops.core import constant, placeholder
from graph.func_graph import effect_ops
from graph.session import get_default_session
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
    """Builds the step once on placeholders, then runs it per batch in the CURRENT Keras
    Session (backend.get_session()): a second `with Session():` over the same graph gets
    its own callable, since each Session holds its own variable values."""

    def __init__(self, step):
        self._step = step
        self._built = None  # (graph, signature, results, fetches, feeds)
        self._session = self._call = None

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
        self._built = (graph, _signature(batch), results,
                       [nest.flatten(results), effects], nest.flatten(feeds))
        self._session = self._call = None

    def _bind(self):
        """The callable for the Session Keras would run in now (made on a change)."""
        session = get_default_session()
        if session is None or session._closed or session.graph is not self._built[0]:
            session = backend._SESSION.get(id(self._built[0]))
        if session is not self._session or session is None or session._closed:
            session = backend.get_session()  # initializes what is not initialized yet
            self._session = session
            self._call = session.make_callable(self._built[3], self._built[4])
        return self._call

    def __call__(self, batch):
        if self._built is None or self._built[0] is not context.current_executor() or \
                _signature(batch) != self._built[1]:
            self._build(batch)
        out, _ = self._bind()(*nest.flatten(_data(batch)))
        return nest.pack_sequence_as(self._built[2], [np.asarray(v) for v in out])


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
