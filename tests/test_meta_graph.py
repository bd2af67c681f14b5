"""Meta graphs: export a trained model's graph + collections + variables, then restore and
run it in a fresh graph built by no model code."""

import json
import os

import numpy as np
import pytest

import twinflow as tf
from graph.meta_graph import export_meta_graph, import_meta_graph

tf1 = tf.compat.v1
rng = np.random.default_rng(0)
DATA = rng.standard_normal((8, 3)).astype(np.float32)
TARGET = rng.standard_normal((8, 1)).astype(np.float32)


def _train_and_save(directory):
    """Builds, trains one step and saves a model; returns (checkpoint prefix, the output
    after the step, the output after one more step) — the reference numbers."""
    with tf.Graph().as_default():
        tf1.set_random_seed(3)
        x = tf1.placeholder(tf.float32, [None, 3], name="x")
        t = tf1.placeholder(tf.float32, [None, 1], name="t")
        with tf1.variable_scope("dense"):
            w = tf1.get_variable("w", [3, 1], initializer=tf1.glorot_uniform_initializer())
            b = tf1.get_variable("b", [1], initializer=tf1.zeros_initializer())
        y = tf.add(tf.matmul(x, w), b, name="y")
        loss = tf.reduce_mean(tf.square(y - t), name="loss")
        step = tf1.train.get_or_create_global_step()
        train = tf1.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
        tf1.add_to_collection("train_op", train)
        tf1.add_to_collection("outputs", y)
        tf1.add_to_collection("notes", "lr=0.1")
        tf1.add_to_collection(tf1.GraphKeys.LOSSES, loss)
        saver = tf1.train.Saver()
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            sess.run(train, {x: DATA, t: TARGET})
            prefix = saver.save(sess, os.path.join(directory, "model"), global_step=step)
            export_meta_graph(prefix + ".meta", saver_def=saver)
            after = sess.run(y, {x: DATA})
            sess.run(train, {x: DATA, t: TARGET})
            later = sess.run(y, {x: DATA})
    return prefix, after, later


def test_restore_in_a_fresh_graph_with_no_model_code(tmp_path):
    prefix, after, later = _train_and_save(tmp_path)
    with tf.Graph().as_default() as graph:
        saver = import_meta_graph(prefix + ".meta")
        names = [v.name for v in tf1.global_variables()]
        assert names[:3] == ["dense/w:0", "dense/b:0", "global_step:0"]
        assert "dense/w/Adam:0" in names
        assert [v.name for v in tf1.trainable_variables()] == ["dense/w:0", "dense/b:0"]
        with tf1.Session() as sess:
            saver.restore(sess, prefix)  # no initializer: restoring sets every variable
            np.testing.assert_array_equal(sess.run("y:0", {"x:0": DATA}), after)
            assert sess.run(tf1.train.get_global_step()) == 1
            train = graph.get_collection("train_op")[0]
            sess.run(train, {"x:0": DATA, "t:0": TARGET})  # training goes on identically
            np.testing.assert_array_equal(sess.run(graph.get_collection("outputs")[0],
                                                   {"x:0": DATA}), later)
        assert graph.get_collection("notes") == ["lr=0.1"]
        assert graph.get_collection(tf1.GraphKeys.LOSSES)[0].name == "loss:0"


def test_import_scope_prefixes_ops_and_variables_and_keeps_checkpoint_keys(tmp_path):
    prefix, after, _ = _train_and_save(tmp_path)
    with tf.Graph().as_default():
        saver = import_meta_graph(prefix + ".meta", import_scope="net")
        assert tf1.global_variables()[0].name == "net/dense/w:0"
        with tf1.Session() as sess:
            saver.restore(sess, prefix)  # keys are still "dense/w": the checkpoint's
            np.testing.assert_array_equal(sess.run("net/y:0", {"net/x:0": DATA}), after)
            saver.save(sess, str(tmp_path / "again"))
    assert ("dense/b", [1]) in tf1.train.list_variables(str(tmp_path / "again"))


def test_meta_graph_content_and_atomic_json(tmp_path, graph_mode):
    v = tf1.Variable([1.0, 2.0], name="v", trainable=False)
    tf1.add_to_collection("mixed", v.read_value())
    tf1.add_to_collection("mixed", v.initializer)
    tf1.add_to_collection("mixed", 3)
    with pytest.warns(UserWarning, match="Collection 'mixed': .* has no meta graph form"):
        tf1.add_to_collection("mixed", object())
        meta = export_meta_graph(str(tmp_path / "m.meta"), as_text=True)
    assert os.listdir(tmp_path) == ["m.meta"]
    assert json.loads((tmp_path / "m.meta").read_text()) == json.loads(json.dumps(meta))
    assert meta["variables"] == [{
        "name": "v", "initializer": "v/Assign", "snapshot": "v/ReadVariableOp:0",
        "initial_value": "Const:0", "trainable": False, "validate_shape": True,
        "dtype": "float32", "shape": [2]}]
    assert meta["collections"]["variables"] == [{"variable": "v"}]
    assert meta["collections"]["mixed"] == ["ReadVariableOp:0", "v/Assign", {"value": 3}]
    assert meta["saver_def"] is None
    with tf.Graph().as_default() as g:
        saver = import_meta_graph(meta)
        assert saver is not None and not tf1.trainable_variables()
        assert [x.name if hasattr(x, "name") else x for x in g.get_collection("mixed")] == \
            ["ReadVariableOp:0", "v/Assign", 3]
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            np.testing.assert_array_equal(sess.run(tf1.global_variables()[0]), [1.0, 2.0])


def test_meta_graph_errors(tmp_path, graph_mode):
    with pytest.raises(OSError, match="File does not exist. Received: .*nope.meta."):
        import_meta_graph(str(tmp_path / "nope.meta"))
    (tmp_path / "bad.meta").write_text("[1, 2]")
    with pytest.raises(ValueError, match="is not a meta graph"):
        import_meta_graph(str(tmp_path / "bad.meta"))
    with pytest.raises(NotImplementedError, match="export_scope"):
        export_meta_graph(export_scope="dense")
    with tf.Graph().as_default():
        assert import_meta_graph(export_meta_graph()) is None  # no variables: no Saver


def test_meta_graphs_need_a_graph():
    message = "Exporting/importing meta graphs is not supported when eager execution"
    with pytest.raises(RuntimeError, match=message):
        export_meta_graph()
    with pytest.raises(RuntimeError, match=message):
        import_meta_graph({"graph_def": {"node": []}})


def test_saver_save_writes_the_meta_graph(tmp_path, graph_mode):
    v = tf1.Variable([1.0, 2.0], name="v")
    saver = tf1.train.Saver()
    with tf1.Session() as sess:
        sess.run(v.initializer)
        prefix = saver.save(sess, str(tmp_path / "model"), global_step=5)
        saver.save(sess, str(tmp_path / "plain"), write_meta_graph=False)
    assert os.path.exists(prefix + ".meta") and prefix.endswith("model-5")
    assert not os.path.exists(str(tmp_path / "plain.meta"))
    with tf.Graph().as_default():
        restored = import_meta_graph(prefix + ".meta")
        with tf1.Session() as sess:
            restored.restore(sess, prefix)
            np.testing.assert_array_equal(sess.run("v/ReadVariableOp:0"), [1.0, 2.0])


def test_a_graph_that_cannot_be_exported_still_saves_its_checkpoint(tmp_path, graph_mode):
    v = tf1.Variable(1.0, name="v")
    tf1.data.make_one_shot_iterator(tf.data.Dataset.range(3)).get_next()
    saver = tf1.train.Saver()
    with tf1.Session() as sess:
        sess.run(v.initializer)
        with pytest.warns(UserWarning, match="model.meta was not written .*"
                                             "attr 'dataset' holds"):
            prefix = saver.save(sess, str(tmp_path / "model"))
    assert os.path.exists(prefix + ".index") and not os.path.exists(prefix + ".meta")
