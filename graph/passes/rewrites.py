"""The graph passes: constant folding, common-subexpression elimination, arithmetic
simplification, and MatMul + BiasAdd + activation fusion.

Each is a pure function `pass(nodes, ctx) -> (nodes, notes)`. None changes a bit of
any result: folding runs the very kernels the plan would; merged subexpressions are
the same op on the same inputs; simplifications are only those exact in IEEE floats
(x * 1, x - 0.0, x + -0.0, --x, transposes that cancel — never x + 0.0, which turns
-0.0 into 0.0); the fused kernel runs the same numpy calls in place. Stateful ops are
never folded, merged or fused.
"""

from __future__ import annotations

import numpy as np

from engine.registry import OpDef
from graph.passes.ir import PlanNode, PlanTensor, const_node

__all__ = ["constant_folding", "common_subexpressions", "arithmetic", "remapping",
           "in_place"]

_MAX_FOLD_ELEMENTS = 10_000_000  # TensorFlow's folding limit is about 10 MB as well
_NEVER_FOLD = {"Placeholder", "PlaceholderWithDefault", "Const"}


def _known_values(nodes, fed):
    known = {}
    for node in nodes:
        if node.type == "Const" and id(node._outputs[0]) not in fed:
            known[id(node._outputs[0])] = node._attrs["value"]
    return known


def _static_shape_value(node):
    """Shape/Size/Rank of a tensor whose static shape is fully known (TF's shape
    materialization): the value is fixed by the graph."""
    x = node._inputs[0] if node._inputs else None
    if x is None or not x.shape.is_fully_defined():
        return None
    dims = x.shape.as_list()
    if node.type == "Shape":
        return np.array(dims, dtype=node._attrs["out_type"]._np)
    if node.type == "Size":
        return np.array(int(np.prod(dims)), dtype=node._attrs["out_type"]._np)
    if node.type == "Rank":
        return np.array(len(dims), dtype=np.int32)
    return None


def constant_folding(nodes, ctx):
    """Ops whose inputs are all constants become constants (computed now, once)."""
    known = _known_values(nodes, ctx.fed)
    out, notes = [], []
    for node in nodes:
        values = _fold(node, known, ctx.fed)
        if values is None:
            out.append(node)
            continue
        notes.append(node.name)
        for t, value in zip(node._outputs, values):
            const, tensor = const_node(value, t.dtype, t, f"{node.name}/folded",
                                       node.defined_at)
            known[id(tensor)] = value
            ctx.replace(t, tensor)
            out.append(const)
    return out, notes


def _fold(node, known, fed):
    if node.stateful or node.type in _NEVER_FOLD or node._opdef.uses_store:
        return None
    if any(id(t) in fed for t in node._outputs):
        return None
    shape_value = _static_shape_value(node) if node.type in ("Shape", "Size", "Rank") \
        else None
    if shape_value is not None:
        return [shape_value]
    if not node._inputs or not all(id(t) in known for t in node._inputs):
        return None
    try:
        result = node._opdef.kernel(*[known[id(t)] for t in node._inputs], **node._attrs)
    except Exception:  # noqa: BLE001 - left to fail at run time, with its message
        return None
    values = list(result) if node._opdef.multi else [result]
    if any(np.size(v) > _MAX_FOLD_ELEMENTS or not isinstance(v, (np.ndarray, np.generic))
           for v in values):
        return None
    return values


def _freeze(value):
    """A hashable stand-in for an attribute value (arrays by dtype, shape and bytes)."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape,
                value.tobytes() if value.dtype != object else tuple(value.ravel().tolist()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    try:
        hash(value)
        return (type(value).__name__, value)
    except TypeError:
        return ("id", id(value))


def common_subexpressions(nodes, ctx):
    """The same stateless op on the same inputs with the same attributes runs once."""
    seen, out, notes = {}, [], []
    for node in nodes:
        if node.stateful:
            out.append(node)
            continue
        key = (node.type, tuple(id(t) for t in node._inputs), _freeze(node._attrs))
        first = seen.get(key)
        if first is None or any(id(t) in ctx.fed for t in node._outputs):
            seen.setdefault(key, node)
            out.append(node)
            continue
        notes.append(f"{node.name} = {first.name}")
        for a, b in zip(node._outputs, first._outputs):
            ctx.replace(a, b)
    return out, notes


def _all_equal(value, target):
    value = np.asarray(value)
    if value.dtype.kind not in "iufc" or value.size == 0:
        return False
    if target == "-0":
        return value.dtype.kind in "iu" and not value.any() or (
            value.dtype.kind in "fc" and bool(np.all((value == 0) & np.signbit(value))))
    if target == "+0":
        return bool(np.all(value == 0)) and not (value.dtype.kind in "fc" and
                                                 np.any(np.signbit(value)))
    return bool(np.all(value == target))


def _keeps_shape(x, c):
    """x op c has exactly x's shape when c only broadcasts into it."""
    if x.shape.rank is None or np.ndim(c) > x.shape.rank:
        return False
    dims = x.shape.as_list()[x.shape.rank - np.ndim(c):]
    return all(cd == 1 or cd == xd for cd, xd in zip(np.shape(c), dims))


def _simplified(node, known, producer):
    """The tensor `node`'s output equals exactly, if one of the exact rules applies."""
    ins, t = node._inputs, node.type
    if t in ("Identity", "StopGradient", "Snapshot"):
        return ins[0]
    if t == "Neg" and ins[0]._op is not None and getattr(ins[0]._op, "type", "") == "Neg" \
            and id(ins[0]) in producer:
        return producer[id(ins[0])]._inputs[0]
    if len(ins) != 2:
        return None
    x, y = ins
    rules = {"Mul": ((1, 1), (0, 1)), "RealDiv": ((1, 1),), "AddV2": ((1, "-0"), (0, "-0")),
             "Sub": ((1, "+0"),)}
    for const_at, target in rules.get(t, ()):
        other = ins[1 - const_at]
        value = known.get(id(ins[const_at]))
        if value is not None and other.dtype == node._outputs[0].dtype and \
                _all_equal(value, target) and _keeps_shape(other, value):
            return other
    return None


def arithmetic(nodes, ctx):
    """x * 1, 1 * x, x / 1, x - 0.0, x + -0.0, --x, Identity chains: the input itself."""
    known = _known_values(nodes, ctx.fed)
    producer, out, notes = {}, [], []
    for node in nodes:
        replacement = None if node.stateful or any(id(o) in ctx.fed for o in node._outputs) \
            else _simplified(node, known, producer)
        if replacement is None:
            out.append(node)
            for o in node._outputs:
                producer[id(o)] = node
            continue
        notes.append(f"{node.name} -> {getattr(replacement, 'name', '?')}")
        ctx.replace(node._outputs[0], replacement)
    return out, notes


def _fused_kernel(a, b, bias, transpose_a, transpose_b, data_format, activation):
    """MatMul, BiasAdd and the activation with the same numpy calls, written in place."""
    out = np.matmul(a.T if transpose_a else a, b.T if transpose_b else b)
    np.add(out, bias, out=out)
    if activation == "Relu":
        np.maximum(out, 0, out=out)
    elif activation == "Tanh":
        np.tanh(out, out=out)
    return out


def _fused_infer(inputs, attrs):  # only asked to word an error: MatMul's rules
    from engine.registry import get_op
    return get_op("MatMul").infer(inputs[:2], {"transpose_a": attrs["transpose_a"],
                                              "transpose_b": attrs["transpose_b"]})


_FUSED = OpDef("_FusedMatMul", _fused_kernel, _fused_infer, None)
_ACTIVATIONS = ("Relu", "Tanh")


def remapping(nodes, ctx):
    """MatMul -> BiasAdd (-> Relu/Tanh) chains, each used only by the next, become one
    kernel (TensorFlow's remapper); the first op names errors."""
    uses = {}
    for node in nodes:
        for t in node._inputs:
            uses[id(t)] = uses.get(id(t), 0) + 1
    for t in ctx.fetch_ids:
        uses[t] = uses.get(t, 0) + 1
    by_input, notes = {}, []
    for node in nodes:
        for t in node._inputs:
            by_input.setdefault(id(t), node)
    fused_at = {}  # id(last node of a chain) -> the fused node, run where the last one ran
    skipped = set()
    for node in nodes:
        chain = None if id(node) in skipped else _chain(node, by_input, uses, ctx.fed)
        if chain is not None:
            fused = _fuse(chain)
            notes.append(" + ".join(n.name for n in chain))
            skipped.update(id(n) for n in chain)
            fused_at[id(chain[-1])] = fused
            ctx.replace(chain[-1]._outputs[0], fused._outputs[0])
    out = [fused_at.get(id(n), n) for n in nodes
           if id(n) not in skipped or id(n) in fused_at]
    return out, notes


def _chain(node, by_input, uses, fed):
    if node.type != "MatMul" or node._outputs[0].dtype._np.kind != "f":
        return None
    mm_out = node._outputs[0]
    bias_add = by_input.get(id(mm_out))
    if bias_add is None or bias_add.type != "BiasAdd" or uses.get(id(mm_out)) != 1 or \
            bias_add._inputs[0] is not mm_out or id(mm_out) in fed or \
            bias_add._attrs.get("data_format", "NHWC") != "NHWC":
        return None
    chain = [node, bias_add]
    act = by_input.get(id(bias_add._outputs[0]))
    if act is not None and act.type in _ACTIVATIONS and \
            uses.get(id(bias_add._outputs[0])) == 1 and id(bias_add._outputs[0]) not in fed:
        chain.append(act)
    return chain


def _fuse(chain):
    mm, bias_add = chain[0], chain[1]
    last = chain[-1]._outputs[0]
    out = PlanTensor(last.dtype, last.shape, name=last.name)
    attrs = {"transpose_a": mm._attrs["transpose_a"], "transpose_b": mm._attrs["transpose_b"],
             "data_format": "NHWC", "activation": chain[2].type if len(chain) > 2 else None}
    node = PlanNode(_FUSED, (mm._inputs[0], mm._inputs[1], bias_add._inputs[1]), (out,),
                    attrs, mm.name, mm.defined_at, sum((n.origin for n in chain), ()))
    out._op = node
    return node


# ---------------------------------------------------------------- memory: in place ---------
# Elementwise ops whose kernel is exactly this numpy ufunc (checked in the tests), so
# writing the result into an input's buffer gives the same bits.
_UNARY = {"Neg": np.negative, "Tanh": np.tanh, "Exp": np.exp, "Sqrt": np.sqrt,
          "Square": np.square, "Abs": np.absolute, "Sin": np.sin, "Cos": np.cos,
          "Log": np.log}
_BINARY = {"AddV2": np.add, "Sub": np.subtract, "Mul": np.multiply,
           "RealDiv": np.true_divide, "Maximum": np.maximum, "Minimum": np.minimum}
# Producers whose output is always a new array nobody else holds (never a view, a fed
# value, a variable's stored array or a constant).
_FRESH = set(_UNARY) | set(_BINARY) | {"Relu", "MatMul", "_FusedMatMul", "BiasAdd",
                                       "_InPlace"}


_IN_PLACE_MIN = 4096  # elements: below this, numpy's out= costs more than allocating


def _in_place_kernel(ufunc, target, extra):
    """A kernel computing ufunc(*arrays, *extra) into arrays[target] when that buffer is
    big enough to be worth it — made per node so the plan calls it with no attributes.
    A numpy scalar (a 0-d result) has no buffer to reuse."""
    ndarray, small = np.ndarray, _IN_PLACE_MIN
    if target == 0 and not extra:
        def kernel(x, *rest):
            if type(x) is ndarray and x.size >= small:
                return ufunc(x, *rest, out=x)
            return ufunc(x, *rest)
    elif target == 0:
        def kernel(x):
            if type(x) is ndarray and x.size >= small:
                return ufunc(x, *extra, out=x)
            return ufunc(x, *extra)
    else:
        def kernel(x, y):
            if type(y) is ndarray and y.size >= small:
                return ufunc(x, y, out=y)
            return ufunc(x, y)
    return kernel


def _in_place_infer(inputs, attrs):  # only asked to word an error: the output's spec
    return [(inputs[0].dtype, inputs[0].shape)]


def _broadcasts_into(x, other):
    """`other` broadcast against x gives x's shape, whatever the unknown dims are."""
    if x.shape.rank is None or other.shape.rank is None or other.shape.rank > x.shape.rank:
        return False
    dims = x.shape.as_list()[x.shape.rank - other.shape.rank:]
    return all(o == 1 or (o is not None and o == d) for o, d in zip(other.shape.as_list(),
                                                                     dims))


def in_place(nodes, ctx):
    """Memory planning by liveness: an elementwise op whose input buffer dies there (used
    once, fresh from an op that made it, not fetched or fed) writes its result into it
    instead of allocating — the chain of a layer's activations reuses one buffer."""
    uses, producer = {}, {}
    for node in nodes:
        for t in node._inputs:
            uses[id(t)] = uses.get(id(t), 0) + 1
        for t in node._outputs:
            producer[id(t)] = node
    out, notes = [], []
    for node in nodes:
        target = _target(node, uses, producer, ctx)
        if target is None:
            out.append(node)
            continue
        ufunc = _UNARY.get(node.type) or _BINARY.get(node.type) or np.maximum
        extra = (0,) if node.type == "Relu" else ()
        opdef = OpDef("_InPlace", _in_place_kernel(ufunc, target, extra), _in_place_infer,
                      None)
        new = PlanNode(opdef, node._inputs, node._outputs, {}, node.name,
                       node.defined_at, node.origin)
        out.append(new)
        notes.append(node.name)
    return out, notes


def _target(node, uses, producer, ctx):
    """The index of the input the op may overwrite, or None."""
    if node.type not in _UNARY and node.type not in _BINARY and node.type != "Relu":
        return None
    result = node._outputs[0]
    for index, t in enumerate(node._inputs):
        maker = producer.get(id(t))
        if maker is None or maker.type not in _FRESH or uses.get(id(t)) != 1 or \
                id(t) in ctx.fetch_ids or id(t) in ctx.fed or t.dtype != result.dtype:
            continue
        others = [o for o in node._inputs if o is not t]
        if all(_broadcasts_into(t, o) for o in others):
            return index
    return None
