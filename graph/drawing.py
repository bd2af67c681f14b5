"""Pictures of a graph: networkx, Graphviz DOT, and SVG/PNG for files and Jupyter.

A TF1 graph is easiest to understand drawn the way TensorBoard draws it: name scopes
as boxes (or collapsed to one node each), data edges labelled with the tensor's shape,
control edges dashed, and — given fetches — the part Session.run would actually run
in bold. `to_networkx` is the structure (for analysis); `to_dot` the text Graphviz
lays out; `draw` renders with Graphviz's `dot` program when it is installed, else with
matplotlib, else says which optional extra to install.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess

import networkx as nx

from engine.tensor_base import TensorBase
from graph.graph_def import atomic_write, parse_input, shape_list
from graph.tensor import Operation, Tensor

__all__ = ["to_networkx", "to_dot", "draw", "repr_svg", "repr_png"]

_MISSING = ("draw() needs Graphviz's `dot` program or matplotlib, and neither was found. "
            "Install one: pip install 'twinflow[drawing]' (matplotlib), or Graphviz "
            "(apt-get install graphviz, brew install graphviz).")


# ---------------------------------------------------------------- structure ----------

def _shape_text(shape) -> str:
    dims = shape_list(shape)
    if dims is None:
        return "<unknown>"
    return "(" + ", ".join("?" if d is None else str(d) for d in dims) + \
        ("," if len(dims) == 1 else "") + ")"


def _records(graph_or_graph_def):
    """(name, type, defined_at, data inputs, control inputs) per op, from a Graph or a
    GraphDef dict; a data input is (source op, output index, dtype name, shape text)."""
    if isinstance(graph_or_graph_def, dict):
        nodes = graph_or_graph_def["node"]
        outputs = {n["name"]: n.get("outputs") or [] for n in nodes}
        for node in nodes:
            data, control = [], []
            for name in node.get("input", ()):
                src, index, is_control = parse_input(name)
                if is_control:
                    control.append(src)
                    continue
                specs = outputs.get(src, [])
                spec = specs[index] if index < len(specs) else {}
                data.append((src, index, spec.get("dtype"), _shape_text(spec.get("shape"))))
            yield node["name"], node["op"], node.get("defined_at"), data, control
        return
    for op in graph_or_graph_def.get_operations():
        data = [(t.op.name, t.value_index, t.dtype.name, _shape_text(t.shape))
                for t in op.inputs]
        yield op.name, op.type, op.defined_at, data, [c.name for c in op.control_inputs]


def to_networkx(graph_or_graph_def) -> nx.DiGraph:
    """The graph as a networkx DiGraph.

    Nodes are op names with attributes `type`, `scope` (the name scope the op is drawn
    in: an op whose name is itself a scope, like a variable "w" beside "w/Assign", is
    drawn inside it, as TensorBoard does) and `defined_at` (the user's file:line).
    Edges carry `control` (True for a control dependency), and for data edges `index`
    (the output index), `tensor` ("op:index"), `tensors` (all tensors between the two
    ops), `dtype` and `shape`.
    """
    records = list(_records(graph_or_graph_def))
    prefixes = set()
    for name, *_ in records:
        parts = name.split("/")
        prefixes.update("/".join(parts[:i]) for i in range(1, len(parts)))
    g = nx.DiGraph()
    for name, op_type, defined_at, _, _ in records:
        scope = name if name in prefixes else name.rpartition("/")[0]
        g.add_node(name, type=op_type, scope=scope, defined_at=defined_at)
    for name, _, _, data, control in records:
        for src, index, dtype, shape in data:
            tensor = f"{src}:{index}"
            if g.has_edge(src, name) and not g.edges[src, name]["control"]:
                g.edges[src, name]["tensors"].append(tensor)
                continue
            g.add_edge(src, name, control=False, index=index, tensor=tensor,
                       tensors=[tensor], dtype=dtype, shape=shape)
        for src in control:
            if not g.has_edge(src, name):
                g.add_edge(src, name, control=True, index=None, tensor=None, tensors=[])
    return g


def _fetch_names(highlight, g):
    names = []
    items = highlight if isinstance(highlight, (list, tuple, set)) else [highlight]
    for item in items:
        element = getattr(item, "_graph_element", None)  # a graph variable: its read
        item = element if element is not None else item
        if isinstance(item, (Tensor, Operation)):
            name = item.name.split(":")[0] if isinstance(item, Tensor) else item.name
        elif isinstance(item, str):
            name = parse_input(item)[0]
        elif isinstance(item, TensorBase):
            raise TypeError(f"highlight: {item!r} is not a graph tensor")
        else:
            raise TypeError(f"highlight takes Tensors, Operations or names, got {item!r}")
        if name not in g:
            raise ValueError(f"highlight: {name!r} is not an op of this graph")
        names.append(name)
    return names


def _view(graph, highlight, collapse_scopes):
    """The DiGraph to draw: node attrs label/scope/bold/kind, edge attrs control/bold/label.

    With `highlight`, the ops Session.run would run for those fetches (their ancestors
    through data and control edges) are bold. Collapsed, each top-level scope is one
    node named "scope/" (no op name ends in "/", so they never clash)."""
    g = graph if isinstance(graph, nx.DiGraph) else to_networkx(graph)
    bold = set()
    if highlight is not None:
        for name in _fetch_names(highlight, g):
            bold.add(name)
            bold.update(nx.ancestors(g, name))

    def target(n):
        scope = g.nodes[n]["scope"]
        return scope.split("/")[0] + "/" if collapse_scopes and scope else n
    view = nx.DiGraph()
    for n, attrs in g.nodes(data=True):
        t = target(n)
        if t.endswith("/"):
            if t not in view:
                view.add_node(t, label=t[:-1], scope="", kind="scope", count=0, bold=False)
            view.nodes[t]["count"] += 1
            view.nodes[t]["bold"] |= n in bold
        else:
            short = n.rpartition("/")[2]
            label = short if short == attrs["type"] else f"{short}\n{attrs['type']}"
            view.add_node(n, label=label, scope=attrs["scope"], kind=attrs["type"],
                          bold=n in bold, tooltip=attrs.get("defined_at") or "")
    for u, v, attrs in g.edges(data=True):
        a, b = target(u), target(v)
        if a == b:
            continue
        is_bold = u in bold and v in bold
        if view.has_edge(a, b):
            edge = view.edges[a, b]
            edge["control"] &= attrs["control"]
            edge["bold"] |= is_bold
            continue
        view.add_edge(a, b, control=attrs["control"], bold=is_bold,
                      label="" if attrs["control"] else attrs.get("shape") or "")
    for n in view:
        if view.nodes[n]["kind"] == "scope":
            view.nodes[n]["label"] += f"\n({view.nodes[n]['count']} ops)"
    view.graph["highlight"] = highlight is not None
    return view


# ---------------------------------------------------------------- DOT ----------------

def _q(text) -> str:
    """A DOT string literal; newlines become DOT's \\n."""
    text = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\n", "\\n") + '"'


_SHAPES = {"Placeholder": "ellipse", "VarHandleOp": "cylinder", "Const": "note",
           "scope": "box3d"}


def _node_line(n, attrs, dimmed):
    style = ["rounded"] if attrs["kind"] not in _SHAPES else []
    extra = ""
    if attrs["bold"]:
        style.append("bold")
        extra = ", penwidth=2.5"
    elif dimmed:
        extra = ", color=gray60, fontcolor=gray40"
    tooltip = f", tooltip={_q(attrs['tooltip'])}" if attrs.get("tooltip") else ""
    return (f"{_q(n)} [label={_q(attrs['label'])}, shape={_SHAPES.get(attrs['kind'], 'box')}"
            f", style={_q(','.join(style))}{extra}{tooltip}];")


def to_dot(graph, highlight=None, collapse_scopes=False) -> str:
    """Graphviz DOT text of a Graph (or GraphDef dict, or to_networkx result).

    Args:
        graph: what to draw.
        highlight: fetches (Tensors, Operations, variables or names): they and every op
            Session.run would run for them are drawn bold, the rest grey.
        collapse_scopes: draw each top-level name scope as one node.

    Raises:
        ValueError / TypeError: a highlight that is not an op or tensor of the graph.
    """
    view = _view(graph, highlight, collapse_scopes)
    dimmed = view.graph["highlight"]
    clusters = {}  # scope -> [node lines]
    for n, attrs in view.nodes(data=True):
        clusters.setdefault(attrs["scope"], []).append(_node_line(n, attrs, dimmed))
    scopes = sorted({s for scope in clusters if scope for s in _parents(scope)},
                    key=lambda s: (s.count("/"), s))
    lines = ["digraph twinflow {", "  rankdir=TB;", '  node [fontname="Helvetica", '
             'fontsize=10];', '  edge [fontname="Helvetica", fontsize=8];']
    lines += [f"  {line}" for line in clusters.get("", [])]
    lines += _cluster_lines(scopes, clusters)
    for a, b, attrs in view.edges(data=True):
        style = ["dashed"] if attrs["control"] else []
        extra = ""
        if attrs["bold"]:
            style.append("bold")
            extra = ", penwidth=2.5"
        elif dimmed:
            extra = ", color=gray60"
        label = f", label={_q(attrs['label'])}" if attrs["label"] else ""
        lines.append(f"  {_q(a)} -> {_q(b)} [style={_q(','.join(style))}{label}{extra}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _parents(scope):
    parts = scope.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _cluster_lines(scopes, clusters):
    """Nested `subgraph cluster_...` blocks, one per name scope (opened in depth order,
    closed when the next scope is not inside the open one)."""
    lines, open_scopes = [], []
    for scope in sorted(scopes):
        while open_scopes and not scope.startswith(open_scopes[-1] + "/"):
            open_scopes.pop()
            lines.append("  " * (len(open_scopes) + 1) + "}")
        indent = "  " * (len(open_scopes) + 1)
        lines.append(f"{indent}subgraph {_q('cluster_' + scope)} {{")
        lines.append(f"{indent}  label={_q(scope.rpartition('/')[2])}; style=rounded; "
                     "color=gray50;")
        lines += [f"{indent}  {line}" for line in clusters.get(scope, [])]
        open_scopes.append(scope)
    while open_scopes:
        open_scopes.pop()
        lines.append("  " * (len(open_scopes) + 1) + "}")
    return lines


# ---------------------------------------------------------------- rendering ----------

def _render_dot(text, fmt):
    """Bytes from Graphviz's `dot` program, or None when it is not installed."""
    exe = shutil.which("dot")
    if exe is None:
        return None
    result = subprocess.run([exe, f"-T{fmt}"], input=text.encode("utf-8"),
                            capture_output=True, timeout=120, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"Graphviz `dot -T{fmt}` failed: "
                           f"{result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def _layers(view):
    """Positions: one row per topological generation, inputs at the top; each row
    ordered by its nodes' mean parent position (fewer crossing edges)."""
    pos = {}
    for depth, layer in enumerate(nx.topological_generations(view)):
        def parent_x(n):
            xs = [pos[p][0] for p in view.predecessors(n) if p in pos]
            return (sum(xs) / len(xs) if xs else 0.0, n)
        layer = sorted(layer, key=parent_x)
        for i, n in enumerate(layer):
            pos[n] = (i - (len(layer) - 1) / 2, -depth)
    return pos


def _render_matplotlib(view, fmt):
    """Bytes drawn by matplotlib (no pyplot: no global state, no GUI backend), or None
    when matplotlib is not installed."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    pos = _layers(view)
    width = max([abs(x) for x, _ in pos.values()] + [1]) * 2 + 2
    depth = max([-y for _, y in pos.values()] + [1]) + 1
    fig = Figure(figsize=(min(40, 1.6 * width), min(40, 0.9 * depth + 1)))
    ax = fig.add_subplot()
    ax.set_axis_off()
    for control in (False, True):
        edges = [(a, b) for a, b, e in view.edges(data=True) if e["control"] is control]
        nx.draw_networkx_edges(view, pos, edgelist=edges, ax=ax, arrows=True,
                               node_size=900, node_shape="s",
                               style="dashed" if control else "solid",
                               width=[2.5 if view.edges[e]["bold"] else 1.0 for e in edges],
                               edge_color="black" if control is False else "gray")
    colors = ["#ffd27f" if view.nodes[n]["bold"] else "#cfe2f3" for n in view]
    nx.draw_networkx_nodes(view, pos, ax=ax, node_shape="s", node_size=900,
                           node_color=colors)
    nx.draw_networkx_labels(view, pos, ax=ax, font_size=7,
                            labels={n: view.nodes[n]["label"] for n in view})
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, bbox_inches="tight")
    return buffer.getvalue()


def draw(graph, highlight=None, collapse_scopes=False, path=None, format=None):  # noqa: A002
    """Renders the graph as SVG or PNG: with Graphviz's `dot` when installed (scopes as
    boxes), else with matplotlib (a networkx layout), and writes it to `path` if given.

    Args:
        graph: a Graph, GraphDef dict or to_networkx result.
        highlight, collapse_scopes: as to_dot.
        path: a file to write (its extension picks the format unless `format` is given).
        format: "svg" (default) or "png".

    Returns:
        The SVG text (str) or the PNG bytes.

    Raises:
        ImportError: neither Graphviz's `dot` nor matplotlib is installed (names the
            optional extra to install).
        ValueError: an unknown format.
    """
    fmt = (format or (os.path.splitext(os.fspath(path))[1][1:] if path else "") or "svg")
    fmt = fmt.lower()
    if fmt not in ("svg", "png"):
        raise ValueError(f"draw() writes 'svg' or 'png', not {fmt!r}")
    data = _render_dot(to_dot(graph, highlight, collapse_scopes), fmt)
    if data is None:
        data = _render_matplotlib(_view(graph, highlight, collapse_scopes), fmt)
    if data is None:
        raise ImportError(_MISSING)
    if path is not None:
        atomic_write(os.fspath(path), data)
    return data.decode("utf-8") if fmt == "svg" else data


def _collapse_big(graph):
    count = len(graph["node"]) if isinstance(graph, dict) else len(graph.get_operations())
    return count, count > 150


def repr_svg(graph):
    """SVG for Jupyter (Graph._repr_svg_); None — Jupyter then shows repr() — for an
    empty graph or when nothing can render. Big graphs are drawn with scopes collapsed."""
    count, collapse = _collapse_big(graph)
    if not count:
        return None
    try:
        return draw(graph, collapse_scopes=collapse, format="svg")
    except ImportError:
        return None


def repr_png(graph):
    """PNG bytes for Jupyter (Graph._repr_png_), or None as repr_svg."""
    count, collapse = _collapse_big(graph)
    if not count:
        return None
    try:
        return draw(graph, collapse_scopes=collapse, format="png")
    except ImportError:
        return None
