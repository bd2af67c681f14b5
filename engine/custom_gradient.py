"""tf.custom_gradient: a function whose gradient the user writes.

The decorated function runs as usual (eagerly, or building ops into a graph) but no
tape records it; then ONE op, CustomGradient, passes its outputs through while also
taking the function's inputs and the handles of the trainable variables it read. The
op's gradient is the user's `grad_fn`, so GradientTape and tf.gradients both see it, and
nothing flows back through the forward ops themselves. (TensorFlow builds an IdentityN
op with a gradient override; the effect is the same.)
"""

from __future__ import annotations

import functools
import inspect

from engine import context, nest
from engine.context import execute
from engine.registry import register

__all__ = ["custom_gradient", "CUSTOM_GRADIENT"]


def _kernel(*values, n_out, grad_fn, variables):
    return tuple(values[:n_out])


def _infer(inputs, attrs):
    return [(t.dtype, t.shape) for t in inputs[:attrs["n_out"]]]


def _gradient(op, *dys):
    """The user's grad_fn, its result checked against the inputs it must cover."""
    n_out, grad_fn = op.get_attr("n_out"), op.get_attr("grad_fn")
    variables = op.get_attr("variables")
    n_in = len(op.inputs) - n_out - len(variables)
    name = getattr(grad_fn, "__name__", "grad_fn")
    if variables:
        result = grad_fn(*dys, variables=list(variables))
        if not (isinstance(result, (list, tuple)) and len(result) == 2):
            raise ValueError(f"custom_gradient: {name}(..., variables=...) must return a pair "
                             "(gradients for the inputs, gradients for the variables); got "
                             f"{result!r}")
        input_grads, variable_grads = result
        variable_grads = list(nest.flatten(variable_grads))
    else:
        input_grads, variable_grads = grad_fn(*dys), []
    input_grads = list(input_grads) if isinstance(input_grads, (list, tuple)) else [input_grads]
    if len(input_grads) != n_in:
        raise ValueError(f"custom_gradient function expected to return {n_in} gradients, "
                         f"but returned {len(input_grads)} instead: {name} must return one "
                         "gradient (or None) per input of the decorated function.")
    if len(variable_grads) != len(variables):
        raise ValueError(f"custom_gradient: {name} returned {len(variable_grads)} variable "
                         f"gradients for {len(variables)} variables "
                         f"({', '.join(v.name for v in variables)}).")
    return (None,) * n_out + tuple(input_grads) + tuple(variable_grads)


CUSTOM_GRADIENT = register("CustomGradient", _kernel, _infer, _gradient, multi=True)


class _VariableWatcher:
    """Collects the trainable variables read while it is active (engine.context tells it)."""

    def __init__(self):
        self.variables = []

    def __call__(self, variable):
        if variable.trainable and all(v is not variable for v in self.variables):
            self.variables.append(variable)


def _run_unrecorded(fn, args, kwargs):
    """fn(*args, **kwargs) with no eager tape recording it, watching variable reads."""
    executor = context.current_executor()
    tapes = getattr(executor, "tapes", None)
    watcher = _VariableWatcher()
    if tapes:
        executor.tapes = []
    try:
        with context.watch_variables(watcher):
            result = fn(*args, **kwargs)
    finally:
        if tapes:
            executor.tapes = tapes
    return result, watcher.variables


def _accepts_variables(grad_fn) -> bool:
    try:
        params = inspect.signature(grad_fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == "variables" or p.kind is p.VAR_KEYWORD for p in params)


def custom_gradient(f=None):
    """Decorator: `f(*x)` returns `(y, grad_fn)`; gradients of y are `grad_fn(*dy)`.

    grad_fn returns one gradient (or None) per input of f; when f reads trainable
    variables, it is called as `grad_fn(*dy, variables=[...])` and returns
    `(input_gradients, variable_gradients)`.

    Raises (when the decorated function is called):
        TypeError: f read variables but grad_fn takes no `variables` keyword.
        ValueError: f did not return a (result, grad_fn) pair; keyword arguments while
            building a graph (TensorFlow allows them only eagerly).
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        from engine.ops.core import convert_to_tensor  # noqa: PLC0415 - ops import engine
        if kwargs and not context.executing_eagerly():
            raise ValueError("The custom_gradient decorator currently supports keywords "
                             "arguments only when eager execution is enabled.")
        inputs = [convert_to_tensor(x) for x in nest.flatten(list(args))]
        args = nest.pack_sequence_as(list(args), inputs)
        result, variables = _run_unrecorded(f, args, kwargs)
        if not (isinstance(result, tuple) and len(result) == 2 and callable(result[1])):
            raise ValueError(f"@tf.custom_gradient: {f.__name__} must return a pair "
                             f"(result, grad_fn); got {type(result).__name__}")
        value, grad_fn = result
        if variables and not _accepts_variables(grad_fn):
            raise TypeError(
                f"@tf.custom_gradient: {f.__name__} reads the variables "
                f"{[v.name for v in variables]}, so its grad_fn must accept a keyword "
                "argument 'variables' and return (input gradients, variable gradients).")
        for v in variables:  # outer tapes watch them, as if f's reads were recorded
            context.variable_accessed(v)
        ys = [convert_to_tensor(y) for y in nest.flatten(value)]
        handles = [v.handle for v in variables]
        outs = execute(CUSTOM_GRADIENT, (*ys, *inputs, *handles),
                       {"n_out": len(ys), "grad_fn": grad_fn, "variables": tuple(variables)},
                       "CustomGradient")
        return nest.pack_sequence_as(value, list(outs))
    return decorated
