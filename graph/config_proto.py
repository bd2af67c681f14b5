"""tf.compat.v1.ConfigProto and friends: the TF1 way to configure a Session.

Only the graph-pass switches act: `ConfigProto(graph_options=GraphOptions(rewrite_options=
RewriterConfig(constant_folding=RewriterConfig.OFF)))`, or the same set field by field
(`config.graph_options.rewrite_options.constant_folding = RewriterConfig.OFF`), turns
constant folding off in that Session. The other fields TF1 code sets (gpu_options.
allow_growth, device_count, thread counts, allow_soft_placement, log_device_placement)
are kept and read back but change nothing: twinflow runs in-process on the CPU.

Messages behave like TensorFlow's protobuf ones where user code can tell: unknown fields
are refused, sub-messages exist on first read, `str()` prints the set fields as text.
"""

from __future__ import annotations

__all__ = ["ConfigProto", "GPUOptions", "GraphOptions", "RewriterConfig", "OptimizerOptions",
           "RunOptions", "RunMetadata"]


class _Message:
    """A protobuf-like message: `_FIELDS` maps each field to its default (a _Message
    subclass for a sub-message, made on first read)."""

    _FIELDS: dict = {}
    _ENUMS: dict = {}  # field -> {value: name} for text output

    def __init__(self, **values):
        object.__setattr__(self, "_values", {})
        for key, value in values.items():
            if key not in self._FIELDS:
                raise ValueError(f'Protocol message {type(self).__name__} has no "{key}" '
                                 "field.")
            self._values[key] = value

    def __getattr__(self, name):
        fields = type(self)._FIELDS
        if name.startswith("_") or name not in fields:
            raise AttributeError(f'Protocol message {type(self).__name__} has no "{name}" '
                                 "field.")
        values = self._values
        if name in values:
            return values[name]
        default = fields[name]
        if isinstance(default, type) and issubclass(default, _Message):
            value = self._values[name] = default()
        elif isinstance(default, (dict, list)):
            value = self._values[name] = type(default)()
        else:
            value = default
        return value

    def __setattr__(self, name, value):
        if name not in type(self)._FIELDS:
            raise AttributeError(f'Protocol message {type(self).__name__} has no "{name}" '
                                 "field.")
        self._values[name] = value

    def HasField(self, name) -> bool:  # noqa: N802 - protobuf's name
        return name in self._values and bool(_set_fields(self._values[name]))

    def CopyFrom(self, other):  # noqa: N802
        self._values.clear()
        self._values.update(other._values)

    def __eq__(self, other):
        return type(other) is type(self) and _set_fields(self) == _set_fields(other)

    __hash__ = None

    def __str__(self):
        return "".join(_text(self, ""))

    def __repr__(self):
        return str(self)


def _set_fields(message):
    """The fields that differ from their defaults (sub-messages when they hold any)."""
    if not isinstance(message, _Message):
        return message
    out = {}
    for key, value in message._values.items():
        value = _set_fields(value)
        if value != ({} if isinstance(message._FIELDS[key], type) else message._FIELDS[key]):
            out[key] = value
    return out


def _text(message, indent):
    for key in message._FIELDS:
        if key not in message._values:
            continue
        value = message._values[key]
        if isinstance(value, _Message):
            if _set_fields(value):
                yield f"{indent}{key} {{\n"
                yield from _text(value, indent + "  ")
                yield f"{indent}}}\n"
        elif isinstance(value, dict):
            for k, v in value.items():
                yield f'{indent}{key} {{\n{indent}  key: "{k}"\n{indent}  value: {v}\n{indent}}}\n'
        elif value != message._FIELDS[key]:
            shown = message._ENUMS.get(key, {}).get(value)
            if shown is None:
                shown = str(value).lower() if isinstance(value, bool) else (
                    f'"{value}"' if isinstance(value, str) else value)
            yield f"{indent}{key}: {shown}\n"


_TOGGLES = ("constant_folding", "arithmetic_optimization", "remapping", "memory_optimization",
            "dependency_optimization", "layout_optimizer", "shape_optimization",
            "loop_optimization", "function_optimization", "debug_stripper",
            "common_subgraph_elimination", "scoped_allocator_optimization",
            "pin_to_host_optimization", "implementation_selector", "auto_mixed_precision")


class RewriterConfig(_Message):
    """Grappler's switches: DEFAULT, ON, OFF (AGGRESSIVE) per pass; disable_meta_optimizer."""

    DEFAULT, ON, OFF, AGGRESSIVE = 0, 1, 2, 3
    _FIELDS = {**{key: 0 for key in _TOGGLES}, "disable_meta_optimizer": False,
               "disable_model_pruning": False, "min_graph_nodes": 0,
               "meta_optimizer_iterations": 0, "optimizers": []}
    _ENUMS = {key: {1: "ON", 2: "OFF", 3: "AGGRESSIVE"} for key in _TOGGLES}

    def as_options(self):
        """The graph-pass options (TensorFlow's names) this config sets."""
        options = {k: self._values[k] != self.OFF for k in _TOGGLES
                   if self._values.get(k, self.DEFAULT) != self.DEFAULT}
        if self.disable_meta_optimizer:
            options["disable_meta_optimizer"] = True
        return options


class OptimizerOptions(_Message):
    """TF1's older switches: opt_level=L0 turns constant folding and CSE off."""

    L1, L0 = 0, -1
    DEFAULT, OFF, ON_1, ON_2 = 0, -1, 1, 2  # GlobalJitLevel (accepted; no XLA here)
    _FIELDS = {"do_common_subexpression_elimination": False, "do_constant_folding": False,
               "opt_level": 0, "do_function_inlining": False, "global_jit_level": 0,
               "max_folded_constant_in_bytes": 0, "cpu_global_jit": False}
    _ENUMS = {"opt_level": {-1: "L0"}, "global_jit_level": {-1: "OFF", 1: "ON_1", 2: "ON_2"}}

    def as_options(self):
        """L0 (or explicitly False switches with L0) turn folding and CSE off."""
        if self.opt_level == self.L0:
            return {"constant_folding": bool(self.do_constant_folding),
                    "arithmetic_optimization": bool(self.do_common_subexpression_elimination)}
        return {}


class GPUOptions(_Message):
    """Kept and read back; there is no GPU here."""

    _FIELDS = {"allow_growth": False, "per_process_gpu_memory_fraction": 0.0,
               "visible_device_list": "", "force_gpu_compatible": False,
               "allocator_type": "", "polling_active_delay_usecs": 0}


class GraphOptions(_Message):
    _FIELDS = {"optimizer_options": OptimizerOptions, "rewrite_options": RewriterConfig,
               "build_cost_model": 0, "infer_shapes": False, "place_pruned_graph": False,
               "enable_bfloat16_sendrecv": False, "timeline_step": 0,
               "enable_recv_scheduling": False}

    def as_options(self):
        """The rewrite options, else what the older optimizer options imply."""
        if "rewrite_options" in self._values and _set_fields(self.rewrite_options):
            return self.rewrite_options.as_options()
        if "optimizer_options" in self._values:
            return self.optimizer_options.as_options()
        return {}


class ConfigProto(_Message):
    """Session configuration; only graph_options affects twinflow."""

    _FIELDS = {"device_count": {}, "intra_op_parallelism_threads": 0,
               "inter_op_parallelism_threads": 0, "use_per_session_threads": False,
               "allow_soft_placement": False, "log_device_placement": False,
               "gpu_options": GPUOptions, "graph_options": GraphOptions,
               "operation_timeout_in_ms": 0, "isolate_session_state": False,
               "share_cluster_devices_in_session": False}


class RunOptions(_Message):
    """Session.run(options=...): accepted; tracing levels have no effect here."""

    NO_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, FULL_TRACE = 0, 1, 2, 3
    _FIELDS = {"trace_level": 0, "timeout_in_ms": 0, "inter_op_thread_pool": 0,
               "output_partition_graphs": False, "report_tensor_allocations_upon_oom": False}
    _ENUMS = {"trace_level": {1: "SOFTWARE_TRACE", 2: "HARDWARE_TRACE", 3: "FULL_TRACE"}}


class RunMetadata(_Message):
    """Session.run(run_metadata=...): left empty (no step stats are collected)."""

    _FIELDS = {"step_stats": {}, "partition_graphs": [], "function_graphs": []}
