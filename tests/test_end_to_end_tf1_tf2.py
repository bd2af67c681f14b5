"""End to end: a TF1 program (vocabulary table, initializable iterator, epochs ended by
OutOfRangeError, Saver) and its TF2 twin (eager iteration, GradientTape-free optimizer
loop, Checkpoint restore) agree bit for bit."""

import numpy as np

import twinflow as tf
from twinflow.compat import v1 as tf1

VOCAB = ["good", "bad", "great", "awful", "fine"]
WORDS = ["good", "great", "bad", "awful", "fine", "good", "meh", "awful"]
LABELS = np.array([1, 1, 0, 0, 1, 1, 0, 0], np.float32)
TEST_WORDS = ["great", "awful", "unknown", "fine"]
EPOCHS, LR = 2, 1.0


def table_from(vocab_file):
    init = tf.lookup.TextFileInitializer(vocab_file, tf.string,
                                         tf.lookup.TextFileIndex.WHOLE_LINE, tf.int64,
                                         tf.lookup.TextFileIndex.LINE_NUMBER)
    return tf.lookup.StaticHashTable(init, default_value=len(VOCAB))  # one OOV row


def model(embedding, bias, ids):
    return tf.reshape(tf.gather(embedding, ids), [-1]) + bias


def loss_of(embedding, bias, ids, labels):
    logits = model(embedding, bias, ids)
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels,
                                                                  logits=logits))


def dataset(words, labels, table):
    return tf.data.Dataset.from_tensor_slices((words, labels)).map(
        lambda w, y: (table.lookup(w), y)).batch(3)


def train_tf1(vocab_file, ckpt_dir):
    """TF1: placeholders feed the iterator; two epochs; Saver.save. Returns (path,
    predictions, weights)."""
    with tf.Graph().as_default():
        table = table_from(vocab_file)
        words = tf1.placeholder(tf.string, [None])
        labels = tf1.placeholder(tf.float32, [None])
        iterator = tf1.data.make_initializable_iterator(dataset(words, labels, table))
        ids, y = iterator.get_next()
        embedding = tf1.Variable(tf.zeros([len(VOCAB) + 1, 1]), name="embedding")
        bias = tf1.Variable(0.0, name="bias")
        train = tf1.train.GradientDescentOptimizer(LR).minimize(
            loss_of(embedding, bias, ids, y))
        test_words = tf1.placeholder(tf.string, [None])
        probs = tf.sigmoid(model(embedding, bias, table.lookup(test_words)))
        saver = tf1.train.Saver()
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            sess.run(tf1.tables_initializer())
            steps = 0
            for _ in range(EPOCHS):
                sess.run(iterator.initializer, {words: WORDS, labels: LABELS})
                while True:
                    try:
                        sess.run(train)
                        steps += 1
                    except tf.errors.OutOfRangeError:
                        break
            assert steps == EPOCHS * 3
            path = saver.save(sess, f"{ckpt_dir}/model", global_step=steps,
                              write_meta_graph=False)  # a dataset in the graph: no .meta
            return path, sess.run(probs, {test_words: TEST_WORDS}), sess.run([embedding, bias])


def test_tf1_training_restored_by_tf2_checkpoint_gives_same_predictions(tmp_path):
    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("\n".join(VOCAB) + "\n")
    path, tf1_probs, (tf1_embedding, tf1_bias) = train_tf1(str(vocab_file), str(tmp_path))
    assert path.endswith("model-6")
    assert tf.train.latest_checkpoint(str(tmp_path)) == path

    # TF2 twin: same model built eagerly, restored from the TF1 checkpoint by name
    table = table_from(str(vocab_file))
    embedding = tf.Variable(tf.zeros([len(VOCAB) + 1, 1]), name="embedding")
    bias = tf.Variable(0.0, name="bias")
    status = tf.train.Checkpoint(embedding=embedding, bias=bias).restore(path)
    status.assert_existing_objects_matched()
    probs = tf.sigmoid(model(embedding, bias, table.lookup(tf.constant(TEST_WORDS))))
    np.testing.assert_array_equal(probs.numpy(), tf1_probs)
    assert probs.numpy()[0] > 0.5 > probs.numpy()[1]  # it learned: great > awful

    # and training the twin eagerly over the same dataset gives the same weights
    embedding.assign(tf.zeros([len(VOCAB) + 1, 1]))
    bias.assign(0.0)
    optimizer = tf1.train.GradientDescentOptimizer(LR)
    for _ in range(EPOCHS):
        for ids, y in dataset(WORDS, LABELS, table):
            optimizer.minimize(lambda: loss_of(embedding, bias, ids, y),
                               var_list=[embedding, bias])
    np.testing.assert_array_equal(embedding.numpy(), tf1_embedding)
    np.testing.assert_array_equal(bias.numpy(), tf1_bias)
