"""Meta graphs: a graph plus what Python code would otherwise have to rebuild.

A GraphDef alone holds ops, but a TF1 program also needs its Variable objects, its
collections (the train op, the losses, the global step) and its Saver's checkpoint
keys. export_meta_graph writes all of it in one JSON file; import_meta_graph, in a
program with no model code, imports the graph, rebuilds the Variable objects around
the imported handles (so global_variables() and a Saver see them), refills the
collections and returns a Saver that restores the checkpoint the original wrote.
"""

from __future__ import annotations

import json
import os
import warnings

from engine import context
from engine.variables import Variable
from graph.graph import GraphKeys, get_default_graph
from graph.graph_def import as_graph_def, atomic_write, import_nodes, parse_input, shape_list
from graph.saver import SAVEABLE_OBJECTS, Saver, is_graph_variable, variable_name
from graph.tensor import Operation, Tensor

__all__ = ["export_meta_graph", "import_meta_graph", "saver_def_of", "write_saver_meta_graph"]

_EAGER = ("Exporting/importing meta graphs is not supported when eager execution is "
          "enabled. No graph exists when eager execution is enabled.")


def saver_def_of(saver) -> dict:
    """What a Saver needs to be rebuilt: its name, keep policy and {key: variable name}."""
    saver.build()
    return {"name": saver._name, "max_to_keep": saver._max_to_keep,
            "keep_checkpoint_every_n_hours": saver._keep_hours,
            "pad_step_number": saver._pad_step_number,
            "var_list": {key: variable_name(v) for key, v in saver._names.items()}}


def _graph_variables(graph):
    """The variables of `graph` found in its collections, each once, in first-seen order."""
    seen, out = set(), []
    for key in graph.get_all_collection_keys():
        for item in graph.get_collection(key):
            if isinstance(item, Variable) and is_graph_variable(item) and \
                    item.handle.op.graph is graph and id(item) not in seen:
                seen.add(id(item))
                out.append(item)
    return out


def _variable_record(v) -> dict:
    initial = v.initial_value
    return {"name": variable_name(v), "initializer": v.initializer.name,
            "snapshot": v._graph_element.name,
            "initial_value": initial.name if isinstance(initial, Tensor) and
            initial.graph is v.handle.op.graph else None,
            "trainable": v.trainable, "validate_shape": v._validate_shape,
            "dtype": v.dtype.name, "shape": shape_list(v.shape)}


def _collection_item(item, graph):
    """A collection item as JSON: tensor "x:0", operation "x", {"variable": "w"},
    {"value": python value}; None for what has no JSON form."""
    if isinstance(item, Variable) and is_graph_variable(item) and \
            item.handle.op.graph is graph:
        return {"variable": variable_name(item)}
    if isinstance(item, (Tensor, Operation)) and item.graph is graph:
        return item.name
    if item is None or isinstance(item, (bool, int, float, str)):
        return {"value": item}
    return None


def _collections(graph, keys):
    out = {}
    for key in keys:
        items = []
        for item in graph.get_collection(key):
            encoded = _collection_item(item, graph)
            if encoded is None:
                warnings.warn(f"Collection {key!r}: {item!r} ({type(item).__name__}) has no "
                              "meta graph form and is left out.", stacklevel=3)
                continue
            items.append(encoded)
        out[key] = items
    return out


def export_meta_graph(filename=None, meta_info_def=None, graph_def=None, saver_def=None,
                      collection_list=None, as_text=False, graph=None, export_scope=None,
                      clear_devices=False, clear_extraneous_savers=False,
                      strip_default_attrs=False, save_debug_info=False, **kwargs) -> dict:
    """The graph, its collections, its variables and a Saver's keys as one JSON dict.

    Args:
        filename: where to write it (JSON, written to a temporary name then renamed).
        meta_info_def: a dict merged into the "meta_info_def" entry.
        graph_def: the GraphDef dict to store (default: the graph's own).
        saver_def: a Saver (or saver_def_of(saver)) whose keys import_meta_graph reuses.
        collection_list: the collection names to keep (default: all non-empty ones).
        as_text: indented JSON (default compact).
        graph: the graph (default: the default graph).
        export_scope, clear_devices, clear_extraneous_savers, strip_default_attrs,
        save_debug_info: accepted for compatibility; export_scope must be None.

    Returns:
        {"meta_info_def", "graph_def", "saver_def", "collections", "variables"}.

    Raises:
        RuntimeError: called while executing eagerly outside a graph.
        NotImplementedError: export_scope is given.
        ValueError: an op holds an attribute with no JSON form (as as_graph_def).
    """
    if context.executing_eagerly() and graph is None:
        raise RuntimeError(_EAGER)
    if export_scope:
        raise NotImplementedError("export_meta_graph(export_scope=...) is not supported: "
                                  "export the whole graph and import it with import_scope.")
    graph = get_default_graph() if graph is None else graph
    if saver_def is not None and not isinstance(saver_def, dict):
        saver_def = saver_def_of(saver_def)
    meta = {"meta_info_def": dict({"tensorflow_version": "twinflow", "tags": []},
                                  **(meta_info_def or {})),
            "graph_def": graph_def if graph_def is not None else as_graph_def(graph),
            "saver_def": saver_def,
            "collections": _collections(graph, graph.get_all_collection_keys()
                                        if collection_list is None else collection_list),
            "variables": [_variable_record(v) for v in _graph_variables(graph)]}
    if filename is not None:
        atomic_write(os.fspath(filename), json.dumps(meta, indent=1 if as_text else None))
    return meta


def write_saver_meta_graph(saver, path, graph):
    """What Saver.save(write_meta_graph=True) calls: writes `path` (prefix.meta). A graph
    that cannot be exported (a dataset iterator's Python dataset) only warns, once per
    Saver: the checkpoint itself is what a save must not fail on."""
    try:
        export_meta_graph(path, graph=graph, saver_def=saver)
    except ValueError as exc:
        if not getattr(saver, "_meta_graph_warned", False):
            saver._meta_graph_warned = True
            warnings.warn(f"The meta graph {path} was not written (pass "
                          f"write_meta_graph=False to skip it): {exc}", stacklevel=3)


def _load(meta_graph_or_file) -> dict:
    if isinstance(meta_graph_or_file, dict):
        return meta_graph_or_file
    path = os.fspath(meta_graph_or_file)
    if not os.path.exists(path):
        raise OSError(f"File does not exist. Received: {path}.")
    with open(path, encoding="utf-8") as f:
        try:
            meta = json.load(f)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path} is not a JSON meta graph: {exc}") from None
    if not isinstance(meta, dict) or "graph_def" not in meta:
        raise ValueError(f"{path} is not a meta graph: no \"graph_def\" entry.")
    return meta


def _element(ops, name):
    op_name, index, _ = parse_input(name)
    op = ops.get(op_name)
    if op is None:
        return None
    return op.outputs[index] if ":" in name else op


def _rebuild_variable(record, ops) -> Variable:
    """A Variable object around the imported handle, initializer and read ops (no op is
    built: the graph already has them)."""
    v = object.__new__(Variable)
    handle = ops[record["name"]].outputs[0]
    v._handle = handle
    v._resource = handle.op.get_attr("handle")
    v._name = handle.op.name
    v._dtype = handle.op.get_attr("dtype")
    v._shape = handle.op.get_attr("shape")
    v._trainable = record.get("trainable", True)
    v._validate_shape = record.get("validate_shape", True)
    v._constraint = None
    v._initializer_op = ops[record["initializer"]]
    v._graph_element = _element(ops, record["snapshot"])
    v._initial_value = _element(ops, record["initial_value"]) \
        if record.get("initial_value") else None
    return v


def _restore_collections(graph, collections, ops, variables):
    for key, items in collections.items():
        for item in items:
            if isinstance(item, str):
                value = _element(ops, item)
            elif "variable" in item:
                value = variables.get(item["variable"])
            else:
                value = item.get("value")
            if value is None and not (isinstance(item, dict) and "value" in item):
                warnings.warn(f"Collection {key!r}: {item!r} is not in the imported graph "
                              "and is left out.", stacklevel=3)
                continue
            graph.add_to_collection(key, value)


def _saver(meta, variables, graph, import_scope):
    """A Saver over the imported variables under the keys the checkpoint was written
    with (the Saver's keys if exported, else the variables' exported names)."""
    saver_def = meta.get("saver_def")
    if saver_def:
        var_list = {key: variables[name] for key, name in saver_def["var_list"].items()
                    if name in variables}
        options = {"max_to_keep": saver_def.get("max_to_keep", 5),
                   "keep_checkpoint_every_n_hours": saver_def.get(
                       "keep_checkpoint_every_n_hours", 10000.0),
                   "pad_step_number": saver_def.get("pad_step_number", False)}
    else:
        keep = {id(v) for key in (GraphKeys.GLOBAL_VARIABLES, SAVEABLE_OBJECTS)
                for v in graph.get_collection(key)}
        var_list = {name: v for name, v in variables.items() if id(v) in keep}
        options = {}
    if not var_list:
        return None
    name = f"{import_scope}/save" if import_scope else "save"
    return Saver(var_list, name=name, **options)


def import_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None, **kwargs):
    """Imports a meta graph into the default graph; returns a Saver for its variables.

    The ops are named as exported (made unique if taken), or `import_scope/...`. Each
    exported variable becomes a Variable object in the collections it was in, so
    tf.compat.v1.global_variables() lists it and optimizers and Savers work with it.

    Args:
        meta_graph_or_file: the dict export_meta_graph returned, or the path it wrote.
        clear_devices: accepted for compatibility.
        import_scope: a name scope for the imported ops.
        **kwargs: input_map is passed on to the graph import.

    Returns:
        A Saver over the imported variables (None when there are none).

    Raises:
        RuntimeError: called while executing eagerly outside a graph.
        OSError: the file does not exist.
        ValueError: the file is not a meta graph.
    """
    if context.executing_eagerly():
        raise RuntimeError(_EAGER)
    meta = _load(meta_graph_or_file)
    graph = get_default_graph()
    ops = import_nodes(meta["graph_def"], graph, kwargs.get("input_map"), import_scope or "")
    variables = {r["name"]: _rebuild_variable(r, ops) for r in meta.get("variables", ())}
    _restore_collections(graph, meta.get("collections", {}), ops, variables)
    return _saver(meta, variables, graph, import_scope)
