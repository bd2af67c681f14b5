"""The one backward driver, shared by GradientTape (eager) and tf.gradients (graph).

It walks op records in reverse creation order (a creation order is a topological
order, so no recursion and no pending counts are needed), calls each op's gradient
function — written with public ops, so the backward pass is itself eager work or graph
nodes — sums gradients reaching one tensor with add_n, and undoes broadcasting in
exactly one place, `unbroadcast`, which also checks every gradient's shape.

An op record needs `_opdef`, `inputs`, `outputs` and `get_attr`: a tape's TapeOp and
a graph's Operation both qualify.
"""

from __future__ import annotations

import numpy as np

from engine import errors
from engine.infer import fmt_shape
from engine.registry import NO_GRADIENT

__all__ = ["backward", "unbroadcast", "zero_gradient"]

_ARRAYS = (np.ndarray, np.generic)


def _differentiable(tensor) -> bool:
    value = getattr(tensor, "_value", None)  # eagerly, numpy's dtype says it cheaply
    if type(value) is np.ndarray and value.dtype.kind in "fc":
        return True
    dtype = tensor.dtype
    return dtype._np.kind in "fc" or dtype.name in ("resource", "variant")


def zero_gradient(tensor):
    """A zero gradient for `tensor`: zeros, or an empty TensorList for a TensorArray's
    variant (its gradient is a list of gradients)."""
    if tensor.dtype.name == "variant":
        from engine.context import execute
        from engine.ops.list_ops import ZEROS_LIKE_LIST
        return execute(ZEROS_LIKE_LIST, (tensor,), None)
    if tensor.dtype.is_floating or tensor.dtype.is_complex:
        from engine.ops.math import zeros_like_fast
        return zeros_like_fast(tensor)
    from engine.ops.array import zeros_like
    return zeros_like(tensor)


def _total(grads):
    if not grads:
        return None
    if len(grads) == 1:
        return grads[0]
    from engine.ops.math import add_n
    return add_n(grads)


def backward(ops, targets, target_grads, sources, stop=()):
    """Gradients of sum(targets * target_grads) with respect to each source.

    Args:
        ops: op records in creation order (those not between sources and targets are
            skipped cheaply).
        targets, target_grads: tensors and their incoming gradients (same shapes).
        sources: tensors (or variable handles) to differentiate with respect to.
        stop: tensors treated as constants (tf.gradients' stop_gradients).

    Returns:
        One gradient per source, None where the source does not reach any target.
    """
    live = {id(s) for s in sources}
    blocked = {id(s) for s in stop}
    path = []
    for op in ops:  # forward sweep: keep only ops downstream of a source
        for t in op.inputs:
            if id(t) in live:
                path.append(op)
                for o in op.outputs:
                    if not blocked or id(o) not in blocked:
                        live.add(id(o))
                break
    grads: dict[int, list] = {}
    for t, g in zip(targets, target_grads):
        if id(t) in live:
            grads.setdefault(id(t), []).append(g)
    for op in reversed(path):
        fn = op._opdef.grad
        if fn is NO_GRADIENT:
            continue
        outputs, inputs = op.outputs, op.inputs
        if len(outputs) == 1:  # the common case, without list building
            reached = grads.get(id(outputs[0]))
            if reached is None:
                continue
            out_grads = (reached[0] if len(reached) == 1 else _total(reached),)
        else:
            out_grads = [_total(grads.get(id(o))) for o in outputs]
            if out_grads.count(None) == len(out_grads):
                continue
            if None in out_grads and not op._opdef.none_grads:
                out_grads = [zero_gradient(o) if g is None else g
                             for o, g in zip(outputs, out_grads)]
        # inputs no source reaches need no gradient: TensorFlow's skip_input_indices,
        # which gradient functions may read to skip work (a MatMul's data input)
        skip = []
        for i, t in enumerate(inputs):
            if id(t) not in live or not _differentiable(t):
                skip.append(i)
        op.skip_input_indices = skip = tuple(skip)
        in_grads = fn(op, *out_grads)
        if len(in_grads) != len(inputs):
            raise errors.InternalError(
                None, None, f"The gradient of {op._opdef.name} returned {len(in_grads)} "
                f"gradients for {len(inputs)} inputs")
        for index, g in enumerate(in_grads):
            if g is None or index in skip:
                continue
            t = inputs[index]
            g = unbroadcast(g, t, op, index)
            found = grads.get(id(t))
            if found is None:
                grads[id(t)] = [g]
            else:
                found.append(g)
    return [_total(grads.get(id(s))) for s in sources]


def _static_axes(gshape, tshape):
    """The axes to sum `grad` over when they follow from the static shapes alone: the
    input's shape fully known, no size-1 input dim facing an unknown gradient dim, and
    the gradient's known dims equal to the input's. None when only running can tell."""
    if gshape.rank is None or not tshape.is_fully_defined() or gshape.rank < tshape.rank:
        return None
    g, t = gshape.as_list(), tshape.as_list()
    lead = len(g) - len(t)
    axes = list(range(lead))
    for i, td in enumerate(t):
        gd = g[lead + i]
        if (td == 1 and gd != 1) or (gd is not None and gd != td):
            return None  # a size-1 dim to sum keeps its place: the paths below reshape
    return axes


def _unbroadcast_eager(grad, gshape, tshape, op, index):
    """unbroadcast with both shapes known as numpy tuples: the axes from them alone."""
    from engine.ops import array, reduce
    lead = len(gshape) - len(tshape)
    if lead < 0 or any(td != 1 and td != gd for td, gd in zip(tshape, gshape[lead:])):
        raise _shape_error(grad.shape, tensor_shape=tshape, op=op, index=index)
    axes = [*range(lead), *(lead + i for i, d in enumerate(tshape)
                            if d == 1 and gshape[lead + i] != 1)]
    if axes:  # the Sum op itself: its axes a cached constant
        from engine.context import execute
        from engine.ops.core import convert_to_tensor
        grad = execute(reduce.SUM, (grad, convert_to_tensor(axes, dtype="int32")),
                       reduce.KEEP_DIMS[False], None)
    return array.reshape(grad, list(tshape)) if len(axes) != lead else grad


def _shape_error(gshape, tensor_shape, op, index):
    name = op._opdef.name if op is not None else "?"
    return errors.InternalError(
        None, None, f"Gradient of {name} input {index} has shape {fmt_shape(gshape)}, "
        f"which cannot be summed back to the input's shape {fmt_shape(tensor_shape)}")


def unbroadcast(grad, tensor, op=None, index=0):
    """`grad` summed over the axes along which `tensor` was broadcast, in its shape.

    Raises:
        InternalError: the gradient's shape cannot come from broadcasting `tensor`
            (a bug in a gradient function), naming the op, input index and shapes.
    """
    try:  # eager values: compare numpy shapes directly (most gradients already fit)
        gshape, tshape = grad._value.shape, tensor._value.shape
    except AttributeError:
        pass
    else:
        if gshape == tshape:
            return grad
        if isinstance(tensor._value, _ARRAYS):  # not a resource handle (shape_hint)
            return _unbroadcast_eager(grad, gshape, tshape, op, index)
    if tensor.dtype.name == "resource":
        return grad
    gshape, tshape = grad.shape, tensor.shape
    if gshape == tshape and tshape.is_fully_defined():
        return grad
    from engine.ops import array, reduce
    axes = _static_axes(gshape, tshape)
    if axes is not None:  # known without running: one Sum (a bias gradient, say)
        return reduce.reduce_sum(grad, axis=axes) if axes else grad
    if gshape.is_fully_defined() and tshape.is_fully_defined():
        g, t = gshape.as_list(), tshape.as_list()
        lead = len(g) - len(t)
        if lead < 0 or any(td != 1 and td != gd for td, gd in zip(t, g[lead:])):
            raise _shape_error(gshape, tshape, op, index)
        axes = list(range(lead)) + [lead + i for i, d in enumerate(t)
                                    if d == 1 and g[lead + i] != 1]
        if axes:
            grad = reduce.reduce_sum(grad, axis=axes)
        return array.reshape(grad, t) if axes or lead else grad
    from engine.ops.math import unbroadcast_to_shape_of
    return unbroadcast_to_shape_of(grad, tensor)  # shapes known only when it runs
