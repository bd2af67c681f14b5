"""The program a plan runs, as passes see it: PlanNodes over tensors, in run order.

A PlanNode copies what the plan compiler reads from an Operation (`_opdef`, `_inputs`,
`_outputs`, `_attrs`, name, type, defined_at), so passes rewrite plans without ever
touching the user's Graph: a pass takes a list of nodes and returns a new list. New
values (a folded constant, a fused result) are PlanTensors.
"""

from __future__ import annotations

from engine.shapes import TensorShape

__all__ = ["PlanNode", "PlanTensor", "from_ops", "substitute", "remove_dead", "to_networkx",
           "const_node", "resolve"]


class PlanTensor:
    """A value made by a pass: dtype and static shape, like a graph Tensor."""

    __slots__ = ("dtype", "shape", "_op", "_value_index", "name")

    def __init__(self, dtype, shape, op=None, index=0, name=""):
        self.dtype, self.shape = dtype, TensorShape(shape)
        self._op, self._value_index, self.name = op, index, name


class PlanNode:
    """One step of a plan (from an Operation, or made by a pass)."""

    __slots__ = ("_opdef", "_inputs", "_outputs", "_attrs", "name", "type", "defined_at",
                 "origin")

    def __init__(self, opdef, inputs, outputs, attrs, name, defined_at, origin):
        self._opdef, self._inputs, self._outputs = opdef, tuple(inputs), tuple(outputs)
        self._attrs, self.name, self.type = dict(attrs), name, opdef.name
        self.defined_at, self.origin = defined_at, origin  # origin: the Operations it runs

    @property
    def stateful(self):
        return self._opdef.stateful


def from_ops(ops):
    return [PlanNode(op._opdef, op._inputs, op._outputs, op._attrs, op.name, op.defined_at,
                     (op,)) for op in ops]


def const_node(value, dtype, like, name, defined_at):
    """A Const step producing `value` (a folded result standing in for tensor `like`)."""
    from engine.ops.core import CONST
    out = PlanTensor(dtype, like.shape if like is not None else value.shape, name=name)
    node = PlanNode(CONST, (), (out,), {"value": value, "dtype": dtype}, name, defined_at, ())
    out._op = node
    return node, out


def resolve(mapping, t):
    """Where tensor `t` ended up after the replacements (id(old) -> (old, new))."""
    for _ in range(64):
        entry = mapping.get(id(t))
        if entry is None or entry[0] is not t:
            return t
        t = entry[1]
    return t


def substitute(nodes, mapping):
    """The nodes with every input replaced through `mapping`."""
    if not mapping:
        return nodes
    out = []
    for node in nodes:
        inputs = tuple(resolve(mapping, t) for t in node._inputs)
        if any(a is not b for a, b in zip(inputs, node._inputs)):
            node = PlanNode(node._opdef, inputs, node._outputs, node._attrs, node.name,
                            node.defined_at, node.origin)
        out.append(node)
    return out


def remove_dead(nodes, keep_ids, keep_ops=()):
    """Drops stateless nodes whose outputs nothing uses (stateful ones, and those running
    a fetched Operation, always stay)."""
    used, fetched = set(keep_ids), {id(op) for op in keep_ops}
    kept = []
    for node in reversed(nodes):
        if node.stateful or any(id(o) in used for o in node._outputs) or \
                any(id(op) in fetched for op in node.origin):
            kept.append(node)
            used.update(id(t) for t in node._inputs)
    kept.reverse()
    return kept


def to_networkx(nodes):
    """The data-flow structure of a plan (node index -> consumer index)."""
    import networkx as nx  # only when asked: `import twinflow` stays fast
    graph = nx.DiGraph()
    producer = {}
    for i, node in enumerate(nodes):
        graph.add_node(i, type=node.type, name=node.name)
        for t in node._outputs:
            producer[id(t)] = i
    for i, node in enumerate(nodes):
        for t in node._inputs:
            if id(t) in producer:
                graph.add_edge(producer[id(t)], i)
    return graph

