"""What AutoGraph's converted code calls, as `ag__.if_stmt`, `ag__.while_stmt`, ...

eager/autograph.py rewrites a Python `if`, `while` or `for` into local functions over
the variables the statement assigns (its *state*) and one call here. The decision that
Python cannot make at conversion time is made here, at run time, from the value:
a condition (or a `for` iterable) that is a symbolic graph tensor turns the statement
into tf.cond / tf.while_loop; anything else (a Python bool, an EagerTensor) runs the
same local functions as plain Python, so eager code keeps Python's semantics exactly.

A variable the statement assigns but that has no value yet is passed as an
`Undefined`: it behaves like Python's unbound local (using it raises
UnboundLocalError), and under tf.cond / tf.while_loop it becomes the error TensorFlow
gives ("'y' must also be initialized in the else branch").
"""

from __future__ import annotations

import builtins
import functools
import linecache
import os
import sys
import sysconfig
import types

from engine import context, nest
from engine.ops.array_create import range as tf_range
from engine.ops.array_create import zeros
from engine.ops.array_shape import shape
from engine.ops.core import convert_to_tensor, identity, no_op
from engine.ops.math import logical_not
from engine.tensor_array import TensorArray
from engine.tensor_base import TensorBase
from graph.control_flow import cond, while_loop
from graph.tensor import Operation, Tensor
from graph.variables_v1 import group

__all__ = [
    "UNDEFINED",
    "Undefined",
    "UndefinedReturnValue",
    "and_",
    "converted_call",
    "for_stmt",
    "guarded_iter",
    "if_exp",
    "if_stmt",
    "len_",
    "not_",
    "or_",
    "range_",
    "ret",
    "state",
    "while_stmt",
]


# ----------------------------------------------------------------- Undefined ----------------

class Undefined:
    """The value of a variable a statement assigns before anything assigned it.

    Converted code passes variables around as function arguments, so an unbound local
    needs a value; this one raises Python's own UnboundLocalError as soon as it is used.
    """

    __slots__ = ("name",)

    def __init__(self, name=None):
        self.name = name

    def _fail(self, *args, **kwargs):
        raise UnboundLocalError(f"cannot access local variable {self.name or '?'!r} where it "
                                "is not associated with a value")

    def __getattr__(self, attr):
        if attr.startswith("__"):  # protocol probes (copy, numpy, hasattr) stay quiet
            raise AttributeError(attr)
        self._fail()

    def __repr__(self):
        return f"<Undefined {self.name or '?'}>"


for _dunder in ("bool", "iter", "len", "call", "getitem", "setitem", "index", "int", "float",
                "neg", "pos", "abs", "invert", "lt", "le", "gt", "ge", "add", "radd", "sub",
                "rsub", "mul", "rmul", "truediv", "rtruediv", "floordiv", "rfloordiv", "mod",
                "rmod", "pow", "rpow", "matmul", "rmatmul", "and", "rand", "or", "ror",
                "xor", "rxor", "contains", "format"):
    setattr(Undefined, f"__{_dunder}__", Undefined._fail)

UNDEFINED = Undefined()


class UndefinedReturnValue(Undefined):
    """The function's return value before a `return` ran (a lowered return assigns it)."""

    __slots__ = ()


def ret(value):
    """The converted function's result: None when no `return` ran, as in Python."""
    return None if isinstance(value, UndefinedReturnValue) else value


def state(frame_locals, names):
    """The current values of `names` in a frame's locals(), Undefined where unbound."""
    return tuple(frame_locals[n] if n in frame_locals else Undefined(n) for n in names)


def _is_symbolic(value) -> bool:
    return isinstance(value, Tensor)


def _where(depth=2) -> str:
    """'file:line (source)' of the converted statement that called the runtime."""
    frame = sys._getframe(depth)
    path, line = frame.f_code.co_filename, frame.f_lineno
    text = linecache.getline(path, line).strip()
    return f"{path}:{line}" + (f" (`{text}`)" if text else "")


# ----------------------------------------------------------------- if ---------------------

def if_stmt(test, if_body, else_body, values, names):
    """`names = if_body(*values) if test else else_body(*values)`: tf.cond when `test`
    is a symbolic tensor (both branches traced, the taken one runs), else Python.

    Raises:
        ValueError: under tf.cond, a variable later code reads is given a value by one
            branch only.
    """
    if not _is_symbolic(test):
        return if_body(*values) if test else else_body(*values)
    return _graph_if(test, if_body, else_body, values, names, _where())


def _graph_if(test, if_body, else_body, values, names, where):
    missing, outputs = {}, {}

    def branch(fn, label):
        def run():
            out = fn(*values)
            missing[label] = [n for n, v in zip(names, out) if isinstance(v, Undefined)]
            outputs[label] = out
            if len(missing) == 2:
                _check_both_defined(missing, outputs, names, where)
                _check_branches_agree(outputs, names, where)
            context = f"at the end of the {label} branch of the `if` at {where}, a tf.cond"
            out = tuple(False if isinstance(v, Undefined) else _as_output(n, v, context)
                        for n, v in zip(names, out))
            return _after_effects(out) if names else (_effects_op(),)
        return run
    out = cond(test, branch(if_body, "main"), branch(else_body, "else"))
    if not names:
        return ()
    nowhere = set(missing["main"])  # undefined in both branches: still undefined after
    return tuple(Undefined(n) if n in nowhere else v for n, v in zip(names, out))


def _check_both_defined(missing, outputs, names, where):
    for label, other in (("main", "else"), ("else", "main")):
        for name, value in zip(names, outputs[label]):
            if isinstance(value, UndefinedReturnValue) and name not in missing[other]:
                raise ValueError(f"the {label} branch must also have a return statement.\n  "
                                 f"the `if` at {where} runs as a tf.cond (its condition is a "
                                 "symbolic tensor): both branches must return a value.")
        for name in missing[label]:
            if name not in missing[other]:
                raise ValueError(
                    f"{name!r} must also be initialized in the {label} branch\n  the `if` "
                    f"at {where} runs as a tf.cond (its condition is a symbolic tensor), so "
                    f"{name!r}, which later code reads, needs a value whichever branch runs."
                    f"\n  Fix: assign {name!r} before the `if`, or in both branches.")


def _check_branches_agree(outputs, names, where):
    """TensorFlow's messages for a variable (or the return value) whose two branch values
    differ in nesting, are None, or differ in dtype."""
    for name, main, other in zip(names, outputs["main"], outputs["else"]):
        if isinstance(main, Undefined) or isinstance(other, Undefined):
            continue
        label = repr(name)
        try:
            nest.assert_same_structure(main, other)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"{label} must have the same nested structure in the main and "
                            f"else branches:\n\n{exc}\n  (the `if` at {where} runs as a "
                            "tf.cond: both branches must give it the same structure)") from None
        for a, b in zip(nest.flatten(main), nest.flatten(other)):
            for branch, v in (("main", a), ("else", b)):
                if v is None:
                    raise ValueError(f"{label} is None at the end of the {branch} branch (the "
                                     f"`if` at {where}); a tf.cond output must be a tensor.")
            da, db = (getattr(_tensor_or(v), "dtype", None) for v in (a, b))
            if da is not None and db is not None and da != db:
                raise TypeError(f"{label} has dtype {da.name} in the main branch, but dtype "
                                f"{db.name} in the else branch (the `if` at {where}).")


def _tensor_or(value):
    if isinstance(value, (bool, int, float, str)):
        try:
            return convert_to_tensor(value)
        except (TypeError, ValueError):
            return value
    return value


def _as_output(name, value, context):
    """`value` with Python leaves as tensors, or a TypeError naming the variable and
    `context` (where the statement needs it as a tensor)."""
    def leaf(v):
        if isinstance(v, (TensorBase, Operation, TensorArray)):
            return v
        try:
            return convert_to_tensor(v)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{name!r} must be a tensor (or a structure of tensors) {context}; it is "
                f"{v!r} ({exc.__class__.__name__}: {str(exc).splitlines()[0]})") from None
    return nest.map_structure(leaf, value)


# Stateful ops that only read: nothing to order.
_READ_ONLY = {"Placeholder", "PlaceholderWithDefault", "Const", "VarHandleOp", "ReadVariableOp",
              "HashTableV2", "LookupTableFindV2", "LookupTableSizeV2", "VarIsInitializedOp"}


def _effects():
    """The ops with an effect (assignments, prints, asserts...) in the branch or body
    being traced: Python ran them in order, so they must run, output or not."""
    return [op for op in context.current_executor().get_operations()
            if op._opdef.stateful and op.type not in _READ_ONLY]


def _effects_op():
    """One op running the effects of a branch that assigns nothing (Case runs a branch's
    Operation outputs)."""
    effects = _effects()
    return group(*effects) if effects else no_op()


def _after_effects(outputs):
    """A branch's or loop body's outputs, computed only after its effects."""
    effects = _effects()
    if not effects:
        return outputs
    with context.current_executor().control_dependencies(effects):
        return nest.map_structure(lambda v: identity(v) if isinstance(v, Tensor) else v,
                                  outputs)


# ----------------------------------------------------------------- while / for -----------

def while_stmt(test, body, values, names):
    """`while test(*values): values = body(*values)`: a tf.while_loop once the test is
    a symbolic tensor (the state's Python numbers become tensors), else Python.

    Raises:
        ValueError / TypeError: under tf.while_loop, a variable is used after or across
            iterations without a value before the loop, or changes dtype or shape.
    """
    test_value = test(*values)
    while not _is_symbolic(test_value):
        if not test_value:
            return values
        values = body(*values)
        test_value = test(*values)
    return _graph_while(test, body, values, names, _where())


def for_stmt(iterable, body, values, names, iterate_names=(), extra_test=None):
    """`for item in iterable: values = body(item, *values)`: a tf.while_loop over the
    first dimension when `iterable` is a symbolic tensor, else a Python for loop.

    `iterate_names`: the loop's target variables among `names` (read after the loop):
    under tf.while_loop they start as zeros shaped like one element. `extra_test(*values)`:
    the loop goes on only while it is true (a lowered break or return), checked before
    each item.

    Raises:
        NotImplementedError: a Python iterable whose break or return depends on a symbolic
            tensor (as in TensorFlow: the loop cannot stop at a value that does not exist).
    """
    if not _is_symbolic(iterable):
        if extra_test is not None:  # asked before the next item, as Python stops
            iterable = guarded_iter(iterable, lambda: _python_bool(extra_test(*values)))
        for item in iterable:
            values = body(item, *values)
        return values
    where = _where()
    if iterable.shape.rank == 0:
        raise TypeError(f"Cannot iterate over a scalar tensor: the `for` at {where}.")
    length = shape(iterable)[0]
    values = tuple(_element_zeros(iterable) if isinstance(v, Undefined) and n in iterate_names
                   else v for n, v in zip(names, values))

    def test(i, *current):
        if extra_test is None:
            return i < length
        return and_(lambda: i < length, lambda: extra_test(*current))

    def step(i, *current):
        return (i + 1, *body(iterable[i], *current))
    return _graph_while(test, step, (0, *values), ("<index>", *names), where)[1:]


def _python_bool(value):
    if _is_symbolic(value):
        raise NotImplementedError(
            "break and return statements which depend on a TF condition are not supported in"
            f" Python for loops. Did you intend to make it a TF loop?\n  the loop at "
            f"{_where(3)} iterates over a Python value.\n  Fix: iterate over a tensor "
            "(for i in tf.range(n)) so the loop runs as a tf.while_loop.")
    return bool(value)


def _element_zeros(iterable):
    element = zeros(shape(iterable)[1:], iterable.dtype)
    element.set_shape(iterable.shape[1:])
    return element


def _graph_while(test, body, values, names, where):
    if not names:  # nothing carried: the condition reads state (a Variable) by itself
        return _graph_while(lambda i: test(), lambda i: (i + 1, *body()), (0,), ("<n>",),
                            where)[1:]
    for name, value in zip(names, values):
        if isinstance(value, UndefinedReturnValue):
            raise NotImplementedError(
                "a return statement cannot be placed inside this TensorFlow loop; this may "
                "happen if a return statement depends on a static Python condition such as a"
                f" hyperparameter\n  the loop at {where} runs as a tf.while_loop.\n  Fix: "
                "keep the result in a variable, `break` out of the loop, return after it.")
        if isinstance(value, Undefined):
            raise ValueError(
                f"{name!r} must be defined before the loop\n  the loop at {where} runs as a "
                f"tf.while_loop (its condition is a symbolic tensor), which needs a value, "
                f"with its final dtype and shape, for every variable the loop assigns and "
                f"also reads or leaves for later code.\n  Fix: assign {name!r} before the "
                f"loop (e.g. {name} = tf.zeros(...)).")
    entry = f"entering the loop at {where}, a tf.while_loop"
    initial = tuple(_as_output(n, v, entry) for n, v in zip(names, values))
    end = f"at the end of the body of the loop at {where}, a tf.while_loop"

    def checked_body(*current):
        out = tuple(body(*current))
        for name, value in zip(names, out):
            if isinstance(value, Undefined):
                raise ValueError(f"{name!r} has no value at the end of the body of the loop "
                                 f"at {where}")
        out = tuple(_as_output(n, v, end) for n, v in zip(names, out))
        _check_iteration(names, current, out, where)
        return _after_effects(out)
    return tuple(while_loop(test, checked_body, initial))


def _check_iteration(names, before, after, where):
    """TensorFlow's messages for a loop variable that changes dtype or shape."""
    for name, old, new in zip(names, before, after):
        for a, b in zip(nest.flatten(old), nest.flatten(new)):
            if not isinstance(a, Tensor) or not isinstance(b, TensorBase):
                continue
            if a.dtype != b.dtype:
                raise TypeError(f"{name!r} has dtype {a.dtype.name} before the loop, but "
                                f"dtype {b.dtype.name} after one iteration (the loop at "
                                f"{where}).")
            if not a.shape.is_compatible_with(b.shape):
                raise ValueError(
                    f"{name!r} has shape {_fmt(a.shape)} before the loop, but shape "
                    f"{_fmt(b.shape)} after one iteration (the loop at {where}).\n  Fix: "
                    "to let its shape change, write the loop with tf.while_loop(..., "
                    "shape_invariants=...).")


def _fmt(static_shape):
    return "<unknown>" if static_shape.rank is None else str(tuple(static_shape.as_list()))


# ----------------------------------------------------------------- and / or / not ----------

def and_(*operands):
    """`a and b and ...` (operands as thunks): lazy like Python; once a value is a
    symbolic tensor the rest is evaluated under tf.cond (only when it is True)."""
    value = operands[0]()
    for i, thunk in enumerate(operands[1:], 2):
        if _is_symbolic(value):
            return cond(value, lambda rest=operands[i - 1:]: and_(*rest), lambda: False)
        if not value:
            return value
        value = thunk()
    return value


def or_(*operands):
    """`a or b or ...` (operands as thunks), the same way as and_."""
    value = operands[0]()
    for i, thunk in enumerate(operands[1:], 2):
        if _is_symbolic(value):
            return cond(value, lambda: True, lambda rest=operands[i - 1:]: or_(*rest))
        if value:
            return value
        value = thunk()
    return value


def range_(range_fn, *args):
    """`range(*args)`, or tf.range when `range_fn` is the builtin and an argument is a
    symbolic tensor (so `for i in range(n)` becomes a tf.while_loop)."""
    if range_fn is builtins.range and any(_is_symbolic(a) for a in args):
        return tf_range(*args)
    return range_fn(*args)


def not_(value):
    """`not value`: tf.logical_not for a symbolic tensor."""
    return logical_not(value) if _is_symbolic(value) else not value


def guarded_iter(iterable, go_on):
    """The items of `iterable` while `go_on()` is true, asked before taking each one: a
    lowered `break` in a loop left as Python stops it exactly where Python would."""
    iterator = iter(iterable)
    while go_on():
        try:
            item = next(iterator)
        except StopIteration:
            return
        yield item


def if_exp(test, if_true, if_false):
    """`if_true() if test else if_false()`: tf.cond for a symbolic test."""
    if _is_symbolic(test):
        return cond(test, if_true, if_false)
    return if_true() if test else if_false()


# ----------------------------------------------------------------- calls ------------------

_CONVERT = []  # [convert], registered by eager/autograph.py (it imports this module)


def register_converter(convert):
    _CONVERT[:] = [convert]


def converted_call(__f, /, *args, **kwargs):
    """`f(*args, **kwargs)` with a user function converted first (TensorFlow converts the
    functions a converted function calls, so their `if`/`while` over tensors work too);
    `len` and `range` of symbolic tensors become len_ / tf.range."""
    f = __f
    if f is builtins.len and len(args) == 1 and not kwargs:
        return len_(args[0])
    if f is builtins.range and not kwargs:
        return range_(f, *args)
    if _CONVERT and _is_user_code(f):
        f = _CONVERT[0](f)
    elif _CONVERT and _is_user_code(type(f).__call__) and not isinstance(f, type):
        call = _CONVERT[0](type(f).__call__)  # an object with its own __call__
        return call(f, *args, **kwargs)
    return f(*args, **kwargs)


def len_(value):
    """`len(value)`: for a symbolic tensor its static first dimension when known, else
    the tensor tf.shape(value)[0] (TensorFlow's len in converted code)."""
    if not _is_symbolic(value):
        return len(value)
    if value.shape.rank == 0:
        raise ValueError(f"len requires a non-scalar tensor, got one of shape "
                         f"{value.shape} ({value.name})")
    if value.shape.rank is not None and value.shape[0] is not None:
        return int(value.shape[0])
    return shape(value)[0]


_LIBRARY_DIRS = tuple(sorted({
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep + d + os.sep
    for d in ("engine", "graph", "eager", "twinflow")} | {
    os.path.abspath(p) + os.sep for key in ("stdlib", "platstdlib", "purelib", "platlib")
    for p in [sysconfig.get_paths().get(key)] if p}))


def _is_user_code(f) -> bool:
    """A Python function (or a method of one) written outside twinflow, the standard
    library and installed packages: TensorFlow converts those, not library code."""
    f = getattr(f, "__func__", f)
    if isinstance(f, functools.partial):
        return False
    code = getattr(f, "__code__", None)
    if code is None or not isinstance(f, types.FunctionType):
        return False
    return not os.path.abspath(code.co_filename).startswith(_LIBRARY_DIRS)
