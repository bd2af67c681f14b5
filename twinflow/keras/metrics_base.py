"""The base of tf.keras.metrics: streaming metrics whose state lives in (non-trainable)
variables of the current mode — Metric, the weighted Mean and Sum, and the wrapper that
averages a per-example function.

`update_state` adds a batch, `result` reads the running value, `reset_state` zeroes
it. The same metric code runs eagerly, inside the compiled train step and in a TF1
Session.
"""

from __future__ import annotations

import numpy as np

from engine.ops import array, math, reduce
from engine.ops.core import convert_to_tensor, identity
from twinflow.keras.base_layer import Layer
from twinflow.keras.losses import squeeze_or_expand_dimensions

__all__ = ["Metric", "Reduce", "Mean", "Sum", "MeanMetricWrapper"]


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
        assign_values(self.name, self.variables,
                      [np.zeros(v.shape.as_list(), v.dtype._np) for v in self.variables])

    reset_states = reset_state

    def add_weight(self, name, shape=(), dtype=None, initializer="zeros", **kwargs):
        return super().add_weight(name=name, shape=shape, dtype=dtype,
                                  initializer=initializer, trainable=False)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class Reduce(Metric):
    """Sum, or mean (sum / count) of the values seen, optionally weighted: weights are
    squeezed or expanded by one axis to the values' rank, then broadcast (Keras 2)."""

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
            values, _, weight = squeeze_or_expand_dimensions(values, None, weight)
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
            return identity(self.total.read_value())
        return math.divide_no_nan(self.total.read_value(), self.count.read_value())


class Mean(Reduce):
    """The (weighted) mean of the values seen."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(True, name, dtype)


class Sum(Reduce):
    """The (weighted) sum of the values seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(False, name, dtype)


class MeanMetricWrapper(Mean):
    """The mean of fn(y_true, y_pred) over the examples seen. As in Keras 2, both are
    cast to the metric's dtype and a trailing 1 is squeezed where ranks differ by one."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self._fn, self._fn_kwargs = fn, kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = math.cast(convert_to_tensor(y_true), self._dtype)
        y_pred = math.cast(convert_to_tensor(y_pred), self._dtype)
        y_pred, y_true, _ = squeeze_or_expand_dimensions(y_pred, y_true)
        return super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs),
                                    sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}
