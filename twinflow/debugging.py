"""tf.debugging: assertions, check_numerics and enable_check_numerics.

Each assertion is one Assert op over an elementwise condition, so both modes report
the same thing: eagerly it raises at once, in a graph the returned op raises when it
runs (put it in `tf.control_dependencies` or fetch it). Failures are
InvalidArgumentError naming the condition, the tensors, the first failing element
and, in a graph, the op and the line that built it.
"""

from __future__ import annotations

from engine import context, dtypes
from engine.ops import math as _math
from engine.ops.array import shape as _shape
from engine.ops.array import stack as _stack
from engine.ops.core import convert_to_tensor
from engine.ops.debug import Assert, assert_elementwise, check_numerics  # noqa: F401
from engine.ops.reduce import reduce_all
from eager.numerics_check import disable_check_numerics, enable_check_numerics  # noqa: F401
from twinflow.compare_modes import compare_modes  # noqa: F401

__all__ = ["Assert", "assert_equal", "assert_none_equal", "assert_less",
           "assert_less_equal", "assert_greater", "assert_greater_equal", "assert_positive",
           "assert_negative", "assert_non_negative", "assert_non_positive", "assert_rank",
           "assert_shapes", "assert_type", "check_numerics", "enable_check_numerics",
           "disable_check_numerics", "compare_modes"]


def _label(t, fallback):
    name = getattr(t, "name", None)
    return f"{fallback} ({name})" if name and not context.executing_eagerly() else fallback


def _result(op):
    return None if context.executing_eagerly() else op


def _compare(fn, symbol, x, y, data, summarize, message, name, default_name):
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype_hint=x.dtype)
    with context.name_scope(name or default_name):
        condition = fn(x, y)
        parts = ([message] if message else []) + [
            f"Condition x {symbol} y did not hold element-wise:",
            f"{_label(x, 'x')} = ", x, f"{_label(y, 'y')} = ", y]
        first = len(parts) - 3
        return _result(assert_elementwise(condition, parts + list(data or []),
                                          (first, first + 2), summarize))


def _sign(fn, symbol, x, data, summarize, message, name, default_name):
    x = convert_to_tensor(x)
    with context.name_scope(name or default_name):
        condition = fn(x, _math.cast(0, x.dtype) if x.dtype != dtypes.bool else False)
        parts = ([message] if message else []) + [
            f"Condition x {symbol} 0 did not hold element-wise:", f"{_label(x, 'x')} = ", x]
        return _result(assert_elementwise(condition, parts + list(data or []),
                                          (len(parts) - 1,), summarize))


def _comparison(fn, symbol, default_name):
    def assertion(x, y, data=None, summarize=None, message=None, name=None):
        return _compare(fn, symbol, x, y, data, summarize, message, name, default_name)
    assertion.__name__ = default_name
    assertion.__doc__ = (f"Asserts x {symbol} y elementwise (with broadcasting); None "
                         "eagerly, an op to run in a graph.")
    return assertion


assert_equal = _comparison(_math.equal, "==", "assert_equal")
assert_none_equal = _comparison(_math.not_equal, "!=", "assert_none_equal")
assert_less = _comparison(_math.less, "<", "assert_less")
assert_less_equal = _comparison(_math.less_equal, "<=", "assert_less_equal")
assert_greater = _comparison(_math.greater, ">", "assert_greater")
assert_greater_equal = _comparison(_math.greater_equal, ">=", "assert_greater_equal")


def _signed(fn, symbol, default_name):
    def assertion(x, data=None, summarize=None, message=None, name=None):
        return _sign(fn, symbol, x, data, summarize, message, name, default_name)
    assertion.__name__ = default_name
    assertion.__doc__ = f"Asserts x {symbol} 0 elementwise; None eagerly, an op in a graph."
    return assertion


assert_positive = _signed(_math.greater, ">", "assert_positive")
assert_negative = _signed(_math.less, "<", "assert_negative")
assert_non_negative = _signed(_math.greater_equal, ">=", "assert_non_negative")
assert_non_positive = _signed(_math.less_equal, "<=", "assert_non_positive")


def assert_type(tensor, tf_type, message=None, name=None):
    """TypeError unless `tensor` has dtype `tf_type` (a static check)."""
    tf_type = dtypes.as_dtype(tf_type)
    if tensor.dtype != tf_type:
        raise TypeError(f"{message + ' ' if message else ''}{getattr(tensor, 'name', '')} "
                        f"must be of type {tf_type!r}; got {tensor.dtype!r}")


def assert_rank(x, rank, message=None, name=None):
    """ValueError when the static rank of x differs from `rank`."""
    x = convert_to_tensor(x)
    if x.shape.rank is not None and x.shape.rank != rank:
        raise ValueError(f"{message + ' ' if message else ''}Tensor {_label(x, 'x')} must "
                         f"have rank {rank}.  Received rank {x.shape.rank}, shape {x.shape}")


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """Checks that tensors have the given dims: ints, and symbols (strings) that must
    agree across tensors, e.g. [(x, ('N', 'D')), (y, ('N',))]. Known dims are checked now
    (ValueError); unknown ones in a graph by an Assert op that is returned."""
    pairs = list(shapes.items()) if isinstance(shapes, dict) else list(shapes)
    seen, runtime = {}, []
    for tensor, dims in pairs:
        tensor = convert_to_tensor(tensor)
        dims = list(dims) if not isinstance(dims, str) else [dims]
        if tensor.shape.rank is not None and tensor.shape.rank != len(dims):
            raise ValueError(f"{message + ' ' if message else ''}Specified by tensor "
                             f"{_spec_text(tensor)} rank {len(dims)}.  Received rank "
                             f"{tensor.shape.rank}, shape {_dims_text(tensor)}")
        for axis, want in enumerate(dims):
            if isinstance(want, str) and want not in seen:
                seen[want] = (tensor, axis)
                continue
            ref, ref_axis = seen[want] if isinstance(want, str) else (None, None)
            size = want if ref is None else ref.shape[ref_axis]
            got = tensor.shape[axis] if tensor.shape.rank is not None else None
            if size is not None and got is not None:
                if size != got:
                    raise ValueError(_shape_message(message, ref, ref_axis, tensor, axis,
                                                    size, got))
            else:
                runtime.append((tensor, axis, ref, ref_axis, want))
    if not runtime or context.executing_eagerly():
        return None
    checks = [_math.equal(_shape(t)[a], _shape(r)[ra] if r is not None else w)
              for t, a, r, ra, w in runtime]
    return Assert(reduce_all(_stack(checks)),
                  [message or "assert_shapes failed"] + list(data or []), summarize,
                  name=name or "assert_shapes")


def _spec_text(t):
    return f"shape={_dims_text(t)} dtype={t.dtype.name}"


def _dims_text(t):
    return str(tuple(t.shape.as_list())) if t.shape.rank is not None else "<unknown>"


def _shape_message(message, ref, ref_axis, tensor, axis, size, got):
    origin = (f"Specified by tensor {_spec_text(ref)} dimension {ref_axis}.  "
              if ref is not None else "Specified explicitly.  ")
    return (f"{message + ' ' if message else ''}{origin}Tensor {_spec_text(tensor)} dimension "
            f"{axis} must have size {size}.  Received size {got}, shape {_dims_text(tensor)}")
