"""tf.compat.v1.ConfigProto and friends: the TF1 way to switch graph passes per Session.

`Session(config=ConfigProto(graph_options=GraphOptions(rewrite_options=RewriterConfig(
constant_folding=RewriterConfig.OFF))))` turns constant folding off in that Session.
Other fields (device counts, threads, placement logs) are accepted and have no effect:
twinflow runs in-process on the CPU.
"""

from __future__ import annotations

__all__ = ["ConfigProto", "GraphOptions", "RewriterConfig", "OptimizerOptions"]


class RewriterConfig:
    """Grappler's switches (DEFAULT, ON, OFF per pass; disable_meta_optimizer)."""

    DEFAULT, ON, OFF, AGGRESSIVE = 0, 1, 2, 3
    _KEYS = ("constant_folding", "arithmetic_optimization", "remapping", "memory_optimization",
             "dependency_optimization", "layout_optimizer", "shape_optimization",
             "loop_optimization", "function_optimization", "debug_stripper")

    def __init__(self, disable_meta_optimizer=False, **switches):
        unknown = set(switches) - set(self._KEYS)
        if unknown:
            raise ValueError(f"Protocol message RewriterConfig has no \"{sorted(unknown)[0]}\" "
                             "field.")
        self.disable_meta_optimizer = disable_meta_optimizer
        self._switches = switches

    def as_options(self):
        """The graph-pass options (TensorFlow's names) this config sets."""
        options = {k: v != self.OFF for k, v in self._switches.items() if v != self.DEFAULT}
        if self.disable_meta_optimizer:
            options["disable_meta_optimizer"] = True
        return options


class OptimizerOptions:
    """TF1's older switch: opt_level=L0 turns constant folding (and CSE) off."""

    L1, L0 = 0, -1

    def __init__(self, opt_level=0, do_constant_folding=True,
                 do_common_subexpression_elimination=True, **unused):
        self.opt_level = opt_level
        self.do_constant_folding = do_constant_folding and opt_level != self.L0
        self.do_cse = do_common_subexpression_elimination and opt_level != self.L0


class GraphOptions:
    def __init__(self, optimizer_options=None, rewrite_options=None, **unused):
        self.optimizer_options = optimizer_options
        self.rewrite_options = rewrite_options
        if rewrite_options is None and optimizer_options is not None:
            switches = {}
            if not optimizer_options.do_constant_folding:
                switches["constant_folding"] = RewriterConfig.OFF
            if not optimizer_options.do_cse:
                switches["arithmetic_optimization"] = RewriterConfig.OFF
            self.rewrite_options = RewriterConfig(**switches)


class ConfigProto:
    """Session configuration; only graph_options affects twinflow."""

    def __init__(self, graph_options=None, **unused):
        self.graph_options = graph_options
        for key, value in unused.items():
            setattr(self, key, value)
