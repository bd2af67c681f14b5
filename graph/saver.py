"""tf.compat.v1.train.Saver: name-based checkpoints, plus the variable I/O Checkpoint shares.

A Saver maps checkpoint keys (variable names, or the keys of a dict) to variables. It
reads the values (eagerly, or with one `session.run` of the variables' read ops) and
writes them with engine.checkpoint_io; restoring checks every key, dtype and shape first
and only then assigns, so a failed restore changes nothing. In a graph the restore ops
(a placeholder and an assign per variable, grouped as `save/restore_all`) are built
once, when the Saver is made: restoring again only runs them, and the Session's plan
for them is compiled once.
"""

from __future__ import annotations

import os
import time

import numpy as np

from engine import checkpoint_io, context, dtypes, errors
from engine.checkpoint_io import (NAME_BASED, OBJECT_BASED, CheckpointReader,
                                  check_restorable, checkpoint_exists, delete_checkpoint,
                                  missing_key_error, update_checkpoint_state, write_checkpoint)
from engine.convert import _to_string_array
from engine.ops.core import placeholder
from engine.variables import Variable
from graph.graph import GraphKeys, get_default_graph
from graph.session import get_default_session
from graph.tensor import Tensor
from graph.variables_v1 import group

__all__ = ["Saver", "RestoreOps", "variable_name", "is_graph_variable", "read_variables",
           "require_session", "names_to_variables", "SAVEABLE_OBJECTS"]

SAVEABLE_OBJECTS = "saveable_objects"  # TensorFlow's GraphKeys.SAVEABLE_OBJECTS


# ---------------------------------------------------------------- variable I/O ----------

def variable_name(variable) -> str:
    """The variable's name without the ":0" output suffix ("dense/kernel")."""
    name = variable.name
    return name[:-2] if name.endswith(":0") else name


def is_graph_variable(variable) -> bool:
    """True for a variable built in a Graph: its value lives in a Session."""
    return getattr(variable, "_graph_element", None) is not None


def require_session(session, caller):
    """`session`, else the default session; ValueError naming `caller` if neither."""
    session = session if session is not None else get_default_session()
    if session is None:
        raise ValueError(f"{caller} needs a Session to read and assign graph variables: pass "
                         "session=sess, or call it inside `with tf.compat.v1.Session() as "
                         "sess:`.")
    return session


def _as_array(variable, value) -> np.ndarray:
    if variable.dtype is dtypes.string:
        return _to_string_array(value)
    return np.asarray(value, dtype=variable.dtype._np)


def read_variables(variables, session, caller) -> list:
    """The current values of `variables` as arrays: eager ones read directly, graph ones
    with ONE session.run of their prebuilt read ops (no new ops are built)."""
    in_graph = [v for v in variables if is_graph_variable(v)]
    fetched = {}
    if in_graph:
        session = require_session(session, caller)
        values = session.run([v._graph_element for v in in_graph])
        fetched = {id(v): x for v, x in zip(in_graph, values)}
    return [_as_array(v, fetched[id(v)] if id(v) in fetched else v.numpy())
            for v in variables]


class RestoreOps:
    """A placeholder and an assign op per graph variable, built once and reused.

    Restoring feeds the saved values to the placeholders and runs the assigns, so
    restoring again builds nothing and the Session reuses its compiled plan.
    """

    def __init__(self, scope="save"):
        self._scope = scope
        self._scopes = {}  # id(graph) -> the unique scope name taken in that graph
        self._ops = {}     # id(variable) -> (variable, placeholder, assign op)

    def build(self, variables) -> list:
        """The assign ops of the graph variables among `variables` (built if new)."""
        out = []
        for v in variables:
            if not is_graph_variable(v):
                continue
            if id(v) not in self._ops:
                graph = v.handle.op.graph
                scope = self._scopes.get(id(graph), self._scope)
                with graph.as_default(), graph.name_scope(scope) as taken:
                    self._scopes[id(graph)] = taken  # "save/": re-entered, not uniquified
                    value = placeholder(v.dtype, v.shape, name=f"{variable_name(v)}_value"
                                        .replace("/", "_"))
                    self._ops[id(v)] = (v, value, v.assign(value, read_value=False))
            out.append(self._ops[id(v)][2])
        return out

    def scope_in(self, graph):
        return self._scopes.get(id(graph), self._scope)

    def run(self, pairs, session, caller, fetch=None):
        """Assigns each (variable, array): eager ones now, graph ones in one session.run
        (of `fetch` if given, e.g. a grouped op, else of their assign ops)."""
        graph_pairs = [(v, x) for v, x in pairs if is_graph_variable(v)]
        if graph_pairs:
            session = require_session(session, caller)
            ops = self.build([v for v, _ in graph_pairs])
            feeds = {self._ops[id(v)][1]: x for v, x in graph_pairs}
            session.run(fetch if fetch is not None else ops, feed_dict=feeds)
        for v, x in pairs:
            if not is_graph_variable(v):
                v.assign(x)


# ---------------------------------------------------------------- var_list --------------

def _check_variable(v, where):
    if not isinstance(v, Variable):
        raise TypeError(f"Saver var_list must hold tf.Variable objects; {where} is "
                        f"{v!r} of type {type(v).__name__}.")


def names_to_variables(var_list) -> dict:
    """{checkpoint key: variable} from a list (keys = variable names) or a dict.

    Raises:
        TypeError: var_list is neither, or holds something that is not a variable.
        ValueError: two variables share a name, or one variable appears twice.
    """
    if isinstance(var_list, dict):
        out, seen = {}, {}
        for name, v in var_list.items():
            if not isinstance(name, str):
                raise TypeError(f"Saver var_list keys must be strings, got {name!r}")
            _check_variable(v, f"var_list[{name!r}]")
            if id(v) in seen:
                raise ValueError(f"Variable {v.name!r} is in var_list twice, under the "
                                 f"names {seen[id(v)]!r} and {name!r}; a variable is saved "
                                 "under one name.")
            seen[id(v)] = name
            out[name] = v
        return out
    if not isinstance(var_list, (list, tuple)):
        raise TypeError(f"Variables to save must be given as a list or a dict "
                        f"{{name: variable}}, not {type(var_list).__name__}: {var_list!r}")
    out = {}
    for i, v in enumerate(var_list):
        _check_variable(v, f"var_list[{i}]")
        name = variable_name(v)
        if name in out:
            raise ValueError(f"At least two variables in var_list are named {name!r}, so "
                             "both would be saved under one key. Give them distinct names, "
                             "or pass a dict {name: variable}.")
        out[name] = v
    return out


def _step_value(global_step, sess) -> int:
    if isinstance(global_step, (int, np.integer)):
        return int(global_step)
    if is_graph_variable(global_step) or isinstance(global_step, Tensor):
        return int(require_session(sess, "Saver.save(global_step=...)").run(global_step))
    return int(global_step)  # an eager tensor or variable


# ---------------------------------------------------------------- Saver -----------------

class Saver:
    """Saves and restores variables by name (tf.compat.v1.train.Saver).

    Args:
        var_list: a list of variables (keys are their names) or a dict {key: variable};
            None means every global variable of the default graph (graph mode only).
        max_to_keep: how many recent checkpoints to keep (None or 0: keep all).
        keep_checkpoint_every_n_hours: also keep one checkpoint per this many hours.
        name: the name scope of the restore ops (default "save").
        defer_build: build the restore ops at the first save/restore or build().
        allow_empty: an empty var_list is allowed (save() then writes nothing).
        pad_step_number: write `path-00000100` instead of `path-100`.
        reshape, sharded, restore_sequentially, saver_def, builder, write_version,
        save_relative_paths, filename: accepted for compatibility.

    Raises:
        RuntimeError: var_list is None while executing eagerly.
        ValueError: no variables to save (and not allow_empty), or duplicate names.
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=2, pad_step_number=False, save_relative_paths=False,
                 filename=None):
        if var_list is None and context.executing_eagerly():
            raise RuntimeError("When eager execution is enabled, `var_list` must name the "
                               "variables to save: a list of variables or a dict "
                               "{name: variable}.")
        self._var_list = var_list
        self._max_to_keep = max_to_keep
        self._keep_hours = keep_checkpoint_every_n_hours
        self._next_keep_time = time.time() + keep_checkpoint_every_n_hours * 3600
        self._name = name or "save"
        self._allow_empty = allow_empty
        self._pad_step_number = pad_step_number
        self._last = []        # [(prefix, time saved)], oldest first
        self._to_delete = []
        self._names = None     # {key: variable}, set by build()
        self._restore_ops = RestoreOps(self._name)
        self._restore_all = None
        self._defer_build = defer_build
        if not defer_build:  # eagerly too: a bad var_list fails here, not at save()
            self.build()

    def build(self):
        """Resolves var_list and builds the graph restore ops (once)."""
        if self._names is not None:
            return
        var_list = self._var_list
        if var_list is None:
            graph = get_default_graph()
            var_list = graph.get_collection(GraphKeys.GLOBAL_VARIABLES) + [
                x for x in graph.get_collection(SAVEABLE_OBJECTS) if isinstance(x, Variable)]
        names = names_to_variables(var_list)
        if not names and not self._allow_empty:
            raise ValueError("No variables to save: var_list is empty (or the graph has no "
                             "global variables yet). Create the variables before the Saver, "
                             "or pass allow_empty=True.")
        assigns = self._restore_ops.build(names.values())
        if assigns:
            graph = assigns[0].graph
            if all(op.graph is graph for op in assigns):
                with graph.as_default(), graph.name_scope(self._restore_ops.scope_in(graph)):
                    self._restore_all = group(*assigns, name="restore_all")
        self._names = names

    def _ensure_built(self):
        if self._names is None:
            if self._defer_build and not context.executing_eagerly():
                raise RuntimeError("build() should be called before save or restore when "
                                   "the Saver was made with defer_build=True.")
            self.build()

    @staticmethod
    def _check_session(sess, variables, what):
        if any(is_graph_variable(v) for v in variables) and not hasattr(sess, "run"):
            raise TypeError(f"'sess' must be a Session to {what} graph variables; got "
                            f"{sess!r}.")
        return sess

    @property
    def last_checkpoints(self) -> list:
        """The prefixes of the checkpoints kept, oldest first."""
        return [prefix for prefix, _ in self._last]

    def recover_last_checkpoints(self, checkpoint_paths):
        """Adopts existing checkpoints (e.g. after a restart) so max_to_keep counts them."""
        self._last = [(p, os.path.getmtime(p + checkpoint_io.INDEX_SUFFIX))
                      for p in checkpoint_paths if checkpoint_exists(p)]

    def save(self, sess, save_path, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True,
             strip_default_attrs=False, save_debug_info=False):
        """Writes the variables' values to checkpoint `save_path[-global_step]`.

        Also records it in the directory's `checkpoint` state file (write_state) and
        deletes checkpoints beyond max_to_keep. With write_meta_graph, also writes the
        meta graph to `prefix.meta`.

        Returns:
            The checkpoint prefix written (None for an empty Saver).

        Raises:
            TypeError: graph variables and `sess` is not a Session.
            ValueError: the directory cannot be created, or latest_filename is a path.
        """
        self._ensure_built()
        latest_filename = latest_filename or "checkpoint"
        if os.path.split(latest_filename)[0]:
            raise ValueError(f"'latest_filename' must be a file name in the checkpoint "
                             f"directory, not a path: {latest_filename!r}")
        variables = list(self._names.values())
        self._check_session(sess, variables, "save")
        prefix = os.fspath(save_path)
        if global_step is not None:
            step = _step_value(global_step, sess)
            prefix = f"{prefix}-{step:08d}" if self._pad_step_number else f"{prefix}-{step}"
        if not variables:
            return None
        values = read_variables(variables, sess, "Saver.save")
        entries = {key: (value, variable_name(v))
                   for (key, v), value in zip(self._names.items(), values)}
        try:
            write_checkpoint(prefix, entries, NAME_BASED)
        except errors.FailedPreconditionError as exc:
            raise ValueError(f"Cannot save to {save_path}: its parent directory cannot be "
                             f"created. {exc}") from None
        if write_meta_graph and is_graph_variable(variables[0]):
            from graph.meta_graph import write_saver_meta_graph  # noqa: PLC0415 (a cycle)
            write_saver_meta_graph(self, f"{prefix}.{meta_graph_suffix}",
                                   variables[0].handle.op.graph)
        if write_state:
            self._record(prefix)
            update_checkpoint_state(os.path.dirname(prefix), prefix, self.last_checkpoints,
                                    latest_filename)
            self._delete_old()
        return prefix

    def _record(self, prefix):
        if not self._max_to_keep:
            return
        self._last = [(p, t) for p, t in self._last if p != prefix]  # re-saved: now newest
        self._last.append((prefix, time.time()))
        if len(self._last) > self._max_to_keep:
            self._to_delete.append(self._last.pop(0))

    def _delete_old(self):
        while self._to_delete:
            prefix, saved_at = self._to_delete.pop(0)
            if saved_at > self._next_keep_time:  # one kept per keep_checkpoint_every_n_hours
                self._next_keep_time += self._keep_hours * 3600
                continue
            delete_checkpoint(prefix)

    def restore(self, sess, save_path):
        """Assigns every variable its value from checkpoint `save_path`.

        Every key, dtype and shape is checked before anything is assigned. An
        object-based checkpoint (tf.train.Checkpoint) is matched by variable name.

        Raises:
            ValueError: save_path is None or names no checkpoint.
            NotFoundError: a variable's key is not in the checkpoint.
            InvalidArgumentError: a saved value's dtype or shape does not fit.
            DataLossError: the checkpoint files are damaged.
        """
        if save_path is None:
            raise ValueError("Can't restore: save_path is None. Pass a checkpoint prefix, "
                             "e.g. tf.train.latest_checkpoint(checkpoint_dir).")
        self._ensure_built()
        save_path = os.fspath(save_path)
        variables = list(self._names.values())
        self._check_session(sess, variables, "restore")
        if not checkpoint_exists(save_path):
            raise ValueError(f"The save_path passed is not a valid checkpoint: {save_path} "
                             f"({save_path}{checkpoint_io.INDEX_SUFFIX} does not exist).")
        reader = CheckpointReader(save_path)
        lookup = _key_lookup(reader)
        pairs = []
        for key, v in self._names.items():
            found = lookup(key)
            value = reader.get_array(found)
            check_restorable(variable_name(v), v.dtype, v.shape, found, value, save_path)
            pairs.append((v, value))
        self._restore_ops.run(pairs, sess, "Saver.restore", self._restore_all)


def _key_lookup(reader):
    """key -> the checkpoint key holding it: itself in a name-based checkpoint; in an
    object-based one, the entry whose saved variable had that name."""
    if reader.kind != OBJECT_BASED:
        def by_key(key):
            if not reader.has_tensor(key):
                raise missing_key_error(key, reader.get_variable_to_shape_map(),
                                        reader.prefix)
            return key
        return by_key
    by_name = {}
    for key, name in reader.variable_names().items():
        by_name.setdefault(name, []).append(key)

    def by_name_lookup(name):
        keys = by_name.get(name)
        if not keys:
            error = missing_key_error(name, by_name, reader.prefix)
            raise type(error)(None, None, error.message + "\n  (An object-based checkpoint: a "
                              "Saver matches each variable to the saved variable of the "
                              "same name.)")
        if len(keys) > 1:
            raise errors.InvalidArgumentError(
                None, None, f"Variable name {name} matches {len(keys)} entries of the "
                f"object-based checkpoint {reader.prefix} ({', '.join(sorted(keys))}), so a "
                "Saver cannot tell which to restore. Restore it with tf.train.Checkpoint.")
        return keys[0]
    return by_name_lookup
