"""tf.keras.losses and tf.keras.metrics against numpy: every loss (Keras's epsilon
clipping, from_logits, label smoothing, ignore_class), every reduction and sample-weight
shape; every metric streamed over weighted batches, reset, and rebuilt from its config;
Precision / Recall / AUC against numpy confusion counts and values recorded from
TensorFlow 2.21; "accuracy" resolved from shapes as Keras 2's compile does."""

import numpy as np
import pytest

import twinflow as tf
from twinflow import keras

EPS = np.float32(1e-7)
RNG = np.random.default_rng(3)
P = RNG.uniform(0.02, 0.98, (6, 4)).astype(np.float32)          # probabilities
T = RNG.uniform(0.02, 0.98, (6, 4)).astype(np.float32)          # soft targets
BIN = (RNG.uniform(size=(6, 4)) > 0.5).astype(np.float32)      # 0/1 labels
X = RNG.normal(size=(6, 4)).astype(np.float32)                  # logits / scores
ONEHOT = np.eye(4, dtype=np.float32)[[0, 3, 1, 2, 2, 0]]
LABELS = np.array([0, 3, 1, 2, 2, 0])
W = np.array([1.0, 0.5, 2.0, 0.0, 1.5, 1.0], np.float32)


def _f64(a):
    return a if a.dtype.kind == "i" else a.astype(np.float64)


def _clip(p):
    return np.clip(p, EPS, 1 - EPS)


def _log_softmax(x):
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def _signed(t):
    return 2 * t - 1 if np.isin(t, (0, 1)).all() else t


def _l2n(x):
    return x / np.sqrt(np.maximum((x * x).sum(-1, keepdims=True), 1e-12))


def _huber(t, p, d=1.0):
    e = np.abs(p - t)
    return np.where(e <= d, 0.5 * e * e, d * e - 0.5 * d * d).mean(-1)


# (loss class, kwargs, y_true, y_pred, numpy per-example reference)
LOSSES = [
    ("MeanSquaredError", {}, T, P, lambda t, p: ((p - t) ** 2).mean(-1)),
    ("MeanAbsoluteError", {}, T, P, lambda t, p: np.abs(p - t).mean(-1)),
    ("MeanAbsolutePercentageError", {}, T, P,
     lambda t, p: 100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1)),
    ("MeanSquaredLogarithmicError", {}, T, P,
     lambda t, p: ((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2
                   ).mean(-1)),
    ("BinaryCrossentropy", {}, BIN, P,
     lambda t, p: -(t * np.log(_clip(p) + EPS) + (1 - t) * np.log(1 - _clip(p) + EPS)
                    ).mean(-1)),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, BIN, X,
     lambda t, x: (np.maximum(x, 0) - x * (t * 0.8 + 0.1) + np.log1p(np.exp(-np.abs(x)))
                   ).mean(-1)),
    ("CategoricalCrossentropy", {}, ONEHOT, P,
     lambda t, p: -(t * np.log(_clip(p / p.sum(-1, keepdims=True)))).sum(-1)),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, ONEHOT, X,
     lambda t, x: -((t * 0.9 + 0.1 / 4) * _log_softmax(x)).sum(-1)),
    ("SparseCategoricalCrossentropy", {}, LABELS, P,
     lambda t, p: -np.log(_clip(p)[np.arange(6), t] / _clip(p).sum(-1))),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, LABELS[:, None], X,
     lambda t, x: -_log_softmax(x)[np.arange(6), t[:, 0]]),
    ("Huber", {"delta": 0.5}, T, X, lambda t, p: _huber(t, p, 0.5)),
    ("KLDivergence", {}, T, P,
     lambda t, p: (np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / np.clip(p, EPS, 1))
                   ).sum(-1)),
    ("CosineSimilarity", {}, T, X, lambda t, p: -(_l2n(t) * _l2n(p)).sum(-1)),
    ("Hinge", {}, BIN, X, lambda t, p: np.maximum(1 - _signed(t) * p, 0).mean(-1)),
    ("SquaredHinge", {}, BIN, X, lambda t, p: np.maximum(1 - _signed(t) * p, 0).__pow__(2)
     .mean(-1)),
    ("CategoricalHinge", {}, ONEHOT, X,
     lambda t, p: np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0)),
    ("LogCosh", {}, T, X, lambda t, p: np.log(np.cosh(p - t)).mean(-1)),
    ("Poisson", {}, T, P, lambda t, p: (p - t * np.log(p + EPS)).mean(-1)),
]


@pytest.mark.parametrize("name,kwargs,y_true,y_pred,ref", LOSSES,
                         ids=[f"{row[0]}{'-' + ','.join(row[1]) if row[1] else ''}"
                              for row in LOSSES])
def test_every_loss_and_reduction_against_numpy(name, kwargs, y_true, y_pred, ref):
    per = ref(_f64(y_true), y_pred.astype(np.float64))
    cls = getattr(keras.losses, name)
    tol = dict(rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(cls(**kwargs)(y_true, y_pred).numpy(), per.mean(), **tol)
    np.testing.assert_allclose(cls(reduction="sum", **kwargs)(y_true, y_pred).numpy(),
                               per.sum(), **tol)
    none = cls(reduction="none", **kwargs)(y_true, y_pred).numpy()
    assert none.dtype == np.float32 and none.shape == (6,)
    np.testing.assert_allclose(none, per, **tol)
    for weight in (W, W[:, None], np.float32(2.5)):  # [B], [B, 1] and scalar weights
        np.testing.assert_allclose(cls(**kwargs)(y_true, y_pred, sample_weight=weight),
                                   (per * np.ravel(weight)).sum() / 6, **tol)
    config = cls(**kwargs).get_config()
    assert keras.losses.deserialize(keras.losses.serialize(cls(**kwargs))).get_config() == \
        config


def test_loss_shapes_names_and_errors():
    mse = keras.losses.MeanSquaredError()
    y, p = np.array([1.0, 2.0, 3.0], np.float32), np.array([[1.5], [2.0], [2.0]], np.float32)
    np.testing.assert_allclose(mse(y, p), (0.25 + 1) / 3, rtol=1e-6)  # [B, 1] squeezed
    seq = RNG.normal(size=(2, 3, 4)).astype(np.float32)  # per-step losses, [B] weights
    got = keras.losses.MeanSquaredError()(seq, seq * 2, sample_weight=[1.0, 3.0])
    per = (seq ** 2).mean(-1) * np.array([[1.0], [3.0]])
    np.testing.assert_allclose(got, per.sum() / 6, rtol=1e-6)
    np.testing.assert_allclose(keras.losses.mse(T, P), ((P - T) ** 2).mean(-1), rtol=1e-6)
    ignore = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2)
    ref = -_log_softmax(X)[np.arange(6), LABELS]
    np.testing.assert_allclose(ignore(LABELS, X), ref[LABELS != 2].mean(), rtol=1e-6)
    np.testing.assert_allclose(keras.losses.sparse_categorical_crossentropy(
        LABELS, X, from_logits=True, ignore_class=2), np.where(LABELS == 2, 0, ref), rtol=1e-6)
    for name in ("mse", "mae", "mape", "msle", "kld", "huber", "logcosh", "hinge", "poisson",
                 "MeanSquaredError", "CategoricalHinge"):
        assert isinstance(keras.losses.get(name), keras.losses.Loss)
    assert type(keras.losses.Huber()).__name__ == "Huber"
    assert keras.losses.Huber().name == "huber_loss"
    with pytest.raises(ValueError, match="Invalid Reduction Key: mean. Expected keys are"):
        keras.losses.MeanSquaredError(reduction="mean")
    with pytest.raises(ValueError, match="Unknown loss function: 'nope'"):
        keras.losses.get("nope")
    with pytest.raises(ValueError, match="Could not interpret loss function identifier"):
        keras.losses.get(3)


def test_compiled_loss_matches_keras2_rank_rule():
    """y [B] against predictions [B, 1]: compile gives y a trailing axis, so the loss is
    per example (not the [B, B] broadcast), and [B] sample weights follow."""
    keras.backend.clear_session()
    tf.random.set_seed(0)
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(4,))])
    model.compile("sgd", "mse")
    x, y = X[:, :4], np.arange(6, dtype=np.float32)
    pred = model.predict(x, verbose=0)[:, 0]
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), ((pred - y) ** 2).mean(),
                               rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(x, y, sample_weight=W, verbose=0),
                               ((pred - y) ** 2 * W).sum() / 6, rtol=1e-6)


# ------------------------------------------------------------------ metrics ---------------

def _acc_binary(t, p):
    return ((p > 0.5) == t).mean(-1)


def _topk(scores, labels, k):
    rank = (scores > scores[np.arange(len(labels)), labels][:, None]).sum(-1)
    return (rank < k).astype(np.float64)


# (metric factory, y_true, y_pred, numpy per-example reference)
METRICS = [
    (lambda: keras.metrics.Accuracy(), LABELS, np.array([0, 3, 2, 2, 1, 0]),
     lambda t, p: (t == p).astype(float)),
    (lambda: keras.metrics.BinaryAccuracy(), BIN, P, _acc_binary),
    (lambda: keras.metrics.BinaryAccuracy(threshold=0.7), BIN, P,
     lambda t, p: ((p > 0.7) == t).mean(-1)),
    (lambda: keras.metrics.CategoricalAccuracy(), ONEHOT, P,
     lambda t, p: (t.argmax(-1) == p.argmax(-1)).astype(float)),
    (lambda: keras.metrics.SparseCategoricalAccuracy(), LABELS[:, None], P,
     lambda t, p: (t[:, 0] == p.argmax(-1)).astype(float)),
    (lambda: keras.metrics.TopKCategoricalAccuracy(k=2), ONEHOT, X,
     lambda t, p: _topk(p, t.argmax(-1), 2)),
    (lambda: keras.metrics.SparseTopKCategoricalAccuracy(k=2), LABELS, X,
     lambda t, p: _topk(p, t, 2)),
    (lambda: keras.metrics.MeanSquaredError(), T, P, lambda t, p: ((p - t) ** 2).mean(-1)),
    (lambda: keras.metrics.MeanAbsoluteError(), T, P, lambda t, p: np.abs(p - t).mean(-1)),
    (lambda: keras.metrics.MeanAbsolutePercentageError(), T, P, LOSSES[2][4]),
    (lambda: keras.metrics.MeanSquaredLogarithmicError(), T, P, LOSSES[3][4]),
    (lambda: keras.metrics.BinaryCrossentropy(), BIN, P, LOSSES[4][4]),
    (lambda: keras.metrics.CategoricalCrossentropy(), ONEHOT, P, LOSSES[6][4]),
    (lambda: keras.metrics.SparseCategoricalCrossentropy(from_logits=True), LABELS[:, None],
     X, LOSSES[9][4]),
    (lambda: keras.metrics.KLDivergence(), T, P, LOSSES[11][4]),
    (lambda: keras.metrics.CosineSimilarity(), T, X, lambda t, p: (_l2n(t) * _l2n(p)).sum(-1)),
    (lambda: keras.metrics.Hinge(), BIN, X, LOSSES[13][4]),
    (lambda: keras.metrics.SquaredHinge(), BIN, X, LOSSES[14][4]),
    (lambda: keras.metrics.CategoricalHinge(), ONEHOT, X, LOSSES[15][4]),
    (lambda: keras.metrics.LogCoshError(), T, X, LOSSES[16][4]),
    (lambda: keras.metrics.Poisson(), T, P, LOSSES[17][4]),
]


@pytest.mark.parametrize("make,y_true,y_pred,ref", METRICS,
                         ids=[f"metric{i}" for i in range(len(METRICS))])
def test_every_mean_metric_streams_weights_and_resets(make, y_true, y_pred, ref):
    metric = make()
    per = ref(_f64(y_true), _f64(y_pred))
    metric.update_state(y_true[:4], y_pred[:4], sample_weight=W[:4])
    metric.update_state(y_true[4:], y_pred[4:], sample_weight=W[4:])
    np.testing.assert_allclose(metric.result(), (per * W).sum() / W.sum(), rtol=2e-6,
                               atol=1e-6)
    metric.reset_state()
    assert float(metric.result()) == 0.0
    np.testing.assert_allclose(metric(y_true, y_pred), per.mean(), rtol=2e-6, atol=1e-6)
    clone = type(metric).from_config(metric.get_config())
    assert clone.get_config() == metric.get_config()


def test_reduce_metrics_and_rmse():
    mean, total = keras.metrics.Mean(), keras.metrics.Sum()
    values = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    mean.update_state(values, sample_weight=[1.0, 0.0])  # [B] weights expand over columns
    total.update_state(values, sample_weight=[[2.0], [1.0]])
    assert float(mean.result()) == 1.5 and float(total.result()) == 13.0
    rmse = keras.metrics.RootMeanSquaredError()
    rmse.update_state(T, P, sample_weight=W)
    np.testing.assert_allclose(rmse.result(), np.sqrt((((P - T) ** 2) * W[:, None]).sum() /
                                                      (W.sum() * 4)), rtol=1e-6)


# ------------------------------------------------------------------ confusion metrics -----

YT = np.array([0, 0, 1, 1, 0, 1, 1, 0], np.float32)
YP = np.array([0.1, 0.4, 0.35, 0.8, 0.65, 0.9, 0.2, 0.55], np.float32)
YW = np.array([1, 2, 1, 0.5, 1, 1, 3, 1], np.float32)


def _counts(yt, yp, thresholds, w):
    pos, pred = yt[None] != 0, yp[None] > np.asarray(thresholds, np.float32)[:, None]
    return {k: ((a & b) * w).sum(1) for k, (a, b) in {
        "tp": (pos, pred), "fp": (~pos, pred), "tn": (~pos, ~pred), "fn": (pos, ~pred)}.items()}


def _auc_thresholds(n):
    return [-1e-7] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1 + 1e-7]


def _numpy_auc(yt, yp, w, n, curve, method="interpolation"):
    c = _counts(yt, yp, _auc_thresholds(n), w)
    tp, fp, tn, fn = c["tp"], c["fp"], c["tn"], c["fn"]
    div = lambda a, b: np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)  # noqa: E731
    if curve == "PR" and method == "interpolation":  # Davis & Goadrich, as Keras
        dtp, p = tp[:-1] - tp[1:], tp + fp
        slope = div(dtp, np.maximum(p[:-1] - p[1:], 0))
        ratio = np.where((p[:-1] > 0) & (p[1:] > 0), div(p[:-1], np.maximum(p[1:], 0)), 1)
        return div(slope * (dtp + (tp[1:] - slope * p[1:]) * np.log(ratio)),
                   np.maximum(tp[1:] + fn[1:], 0)).sum()
    x, y = (div(fp, fp + tn), div(tp, tp + fn)) if curve == "ROC" else \
        (div(tp, tp + fn), div(tp, tp + fp))
    h = {"interpolation": (y[:-1] + y[1:]) / 2, "minoring": np.minimum(y[:-1], y[1:]),
         "majoring": np.maximum(y[:-1], y[1:])}[method]
    return ((x[:-1] - x[1:]) * h).sum()


def test_counts_precision_recall_against_numpy_and_tensorflow():
    counts = _counts(YT, YP, [0.5], YW)
    for cls, key in (("TruePositives", "tp"), ("FalsePositives", "fp"),
                     ("TrueNegatives", "tn"), ("FalseNegatives", "fn")):
        metric = getattr(keras.metrics, cls)()
        metric.update_state(YT, YP, sample_weight=YW)
        assert float(metric.result()) == counts[key][0]
    thresholds = [0.3, 0.5, 0.7]
    c = _counts(YT, YP, thresholds, YW)
    precision = keras.metrics.Precision(thresholds=thresholds)
    recall = keras.metrics.Recall(thresholds=thresholds)
    for metric in (precision, recall):
        metric.update_state(YT[:5], YP[:5], sample_weight=YW[:5])
        metric.update_state(YT[5:], YP[5:], sample_weight=YW[5:])
    np.testing.assert_allclose(precision.result(), c["tp"] / (c["tp"] + c["fp"]), rtol=1e-6)
    np.testing.assert_allclose(recall.result(), c["tp"] / (c["tp"] + c["fn"]), rtol=1e-6)
    # recorded from tf.keras.metrics (TensorFlow 2.21) on the same inputs
    np.testing.assert_allclose(precision.result(), [0.3846154, 0.42857143, 1.0], rtol=1e-6)
    np.testing.assert_allclose(recall.result(), [0.45454547, 0.27272728, 0.27272728], rtol=1e-6)
    precision.reset_state()
    assert precision.result().numpy().tolist() == [0.0, 0.0, 0.0]


def test_precision_recall_top_k_and_class_id():
    y = np.array([[0, 1, 1], [1, 0, 0], [0, 0, 1]], np.float32)
    p = np.array([[0.2, 0.9, 0.3], [0.6, 0.1, 0.7], [0.1, 0.2, 0.4]], np.float32)
    top = keras.metrics.Precision(top_k=1)
    top.update_state(y, p)  # row maxima: col 1 (right), col 2 (wrong), col 2 (right)
    np.testing.assert_allclose(top.result(), 2 / 3, rtol=1e-6)
    rec = keras.metrics.Recall(class_id=2)  # column 2 > 0.5: only row 1 (label 0)
    rec.update_state(y, p)
    assert float(rec.result()) == 0.0
    prec = keras.metrics.Precision(class_id=1)
    prec.update_state(y, p)
    assert float(prec.result()) == 1.0


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("method", ["interpolation", "minoring", "majoring"])
def test_auc_against_numpy(curve, method):
    for n in (200, 5):
        auc = keras.metrics.AUC(num_thresholds=n, curve=curve, summation_method=method)
        auc.update_state(YT[:3], YP[:3], sample_weight=YW[:3])
        auc.update_state(YT[3:], YP[3:], sample_weight=YW[3:])
        np.testing.assert_allclose(auc.result(), _numpy_auc(YT, YP, YW, n, curve, method),
                                   rtol=1e-5, atol=1e-7)


def test_auc_options_tensorflow_values_and_errors():
    recorded = {("ROC", 200): 0.418181836605072, ("ROC", 5): 0.40000003576278687,
                ("PR", 200): 0.6025137305259705, ("PR", 5): 0.5996137857437134}
    for (curve, n), value in recorded.items():  # tf.keras.metrics.AUC, TensorFlow 2.21
        auc = keras.metrics.AUC(num_thresholds=n, curve=curve)
        auc.update_state(YT, YP, sample_weight=YW)
        np.testing.assert_allclose(auc.result(), value, rtol=1e-6)
    auc = keras.metrics.AUC(num_thresholds=200)
    assert len(auc.thresholds) == 200 and auc.thresholds[0] == -1e-7
    logits = keras.metrics.AUC(from_logits=True)
    logits.update_state(YT, np.log(YP / (1 - YP)))
    np.testing.assert_allclose(logits.result(), _numpy_auc(YT, YP, 1.0, 200, "ROC"), rtol=1e-5)
    multi = keras.metrics.AUC(multi_label=True, label_weights=[1.0, 3.0])
    y2, p2 = np.stack([YT, 1 - YT], 1), np.stack([YP, YP[::-1]], 1)
    multi.update_state(y2, p2)
    per = [_numpy_auc(y2[:, i], p2[:, i], 1.0, 200, "ROC") for i in range(2)]
    np.testing.assert_allclose(multi.result(), (per[0] + 3 * per[1]) / 4, rtol=1e-5)
    given = keras.metrics.AUC(thresholds=[0.5, 0.3])
    assert given.num_thresholds == 4 and given.get_config()["thresholds"] == [0.3, 0.5]
    with pytest.raises(ValueError, match="must be an integer > 1. Received: num_thresholds=1"):
        keras.metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match='Invalid AUC curve value: "XY"'):
        keras.metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match='Invalid AUC summation method value: "mid"'):
        keras.metrics.AUC(summation_method="mid")
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]"):
        keras.metrics.Precision(thresholds=[0.5, 1.5])


# ------------------------------------------------------------------ compile resolution ----

@pytest.mark.parametrize("units,activation,loss,y,expected", [
    (1, keras.activations.sigmoid, "binary_crossentropy", (X[:, 0] > 0).astype(np.float32),
     "binary"),
    (1, None, "mse", (X[:, 0] > 0).astype(np.float32), "binary"),
    (4, "softmax", "sparse_categorical_crossentropy", LABELS, "sparse"),
    (4, "softmax", "sparse_categorical_crossentropy", LABELS[:, None], "sparse"),
    (4, "softmax", "categorical_crossentropy", ONEHOT, "categorical"),
    (4, None, "mse", ONEHOT, "categorical"),
])
def test_accuracy_string_resolves_from_shapes(units, activation, loss, y, expected):
    keras.backend.clear_session()
    tf.random.set_seed(1)
    model = keras.Sequential([keras.layers.Dense(units, activation=activation,
                                                 input_shape=(4,))])
    model.compile("sgd", loss, metrics=["accuracy", "acc"])
    _, accuracy, acc = model.evaluate(X, y, verbose=0)
    p = model.predict(X, verbose=0)
    want = {"binary": lambda: ((p > 0.5) == y.reshape(-1, 1)).mean(),
            "sparse": lambda: (p.argmax(-1) == y.ravel()).mean(),
            "categorical": lambda: (p.argmax(-1) == y.argmax(-1)).mean()}[expected]()
    assert accuracy == acc == pytest.approx(want)
    assert model.metrics_names == ["loss", "accuracy", "acc"]


def test_metric_lookup_by_name_and_errors():
    assert isinstance(keras.metrics.get("AUC"), keras.metrics.AUC)
    assert keras.metrics.get("Precision").name == "precision"
    mse = keras.metrics.get("mse")
    assert mse.name == "mse"
    assert isinstance(keras.metrics.deserialize(keras.metrics.serialize(
        keras.metrics.Recall(thresholds=0.3))), keras.metrics.Recall)
    with pytest.raises(ValueError, match="Unknown metric function: 'nope'"):
        keras.metrics.get("nope")
