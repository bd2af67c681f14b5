"""Saving Keras models: weights (one checkpoint file pair), configs, and `.keras` files.

Weights go through engine/checkpoint_io's format (JSON index + npz, written to a
temporary name and renamed, read without pickle), keyed by layer and weight order so
any mode can load what any mode saved.
"""

from __future__ import annotations

import os

from engine.checkpoint_io import NAME_BASED, CheckpointReader, write_checkpoint

__all__ = ["save_weights", "load_weights", "layer_config", "functional_config",
           "model_from_config"]


def _key(layer, index):
    return f"{layer.name}/weight_{index}"


def _entries(model):
    from twinflow.keras.weights_io import read_values
    weights = model.weights
    values = read_values(weights)
    owners = _owners(model)
    return {owners[id(w)]: (value, w.name.split(":")[0]) for w, value in zip(weights, values)}


def _owners(model):
    """Each weight's checkpoint key: its layer's name and its index in that layer."""
    keys = {}
    layers = [layer for layer in model.layers] or [model]
    for layer in layers:
        for i, w in enumerate(layer.weights):
            keys.setdefault(id(w), _key(layer, i))
    for i, w in enumerate(model.weights):
        keys.setdefault(id(w), f"{model.name}/weight_{i}")
    return keys


def save_weights(model, filepath):
    """Writes the model's weights to `filepath` (.index + .data files)."""
    write_checkpoint(os.fspath(filepath), _entries(model), NAME_BASED)


def load_weights(model, filepath):
    """Sets the model's weights from `filepath`.

    Raises:
        NotFoundError / DataLossError: no or a damaged checkpoint.
        ValueError: a weight's shape differs from the saved one.
    """
    reader = CheckpointReader(os.fspath(filepath))
    owners = _owners(model)
    weights = model.weights
    values = [reader.get_array(owners[id(w)]) for w in weights]
    from twinflow.keras.weights_io import assign_values
    assign_values(model.name, weights, values)


def layer_config(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def functional_config(model):
    raise NotImplementedError("get_config of functional models comes with model.save")


def model_from_config(config, custom_objects=None):
    raise NotImplementedError("model_from_config comes with model.save")


def save_model(model, filepath):
    raise NotImplementedError("model.save comes with the .keras format")
