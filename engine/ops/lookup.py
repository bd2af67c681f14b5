"""Lookup-table ops: a table is a resource (like a variable) whose contents live in the
executor's store — the process's eagerly, each Session's in graph mode — so a graph's
tables must be initialized in every Session (`tables_initializer()`), as in TF1.
"""

from __future__ import annotations

import numpy as np

from engine import dtypes, errors
from engine.infer import static_value
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape

__all__ = ["TABLE_HANDLE", "TABLE_IMPORT", "TABLE_FROM_TEXT_FILE", "TABLE_FIND",
           "TABLE_SIZE", "TABLE_EXPORT"]

_SCALAR = TensorShape([])


def _table(store, handle):
    try:
        return store.objects[handle.key]
    except KeyError:
        raise errors.FailedPreconditionError(
            None, None, f"Table not initialized.\n  Table {handle.name!r} has no contents "
            "here yet: run tf.compat.v1.tables_initializer() (or the table's initializer) "
            "in this Session first.") from None


TABLE_HANDLE = register("HashTableV2", lambda handle, key_dtype, value_dtype: handle,
                        lambda inputs, attrs: [(dtypes.resource, _SCALAR)], NO_GRADIENT,
                        stateful=True)


def _import_kernel(store, handle, keys, values):
    keys, values = np.asarray(keys), np.asarray(values)
    if keys.shape != values.shape:
        raise errors.InvalidArgumentError(None, None, f"Expected shape {list(keys.shape)} "
                                          f"for value, got {list(values.shape)}")
    if handle.key in store.objects:  # initializing again does nothing, as in TensorFlow
        return ()
    table = {}
    for key, value in zip(keys.ravel().tolist(), values.ravel().tolist()):
        if table.setdefault(key, value) != value:  # an equal duplicate is allowed, as in TF
            raise errors.FailedPreconditionError(
                None, None, f"HashTable has different value for same key. Key {_text(key)} "
                f"has {_text(table[key])} and trying to add value {_text(value)}\n  "
                "Each key of a KeyValueTensorInitializer may map to one value only.")
    store.objects[handle.key] = (table, values.dtype)
    return ()


def _text(item):
    return item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)


TABLE_IMPORT = register("LookupTableImportV2", _import_kernel, lambda inputs, attrs: [],
                        NO_GRADIENT, stateful=True, uses_store=True, multi=True)


def _text_file_kernel(store, handle, filename, key_index, value_index, delimiter,
                      vocab_size, key_dtype, value_dtype):
    if handle.key in store.objects:
        return ()
    path = filename.item() if isinstance(filename, np.ndarray) else filename
    path = path.decode() if isinstance(path, bytes) else path
    try:
        with open(path, "rb") as f:
            lines = f.read().splitlines()
    except OSError as exc:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory "
                                   f"({exc.strerror})") from None
    if vocab_size is not None and vocab_size >= 0:
        lines = lines[:vocab_size]

    def column(line_no, line, index, dtype):
        if index == -2:  # TextFileIndex.WHOLE_LINE
            return line
        if index == -1:  # TextFileIndex.LINE_NUMBER
            return line_no
        field = line.split(delimiter.encode())[index]
        return field if dtype is dtypes.string else (float(field) if dtype.is_floating
                                                     else int(field))
    table = {column(i, line, key_index, key_dtype): column(i, line, value_index, value_dtype)
             for i, line in enumerate(lines)}
    store.objects[handle.key] = (table, value_dtype._np)
    return ()


TABLE_FROM_TEXT_FILE = register("InitializeTableFromTextFileV2", _text_file_kernel,
                                lambda inputs, attrs: [], NO_GRADIENT, stateful=True,
                                uses_store=True, multi=True)


def _find_kernel(store, handle, keys, default_value):
    table, value_dtype = _table(store, handle)
    keys = np.asarray(keys)
    default = np.asarray(default_value).item()
    lookup = np.frompyfunc(lambda k: table.get(k, default), 1, 1)
    found = lookup(keys.astype(object) if keys.dtype != object else keys)
    return np.asarray(found, dtype=value_dtype)


def _find_infer(inputs, attrs):
    handle = static_value(inputs[0])
    value_dtype = getattr(handle, "dtype_hint", None) or inputs[2].dtype
    return [(value_dtype, inputs[1].shape)]


TABLE_FIND = register("LookupTableFindV2", _find_kernel, _find_infer, NO_GRADIENT,
                      stateful=True, uses_store=True)
# Before its initializer ran, a table has no entries: size 0, as TensorFlow answers.
TABLE_SIZE = register("LookupTableSizeV2",
                      lambda store, handle: np.int64(len(store.objects.get(handle.key,
                                                                           ((),))[0])),
                      lambda inputs, attrs: [(dtypes.int64, _SCALAR)], NO_GRADIENT,
                      stateful=True, uses_store=True)


def _export_kernel(store, handle, key_dtype):
    table, value_dtype = _table(store, handle)
    keys = np.empty(len(table), dtype=key_dtype._np)
    keys[:] = list(table.keys())
    return keys, np.asarray(list(table.values()), dtype=value_dtype)


TABLE_EXPORT = register(
    "LookupTableExportV2", _export_kernel,
    lambda inputs, attrs: [(attrs["key_dtype"], TensorShape([None])),
                           (getattr(static_value(inputs[0]), "dtype_hint", None)
                            or dtypes.string, TensorShape([None]))],
    NO_GRADIENT, stateful=True, uses_store=True, multi=True)

