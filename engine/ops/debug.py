"""Debugging ops: tf.print, Assert and check_numerics.

They are stateful ops like any other, so in a graph they run only when fetched or
reached through control dependencies (TF1's classic "my print never printed"), and
eagerly they run at once. Values are formatted the way TensorFlow prints them:
float32 with 9 significant digits, long axes summarized as `first ... last`.
"""

from __future__ import annotations

import sys

import numpy as np

from engine import dtypes, errors
from engine.context import execute
from engine.ops.core import convert_to_tensor
from engine.registry import NO_GRADIENT, register
from engine.tensor_base import TensorBase

__all__ = ["print_", "Assert", "check_numerics", "format_value", "PRINT", "ASSERT",
           "CHECK_NUMERICS"]


# ----------------------------------------------------------------- formatting ------------

def _scalar(value) -> str:
    if isinstance(value, (bytes, np.bytes_)):
        return f'"{value.decode(errors="replace")}"'
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, np.floating):
        digits = {2: 4, 4: 9}.get(value.dtype.itemsize, 17)
        return f"{value:.{digits}g}"
    if isinstance(value, np.complexfloating):
        return f"({value.real:.9g},{value.imag:.9g})"
    return str(value)


def format_value(array, summarize=3) -> str:
    """An array as TensorFlow prints it: `[1 2 3 ... 8 9 10]`, nested rows aligned."""
    array = np.asarray(array)
    if array.ndim == 0:
        return _scalar(array[()])
    return _format_rows(array, summarize, 1)


def _format_rows(array, summarize, depth):
    n = array.shape[0]
    cut = summarize is not None and 0 <= summarize and n > 2 * summarize
    index = list(range(summarize)) + [None] + list(range(n - summarize, n)) if cut \
        else list(range(n))
    if array.ndim == 1:
        return "[" + " ".join("..." if i is None else _scalar(array[i]) for i in index) + "]"
    gap = "\n" * (array.ndim - 1) + " " * depth
    parts = ["..." if i is None else _format_rows(array[i], summarize, depth + 1)
             for i in index]
    return "[" + gap.join(parts) + "]"


# ----------------------------------------------------------------- tf.print --------------

class _Slot:
    """Where tensor `index` goes inside a printed Python structure (repr: its text)."""

    def __init__(self, index):
        self.index = index
        self.text = ""

    def __repr__(self):
        return self.text


def _render(piece, values, summarize) -> str:
    if isinstance(piece, int):
        return format_value(values[piece], summarize)
    if isinstance(piece, str):
        return piece
    for slot in _slots(piece):  # a list/tuple/dict holding tensors: Python's repr
        slot.text = format_value(values[slot.index], summarize)
    return repr(piece)


def _slots(structure):
    if isinstance(structure, _Slot):
        return [structure]
    if isinstance(structure, dict):
        structure = list(structure.values())
    items = structure if isinstance(structure, (list, tuple)) else ()
    return [slot for item in items for slot in _slots(item)]


def _write(text, output_stream):
    stream = sys.stderr if output_stream is None else output_stream
    if isinstance(stream, str):
        if not stream.startswith("file://"):
            raise ValueError(f"Unsupported output stream {stream!r}: pass sys.stdout, "
                             "sys.stderr, 'file://<path>' or a logging function.")
        with open(stream[len("file://"):], "a", encoding="utf-8") as f:
            f.write(text)
    elif hasattr(stream, "write"):
        stream.write(text)
    else:
        stream(text.rstrip("\n"))  # logging.info and friends


def _print_kernel(*values, template, sep, end, output_stream, summarize):
    _write(sep.join(_render(p, values, summarize) for p in template) + end, output_stream)
    return ()


PRINT = register("PrintV2", _print_kernel, lambda inputs, attrs: [], NO_GRADIENT, stateful=True,
                 multi=True)


def print_(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):
    """Prints tensors and Python values when it runs: eagerly now; in a graph when the
    returned op is fetched or reached by control dependencies.

    output_stream: a file object (default sys.stderr, looked up when printing),
    "file://path" (appended) or a logging function.
    """
    tensors = []

    def piece(x):
        if isinstance(x, TensorBase):
            tensors.append(x)
            return _Slot(len(tensors) - 1)
        if isinstance(x, list):
            return [piece(v) for v in x]
        if isinstance(x, tuple):
            return tuple(piece(v) for v in x)
        if isinstance(x, dict):
            return {k: piece(v) for k, v in x.items()}
        return x
    template = []
    for x in inputs:
        p = piece(x)
        template.append(p.index if isinstance(p, _Slot) else
                        p if isinstance(p, (list, tuple, dict)) else str(p))
    attrs = {"template": template, "sep": sep, "end": end, "output_stream": output_stream,
             "summarize": summarize}
    return execute(PRINT, tuple(tensors), attrs, name)


# ----------------------------------------------------------------- Assert ----------------

def _assert_kernel(condition, *data, summarize, compare):
    if np.all(condition):
        return ()
    shown = " ".join(f"[{_shown(np.asarray(d), summarize)}]" for d in data)
    message = f"assertion failed: {shown}"
    if compare and np.ndim(condition) > 0:  # name the first failing element
        where = tuple(int(i) for i in np.argwhere(~np.asarray(condition))[0])
        named = [f"{label}{list(where)} = "
                 f"{_scalar(np.broadcast_to(np.asarray(data[i]), np.shape(condition))[where])}"
                 for label, i in zip("xy", compare)]
        message += "\n  first failing element: " + ", ".join(named)
    raise errors.InvalidArgumentError(None, None, message)


def _shown(d, summarize):
    """A message string bare, a tensor as tf.print formats it."""
    if d.ndim == 0 and isinstance(d[()], bytes):
        return d[()].decode(errors="replace")
    return format_value(d, summarize)


ASSERT = register("Assert", _assert_kernel, lambda inputs, attrs: [], NO_GRADIENT, stateful=True,
                  multi=True)


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TensorFlow's name
    """Raises InvalidArgumentError showing `data` when `condition` (a scalar bool) is
    False: eagerly at once; in a graph when the returned op runs."""
    condition = convert_to_tensor(condition, dtype=dtypes.bool)
    if condition.shape.rank not in (0, None):
        raise ValueError(f"Shape must be rank 0 but is rank {condition.shape.rank} for "
                         f"'Assert' (condition {condition!r}).")
    data = [d if isinstance(d, TensorBase) else convert_to_tensor(d) for d in data]
    return execute(ASSERT, (condition, *data), {"summarize": 3 if summarize is None
                                                else summarize, "compare": None}, name)


def assert_elementwise(condition, data, compare, summarize=None, name=None):
    """Assert over an elementwise condition, naming the first failing element's values
    of data[i] for i in `compare` (x, then y): the tf.debugging.assert_* helpers."""
    data = [d if isinstance(d, TensorBase) else convert_to_tensor(d) for d in data]
    return execute(ASSERT, (condition, *data), {"summarize": 3 if summarize is None
                                                else summarize, "compare": compare}, name)


# ----------------------------------------------------------------- check_numerics --------

def _check_numerics_kernel(tensor, message):
    bad_nan, bad_inf = np.isnan(tensor), np.isinf(tensor)
    if not (bad_nan.any() or bad_inf.any()):
        return tensor
    kinds = " and ".join(k for k, bad in (("Inf", bad_inf.any()), ("NaN", bad_nan.any()))
                         if bad)
    first = tuple(int(i) for i in np.argwhere(bad_nan | bad_inf)[0])
    raise errors.InvalidArgumentError(
        None, None, f"{message} : Tensor had {kinds} values\n  first bad element: "
        f"{list(first)} = {_scalar(np.asarray(tensor)[first])}")


CHECK_NUMERICS = register(
    "CheckNumerics", _check_numerics_kernel,
    lambda inputs, attrs: [(inputs[0].dtype, inputs[0].shape)],
    lambda op, g: (check_numerics(g, "Not a number (NaN) or infinity (Inf) values detected "
                                  "in gradient. " + op.get_attr("message")),))


def check_numerics(tensor, message, name=None):
    """`tensor` unchanged, or InvalidArgumentError when it holds a NaN or an Inf.

    Raises:
        TypeError: tensor is not floating point.
    """
    tensor = convert_to_tensor(tensor)
    if not tensor.dtype.is_floating:
        raise TypeError(f"Value passed to parameter 'tensor' has DataType "
                        f"{tensor.dtype.name} not in list of allowed values: bfloat16, "
                        "float16, float32, float64")
    return execute(CHECK_NUMERICS, (tensor,), {"message": message}, name)
