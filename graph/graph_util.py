"""tf.compat.v1.graph_util: prune a GraphDef, freeze its variables, drop training nodes.

Freezing is how TF1 shipped a model: one graph file with the weights inside, nothing
to initialise or restore. These functions work on GraphDef dicts (graph/graph_def.py)
and return new ones; the input is never changed.
"""

from __future__ import annotations

import copy

import numpy as np

from engine import dtypes
from engine.context import execute
from engine.ops import state
from graph.graph_def import encode_array, parse_input

__all__ = ["extract_sub_graph", "convert_variables_to_constants", "remove_training_nodes"]


def _check_names(dest_nodes):
    if isinstance(dest_nodes, str) or not all(isinstance(n, str) for n in dest_nodes):
        raise TypeError(f"dest_nodes must be an iterable of strings, but got type "
                        f"{type(dest_nodes)}.")


def _function_refs(value, out):
    """Collects the library function keys an attribute value refers to."""
    if isinstance(value, list):
        for v in value:
            _function_refs(v, out)
    elif isinstance(value, dict):
        if "func" in value:
            out.add(value["func"])
        for v in value.get("tuple", ()):
            _function_refs(v, out)


def _pruned_library(nodes, library):
    """The library entries `nodes` use, directly or through other functions."""
    functions = {f["name"]: f for f in library.get("function", ())}
    graphs = {g["name"]: g for g in library.get("graph", ())}
    wanted = set()
    for node in nodes:
        for value in (node.get("attr") or {}).values():
            _function_refs(value, wanted)
    keep_f, keep_g, stack = set(), set(), list(wanted)
    while stack:
        key = stack.pop()
        if key in keep_f or key not in functions:
            continue
        keep_f.add(key)
        graph_key = functions[key]["graph"]
        if graph_key in keep_g or graph_key not in graphs:
            continue
        keep_g.add(graph_key)
        refs = set()
        for node in graphs[graph_key]["node"]:
            for value in (node.get("attr") or {}).values():
                _function_refs(value, refs)
        stack.extend(refs)
    return {"function": [copy.deepcopy(f) for f in library.get("function", ())
                         if f["name"] in keep_f],
            "graph": [copy.deepcopy(g) for g in library.get("graph", ()) if g["name"] in keep_g]}


def extract_sub_graph(graph_def, dest_nodes):
    """The graph def pruned to the nodes `dest_nodes` need (data and control inputs).

    Args:
        graph_def: a GraphDef dict.
        dest_nodes: the names of the nodes to keep with everything they depend on.

    Returns:
        A new GraphDef dict (nodes in their original order, the library pruned too).

    Raises:
        TypeError: dest_nodes is a string rather than a list of strings.
        AssertionError: a name is not in the graph (TensorFlow's class for it).
    """
    _check_names(dest_nodes)
    by_name = {n["name"]: n for n in graph_def["node"]}
    keep, stack = set(), []
    for name in dest_nodes:
        name = parse_input(name)[0]
        if name not in by_name:
            raise AssertionError(f"{name} is not in graph")
        stack.append(name)
    while stack:
        name = stack.pop()
        if name in keep:
            continue
        keep.add(name)
        stack.extend(parse_input(i)[0] for i in by_name[name].get("input", ()))
    nodes = [copy.deepcopy(n) for n in graph_def["node"] if n["name"] in keep]
    return {"node": nodes, "library": _pruned_library(nodes, graph_def.get("library") or {}),
            "versions": copy.deepcopy(graph_def.get("versions", {"producer": 1}))}


def _variable_values(sess, names):
    """{variable node name: its current value in `sess`}, read with ONE session.run.

    Reads through a ReadVariableOp the graph already has (building one only if none),
    so freezing a finalized graph works."""
    graph = sess.graph
    reads = []
    for name in names:
        handle = graph.get_operation_by_name(name).outputs[0]
        found = [op for op in graph.get_operations()
                 if op.type == "ReadVariableOp" and op.inputs[0] is handle]
        if found:
            reads.append(found[0].outputs[0])
        else:
            with graph.as_default():
                reads.append(execute(state.READ, (handle,), {"dtype": handle.op.get_attr(
                    "dtype")}, f"{name}/frozen_read"))
    return dict(zip(names, sess.run(reads)))


def _const_node(node, value):
    dtype = dtypes.as_dtype(node["attr"]["dtype"]["type"])
    array = np.asarray(value, dtype=object if dtype is dtypes.string else dtype.as_numpy_dtype)
    return {"name": node["name"], "op": "Const", "input": [],
            "attr": {"value": encode_array(array), "dtype": {"type": dtype.name}},
            "outputs": [{"dtype": dtype.name, "shape": list(array.shape)}],
            "defined_at": node.get("defined_at")}


def convert_variables_to_constants(sess, input_graph_def, output_node_names,
                                   variable_names_whitelist=None,
                                   variable_names_blacklist=None):
    """The graph def pruned to `output_node_names`, each variable a Const of its value.

    As in TensorFlow, a variable's VarHandleOp becomes a Const of the same name holding
    its current value in `sess`, and each ReadVariableOp of it an Identity: the frozen
    graph needs no initializer and no checkpoint.

    Args:
        sess: the Session holding the values (its graph is the one exported).
        input_graph_def: a GraphDef dict of sess.graph.
        output_node_names: the names of the nodes the frozen graph must compute.
        variable_names_whitelist: if given, only these variables are frozen.
        variable_names_blacklist: these variables are left as variables.

    Raises:
        TypeError / AssertionError: as extract_sub_graph.
        ValueError: a frozen variable is used other than by ReadVariableOp (assigned,
            or read inside a tf.cond / while_loop / tf.function body).
    """
    frozen = extract_sub_graph(input_graph_def, output_node_names)
    names = [n["name"] for n in frozen["node"] if n["op"] == "VarHandleOp"
             and (variable_names_whitelist is None or n["name"] in variable_names_whitelist)
             and (variable_names_blacklist is None or n["name"] not in
                  variable_names_blacklist)]
    values = _variable_values(sess, names) if names else {}
    nodes = []
    for node in frozen["node"]:
        if node["name"] in values:
            nodes.append(_const_node(node, values[node["name"]]))
            continue
        data = [parse_input(i)[0] for i in node.get("input", ()) if not i.startswith("^")]
        variable = next((d for d in data if d in values), None)
        if variable is not None:
            if node["op"] != "ReadVariableOp":
                raise ValueError(
                    f"Cannot freeze variable {variable!r}: node {node['name']!r} "
                    f"({node['op']}) uses its handle, and only reads (ReadVariableOp) can "
                    "become constants. Variables assigned by the outputs, or read inside "
                    "tf.cond / tf.while_loop / tf.function bodies, cannot be frozen: leave "
                    "them out with variable_names_blacklist, or freeze only inference "
                    "outputs.")
            node = dict(node, op="Identity", attr={})
        nodes.append(node)
    frozen["node"] = nodes
    return frozen


def remove_training_nodes(input_graph, protected_nodes=None):
    """The graph def without Identity and CheckNumerics nodes: their readers read their
    input directly. Nodes named in `protected_nodes`, nodes with control inputs and
    nodes used as control inputs are kept (TensorFlow's rules).

    TensorFlow removes CheckNumerics nodes without reconnecting their readers; here they
    are spliced out like Identity, so the result still runs.
    """
    protected = set(protected_nodes or ())
    nodes = input_graph["node"]
    controlled, control_sources = set(), set()
    for node in nodes:
        for name in node.get("input", ()):
            if name.startswith("^"):
                controlled.add(node["name"])
                control_sources.add(name[1:])
    splice = {n["name"]: n["input"][0] for n in nodes
              if n["op"] in ("Identity", "CheckNumerics") and n["name"] not in protected
              and n["name"] not in controlled and n["name"] not in control_sources
              and n.get("input")}
    out = []
    for node in nodes:
        if node["name"] in splice:
            continue
        node = copy.deepcopy(node)
        inputs = []
        for full in node.get("input", ()):
            while parse_input(full)[0] in splice and parse_input(full)[1] == 0:
                full = splice[parse_input(full)[0]]
            inputs.append(full)
        node["input"] = inputs
        out.append(node)
    return {"node": out, "library": copy.deepcopy(input_graph.get("library") or {}),
            "versions": copy.deepcopy(input_graph.get("versions", {"producer": 1}))}
