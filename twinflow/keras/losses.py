"""tf.keras.losses: loss functions and classes, by object or by name.

A loss class computes one value per example (the function, e.g. the mean over the last
axis for mean_squared_error), weights it by `sample_weight` and reduces it: by default
the sum over the batch divided by the number of values ("sum_over_batch_size"), as
Keras 2 does. Probabilities are clipped to [eps, 1 - eps] exactly as Keras does, so the
numbers match.
"""

from __future__ import annotations

from engine import dtypes
from engine.ops import array, math, nn, reduce
from engine.ops.core import convert_to_tensor
from twinflow.keras import backend

__all__ = ["Loss", "MeanSquaredError", "MeanAbsoluteError", "BinaryCrossentropy",
           "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "Huber",
           "KLDivergence", "mean_squared_error", "mean_absolute_error", "binary_crossentropy",
           "categorical_crossentropy", "sparse_categorical_crossentropy", "huber",
           "kl_divergence", "get", "serialize"]


def _pair(y_true, y_pred):
    y_pred = convert_to_tensor(y_pred)
    y_true = math.cast(convert_to_tensor(y_true), y_pred.dtype)
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return reduce.reduce_mean(math.squared_difference(y_pred, y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return reduce.reduce_mean(math.abs(y_pred - y_true), axis=-1)


def _clip(p):
    eps = backend.epsilon()
    return math.clip_by_value(p, eps, 1.0 - eps)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
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
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true)
    labels = math.cast(y_true, dtypes.int64)
    if labels.shape.rank is not None and y_pred.shape.rank is not None and \
            labels.shape.rank == y_pred.shape.rank:
        labels = array.squeeze(labels, axis=[-1])  # [batch, 1] labels
    logits = y_pred if from_logits else math.log(_clip(y_pred))
    return nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def huber(y_true, y_pred, delta=1.0):
    y_true, y_pred = _pair(y_true, y_pred)
    error = math.abs(y_pred - y_true)
    small = 0.5 * math.square(error)
    large = delta * error - 0.5 * delta * delta
    return reduce.reduce_mean(math.where(error <= delta, small, large), axis=-1)


def kl_divergence(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    y_true, y_pred = _clip_unit(y_true), _clip_unit(y_pred)
    return reduce.reduce_sum(y_true * math.log(y_true / y_pred), axis=-1)


def _clip_unit(x):
    return math.clip_by_value(x, backend.epsilon(), 1.0)


mse, mae, kld = mean_squared_error, mean_absolute_error, kl_divergence


class Loss:
    """Base class: `loss(y_true, y_pred, sample_weight=None)` -> a scalar (or per-example
    values with reduction="none")."""

    def __init__(self, reduction="sum_over_batch_size", name=None):
        if reduction in ("auto", None):
            reduction = "sum_over_batch_size"
        if reduction not in ("sum_over_batch_size", "sum", "none"):
            raise ValueError(f"Invalid Reduction Key: {reduction}. Expected keys are "
                             "\"('none', 'sum', 'sum_over_batch_size')\"")
        self.reduction, self.name = reduction, name

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(y_true, y_pred)
        if sample_weight is not None:
            weight = math.cast(convert_to_tensor(sample_weight), values.dtype)
            if weight.shape.rank is not None and values.shape.rank is not None and \
                    weight.shape.rank > values.shape.rank:
                weight = array.squeeze(weight, axis=[-1])
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

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, **kwargs):
        super().__init__(reduction, name or fn.__name__)
        self.fn, self._fn_kwargs = fn, kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


def _class(fn, default_name, **defaults):
    def __init__(self, *args, reduction="sum_over_batch_size", name=default_name, **kwargs):
        options = dict(defaults)
        options.update(zip(list(defaults)[:len(args)], args))
        options.update(kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction, name, **options)
    cls_name = "".join(part.capitalize() for part in default_name.split("_"))
    return type(cls_name, (LossFunctionWrapper,), {"__init__": __init__,
                                                   "__doc__": fn.__doc__})


MeanSquaredError = _class(mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _class(mean_absolute_error, "mean_absolute_error")
BinaryCrossentropy = _class(binary_crossentropy, "binary_crossentropy", from_logits=False,
                            label_smoothing=0.0, axis=-1)
CategoricalCrossentropy = _class(categorical_crossentropy, "categorical_crossentropy",
                                 from_logits=False, label_smoothing=0.0, axis=-1)
SparseCategoricalCrossentropy = _class(sparse_categorical_crossentropy,
                                       "sparse_categorical_crossentropy", from_logits=False)
Huber = _class(huber, "huber_loss", delta=1.0)
KLDivergence = _class(kl_divergence, "kl_divergence")

_BY_NAME = {"mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
            "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
            "binary_crossentropy": BinaryCrossentropy,
            "categorical_crossentropy": CategoricalCrossentropy,
            "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
            "huber": Huber, "huber_loss": Huber, "kl_divergence": KLDivergence,
            "kld": KLDivergence, "kullback_leibler_divergence": KLDivergence}


def get(identifier):
    """A Loss from a name ("mse"), a Loss, or a function (wrapped).

    Raises:
        ValueError: an unknown name.
    """
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown loss function: '{identifier}'. Please ensure you are "
                             "using a `keras.utils.custom_object_scope` and that this object "
                             "is included in the scope.")
        return cls(name=identifier)
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise ValueError(f"Could not interpret loss function identifier: {identifier!r}")


def serialize(loss):
    return {"class_name": type(loss).__name__, "config": loss.get_config()}
