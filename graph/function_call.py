"""The call op: run a traced function (a tf.function's graph) as ONE op.

Eagerly the executor runs it like any kernel, so a GradientTape records the whole
call as one op; in a TF1 graph it is one node whose plan runs inside the Session's.

Its gradient is built once per traced function, from the traced graph, by the shared
backward driver, and is itself a call op (so gradients of gradients work the same
way). The gradient reads forward values ("residuals"): under a tape the forward call
also returns them, so the backward pass never recomputes the forward — a dropout
mask or any random draw is the one the forward pass used. Without them (a call built
into a TF1 graph before tf.gradients asked) the gradient recomputes what it needs.
"""

from __future__ import annotations

from engine.backprop import zero_gradient
from engine.context import execute
from engine.ops.core import placeholder
from engine.registry import register
from graph.func_graph import TracedFunction
from graph.tensor import Operation

__all__ = ["CALL", "STATELESS_CALL", "call", "gradient_parts"]


def _call_kernel(store, *values, f, n_args, output_specs, base):
    out = f.run_flat(store, values)
    return out if len(out) == len(output_specs) else out[:len(output_specs)]  # no effects


def _call_infer(inputs, attrs):
    return attrs["output_specs"]


def _call_grad(op, *grads):
    n_args, base = op.get_attr("n_args"), op.get_attr("base")
    outer = op.inputs[n_args:]
    parts = gradient_parts(base, outer)
    if parts.wanted is None:
        return (None,) * len(op.inputs)
    n_out = len(base_outputs(base))
    residuals = op.outputs[n_out:]
    dys = [g if g is not None else zero_gradient(o) for g, o in zip(grads, op.outputs[:n_out])]
    grad_fn = parts.fed if residuals else parts.recompute
    results = call(grad_fn, (*op.inputs[:n_args], *dys, *residuals), outer)
    by_source = dict(zip(parts.wanted, results))
    return tuple(by_source.get(k) for k in range(len(op.inputs)))


CALL = register("StatefulPartitionedCall", _call_kernel, _call_infer, _call_grad,
                stateful=True, uses_store=True, multi=True, none_grads=True)
STATELESS_CALL = register("PartitionedCall", _call_kernel, _call_infer, _call_grad,
                          uses_store=True, multi=True, none_grads=True)


def base_outputs(f):
    return [t for t in f.outputs if not isinstance(t, Operation)]


class _GradientParts:
    """What differentiating one traced function needs, built once per function.

    wanted: indices of the call's inputs that get a gradient (None: no gradient).
    forward: the function also returning the residuals (for calls under a tape).
    fed / recompute: the gradient function with residuals fed / recomputed.
    """

    wanted = forward = fed = recompute = None


def gradient_parts(f, outer):
    """The gradient pieces of traced function `f` (whose captured tensors are `outer`)."""
    parts = getattr(f, "_gradient_parts", None)
    if parts is not None:
        return parts
    from graph.control_flow_grad import _branch_gradients, _differentiable
    parts = f._gradient_parts = _GradientParts()
    boundary = len(f.graph._ops)

    def dys_of(outputs):
        return [placeholder(t.dtype, t.shape, name="grad_y") for t in outputs]
    dys, captures, sources, grads = _branch_gradients(f, outer, dys_of)
    wanted = [k for k, (s, g) in enumerate(zip(sources, grads))
              if g is not None and _differentiable(s)]
    if not wanted:
        return parts
    outs = tuple(grads[k] for k in wanted)
    residuals = _residuals(f, boundary, sources, outs)
    parts.wanted = wanted
    parts.recompute = _traced(f, outs, list(f.inputs) + dys, captures)
    parts.fed = _traced(f, outs, list(f.inputs) + dys + residuals, captures)
    effects = tuple(t for t in f.outputs if isinstance(t, Operation))
    parts.forward = _traced(f, tuple(base_outputs(f)) + tuple(residuals) + effects,
                            f.inputs, f.captures)
    parts.forward.residual_count = len(residuals)
    return parts


def _residuals(f, boundary, sources, grads):
    """Forward tensors the gradient ops read (besides the inputs): feeding them means the
    gradient plan runs no forward op."""
    forward = {id(op) for op in f.graph._ops[:boundary]}
    fed = {id(s) for s in sources}
    out, seen = [], set()
    for op in f.graph._ops[boundary:]:
        for t in op.inputs:
            if id(t._op) in forward and id(t) not in fed and id(t) not in seen \
                    and t._op.type != "Const":
                seen.add(id(t))
                out.append(t)
    for g in grads:  # a gradient that IS a forward tensor
        if id(g._op) in forward and id(g) not in fed and id(g) not in seen:
            seen.add(id(g))
            out.append(g)
    return out


def _traced(f, outputs, inputs, captures):
    fn = TracedFunction(f.graph, outputs, inputs, captures)
    fn.stateful = getattr(f, "stateful", True)
    return fn


def call(f, args, captured, base=None):
    """Runs (or, in a graph, adds) one call of traced function `f`: its outputs, flat.

    `base` is the function whose gradient applies: f itself, unless f is its forward
    variant that also returns the residuals after the outputs.
    """
    attrs = f.__dict__.get("_call_attrs")
    if attrs is None or attrs["base"] is not (base or f) or attrs["n_args"] != len(args):
        specs = [(t.dtype, t.shape) for t in f.outputs if not isinstance(t, Operation)]
        attrs = f._call_attrs = {"f": f, "n_args": len(args), "output_specs": specs,
                                 "base": base or f}  # built once per function: a hot path
    opdef = CALL if getattr(f, "stateful", True) else STATELESS_CALL
    out = execute(opdef, (*args, *captured), attrs, f.graph.name)
    return out if isinstance(out, tuple) else ()
