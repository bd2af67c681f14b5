"""The op registry: every op is one OpDef (kernel, infer, grad, flags), shared by all modes.

An op module defines the kernel, the shape/dtype inference and the gradient side by
side, registers them under TensorFlow's type name ("MatMul", "AddV2", ...) and then
writes the public function that calls `engine.context.execute`.
"""

from __future__ import annotations

from typing import Callable, Optional

__all__ = ["OpDef", "register", "get_op", "OPS", "NO_GRADIENT"]


class _NoGradient:
    """Marks an op that is not differentiable (its inputs get no gradient)."""

    def __repr__(self):
        return "NO_GRADIENT"


NO_GRADIENT = _NoGradient()


class OpDef:
    """One op: what it computes, what it produces, and how it differentiates.

    Attributes:
        name: TensorFlow's op type name.
        kernel: `kernel(*arrays, **attrs)` -> array, or a tuple of arrays when `multi`.
            When `uses_store`, the executor passes its resource store first.
        infer: `infer(inputs, attrs)` -> list of (DType, TensorShape), one per output;
            raises ValueError/TypeError naming the op on inputs it cannot take.
        grad: `grad(op, *output_grads)` -> one gradient (or None) per input, written with
            the public op functions; NO_GRADIENT for ops that are not differentiable.
        stateful: never constant-folded, merged or pruned away under a control edge.
        uses_store: the kernel acts on the executor's resource store.
        multi: the kernel returns a tuple of outputs.
        same_dtype: input indices that must share one dtype; Python numbers among them
            take the dtype of the tensors (TensorFlow's "T" attribute).
        none_grads: `grad` takes None for outputs no gradient reached (otherwise the
            backward driver passes zeros), e.g. a call op's residual outputs.
    """

    __slots__ = ("name", "kernel", "infer", "grad", "stateful", "uses_store", "multi",
                 "same_dtype", "none_grads")

    def __init__(self, name: str, kernel: Callable, infer: Callable, grad,
                 stateful: bool = False, uses_store: bool = False, multi: bool = False,
                 same_dtype: Optional[tuple] = None, none_grads: bool = False):
        self.name = name
        self.kernel = kernel
        self.infer = infer
        self.grad = grad
        self.stateful = stateful
        self.uses_store = uses_store
        self.multi = multi
        self.same_dtype = same_dtype
        self.none_grads = none_grads

    def __repr__(self):
        return f"<OpDef {self.name}>"


OPS: dict[str, OpDef] = {}


def register(name: str, kernel: Callable, infer: Callable, grad=NO_GRADIENT,
             **flags) -> OpDef:
    """Creates the OpDef and registers it under `name` (each name only once)."""
    if name in OPS:
        raise KeyError(f"Op type {name!r} is registered twice")
    if grad is None:
        raise ValueError(f"Op {name!r}: pass grad=NO_GRADIENT for a non-differentiable op")
    opdef = OpDef(name, kernel, infer, grad, **flags)
    OPS[name] = opdef
    return opdef


def get_op(name: str) -> OpDef:
    """The OpDef registered as `name`; NotFoundError-style KeyError naming it otherwise."""
    try:
        return OPS[name]
    except KeyError:
        raise KeyError(f"No op named {name!r} is registered; known ops: "
                       f"{len(OPS)} (is the module defining it imported?)") from None
