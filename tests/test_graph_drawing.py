"""Graph pictures: networkx structure, DOT text (scopes, collapse, highlight), rendering."""

import builtins
import os
import stat

import pytest

import twinflow as tf
from graph import drawing

tf1 = tf.compat.v1


def _model():
    x = tf1.placeholder(tf.float32, [None, 3], name="x")
    with tf.name_scope("dense"):
        w = tf1.Variable(tf.ones([3, 1]), name="w")
        y = tf.matmul(x, w, name="y")
    with tf.name_scope("loss"):
        loss = tf.reduce_mean(y, name="mean")
    other = tf.reduce_sum(x, name="other")
    init = tf1.global_variables_initializer()
    return x, w, y, loss, other, init


def test_networkx_structure(graph_mode):
    x, w, y, loss, other, init = _model()
    parts = tf.split(x, [1, 2], axis=1, name="parts")
    tf.concat([parts[1], parts[0]], axis=1, name="cat")
    g = drawing.to_networkx(graph_mode)
    assert list(g.nodes) == [op.name for op in graph_mode.get_operations()]
    assert g.nodes["dense/y"] == {"type": "MatMul", "scope": "dense",
                                  "defined_at": y.op.defined_at}
    assert "test_graph_drawing.py" in g.nodes["dense/y"]["defined_at"]
    # a variable's handle op is drawn inside its own scope, beside w/Assign
    assert g.nodes["dense/w"]["scope"] == "dense/w" == g.nodes["dense/w/Assign"]["scope"]
    edge = g.edges["x", "dense/y"]
    assert edge["control"] is False and edge["index"] == 0 and edge["tensor"] == "x:0"
    assert edge["dtype"] == "float32" and edge["shape"] == "(?, 3)"
    assert g.edges["dense/w/Assign", "init"] == {"control": True, "index": None,
                                                 "tensor": None, "tensors": []}
    assert g.edges["parts", "cat"]["tensors"] == ["parts:1", "parts:0"]  # one edge, two
    assert g.edges["parts", "cat"]["index"] == 1
    from_def = drawing.to_networkx(graph_mode.as_graph_def())
    assert list(from_def.edges(data=True)) == list(g.edges(data=True))
    assert dict(from_def.nodes(data=True)) == dict(g.nodes(data=True))


def test_graph_methods_are_the_drawing_functions(graph_mode):
    _, _, _, loss, _, _ = _model()
    assert list(graph_mode.to_networkx().edges(data=True)) == \
        list(drawing.to_networkx(graph_mode).edges(data=True))
    assert graph_mode.to_dot(highlight=loss) == drawing.to_dot(graph_mode, highlight=loss)


def test_dot_has_nested_scope_clusters_and_labelled_edges(graph_mode):
    _model()
    dot = drawing.to_dot(graph_mode)
    assert dot.startswith("digraph twinflow {") and dot.rstrip().endswith("}")
    assert dot.count("{") == dot.count("}")
    assert 'subgraph "cluster_dense" {' in dot and 'label="dense";' in dot
    inner = dot.index('subgraph "cluster_dense/w" {')
    assert dot.index('subgraph "cluster_dense" {') < inner < dot.index('"dense/w/Assign" [')
    assert '"x" -> "dense/y" [style="", label="(?, 3)"];' in dot
    assert '"dense/w/Assign" -> "init" [style="dashed"];' in dot
    assert '"dense/y" [label="y\\nMatMul", shape=box, style="rounded"' in dot
    assert '"x" [label="x\\nPlaceholder", shape=ellipse' in dot


def test_collapsed_scopes_are_one_node_each(graph_mode):
    _model()
    dot = drawing.to_dot(graph_mode, collapse_scopes=True)
    assert "cluster" not in dot
    assert '"dense/" [label="dense\\n(8 ops)", shape=box3d' in dot
    assert '"loss/" [label="loss\\n(2 ops)"' in dot
    assert '"dense/" -> "loss/" [style="", label="(?, 1)"];' in dot
    assert '"dense/" -> "init" [style="dashed"];' in dot
    assert "dense/y" not in dot


def test_highlight_draws_the_pruned_subgraph_bold(graph_mode):
    x, w, y, loss, other, init = _model()
    view = drawing._view(graph_mode, loss, False)
    bold = {n for n in view if view.nodes[n]["bold"]}
    assert bold == {"x", "dense/w", "dense/ReadVariableOp", "dense/y", "loss/Const",
                    "loss/mean"}  # what Session.run(loss) runs, not the initializer
    dot = drawing.to_dot(graph_mode, highlight=[loss])
    assert '"loss/mean" [label="mean\\nMean", shape=box, style="rounded,bold", ' \
           'penwidth=2.5' in dot
    assert '"dense/y" -> "loss/mean" [style="bold", label="(?, 1)", penwidth=2.5];' in dot
    assert '"other" [label="other\\nSum", shape=box, style="rounded", color=gray60' in dot
    assert drawing.to_dot(graph_mode, highlight="loss/mean:0") == \
        drawing.to_dot(graph_mode, highlight=loss.op)
    assert 'style="bold"' in drawing.to_dot(graph_mode, highlight=w)  # a variable: its read
    collapsed = drawing.to_dot(graph_mode, highlight=loss, collapse_scopes=True)
    assert '"loss/" [label="loss\\n(2 ops)", shape=box3d, style="bold"' in collapsed
    with pytest.raises(ValueError, match="highlight: 'nope' is not an op of this graph"):
        drawing.to_dot(graph_mode, highlight="nope:0")
    with pytest.raises(TypeError, match="highlight takes Tensors, Operations or names"):
        drawing.to_dot(graph_mode, highlight=3)


def test_draw_uses_graphvizs_dot_program(graph_mode, tmp_path, monkeypatch):
    _model()
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\nread -r first\necho "<svg><!-- $1 $first --></svg>"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(fake.parent))
    svg = drawing.draw(graph_mode, path=tmp_path / "g.svg")
    assert svg.strip() == "<svg><!-- -Tsvg digraph twinflow { --></svg>"
    assert (tmp_path / "g.svg").read_text() == svg
    fake.write_text("#!/bin/sh\necho 'Error: syntax error in line 1' >&2\nexit 1\n")
    with pytest.raises(RuntimeError, match="Graphviz `dot -Tpng` failed: Error: syntax"):
        drawing.draw(graph_mode, format="png")


def _no_dot(monkeypatch):
    monkeypatch.setattr(drawing.shutil, "which", lambda name: None)


def test_draw_falls_back_to_matplotlib(graph_mode, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    x, w, y, loss, other, init = _model()
    _no_dot(monkeypatch)
    png = drawing.draw(graph_mode, highlight=loss, path=str(tmp_path / "g.png"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "g.png").read_bytes() == png
    assert os.listdir(tmp_path) == ["g.png"]
    svg = drawing.draw(graph_mode, collapse_scopes=True)
    assert "<svg" in svg
    assert drawing.repr_svg(graph_mode).startswith("<?xml")
    assert drawing.repr_png(graph_mode)[:4] == b"\x89PNG"


def test_draw_without_any_renderer_names_the_extra(graph_mode, monkeypatch):
    _model()
    _no_dot(monkeypatch)
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ImportError, match=r"draw\(\) needs Graphviz's `dot` program or "
                                          r"matplotlib(.|\n)*pip install 'twinflow\[drawing\]'"):
        drawing.draw(graph_mode)
    assert drawing.repr_svg(graph_mode) is None  # Jupyter then shows repr()
    with pytest.raises(ValueError, match="draw\\(\\) writes 'svg' or 'png', not 'gif'"):
        drawing.draw(graph_mode, path="g.gif")


def test_empty_graph_has_no_picture():
    assert drawing.repr_svg(tf.Graph()) is None and drawing.repr_png(tf.Graph()) is None
