"""Elementwise math: arithmetic, unary functions, comparisons, logic, where, cast, add_n.

Each op: kernel (numpy), infer (shared helpers) and gradient (public ops) side by
side, then its public function. Broadcast gradients are summed back to each input's
shape by the backward driver (engine.backprop), not here.
"""

from __future__ import annotations

import numpy as np

from engine import dtypes, errors
from engine import infer as _infer
from engine.context import execute
from engine.ops._util import BOOL_KINDS, FLOAT_KINDS, INT_FLOAT_KINDS, binary, unary
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape

__all__ = [
    "add", "subtract", "multiply", "divide", "truediv", "realdiv", "floordiv", "floormod",
    "pow", "negative", "abs", "sign", "square", "sqrt", "rsqrt", "exp", "log", "log1p",
    "expm1", "sin", "cos", "tan", "tanh", "sigmoid", "maximum", "minimum", "round", "floor",
    "ceil", "reciprocal", "squared_difference", "add_n", "cast", "saturate_cast",
    "clip_by_value", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_not", "logical_xor", "where",
    "broadcast_gradient_args", "asin", "acos", "atan", "sinh", "cosh", "is_nan", "is_inf",
    "is_finite", "divide_no_nan",
]

# ---------------------------------------------------------------- arithmetic -------

ADD = binary("AddV2", np.add, lambda op, g: (g, g))
SUB = binary("Sub", np.subtract, lambda op, g: (g, negative(g)))
def _mul_grad(op, g):
    skip = getattr(op, "skip_input_indices", None) or ()
    x, y = op.inputs
    return (None if 0 in skip else multiply(g, y)), (None if 1 in skip else multiply(g, x))


MUL = binary("Mul", np.multiply, _mul_grad)


def _realdiv_grad(op, g):
    x, y = op.inputs
    return realdiv(g, y), negative(multiply(g, realdiv(realdiv(x, y), y)))


REALDIV = binary("RealDiv", np.true_divide, _realdiv_grad, kinds=FLOAT_KINDS)


def _floordiv_kernel(x, y):
    if x.dtype.kind in "iu" and not np.all(y):
        raise ZeroDivisionError("Integer division by zero")
    return np.floor_divide(x, y)


def _floormod_kernel(x, y):
    if x.dtype.kind in "iu" and not np.all(y):
        raise ZeroDivisionError("Integer division by zero")
    return np.mod(x, y)


FLOORDIV = binary("FloorDiv", _floordiv_kernel, NO_GRADIENT, kinds=INT_FLOAT_KINDS)
FLOORMOD = binary("FloorMod", _floormod_kernel,
                  lambda op, g: (g, negative(multiply(g, floordiv(*op.inputs)))),
                  kinds=INT_FLOAT_KINDS)


def _pow_kernel(x, y):
    if x.dtype.kind in "iu" and np.any(y < 0):
        raise ValueError("Integers to negative integer powers are not allowed")
    return np.power(x, y)


def _pow_grad(op, g):
    x, y = op.inputs
    z = op.outputs[0]
    gx = multiply(g, multiply(y, pow(x, subtract(y, 1))))
    safe_log = where(greater(x, 0), log(where(greater(x, 0), x, 1)), 0)
    return gx, multiply(g, multiply(z, safe_log))


POW = binary("Pow", _pow_kernel, _pow_grad)
SQUARED_DIFFERENCE = binary(
    "SquaredDifference", lambda x, y: np.square(np.subtract(x, y)),
    lambda op, g: _squared_difference_grad(op, g))


def _squared_difference_grad(op, g):
    d = multiply(multiply(g, 2), subtract(*op.inputs))
    return d, negative(d)


MAXIMUM = binary("Maximum", np.maximum, lambda op, g: _minmax_grad(op, g, greater_equal))
MINIMUM = binary("Minimum", np.minimum, lambda op, g: _minmax_grad(op, g, less_equal))


def _minmax_grad(op, g, pick_x):
    """The gradient goes to x where x wins (ties to x), to y elsewhere, as TensorFlow."""
    x, y = op.inputs
    x_wins = pick_x(x, y)
    zeros = zeros_like_fast(g)
    return where(x_wins, g, zeros), where(x_wins, zeros, g)


def zeros_like_fast(t):
    """Zeros of t's shape and dtype (multiply by 0 keeps one op for both modes)."""
    return multiply(t, 0)


def add(x, y, name=None):
    """x + y elementwise, with numpy broadcasting."""
    return execute(ADD, (x, y), None, name)


def subtract(x, y, name=None):
    """x - y elementwise, with broadcasting."""
    return execute(SUB, (x, y), None, name)


def multiply(x, y, name=None):
    """x * y elementwise, with broadcasting."""
    return execute(MUL, (x, y), None, name)


def realdiv(x, y, name=None):
    """x / y for floating tensors (TensorFlow's RealDiv)."""
    return execute(REALDIV, (x, y), None, name)


_INT_TO_FLOAT = {"int8": dtypes.float32, "uint8": dtypes.float32, "int16": dtypes.float32,
                 "uint16": dtypes.float32, "int32": dtypes.float64, "int64": dtypes.float64}


def truediv(x, y, name=None):
    """x / y; integer tensors are first cast to float (int32 -> float64), as TensorFlow."""
    from engine.ops.core import convert_pair
    x, y = convert_pair(x, y)
    target = _INT_TO_FLOAT.get(x.dtype.name)
    if target is not None:
        if y.dtype != x.dtype:
            raise TypeError(f"x and y must have the same dtype, got {x.dtype!r} != "
                            f"{y.dtype!r}")
        x, y = cast(x, target), cast(y, target)
    return execute(REALDIV, (x, y), None, name)


divide = truediv


def divide_no_nan(x, y, name=None):
    """x / y, and 0 wherever y == 0."""
    nonzero = not_equal(y, 0)
    return where(nonzero, truediv(x, where(nonzero, y, 1)), 0, name=name)


def floordiv(x, y, name=None):
    """floor(x / y) elementwise (Python's //)."""
    return execute(FLOORDIV, (x, y), None, name)


def floormod(x, y, name=None):
    """x - floor(x / y) * y elementwise (Python's %): the result has y's sign."""
    return execute(FLOORMOD, (x, y), None, name)


def pow(x, y, name=None):  # noqa: A001 - TensorFlow's name
    """x ** y elementwise."""
    return execute(POW, (x, y), None, name)


def squared_difference(x, y, name=None):
    """(x - y) ** 2 elementwise."""
    return execute(SQUARED_DIFFERENCE, (x, y), None, name)


def maximum(x, y, name=None):
    """The larger of x and y elementwise."""
    return execute(MAXIMUM, (x, y), None, name)


def minimum(x, y, name=None):
    """The smaller of x and y elementwise."""
    return execute(MINIMUM, (x, y), None, name)


# ---------------------------------------------------------------- unary ------------

NEG = unary("Neg", np.negative, lambda op, g: (negative(g),))
ABS = unary("Abs", np.abs, lambda op, g: (multiply(g, sign(op.inputs[0])),))
SIGN = unary("Sign", np.sign, lambda op, g: (zeros_like_fast(g),))
SQUARE = unary("Square", np.square,
               lambda op, g: (multiply(g, multiply(op.inputs[0], 2)),))
SQRT = unary("Sqrt", np.sqrt, lambda op, g: (realdiv(multiply(g, 0.5), op.outputs[0]),),
             FLOAT_KINDS)
RSQRT = unary("Rsqrt", lambda x: np.reciprocal(np.sqrt(x)),
              lambda op, g: (multiply(g, multiply(pow(op.outputs[0], 3), -0.5)),),
              FLOAT_KINDS)
EXP = unary("Exp", np.exp, lambda op, g: (multiply(g, op.outputs[0]),), FLOAT_KINDS)
LOG = unary("Log", np.log, lambda op, g: (realdiv(g, op.inputs[0]),), FLOAT_KINDS)
LOG1P = unary("Log1p", np.log1p, lambda op, g: (realdiv(g, add(op.inputs[0], 1)),),
              FLOAT_KINDS)
EXPM1 = unary("Expm1", np.expm1, lambda op, g: (multiply(g, exp(op.inputs[0])),),
              FLOAT_KINDS)
SIN = unary("Sin", np.sin, lambda op, g: (multiply(g, cos(op.inputs[0])),), FLOAT_KINDS)
COS = unary("Cos", np.cos, lambda op, g: (negative(multiply(g, sin(op.inputs[0]))),),
            FLOAT_KINDS)
TAN = unary("Tan", np.tan,
            lambda op, g: (multiply(g, add(square(op.outputs[0]), 1)),), FLOAT_KINDS)
ASIN = unary("Asin", np.arcsin,
             lambda op, g: (multiply(g, rsqrt(subtract(1, square(op.inputs[0])))),),
             FLOAT_KINDS)
ACOS = unary("Acos", np.arccos,
             lambda op, g: (negative(multiply(g, rsqrt(subtract(1, square(op.inputs[0]))))),),
             FLOAT_KINDS)
ATAN = unary("Atan", np.arctan,
             lambda op, g: (realdiv(g, add(square(op.inputs[0]), 1)),), FLOAT_KINDS)
SINH = unary("Sinh", np.sinh, lambda op, g: (multiply(g, cosh(op.inputs[0])),), FLOAT_KINDS)
COSH = unary("Cosh", np.cosh, lambda op, g: (multiply(g, sinh(op.inputs[0])),), FLOAT_KINDS)
TANH = unary("Tanh", np.tanh,
             lambda op, g: (multiply(g, subtract(1, square(op.outputs[0]))),), FLOAT_KINDS)


def _sigmoid_kernel(x):
    # Split by sign so exp never overflows: the same formula TensorFlow's Eigen kernel uses.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


SIGMOID = unary("Sigmoid", _sigmoid_kernel,
                lambda op, g: (multiply(g, multiply(op.outputs[0],
                                                    subtract(1, op.outputs[0]))),),
                FLOAT_KINDS)
RECIPROCAL = unary("Reciprocal", np.reciprocal,
                   lambda op, g: (negative(multiply(g, square(op.outputs[0]))),), FLOAT_KINDS)
ROUND = unary("Round", np.round, NO_GRADIENT)  # banker's rounding, as TensorFlow
FLOOR = unary("Floor", np.floor, NO_GRADIENT, FLOAT_KINDS)
CEIL = unary("Ceil", np.ceil, NO_GRADIENT, FLOAT_KINDS)
IS_NAN = unary("IsNan", np.isnan, NO_GRADIENT, FLOAT_KINDS, out_dtype=dtypes.bool)
IS_INF = unary("IsInf", np.isinf, NO_GRADIENT, FLOAT_KINDS, out_dtype=dtypes.bool)
IS_FINITE = unary("IsFinite", np.isfinite, NO_GRADIENT, FLOAT_KINDS, out_dtype=dtypes.bool)


def _unary_public(opdef, doc):
    def fn(x, name=None):
        return execute(opdef, (x,), None, name)
    fn.__doc__ = doc
    return fn


negative = _unary_public(NEG, "-x elementwise.")
abs = _unary_public(ABS, "|x| elementwise.")  # noqa: A001
sign = _unary_public(SIGN, "-1, 0 or 1 by the sign of x, elementwise.")
square = _unary_public(SQUARE, "x * x elementwise.")
sqrt = _unary_public(SQRT, "The square root of x elementwise.")
rsqrt = _unary_public(RSQRT, "1 / sqrt(x) elementwise.")
exp = _unary_public(EXP, "e ** x elementwise.")
log = _unary_public(LOG, "The natural logarithm of x elementwise.")
log1p = _unary_public(LOG1P, "log(1 + x) elementwise, accurate for small x.")
expm1 = _unary_public(EXPM1, "exp(x) - 1 elementwise, accurate for small x.")
sin = _unary_public(SIN, "sin(x) elementwise.")
cos = _unary_public(COS, "cos(x) elementwise.")
tan = _unary_public(TAN, "tan(x) elementwise.")
asin = _unary_public(ASIN, "arcsin(x) elementwise.")
acos = _unary_public(ACOS, "arccos(x) elementwise.")
atan = _unary_public(ATAN, "arctan(x) elementwise.")
sinh = _unary_public(SINH, "sinh(x) elementwise.")
cosh = _unary_public(COSH, "cosh(x) elementwise.")
tanh = _unary_public(TANH, "tanh(x) elementwise.")
sigmoid = _unary_public(SIGMOID, "1 / (1 + exp(-x)) elementwise.")
reciprocal = _unary_public(RECIPROCAL, "1 / x elementwise.")
round = _unary_public(ROUND, "x rounded half to even, elementwise.")  # noqa: A001
floor = _unary_public(FLOOR, "The largest integer <= x, elementwise.")
ceil = _unary_public(CEIL, "The smallest integer >= x, elementwise.")
is_nan = _unary_public(IS_NAN, "True where x is NaN.")
is_inf = _unary_public(IS_INF, "True where x is +-inf.")
is_finite = _unary_public(IS_FINITE, "True where x is neither NaN nor inf.")

# ---------------------------------------------------------------- comparisons, logic ---

EQUAL = binary("Equal", np.equal, out_dtype=dtypes.bool)
NOT_EQUAL = binary("NotEqual", np.not_equal, out_dtype=dtypes.bool)
LESS = binary("Less", np.less, out_dtype=dtypes.bool)
LESS_EQUAL = binary("LessEqual", np.less_equal, out_dtype=dtypes.bool)
GREATER = binary("Greater", np.greater, out_dtype=dtypes.bool)
GREATER_EQUAL = binary("GreaterEqual", np.greater_equal, out_dtype=dtypes.bool)
LOGICAL_AND = binary("LogicalAnd", np.logical_and, kinds=BOOL_KINDS)
LOGICAL_OR = binary("LogicalOr", np.logical_or, kinds=BOOL_KINDS)
LOGICAL_NOT = unary("LogicalNot", np.logical_not, NO_GRADIENT, BOOL_KINDS)


def equal(x, y, name=None):
    """x == y elementwise (a bool tensor)."""
    return execute(EQUAL, (x, y), None, name)


def not_equal(x, y, name=None):
    """x != y elementwise."""
    return execute(NOT_EQUAL, (x, y), None, name)


def less(x, y, name=None):
    """x < y elementwise."""
    return execute(LESS, (x, y), None, name)


def less_equal(x, y, name=None):
    """x <= y elementwise."""
    return execute(LESS_EQUAL, (x, y), None, name)


def greater(x, y, name=None):
    """x > y elementwise."""
    return execute(GREATER, (x, y), None, name)


def greater_equal(x, y, name=None):
    """x >= y elementwise."""
    return execute(GREATER_EQUAL, (x, y), None, name)


def logical_and(x, y, name=None):
    """x AND y for bool tensors."""
    return execute(LOGICAL_AND, (x, y), None, name)


def logical_or(x, y, name=None):
    """x OR y for bool tensors."""
    return execute(LOGICAL_OR, (x, y), None, name)


logical_not = _unary_public(LOGICAL_NOT, "NOT x for a bool tensor.")


def logical_xor(x, y, name="LogicalXor"):
    """x XOR y, built from and/or/not as TensorFlow does."""
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)


# ---------------------------------------------------------------- where, add_n, cast ---

def _select_infer(inputs, attrs):
    cond, x, y = inputs
    if cond.dtype != dtypes.bool:
        raise TypeError(f"'SelectV2' condition must be bool, got {cond.dtype.name}")
    dtype = _infer.check_same_dtype("SelectV2", inputs, (1, 2))
    shape = _infer.broadcast_shape("SelectV2", cond.shape,
                                   _infer.broadcast_shape("SelectV2", x.shape, y.shape))
    return [(dtype, shape)]


def _select_kernel(cond, x, y):
    if cond.dtype.kind != "b":
        raise TypeError(f"'SelectV2' condition must be bool, got {cond.dtype}")
    return np.where(cond, x, y)


def _select_grad(op, g):
    cond = op.inputs[0]
    zeros = zeros_like_fast(g)
    return None, where(cond, g, zeros), where(cond, zeros, g)


SELECT = register("SelectV2", _select_kernel, _select_infer, _select_grad, same_dtype=(1, 2))
WHERE_INDICES = register(
    "Where", lambda cond: np.argwhere(cond).astype(np.int64),
    lambda inputs, attrs: [(dtypes.int64, TensorShape([None, inputs[0].shape.rank]))])


def where(condition, x=None, y=None, name=None):
    """x where condition is True, else y (broadcasting); with x, y None: the true indices."""
    if x is None and y is None:
        return execute(WHERE_INDICES, (condition,), None, name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    return execute(SELECT, (condition, x, y), None, name)


def _add_n_kernel(*xs):
    first = xs[0].dtype
    for i, x in enumerate(xs):
        if x.dtype != first:
            raise TypeError(f"AddN inputs must share one dtype: input 0 is {first} and "
                            f"input {i} is {x.dtype}")
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


def _add_n_infer(inputs, attrs):
    dtype = _infer.check_same_dtype("AddN", inputs, tuple(range(len(inputs))))
    shape = inputs[0].shape
    for t in inputs[1:]:
        if not shape.is_compatible_with(t.shape):
            raise ValueError(f"Shapes must be equal for 'AddN': {_infer.fmt_shape(shape)} "
                             f"and {_infer.fmt_shape(t.shape)}")
        shape = shape.merge_with(t.shape)
    return [(dtype, shape)]


ADD_N = register("AddN", _add_n_kernel, _add_n_infer, lambda op, g: (g,) * len(op.inputs))


def add_n(inputs, name=None):
    """The elementwise sum of a list of tensors of one shape and dtype."""
    inputs = list(inputs)
    if not inputs:
        raise ValueError("inputs must be a non-empty list of tensors")
    if len(inputs) == 1:
        from engine.ops.core import identity
        return identity(inputs[0], name=name)
    return execute(ADD_N, tuple(inputs), None, name)


def _cast_kernel(x, dtype):
    if dtype._np.kind in "iu" and x.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            return np.trunc(x).astype(dtype._np)
    if dtype is dtypes.string or x.dtype == object:
        from engine.ops._util import tf_type_name
        source = dtypes.string if x.dtype == object else dtypes.from_numpy(x.dtype)
        raise errors.UnimplementedError(
            None, None, f"Cast {tf_type_name(source)} to {tf_type_name(dtype)} is not "
            "supported. Fix: tf.strings.to_number / tf.strings.as_string convert between "
            "strings and numbers.")
    return x.astype(dtype._np)


def _cast_grad(op, g):
    src = op.inputs[0].dtype
    if src.is_floating and op.get_attr("dtype").is_floating:
        return (cast(g, src),)
    return (None,)


CAST = register("Cast", _cast_kernel,
                lambda inputs, attrs: [(attrs["dtype"], inputs[0].shape)], _cast_grad)


def cast(x, dtype, name=None):
    """x converted elementwise to `dtype` (floats to ints truncate toward zero)."""
    from engine.ops.core import convert_to_tensor
    dtype = dtypes.as_dtype(dtype)
    x = convert_to_tensor(x)
    if x.dtype is dtype:
        return x
    return execute(CAST, (x,), {"dtype": dtype}, name)


def saturate_cast(value, dtype, name=None):
    """cast that clips to the range of `dtype` first instead of wrapping around."""
    from engine.ops.core import convert_to_tensor
    dtype = dtypes.as_dtype(dtype)
    value = convert_to_tensor(value)
    if value.dtype.is_numeric and dtype.is_numeric and not dtype.is_complex:
        src = value.dtype
        lo = max(float(src.min), float(dtype.min))
        hi = min(float(src.max), float(dtype.max))
        if src.is_integer:
            lo, hi = int(np.ceil(lo)), int(np.floor(hi))
        if lo > float(src.min) or hi < float(src.max):
            value = clip_by_value(value, src._np.type(lo), src._np.type(hi))
    return cast(value, dtype, name=name)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """t clipped elementwise to [clip_value_min, clip_value_max]."""
    return minimum(maximum(t, clip_value_min), clip_value_max, name=name)


# ---------------------------------------------------------------- broadcasting -----

def _broadcast_gradient_args_kernel(s0, s1):
    """The axes to sum a broadcast result's gradient over, for each of two shapes."""
    s0, s1 = [int(d) for d in s0], [int(d) for d in s1]
    n = max(len(s0), len(s1))
    p0, p1 = [1] * (n - len(s0)) + s0, [1] * (n - len(s1)) + s1
    r0 = [i for i in range(n) if p0[i] == 1 and p1[i] != 1 or i < n - len(s0)]
    r1 = [i for i in range(n) if p1[i] == 1 and p0[i] != 1 or i < n - len(s1)]
    return np.array(r0, np.int32), np.array(r1, np.int32)


BROADCAST_GRADIENT_ARGS = register(
    "BroadcastGradientArgs", _broadcast_gradient_args_kernel,
    lambda inputs, attrs: [(dtypes.int32, TensorShape([None]))] * 2, multi=True)


def _unbroadcast_kernel(grad, like):
    """`grad` summed over the axes along which `like` was broadcast, in like's shape."""
    gs, ts = np.shape(grad), np.shape(like)
    if gs == ts:
        return grad
    lead = len(gs) - len(ts)
    if lead < 0 or any(t != 1 and t != g for t, g in zip(ts, gs[lead:])):
        raise errors.InvalidArgumentError(
            None, None, f"Incompatible shapes: a gradient of shape {list(gs)} cannot come "
            f"from broadcasting an input of shape {list(ts)}")
    axes = tuple(range(lead)) + tuple(lead + i for i, t in enumerate(ts)
                                      if t == 1 and gs[lead + i] != 1)
    return np.sum(grad, axis=axes, dtype=grad.dtype).reshape(ts)


def _unbroadcast_grad(op, g):
    from engine.ops import array
    return array.broadcast_to(g, array.shape(op.inputs[0])), None


UNBROADCAST = register(
    "Unbroadcast", _unbroadcast_kernel,
    lambda inputs, attrs: [(inputs[0].dtype, inputs[1].shape)], _unbroadcast_grad)


def unbroadcast_to_shape_of(grad, like, name=None):
    """twinflow's fused gradient reduction: Shape, BroadcastGradientArgs, Sum and Reshape
    in one op, for shapes only known when the graph runs."""
    return execute(UNBROADCAST, (grad, like), None, name)


def broadcast_gradient_args(s0, s1, name=None):
    """(axes to reduce for shape s0, axes for s1) when both broadcast together."""
    return execute(BROADCAST_GRADIENT_ARGS, (s0, s1), None, name)

