"""tf.compat.v1.variable_scope and get_variable: names, reuse, initializers, collections.

The expected names, values and messages were checked against TensorFlow 2.21's
tf.compat.v1 with eager execution disabled (and, for the eager tests, enabled).
"""

import numpy as np
import pytest

import twinflow as tf
from engine import initializers

tf1 = tf.compat.v1




def ones(shape, dtype=None, partition_info=None):
    """A TF1-style initializer: called with the full shape and the dtype."""
    return tf.ones(shape, dtype)


def filled(value):
    return lambda shape, dtype=None: tf.fill(shape, tf.cast(value, dtype))


def run(*fetches):
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        return sess.run(list(fetches))


# -- names -------------------------------------------------------------------------------
def test_root_scope(graph_mode):
    root = tf1.get_variable_scope()
    assert isinstance(root, tf1.VariableScope)
    assert (root.name, root.original_name_scope, root.reuse) == ("", "", False)
    assert root.dtype == tf.float32 and root.initializer is None
    v = tf1.get_variable("v", [2], initializer=ones)
    assert v.name == "v:0" and v.handle.op.name == "v"


def test_names_join_with_slash_and_ops_get_the_name_scope(graph_mode):
    with tf1.variable_scope("foo") as scope:
        assert (scope.name, scope.original_name_scope, scope.reuse) == ("foo", "foo/", False)
        assert tf1.get_variable_scope() is scope
        with tf1.variable_scope("bar") as inner:
            assert (inner.name, inner.original_name_scope) == ("foo/bar", "foo/bar/")
            v = tf1.get_variable("v", [1], initializer=ones)
            c = tf.constant(1.0, name="c")
    assert tf1.get_variable_scope().name == ""
    assert v.name == "foo/bar/v:0" and c.name == "foo/bar/c:0"
    assert isinstance(v, tf.Variable) and v.shape == (1,) and v.dtype == tf.float32
    ops = [op.name for op in graph_mode.get_operations()]
    assert "foo/bar/v" in ops and "foo/bar/v/Assign" in ops
    assert any(op.startswith("foo/bar/v/Initializer/") for op in ops)  # as TF names them


def test_reopening_a_scope_opens_a_new_name_scope_but_keeps_variable_names(graph_mode):
    with tf1.variable_scope("foo"):
        v = tf1.get_variable("v", [2], initializer=ones)
        assert tf.constant(0.0, name="c").name == "foo/c:0"
    with tf1.variable_scope("foo") as again:
        assert (again.name, again.original_name_scope) == ("foo", "foo_1/")
        assert tf.constant(0.0, name="c").name == "foo_1/c:0"
    with tf1.variable_scope("foo", reuse=True):
        assert tf1.get_variable("v") is v
        assert tf.add(v, 1.0, name="add").name == "foo_2/add:0"


def test_name_scope_does_not_prefix_variables(graph_mode):
    with tf1.name_scope("ns"):
        v = tf1.get_variable("v", [1], initializer=ones)
        with tf1.variable_scope("vs") as scope:
            w = tf1.get_variable("w", [1], initializer=ones)
            c = tf.constant(1.0)
    assert (v.name, w.name, c.name) == ("v:0", "vs/w:0", "ns/vs/Const:0")
    assert scope.original_name_scope == "ns/vs/"


def test_reentering_a_scope_object_uses_its_absolute_name(graph_mode):
    with tf1.variable_scope("shared") as shared:
        pass
    with tf1.variable_scope("outer"):
        with tf1.variable_scope(shared) as scope:
            assert (scope.name, scope.original_name_scope) == ("shared", "shared/")
            v = tf1.get_variable("v", [1], initializer=ones)
            c = tf.constant(1.0)
            with tf1.variable_scope("x") as x:
                assert (x.name, x.original_name_scope) == ("shared/x", "outer/shared/x/")
        assert tf1.get_variable_scope().name == "outer"
    assert v.name == "shared/v:0" and c.name == "outer/shared/Const:0"


def test_default_name_is_made_unique(graph_mode):
    with tf1.variable_scope(None, default_name="dense") as a:
        pass
    with tf1.variable_scope(None, default_name="dense") as b:
        v = tf1.get_variable("kernel", [1], initializer=ones)
    assert (a.name, a.original_name_scope) == ("dense", "dense/")
    assert (b.name, b.original_name_scope) == ("dense_1", "dense_1/")
    assert v.name == "dense_1/kernel:0"
    with tf1.variable_scope("p"):
        with tf1.variable_scope(None, default_name="layer") as s1:
            pass
        with tf1.variable_scope(None, default_name="layer") as s2:
            pass
    with tf1.variable_scope("p"):  # counts under "p" restart when "p" closes
        with tf1.variable_scope(None, default_name="layer") as s3:
            pass
    assert (s1.name, s2.name, s3.name) == ("p/layer", "p/layer_1", "p/layer")
    assert s3.original_name_scope == "p_1/layer/"


def test_auxiliary_name_scope_false_keeps_the_current_name_scope(graph_mode):
    with tf1.variable_scope("aux", auxiliary_name_scope=False) as scope:
        c = tf.constant(1.0)
        v = tf1.get_variable("v", [1], initializer=ones)
    assert (scope.name, scope.original_name_scope) == ("aux", "")
    assert c.name == "Const:0" and v.name == "aux/v:0"


def test_the_same_context_manager_entered_twice(graph_mode):
    cm = tf1.variable_scope("cm")
    with cm as first:
        pass
    with cm as second:
        c = tf.constant(0.0)
    assert (first.name, second.name, second.original_name_scope) == ("cm", "cm", "cm/")
    assert c.name == "cm_1/Const:0"


# -- reuse -------------------------------------------------------------------------------
def test_creating_twice_without_reuse_raises(graph_mode):
    with tf1.variable_scope("foo"):
        tf1.get_variable("v", [2], initializer=ones)
    with tf1.variable_scope("foo"), pytest.raises(ValueError) as info:
        tf1.get_variable("v", [2], initializer=ones)
    assert str(info.value) == ("Variable foo/v already exists, disallowed. Did you mean to "
                               "set reuse=True or reuse=tf.AUTO_REUSE in VarScope?")


def test_reuse_true_returns_the_variable_and_is_inherited(graph_mode):
    with tf1.variable_scope("foo"):
        v = tf1.get_variable("v", [2], initializer=ones)
        with tf1.variable_scope("in"):
            w = tf1.get_variable("w", [], initializer=ones)
    with tf1.variable_scope("foo", reuse=True) as scope:
        assert scope.reuse is True
        assert tf1.get_variable("v", [2]) is v
        assert tf1.get_variable("v") is v  # no shape: whatever it was
        with tf1.variable_scope("in", reuse=False) as inner:  # False means "inherit"
            assert inner.reuse is True
            assert tf1.get_variable("w") is w
    assert len(tf1.global_variables()) == 2


def test_reuse_true_of_a_missing_variable_raises(graph_mode):
    with tf1.variable_scope("foo", reuse=True), pytest.raises(ValueError) as info:
        tf1.get_variable("v", [2])
    assert str(info.value) == ("Variable foo/v does not exist, or was not created with "
                               "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in "
                               "VarScope?")


def test_a_plain_variable_is_not_found_by_get_variable(graph_mode):
    tf.Variable(1.0, name="plain")
    with tf1.variable_scope("", reuse=True):
        with pytest.raises(ValueError, match="Variable plain does not exist"):
            tf1.get_variable("plain")


def test_sharing_checks_shape_and_dtype(graph_mode):
    with tf1.variable_scope("foo"):
        tf1.get_variable("v", [2], initializer=ones)
    with tf1.variable_scope("foo", reuse=True):
        with pytest.raises(ValueError) as info:
            tf1.get_variable("v", [3])
        assert str(info.value) == ("Trying to share variable foo/v, but specified shape (3,) "
                                   "and found shape (2,).")
        with pytest.raises(ValueError) as info:
            tf1.get_variable("v", [2], dtype=tf.float64)
        assert str(info.value) == ("Trying to share variable foo/v, but specified dtype "
                                   "float64 and found dtype float32.")
        assert tf1.get_variable("v", [None]).shape == (2,)  # compatible shapes are fine


def test_reuse_variables_switches_an_open_scope_to_reuse(graph_mode):
    with tf1.variable_scope("re") as scope:
        a = tf1.get_variable("a", [1], initializer=ones)
        scope.reuse_variables()
        assert scope.reuse is True and tf1.get_variable("a", [1]) is a


def test_auto_reuse_creates_once_then_returns_it(graph_mode):
    def layer(x):
        with tf1.variable_scope("layer", reuse=tf1.AUTO_REUSE):
            w = tf1.get_variable("w", [2], initializer=filled(3.0))
            return x * w
    y1, y2 = layer(tf.constant([1.0, 2.0])), layer(tf.constant([10.0, 20.0]))
    assert [v.name for v in tf1.global_variables()] == ["layer/w:0"]
    out1, out2 = run(y1, y2)
    np.testing.assert_array_equal(out1, [3.0, 6.0])
    np.testing.assert_array_equal(out2, [30.0, 60.0])
    with tf1.variable_scope("layer", reuse=tf1.AUTO_REUSE) as scope:
        assert scope.reuse is tf1.AUTO_REUSE
        with tf1.variable_scope("in", reuse=False) as inner:
            assert inner.reuse is tf1.AUTO_REUSE
        with pytest.raises(ValueError, match=r"specified shape \(3,\) and found shape \(2,\)"):
            tf1.get_variable("w", [3])
    assert repr(tf1.AUTO_REUSE) == "<_ReuseMode.AUTO_REUSE: 1>"


def test_reentered_scope_object_takes_reuse_from_the_object_or_argument(graph_mode):
    with tf1.variable_scope("s") as s:
        v = tf1.get_variable("v", [1], initializer=ones)
    with tf1.variable_scope(s, reuse=True) as again:
        assert again.reuse is True and tf1.get_variable("v") is v
    with tf1.variable_scope(s) as again:
        assert again.reuse is False
        with pytest.raises(ValueError, match="already exists"):
            tf1.get_variable("v", [1])


def test_bad_arguments(graph_mode):
    with pytest.raises(ValueError, match="^The reuse parameter must be True or False or None"):
        tf1.variable_scope("x", reuse="yes")
    with pytest.raises(TypeError, match="^If default_name is None then name_or_scope is"):
        tf1.variable_scope(None)
    with pytest.raises(ValueError, match="^reuse=True cannot be used without a name_or_sc"):
        with tf1.variable_scope(None, default_name="d", reuse=True):
            pass
    with pytest.raises(TypeError, match="^VariableScope: name_or_scope must be a string or"):
        with tf1.variable_scope(3):
            pass
    assert tf1.get_variable_scope().name == ""  # a failed enter leaves no scope open


# -- initializers and dtypes -------------------------------------------------------------
def test_default_initializers_glorot_uniform_for_floats_zeros_for_ints(graph_mode):
    w = tf1.get_variable("w", [30, 20])
    n = tf1.get_variable("n", [3], dtype=tf.int32)
    b = tf1.get_variable("b", [2], dtype=tf.bool)
    assert (w.dtype, n.dtype, b.dtype) == (tf.float32, tf.int32, tf.bool)
    w_val, n_val, b_val = run(w, n, b)
    limit = np.sqrt(6.0 / (30 + 20))
    assert w_val.dtype == np.float32 and w_val.shape == (30, 20)
    assert np.all(np.abs(w_val) <= limit) and w_val.std() > limit / 4
    assert n_val.tolist() == [0, 0, 0] and b_val.tolist() == [False, False]
    with pytest.raises(ValueError) as info:
        tf1.get_variable("z", [3], dtype=tf.complex64)
    assert str(info.value) == ("An initializer for variable z of <dtype: 'complex64'> is "
                               "required")


def test_a_shape_is_needed_without_an_initializer(graph_mode):
    with pytest.raises(ValueError) as info:
        tf1.get_variable("z")
    assert str(info.value) == ("Variable z did not get an initializer, so its `shape` "
                               "argument must be specified.")


def test_scope_initializer_and_dtype_are_inherited_and_overridden(graph_mode):
    with tf1.variable_scope("init", initializer=filled(3.0)) as scope:
        assert scope.initializer is not None
        with tf1.variable_scope("deeper", dtype=tf.float64) as deeper:
            a = tf1.get_variable("a", [2])
        with tf1.variable_scope("over", initializer=filled(-1.0)):
            b = tf1.get_variable("b", [2])
        c = tf1.get_variable("c", [2], initializer=filled(7.0))  # the argument wins
    assert deeper.initializer is scope.initializer and deeper.dtype == tf.float64
    assert (a.name, a.dtype) == ("init/deeper/a:0", tf.float64)
    a_val, b_val, c_val = run(a, b, c)
    assert a_val.dtype == np.float64 and a_val.tolist() == [3.0, 3.0]
    assert b_val.tolist() == [-1.0, -1.0] and c_val.tolist() == [7.0, 7.0]


def test_initializer_forms(graph_mode):
    class Twos:
        def __call__(self, shape, dtype=None, partition_info=None):
            return tf.fill(shape, tf.constant(2, dtype))

    k1 = tf1.get_variable("k1", [2], initializer=Twos)          # a class: instantiated
    k2 = tf1.get_variable("k2", [2], dtype=tf.int32, initializer=Twos())
    k3 = tf1.get_variable("k3", initializer=lambda: [1.0, 2.0])  # no arguments, no shape
    k4 = tf1.get_variable("k4", initializer=tf.constant([[1.0], [2.0]]))  # a tensor
    k5 = tf1.get_variable("k5", initializer=[1, 2])  # a value: its own dtype
    assert (k4.shape, k5.dtype, k5.shape) == ((2, 1), tf.int32, (2,))
    v1, v2, v3, v4, v5 = run(k1, k2, k3, k4, k5)
    assert v1.tolist() == [2.0, 2.0] and v2.dtype == np.int32 and v2.tolist() == [2, 2]
    assert v3.tolist() == [1.0, 2.0] and v4.tolist() == [[1.0], [2.0]]
    assert v5.tolist() == [1, 2]


def test_tf1_and_tf2_initializer_objects(graph_mode):
    with tf1.variable_scope("s", initializer=initializers.constant_initializer(0.25)):
        a = tf1.get_variable("a", [2])  # a TF1 object: called with partition_info too
        b = tf1.get_variable("b", [2], dtype=tf.float64)
        n = tf1.get_variable("n", [2], dtype=tf.int32,
                             initializer=initializers.zeros_initializer())
        g = tf1.get_variable("g", [4, 6], initializer=initializers.GlorotUniform(seed=1))
    a_val, b_val, n_val, g_val = run(a, b, n, g)
    assert a_val.tolist() == [0.25, 0.25] and b_val.dtype == np.float64
    assert n_val.tolist() == [0, 0] and g_val.shape == (4, 6)
    assert np.all(np.abs(g_val) <= np.sqrt(6.0 / 10.0))


def test_initializer_errors(graph_mode):
    with pytest.raises(ValueError, match="^If initializer is a constant, do not specify shape"):
        tf1.get_variable("c", shape=[2], initializer=tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError) as info:
        tf1.get_variable("i", initializer=[1, 2], dtype=tf.float32)
    assert str(info.value) == ("Initializer type '<dtype: 'int32'>' and explicit dtype "
                               "'<dtype: 'float32'>' don't match.")
    with pytest.raises(ValueError, match="^The initializer passed is not valid"):
        tf1.get_variable("u", [None, 2], initializer=ones)
    assert tf1.global_variables() == []


# -- collections, regularizers, sessions ------------------------------------------------
def test_collections_and_trainable(graph_mode):
    with tf1.variable_scope("net"):
        w = tf1.get_variable("w", [2], initializer=ones)
        step = tf1.get_variable("step", [], dtype=tf.int32, trainable=False)
        local = tf1.get_variable("local", [], initializer=ones, trainable=False,
                                 collections=[tf1.GraphKeys.LOCAL_VARIABLES])
    with tf1.variable_scope("other"):
        x = tf1.get_variable("x", [1], initializer=ones)
    assert tf1.global_variables() == [w, step, x]
    assert tf1.trainable_variables() == [w, x]
    assert tf1.local_variables() == [local]
    with tf1.variable_scope("net") as net:
        assert net.global_variables() == [w, step] and net.trainable_variables() == [w]
        assert net.local_variables() == [local]
    assert tf1.get_collection(tf1.GraphKeys.GLOBAL_VARIABLES, scope="other") == [x]


def test_regularizer_losses_are_collected(graph_mode):
    with tf1.variable_scope("reg", regularizer=lambda v: 0.5 * tf.reduce_sum(v)):
        w = tf1.get_variable("w", [3], initializer=filled(2.0))
        tf1.get_variable("none", [1], initializer=ones, regularizer=lambda v: None)
    losses = tf1.get_collection(tf1.GraphKeys.REGULARIZATION_LOSSES)
    assert len(losses) == 1 and losses[0].name.startswith("reg/w/Regularizer/")
    w_val, loss = run(w, losses[0])
    assert w_val.tolist() == [2.0, 2.0, 2.0] and loss == 3.0


def test_custom_getter_wraps_creation(graph_mode):
    seen = []

    def suffix(getter, name, *args, **kwargs):  # TF passes the real getter as `getter=`
        seen.append(name)
        return getter(name + "_x", *args, **kwargs)

    def scale(getter, *args, **kwargs):
        return 2.0 * getter(*args, **kwargs)

    with tf1.variable_scope("g", custom_getter=suffix):
        v = tf1.get_variable("v", [1], initializer=ones)
        with tf1.variable_scope("in", custom_getter=scale):  # wraps the outer getter
            doubled = tf1.get_variable("w", [1], initializer=ones)
    assert seen == ["g/v", "g/in/w"] and v.name == "g/v_x:0"
    assert [x.name for x in tf1.global_variables()] == ["g/v_x:0", "g/in/w_x:0"]
    assert run(doubled)[0].tolist() == [2.0]


def test_session_initializes_and_trains_shared_variables(graph_mode):
    x = tf1.placeholder(tf.float32, [None, 2], name="x")

    def dense(inputs):
        with tf1.variable_scope("dense", reuse=tf1.AUTO_REUSE):
            w = tf1.get_variable("w", [2, 1], initializer=filled(0.5))
            b = tf1.get_variable("b", [1], initializer=filled(0.0))
            return tf.matmul(inputs, w) + b
    y_a, y_b = dense(x), dense(2.0 * x)
    w, b = tf1.global_variables()
    assert (w.name, b.name) == ("dense/w:0", "dense/b:0")
    with tf1.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="dense/[wb]"):
            sess.run(y_a, {x: [[1.0, 1.0]]})
        sess.run(tf1.global_variables_initializer())
        a, b = sess.run([y_a, y_b], {x: [[1.0, 3.0]]})
        assert a.tolist() == [[2.0]] and b.tolist() == [[4.0]]
        sess.run(w.assign([[1.0], [1.0]]))
        assert sess.run(y_a, {x: [[1.0, 3.0]]}).tolist() == [[4.0]]


def test_store_is_per_graph(graph_mode):
    v = tf1.get_variable("v", [1], initializer=ones)
    other = tf1.Graph()
    with other.as_default():
        assert tf1.get_variable_scope().name == ""
        w = tf1.get_variable("v", [1], initializer=ones)  # no clash: a new store
        with tf1.variable_scope("s"):
            pass
    assert w is not v and w.name == "v:0"
    with tf1.variable_scope(None, default_name="s") as s:
        assert s.name == "s"  # "s" was opened in the other graph only


# -- eager -------------------------------------------------------------------------------
def test_eager_get_variable_creates_a_new_variable_each_call():
    tf1.reset_default_graph()
    try:
        assert tf1.executing_eagerly()
        with tf1.variable_scope("foo") as scope:
            assert (scope.name, scope.original_name_scope) == ("foo", "foo/")
            assert scope.reuse is tf1.AUTO_REUSE  # TF2 forces it eagerly
            a = tf1.get_variable("v", [2], initializer=filled(4.0))
            b = tf1.get_variable("v", [2], initializer=ones)
            with tf1.variable_scope("in") as inner:
                assert (inner.name, inner.original_name_scope) == ("foo/in", "foo/in/")
        with tf1.variable_scope("foo", reuse=True):
            c = tf1.get_variable("new", [3])  # reuse is ignored eagerly
        assert a is not b and a.name == b.name == "foo/v:0" and c.name == "foo/new:0"
        np.testing.assert_array_equal(a.numpy(), [4.0, 4.0])
        np.testing.assert_array_equal(b.numpy(), [1.0, 1.0])
        assert c.shape == (3,) and np.all(np.abs(c.numpy()) <= np.sqrt(6.0 / 6.0))
        with tf1.variable_scope(None, default_name="d") as d1:
            pass
        with tf1.variable_scope(None, default_name="d") as d2:
            pass
        assert (d1.name, d2.name) == ("d", "d_1")
        assert tf1.global_variables() == []  # eager variables are in no collection
    finally:
        tf1.reset_default_graph()
