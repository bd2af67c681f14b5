"""Graph passes: what each one does (op counts), that results keep every bit, and the
switches (tf.config.optimizer, ConfigProto), plus Session.explain."""

import numpy as np
import pytest

import twinflow as tf
from twinflow.compat import v1 as tf1

OFF = tf1.ConfigProto(graph_options=tf1.GraphOptions(
    rewrite_options=tf1.RewriterConfig(disable_meta_optimizer=True)))


def steps(report):
    return {name: (before, after, notes) for name, before, after, notes in report.steps}


def test_each_pass_on_a_known_graph():
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 3], name="x")
        w = tf1.Variable(np.ones((3, 2), np.float32), name="w")
        b = tf1.Variable(np.zeros(2, np.float32), name="b")
        folded = tf.constant(2.0) * tf.constant(3.0)                 # constant folding
        a1, a2 = tf.sin(x), tf.sin(x)                                # a common subexpression
        h = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w), b)) * 1.0     # x * 1, then fusion
        y = h + folded + tf.reduce_sum(a1 + a2)
        with tf1.Session() as sess:
            report = steps(sess.explain(y).report)
            assert report["constant folding"][2] == ["Mul"]
            assert report["common subexpressions"][2] == ["Sin_1 = Sin"]
            assert report["arithmetic simplification"][2] == ["Mul_1 -> Relu:0"]
            assert report["fusion"][2] == ["MatMul + BiasAdd + Relu"]
            sess.run(tf1.global_variables_initializer())
            value = sess.run(y, {x: [[1.0, 2.0, 3.0]]})
    s = np.sin(np.float32([1, 2, 3]))
    np.testing.assert_array_equal(value, np.float32([[6, 6]]) + np.float32(6) +
                                  np.float32((s + s).sum()))


def test_exact_rules_only():
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [2], name="x")
        plus_zero = x + 0.0          # -0.0 + 0.0 is +0.0: must NOT become x
        minus_zero = x - 0.0         # exact: becomes x
        plus_neg_zero = x + tf.constant(-0.0)
        widened = x * tf.ones([3, 2])  # broadcasting changes the shape: kept
        with tf1.Session() as sess:
            notes = steps(sess.explain([plus_zero, minus_zero, plus_neg_zero, widened])
                          .report)["arithmetic simplification"][2]
            assert len(notes) == 2 and all(n.endswith("-> x:0") for n in notes)
            out = sess.run([plus_zero, minus_zero, plus_neg_zero, widened],
                           {x: [-0.0, 1.5]})
    assert not np.signbit(out[0][0]) and np.signbit(out[1][0]) and np.signbit(out[2][0])
    assert out[3].shape == (3, 2)


def test_stateful_ops_are_never_folded_or_merged():
    with tf.Graph().as_default():
        r1 = tf.random.uniform([3], seed=1)
        r2 = tf.random.uniform([3], seed=1)  # same op and attrs: NOT one op
        v = tf1.Variable(1.0)
        bump = v.assign_add(1.0)
        with tf1.Session() as sess:
            sess.run(v.initializer)
            plan = sess.explain([r1, r2]).plan_ops
            assert [n.type for n in plan].count("RandomUniform") == 2
            a = sess.run(r1)
            assert not np.array_equal(sess.run(r1), a)  # a fresh draw each run
            assert [sess.run(bump) for _ in range(3)] == [2.0, 3.0, 4.0]


def test_a_fed_constant_is_not_folded():
    with tf.Graph().as_default():
        c = tf.constant(2.0)
        y = c * 3.0
        with tf1.Session() as sess:
            assert sess.run(y) == 6.0
            assert sess.run(y, {c: 5.0}) == 15.0


def _random_program(rng, x, w):
    """A random chain mixing foldable, duplicate, simplifiable and fusable pieces."""
    values = [x]
    for _ in range(int(rng.integers(4, 12))):
        kind = int(rng.integers(0, 9))
        a = values[int(rng.integers(0, len(values)))]
        if kind == 0:
            values.append(tf.tanh(a))
        elif kind == 1:
            values.append(a * float(rng.choice([1.0, 2.5, -1.0])))
        elif kind == 2:
            values.append(a + tf.constant(float(rng.normal())) * tf.constant(2.0))
        elif kind == 3:
            values.append(tf.sin(a) + tf.sin(a))
        elif kind == 4:
            values.append(-(-a))
        elif kind == 5:
            values.append(tf.nn.relu(tf.nn.bias_add(tf.matmul(a, w), tf.constant(
                rng.normal(size=4).astype(np.float32)))))
        elif kind == 6:
            values.append(tf.identity(a) - 0.0)
        elif kind == 7:
            values.append(a / tf.ones([4]))
        else:
            values.append(tf.transpose(tf.transpose(a)))
    return tf.add_n([tf.reduce_sum(v) for v in values[1:]] + [tf.reduce_sum(values[-1])])


def test_random_programs_keep_every_bit_with_passes_on_and_off():
    rng = np.random.default_rng(7)
    for seed in range(40):
        with tf.Graph().as_default():
            x = tf1.placeholder(tf.float32, [None, 4])
            w = tf.constant(rng.normal(size=(4, 4)).astype(np.float32))
            y = _random_program(np.random.default_rng(seed), x, w)
            feed = {x: rng.normal(size=(3, 4)).astype(np.float32)}
            with tf1.Session() as on, tf1.Session(config=OFF) as off:
                a, b = on.run(y, feed), off.run(y, feed)
                assert a.tobytes() == b.tobytes(), f"program {seed}"
                assert len(list(off._plans.values())[0].source) >= \
                    len(list(on._plans.values())[0].source)


def test_global_switches_and_config_proto():
    with tf.Graph().as_default():
        y = tf.constant(2.0) * tf.constant(3.0)
        tf.config.optimizer.set_experimental_options({"constant_folding": False})
        try:
            assert tf.config.optimizer.get_experimental_options() == {
                "constant_folding": False, "disable_model_pruning": False,
                "disable_meta_optimizer": False}
            with tf1.Session() as sess:
                assert [n.type for n in sess.explain(y).plan_ops][-1] == "Mul"
                assert sess.run(y) == 6.0
        finally:
            tf.config.optimizer.set_experimental_options({"constant_folding": True})
        with tf1.Session() as sess:
            assert [n.type for n in sess.explain(y).plan_ops] == ["Const"]
        with tf1.Session(config=OFF) as sess:
            assert sess.explain(y).report is not None
            assert sess.run(y) == 6.0
    with pytest.raises(ValueError, match='RewriterConfig has no "nope" field'):
        tf1.RewriterConfig(nope=1)


def test_explain_names_feeds_and_resources():
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 2], name="images")
        v = tf1.Variable(np.ones(2, np.float32), name="scale")
        table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a"], [1]),
                                          -1, name="vocab")
        y = tf.reduce_sum(x * v) + tf.cast(table.lookup(tf.constant("a")), tf.float32)
        with tf1.Session() as sess:
            text = str(sess.explain(y))
    assert "feeds needed: images (float32 (None, 2))" in text
    assert "variable 'scale'" in text and "table 'vocab'" in text
    assert "graph passes:" in text and "steps in the plan" in text


def test_in_place_buffers_reuse_dying_values_only():
    from graph.passes import rewrites
    from engine.registry import OPS
    rng = np.random.default_rng(0)
    a = rng.random((3, 4)).astype(np.float32) + 0.5
    b = rng.random(4).astype(np.float32)
    for name, ufunc in {**rewrites._UNARY, **rewrites._BINARY}.items():  # exact kernels
        args = (a,) if name in rewrites._UNARY else (a, b)
        assert OPS[name].kernel(*args).tobytes() == ufunc(*args).tobytes(), name
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 4])
        v = tf1.Variable(np.ones(4, np.float32))
        h = tf.tanh(x * 2.0)          # Mul is fresh, dies in Tanh: reused
        kept = h + 1.0                # fetched below: must not be overwritten
        y = tf.exp(kept) * v          # Mul writes into Exp's buffer; v's array untouched
        memory = tf1.ConfigProto(graph_options=tf1.GraphOptions(
            rewrite_options=tf1.RewriterConfig(memory_optimization=tf1.RewriterConfig.ON)))
        with tf1.Session(config=memory) as sess:
            sess.run(v.initializer)
            notes = steps(sess.explain([y, kept], {x: a}).report)["in-place buffers"][2]
            assert notes == ["Tanh", "AddV2", "Mul_1"]  # not Exp: its input is fetched
            got_y, got_kept = sess.run([y, kept], {x: a})
            assert sess.run(v).tolist() == [1.0] * 4
            np.testing.assert_array_equal(a, a.copy())  # the fed array is untouched
    ref_kept = np.tanh(a * np.float32(2.0)) + np.float32(1.0)  # (4096+ elements go in place)
    np.testing.assert_array_equal(got_kept, ref_kept)
    np.testing.assert_array_equal(got_y, np.exp(ref_kept) * np.float32(1.0))


def test_in_place_on_big_arrays_keeps_every_bit():
    memory = tf1.ConfigProto(graph_options=tf1.GraphOptions(
        rewrite_options=tf1.RewriterConfig(memory_optimization=tf1.RewriterConfig.ON)))
    rng = np.random.default_rng(3)
    feed_value = rng.normal(size=(64, 128)).astype(np.float32)  # over the 4096 threshold
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 128])
        w = tf.constant(rng.normal(size=(128, 128)).astype(np.float32) * 0.1)
        h = tf.matmul(x, w)
        y = tf.reduce_sum(tf.exp(tf.tanh(h * 0.5) - 1.0) * h)  # h is read twice: kept
        with tf1.Session(config=memory) as on, tf1.Session(config=OFF) as off:
            before = feed_value.copy()
            a, b = on.run(y, {x: feed_value}), off.run(y, {x: feed_value})
            notes = steps(on.explain(y, {x: feed_value}).report)["in-place buffers"][2]
    assert a.tobytes() == b.tobytes()
    np.testing.assert_array_equal(feed_value, before)
    # not Mul (h lives on) nor Mul_1 (both sides have an unknown batch dim: one could
    # broadcast into the other, so neither buffer is sure to fit)
    assert notes == ["Tanh", "Sub", "Exp"]


def test_config_proto_fields_tf1_code_sets():
    """The common TF1 recipe works; fields read back; unknown ones are refused; only the
    graph-pass switches change what a Session does."""
    config = tf1.ConfigProto(allow_soft_placement=True, log_device_placement=False)
    config.gpu_options.allow_growth = True
    config.gpu_options.per_process_gpu_memory_fraction = 0.5
    assert config.allow_soft_placement and config.gpu_options.allow_growth
    assert config.device_count == {} and config.intra_op_parallelism_threads == 0
    assert str(config) == ("allow_soft_placement: true\ngpu_options {\n  allow_growth: true\n"
                           "  per_process_gpu_memory_fraction: 0.5\n}\n")
    with pytest.raises(ValueError, match='Protocol message ConfigProto has no "bogus" field'):
        tf1.ConfigProto(bogus=1)
    with pytest.raises(AttributeError, match='no "bogus" field'):
        config.bogus = 1
    with tf.Graph().as_default():
        y = tf.constant(2.0) * 3.0
        with tf1.Session(config=config) as sess:  # nothing switched: folded
            assert [n.type for n in sess.explain(y).plan_ops] == ["Const"]
        config.graph_options.rewrite_options.constant_folding = tf1.RewriterConfig.OFF
        with tf1.Session(config=config) as sess:
            assert [n.type for n in sess.explain(y).plan_ops][-1] == "Mul"
            assert sess.run(y, options=tf1.RunOptions(trace_level=tf1.RunOptions.FULL_TRACE),
                            run_metadata=tf1.RunMetadata()) == 6.0
        level0 = tf1.ConfigProto(graph_options=tf1.GraphOptions(
            optimizer_options=tf1.OptimizerOptions(opt_level=tf1.OptimizerOptions.L0)))
        with tf1.Session(config=level0) as sess:
            assert [n.type for n in sess.explain(y).plan_ops][-1] == "Mul"


def test_experimental_options_bookkeeping_matches_tensorflow():
    from graph import passes
    saved = (dict(passes._options), list(passes._explicit))
    try:
        passes._explicit.clear()
        assert tf.config.optimizer.get_experimental_options() == {
            "disable_model_pruning": False, "disable_meta_optimizer": False}
        tf.config.optimizer.set_experimental_options(
            {"remapping": True, "bogus": True, "min_graph_nodes": 4})
        assert tf.config.optimizer.get_experimental_options() == {
            "remapping": True, "disable_model_pruning": False,
            "disable_meta_optimizer": False, "min_graph_nodes": 4}
        assert tf.config.optimizer.get_jit() == ""
        tf.config.optimizer.set_jit(True)
        assert tf.config.optimizer.get_jit() == "autoclustering"
    finally:
        passes._options.clear()
        passes._options.update(saved[0])
        passes._explicit[:] = saved[1]
        tf.config.optimizer.set_jit(False)
