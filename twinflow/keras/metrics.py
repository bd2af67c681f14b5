"""tf.keras.metrics: streaming metrics whose state lives in (non-trainable) variables.

`update_state` adds a batch, `result` reads the running value, `reset_state` zeroes
it. The state is variables of the current mode, so the same metric code runs eagerly,
inside the compiled train step and in a TF1 Session. `get("accuracy")` picks binary,
sparse categorical or categorical accuracy from the shapes of the labels and
predictions it first sees, as Keras 2's compile does.
"""

from __future__ import annotations

from engine import dtypes
from engine.ops import array, math, reduce
from engine.ops.core import convert_to_tensor
from twinflow.keras import losses as _losses
from twinflow.keras.confusion_metrics import (  # noqa: F401
    AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives)
from twinflow.keras.metrics_base import (  # noqa: F401
    Mean, MeanMetricWrapper, Metric, Reduce, Sum)

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
           "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
           "SparseTopKCategoricalAccuracy", "MeanSquaredError", "MeanAbsoluteError",
           "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
           "RootMeanSquaredError", "BinaryCrossentropy", "CategoricalCrossentropy",
           "SparseCategoricalCrossentropy", "KLDivergence", "Hinge", "SquaredHinge",
           "CategoricalHinge", "LogCoshError", "Poisson", "CosineSimilarity", "TruePositives",
           "FalsePositives", "TrueNegatives", "FalseNegatives", "Precision", "Recall", "AUC",
           "get", "serialize", "deserialize", "accuracy", "binary_accuracy",
           "categorical_accuracy", "sparse_categorical_accuracy", "top_k_categorical_accuracy",
           "sparse_top_k_categorical_accuracy", "cosine_similarity"]


def accuracy(y_true, y_pred):
    """1.0 where y_true == y_pred (y_pred cast to y_true's dtype), else 0.0."""
    y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
    if y_true.dtype != y_pred.dtype:
        y_pred = math.cast(y_pred, y_true.dtype)
    return math.cast(math.equal(y_true, y_pred), dtypes.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """mean over the last axis of (y_pred > threshold) == y_true."""
    y_pred = convert_to_tensor(y_pred)
    predicted = math.cast(math.greater(y_pred, threshold), y_pred.dtype)
    y_true = math.cast(convert_to_tensor(y_true), y_pred.dtype)
    return reduce.reduce_mean(math.cast(math.equal(y_true, predicted), dtypes.float32),
                              axis=-1)


def categorical_accuracy(y_true, y_pred):
    """argmax(y_true) == argmax(y_pred) over the last axis."""
    return math.cast(math.equal(reduce.argmax(y_true, axis=-1),
                                reduce.argmax(y_pred, axis=-1)), dtypes.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    """y_true == argmax(y_pred); [batch, 1] labels are squeezed."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true)
    if y_true.shape.rank is not None and y_pred.shape.rank is not None and \
            y_true.shape.rank == y_pred.shape.rank:
        y_true = array.squeeze(y_true, axis=[-1])
    predicted = reduce.argmax(y_pred, axis=-1)
    return math.cast(math.equal(math.cast(y_true, predicted.dtype), predicted),
                     dtypes.float32)


def _in_top_k(y_pred, labels, k):
    """tf.math.in_top_k: the label's score has fewer than k scores above it (ties count
    as in), composed from public ops."""
    if y_pred.shape.rank is not None and y_pred.shape.rank > 2:
        y_pred = array.reshape(y_pred, [-1, y_pred.shape[-1]])
    labels = math.cast(array.reshape(labels, [-1]), dtypes.int32)
    hot = math.cast(array.one_hot(labels, y_pred.shape[-1]), dtypes.bool)
    target = reduce.reduce_sum(math.where(hot, y_pred, array.zeros_like(y_pred)), axis=-1)
    above = reduce.reduce_sum(math.cast(math.greater(y_pred, array.expand_dims(target, -1)),
                                        dtypes.int32), axis=-1)
    return math.cast(math.less(above, k), dtypes.float32)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where argmax(y_true) is among the k largest predictions."""
    y_pred = convert_to_tensor(y_pred)
    return _in_top_k(y_pred, reduce.argmax(y_true, axis=-1), k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the integer label is among the k largest predictions."""
    return _in_top_k(convert_to_tensor(y_pred), convert_to_tensor(y_true), k)


def cosine_similarity(y_true, y_pred, axis=-1):
    """sum(l2_normalize(y_true) * l2_normalize(y_pred)) over `axis` (the metric is
    the loss's negation)."""
    return -_losses.cosine_similarity(y_true, y_pred, axis=axis)


def _wrapper(cls_name, fn, default_name, **defaults):
    def __init__(self, name=default_name, dtype=None, **kwargs):
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **{**defaults, **kwargs})
    return type(cls_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": fn.__doc__,
                                                 "__module__": __name__})


Accuracy = _wrapper("Accuracy", accuracy, "accuracy")
BinaryAccuracy = _wrapper("BinaryAccuracy", binary_accuracy, "binary_accuracy",
                          threshold=0.5)
CategoricalAccuracy = _wrapper("CategoricalAccuracy", categorical_accuracy,
                               "categorical_accuracy")
SparseCategoricalAccuracy = _wrapper("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                     "sparse_categorical_accuracy")
TopKCategoricalAccuracy = _wrapper("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                   "top_k_categorical_accuracy", k=5)
SparseTopKCategoricalAccuracy = _wrapper("SparseTopKCategoricalAccuracy",
                                         sparse_top_k_categorical_accuracy,
                                         "sparse_top_k_categorical_accuracy", k=5)
MeanSquaredError = _wrapper("MeanSquaredError", _losses.mean_squared_error,
                            "mean_squared_error")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", _losses.mean_absolute_error,
                             "mean_absolute_error")
MeanAbsolutePercentageError = _wrapper("MeanAbsolutePercentageError",
                                       _losses.mean_absolute_percentage_error,
                                       "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _wrapper("MeanSquaredLogarithmicError",
                                       _losses.mean_squared_logarithmic_error,
                                       "mean_squared_logarithmic_error")
BinaryCrossentropy = _wrapper("BinaryCrossentropy", _losses.binary_crossentropy,
                              "binary_crossentropy", from_logits=False, label_smoothing=0.0)
CategoricalCrossentropy = _wrapper("CategoricalCrossentropy", _losses.categorical_crossentropy,
                                   "categorical_crossentropy", from_logits=False,
                                   label_smoothing=0.0)
SparseCategoricalCrossentropy = _wrapper("SparseCategoricalCrossentropy",
                                         _losses.sparse_categorical_crossentropy,
                                         "sparse_categorical_crossentropy", from_logits=False)
KLDivergence = _wrapper("KLDivergence", _losses.kl_divergence, "kullback_leibler_divergence")
Hinge = _wrapper("Hinge", _losses.hinge, "hinge")
SquaredHinge = _wrapper("SquaredHinge", _losses.squared_hinge, "squared_hinge")
CategoricalHinge = _wrapper("CategoricalHinge", _losses.categorical_hinge,
                            "categorical_hinge")
LogCoshError = _wrapper("LogCoshError", _losses.log_cosh, "logcosh")
Poisson = _wrapper("Poisson", _losses.poisson, "poisson")
CosineSimilarity = _wrapper("CosineSimilarity", cosine_similarity, "cosine_similarity",
                            axis=-1)


class RootMeanSquaredError(Mean):
    """sqrt of the (weighted) mean of (y_pred - y_true)^2 over every value seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = math.cast(convert_to_tensor(y_true), self._dtype)
        y_pred = math.cast(convert_to_tensor(y_pred), self._dtype)
        y_pred, y_true, _ = _losses.squeeze_or_expand_dimensions(y_pred, y_true)
        return super().update_state(math.squared_difference(y_pred, y_true), sample_weight)

    def result(self):
        return math.sqrt(math.divide_no_nan(self.total.read_value(), self.count.read_value()))


class _AccuracyByShape(MeanMetricWrapper):
    """compile's "accuracy" / "crossentropy": the function is chosen from the shapes of
    the labels and predictions (before any squeeze), as Keras 2's compile_utils does."""

    def __init__(self, kind, name, loss=None):
        super().__init__(_KINDS[kind][2], name=name)
        self._kind, self._loss = kind, loss

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
        self._fn = _by_shape(self._kind, y_true, y_pred, self._loss)
        return super().update_state(y_true, y_pred, sample_weight)


_KINDS = {"accuracy": (binary_accuracy, sparse_categorical_accuracy, categorical_accuracy),
          "crossentropy": (_losses.binary_crossentropy,
                           _losses.sparse_categorical_crossentropy,
                           _losses.categorical_crossentropy)}


def _by_shape(kind, y_true, y_pred, loss):
    binary, sparse, categorical = _KINDS[kind]
    if y_true.shape.rank is None or y_pred.shape.rank is None:
        return {BinaryAccuracy: binary, SparseCategoricalAccuracy: sparse,
                CategoricalAccuracy: categorical}.get(
            _accuracy_for(loss), accuracy if kind == "accuracy" else categorical)
    t_rank, p_rank = y_true.shape.rank, y_pred.shape.rank
    t_last = y_true.shape[-1] if t_rank else None
    p_last = y_pred.shape[-1] if p_rank else None
    if p_last == 1:
        return binary
    if t_rank < p_rank or (t_last == 1 and p_last is not None and p_last > 1):
        return sparse
    return categorical


_CLASSES = {cls.__name__: cls for cls in (
    Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    RootMeanSquaredError, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, KLDivergence, Hinge, SquaredHinge, CategoricalHinge,
    LogCoshError, Poisson, CosineSimilarity, TruePositives, FalsePositives, TrueNegatives,
    FalseNegatives, Precision, Recall, AUC)}
_FUNCTIONS = {f.__name__: f for f in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, cosine_similarity,
    _losses.mean_squared_error, _losses.mean_absolute_error,
    _losses.mean_absolute_percentage_error, _losses.mean_squared_logarithmic_error,
    _losses.binary_crossentropy, _losses.categorical_crossentropy,
    _losses.sparse_categorical_crossentropy, _losses.kl_divergence, _losses.hinge,
    _losses.squared_hinge, _losses.categorical_hinge, _losses.poisson)}
_FUNCTIONS.update(mse=_losses.mean_squared_error, mae=_losses.mean_absolute_error,
                  mape=_losses.mean_absolute_percentage_error,
                  msle=_losses.mean_squared_logarithmic_error, kld=_losses.kl_divergence,
                  logcosh=_losses.log_cosh)


def _unknown(identifier):
    return ValueError(f"Unknown metric function: '{identifier}'. Please ensure you are "
                      "using a `keras.utils.custom_object_scope` and that this object is "
                      "included in the scope.")


def get(identifier, loss=None, custom_objects=None):
    """A Metric from an object, a function, a config dict, a class name ("AUC") or a
    function name ("mse", named so); "accuracy"/"acc" and "crossentropy"/"ce" pick their
    variant from the shapes they see, as Keras 2's compile does.

    Raises:
        ValueError: an unknown name.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier, custom_objects)
    if callable(identifier):
        return identifier() if isinstance(identifier, type) else \
            MeanMetricWrapper(identifier)
    name = str(identifier)
    custom = (custom_objects or {}).get(name)
    if custom is not None:
        return custom() if isinstance(custom, type) else MeanMetricWrapper(custom, name=name)
    if name.lower() in ("accuracy", "acc"):
        return _AccuracyByShape("accuracy", name, loss)
    if name.lower() in ("crossentropy", "ce"):
        return _AccuracyByShape("crossentropy", name, loss)
    if name in _CLASSES:
        return _CLASSES[name]()
    if name in _FUNCTIONS:
        return MeanMetricWrapper(_FUNCTIONS[name], name=name)
    raise _unknown(identifier)


def serialize(metric):
    """{"class_name": ..., "config": ...} for a Metric, the name of a function."""
    if isinstance(metric, _AccuracyByShape):
        return metric.name
    if type(metric) is MeanMetricWrapper:
        return metric._fn.__name__
    if isinstance(metric, Metric):
        return {"class_name": type(metric).__name__, "config": metric.get_config()}
    return getattr(metric, "__name__", metric)


def deserialize(config, custom_objects=None):
    """The metric a `serialize` result describes.

    Raises:
        ValueError: an unknown name or class name.
    """
    if not isinstance(config, dict):
        return get(config, custom_objects=custom_objects)
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise _unknown(name)
    return cls.from_config(config.get("config", {}))


def _accuracy_for(loss):
    """The accuracy a loss suggests (used only when shapes are unknown)."""
    name = getattr(loss, "name", "") or ""
    fn = getattr(loss, "fn", None)
    if "sparse" in name or fn is _losses.sparse_categorical_crossentropy:
        return SparseCategoricalAccuracy
    if "binary" in name or fn is _losses.binary_crossentropy:
        return BinaryAccuracy
    if "categorical" in name:
        return CategoricalAccuracy
    return Accuracy
