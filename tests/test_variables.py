"""tf.Variable (eager) and tf.Module."""

import numpy as np
import pytest

import twinflow as tf


def test_variable_holds_and_updates_its_value():
    v = tf.Variable([1.0, 2.0], name="w")
    assert v.name == "w:0" and v.dtype == tf.float32 and v.shape == (2,)
    assert v.trainable
    v.assign([5.0, 6.0])
    v.assign_add([1.0, 1.0])
    v.assign_sub([0.5, 0.5])
    np.testing.assert_array_equal(v.numpy(), [5.5, 6.5])


def test_reads_taken_before_an_assign_keep_their_values():
    v = tf.Variable([1.0, 2.0])
    before = v.read_value()
    v.assign([9.0, 9.0])
    np.testing.assert_array_equal(before.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(v.numpy(), [9.0, 9.0])


def test_numpy_returns_a_copy_that_cannot_change_the_variable():
    v = tf.Variable([1.0, 2.0])
    arr = v.numpy()
    arr[0] = 100.0
    assert v.numpy()[0] == 1.0


def test_variable_operators_read_the_current_value():
    v = tf.Variable(3.0)
    assert (v * 2.0).numpy() == 6.0
    assert (2.0 - v).numpy() == -1.0
    v.assign(4.0)
    assert float(v + 1.0) == 5.0


def test_callable_initial_value_and_dtype_conversion():
    v = tf.Variable(lambda: [1, 2, 3], dtype=tf.float64)
    assert v.dtype == tf.float64
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0, 3.0])


def test_assign_wrong_shape_or_dtype_raises():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="shape"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Tensor conversion requested dtype float32"):
        v.assign(tf.constant([1, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="shapes must be equal"):
        v.assign_add([1.0])


def test_unknown_shape_variable_may_change_shape():
    v = tf.Variable([1.0], shape=tf.TensorShape(None))
    v.assign([1.0, 2.0, 3.0])
    assert v.numpy().shape == (3,)


def test_sliced_assign_writes_only_the_slice():
    v = tf.Variable(np.zeros((3, 4), np.float32))
    v[1].assign([1.0, 2.0, 3.0, 4.0])
    v[:, 0].assign(7.0)
    expected = np.zeros((3, 4), np.float32)
    expected[1] = [1, 2, 3, 4]
    expected[:, 0] = 7
    np.testing.assert_array_equal(v.numpy(), expected)
    np.testing.assert_array_equal(v[1, 1:3].numpy(), [2.0, 3.0])


def test_scatter_nd_update():
    v = tf.Variable([1, 2, 3, 4, 5, 6, 7, 8])
    v.scatter_nd_update([[4], [3], [1], [7]], [9, 10, 11, 12])
    np.testing.assert_array_equal(v.numpy(), [1, 11, 3, 10, 9, 6, 7, 12])
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not index into shape"):
        v.scatter_nd_update([[8]], [1])


def test_variable_is_unhashable_but_ref_is():
    v = tf.Variable(1.0)
    with pytest.raises(TypeError, match="Variable is unhashable"):
        hash(v)
    assert {v.ref(): 1}[v.ref()] == 1


def test_variable_requires_initial_value():
    with pytest.raises(ValueError, match="initial_value"):
        tf.Variable()


def test_variable_repr_is_tensorflows():
    v = tf.Variable([1.0, 2.0], name="w")
    assert repr(v) == ("<tf.Variable 'w:0' shape=(2,) dtype=float32, "
                       "numpy=array([1., 2.], dtype=float32)>")


class Dense(tf.Module):
    def __init__(self, n_in, n_out, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.ones([n_in, n_out]), name="w")
        self.b = tf.Variable(tf.zeros([n_out]), name="b")
        self.steps = tf.Variable(0, trainable=False, name="steps")

    def __call__(self, x):
        return tf.matmul(x, self.w) + self.b


class MLP(tf.Module):
    def __init__(self):
        super().__init__()
        self.layers = [Dense(2, 3), Dense(3, 1)]


def test_module_finds_variables_and_submodules_through_lists():
    model = MLP()
    assert model.name == "mlp"
    assert len(model.variables) == 6
    assert len(model.trainable_variables) == 4
    assert [v.name for v in model.trainable_variables] == ["b:0", "w:0", "b:0", "w:0"]
    assert len(model.submodules) == 2
    assert all(isinstance(m, Dense) for m in model.submodules)


def test_module_trains_with_a_tape():
    layer = Dense(2, 1)
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x))
    grads = tape.gradient(loss, layer.trainable_variables)
    np.testing.assert_array_equal(grads[0].numpy(), [1.0])          # b
    np.testing.assert_array_equal(grads[1].numpy(), [[1.0], [2.0]])  # w


def test_module_name_must_be_an_identifier():
    with pytest.raises(ValueError, match="not a valid module name"):
        tf.Module(name="not valid")
