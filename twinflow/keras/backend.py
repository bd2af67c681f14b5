"""tf.keras.backend: layer-name counters, the float type, and TF1's Keras session.

Keras names layers dense, dense_1, ... from per-prefix counters that
`clear_session()` resets. In graph mode (eager disabled) Keras runs everything in one
Session: the default one when a `with tf.compat.v1.Session() as session:` block is
active, else one it creates for the default graph (`get_session`, `set_session`).
"""

from __future__ import annotations

import collections

from engine import context
from graph.graph import get_default_graph, reset_default_graph
from graph.session import Session, get_default_session

__all__ = ["get_uid", "reset_uids", "clear_session", "floatx", "set_floatx", "epsilon",
           "set_epsilon", "get_session", "set_session", "is_keras_tensor", "image_data_format",
           "get_value", "set_value"]

_UIDS = collections.defaultdict(int)
_FLOATX = ["float32"]
_EPSILON = [1e-7]
_SESSION = {}  # id(graph) -> the Session Keras made or was given for that graph


def get_uid(prefix=""):
    """1, 2, 3... per prefix: what makes layer names unique (dense, dense_1, ...)."""
    _UIDS[prefix] += 1
    return _UIDS[prefix]


def reset_uids():
    _UIDS.clear()


def clear_session():
    """Forgets layer names (the next Dense is `dense` again) and, in graph mode, starts a
    new default graph and Session."""
    reset_uids()
    _SESSION.clear()
    if not context.executing_eagerly() and get_default_session() is None:
        try:
            reset_default_graph()
        except AssertionError:  # inside `with graph.as_default()`: keep that graph
            pass


def floatx():
    return _FLOATX[0]


def set_floatx(value):
    _FLOATX[0] = str(value)


def epsilon():
    return _EPSILON[0]


def set_epsilon(value):
    _EPSILON[0] = float(value)


def image_data_format():
    return "channels_last"


def get_session(op_input_list=()):
    """TF1 Keras's Session: the default one if a `with Session():` block is active, else
    the one set with set_session, else a new Session on the default graph. As in Keras 2,
    the variables (and tables) not yet initialized in it are initialized first; values
    already there (trained or loaded) are kept."""
    session = get_default_session()
    if session is None:
        graph = get_default_graph()
        session = _SESSION.get(id(graph))
        if session is None or session._closed:
            session = _SESSION[id(graph)] = Session(graph=graph)
    initialize_uninitialized(session, session.graph)
    return session


def initialize_uninitialized(session, graph):
    """Runs the initializers of the global variables not yet initialized in `session`
    and the table initializers (which do nothing for tables already filled)."""
    from graph.graph import GraphKeys
    from graph.variables_v1 import is_variable_initialized
    variables = graph.get_collection(GraphKeys.GLOBAL_VARIABLES)
    checks = graph.__dict__.setdefault("_keras_init_checks", {})
    for v in variables:
        if id(v) not in checks:
            with graph.as_default():
                checks[id(v)] = is_variable_initialized(v)
    if variables:
        done = session.run([checks[id(v)] for v in variables])
        pending = [v.initializer for v, ok in zip(variables, done) if not ok]
        if pending:
            session.run(pending)
    tables = graph.get_collection(GraphKeys.TABLE_INITIALIZERS)
    if tables:
        session.run(tables)


def set_session(session):
    """Makes Keras run graph-mode work in `session`."""
    _SESSION[id(session.graph)] = session


def is_keras_tensor(x):
    from twinflow.keras.keras_tensor import KerasTensor
    return isinstance(x, KerasTensor)


def get_value(x):
    """A variable's (or tensor's) value as numpy, in either mode."""
    from twinflow.keras.weights_io import read_values
    return read_values([x])[0] if hasattr(x, "assign") else x.numpy()


def set_value(x, value):
    """Assigns a numpy value to a variable, in either mode."""
    from twinflow.keras.weights_io import assign_values
    assign_values(getattr(x, "name", "variable"), [x], [value])
