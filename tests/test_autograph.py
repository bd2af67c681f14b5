"""AutoGraph (eager/autograph.py): Python if/while/for over symbolic tensors become
tf.cond / tf.while_loop; eagerly (and over Python values) they stay plain Python.

Each program is checked three ways: the converted function called eagerly gives what
the original gives; built in a TF1 graph on placeholders it gives numpy's numbers for
several feeds (so both branches / several trip counts run from ONE graph); and the
graph holds the functional op (Case / While), or none when the condition was Python.
"""

import inspect
import traceback

import numpy as np
import pytest

import twinflow as tf
import twinflow.autograph as tf_autograph
from eager import autograph
from twinflow.compat import v1 as tf1

CASE = {"Case", "StatelessCase"}
WHILE = {"While", "StatelessWhile"}


def graph_run(fn, specs, feeds_list):
    """Builds converted `fn` once on placeholders (dtype, shape) and runs it for each
    feed tuple; returns (list of results, set of op types in the graph)."""
    converted = autograph.convert(fn)
    with tf.Graph().as_default() as graph:
        phs = [tf1.placeholder(dtype, shape) for dtype, shape in specs]
        out = converted(*phs)
        types = op_types(graph)
        with tf1.Session() as sess:
            results = [sess.run(out, dict(zip(phs, feeds))) for feeds in feeds_list]
    return results, types


def op_types(graph):
    """The op types in `graph` and in the branch / loop graphs its Case and While hold."""
    types, graphs = set(), [graph]
    while graphs:
        for op in graphs.pop().get_operations():
            types.add(op.type)
            if op.type in CASE:
                graphs.extend(f.graph for f in op.get_attr("branches"))
            elif op.type in WHILE:
                graphs.extend([op.get_attr("cond_fn").graph, op.get_attr("body_fn").graph])
    return types


def eager_same(fn, *args):
    """The converted function called eagerly equals the original, value for value."""
    want, got = fn(*args), autograph.convert(fn)(*args)
    for a, b in zip(tf.nest.flatten(want), tf.nest.flatten(got)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    return got


def line_of(fn, text):
    """The file line of the first line of fn's source containing `text`."""
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if text in line)


# ----------------------------------------------------------------- programs ----------------

def two_vars(x):
    if tf.reduce_sum(x) > 0:
        y = x * 2.0
        z = tf.reduce_max(x)
    else:
        y = -x
        z = tf.reduce_min(x)
    return y, z


def no_else(x):
    y = x + 1.0
    if x > 2.0:
        y = y * 10.0
    return y


def elif_chain(x):
    if x > 10.0:
        label = 3
    elif x > 0.0:
        label = 2
    elif x > -10.0:
        label = 1
    else:
        label = 0
    return label


def halve_until_small(x):
    steps = 0
    while tf.reduce_max(tf.abs(x)) > 1.0:
        x = x / 2.0
        steps += 1
    return x, steps


def range_sum(n):
    total = 0
    for i in tf.range(n):
        total += i * i
    return total


def collatz_odd_steps(n):
    odd = 0
    while n > 1:
        if n % 2 > 0:  # (`==` on TF1 graph tensors compares identity, as in TF1)
            n = 3 * n + 1
            odd += 1
        else:
            n = n // 2
    return odd


def python_condition(x, flag):
    if flag:
        y = x * 2.0
    else:
        y = x * 3.0
    k = 0
    while k < 3:
        y = y + 1.0
        k += 1
    return y


# ----------------------------------------------------------------- if ----------------------

def test_if_else_with_tensor_condition_assigning_two_variables():
    x = np.array([1.0, -3.0, 2.5], np.float32)
    eager_same(two_vars, tf.constant(x))
    eager_same(two_vars, tf.constant(-x))
    (pos, neg), types = graph_run(two_vars, [(tf.float32, [3])], [(x,), (-x,)])
    assert types & CASE
    np.testing.assert_array_equal(pos[0], x * 2.0)
    assert pos[1] == x.max()
    np.testing.assert_array_equal(neg[0], x)
    assert neg[1] == (-x).min()


def test_if_without_else_keeps_the_value_from_before():
    eager_same(no_else, tf.constant(1.0))
    results, types = graph_run(no_else, [(tf.float32, [])], [(1.0,), (5.0,)])
    assert types & CASE
    assert [float(r) for r in results] == [2.0, 60.0]


def test_elif_chain_is_nested_conds():
    feeds = [(20.0,), (3.0,), (-3.0,), (-30.0,)]
    for (value,) in feeds:
        eager_same(elif_chain, tf.constant(value))
    results, types = graph_run(elif_chain, [(tf.float32, [])], feeds)
    assert types & CASE
    assert [int(r) for r in results] == [3, 2, 1, 0]


def test_python_conditions_stay_python():
    assert eager_same(python_condition, 1.0, True) == 5.0
    converted = autograph.convert(python_condition)
    with tf.Graph().as_default() as graph:
        x = tf1.placeholder(tf.float32, [])
        out = converted(x, False)
        kinds = op_types(graph)
        with tf1.Session() as sess:
            value = sess.run(out, {x: 1.0})
    assert not kinds & (CASE | WHILE)  # a Python bool and a Python counter: unrolled
    assert value == 6.0


def test_undefined_in_one_branch_names_variable_and_line():
    def half_defined(x):
        if x > 0:
            y = x
        return y
    with tf.Graph().as_default(), pytest.raises(ValueError) as info:
        autograph.convert(half_defined)(tf1.placeholder(tf.float32, []))
    message = str(info.value)
    assert message.startswith("'y' must also be initialized in the else branch")
    assert f"{__file__}:{line_of(half_defined, 'if x > 0')}" in message
    # eagerly it is Python: fine when the branch runs, UnboundLocalError when not
    assert autograph.convert(half_defined)(tf.constant(2.0)).numpy() == 2.0
    with pytest.raises(UnboundLocalError, match="'y'"):
        autograph.convert(half_defined)(tf.constant(-2.0)) + 1.0


def test_branch_temporaries_are_not_cond_outputs():
    def temp(x):
        if x > 0:
            t = x * 2.0
            y = t + 1.0
        else:
            y = x
        return y
    results, _ = graph_run(temp, [(tf.float32, [])], [(1.0,), (-1.0,)])
    assert [float(r) for r in results] == [3.0, -1.0]


def test_and_or_not_in_conditions():
    def logic(x, y):
        if x > 0 and y > 0:
            r = 1
        elif x > 0 or not y > 0:
            r = 2
        else:
            r = 3
        return r
    feeds = [(1.0, 1.0), (1.0, -1.0), (-1.0, -1.0), (-1.0, 1.0)]
    for a, b in feeds:
        eager_same(logic, tf.constant(a), tf.constant(b))
    results, _ = graph_run(logic, [(tf.float32, []), (tf.float32, [])], feeds)
    assert [int(r) for r in results] == [1, 2, 2, 3]


def test_gradients_flow_through_a_converted_if():
    def program(x):
        if tf.reduce_sum(x) > 0:
            y = x * x
        else:
            y = x * 3.0
        return tf1.gradients(tf.reduce_sum(y), x)[0]
    x = np.array([1.0, 2.0], np.float32)
    (pos, neg), _ = graph_run(program, [(tf.float32, [2])], [(x,), (-x,)])
    np.testing.assert_array_equal(pos, 2 * x)
    np.testing.assert_array_equal(neg, [3.0, 3.0])


# ----------------------------------------------------------------- while / for ---------------

def test_while_with_data_dependent_trip_count():
    x = np.array([3.0, -40.0], np.float32)
    eager_same(halve_until_small, tf.constant(x))
    feeds = [(x,), (np.array([0.5, 0.25], np.float32),)]
    results, types = graph_run(halve_until_small, [(tf.float32, [2])], feeds)
    assert types & WHILE
    np.testing.assert_array_equal(results[0][0], x / 64.0)
    assert results[0][1] == 6
    np.testing.assert_array_equal(results[1][0], feeds[1][0])
    assert results[1][1] == 0


def test_for_over_tf_range_of_a_placeholder():
    assert eager_same(range_sum, tf.constant(5)).numpy() == 30
    results, types = graph_run(range_sum, [(tf.int32, [])], [(5,), (0,), (10,)])
    assert types & WHILE
    assert [int(r) for r in results] == [sum(i * i for i in range(n)) for n in (5, 0, 10)]


def test_for_over_python_range_of_a_tensor_and_over_rows():
    def python_range(n):
        total = 0
        for i in range(n):
            total += i
        return total

    def rows(m):
        acc = tf.zeros([3])
        for row in m:
            acc = acc + row
        return acc
    assert eager_same(python_range, 4) == 6
    results, types = graph_run(python_range, [(tf.int32, [])], [(4,)])
    assert types & WHILE and int(results[0]) == 6
    m = np.arange(6, dtype=np.float32).reshape(2, 3)
    eager_same(rows, tf.constant(m))
    results, _ = graph_run(rows, [(tf.float32, [None, 3])], [(m,)])
    np.testing.assert_array_equal(results[0], m.sum(0))


def test_nested_if_inside_while():
    for n in (6, 7, 27):
        eager_same(collatz_odd_steps, tf.constant(n))
    results, types = graph_run(collatz_odd_steps, [(tf.int32, [])], [(6,), (7,), (27,)])
    assert types & CASE and types & WHILE

    def reference(n):
        odd = 0
        while n > 1:
            n, odd = (3 * n + 1, odd + 1) if n % 2 else (n // 2, odd)
        return odd
    assert [int(r) for r in results] == [reference(n) for n in (6, 7, 27)]


def test_loop_target_read_after_the_loop():
    def last(n):
        s = 0
        for i in tf.range(n):
            s += i
        return s, i
    results, _ = graph_run(last, [(tf.int32, [])], [(4,)])
    assert [int(v) for v in results[0]] == [6, 3]


def test_python_test_turning_symbolic_hands_over_to_a_while_loop():
    def step(x):
        i = 0
        while i < 10:
            i = i + x  # a Python int before the first iteration, a tensor after
        return i
    results, types = graph_run(step, [(tf.int32, [])], [(3,), (20,)])
    assert types & WHILE
    assert [int(r) for r in results] == [12, 20]


def test_loop_variable_needs_a_value_before_the_loop():
    def late(x):
        while x < 10.0:
            t = x * 2.0
            x = t + 1.0
        return t
    with tf.Graph().as_default(), pytest.raises(ValueError) as info:
        autograph.convert(late)(tf1.placeholder(tf.float32, []))
    assert str(info.value).startswith("'t' must be defined before the loop")
    assert f":{line_of(late, 'while x < 10.0')}" in str(info.value)


def test_loop_variable_changing_shape_is_named():
    def grow(x):
        while tf.reduce_sum(x) < 10.0:
            x = tf.concat([x, x], 0)
        return x
    with tf.Graph().as_default(), pytest.raises(ValueError, match=r"'x' has shape \(1,\) "
                                                r"before the loop, but shape \(2,\)"):
        autograph.convert(grow)(tf1.placeholder(tf.float32, [1]))


def test_effects_in_a_loop_body_run_every_iteration():
    def count(n, v):
        i = 0
        while i < n:
            v.assign_add(1.0)
            i += 1
        return i
    with tf.Graph().as_default():
        v = tf.Variable(0.0)
        n = tf1.placeholder(tf.int32, [])
        out = autograph.convert(count)(n, v)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            assert sess.run(out, {n: 4}) == 4
            assert sess.run(v.read_value()) == 4.0


# ----------------------------------------------------------------- left as Python ------------

def test_early_return_and_break_are_converted_in_a_tf1_graph_too():
    """(tests/test_autograph_more.py covers the forms; here: a plain TF1 graph.)"""
    def early(x):
        if x > 0:
            return x
        return -x

    def stop(x):
        for i in tf.range(5):
            if x > 3.0:
                break
            x = x + 1.0
        return x
    assert "if_stmt" in autograph.to_code(early) and "for_stmt" in autograph.to_code(stop)
    assert eager_same(early, tf.constant(-2.0)).numpy() == 2.0
    assert eager_same(stop, tf.constant(1.0)).numpy() == 4.0
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [])
        outs = [autograph.convert(fn)(x) for fn in (early, stop)]
        with tf1.Session() as sess:
            assert sess.run(outs, {x: -2.0}) == [2.0, 3.0]
            assert sess.run(outs, {x: 5.0}) == [5.0, 5.0]


def test_attribute_only_assignments_stay_python():
    def setter(obj, x):
        if x > 0:
            obj.value = x
    assert "if_stmt" not in autograph.to_code(setter)
    assert autograph.convert(setter) is setter


def test_unconvertible_callables_are_returned_unchanged():
    def gen(x):
        if x > 0:
            yield x

    @autograph.do_not_convert
    def marked(x):
        if x > 0:
            x = x + 1
        return x
    square = lambda x: x * x
    for fn in (len, np.add, gen, marked, square):
        assert autograph.convert(fn) is fn
    assert autograph.convert(two_vars) is not two_vars
    assert autograph.convert(autograph.convert(two_vars)).__wrapped__ is two_vars


# ----------------------------------------------------------------- functions ---------------

class Scaler:
    def __init__(self, k):
        self.__k = k  # name-mangled: _Scaler__k

    def base(self, x):
        return x + 100.0


class Shifter(Scaler):
    def __call__(self, x):
        if x > 0:
            y = super().base(x) * self._Scaler__k
        else:
            y = x
        return y


def make_closure(k):
    def inner(x):
        if x > 0:
            y = x * k
        else:
            y = x - k
        return y
    return inner


def test_methods_closures_and_super():
    shifter = Shifter(2.0)
    method = autograph.convert(shifter.__call__)
    assert autograph.is_converted(method.__func__) and method.__self__ is shifter
    assert "super(__class__, self)" in autograph.to_code(shifter.__call__)
    results, types = graph_run(method, [(tf.float32, [])], [(1.0,), (-1.0,)])
    assert types & CASE and [float(r) for r in results] == [202.0, -1.0]
    inner = make_closure(10.0)
    results, _ = graph_run(inner, [(tf.float32, [])], [(2.0,), (-2.0,)])
    assert [float(r) for r in results] == [20.0, -12.0]


def test_closure_cells_are_shared_with_the_original():
    k = 1.0

    def inner(x):
        if x > 0:
            y = x * k
        else:
            y = x
        return y
    converted = autograph.convert(inner)
    k = 5.0  # the converted function reads the same cell
    assert float(converted(tf.constant(2.0))) == 10.0


def grab_bag(x, items):
    """Python constructs inside converted statements keep Python's meaning."""
    def later():
        return note
    note = "none"
    if x > 0:
        try:
            value = items[10]
        except IndexError as err:
            value = len(str(err)) * 0 + 1
        squares = [i * i for i in items if (last := i) > 0]
        with open(__file__) as handle:
            first = handle.readline()[:3]
        note = f"{value}-{sum(squares)}-{last}-{first}"
    total = 0
    for a, (b, c) in zip(items, [(1, 2), (3, 4)]):
        total += a * b + c
    else:
        total = -total
    n = 0
    while n < 3:
        n += 1
        if n == 2:
            total += 100
    else:
        total += 1000
    return later(), total


def test_python_semantics_are_kept():
    assert "if_stmt" in autograph.to_code(grab_bag)
    for x in (1, -1):
        assert autograph.convert(grab_bag)(x, [2, 3]) == grab_bag(x, [2, 3])
    assert grab_bag(1, [2, 3])[0] == '1-13-3-"""'


def test_tf_function_converts_automatically():
    @tf.function
    def f(x, n):
        total = tf.constant(0.0)
        for i in tf.range(n):
            if x > total:
                total = total + x
            else:
                total = total - 1.0
        return total
    assert float(f(tf.constant(2.0), tf.constant(5))) == 1.0
    assert float(f(tf.constant(2.0), tf.constant(6))) == 3.0
    graph = f.get_concrete_function(tf.constant(2.0), tf.constant(5)).graph
    assert op_types(graph) >= {"StatelessWhile", "StatelessCase"}


# ----------------------------------------------------------------- source and lines ----------

def test_to_code_shows_the_runtime_calls():
    code = autograph.to_code(two_vars)
    assert "ag__.if_stmt(" in code and "def if_body(y, z):" in code
    assert "ag__.while_stmt(" in autograph.to_code(halve_until_small)
    assert "ag__.for_stmt(" in autograph.to_code(range_sum)
    assert tf_autograph.to_code is autograph.to_code
    assert tf_autograph.to_graph is autograph.convert
    assert tf_autograph.experimental.do_not_convert is autograph.do_not_convert
    with pytest.raises(ValueError, match="source"):
        autograph.to_code(len)


def test_errors_in_a_converted_body_point_at_the_original_line():
    def failing(x):
        if x > 0:
            y = x
        else:
            y = -x
        if y > 1.0:
            y = [1.0][5]  # noqa: PLE0643 - the error under test
        return y
    with pytest.raises(IndexError) as info:
        autograph.convert(failing)(tf.constant(3.0))
    frame = traceback.extract_tb(info.tb)[-1]
    assert (frame.filename, frame.lineno) == (__file__, line_of(failing, "[1.0][5]"))
    assert frame.line.startswith("y = [1.0][5]")


def test_ops_built_in_a_branch_record_the_users_line():
    with tf.Graph().as_default() as graph:
        autograph.convert(two_vars)(tf1.placeholder(tf.float32, [3]))
        case = next(op for op in graph.get_operations() if op.type in CASE)
    true_branch = case.get_attr("branches")[1]
    mul = next(op for op in true_branch.graph.get_operations() if op.type == "Mul")
    assert mul.defined_at == f"{__file__}:{line_of(two_vars, 'y = x * 2.0')}"
