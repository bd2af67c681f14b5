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
           "set_jit", "get_jit", "options_key", "PassReport"]

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


# The keys tf.config.optimizer takes (TensorFlow drops others); only the ones with a
# pass here change anything, the rest are kept and reported back.
_KNOWN = frozenset({"layout_optimizer", "constant_folding", "shape_optimization", "remapping",
                    "arithmetic_optimization", "dependency_optimization", "loop_optimization",
                    "function_optimization", "debug_stripper", "disable_model_pruning",
                    "scoped_allocator_optimization", "pin_to_host_optimization",
                    "implementation_selector", "auto_mixed_precision",
                    "disable_meta_optimizer", "min_graph_nodes", "memory_optimization"})
_explicit: list = []  # the keys set so far, in order (what get_experimental_options shows)
_jit = [""]


def set_experimental_options(options):
    """Turns passes on or off by TensorFlow's option names; unknown names are dropped,
    as TensorFlow drops them."""
    with _lock:
        for key, value in dict(options).items():
            if key not in _KNOWN:
                continue
            _options[key] = int(value) if key == "min_graph_nodes" else bool(value)
            if key not in _explicit:
                _explicit.append(key)
        _version[0] += 1


def get_experimental_options():
    """The options set so far, plus the two TensorFlow always reports."""
    shown = {k: _options[k] for k in _explicit
             if k not in ("disable_model_pruning", "disable_meta_optimizer", "min_graph_nodes")}
    shown["disable_model_pruning"] = bool(_options.get("disable_model_pruning", False))
    shown["disable_meta_optimizer"] = bool(_options.get("disable_meta_optimizer", False))
    if "min_graph_nodes" in _explicit:
        shown["min_graph_nodes"] = _options["min_graph_nodes"]
    return shown


def set_jit(enabled):
    """tf.config.optimizer.set_jit: remembered (there is no XLA here); True means
    TensorFlow's "autoclustering"."""
    _jit[0] = "autoclustering" if enabled is True else (enabled or "")


def get_jit():
    return _jit[0]


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
