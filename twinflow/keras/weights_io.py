"""Reading and setting weight values in either mode (graph mode: the Keras Session)."""

from __future__ import annotations

import os
import tempfile
import zipfile

import numpy as np

from engine import context, errors
from engine.checkpoint_io import NAME_BASED, CheckpointReader, write_checkpoint
from graph.saver import RestoreOps
from twinflow.keras.backend import get_session

__all__ = ["read_values", "assign_values", "structure_keys", "save_weights", "load_weights"]


# One placeholder + assign per graph variable, built on the first set_weights and reused.
_SETTER = RestoreOps(scope="set_weights")


def read_values(variables):
    """The variables' values as numpy arrays."""
    if not variables:
        return []
    if context.executing_eagerly():
        return [np.array(v.numpy()) for v in variables]
    return [np.array(x) for x in get_session().run(list(variables))]


def assign_values(owner, variables, values):
    """Sets each variable to its value (numpy), checking count and shapes first.

    Raises:
        ValueError: a different number of values, or a shape that does not fit.
    """
    values = list(values)
    if len(values) != len(variables):
        raise ValueError(f"You called `set_weights(weights)` on layer {owner!r} with a "
                         f"weight list of length {len(values)}, but the layer was expecting "
                         f"{len(variables)} weights.")
    arrays = []
    for v, value in zip(variables, values):
        array = np.asarray(value, dtype=v.dtype._np)
        if tuple(v.shape.as_list()) != array.shape:
            raise ValueError(f"Layer {owner!r} weight shape {tuple(v.shape.as_list())} is not "
                             f"compatible with provided weight shape {array.shape}.")
        arrays.append(array)
    session = None if context.executing_eagerly() else get_session()
    _SETTER.run(list(zip(variables, arrays)), session, "set_weights")


# ------------------------------------------------------------------ save/load_weights -----

SINGLE_FILE_SUFFIXES = (".h5", ".hdf5")
_FORMAT_KEY, _FORMAT = "__twinflow_format__", "twinflow-keras-weights-v1"


def structure_keys(model):
    """{id(weight): key}: each weight keyed by where it sits in the object structure, as
    Keras 2's TF-format checkpoints do — `d1/kernel` for a subclassed model's attribute
    `d1`, `layer_with_weights-0/kernel` in a Functional or Sequential model — so a fresh
    instance of the same class (with other auto-generated layer names) matches."""
    keys, taken = {}, set()
    stack = [("", model)]
    while stack:
        prefix, layer = stack.pop()
        for weight in layer._trainable_weights + layer._non_trainable_weights:
            short = weight.name.split(":")[0].rsplit("/", 1)[-1]
            key, n = prefix + short, 1
            while key in taken:
                key, n = f"{prefix}{short}_{n}", n + 1
            if id(weight) not in keys:
                keys[id(weight)] = key
                taken.add(key)
        stack.extend(reversed([(f"{prefix}{path}/", child)
                               for path, child in _children(layer)]))
    for i, weight in enumerate(model.weights):  # held outside any tracked layer
        keys.setdefault(id(weight), f"weight_{i}")
    return keys


def _children(layer):
    from twinflow.keras.base_layer import Layer
    if type(layer)._sublayers is Layer._sublayers:  # subclassed: attribute paths
        return layer._tracked_children()
    with_weights = [child for child in layer._sublayers() if child.weights]
    return [(f"layer_with_weights-{j}", child) for j, child in enumerate(with_weights)]


def save_weights(model, filepath):
    """Writes the model's weights: one file for `.h5` paths (our own npz format, written
    to a temporary name and renamed), else a checkpoint `P.index` + `P.data-*`."""
    filepath = os.fspath(filepath)
    weights, keys = model.weights, structure_keys(model)
    values = read_values(weights)
    if not filepath.endswith(SINGLE_FILE_SUFFIXES):
        write_checkpoint(filepath, {keys[id(w)]: (v, w.name.split(":")[0])
                                    for w, v in zip(weights, values)}, NAME_BASED)
        return
    arrays = {keys[id(w)]: v for w, v in zip(weights, values)}
    arrays[_FORMAT_KEY] = np.array(_FORMAT)
    _atomic_write(filepath, lambda f: np.savez(f, **arrays))


def _atomic_write(filepath, write):
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(filepath)}.",
                                suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, filepath)
    finally:
        if os.path.exists(temp):
            os.remove(temp)


def load_weights(model, filepath):
    """Sets the model's weights from what `save_weights` wrote at `filepath`.

    Raises:
        ValueError: the model has no weights yet (build it first), or the file lacks
            some of its weights, or a shape differs.
        NotFoundError / DataLossError: no or a damaged checkpoint.
    """
    filepath = os.fspath(filepath)
    weights, keys = model.weights, structure_keys(model)
    arrays = _read_weights_file(filepath)
    if arrays is None:
        reader = CheckpointReader(filepath)
        values = [reader.get_array(keys[id(w)]) for w in weights]
    else:
        if arrays and not weights:
            raise ValueError(f"Cannot load weights into model {model.name!r}: it has no "
                             "weights yet. Build it first (call it on a batch of data or "
                             "`model.build(input_shape)`).")
        missing = [keys[id(w)] for w in weights if keys[id(w)] not in arrays]
        if missing:
            raise ValueError(f"Cannot load {filepath} into model {model.name!r}: the file "
                             f"has no {missing[:5]} (it holds {sorted(arrays)[:5]}).")
        values = [arrays[keys[id(w)]] for w in weights]
    assign_values(model.name, weights, values)


def _read_weights_file(filepath):
    """{key: array} of a single-file weights file; None for a checkpoint prefix."""
    if not os.path.isfile(filepath):
        if filepath.endswith(SINGLE_FILE_SUFFIXES) and not os.path.exists(
                filepath + ".index"):
            raise FileNotFoundError(f"No weights file at {filepath}.")
        return None
    try:
        if not zipfile.is_zipfile(filepath):
            raise ValueError("not a zip archive")
        with np.load(filepath, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except Exception as exc:  # noqa: BLE001 - zip, zlib and npy damage vary
        raise errors.DataLossError(None, None, f"{filepath} is not a weights file written "
                                   f"by `save_weights`, or it is damaged ({exc}).") from None
    if str(arrays.pop(_FORMAT_KEY, "")) != _FORMAT:
        raise errors.DataLossError(None, None, f"{filepath} is not a weights file written "
                                   "by `save_weights` (no twinflow format marker).")
    return arrays
