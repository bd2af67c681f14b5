"""The eager executor: run the kernel now, wrap the result, tell the tapes.

This is the eager hot path. With tensor inputs it builds no dicts, runs no shape
inference and captures no traceback; tapes are touched only when one is active.
When a kernel fails, the error path runs the op's `infer` to explain what was wrong
in TensorFlow's words and raises the matching tf.errors class.
"""

from __future__ import annotations

from engine import context, errors
from engine.infer import explain_failure
from engine.ops._util import tf_type_name
from engine.ops.core import convert_inputs
from engine.resources import ResourceStore
from eager.tensor import EagerTensor

__all__ = ["EagerExecutor", "PROCESS_STORE"]

# Eagerly, variables and random generators live as long as the process.
PROCESS_STORE = ResourceStore()
_new = object.__new__


def _wrap(value):
    tensor = _new(EagerTensor)
    tensor._value = value
    return tensor


class EagerExecutor:
    """One per thread (tapes are per thread); all share the process's resource store."""

    is_eager = True

    def __init__(self):
        self.tapes = []  # active GradientTapes, innermost last
        self.store = PROCESS_STORE

    def run_op(self, op, inputs, attrs, name):
        try:  # one and two inputs unpacked by hand: a comprehension costs a frame
            if len(inputs) == 2:
                arrays = (inputs[0]._value, inputs[1]._value)
            elif len(inputs) == 1:
                arrays = (inputs[0]._value,)
            else:
                arrays = [t._value for t in inputs]
        except AttributeError:  # Python values, numpy arrays, variables: convert first
            inputs = self._convert(op, inputs)
            arrays = [t._value for t in inputs]
        group = op.same_dtype
        if group is not None:
            first = arrays[group[0]].dtype
            for i in group:  # `is` first: numpy reuses dtype objects, and != is slow
                if arrays[i].dtype is not first and arrays[i].dtype != first:
                    raise self._dtype_mismatch(op, inputs, group[0], i, name)
        try:
            if attrs is None and not op.uses_store:
                out = op.kernel(*arrays)
            elif op.uses_store:
                out = op.kernel(self.store, *arrays, **(attrs or {}))
            else:
                out = op.kernel(*arrays, **attrs)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a tf.errors class
            raise _kernel_error(op, inputs, attrs, name, exc) from exc
        if op.multi:
            result = tuple([_wrap(o) for o in out])
            if self.tapes:
                self._record(op, inputs, attrs, result)
            return result
        result = _new(EagerTensor)  # skips a Python __init__ frame
        result._value = out
        if self.tapes:
            self._record(op, inputs, attrs, (result,))
        return result

    def _convert(self, op, inputs):
        converted = convert_inputs(op, inputs)
        for i, t in enumerate(converted):
            if type(t) is not EagerTensor:
                raise TypeError(
                    f"Input {i} of {op.name} is a symbolic graph tensor ({t!r}) but ops run "
                    "eagerly here: build it inside the graph's `with graph.as_default():` "
                    "block, or run it with Session.run.")
        return converted

    def variable_accessed(self, variable):
        for tape in self.tapes:
            tape._variable_accessed(variable)

    def _record(self, op, inputs, attrs, outputs):
        for tape in self.tapes:
            tape._record(op, inputs, attrs, outputs)

    @staticmethod
    def _dtype_mismatch(op, inputs, first, index, name):
        expected = tf_type_name(inputs[first].dtype)
        got = tf_type_name(inputs[index].dtype)
        return errors.InvalidArgumentError(
            None, None, f"cannot compute {op.name} as input #{index}(zero-based) was expected "
            f"to be a {expected} tensor but is a {got} tensor [Op:{op.name}]"
            + (f" name: {name}" if name else "")
            + f"\n  Fix: make both {inputs[first].dtype.name} with tf.cast(x, dtype); "
            "TensorFlow never converts between tensor dtypes implicitly.")


def _kernel_error(op, inputs, attrs, name, exc):
    """The tf.errors exception for a failed kernel, suffixed like TensorFlow's eager ones."""
    cls, message = explain_failure(op, inputs, attrs, exc)
    return cls(None, None, f"{message} [Op:{op.name}]" + (f" name: {name}" if name else ""))


def install():
    """Makes eager execution the bottom of every thread's executor stack."""
    context.set_default_executor_factory(EagerExecutor)
