"""tf.data: every source and transformation, eager iteration vs TF1 graph iterators."""

import numpy as np
import pytest

import twinflow as tf
from twinflow.compat import v1 as tf1

Dataset = tf.data.Dataset


def eager_elements(make):
    """The elements of make() iterated eagerly, as numpy (structures kept)."""
    return [tf.nest.map_structure(lambda t: t.numpy(), e) for e in make()]


def graph_elements(make, feed=None):
    """The elements of make() built in a TF1 graph, pulled until OutOfRangeError."""
    with tf.Graph().as_default():
        ds = make()
        nxt = tf1.data.make_one_shot_iterator(ds).get_next()
        out = []
        with tf1.Session() as sess:
            while True:
                try:
                    out.append(sess.run(nxt, feed))
                except tf.errors.OutOfRangeError:
                    return out


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        for u, v in zip(tf.nest.flatten(x), tf.nest.flatten(y)):
            u, v = np.asarray(u), np.asarray(v)
            assert u.dtype == v.dtype and u.shape == v.shape
            np.testing.assert_array_equal(u, v)


def assert_matches(got, want):
    """got (arrays in tuples/dicts) equals want, where a list is one tensor (tf.data's rule)."""
    if isinstance(want, (tuple, dict)):
        assert type(got) is type(want) and len(got) == len(want)
        for key in (want if isinstance(want, dict) else range(len(want))):
            assert_matches(got[key], want[key])
    else:
        np.testing.assert_array_equal(got, np.asarray(want))


PIPELINES = {
    "slices_tuple": (lambda: Dataset.from_tensor_slices(
        (np.arange(3, dtype=np.int32), np.arange(6.0, dtype=np.float32).reshape(3, 2))),
        [(0, [0., 1.]), (1, [2., 3.]), (2, [4., 5.])]),
    "slices_dict_batch": (lambda: Dataset.from_tensor_slices(
        {"a": [1, 2, 3], "b": ["x", "y", "z"]}).batch(2),
        [{"a": [1, 2], "b": [b"x", b"y"]}, {"a": [3], "b": [b"z"]}]),
    "from_tensors": (lambda: Dataset.from_tensors([[1, 2], [3, 4]]), [[[1, 2], [3, 4]]]),
    "range_map": (lambda: Dataset.range(2, 11, 3).map(lambda x: x * x), [4, 25, 64]),
    "filter": (lambda: Dataset.range(10).filter(lambda x: tf.equal(x % 3, 0)), [0, 3, 6, 9]),
    "batch_drop": (lambda: Dataset.range(7).batch(3, drop_remainder=True),
                   [[0, 1, 2], [3, 4, 5]]),
    "repeat_take_skip": (lambda: Dataset.range(3).repeat(3).skip(2).take(5),
                         [2, 0, 1, 2, 0]),
    "zip_concat": (lambda: Dataset.zip((Dataset.range(3), Dataset.range(10, 20))).concatenate(
        Dataset.zip((Dataset.range(5, 6), Dataset.range(1)))),
        [(0, 10), (1, 11), (2, 12), (5, 0)]),
    "padded_batch": (lambda: Dataset.range(1, 4).map(lambda n: tf.fill([n], n)).padded_batch(
        2), [[[1, 0], [2, 2]], [[3, 3, 3]]]),
    "unbatch": (lambda: Dataset.from_tensors([[1, 2], [3, 4]]).unbatch(), [[1, 2], [3, 4]]),
    "enumerate": (lambda: Dataset.from_tensor_slices(["a", "b"]).enumerate(5),
                  [(5, b"a"), (6, b"b")]),
    "cache_prefetch": (lambda: Dataset.range(3).cache().repeat(2).prefetch(1),
                       [0, 1, 2, 0, 1, 2]),
    "map_tuple_out": (lambda: Dataset.range(3).map(lambda x: [x, tf.cast(x, tf.float32) / 2]),
                      [(0, 0.), (1, .5), (2, 1.)]),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipeline_values_eager_equal_graph(name):
    make, expected = PIPELINES[name]
    eager = eager_elements(make)
    assert len(eager) == len(expected)
    for got, want in zip(eager, expected):
        assert_matches(got, want)
    assert_same(eager, graph_elements(make))


def test_element_spec_and_tf1_output_types():
    ds = Dataset.from_tensor_slices((np.zeros((4, 2), np.float32), [1, 2, 3, 4])).batch(3)
    assert ds.element_spec == (tf.TensorSpec([None, 2], tf.float32),
                               tf.TensorSpec([None], tf.int32))
    assert repr(ds.element_spec[0]) == "TensorSpec(shape=(None, 2), dtype=tf.float32, name=None)"
    ds = ds.unbatch().batch(2, drop_remainder=True)
    assert tf1.data.get_output_types(ds) == (tf.float32, tf.int32)
    assert [s.as_list() for s in tf1.data.get_output_shapes(ds)] == [[2, 2], [2]]
    assert tf1.data.get_output_classes(ds) == (tf.Tensor, tf.Tensor)


@pytest.mark.parametrize("make, n", [
    (lambda: Dataset.range(10).batch(3), 4),
    (lambda: Dataset.range(10).batch(3, drop_remainder=True), 3),
    (lambda: Dataset.range(10).repeat(), tf.data.INFINITE_CARDINALITY),
    (lambda: Dataset.range(10).repeat().take(4), 4),
    (lambda: Dataset.range(10).filter(lambda x: x > 2), tf.data.UNKNOWN_CARDINALITY),
    (lambda: Dataset.range(10).skip(4).repeat(2), 12),
    (lambda: Dataset.zip((Dataset.range(3), Dataset.range(9).repeat())), 3),
])
def test_cardinality(make, n):
    ds = make()
    assert int(ds.cardinality()) == n
    assert int(tf.data.experimental.cardinality(ds)) == n
    if n >= 0:
        assert len(ds) == n


def test_len_of_infinite_or_unknown_raises_type_error():
    with pytest.raises(TypeError, match="The dataset is infinite."):
        len(Dataset.range(3).repeat())
    with pytest.raises(TypeError, match="The dataset length is unknown."):
        len(Dataset.range(3).filter(lambda x: x > 0))


def test_shuffle_seeded_same_order_in_both_modes_and_is_a_permutation():
    def make():
        return Dataset.range(20).shuffle(8, seed=7)
    eager = eager_elements(make)
    assert sorted(eager) == list(range(20)) and eager != list(range(20))
    assert_same(eager, graph_elements(make))
    # the buffer bounds how far an element can move forward
    assert all(pos >= value - 7 for pos, value in enumerate(eager))


def test_shuffle_reshuffles_per_pass_like_tensorflow():
    ds = Dataset.range(30).shuffle(30, seed=1)
    first, second = eager_elements(lambda: ds), eager_elements(lambda: ds)
    assert first != second  # TF2: each Python iteration reshuffles
    epochs = eager_elements(lambda: Dataset.range(30).shuffle(30, seed=1).repeat(2))
    assert epochs[:30] == first and epochs[30:] == second
    fixed = Dataset.range(30).shuffle(30, seed=1, reshuffle_each_iteration=False)
    assert eager_elements(lambda: fixed) == eager_elements(lambda: fixed) == first
    with tf.Graph().as_default():  # TF1: re-initializing replays the first order
        it = tf1.data.make_initializable_iterator(Dataset.range(30).shuffle(30, seed=1))
        nxt = it.get_next()
        with tf1.Session() as sess:
            for _ in range(2):
                sess.run(it.initializer)
                assert [sess.run(nxt) for _ in range(30)] == first


def test_initializable_iterator_fed_placeholder_epochs_and_errors():
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 2])
        size = tf1.placeholder(tf.int64, [])
        it = tf1.data.make_initializable_iterator(
            Dataset.from_tensor_slices(x).map(lambda r: tf.reduce_sum(r)).batch(size))
        nxt = it.get_next()
        assert nxt.shape.as_list() == [None]
        with tf1.Session() as sess:
            with pytest.raises(tf.errors.FailedPreconditionError,
                               match=r"not been initialized(.|\n)*'Iterator'(.|\n)*"
                                     r"iterator.initializer(.|\n)*node IteratorGetNext"):
                sess.run(nxt)
            data = np.arange(10, dtype=np.float32).reshape(5, 2)
            for _ in range(2):  # two epochs: re-run the initializer after OutOfRangeError
                sess.run(it.initializer, {x: data, size: 2})
                got = [sess.run(nxt).tolist() for _ in range(3)]
                assert got == [[1., 5.], [9., 13.], [17.]]
                with pytest.raises(tf.errors.OutOfRangeError,
                                   match=r"End of sequence(.|\n)*'Iterator' has no more"):
                    sess.run(nxt)
            with tf1.Session() as other:  # the position is per Session
                with pytest.raises(tf.errors.FailedPreconditionError):
                    other.run(nxt)


def test_reinitializable_iterator_switches_datasets():
    with tf.Graph().as_default():
        train, valid = Dataset.range(3), Dataset.range(100, 102)
        it = tf1.data.Iterator.from_structure(tf1.data.get_output_types(train),
                                              tf1.data.get_output_shapes(train))
        nxt = it.get_next()
        init_train, init_valid = it.make_initializer(train), it.make_initializer(valid)
        with tf1.Session() as sess:
            sess.run(init_train)
            assert [sess.run(nxt) for _ in range(2)] == [0, 1]
            sess.run(init_valid)
            assert [sess.run(nxt) for _ in range(2)] == [100, 101]
        with pytest.raises(TypeError, match="Expected output types"):
            it.make_initializer(Dataset.range(3).map(lambda v: tf.cast(v, tf.float32)))
        one_shot = tf1.data.make_one_shot_iterator(train)
        with pytest.raises(ValueError, match="does not have an initializer"):
            one_shot.initializer


def test_map_reads_table_and_variable_by_reference_in_both_modes(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("the\ncat\nsat\n")

    def make():
        init = tf.lookup.TextFileInitializer(str(vocab), tf.string,
                                             tf.lookup.TextFileIndex.WHOLE_LINE, tf.int64,
                                             tf.lookup.TextFileIndex.LINE_NUMBER)
        table = tf.lookup.StaticHashTable(init, -1)
        offset = tf.Variable(tf.constant(0, tf.int64))
        ds = Dataset.from_tensor_slices(["cat", "dog", "the"]).map(
            lambda w: table.lookup(w) + offset)
        return ds, offset

    ds, offset = make()
    assert eager_elements(lambda: ds) == [1, -1, 0]
    offset.assign(10)  # captured by reference: later iterations see the new value
    assert eager_elements(lambda: ds) == [11, 9, 10]
    with tf.Graph().as_default():
        ds, offset = make()
        it = tf1.data.make_initializable_iterator(ds)
        nxt = it.get_next()
        with tf1.Session() as sess:
            sess.run([tf1.global_variables_initializer(), tf1.tables_initializer()])
            sess.run(it.initializer)
            assert [sess.run(nxt) for _ in range(3)] == [1, -1, 0]


def test_map_function_is_traced_once():
    calls = []

    def fn(x):
        calls.append(1)  # a Python side effect: runs while tracing only, as in TF
        return x + 1
    ds = Dataset.range(5).map(fn)
    assert eager_elements(lambda: ds) == [1, 2, 3, 4, 5]
    assert len(calls) == 1


def test_from_generator_both_modes_and_its_errors():
    def gen():
        for i in range(3):
            yield i, [float(i)] * 2

    def make():
        return Dataset.from_generator(gen, output_signature=(
            tf.TensorSpec([], tf.int32), tf.TensorSpec([2], tf.float32)))
    assert_same(eager_elements(make), graph_elements(make))
    assert eager_elements(make)[2][1].tolist() == [2., 2.]
    old = Dataset.from_generator(lambda: iter([[1, 2], [3, 4]]), output_types=tf.int64,
                                 output_shapes=[2])
    assert old.element_spec == tf.TensorSpec([2], tf.int64)
    bad = Dataset.from_generator(lambda: iter([[1, 2, 3]]), output_types=tf.int64,
                                 output_shapes=[2])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"yielded an element of shape \(3,\) where an element of shape "
                             r"\(2,\) was expected"):
        list(bad)
    with pytest.raises(TypeError, match="output_signature"):
        Dataset.from_generator(gen)


def test_bad_pipelines_raise_tensorflow_errors():
    with pytest.raises(ValueError, match="Dimensions 3 and 2 are not compatible"):
        Dataset.from_tensor_slices(([1, 2, 3], [1, 2]))
    with pytest.raises(ValueError, match=r"`predicate` must return a `tf.bool` scalar"):
        Dataset.range(3).filter(lambda x: x)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Batch size must be greater"):
        Dataset.range(3).batch(0)
    ragged = Dataset.range(1, 3).map(lambda n: tf.fill([n], n)).batch(2)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Cannot batch tensors with different shapes in component 0. "
                             r"First element had shape \[1\] and element 1 had shape \[2\]"
                             r"(.|\n)*padded_batch"):
        list(ragged)
    with pytest.raises(ValueError, match=r"padded shape \(2,\) is not compatible with the "
                                         r"shape \(3,\)"):
        Dataset.from_tensors([1, 2, 3]).padded_batch(1, padded_shapes=[2])
    unknown = Dataset.from_generator(lambda: iter([[1, 2, 3]]), output_types=tf.int32,
                                     output_shapes=[None])
    with pytest.raises(tf.errors.InvalidArgumentError, match="smaller size"):
        list(unknown.padded_batch(1, padded_shapes=[2]))
    with pytest.raises(TypeError, match="structure of `tf.data.Dataset`"):
        Dataset.zip((Dataset.range(2), [1, 2]))
    with pytest.raises(TypeError, match="Incompatible dataset elements"):
        Dataset.range(2).concatenate(Dataset.from_tensors("a"))


def test_iteration_rules_per_mode():
    it = iter(Dataset.range(1))
    assert int(it.get_next()) == 0
    with pytest.raises(tf.errors.OutOfRangeError, match="End of sequence"):
        it.get_next()
    with pytest.raises(RuntimeError, match="make_initializable_iterator is not supported"):
        tf1.data.make_initializable_iterator(Dataset.range(2))
    assert [int(t) for t in tf1.data.make_one_shot_iterator(Dataset.range(2))] == [0, 1]
    with tf.Graph().as_default():
        ds = Dataset.range(2)
        with pytest.raises(RuntimeError, match="only supports Python-style iteration"):
            iter(ds)
        with pytest.raises(RuntimeError, match="only supported in eager mode"):
            ds.as_numpy_iterator()


def test_map_errors_at_trace_time_and_at_run_time():
    with pytest.raises(ValueError, match=r"Cannot reshape a tensor with 2 elements to shape "
                                         r"\[3\]"):
        Dataset.from_tensor_slices([[1.0, 2.0]]).map(lambda r: tf.reshape(r, [3]))
    unknown = Dataset.from_generator(lambda: iter([[1.0, 2.0]]), output_types=tf.float32)
    ds = unknown.map(lambda r: tf.reshape(r, [3]))  # shape unknown until it runs
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"(.|\n)*node Reshape \(defined at .*test_data.py"):
        list(ds)


def test_tensor_spec():
    spec = tf.TensorSpec([None, 3], tf.int32, name="x")
    assert spec.is_compatible_with(tf.constant(np.zeros((5, 3), np.int32)))
    assert not spec.is_compatible_with(tf.constant(np.zeros((5, 2), np.int32)))
    assert not spec.is_compatible_with(tf.TensorSpec([2, 3], tf.float32))
    assert spec == tf.TensorSpec([None, 3], tf.int32, name="x") != tf.TensorSpec([None, 3],
                                                                                 tf.int32)
    merged = tf.TensorSpec([2, 3], tf.int32).most_specific_compatible_type(
        tf.TensorSpec([4, 3], tf.int32))
    assert merged.shape.as_list() == [None, 3]
    assert repr(tf.TensorSpec(None)) == "TensorSpec(shape=None, dtype=tf.float32, name=None)"


def test_string_elements_go_through_string_ops_in_both_modes():
    def make():
        return Dataset.from_tensor_slices(["a b", "c"]).map(lambda s: tf.strings.split(s))
    eager = eager_elements(make)
    assert [e.tolist() for e in eager] == [[b"a", b"b"], [b"c"]]
    assert [e.tolist() for e in graph_elements(make)] == [[b"a", b"b"], [b"c"]]
