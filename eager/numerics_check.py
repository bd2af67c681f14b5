"""tf.debugging.enable_check_numerics: stop at the first op that makes a NaN or an Inf.

Enabling pushes a checking executor over the eager one on this thread's stack: every
op still runs on the eager executor (tapes keep recording), then each floating output
is checked. Nothing is paid while it is off, so the eager hot path stays as it is.
"""

from __future__ import annotations

import numpy as np

from engine import context, errors
from graph.tensor import user_frame

__all__ = ["enable_check_numerics", "disable_check_numerics"]


class _CheckingExecutor:
    """Delegates to the executor beneath it and checks floating outputs."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, attr):  # is_eager, store, tapes, hooks: the inner executor's
        return getattr(self._inner, attr)

    def run_op(self, op, inputs, attrs, name):
        result = self._inner.run_op(op, inputs, attrs, name)
        if not self._inner.is_eager:
            return result
        outputs = result if isinstance(result, tuple) else (result,)
        for index, out in enumerate(outputs):
            value = getattr(out, "_value", None)
            if isinstance(value, (np.ndarray, np.floating)) and value.dtype.kind in "fc" \
                    and not np.all(np.isfinite(value)):
                raise errors.InvalidArgumentError(None, None, _report(op, index, outputs,
                                                                      value, inputs))
        return result


def _report(op, index, outputs, value, inputs):
    counts = [(what, int(n)) for what, n in (
        ("NaN", np.isnan(value).sum()), ("-Inf", np.isneginf(value).sum()),
        ("+Inf", np.isposinf(value).sum())) if n]
    shown = "\n".join(f"    input {i}: {t!r}" for i, t in enumerate(inputs)
                      if hasattr(t, "_value"))
    return (f"\n\n!!! Detected Infinity or NaN in output {index} of eagerly-executing op "
            f"\"{op.name}\" (# of outputs: {len(outputs)}) !!!\n  dtype: "
            f"{out_dtype(value)}\n  shape: {np.shape(value)}\n"
            + "".join(f"  # of {what} elements: {n}\n" for what, n in counts)
            + f"  at: {user_frame()}\n" + (f"  inputs:\n{shown}\n" if shown else ""))


def out_dtype(value):
    from engine.dtypes import from_numpy
    return repr(from_numpy(value.dtype))


def enable_check_numerics(stack_height_limit=30, path_length_limit=50):
    """From now on (this thread, eager ops) an op producing NaN or Inf raises
    InvalidArgumentError naming the op, the counts and the user's line."""
    if not isinstance(context.current_executor(), _CheckingExecutor):
        context.push_executor(_CheckingExecutor(context.current_executor()))


def disable_check_numerics():
    """Undoes enable_check_numerics (a no-op when it is not on)."""
    top = context.current_executor()
    if isinstance(top, _CheckingExecutor):
        context.pop_executor(top)
