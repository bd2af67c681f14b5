"""TF1's learning-rate decays (tf.compat.v1.train.*): the rate as a function of the step.

Each function takes the step (`global_step`, a tensor, variable or number) and returns
the decayed rate in the learning rate's dtype (float32 for a Python number), computed
with TensorFlow's exact sequence of float ops. Building a graph it returns that tensor.
Executing eagerly it returns a zero-argument function computing the tensor, as
TensorFlow does: each call reads a `global_step` variable anew, so one optimizer built
with it sees the rate decay while training.
"""

from __future__ import annotations

import math as _pymath

from engine import context, nest
from engine.context import name_scope
from engine.ops import math as _m
from engine.ops.core import constant, convert_to_tensor, is_tensor

__all__ = ["exponential_decay", "piecewise_constant", "polynomial_decay", "cosine_decay",
           "inverse_time_decay", "natural_exp_decay"]


def _deferred(compute):
    """`compute()` now while building a graph; eagerly the function itself, to be called
    at each step."""
    return compute if context.executing_eagerly() else compute()


def _require_step(global_step, fn_name: str):
    if global_step is None:
        raise ValueError(f"global_step is required for {fn_name}.")


def _rate(learning_rate):
    """The learning rate as a tensor, and the dtype every decay computes in."""
    lr = convert_to_tensor(learning_rate, name="initial_learning_rate")
    return lr, lr.dtype


def _progress(global_step, decay_steps, dtype, staircase):
    """global_step / decay_steps in `dtype`, floored with `staircase`."""
    p = _m.truediv(_m.cast(global_step, dtype), _m.cast(decay_steps, dtype))
    return _m.floor(p) if staircase else p


def _exponential(learning_rate, global_step, decay_steps, decay_rate, staircase, name,
                 natural):
    def compute():
        with name_scope(name or "ExponentialDecay") as scope:
            lr, dtype = _rate(learning_rate)
            # TensorFlow's natural_exp_decay is exponential_decay with rate exp(-rate).
            rate = _m.exp(_m.negative(decay_rate)) if natural else decay_rate
            p = _progress(global_step, decay_steps, dtype, staircase)
            return _m.multiply(lr, _m.pow(_m.cast(rate, dtype), p), name=scope)
    return _deferred(compute)


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """learning_rate * decay_rate ** (global_step / decay_steps); with `staircase` the
    exponent is floored, so the rate drops every `decay_steps` steps.

    Raises:
        ValueError: `global_step` is None.
    """
    _require_step(global_step, "exponential_decay")
    return _exponential(learning_rate, global_step, decay_steps, decay_rate, staircase,
                        name, natural=False)


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """learning_rate * exp(-decay_rate) ** (global_step / decay_steps) (the exponent
    floored with `staircase`): exp(-decay_rate * t) computed as TensorFlow does.

    Raises:
        ValueError: `global_step` is None.
    """
    _require_step(global_step, "natural_exp_decay")
    return _exponential(learning_rate, global_step, decay_steps, decay_rate, staircase,
                        name, natural=True)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                       name=None):
    """learning_rate / (1 + decay_rate * global_step / decay_steps) (the quotient floored
    with `staircase`).

    Raises:
        ValueError: `global_step` is None.
    """
    _require_step(global_step, "inverse_time_decay")

    def compute():
        with name_scope(name or "InverseTimeDecay") as scope:
            lr, dtype = _rate(learning_rate)
            p = _progress(global_step, decay_steps, dtype, staircase)
            one = _m.cast(constant(1), dtype)
            denom = _m.add(one, _m.multiply(_m.cast(decay_rate, dtype), p))
            return _m.truediv(lr, denom, name=scope)
    return _deferred(compute)


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001,
                     power=1.0, cycle=False, name=None):
    """(learning_rate - end) * (1 - step / decay_steps) ** power + end.

    Without `cycle` the step stops at decay_steps (the rate stays at the end rate); with
    `cycle` decay_steps grows to the next multiple of itself above the step, so the rate
    jumps back up and decays again.

    Raises:
        ValueError: `global_step` is None.
    """
    _require_step(global_step, "polynomial_decay")

    def compute():
        with name_scope(name or "PolynomialDecay") as scope:
            lr, dtype = _rate(learning_rate)
            end = _m.cast(end_learning_rate, dtype)
            exponent = _m.cast(power, dtype)
            step = _m.cast(global_step, dtype)
            steps = _m.cast(decay_steps, dtype)
            if cycle:
                # Step 0 keeps one period: ceil(0) would divide by zero.
                periods = _m.where(_m.equal(step, 0), 1.0, _m.ceil(_m.truediv(step, steps)))
                steps = _m.multiply(steps, periods)
            else:
                step = _m.minimum(step, steps)
            p = _m.truediv(step, steps)
            return _m.add(_m.multiply(_m.subtract(lr, end), _m.pow(_m.subtract(1, p),
                                                                    exponent)),
                          end, name=scope)
    return _deferred(compute)


def cosine_decay(learning_rate, global_step, decay_steps, alpha=0.0, name=None):
    """learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * t)) + alpha), where
    t = min(global_step, decay_steps) / decay_steps: from learning_rate down to
    alpha * learning_rate, flat after decay_steps.

    Raises:
        ValueError: `global_step` is None.
    """
    _require_step(global_step, "cosine_decay")

    def compute():
        with name_scope(name or "CosineDecay"):
            lr, dtype = _rate(learning_rate)
            steps = _m.cast(decay_steps, dtype)
            step = _m.minimum(_m.cast(global_step, dtype), steps)
            fraction = _m.truediv(step, steps)
            cosine = _m.multiply(
                0.5, _m.add(1.0, _m.cos(_m.multiply(constant(_pymath.pi, dtype), fraction))))
            # (1 - alpha) is a Python float, rounded to the dtype once, as TensorFlow does.
            decayed = _m.add(_m.multiply(1 - alpha, cosine), alpha)
            return _m.multiply(lr, decayed)
    return _deferred(compute)


def _piecewise_args(x, boundaries, values):
    """The boundaries and values as tensors, checked the way TensorFlow checks them."""
    x_dtype = x.dtype if is_tensor(x) else convert_to_tensor(x).dtype
    boundaries = [convert_to_tensor(b) for b in nest.flatten(boundaries)]
    values = [convert_to_tensor(v) for v in nest.flatten(values)]
    for i, b in enumerate(boundaries):
        if b.dtype != x_dtype:
            if b.dtype == "int32" and x_dtype == "int64":
                boundaries[i] = _m.cast(b, x_dtype)
            else:
                raise ValueError(f"Boundaries ({b.dtype}) must have the same dtype as x "
                                 f"({x_dtype}).")
    for v in values[1:]:
        if v.dtype != values[0].dtype:
            raise ValueError(f"Values must have elements all with the same dtype "
                             f"({values[0].dtype} vs {v.dtype}).")
    if len(boundaries) != len(values) - 1:
        raise ValueError("The length of boundaries should be 1 less than the length of "
                         "values")
    return boundaries, values


def piecewise_constant(x, boundaries, values, name=None):
    """values[0] for x <= boundaries[0], values[i] for boundaries[i-1] < x <= boundaries[i],
    values[-1] for x > boundaries[-1].

    Raises:
        ValueError: a boundary's dtype differs from x's (int32 boundaries for an int64 x
            are cast), values of several dtypes, or len(boundaries) != len(values) - 1.
    """
    boundaries, values = _piecewise_args(x, boundaries, values)

    def compute():
        with name_scope(name or "PiecewiseConstant"):
            if not boundaries:
                return values[0]
            step = convert_to_tensor(x)  # a variable is read at each call
            # TensorFlow's case(): the default (x <= boundaries[0], or NaN) is values[0].
            out = _m.where(_m.greater(step, boundaries[-1]), values[-1], values[0])
            for low, high, v in zip(boundaries[:-1], boundaries[1:], values[1:-1], strict=True):
                inside = _m.logical_and(_m.greater(step, low), _m.less_equal(step, high))
                out = _m.where(inside, v, out)
            return out
    return _deferred(compute)
