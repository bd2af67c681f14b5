"""Where an op goes: the per-thread stack of executors, and `execute`.

The mode is decided here and only here. The executor on top of the stack is either
the eager executor (runs the kernel now) or a Graph (adds an Operation). eager/ and
graph/ register themselves; engine/ imports neither.

An executor provides `run_op(opdef, inputs, attrs, name)` and `is_eager`.
"""

from __future__ import annotations

import contextlib
import threading

__all__ = ["execute", "executing_eagerly", "push_executor", "executor_scope",
           "current_executor", "set_default_executor_factory"]

_default_executor_factory = None


def set_default_executor_factory(factory) -> None:
    """Registers what sits at the bottom of each thread's stack (eager/ registers itself)."""
    global _default_executor_factory
    _default_executor_factory = factory
    _state.__dict__.pop("stack", None)  # threads that already started rebuild lazily


class _ThreadState(threading.local):
    """Per-thread executor stack; `run_op` caches the top executor's bound method."""

    def __getattr__(self, attr):  # first use in a thread: build the bottom executor
        if attr not in ("stack", "run_op"):
            raise AttributeError(attr)
        if _default_executor_factory is None:
            raise RuntimeError("No executor is registered: import twinflow, not engine alone")
        self.stack = [_default_executor_factory()]
        self.run_op = self.stack[-1].run_op
        return getattr(self, attr)


_state = _ThreadState()


def execute(op, inputs, attrs=None, name=None):
    """Runs or builds `op` on `inputs` with the executor on top of this thread's stack."""
    return _state.run_op(op, inputs, attrs, name)


def current_executor():
    return _state.stack[-1]


def executing_eagerly() -> bool:
    """True when ops run at once (TF2 default); False while building a graph."""
    return _state.stack[-1].is_eager


def push_executor(executor) -> None:
    _state.stack.append(executor)
    _state.run_op = executor.run_op


def pop_executor(executor) -> None:
    stack = _state.stack
    if stack[-1] is not executor:
        raise RuntimeError("Executor scopes were exited out of order "
                           "(a `with graph.as_default()` block closed inside another)")
    stack.pop()
    _state.run_op = stack[-1].run_op


def replace_bottom_executor(executor) -> None:
    """Makes `executor` the bottom of this thread's stack (disable_eager_execution)."""
    stack = _state.stack
    stack[0] = executor
    _state.run_op = stack[-1].run_op


@contextlib.contextmanager
def executor_scope(executor):
    """`with executor_scope(ex):` sends every op built inside to `ex`."""
    push_executor(executor)
    try:
        yield executor
    finally:
        pop_executor(executor)


@contextlib.contextmanager
def init_scope():
    """Ops built inside go to the nearest executor that is not tracing a function (a
    tf.function creates its variables there: eagerly, or in the enclosing TF1 graph)."""
    executor = next(e for e in reversed(_state.stack) if not getattr(e, "lifts_variables",
                                                                       False))
    with executor_scope(executor):
        yield executor


def variable_accessed(variable) -> None:
    """Tells the current executor a variable is read (eager tapes auto-watch it), and
    any active variable watcher (tf.custom_gradient's)."""
    hook = getattr(_state.stack[-1], "variable_accessed", None)
    if hook is not None:
        hook(variable)
    watchers = getattr(_watchers, "active", None)
    if watchers:
        for watcher in watchers:
            watcher(variable)


_watchers = threading.local()


@contextlib.contextmanager
def watch_variables(watcher):
    """`watcher(variable)` is called for every variable read inside the block."""
    active = getattr(_watchers, "active", None)
    if active is None:
        active = _watchers.active = []
    active.append(watcher)
    try:
        yield watcher
    finally:
        active.remove(watcher)


class name_scope:  # noqa: N801 - TensorFlow's name
    """`with tf.name_scope("layer1"):` prefixes the names of ops built inside.

    Eagerly ops have no names worth keeping, so this only tracks the scope; a Graph
    executor (graph mode) provides `name_scope(name)` and does the real naming.
    """

    def __init__(self, name, default_name=None, values=None):
        self._name = name if name is not None else default_name
        self._inner = None

    @property
    def name(self):
        return self._name

    def __enter__(self):
        scope = getattr(_state.stack[-1], "name_scope", None)
        if scope is None:
            return (self._name or "") + "/"
        self._inner = scope(self._name)
        return self._inner.__enter__()

    def __exit__(self, *exc_info):
        if self._inner is not None:
            inner, self._inner = self._inner, None
            return inner.__exit__(*exc_info)
        return False


def bottom_executor():
    """The executor at the bottom of this thread's stack (eager, or a default Graph)."""
    return _state.stack[0]


def variable_created(variable) -> None:
    """Tells the current executor a variable was built (a Graph puts it in collections)."""
    hook = getattr(_state.stack[-1], "variable_created", None)
    if hook is not None:
        hook(variable)


def restore_eager_bottom() -> None:
    """Puts a fresh eager executor back at the bottom (enable_eager_execution)."""
    replace_bottom_executor(_default_executor_factory())
