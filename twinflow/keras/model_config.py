"""Model architectures as configs (Keras 2's format) and back: get_config of Sequential
and Functional models, model_from_config / model_from_json / to_json, clone_model.

A layer config is {"class_name", "config"}; a Functional model's config lists its
layers with their "inbound_nodes" — per call, one [layer name, node index, tensor
index, kwargs] entry per input tensor — and its "input_layers" / "output_layers". Layer
classes are found by name in twinflow.keras.layers (read at each call, so new layers
need no registration), then in `custom_objects`. A Lambda layer's function is Python
bytecode: it is refused unless `safe_mode=False`, as in Keras.
"""

from __future__ import annotations

import base64
import builtins
import inspect
import json
import marshal
import types

from engine import nest

__all__ = ["layer_config", "sequential_config", "functional_config", "model_from_config",
           "model_from_json", "model_to_json", "deserialize_layer", "clone_model"]

_LAMBDA_REFUSED = (
    "Requested the deserialization of a `Lambda` layer whose `function` is a Python "
    "lambda. This carries a potential risk of arbitrary code execution and thus it is "
    "disallowed by default. If you trust the source of the artifact, you can override "
    "this error by passing `safe_mode=False` to the loading function.")


def layer_config(layer):
    """{"class_name": ..., "config": layer.get_config()}."""
    return {"class_name": _class_name(layer), "config": layer.get_config()}


def _class_name(layer):
    from twinflow.keras.models import Functional, Sequential
    cls = type(layer)
    if cls is not Sequential and cls is not Functional and issubclass(cls, Functional) \
            and "get_config" not in cls.__dict__:
        return "Functional"  # a subclass of Model(inputs, outputs) without its own config
    return cls.__name__


def sequential_config(model):
    """Keras 2's Sequential config: its name and its layers, the InputLayer first when
    the input shape is known."""
    layers = []
    if model._input is not None:
        source = model._input.node.layer
        layers.append({"class_name": "InputLayer", "config": {
            "batch_input_shape": list(model._input.shape.as_list()),
            "dtype": model._input.dtype.name, "name": source.name}})
    layers += [layer_config(layer) for layer in model._stack]
    return {"name": model.name, "trainable": model.trainable, "layers": layers}


# ------------------------------------------------------------------ functional ------------

def _model_nodes(model):
    """{id(node): index of the node among its layer's nodes in this model}."""
    inside = {id(n) for n in model._nodes} | {id(t.node) for t in model.inputs}
    index = {}
    for layer in model.layers:
        for i, node in enumerate(n for n in layer._inbound_nodes if id(n) in inside):
            index[id(node)] = i
    return index


def _call_kwargs(node):
    kwargs = dict(node.kwargs)
    if node.args:  # extra positional arguments go by their names in `call`
        names = list(inspect.signature(node.layer.call).parameters)[1:]
        kwargs.update(zip(names, node.args))
    try:
        json.dumps(kwargs)
    except TypeError:
        raise ValueError(f"Layer {node.layer.name!r} was called with arguments that are not "
                         f"JSON-serializable ({sorted(kwargs)}): its model cannot be saved "
                         "as a config.") from None
    return kwargs


def _node_data(node, index):
    from twinflow.keras.functional import KerasTensor
    entries = []
    for t in nest.flatten(node.inputs):
        if not isinstance(t, KerasTensor):
            raise ValueError(f"Layer {node.layer.name!r} was called on a constant ({t!r}) "
                             "beside Keras inputs: its model cannot be saved as a config.")
        entries.append([t.node.layer.name, index[id(t.node)], t.index, _call_kwargs(node)])
    return entries


def _coordinates(struct, index):
    """input_layers / output_layers: [layer, node index, tensor index] per tensor, in the
    structure of the model's inputs (a single one is wrapped in a list, as Keras 2)."""
    def coord(t):
        return [t.node.layer.name, index[id(t.node)], t.index]
    if isinstance(struct, dict):
        return {k: coord(v) for k, v in struct.items()}
    if isinstance(struct, (list, tuple)):
        return [coord(t) for t in struct]
    return [coord(struct)]


def functional_config(model):
    """Keras 2's Functional config: name, layers with inbound nodes, inputs, outputs."""
    from twinflow.keras.functional import InputLayer
    index = _model_nodes(model)
    layers = []
    for layer in model.layers:
        nodes = [n for n in layer._inbound_nodes if id(n) in index]
        inbound = [] if isinstance(layer, InputLayer) else [_node_data(n, index)
                                                            for n in nodes]
        layers.append({**layer_config(layer), "name": layer.name, "inbound_nodes": inbound})
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": _coordinates(model._inputs_struct, index),
            "output_layers": _coordinates(model._outputs_struct, index)}


def _is_coordinate(x):
    return isinstance(x, list) and len(x) == 3 and isinstance(x[0], str) and \
        all(isinstance(i, int) for i in x[1:])


def _pack(struct, lookup):
    """The tensors named by input_layers / output_layers, a single one unwrapped."""
    if isinstance(struct, dict):
        return {k: lookup(v) for k, v in struct.items()}
    if _is_coordinate(struct):
        return lookup(struct)
    tensors = [lookup(c) for c in struct]
    return tensors[0] if len(tensors) == 1 else tensors


def _call_node(layer, data, outputs):
    args = [outputs[(name, node)][tensor] for name, node, tensor, *_ in data]
    kwargs = dict(data[0][3]) if data and len(data[0]) > 3 and data[0][3] else {}
    return nest.flatten(layer(args[0] if len(args) == 1 else args, **kwargs))


def _functional_from_config(config, make_layer, input_tensors=None):
    """Creates every layer, then replays the nodes in order, each once its inputs exist
    (a shared layer's later call may need layers listed after it)."""
    from twinflow.keras.functional import InputLayer
    from twinflow.keras.models import Functional
    outputs, pending, given = {}, [], list(nest.flatten(input_tensors or []))
    for spec in config["layers"]:
        layer = make_layer(spec)
        if isinstance(layer, InputLayer):
            outputs[(spec["name"], 0)] = [given.pop(0) if given else layer.output]
        pending += [(layer, spec["name"], i, data)
                    for i, data in enumerate(spec.get("inbound_nodes") or [])]
    while pending:
        waiting, blocked = [], set()
        for layer, name, i, data in pending:
            if name in blocked or any((e[0], e[1]) not in outputs for e in data):
                waiting.append((layer, name, i, data))
                blocked.add(name)  # a layer's nodes are replayed in their order
                continue
            outputs[(name, i)] = _call_node(layer, data, outputs)
        if len(waiting) == len(pending):
            missing = sorted({e[0] for _, _, _, d in waiting for e in d
                              if (e[0], e[1]) not in outputs})
            raise ValueError(f"Cannot rebuild model {config.get('name')!r} from its config: "
                             f"layer(s) {sorted({w[1] for w in waiting})} wait for the "
                             f"output(s) of {missing}, which no layer in the config makes.")
        pending = waiting

    def lookup(coord):
        return outputs[(coord[0], coord[1])][coord[2]]
    model = Functional(_pack(config["input_layers"], lookup),
                       _pack(config["output_layers"], lookup), name=config.get("name"))
    model.trainable = config.get("trainable", True)
    return model


def _sequential_from_config(config, make_layer):
    from twinflow.keras.models import Sequential
    model = Sequential(name=config.get("name"))
    for spec in config["layers"]:
        model.add(make_layer(spec))
    if model._input is None and config.get("build_input_shape") is not None:
        model.build(config["build_input_shape"])
    model.trainable = config.get("trainable", True)
    return model


# ------------------------------------------------------------------ layers ----------------

def _registry():
    from twinflow.keras import layers
    from twinflow.keras.base_layer import Layer
    from twinflow.keras.models import Functional, Sequential
    found = {name: obj for name, obj in vars(layers).items()
             if isinstance(obj, type) and issubclass(obj, Layer)}
    found.update(Sequential=Sequential, Functional=Functional, Model=Functional)
    return found


def deserialize_layer(config, custom_objects=None, safe_mode=True):
    """The layer (or model) a layer_config describes.

    Raises:
        ValueError: an unknown class name, or a Lambda layer with safe_mode=True.
    """
    from twinflow.keras.models import Functional, Sequential
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _registry().get(name)
    if cls is None:
        raise ValueError(f"Unknown layer: '{name}'. Please ensure you are using a "
                         "`keras.utils.custom_object_scope` and that this object is "
                         "included in the scope.")
    inner = dict(config.get("config") or {})
    def make(spec):
        return deserialize_layer(spec, custom_objects, safe_mode)
    if cls is Sequential:
        return _sequential_from_config(inner, make)
    if cls is Functional:
        return _functional_from_config(inner, make)
    if cls.__name__ == "Lambda" and "function" in inner:
        return _lambda_from_config(cls, inner, custom_objects, safe_mode)
    return cls.from_config(inner)


def _lambda_from_config(cls, config, custom_objects, safe_mode):
    import numpy as np

    import twinflow
    code = config.pop("function")
    if isinstance(code, dict):  # Keras 3's {"class_name": "__lambda__", "config": {...}}
        code = code.get("config", {}).get("code", code.get("config"))
    if not isinstance(code, str):
        raise ValueError(f"Cannot load Lambda layer {config.get('name')!r}: its function is "
                         "not serialized Python code. Pass it in `custom_objects`.")
    if safe_mode:
        raise ValueError(_LAMBDA_REFUSED)
    globs = {"__builtins__": builtins, "tf": twinflow, "np": np, **(custom_objects or {})}
    code = marshal.loads(base64.b64decode(code.encode("ascii")))
    if code.co_freevars:
        raise ValueError(f"Cannot load Lambda layer {config.get('name')!r}: its function "
                         f"uses variables of an enclosing function ({code.co_freevars}).")
    return cls(types.FunctionType(code, globs, code.co_name), **config)


# ------------------------------------------------------------------ models ----------------

def model_from_config(config, custom_objects=None, safe_mode=True):
    """A new model (fresh weights) from a {"class_name", "config"} dict.

    Raises:
        TypeError: a list instead of a dict.
        ValueError: an unknown layer class or a refused Lambda layer.
    """
    if isinstance(config, list):
        raise TypeError("`model_from_config` expects a dictionary, not a list. Received: "
                        f"config={config}. Did you meant to use "
                        "`Sequential.from_config(config)`?")
    return deserialize_layer(config, custom_objects, safe_mode)


def model_to_json(model, **kwargs):
    """json.dumps of the model's {"class_name", "config", "keras_version", "backend"}."""
    from twinflow import __version__
    return json.dumps({**layer_config(model), "keras_version": f"twinflow-{__version__}",
                       "backend": "tensorflow"}, default=json_default, **kwargs)


def model_from_json(json_string, custom_objects=None):
    """A new model from `model.to_json()` output."""
    return model_from_config(json.loads(json_string), custom_objects)


def json_default(value):
    """JSON for the numpy and twinflow values configs may hold."""
    import numpy as np
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if hasattr(value, "as_numpy_dtype") or type(value).__name__ == "DType":
        return value.name
    if isinstance(value, (tuple, set)):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable: a "
                    f"layer's get_config() must return JSON types (got {value!r}).")


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model of the same architecture with freshly initialized weights; each layer
    is `clone_function(layer)` (default: a layer made from its config).

    Raises:
        ValueError: a subclassed model (its architecture is Python code).
    """
    from twinflow.keras.functional import InputLayer
    from twinflow.keras.models import Functional, Sequential
    clone = clone_function or (lambda layer: deserialize_layer(layer_config(layer)))
    if isinstance(model, Sequential):
        clones = [clone(layer) for layer in model._stack]
        inputs = input_tensors if input_tensors is not None else (
            None if model._input is None else _clone_input(model._input.node.layer))
        return Sequential(([inputs] if inputs is not None else []) + clones,
                          name=model.name)
    if not isinstance(model, Functional):
        raise ValueError("Expected `model` argument to be a functional `Model` instance, "
                         f"but got a subclassed model instead: {model}")
    originals = {layer.name: layer for layer in model.layers}

    def make(spec):
        layer = originals[spec["name"]]
        return _clone_input(layer) if isinstance(layer, InputLayer) else clone(layer)
    return _functional_from_config(functional_config(model), make, input_tensors)


def _clone_input(layer):
    from twinflow.keras.functional import InputLayer
    return InputLayer(batch_input_shape=layer._batch_input_shape, dtype=layer.dtype,
                      name=layer.name)
