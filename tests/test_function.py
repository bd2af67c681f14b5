"""tf.function: tracing, the cache and retracing, TF2 semantics, gradients, and equality
with eager execution and with the same computation built as a TF1 graph."""

import warnings

import numpy as np
import pytest

import twinflow as tf
from twinflow.compat import v1 as tf1


def test_traces_once_per_signature_and_reuses_the_plan():
    @tf.function
    def f(x, scale):
        return x * scale + 1.0
    a = tf.constant([1.0, 2.0])
    assert f(a, 2.0).numpy().tolist() == [3.0, 5.0]
    assert f(tf.constant([5.0, 6.0]), 2.0).numpy().tolist() == [11.0, 13.0]
    assert f.experimental_get_tracing_count() == 1
    f(a, 3.0)                           # a new Python value: a new trace
    f(tf.constant([1.0, 2.0, 3.0]), 3.0)  # a new shape: a new trace
    f(tf.constant([1, 2]), 3)           # a new dtype: a new trace
    assert f.experimental_get_tracing_count() == 4
    assert f.trace_log() == ["trace 1: x=float32[2], scale=2.0", "trace 2: x=float32[2], "
                             "scale=3.0", "trace 3: x=float32[3], scale=3.0",
                             "trace 4: x=int32[2], scale=3"]


def test_positional_keyword_and_default_arguments_share_one_trace():
    @tf.function
    def f(x, scale=2.0, *rest, shift=1.0):
        return x * scale + shift + sum(rest)
    a = tf.constant([1.0, 2.0])
    assert f(a).numpy().tolist() == [3.0, 5.0]
    assert f(a, 2.0).numpy().tolist() == [3.0, 5.0]     # the default, passed: same key
    assert f(x=a, scale=2.0).numpy().tolist() == [3.0, 5.0]
    assert f.experimental_get_tracing_count() == 1
    assert f(a, 2.0, 10.0, shift=0.0).numpy().tolist() == [12.0, 14.0]
    assert f.experimental_get_tracing_count() == 2
    with pytest.raises(TypeError, match="scale"):
        f(a, 2.0, scale=3.0)


def test_concrete_function_graph_and_tensor_spec_with_none_dims():
    @tf.function
    def f(x):
        return tf.reduce_sum(x * x, axis=1)
    concrete = f.get_concrete_function(tf.TensorSpec([None, 3], tf.float32))
    assert isinstance(concrete.graph, tf.Graph)
    types = [op.type for op in concrete.graph.get_operations()]
    assert types[:3] == ["Placeholder", "Mul", "Const"] and "Sum" in types
    assert concrete.outputs[0].shape.as_list() == [None]
    assert concrete(tf.ones([4, 3])).numpy().tolist() == [3.0] * 4
    assert f.experimental_get_tracing_count() == 1


def test_input_signature_one_trace_and_binding_errors():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return x * 2.0
    assert f(tf.constant([1.0])).numpy().tolist() == [2.0]
    assert f([1.0, 2.0, 3.0]).numpy().tolist() == [2.0, 4.0, 6.0]  # converted to the spec
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError, match=r"Binding inputs to tf.function 'f' failed: argument "
                                        r"'x' is TensorSpec\(shape=\(2, 2\)"):
        f(tf.ones([2, 2]))


def test_reduce_retracing_relaxes_shapes():
    @tf.function(reduce_retracing=True)
    def f(x):
        return x + 1
    for n in (2, 3, 4, 5):
        assert f(tf.zeros([n])).numpy().tolist() == [1.0] * n
    assert f.experimental_get_tracing_count() == 2
    assert f.trace_log()[1] == "trace 2: x=float32[None]"


def test_retracing_warning_names_the_reason():
    @tf.function
    def step(x, lr):
        return x * lr
    with pytest.warns(UserWarning, match=r"5 out of the last 5 calls to <function step> "
                                         r"triggered tf.function retracing(.|\n)*arg 'lr' is a "
                                         r"Python float: 0.04 -> 0.05; each new value is a new "
                                         r"trace. Fix: pass it as a tensor"):
        for i in range(1, 6):
            step(tf.constant(1.0), i / 100)
    with pytest.warns(UserWarning, match=r"arg 'x' is a tensor whose shape changed: \(4,\) -> "
                                         r"\(5,\)(.|\n)*input_signature"):
        for n in range(1, 6):
            step(tf.zeros([n]), 1.0)


def test_python_side_effects_run_while_tracing_only_and_tf_print_every_call(capsys):
    calls = []

    @tf.function
    def f(x):
        calls.append(1)
        print("tracing")  # the note names this line
        tf.print("value", x)
        return x + 1
    with pytest.warns(tf.function.__globals__["SideEffectNote"],
                      match=r"print\(\) at .*test_function.py:\d+ ran while tracing 'f'(.|\n)*"
                            r"Use tf.print"):
        f(tf.constant(1))
    f(tf.constant(2))
    f(tf.constant(3))
    out = capsys.readouterr()
    assert calls == [1] and out.out == "tracing\n"
    assert out.err == "value 1\nvalue 2\nvalue 3\n"  # program order, every call


def test_effects_run_in_program_order_without_being_returned():
    v = tf.Variable(1.0)

    @tf.function
    def f():
        v.assign(v * 10.0)
        v.assign_add(1.0)
        return tf.constant(0.0)
    f()
    f()
    assert v.numpy() == 111.0


def test_variables_created_on_first_trace_only_and_captured_by_reference():
    class Scale(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = None

        @tf.function
        def __call__(self, x):
            if self.w is None:
                self.w = tf.Variable(2.0, name="w")
            return x * self.w
    m = Scale()
    assert m(tf.constant(3.0)).numpy() == 6.0
    m.w.assign(5.0)  # read by reference: the next call sees it without retracing
    assert m(tf.constant(3.0)).numpy() == 15.0
    assert m.__call__.experimental_get_tracing_count() == 1

    @tf.function
    def bad(x):
        return x * tf.Variable(1.0, name="again")
    bad(tf.constant(1.0))
    with pytest.raises(ValueError, match=r"only supports singleton tf.Variables created on "
                                         r"the first call(.|\n)*'again:0' again on trace 2"):
        bad(tf.constant([1.0, 2.0]))


def test_numpy_on_a_symbolic_tensor_explains():
    @tf.function
    def f(x):
        return x.numpy()
    with pytest.raises(NotImplementedError, match=r"symbolic tensor of a tf.function(.|\n)*"
                                                  r"use tf.print"):
        f(tf.constant(1.0))


def test_methods_keep_one_cache_per_instance_and_nested_functions():
    class Model(tf.Module):
        def __init__(self, k):
            super().__init__()
            self.k = k

        @tf.function
        def __call__(self, x):
            return inner(x) * self.k

    @tf.function
    def inner(x):
        return tf.square(x)
    a, b = Model(2.0), Model(3.0)
    assert a(tf.constant(2.0)).numpy() == 8.0 and b(tf.constant(2.0)).numpy() == 12.0
    assert a.__call__ is a.__call__ and a.__call__ is not b.__call__
    assert a.__call__.experimental_get_tracing_count() == 1
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = a(x)
    assert tape.gradient(y, x).numpy() == 12.0


def test_run_functions_eagerly_gives_the_same_results():
    @tf.function
    def f(x):
        print("python runs")
        return tf.reduce_sum(tf.tanh(x) * 3.0)
    x = tf.constant([0.1, 0.2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph_result = f(x).numpy()
    tf.config.run_functions_eagerly(True)
    try:
        assert tf.config.functions_run_eagerly()
        assert f(x).numpy() == graph_result
    finally:
        tf.config.run_functions_eagerly(False)
    assert not tf.config.functions_run_eagerly()


def mlp_loss(x, y, w1, b1, w2):
    h = tf.nn.relu(tf.matmul(x, w1) + b1)
    logits = tf.matmul(h, w2)
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                         logits=logits))


def mlp_data():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(8, 5)).astype(np.float32), rng.integers(0, 3, 8),
            rng.normal(size=(5, 7)).astype(np.float32) * 0.3,
            rng.normal(size=(7,)).astype(np.float32) * 0.1,
            rng.normal(size=(7, 3)).astype(np.float32) * 0.3)


def test_gradients_through_calls_equal_eager_and_tf1_graph_bit_for_bit():
    x, y, w1, b1, w2 = mlp_data()
    variables = [tf.Variable(w1), tf.Variable(b1), tf.Variable(w2)]
    compiled = tf.function(mlp_loss)
    results = []
    for fn in (mlp_loss, compiled):
        with tf.GradientTape() as tape:
            loss = fn(tf.constant(x), tf.constant(y), *variables)
        results.append([loss.numpy()] + [g.numpy() for g in tape.gradient(loss, variables)])
    with tf.Graph().as_default():
        xp, yp = tf1.placeholder(tf.float32, [None, 5]), tf1.placeholder(tf.int64, [None])
        vs = [tf1.Variable(v) for v in (w1, b1, w2)]
        loss = mlp_loss(xp, yp, *vs)
        grads = tf1.gradients(loss, vs)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            results.append(sess.run([loss] + grads, {xp: x, yp: y}))
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)


def test_second_order_gradients_through_a_call():
    f = tf.function(lambda x: x * x * x)
    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        dy = inner.gradient(y, x)
    assert dy.numpy() == 12.0 and outer.gradient(dy, x).numpy() == 12.0


def test_gradient_uses_the_forward_random_draw():
    f = tf.function(lambda x: tf.nn.dropout(x, rate=0.5, seed=3) * x)
    x = tf.fill([1, 64], 3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = f(x)
    grad = tape.gradient(out, x).numpy()
    kept = out.numpy() != 0
    assert kept.any() and not kept.all()
    np.testing.assert_array_equal(grad, np.where(kept, 12.0, 0.0))


def test_train_step_with_a_tape_inside_matches_eager_steps():
    x, y, w1, b1, w2 = mlp_data()

    def make_step(variables):
        def step(x, y):
            with tf.GradientTape() as tape:
                loss = mlp_loss(x, y, *variables)
            for v, g in zip(variables, tape.gradient(loss, variables)):
                v.assign_sub(0.1 * g)
            return loss
        return step
    eager_vars = [tf.Variable(v) for v in (w1, b1, w2)]
    graph_vars = [tf.Variable(v) for v in (w1, b1, w2)]
    eager_step, graph_step = make_step(eager_vars), tf.function(make_step(graph_vars))
    for _ in range(3):
        a = eager_step(tf.constant(x), tf.constant(y)).numpy()
        b = graph_step(tf.constant(x), tf.constant(y)).numpy()
        assert a == b
    for u, v in zip(eager_vars, graph_vars):
        np.testing.assert_array_equal(u.numpy(), v.numpy())
    assert graph_step.experimental_get_tracing_count() == 1


def test_a_tf_function_called_in_a_tf1_graph_is_one_call_op():
    f = tf.function(lambda a, b: tf.matmul(a, b) + 1.0)
    with tf.Graph().as_default() as graph:
        a = tf1.placeholder(tf.float32, [None, 2])
        out = f(a, tf.ones([2, 1]))
        assert [op.type for op in graph.get_operations()].count("PartitionedCall") == 1
        grad = tf1.gradients(out, a)[0]
        with tf1.Session() as sess:
            value, g = sess.run([out, grad], {a: [[1.0, 2.0]]})
    assert value.tolist() == [[4.0]] and g.tolist() == [[1.0, 1.0]]


def test_compare_modes_finds_no_difference_and_names_one_when_there_is():
    def model(x, w):
        h = tf.nn.relu(tf.matmul(x, w) + 0.5)
        return tf.reduce_sum(tf.nn.softmax(h) * 3.0)
    rng = np.random.default_rng(0)
    verdict = tf.debugging.compare_modes(model, tf.constant(rng.normal(size=(4, 3)).astype(
        np.float32)), rng.normal(size=(3, 2)).astype(np.float32))
    assert verdict and str(verdict) == ("bit-identical in all three modes (eager: 6 ops, "
                                        "tf.function: 6 ops, TF1 graph: 6 ops)")

    def noisy(x):
        return x + tf.random.uniform([3])  # no seed: a new draw in every mode
    verdict = tf.debugging.compare_modes(noisy, tf.zeros([3]))
    assert not verdict
    assert str(verdict).startswith("first difference: op 0 RandomUniform")
    assert "test_function.py" in str(verdict) and "eager: array(" in str(verdict)


def test_compare_modes_with_eager_variables_and_control_flow():
    v = tf.Variable(1.5)
    verdict = tf.debugging.compare_modes(lambda x: v * x, tf.constant(2.0))
    assert verdict and "TF1 graph: 2 ops" in str(verdict)  # the Session starts from v's value

    def branchy(x):
        if tf.reduce_sum(x) > 0:  # AutoGraph in the graph modes, Python eagerly
            y = x * v
        else:
            y = -x
        return y
    verdict = tf.debugging.compare_modes(branchy, tf.constant([1.0, 2.0]))
    assert verdict and str(verdict).startswith("outputs bit-identical in all three modes")

    def noisy_branch(x):
        if tf.reduce_sum(x) > 0:
            y = x + tf.random.uniform([2])
        else:
            y = x
        return y
    verdict = tf.debugging.compare_modes(noisy_branch, tf.constant([1.0, 2.0]))
    assert not verdict and str(verdict).startswith("output 0 differs")
    assert v.numpy() == 1.5


def test_control_flow_inside_a_function_reads_variables_and_runs_effects():
    v = tf.Variable(2.0)
    count = tf.Variable(0.0)

    @tf.function
    def f(x):
        def body(i):
            count.assign_add(1.0)  # not returned: runs anyway, once per iteration
            return i + 1
        tf.while_loop(lambda i: i < 3, body, [0])
        return tf.cond(x > 0, lambda: x + v, lambda: x - v)
    assert f(tf.constant(1.0)).numpy() == 3.0 and count.numpy() == 3.0
    assert f(tf.constant(-1.0)).numpy() == -3.0 and count.numpy() == 6.0


def test_autograph_turns_python_control_flow_on_tensors_into_graph_ops():
    @tf.function
    def collatz_steps(n):
        steps = 0
        while n > 1:
            if n % 2 == 0:
                n = n // 2
            else:
                n = 3 * n + 1
            steps += 1
        return steps
    assert collatz_steps(tf.constant(27)).numpy() == 111
    types = {op.type for op in collatz_steps.get_concrete_function(
        tf.constant(6)).graph.get_operations()}
    assert types & {"While", "StatelessWhile"}
    assert "ag__.while_stmt" in tf.autograph.to_code(collatz_steps.python_function)


def test_concrete_function_repr():
    f = tf.function(lambda x: x + 1)
    assert repr(f.get_concrete_function(tf.constant(1.0))) == \
        "<ConcreteFunction <lambda>(x=float32[])>"


def test_a_tape_inside_a_function_watches_its_tensor_arguments():
    @tf.function
    def input_gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.sin(x) * x)
        return tape.gradient(y, x)
    x = tf.constant([0.5, -1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.sin(x) * x)
    np.testing.assert_array_equal(input_gradient(x).numpy(), tape.gradient(y, x).numpy())


class _LazyModule(tf.Module):
    """The usual lazy-build pattern: the variable is made on the first call, from a value
    the function itself computes."""

    def __init__(self, make):
        super().__init__()
        self.v, self._make = None, make

    @tf.function
    def __call__(self, x):
        if self.v is None:
            self.v = tf.Variable(self._make(x))
        self.v.assign_add(x)
        return self.v * 1.0


@pytest.mark.parametrize("make, first", [
    (lambda x: tf.zeros([2]), [1.0, 2.0]),
    (lambda x: x * 2.0, [3.0, 6.0]),              # depends on the first call's argument
    (lambda x: tf.ones_like(x) * 10.0, [11.0, 12.0]),
])
def test_variables_made_on_the_first_call_from_traced_values(make, first):
    module = _LazyModule(make)
    x = tf.constant([1.0, 2.0])
    assert module(x).numpy().tolist() == first
    assert module(x).numpy().tolist() == [a + b for a, b in zip(first, [1.0, 2.0])]
    assert module.__call__.experimental_get_tracing_count() == 1
    with tf.Graph().as_default():            # the same class inside a TF1 graph
        graph_module = _LazyModule(make)
        y = graph_module(tf.constant([1.0, 2.0]))
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            assert sess.run(y).tolist() == first
            assert sess.run(graph_module.v).tolist() == first


def test_a_random_initial_value_is_drawn_once():
    module = _LazyModule(lambda x: tf.random.normal([2], seed=3))
    zero = tf.zeros([2])
    first = module(zero).numpy()
    np.testing.assert_array_equal(module(zero).numpy(), first)
