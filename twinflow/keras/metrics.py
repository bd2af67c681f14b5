"""tf.keras.metrics: streaming metrics whose state lives in (non-trainable) variables.

`update_state` adds a batch, `result` reads the running value, `reset_state` zeroes
it. The state is variables of the current mode, so the same metric code runs eagerly,
inside the compiled train step and in a TF1 Session.
"""

from __future__ import annotations

from engine import dtypes
from engine.ops import array, math, reduce
from engine.ops.core import convert_to_tensor
from twinflow.keras import losses as _losses
from twinflow.keras.base_layer import Layer

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
           "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
           "MeanSquaredError", "MeanAbsoluteError", "get", "accuracy", "binary_accuracy",
           "categorical_accuracy", "sparse_categorical_accuracy"]


class Metric(Layer):
    """Base class: state variables, update_state, result, reset_state."""

    def __init__(self, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype or "float32", **kwargs)
        self.built = True

    def __call__(self, *args, **kwargs):
        """update_state then result (what calling a metric does)."""
        self.update_state(*args, **kwargs)
        return self.result()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self):
        """Sets every state variable to 0."""
        from twinflow.keras.weights_io import assign_values
        import numpy as np
        assign_values(self.name, self.variables,
                      [np.zeros(v.shape.as_list(), v.dtype._np) for v in self.variables])

    reset_states = reset_state

    def add_weight(self, name, shape=(), dtype=None, initializer="zeros", **kwargs):
        return super().add_weight(name=name, shape=shape, dtype=dtype,
                                  initializer=initializer, trainable=False)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class Reduce(Metric):
    """Sum, or mean (sum / count) of the values seen, optionally weighted."""

    def __init__(self, mean, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._mean = mean
        self.total = self.add_weight("total")
        if mean:
            self.count = self.add_weight("count")

    def update_state(self, values, sample_weight=None):
        values = math.cast(convert_to_tensor(values), self._dtype)
        if sample_weight is not None:
            weight = math.cast(convert_to_tensor(sample_weight), self._dtype)
            if weight.shape.rank is not None and values.shape.rank is not None and \
                    weight.shape.rank > values.shape.rank:
                weight = array.squeeze(weight, axis=[-1])
            weight = array.broadcast_to(weight, array.shape(values))
            values = values * weight
            count = reduce.reduce_sum(weight)
        else:
            count = math.cast(array.size(values), self._dtype)
        self.total.assign_add(reduce.reduce_sum(values))
        if self._mean:
            self.count.assign_add(count)

    def result(self):
        if not self._mean:
            return array.identity(self.total.read_value())
        return math.divide_no_nan(self.total.read_value(), self.count.read_value())


class Mean(Reduce):
    """The (weighted) mean of the values seen."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(True, name, dtype)


class Sum(Reduce):
    def __init__(self, name="sum", dtype=None):
        super().__init__(False, name, dtype)


class MeanMetricWrapper(Mean):
    """The mean of fn(y_true, y_pred) over the examples seen."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self._fn, self._fn_kwargs = fn, kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        return super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs),
                                    sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


def accuracy(y_true, y_pred):
    y_pred = convert_to_tensor(y_pred)
    return math.cast(math.equal(math.cast(convert_to_tensor(y_true), y_pred.dtype), y_pred),
                     dtypes.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_pred = convert_to_tensor(y_pred)
    predicted = math.cast(math.greater(y_pred, threshold), y_pred.dtype)
    y_true = math.cast(convert_to_tensor(y_true), y_pred.dtype)
    return reduce.reduce_mean(math.cast(math.equal(y_true, predicted), dtypes.float32),
                              axis=-1)


def categorical_accuracy(y_true, y_pred):
    return math.cast(math.equal(reduce.argmax(y_true, axis=-1),
                                reduce.argmax(y_pred, axis=-1)), dtypes.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true)
    if y_true.shape.rank is not None and y_pred.shape.rank is not None and \
            y_true.shape.rank == y_pred.shape.rank:
        y_true = array.squeeze(y_true, axis=[-1])
    predicted = reduce.argmax(y_pred, axis=-1)
    return math.cast(math.equal(math.cast(y_true, predicted.dtype), predicted),
                     dtypes.float32)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    from engine.ops import nn
    labels = reduce.argmax(y_true, axis=-1)
    return math.cast(nn.in_top_k(y_pred, math.cast(labels, dtypes.int32), k),
                     dtypes.float32)


def _wrapper(fn, default_name, **defaults):
    def __init__(self, name=default_name, dtype=None, **kwargs):
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **{**defaults, **kwargs})
    cls_name = "".join(p.capitalize() for p in default_name.split("_"))
    return type(cls_name, (MeanMetricWrapper,), {"__init__": __init__})


Accuracy = _wrapper(accuracy, "accuracy")
BinaryAccuracy = _wrapper(binary_accuracy, "binary_accuracy", threshold=0.5)
CategoricalAccuracy = _wrapper(categorical_accuracy, "categorical_accuracy")
SparseCategoricalAccuracy = _wrapper(sparse_categorical_accuracy,
                                     "sparse_categorical_accuracy")
TopKCategoricalAccuracy = _wrapper(top_k_categorical_accuracy, "top_k_categorical_accuracy",
                                   k=5)
MeanSquaredError = _wrapper(_losses.mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _wrapper(_losses.mean_absolute_error, "mean_absolute_error")

_BY_NAME = {"binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
            "sparse_categorical_accuracy": SparseCategoricalAccuracy,
            "top_k_categorical_accuracy": TopKCategoricalAccuracy,
            "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
            "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError}


def get(identifier, loss=None):
    """A Metric from an object, a function, or a name; "accuracy"/"acc" picks the
    accuracy that fits the loss, as Keras does (sparse, categorical or binary).

    Raises:
        ValueError: an unknown name.
    """
    if isinstance(identifier, Metric):
        return identifier
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    name = str(identifier)
    if name in ("accuracy", "acc"):
        kind = _accuracy_for(loss)
        return kind(name=name)
    cls = _BY_NAME.get(name)
    if cls is None:
        raise ValueError(f"Unknown metric function: '{identifier}'. Please ensure you are "
                         "using a `keras.utils.custom_object_scope` and that this object is "
                         "included in the scope.")
    return cls(name=name)


def _accuracy_for(loss):
    name = getattr(loss, "name", "") or ""
    fn = getattr(loss, "fn", None)
    if "sparse" in name or fn is _losses.sparse_categorical_crossentropy:
        return SparseCategoricalAccuracy
    if "binary" in name or fn is _losses.binary_crossentropy:
        return BinaryAccuracy
    if "categorical" in name:
        return CategoricalAccuracy
    return Accuracy
