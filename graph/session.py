"""Session: runs pruned, compiled plans of a Graph over its own resource store.

`run(fetches, feed_dict)` flattens any nesting of fetches, checks the feeds against
their tensors' dtypes and static shapes, compiles (once per graph version, fetches and
feeds) a plan with graph.plan, runs it, and rebuilds the fetch structure. Variable
values live in the Session's store, so two Sessions over one graph are independent.
"""

from __future__ import annotations

import contextlib
import sys
import threading

import numpy as np

from engine import nest
from engine.convert import to_array
from engine.resources import ResourceStore
from graph.graph import get_default_graph
from graph.passes import options_key
from graph.plan import compile_plan, kernel_failure
from graph.tensor import Tensor

__all__ = ["Session", "InteractiveSession", "get_default_session"]


class _SessionStack(threading.local):
    def __init__(self):
        self.stack = []


_sessions = _SessionStack()


def get_default_session():
    """The innermost session entered with `with session:` / as_default(), or None."""
    return _sessions.stack[-1] if _sessions.stack else None


def _session_or_default(session, what):
    session = session or get_default_session()
    if session is None:
        raise ValueError(f"Cannot evaluate {what!r} using `eval()` or `run()`: No default "
                         "session is registered. Use `with sess.as_default()` or pass an "
                         "explicit session to `eval(session=sess)`")
    return session


class Session:
    """Runs operations of a graph: `with tf.compat.v1.Session() as sess: sess.run(y)`.

    Args:
        target, config: accepted for compatibility (twinflow runs in-process on the CPU).
        graph: the graph to run (default: the default graph).
    """

    def __init__(self, target="", graph=None, config=None):
        self._graph = graph if graph is not None else get_default_graph()
        self._pass_options = _pass_options(config)
        self._store = ResourceStore()
        self._plans = {}
        self._closed = False
        self._compile_lock = threading.Lock()
        self._default_cm = None

    graph = property(lambda self: self._graph)

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """The values of `fetches` (any nesting), given `feed_dict` values.

        Raises:
            RuntimeError: the session is closed.
            ValueError / TypeError: a fetch or feed that is not of this graph, or a fed
                value whose shape does not fit its tensor.
            InvalidArgumentError, FailedPreconditionError, ...: an op failed (named).
        """
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        leaves = nest.flatten(fetches)
        targets = [self._graph.as_graph_element(f) for f in leaves]
        feed_tensors, feed_values = self._feeds(feed_dict)
        values = self._run_targets(targets, feed_tensors, feed_values)
        return nest.pack_sequence_as(fetches, [_fetched(v) for v in values]) \
            if nest.is_nested(fetches) else _fetched(values[0])

    def _run_targets(self, targets, feed_tensors, feed_values):
        key = (self._graph.version, tuple(map(id, targets)), tuple(map(id, feed_tensors)),
               options_key(self._pass_options))
        plan = self._plans.get(key)
        if plan is None:
            with self._compile_lock:
                plan = compile_plan(self._graph, targets, feed_tensors,
                                    self._pass_options or None)
                self._plans[key] = plan
        try:
            return plan.fn(self._store, feed_values)
        except Exception as exc:  # noqa: BLE001 - re-raised as the op's tf.errors class
            raise kernel_failure(plan, exc, sys.exc_info()[2]) from None

    def _feeds(self, feed_dict):
        if not feed_dict:
            return (), ()
        tensors, values = [], []
        for key, value in feed_dict.items():
            tensor = self._graph.as_graph_element(key)
            if not isinstance(tensor, Tensor):
                raise TypeError(f"The value of a feed cannot be fed to an Operation: {key!r}; "
                                "feed one of its output tensors (e.g. 'name:0').")
            tensors.append(tensor)
            values.append(_feed_value(tensor, value))
        return tensors, values

    def explain(self, fetches, feed_dict=None):
        """A dry run: what Session.run(fetches, feed_dict) would execute, and why.

        Returns:
            An Explanation (print it): the pruned ops, the feeds needed, the variables,
            tables and iterators that must be initialized, and what each graph pass did.
        """
        from graph.explain import explain
        leaves = nest.flatten(fetches)
        targets = [self._graph.as_graph_element(f) for f in leaves]
        feed_tensors = [self._graph.as_graph_element(k) for k in (feed_dict or {})]
        return explain(self._graph, targets, feed_tensors, self._pass_options or None)

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function running `fetches` whose positional arguments feed `feed_list`."""
        leaves = nest.flatten(fetches)
        targets = [self._graph.as_graph_element(f) for f in leaves]
        feed_tensors = [self._graph.as_graph_element(f) for f in (feed_list or [])]
        converters = [_feed_converter(t) for t in feed_tensors]

        def call(*feed_values):
            if len(feed_values) != len(feed_tensors):
                raise TypeError(f"Expected {len(feed_tensors)} feed values, got "
                                f"{len(feed_values)}")
            values = self._run_targets(targets, feed_tensors,
                                       [convert(v) for convert, v in
                                        zip(converters, feed_values)])
            values = [_fetched(v) for v in values]
            return nest.pack_sequence_as(fetches, values) if nest.is_nested(fetches) \
                else values[0]
        return call

    def close(self):
        """Frees the session's variable values; later run() calls raise RuntimeError."""
        self._closed = True
        self._store = None
        self._plans = {}

    @contextlib.contextmanager
    def as_default(self):
        """Makes this the session `Tensor.eval()` and `Operation.run()` use."""
        _sessions.stack.append(self)
        try:
            with self._graph.as_default():
                yield self
        finally:
            _sessions.stack.remove(self)

    def __enter__(self):
        self._default_cm = self.as_default()
        self._default_cm.__enter__()
        return self

    def __exit__(self, *exc_info):
        cm, self._default_cm = self._default_cm, None
        cm.__exit__(*exc_info)
        self.close()

    def __del__(self):
        self._store = None


class InteractiveSession(Session):
    """A Session that makes itself the default on creation (for shells and notebooks)."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        _sessions.stack.append(self)

    def close(self):
        if self in _sessions.stack:
            _sessions.stack.remove(self)
        super().close()


def _pass_options(config):
    """Graph-pass switches from a tf.compat.v1.ConfigProto (None: the global ones)."""
    graph_options = getattr(config, "graph_options", None)
    return graph_options.as_options() if graph_options is not None else {}


def _feed_value(tensor, value):
    """A fed value as an array of the tensor's dtype; ValueError if its shape cannot fit."""
    return _feed_converter(tensor)(value)


def _feed_converter(tensor):
    """`_feed_value` for one tensor, its dtype and static dims read once (make_callable
    keeps these: a fed array of the right dtype is then only checked, never copied)."""
    np_dtype, is_string = tensor.dtype._np, tensor.dtype.name == "string"
    dims = None if tensor.shape.rank is None else tuple(tensor.shape.as_list())

    def convert(value):
        if hasattr(value, "_value"):  # an eager tensor
            value = value._value
        if type(value) is np.ndarray and value.dtype == np_dtype and not is_string:
            array = value
        else:
            try:
                array = to_array(value, tensor.dtype) if not isinstance(value, np.ndarray) \
                    else np.asarray(value, dtype=np_dtype) if not is_string \
                    else to_array(value, tensor.dtype)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"Cannot feed {value!r} to {tensor.name!r} of dtype "
                                f"{tensor.dtype.name}: {exc}") from None
        if dims is not None:
            shape = array.shape
            fits = len(shape) == len(dims)
            if fits:
                for want, got in zip(dims, shape):
                    if want is not None and want != got:
                        fits = False
                        break
            if not fits:
                raise ValueError(f"Cannot feed value of shape {array.shape!r} for Tensor "
                                 f"{tensor.name!r}, which has shape {tensor.shape}")
        return array
    return convert


def _fetched(value):
    """numpy values as TensorFlow's Session returns them (0-d arrays as numpy scalars)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value



