"""Grappler-style graph passes, run by the plan compiler before it writes a plan.

Switches use TensorFlow's keys (`tf.config.optimizer.set_experimental_options`):
constant_folding, arithmetic_optimization (simplification and common-subexpression
elimination), remapping (MatMul + BiasAdd + activation fusion), memory_optimization
(opt-in: elementwise ops reuse a dying input's buffer — less memory for big activations,
one more Python call per op, which small tensors feel), disable_meta_optimizer (all
off). Every pass keeps every result bit (graph/passes/rewrites.py says why).
"""

from __future__ import annotations

import threading

from graph.passes import rewrites
from graph.passes.ir import from_ops, remove_dead, substitute

__all__ = ["optimize", "set_experimental_options", "get_experimental_options",
           "options_key", "PassReport"]

_DEFAULTS = {"constant_folding": True, "arithmetic_optimization": True, "remapping": True,
             "memory_optimization": False, "disable_meta_optimizer": False}
_options = dict(_DEFAULTS)
_version = [0]
_lock = threading.Lock()

# (option, name shown in reports, the pass)
_PIPELINE = (("constant_folding", "constant folding", rewrites.constant_folding),
             ("arithmetic_optimization", "common subexpressions",
              rewrites.common_subexpressions),
             ("arithmetic_optimization", "arithmetic simplification", rewrites.arithmetic),
             ("constant_folding", "constant folding (again)", rewrites.constant_folding),
             ("remapping", "fusion", rewrites.remapping),
             ("memory_optimization", "in-place buffers", rewrites.in_place))


def set_experimental_options(options):
    """Turns passes on or off by TensorFlow's option names (unknown names are kept and
    ignored, as TensorFlow ignores optimizers it does not have)."""
    with _lock:
        _options.update({k: bool(v) for k, v in dict(options).items()})
        _version[0] += 1


def get_experimental_options():
    """The options set so far (TensorFlow reports only the explicitly set ones)."""
    return {k: v for k, v in _options.items() if _DEFAULTS.get(k) != v or k not in _DEFAULTS}


def options_key(overrides=None):
    """What a compiled plan depends on: part of the Session's plan-cache key."""
    return (_version[0], tuple(sorted((overrides or {}).items())))


def _enabled(name, overrides):
    merged = {**_options, **(overrides or {})}
    if merged.get("disable_meta_optimizer"):
        return False
    return merged.get(name, _DEFAULTS.get(name, True))


class _Context:
    """What passes share: fed tensors, fetched tensors, and the replacements made."""

    def __init__(self, feeds, fetches):
        self.fed = {id(t) for t in feeds}
        self.fetch_ids = {id(t) for t in fetches}
        self.mapping = {}

    def replace(self, old, new):
        self.mapping[id(old)] = (old, new)  # `old` kept alive: its id stays its own


class PassReport:
    """What each pass did: ops before and after, and which were folded/merged/fused."""

    def __init__(self):
        self.steps = []  # (pass name, ops before, ops after, notes)

    def __str__(self):
        lines = []
        for name, before, after, notes in self.steps:
            lines.append(f"{name}: {before} -> {after} ops" + (
                f" ({len(notes)}: {', '.join(notes[:6])}{', ...' if len(notes) > 6 else ''})"
                if notes else ""))
        return "\n".join(lines)


def optimize(ops, fetches, feeds, overrides=None):
    """(plan nodes, resolve(tensor) -> tensor, PassReport) for the pruned `ops`."""
    nodes = from_ops(ops)
    ctx = _Context(feeds, [f for f in fetches if hasattr(f, "dtype")])
    report = PassReport()
    for option, name, fn in _PIPELINE:
        if not _enabled(option, overrides):
            continue
        before = len(nodes)
        ctx.fetch_ids = {id(_resolve(ctx.mapping, f)) for f in fetches if hasattr(f, "dtype")}
        nodes, notes = fn(nodes, ctx)
        nodes = substitute(nodes, ctx.mapping)
        keep = {id(_resolve(ctx.mapping, f)) for f in fetches if hasattr(f, "dtype")}
        nodes = remove_dead(nodes, keep, [f for f in fetches if not hasattr(f, "dtype")])
        report.steps.append((name, before, len(nodes), notes))
    return nodes, (lambda t: _resolve(ctx.mapping, t)), report


def _resolve(mapping, t):
    from graph.passes.ir import resolve
    return resolve(mapping, t)
