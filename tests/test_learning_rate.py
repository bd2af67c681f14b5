"""TF1 learning-rate decays (engine/learning_rate.py) against float32 numpy formulas.

Eagerly each decay is a zero-argument function (read at each call); in a Graph it is a
tensor. Values are checked at several steps, including staircase and cycle boundaries,
and a few against numbers real TensorFlow 2.21 printed.
"""

import math

import numpy as np
import pytest

import twinflow as tf
from engine import learning_rate as lr_ops

tf1 = tf.compat.v1
f32 = np.float32
STEPS = [0, 1, 5, 10, 15, 20, 37, 40, 100]


# ---------------------------------------------------------------- numpy references ---

def _p(step, decay_steps, staircase):
    p = f32(step) / f32(decay_steps)
    return np.floor(p) if staircase else p


def exp_ref(lr, step, decay_steps, rate, staircase=False):
    return f32(lr) * np.power(f32(rate), _p(step, decay_steps, staircase))


def natural_ref(lr, step, decay_steps, rate, staircase=False):
    return f32(lr) * np.power(np.exp(-f32(rate)), _p(step, decay_steps, staircase))


def inverse_ref(lr, step, decay_steps, rate, staircase=False):
    return f32(lr) / (f32(1) + f32(rate) * _p(step, decay_steps, staircase))


def poly_ref(lr, step, decay_steps, end=0.0001, power=1.0, cycle=False):
    step, steps = f32(step), f32(decay_steps)
    if cycle:
        steps = steps * (f32(1) if step == 0 else np.ceil(step / steps))
    else:
        step = min(step, steps)
    p = step / steps
    return (f32(lr) - f32(end)) * np.power(f32(1) - p, f32(power)) + f32(end)


def cosine_ref(lr, step, decay_steps, alpha=0.0):
    fraction = min(f32(step), f32(decay_steps)) / f32(decay_steps)
    cosine = f32(0.5) * (f32(1) + np.cos(f32(math.pi) * fraction))
    return f32(lr) * (f32(1 - alpha) * cosine + f32(alpha))


def _eager(fn):
    assert callable(fn) and not tf.is_tensor(fn)
    out = fn()
    assert tf.is_tensor(out) and out.shape == ()
    return out.numpy()


CASES = [
    ("exp", lambda s: lr_ops.exponential_decay(0.1, s, 10, 0.96),
     lambda s: exp_ref(0.1, s, 10, 0.96)),
    ("exp_staircase", lambda s: lr_ops.exponential_decay(0.1, s, 10, 0.5, staircase=True),
     lambda s: exp_ref(0.1, s, 10, 0.5, True)),
    ("natural", lambda s: lr_ops.natural_exp_decay(0.1, s, 10, 0.5),
     lambda s: natural_ref(0.1, s, 10, 0.5)),
    ("natural_staircase", lambda s: lr_ops.natural_exp_decay(0.05, s, 7, 0.3, True),
     lambda s: natural_ref(0.05, s, 7, 0.3, True)),
    ("inverse", lambda s: lr_ops.inverse_time_decay(0.1, s, 10, 0.5),
     lambda s: inverse_ref(0.1, s, 10, 0.5)),
    ("inverse_staircase", lambda s: lr_ops.inverse_time_decay(0.1, s, 10, 0.5, True),
     lambda s: inverse_ref(0.1, s, 10, 0.5, True)),
    ("poly", lambda s: lr_ops.polynomial_decay(0.1, s, 20),
     lambda s: poly_ref(0.1, s, 20)),
    ("poly_power", lambda s: lr_ops.polynomial_decay(0.1, s, 20, 0.01, power=0.5),
     lambda s: poly_ref(0.1, s, 20, 0.01, 0.5)),
    ("poly_cycle", lambda s: lr_ops.polynomial_decay(0.1, s, 20, 0.01, 2.0, cycle=True),
     lambda s: poly_ref(0.1, s, 20, 0.01, 2.0, True)),
    ("cosine", lambda s: lr_ops.cosine_decay(0.1, s, 20),
     lambda s: cosine_ref(0.1, s, 20)),
    ("cosine_alpha", lambda s: lr_ops.cosine_decay(0.1, s, 20, alpha=0.1),
     lambda s: cosine_ref(0.1, s, 20, 0.1)),
]


@pytest.mark.parametrize("name, make, ref", CASES, ids=[c[0] for c in CASES])
def test_eager_decays_match_float32_formulas(name, make, ref):
    for step in STEPS:
        got = _eager(make(tf.constant(step, tf.int64)))
        assert got.dtype == np.float32
        want = ref(step)
        assert want.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=2e-7, err_msg=f"{name} at step {step}")


@pytest.mark.parametrize("name, make, ref", CASES, ids=[c[0] for c in CASES])
def test_graph_decays_match_float32_formulas(name, make, ref):
    with tf.Graph().as_default():
        step = tf1.placeholder(tf.int64, [])
        lr = make(step)
        assert tf.is_tensor(lr) and lr.dtype == tf.float32 and lr.shape == ()
        with tf1.Session() as sess:
            got = [sess.run(lr, {step: s}) for s in STEPS]
    np.testing.assert_allclose(got, [ref(s) for s in STEPS], rtol=2e-7)


def test_values_tensorflow_printed():
    """Numbers from tf.compat.v1.train.* in TensorFlow 2.21 (float32)."""
    table = [
        (lr_ops.exponential_decay(0.1, 15, 10, 0.96), 0.09406040608882904),
        (lr_ops.exponential_decay(0.1, 37, 10, 0.5, staircase=True), 0.012500000186264515),
        (lr_ops.natural_exp_decay(0.1, 15, 10, 0.5), 0.04723665863275528),
        (lr_ops.inverse_time_decay(0.1, 15, 10, 0.5), 0.05714285746216774),
        (lr_ops.inverse_time_decay(0.1, 37, 10, 0.5, staircase=True), 0.03999999910593033),
        (lr_ops.polynomial_decay(0.1, 5, 20), 0.07502499967813492),
        (lr_ops.polynomial_decay(0.1, 37, 20, 0.01, power=2.0, cycle=True),
         0.010506249964237213),
        (lr_ops.polynomial_decay(0.1, 15, 20, 0.01, power=0.5), 0.054999999701976776),
        (lr_ops.cosine_decay(0.1, 15, 20, alpha=0.1), 0.023180196061730385),
        (lr_ops.cosine_decay(0.1, 5, 20), 0.08535534143447876),
        (lr_ops.piecewise_constant(10, [5, 15], [1.0, 0.5, 0.1]), 0.5),
    ]
    for fn, want in table:
        assert _eager(fn) == f32(want)


def test_end_points():
    assert _eager(lr_ops.polynomial_decay(0.1, 100, 20)) == f32(0.0001)  # clamped
    assert _eager(lr_ops.polynomial_decay(0.1, 0, 20, cycle=True)) == f32(0.1)
    # Cycling: exactly at a multiple the rate is the end rate, just after it jumps back.
    assert _eager(lr_ops.polynomial_decay(0.1, 40, 20, 0.01, cycle=True)) == f32(0.01)
    assert _eager(lr_ops.polynomial_decay(0.1, 41, 20, 0.01, cycle=True)) > f32(0.01)
    assert _eager(lr_ops.cosine_decay(0.1, 1000, 20)) == 0.0
    assert _eager(lr_ops.cosine_decay(0.2, 1000, 20, alpha=0.5)) == f32(0.2) * f32(0.5)


def test_eager_function_reads_the_variable_at_each_call():
    step = tf.Variable(0, dtype=tf.int64)
    fn = lr_ops.exponential_decay(0.1, step, 10, 0.5)
    assert fn().numpy() == f32(0.1)
    step.assign(10)
    assert fn().numpy() == f32(0.05)
    pw = lr_ops.piecewise_constant(step, [5, 15], [1.0, 0.5, 0.1])
    assert pw().numpy() == f32(0.5)
    step.assign(16)
    assert pw().numpy() == f32(0.1)


def test_graph_variable_step_and_names():
    with tf.Graph().as_default():
        step = tf.Variable(0, dtype=tf.int64)
        lr = lr_ops.exponential_decay(0.1, step, 10, 0.5, name="lr")
        assert lr.name == "lr:0"
        assert lr_ops.polynomial_decay(0.1, step, 20).name == "PolynomialDecay:0"
        assert lr_ops.inverse_time_decay(0.1, step, 10, 0.5).name == "InverseTimeDecay:0"
        assert lr_ops.natural_exp_decay(0.1, step, 10, 0.5).name == "ExponentialDecay:0"
        bump = step.assign_add(10)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            assert sess.run(lr) == f32(0.1)
            sess.run(bump)
            assert sess.run(lr) == f32(0.05)


def test_learning_rate_dtype_sets_the_math_dtype():
    out = _eager(lr_ops.exponential_decay(tf.constant(0.1, tf.float64), 3, 10, 0.96))
    assert out.dtype == np.float64
    assert out == 0.09878280794181708  # what TensorFlow printed
    # 0.96 becomes a float32 tensor first, then float64, as in TensorFlow's cast.
    np.testing.assert_allclose(out, 0.1 * float(np.float32(0.96)) ** 0.3, rtol=1e-15)
    assert _eager(lr_ops.cosine_decay(np.float64(0.1), 5, 20)).dtype == np.float64


# ---------------------------------------------------------------- piecewise ----------

def test_piecewise_constant_intervals_are_closed_on_the_right():
    values = [1.0, 0.5, 0.1]
    for x, want in [(0, 1.0), (5, 1.0), (6, 0.5), (15, 0.5), (16, 0.1), (10 ** 6, 0.1)]:
        assert _eager(lr_ops.piecewise_constant(x, [5, 15], values)) == f32(want)
    got = _eager(lr_ops.piecewise_constant(tf.constant(7.5), [5.0, 7.5, 9.0],
                                           [4.0, 3.0, 2.0, 1.0]))
    assert got == f32(3.0)
    nan = _eager(lr_ops.piecewise_constant(tf.constant(np.nan), [5.0], [4.0, 3.0]))
    assert nan == f32(4.0)  # no interval holds NaN: TensorFlow's case() default


def test_piecewise_constant_dtypes():
    ints = _eager(lr_ops.piecewise_constant(3, [5], [1, 2]))
    assert ints.dtype == np.int32 and ints == 1
    x64 = tf.constant(7, tf.int64)  # int32 boundaries are cast to an int64 x
    assert _eager(lr_ops.piecewise_constant(x64, [5], [1.0, 2.0])) == f32(2.0)
    assert _eager(lr_ops.piecewise_constant(3, [], [0.25])) == f32(0.25)


def test_piecewise_constant_errors():
    with pytest.raises(ValueError, match=r"Boundaries \(<dtype: 'int32'>\) must have the "
                                         r"same dtype as x \(<dtype: 'float32'>\)."):
        lr_ops.piecewise_constant(tf.constant(1.0), [5, 15], [1.0, 0.5, 0.1])
    with pytest.raises(ValueError, match=r"Values must have elements all with the same "
                                         r"dtype \(<dtype: 'float32'> vs <dtype: 'int32'>\)."):
        lr_ops.piecewise_constant(3, [5, 15], [1.0, 0.5, 1])
    with pytest.raises(ValueError, match="The length of boundaries should be 1 less than "
                                         "the length of values"):
        lr_ops.piecewise_constant(3, [5, 15], [1.0, 0.5])


@pytest.mark.parametrize("fn", [lr_ops.exponential_decay, lr_ops.natural_exp_decay,
                                lr_ops.inverse_time_decay])
def test_global_step_is_required(fn):
    with pytest.raises(ValueError, match=f"global_step is required for {fn.__name__}."):
        fn(0.1, None, 10, 0.5)
    with pytest.raises(ValueError, match="global_step is required for cosine_decay."):
        lr_ops.cosine_decay(0.1, None, 10)
    with pytest.raises(ValueError, match="global_step is required for polynomial_decay."):
        lr_ops.polynomial_decay(0.1, None, 10)
