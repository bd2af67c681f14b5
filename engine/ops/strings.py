"""String ops (tf.strings): join, length, lower/upper, split, to_number, as_string,
regex_replace, substr.

String tensors hold Python `bytes` in numpy object arrays, as TensorFlow's numpy()
returns them. Kernels map a Python function over the elements with np.frompyfunc,
which loops in C and keeps the array's shape. None of these ops has a gradient.
"""

from __future__ import annotations

import re

import numpy as np

from engine import dtypes, errors
from engine.context import execute
from engine.infer import broadcast_shape
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape

__all__ = ["join", "length", "lower", "upper", "split", "to_number", "as_string",
           "regex_replace", "substr", "RaggedStrings"]


def _check_strings(op_name, *arrays):
    for a in arrays:  # object arrays of bytes, or numpy bytes ("S") from a lone element
        if np.asarray(a).dtype.kind not in "OS":
            raise TypeError(f"{op_name} expects string tensors, got dtype "
                            f"{dtypes.from_numpy(np.asarray(a).dtype).name}")


def _infer_strings(op_name, out_dtype=dtypes.string):
    def infer(inputs, attrs):
        for t in inputs:
            if t.dtype != dtypes.string:
                raise TypeError(f"Input to '{op_name}' must be a string tensor, got "
                                f"{t.dtype.name}")
        shape = inputs[0].shape
        for t in inputs[1:]:
            shape = broadcast_shape(op_name, shape, t.shape)
        return [(out_dtype, shape)]
    return infer


def _map(fn, *arrays, nout=1):
    return np.frompyfunc(fn, len(arrays), nout)(*arrays)


def _as_object(result):
    """frompyfunc returns a scalar (not a 0-d array) for 0-d input: keep arrays."""
    return np.asarray(result, dtype=object)


# ---------------------------------------------------------------- join, length, case -----

def _join_kernel(*inputs, separator):
    _check_strings("StringJoin", *inputs)
    return _as_object(_map(lambda *parts: separator.join(parts), *inputs))


JOIN = register("StringJoin", _join_kernel, _infer_strings("StringJoin"))


def join(inputs, separator="", name=None):
    """Elementwise concatenation of string tensors (broadcast), with `separator` between."""
    sep = separator.encode() if isinstance(separator, str) else bytes(separator)
    return execute(JOIN, tuple(inputs), {"separator": sep}, name)


def _length_kernel(x, unit):
    _check_strings("StringLength", x)
    if unit == "UTF8_CHAR":
        count = _map(lambda s: len(s.decode("utf-8")), x)
    else:
        count = _map(len, x)
    return np.asarray(count, dtype=np.int32)


LENGTH = register("StringLength", _length_kernel, _infer_strings("StringLength", dtypes.int32))


def length(input, unit="BYTE", name=None):  # noqa: A002 - TensorFlow's argument name
    """The length of each string in bytes (unit="BYTE") or UTF-8 characters."""
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"unit must be one of BYTE, UTF8_CHAR, got {unit!r}")
    return execute(LENGTH, (input,), {"unit": unit}, name)


def _case_kernel(op_name, method):
    def kernel(x, encoding):
        _check_strings(op_name, x)
        if encoding:
            return _as_object(_map(lambda s: getattr(s.decode(encoding), method)()
                                   .encode(encoding), x))
        return _as_object(_map(lambda s: getattr(s, method)(), x))  # ASCII only, as TF
    return kernel


LOWER = register("StringLower", _case_kernel("StringLower", "lower"),
                 _infer_strings("StringLower"))
UPPER = register("StringUpper", _case_kernel("StringUpper", "upper"),
                 _infer_strings("StringUpper"))


def lower(input, encoding="", name=None):  # noqa: A002
    """Lower-cases each string (ASCII letters only unless encoding="utf-8")."""
    return execute(LOWER, (input,), {"encoding": encoding}, name)


def upper(input, encoding="", name=None):  # noqa: A002
    """Upper-cases each string (ASCII letters only unless encoding="utf-8")."""
    return execute(UPPER, (input,), {"encoding": encoding}, name)


# ---------------------------------------------------------------- numbers ---------------

def _to_number_kernel(x, out_type):
    _check_strings("StringToNumber", x)
    np_type = out_type._np.type

    def convert(s):
        try:
            return np_type(float(s) if out_type.is_floating else int(s))
        except ValueError:
            raise errors.InvalidArgumentError(
                None, None, f"StringToNumberOp could not correctly convert string: "
                f"{s.decode('utf-8', 'replace')}") from None
    return np.asarray(_map(convert, x), dtype=out_type._np)


TO_NUMBER = register("StringToNumber", _to_number_kernel,
                     lambda inputs, attrs: [(attrs["out_type"], inputs[0].shape)])


def to_number(string_tensor, out_type=dtypes.float32, name=None):
    """Each string parsed as a number of `out_type` (float32, float64, int32, int64)."""
    out_type = dtypes.as_dtype(out_type)
    if out_type.name not in ("float32", "float64", "int32", "int64"):
        raise TypeError(f"out_type must be float32, float64, int32 or int64, got "
                        f"{out_type.name}")
    return execute(TO_NUMBER, (string_tensor,), {"out_type": out_type}, name)


def _format_of(dtype_kind, precision, scientific, shortest, width, fill):
    if dtype_kind == "b":
        return None
    flags = ("0" if fill == "0" else "") + (str(width) if width >= 0 else "")
    if dtype_kind in "iu":
        return "%" + flags + "d"
    if shortest:
        return "%" + flags + "g"
    return "%" + flags + (f".{precision}" if precision >= 0 else "") + (
        "e" if scientific else "f")


def _as_string_kernel(x, precision, scientific, shortest, width, fill):
    x = np.asarray(x)
    if x.dtype == object:
        raise TypeError("as_string expects a numeric or bool tensor, got string")
    fmt = _format_of(x.dtype.kind, precision, scientific, shortest, width, fill)
    if fmt is None:
        return _as_object(_map(lambda v: b"true" if v else b"false", x))
    pad = fill if fill not in ("", "0") else " "
    return _as_object(_map(lambda v: (fmt % v).replace(" ", pad).encode(), x))


AS_STRING = register("AsString", _as_string_kernel,
                     lambda inputs, attrs: [(dtypes.string, inputs[0].shape)])


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1,  # noqa: A002
              fill="", name=None):
    """Each number as a string: floats "%f" (6 decimals by default), ints "%d"."""
    return execute(AS_STRING, (input,), {"precision": precision, "scientific": scientific,
                                         "shortest": shortest, "width": width,
                                         "fill": fill}, name)


# ---------------------------------------------------------------- regex, substr -----------

def _regex_kernel(x, pattern, rewrite, replace_global):
    _check_strings("RegexReplace", x)
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise errors.InvalidArgumentError(None, None, f"Invalid pattern: {pattern!r}: "
                                          f"{exc}") from None
    count = 0 if replace_global else 1
    return _as_object(_map(lambda s: compiled.sub(rewrite, s, count=count), x))


REGEX_REPLACE = register("RegexReplace", _regex_kernel, _infer_strings("RegexReplace"))


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):  # noqa: A002
    """Each match of `pattern` replaced by `rewrite` (\\1 refers to a group)."""
    as_bytes = (lambda s: s.encode() if isinstance(s, str) else bytes(s))
    return execute(REGEX_REPLACE, (input,), {"pattern": as_bytes(pattern),
                                             "rewrite": as_bytes(rewrite),
                                             "replace_global": bool(replace_global)}, name)


def _substr_kernel(x, pos, length, unit):
    _check_strings("Substr", x)

    def cut(s, p, n):
        text = s.decode("utf-8") if unit == "UTF8_CHAR" else s
        size = len(text)
        if not -size <= p <= size:
            raise errors.InvalidArgumentError(
                None, None, f"pos {int(p)} out of range for string {s!r}")
        start = p % size if size and p < 0 else p
        piece = text[start:start + max(int(n), 0)]
        return piece.encode("utf-8") if unit == "UTF8_CHAR" else piece
    return _as_object(_map(cut, x, np.asarray(pos), np.asarray(length)))


SUBSTR = register("Substr", _substr_kernel, lambda inputs, attrs: [
    (dtypes.string, broadcast_shape("Substr", inputs[0].shape, inputs[1].shape))])


def substr(input, pos, len, unit="BYTE", name=None):  # noqa: A002 - TensorFlow's names
    """The substring of each string starting at `pos` with `len` bytes (or characters)."""
    return execute(SUBSTR, (input, pos, len), {"unit": unit}, name)


# ---------------------------------------------------------------- split -------------------

class RaggedStrings:
    """A small stand-in for tf.RaggedTensor of strings: rows of different lengths.

    `values` (all pieces, flat) and `row_splits` (row i is values[splits[i]:splits[i+1]]).
    """

    def __init__(self, values, row_splits):
        self.values = values
        self.row_splits = row_splits

    def to_list(self):
        values, splits = np.asarray(self.values), np.asarray(self.row_splits)
        return [list(values[a:b]) for a, b in zip(splits[:-1], splits[1:])]

    def to_tensor(self, default_value=b""):
        """The rows padded with `default_value` into a dense [rows, longest] tensor."""
        from engine.ops.core import constant
        rows = self.to_list()
        width = max((len(r) for r in rows), default=0)
        dense = np.full((len(rows), width), default_value, dtype=object)
        for i, r in enumerate(rows):
            dense[i, :len(r)] = r
        return constant(dense, dtype=dtypes.string)

    def __repr__(self):
        return f"<tf.RaggedTensor {self.to_list()!r}>"


def _split_kernel(x, sep, maxsplit):
    _check_strings("StringSplitV2", x)
    if np.ndim(x) != 1:
        raise errors.InvalidArgumentError(None, None, f"input must be a vector, got shape: "
                                          f"[{','.join(map(str, np.shape(x)))}]")
    pieces, splits = [], [0]
    for s in x:  # an empty sep splits on runs of whitespace, as Python's str.split(None)
        pieces.extend(s.split(sep or None, maxsplit))
        splits.append(len(pieces))
    values = np.empty(len(pieces), dtype=object)
    values[:] = pieces
    return values, np.asarray(splits, dtype=np.int64)


SPLIT = register("StringSplitV2", _split_kernel, lambda inputs, attrs: [
    (dtypes.string, TensorShape([None])), (dtypes.int64, TensorShape([None]))], multi=True)


def split(input, sep=None, maxsplit=-1, name=None):  # noqa: A002
    """Each string split on `sep` (whitespace runs when None): a ragged result for a
    vector input, a 1-D tensor for a scalar."""
    from engine.ops import array
    sep_bytes = b"" if sep is None else (sep.encode() if isinstance(sep, str) else sep)
    scalar = getattr(input, "shape", None) is not None and input.shape.rank == 0
    if isinstance(input, (str, bytes)):
        scalar = True
    source = array.reshape(input, [1]) if scalar else input
    values, splits = execute(SPLIT, (source,), {"sep": sep_bytes, "maxsplit": maxsplit},
                             name)
    return values if scalar else RaggedStrings(values, splits)


def _ragged_to_dense_kernel(values, row_splits, default_value, width):
    """Rows values[splits[i]:splits[i+1]] padded (or cut) to `width` (-1: the longest)."""
    splits = np.asarray(row_splits, dtype=np.int64)
    lengths = np.diff(splits)
    n = int(width) if width >= 0 else int(lengths.max(initial=0))
    dense = np.full((len(lengths), n), np.asarray(default_value).item(), dtype=values.dtype)
    for i, (a, b) in enumerate(zip(splits[:-1], splits[1:])):  # one slice copy per row
        row = values[a:b][:n]
        dense[i, :len(row)] = row
    return dense


RAGGED_TO_DENSE = register(
    "RaggedTensorToTensor", _ragged_to_dense_kernel,
    lambda inputs, attrs: [(inputs[0].dtype, TensorShape(
        [None, attrs["width"] if attrs["width"] >= 0 else None]))], NO_GRADIENT)


def ragged_to_dense(ragged, default_value=b"", width=-1, name=None):
    """A RaggedStrings as a dense [rows, width] tensor (graph-friendly to_tensor)."""
    from engine.ops.core import convert_to_tensor
    default = convert_to_tensor(default_value, dtype=ragged.values.dtype)
    return execute(RAGGED_TO_DENSE, (ragged.values, ragged.row_splits, default),
                   {"width": int(width)}, name)
