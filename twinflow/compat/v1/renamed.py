"""TF1 spellings of foundation ops: keep_dims, reduction_indices, to_float, log, ..."""

from engine import dtypes
from graph import control_flow as _control_flow
from engine.ops import math as _math
from engine.ops import random as _random
from engine.ops import reduce as _reduce

__all__ = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
           "reduce_any", "reduce_all", "reduce_logsumexp", "to_float", "to_double",
           "to_int32", "to_int64", "log", "div", "mod", "floor_div", "rsqrt", "squared_difference",
           "arg_max", "arg_min", "random_normal", "random_uniform", "truncated_normal",
           "random_shuffle", "multinomial", "cond", "while_loop"]


def _v1_reduce(fn):
    def reduce(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
        if axis is not None and reduction_indices is not None:
            raise ValueError("Can not specify both 'axis' and 'reduction_indices'.")
        if keepdims is not None and keep_dims is not None:
            raise ValueError("Can not specify both 'keepdims' and 'keep_dims'.")
        axis = reduction_indices if axis is None else axis
        keepdims = bool(keep_dims if keepdims is None else keepdims)
        return fn(input_tensor, axis=axis, keepdims=keepdims, name=name)
    reduce.__name__ = fn.__name__
    reduce.__doc__ = fn.__doc__
    return reduce


reduce_sum = _v1_reduce(_reduce.reduce_sum)
reduce_mean = _v1_reduce(_reduce.reduce_mean)
reduce_max = _v1_reduce(_reduce.reduce_max)
reduce_min = _v1_reduce(_reduce.reduce_min)
reduce_prod = _v1_reduce(_reduce.reduce_prod)
reduce_any = _v1_reduce(_reduce.reduce_any)
reduce_all = _v1_reduce(_reduce.reduce_all)
reduce_logsumexp = _v1_reduce(_reduce.reduce_logsumexp)


def to_float(x, name="ToFloat"):
    return _math.cast(x, dtypes.float32, name=name)


def to_double(x, name="ToDouble"):
    return _math.cast(x, dtypes.float64, name=name)


def to_int32(x, name="ToInt32"):
    return _math.cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64"):
    return _math.cast(x, dtypes.int64, name=name)


def arg_max(input, dimension, output_type=dtypes.int64, name=None):  # noqa: A002
    return _reduce.argmax(input, axis=dimension, output_type=output_type, name=name)


def arg_min(input, dimension, output_type=dtypes.int64, name=None):  # noqa: A002
    return _reduce.argmin(input, axis=dimension, output_type=output_type, name=name)


log = _math.log
rsqrt = _math.rsqrt
squared_difference = _math.squared_difference
div = _math.divide
mod = _math.floormod
floor_div = _math.floordiv

random_normal = _random.normal
random_uniform = _random.uniform
truncated_normal = _random.truncated_normal
random_shuffle = _random.shuffle


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None):
    """TF1's name for tf.random.categorical."""
    return _random.categorical(logits, num_samples, dtype=output_dtype, seed=seed, name=name)


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """TF1's tf.cond (fn1/fn2 are the old names of true_fn/false_fn)."""
    return _control_flow.cond(pred, true_fn or fn1, false_fn or fn2, name=name)


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, name=None, maximum_iterations=None,
               return_same_structure=False):
    """TF1's tf.while_loop: a single loop variable comes back bare, not in a list."""
    return _control_flow.while_loop(cond, body, loop_vars, shape_invariants,
                                    parallel_iterations, back_prop, swap_memory,
                                    maximum_iterations, name, return_same_structure)
