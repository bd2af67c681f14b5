"""Training ops (ResourceApply*) and row scatters: numbers, dtypes, errors, no in-place writes.

Known values marked "TF 2.21" were produced by tf.raw_ops.ResourceApply* on the same
float32 inputs on CPU; twinflow matches them bit for bit. The numpy references below
restate TensorFlow's formulas (training_ops.cc) in the same order of float32 operations.
"""

import numpy as np
import pytest

import twinflow as tf
from engine.ops import training

f32 = np.float32
tf1 = tf.compat.v1

VAR0 = np.array([[0.5, -1.25, 2.0], [0.1, -0.3, 0.7]], f32)
GRADS = [np.array([[0.2, -0.4, 1.5], [-0.05, 0.3, 0.0]], f32),
         np.array([[-0.1, 0.25, 1.0], [0.6, -0.7, 0.01]], f32),
         np.array([[0.3, 0.3, -2.0], [0.0, 0.5, -0.02]], f32)]


def var(value, dtype=np.float32):
    return tf.Variable(np.array(value, dtype))


def zeros():
    return var(np.zeros((2, 3)))


def assert_state(variables, expected):
    """Each variable holds exactly `expected` (float32, bit for bit)."""
    for v, want in zip(variables, expected):
        got = v.numpy()
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, np.array(want, np.float32))


# ---------------------------------------------------------------- TF 2.21 known values ---
# [var, *slots] after the three GRADS steps.
TF_GD = [[[0.4599999785423279, -1.2649999856948853, 1.9500000476837158],
          [0.04500000178813934, -0.3100000321865082, 0.7009999752044678]]]
TF_MOMENTUM = {
    False: [[[0.43479999899864197, -1.219099998474121, 1.6035000085830688],
             [-0.0004499964416027069, -0.29829999804496765, 0.7001000046730042]],
            [[0.3720000088214874, 0.20100003480911255, 0.11499977111816406],
             [0.49950000643730164, 0.11300003528594971, -0.010999999940395355]]],
    True: [[[0.4013199806213379, -1.2371900081634521, 1.5931501388549805],
            [-0.04540500044822693, -0.3084700405597687, 0.7010899782180786]],
           [[0.3720000088214874, 0.20100003480911255, 0.11499977111816406],
            [0.49950000643730164, 0.11300003528594971, -0.010999999940395355]]]}
TF_KERAS_MOMENTUM = {
    False: [[[0.43479999899864197, -1.219099998474121, 1.6035000085830688],
             [-0.0004499964416027069, -0.29829999804496765, 0.7001000046730042]],
            [[-0.03720000013709068, -0.020099999383091927, -0.011500000953674316],
             [-0.049949999898672104, -0.01130000501871109, 0.0010999999940395355]]],
    True: [[[0.4013199806213379, -1.2371900081634521, 1.5931499004364014],
            [-0.04540500044822693, -0.3084700405597687, 0.7010899782180786]],
           [[-0.03720000013709068, -0.020099999383091927, -0.011500000953674316],
            [-0.049949999898672104, -0.01130000501871109, 0.0010999999940395355]]]}
_TF_ADAM_M = [[0.03720000758767128, 0.020100006833672523, 0.011499971151351929],
              [0.049950011074543, 0.011299997568130493, -0.0011000002268701792]]
_TF_ADAM_V = [[0.00013990825391374528, 0.00031211363966576755, 0.007244409061968327],
              [0.0003621303476393223, 0.0008293193532153964, 4.998935310140951e-07]]
TF_ADAM = {
    False: [[[0.4809837341308594, -1.2405624389648438, 1.9800235033035278],
             [0.09783755242824554, -0.306590735912323, 0.695703387260437]],
            _TF_ADAM_M, _TF_ADAM_V],
    True: [[[0.4710911810398102, -1.2388819456100464, 1.9726389646530151],
            [0.1006375402212143, -0.31259873509407043, 0.6944074630737305]],
           _TF_ADAM_M, _TF_ADAM_V]}
_TF_MS = [[0.742139995098114, 0.7565849423408508, 1.4012500047683716],
          [0.7616024613380432, 0.8053900003433228, 0.7290489673614502]]
TF_RMSPROP = [[[0.4944984018802643, -1.2502497434616089, 1.977925419807434],
               [0.09113858640193939, -0.2998019754886627, 0.7000675797462463]],
              _TF_MS,
              [[0.0034542917273938656, 0.0037756639067083597, -0.00861955527216196],
               [0.0031294634100049734, 0.0025994149036705494, -0.00017867970746010542]]]
TF_CENTERED_RMSPROP = [[[0.49449440836906433, -1.250244379043579, 1.9773082733154297],
                        [0.09112074226140976, -0.2997930943965912, 0.7000675797462463]],
                       _TF_ADAM_M,  # mg follows the same recurrence as Adam's m here
                       _TF_MS,
                       [[0.0034576375037431717, 0.003775771474465728, -0.008462228812277317],
                        [0.003135413397103548, 0.002596232807263732, -0.0001786798529792577]]]
_TF_ACCUM = [[0.24000000953674316, 0.4125000238418579, 7.349999904632568],
             [0.4625000059604645, 0.9299999475479126, 0.10050000250339508]]
TF_ADAGRAD = {
    True: [[[0.4111303985118866, -1.2622860670089722, 1.9212859869003296],
            [0.027391627430915833, -0.33578482270240784, 0.7031480669975281]], _TF_ACCUM],
    False: [[[0.37350887060165405, -1.2974342107772827, 1.841886043548584],
             [-0.07392527163028717, -0.33162277936935425, 0.7031622529029846]],
            np.full((2, 3), 0.1)]}
TF_ADAGRAD_V2 = [[[0.411130428314209, -1.2622860670089722, 1.9212859869003296],
                  [0.02739163488149643, -0.3357848525047302, 0.7031480669975281]], _TF_ACCUM]


# ---------------------------------------------------------------- the rules ------------

def test_gradient_descent_matches_numpy_and_tensorflow():
    v = var(VAR0)
    ref = VAR0.copy()
    for g in GRADS:
        assert training.apply_gradient_descent(v, 0.1, g) is None  # eagerly: no result
        ref = ref - g * f32(0.1)
    assert_state([v], [ref])
    assert_state([v], TF_GD)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_matches_numpy_and_tensorflow(nesterov):
    v, accum = var(VAR0), zeros()
    ref, ref_acc = VAR0.copy(), np.zeros((2, 3), f32)
    lr, mom = f32(0.1), f32(0.9)
    for g in GRADS:
        training.apply_momentum(v, accum, 0.1, g, 0.9, use_nesterov=nesterov)
        ref_acc = ref_acc * mom + g
        ref = ref - (g * lr + ref_acc * mom * lr) if nesterov else ref - ref_acc * lr
    assert_state([v, accum], [ref, ref_acc])
    assert_state([v, accum], TF_MOMENTUM[nesterov])


@pytest.mark.parametrize("nesterov", [False, True])
def test_keras_momentum_matches_numpy_and_tensorflow(nesterov):
    v, accum = var(VAR0), zeros()
    ref, ref_acc = VAR0.copy(), np.zeros((2, 3), f32)
    for g in GRADS:
        training.apply_keras_momentum(v, accum, 0.1, g, 0.9, use_nesterov=nesterov)
        ref_acc = ref_acc * f32(0.9) - g * f32(0.1)
        ref = ref + (ref_acc * f32(0.9) - g * f32(0.1)) if nesterov else ref + ref_acc
    assert_state([v, accum], [ref, ref_acc])
    assert_state([v, accum], TF_KERAS_MOMENTUM[nesterov])


def _numpy_adam(steps, nesterov, lr=0.01, b1=0.9, b2=0.999, eps=1e-7):
    lr, b1, b2, eps, one = f32(lr), f32(b1), f32(b2), f32(eps), f32(1)
    x, m, v = VAR0.copy(), np.zeros((2, 3), f32), np.zeros((2, 3), f32)
    b1p, b2p = b1, b2
    for g in steps:
        alpha = lr * np.sqrt(one - b2p) / (one - b1p)
        m = m + (g - m) * (one - b1)
        v = v + (g * g - v) * (one - b2)
        step = (g * (one - b1) + b1 * m) * alpha if nesterov else m * alpha
        x = x - step / (np.sqrt(v) + eps)
        b1p, b2p = b1p * b1, b2p * b2
    return [x, m, v]


@pytest.mark.parametrize("nesterov", [False, True])
def test_adam_matches_numpy_and_tensorflow(nesterov):
    v, m, s = var(VAR0), zeros(), zeros()
    b1p, b2p = f32(0.9), f32(0.999)
    for g in GRADS:
        training.apply_adam(v, m, s, b1p, b2p, 0.01, 0.9, 0.999, 1e-7, g,
                            use_nesterov=nesterov)
        b1p, b2p = b1p * f32(0.9), b2p * f32(0.999)
    assert_state([v, m, s], _numpy_adam(GRADS, nesterov))
    assert_state([v, m, s], TF_ADAM[nesterov])


def test_adam_takes_tensor_and_variable_hyperparameters():
    """As in TF1's AdamOptimizer: beta powers are variables, lr may be a computed tensor."""
    v, m, s = var(VAR0), zeros(), zeros()
    b1p, b2p = tf.Variable(0.9), tf.Variable(0.999)
    base_lr = tf.constant(0.02)
    for g in GRADS:
        training.apply_adam(v, m, s, b1p, b2p, base_lr * 0.5, tf.constant(0.9), 0.999, 1e-7,
                            tf.constant(g))
        b1p.assign(b1p * 0.9)
        b2p.assign(b2p * 0.999)
    assert_state([v, m, s], TF_ADAM[False])


def test_rms_prop_matches_numpy_and_tensorflow():
    v, ms, mom = var(VAR0), var(np.ones((2, 3))), zeros()
    ref, ref_ms, ref_mom = VAR0.copy(), np.ones((2, 3), f32), np.zeros((2, 3), f32)
    lr, rho, momentum, eps = f32(0.01), f32(0.9), f32(0.5), f32(1e-10)
    for g in GRADS:
        training.apply_rms_prop(v, ms, mom, 0.01, 0.9, 0.5, 1e-10, g)
        ref_ms = ref_ms + (g * g - ref_ms) * (f32(1) - rho)
        ref_mom = ref_mom * momentum + (g * lr) / np.sqrt(ref_ms + eps)
        ref = ref - ref_mom
    assert_state([v, ms, mom], [ref, ref_ms, ref_mom])
    assert_state([v, ms, mom], TF_RMSPROP)


def test_centered_rms_prop_matches_numpy_and_tensorflow():
    v, mg, ms, mom = var(VAR0), zeros(), var(np.ones((2, 3))), zeros()
    ref, ref_mg = VAR0.copy(), np.zeros((2, 3), f32)
    ref_ms, ref_mom = np.ones((2, 3), f32), np.zeros((2, 3), f32)
    one_minus_rho = f32(1) - f32(0.9)
    for g in GRADS:
        training.apply_centered_rms_prop(v, mg, ms, mom, 0.01, 0.9, 0.5, 1e-10, g)
        ref_ms = ref_ms + (g * g - ref_ms) * one_minus_rho
        ref_mg = ref_mg + (g - ref_mg) * one_minus_rho
        denom = (ref_ms - ref_mg * ref_mg) + f32(1e-10)
        ref_mom = ref_mom * f32(0.5) + (g * f32(0.01)) / np.sqrt(denom)
        ref = ref - ref_mom
    assert_state([v, mg, ms, mom], [ref, ref_mg, ref_ms, ref_mom])
    assert_state([v, mg, ms, mom], TF_CENTERED_RMSPROP)


@pytest.mark.parametrize("update_slots", [True, False])
def test_adagrad_matches_numpy_and_tensorflow(update_slots):
    v, accum = var(VAR0), var(np.full((2, 3), 0.1))
    ref, ref_acc = VAR0.copy(), np.full((2, 3), 0.1, f32)
    for g in GRADS:
        training.apply_adagrad(v, accum, 0.1, g, update_slots=update_slots)
        if update_slots:
            ref_acc = ref_acc + g * g
        ref = ref - g * f32(0.1) * (f32(1) / np.sqrt(ref_acc))
    assert_state([v, accum], [ref, ref_acc])
    assert_state([v, accum], TF_ADAGRAD[update_slots])


def test_adagrad_v2_matches_numpy_and_tensorflow():
    v, accum = var(VAR0), var(np.full((2, 3), 0.1))
    ref, ref_acc = VAR0.copy(), np.full((2, 3), 0.1, f32)
    for g in GRADS:
        training.apply_adagrad_v2(v, accum, 0.1, 1e-7, g)
        ref_acc = ref_acc + g * g
        ref = ref - g * f32(0.1) / (np.sqrt(ref_acc) + f32(1e-7))
    assert_state([v, accum], [ref, ref_acc])
    assert_state([v, accum], TF_ADAGRAD_V2)


def test_float64_and_float16_variables_keep_their_dtype():
    for dtype in (np.float64, np.float16):
        v, m, s = var(VAR0, dtype), var(np.zeros((2, 3)), dtype), var(np.zeros((2, 3)), dtype)
        g = GRADS[0].astype(dtype)
        training.apply_adam(v, m, s, 0.9, 0.999, 0.01, 0.9, 0.999, 1e-7, g)
        one, b1, b2, lr = dtype(1), dtype(0.9), dtype(0.999), dtype(0.01)
        alpha = lr * np.sqrt(one - b2) / (one - b1)
        ref_m, ref_v = g * (one - b1), (g * g) * (one - b2)
        ref = VAR0.astype(dtype) - (ref_m * alpha) / (np.sqrt(ref_v) + dtype(1e-7))
        assert v.numpy().dtype == dtype and m.numpy().dtype == dtype
        np.testing.assert_array_equal(v.numpy(), ref)
        np.testing.assert_array_equal(s.numpy(), ref_v)


def test_scalar_variable():
    v, accum = tf.Variable(2.0), tf.Variable(0.0)
    training.apply_momentum(v, accum, 0.5, 4.0, 0.9)
    training.apply_momentum(v, accum, 0.5, 4.0, 0.9)
    assert accum.numpy() == f32(4.0) * f32(0.9) + f32(4.0)
    assert v.numpy() == f32(f32(2.0) - f32(4.0) * f32(0.5)) - f32(accum.numpy()) * f32(0.5)
    assert v.numpy().dtype == np.float32


def test_updates_store_new_arrays_so_earlier_reads_keep_their_values():
    v, m, s = var(VAR0), zeros(), zeros()
    v_before, m_before = v.read_value(), m.read_value()
    training.apply_adam(v, m, s, 0.9, 0.999, 0.01, 0.9, 0.999, 1e-7, GRADS[0])
    np.testing.assert_array_equal(v_before.numpy(), VAR0)
    np.testing.assert_array_equal(m_before.numpy(), np.zeros((2, 3)))
    assert not np.array_equal(v.numpy(), VAR0)
    for op in (lambda: training.apply_gradient_descent(v, 0.1, GRADS[1]),
               lambda: training.scatter_add(v, [0], GRADS[1][:1]),
               lambda: training.scatter_update(v, [1], GRADS[1][:1])):
        before = v.read_value()
        kept = before.numpy().copy()
        op()
        np.testing.assert_array_equal(before.numpy(), kept)
        assert not np.array_equal(v.numpy(), kept)


def test_ops_inside_a_gradient_tape_do_not_disturb_it():
    w = var([1.0, 2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * w)
        training.apply_gradient_descent(w, 0.5, np.array([1.0, 1.0], f32))
    np.testing.assert_array_equal(tape.gradient(loss, w).numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(w.numpy(), [0.5, 1.5])


# ---------------------------------------------------------------- errors ---------------

def test_grad_and_slot_shapes_must_equal_the_variables():
    v = var(np.ones((2, 3)))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"var and delta do not have the same shape\[2,3\] \[3\]"):
        training.apply_gradient_descent(v, 0.1, np.ones(3, f32))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"var and accum do not have the same shape\[2,3\] \[3\]"):
        training.apply_momentum(v, var(np.zeros(3)), 0.1, np.ones((2, 3), f32), 0.9)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"var and m do not have the same shape\[2,3\] \[3\]"):
        training.apply_adam(v, var(np.zeros(3)), zeros(), 0.9, 0.9, 0.1, 0.9, 0.9, 1e-7,
                            np.ones((2, 3), f32))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"var and grad do not have the same shape\[2,3\] \[3,2\]"):
        training.apply_adagrad(v, zeros(), 0.1, np.ones((3, 2), f32))
    np.testing.assert_array_equal(v.numpy(), np.ones((2, 3)))  # nothing was written


def test_hyperparameters_must_be_scalars():
    v = var(np.ones((2, 3)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"alpha is not a scalar: \[2\]"):
        training.apply_gradient_descent(v, tf.constant([0.1, 0.2]), np.ones((2, 3), f32))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"beta1_power is not a scalar: \[1\]"):
        training.apply_adam(v, zeros(), zeros(), [0.9], 0.9, 0.1, 0.9, 0.9, 1e-7,
                            np.ones((2, 3), f32))


def test_inputs_must_have_the_variables_dtype():
    v = var(np.ones((2, 3)))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="var has dtype float32 but delta has dtype float64"):
        training.apply_gradient_descent(v, 0.1, tf.constant(np.ones((2, 3))))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="var has dtype float32 but lr has dtype float64"):
        training.apply_momentum(v, zeros(), tf.constant(0.1, tf.float64), np.ones((2, 3), f32),
                                0.9)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="var has dtype float32 but accum has dtype float64"):
        training.apply_adagrad(v, var(np.zeros((2, 3)), np.float64), 0.1,
                               np.ones((2, 3), f32))


def test_integer_variables_have_no_training_kernel():
    v = var([1, 2], np.int32)
    with pytest.raises(tf.errors.NotFoundError,
                       match="No OpKernel was registered to support Op "
                             r"'ResourceApplyGradientDescent' with these attrs: \[T=int32\]"):
        training.apply_gradient_descent(v, 1, [1, 1])


def test_slots_must_be_variables():
    with pytest.raises(TypeError, match="'accum' must be a resource variable"):
        training.apply_momentum(var([1.0]), np.zeros(1, f32), 0.1, [1.0], 0.9)


# ---------------------------------------------------------------- scatters -------------

def rows():
    return var(np.arange(6).reshape(3, 2))


def test_scatter_update_sets_rows_and_returns_the_variable():
    v = rows()
    assert training.scatter_update(v, [2, 0], [[10.0, 11.0], [12.0, 13.0]]) is v
    np.testing.assert_array_equal(v.numpy(), [[12, 13], [2, 3], [10, 11]])
    assert v.numpy().dtype == np.float32


def test_scatter_update_repeated_index_keeps_the_last_update():
    v = rows()
    training.scatter_update(v, [0, 0, 1, 0], [[1, 1], [2, 2], [3, 3], [4, 4]])
    np.testing.assert_array_equal(v.numpy(), [[4, 4], [3, 3], [4, 5]])


def test_scatter_add_and_sub_accumulate_repeated_indices():
    v = rows()
    training.scatter_add(v, [0, 0, 2], np.ones((3, 2), f32))
    np.testing.assert_array_equal(v.numpy(), [[2, 3], [2, 3], [5, 6]])  # TF 2.21
    training.scatter_sub(v, [1, 1], [[0.5, 0.5], [1.0, 2.0]])
    np.testing.assert_array_equal(v.numpy(), [[2, 3], [0.5, 0.5], [5, 6]])


def test_scatter_index_shapes_and_scalar_updates():
    v = rows()
    training.scatter_add(v, 1, [10.0, 20.0])  # scalar index: one row of updates
    np.testing.assert_array_equal(v.numpy(), [[0, 1], [12, 23], [4, 5]])
    training.scatter_add(v, np.array([[0], [2]], np.int64), np.ones((2, 1, 2), f32))
    np.testing.assert_array_equal(v.numpy(), [[1, 2], [12, 23], [5, 6]])
    training.scatter_update(v, [0, 1], 7.0)  # scalar updates fill the rows
    np.testing.assert_array_equal(v.numpy(), [[7, 7], [7, 7], [5, 6]])
    training.scatter_add(v, np.zeros(0, np.int32), np.zeros((0, 2), f32))  # nothing
    np.testing.assert_array_equal(v.numpy(), [[7, 7], [7, 7], [5, 6]])


def test_scatter_on_integer_variables():
    v = var([0, 1, 2], np.int32)
    training.scatter_add(v, [0, 0], [5, 6])
    np.testing.assert_array_equal(v.numpy(), [11, 1, 2])  # TF 2.21
    assert v.numpy().dtype == np.int32


def test_scatter_index_out_of_range_names_it():
    v = rows()
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[1\] = 5 is not in "
                                                             r"\[0, 3\)"):
        training.scatter_update(v, [0, 5], np.ones((2, 2), f32))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[0\] = -1 is not in"):
        training.scatter_update(v, [-1], np.ones((1, 2), f32))  # no numpy wrap-around
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[1,1\] = 7 is not in"):
        training.scatter_add(v, [[0, 1], [2, 7]], np.ones((2, 2, 2), f32))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices = 4 is not in \[0, 3\)"):
        training.scatter_add(v, 4, np.ones(2, f32))
    np.testing.assert_array_equal(v.numpy(), np.arange(6).reshape(3, 2))  # untouched


def test_scatter_shape_and_dtype_errors():
    v = rows()
    with pytest.raises(tf.errors.InvalidArgumentError, match=(
            r"Must have updates.shape = indices.shape \+ params.shape\[1:\] or updates.shape "
            r"= \[\], got updates.shape \[2,3\], indices.shape \[2\], params.shape \[3,2\]")):
        training.scatter_update(v, [0, 1], np.ones((2, 3), f32))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="wrong dtype. Expected float32 got float64"):
        training.scatter_add(v, [0], tf.constant(np.ones((1, 2))))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Value for attr 'Tindices' of float32 is not in the list of "
                             "allowed values: int32, int64"):
        training.scatter_update(v, [0.0], np.ones((1, 2), f32))
    with pytest.raises(tf.errors.NotFoundError, match="ResourceScatterAdd"):
        training.scatter_add(var([True, False], bool), [0], [True])
    with pytest.raises(tf.errors.InvalidArgumentError, match="must have rank >= 1"):
        training.scatter_update(tf.Variable(1.0), 0, 2.0)


# ---------------------------------------------------------------- graph mode -----------



def test_graph_mode_runs_the_same_kernels(graph_mode):
    v, m, s = var(VAR0), zeros(), zeros()
    g = tf1.placeholder(tf.float32, [2, 3])
    b1p, b2p = tf1.placeholder(tf.float32, []), tf1.placeholder(tf.float32, [])
    step = training.apply_adam(v, m, s, b1p, b2p, 0.01, 0.9, 0.999, 1e-7, g)
    assert step.type == "ResourceApplyAdam"
    rows_var = var(np.zeros((3, 2)))
    scatter = training.scatter_add(rows_var, [0, 0], tf.constant(np.ones((2, 2), f32)))
    assert scatter.type == "ResourceScatterAdd"
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        powers = (f32(0.9), f32(0.999))
        for grad in GRADS:
            sess.run(step, {g: grad, b1p: powers[0], b2p: powers[1]})
            powers = (powers[0] * f32(0.9), powers[1] * f32(0.999))
        got = sess.run([v.read_value(), m.read_value(), s.read_value()])
        sess.run(scatter)
        np.testing.assert_array_equal(sess.run(rows_var.read_value()), [[2, 2], [0, 0], [0, 0]])
    for value, want in zip(got, TF_ADAM[False]):
        np.testing.assert_array_equal(value, np.array(want, f32))


def test_graph_mode_checks_shapes_and_dtypes_while_building(graph_mode):
    v = var(np.ones((2, 3)))
    g = tf1.placeholder(tf.float32, [2, 3])
    with pytest.raises(ValueError, match=r"Shape must be rank 0 but is rank 1 for "
                                         r"'\{\{node ResourceApplyGradientDescent\}\}' with "
                                         r"input shapes: \[\], \[1\], \[2,3\]"):
        training.apply_gradient_descent(v, [0.1], g)
    with pytest.raises(ValueError, match=r"Shapes must be equal rank, but are 2 and 1"):
        training.apply_gradient_descent(v, 0.1, tf1.placeholder(tf.float32, [3]))
    with pytest.raises(ValueError, match=r"Dimension 0 in both shapes must be equal, but are "
                                         r"2 and 3. Shapes are \[2,3\] and \[3,2\]"):
        training.apply_momentum(v, var(np.zeros((3, 2))), 0.1, g, 0.9)
    with pytest.raises(TypeError, match="var holds float32 but delta is float64"):
        training.apply_gradient_descent(v, 0.1, tf1.placeholder(tf.float64, [2, 3]))
    with pytest.raises(ValueError, match=r"Dimension 1 in both shapes must be equal, but are 2 "
                                         r"and 3. Shapes are \[2,2\] and \[2,3\]"):
        training.scatter_update(var(np.zeros((3, 2))), [0, 1], np.ones((2, 3), f32))
    with pytest.raises(TypeError, match="Tindices"):
        training.scatter_update(var(np.zeros((3, 2))), [0.5], np.ones((1, 2), f32))


def test_graph_mode_run_time_shape_error(graph_mode):
    v = var(np.ones((2, 3)))
    g = tf1.placeholder(tf.float32, [None, None])
    step = training.apply_gradient_descent(v, 0.1, g)
    with tf1.Session() as sess:
        sess.run(v.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"var and delta do not have the same shape\[2,3\] \[3,3\]"):
            sess.run(step, {g: np.ones((3, 3), f32)})
        sess.run(step, {g: np.ones((2, 3), f32)})
        np.testing.assert_array_equal(sess.run(v.read_value()), np.full((2, 3), 0.9, f32))
