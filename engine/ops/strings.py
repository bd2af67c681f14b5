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
from engine.fingerprint import fingerprint64
from engine.infer import broadcast_shape
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape

__all__ = ["join", "length", "lower", "upper", "split", "to_number", "as_string",
           "regex_replace", "substr", "RaggedStrings", "to_hash_bucket_fast", "fingerprint",
           "reduce_join", "strip", "format"]


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

    def to_tensor(self, default_value=None, name=None):
        """The rows padded with `default_value` (b"") into a dense [rows, longest] tensor:
        an op, so it works on a graph's symbolic split as well as eagerly."""
        return ragged_to_dense(self, b"" if default_value is None else default_value,
                               name=name)

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


# ---------------------------------------------------------------- hashing -----------------

def _hash_fast_kernel(x, num_buckets):
    _check_strings("StringToHashBucketFast", x)
    fp = _map(lambda s: fingerprint64(s) % num_buckets, x)
    return np.asarray(fp, dtype=np.int64)


HASH_BUCKET_FAST = register("StringToHashBucketFast", _hash_fast_kernel,
                            _infer_strings("StringToHashBucketFast", dtypes.int64))


def to_hash_bucket_fast(input, num_buckets, name=None):  # noqa: A002
    """FarmHash Fingerprint64(s) % num_buckets per string: TensorFlow's exact buckets."""
    if int(num_buckets) < 1:
        raise errors.InvalidArgumentError(None, None, f"num_buckets must be >= 1, got "
                                          f"{num_buckets}")
    return execute(HASH_BUCKET_FAST, (input,), {"num_buckets": int(num_buckets)}, name)


def _fingerprint_kernel(data, method):
    """Per row of `data`: Fingerprint64 of its bytes as 8 little-endian uint8. A string
    row is hashed string by string; a row of several strings hashes those hashes again."""
    data = np.asarray(data)
    rows = data.reshape(data.shape[0], int(np.prod(data.shape[1:]))) if data.ndim else \
        data.reshape(1, 1)
    out = np.empty((len(rows), 8), dtype=np.uint8)
    for i, row in enumerate(rows):
        if data.dtype.kind in "OS":
            raw = b"".join(fingerprint64(s).to_bytes(8, "little") for s in row)
            fp = fingerprint64(raw) if len(row) != 1 else int.from_bytes(raw, "little")
        else:
            fp = fingerprint64(np.ascontiguousarray(row).tobytes())
        out[i] = np.frombuffer(fp.to_bytes(8, "little"), dtype=np.uint8)
    return out


def _fingerprint_infer(inputs, attrs):
    shape = inputs[0].shape
    if shape.rank == 0:
        raise ValueError("Fingerprint: data must have rank >= 1, got a scalar")
    rows = None if shape.rank is None else shape.as_list()[0]
    return [(dtypes.uint8, TensorShape([rows, 8]))]


FINGERPRINT = register("Fingerprint", _fingerprint_kernel, _fingerprint_infer)


def fingerprint(data, method="farmhash64", name=None):
    """A uint8 [rows, 8] tensor: the FarmHash Fingerprint64 of each row of `data`."""
    if method != "farmhash64":
        raise errors.InvalidArgumentError(None, None, f"Unsupported fingerprint method: "
                                          f"{method!r} (only 'farmhash64')")
    return execute(FINGERPRINT, (data,), {"method": method}, name)


# ---------------------------------------------------------------- reduce_join, strip ------

def _reduce_join_kernel(x, axes, keep_dims, separator):
    from engine.ops.reduce import _kernel_axes
    _check_strings("ReduceJoin", x)
    x = np.asarray(x, dtype=object)
    axes = _kernel_axes(x, np.asarray(axes))
    kept = [i for i in range(x.ndim) if i not in axes]
    moved = np.transpose(x, kept + list(axes))
    flat = moved.reshape(moved.shape[:len(kept)] + (-1,)) if moved.size else \
        np.empty(moved.shape[:len(kept)] + (0,), dtype=object)
    out = np.empty(flat.shape[:-1], dtype=object)
    for index in np.ndindex(out.shape):
        out[index] = separator.join(flat[index])
    if keep_dims:
        out = out.reshape([1 if i in axes else n for i, n in enumerate(x.shape)])
    return out


def _reduce_join_infer(inputs, attrs):
    from engine.ops.reduce import _reduced_shape
    if inputs[0].dtype != dtypes.string:
        raise TypeError(f"Input to 'ReduceJoin' must be a string tensor, got "
                        f"{inputs[0].dtype.name}")
    return [(dtypes.string, _reduced_shape("ReduceJoin", inputs[0], inputs[1],
                                           attrs["keep_dims"]))]


REDUCE_JOIN = register("ReduceJoin", _reduce_join_kernel, _reduce_join_infer)


def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    """The strings along `axis` (every axis when None) joined with `separator`."""
    from engine.ops.core import convert_to_tensor
    from engine.ops.reduce import _axes_input
    x = convert_to_tensor(inputs, dtype=dtypes.string)
    sep = separator.encode() if isinstance(separator, str) else bytes(separator)
    return execute(REDUCE_JOIN, (x, _axes_input(x, axis)),
                   {"keep_dims": bool(keepdims), "separator": sep}, name)


def _strip_kernel(x):
    _check_strings("StringStrip", x)
    return _as_object(_map(bytes.strip, x))  # ASCII whitespace, as absl's StripAscii


STRIP = register("StringStrip", _strip_kernel, _infer_strings("StringStrip"))


def strip(input, name=None):  # noqa: A002
    """Each string without its leading and trailing ASCII whitespace."""
    return execute(STRIP, (input,), None, name)


# ---------------------------------------------------------------- format ------------------

def _element_text(v, kind, np_type):
    """One element as TensorFlow prints it: shortest %g that round-trips, quoted strings."""
    if kind in "OS":
        body = v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
        return '"' + body.replace("\\", "\\\\").replace('"', '\\"').replace(
            "\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + '"'
    if kind == "b":
        return "1" if v else "0"
    if kind == "f":
        digits = (15, 17) if np_type == np.float64 else (6, 9)
        text = f"{float(v):.{digits[0]}g}"
        if np.isfinite(v) and np_type(float(text)) != np_type(v):
            text = f"{float(v):.{digits[1]}g}"
        return text
    return str(int(v))


def _summarize(x, summarize):
    """A tensor as tf.print shows it: nested brackets, "..." past `summarize` per end."""
    x = np.asarray(x)
    ends = x.size if summarize < 0 else summarize
    kind, np_type = x.dtype.kind, x.dtype.type

    def dim(index, prefix):  # depth <= rank: recursion is bounded by the tensor's rank
        if index == x.ndim:
            return _element_text(x[prefix], kind, np_type)
        count = x.shape[index]
        gap = " " if index == x.ndim - 1 else "\n" * (x.ndim - index - 1) + " " * (index + 1)
        shown = list(range(min(ends, count)))
        tail = list(range(max(ends, count - ends), count))
        parts = [dim(index + 1, prefix + (i,)) for i in shown]
        if count > 2 * ends:
            parts.append("...")
        parts += [dim(index + 1, prefix + (i,)) for i in tail]
        return "[" + gap.join(parts) + "]"
    return dim(0, ())


def _format_kernel(*tensors, pieces, summarize):
    text = pieces[0]
    for t, piece in zip(tensors, pieces[1:]):
        text += _summarize(t, summarize) + piece
    return np.asarray(text.encode(), dtype=object)


FORMAT = register("StringFormat", _format_kernel,
                  lambda inputs, attrs: [(dtypes.string, TensorShape([]))])


def format(template, inputs, placeholder="{}", summarize=3, name=None):  # noqa: A001
    """`template` with each `placeholder` replaced by the next input tensor's printout.

    Raises:
        ValueError: the template's placeholders and the inputs differ in number.
    """
    from engine.ops.core import convert_to_tensor
    if not isinstance(inputs, (list, tuple)):
        inputs = [inputs]
    pieces = template.split(placeholder)
    if len(pieces) - 1 != len(inputs):
        raise ValueError(f"The template expects {len(pieces) - 1} tensors, but the inputs "
                         f"only has {len(inputs)}. Please ensure the number of placeholders "
                         "in template matches inputs length.")
    tensors = tuple(convert_to_tensor(t) for t in inputs)
    return execute(FORMAT, tensors, {"pieces": tuple(pieces), "summarize": int(summarize)},
                   name)
