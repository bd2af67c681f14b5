"""Session.explain: what a run would do, without running it."""

from __future__ import annotations

from graph.passes import optimize
from graph.plan import _needed_ops
from graph.tensor import Tensor

__all__ = ["Explanation", "explain"]

_RESOURCES = {"VarHandleOp": "variable", "HashTableV2": "table", "IteratorV2": "iterator",
              "OneShotIterator": "iterator"}


class Explanation:
    """The dry run's findings (str() prints them)."""

    def __init__(self, ops, feeds_needed, resources, report, plan_ops):
        self.ops = ops                    # the pruned Operations, in run order
        self.feeds_needed = feeds_needed  # placeholders a feed_dict must give
        self.resources = resources        # (kind, name) that must be initialized
        self.report = report              # PassReport: what each pass did
        self.plan_ops = plan_ops          # the steps left after the passes

    def __str__(self):
        lines = [f"{len(self.ops)} ops run (after pruning): " +
                 ", ".join(op.name for op in self.ops[:12]) + (" ..." if len(self.ops) > 12
                                                              else "")]
        lines.append("feeds needed: " + (", ".join(f"{op.name} ({op.outputs[0].dtype.name}"
                                                   f" {op.outputs[0].shape})"
                                                   for op in self.feeds_needed) or "none"))
        lines.append("must be initialized in this Session: " + (", ".join(
            f"{kind} {name!r}" for kind, name in self.resources) or "nothing"))
        if self.report is not None:
            lines.append("graph passes:")
            lines += [f"  {line}" for line in str(self.report).splitlines()]
        lines.append(f"{len(self.plan_ops)} steps in the plan")
        return "\n".join(lines)

    __repr__ = __str__


def explain(graph, targets, feed_tensors, pass_options=None):
    fed = {id(t): i for i, t in enumerate(feed_tensors)}
    fetch_ops = [t._op if isinstance(t, Tensor) else t for t in targets
                 if not (isinstance(t, Tensor) and id(t) in fed)]
    ops = _needed_ops(graph, fetch_ops, fed)
    feeds_needed = [op for op in ops if op.type == "Placeholder"]
    resources = [(_RESOURCES[op.type], op.name) for op in ops if op.type in _RESOURCES]
    runnable = [op for op in ops if op.type != "Placeholder"]
    nodes, _, report = optimize(runnable, targets, feed_tensors, pass_options)
    return Explanation(ops, feeds_needed, resources, report, nodes)
