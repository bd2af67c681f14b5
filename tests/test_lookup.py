"""tf.lookup tables: eager use, TF1 tables_initializer per Session, text files, errors."""

import numpy as np
import pytest

import twinflow as tf

tf1 = tf.compat.v1


def _table():
    init = tf.lookup.KeyValueTensorInitializer(["apple", "pear"], [10, 20])
    return tf.lookup.StaticHashTable(init, default_value=-1)


def test_eager_table_is_ready_at_once():
    table = _table()
    got = table.lookup(tf.constant([["apple", "kiwi"], ["pear", "pear"]]))
    assert got.dtype == tf.int32 and got.numpy().tolist() == [[10, -1], [20, 20]]
    assert table.size().numpy() == 2
    keys, values = table.export()
    assert dict(zip(keys.numpy().tolist(), values.numpy().tolist())) == {b"apple": 10,
                                                                          b"pear": 20}


def test_graph_table_needs_tables_initializer_in_each_session(graph_mode):
    table = _table()
    ids = table.lookup(tf.constant(["pear", "fig"]))
    assert tf1.get_collection(tf1.GraphKeys.TABLE_INITIALIZERS) == [table.initializer]
    with tf1.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="Table not initialized."):
            sess.run(ids)
        sess.run(tf1.tables_initializer())
        assert sess.run(ids).tolist() == [20, -1]
    with tf1.Session() as other:  # a new Session starts with no table contents
        with pytest.raises(tf.errors.FailedPreconditionError, match="tables_initializer"):
            other.run(ids)


def test_text_file_initializer_whole_line_to_line_number(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("the\ncat\nsat\n")
    init = tf.lookup.TextFileInitializer(str(vocab), tf.string,
                                         tf.lookup.TextFileIndex.WHOLE_LINE, tf.int64,
                                         tf.lookup.TextFileIndex.LINE_NUMBER)
    table = tf.lookup.StaticHashTable(init, default_value=-1)
    assert table.lookup(tf.constant(["sat", "dog", "the"])).numpy().tolist() == [2, -1, 0]
    with pytest.raises(tf.errors.NotFoundError, match="No such file"):
        tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(
            str(tmp_path / "missing.txt"), tf.string, -2, tf.int64, -1), -1)


def test_vocabulary_table_sends_unknown_words_to_oov_buckets():
    init = tf.lookup.KeyValueTensorInitializer(["a", "b"], np.array([0, 1], np.int64))
    table = tf.lookup.StaticVocabularyTable(init, num_oov_buckets=4)
    ids = table.lookup(tf.constant(["a", "b", "zebra", "zebra", "yak"])).numpy()
    assert ids[:2].tolist() == [0, 1]
    assert 2 <= ids[2] < 6 and ids[2] == ids[3] and 2 <= ids[4] < 6
    assert table.size().numpy() == 6
    with pytest.raises(ValueError, match="num_oov_buckets"):
        tf.lookup.StaticVocabularyTable(init, num_oov_buckets=0)


def test_table_key_dtype_mismatch_is_a_clear_error():
    table = _table()
    with pytest.raises(TypeError, match="Signature mismatch. Keys must be dtype"):
        table.lookup(tf.constant([1, 2]))
