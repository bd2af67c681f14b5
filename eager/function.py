"""tf.function: trace eager Python into a graph once per signature, then run its plan.

A call computes a key from its arguments (eager/function_signature.py). A new key
traces the Python function into a FuncGraph — placeholders for tensor arguments,
variables captured by reference, variables it creates made outside the graph on the
first trace — compiles it with the Session's plan compiler (graph/plan.py), and
caches the ConcreteFunction. Later calls run the plan as ONE call op
(graph/function_call.py), which a GradientTape records and differentiates through.
"""

from __future__ import annotations

import builtins
import collections
import contextlib
import functools
import inspect
import warnings
import weakref

from engine import context, nest
from engine.ops.core import convert_to_tensor, placeholder
from engine.tensor_base import TensorBase
from engine.tensor_spec import TensorSpec
from eager import function_signature as sig
from eager.function_signature import SpecValue as _SpecValue
from eager.concrete_function import TENSOR as _TENSOR, ConcreteFunction
from graph.func_graph import FuncGraph, TracedFunction, effect_ops, own_output
from graph.tensor import Operation, user_frame

__all__ = ["function", "Function", "ConcreteFunction", "run_functions_eagerly",
           "functions_run_eagerly", "SideEffectNote"]

_RUN_EAGERLY = False
_RETRACE_WINDOW = 5


class SideEffectNote(UserWarning):
    """A Python side effect ran while tracing: it will not run on later calls."""


def run_functions_eagerly(run_eagerly: bool) -> None:
    """tf.config.run_functions_eagerly: call tf.functions' Python directly (debugging)."""
    global _RUN_EAGERLY
    _RUN_EAGERLY = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    return _RUN_EAGERLY


class Function:
    """A Python function that runs as a graph: what `@tf.function` returns."""

    def __init__(self, python_function, input_signature=None, reduce_retracing=False,
                 jit_compile=None, autograph=True, name=None):
        functools.update_wrapper(self, python_function)
        self._python_function = python_function
        self._signature = None if input_signature is None else list(input_signature)
        self._reduce_retracing = reduce_retracing
        self._autograph = autograph
        self._name = name or getattr(python_function, "__name__", "function")
        self._cache = {}
        self._log = []
        self._recent = collections.deque(maxlen=_RETRACE_WINDOW)
        self._bound = weakref.WeakKeyDictionary()
        self._bind = sig.binder(python_function)

    @property
    def python_function(self):
        return self._python_function

    @property
    def input_signature(self):
        return self._signature

    def __get__(self, instance, owner):
        """A method: one Function (and one trace cache) per instance, as in TensorFlow."""
        if instance is None:
            return self
        bound = self._bound.get(instance)
        if bound is None:
            bound = Function(self._python_function.__get__(instance, owner), self._signature,
                             self._reduce_retracing, autograph=self._autograph,
                             name=self._name)
            self._bound[instance] = bound
        return bound

    # -- calling --------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if _RUN_EAGERLY:
            return self._python_function(*args, **kwargs)
        if getattr(context.current_executor(), "lifts_variables", False):
            return self._python_function(*args, **kwargs)  # nested: traced inline
        concrete, arguments = self._concrete(args, kwargs, count_call=True)
        return concrete._call_flat(_call_tensors(arguments))

    def get_concrete_function(self, *args, **kwargs):
        """The trace for these arguments (TensorSpecs allowed), tracing if needed; with an
        input_signature and no arguments, the signature's trace."""
        if not args and not kwargs and self._signature is not None:
            args = tuple(self._signature)
        return self._concrete(args, kwargs, count_call=False)[0]

    def experimental_get_tracing_count(self) -> int:
        """How many times the Python function was traced."""
        return len(self._log)

    def trace_log(self) -> list:
        """One line per trace: its number and the argument key that caused it."""
        return list(self._log)

    def _concrete(self, args, kwargs, count_call):
        arguments = self._arguments(args, kwargs)
        key = (id(context.current_executor()), sig.call_key(arguments))
        concrete = self._cache.get(key)
        if concrete is None and self._reduce_retracing:
            concrete = self._relaxed_match(key)
        if count_call:
            self._recent.append(concrete is None)
        if concrete is None:
            if self._reduce_retracing and self._cache:
                traced_with = self._relax(arguments)
                key = (key[0], sig.call_key(traced_with))
            else:
                traced_with = arguments
            concrete = self._trace(traced_with, key)
            self._cache[key] = concrete
            self._warn_if_retracing(key)
        return concrete, arguments

    def _arguments(self, args, kwargs):
        arguments = self._bind(args, kwargs)
        if self._signature is None:
            return arguments
        return _apply_signature(self._name, arguments, self._signature)

    # -- reduce_retracing --------------------------------------------------------------------
    def _relaxed_match(self, key):
        for cached_key, concrete in self._cache.items():
            if _compatible(cached_key[1], key[1]) and cached_key[0] == key[0]:
                return concrete
        return None

    def _relax(self, arguments):
        """Tensor arguments as TensorSpecs with None where earlier traces' shapes differ."""
        previous = [k[1] for k in self._cache]

        def relax(name, index, value):
            if not sig.is_tensor_leaf(value):
                return value
            dims = list(value.shape)
            for key in previous:
                for pname, _, leaves in key:
                    if pname == name and index < len(leaves) and leaves[index][0] == "tensor":
                        old = leaves[index][2]
                        if old is not None and len(old) == len(dims):
                            dims = [d if d == o else None for d, o in zip(dims, old)]
            dtype = value.dtype if isinstance(value, TensorBase) else value.dtype.name
            return TensorSpec(dims, dtype)
        out = {}
        for name, value in arguments.items():
            leaves = _leaves(value)
            relaxed = [relax(name, i, v) for i, v in enumerate(leaves)]
            out[name] = nest.pack_sequence_as(value, relaxed) if isinstance(
                value, (list, tuple, dict)) else relaxed[0]
        return out

    # -- tracing ------------------------------------------------------------------------------
    def _trace(self, arguments, key):
        graph = FuncGraph(f"{self._name}", lifts_variables=True)
        fn = self._converted()
        with graph.as_default(), _watch_prints(self._name) as printed:
            inputs, call_args, call_kwargs = _placeholders(fn, arguments)
            graph.inputs = inputs
            result = fn(*call_args, **call_kwargs)
            template, outputs, effects = _outputs(graph, result)
        if self._log and graph.created_variables:
            v = graph.created_variables[0]
            raise ValueError(
                f"tf.function only supports singleton tf.Variables created on the first "
                f"call. Make sure the tf.Variable is only created once or created outside "
                f"tf.function. {self._name!r} created variable {v.name!r} again on trace "
                f"{len(self._log) + 1} ({_describe(key)}).")
        traced = TracedFunction(graph, tuple(outputs) + tuple(effects), inputs,
                                graph.captures)
        traced.stateful = any(op._opdef.stateful and op.type not in ("Placeholder", "Const")
                              for op in graph._ops)
        self._log.append(f"trace {len(self._log) + 1}: {_describe(key)}")
        for line in printed:
            warnings.warn(f"print() at {line} ran while tracing {self._name!r}: Python side "
                          "effects run only when tf.function traces, not on every call. Use "
                          "tf.print to print on every call.", SideEffectNote, stacklevel=4)
        return ConcreteFunction(traced, template, key, self._name)

    def _converted(self):
        if not self._autograph:
            return self._python_function
        try:
            from eager import autograph
        except ImportError:  # pragma: no cover - autograph is part of twinflow
            return self._python_function
        return autograph.convert(self._python_function)

    def _warn_if_retracing(self, key):
        if len(self._recent) == _RETRACE_WINDOW and all(self._recent) and len(self._log) > 1:
            previous = [k for k in self._cache if k != key]
            reasons = sig.describe_change(previous[-1][1], key[1]) if previous else []
            warnings.warn(
                f"{_RETRACE_WINDOW} out of the last {_RETRACE_WINDOW} calls to "
                f"<function {self._name}> triggered tf.function retracing. Tracing is "
                "expensive and the excessive number of tracings could be due to (1) creating "
                "@tf.function repeatedly in a loop, (2) passing tensors with different "
                "shapes, (3) passing Python objects instead of tensors.\n  Why:\n    "
                + "\n    ".join(reasons or ["a new argument signature on each call"]),
                stacklevel=4)
            self._recent.clear()

    def __repr__(self):
        return f"<twinflow.Function {self._name} ({len(self._log)} traces)>"


def _call_tensors(arguments):
    """The tensors a call feeds, in placeholder order (signature values converted)."""
    tensors = []
    for value in arguments.values():
        if isinstance(value, _SpecValue):
            value = value.value
        tensors += [convert_to_tensor(leaf) for leaf in _leaves(value)
                    if sig.is_tensor_leaf(leaf)]
    return tensors


def _describe(key):
    return sig.describe_key(key[1])


def _leaves(value):
    return nest.flatten(value) if isinstance(value, (list, tuple, dict)) else [value]


def _compatible(cached, new):
    """A relaxed trace (None dims) accepts a call whose tensors fit its shapes."""
    if len(cached) != len(new):
        return False
    for (n1, s1, l1), (n2, s2, l2) in zip(cached, new):
        if n1 != n2 or s1 != s2 or len(l1) != len(l2):
            return False
        for a, b in zip(l1, l2):
            if a[0] == b[0] == "tensor":
                if a[1] != b[1] or a[2] is None or b[2] is None or len(a[2]) != len(b[2]) \
                        or any(x is not None and x != y for x, y in zip(a[2], b[2])):
                    return False
            elif a != b:
                return False
    return True


def _apply_signature(name, arguments, signature):
    """Arguments checked against input_signature; tensors converted to its dtypes."""
    names = list(arguments)
    if len(signature) > len(names):
        raise TypeError(f"{name}: input_signature has {len(signature)} entries but the "
                        f"function takes {len(names)} arguments")
    out = dict(arguments)
    for pname, spec in zip(names, signature):
        value = arguments[pname]
        flat_specs = nest.flatten(spec)
        flat_values = _leaves(value) if nest.is_nested(spec) else [value]
        if len(flat_specs) != len(flat_values):
            raise TypeError(f"{name}: argument {pname!r} does not match the structure of "
                            f"input_signature {spec!r}")
        converted = []
        for s, v in zip(flat_specs, flat_values):
            t = v if isinstance(v, TensorSpec) else convert_to_tensor(v, dtype_hint=s.dtype)
            if t.dtype != s.dtype or not s.shape.is_compatible_with(t.shape):
                raise TypeError(f"Binding inputs to tf.function {name!r} failed: argument "
                                f"{pname!r} is {TensorSpec(t.shape, t.dtype)!r}, which does "
                                f"not match input_signature {s!r}.")
            converted.append(t)
        out[pname] = nest.pack_sequence_as(spec, converted) if nest.is_nested(spec) \
            else converted[0]
    return _with_specs(out, names, signature)


def _with_specs(arguments, names, signature):
    """The key of a signature call is its specs, so every call shares one trace."""
    keyed = dict(arguments)
    for pname, spec in zip(names, signature):
        keyed[pname] = _SpecValue(arguments[pname], spec)
    return keyed


def _placeholders(fn, arguments):
    """(placeholders, call args, call kwargs): tensor leaves replaced by placeholders."""
    inputs = []

    def stand_in(name, value):
        if isinstance(value, _SpecValue):
            return nest.map_structure(lambda s: _new_input(inputs, name, s.dtype, s.shape),
                                      value.spec)
        if isinstance(value, TensorSpec):
            return _new_input(inputs, name, value.dtype, value.shape)
        if sig.is_tensor_leaf(value):
            t = convert_to_tensor(value)
            return _new_input(inputs, name, t.dtype, t.shape)
        return value
    values = {}
    for name, value in arguments.items():
        if isinstance(value, (list, tuple, dict)):
            values[name] = nest.map_structure(lambda v, n=name: stand_in(n, v), value)
        else:
            values[name] = stand_in(name, value)
    args, kwargs = _split(fn, values)
    return inputs, args, kwargs


def _new_input(inputs, name, dtype, shape):
    t = placeholder(dtype, shape, name=name if not inputs else f"{name}_{len(inputs)}")
    inputs.append(t)
    return t


def _split(fn, values):
    """Bound arguments back into (args, kwargs) for the call."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return list(values.values()), {}
    args, kwargs = [], {}
    for name, value in values.items():
        kind = params[name].kind if name in params else inspect.Parameter.KEYWORD_ONLY
        if kind == inspect.Parameter.VAR_POSITIONAL:
            args.extend(value)
        elif kind == inspect.Parameter.VAR_KEYWORD:
            kwargs.update(value)
        elif kind == inspect.Parameter.KEYWORD_ONLY:
            kwargs[name] = value
        else:
            args.append(value)
    return args, kwargs


def _outputs(graph, result):
    """(output template, output tensors, ops to run for their effect).

    The template has _TENSOR where an output tensor goes and None elsewhere. Every op
    with an effect (assignments, tf.print, asserts, random draws) runs on every call,
    in program order, whether or not it is returned — TensorFlow 2's automatic
    control dependencies.
    """
    tensors = []

    def slot(value):
        if value is None or isinstance(value, Operation):
            return None
        tensors.append(own_output(graph, value))
        return _TENSOR
    template = None if result is None else nest.map_structure(slot, result)
    effects = effect_ops(graph._ops)
    effects += [v for v in nest.flatten(result) if isinstance(v, Operation)
                and v not in effects]
    return template, tensors, effects


@contextlib.contextmanager
def _watch_prints(name):
    """Records where print() runs while tracing (it prints once, not per call)."""
    printed, original = [], builtins.print

    def traced_print(*args, **kwargs):
        printed.append(user_frame())
        return original(*args, **kwargs)
    builtins.print = traced_print
    try:
        yield printed
    finally:
        builtins.print = original


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_implements=None,
             experimental_autograph_options=None, experimental_attributes=None,
             experimental_relax_shapes=None, experimental_compile=None,
             experimental_follow_type_hints=None, name=None):
    """tf.function: as a decorator (`@tf.function` or `@tf.function(...)`) or a call.

    `experimental_relax_shapes` is the old name of `reduce_retracing`; the other
    experimental options are accepted and change nothing (there is no XLA here)."""
    reduce_retracing = bool(reduce_retracing or experimental_relax_shapes)

    def wrap(f):
        return Function(f, input_signature, reduce_retracing, jit_compile, autograph, name)
    return wrap if func is None else wrap(func)

