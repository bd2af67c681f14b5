"""TensorBoard event files, read back with TensorBoard's own loaders.

graph.summary is imported inside the tests (not at collection time): it registers the
summary ops, which the op-table test must not see before they are listed there.
"""

import importlib
import sys

import numpy as np
import pytest

import twinflow as tf

tf1 = tf.compat.v1


@pytest.fixture
def summary():
    pytest.importorskip("tensorboard")
    return importlib.import_module("graph.summary")


def _accumulator(logdir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    return acc


def _array(tensor_event):
    from tensorboard.util import tensor_util
    return tensor_util.make_ndarray(tensor_event.tensor_proto)


def test_v1_summaries_and_graph_in_an_event_file(summary, tmp_path):
    with tf.Graph().as_default() as graph:
        x = tf1.placeholder(tf.float32, [], name="x")
        with tf.name_scope("train"):
            loss = summary.scalar_v1("my loss", x * 2.0)
            hist = summary.histogram_v1("weights", tf.constant([1.0, 2.0, 2.5, -1.0]))
        merged = summary.merge_all()
        assert summary.merge_all("nothing_here") is None
        assert loss.name == "train/my_loss:0" and loss.op.type == "ScalarSummary"
        assert merged.op.name == "Merge/MergeSummary" and hist.dtype == tf.string
        assert graph.get_collection(tf1.GraphKeys.SUMMARIES) == [loss, hist]
        writer = summary.FileWriter(tmp_path, graph)
        with tf1.Session() as sess:
            for step in range(3):
                serialized = sess.run(merged, {x: float(step)})
                assert isinstance(serialized, bytes)
                writer.add_summary(serialized, step)
        writer.close()
    acc = _accumulator(tmp_path)
    assert acc.Tags()["scalars"] == ["train/my_loss"] and acc.Tags()["graph"]
    assert [(e.step, e.value) for e in acc.Scalars("train/my_loss")] == [
        (0, 0.0), (1, 2.0), (2, 4.0)]
    histo = acc.Histograms("train/weights")[0].histogram_value
    assert (histo.min, histo.max, histo.num, histo.sum, histo.sum_squares) == (
        -1.0, 2.5, 4.0, 4.5, 12.25)
    # TensorFlow's own buckets for these values (checked against TF 2.21)
    assert list(histo.bucket) == [0, 1, 0, 1, 0, 1, 0, 1, 0]
    assert histo.bucket_limit[:2] == [-1.0089710279437536, -0.917246389039776]
    assert histo.bucket_limit[-2:] == [2.6170109961884593, 1.7976931348623157e+308]
    nodes = {n.name: n for n in acc.Graph().node}
    assert {"x", "train/my_loss", "train/weights", "Merge/MergeSummary"} <= set(nodes)
    assert list(nodes["train/my_loss"].input) == ["train/my_loss/tags", "train/Mul"]


def test_v1_summary_errors(summary):
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=r"tags and values are not the same shape: "
                                             r"\[\] != \[2\]"):
            summary.scalar_v1("bad", tf.constant([1.0, 2.0]))
        nan = summary.histogram_v1("h", tf.constant([1.0, np.nan]))
        one = summary.scalar_v1("one", 1.0)
        twice = summary.merge([one, one])
        with tf1.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match="Nan in summary histogram for: h"):
                sess.run(nan)
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match="Duplicate tag one found in summary inputs"):
                sess.run(twice)
    with pytest.raises(RuntimeError, match="not compatible with eager execution"):
        summary.FileWriter("unused")
    with pytest.raises(RuntimeError, match="Merging tf.summary.\\* ops is not compatible"):
        summary.merge_all()


def test_v2_scalars_eagerly_and_inside_tf_function(summary, tmp_path):
    writer = summary.create_file_writer(str(tmp_path))
    assert not bool(summary.scalar("ignored", 1.0, step=0))  # no default writer: False
    with writer.as_default():
        assert bool(summary.scalar("loss", 0.5, step=1))
        summary.histogram("h", np.arange(10.0), step=1)
        with pytest.raises(ValueError, match="No step set. Please specify one either"):
            summary.scalar("loss", 0.25)

    @tf.function
    def train_step(value):
        with writer.as_default(step=tf.constant(7, tf.int64)):
            summary.scalar("in_function", value * 2.0)
        return value

    train_step(tf.constant(1.5))
    train_step(tf.constant(2.5))  # the same trace writes again, with the new value
    summary.set_step(9)
    with writer.as_default():
        summary.scalar("later", 3)
        summary.graph(train_step.get_concrete_function(tf.constant(0.0)).graph)
    summary.set_step(None)
    writer.close()
    acc = _accumulator(tmp_path)
    assert sorted(acc.Tags()["tensors"]) == ["h", "in_function", "later", "loss"]
    assert [(e.step, float(_array(e))) for e in acc.Tensors("in_function")] == [
        (7, 3.0), (7, 5.0)]
    assert [(e.step, float(_array(e))) for e in acc.Tensors("loss")] == [(1, 0.5)]
    assert _array(acc.Tensors("later")[0]).dtype == np.float32
    buckets = _array(acc.Tensors("h")[0])
    assert buckets.shape == (30, 3) and buckets[:, 2].sum() == 10
    assert (buckets[0, 0], buckets[-1, 1]) == (0.0, 9.0)
    assert acc.Tags()["graph"]


def test_graph_proto_attributes(summary):
    with tf.Graph().as_default() as graph:
        x = tf1.placeholder(tf.float32, [None, 3], name="x")
        tf.cond(tf.reduce_sum(x) > 0, lambda: x, lambda: -x, name="branch")
        tf.matmul(x, x, transpose_b=True, name="mm")
        tf.nn.leaky_relu(x, alpha=0.25, name="leaky")
        tf.nn.conv2d(tf.zeros([1, 4, 4, 1]), tf.ones([2, 2, 1, 1]), [1, 1, 1, 1], "SAME",
                     name="conv")
    nodes = {n.name: n for n in summary.graph_def_proto(graph).node}
    assert nodes["mm"].attr["transpose_b"].b and nodes["leaky"].attr["alpha"].f == 0.25
    assert list(nodes["conv"].attr["strides"].list.i) == [1, 1, 1, 1]
    assert nodes["conv"].attr["padding"].s == b"SAME"
    assert nodes["x"].attr["dtype"].type == 1  # DT_FLOAT
    assert [d.size for d in nodes["x"].attr["shape"].shape.dim] == [-1, 3]
    assert [d.size for d in nodes["x"].attr["_output_shapes"].list.shape[0].dim] == [-1, 3]
    const = next(n for n in nodes.values() if n.op == "Const")
    assert const.attr["value"].tensor.dtype == const.attr["dtype"].type
    case = next(n for n in nodes.values() if n.op in ("Case", "StatelessCase"))
    assert case.attr["branches"].s.startswith(b'{"tuple": [{"func": ')
    assert list(case.attr["capture_index"].s)  # nested lists: kept as JSON text


def test_missing_tensorboard_names_the_extra(monkeypatch):
    module = importlib.import_module("graph.summary")
    module.tensorboard_modules.cache_clear()
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto", None)
    try:
        for call in (lambda: module.create_file_writer("unused"),
                     lambda: module.scalar("x", 1.0, step=0)):
            with pytest.raises(ImportError, match=r"pip install 'twinflow\[tensorboard\]'"):
                call()
        with tf.Graph().as_default():
            with pytest.raises(ImportError, match="TensorBoard summaries need the "
                                                  "`tensorboard` package"):
                module.scalar_v1("x", 1.0)
    finally:
        module.tensorboard_modules.cache_clear()


@pytest.mark.parametrize("graph_mode", [False, True])
def test_keras_tensorboard_callback_writes_epoch_scalars(summary, tmp_path, graph_mode):
    keras = tf.keras
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 3)).astype(np.float32), rng.integers(0, 2, 40)

    def fit():
        keras.backend.clear_session()
        model = keras.Sequential([keras.layers.Dense(2, activation="softmax",
                                                     input_shape=(3,))])
        model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model.fit(x, y, epochs=3, batch_size=20, verbose=0, validation_split=0.25,
                         callbacks=[keras.callbacks.TensorBoard(str(tmp_path))]).history
    if graph_mode:
        tf1.disable_eager_execution()
        try:
            with tf1.Session():
                history = fit()
        finally:
            tf1.enable_eager_execution()
            tf1.reset_default_graph()
    else:
        history = fit()
    train, val = _accumulator(tmp_path / "train"), _accumulator(tmp_path / "validation")
    losses = [float(_array(e)) for e in train.Tensors("epoch_loss")]
    np.testing.assert_allclose(losses, history["loss"], rtol=1e-6)
    assert [e.step for e in val.Tensors("epoch_accuracy")] == [0, 1, 2]
