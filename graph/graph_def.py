"""GraphDef as JSON: export a Graph's ops, import them into another graph.

TensorFlow serialises a graph as a GraphDef protobuf; twinflow writes the same content
as a dict (JSON on disk): readable, diffable, loaded without pickle. A node is {"name",
"op", "input", "attr", "outputs"}; inputs are "x" (output 0), "y:1" and "^ctrl" as in
TensorFlow. Attribute values JSON has no type for are tagged dicts:

    {"type": "float32"}                          a DType
    {"shape": [None, 3]} / {"shape": None}       a TensorShape (None: unknown rank)
    {"dtype", "shape", "base64"}                 a numpy array's raw little-endian bytes
                                                 (strings: a list of base64 elements)
    {"resource": kind, "name", "key", ...}       a ResourceHandle (a new one per import)
    {"func": name}                               a traced function, in "library"
    {"tuple": [...]}, {"bytes": b64}, {"spec": {...}}

Traced functions (Case/While/call ops) are references into `library`: its "graph"
list holds each FuncGraph once (functions may share one: a forward function and its
gradient variants), its "function" list each TracedFunction as inputs, outputs and
captures of such a graph. Import rebuilds every op with its registered OpDef through
`Graph.run_op`, so shapes are inferred again and every op checked as it is built.
"""

from __future__ import annotations

import base64
import heapq
import json
import os
import tempfile

import numpy as np

from engine import dtypes, errors
from engine.registry import OPS
from engine.resources import ResourceHandle
from engine.shapes import TensorShape
from engine.tensor_base import TensorBase
from engine.tensor_spec import TensorSpec
from graph.func_graph import FuncGraph, TracedFunction
from graph.graph import get_default_graph
from graph.tensor import Operation, Tensor

__all__ = ["as_graph_def", "import_graph_def", "import_nodes", "write_graph", "to_json",
           "from_json", "atomic_write", "encode_array", "decode_array", "parse_input",
           "shape_list", "PRODUCER"]

PRODUCER = 1  # bumped when the format changes incompatibly


# ---------------------------------------------------------------- small helpers ------

def shape_list(shape):
    """A TensorShape as JSON: a list with None for unknown dims, None for unknown rank."""
    shape = TensorShape(shape)
    return None if shape.rank is None else shape.as_list()


def parse_input(name: str):
    """'x' -> ('x', 0, False); 'y:1' -> ('y', 1, False); '^c' -> ('c', None, True)."""
    if name.startswith("^"):
        return name[1:], None, True
    op_name, sep, index = name.rpartition(":")
    if sep and index.isdigit():
        return op_name, int(index), False
    return name, 0, False


def _input_name(tensor) -> str:
    return tensor.op.name if tensor.value_index == 0 else tensor.name


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def encode_array(array) -> dict:
    """A numpy array as {"dtype", "shape", "base64"}: its raw little-endian bytes, or for
    a string array the list of its elements' bytes (exact: no float text round trip)."""
    array = np.asarray(array)
    if array.dtype == object or array.dtype.kind in "SU":
        items = [x.encode() if isinstance(x, str) else bytes(x) for x in array.reshape(-1)]
        return {"dtype": "string", "shape": list(array.shape),
                "base64": [_b64(x) for x in items]}
    little = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    return {"dtype": array.dtype.name, "shape": list(array.shape),
            "base64": _b64(little.tobytes())}


def decode_array(record: dict) -> np.ndarray:
    """The array `encode_array` wrote, bit for bit (a new writable array)."""
    shape = tuple(record["shape"])
    if record["dtype"] == "string":
        flat = np.empty(len(record["base64"]), dtype=object)
        flat[:] = [base64.b64decode(x) for x in record["base64"]]
        return flat.reshape(shape)
    dtype = np.dtype(record["dtype"])
    raw = base64.b64decode(record["base64"])
    return np.frombuffer(raw, dtype=dtype.newbyteorder("<")).astype(dtype).reshape(shape)


class _Unserializable(Exception):
    pass


# ---------------------------------------------------------------- export -------------

class _Exporter:
    """Turns Operations into node dicts; gives each FuncGraph and TracedFunction one
    library entry (keys assigned before their nodes are walked, so cycles end)."""

    def __init__(self, root, lenient=False):
        self.root = root
        self.lenient = lenient
        self.graph_keys = {}  # id(FuncGraph) -> key
        self.func_keys = {}   # id(TracedFunction) -> key
        self.graphs, self.functions = [], []
        self._taken = (set(), set())  # graph keys, function keys

    def _key(self, base, kind):
        taken = self._taken[kind]
        key, i = base, 1
        while key in taken:
            key, i = f"{base}_{i}", i + 1
        taken.add(key)
        return key

    def nodes(self, graph):
        return [self.node(op) for op in graph.get_operations()]

    def node(self, op):
        attrs = {}
        for key, value in op._attrs.items():
            try:
                attrs[key] = self.encode(value)
            except _Unserializable as exc:
                if self.lenient:
                    attrs[key] = {"python": repr(value)}
                    continue
                raise ValueError(
                    f"Cannot export op {op.name!r} ({op.type}, built at {op.defined_at}): "
                    f"its attr {key!r} holds {exc}, which has no GraphDef form. Graphs "
                    "holding Python objects (datasets, callables, streams, summary "
                    "writers) can run but not be exported; build this part again after "
                    "importing.") from None
        return {"name": op.name, "op": op.type,
                "input": [_input_name(t) for t in op._inputs] +
                         [f"^{c.name}" for c in op._control_inputs],
                "attr": attrs,
                "outputs": [{"dtype": t.dtype.name, "shape": shape_list(t.shape)}
                            for t in op._outputs],
                "defined_at": op.defined_at}

    def encode(self, value):
        """One attribute value as JSON (tagged dicts for what JSON has no type for)."""
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, tuple):
            return {"tuple": [self.encode(v) for v in value]}
        if isinstance(value, dtypes.DType):
            return {"type": value.name}
        if isinstance(value, TensorShape):
            return {"shape": shape_list(value)}
        if isinstance(value, np.ndarray):
            return encode_array(value)
        if isinstance(value, np.generic):
            return dict(encode_array(np.asarray(value)), numpy_scalar=True)
        if isinstance(value, bytes):
            return {"bytes": _b64(value)}
        if isinstance(value, ResourceHandle):
            return {"resource": value.kind, "name": value.name, "key": value.key,
                    "dtype": getattr(value.dtype_hint, "name", None),
                    "shape": None if value.shape_hint is None else
                    {"shape": shape_list(value.shape_hint)}}
        if isinstance(value, TracedFunction):
            return {"func": self.function(value)}
        if isinstance(value, TensorSpec):
            return {"spec": {"shape": shape_list(value.shape), "dtype": value.dtype.name,
                             "name": value.name}}
        raise _Unserializable(f"a {type(value).__module__}.{type(value).__qualname__}")

    def graph_key(self, graph):
        """'' for the graph being exported, a library key for a FuncGraph (exported on
        first use), None for anything else (an eager value)."""
        if graph is self.root:
            return ""
        if not isinstance(graph, FuncGraph):
            return None
        key = self.graph_keys.get(id(graph))
        if key is None:
            key = self.graph_keys[id(graph)] = self._key(graph.name, 0)
            record = {"name": key, "graph_name": graph.name,
                      "lifts_variables": graph.lifts_variables,
                      "tensor_equality": graph.tensor_equality}
            self.graphs.append(record)
            record["node"] = self.nodes(graph)
            record["inputs"] = [t.name for t in graph.inputs]
            record["captures"] = self.captures(graph.captures)
        return key

    def captures(self, pairs):
        out = []
        for outer, inner in pairs:
            where = self.graph_key(outer.graph) if isinstance(outer, Tensor) else None
            out.append({"outer": outer.name if where is not None else None,
                        "outer_graph": where, "inner": inner.name})
        return out

    def function(self, fn):
        key = self.func_keys.get(id(fn))
        if key is None:
            graph = self.graph_key(fn.graph)
            key = self.func_keys[id(fn)] = self._key(graph, 1)
            self.functions.append({
                "name": key, "graph": graph,
                "inputs": [t.name for t in fn.inputs],
                "outputs": [f"^{t.name}" if isinstance(t, Operation) else t.name
                            for t in fn.outputs],
                "captures": self.captures(fn.captures),
                "stateful": bool(getattr(fn, "stateful", True))})
        return key


def as_graph_def(graph=None, lenient=False) -> dict:
    """The graph (default: the default graph) as a JSON-ready GraphDef dict.

    With `lenient`, attributes with no JSON form are written as {"python": repr} instead
    of raising: enough to draw the graph (TensorBoard), not to import it.

    Returns:
        {"node": [...], "library": {"function": [...], "graph": [...]},
         "versions": {"producer": PRODUCER}}

    Raises:
        ValueError: an op holds an attribute with no JSON form (a Dataset, a callable),
            naming the op and the attribute.
    """
    graph = get_default_graph() if graph is None else graph
    exporter = _Exporter(graph, lenient)
    nodes = exporter.nodes(graph)
    return {"node": nodes,
            "library": {"function": exporter.functions, "graph": exporter.graphs},
            "versions": {"producer": PRODUCER}}


# ---------------------------------------------------------------- import -------------

def _ordered(nodes, where):
    """The nodes in a topological order (file order among ready nodes), checking op
    types and input names first so a bad graph def builds nothing."""
    index = {}
    for i, node in enumerate(nodes):
        if node["name"] in index:
            raise ValueError(f"Duplicate node name in graph def{where}: '{node['name']}'")
        index[node["name"]] = i
    waiting, readers = [0] * len(nodes), [[] for _ in nodes]
    for i, node in enumerate(nodes):
        if node["op"] not in OPS:
            raise errors.NotFoundError(
                None, None, f"Op type not registered '{node['op']}' in binary running on "
                "twinflow. Make sure the Op and Kernel are registered in the binary running "
                "in this process (import the module defining it before importing the graph).")
        for name in node.get("input", ()):
            dep = parse_input(name)[0]
            if dep not in index:
                raise ValueError(f"Node '{node['name']}': Unknown input node '{name}'")
            waiting[i] += 1
            readers[index[dep]].append(i)
    ready = [i for i, n in enumerate(waiting) if n == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(nodes[i])
        for j in readers[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, j)
    if len(order) != len(nodes):
        stuck = [nodes[i]["name"] for i, n in enumerate(waiting) if n > 0]
        raise ValueError(f"The graph def{where} has a cycle through nodes {stuck[:5]}")
    return order


def _unique(graph, full_name):
    """`full_name`, or full_name_1, ... if taken (TensorFlow's rule on import)."""
    with graph.name_scope(None):
        return graph.unique_name(full_name)


class _Importer:
    """Rebuilds nodes (and the library functions they use) into graphs."""

    def __init__(self, graph_def):
        library = graph_def.get("library") or {}
        self.func_records = {f["name"]: f for f in library.get("function", ())}
        self.graph_records = {g["name"]: g for g in library.get("graph", ())}
        self.functions = {}  # key -> TracedFunction
        self.maps = {}       # graph key ('' = root) -> {exported op name: new Operation}
        self.graphs = {}     # library key -> FuncGraph
        self.handles = {}    # exported handle key -> new ResourceHandle
        self._naming = ("", "", "")  # (exported op name, new op name, prefix)

    def build(self, graph, nodes, key, prefix="", input_map=None):
        """Adds `nodes` to `graph`; returns {exported op name: Operation}."""
        ops = self.maps[key] = {}
        where = f" (function graph {key!r})" if key else ""
        with graph.as_default():
            for node in _ordered(nodes, where):
                name = node["name"]
                new_name = _unique(graph, f"{prefix}/{name}" if prefix else name)
                inputs, controls = self._inputs(node, ops, input_map)
                self._naming = (name, new_name, prefix)
                attrs = {k: self.decode(v) for k, v in (node.get("attr") or {}).items()}
                with graph.control_dependencies(controls):
                    graph.run_op(OPS[node["op"]], inputs, attrs, new_name + "/")
                op = ops[name] = graph.get_operation_by_name(new_name)
                _restore_static_info(op, node)
        return ops

    @staticmethod
    def _inputs(node, ops, input_map):
        inputs, controls = [], []
        for full in node.get("input", ()):
            op_name, index, control = parse_input(full)
            if control:
                controls.append(ops[op_name])
                continue
            key = f"{op_name}:{index}"
            mapped = input_map.get(key) if input_map is not None else None
            inputs.append(mapped if mapped is not None else ops[op_name]._outputs[index])
        return inputs, controls

    def decode(self, value):
        """An attribute value from its JSON form (Exporter.encode, reversed)."""
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "base64" in value:
            array = decode_array(value)
            return array[()] if value.get("numpy_scalar") else array
        if "resource" in value:
            return self.handle(value)
        if "type" in value:
            return dtypes.as_dtype(value["type"])
        if "shape" in value:
            return TensorShape(value["shape"])
        if "tuple" in value:
            return tuple(self.decode(v) for v in value["tuple"])
        if "func" in value:
            return self.function(value["func"])
        if "bytes" in value:
            return base64.b64decode(value["bytes"])
        if "python" in value:
            raise ValueError(f"Cannot import attribute value {value['python']}: it was a "
                             "Python object, exported with lenient=True for display only.")
        if "spec" in value:
            spec = value["spec"]
            return TensorSpec(spec["shape"], dtypes.as_dtype(spec["dtype"]), spec["name"])
        raise ValueError(f"Unknown attribute encoding in graph def: {value!r}")

    def handle(self, record):
        """A new ResourceHandle per exported one: importing twice gives two variables."""
        key = record.get("key")
        if key not in self.handles:
            old_name, new_name, prefix = self._naming
            name = record["name"]
            name = new_name if name == old_name else f"{prefix}/{name}" if prefix else name
            shape, dtype = record.get("shape"), record.get("dtype")
            self.handles[key] = ResourceHandle(name, record["resource"],
                                               dtypes.as_dtype(dtype) if dtype else None,
                                               TensorShape(shape["shape"]) if shape else None)
        return self.handles[key]

    def _tensor(self, key, name):
        op_name, index, _ = parse_input(name)
        return self.maps[key][op_name]._outputs[index]

    def _outer(self, capture):
        where = capture.get("outer_graph")
        if where is None or where not in self.maps:
            return None
        op = self.maps[where].get(parse_input(capture["outer"])[0])
        return None if op is None else op._outputs[parse_input(capture["outer"])[1]]

    def func_graph(self, key):
        graph = self.graphs.get(key)
        if graph is not None:
            return graph
        try:
            record = self.graph_records[key]
        except KeyError:
            raise ValueError(f"Function graph {key!r} is not in the graph def's library") \
                from None
        graph = self.graphs[key] = FuncGraph(record.get("graph_name", key),
                                             record.get("lifts_variables", False))
        graph.tensor_equality = record.get("tensor_equality", False)
        graph.outer_graph = None
        naming = self._naming
        self.build(graph, record["node"], key)
        self._naming = naming
        graph.inputs = [self._tensor(key, n) for n in record.get("inputs", ())]
        graph.captures = self._pairs(key, record.get("captures", ()))
        for outer, inner in graph.captures:
            if outer is not None:
                graph._captured[id(outer)] = inner
                if inner.dtype == dtypes.resource:
                    graph._handles[id(inner)] = outer._static_value()
        return graph

    def _pairs(self, key, captures):
        return [(self._outer(c), self._tensor(key, c["inner"])) for c in captures]

    def function(self, key):
        fn = self.functions.get(key)
        if fn is not None:
            return fn
        try:
            record = self.func_records[key]
        except KeyError:
            raise ValueError(f"Function {key!r} is not in the graph def's library") from None
        graph = self.func_graph(record["graph"])
        gkey = record["graph"]
        outputs = [self.maps[gkey][n[1:]] if n.startswith("^") else self._tensor(gkey, n)
                   for n in record["outputs"]]
        fn = TracedFunction(graph, outputs, [self._tensor(gkey, n) for n in record["inputs"]],
                            self._pairs(gkey, record.get("captures", ())))
        fn.stateful = record.get("stateful", True)
        self.functions[key] = fn
        return fn


def _restore_static_info(op, node):
    """Static shapes narrowed by set_shape in the exported graph, and where it was built."""
    for tensor, spec in zip(op._outputs, node.get("outputs") or ()):
        try:
            tensor.set_shape(TensorShape(spec.get("shape")))
        except ValueError:
            pass  # input_map fed another shape: keep what inference says
    if node.get("defined_at"):
        op._defined_at = node["defined_at"]


def _check_import_args(graph_def, input_map, return_elements):
    """TensorFlow's argument checks, all before anything is built."""
    if not isinstance(graph_def, dict) or "node" not in graph_def:
        raise TypeError(f"Argument `graph_def` must be a GraphDef dict (from as_graph_def() "
                        f"or from_json()), not {type(graph_def).__name__}.")
    if input_map is not None and not isinstance(input_map, dict):
        raise TypeError(f"Argument `input_map` must be a dictionary. Obtained "
                        f"{type(input_map).__name__}")
    if return_elements is not None and (isinstance(return_elements, str) or not all(
            isinstance(e, str) for e in return_elements)):
        raise TypeError(f"Argument `return_elements` must be a list of strings (tensor "
                        f"names 'op:0' or operation names), got {return_elements!r}")
    outputs = {n["name"]: len(n.get("outputs") or ()) for n in graph_def["node"]}
    for element in return_elements or ():
        op_name, index, _ = parse_input(element)
        if op_name not in outputs:
            kind = "tensor" if ":" in element else "node"
            raise ValueError(f"Requested return {kind} '{element}' not found in graph def")
        if ":" in element and index >= outputs[op_name]:
            raise ValueError(f"Invalid return output {index} of node '{op_name}', which "
                             f"has {outputs[op_name]} output(s)")


def _input_map(graph_def, input_map):
    """{'name:i': tensor}, checked against the graph def's nodes (TensorFlow's rules)."""
    if not input_map:
        return None
    outputs = {n["name"]: n.get("outputs") or [] for n in graph_def["node"]}
    out, missing = {}, []
    for key, value in input_map.items():
        op_name, index, _ = parse_input(str(key))
        if op_name not in outputs or index >= len(outputs[op_name]):
            missing.append(str(key))
        elif not isinstance(value, TensorBase):
            raise TypeError(f"input_map[{key!r}] must be a Tensor, got {value!r}")
        else:
            out[f"{op_name}:{index}"] = value._as_tensor()
            _check_mapped_dtype(graph_def, op_name, index, outputs, out[f"{op_name}:{index}"])
    if missing:
        raise ValueError(f"Attempted to map inputs that were not found in graph_def: "
                         f"[{', '.join(missing)}]")
    return out


def _check_mapped_dtype(graph_def, op_name, index, outputs, tensor):
    """A mapped tensor must have the replaced tensor's dtype where it is read."""
    expected = outputs[op_name][index].get("dtype")
    if expected is None or tensor.dtype.name == expected:
        return
    for node in graph_def["node"]:
        for i, name in enumerate(n for n in node.get("input", ()) if not n.startswith("^")):
            if parse_input(name)[:2] == (op_name, index):
                raise ValueError(f"Input {i} of node {node['name']} was passed "
                                 f"{tensor.dtype.name} from {tensor.name} incompatible with "
                                 f"expected {expected}.")


def import_nodes(graph_def, graph=None, input_map=None, name="import"):
    """Imports `graph_def` into `graph`: {exported op name: new Operation} (the
    mapping import_graph_def and import_meta_graph both need)."""
    graph = get_default_graph() if graph is None else graph
    input_map = _input_map(graph_def, input_map)
    name = "import" if name is None else name
    prefix = graph.get_name_scope() if name == "" else name[:-1] if name.endswith("/") \
        else graph.unique_name(name)
    return _Importer(graph_def).build(graph, graph_def["node"], "", prefix, input_map)


def import_graph_def(graph_def, input_map=None, return_elements=None, name=None,
                     op_dict=None, producer_op_list=None):
    """Imports a GraphDef dict into the default graph (tf.compat.v1.import_graph_def).

    Ops are named `name/<exported name>` ("import/..." by default; name="" keeps the
    names, made unique if taken; a name ending in "/" is used as is). Every resource
    (variable, table) gets a new handle: importing twice gives two variables.

    Args:
        graph_def: a dict from as_graph_def() / from_json().
        input_map: {"name:0": tensor} replacing exported tensors by tensors of this graph.
        return_elements: names to return: "op:0" gives the Tensor, "op" the Operation.
        name: the name scope of the imported ops.
        op_dict, producer_op_list: accepted for compatibility (unused, as in TF2).

    Returns:
        The list of requested elements, or None when return_elements is None.

    Raises:
        TypeError: graph_def, input_map or return_elements of the wrong type.
        ValueError: an unknown input, return or input_map name; an input_map dtype clash.
        NotFoundError: a node's op type is not registered.
    """
    _check_import_args(graph_def, input_map, return_elements)
    ops = import_nodes(graph_def, None, input_map, name)
    if return_elements is None:
        return None
    return [ops[parse_input(e)[0]]._outputs[parse_input(e)[1]] if ":" in e
            else ops[e] for e in return_elements]


# ---------------------------------------------------------------- files --------------

def to_json(graph_or_graph_def, indent=1) -> str:
    """JSON text of a Graph or GraphDef dict (NaN and Infinity written as JSON5 does)."""
    graph_def = graph_or_graph_def if isinstance(graph_or_graph_def, dict) else \
        as_graph_def(graph_or_graph_def)
    return json.dumps(graph_def, indent=indent)


def from_json(text) -> dict:
    """The GraphDef dict of JSON text (a str or bytes).

    Raises:
        ValueError: the text is not JSON, or not a graph def.
    """
    try:
        graph_def = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"Not a JSON graph def: {exc}") from None
    if not isinstance(graph_def, dict) or not isinstance(graph_def.get("node"), list):
        raise ValueError("Not a JSON graph def: expected an object with a \"node\" list.")
    return graph_def


def atomic_write(path, data):
    """Writes `data` (str or bytes) to a temporary file beside `path`, then renames it over
    `path`, so a reader never sees half a file; creates the directory."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_graph(graph_or_graph_def, logdir, name, as_text=True) -> str:
    """Writes the graph as JSON to `logdir/name` (tf.io.write_graph); returns the path.

    Always JSON (TensorFlow writes a protobuf): indented when as_text, compact otherwise.
    The directory is created; the file is written under a temporary name then renamed.
    """
    path = os.path.join(os.fspath(logdir), name)
    atomic_write(path, to_json(graph_or_graph_def, indent=1 if as_text else None))
    return path
