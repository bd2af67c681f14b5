"""Einsum: Einstein summation as one op ("Einsum") with TensorFlow's gradient rule.

The kernel is numpy's einsum (optimized contraction order) plus the two extensions
TensorFlow's Einsum op has and its gradient relies on: a label repeated in the output
fills a diagonal ("i->ii", the adjoint of "ii->i"), and '...' batch dimensions
broadcast. The public `einsum` (re-exported by engine.ops.linalg) contracts more than
two operands pairwise, left to right (the same in every mode), so every op it builds
has a gradient.

Internally '...' is written as the one character "." so that it can be handled like
a label; attrs and messages use TensorFlow's '...'.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from engine import dtypes, errors
from engine import infer as _infer
from engine.context import execute
from engine.infer import fmt_shape
from engine.ops import math as _m
from engine.ops._util import tf_type_name
from engine.ops.core import convert_to_tensor
from engine.registry import register
from engine.shapes import TensorShape

__all__ = ["einsum"]

_ELL = "."
_TYPES = "float, double, int32, int64, complex64, complex128, half"


def _split(equation: str):
    """(['ij', 'jk'], 'ik') from 'ij,jk->ik', with '...' as '.'."""
    lhs, out = equation.replace("...", _ELL).split("->")
    return lhs.split(","), out


def _tf(subs: str) -> str:
    return subs.replace(_ELL, "...")


def _equation(ins, out) -> str:
    return _tf(",".join(ins) + "->" + out)


def _label_axes(subs: str, rank: int):
    """[(label, axis)] of one operand's named labels (axes counted from the front)."""
    if _ELL not in subs:
        return list(zip(subs, range(rank)))
    pos = subs.index(_ELL)
    tail = subs[pos + 1:]
    return list(zip(subs[:pos], range(pos))) + [
        (label, rank - len(tail) + i) for i, label in enumerate(tail)]


def _axis_of(subs: str, label: str) -> int:
    """The axis of label's first occurrence; negative (from the end) after '...'."""
    i, pos = subs.index(label), subs.find(_ELL)
    return i if pos == -1 or i < pos else i - len(subs)


def _batch_bounds(subs: str):
    """(start, end) with x.shape[start:end] the dims '...' stands for ((0, 0) if none)."""
    if _ELL not in subs:
        return 0, 0
    pos = subs.index(_ELL)
    after = len(subs) - pos - 1
    return pos, (-after if after else None)


# ---------------------------------------------------------------- kernel ---------------

def _check_dtype(x):
    if x.dtype.kind not in "fc" and x.dtype not in (np.int32, np.int64):
        name = "string" if x.dtype == object else x.dtype.name
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'T' of {name} is not in the list of allowed values: "
            f"{_TYPES}\n\t; NodeDef: {{{{node Einsum}}}}")


def _c_name(x) -> str:
    return tf_type_name(dtypes.from_numpy(x.dtype))


def _kernel_dims(ins, inputs):
    """The size of each label and the broadcast batch shape; TensorFlow's eager errors."""
    if len(ins) != len(inputs):
        raise errors.InvalidArgumentError(
            None, None, f"Expected {len(ins)} inputs but got: {len(inputs)}")
    dims, batches = {}, []
    for i, (subs, x) in enumerate(zip(ins, inputs)):
        _check_dtype(x)
        if x.dtype != inputs[0].dtype:
            raise errors.InvalidArgumentError(
                None, None, f"cannot compute Einsum as input #{i}(zero-based) was expected to "
                f"be a {_c_name(inputs[0])} tensor but is a {_c_name(x)} tensor")
        named = len(subs) - (_ELL in subs)
        if x.ndim != named and (_ELL not in subs or x.ndim < named):
            least = "at least " if _ELL in subs else ""
            raise errors.InvalidArgumentError(
                None, None, f"Expected input {i} to have rank {least}{named} but got: {x.ndim}")
        for label, axis in _label_axes(subs, x.ndim):
            d = x.shape[axis]
            if dims.setdefault(label, d) != d:
                raise errors.InvalidArgumentError(
                    None, None, f"Expected dimension {dims[label]} at axis {axis} of the input "
                    f"shaped {fmt_shape(x.shape)} but got dimension {d}")
        start, end = _batch_bounds(subs)
        batches.append(x.shape[start:end] if _ELL in subs else ())
    try:
        batch = np.broadcast_shapes(*batches)
    except ValueError:
        raise errors.InvalidArgumentError(
            None, None, "In[0] and In[1] must have compatible batch dimensions: "
            + " vs. ".join(fmt_shape(x.shape) for x in inputs)) from None
    return dims, batch


def _einsum_kernel(*inputs, equation):
    ins, out = _split(equation)
    dims, batch = _kernel_dims(ins, inputs)
    if batch and _ELL not in out:
        raise errors.InvalidArgumentError(
            None, None, f"Output contains {len(batch)} broadcasting dimension(s) but no "
                        "ellipsis (...) was found in the output subscripts.")
    for label in out:
        if label != _ELL and label not in dims:
            raise errors.InvalidArgumentError(
                None, None, f"Output subscripts contain the label {label} not present in the "
                            "input subscripts.")
    unique = "".join(dict.fromkeys(out))
    result = np.einsum(_equation(ins, unique), *inputs, optimize=len(inputs) > 1)
    result = np.asarray(result, dtype=inputs[0].dtype)
    if len(unique) == len(out):
        return result
    # A repeated output label: write the result onto the diagonal of a zero tensor
    # (numpy's einsum returns that diagonal as a writeable view).
    shape = []
    for label in out:
        shape.extend(batch if label == _ELL else (dims[label],))
    full = np.zeros(shape, result.dtype)
    np.einsum(_equation([out], unique), full)[...] = result
    return full


# ---------------------------------------------------------------- inference -------------

def _einsum_infer(inputs, attrs):
    equation = attrs["equation"]
    ins, out = _split(equation)
    shapes = ", ".join(fmt_shape(t.shape) for t in inputs)
    if len(ins) != len(inputs):
        raise ValueError(f"Expected {len(ins)} inputs for equation {equation} but got "
                         f"{len(inputs)} for 'Einsum'")
    dtype = _infer.check_same_dtype("Einsum", inputs, tuple(range(len(inputs))))
    if dtype._np.kind not in "fc" and dtype.name not in ("int32", "int64"):
        raise TypeError(f"Value passed to parameter 'inputs' has DataType {dtype.name} not in "
                        f"list of allowed values: {_TYPES} (op 'Einsum')")
    dims, batch = {}, TensorShape([])
    for i, (subs, t) in enumerate(zip(ins, inputs)):
        rank, named = t.shape.rank, len(subs) - (_ELL in subs)
        if rank is None:
            batch = TensorShape(None) if _ELL in subs else batch
            continue
        if rank != named and (_ELL not in subs or rank < named):
            least = "at least " if _ELL in subs else ""
            raise ValueError(f"Shape must be {least}rank {named} but is rank {rank}\n    \t for "
                             f"{i}th input and equation: {equation} for 'Einsum' with input "
                             f"shapes: {shapes}.")
        values = t.shape.as_list()
        for label, axis in _label_axes(subs, rank):
            d, prev = values[axis], dims.get(label)
            if prev is not None and d is not None and d != prev:
                raise ValueError(f"Dimensions must be equal, but are {prev} and {d} for "
                                 f"'Einsum' with input shapes: {shapes}.")
            dims[label] = d if prev is None else prev
        if _ELL in subs:
            start, end = _batch_bounds(subs)
            batch = _infer.broadcast_shape("Einsum", batch, TensorShape(values[start:end]))
    if _ELL not in out:
        if batch.rank:
            raise ValueError(f"Output contains {batch.rank} broadcasting dimension(s) but no "
                             f"ellipsis (...) was found in the output subscripts for 'Einsum' "
                             f"with input shapes: {shapes}.")
        return [(dtype, TensorShape([dims.get(label) for label in out]))]
    if batch.rank is None:
        return [(dtype, TensorShape(None))]
    result = []
    for label in out:
        result.extend(batch.as_list() if label == _ELL else [dims.get(label)])
    return [(dtype, TensorShape(result))]


# ---------------------------------------------------------------- gradient -------------

def _op(inputs, ins, out):
    """The raw Einsum op (no public-API checks: gradients use repeated output labels)."""
    return execute(EINSUM, tuple(inputs), {"equation": _equation(ins, out)}, None)


def _shape(t):
    """t's shape: a Python list when static, else the shape tensor."""
    if t.shape.is_fully_defined():
        return t.shape.as_list()
    from engine.ops import array
    return array.shape(t)


def _concat(*parts):
    """Shapes joined: a list when every part is a list, else a shape tensor."""
    if all(isinstance(p, list) for p in parts):
        return [d for p in parts for d in p]
    from engine.ops import array
    from engine.ops.core import constant
    return array.concat([constant(np.array(p, np.int32)) if isinstance(p, list) else p
                         for p in parts], 0)


def _grad_reduced(g, out, xs, x, reduced):
    """The gradient of the unary "xs->out" where the labels `reduced` were summed away.

    g is broadcast over the reduced dims (prepended), then "reduced+out->xs" puts them
    in place, filling diagonals for labels repeated in xs.
    """
    from engine.ops import array
    red = "".join(sorted(reduced))
    axes = [_axis_of(xs, label) for label in red]
    xshape = _shape(x)
    if isinstance(xshape, list):
        rdims = [xshape[a] for a in axes]
    else:
        rdims = array.stack([xshape[a] for a in axes])
    gshape = _shape(g)
    tiled = array.broadcast_to(array.reshape(g, _concat([1] * len(red), gshape)),
                               _concat(rdims, gshape))
    return _op([tiled], [red + out], xs)


def _grad_wrt(g, other, x, xs, other_subs, out):
    """The gradient for operand x of the binary einsum (before batch unbroadcasting)."""
    reduced = set(xs) - set(out + other_subs) - {_ELL}
    left = "".join(label for label in xs if label not in reduced)
    partial = _op([g, other], [out, other_subs], left)
    return _grad_reduced(partial, left, xs, x, reduced) if reduced else partial


def _unbroadcast_batch(gx, x, xs, y, ys):
    """Sums gx over the '...' dims along which x was broadcast against y."""
    from engine.ops import array, reduce
    (x0, x1), (y0, y1) = _batch_bounds(xs), _batch_bounds(ys)
    if x.shape.is_fully_defined() and y.shape.is_fully_defined():
        xb, yb = x.shape.as_list()[x0:x1], y.shape.as_list()[y0:y1]
        if xb == yb:
            return gx
        full = list(np.broadcast_shapes(tuple(xb), tuple(yb)))
        lead = len(full) - len(xb)
        axes = [x0 + i for i, d in enumerate(full)
                if i < lead or (xb[i - lead] == 1 and d != 1)]
        summed = reduce.reduce_sum(gx, axes) if axes else gx
        return array.reshape(summed, x.shape.as_list())
    sx, sy = array.shape(x), array.shape(y)
    rx, _ = _m.broadcast_gradient_args(sx[x0:x1], sy[y0:y1])
    return array.reshape(reduce.reduce_sum(gx, _m.add(rx, x0)), sx)


def _einsum_grad(op, g):
    ins, out = _split(op.get_attr("equation"))
    if len(ins) == 1:
        reduced = set(ins[0]) - set(out) - {_ELL}
        if not reduced:
            return (_op([g], [out], ins[0]),)
        return (_grad_reduced(g, out, ins[0], op.inputs[0], reduced),)
    xs, ys = ins
    if _ELL in out:  # so that "jk,...ik->ij..." has somewhere to put the batch dims
        xs = xs if _ELL in xs else xs + _ELL
        ys = ys if _ELL in ys else ys + _ELL
    x, y = op.inputs
    gx = _grad_wrt(g, y, x, xs, ys, out)
    gy = _grad_wrt(g, x, y, ys, xs, out)
    if _ELL not in out:
        return gx, gy
    return _unbroadcast_batch(gx, x, xs, y, ys), _unbroadcast_batch(gy, y, ys, x, xs)


EINSUM = register("Einsum", _einsum_kernel, _einsum_infer, _einsum_grad)


# ---------------------------------------------------------------- public ---------------

def _resolve(equation: str, count: int):
    """TensorFlow's checks of the equation; implicit output = labels used once, sorted."""
    eq = equation.replace(" ", "")
    if _ELL in eq.replace("...", ""):
        raise ValueError(f"Subscripts have incorrect format: {eq}")
    eq = eq.replace("...", _ELL)
    match = re.match(r"^([a-zA-Z.,]*)(->[a-zA-Z.]*)?$", eq)
    if not match:
        raise ValueError(f"Subscripts have incorrect format: {_tf(eq)}")
    ins = match.group(1).split(",")
    if count != len(ins):
        raise ValueError(f'Got {count} inputs for equation "{equation}", expecting {len(ins)}')
    if match.group(2) is None:
        counts = Counter(match.group(1).replace(",", ""))
        out = "".join(label for label in sorted(counts) if counts[label] == 1)
    else:
        out = match.group(2)[2:]
    if len(set(out)) != len(out):
        raise ValueError(f"Output subscripts contain a label appearing more than once: "
                         f"{equation}")
    for label in out:
        if label != _ELL and label not in match.group(1):
            raise ValueError(f"Output subscripts contain the label {label} not present in the "
                             "input subscripts.")
    return ins, out


def _path(tensors, ins, out):
    """Pairs of operand positions to contract: always left to right.

    numpy's greedy path depends on the static shapes, which a graph may not know
    (unknown batch dims) while eager mode does; a path that depends only on the equation
    keeps both modes bit-identical.
    """
    return [(0, 1)] * (len(tensors) - 1)


def _contract_pairwise(tensors, ins, out, name):
    operands = list(zip(tensors, ins))
    for i, j in _path(tensors, ins, out):
        (a, sa), (b, sb) = operands[i], operands[j]
        for k in sorted((i, j), reverse=True):
            operands.pop(k)
        if operands:
            needed = "".join(s for _, s in operands) + out
            target = "".join(dict.fromkeys(c for c in sa + sb if c in needed))
            operands.append((_op([a, b], [sa, sb], target), target))
        else:
            return execute(EINSUM, (a, b), {"equation": _equation([sa, sb], out)}, name)
    raise AssertionError("einsum contraction path did not reduce to one operand")


def einsum(equation, *inputs, **kwargs):
    """Sums the product of the inputs over every label the output subscripts leave out.

    `einsum("ij,jk->ik", a, b)` is a matrix product; '...' stands for broadcast batch
    dimensions; without '->' the output is the labels used once, in alphabetical order.

    Raises:
        ValueError: a malformed equation, or one not matching the number of inputs.
        TypeError: unknown keyword arguments (only `name` and `optimize` are accepted).
    """
    name = kwargs.pop("name", None)
    kwargs.pop("optimize", None)  # the contraction order is fixed: left to right
    if kwargs:
        raise TypeError(f"Invalid keyword arguments for einsum: {', '.join(sorted(kwargs))}. "
                        "Valid arguments: name, optimize, greedy.")
    ins, out = _resolve(equation, len(inputs))
    tensors = [convert_to_tensor(x) for x in inputs]
    if len(tensors) <= 2:
        return execute(EINSUM, tuple(tensors), {"equation": _equation(ins, out)}, name)
    return _contract_pairwise(tensors, ins, out, name)
