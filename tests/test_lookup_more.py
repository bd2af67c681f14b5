"""StaticVocabularyTable's TensorFlow buckets (Fingerprint64) and the lookup checks:
duplicate keys, line-number dtypes, vocabulary value dtypes, size() before init.
Expected numbers come from TF 2.21."""

import numpy as np
import pytest

import twinflow as tf

tf1 = tf.compat.v1


def _words_table():
    init = tf.lookup.KeyValueTensorInitializer(["emerson", "lake"],
                                               tf.constant([0, 1], tf.int64))
    return tf.lookup.StaticVocabularyTable(init, 5)


def _ints_table():
    init = tf.lookup.KeyValueTensorInitializer(tf.constant([5, 7], tf.int64),
                                               tf.constant([0, 1], tf.int64))
    return tf.lookup.StaticVocabularyTable(init, 7)


WORDS = ["emerson", "palmer", "lake", "king", "crimson", ""]
INTS = [5, 7, 1, 2, 3, 100, -1, 123456789012]


def test_vocabulary_oov_buckets_eagerly():
    # from TF 2.21
    assert _words_table().lookup(tf.constant(WORDS)).numpy().tolist() == [0, 4, 1, 5, 6, 5]
    assert _ints_table().lookup(tf.constant(INTS, tf.int64)).numpy().tolist() == \
        [0, 1, 7, 7, 4, 6, 6, 6]


def test_vocabulary_oov_buckets_in_a_session(graph_mode):
    words, ints = _words_table(), _ints_table()
    fetch = [words.lookup(tf.constant(WORDS)), ints.lookup(tf.constant(INTS, tf.int64)),
             words.size()]
    with tf1.Session() as sess:
        sess.run(tf1.tables_initializer())
        got = sess.run(fetch)
    assert got[0].tolist() == [0, 4, 1, 5, 6, 5]  # from TF 2.21
    assert got[1].tolist() == [0, 1, 7, 7, 4, 6, 6, 6]
    assert got[2] == 7


def test_int32_lookup_keys_of_an_int64_vocabulary():
    init = tf.lookup.KeyValueTensorInitializer(tf.constant([3, 4], tf.int64),
                                               tf.constant([0, 1], tf.int64))
    table = tf.lookup.StaticVocabularyTable(init, 3, lookup_key_dtype=tf.int32)
    # from TF 2.21
    assert table.lookup(tf.constant([3, 5, 9], tf.int32)).numpy().tolist() == [0, 3, 4]


def test_duplicate_keys_with_different_values_fail_at_construction_eagerly():
    init = tf.lookup.KeyValueTensorInitializer(["a", "a"], tf.constant([1, 2], tf.int64))
    with pytest.raises(tf.errors.FailedPreconditionError,
                       match="HashTable has different value for same key. Key a has 1 and "
                             "trying to add value 2"):
        tf.lookup.StaticHashTable(init, -1)


def test_duplicate_keys_with_equal_values_are_fine():
    init = tf.lookup.KeyValueTensorInitializer(["a", "a", "b"], [1, 1, 2])
    assert tf.lookup.StaticHashTable(init, -1).size().numpy() == 2  # from TF 2.21


def test_duplicate_keys_fail_when_the_graph_initializer_runs(graph_mode):
    init = tf.lookup.KeyValueTensorInitializer(["a", "a"], tf.constant([1, 2], tf.int64))
    table = tf.lookup.StaticHashTable(init, -1)  # building is fine
    with tf1.Session() as sess, pytest.raises(tf.errors.FailedPreconditionError,
                                              match="different value"):
        sess.run(tf1.tables_initializer())
    assert table.key_dtype == tf.string


def test_size_before_the_initializer_ran_is_zero(graph_mode):
    init = tf.lookup.KeyValueTensorInitializer(["a", "b"], tf.constant([1, 2], tf.int64))
    table = tf.lookup.StaticHashTable(init, -1)
    vocab = tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(["a", "b"], tf.constant([0, 1], tf.int64)), 5)
    size, vocab_size, found = table.size(), vocab.size(), table.lookup(tf.constant(["a"]))
    with tf1.Session() as sess:
        assert sess.run([size, vocab_size]) == [0, 5]  # from TF 2.21
        with pytest.raises(tf.errors.FailedPreconditionError, match="Table not initialized"):
            sess.run(found)
        sess.run(tf1.tables_initializer())
        assert sess.run(size) == 2


def test_line_number_columns_must_be_int64(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\n")
    idx = tf.lookup.TextFileIndex
    with pytest.raises(ValueError, match="`value_dtype` must be int64"):
        tf.lookup.TextFileInitializer(str(path), tf.string, idx.WHOLE_LINE, tf.int32,
                                      idx.LINE_NUMBER)
    with pytest.raises(ValueError, match="`key_dtype` must be int64"):
        tf.lookup.TextFileInitializer(str(path), tf.int32, idx.LINE_NUMBER, tf.string,
                                      idx.WHOLE_LINE)
    ok = tf.lookup.TextFileInitializer(str(path), tf.string, idx.WHOLE_LINE, tf.int64,
                                       idx.LINE_NUMBER)
    assert tf.lookup.StaticVocabularyTable(ok, 2).lookup(
        tf.constant(["b", "a"])).numpy().tolist() == [1, 0]


@pytest.mark.parametrize("keys,values,match", [
    (["a", "b"], np.array([0, 1], np.int32), "value_dtype"),
    (["a", "b"], np.array([0.0, 1.0], np.float32), "value_dtype"),
    (np.array([3, 4], np.int32), np.array([0, 1], np.int64), "key_dtype")])
def test_vocabulary_table_dtype_checks(keys, values, match):
    init = tf.lookup.KeyValueTensorInitializer(keys, values)
    with pytest.raises(TypeError, match=match):  # TypeError in TF 2.21 too
        tf.lookup.StaticVocabularyTable(init, 3)
