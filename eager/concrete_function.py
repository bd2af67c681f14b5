"""ConcreteFunction: one trace of a tf.function — its graph, and the call that runs it.

A call checks its tensors against the traced placeholders (a ConcreteFunction never
retraces, so a wrong dtype or shape is an error, as in TensorFlow) and runs the trace as
ONE call op (graph/function_call.py), recorded whole by a GradientTape.
"""

from __future__ import annotations

from engine import context, errors, nest
from engine.ops.core import convert_to_tensor
from engine.tensor_spec import TensorSpec
from eager import function_signature as sig
from graph.function_call import call, gradient_parts

__all__ = ["ConcreteFunction", "TENSOR"]

TENSOR = object()  # marks a tensor output's place in the output template


class ConcreteFunction:
    """One trace of a tf.function: a graph and the plan that runs it.

    Attributes:
        graph: the FuncGraph (a real Graph: inspect its ops, draw or export it).
        structured_outputs: what the Python function returned, tensors in place.
        variables: the variables the function reads.
    """

    def __init__(self, traced, template, key, name):
        self._traced = traced
        self._template = template  # the outputs' structure, None where not a tensor
        self.key = key
        self.name = name
        self.graph = traced.graph
        self.captured_inputs = traced.captured_tensors
        self.variables = list(traced.graph.accessed_variables)
        self._trainable = [v for v in self.variables if v.trainable]

    # -- what it takes and gives ---------------------------------------------------------
    @property
    def structured_outputs(self):
        return self._template

    @property
    def inputs(self):
        return list(self._traced.inputs)

    @property
    def outputs(self):
        return list(self._traced.outputs)

    @property
    def trainable_variables(self):
        return list(self._trainable)

    @property
    def structured_input_signature(self):
        """(positional TensorSpecs, {}) in argument order: TensorFlow's pair."""
        return tuple(TensorSpec(t.shape, t.dtype, name=t.op.name) for t in self.inputs), {}

    @property
    def output_shapes(self):
        return self._map_outputs(lambda t: t.shape)

    @property
    def output_dtypes(self):
        return self._map_outputs(lambda t: t.dtype)

    def _map_outputs(self, fn):
        values = iter(self._traced.outputs)
        if self._template is None:
            return None
        return nest.map_structure(lambda slot: fn(next(values)) if slot is TENSOR else slot,
                                  self._template) if self._template is not TENSOR \
            else fn(next(values))

    def pretty_printed_signature(self, verbose=True):
        args = ", ".join(f"{t.op.name}: {_spec_text(t)}" for t in self.inputs)
        outputs = self._map_outputs(_spec_text)
        return f"Input Parameters:\n  {args or '(none)'}\nOutput Type:\n  {outputs}"

    # -- calling -------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        """Runs the graph on tensors matching its inputs (no retracing).

        Raises:
            TypeError: the wrong number of tensors, or a shape the trace cannot take.
            InvalidArgumentError: a tensor of another dtype than the trace's input.
        """
        flat = nest.flatten([args, kwargs])
        leaves = [a for a in flat if sig.is_tensor_leaf(a)]
        placeholders = self._traced.inputs
        if len(leaves) != len(placeholders):  # Python numbers feed inputs too (cf(3.0))
            leaves = [a for a in flat if sig.is_tensor_leaf(a) or
                      (isinstance(a, (int, float)) and not isinstance(a, bool))]
        if len(leaves) != len(placeholders):
            raise TypeError(f"{self.name} takes {len(placeholders)} tensor arguments, "
                            f"got {len(leaves)}")
        tensors = []
        for index, (value, ph) in enumerate(zip(leaves, placeholders)):
            t = convert_to_tensor(value, dtype_hint=ph.dtype)
            if t.dtype != ph.dtype:
                raise errors.InvalidArgumentError(
                    None, None, f"cannot compute {self.name} as input #{index}(zero-based) "
                    f"was expected to be a {ph.dtype.name} tensor but is a {t.dtype.name} "
                    "tensor. A ConcreteFunction never retraces: call the tf.function "
                    "itself for a new trace, or tf.cast the argument.")
            if not ph.shape.is_compatible_with(t.shape):
                raise TypeError(f"Binding inputs to {self.name} failed: input #{index} has "
                                f"shape {t.shape}, which the trace's {ph.shape} cannot take.")
            tensors.append(t)
        return self._call_flat(tensors)

    def _call_flat(self, tensors):
        executor = context.current_executor()
        if getattr(executor, "tapes", None):  # recorded: keep what the gradient reads
            for v in self._trainable:
                context.variable_accessed(v)
            forward = gradient_parts(self._traced, self.captured_inputs).forward
            if forward is not None:
                flat = call(forward, tensors, self.captured_inputs, base=self._traced)
                return self._pack(flat)
        flat = call(self._traced, tensors, self.captured_inputs)
        return self._pack(flat)

    def _pack(self, flat):
        if self._template is TENSOR:  # one tensor returned: the common case
            return flat[0]
        values = iter(flat)
        return nest.map_structure(lambda slot: next(values) if slot is TENSOR else slot,
                                  self._template) if self._template is not None else None

    def __repr__(self):
        return f"<ConcreteFunction {self.name}({sig.describe_key(self.key[1])})>"


def _spec_text(t):
    return f"TensorSpec(shape={t.shape}, dtype=tf.{t.dtype.name})"
