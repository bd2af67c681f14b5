"""StringLookup / IntegerLookup / TextVectorization: indices, adapt, inversion, and the
TF1 recipe (tables_initializer before fit) giving the same training as eager."""

import numpy as np
import pytest

import twinflow as tf
from twinflow import keras
from twinflow.compat import v1 as tf1

L = keras.layers


def test_string_and_integer_lookup():
    s = L.StringLookup(vocabulary=["a", "b", "c"])
    assert s(tf.constant(["a", "c", "z"])).numpy().tolist() == [1, 3, 0]
    assert s.get_vocabulary() == ["[UNK]", "a", "b", "c"] and s.vocabulary_size() == 4
    masked = L.StringLookup(vocabulary=["a"], mask_token="")
    assert masked(tf.constant(["", "a", "x"])).numpy().tolist() == [0, 2, 1]
    inverse = L.StringLookup(vocabulary=["a", "b"], invert=True)
    assert inverse(tf.constant([1, 2, 0], tf.int64)).numpy().tolist() == [b"a", b"b", b"[UNK]"]
    ints = L.IntegerLookup()
    ints.adapt(np.array([7, 7, 3, 9, 9, 9]))
    assert ints.get_vocabulary() == [-1, 9, 7, 3]
    assert ints(np.array([9, 7, 3, 5])).numpy().tolist() == [1, 2, 3, 0]
    with pytest.raises(ValueError, match="repeated term"):
        L.StringLookup(vocabulary=["a", "a"])


def test_text_vectorization():
    t = L.TextVectorization(max_tokens=10, output_sequence_length=5)
    t.adapt(["The cat sat.", "The dog, the cat!"])
    assert t.get_vocabulary() == ["", "[UNK]", "the", "cat", "sat", "dog"]
    out = t(tf.constant(["the cat", "a dog sat on the mat"])).numpy()
    assert out.tolist() == [[2, 3, 0, 0, 0], [1, 5, 4, 1, 2]]


def test_tf1_recipe_with_tables_matches_eager_training():
    words = np.array(["good", "bad", "great", "awful", "fine", "meh"] * 4)
    labels = np.array([1, 0, 1, 0, 1, 0] * 4, np.float32)

    def run():
        keras.backend.clear_session()
        tf.random.set_seed(0)
        lookup = L.StringLookup(vocabulary=["good", "bad", "great", "awful", "fine"])
        inputs = keras.Input(shape=(), dtype=tf.string)
        x = L.Embedding(6, 4)(lookup(inputs))
        outputs = L.Dense(1, activation="sigmoid")(x)
        model = keras.Model(inputs, outputs)
        model.compile("sgd", "binary_crossentropy")
        return model.fit(words, labels, epochs=3, batch_size=8, verbose=0).history["loss"]
    eager = run()
    tf1.disable_eager_execution()
    try:
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            session.run(tf1.tables_initializer())
            graph = run()
    finally:
        tf1.enable_eager_execution()
        tf1.reset_default_graph()
    assert eager == graph and eager[-1] < eager[0]
