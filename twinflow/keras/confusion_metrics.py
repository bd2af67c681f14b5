"""Confusion-matrix metrics (Keras 2's rules): TruePositives ... FalseNegatives,
Precision, Recall and AUC.

Each keeps weighted counts per threshold in state variables: a prediction is positive
at threshold t when y_pred > t, a label is positive when it is not 0. AUC uses Keras's
thresholds (0 - eps, 1/(n-1), ..., (n-2)/(n-1), 1 + eps) and its Riemann sums
(interpolation by default; for PR, Davis & Goadrich's interpolation).
"""

from __future__ import annotations

import numpy as np

from engine import dtypes
from engine.ops import array, math, reduce, sort
from engine.ops.core import convert_to_tensor
from twinflow.keras import activations, backend
from twinflow.keras.losses import squeeze_or_expand_dimensions
from twinflow.keras.metrics_base import Metric

__all__ = ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives",
           "Precision", "Recall", "AUC"]

NEG_INF = -1e10
_COUNTS = {"tp": (True, True), "fp": (False, True), "tn": (False, False),
           "fn": (True, False)}  # (label positive, prediction positive)


def _parse_thresholds(thresholds, default):
    values = [default] if thresholds is None else \
        list(np.ravel(np.asarray(thresholds, dtype=np.float64)))
    bad = [t for t in values if thresholds is not None and not 0 <= t <= 1]
    if bad:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return [float(t) for t in values]


def _filter_top_k(x, k):
    """x where x is among its row's top k values, NEG_INF elsewhere."""
    _, index = sort.top_k(x, k, sorted=False)
    mask = reduce.reduce_sum(array.one_hot(index, x.shape[-1], dtype=x.dtype), axis=-2)
    return x * mask + NEG_INF * (1.0 - mask)


def confusion_counts(y_true, y_pred, thresholds, sample_weight=None, top_k=None,
                     class_id=None, multi_label=False, label_weights=None):
    """{"tp", "fp", "tn", "fn"}: weighted counts per threshold, shape [T] (or [T, labels]
    with multi_label), as Keras 2's update_confusion_matrix_variables."""
    y_pred = math.cast(convert_to_tensor(y_pred), dtypes.float32)
    y_true = math.cast(convert_to_tensor(y_true), dtypes.float32)
    weight = None if sample_weight is None else \
        math.cast(convert_to_tensor(sample_weight), dtypes.float32)
    y_pred, y_true, weight = squeeze_or_expand_dimensions(y_pred, y_true, weight)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true, y_pred = y_true[..., class_id], y_pred[..., class_id]
        if weight is not None and weight.shape.rank == y_pred.shape.rank + 1:
            weight = weight[..., 0]
    if weight is not None:
        weight = array.broadcast_to(weight, array.shape(y_pred))
    if label_weights is not None and not multi_label:
        lw = array.broadcast_to(convert_to_tensor(label_weights, dtype=dtypes.float32),
                                array.shape(y_pred))
        weight = lw if weight is None else weight * lw
    shape = [-1, y_pred.shape[-1]] if multi_label else [-1]
    pred, label = array.reshape(y_pred, shape), array.reshape(y_true, shape)
    thr = convert_to_tensor(np.asarray(thresholds, np.float32))
    thr = array.reshape(thr, [-1, 1, 1] if multi_label else [-1, 1])
    pred_pos = math.greater(array.expand_dims(pred, 0), thr)          # [T, N(, L)]
    label_pos = array.expand_dims(math.not_equal(label, 0.0), 0)
    w = None if weight is None else array.expand_dims(array.reshape(weight, shape), 0)
    counts = {}
    for key, (want_label, want_pred) in _COUNTS.items():
        hit = math.logical_and(label_pos if want_label else math.logical_not(label_pos),
                               pred_pos if want_pred else math.logical_not(pred_pos))
        hit = math.cast(hit, dtypes.float32)
        counts[key] = reduce.reduce_sum(hit if w is None else hit * w, axis=1)
    return counts


class _Confusion(Metric):
    """Keeps the counts `keys` per threshold in variables of those names."""

    _NAMES = {"tp": "true_positives", "fp": "false_positives", "tn": "true_negatives",
              "fn": "false_negatives"}

    def __init__(self, keys, thresholds, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        self._keys = keys
        for key in keys:
            setattr(self, self._NAMES[key], self.add_weight(
                self._NAMES[key], shape=(len(thresholds),)))

    def _count(self, key):
        return getattr(self, self._NAMES[key]).read_value()

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight,
                                  self.top_k, self.class_id)
        for key in self._keys:
            getattr(self, self._NAMES[key]).assign_add(counts[key])

    def _single(self, value):
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        thresholds = self.thresholds[0] if len(self.thresholds) == 1 else self.thresholds
        return {**super().get_config(), "thresholds": thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


def _counter(cls_name, key, default_name):
    def __init__(self, thresholds=None, name=None, dtype=None):
        _Confusion.__init__(self, (key,), _parse_thresholds(thresholds, 0.5),
                            name=name or default_name, dtype=dtype)

    def result(self):
        return self._single(self._count(key))

    def get_config(self):
        config = _Confusion.get_config(self)
        return {k: v for k, v in config.items() if k not in ("top_k", "class_id")}
    doc = f"The weighted number of {default_name.replace('_', ' ')} (per threshold)."
    return type(cls_name, (_Confusion,), {"__init__": __init__, "result": result,
                                          "get_config": get_config, "__doc__": doc,
                                          "__module__": __name__})


TruePositives = _counter("TruePositives", "tp", "true_positives")
FalsePositives = _counter("FalsePositives", "fp", "false_positives")
TrueNegatives = _counter("TrueNegatives", "tn", "true_negatives")
FalseNegatives = _counter("FalseNegatives", "fn", "false_negatives")


class Precision(_Confusion):
    """tp / (tp + fp) (0 when nothing is predicted positive). With top_k, only each
    row's k largest predictions can be positive; class_id looks at one column."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        default = 0.5 if top_k is None else NEG_INF
        super().__init__(("tp", "fp"), _parse_thresholds(thresholds, default), top_k,
                         class_id, name=name or "precision", dtype=dtype)

    def result(self):
        tp = self._count("tp")
        return self._single(math.divide_no_nan(tp, tp + self._count("fp")))


class Recall(_Confusion):
    """tp / (tp + fn) (0 when no label is positive)."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        default = 0.5 if top_k is None else NEG_INF
        super().__init__(("tp", "fn"), _parse_thresholds(thresholds, default), top_k,
                         class_id, name=name or "recall", dtype=dtype)

    def result(self):
        tp = self._count("tp")
        return self._single(math.divide_no_nan(tp, tp + self._count("fn")))


class AUC(Metric):
    """Area under the ROC or PR curve, from counts at `num_thresholds` thresholds.

    Raises:
        ValueError: num_thresholds <= 1, an unknown curve or summation method, or a
            threshold outside [0, 1].
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name or "auc", dtype=dtype)
        self.curve, self.summation_method = _check_curve(curve), _check_method(
            summation_method)
        if thresholds is not None:
            inner = sorted(_parse_thresholds(thresholds, None))
            self.num_thresholds = len(inner) + 2
            self._given_thresholds = inner
        else:
            self._given_thresholds = None
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        eps = backend.epsilon()
        self._thresholds = [0.0 - eps] + inner + [1.0 + eps]
        self.multi_label, self.num_labels = bool(multi_label), num_labels
        self.label_weights = None if label_weights is None else \
            np.asarray(label_weights, np.float32)
        self._from_logits = from_logits
        self._built = False
        if not self.multi_label or num_labels is not None:
            self._build(num_labels)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, num_labels):
        shape = (self.num_thresholds,) + ((int(num_labels),) if self.multi_label else ())
        for key in _Confusion._NAMES.values():
            setattr(self, key, self.add_weight(key, shape=shape))
        self.num_labels, self._built = num_labels, True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = convert_to_tensor(y_pred)
        if self.multi_label and not self._built:
            self._build(y_pred.shape[-1])
        if self._from_logits:
            y_pred = activations.sigmoid(y_pred)
        counts = confusion_counts(y_true, y_pred, self._thresholds, sample_weight,
                                  multi_label=self.multi_label,
                                  label_weights=None if self.multi_label else
                                  self.label_weights)
        for key, name in _Confusion._NAMES.items():
            getattr(self, name).assign_add(counts[key])

    def result(self):
        tp, fp, tn, fn = (getattr(self, n).read_value() for n in _Confusion._NAMES.values())
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._average(self._interpolate_pr_auc(tp, fp, fn))
        recall = math.divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = math.divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, math.divide_no_nan(tp, tp + fp)
        n = self.num_thresholds
        head, tail = y[:n - 1], y[1:]
        heights = (head + tail) / 2.0 if self.summation_method == "interpolation" else \
            math.minimum(head, tail) if self.summation_method == "minoring" else \
            math.maximum(head, tail)
        return self._average((x[:n - 1] - x[1:]) * heights)

    def _interpolate_pr_auc(self, tp, fp, fn):
        """Davis & Goadrich (2006): precision interpolated linearly in the true
        positives between thresholds."""
        n = self.num_thresholds
        dtp = tp[:n - 1] - tp[1:]
        p = tp + fp
        dp = p[:n - 1] - p[1:]
        slope = math.divide_no_nan(dtp, math.maximum(dp, 0.0))
        intercept = tp[1:] - slope * p[1:]
        both = math.logical_and(p[:n - 1] > 0.0, p[1:] > 0.0)
        ratio = math.where(both, math.divide_no_nan(p[:n - 1], math.maximum(p[1:], 0.0)),
                           array.ones_like(p[1:]))
        return math.divide_no_nan(slope * (dtp + intercept * math.log(ratio)),
                                  math.maximum(tp[1:] + fn[1:], 0.0))

    def _average(self, pieces):
        if not self.multi_label:
            return reduce.reduce_sum(pieces)
        by_label = reduce.reduce_sum(pieces, axis=0)
        if self.label_weights is None:
            return reduce.reduce_mean(by_label)
        weights = convert_to_tensor(self.label_weights)
        return math.divide_no_nan(reduce.reduce_sum(by_label * weights),
                                  reduce.reduce_sum(weights))

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        label_weights = None if self.label_weights is None else \
            self.label_weights.tolist()
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": label_weights, "from_logits": self._from_logits}
        if self._given_thresholds is not None:
            config["thresholds"] = list(self._given_thresholds)
        return config


def _check_curve(curve):
    key = str(curve).upper()
    if key not in ("ROC", "PR"):
        raise ValueError(f"Invalid AUC curve value: \"{curve}\". Expected values are "
                         "[\"PR\", \"ROC\"]")
    return key


def _check_method(method):
    key = str(method).lower()
    if key not in ("interpolation", "majoring", "minoring"):
        raise ValueError(f"Invalid AUC summation method value: \"{method}\". Expected "
                         "values are [\"interpolation\", \"majoring\", \"minoring\"]")
    return key
