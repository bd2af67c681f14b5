"""GraphDef export/import as JSON, write_graph, and freezing (graph_util)."""

import io
import json
import os

import numpy as np
import pytest

import twinflow as tf
from graph import graph_util
from graph.graph_def import (as_graph_def, decode_array, encode_array, from_json,
                             import_graph_def, to_json, write_graph)

tf1 = tf.compat.v1
DATA = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]], np.float32)


def _model():
    """A TF1 model touching what export must carry: variables, strings, tf.cond,
    tf.while_loop (traced functions in the library) and their gradients."""
    x = tf1.placeholder(tf.float32, [None, 3], name="x")
    w = tf1.Variable(np.arange(3, dtype=np.float32).reshape(3, 1) / 7, name="w")
    y = tf.matmul(x, w, name="y")
    words = tf.constant(["a\x00b", "", "xyz"], name="words")
    c = tf.cond(tf.reduce_sum(y) > 0, lambda: y * 2.0, lambda: y - w[0, 0], name="c")
    _, loop = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 1.5 + 0.25),
                            [0, c], name="loop")
    loss = tf.reduce_sum(loop * loop, name="loss")
    grads = tf1.gradients(loss, [w, x])
    return x, [y, c, loop, loss, *grads, words]


def _round_trip(graph_def):
    return from_json(to_json(graph_def))


def test_export_import_round_trip_gives_the_same_numbers_bit_for_bit(graph_mode):
    x, fetches = _model()
    init = tf1.global_variables_initializer()
    with tf1.Session() as sess:
        sess.run(init)
        want = sess.run(fetches, {x: DATA})
    graph_def = _round_trip(graph_mode.as_graph_def())
    library = graph_def["library"]
    assert [g["name"] for g in library["graph"]] == ["cond_false_fn", "cond_true_fn",
                                                     "while_cond", "while_body"]
    # the gradients' functions share the forward graphs: each graph is stored once
    assert len(library["function"]) > len(library["graph"])
    with tf.Graph().as_default():
        names = [t.name for t in fetches] + ["x:0", init.name]
        *outs, x2, init2 = import_graph_def(graph_def, return_elements=names)
        assert outs[0].name == "import/y:0" and init2.name == "import/init"
        with tf1.Session() as sess:
            sess.run(init2)
            got = sess.run(outs, {x2: DATA})
    for a, b in zip(got, want):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    assert list(got[-1]) == [b"a\x00b", b"", b"xyz"]


def test_node_format_inputs_attrs_and_outputs(graph_mode):
    x = tf1.placeholder(tf.float32, [None, 3], name="x")
    parts = tf.split(x, [1, 2], axis=1, name="parts")
    with tf1.control_dependencies([x.op]):
        z = tf.identity(parts[1], name="z")
    nodes = {n["name"]: n for n in graph_mode.as_graph_def()["node"]}
    assert nodes["x"]["attr"] == {"dtype": {"type": "float32"}, "shape": {"shape": [None, 3]}}
    assert nodes["x"]["outputs"] == [{"dtype": "float32", "shape": [None, 3]}]
    assert nodes["z"]["input"] == ["parts:1", "^x"]
    assert nodes["z"]["op"] == "Identity" and z.op.name == "z"
    const = next(n for n in nodes.values() if n["op"] == "Const")
    assert set(const["attr"]["value"]) == {"dtype", "shape", "base64"}
    assert "test_graph_def.py" in nodes["x"]["defined_at"]
    assert graph_mode.as_graph_def()["versions"] == {"producer": 1}
    json.dumps(graph_mode.as_graph_def())  # JSON-serialisable as it is


@pytest.mark.parametrize("array", [
    np.array([[np.nan, -0.0], [np.inf, 1e-30]], np.float32),
    np.arange(6, dtype=np.int64).reshape(2, 3) - 3,
    np.array([True, False]), np.array(1.5 - 2j, np.complex64), np.zeros((0, 2), np.float16),
    np.array([[b"\x00\xff", b""], [b"abc", b"d"]], dtype=object)])
def test_arrays_survive_encoding_bit_for_bit(array):
    record = json.loads(json.dumps(encode_array(array)))
    back = decode_array(record)
    assert back.dtype == array.dtype and back.shape == array.shape
    if array.dtype == object:
        assert back.tolist() == array.tolist()
    else:
        assert back.tobytes() == array.tobytes()
    assert back.flags.writeable


def test_import_names_scopes_and_uniqueness(graph_mode):
    tf.constant(1.0, name="a")
    graph_def = graph_mode.as_graph_def()
    with tf.Graph().as_default() as g:
        tf.constant(2.0, name="a")
        import_graph_def(graph_def)
        import_graph_def(graph_def)
        assert import_graph_def(graph_def, name="") is None
        import_graph_def(graph_def, name="m")
        import_graph_def(graph_def, name="m/")  # used as is: names made unique inside
        with tf.name_scope("outer"):
            (t,) = import_graph_def(graph_def, return_elements=["a:0"])
    assert [op.name for op in g.get_operations()] == [
        "a", "import/a", "import_1/a", "a_1", "m/a", "m/a_1", "outer/import/a"]
    assert t.name == "outer/import/a:0"


def test_return_elements_and_input_map(graph_mode):
    x = tf1.placeholder(tf.float32, [None, 3], name="x")
    tf.reduce_sum(x * 2.0, axis=1, name="y")
    graph_def = graph_mode.as_graph_def()
    with tf.Graph().as_default():
        feed = tf.constant(DATA)
        y, y_op, x_op = import_graph_def(graph_def, input_map={"x": feed},
                                         return_elements=["y:0", "y", "x"])
        assert isinstance(y, tf.Tensor) and isinstance(y_op, tf.Operation)
        assert x_op.type == "Placeholder" and y_op.name == "import/y"
        assert y.shape.as_list() == [2]  # the mapped tensor's static shape flows on
        (y2,) = import_graph_def(graph_def, input_map={"x:0": feed}, return_elements=["y:0"])
        with tf1.Session() as sess:
            np.testing.assert_array_equal(sess.run(y), (DATA * 2).sum(axis=1))
            np.testing.assert_array_equal(sess.run(y2), sess.run(y))


def test_import_errors_name_the_problem(graph_mode):
    x = tf1.placeholder(tf.float32, [2], name="x")
    tf.identity(x, name="y")
    graph_def = graph_mode.as_graph_def()
    with tf.Graph().as_default() as g:
        cases = [
            (dict(return_elements=["nope:0"]), ValueError,
             "Requested return tensor 'nope:0' not found in graph def"),
            (dict(return_elements=["nope"]), ValueError,
             "Requested return node 'nope' not found in graph def"),
            (dict(return_elements=["y:3"]), ValueError,
             "Invalid return output 3 of node 'y', which has 1 output"),
            (dict(return_elements="y:0"), TypeError, "must be a list of strings"),
            (dict(input_map={"nope:0": x}), ValueError,
             r"Attempted to map inputs that were not found in graph_def: \[nope:0\]"),
            (dict(input_map=[1]), TypeError,
             "Argument `input_map` must be a dictionary. Obtained list"),
            (dict(input_map={"x:0": tf.constant([1, 2])}), ValueError,
             "Input 0 of node y was passed int32 from Const:0 incompatible with "
             "expected float32"),
        ]
        for kwargs, cls, message in cases:
            with pytest.raises(cls, match=message):
                import_graph_def(graph_def, **kwargs)
        with pytest.raises(TypeError, match="must be a GraphDef dict"):
            import_graph_def("node")
        bogus = {"node": [{"name": "a", "op": "Bogus", "input": []}]}
        with pytest.raises(tf.errors.NotFoundError,
                           match="Op type not registered 'Bogus' in binary running on"):
            import_graph_def(bogus)
        dangling = {"node": [{"name": "a", "op": "Identity", "input": ["zz:0"]}]}
        with pytest.raises(ValueError, match="Node 'a': Unknown input node 'zz:0'"):
            import_graph_def(dangling)
        before = len(g.get_operations())
    assert before == 1  # only the int constant: a failed import builds nothing


def test_nodes_in_any_order_are_imported_in_dependency_order(graph_mode):
    a = tf.constant(3.0, name="a")
    tf.square(a, name="b")
    graph_def = graph_mode.as_graph_def()
    graph_def["node"].reverse()
    with tf.Graph().as_default():
        (b,) = import_graph_def(graph_def, return_elements=["b:0"])
        with tf1.Session() as sess:
            assert sess.run(b) == 9.0
    graph_def["node"][0]["input"] = ["b"]  # b <- a <- b
    with pytest.raises(ValueError, match="has a cycle through nodes"):
        import_graph_def(graph_def)


def test_each_import_gets_its_own_variables_and_tables(graph_mode):
    v = tf1.Variable([1.0, 2.0], name="v")
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2]), -1)
    table.lookup(tf.constant(["b", "z"]), name="found")
    tf1.tables_initializer()
    graph_def = graph_mode.as_graph_def()
    with tf.Graph().as_default():
        first = import_graph_def(graph_def, return_elements=[
            v.initializer.name, "v/ReadVariableOp:0", "found:0", "init_all_tables"])
        second = import_graph_def(graph_def, return_elements=[
            v.initializer.name, "v/ReadVariableOp:0", "found:0", "init_all_tables"])
        handle_1 = first[1].op.inputs[0].op.get_attr("handle")
        handle_2 = second[1].op.inputs[0].op.get_attr("handle")
        assert handle_1 is not handle_2 and handle_1.name == "import/v"
        with tf1.Session() as sess:
            sess.run([first[0], first[3], second[3]])
            with pytest.raises(tf.errors.FailedPreconditionError, match="import_1/v"):
                sess.run(second[1])  # the second copy is a different, uninitialized variable
            np.testing.assert_array_equal(sess.run(first[1]), [1.0, 2.0])
            np.testing.assert_array_equal(sess.run(second[2]), [2, -1])


def test_python_objects_in_attrs_refuse_to_export(graph_mode):
    iterator = tf1.data.make_one_shot_iterator(tf.data.Dataset.range(3))
    iterator.get_next()
    with pytest.raises(ValueError, match=r"Cannot export op 'OneShotIterator' "
                                         r"\(OneShotIterator, built at .*test_graph_def.py"
                                         r":\d+\): its attr 'dataset' holds a "
                                         r"twinflow\.data\."):
        graph_mode.as_graph_def()
    with tf.Graph().as_default() as g:
        tf.print("hi", output_stream=io.StringIO())
        with pytest.raises(ValueError, match="attr 'output_stream' holds a _io.StringIO"):
            as_graph_def(g)
        shown = as_graph_def(g, lenient=True)  # enough to draw it, not to import it
        (node,) = [n for n in shown["node"] if n["op"] == "PrintV2"]
        assert node["attr"]["output_stream"]["python"].startswith("<_io.StringIO")
        with pytest.raises(ValueError, match="Cannot import attribute value <_io.StringIO"):
            import_graph_def(shown)


def test_tf_function_graph_exports_and_imports_with_the_same_numbers():
    v = tf.Variable([0.5, -1.0, 2.0], name="v")

    @tf.function
    def f(x):
        h = tf.nn.relu(x) * v
        return tf.while_loop(lambda i, a: i < 2, lambda i, a: (i + 1, a * 2.0 + 1.0),
                             [0, tf.reduce_sum(h, axis=1)])[1]

    concrete = f.get_concrete_function(tf.TensorSpec([None, 3], tf.float32))
    want = f(DATA).numpy()
    graph_def = _round_trip(concrete.graph.as_graph_def())
    capture = concrete.graph.captures[0][1].name
    assert [g["name"] for g in graph_def["library"]["graph"]] == ["while_cond", "while_body"]
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 3])
        v2 = tf1.Variable([0.5, -1.0, 2.0])
        (out,) = import_graph_def(graph_def, input_map={concrete.inputs[0].name: x,
                                                        capture: v2.handle},
                                  return_elements=[concrete.outputs[0].name])
        with tf1.Session() as sess:
            sess.run(v2.initializer)
            np.testing.assert_array_equal(sess.run(out, {x: DATA}), want)


def test_write_graph_writes_json_atomically(graph_mode, tmp_path):
    tf.add(tf.constant(1.0, name="a"), 2.0, name="b")
    path = write_graph(graph_mode, tmp_path / "sub", "graph.json")
    assert path == str(tmp_path / "sub" / "graph.json")
    assert os.listdir(tmp_path / "sub") == ["graph.json"]  # no temporary file left over
    text = (tmp_path / "sub" / "graph.json").read_text()
    assert from_json(text) == json.loads(json.dumps(graph_mode.as_graph_def()))
    compact = write_graph(graph_mode.as_graph_def(), tmp_path, "g.json", as_text=False)
    assert "\n" not in open(compact).read()
    with pytest.raises(ValueError, match="Not a JSON graph def"):
        from_json("{nope")
    with pytest.raises(ValueError, match="expected an object with a \"node\" list"):
        from_json("[]")


# ---------------------------------------------------------------- graph_util --------

def _dense():
    x = tf1.placeholder(tf.float32, [None, 3], name="x")
    w = tf1.Variable(np.linspace(-1, 1, 3, dtype=np.float32).reshape(3, 1), name="w")
    b = tf1.Variable([0.25], name="b")
    y = tf.add(tf.matmul(x, w), b, name="y")
    tf.identity(y, name="z")
    return x, w, b, y


def test_freezing_leaves_no_variables_and_the_same_outputs(graph_mode):
    x, w, b, y = _dense()
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run(w.assign(w * 3.0))  # the CURRENT value is frozen, not the initial one
        want = sess.run(y, {x: DATA})
        frozen = graph_util.convert_variables_to_constants(
            sess, graph_mode.as_graph_def(), ["z"])
    kinds = {n["name"]: n["op"] for n in frozen["node"]}
    assert kinds["w"] == "Const" and kinds["b"] == "Const"
    assert not {"VarHandleOp", "ReadVariableOp", "AssignVariableOp"} & set(kinds.values())
    assert "init" not in kinds  # pruned to what z needs
    with tf.Graph().as_default():
        (z,) = import_graph_def(_round_trip(frozen), return_elements=["z:0"], name="")
        with tf1.Session() as sess:  # no initializer, no checkpoint
            np.testing.assert_array_equal(sess.run(z, {"x:0": DATA}), want)


def test_freezing_white_and_black_lists_and_errors(graph_mode):
    x, w, b, y = _dense()
    assign = w.assign_add(tf.ones([3, 1]), read_value=False)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        graph_def = graph_mode.as_graph_def()
        only_w = graph_util.convert_variables_to_constants(
            sess, graph_def, ["y"], variable_names_whitelist=["w"])
        not_w = graph_util.convert_variables_to_constants(
            sess, graph_def, ["y"], variable_names_blacklist=["w"])
        with pytest.raises(TypeError, match="dest_nodes must be an iterable of strings, but "
                                            "got type <class 'str'>"):
            graph_util.convert_variables_to_constants(sess, graph_def, "y")
        with pytest.raises(AssertionError, match="nope is not in graph"):
            graph_util.convert_variables_to_constants(sess, graph_def, ["nope"])
        with pytest.raises(ValueError, match="Cannot freeze variable 'w': node "
                                             "'AssignAddVariableOp' \\(AssignAddVariableOp\\)"):
            graph_util.convert_variables_to_constants(sess, graph_def, [assign.name])
    ops = {n["name"]: n["op"] for n in only_w["node"]}
    assert (ops["w"], ops["b"]) == ("Const", "VarHandleOp")
    ops = {n["name"]: n["op"] for n in not_w["node"]}
    assert (ops["w"], ops["b"]) == ("VarHandleOp", "Const")


def test_extract_sub_graph_and_remove_training_nodes(graph_mode):
    x, w, b, y = _dense()
    tf.cond(tf.reduce_sum(y) > 0, lambda: y, lambda: -y, name="branch")
    graph_def = graph_mode.as_graph_def()
    sub = graph_util.extract_sub_graph(graph_def, ["y"])
    assert [n["name"] for n in sub["node"]] == [n["name"] for n in graph_def["node"]
                                                if n["name"] in {n2["name"] for n2 in
                                                                 sub["node"]}]
    assert "branch" not in {n["name"] for n in sub["node"]}
    assert sub["library"] == {"function": [], "graph": []}  # the cond's functions pruned
    assert len(graph_util.extract_sub_graph(graph_def, ["branch"])["library"]["graph"]) == 2
    lean = graph_util.remove_training_nodes(graph_def)
    assert "z" not in {n["name"] for n in lean["node"]}
    assert "z" in {n["name"] for n in graph_util.remove_training_nodes(
        graph_def, protected_nodes=["z"])["node"]}
