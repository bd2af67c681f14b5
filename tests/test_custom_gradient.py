"""tf.custom_gradient: the user's gradient replaces the automatic one, eagerly, in a TF1
graph and in a tf.function, with inputs, several outputs, variables and higher orders."""

import numpy as np
import pytest

import twinflow as tf
from twinflow.compat import v1 as tf1


@tf.custom_gradient
def log1pexp(x):
    e = tf.exp(x)

    def grad(upstream):
        return upstream * (1 - 1 / (1 + e))
    return tf.math.log(1 + e), grad


def _eager_grad(fn, *xs):
    xs = [tf.constant(x) for x in xs]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = fn(*xs)
    return tape.gradient(y, xs)


def _graph_grad(fn, *xs):
    with tf.Graph().as_default():
        holders = [tf1.placeholder(tf.float32, np.shape(x)) for x in xs]
        grads = tf.gradients(fn(*holders), holders)
        with tf1.Session() as sess:
            return sess.run(grads, dict(zip(holders, xs)))


def _function_grad(fn, *xs):
    @tf.function
    def step(*args):
        with tf.GradientTape() as tape:
            tape.watch(list(args))
            y = fn(*args)
        return tape.gradient(y, list(args))
    return step(*[tf.constant(x) for x in xs])


def test_the_stable_gradient_is_used_in_every_mode():
    x = np.float32(100.0)
    # the automatic gradient of log(1 + exp(x)) is inf / inf = nan here; ours is 1
    assert np.isnan(_eager_grad(lambda t: tf.math.log(1 + tf.exp(t)), x)[0].numpy())
    for grads in (_eager_grad(log1pexp, x), _graph_grad(log1pexp, x),
                  _function_grad(log1pexp, x)):
        assert float(np.asarray(grads[0])) == 1.0


def test_matches_finite_differences_and_is_identical_across_modes():
    x = np.array([-1.5, 0.25, 2.0], np.float64)
    eager = _eager_grad(log1pexp, x)[0].numpy()
    eps = 1e-6
    numeric = (np.log1p(np.exp(x + eps)) - np.log1p(np.exp(x - eps))) / (2 * eps)
    np.testing.assert_allclose(eager, numeric, rtol=1e-7)
    x32 = x.astype(np.float32)
    eager32 = _eager_grad(log1pexp, x32)[0].numpy()
    np.testing.assert_array_equal(eager32, _graph_grad(log1pexp, x32)[0])
    np.testing.assert_array_equal(eager32, _function_grad(log1pexp, x32)[0].numpy())


@tf.custom_gradient
def product_and_sum(x, y):
    def grad(dz1, dz2):
        return dz1 * y + dz2, dz1 * x + dz2
    return (x * y, x + y), grad


def test_several_inputs_and_outputs():
    def loss(x, y):
        p, s = product_and_sum(x, y)
        return tf.reduce_sum(p * 2.0 + s * 3.0)
    x = np.array([1.0, 2.0], np.float32)
    y = np.array([5.0, -1.0], np.float32)
    eager = [g.numpy() for g in _eager_grad(loss, x, y)]
    np.testing.assert_allclose(eager[0], 2 * y + 3)
    np.testing.assert_allclose(eager[1], 2 * x + 3)
    for other in (_graph_grad(loss, x, y), [g.numpy() for g in _function_grad(loss, x, y)]):
        for a, b in zip(eager, other):
            np.testing.assert_array_equal(a, b)


def test_grad_fn_alone_decides_nothing_flows_through_the_forward_ops():
    @tf.custom_gradient
    def doubled_gradient(x):
        return tf.sin(x), lambda dy: 2.0 * dy
    assert _eager_grad(doubled_gradient, np.float32(0.3))[0].numpy() == 2.0
    assert _graph_grad(doubled_gradient, np.float32(0.3))[0] == 2.0


def test_none_for_an_input_means_no_gradient():
    @tf.custom_gradient
    def first_only(x, y):
        return x * y, lambda dz: (dz * y, None)
    gx, gy = _eager_grad(first_only, np.float32(2.0), np.float32(3.0))
    assert gx.numpy() == 3.0 and gy is None


def test_variables_read_inside_get_their_gradient():
    w = tf.Variable([2.0, 3.0])

    @tf.custom_gradient
    def scale(x):
        def grad(dy, variables=None):
            assert [v.name for v in variables] == [w.name]
            return dy * w, [dy * x * 10.0]   # a deliberately scaled variable gradient
        return x * w, grad
    x = tf.constant([1.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(scale(x))
    gx, gw = tape.gradient(loss, [x, w])
    assert gx.numpy().tolist() == [2.0, 3.0] and gw.numpy().tolist() == [10.0, 40.0]
    with tf.Graph().as_default():
        v = tf1.Variable([2.0, 3.0], name="v")

        @tf.custom_gradient
        def scale_v(x):
            return x * v, lambda dy, variables: (dy * v, [dy * x * 10.0])
        holder = tf1.placeholder(tf.float32, [2])
        grads = tf.gradients(tf.reduce_sum(scale_v(holder)), [holder, v])
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            got = sess.run(grads, {holder: [1.0, 4.0]})
    assert got[0].tolist() == [2.0, 3.0] and got[1].tolist() == [10.0, 40.0]


def test_second_derivative_through_a_custom_gradient():
    @tf.custom_gradient
    def cube(x):
        return x * x * x, lambda dy: dy * 3.0 * x * x
    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = cube(x)
        dy = inner.gradient(y, x)
    assert dy.numpy() == 12.0 and outer.gradient(dy, x).numpy() == 12.0  # 6x


def test_errors_name_the_fix():
    w = tf.Variable(1.0)

    @tf.custom_gradient
    def uses_variable(x):
        return x * w, lambda dy: dy
    with pytest.raises(TypeError, match="grad_fn must accept a keyword argument 'variables'"):
        uses_variable(tf.constant(1.0))

    @tf.custom_gradient
    def no_pair(x):
        return x
    with pytest.raises(ValueError, match="must return a pair"):
        no_pair(tf.constant(1.0))

    @tf.custom_gradient
    def too_many(x):
        return x * 2.0, lambda dy: (dy, dy)
    with pytest.raises(ValueError, match="expected to return 1 gradients, but returned 2"):
        _eager_grad(too_many, np.float32(1.0))

    @tf.custom_gradient
    def wrong_shape(x):
        return tf.reduce_sum(x), lambda dy: tf.ones([3])
    for run in (_eager_grad, _graph_grad):
        with pytest.raises(tf.errors.InternalError,
                           match=r"Gradient of CustomGradient input 1 has shape \[3\], which "
                                 r"cannot be summed back to the input's shape \[2\]"):
            run(wrong_shape, np.ones(2, np.float32))

    @tf.custom_gradient
    def with_kwargs(x, scale=1.0):
        return x * scale, lambda dy: dy * scale
    assert with_kwargs(tf.constant(2.0), scale=3.0).numpy() == 6.0  # eagerly: allowed
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="keywords arguments only when eager"):
            with_kwargs(tf.constant(2.0), scale=3.0)
