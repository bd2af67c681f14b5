"""Saving whole Keras models (`.keras`); save_weights/load_weights live in weights_io.

`model.save("m.keras")` writes a zip (to a temporary name, then renamed) of:
- metadata.json: the format and the twinflow version;
- config.json: {"class_name", "config"} of the architecture (model_config.py), the
  compile config (optimizer, loss, metrics by name or {"class_name", "config"}) and a
  manifest of the stored arrays (key, dtype, shape);
- model.weights.npz: the weights keyed "<layer name>/weight_<i>" (the config restores
  the names), plus the optimizer's iterations and slots ("optimizer/<weight key>/<slot>").
`load_model` rebuilds the model, loads the weights (and optimizer state) and compiles
it again. Nothing is pickled: arrays are read with allow_pickle=False.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import tempfile
import warnings
import zipfile

import numpy as np

from engine import errors
from twinflow.keras.model_config import (  # noqa: F401
    clone_model, deserialize_layer, functional_config, json_default, layer_config,
    model_from_config, model_from_json, model_to_json, sequential_config)
from twinflow.keras.weights_io import (  # noqa: F401
    SINGLE_FILE_SUFFIXES, load_weights, save_weights)

__all__ = ["save_weights", "load_weights", "save_model", "load_model", "layer_config",
           "functional_config", "sequential_config", "model_from_config", "model_from_json",
           "model_to_json", "clone_model"]

FORMAT = "twinflow-keras"
FORMAT_VERSION = 1
_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.npz"


# ------------------------------------------------------------------ weights ---------------

def _key(layer, index):
    return f"{layer.name}/weight_{index}"


def _owners(model):
    """Each weight's key: its layer's name and its index in that layer.

    Raises:
        ValueError: two layers of the model share a name.
    """
    keys = {}
    layers = [layer for layer in model.layers] or [model]
    names = [layer.name for layer in layers]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f"The name \"{name}\" is used {names.count(name)} times in the "
                             "model. All layer names should be unique.")
    for layer in layers:
        for i, w in enumerate(layer.weights):
            keys.setdefault(id(w), _key(layer, i))
    for i, w in enumerate(model.weights):
        keys.setdefault(id(w), f"{model.name}/weight_{i}")
    return keys


def _entries(model):
    from twinflow.keras.weights_io import read_values
    weights = model.weights
    values = read_values(weights)
    owners = _owners(model)
    return {owners[id(w)]: (value, w.name.split(":")[0]) for w, value in zip(weights, values)}


# ------------------------------------------------------------------ optimizer state -------

def _optimizer_state(model):
    """{key: variable} of the optimizer's iterations, slots and extra weights — empty if
    it never ran (Keras saves no state then either)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or getattr(optimizer, "_iterations", None) is None:
        return {}
    optimizer.build(model.trainable_variables)
    owners, prefix = _owners(model), f"{optimizer._name}/"
    state = {}
    for variable in optimizer.variables:
        owner = optimizer.slot_owner(variable)
        if owner is None:
            name = variable.name.split(":")[0]
            state["optimizer/" + (name[len(prefix):] if name.startswith(prefix) else name)] \
                = variable
        elif id(owner[0]) in owners:
            state[f"optimizer/{owners[id(owner[0])]}/{owner[1]}"] = variable
    state["optimizer/iter"] = optimizer.iterations
    return state


def _restore_optimizer(model, arrays, filepath):
    from twinflow.keras.weights_io import assign_values
    saved = {k for k in arrays if k.startswith("optimizer/")}
    if not saved:
        return
    model.optimizer.iterations  # noqa: B018 - made now, so the state below exists
    state = _optimizer_state(model)
    missing = sorted(set(state) - saved)
    if missing or saved - set(state):
        warnings.warn(f"Loading {filepath}: the saved optimizer state does not match the "
                      f"optimizer (missing {missing[:3]}, extra "
                      f"{sorted(saved - set(state))[:3]}); its state was not restored.",
                      stacklevel=3)
        return
    keys = sorted(state)
    assign_values(model.optimizer._name, [state[k] for k in keys], [arrays[k] for k in keys])


# ------------------------------------------------------------------ compile config --------

def _serialize_tree(value, serialize):
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _serialize_tree(v, serialize) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialize_tree(v, serialize) for v in value]
    return serialize(value)


def _deserialize_tree(value, deserialize):
    if value is None:
        return None
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _deserialize_tree(v, deserialize) for k, v in value.items()}
    if isinstance(value, list):
        return [_deserialize_tree(v, deserialize) for v in value]
    return deserialize(value)


def _compile_config(model):
    from twinflow.keras import losses, metrics, optimizers
    args = getattr(model, "_compile_config", None)
    if getattr(model, "optimizer", None) is None or args is None:
        return None
    return {"optimizer": optimizers.serialize(model.optimizer),
            "loss": _serialize_tree(args["loss"], losses.serialize),
            "metrics": _serialize_tree(args["metrics"], metrics.serialize),
            "loss_weights": args["loss_weights"], "run_eagerly": args["run_eagerly"]}


def _compile_from_config(model, config, custom_objects):
    from twinflow.keras import losses, metrics, optimizers
    optimizer = optimizers.deserialize(config["optimizer"], custom_objects)
    loss = _deserialize_tree(config.get("loss"),
                             lambda v: losses.deserialize(v, custom_objects))
    found = _deserialize_tree(config.get("metrics"),
                              lambda v: v if isinstance(v, str) and v.lower() in (
                                  "accuracy", "acc", "crossentropy", "ce") else
                              metrics.deserialize(v, custom_objects))
    model.compile(optimizer=optimizer, loss=loss, metrics=found,
                  loss_weights=config.get("loss_weights"),
                  run_eagerly=config.get("run_eagerly"))


# ------------------------------------------------------------------ .keras files ----------

def _check_saveable(model):
    from twinflow.keras.models import Functional, Sequential
    if isinstance(model, Sequential) and model._input is None and model.weights:
        raise ValueError(f"Cannot save Sequential model {model.name!r}: its input shape is "
                         "unknown (it was built by calling it on data), so a loaded copy "
                         "could not be built. Give the first layer an `input_shape`, start "
                         "with a `tf.keras.Input`, or call `model.build(input_shape)` first.")
    if not isinstance(model, Functional) and "get_config" not in type(model).__dict__:
        raise NotImplementedError(
            "Saving a model to the .keras format requires it to be a Functional or a "
            "Sequential model (or a subclassed model that defines get_config/from_config). "
            f"{type(model).__name__} is defined by the body of its `call` method, which is "
            "not safely serializable: use `model.save_weights` instead.")


def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None,
               **kwargs):
    """Writes the model (architecture, weights, compile config and optimizer state) as
    a `.keras` zip file: to a temporary name in the same directory, then renamed.

    Raises:
        ValueError: a path not ending in .keras, another save_format, or an unknown
            keyword argument.
        FileExistsError: the file exists and overwrite=False.
        NotImplementedError: a subclassed model without get_config.
    """
    filepath = os.fspath(filepath)
    unknown = sorted(set(kwargs) - {"signatures", "options", "save_traces", "zipped"})
    if unknown:
        raise ValueError(f"The following argument(s) are not supported: {unknown}")
    if save_format not in (None, "keras") or not filepath.endswith(".keras"):
        raise ValueError("Invalid filepath extension for saving. twinflow saves models in "
                         "the native Keras format: pass a filepath ending in `.keras` "
                         "(weights alone: `model.save_weights(prefix)`). Received: "
                         f"filepath={filepath}" + (f", save_format={save_format}"
                                                   if save_format else "") + ".")
    if os.path.exists(filepath) and not overwrite:
        raise FileExistsError(f"{filepath} already exists and overwrite=False.")
    _check_saveable(model)
    arrays, config = _collect(model, include_optimizer)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    _write_zip(filepath, {_METADATA: json.dumps(metadata).encode(),
                          _CONFIG: json.dumps(config, default=json_default).encode(),
                          _WEIGHTS: buffer.getvalue()})


def _collect(model, include_optimizer):
    from twinflow.keras.weights_io import read_values
    entries = {key: value for key, (value, _) in _entries(model).items()}
    compiled = _compile_config(model)
    if include_optimizer and compiled is not None:
        state = _optimizer_state(model)
        entries.update(zip(state, read_values(list(state.values()))))
    arrays = {key: np.asarray(value) for key, value in entries.items()}
    manifest = {key: {"dtype": a.dtype.name, "shape": list(a.shape)}
                for key, a in arrays.items()}
    return arrays, {**layer_config(model), "compile_config": compiled, "weights": manifest}


def _write_zip(filepath, members):
    directory = os.path.dirname(os.path.abspath(filepath))
    fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(filepath)}.",
                                suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, data in members.items():
                    archive.writestr(name, data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, filepath)
    finally:
        if os.path.exists(temp):
            os.remove(temp)


def _corrupt(filepath, why):
    return errors.DataLossError(None, None, f"Model file {filepath} is corrupted or "
                                f"truncated: {why}. Save the model again.")


def _read_keras_file(filepath):
    """(config, {key: array}) from a .keras zip, every array checked against the
    manifest.

    Raises:
        DataLossError: not a zip, a member missing, unreadable JSON or arrays.
    """
    try:
        with zipfile.ZipFile(filepath) as archive:
            names = set(archive.namelist())
            missing = sorted({_CONFIG, _WEIGHTS} - names)
            if missing:
                raise _corrupt(filepath, f"it has no {', '.join(missing)}")
            config = json.loads(archive.read(_CONFIG).decode("utf-8"))
            data = archive.read(_WEIGHTS)
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except errors.DataLossError:
        raise
    except Exception as exc:  # noqa: BLE001 - zip, zlib, json and npy damage vary
        raise _corrupt(filepath, f"{type(exc).__name__}: {exc}") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise _corrupt(filepath, "config.json holds no model config")
    for key, entry in (config.get("weights") or {}).items():
        array = arrays.get(key)
        if array is None or list(array.shape) != entry["shape"] or \
                array.dtype.name != entry["dtype"]:
            raise _corrupt(filepath, f"weight {key!r} is missing or does not match the "
                           f"manifest ({entry['dtype']} {entry['shape']})")
    return config, arrays


def _check_path(filepath):
    if os.path.isfile(filepath) and filepath.endswith(SINGLE_FILE_SUFFIXES):
        raise ValueError(f"File format not supported: filepath={filepath} is a weights file "
                         "written by `save_weights`: build the model and call "
                         "`model.load_weights` on it.")
    if os.path.isfile(filepath):
        if zipfile.is_zipfile(filepath) or filepath.endswith(".keras"):
            return
        raise ValueError(f"File format not supported: filepath={filepath}. twinflow loads "
                         "`.keras` files written by `model.save`; for weights saved with "
                         "`save_weights`, build the model and call `model.load_weights`.")
    if os.path.isfile(filepath + ".index"):
        raise ValueError(f"File format not supported: filepath={filepath} is a weights "
                         "checkpoint: build the model and call `model.load_weights` on it.")
    raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is an "
                     "accessible `.keras` zip file.")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """The model saved at `filepath`: rebuilt from its config, its weights loaded and,
    with compile=True, compiled again with its optimizer state restored.

    Raises:
        ValueError: no such file, not a .keras file, an unknown layer class (pass it in
            custom_objects), a Lambda layer with safe_mode=True, or weights that do not
            fit the rebuilt model.
        DataLossError: a truncated or corrupted file.
    """
    from twinflow.keras.weights_io import assign_values
    filepath = os.fspath(filepath)
    _check_path(filepath)
    config, arrays = _read_keras_file(filepath)
    model = model_from_config({"class_name": config["class_name"],
                               "config": config["config"]}, custom_objects, safe_mode)
    owners = _owners(model)
    weights = model.weights
    absent = [owners[id(w)] for w in weights if owners[id(w)] not in arrays]
    unused = sorted(set(k for k in arrays if not k.startswith("optimizer/")) -
                    {owners[id(w)] for w in weights})
    if absent or unused:
        raise ValueError(f"Cannot load {filepath}: the rebuilt model's weights do not match "
                         f"the file's (the model lacks {unused[:5]}, the file lacks "
                         f"{absent[:5]}). Was the model built when it was saved?")
    assign_values(model.name, weights, [arrays[owners[id(w)]] for w in weights])
    if compile and config.get("compile_config"):
        _compile_from_config(model, config["compile_config"], custom_objects)
        _restore_optimizer(model, arrays, filepath)
    return model
