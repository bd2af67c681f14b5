"""tf.train.Checkpoint / CheckpointManager, in both modes, and Saver <-> Checkpoint."""

import os

import numpy as np
import pytest

import twinflow as tf

tf1 = tf.compat.v1
V = "/.ATTRIBUTES/VARIABLE_VALUE"


class Inner(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable([1.0, 2.0], name="w")
        self.layers = [tf.Variable(3, name="n"), {"a": tf.Variable(4.0), "b": [tf.Variable(5.0)]}]
        self.pair = (tf.Variable(b"s\x00", name="s"),)
        self.config = {"units": 3, "name": "x"}  # plain values are not saved
        self.a_shared = self.w  # saved once, under the first path (attribute order)


class Outer(tf.Module):
    def __init__(self):
        super().__init__()
        self.inner = Inner()
        self.bias = tf.Variable(np.zeros((2, 3), np.float32), name="bias")


class Tracked:
    """Any object can take part by listing its children (the protocol Keras will use)."""

    def __init__(self):
        self.kernel = tf.Variable([[1.0]], name="kernel")
        self.not_saved = tf.Variable(0.0)

    def _checkpoint_children(self):
        return {"kernel": self.kernel, "odd/name.x": tf.Variable(9.0)}


def _files(directory):
    return sorted(os.listdir(directory))


def test_keys_follow_object_paths_as_tensorflow_writes_them(tmp_path):
    ckpt = tf.train.Checkpoint(model=Outer(), extra=Tracked(), v=tf.Variable(7.0))
    path = ckpt.save(str(tmp_path / "ckpt"))
    assert [key for key, _ in tf.train.list_variables(path)] == [
        "extra/kernel" + V, "extra/odd.Sname..x" + V,
        "model/bias" + V, "model/inner/layers/0" + V, "model/inner/layers/1/a" + V,
        "model/inner/layers/1/b/0" + V, "model/inner/pair/0" + V, "model/inner/w" + V,
        "save_counter" + V, "v" + V]
    reader = tf.train.load_checkpoint(path)
    assert reader.kind == "object-based"
    assert reader.variable_names()["model/inner/w" + V] == "w"


def test_root_children_go_to_the_top_level(tmp_path):
    module = Inner()
    path = tf.train.Checkpoint(root=module, extra=tf.Variable(1.0)).write(str(tmp_path / "a"))
    assert [k for k, _ in tf.train.list_variables(path)] == [
        "extra" + V, "layers/0" + V, "layers/1/a" + V, "layers/1/b/0" + V, "pair/0" + V,
        "w" + V]
    path = tf.train.Checkpoint(root=tf.Variable(2.0)).write(str(tmp_path / "b"))
    assert tf.train.list_variables(path) == [(V, [])]


def test_save_numbers_checkpoints_and_restore_round_trips(tmp_path):
    model = Outer()
    ckpt = tf.train.Checkpoint(model=model)
    saved = [v.numpy() for v in model.variables]
    assert ckpt.save(str(tmp_path / "ckpt")) == str(tmp_path / "ckpt-1")
    assert ckpt.save(str(tmp_path / "ckpt")) == str(tmp_path / "ckpt-2")
    assert (tmp_path / "checkpoint").read_text() == ('model_checkpoint_path: "ckpt-2"\n'
                                                     'all_model_checkpoint_paths: "ckpt-2"\n')
    assert ckpt.write(str(tmp_path / "plain")) == str(tmp_path / "plain")
    assert tf.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "ckpt-2")
    for v in model.variables:
        v.assign(tf.zeros_like(v) if v.dtype != tf.string else v.numpy() * 0 + b"")
    fresh = tf.train.Checkpoint(model=model)
    status = fresh.restore(tf.train.latest_checkpoint(str(tmp_path)))
    status.assert_consumed().assert_existing_objects_matched().assert_nontrivial_match()
    for v, want in zip(model.variables, saved):
        np.testing.assert_array_equal(v.numpy(), want)
    assert model.inner.pair[0].numpy() == b"s\x00"
    assert fresh.save_counter.numpy() == 2  # restored, so numbering continues
    assert fresh.save(str(tmp_path / "ckpt")) == str(tmp_path / "ckpt-3")


def test_write_has_no_counter_until_one_is_needed(tmp_path):
    ckpt = tf.train.Checkpoint(a=tf.Variable(1.0))
    ckpt.write(str(tmp_path / "w"))
    assert tf.train.list_variables(str(tmp_path / "w")) == [("a" + V, [])]
    assert _files(tmp_path) == ["w.data-00000-of-00001", "w.index"]  # no state file
    ckpt.b = tf.Variable(2.0)  # attributes set later are tracked too
    ckpt.write(str(tmp_path / "w"))
    assert [k for k, _ in tf.train.list_variables(str(tmp_path / "w"))] == ["a" + V, "b" + V]


def test_load_statuses_report_what_matched(tmp_path):
    path = tf.train.Checkpoint(x=tf.Variable([9.0, 8.0]), y=tf.Variable(1.0)).write(
        str(tmp_path / "obj"))
    partial = tf.train.Checkpoint(x=tf.Variable([0.0, 0.0]))
    status = partial.restore(path)
    np.testing.assert_array_equal(partial.x.numpy(), [9.0, 8.0])
    with pytest.raises(AssertionError, match=r"Found 1 Python objects with no value in "
                                             r"checkpoint .*obj, .*save_counter"):
        status.assert_consumed()
    status.assert_nontrivial_match()
    assert status.expect_partial() is status
    partial.save_counter.assign(0)
    path2 = partial.write(str(tmp_path / "obj2"))
    other = tf.train.Checkpoint(x=tf.Variable([0.0, 0.0]), y=tf.Variable(0.0))
    status = other.restore(path2)
    status.assert_nontrivial_match()
    with pytest.raises(AssertionError, match=r"y/.ATTRIBUTES/VARIABLE_VALUE \(Variable\)"):
        status.assert_existing_objects_matched()
    wrong = tf.train.Checkpoint(z=tf.Variable([0.0, 0.0])).restore(path)
    with pytest.raises(AssertionError, match="Nothing but the save counter matched"):
        wrong.assert_nontrivial_match()
    path3 = tf.train.Checkpoint(x=tf.Variable([1.0, 2.0]), y=tf.Variable(1.0)).save(
        str(tmp_path / "full"))
    unused = tf.train.Checkpoint(x=tf.Variable([0.0, 0.0])).restore(path3)
    unused.assert_existing_objects_matched()  # x and save_counter found ...
    with pytest.raises(AssertionError, match=r"1 values in checkpoint .*full-1 were not used by "
                                             r"any Python object.*\['y/.ATTRIBUTES"):
        unused.assert_consumed()  # ... but y was not used


def test_restore_none_restores_nothing():
    v = tf.Variable(3.0)
    status = tf.train.Checkpoint(v=v).restore(None)
    for check in (status.assert_consumed, status.assert_existing_objects_matched,
                  status.assert_nontrivial_match):
        with pytest.raises(AssertionError, match=r"No checkpoint was given \(save_path=None\)"):
            check()
    status.run_restore_ops()
    assert v.numpy() == 3.0


def test_checkpoint_errors(tmp_path):
    with pytest.raises(ValueError, match="`a` is 3, which it cannot save"):
        tf.train.Checkpoint(a=3)
    with pytest.raises(ValueError, match="`root` is 'x'"):
        tf.train.Checkpoint("x")
    ckpt = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0]))
    ckpt.save(str(tmp_path / "ckpt"))
    with pytest.raises(tf.errors.NotFoundError,
                       match=rf"Failed to find any matching files for {tmp_path}/ckpt: .*\n  "
                             rf"Did you mean {tmp_path}/ckpt-1\?"):
        ckpt.restore(str(tmp_path / "ckpt"))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Cannot restore variable Variable from .*ckpt-1: the variable has "
                             r"shape \[3\] but key v/.ATTRIBUTES/VARIABLE_VALUE holds shape "
                             r"\[2\]"):
        tf.train.Checkpoint(v=tf.Variable([0.0, 0.0, 0.0])).restore(str(tmp_path / "ckpt-1"))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"the variable's dtype is int32 but key "
                             r"v/.ATTRIBUTES/VARIABLE_VALUE holds float32"):
        tf.train.Checkpoint(v=tf.Variable([0, 0])).restore(str(tmp_path / "ckpt-1"))
    data = tmp_path / "ckpt-1.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[:-20])
    with pytest.raises(tf.errors.DataLossError, match=rf"{data} is corrupted or truncated"):
        ckpt.restore(str(tmp_path / "ckpt-1"))


# ---------------------------------------------------------------- graph mode ----------

def test_graph_mode_uses_the_default_session(graph_mode, tmp_path):
    v = tf1.Variable([1.0, 2.0], name="v")
    ckpt = tf.train.Checkpoint(v=v)
    with tf1.Session() as sess:
        sess.run(v.initializer)
        path = ckpt.save(str(tmp_path / "ckpt"))  # the counter is initialized for us
        assert path == str(tmp_path / "ckpt-1")
        sess.run(v.assign([0.0, 0.0]))
        status = ckpt.restore(path)
        np.testing.assert_array_equal(sess.run(v), [0.0, 0.0])  # as TF: not run yet
        status.run_restore_ops()
        np.testing.assert_array_equal(sess.run(v), [1.0, 2.0])
        status.assert_consumed()
        n_ops = len(graph_mode.get_operations())
        ckpt.restore(path).run_restore_ops()
        assert len(graph_mode.get_operations()) == n_ops  # restore ops built once
    with tf1.Session() as fresh:
        ckpt.restore(path).initialize_or_restore(fresh)
        np.testing.assert_array_equal(fresh.run(v), [1.0, 2.0])
        assert fresh.run(ckpt.save_counter) == 1
    with pytest.raises(ValueError, match="Checkpoint.write needs a Session to read and assign "
                                         "graph variables: pass session=sess"):
        ckpt.write(str(tmp_path / "x"))


def test_graph_mode_initialize_or_restore_initializes_the_rest(graph_mode, tmp_path):
    a = tf1.Variable(1.0, name="a")
    with tf1.Session() as sess:
        sess.run(a.initializer)
        path = tf.train.Checkpoint(a=a).write(str(tmp_path / "m"), session=sess)
    b = tf1.Variable(5.0, name="b")
    sess = tf1.Session()  # nothing initialized here
    tf.train.Checkpoint(a=a, b=b).restore(path).initialize_or_restore(sess)
    assert sess.run([a, b]) == [1.0, 5.0]


# ---------------------------------------------------------------- across modes --------

def test_graph_saver_to_eager_checkpoint_and_back(tmp_path):
    graph = tf.Graph()
    with graph.as_default():
        w = tf1.Variable([[1.0, 2.0]], name="dense/kernel")
        b = tf1.Variable([0.5], name="dense/bias")
        saver = tf1.train.Saver()
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            sess.run(w.assign([[3.0, 4.0]]))
            path = saver.save(sess, str(tmp_path / "tf1"))

    class Dense(tf.Module):  # the eager program: same variable names, other structure
        def __init__(self):
            super().__init__()
            self.kernel = tf.Variable(tf.zeros([1, 2]), name="dense/kernel")
            self.bias = tf.Variable(tf.zeros([1]), name="dense/bias")
    dense = Dense()
    status = tf.train.Checkpoint(layer=dense).restore(path)  # name-based: by variable name
    assert type(status).__name__ == "NameBasedSaverStatus"
    status.assert_consumed()
    np.testing.assert_array_equal(dense.kernel.numpy(), [[3.0, 4.0]])
    np.testing.assert_array_equal(dense.bias.numpy(), [0.5])

    dense.kernel.assign([[7.0, 8.0]])
    eager_path = tf.train.Checkpoint(layer=dense).save(str(tmp_path / "tf2"))
    with graph.as_default(), tf1.Session() as sess:
        saver.restore(sess, eager_path)  # object-based: matched by the saved names
        np.testing.assert_array_equal(sess.run(w), [[7.0, 8.0]])
        np.testing.assert_array_equal(sess.run(b), [0.5])


def test_graph_checkpoint_to_eager_checkpoint_and_back(tmp_path):
    graph = tf.Graph()
    with graph.as_default():
        model = Outer()
        ckpt = tf.train.Checkpoint(model=model)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            sess.run(model.inner.w.assign([5.0, 6.0]))
            path = ckpt.save(str(tmp_path / "g"))
            graph_values = sess.run(list(model.variables))
    eager_model = Outer()
    eager_ckpt = tf.train.Checkpoint(model=eager_model)
    eager_ckpt.restore(path).assert_consumed()
    for v, want in zip(eager_model.variables, graph_values):
        np.testing.assert_array_equal(v.numpy(), want)
    eager_model.bias.assign(tf.ones([2, 3]))
    back = eager_ckpt.save(str(tmp_path / "g"))
    assert back == str(tmp_path / "g-2")
    with tf1.Session(graph=graph) as sess:
        status = ckpt.restore(back)
        status.run_restore_ops(sess)
        np.testing.assert_array_equal(sess.run(model.bias), np.ones((2, 3), np.float32))
        np.testing.assert_array_equal(sess.run(model.inner.w), [5.0, 6.0])


# ---------------------------------------------------------------- CheckpointManager ---

def test_manager_keeps_max_to_keep_and_records_state(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    manager = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    assert (manager.latest_checkpoint, manager.checkpoints) == (None, [])
    assert manager.directory == str(tmp_path)
    paths = [manager.save() for _ in range(3)]
    assert paths == [str(tmp_path / f"ckpt-{n}") for n in (1, 2, 3)]
    assert manager.checkpoints == paths[1:] and manager.latest_checkpoint == paths[2]
    assert _files(tmp_path) == ["checkpoint", "ckpt-2.data-00000-of-00001", "ckpt-2.index",
                                "ckpt-3.data-00000-of-00001", "ckpt-3.index"]
    lines = (tmp_path / "checkpoint").read_text().splitlines()
    assert lines[:3] == ['model_checkpoint_path: "ckpt-3"',
                         'all_model_checkpoint_paths: "ckpt-2"',
                         'all_model_checkpoint_paths: "ckpt-3"']
    assert [line.split(":")[0] for line in lines[3:]] == [
        "all_model_checkpoint_timestamps", "all_model_checkpoint_timestamps",
        "last_preserved_timestamp"]
    assert manager.save(checkpoint_number=100) == str(tmp_path / "ckpt-100")
    assert ckpt.save_counter.numpy() == 4  # the counter moves on every save
    restarted = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    assert restarted.checkpoints == [str(tmp_path / "ckpt-3"), str(tmp_path / "ckpt-100")]


def test_manager_restore_or_initialize(tmp_path):
    calls = []
    v = tf.Variable(1.0)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=v), str(tmp_path / "run"),
                                         max_to_keep=None, checkpoint_name="model",
                                         init_fn=lambda: calls.append("init"))
    assert manager.restore_or_initialize() is None and calls == ["init"]
    path = manager.save()
    assert path == str(tmp_path / "run" / "model-1")
    v.assign(0.0)
    again = tf.train.CheckpointManager(tf.train.Checkpoint(v=v), str(tmp_path / "run"),
                                       max_to_keep=None, checkpoint_name="model")
    assert again.restore_or_initialize() == path and v.numpy() == 1.0


def test_manager_checkpoint_interval(tmp_path):
    step = tf.Variable(0, dtype=tf.int64)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(step=step), str(tmp_path),
                                         max_to_keep=3, step_counter=step,
                                         checkpoint_interval=5)
    saved = []
    for i in range(12):
        step.assign(i)
        if manager.save() is not None:
            saved.append(i)
    assert saved == [0, 5, 10] and len(manager.checkpoints) == 3
    assert manager.save(check_interval=False) is not None


def test_manager_argument_errors(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    for bad in (0, -1):
        with pytest.raises(ValueError, match=rf"`max_to_keep` must be a positive integer or "
                                             rf"None, got {bad}"):
            tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=bad)
    with pytest.raises(ValueError, match="`checkpoint_interval` needs a `step_counter`"):
        tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=1, checkpoint_interval=5)
