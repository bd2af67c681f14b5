"""tf.print, assertions, check_numerics, enable_check_numerics; symbolic bool/iter."""

import io

import numpy as np
import pytest

import twinflow as tf
from twinflow.compat import v1 as tf1


def printed(*args, **kwargs):
    stream = io.StringIO()
    tf.print(*args, output_stream=stream, **kwargs)
    return stream.getvalue()


def test_print_formats_like_tensorflow():
    assert printed(tf.constant(0.1234567), tf.constant(1.0), tf.constant(2.5, tf.float64)) \
        == "0.123456702 1 2.5\n"
    assert printed(tf.constant("hi"), tf.constant(["a", "b"]), "plain", tf.constant(True),
                   tf.constant([True, False])) == '"hi" ["a" "b"] plain 1 [1 0]\n'
    assert printed(tf.range(10)) == "[0 1 2 ... 7 8 9]\n"
    assert printed(tf.range(10), summarize=-1) == "[0 1 2 3 4 5 6 7 8 9]\n"
    assert printed(tf.reshape(tf.range(8), [2, 2, 2])) == \
        "[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]]\n"
    assert printed(tf.reshape(tf.range(24), [2, 3, 4]), summarize=1) == (
        "[[[0 ... 3]\n  ...\n  [8 ... 11]]\n\n [[12 ... 15]\n  ...\n  [20 ... 23]]]\n")
    assert printed("a", tf.constant([1, 2, 3, 4, 5, 6, 7]), {"k": tf.constant(1.5)}) == \
        "a [1 2 3 ... 5 6 7] {'k': 1.5}\n"
    assert printed(tf.constant(["x", "y"]), 3, [1, tf.constant(2)], sep="|", end="!\n") == \
        '["x" "y"]|3|[1, 2]!\n'
    assert printed(tf.constant([np.nan, np.inf, -np.inf])) == "[nan inf -inf]\n"


def test_print_defaults_to_stderr_and_writes_files(capsys, tmp_path):
    tf.print("to stderr", tf.constant(1))
    assert capsys.readouterr().err == "to stderr 1\n"
    target = tmp_path / "log.txt"
    tf.print(tf.constant([1, 2]), output_stream=f"file://{target}")
    tf.print("again", output_stream=f"file://{target}")
    assert target.read_text() == "[1 2]\nagain\n"
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unsupported output stream"):
        tf.print("x", output_stream="nowhere")


def test_print_in_a_graph_runs_when_reached_in_dependency_order():
    stream = io.StringIO()
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [2])
        first = tf.print("first", x, output_stream=stream)
        with tf.control_dependencies([first]):
            second = tf.print("second", x * 2, output_stream=stream)
        with tf.control_dependencies([second]):
            y = tf.identity(x + 1)
        assert stream.getvalue() == ""  # building prints nothing
        with tf1.Session() as sess:
            assert sess.run(y, {x: [1, 2]}).tolist() == [2, 3]
            sess.run(x + 1, {x: [1, 2]})  # no dependency: nothing printed
    assert stream.getvalue() == "first [1 2]\nsecond [2 4]\n"


@pytest.mark.parametrize("assertion, x, y, symbol", [
    (tf.debugging.assert_equal, [1, 2], [1, 3], "=="),
    (tf.debugging.assert_less, [1, 2], [1, 3], "<"),
    (tf.debugging.assert_greater_equal, [1, 2], [1, 3], ">="),
])
def test_comparison_assertions_both_modes(assertion, x, y, symbol):
    first = 1 if symbol in ("==", ">=") else 0
    message = (rf"Condition x {re_escape(symbol)} y did not hold element-wise:(.|\n)*"
               rf"first failing element: x\[{first}\] = {x[first]}, y\[{first}\] = "
               rf"{y[first]}")
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        assertion(tf.constant(x), tf.constant(y), message="check")
    assert assertion(tf.constant(x), tf.constant(x) + (0 if symbol != "<" else 1)) is None
    with tf.Graph().as_default():
        a = tf1.placeholder(tf.int32, [2], name="a")
        op = assertion(a, tf.constant(y), message="check")
        with tf.control_dependencies([op]):
            out = tf.identity(a)
        with tf1.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=r"assertion failed: \[check\] (.|\n)*x \(a:0\) = \] "
                                     r"(.|\n)*node .*Assert.* \(defined at .*test_debugging"):
                sess.run(out, {a: x})


def re_escape(text):
    import re
    return re.escape(text)


def test_sign_rank_type_and_shape_assertions():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Condition x > 0 did not hold(.|\n)*\[1 -2\](.|\n)*"
                             r"first failing element: x\[1\] = -2"):
        tf.debugging.assert_positive(tf.constant([1, -2]))
    assert tf.debugging.assert_non_negative(tf.constant([0.0, 3.0])) is None
    with pytest.raises(ValueError, match="must have rank 2.  Received rank 1"):
        tf.debugging.assert_rank(tf.zeros([3]), 2)
    with pytest.raises(TypeError, match="must be of type tf.float32; got tf.int32"):
        tf.debugging.assert_type(tf.constant(1), tf.float32)
    with pytest.raises(ValueError, match=r"Specified by tensor shape=\(2, 3\) dtype=float32 "
                                         r"dimension 0.  Tensor shape=\(3,\) dtype=float32 "
                                         r"dimension 0 must have size 2.  Received size 3"):
        tf.debugging.assert_shapes([(tf.zeros([2, 3]), ("N", "D")), (tf.zeros([3]), ("N",))])
    assert tf.debugging.assert_shapes([(tf.zeros([2, 3]), ("N", 3)),
                                       (tf.zeros([2]), ("N",))]) is None
    with tf.Graph().as_default():
        a = tf1.placeholder(tf.float32, [None, 3])
        b = tf1.placeholder(tf.float32, [None])
        check = tf.debugging.assert_shapes([(a, ("N", "D")), (b, ("N",))])
        with tf1.Session() as sess:
            sess.run(check, {a: np.zeros((2, 3)), b: np.zeros(2)})
            with pytest.raises(tf.errors.InvalidArgumentError, match="assert_shapes failed"):
                sess.run(check, {a: np.zeros((2, 3)), b: np.zeros(4)})


def test_assert_op_and_check_numerics():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"assertion failed: \[hi\] "
                                                             r"\[\[1 2\]\]"):
        tf.debugging.Assert(False, ["hi", tf.constant([1, 2])])
    with pytest.raises(ValueError, match="must be rank 0"):
        tf.debugging.Assert([True, False], ["x"])
    x = tf.constant([1.0, np.inf, np.nan])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"bad : Tensor had Inf and NaN values\n  first bad element: "
                             r"\[1\] = inf"):
        tf.debugging.check_numerics(x, "bad")
    ok = tf.constant([1.0, 2.0])
    assert tf.debugging.check_numerics(ok, "fine").numpy().tolist() == [1.0, 2.0]
    with tf.GradientTape() as tape:
        tape.watch(ok)
        y = tf.reduce_sum(tf.debugging.check_numerics(ok, "fine") * 3.0)
    assert tape.gradient(y, ok).numpy().tolist() == [3.0, 3.0]
    with pytest.raises(TypeError, match="DataType int32 not in list of allowed values"):
        tf.debugging.check_numerics(tf.constant([1]), "ints")
    with tf.Graph().as_default():
        p = tf1.placeholder(tf.float32, [])
        checked = tf.debugging.check_numerics(tf.math.log(p), "log of p")
        with tf1.Session() as sess:
            assert sess.run(checked, {p: 1.0}) == 0.0
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=r"log of p : Tensor had Inf values(.|\n)*"
                                     r"node CheckNumerics \(defined at .*test_debugging"):
                sess.run(checked, {p: 0.0})


def test_enable_check_numerics_names_the_op_and_keeps_tapes_working():
    x = tf.constant([0.0, 1.0])
    tf.debugging.enable_check_numerics()
    try:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Detected Infinity or NaN in output 0 of eagerly-executing "
                                 r"op \"Log\"(.|\n)*# of -Inf elements: 1(.|\n)*at: .*"
                                 r"test_debugging.py"):
            tf.math.log(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(x * x)
        assert tape.gradient(y, x).numpy().tolist() == [0.0, 2.0]
    finally:
        tf.debugging.disable_check_numerics()
    assert np.isneginf(tf.math.log(x).numpy()[0])  # off again


def test_symbolic_tensor_as_bool_or_iterated_explains_the_fixes():
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [2], name="x")
        with pytest.raises(tf.errors.OperatorNotAllowedInGraphError,
                           match=r"Using a symbolic `tf.Tensor` as a Python `bool` is not "
                                 r"allowed(.|\n)*'Greater:0', built at .*test_debugging.py"
                                 r"(.|\n)*"
                                 r"tf.cond / tf.where(.|\n)*tf.function"):
            if x[0] > 0:
                pass
        with pytest.raises(TypeError, match=r"Iterating over a symbolic `tf.Tensor` is not "
                                            r"allowed(.|\n)*tf.function"):
            for _ in x:
                pass


def test_tf1_names():
    assert tf1.assert_equal is tf.debugging.assert_equal
    assert tf1.check_numerics is tf.debugging.check_numerics
    assert tf.Assert is tf.debugging.Assert
