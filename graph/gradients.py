"""tf.gradients: symbolic derivatives built into the graph by the shared backward driver.

The same gradient functions the tape calls add backward ops here (they call public ops,
which the Graph executor records), so gradients of gradients work too.
"""

from __future__ import annotations

from engine import context, nest
from engine.backprop import backward
from engine.ops.array import ones_like, zeros_like
from engine.tensor_base import TensorBase
from graph.graph import get_default_graph
from graph.tensor import Tensor

__all__ = ["gradients"]


def _key(x):
    """What the backward driver tracks: the tensor, or a variable's handle tensor."""
    handle = getattr(x, "handle", None)
    if isinstance(handle, Tensor):
        return handle
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"tf.gradients needs graph Tensors or Variables, got {x!r}")


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients="none"):
    """d(sum(ys))/d(x) for each x in xs, as new graph tensors (None where unconnected).

    Raises:
        RuntimeError: called while executing eagerly (use tf.GradientTape).
        ValueError: grad_ys and ys differ in length, or a bad unconnected_gradients.
    """
    if context.executing_eagerly():
        raise RuntimeError("tf.gradients is not supported when eager execution is enabled. "
                           "Use tf.GradientTape instead.")
    if unconnected_gradients not in ("none", "zero"):
        raise ValueError(f"Unknown value for unconnected_gradients: {unconnected_gradients!r}")
    ys = [y._as_tensor() if isinstance(y, TensorBase) else y for y in nest.flatten(ys)]
    xs_list = nest.flatten(xs)
    keys = [_key(x) for x in xs_list]
    graph = ys[0].graph if ys and isinstance(ys[0], Tensor) else get_default_graph()
    with graph.as_default(), context.name_scope(name):
        if grad_ys is None:
            seeds = [ones_like(y) for y in ys]
        else:
            seeds = nest.flatten(grad_ys)
            if len(seeds) != len(ys):
                raise ValueError(f"Passed {len(seeds)} grad_ys for {len(ys)} ys")
            seeds = [ones_like(y) if g is None else g for y, g in zip(ys, seeds)]
        stops = [_key(s) for s in nest.flatten(stop_gradients or [])]
        grads = backward(graph._ops, ys, seeds, keys, stop=stops)
        if unconnected_gradients == "zero":
            grads = [zeros_like(x) if g is None else g for x, g in zip(xs_list, grads)]
    return grads
