"""tf.compat.v1.train.Saver in graph mode (Session) and eagerly (sess=None)."""

import os

import numpy as np
import pytest

import twinflow as tf

tf1 = tf.compat.v1


def _files(directory):
    return sorted(os.listdir(directory))


def _model():
    """A few variables of several dtypes, as a TF1 program builds them."""
    w = tf1.Variable([[1.5, -2.0], [3.25, 4.0]], name="w")
    with tf1.variable_scope("layer"):
        b = tf1.get_variable("b", [3], initializer=tf1.constant_initializer(0.5))
    words = tf1.Variable([b"a\x00", b"", b"xyz"], name="words")
    flag = tf1.Variable(True, name="flag")
    return w, b, words, flag


def test_graph_save_restore_round_trip(graph_mode, tmp_path):
    w, b, words, flag = _model()
    step = tf1.train.get_or_create_global_step()
    saver = tf1.train.Saver()
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run(step.assign(7))
        saved = sess.run([w, b, words, flag])
        path = saver.save(sess, str(tmp_path / "model"), global_step=step)
        assert path == str(tmp_path / "model-7")
        sess.run([w.assign(tf.zeros([2, 2])), words.assign([b"", b"", b""]),
                  flag.assign(False), step.assign(0)])
        saver.restore(sess, path)
        restored = sess.run([w, b, words, flag])
        assert sess.run(step) == 7
    for got, want in zip(restored, saved):
        np.testing.assert_array_equal(got, want)
    assert list(restored[2]) == [b"a\x00", b"", b"xyz"]
    assert tf.train.list_variables(path) == [("flag", []), ("global_step", []),
                                             ("layer/b", [3]), ("w", [2, 2]), ("words", [3])]


def test_restore_ops_are_built_once_at_construction(graph_mode, tmp_path):
    w = tf1.Variable([1.0, 2.0], name="w")
    saver = tf1.train.Saver()
    graph = tf1.get_default_graph()
    assert graph.get_operation_by_name("save/restore_all").type == "NoOp"
    n_ops = len(graph.get_operations())
    with tf1.Session() as sess:
        sess.run(w.initializer)
        path = saver.save(sess, str(tmp_path / "m"))
        saver.restore(sess, path)
        n_plans = len(sess._plans)
        saver.save(sess, str(tmp_path / "m"))
        saver.restore(sess, path)
        assert len(sess._plans) == n_plans  # the same plans, compiled once
    assert len(graph.get_operations()) == n_ops  # saving and restoring built nothing


def test_max_to_keep_deletes_old_checkpoints_and_writes_the_state_file(graph_mode, tmp_path):
    w = tf1.Variable(1.0, name="w")
    saver = tf1.train.Saver(max_to_keep=2)
    with tf1.Session() as sess:
        sess.run(w.initializer)
        for step in (0, 10, 20):
            saver.save(sess, str(tmp_path / "model"), global_step=step)
        assert saver.last_checkpoints == [str(tmp_path / "model-10"),
                                          str(tmp_path / "model-20")]
        assert _files(tmp_path) == ["checkpoint", "model-10.data-00000-of-00001",
                                    "model-10.index", "model-10.meta",
                                    "model-20.data-00000-of-00001", "model-20.index",
                                    "model-20.meta"]
        assert (tmp_path / "checkpoint").read_text() == (
            'model_checkpoint_path: "model-20"\n'
            'all_model_checkpoint_paths: "model-10"\n'
            'all_model_checkpoint_paths: "model-20"\n')
        saver.save(sess, str(tmp_path / "model"), global_step=10)  # re-saved: now newest
        assert saver.last_checkpoints == [str(tmp_path / "model-20"),
                                          str(tmp_path / "model-10")]
    assert tf.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "model-10")


def test_keep_all_state_options_and_padded_steps(graph_mode, tmp_path):
    w = tf1.Variable(1.0, name="w")
    keep_all = tf1.train.Saver(max_to_keep=None)
    padded = tf1.train.Saver(pad_step_number=True)
    with tf1.Session() as sess:
        sess.run(w.initializer)
        for step in range(3):
            keep_all.save(sess, str(tmp_path / "all"), global_step=step, latest_filename="other")
        assert keep_all.last_checkpoints == []  # as TensorFlow: not tracked, not deleted
        assert (tmp_path / "other").read_text() == ('model_checkpoint_path: "all-2"\n'
                                                    'all_model_checkpoint_paths: "all-2"\n')
        assert padded.save(sess, str(tmp_path / "p"), global_step=np.int64(5),
                           write_state=False) == str(tmp_path / "p-00000005")
        assert padded.save(sess, str(tmp_path / "q")) == str(tmp_path / "q")
        with pytest.raises(ValueError, match="'latest_filename' must be a file name"):
            padded.save(sess, str(tmp_path / "q"), latest_filename="sub/checkpoint")
    assert len([f for f in _files(tmp_path) if f.startswith("all-")]) == 9  # with .meta
    assert tf.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "q")


def test_recover_last_checkpoints(graph_mode, tmp_path):
    w = tf1.Variable(1.0, name="w")
    first = tf1.train.Saver(max_to_keep=2)
    with tf1.Session() as sess:
        sess.run(w.initializer)
        paths = [first.save(sess, str(tmp_path / "m"), global_step=i) for i in range(2)]
        later = tf1.train.Saver(max_to_keep=2)  # e.g. after a restart
        later.recover_last_checkpoints(paths + [str(tmp_path / "gone")])
        assert later.last_checkpoints == paths
        later.save(sess, str(tmp_path / "m"), global_step=2)
    assert not os.path.exists(tmp_path / "m-0.index")


def test_saver_of_a_var_list_dict_uses_its_keys(graph_mode, tmp_path):
    w = tf1.Variable([1.0, 2.0], name="w")
    saver = tf1.train.Saver({"renamed/weights": w})
    with tf1.Session() as sess:
        sess.run(w.initializer)
        path = saver.save(sess, str(tmp_path / "m"))
        sess.run(w.assign([0.0, 0.0]))
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(w), [1.0, 2.0])
    reader = tf.train.load_checkpoint(path)
    assert reader.variable_names() == {"renamed/weights": "w"}


# ---------------------------------------------------------------- eager ----------------

def test_eager_saver_reads_and_assigns_directly(tmp_path):
    w = tf.Variable([1.0, 2.0], name="w")
    n = tf.Variable(3, name="n")
    saver = tf1.train.Saver([w, n])
    path = saver.save(None, str(tmp_path / "m"), global_step=n)
    assert path == str(tmp_path / "m-3")
    w.assign([0.0, 0.0])
    n.assign(0)
    saver.restore(None, path)
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])
    assert n.numpy() == 3


def test_eager_saver_needs_a_var_list():
    with pytest.raises(RuntimeError, match="When eager execution is enabled, `var_list` must "
                                           "name the variables to save"):
        tf1.train.Saver()


# ---------------------------------------------------------------- bad input ------------

def test_no_variables_to_save(graph_mode):
    with pytest.raises(ValueError, match="No variables to save"):
        tf1.train.Saver()
    with pytest.raises(ValueError, match="No variables to save"):
        tf1.train.Saver([])
    assert tf1.train.Saver([], allow_empty=True).save(None, "unused") is None


def test_var_list_mistakes():
    w = tf.Variable(1.0, name="w")
    other_w = tf.Variable(2.0, name="w")
    with pytest.raises(ValueError, match="At least two variables in var_list are named 'w'"):
        tf1.train.Saver([w, other_w])
    with pytest.raises(ValueError, match=r"Variable 'w:0' is in var_list twice, under the "
                                         r"names 'a' and 'b'"):
        tf1.train.Saver({"a": w, "b": w})
    with pytest.raises(TypeError, match=r"var_list\[1\] is 3 of type int"):
        tf1.train.Saver([w, 3])
    with pytest.raises(TypeError, match="must be given as a list or a dict"):
        tf1.train.Saver(w)


def test_graph_saver_needs_a_session(graph_mode, tmp_path):
    tf1.Variable(1.0, name="w")
    saver = tf1.train.Saver()
    with pytest.raises(TypeError, match="'sess' must be a Session to save graph variables; "
                                        "got None"):
        saver.save(None, str(tmp_path / "m"))


def test_deferred_build(graph_mode, tmp_path):
    w = tf1.Variable(1.0, name="w")
    saver = tf1.train.Saver(defer_build=True)
    with tf1.Session() as sess:
        sess.run(w.initializer)
        with pytest.raises(RuntimeError, match="build\\(\\) should be called before save"):
            saver.save(sess, str(tmp_path / "m"))
        saver.build()
        assert saver.save(sess, str(tmp_path / "m")) == str(tmp_path / "m")


def test_restore_none_or_missing_path_is_value_error(graph_mode, tmp_path):
    tf1.Variable(1.0, name="w")
    saver = tf1.train.Saver()
    with tf1.Session() as sess:
        with pytest.raises(ValueError, match="Can't restore: save_path is None"):
            saver.restore(sess, None)
        missing = str(tmp_path / "nothing")
        with pytest.raises(ValueError, match=rf"The save_path passed is not a valid checkpoint: "
                                             rf"{missing} \({missing}.index does not exist\)"):
            saver.restore(sess, missing)


def test_model_built_twice_names_the_cause_and_the_fix(graph_mode, tmp_path):
    w = tf1.Variable([1.0], name="w")
    with tf1.Session() as sess:
        sess.run(w.initializer)
        path = tf1.train.Saver().save(sess, str(tmp_path / "m"))
    tf1.Variable([1.0], name="w")  # the notebook cell ran again: this one is "w_1"
    saver = tf1.train.Saver()
    with tf1.Session() as sess:
        with pytest.raises(tf.errors.NotFoundError) as info:
            saver.restore(sess, path)
    message = str(info.value)
    assert message.startswith(f"Key w_1 not found in checkpoint {path}\n  Closest keys in the "
                              "checkpoint: w")
    assert "the model was built twice in one graph" in message
    assert "tf.compat.v1.reset_default_graph()" in message


def test_shape_and_dtype_mismatches_name_the_variable(graph_mode, tmp_path):
    w = tf1.Variable([1.0, 2.0], name="w")
    with tf1.Session() as sess:
        sess.run(w.initializer)
        path = tf1.train.Saver().save(sess, str(tmp_path / "m"))
    with tf.Graph().as_default():
        wide = tf1.Variable([0.0, 0.0, 0.0], name="w")
        with tf1.Session() as sess, pytest.raises(
                tf.errors.InvalidArgumentError,
                match=rf"Cannot restore variable w from checkpoint {path}: the variable has "
                      r"shape \[3\] but key w holds shape \[2\]"):
            tf1.train.Saver().restore(sess, path)
    with tf.Graph().as_default():
        tf1.Variable([0, 0], name="w")
        with tf1.Session() as sess, pytest.raises(
                tf.errors.InvalidArgumentError,
                match=r"Cannot restore variable w from .*: the variable's dtype is int32 but "
                      r"key w holds float32"):
            tf1.train.Saver().restore(sess, path)
    del wide


def test_failed_restore_assigns_nothing(tmp_path):
    a = tf.Variable([1.0], name="a")
    path = tf1.train.Saver([a]).save(None, str(tmp_path / "m"))
    a.assign([5.0])
    b = tf.Variable([7.0], name="b")
    with pytest.raises(tf.errors.NotFoundError, match="Key b not found"):
        tf1.train.Saver([a, b]).restore(None, path)
    assert a.numpy()[0] == 5.0  # a was not restored: the whole restore failed first


def test_damaged_checkpoint_is_data_loss(tmp_path):
    w = tf.Variable(np.arange(100, dtype=np.float32), name="w")
    saver = tf1.train.Saver([w])
    path = saver.save(None, str(tmp_path / "m"))
    data = tmp_path / "m.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[:100])
    with pytest.raises(tf.errors.DataLossError, match=rf"Checkpoint file {data} is corrupted"):
        saver.restore(None, path)


def test_save_into_a_file_path_fails_without_leftovers(tmp_path):
    (tmp_path / "afile").write_text("x")
    saver = tf1.train.Saver([tf.Variable(1.0, name="w")])
    with pytest.raises(ValueError, match=rf"Cannot save to {tmp_path}/afile/m: its parent "
                                         "directory cannot be created"):
        saver.save(None, str(tmp_path / "afile" / "m"))
    assert _files(tmp_path) == ["afile"]
    saver.save(None, str(tmp_path / "ok"))
    assert _files(tmp_path) == ["afile", "checkpoint", "ok.data-00000-of-00001", "ok.index"]


def test_keras_layers_in_a_graph_keep_keras_names_and_restore_into_the_eager_twin(tmp_path):
    """A Keras layer called on a TF1 placeholder names its weights `dense/kernel` (one
    scope for build and call), so a Saver checkpoint restores by name into the same
    layers built eagerly."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4)).astype(np.float32)
    tf.keras.backend.clear_session()
    with tf.Graph().as_default():
        holder = tf1.placeholder(tf.float32, [None, 4])
        hidden = tf.keras.layers.Dense(3, activation="relu")(holder)
        out = tf.keras.layers.Dense(2)(hidden)
        names = [v.name for v in tf1.global_variables()]
        assert names == ["dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]
        assert out.op.name.startswith("dense_1/")
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            expected = sess.run(out, {holder: x})
            path = tf1.train.Saver().save(sess, str(tmp_path / "model"))
    tf.keras.backend.clear_session()
    first, second = tf.keras.layers.Dense(3, activation="relu"), tf.keras.layers.Dense(2)
    second(first(x))  # built eagerly: fresh random weights
    tf1.train.Saver(first.weights + second.weights).restore(None, path)
    np.testing.assert_array_equal(second(first(x)).numpy(), expected)
