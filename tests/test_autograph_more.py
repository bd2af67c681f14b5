"""AutoGraph inside tf.function: early `return` in a tensor `if`, `break`/`continue` in
tensor loops, and/or/not anywhere, called user functions converted too, `len` of a
symbolic tensor. Each program runs in a tf.function and as plain Python eagerly on
inputs that take different branches / trip counts; the results must be equal.
"""

import numpy as np
import pytest

import twinflow as tf
from eager import autograph


def same(fn, *inputs_list):
    """tf.function(fn)(*args) equals fn(*args) run eagerly, for each argument tuple."""
    compiled = tf.function(fn)
    for args in inputs_list:
        args = tuple(tf.constant(a) for a in args)
        want, got = fn(*args), compiled(*args)
        for a, b in zip(tf.nest.flatten(want), tf.nest.flatten(got)):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    return compiled


# ----------------------------------------------------------------- return ----------------

def early_return(x):
    if x > 0:
        return x * 2.0
    return -x


def both_return(x):
    if tf.reduce_sum(x) > 0:
        y = x + 1.0
        return y, tf.reduce_max(y)
    else:
        return x, tf.reduce_min(x)


def nested_return(x):
    if x > 0:
        if x > 5:
            return x * 100.0
        y = x + 1.0
        return y
    elif x < -5:
        return x * 10.0
    return x


def half_return(x):  # TensorFlow 2.21 refuses this one the same way
    y = x
    if x > 0:
        if x > 5:
            return x * 100.0
        y = x + 1.0
    return y


def test_return_in_tensor_if_branches():
    same(early_return, (3.0,), (-2.0,))
    same(both_return, ([1.0, 2.0],), ([-1.0, -2.0],))
    same(nested_return, (7.0,), (2.0,), (-7.0,), (-1.0,))
    code = autograph.to_code(early_return)
    assert "ag__.if_stmt(" in code and "retval_" in code
    graph = tf.function(early_return).get_concrete_function(tf.constant(1.0)).graph
    assert any(op.type in ("Case", "StatelessCase") for op in graph.get_operations())


def test_return_errors_are_tensorflows():
    def falls_off(x):
        if x > 0:
            return x

    def two_structures(x):
        if x > 0:
            return x, x
        return x

    def none_branch(x):
        if x > 0:
            return x
        return None
    assert falls_off(tf.constant(-1.0)) is None  # eagerly: plain Python
    with pytest.raises(ValueError, match="else branch must also have a return statement"):
        tf.function(falls_off)(tf.constant(1.0))
    with pytest.raises(TypeError, match="'retval_' must have the same nested structure"):
        tf.function(two_structures)(tf.constant(1.0))
    with pytest.raises(ValueError, match="is None at the end of the else branch"):
        tf.function(none_branch)(tf.constant(1.0))
    assert float(half_return(tf.constant(2.0))) == 3.0
    with pytest.raises(ValueError, match="else branch must also have a return statement"):
        tf.function(half_return)(tf.constant(1.0))


def test_return_inside_a_tensor_loop_is_tensorflows_error():
    def find(n):
        for i in tf.range(n):
            if i > 3:
                return i
        return -1
    assert int(find(tf.constant(10))) == 4
    with pytest.raises(NotImplementedError, match="cannot be placed inside this TensorFlow"):
        tf.function(find)(tf.constant(10))


def test_gradient_through_an_early_return_if():
    def f(x):
        if tf.reduce_sum(x) > 0:
            return tf.reduce_sum(x * x)
        return tf.reduce_sum(3.0 * x)

    @tf.function
    def graph_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return tape.gradient(y, x)
    for value in ([1.0, 2.0], [-1.0, -2.0]):
        x = tf.constant(value)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        np.testing.assert_array_equal(tape.gradient(y, x).numpy(), graph_grad(x).numpy())


# ----------------------------------------------------------------- break / continue ---------

def for_break_continue(n):
    total = 0
    for i in tf.range(n):
        if i > 6:
            break
        if i % 2 > 0:
            continue
        total += i
    return total


def while_break(x):
    steps = 0.0
    while x > 0:
        x -= 1.0
        if x < 3.0:
            break
        steps += x
    else:
        steps = -1.0
    return steps, x


def while_continue(n):
    i, odd = 0, 0
    while i < n:
        i += 1
        if i % 2 < 1:
            continue
        odd += i
    return odd


def test_break_and_continue_in_tensor_loops():
    same(for_break_continue, (0,), (3,), (5,), (20,))
    same(while_break, (10.0,), (2.0,), (-1.0,))
    same(while_continue, (0,), (1,), (7,))
    for fn in (for_break_continue, while_break, while_continue):
        graph = tf.function(fn).get_concrete_function(
            tf.constant(1.0 if fn is while_break else 1)).graph
        assert any(op.type in ("While", "StatelessWhile") for op in graph.get_operations())
    code = autograph.to_code(for_break_continue)
    assert "break_" in code and "extra_test" in code and "continue_" in code


def test_break_in_a_python_loop_keeps_python_semantics():
    def consume(items):
        it = iter(items)
        for v in it:
            if v > 2:
                break
        return v, list(it)
    assert autograph.convert(consume)([1, 2, 3, 4, 5]) == consume([1, 2, 3, 4, 5])

    def python_loop_tensor_break(x):
        for _ in range(3):
            if x > 0:
                break
            x = x + 1.0
        return x
    with pytest.raises(NotImplementedError, match="break and return statements"):
        tf.function(python_loop_tensor_break)(tf.constant(1.0))


# ----------------------------------------------------------------- and / or / not -----------

def test_boolean_operators_on_tensors():
    def in_range(x):
        if x > 0 and x < 10:
            r = 1
        elif x < -100 or not x < 20:
            r = 2
        else:
            r = 3
        return r

    def as_values(x):
        inside = x > 0 and x < 10
        outside = not inside
        return inside, outside, (x * 2.0 if x > 1 else x)
    same(in_range, (5.0,), (-200.0,), (30.0,), (-5.0,))
    same(as_values, (5.0,), (-1.0,), (30.0,))

    calls = []

    def right(v):
        calls.append(v)
        return v
    assert autograph.convert(lambda_free_and)(right) is False and calls == []


def lambda_free_and(right):
    return False and right(1)  # noqa: SIM223 - lazy: Python never calls right()


# ----------------------------------------------------------------- calls, len ----------------

def helper(x):
    if x > 0:
        y = x * 2.0
    else:
        y = x - 1.0
    return y


class Counter:
    def __call__(self, n):
        total = 0
        for i in tf.range(n):
            total += i
        return total


def test_called_functions_are_converted():
    count = Counter()

    def outer(x):
        return helper(x) + (lambda v: helper(v))(x) + tf.cast(count(tf.cast(tf.abs(x), tf.int32)),  # noqa: PLC3002
                                                              tf.float32)
    same(outer, (3.0,), (-3.0,))
    assert "ag__.converted_call(helper, x)" in autograph.to_code(outer)


def test_len_of_a_symbolic_tensor():
    def rows(x):
        return len(x)

    def python_len(x):
        return len([1, 2, 3]) + len(range(4))
    assert same(rows, ([1.0, 2.0, 3.0],))
    dynamic = tf.function(rows, input_signature=[tf.TensorSpec([None], tf.float32)])
    assert int(dynamic(tf.constant([1.0, 2.0]))) == 2
    assert int(tf.function(python_len)(tf.constant(0.0))) == 7
    with pytest.raises(ValueError, match="len requires a non-scalar tensor"):
        tf.function(rows)(tf.constant(1.0))


def test_range_enumerate_zip_over_python_values():
    def py(x):
        total = x
        for i, (a, b) in enumerate(zip(range(3), [10.0, 20.0, 30.0])):
            total = total + i * a + b
        return total
    same(py, (1.0,), (-1.0,))
