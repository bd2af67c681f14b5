"""Gradients of the Case and While ops, built from the graphs the forward ops traced.

Case: each branch's graph gets placeholders for the output gradients and, by the
shared backward driver, the gradient ops of its inputs and captures; the gradient is
another Case op choosing the same branch (so gradients of gradients work the same way).

While: the body's graph gets its backward ops the same way; a WhileGrad op re-runs the
loop keeping each iteration's loop variables, then runs the body's gradient plan once
per iteration in reverse, accumulating captured-tensor gradients in the order the
tape's backward pass adds them (so graph and eager gradients agree bit for bit when
each captured tensor is read once per iteration).
"""

from __future__ import annotations

import numpy as np

from engine import dtypes
from engine.backprop import zero_gradient
from engine.context import execute
from engine.ops.array import zeros_like
from engine.ops.core import placeholder
from engine.ops.list_ops import TensorList
from engine.ops.state import READ
from engine.ops.state import _current as current_value
from engine.registry import NO_GRADIENT, register
from engine.resources import ResourceHandle
from engine.shapes import TensorShape
from graph.func_graph import TracedFunction
from graph.gradients import gradients
from graph.tensor import Operation

__all__ = ["case_grad", "while_grad"]


def _differentiable(t) -> bool:
    return t.dtype.is_floating or t.dtype.is_complex or t.dtype.name in ("resource",
                                                                          "variant")


def _zeros_for(source):
    """Zero gradient of a source in its own graph (a variable handle: of its value)."""
    if source.dtype == dtypes.resource:
        handle = source._static_value()
        dtype = getattr(handle, "dtype_hint", None) or dtypes.float32
        return zeros_like(execute(READ, (source,), {"dtype": dtype}))
    return zero_gradient(source)


def _branch_gradients(fn, outer, dys_of):
    """Gradient tensors (None where unconnected) of fn's inputs then of each `outer`
    tensor's capture, given output-gradient placeholders; all built in fn's graph."""
    graph = fn.graph
    with graph.as_default():
        outputs = [t for t in fn.outputs if not isinstance(t, Operation)]
        dys = dys_of(outputs)
        captures = [(t, graph.capture(t)) for t in outer]
        sources = list(fn.inputs) + [inner for _, inner in captures]
        grads = gradients(outputs, sources, grad_ys=dys) if outputs else [None] * len(sources)
    return dys, captures, sources, grads


def case_grad(op, out_grads):
    """Gradients of a Case op's inputs: (None for the index, args..., captures...)."""
    branches, n_args = op.get_attr("branches"), op.get_attr("n_args")
    args, outer = op.inputs[1:1 + n_args], op.inputs[1 + n_args:]

    def dys_of(outputs):
        return [placeholder(t.dtype, t.shape, name="grad_y") for t in outputs]
    built = [_branch_gradients(fn, outer, dys_of) for fn in branches]
    n_sources = len(built[0][2])
    wanted = [k for k in range(n_sources)
              if _differentiable(built[0][2][k]) and any(b[3][k] is not None for b in built)]
    if not wanted:
        return (None,) * len(op.inputs)
    grad_fns = []
    for fn, (dys, captures, sources, grads) in zip(branches, built):
        with fn.graph.as_default():
            outs = tuple(grads[k] if grads[k] is not None else _zeros_for(sources[k])
                         for k in wanted)
        grad_fns.append(TracedFunction(fn.graph, outs, list(fn.inputs) + dys, captures))
    from graph.control_flow import build_case
    tensor_grads = [g for g, t in zip(out_grads, op.outputs)]
    results = build_case(op.inputs[0], grad_fns, None, args=(*args, *tensor_grads))
    by_source = dict(zip(wanted, results))
    return (None, *[by_source.get(k) for k in range(n_sources)])


# ----------------------------------------------------------------- While -----------------

def _while_grad_kernel(store, max_iter, *values, cond_fn, body_fn, grad_fn, n_vars,
                       capture_index, diff_vars, diff_caps, grad_specs):
    """Re-runs the loop keeping each iteration's state, then back-propagates through it."""
    state, rest = list(values[:n_vars]), values[n_vars:]
    n_outer = len(values) - n_vars - len(diff_vars)
    captured, dys = rest[:n_outer], list(rest[n_outer:])
    cond_caps = [captured[j] for j in capture_index[0]]
    body_caps = [captured[j] for j in capture_index[1]]
    history, limit = [], int(max_iter)
    while (limit < 0 or len(history) < limit) and cond_fn.run(store, state, cond_caps)[0]:
        history.append(state)
        state = body_fn.run(store, state, body_caps)[:n_vars]
    cap_grads = [None] * len(diff_caps)
    for state in reversed(history):
        out = grad_fn.run(store, [*state, *dys], body_caps)
        dys = list(out[:len(diff_vars)])
        for k, g in enumerate(out[len(diff_vars):]):
            cap_grads[k] = g if cap_grads[k] is None else cap_grads[k] + g
    cap_grads = [g if g is not None else _zero_value(store, body_caps[j])
                 for g, j in zip(cap_grads, diff_caps)]
    return (*dys, *cap_grads)


def _zero_value(store, value):
    """A zero gradient for a captured value (for a variable handle: of its value)."""
    if isinstance(value, ResourceHandle):
        value = current_value(store, value)
    if isinstance(value, TensorList):
        return TensorList([None] * len(value.items), value.dtype_np, value.element_shape)
    return np.zeros_like(value)


def _while_grad_infer(inputs, attrs):
    return attrs["grad_specs"]


WHILE_GRAD = register("WhileGrad", _while_grad_kernel, _while_grad_infer, NO_GRADIENT,
                      stateful=True, uses_store=True, multi=True)


def while_grad(op, out_grads):
    """Gradients of a While op's inputs: (None for the limit, loop vars..., captures...)."""
    cond_fn, body_fn = op.get_attr("cond_fn"), op.get_attr("body_fn")
    n_vars, capture_index = op.get_attr("n_vars"), op.get_attr("capture_index")
    loop_in, outer = op.inputs[1:1 + n_vars], op.inputs[1 + n_vars:]
    diff_vars = [i for i, t in enumerate(loop_in) if _differentiable(t)]
    grad_fn, diff_caps = _body_gradient(body_fn, diff_vars)
    body_outer = [outer[j] for j in capture_index[1]]
    specs = [(loop_in[i].dtype, loop_in[i].shape) for i in diff_vars]
    specs += [_value_spec(body_outer[k]) for k in diff_caps]
    attrs = {"cond_fn": cond_fn, "body_fn": body_fn, "grad_fn": grad_fn, "n_vars": n_vars,
             "capture_index": capture_index, "diff_vars": diff_vars, "diff_caps": diff_caps,
             "grad_specs": specs}
    dy_in = [out_grads[i] if out_grads[i] is not None else zero_gradient(op.outputs[i])
             for i in diff_vars]
    results = execute(WHILE_GRAD, (op.inputs[0], *loop_in, *outer, *dy_in), attrs, None)
    var_grads = dict(zip(diff_vars, results[:len(diff_vars)]))
    cap_grads = {capture_index[1][k]: g for k, g in zip(diff_caps, results[len(diff_vars):])}
    return (None, *[var_grads.get(i) for i in range(n_vars)],
            *[cap_grads.get(j) for j in range(len(outer))])


def _body_gradient(body_fn, diff_vars):
    """The body's gradient function: (loop vars, output grads) -> (loop var grads,
    grads of the captures it reaches), and which captures those are."""
    graph = body_fn.graph
    with graph.as_default():
        outputs = [body_fn.outputs[i] for i in diff_vars]
        dys = [placeholder(t.dtype, t.shape, name="grad_y") for t in outputs]
        caps = [inner for _, inner in body_fn.captures]
        candidates = [k for k, t in enumerate(caps) if _differentiable(t)]
        sources = [body_fn.inputs[i] for i in diff_vars] + [caps[k] for k in candidates]
        grads = gradients(outputs, sources, grad_ys=dys)
        var_grads = [g if g is not None else _zeros_for(x)
                     for g, x in zip(grads, sources[:len(diff_vars)])]
        reached = [(k, g) for k, g in zip(candidates, grads[len(diff_vars):]) if g is not None]
    outs = tuple(var_grads + [g for _, g in reached])
    grad_fn = TracedFunction(graph, outs, list(body_fn.inputs) + dys, body_fn.captures)
    return grad_fn, [k for k, _ in reached]


def _value_spec(t):
    """(dtype, shape) of a gradient for `t` (for a variable handle: of its value)."""
    if t.dtype == dtypes.resource:
        handle = t._static_value()
        return (getattr(handle, "dtype_hint", None) or dtypes.float32,
                TensorShape(getattr(handle, "shape_hint", None)))
    return t.dtype, t.shape
