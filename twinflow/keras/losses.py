"""tf.keras.losses: loss functions and classes, by object, by name or by config.

A loss class computes one value per example (the function, e.g. the mean over the last
axis for mean_squared_error), weights it by `sample_weight` and reduces it: by default
the sum over the batch divided by the number of values ("sum_over_batch_size"), as
Keras 2 does. Probabilities are clipped to [eps, 1 - eps] exactly as Keras does, so the
numbers match. Shapes are reconciled as Keras 2's losses_utils does: a trailing
dimension of 1 is squeezed from y_pred or y_true, and sample weights are squeezed or
expanded by one axis to fit the per-example values.
"""

from __future__ import annotations

import math as _pymath

from engine import dtypes
from engine.ops import array, math, nn, reduce
from engine.ops.core import convert_to_tensor
from twinflow.keras import backend

__all__ = ["Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError",
           "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "BinaryCrossentropy",
           "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "Huber", "KLDivergence",
           "CosineSimilarity", "Hinge", "SquaredHinge", "CategoricalHinge", "LogCosh",
           "Poisson", "mean_squared_error", "mean_absolute_error",
           "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
           "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "huber", "kl_divergence", "cosine_similarity", "hinge", "squared_hinge",
           "categorical_hinge", "log_cosh", "poisson", "get", "serialize", "deserialize",
           "match_dtype_and_rank", "squeeze_or_expand_dimensions"]


# ------------------------------------------------------------------ shapes ----------------

def _last_is_one(shape):
    return shape[-1] is None or shape[-1] == 1


def squeeze_or_expand_dimensions(y_pred, y_true=None, sample_weight=None):
    """Keras 2's rule: drop a trailing 1 from y_pred or y_true when their ranks differ by
    one, then squeeze or expand `sample_weight` by one axis to y_pred's rank."""
    if y_true is not None and y_true.shape.rank is not None and y_pred.shape.rank is not None:
        diff = y_pred.shape.rank - y_true.shape.rank
        if diff == 1 and _last_is_one(y_pred.shape):
            y_pred = array.squeeze(y_pred, axis=[-1])
        elif diff == -1 and _last_is_one(y_true.shape):
            y_true = array.squeeze(y_true, axis=[-1])
    if sample_weight is None or sample_weight.shape.rank in (0, None) or \
            y_pred.shape.rank is None:
        return y_pred, y_true, sample_weight
    if sample_weight.shape.rank - y_pred.shape.rank == 1:
        sample_weight = array.squeeze(sample_weight, axis=[-1])
    elif y_pred.shape.rank - sample_weight.shape.rank == 1:
        sample_weight = array.expand_dims(sample_weight, -1)
    return y_pred, y_true, sample_weight


def match_dtype_and_rank(y_true, y_pred, sample_weight):
    """What compile's loss and metric containers do first (Keras 2's compile_utils):
    1-D labels (and weights) for 2-D predictions get a trailing axis, and labels of the
    predictions' kind (float/float, int/int) take their dtype."""
    y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
    if y_true.shape.rank == 1 and y_pred.shape.rank == 2:
        y_true = array.expand_dims(y_true, -1)
    if sample_weight is not None:
        sample_weight = convert_to_tensor(sample_weight)
        if sample_weight.shape.rank == 1 and y_pred.shape.rank == 2:
            sample_weight = array.expand_dims(sample_weight, -1)
        sample_weight = math.cast(sample_weight, y_pred.dtype)
    if (y_true.dtype.is_floating and y_pred.dtype.is_floating) or \
            (y_true.dtype.is_integer and y_pred.dtype.is_integer):
        y_true = math.cast(y_true, y_pred.dtype)
    return y_true, y_pred, sample_weight


# ------------------------------------------------------------------ functions -------------

def _pair(y_true, y_pred):
    y_pred = convert_to_tensor(y_pred)
    y_true = math.cast(convert_to_tensor(y_true), y_pred.dtype)
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """mean((y_pred - y_true)^2) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return reduce.reduce_mean(math.squared_difference(y_pred, y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_pred - y_true|) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return reduce.reduce_mean(math.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|(y_true - y_pred) / max(|y_true|, eps)|) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = math.abs((y_true - y_pred) / math.maximum(math.abs(y_true), backend.epsilon()))
    return 100.0 * reduce.reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = backend.epsilon()
    first, second = math.log(math.maximum(y_pred, eps) + 1.0), \
        math.log(math.maximum(y_true, eps) + 1.0)
    return reduce.reduce_mean(math.squared_difference(first, second), axis=-1)


def _clip(p):
    eps = backend.epsilon()
    return math.clip_by_value(p, eps, 1.0 - eps)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-mean(y log(p + eps) + (1 - y) log(1 - p + eps)), p clipped to [eps, 1 - eps]."""
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        per = nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=y_pred)
    else:
        p, eps = _clip(y_pred), backend.epsilon()
        per = -(y_true * math.log(p + eps) + (1.0 - y_true) * math.log(1.0 - p + eps))
    return reduce.reduce_mean(per, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0,
                             axis=-1):
    """-sum(y log p) with p = y_pred / sum(y_pred) clipped to [eps, 1 - eps]."""
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        classes = math.cast(array.shape(y_true)[-1], y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    if from_logits:
        return nn.softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred, axis=axis)
    p = _clip(y_pred / reduce.reduce_sum(y_pred, axis=axis, keepdims=True))
    return -reduce.reduce_sum(y_true * math.log(p), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1,
                                    ignore_class=None):
    """-log p[label]; labels equal to `ignore_class` give 0."""
    y_pred = convert_to_tensor(y_pred)
    labels = math.cast(convert_to_tensor(y_true), dtypes.int64)
    if labels.shape.rank is not None and y_pred.shape.rank is not None and \
            labels.shape.rank == y_pred.shape.rank:
        labels = array.squeeze(labels, axis=[-1])  # [batch, 1] labels
    logits = y_pred if from_logits else math.log(_clip(y_pred))
    if ignore_class is None:
        return nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    valid = math.not_equal(labels, int(ignore_class))
    safe = math.where(valid, labels, array.zeros_like(labels))
    per = nn.sparse_softmax_cross_entropy_with_logits(labels=safe, logits=logits)
    return per * math.cast(valid, per.dtype)


def huber(y_true, y_pred, delta=1.0):
    """mean(0.5 e^2 if |e| <= delta else delta |e| - 0.5 delta^2) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    error = math.abs(y_pred - y_true)
    small = 0.5 * math.square(error)
    large = delta * error - 0.5 * delta * delta
    return reduce.reduce_mean(math.where(error <= delta, small, large), axis=-1)


def kl_divergence(y_true, y_pred):
    """sum(y_true log(y_true / y_pred)), both clipped to [eps, 1]."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true, y_pred = _clip_unit(y_true), _clip_unit(y_pred)
    return reduce.reduce_sum(y_true * math.log(y_true / y_pred), axis=-1)


def _clip_unit(x):
    return math.clip_by_value(x, backend.epsilon(), 1.0)


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred)) over `axis`."""
    y_true, y_pred = _pair(y_true, y_pred)
    return -reduce.reduce_sum(nn.l2_normalize(y_true, axis=axis) *
                              nn.l2_normalize(y_pred, axis=axis), axis=axis)


def _signed_labels(y_true):
    """0/1 labels become -1/1 (all of them or none, as Keras's _maybe_convert_labels)."""
    binary = reduce.reduce_all(math.logical_or(math.equal(y_true, 0.0),
                                               math.equal(y_true, 1.0)))
    return math.where(binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)) with 0/1 labels taken as -1/1."""
    y_true, y_pred = _pair(y_true, y_pred)
    return reduce.reduce_mean(math.maximum(1.0 - _signed_labels(y_true) * y_pred, 0.0),
                              axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)^2) with 0/1 labels taken as -1/1."""
    y_true, y_pred = _pair(y_true, y_pred)
    return reduce.reduce_mean(math.square(math.maximum(
        1.0 - _signed_labels(y_true) * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)."""
    y_true, y_pred = _pair(y_true, y_pred)
    pos = reduce.reduce_sum(y_true * y_pred, axis=-1)
    neg = reduce.reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return math.maximum(neg - pos + 1.0, 0.0)


def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))), as x + softplus(-2x) - log 2."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return reduce.reduce_mean(x + nn.softplus(-2.0 * x) - _pymath.log(2.0), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + eps)) over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return reduce.reduce_mean(y_pred - y_true * math.log(y_pred + backend.epsilon()),
                              axis=-1)


mse, mae, kld = mean_squared_error, mean_absolute_error, kl_divergence
mape, msle, logcosh = mean_absolute_percentage_error, mean_squared_logarithmic_error, \
    log_cosh
kullback_leibler_divergence = kl_divergence


# ------------------------------------------------------------------ classes ---------------

_REDUCTIONS = ("auto", "none", "sum", "sum_over_batch_size")


class Loss:
    """Base class: `loss(y_true, y_pred, sample_weight=None)` -> a scalar (or per-example
    values with reduction="none").

    Raises:
        ValueError: an unknown reduction.
    """

    def __init__(self, reduction="auto", name=None):
        if reduction is None:
            reduction = "auto"
        if reduction not in _REDUCTIONS:
            raise ValueError(f"Invalid Reduction Key: {reduction}. Expected keys are "
                             f"\"{_REDUCTIONS}\"")
        self.reduction, self.name = reduction, name

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def _valid_mask(self, y_true, values):
        """Which values count (None: all) — the mask Keras attaches to some losses."""
        return None

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(y_true, y_pred)
        weight = None
        if sample_weight is not None:
            weight = math.cast(convert_to_tensor(sample_weight), values.dtype)
            values, _, weight = squeeze_or_expand_dimensions(values, None, weight)
        mask = self._valid_mask(y_true, values)
        if mask is not None:  # valid values weigh total / valid: the mean of the valid
            mask = math.cast(mask, values.dtype)
            if self.reduction in ("auto", "sum_over_batch_size"):
                mask = mask * (math.cast(array.size(mask), values.dtype) /
                               reduce.reduce_sum(mask))
            weight = mask if weight is None else mask * weight
        if weight is not None:
            values = values * weight
        if self.reduction == "none":
            return values
        total = reduce.reduce_sum(values)
        if self.reduction == "sum":
            return total
        count = math.cast(array.size(values), values.dtype)
        return math.divide_no_nan(total, count)

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A loss class around a per-example function and its keyword arguments."""

    def __init__(self, fn, reduction="auto", name=None, **kwargs):
        super().__init__(reduction, name or fn.__name__)
        self.fn, self._fn_kwargs = fn, kwargs

    def call(self, y_true, y_pred):
        y_pred, y_true = convert_to_tensor(y_pred), convert_to_tensor(y_true)
        y_pred, y_true, _ = squeeze_or_expand_dimensions(y_pred, y_true)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def _valid_mask(self, y_true, values):
        ignore = self._fn_kwargs.get("ignore_class")
        if ignore is None:
            return None
        labels = convert_to_tensor(y_true)
        if labels.shape.rank is not None and values.shape.rank is not None and \
                labels.shape.rank == values.shape.rank + 1:
            labels = array.squeeze(labels, axis=[-1])
        return math.not_equal(math.cast(labels, dtypes.int64), int(ignore))

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


def _class(cls_name, fn, default_name, **defaults):
    """A LossFunctionWrapper subclass whose arguments are fn's keyword arguments."""
    def __init__(self, *args, reduction="auto", name=default_name, **kwargs):
        options = dict(defaults)
        options.update(zip(list(defaults)[:len(args)], args))
        options.update(kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction, name, **options)
    return type(cls_name, (LossFunctionWrapper,), {"__init__": __init__,
                                                   "__doc__": fn.__doc__,
                                                   "__module__": __name__})


MeanSquaredError = _class("MeanSquaredError", mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _class("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error")
MeanAbsolutePercentageError = _class("MeanAbsolutePercentageError",
                                     mean_absolute_percentage_error,
                                     "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _class("MeanSquaredLogarithmicError",
                                     mean_squared_logarithmic_error,
                                     "mean_squared_logarithmic_error")
BinaryCrossentropy = _class("BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
                            from_logits=False, label_smoothing=0.0, axis=-1)
CategoricalCrossentropy = _class("CategoricalCrossentropy", categorical_crossentropy,
                                 "categorical_crossentropy", from_logits=False,
                                 label_smoothing=0.0, axis=-1)
SparseCategoricalCrossentropy = _class("SparseCategoricalCrossentropy",
                                       sparse_categorical_crossentropy,
                                       "sparse_categorical_crossentropy", from_logits=False,
                                       ignore_class=None)
Huber = _class("Huber", huber, "huber_loss", delta=1.0)
KLDivergence = _class("KLDivergence", kl_divergence, "kl_divergence")
CosineSimilarity = _class("CosineSimilarity", cosine_similarity, "cosine_similarity",
                          axis=-1)
Hinge = _class("Hinge", hinge, "hinge")
SquaredHinge = _class("SquaredHinge", squared_hinge, "squared_hinge")
CategoricalHinge = _class("CategoricalHinge", categorical_hinge, "categorical_hinge")
LogCosh = _class("LogCosh", log_cosh, "log_cosh")
Poisson = _class("Poisson", poisson, "poisson")

_CLASSES = {cls.__name__: cls for cls in (
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, Huber, KLDivergence, CosineSimilarity, Hinge, SquaredHinge,
    CategoricalHinge, LogCosh, Poisson)}
_BY_NAME = {"mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
            "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
            "mean_absolute_percentage_error": MeanAbsolutePercentageError,
            "mape": MeanAbsolutePercentageError,
            "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
            "msle": MeanSquaredLogarithmicError,
            "binary_crossentropy": BinaryCrossentropy,
            "categorical_crossentropy": CategoricalCrossentropy,
            "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
            "huber": Huber, "huber_loss": Huber, "kl_divergence": KLDivergence,
            "kld": KLDivergence, "kullback_leibler_divergence": KLDivergence,
            "cosine_similarity": CosineSimilarity, "hinge": Hinge,
            "squared_hinge": SquaredHinge, "categorical_hinge": CategoricalHinge,
            "log_cosh": LogCosh, "logcosh": LogCosh, "poisson": Poisson}


def _unknown(identifier):
    return ValueError(f"Unknown loss function: '{identifier}'. Please ensure you are using a "
                      "`keras.utils.custom_object_scope` and that this object is included in "
                      "the scope.")


def get(identifier, custom_objects=None):
    """A Loss from a name ("mse"), a class name, a config dict, a Loss, or a function
    (wrapped).

    Raises:
        ValueError: an unknown name.
    """
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier, custom_objects)
    if isinstance(identifier, str):
        custom = (custom_objects or {}).get(identifier)
        if custom is not None:
            return custom() if isinstance(custom, type) else LossFunctionWrapper(custom)
        cls = _BY_NAME.get(identifier)
        if cls is not None:
            return cls(name=identifier)
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        raise _unknown(identifier)
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise ValueError(f"Could not interpret loss function identifier: {identifier!r}")


def serialize(loss):
    """A name for a wrapped plain function, else {"class_name": ..., "config": ...}."""
    if type(loss) is LossFunctionWrapper:
        return loss.fn.__name__
    if isinstance(loss, Loss):
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    return getattr(loss, "__name__", loss)


def deserialize(config, custom_objects=None):
    """The Loss a `serialize` result describes.

    Raises:
        ValueError: an unknown name or class name.
    """
    if not isinstance(config, dict):
        return get(config, custom_objects)
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise _unknown(name)
    return cls.from_config(config.get("config", {}))
