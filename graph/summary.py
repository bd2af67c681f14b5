"""TensorBoard event files: the graph, scalars and histograms (optional extra "tensorboard").

TensorBoard reads protobuf records. They are written here with tensorboard's own
protobufs (tensorboard.compat.proto) and its record writer (EventFileWriter), never a
home-made encoder, so what TensorBoard shows is exactly what it parses. The package
is imported on first use: without it, importing this module still works (the front
door stays importable) and each function raises ImportError naming the extra.

TF1: `tf.compat.v1.summary.scalar/histogram` are graph ops whose value is a serialized
Summary proto (bytes); `merge_all` merges them; `FileWriter.add_summary` writes the
fetched bytes. TF2: `tf.summary.create_file_writer(logdir)` and, under
`writer.as_default()`, `tf.summary.scalar(name, value, step)` writes at once eagerly
and, inside a tf.function, adds an op that writes each time the function runs.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import threading
import time
import types

import numpy as np

from engine import context, dtypes, errors
from engine.context import execute
from engine.ops.core import constant, convert_to_tensor
from engine.registry import NO_GRADIENT, register
from engine.shapes import TensorShape
from graph.graph import GraphKeys, get_default_graph
from graph.graph_def import as_graph_def, decode_array

__all__ = ["FileWriter", "scalar_v1", "histogram_v1", "merge", "merge_all",
           "SummaryWriter", "create_file_writer", "scalar", "histogram", "graph", "flush",
           "set_step", "get_step", "graph_def_proto", "tensorboard_modules"]

_SCALAR_STRING = [(dtypes.string, TensorShape([]))]


@functools.lru_cache(maxsize=None)
def tensorboard_modules():
    """tensorboard's protobuf modules, record writer and tensor_util, imported once.

    Raises:
        ImportError: tensorboard is not installed (names the optional extra).
    """
    try:
        from tensorboard.compat.proto import (attr_value_pb2, event_pb2, graph_pb2,
                                              summary_pb2, tensor_shape_pb2)
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
        from tensorboard.util import tensor_util
    except ImportError as exc:
        raise ImportError(f"TensorBoard summaries need the `tensorboard` package, which is "
                          f"not installed ({exc}). Install twinflow's optional extra: "
                          "pip install 'twinflow[tensorboard]'") from None
    return types.SimpleNamespace(attr_value_pb2=attr_value_pb2, event_pb2=event_pb2,
                                 graph_pb2=graph_pb2, summary_pb2=summary_pb2,
                                 tensor_shape_pb2=tensor_shape_pb2,
                                 EventFileWriter=EventFileWriter, tensor_util=tensor_util)


# ---------------------------------------------------------------- Summary protos -----

def _default_limits():
    """TensorFlow's histogram bucket limits (core/lib/histogram): +-1e-12 growing by 10%
    up to 1e20, 0 in the middle, +-DBL_MAX at the ends."""
    limits, v = [], 1.0e-12
    while v < 1.0e20:
        limits.append(v)
        v *= 1.1
    limits.append(np.finfo(np.float64).max)
    return np.array([-x for x in reversed(limits)] + [0.0] + limits)


_LIMITS = _default_limits()


def _histogram_proto(values, tb):
    """TensorFlow's HistogramProto of `values`: runs of empty buckets collapsed."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    counts = np.bincount(np.minimum(np.searchsorted(_LIMITS, values, side="right"),
                                    len(_LIMITS) - 1), minlength=len(_LIMITS))
    limits, buckets, i = [], [], 0
    while i < len(counts):
        end, count = _LIMITS[i], counts[i]
        i += 1
        while count <= 0 and i < len(counts) and counts[i] <= 0:  # collapse an empty run
            end, count = _LIMITS[i], counts[i]
            i += 1
        limits.append(float(end))
        buckets.append(float(count))
    big = float(np.finfo(np.float64).max)
    return tb.summary_pb2.HistogramProto(
        min=float(values.min()) if values.size else big,
        max=float(values.max()) if values.size else -big, num=float(values.size),
        sum=float(values.sum()), sum_squares=float(np.dot(values, values)),
        bucket_limit=limits, bucket=buckets)


def _bytes_scalar(summary) -> np.ndarray:
    out = np.empty((), dtype=object)
    out[()] = summary.SerializeToString()
    return out


def _parse(value, tb):
    """A Summary proto from serialized bytes (a fetched v1 summary) or a proto."""
    if isinstance(value, np.ndarray):
        value = value[()]
    if isinstance(value, bytes):
        return tb.summary_pb2.Summary.FromString(value)
    if isinstance(value, tb.summary_pb2.Summary):
        return value
    raise TypeError(f"Expected a serialized Summary (bytes, as Session.run returns for a "
                    f"summary op) or a Summary proto, got {type(value).__name__}")


# ---------------------------------------------------------------- TF1 summary ops ----

def _scalar_kernel(tags, values):
    tb = tensorboard_modules()
    tags, values = np.asarray(tags), np.asarray(values)
    if tags.shape != values.shape:
        raise errors.InvalidArgumentError(None, None, f"tags and values are not the same "
                                          f"shape: {list(tags.shape)} != {list(values.shape)}")
    summary = tb.summary_pb2.Summary()
    for tag, value in zip(tags.reshape(-1), values.reshape(-1)):
        summary.value.add(tag=_text(tag), simple_value=float(value))
    return _bytes_scalar(summary)


def _scalar_infer(inputs, attrs):
    tags, values = inputs[0].shape, inputs[1].shape
    if tags.is_fully_defined() and values.is_fully_defined() and tags != values:
        raise ValueError(f"ScalarSummary: tags and values are not the same shape: "
                         f"{tags.as_list()} != {values.as_list()}. A scalar summary takes one "
                         "number per tag: reduce the tensor first (tf.reduce_mean).")
    return _SCALAR_STRING


def _histogram_kernel(tag, values):
    tb = tensorboard_modules()
    tag = _text(np.asarray(tag).reshape(-1)[0])
    values = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise errors.InvalidArgumentError(None, None, f"Nan in summary histogram for: {tag}")
    summary = tb.summary_pb2.Summary()
    summary.value.add(tag=tag, histo=_histogram_proto(values, tb))
    return _bytes_scalar(summary)


def _merge_kernel(*inputs):
    tb = tensorboard_modules()
    merged, seen = tb.summary_pb2.Summary(), set()
    for serialized in inputs:
        for value in _parse(np.asarray(serialized), tb).value:
            if value.tag in seen:
                raise errors.InvalidArgumentError(None, None, f"Duplicate tag {value.tag} "
                                                  "found in summary inputs")
            seen.add(value.tag)
            merged.value.add().CopyFrom(value)
    return _bytes_scalar(merged)


def _merge_infer(inputs, attrs):
    for t in inputs:
        if t.dtype != dtypes.string:
            raise TypeError(f"MergeSummary takes serialized summaries (string tensors), got "
                            f"{t.dtype.name}")
    return _SCALAR_STRING


SCALAR_SUMMARY = register("ScalarSummary", _scalar_kernel, _scalar_infer, NO_GRADIENT)
HISTOGRAM_SUMMARY = register("HistogramSummary", _histogram_kernel,
                             lambda inputs, attrs: _SCALAR_STRING, NO_GRADIENT)
MERGE_SUMMARY = register("MergeSummary", _merge_kernel, _merge_infer, NO_GRADIENT)

_INVALID_TAG = re.compile(r"[^-/\w\.]")


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _clean_tag(name):
    """TensorFlow's rule: characters other than letters, digits, _-/. become '_'."""
    return None if name is None else _INVALID_TAG.sub("_", name).lstrip("/")


def _summary_op(opdef, name, tensor, collections, family):
    tensorboard_modules()  # fail at build time, naming the extra
    name, family = _clean_tag(name), _clean_tag(family)
    with context.name_scope(name if family is None else f"{family}/{name}") as scope:
        tag = scope.rstrip("/") if family is None else f"{family}/{scope.rstrip('/')}"
        out = execute(opdef, (constant(tag, name="tags" if opdef is SCALAR_SUMMARY
                                       else "tag"), tensor), None, scope)
    if not context.executing_eagerly():
        get_default_graph().add_to_collections(
            [GraphKeys.SUMMARIES] if collections is None else collections, out)
    return out


def scalar_v1(name, tensor, collections=None, family=None):
    """tf.compat.v1.summary.scalar: a string tensor, the serialized Summary holding the
    scalar `tensor` under the tag `name` (prefixed by the name scope), added to the
    SUMMARIES collection.

    Raises:
        ImportError: tensorboard is not installed.
        ValueError: `tensor` is statically known not to be a scalar.
    """
    return _summary_op(SCALAR_SUMMARY, name, tensor, collections, family)


def histogram_v1(name, values, collections=None, family=None):
    """tf.compat.v1.summary.histogram: the serialized Summary of a histogram of `values`
    (TensorFlow's exponential buckets). Running it on NaN or Inf raises
    InvalidArgumentError."""
    return _summary_op(HISTOGRAM_SUMMARY, name, values, collections, family)


def merge(inputs, collections=None, name=None):
    """One serialized Summary holding the values of every summary in `inputs`."""
    tensorboard_modules()
    with context.name_scope(name or "Merge"):
        out = execute(MERGE_SUMMARY, tuple(inputs), None, "MergeSummary")
    if collections and not context.executing_eagerly():
        get_default_graph().add_to_collections(collections, out)
    return out


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """merge() of every summary in collection `key` (None when it is empty).

    Raises:
        RuntimeError: called while executing eagerly.
    """
    if context.executing_eagerly():
        raise RuntimeError("Merging tf.summary.* ops is not compatible with eager execution. "
                           "Use tf.summary.create_file_writer and tf.summary.scalar instead.")
    summaries = get_default_graph().get_collection(key, scope)
    return merge(summaries, name=name) if summaries else None


# ---------------------------------------------------------------- GraphDef proto -----

def _shape_proto(dims, tb):
    if dims is None:
        return tb.tensor_shape_pb2.TensorShapeProto(unknown_rank=True)
    return tb.tensor_shape_pb2.TensorShapeProto(dim=[
        tb.tensor_shape_pb2.TensorShapeProto.Dim(size=-1 if d is None else d) for d in dims])


def _list_attr(values, tb):
    lst = tb.attr_value_pb2.AttrValue.ListValue()
    if all(isinstance(v, bool) for v in values):
        lst.b.extend(values)
    elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        lst.i.extend(values)
    elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        lst.f.extend(values)
    elif all(isinstance(v, str) for v in values):
        lst.s.extend(v.encode() for v in values)
    elif all(isinstance(v, dict) and set(v) == {"type"} for v in values):
        lst.type.extend(dtypes.as_dtype(v["type"]).as_datatype_enum for v in values)
    elif all(isinstance(v, dict) and set(v) == {"shape"} for v in values):
        lst.shape.extend(_shape_proto(v["shape"], tb) for v in values)
    else:
        return None
    return tb.attr_value_pb2.AttrValue(list=lst)


def _attr_proto(value, tb):
    """An AttrValue for TensorBoard's graph view; JSON text for values TF has no attr
    type for (tuples, specs, resource handles)."""
    AttrValue = tb.attr_value_pb2.AttrValue
    if value is None:
        return None
    if isinstance(value, bool):
        return AttrValue(b=value)
    if isinstance(value, int):
        return AttrValue(i=value)
    if isinstance(value, float):
        return AttrValue(f=value)
    if isinstance(value, str):
        return AttrValue(s=value.encode())
    if isinstance(value, list):
        attr = _list_attr(value, tb)
    elif "type" in value and len(value) == 1:
        attr = AttrValue(type=dtypes.as_dtype(value["type"]).as_datatype_enum)
    elif "shape" in value and len(value) == 1:
        attr = AttrValue(shape=_shape_proto(value["shape"], tb))
    elif "base64" in value and value["dtype"] in dtypes._BY_NAME:
        attr = AttrValue(tensor=tb.tensor_util.make_tensor_proto(decode_array(value)))
    elif "func" in value:
        attr = AttrValue(func=tb.attr_value_pb2.NameAttrList(name=value["func"]))
    else:
        attr = None
    return attr if attr is not None else AttrValue(s=json.dumps(value).encode())


def graph_def_proto(graph_or_graph_def):
    """tensorboard's GraphDef proto of a Graph or GraphDef dict, with `_output_shapes`
    on each node (what TensorBoard shows on the edges). Library functions are left out:
    TensorBoard shows the ops that call them."""
    tb = tensorboard_modules()
    graph_def = graph_or_graph_def if isinstance(graph_or_graph_def, dict) else \
        as_graph_def(graph_or_graph_def, lenient=True)
    proto = tb.graph_pb2.GraphDef()
    for node in graph_def["node"]:
        out = proto.node.add(name=node["name"], op=node["op"], input=node.get("input", []))
        for key, value in (node.get("attr") or {}).items():
            attr = _attr_proto(value, tb)
            if attr is not None:
                out.attr[key].CopyFrom(attr)
        shapes = [spec.get("shape") for spec in node.get("outputs") or ()]
        if shapes:
            out.attr["_output_shapes"].list.shape.extend(_shape_proto(s, tb) for s in shapes)
    proto.versions.producer = graph_def.get("versions", {}).get("producer", 1)
    return proto


# ---------------------------------------------------------------- TF1 FileWriter -----

class FileWriter:
    """tf.compat.v1.summary.FileWriter: writes the graph and fetched summaries to an
    event file in `logdir` (created if missing) for TensorBoard.

    Args:
        logdir: the directory of the event file.
        graph: a Graph to write at once (as add_graph).
        max_queue, flush_secs: events are queued and written by a background thread at
            least every flush_secs; flush() and close() write them now.
        graph_def: a GraphDef dict to write instead of `graph`.
        filename_suffix: appended to the event file's name.
        session: accepted for compatibility.

    Raises:
        ImportError: tensorboard is not installed.
        RuntimeError: created while executing eagerly (use tf.summary.create_file_writer).
    """

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None,
                 filename_suffix=None, session=None):
        if context.executing_eagerly():
            raise RuntimeError("tf.summary.FileWriter is not compatible with eager "
                               "execution. Use `tf.summary.create_file_writer`, or a "
                               "`with tf.compat.v1.Graph().as_default():` context.")
        self._tb = tensorboard_modules()
        self._logdir = str(logdir)
        self._writer = self._tb.EventFileWriter(self._logdir, max_queue, flush_secs,
                                                filename_suffix or "")
        self._closed = False
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    def get_logdir(self) -> str:
        return self._logdir

    def add_event(self, event):
        """Writes an event_pb2.Event (wall_time set to now if missing)."""
        if self._closed:
            raise RuntimeError(f"FileWriter for {self._logdir} is closed: call reopen() "
                               "first.")
        if not event.wall_time:
            event.wall_time = time.time()
        self._writer.add_event(event)

    def add_summary(self, summary, global_step=None):
        """Writes a summary: the bytes Session.run returned for a summary op, or a proto."""
        event = self._tb.event_pb2.Event(summary=_parse(summary, self._tb))
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Writes the graph (a Graph or GraphDef dict) for TensorBoard's graph view."""
        proto = graph_def_proto(graph_def if graph_def is not None else graph)
        event = self._tb.event_pb2.Event(graph_def=proto.SerializeToString())
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def flush(self):
        """Writes every queued event to disk now."""
        if not self._closed:
            self._writer.flush()

    def close(self):
        """Flushes and closes the event file (reopen() starts a new one)."""
        if not self._closed:
            self._writer.close()
            self._closed = True

    def reopen(self):
        if self._closed:
            self._writer = self._tb.EventFileWriter(self._logdir)
            self._closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


# ---------------------------------------------------------------- TF2 summaries ------

class _Defaults(threading.local):
    def __init__(self):
        self.writers = []  # (writer, step) pushed by as_default(), innermost last
        self.step = None


_defaults = _Defaults()


class SummaryWriter:
    """What tf.summary.create_file_writer returns: an event file (suffix ".v2") that
    tf.summary.scalar & co. write to while it is the default writer."""

    def __init__(self, logdir, max_queue=None, flush_millis=None, filename_suffix=None,
                 name=None):
        tb = tensorboard_modules()
        self._tb = tb
        self._logdir = str(logdir)
        self._writer = tb.EventFileWriter(self._logdir, max_queue or 10,
                                          (flush_millis or 120000) / 1000.0,
                                          ".v2" if filename_suffix is None else filename_suffix)
        self._closed = False

    @contextlib.contextmanager
    def as_default(self, step=None):
        """Makes this the writer tf.summary.* use; `step` (if given) the default step."""
        _defaults.writers.append((self, step))
        saved = _defaults.step
        if step is not None:
            _defaults.step = step
        try:
            yield self
        finally:
            _defaults.writers.pop()
            _defaults.step = saved
            self.flush()

    def set_as_default(self, step=None):
        """Makes this the default writer from now on (no context manager)."""
        _defaults.writers.append((self, step))
        if step is not None:
            _defaults.step = step

    def _write(self, value, step):
        if self._closed:
            raise RuntimeError(f"SummaryWriter for {self._logdir} is closed.")
        summary = self._tb.summary_pb2.Summary(value=[value])
        self._writer.add_event(self._tb.event_pb2.Event(wall_time=time.time(),
                                                        step=int(step), summary=summary))

    def flush(self):
        if not self._closed:
            self._writer.flush()

    def close(self):
        if not self._closed:
            self._writer.close()
            self._closed = True

    def __repr__(self):
        return f"<SummaryWriter logdir={self._logdir!r}>"


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None,
                       name=None, experimental_trackable=False, experimental_mesh=None):
    """A SummaryWriter writing an event file in `logdir` (tf.summary.create_file_writer).

    Raises:
        ImportError: tensorboard is not installed (names the optional extra).
    """
    return SummaryWriter(logdir, max_queue, flush_millis, filename_suffix, name)


def set_step(step):
    """The step tf.summary.* use when none is passed (tf.summary.experimental.set_step)."""
    _defaults.step = step


def get_step():
    """The default step (a number, tensor or variable), or None."""
    return _defaults.step


def _tensor_value(tag, array, plugin, description, tb):
    return tb.summary_pb2.Summary.Value(
        tag=tag, tensor=tb.tensor_util.make_tensor_proto(array),
        metadata=tb.summary_pb2.SummaryMetadata(
            summary_description=description or "",
            plugin_data=tb.summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin)))


def _v2_buckets(data, count):
    """TensorBoard's TF2 histogram: `count` equal-width buckets as [left, right, count]
    rows (all the data in the last bucket when it is one value)."""
    data = np.asarray(data, dtype=np.float64).reshape(-1)
    if data.size == 0 or count <= 0:
        return np.zeros((0, 3))
    low, high = data.min(), data.max()
    if low == high:
        counts = np.zeros(count)
        counts[-1] = data.size
        return np.stack([np.full(count, low), np.full(count, low), counts], axis=1)
    index = np.minimum(np.floor((data - low) / ((high - low) / count)).astype(int), count - 1)
    edges = np.linspace(low, high, count + 1)
    edges[-1] = high
    return np.stack([edges[:-1], edges[1:], np.bincount(index, minlength=count)
                     .astype(np.float64)], axis=1)


def _write_kernel(kind):
    def kernel(step, data, writer, tag, description, buckets=None):
        tb = tensorboard_modules()
        if kind == "scalars":
            array = np.asarray(data, dtype=np.float32)
        else:
            array = _v2_buckets(data, 30 if buckets is None else buckets)
        writer._write(_tensor_value(tag, array, kind, description, tb), int(np.asarray(step)))
        return np.bool_(True)
    return kernel


_TRUE = [(dtypes.bool, TensorShape([]))]
WRITE_SCALAR = register("WriteScalarSummary", _write_kernel("scalars"),
                        lambda inputs, attrs: _TRUE, NO_GRADIENT, stateful=True)
WRITE_HISTOGRAM = register("WriteHistogramSummary", _write_kernel("histograms"),
                           lambda inputs, attrs: _TRUE, NO_GRADIENT, stateful=True)


def _write(opdef, name, data, step, description, **attrs):
    """Writes through the default writer: False (and nothing written) without one."""
    tensorboard_modules()
    if not _defaults.writers:
        return constant(False)
    writer = _defaults.writers[-1][0]
    step = get_step() if step is None else step
    if step is None:
        raise ValueError("No step set. Please specify one either through the `step` "
                         "argument or through tf.summary.experimental.set_step()")
    scope = getattr(context.current_executor(), "get_name_scope", lambda: "")()
    tag = f"{scope}/{name}" if scope else name
    return execute(opdef, (convert_to_tensor(step), convert_to_tensor(data)),
                   dict(attrs, writer=writer, tag=tag, description=description),
                   "write_summary")


def scalar(name, data, step=None, description=None):
    """tf.summary.scalar: writes `data` (as float32) under `name` at `step` with the
    default writer; returns True, or False when there is no default writer.

    Raises:
        ValueError: no step given and none set (as_default(step=...) / set_step).
        ImportError: tensorboard is not installed.
    """
    return _write(WRITE_SCALAR, name, data, step, description)


def histogram(name, data, step=None, buckets=None, description=None):
    """tf.summary.histogram: writes a `buckets`-bucket (default 30) histogram of `data`."""
    return _write(WRITE_HISTOGRAM, name, data, step, description, buckets=buckets)


def graph(graph_data):
    """tf.summary.graph: writes a Graph (e.g. a tf.function's concrete function graph)
    or GraphDef dict with the default writer; False when there is none."""
    if not _defaults.writers:
        return False
    writer = _defaults.writers[-1][0]
    proto = graph_def_proto(graph_data)
    writer._writer.add_event(writer._tb.event_pb2.Event(wall_time=time.time(),
                                                        graph_def=proto.SerializeToString()))
    return True


def flush(writer=None, name=None):
    """Writes the queued events of `writer` (default: the default writer) now."""
    writer = writer if writer is not None else \
        (_defaults.writers[-1][0] if _defaults.writers else None)
    if writer is not None:
        writer.flush()
