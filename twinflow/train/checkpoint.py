"""tf.train.Checkpoint and tf.train.CheckpointManager: object-based checkpoints.

A Checkpoint saves the variables reachable from the objects it is given, each under
the path of attribute names that leads to it, as TensorFlow writes them:
`model/layer/kernel/.ATTRIBUTES/VARIABLE_VALUE`, `layers/0/...` for list items, plus
`save_counter/.ATTRIBUTES/VARIABLE_VALUE`. Restoring walks the same way, so a variable
is found by where it sits in the program, not by its name.

What counts as a child (`checkpoint_children`):
- a tf.Variable is a leaf;
- an object with a `_checkpoint_children()` method returning {name: child} — the
  protocol Keras layers and optimizers implement, and Checkpoint itself;
- a tf.Module: its attributes, in the order they were set;
- a list or tuple: items named "0", "1", ...; a dict: its keys.
The walk is breadth first and visits each object once, in TensorFlow's order, so a
shared variable is saved under the same (first found) path TensorFlow would use.

Mode-agnostic: eager variables are read and assigned directly; graph variables with a
Session (`session=`, else the default one), through graph/saver.py's shared I/O. As in
TensorFlow, restoring graph variables builds (once) and prepares their restore ops,
which `status.run_restore_ops(session)` or `initialize_or_restore(session)` runs.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque

from engine import dtypes, errors
from engine.checkpoint_io import (NAME_BASED, OBJECT_BASED, CheckpointReader,
                                  check_restorable, delete_checkpoint, get_checkpoint_state,
                                  update_checkpoint_state, write_checkpoint)
from engine.module import Module
from engine.variables import Variable
from graph.saver import (RestoreOps, is_graph_variable, read_variables, require_session,
                         variable_name)
from graph.session import get_default_session
from graph.tensor import Tensor

__all__ = ["Checkpoint", "CheckpointManager", "CheckpointLoadStatus", "NameBasedSaverStatus",
           "InitializationOnlyStatus", "checkpoint_children", "object_paths", "checkpoint_key"]

_VALUE = ".ATTRIBUTES/VARIABLE_VALUE"
_MODULE_BOOKKEEPING = ("_name", "_scope_name")


# ---------------------------------------------------------------- the object walk -------

def _is_trackable(obj) -> bool:
    if isinstance(obj, (Variable, Module, list, tuple, dict)):
        return True
    return not isinstance(obj, type) and callable(getattr(obj, "_checkpoint_children", None))


def checkpoint_children(obj) -> dict:
    """{name: child} of an object, in walk order ({} for a variable or a plain value)."""
    if isinstance(obj, Variable):
        return {}
    method = getattr(obj, "_checkpoint_children", None)
    if callable(method) and not isinstance(obj, type):
        return dict(method())
    if isinstance(obj, Module):  # assignment order, as TensorFlow (not sorted)
        return {k: v for k, v in vars(obj).items() if k not in _MODULE_BOOKKEEPING}
    if isinstance(obj, (list, tuple)):
        return {str(i): x for i, x in enumerate(obj)}
    if isinstance(obj, dict):
        return {str(k): v for k, v in obj.items()}
    return {}


def _escape(name: str) -> str:
    """TensorFlow's escaping of one path component: '.' -> '..', '/' -> '.S'."""
    return name.replace(".", "..").replace("/", ".S")


def checkpoint_key(path) -> str:
    """The checkpoint key of the variable at `path` (a tuple of child names)."""
    return "/".join(_escape(p) for p in path) + "/" + _VALUE


def object_paths(root) -> list:
    """[(path, variable)] for every variable reachable from `root`, breadth first, each
    object once (a shared variable keeps its first, shortest path)."""
    out, seen = [], {id(root)}
    queue = deque([((), root)])
    while queue:
        path, obj = queue.popleft()
        for name, child in checkpoint_children(obj).items():
            if not _is_trackable(child) or id(child) in seen:
                continue
            seen.add(id(child))
            if isinstance(child, Variable):
                out.append((path + (name,), child))
            else:
                queue.append((path + (name,), child))
    return out


def _check_trackable(name, value):
    if not _is_trackable(value):
        raise ValueError(f"`Checkpoint` tracks variables, tf.Module objects, checkpoints, "
                         "objects with a `_checkpoint_children()` method, and lists, tuples "
                         f"and dicts of those; `{name}` is {value!r}, which it cannot save.")


# ---------------------------------------------------------------- load statuses ---------

def _describe(items) -> str:
    return "[" + ", ".join(f"{key} ({variable_name(v)})" for key, v in items) + "]"


class CheckpointLoadStatus:
    """What a restore matched: assert on it, and in graph mode run its restore ops."""

    def __init__(self, prefix, matched, missing, unused, pending, restore_ops):
        self._prefix = prefix
        self._matched = matched    # [(key, variable)]
        self._missing = missing    # [(key, variable)]: Python objects with no saved value
        self._unused = unused      # [key]: saved values no Python object took
        self._pending = pending    # [(graph variable, value)]: for run_restore_ops
        self._restore_ops = restore_ops

    def assert_consumed(self):
        """Every Python object got a value and every saved value was used."""
        self.assert_existing_objects_matched()
        if self._unused:
            raise AssertionError(f"{len(self._unused)} values in checkpoint {self._prefix} "
                                 "were not used by any Python object (the program may have "
                                 "lost objects since the checkpoint was written, or they are "
                                 f"not created yet): {self._unused}")
        return self

    def assert_existing_objects_matched(self):
        """Every Python object reachable now got a value from the checkpoint."""
        if self._missing:
            raise AssertionError(f"Found {len(self._missing)} Python objects with no value "
                                 f"in checkpoint {self._prefix}, likely because the program "
                                 "changed since the checkpoint was written: "
                                 f"{_describe(self._missing)}")
        return self

    def assert_nontrivial_match(self):
        """At least one object (besides the save counter) got a value."""
        if not [key for key, _ in self._matched if not key.startswith("save_counter/")]:
            raise AssertionError(f"Nothing but the save counter matched a value of checkpoint "
                                 f"{self._prefix}: it probably belongs to another program. "
                                 f"Objects with no value: {_describe(self._missing)}")
        return self

    def expect_partial(self):
        """Says a partial restore is intended (twinflow never warns about one)."""
        return self

    def run_restore_ops(self, session=None):
        """Assigns the restored values to graph variables (eager ones are already set)."""
        if self._pending:
            self._restore_ops.run(self._pending, session, "run_restore_ops")

    def initialize_or_restore(self, session=None):
        """Graph mode: initializes the objects with no saved value, restores the rest."""
        unset = [v for _, v in self._missing if is_graph_variable(v)]
        if unset:
            require_session(session, "initialize_or_restore").run(
                [v.initializer for v in unset])
        self.run_restore_ops(session)


class NameBasedSaverStatus(CheckpointLoadStatus):
    """A Checkpoint restored from a Saver's checkpoint: variables matched by name."""

    def assert_consumed(self):
        return self.assert_existing_objects_matched()  # a Saver file may hold more


class InitializationOnlyStatus(CheckpointLoadStatus):
    """restore(None): nothing is restored; initialize_or_restore initializes all."""

    def __init__(self, variables):
        super().__init__(None, [], [("", v) for v in variables], [], [], None)

    def _nothing(self):
        raise AssertionError("No checkpoint was given (save_path=None), so nothing is being "
                             "restored.")

    assert_consumed = assert_existing_objects_matched = assert_nontrivial_match = _nothing

    def run_restore_ops(self, session=None):
        return None


# ---------------------------------------------------------------- Checkpoint ------------

def _split_session(options, session):
    """TF1's Checkpoint took `session` second; TF2's takes `options`: accept both."""
    if session is None and hasattr(options, "run"):
        return options
    return session


class Checkpoint:
    """Saves and restores a program's objects (tf.train.Checkpoint).

    Args:
        root: an object whose children are saved at the top level (a variable root is
            saved under the empty path).
        **kwargs: objects to save under those names (also set as attributes).

    Raises:
        ValueError: a value that cannot be saved (e.g. a number).
    """

    def __init__(self, root=None, **kwargs):
        if root is not None:
            _check_trackable("root", root)
        for name, value in kwargs.items():
            _check_trackable(name, value)
            setattr(self, name, value)
        self._root = root
        self._save_counter = None
        self._counter_increment = None
        self._restore_ops = RestoreOps("checkpoint")

    def _checkpoint_children(self) -> dict:
        children = {}
        if isinstance(self._root, Variable):
            children[""] = self._root
        elif self._root is not None:
            children.update(checkpoint_children(self._root))
        children.update((k, v) for k, v in vars(self).items() if not k.startswith("_"))
        if self._save_counter is not None:
            children["save_counter"] = self._save_counter
        return children

    # -- the save counter ------------------------------------------------------------
    @property
    def save_counter(self):
        """An int64 variable counting save() calls (made on first use)."""
        return self._counter(get_default_session())

    def _counter(self, session):
        if self._save_counter is None:
            # with a Session, in its graph (TF1); otherwise eagerly or in the default graph
            scope = session.graph.as_default() if session is not None \
                else contextlib.nullcontext()
            with scope:
                self._save_counter = Variable(0, dtype=dtypes.int64, trainable=False,
                                              name="save_counter")
        return self._save_counter

    def _increment_counter(self, session) -> int:
        """save_counter += 1 (initializing it first in a new Session); the new value."""
        counter = self._counter(session)
        if not is_graph_variable(counter):
            counter.assign_add(1)
            return int(counter.numpy())
        session = require_session(session, "Checkpoint.save")
        if self._counter_increment is None:
            with counter.handle.op.graph.as_default():
                self._counter_increment = counter.assign_add(1)
        try:
            return int(session.run(self._counter_increment))
        except errors.FailedPreconditionError:
            session.run(counter.initializer)
            return int(session.run(self._counter_increment))

    # -- saving ----------------------------------------------------------------------
    def write(self, file_prefix, options=None, session=None):
        """Writes checkpoint `file_prefix` exactly: no counter, no state file.

        Returns:
            The prefix written.
        """
        session = _split_session(options, session)
        paths = object_paths(self)
        values = read_variables([v for _, v in paths], session, "Checkpoint.write")
        entries = {checkpoint_key(path): (value, variable_name(v))
                   for (path, v), value in zip(paths, values)}
        return write_checkpoint(os.fspath(file_prefix), entries, OBJECT_BASED)

    def save(self, file_prefix, options=None, session=None):
        """Increments save_counter to n, writes `file_prefix-n` and records it in the
        directory's `checkpoint` state file.

        Returns:
            The prefix written, e.g. "dir/ckpt-1".
        """
        session = _split_session(options, session) or get_default_session()
        number = self._increment_counter(session)
        path = self.write(f"{os.fspath(file_prefix)}-{number}", session=session)
        update_checkpoint_state(os.path.dirname(path), path, [path])
        return path

    def sync(self):
        """Waits for pending writes: twinflow writes synchronously, so none."""

    # -- restoring -------------------------------------------------------------------
    def restore(self, save_path, options=None):
        """Restores the objects' values from checkpoint `save_path`.

        Eager variables are set now; graph variables when the status's
        run_restore_ops(session) runs. A checkpoint written by a Saver is matched by
        variable name. restore(None) restores nothing.

        Returns:
            A status object (assert_consumed(), run_restore_ops(), ...).

        Raises:
            NotFoundError: no checkpoint at save_path.
            InvalidArgumentError: a saved dtype or shape does not fit its variable.
            DataLossError: the checkpoint files are damaged.
        """
        if save_path is None:
            return InitializationOnlyStatus([v for _, v in object_paths(self)])
        reader = CheckpointReader(os.fspath(save_path))
        self._counter(get_default_session())  # restore it too, so numbering continues
        by_name = reader.kind == NAME_BASED
        matched, missing, pairs = [], [], []
        for path, v in object_paths(self):
            key = variable_name(v) if by_name else checkpoint_key(path)
            if not reader.has_tensor(key):
                if not (by_name and v is self._save_counter):
                    missing.append((key, v))
                continue
            value = reader.get_array(key)
            check_restorable(variable_name(v), v.dtype, v.shape, key, value, reader.prefix)
            matched.append((key, v))
            pairs.append((v, value))
        used = {key for key, _ in matched}
        unused = sorted(k for k in reader.get_variable_to_shape_map() if k not in used)
        pending = [(v, x) for v, x in pairs if is_graph_variable(v)]
        self._restore_ops.run([(v, x) for v, x in pairs if not is_graph_variable(v)], None,
                              "Checkpoint.restore")
        cls = NameBasedSaverStatus if by_name else CheckpointLoadStatus
        return cls(reader.prefix, matched, missing, unused, pending, self._restore_ops)

    def read(self, save_path, options=None):
        """Restores from a checkpoint written by write() (the same as restore here)."""
        return self.restore(save_path, options)


# ---------------------------------------------------------------- CheckpointManager -----

class CheckpointManager:
    """Numbers, records and prunes the checkpoints of one Checkpoint in a directory.

    Args:
        checkpoint: the tf.train.Checkpoint to save.
        directory: where checkpoints and the `checkpoint` state file go.
        max_to_keep: how many recent checkpoints to keep (None: all).
        keep_checkpoint_every_n_hours: also keep one checkpoint per this many hours.
        checkpoint_name: the prefix's file name ("ckpt" -> ckpt-1, ckpt-2...).
        step_counter, checkpoint_interval: save() only when the step counter moved
            at least `checkpoint_interval` since the last save.
        init_fn: what restore_or_initialize() calls when there is no checkpoint.

    Raises:
        ValueError: max_to_keep is not a positive int or None; checkpoint_interval
            without step_counter.
    """

    def __init__(self, checkpoint, directory, max_to_keep, keep_checkpoint_every_n_hours=None,
                 checkpoint_name="ckpt", step_counter=None, checkpoint_interval=None,
                 init_fn=None, last_checkpoint_step=None):
        if max_to_keep is not None and (not isinstance(max_to_keep, int) or max_to_keep <= 0):
            raise ValueError(f"`max_to_keep` must be a positive integer or None, got "
                             f"{max_to_keep!r}.")
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("`checkpoint_interval` needs a `step_counter` to measure the "
                             "interval with.")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._prefix = os.path.join(self._directory, checkpoint_name)
        self._max_to_keep = max_to_keep
        self._keep_hours = keep_checkpoint_every_n_hours
        self._step_counter = step_counter
        self._interval = checkpoint_interval
        self._init_fn = init_fn
        self._last_step = last_checkpoint_step
        self._recover()

    def _recover(self):
        """Adopts the checkpoints the directory's state file lists (after a restart)."""
        state = get_checkpoint_state(self._directory)
        now = time.time()
        self._maybe_delete = {}  # prefix -> time saved, oldest first
        if state is None:
            self._latest = None
            self._last_preserved = now
            return
        self._latest = state.model_checkpoint_path
        self._last_preserved = min(state.last_preserved_timestamp, now)
        stamps = state.all_model_checkpoint_timestamps or \
            [self._last_preserved] * len(state.all_model_checkpoint_paths)
        for path, stamp in zip(state.all_model_checkpoint_paths, stamps):
            if min(stamp, now) >= self._last_preserved:
                self._maybe_delete[path] = min(stamp, now)

    directory = property(lambda self: self._directory)
    checkpoint = property(lambda self: self._checkpoint)
    checkpoint_interval = property(lambda self: self._interval)
    latest_checkpoint = property(lambda self: self._latest,
                                 doc="The newest checkpoint's prefix, or None.")

    @property
    def checkpoints(self) -> list:
        """The prefixes of the checkpoints kept (and still deletable), oldest first."""
        return list(self._maybe_delete)

    def _int_value(self, value) -> int:
        if isinstance(value, int):
            return value
        if is_graph_variable(value) or isinstance(value, Tensor):
            return int(require_session(None, "CheckpointManager.save").run(value))
        return int(value)

    def save(self, checkpoint_number=None, check_interval=True, options=None):
        """Saves `directory/checkpoint_name-<n>` (n: checkpoint_number, else the
        Checkpoint's save_counter after incrementing it), then prunes old checkpoints
        and updates the state file.

        Returns:
            The prefix written, or None when the step interval has not passed.
        """
        step = None
        if self._step_counter is not None and self._interval is not None:
            step = self._int_value(self._step_counter)
            if check_interval and self._last_step is not None \
                    and step < self._last_step + self._interval:
                return None
        session = get_default_session()
        number = self._checkpoint._increment_counter(session)
        if checkpoint_number is not None:
            number = self._int_value(checkpoint_number)
        path = self._checkpoint.write(f"{self._prefix}-{number}", session=session)
        self._maybe_delete.pop(path, None)
        self._maybe_delete[path] = time.time()
        self._latest = path
        self._sweep()
        update_checkpoint_state(self._directory, self._latest, list(self._maybe_delete),
                                all_model_checkpoint_timestamps=list(self._maybe_delete.values()),
                                last_preserved_timestamp=self._last_preserved)
        if step is not None:
            self._last_step = step
        return path

    def _sweep(self):
        """Deletes the oldest checkpoints beyond max_to_keep (keeping one per N hours)."""
        if not self._max_to_keep:
            return
        while len(self._maybe_delete) > self._max_to_keep:
            path = next(iter(self._maybe_delete))
            saved_at = self._maybe_delete.pop(path)
            if self._keep_hours and \
                    saved_at - self._keep_hours * 3600 >= self._last_preserved:
                self._last_preserved = saved_at
                continue
            delete_checkpoint(path)

    def restore_or_initialize(self):
        """Restores the latest checkpoint and returns its prefix; with none, calls
        init_fn (if given) and returns None."""
        if self._latest is not None:
            status = self._checkpoint.restore(self._latest)
            status.run_restore_ops()  # graph variables: in the default Session
            return self._latest
        if self._init_fn is not None:
            self._init_fn()
        return None

    def sync(self):
        """Waits for pending writes: twinflow writes synchronously, so none."""
