"""tf.cond / case / switch_case / while_loop: values and gradients equal in graph and
eager mode (bit for bit) and to finite differences; structure and error rules."""

import sys
import tracemalloc
import warnings

import numpy as np
import pytest

import twinflow as tf
from twinflow.compat import v1 as tf1


def eager_run(program, inputs):
    """(outputs, d sum(outputs) / d inputs) computed eagerly with a tape."""
    xs = [tf.constant(x) for x in inputs]
    with tf.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        out = program(*xs)
        total = tf.add_n([tf.reduce_sum(o) for o in tf.nest.flatten(out)])
    grads = tape.gradient(total, xs)
    return [o.numpy() for o in tf.nest.flatten(out)], [g.numpy() for g in grads]


def graph_run(program, inputs):
    """The same, built in a TF1 graph with placeholders and tf.gradients."""
    with tf.Graph().as_default():
        xs = [tf1.placeholder(tf.as_dtype(x.dtype), x.shape) for x in inputs]
        out = program(*xs)
        total = tf.add_n([tf.reduce_sum(o) for o in tf.nest.flatten(out)])
        grads = tf1.gradients(total, xs)
        with tf1.Session() as sess:
            values, gvalues = sess.run([tf.nest.flatten(out), grads], dict(zip(xs, inputs)))
    return [np.asarray(v) for v in values], [np.asarray(g) for g in gvalues]


def numeric_grad(program, inputs, eps=1e-6):
    """Central finite differences of sum(outputs), float64, eagerly."""
    def f(*arrays):
        out = program(*[tf.constant(a) for a in arrays])
        return sum(float(np.sum(o.numpy())) for o in tf.nest.flatten(out))
    grads = []
    for i, x in enumerate(inputs):
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            up, down = [a.copy() for a in inputs], [a.copy() for a in inputs]
            up[i][idx] += eps
            down[i][idx] -= eps
            g[idx] = (f(*up) - f(*down)) / (2 * eps)
        grads.append(g)
    return grads


def check(program, inputs):
    eager = eager_run(program, inputs)
    graph = graph_run(program, inputs)
    for a, b in zip(eager[0] + eager[1], graph[0] + graph[1]):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)  # bit for bit
    for a, b in zip(eager[1], numeric_grad(program, inputs)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    return eager[0]


def cond_program(x):
    return tf.cond(x[0] > 0, lambda: x * x + 1.0, lambda: tf.sin(x) * 3.0)


def data_dependent_loop(x):
    _, v = tf.while_loop(lambda i, v: tf.reduce_sum(v) < 10.0,
                         lambda i, v: (i + 1, v * 1.5 + 0.25), [tf.constant(0), x])
    return v


def nested_loops(x):
    def outer_body(i, v):
        _, w = tf.while_loop(lambda j, w: j < i, lambda j, w: (j + 1, tf.tanh(w) + v),
                             [tf.constant(0), v])
        return i + 1, w * 0.5
    return tf.while_loop(lambda i, v: i < 3, outer_body, [tf.constant(1), x])[1]


def loop_in_cond(x):
    return tf.cond(tf.reduce_sum(x) > 0,
                   lambda: tf.while_loop(lambda v: tf.reduce_max(v) < 5.0,
                                         lambda v: v * 2.0 + 0.5, [x])[0],
                   lambda: -x)


def capped_loop(x):
    return tf.while_loop(lambda v: tf.constant(True), lambda v: tf.sin(v) + v, [x],
                         maximum_iterations=4)[0]


def switch_program(x):
    index = tf.cast(tf.reduce_sum(x) > 0, tf.int32) + tf.cast(tf.reduce_sum(x) > 2, tf.int32)
    return tf.switch_case(index, [lambda: x * 2.0, lambda: tf.exp(x), lambda: x * x * x])


def case_program(x):
    s = tf.reduce_sum(x)
    return tf.case([(s < -1.0, lambda: -x), (s < 1.0, lambda: x * 4.0)],
                   default=lambda: tf.square(x))


@pytest.mark.parametrize("program, inputs, expected", [
    (cond_program, [np.array([2.0, 3.0])], [[5.0, 10.0]]),
    (cond_program, [np.array([-2.0, 3.0])], [np.sin([-2.0, 3.0]) * 3.0]),
    (data_dependent_loop, [np.array([0.5, 1.0])], None),
    (data_dependent_loop, [np.array([3.0, 4.0])], None),
    (nested_loops, [np.array([0.3, -0.2])], None),
    (loop_in_cond, [np.array([0.5, 1.0])], None),
    (loop_in_cond, [np.array([-0.5, -1.0])], [[0.5, 1.0]]),
    (capped_loop, [np.array([0.4])], None),
    (switch_program, [np.array([-1.0, 0.5])], [[-2.0, 1.0]]),
    (switch_program, [np.array([0.5, 1.0])], [np.exp([0.5, 1.0])]),
    (switch_program, [np.array([2.0, 1.0])], [[8.0, 1.0]]),
    (case_program, [np.array([-2.0, 0.5])], [[2.0, -0.5]]),
    (case_program, [np.array([0.2, 0.5])], [[0.8, 2.0]]),
    (case_program, [np.array([2.0, 0.5])], [[4.0, 0.25]]),
])
def test_values_and_gradients_equal_in_both_modes(program, inputs, expected):
    values = check(program, inputs)
    if expected is not None:
        np.testing.assert_allclose(values[0], np.asarray(expected[0], np.float64))


def test_data_dependent_trip_count_values():
    v = data_dependent_loop(tf.constant([0.5, 1.0]))
    ref = np.array([0.5, 1.0])
    while ref.sum() < 10.0:
        ref = ref * 1.5 + 0.25
    np.testing.assert_array_equal(v.numpy(), ref)


def test_gradient_of_a_variable_used_in_every_iteration_matches_eager():
    def program(w, x):
        return tf.while_loop(lambda i, a: i < 5, lambda i, a: (i + 1, a * w + x),
                             [tf.constant(0), x])[1]
    check(program, [np.array([0.9]), np.array([1.5])])
    with tf.Graph().as_default():  # and through a tf.Variable read inside the body
        w = tf1.Variable(np.float32(2.0))
        x = tf1.placeholder(tf.float32, [])
        acc = tf.while_loop(lambda i, a: i < 5, lambda i, a: (i + 1, a * w + x),
                            [tf.constant(0), x])[1]
        grads = tf1.gradients(acc, [w, x])
        with tf1.Session() as sess:
            sess.run(w.initializer)
            graph = sess.run([acc] + grads, {x: 1.5})
    w = tf.Variable(np.float32(2.0))
    x = tf.constant(np.float32(1.5))
    with tf.GradientTape() as tape:
        tape.watch(x)
        acc = tf.while_loop(lambda i, a: i < 5, lambda i, a: (i + 1, a * w + x),
                            [tf.constant(0), x])[1]
    eager = [acc.numpy()] + [g.numpy() for g in tape.gradient(acc, [w, x])]
    assert graph == eager == [94.5, 193.5, 63.0]


def test_structures_loop_vars_and_v1_return_rules():
    pair = tf.while_loop(lambda a, b: a < 3, lambda a, b: (a + 1, b * 2), (0, 1))
    assert isinstance(pair, tuple) and [int(t) for t in pair] == [3, 8]
    lone = tf.while_loop(lambda a: a < 3, lambda a: a + 1, [0])
    assert isinstance(lone, list) and int(lone[0]) == 3  # TF2 keeps the list
    assert int(tf1.while_loop(lambda a: a < 3, lambda a: a + 1, [0])) == 3  # TF1: bare
    with tf.Graph().as_default():
        out = tf1.while_loop(lambda a: a < 3, lambda a: a + 1, [tf.constant(0)])
        assert out.op.type == "StatelessWhile" and out.name == "while:0"
        branch = tf.cond(tf.constant(True), lambda: {"a": tf.constant(1.0)},
                         lambda: {"a": tf.constant(2.0)})
        assert set(branch) == {"a"} and branch["a"].op.type == "StatelessCase"
        with tf1.Session() as sess:
            assert sess.run([out, branch]) == [3, {"a": 1.0}]


def test_only_the_taken_branch_runs_and_branch_ops_belong_to_it():
    with tf.Graph().as_default() as graph:
        v = tf1.Variable(0.0)
        p = tf1.placeholder(tf.bool, [])
        out = tf.cond(p, lambda: v.assign_add(1.0), lambda: tf.identity(v.read_value()))
        assert out.op.type == "Case"  # the branch has an effect: not folded as stateless
        assert not any(op.type == "AssignAddVariableOp" for op in graph.get_operations())
        with tf1.Session() as sess:
            sess.run(v.initializer)
            assert [sess.run(out, {p: flag}) for flag in (False, True, False, True)] == \
                [0.0, 1.0, 1.0, 2.0]


def test_outer_stateful_op_used_in_a_branch_is_reported_and_runs_regardless():
    with tf.Graph().as_default():
        v = tf1.Variable(0.0)
        p = tf1.placeholder(tf.bool, [])
        bump = v.assign_add(1.0)
        with pytest.warns(UserWarning, match=r"AssignAddVariableOp op .* created outside it, "
                                             r"so it runs every time"):
            out = tf.cond(p, lambda: bump, lambda: tf.constant(-1.0))
        with tf1.Session() as sess:
            sess.run(v.initializer)
            assert sess.run(out, {p: False}) == -1.0
            assert sess.run(v) == 1.0  # it ran although its branch was not taken


def test_thousand_iterations_one_run_no_recursion_memory_of_loop_vars_only():
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float64, [50_000])
        i, v = tf.while_loop(lambda i, v: i < 1000, lambda i, v: (i + 1, v * 0.999 + 1.0),
                             [tf.constant(0), x])
        with tf1.Session() as sess:
            limit = sys.getrecursionlimit()
            sys.setrecursionlimit(150)  # a recursive interpreter would blow this
            try:
                tracemalloc.start()
                got_i, got_v = sess.run([i, v], {x: np.zeros(50_000)})
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
                sys.setrecursionlimit(limit)
    assert got_i == 1000
    ref = np.zeros(50_000)
    for _ in range(1000):
        ref = ref * 0.999 + 1.0
    np.testing.assert_array_equal(got_v, ref)
    assert peak < 20 * ref.nbytes  # 1000 kept iterations would be 1000x


def test_shape_and_dtype_errors():
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [], name="x")
        with pytest.raises(ValueError, match=r"Input tensor `x:0` enters the loop with shape "
                                             r"\(\), but has shape \(2,\) after one "
                                             r"iteration(.|\n)*shape_invariants"):
            tf.while_loop(lambda v: v < 3, lambda v: tf.stack([v, v]), [x])
        varying = tf.while_loop(lambda v: tf.size(v) < 4, lambda v: tf.concat([v, v], 0),
                                [tf.reshape(x, [1])], shape_invariants=[tf.TensorShape([None])])
        assert varying[0].shape.as_list() == [None]
        with pytest.raises(TypeError, match=r"Loop var x:0 enters the loop with type "
                                            r"<dtype: 'float32'> but has type <dtype: 'int32'>"):
            tf.while_loop(lambda v: v < 3, lambda v: tf.cast(v, tf.int32), [x])
        with pytest.raises(TypeError, match=r"true_fn and false_fn arguments to tf.cond must "
                                            r"have the same number, type, and overall "
                                            r"structure(.|\n)*different types"):
            tf.cond(x > 0, lambda: x, lambda: tf.cast(x, tf.int32))
        with pytest.raises(TypeError, match="same number, type, and overall structure"):
            tf.cond(x > 0, lambda: x, lambda: (x, x))
        with pytest.raises(ValueError, match="must be a scalar tf.bool"):
            tf.cond(tf.constant([True, False]), lambda: x, lambda: x)
        with tf1.Session() as sess:
            assert sess.run(varying, {x: 2.0})[0].tolist() == [2.0, 2.0, 2.0, 2.0]
    with pytest.raises(TypeError, match="true_fn must be callable"):
        tf.cond(True, 1, lambda: 2)


def test_tf_tuple_and_eager_python_semantics():
    calls = []
    out = tf.cond(tf.constant(False), lambda: calls.append("t") or 1, lambda: 2)
    assert out == 2 and calls == []  # eagerly only the taken branch runs at all
    assert [int(t) for t in tf.tuple([tf.constant(1), tf.constant(2)])] == [1, 2]
    with tf.Graph().as_default():
        a, b = tf.constant(1.0), tf.constant(2.0)
        ta, tb = tf.tuple([a, b])
        assert ta.op.type == "Identity" and ta.op.control_inputs[0].type == "NoOp"
        with tf1.Session() as sess:
            assert sess.run([ta, tb]) == [1.0, 2.0]


def test_exclusive_case_rejects_two_true_predicates():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(tf.errors.InvalidArgumentError, match="more than one"):
            tf.case([(tf.constant(True), lambda: 1), (tf.constant(True), lambda: 2)],
                    default=lambda: 3, exclusive=True)


def test_lists_holding_tensors_are_packed_in_both_modes():
    """TensorFlow's auto-packing: `[tensor, 2]` converts by stacking, Python numbers
    taking the tensors' dtype; the classic grow-a-vector while_loop builds in a graph."""
    assert tf.convert_to_tensor([tf.constant(1), 2]).numpy().tolist() == [1, 2]
    nested = tf.convert_to_tensor([[tf.constant(1.5), 2], [3, 4]])
    assert nested.dtype == tf.float32 and nested.numpy().tolist() == [[1.5, 2.0], [3.0, 4.0]]
    with pytest.raises(TypeError, match="Cannot convert 2.5 to EagerTensor of dtype int32"):
        tf.convert_to_tensor([tf.constant(1), 2.5])
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None])
        grown = tf.concat([x, [tf.reduce_sum(x)]], 0)
        zeros = tf.zeros([tf.shape(x)[0], 3])

        def body(k, acc):
            return k + 1, tf.concat([acc, [tf.cast(k, tf.float32)]], 0)
        _, acc = tf.while_loop(lambda k, acc: k < 4, body, [tf.constant(0), tf.zeros([0])],
                               shape_invariants=[tf.TensorShape([]), tf.TensorShape([None])])
        with tf1.Session() as sess:
            got = sess.run([grown, tf.shape(zeros), acc], {x: [1.0, 2.0]})
    assert got[0].tolist() == [1.0, 2.0, 3.0] and got[1].tolist() == [2, 3]
    assert got[2].tolist() == [0.0, 1.0, 2.0, 3.0]
