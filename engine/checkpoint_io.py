"""The one on-disk checkpoint format: `P.index` (JSON) + `P.data-00000-of-00001` (.npz).

Both tf.compat.v1.train.Saver and tf.train.Checkpoint write through `write_checkpoint`
and read through `CheckpointReader`, so either can restore what the other wrote. The
index is the commit marker: the data file is moved into place first, the index last,
each from a temporary file in the same directory, so a crash never leaves a prefix
whose index points at half-written data. Nothing is pickled: arrays go through
`np.savez`/`np.load(allow_pickle=False)`, strings as fixed-width bytes plus their
lengths (fixed-width bytes would otherwise drop trailing NULs).

The index:

    {"format": "twinflow-checkpoint", "version": 1, "kind": "name-based" | "object-based",
     "entries": {key: {"dtype": "float32", "shape": [2], "crc32": ..., "name": "w",
                       "member": "t0"}}}

`name` is the saved variable's own name (without ":0"), so a Saver can restore an
object-based checkpoint by variable name, and a Checkpoint a name-based one.

The `checkpoint` state file next to the checkpoints uses TensorFlow's text format
(`model_checkpoint_path: "model-100"` ...) with paths relative to its directory.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
import tempfile
import zlib

import numpy as np

from engine import dtypes, errors
from engine.convert import _to_string_array
from engine.infer import fmt_shape

__all__ = ["NAME_BASED", "OBJECT_BASED", "DATA_SUFFIX", "INDEX_SUFFIX", "write_checkpoint",
           "CheckpointReader", "load_checkpoint", "load_variable", "list_variables",
           "checkpoint_exists",
           "delete_checkpoint", "CheckpointState", "get_checkpoint_state",
           "update_checkpoint_state", "latest_checkpoint", "missing_key_error",
           "check_restorable"]

NAME_BASED = "name-based"
OBJECT_BASED = "object-based"
INDEX_SUFFIX = ".index"
DATA_SUFFIX = ".data-00000-of-00001"
_FORMAT = "twinflow-checkpoint"
_VERSION = 1


# ------------------------------------------------------------------ writing -------------

def _encode(key, value):
    """(dtype name, array to store, lengths or None): strings become 'S' + lengths."""
    array = np.asarray(value) if not isinstance(value, np.ndarray) else value
    if array.dtype.kind in "OSU":
        try:
            strings = _to_string_array(array)
        except TypeError as exc:
            raise TypeError(f"Cannot save {key!r}: values of numpy dtype {array.dtype} must "
                            f"be strings to have a checkpoint format ({exc}).") from None
        flat = strings.ravel()
        lengths = np.fromiter((len(s) for s in flat), dtype=np.int64, count=flat.size)
        stored = np.array(strings.tolist(), dtype="S").reshape(strings.shape) \
            if strings.ndim else np.array(strings.item(), dtype="S")
        if stored.dtype.itemsize == 0:  # every string empty: numpy wants width >= 1
            stored = stored.astype("S1")
        return "string", stored, lengths.reshape(strings.shape)
    try:
        dtype = dtypes.as_dtype(array.dtype)
    except TypeError:
        dtype = None
    if dtype is None or dtype._np.kind == "O":
        raise TypeError(f"Cannot save {key!r}: values of numpy dtype {array.dtype} have no "
                        "checkpoint format (numbers, bools and strings do).")
    return dtype.name, np.asarray(array, order="C"), None


def _crc(*arrays) -> int:
    crc = 0
    for array in arrays:
        if array is not None:
            crc = zlib.crc32(array.tobytes(), crc)  # tobytes() is C order
    return crc


def _make_dirs(directory: str) -> None:
    """Creates `directory` (and parents); a file in the way is FailedPreconditionError."""
    try:
        os.makedirs(directory, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise errors.FailedPreconditionError(
            None, None, f"{directory} is not a directory: cannot write a checkpoint into it "
            "(a file of that name, or in its path, is in the way).") from None
    if not os.path.isdir(directory):
        raise errors.FailedPreconditionError(None, None, f"{directory} is not a directory")


def _temp_file(directory: str, final: str, write) -> str:
    """Writes with `write(fileobj)` to a new temporary file next to `final`; its path."""
    fd, path = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(final)}.",
                                suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        _remove(path)
        raise
    return path


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def write_checkpoint(prefix, entries, kind: str) -> str:
    """Writes `entries` ({key: (value, variable name)}) as checkpoint `prefix`.

    Returns:
        The prefix written.

    Raises:
        FailedPreconditionError: the directory cannot be created (a file is in the way).
        TypeError: a value has no checkpoint format (e.g. a Python object).
    """
    prefix = os.fspath(prefix)
    arrays, index_entries = {}, {}
    for i, (key, (value, name)) in enumerate(entries.items()):
        dtype_name, stored, lengths = _encode(key, value)
        member = f"t{i}"
        arrays[member] = stored
        entry = {"dtype": dtype_name, "shape": list(stored.shape), "name": name,
                 "member": member, "crc32": _crc(stored, lengths)}
        if lengths is not None:
            arrays[member + "_len"] = lengths
            entry["lengths"] = member + "_len"
        index_entries[key] = entry
    index = json.dumps({"format": _FORMAT, "version": _VERSION, "kind": kind,
                        "entries": index_entries}, indent=1, sort_keys=True).encode()
    directory = os.path.dirname(prefix) or "."
    _make_dirs(directory)
    temps = []
    try:
        temps.append(_temp_file(directory, prefix + DATA_SUFFIX,
                                lambda f: np.savez(f, **arrays)))
        temps.append(_temp_file(directory, prefix + INDEX_SUFFIX, lambda f: f.write(index)))
        os.replace(temps[0], prefix + DATA_SUFFIX)  # data first ...
        os.replace(temps[1], prefix + INDEX_SUFFIX)  # ... the index commits the checkpoint
    finally:
        for path in temps:
            _remove(path)
    return prefix


def checkpoint_exists(prefix) -> bool:
    """True if `prefix` names a committed checkpoint (its index file exists)."""
    return os.path.isfile(os.fspath(prefix) + INDEX_SUFFIX)


def delete_checkpoint(prefix) -> None:
    """Removes a checkpoint's files, index first so no half-deleted one looks valid."""
    prefix = os.fspath(prefix)
    for suffix in (INDEX_SUFFIX, DATA_SUFFIX, ".meta"):
        _remove(prefix + suffix)


# ------------------------------------------------------------------ reading -------------

def _data_loss(path, why):
    return errors.DataLossError(None, None, f"Checkpoint file {path} is corrupted or "
                                f"truncated: {why}. Write the checkpoint again, or restore "
                                "an older one.")


def _not_found(prefix):
    hint = ""
    directory, base = os.path.split(prefix)
    if prefix.endswith(INDEX_SUFFIX) or prefix.endswith(DATA_SUFFIX):
        hint = "\n  Pass the prefix, without the .index / .data-... suffix."
    elif os.path.isdir(directory or "."):
        numbered = sorted(
            (int(m.group(1)), name[:-len(INDEX_SUFFIX)]) for name in os.listdir(directory or ".")
            if (m := re.fullmatch(re.escape(base) + r"-(\d+)\.index", name)))
        if numbered:
            hint = (f"\n  Did you mean {os.path.join(directory, numbered[-1][1])}? "
                    "save() appends a number to the prefix (the '-1' in 'ckpt-1').")
    return errors.NotFoundError(None, None, f"Failed to find any matching files for {prefix}: "
                                f"no checkpoint there ({prefix}{INDEX_SUFFIX} does not "
                                f"exist).{hint}")


def _read_index(path):
    try:
        with open(path, "rb") as f:
            index = json.loads(f.read().decode("utf-8"))
        entries = index["entries"]
        if index.get("format") != _FORMAT or not isinstance(entries, dict):
            raise ValueError("not a twinflow checkpoint index")
        for key, entry in entries.items():
            dtypes.as_dtype(entry["dtype"])
            if not all(isinstance(d, int) and d >= 0 for d in entry["shape"]):
                raise ValueError(f"bad shape for {key!r}")
            missing = {"member", "crc32", "name"} - set(entry)
            if missing:
                raise ValueError(f"entry {key!r} lacks {sorted(missing)}")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise _data_loss(path, f"unreadable index ({exc})") from None
    if index.get("version", 0) > _VERSION:
        raise errors.DataLossError(None, None, f"Checkpoint {path} has format version "
                                   f"{index['version']}; this twinflow reads up to "
                                   f"{_VERSION}. Upgrade twinflow.")
    return index


def _read_arrays(path, entries):
    """{key: array} for every entry, checked against the index (dtype, shape, crc32)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            members = {name: data[name] for name in data.files}
    except FileNotFoundError:
        raise _data_loss(path, "the data file is missing") from None
    except Exception as exc:  # noqa: BLE001 - zip/npy damage surfaces as many classes
        raise _data_loss(path, f"{type(exc).__name__}: {exc}") from None
    out = {}
    for key, entry in entries.items():
        stored = members.get(entry["member"])
        lengths = members.get(entry.get("lengths")) if "lengths" in entry else None
        if stored is None or ("lengths" in entry and lengths is None):
            raise _data_loss(path, f"no data for key {key!r}")
        if list(stored.shape) != entry["shape"]:
            raise _data_loss(path, f"key {key!r} has shape {fmt_shape(stored.shape)}, the "
                             f"index says {fmt_shape(entry['shape'])}")
        crc = _crc(stored, lengths)
        if crc != entry["crc32"]:
            raise _data_loss(path, f"checksum mismatch for key {key!r}: the index stores "
                             f"crc32 {entry['crc32']}, the data gives {crc}")
        out[key] = _decode(stored, lengths, entry["dtype"])
    return out


def _decode(stored, lengths, dtype_name):
    if dtype_name != "string":
        return stored.astype(dtypes.as_dtype(dtype_name)._np, copy=False)
    out = np.empty(stored.shape, dtype=object)
    flat_out, flat_len = out.ravel(), lengths.ravel()
    for i, s in enumerate(stored.ravel().tolist()):
        flat_out[i] = s.ljust(int(flat_len[i]), b"\x00")  # 'S' dropped trailing NULs
    return out


class CheckpointReader:
    """Reads one checkpoint (what tf.train.load_checkpoint returns).

    Everything is read and checked when the reader is made, so a damaged file fails
    here with DataLossError rather than halfway through a restore.

    Raises:
        NotFoundError: there is no `prefix.index`.
        DataLossError: the index or data file is truncated, corrupted or inconsistent.
    """

    def __init__(self, prefix):
        self._prefix = os.fspath(prefix)
        index_path = self._prefix + INDEX_SUFFIX
        if not os.path.isfile(index_path):
            raise _not_found(self._prefix)
        index = _read_index(index_path)
        self._kind = index.get("kind", NAME_BASED)
        self._entries = index["entries"]
        self._arrays = _read_arrays(self._prefix + DATA_SUFFIX, self._entries)

    @property
    def prefix(self) -> str:
        return self._prefix

    @property
    def kind(self) -> str:
        """"name-based" (written by a Saver) or "object-based" (by a tf.train.Checkpoint)."""
        return self._kind

    def has_tensor(self, name) -> bool:
        return name in self._entries

    def get_tensor(self, name):
        """The saved value (a numpy array; a numpy scalar or bytes when 0-d, as in TF).

        Raises:
            NotFoundError: no such key (the message lists the closest keys).
        """
        if name not in self._entries:
            raise missing_key_error(name, self._entries, self._prefix)
        value = self.get_array(name)
        return value[()] if value.ndim == 0 else value

    def get_array(self, name) -> np.ndarray:
        """The saved value, always as an array (strings: an object array of bytes)."""
        if name not in self._entries:
            raise missing_key_error(name, self._entries, self._prefix)
        return self._arrays[name].copy()

    def get_variable_to_shape_map(self) -> dict:
        return {key: list(e["shape"]) for key, e in self._entries.items()}

    def get_variable_to_dtype_map(self) -> dict:
        return {key: dtypes.as_dtype(e["dtype"]) for key, e in self._entries.items()}

    def variable_names(self) -> dict:
        """{key: the saved variable's own name}: how Saver matches object-based keys."""
        return {key: e["name"] for key, e in self._entries.items()}

    def debug_string(self) -> bytes:
        return "".join(f"{k} ({e['dtype']}) {fmt_shape(e['shape'])}\n"
                       for k, e in sorted(self._entries.items())).encode()

    def __repr__(self):
        return f"<CheckpointReader {self._prefix!r} ({self._kind}, {len(self._entries)} keys)>"


def _resolve(ckpt_dir_or_file) -> str:
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        found = latest_checkpoint(path)
        if found is None:
            raise ValueError(f"Couldn't find a 'checkpoint' state file or checkpoints in "
                             f"directory {path}: save one there first, or pass a checkpoint "
                             "prefix such as 'dir/ckpt-1'.")
        return found
    return path


def load_variable(ckpt_dir_or_file, name):
    """The saved value of `name` (a trailing ":0" is dropped, as TensorFlow does)."""
    key = name[:-2] if name.endswith(":0") else name
    return load_checkpoint(ckpt_dir_or_file).get_tensor(key)


def load_checkpoint(ckpt_dir_or_file) -> CheckpointReader:
    """A reader of the checkpoint at a prefix, or of a directory's latest checkpoint.

    Raises:
        ValueError: a directory with no checkpoint.
        NotFoundError / DataLossError: see CheckpointReader.
    """
    return CheckpointReader(_resolve(ckpt_dir_or_file))


def list_variables(ckpt_dir_or_file) -> list:
    """[(key, shape as a list)] of a checkpoint, sorted by key."""
    shapes = load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map()
    return [(key, shapes[key]) for key in sorted(shapes)]


# ------------------------------------------------------------- restore checks -----------

def _strip_copy_suffixes(name):
    """Names `name` would have had without TensorFlow's _1, _2 uniquifying suffixes."""
    parts = name.split("/")
    stripped = [re.sub(r"_\d+$", "", p) for p in parts]
    out = ["/".join(stripped)] if stripped != parts else []
    for i, (p, s) in enumerate(zip(parts, stripped)):
        if p != s:
            out.append("/".join(parts[:i] + [s] + parts[i + 1:]))
    return out


def missing_key_error(name, keys, prefix, what="Key") -> errors.NotFoundError:
    """NotFoundError for a key absent from a checkpoint, listing the closest keys and
    explaining the usual cause of a `_1` suffix (the model was built twice)."""
    keys = sorted(keys)
    message = f"{what} {name} not found in checkpoint {prefix}"
    close = difflib.get_close_matches(name, keys, n=3, cutoff=0.5)
    if close:
        message += "\n  Closest keys in the checkpoint: " + ", ".join(close)
    elif keys:
        message += (f"\n  The checkpoint holds {len(keys)} keys, e.g. "
                    + ", ".join(keys[:3]))
    twin = next((s for s in _strip_copy_suffixes(name) if s in keys), None)
    if twin is not None:
        message += (f"\n  {twin} is in the checkpoint: {name} is the name the graph gave a "
                    "second copy of it. This usually means the model was built twice in "
                    "one graph (e.g. a notebook cell run again). Call "
                    "tf.compat.v1.reset_default_graph() before building the model, or "
                    "build it once.")
    return errors.NotFoundError(None, None, message)


def check_restorable(variable_name, dtype, shape, key, value, prefix) -> None:
    """InvalidArgumentError unless a saved `value` fits a variable's dtype and shape."""
    saved = dtypes.string if value.dtype.kind in "OS" else dtypes.as_dtype(value.dtype)
    if saved is not dtype:
        raise errors.InvalidArgumentError(
            None, None, f"Cannot restore variable {variable_name} from checkpoint {prefix}: "
            f"the variable's dtype is {dtype.name} but key {key} holds {saved.name}. "
            "Create the variable with the dtype it was saved with.")
    if not shape.is_compatible_with(value.shape):
        raise errors.InvalidArgumentError(
            None, None, f"Cannot restore variable {variable_name} from checkpoint {prefix}: "
            f"the variable has shape {fmt_shape(shape)} but key {key} holds shape "
            f"{fmt_shape(value.shape)}. Build the model with the shapes it was saved with.")


# -------------------------------------------------------------- the state file ----------

class CheckpointState:
    """The `checkpoint` state file's contents: the latest checkpoint and those kept."""

    def __init__(self, model_checkpoint_path="", all_model_checkpoint_paths=(),
                 all_model_checkpoint_timestamps=(), last_preserved_timestamp=0.0):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)
        self.all_model_checkpoint_timestamps = list(all_model_checkpoint_timestamps)
        self.last_preserved_timestamp = last_preserved_timestamp

    def to_text(self) -> str:
        """TensorFlow's text format, one `field: value` per line."""
        lines = [f"model_checkpoint_path: {_quote(self.model_checkpoint_path)}"]
        lines += [f"all_model_checkpoint_paths: {_quote(p)}"
                  for p in self.all_model_checkpoint_paths]
        lines += [f"all_model_checkpoint_timestamps: {t!r}"
                  for t in self.all_model_checkpoint_timestamps]
        if self.last_preserved_timestamp:
            lines.append(f"last_preserved_timestamp: {self.last_preserved_timestamp!r}")
        return "\n".join(lines) + "\n"

    __str__ = __repr__ = to_text


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_LINE = re.compile(r'^\s*(\w+)\s*:\s*(?:"((?:[^"\\]|\\.)*)"|([-+0-9.eE]+|inf|nan))\s*$')


def _parse_state(path) -> CheckpointState:
    state = CheckpointState()
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = _LINE.match(line)
        field = m and m.group(1)
        if field in ("model_checkpoint_path", "all_model_checkpoint_paths") \
                and m.group(2) is not None:
            value = re.sub(r"\\(.)", r"\1", m.group(2))
            if field == "model_checkpoint_path":
                state.model_checkpoint_path = value
            else:
                state.all_model_checkpoint_paths.append(value)
        elif field in ("all_model_checkpoint_timestamps", "last_preserved_timestamp") \
                and m.group(3) is not None:
            if field == "last_preserved_timestamp":
                state.last_preserved_timestamp = float(m.group(3))
            else:
                state.all_model_checkpoint_timestamps.append(float(m.group(3)))
        else:
            raise errors.DataLossError(None, None, f"Checkpoint state file {path} is "
                                       f"corrupted: cannot read line {n}: {line!r}")
    return state


def _state_path(checkpoint_dir, latest_filename):
    return os.path.join(os.fspath(checkpoint_dir), latest_filename or "checkpoint")


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The directory's CheckpointState (paths joined to the directory), or None.

    Raises:
        DataLossError: the state file exists but cannot be read.
    """
    path = _state_path(checkpoint_dir, latest_filename)
    if not os.path.isfile(path):
        return None
    state = _parse_state(path)
    if not state.model_checkpoint_path:
        raise errors.DataLossError(None, None, f"Checkpoint state file {path} names no "
                                   "model_checkpoint_path.")
    directory = os.fspath(checkpoint_dir)

    def absolute(p):
        return p if os.path.isabs(p) else os.path.join(directory, p)
    state.model_checkpoint_path = absolute(state.model_checkpoint_path)
    state.all_model_checkpoint_paths = [absolute(p) for p in state.all_model_checkpoint_paths]
    return state


def update_checkpoint_state(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                            latest_filename=None, all_model_checkpoint_timestamps=None,
                            last_preserved_timestamp=None) -> None:
    """Atomically rewrites the state file; paths are stored relative to `save_dir`."""
    save_dir = os.fspath(save_dir) or "."
    paths = list(all_model_checkpoint_paths or [])
    if model_checkpoint_path not in paths:  # the latest is always listed last
        paths.append(model_checkpoint_path)

    def relative(p):
        return os.path.relpath(os.fspath(p), save_dir)
    state = CheckpointState(relative(model_checkpoint_path), [relative(p) for p in paths],
                            all_model_checkpoint_timestamps or (),
                            last_preserved_timestamp or 0.0)
    _make_dirs(save_dir)
    path = _state_path(save_dir, latest_filename)
    temp = _temp_file(save_dir, path, lambda f: f.write(state.to_text().encode()))
    try:
        os.replace(temp, path)
    finally:
        _remove(temp)


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the directory's latest checkpoint, or None if there is none."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is None or not checkpoint_exists(state.model_checkpoint_path):
        return None
    return state.model_checkpoint_path
