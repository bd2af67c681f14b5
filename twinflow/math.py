"""tf.math: elementwise math, reductions, scans and segment ops (re-exports only)."""

from engine.ops.indexing import segment_sum, unsorted_segment_sum  # noqa: F401
from engine.ops.math import (  # noqa: F401
    abs, acos, add, add_n, asin, atan, ceil, cos, cosh, divide, divide_no_nan, equal, exp,
    expm1, floor, floordiv, floormod, greater, greater_equal, is_finite, is_inf, is_nan,
    less, less_equal, log, log1p, logical_and, logical_not, logical_or, logical_xor,
    maximum, minimum, multiply, negative, not_equal, pow, reciprocal, round, rsqrt,
    sigmoid, sign, sin, sinh, sqrt, square, squared_difference, subtract, tan, tanh,
    truediv)
from engine.ops.nn import erf, l2_normalize, log_softmax, softmax, softplus, softsign  # noqa: F401
from engine.ops.reduce import (  # noqa: F401
    argmax, argmin, count_nonzero, cumprod, cumsum, reduce_all, reduce_any,
    reduce_euclidean_norm, reduce_logsumexp, reduce_max, reduce_mean, reduce_min,
    reduce_prod, reduce_std, reduce_sum, reduce_variance)
from engine.ops.sort import top_k  # noqa: F401

