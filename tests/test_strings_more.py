"""FarmHash Fingerprint64, to_hash_bucket_fast, tf.fingerprint, reduce_join, strip,
format and a graph-mode split().to_tensor(): numbers hard-coded from TF 2.21."""

import numpy as np
import pytest

import twinflow as tf
from engine.fingerprint import fingerprint64

tf1 = tf.compat.v1


def _both(build, feeds=None):
    """build() eagerly, then built in a TF1 graph and run in a Session: both results."""
    eager = tf.nest.map_structure(lambda t: t.numpy(), build())
    g = tf.Graph()
    with g.as_default():
        out = build()
        with tf1.Session() as sess:
            return eager, sess.run(out)


def _samples():
    """Strings of every length 0..200 (all three farmhash length classes and the long
    loop) and random unicode: the same generator that fed TF 2.21 for the checksums."""
    import random
    random.seed(0)
    strs = [bytes((i * 7 + j * 13) % 256 for j in range(n)) for i, n in enumerate(range(201))]
    strs += [''.join(chr(random.randint(32, 0x2FFFF)) for _ in range(random.randint(0, 90)))
             .encode('utf-8', 'surrogatepass') for _ in range(100)]
    return strs


def test_fingerprint64_matches_tensorflow_on_every_length():
    fps = [fingerprint64(s) for s in _samples()]
    xor = 0
    for f in fps:
        xor ^= f
    # from TF 2.21: tf.fingerprint of the same 301 strings, xor and sum (mod 2**64)
    assert (hex(xor), hex(sum(fps) % 2 ** 64)) == ("0xa56c662669598926", "0xd24b28954c0969fe")
    # from TF 2.21: lengths 0, 1, 2, 16, 17, 32, 33, 64, 65, 128, 200
    assert [hex(fps[i]) for i in (0, 1, 2, 16, 17, 32, 33, 64, 65, 128, 200)] == [
        '0x9ae16a3b2f90404f', '0x57821efdee1b7472', '0x2fb924dbe7493488',
        '0x8c37680e24fe2ea3', '0xf18d4469caf3964c', '0x5fce56cab7767adc',
        '0xd8cd49f64f79da51', '0x7e29995618338e67', '0xacefa95c8c39d4f2',
        '0x9f315a4161751caa', '0xf3856b712db3778f']


def test_to_hash_bucket_fast_both_modes():
    words = ["", "a", "hello", "héllo wörld", "x" * 100]
    eager, graph = _both(lambda: [tf.strings.to_hash_bucket_fast(words, 1000),
                                  tf.strings.to_hash_bucket_fast(words[:3], 2 ** 62)])
    for got in (eager, graph):  # from TF 2.21
        assert got[0].tolist() == [263, 939, 296, 627, 719]
        assert got[1].tolist() == [1936946117179621455, 3694432073954588131,
                                   3786372426573024488]
        assert got[0].dtype == np.int64


def test_fingerprint_op_both_modes():
    eager, graph = _both(lambda: [tf.fingerprint(tf.constant(["", "a", "hello"])),
                                  tf.fingerprint(tf.constant([[1, 2], [3, 4]], tf.int32)),
                                  tf.fingerprint(tf.constant([["ab", "c"], ["d", ""]]))])
    for got in (eager, graph):  # from TF 2.21
        assert got[0].tolist() == [[79, 64, 144, 47, 59, 106, 225, 154],
                                   [227, 117, 223, 182, 101, 66, 69, 179],
                                   [232, 12, 56, 49, 169, 229, 139, 180]]
        assert got[1].tolist() == [[76, 18, 253, 133, 168, 204, 240, 10],
                                   [254, 162, 60, 240, 103, 244, 53, 255]]
        assert got[2].tolist() == [[65, 83, 39, 149, 164, 245, 170, 22],
                                   [62, 144, 23, 73, 253, 75, 141, 195]]
        assert got[0].dtype == np.uint8


def test_split_to_tensor_on_a_placeholder_in_a_session(graph_mode):
    ph = tf1.placeholder(tf.string, [None])
    ragged = tf.strings.split(ph)
    padded, plain = ragged.to_tensor(default_value="<pad>"), ragged.to_tensor()
    assert padded.shape.as_list() == [None, None]
    with tf1.Session() as sess:
        got = sess.run([padded, plain], {ph: ["a b c", "", "de f"]})
    # from TF 2.21
    assert got[0].tolist() == [[b"a", b"b", b"c"], [b"<pad>"] * 3, [b"de", b"f", b"<pad>"]]
    assert got[1].tolist() == [[b"a", b"b", b"c"], [b""] * 3, [b"de", b"f", b""]]


def test_split_to_tensor_eagerly():
    got = tf.strings.split(tf.constant(["a b c", "", "de f"])).to_tensor(default_value="-")
    assert got.numpy().tolist() == [[b"a", b"b", b"c"], [b"-"] * 3, [b"de", b"f", b"-"]]


def test_reduce_join_and_strip_both_modes():
    m = [["a", "b"], ["c", "d"]]
    eager, graph = _both(lambda: [
        tf.strings.reduce_join(m), tf.strings.reduce_join(m, axis=0, separator="-"),
        tf.strings.reduce_join(m, axis=-1, keepdims=True, separator=","),
        tf.strings.reduce_join(tf.zeros([2, 0], tf.string), axis=1),
        tf.strings.strip([" a b \t\n", "\x0bx\x0c", "  "])])
    for got in (eager, graph):  # from TF 2.21
        assert got[0] == b"abcd"
        assert got[1].tolist() == [b"a-c", b"b-d"]
        assert got[2].tolist() == [[b"a,b"], [b"c,d"]]
        assert got[3].tolist() == [b"", b""]
        assert got[4].tolist() == [b"a b", b"x", b""]


def test_format_both_modes():
    eager, graph = _both(lambda: [
        tf.strings.format("x={} y={}", (tf.constant([1, 2, 3]), tf.constant(2.5))),
        tf.strings.format("{}", tf.range(20)),
        tf.strings.format("{} {}", (tf.constant([[1.5, 2], [3, 4]]), tf.constant(["a", "b"]))),
        tf.strings.format("{}", tf.constant("hi")),
        tf.strings.format("{}", tf.range(20), summarize=2),
        tf.strings.format("{}", tf.constant([1.0, 0.5, 1e-7, 123456789.0])),
        tf.strings.format("{}", tf.constant([np.nan, np.inf, -0.0, 1 / 3], tf.float64)),
        tf.strings.format("{}", tf.constant([True, False])),
        tf.strings.format("{}", tf.constant(['a"b\n', "é"])),
        tf.strings.format("{}", tf.reshape(tf.range(100), [10, 10]))])
    expected = [  # from TF 2.21
        b"x=[1 2 3] y=2.5", b"[0 1 2 ... 17 18 19]", b'[[1.5 2]\n [3 4]] ["a" "b"]', b'"hi"',
        b"[0 1 ... 18 19]", b"[1 0.5 1e-07 123456792]", b"[nan inf -0 0.33333333333333331]",
        b"[1 0]", b'["a\\"b\\n" "\xc3\xa9"]',
        (b"[[0 1 2 ... 7 8 9]\n [10 11 12 ... 17 18 19]\n [20 21 22 ... 27 28 29]\n ...\n"
         b" [70 71 72 ... 77 78 79]\n [80 81 82 ... 87 88 89]\n [90 91 92 ... 97 98 99]]")]
    assert list(eager) == expected and list(graph) == expected


def test_format_placeholder_count_mismatch_is_a_value_error():
    with pytest.raises(ValueError, match="template expects 2 tensors"):
        tf.strings.format("{} {}", tf.constant(1))
