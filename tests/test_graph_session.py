"""Graph mode: building a Graph, naming, collections, Session.run, feeds, errors."""

import collections

import numpy as np
import pytest

import twinflow as tf

tf1 = tf.compat.v1




def test_nothing_runs_until_session_run(graph_mode):
    a = tf.constant(2.0)
    b = a * 3.0
    assert not tf1.executing_eagerly()
    assert isinstance(b, tf.Tensor)
    with pytest.raises(NotImplementedError, match=r"numpy\(\) is only available when eager "
                                                  r"execution is enabled(.|\n)*session.run"):
        b.numpy()  # no value before Session.run
    assert b.name == "Mul:0" and b.op.type == "Mul" and b.shape == ()
    with tf1.Session() as sess:
        assert sess.run(b) == 6.0


def test_placeholders_feeds_and_static_shapes(graph_mode):
    x = tf1.placeholder(tf.float32, shape=[None, 3], name="x")
    y = tf.reduce_sum(x * 2.0, axis=1)
    assert y.shape.as_list() == [None]
    with tf1.Session() as sess:
        np.testing.assert_array_equal(sess.run(y, feed_dict={x: [[1, 2, 3], [0, 0, 1]]}),
                                      [12.0, 2.0])
        np.testing.assert_array_equal(sess.run(y, {"x:0": np.ones((1, 3))}), [6.0])
        with pytest.raises(ValueError, match=r"Cannot feed value of shape \(2,\) for Tensor "
                                             r"'x:0', which has shape \(None, 3\)"):
            sess.run(y, {x: [1.0, 2.0]})


def test_make_callable_converts_and_checks_each_feed(graph_mode):
    x = tf1.placeholder(tf.float32, shape=[None, 3], name="x")
    y = x * 2.0
    with tf1.Session() as sess:
        run = sess.make_callable(y, [x])
        got = run(np.ones((2, 3), np.float64))          # float64 converted to float32
        assert got.dtype == np.float32 and got.tolist() == [[2.0] * 3] * 2
        assert run([[1, 2, 3]]).tolist() == [[2.0, 4.0, 6.0]]
        with pytest.raises(ValueError, match=r"Cannot feed value of shape \(2, 4\) for "
                                             r"Tensor 'x:0', which has shape \(None, 3\)"):
            run(np.ones((2, 4), np.float32))
        with pytest.raises(ValueError, match=r"shape \(3,\)"):
            run(np.ones(3, np.float32))
        with pytest.raises(TypeError, match="Cannot feed 'a' to 'x:0' of dtype float32"):
            run("a")


def test_missing_feed_names_the_placeholder_dtype_and_shape(graph_mode):
    x = tf1.placeholder(tf.float32, shape=[None, 784], name="x")
    labels = tf1.placeholder(tf.int32, shape=[None], name="labels")
    loss = tf.reduce_mean(x) + tf.cast(tf.reduce_sum(labels), tf.float32)
    with tf1.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(loss)
    message = str(info.value)
    assert message.startswith("You must feed a value for placeholder tensor 'x' with dtype "
                              "float and shape [?,784]")
    assert "placeholder tensor 'labels' with dtype int32 and shape [?]" in message
    assert "test_graph_session.py" in message  # the line that built it
    assert "needed through: AddV2 <- Mean <- x" in message


def test_fetch_structures_and_names(graph_mode):
    a = tf.constant([1, 2], name="a")
    b = tf.add(a, 1, name="b")
    Pair = collections.namedtuple("Pair", "first second")
    with tf1.Session() as sess:
        out = sess.run({"x": [a, (b,)], "p": Pair(a, "b:0")})
        assert out["x"][0].tolist() == [1, 2] and out["x"][1][0].tolist() == [2, 3]
        assert isinstance(out["p"], Pair) and out["p"].second.tolist() == [2, 3]
        assert sess.run("b") is None  # an op name runs the op and gives None


def test_unique_names_and_scopes(graph_mode):
    g = graph_mode
    c1, c2 = tf.constant(1.0), tf.constant(2.0)
    assert (c1.op.name, c2.op.name) == ("Const", "Const_1")
    with tf.name_scope("layer") as scope:
        assert scope == "layer/"
        d = tf.add(c1, c2, name="sum")
    with tf.name_scope("layer"):
        e = tf.add(c1, c2, name="sum")
    with tf.name_scope("layer/"):  # a trailing slash re-enters the scope
        f = tf.add(c1, c2, name="sum")
    assert (d.op.name, e.op.name, f.op.name) == ("layer/sum", "layer_1/sum", "layer/sum_1")
    assert g.get_operation_by_name("layer/sum") is d.op
    assert g.get_tensor_by_name("layer_1/sum:0") is e
    with pytest.raises(KeyError, match="does not exist"):
        g.get_tensor_by_name("nope:0")


def test_control_dependencies_nest_and_none_clears(graph_mode):
    a = tf.constant(1.0, name="a")
    b = tf.constant(2.0, name="b")
    with tf1.control_dependencies([a]):
        with tf1.control_dependencies([b]):
            c = tf.identity(a, name="c")
            with tf1.control_dependencies(None):
                d = tf.identity(a, name="d")
    assert [op.name for op in c.op.control_inputs] == ["b"]  # a is a data input already
    assert d.op.control_inputs == ()


def test_only_needed_ops_run(graph_mode):
    x = tf1.placeholder(tf.float32, name="x")
    unused = tf.sqrt(x) * 2.0
    used = tf.constant(3.0) + 1.0
    with tf1.Session() as sess:
        assert sess.run(used) == 4.0  # x is not needed, so not fed
    del unused


def test_plans_are_cached_per_fetches_and_feeds(graph_mode):
    x = tf1.placeholder(tf.float32, [2])
    y = x * x
    with tf1.Session() as sess:
        for v in ([1.0, 2.0], [3.0, 4.0]):
            sess.run(y, {x: v})
        assert len(sess._plans) == 1
        plan = next(iter(sess._plans.values()))
        assert "Mul" in plan.source and "feeds[0]" in plan.source


def test_two_sessions_hold_independent_variable_values(graph_mode):
    v = tf.Variable(1.0, name="v")
    inc = v.assign_add(1.0)
    s1, s2 = tf1.Session(), tf1.Session()
    s1.run(tf1.global_variables_initializer())
    s2.run(tf1.global_variables_initializer())
    assert s1.run(inc) == 2.0  # TF1: running an assign gives the new value
    s1.run(inc)
    assert s1.run(v) == 3.0 and s2.run(v) == 1.0


def test_uninitialized_variable_names_it_and_the_fix(graph_mode):
    v = tf.Variable([1.0, 2.0], name="weights")
    with tf1.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError,
                           match="Attempting to use uninitialized value weights"):
            sess.run(v)
        assert sess.run(tf1.report_uninitialized_variables()).tolist() == [b"weights"]
        sess.run(v.initializer)
        assert sess.run(tf1.is_variable_initialized(v))
        assert sess.run(tf1.report_uninitialized_variables()).size == 0


def test_collections(graph_mode):
    w = tf.Variable(1.0, name="w")
    step = tf.Variable(0, trainable=False, name="step")
    assert tf1.global_variables() == [w, step]
    assert tf1.trainable_variables() == [w]
    tf1.add_to_collection(tf1.GraphKeys.UPDATE_OPS, "x")
    assert tf1.get_collection(tf1.GraphKeys.UPDATE_OPS) == ["x"]


def test_tensor_of_another_graph_is_rejected():
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        a = tf.constant(1.0)
    with g2.as_default():
        with pytest.raises(ValueError, match="must be from the same graph"):
            tf.add(a, 1.0)
        b = tf.constant(2.0)
    with tf1.Session(graph=g1) as sess:
        with pytest.raises(ValueError, match="is not an element of this graph"):
            sess.run(b)


def test_finalized_graph_refuses_new_ops():
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0)
        g.finalize()
        with pytest.raises(RuntimeError, match="Graph is finalized and cannot be modified"):
            tf.constant(2.0)


def test_kernel_failure_names_op_and_line(graph_mode):
    x = tf1.placeholder(tf.float32, [None, None], name="x")
    y = tf.matmul(x, x, name="square_it")
    with tf1.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(y, {x: np.ones((2, 3))})
    assert "Matrix size-incompatible" in str(info.value)
    assert "[[node square_it (defined at " in str(info.value)
    assert "test_graph_session.py" in str(info.value)


def test_build_time_shape_errors_are_value_errors(graph_mode):
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 3 and 2"):
        tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))
    with pytest.raises(TypeError, match="does not match type int32"):
        tf.constant(1) + tf.constant(1.0)


def test_closed_session_and_default_session(graph_mode):
    c = tf.constant(5.0)
    sess = tf1.Session()
    with sess.as_default():
        assert c.eval() == 5.0
        assert tf1.get_default_session() is sess
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(c)
    with pytest.raises(ValueError, match="No default session is registered"):
        c.eval()


def test_interactive_session_and_make_callable(graph_mode):
    x = tf1.placeholder(tf.float32, [])
    y = x + 1.0
    sess = tf1.InteractiveSession()
    try:
        assert y.eval({x: 2.0}) == 3.0
        f = sess.make_callable(y, [x])
        assert f(10.0) == 11.0
    finally:
        sess.close()


def test_symbolic_tensor_as_bool_is_a_type_error(graph_mode):
    x = tf1.placeholder(tf.float32, [])
    with pytest.raises(TypeError, match="Using a symbolic `tf.Tensor` as a Python `bool`"):
        if x > 0:
            pass


def test_placeholder_with_default(graph_mode):
    x = tf1.placeholder_with_default(tf.constant([1.0, 2.0]), shape=[None])
    y = x * 2.0
    with tf1.Session() as sess:
        assert sess.run(y).tolist() == [2.0, 4.0]
        assert sess.run(y, {x: [5.0]}).tolist() == [10.0]


def test_placeholder_is_refused_eagerly():
    with pytest.raises(RuntimeError, match="not compatible with eager execution"):
        tf1.placeholder(tf.float32)


def test_concurrent_runs_on_one_session(graph_mode):
    import threading
    x = tf1.placeholder(tf.float32, [3])
    y = tf.reduce_sum(x * x)
    results = {}
    with tf1.Session() as sess:
        def work(i):
            results[i] = [float(sess.run(y, {x: [i, i, i]})) for _ in range(50)]
        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert all(results[i] == [3.0 * i * i] * 50 for i in range(4))


def test_gradients_of_gradients_stop_gradients_and_unconnected(graph_mode):
    x = tf1.placeholder(tf.float32, [])
    y = x * x * x
    (dy,) = tf1.gradients(y, [x])
    (d2y,) = tf1.gradients(dy, [x])
    z = tf.stop_gradient(x) * x
    a = x * 2.0
    b = a * x  # d/dx with a held constant: a
    unrelated = tf.constant(1.0)
    with tf1.Session() as sess:
        assert sess.run([dy, d2y], {x: 2.0}) == [12.0, 12.0]
        assert sess.run(tf1.gradients(z, x)[0], {x: 3.0}) == 3.0
        assert sess.run(tf1.gradients(b, x, stop_gradients=[a])[0], {x: 3.0}) == 6.0
        assert sess.run(tf1.gradients(b, x, grad_ys=tf.constant(2.0))[0], {x: 1.0}) == 8.0
    assert tf1.gradients(unrelated, x) == [None]
    zero = tf1.gradients(unrelated, x, unconnected_gradients="zero")[0]
    with tf1.Session() as sess:
        assert sess.run(zero, {x: 5.0}) == 0.0


def test_gradients_are_refused_eagerly():
    with pytest.raises(RuntimeError, match="tf.gradients is not supported when eager "
                                           "execution is enabled"):
        tf1.gradients(tf.constant(1.0), tf.constant(2.0))


def test_scatter_update_and_add_in_a_session(graph_mode):
    v = tf.Variable([1.0, 2.0, 3.0], name="v")
    upd = tf1.scatter_update(v, [0, 2], [10.0, 30.0])
    add = tf1.scatter_add(v, [1, 1], [5.0, 5.0])
    with tf1.Session() as sess:
        sess.run(v.initializer)
        sess.run(upd)
        sess.run(add)
        assert sess.run(v).tolist() == [10.0, 12.0, 30.0]


def test_operation_run_and_consumers(graph_mode):
    v = tf.Variable(0.0, name="v")
    inc = v.assign_add(1.0)
    c = tf.constant(2.0, name="c")
    d = tf.add(c, 1.0, name="d")
    assert [op.name for op in c.consumers()] == ["d"]
    with tf1.Session().as_default():
        v.initializer.run()
        inc.op.run()
        inc.op.run()
        assert v.read_value().eval() == 2.0
        assert d.eval() == 3.0


def test_v1_variable_collections_and_local_initializer(graph_mode):
    counter = tf1.Variable(0, name="counter", trainable=False,
                           collections=[tf1.GraphKeys.LOCAL_VARIABLES])
    w = tf1.Variable(1.0, name="w")
    assert tf1.local_variables() == [counter]
    assert tf1.global_variables() == [w] and tf1.trainable_variables() == [w]
    with tf1.Session() as sess:
        sess.run(tf1.local_variables_initializer())
        assert sess.run(counter.assign_add(2)) == 2
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value w"):
            sess.run(w)


def test_variable_numpy_in_a_graph_points_to_session_run(graph_mode):
    v = tf.Variable(1.0)
    with pytest.raises(NotImplementedError, match="session.run"):
        v.numpy()


def test_tf1_spellings(graph_mode):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    s = tf1.reduce_sum(x, reduction_indices=[1], keep_dims=True)
    tf1.set_random_seed(7)
    r = tf1.random_normal([3], seed=1)
    with tf1.Session() as sess:
        assert sess.run(s).tolist() == [[3.0], [7.0]]
        assert sess.run(tf1.to_int32(x)).dtype == np.int32
        assert sess.run(tf1.arg_max(x, 1)).tolist() == [1, 1]
        first = sess.run(r)
    with tf1.Session() as sess:  # a new session replays the seeded stream
        np.testing.assert_array_equal(sess.run(r), first)
    with pytest.raises(ValueError, match="Can not specify both 'keepdims' and 'keep_dims'"):
        tf1.reduce_sum(x, keepdims=True, keep_dims=True)
    assert first.shape == (3,)


def test_tf1_nn_spellings():
    x = tf.ones([1000])
    kept = tf1.nn.dropout(x, keep_prob=0.75, seed=3)
    values = kept.numpy()
    assert set(np.unique(values)) <= {0.0, np.float32(1 / 0.75)}
    assert 0.65 < np.mean(values != 0) < 0.85
    with pytest.raises(ValueError, match="Cannot specify both 'rate' and 'keep_prob'"):
        tf1.nn.dropout(x, keep_prob=0.5, rate=0.5)
    logits = tf.constant([[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(tf1.nn.softmax(logits, dim=1).numpy(),
                                  tf.nn.softmax(logits, axis=1).numpy())
    labels = tf.constant([[0.0, 0.0, 1.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(labels)
        v1 = tf1.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        v2 = tf1.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    np.testing.assert_array_equal(v1.numpy(), v2.numpy())
    assert tape.gradient(v1, labels) is None  # TF1: labels are constants
    assert tape.gradient(v2, labels) is not None


def test_numpy_warnings_stay_quiet_in_a_session_as_they_do_eagerly(graph_mode):
    import warnings
    x = tf1.placeholder(tf.float32, [None])
    y = x * 0.0 + tf.math.log(x)  # inf * 0 and log(-1): nan, with no RuntimeWarning
    with tf1.Session() as sess, warnings.catch_warnings(record=True) as caught:
        got = sess.run(y, {x: [np.inf, -1.0]})
    assert np.isnan(got).all()
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
