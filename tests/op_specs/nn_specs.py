"""Op-spec rows for engine/ops/nn.py and engine/ops/nn_xent.py (tf.nn)."""

import math as pymath

import numpy as np

from eager.tape import GradientTape
from engine.ops import nn
from tests.op_specs.spec import Spec

SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def _f64(fn):
    """A numpy reference computed in float64 and returned in the first input's dtype."""
    def ref(*xs):
        dtype = xs[0].dtype
        wide = [x.astype(np.float64) if x.dtype.kind == "f" else x for x in xs]
        out = fn(*wide)
        if isinstance(out, tuple):
            return tuple(np.asarray(o).astype(dtype) for o in out)
        return np.asarray(out).astype(dtype)
    return ref


_erf = np.vectorize(pymath.erf, otypes=[np.float64])
_erfc = np.vectorize(pymath.erfc, otypes=[np.float64])


def _softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    s = x - np.max(x, axis=axis, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))


def _softplus(x):
    return np.logaddexp(x, 0)


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))


def _fixed(*arrays):
    return lambda rng: [np.asarray(a) for a in arrays]


EXTREME = np.array([-1000.0, -30.0, -2.5, -0.3, 0.4, 2.5, 30.0, 1000.0], np.float32)

SPECS = []

# ---------------------------------------------------------------- activations --------
_ACT = [
    ("relu", nn.relu, lambda x: np.maximum(x, 0), (-2, 2), False),
    ("relu6", nn.relu6, lambda x: np.clip(x, 0, 6), (-2, 8), False),
    ("leaky_relu", nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x), (-2, 2), False),
    ("elu", nn.elu, lambda x: np.where(x < 0, np.expm1(np.minimum(x, 0)), x), (-3, 2), True),
    ("selu", nn.selu,
     lambda x: SELU_SCALE * np.where(x < 0, SELU_ALPHA * np.expm1(np.minimum(x, 0)), x),
     (-3, 2), True),
    ("softplus", nn.softplus, _softplus, (-6, 6), True),
    ("softsign", nn.softsign, lambda x: x / (1 + np.abs(x)), (-3, 3), True),
    ("erf", nn.erf, _erf, (-3.5, 3.5), True),
    ("erfc", nn.erfc, _erfc, (-3.5, 3.5), True),
    ("gelu", nn.gelu, lambda x: 0.5 * x * _erfc(-x / np.sqrt(2)), (-4, 4), True),
    ("gelu_approximate", lambda x: nn.gelu(x, approximate=True), _gelu_tanh, (-4, 4), True),
]
for _name, _fn, _ref, _domain, _grad2 in _ACT:
    SPECS += [
        Spec(_name, fn=_fn, ref=_f64(_ref), shapes=[(3, 4)], domain=_domain, grad2=_grad2),
        Spec(f"{_name}_float64", fn=_fn, ref=_f64(_ref), shapes=[(2, 3, 2)],
             dtype="float64", domain=_domain, grad=False, rtol=1e-12, atol=1e-14),
        Spec(f"{_name}_scalar", fn=_fn, ref=_f64(_ref), shapes=[()], domain=_domain),
        Spec(f"{_name}_empty", fn=_fn, ref=_f64(_ref), shapes=[(0, 3)], grad=False),
        Spec(f"{_name}_extreme", fn=_fn, ref=_f64(_ref), shapes=[(8,)],
             inputs=_fixed(EXTREME), grad=_name != "relu6"),
    ]

SPECS += [
    Spec("relu_int32", fn=nn.relu, ref=lambda x: np.maximum(x, 0), shapes=[(2, 5)],
         dtype="int32", domain=(-5, 5), grad=False),
    Spec("relu6_int64", fn=nn.relu6, ref=lambda x: np.clip(x, 0, 6), shapes=[(9,)],
         dtype="int64", domain=(-3, 10), grad=False),
    Spec("relu6_kinks", fn=nn.relu6, ref=lambda x: np.clip(x, 0, 6), shapes=[(6,)],
         inputs=_fixed(np.array([-1.0, 0.5, 3.0, 5.5, 6.5, 100.0], np.float32))),
    Spec("leaky_relu_alpha", fn=lambda x: nn.leaky_relu(x, alpha=0.05),
         ref=_f64(lambda x: np.where(x > 0, x, 0.05 * x)), shapes=[(4, 3)], grad2=True),
    Spec("leaky_relu_int_to_float32", fn=nn.leaky_relu,
         ref=lambda x: np.where(x > 0, x, 0.2 * x).astype(np.float32), shapes=[(6,)],
         dtype="int32", domain=(-5, 5), grad=False),
    Spec("erf_tails", fn=nn.erf, ref=_f64(_erf), shapes=[(9,)], dtype="float64",
         rtol=1e-13, atol=0,
         inputs=_fixed(np.array([-40.0, -6.0, -2.0, -1e-9, 0.0, 0.1, 1.999, 2.001, 27.0]))),
    Spec("erfc_tails", fn=nn.erfc, ref=_f64(_erfc), shapes=[(9,)], dtype="float64",
         rtol=1e-12, atol=0,
         inputs=_fixed(np.array([-40.0, -6.0, -2.0, -1e-9, 0.0, 0.1, 1.999, 2.001, 26.0]))),
]

# ---------------------------------------------------------------- softmax ------------
for _name, _fn, _np in (("softmax", nn.softmax, _softmax),
                        ("log_softmax", nn.log_softmax, _log_softmax)):
    SPECS += [
        Spec(_name, fn=_fn, ref=_f64(_np), shapes=[(4, 5)], grad2=True),
        Spec(f"{_name}_vector", fn=_fn, ref=_f64(_np), shapes=[(6,)], grad2=True),
        Spec(f"{_name}_rank3", fn=_fn, ref=_f64(_np), shapes=[(2, 3, 4)]),
        Spec(f"{_name}_axis0", fn=lambda x, f=_fn: f(x, axis=0),
             ref=_f64(lambda x, r=_np: r(x, axis=0)), shapes=[(3, 4)], grad2=True),
        Spec(f"{_name}_axis1_of_3", fn=lambda x, f=_fn: f(x, axis=1),
             ref=_f64(lambda x, r=_np: r(x, axis=1)), shapes=[(2, 3, 4)]),
        Spec(f"{_name}_axis_neg2", fn=lambda x, f=_fn: f(x, axis=-2),
             ref=_f64(lambda x, r=_np: r(x, axis=-2)), shapes=[(2, 3, 4)]),
        Spec(f"{_name}_axis_last_positive", fn=lambda x, f=_fn: f(x, axis=2),
             ref=_f64(lambda x, r=_np: r(x, axis=2)), shapes=[(2, 3, 4)]),
        Spec(f"{_name}_empty_rows", fn=_fn, ref=_f64(_np), shapes=[(0, 3)], grad=False),
        Spec(f"{_name}_no_classes", fn=_fn, ref=lambda x: x.copy(), shapes=[(2, 0)],
             grad=False),
        Spec(f"{_name}_float64", fn=_fn, ref=_f64(_np), shapes=[(3, 5)], dtype="float64",
             grad=False, rtol=1e-12, atol=1e-14),
        Spec(f"{_name}_huge_logits", fn=_fn, ref=_f64(_np), shapes=[(2, 3)],
             inputs=_fixed(np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 999.0]],
                                    np.float32))),
    ]

# ---------------------------------------------------------------- bias_add -----------


def _bias_ref(axis):
    def ref(x, b):
        shape = [1] * x.ndim
        shape[axis] = -1
        return x + b.reshape(shape)
    return ref


def _bias_grad_of_squares(x, b):
    """The bias gradient sum(x ** 2) over non-channel axes, via a tape (BiasAddGrad)."""
    with GradientTape() as tape:
        tape.watch(b)
        y = nn.bias_add(x, b)
    return tape.gradient(y, b, output_gradients=x * x)


SPECS += [
    Spec("bias_add", fn=nn.bias_add, ref=_bias_ref(-1), shapes=[(4, 3), (3,)], grad2=True),
    Spec("bias_add_rank4", fn=nn.bias_add, ref=_bias_ref(-1), shapes=[(2, 3, 2, 5), (5,)]),
    Spec("bias_add_nchw", fn=lambda x, b: nn.bias_add(x, b, data_format="NCHW"),
         ref=_bias_ref(1), shapes=[(2, 3, 4, 2), (3,)]),
    Spec("bias_add_ncw", fn=lambda x, b: nn.bias_add(x, b, data_format="NCW"),
         ref=_bias_ref(1), shapes=[(2, 3, 4), (3,)]),
    Spec("bias_add_nchw_matrix_uses_last", fn=lambda x, b: nn.bias_add(x, b, "NCHW"),
         ref=_bias_ref(-1), shapes=[(2, 3), (3,)]),
    Spec("bias_add_nwc", fn=lambda x, b: nn.bias_add(x, b, data_format="NWC"),
         ref=_bias_ref(-1), shapes=[(2, 4, 3), (3,)]),
    Spec("bias_add_int32", fn=nn.bias_add, ref=_bias_ref(-1), shapes=[(3, 4), (4,)],
         dtype="int32", domain=(-9, 9), grad=False),
    Spec("bias_add_empty_batch", fn=nn.bias_add, ref=_bias_ref(-1), shapes=[(0, 3), (3,)]),
    Spec("bias_add_grad_grad", fn=_bias_grad_of_squares,
         ref=lambda x, b: np.sum(x * x, axis=(0, 1)), shapes=[(2, 3, 4), (4,)],
         graph=False),  # fn uses a tape
]

# ---------------------------------------------------------------- cross entropy ------


def _sigmoid_xent(z, x):
    return np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))


def _distributions(logits_shape, labels_shape=None, extreme=False):
    """(labels, logits) with labels summing to 1 on the last axis (TF's gradient assumes
    it: the logits gradient is softmax(logits) - labels)."""
    def make(rng):
        logits = rng.uniform(-3, 3, logits_shape).astype(np.float32)
        if extreme:
            logits = logits * 400
        raw = rng.uniform(0.1, 1.0, labels_shape or logits_shape)
        return [(raw / raw.sum(-1, keepdims=True)).astype(np.float32), logits]
    return make


def _xent_ref(axis=-1):
    return _f64(lambda z, x: -np.sum(z * _log_softmax(x, axis), axis=axis))


def _sparse_inputs(shape, classes):
    def make(rng):
        return [rng.uniform(-3, 3, shape + (classes,)).astype(np.float32),
                rng.integers(0, classes, shape).astype(np.int32)]
    return make


def _sparse_ref(x, labels):
    logp = _log_softmax(x.astype(np.float64))
    picked = np.take_along_axis(logp, labels[..., None].astype(np.int64), -1)[..., 0]
    return (-picked).astype(x.dtype)


_LABELS_2x5 = np.array([[0.1, 0.2, 0.3, 0.15, 0.25], [0.5, 0.0, 0.0, 0.5, 0.0]], np.float32)

SPECS += [
    Spec("sigmoid_xent", fn=lambda z, x: nn.sigmoid_cross_entropy_with_logits(z, x),
         ref=_f64(_sigmoid_xent), shapes=[(3, 4), (3, 4)], dtype="float32",
         inputs=lambda rng: [rng.uniform(0, 1, (3, 4)).astype(np.float32),
                             rng.uniform(-5, 5, (3, 4)).astype(np.float32)], grad2=True),
    Spec("sigmoid_xent_extreme",
         fn=lambda z, x: nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
         ref=_f64(_sigmoid_xent), shapes=[(8,), (8,)],
         inputs=_fixed(np.linspace(0, 1, 8).astype(np.float32), EXTREME)),
    Spec("sigmoid_xent_empty", fn=lambda z, x: nn.sigmoid_cross_entropy_with_logits(z, x),
         ref=_f64(_sigmoid_xent), shapes=[(0, 2), (0, 2)], grad=False),
    Spec("softmax_xent", fn=lambda z, x: nn.softmax_cross_entropy_with_logits(z, x),
         ref=_xent_ref(), shapes=[(4, 5), (4, 5)], inputs=_distributions((4, 5))),
    Spec("softmax_xent_vector", fn=lambda z, x: nn.softmax_cross_entropy_with_logits(z, x),
         ref=_xent_ref(), shapes=[(5,), (5,)], inputs=_distributions((5,))),
    Spec("softmax_xent_rank3", fn=lambda z, x: nn.softmax_cross_entropy_with_logits(z, x),
         ref=_xent_ref(), shapes=[(2, 3, 4), (2, 3, 4)], inputs=_distributions((2, 3, 4))),
    Spec("softmax_xent_axis0",
         fn=lambda z, x: nn.softmax_cross_entropy_with_logits(z, x, axis=0),
         ref=_xent_ref(0), shapes=[(3, 4), (3, 4)],
         inputs=lambda rng: [np.swapaxes(a, 0, 1)
                             for a in _distributions((4, 3))(rng)]),
    Spec("softmax_xent_axis1_of_3",
         fn=lambda z, x: nn.softmax_cross_entropy_with_logits(z, x, axis=1),
         ref=_xent_ref(1), shapes=[(2, 3, 4), (2, 3, 4)],
         inputs=lambda rng: [np.moveaxis(a, -1, 1) for a in _distributions((2, 4, 3))(rng)]),
    Spec("softmax_xent_broadcast_labels",
         fn=lambda z, x: nn.softmax_cross_entropy_with_logits(z, x),
         ref=_xent_ref(), shapes=[(1, 5), (4, 5)], inputs=_distributions((4, 5), (1, 5))),
    Spec("softmax_xent_huge_logits",
         fn=lambda z, x: nn.softmax_cross_entropy_with_logits(z, x),
         ref=_xent_ref(), shapes=[(3, 4), (3, 4)], rtol=1e-5, atol=1e-3,
         inputs=_distributions((3, 4), extreme=True)),
    Spec("softmax_xent_float64", fn=lambda z, x: nn.softmax_cross_entropy_with_logits(z, x),
         ref=_xent_ref(), shapes=[(3, 4), (3, 4)], grad=False, rtol=1e-12, atol=1e-13,
         inputs=lambda rng: [a.astype(np.float64) for a in _distributions((3, 4))(rng)]),
    # Labels held constant (they sum to 1): second derivatives through the fused op.
    Spec("softmax_xent_logits_only",
         fn=lambda x: nn.softmax_cross_entropy_with_logits(_LABELS_2x5, x),
         ref=lambda x: _xent_ref()(_LABELS_2x5, x).astype(x.dtype), shapes=[(2, 5)],
         grad2=True),
    Spec("sparse_xent", fn=lambda x, y: nn.sparse_softmax_cross_entropy_with_logits(y, x),
         ref=_sparse_ref, shapes=[(4, 5), (4,)], inputs=_sparse_inputs((4,), 5), grad2=True),
    Spec("sparse_xent_rank3",
         fn=lambda x, y: nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
         ref=_sparse_ref, shapes=[(2, 3, 4), (2, 3)], inputs=_sparse_inputs((2, 3), 4)),
    Spec("sparse_xent_vector",
         fn=lambda x, y: nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
         ref=_sparse_ref, shapes=[(5,), ()], inputs=_sparse_inputs((), 5)),
    Spec("sparse_xent_int64_labels",
         fn=lambda x, y: nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
         ref=_sparse_ref, shapes=[(3, 4), (3,)],
         inputs=lambda rng: [a.astype(np.int64) if a.dtype.kind == "i" else a
                             for a in _sparse_inputs((3,), 4)(rng)]),
    Spec("sparse_xent_empty_batch",
         fn=lambda x, y: nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
         ref=_sparse_ref, shapes=[(0, 4), (0,)], inputs=_sparse_inputs((0,), 4), grad=False),
    Spec("sparse_xent_huge_logits",
         fn=lambda x, y: nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
         ref=_sparse_ref, shapes=[(2, 3), (2,)],
         inputs=_fixed(np.array([[1000.0, 0.0, -1000.0], [5.0, 1000.0, 999.0]], np.float32),
                       np.array([1, 2], np.int32))),
]

# ---------------------------------------------------------------- l2, moments --------


def _l2_normalize_ref(axis):
    def ref(x):
        sq = np.sum(x * x, axis=axis, keepdims=True)
        return x / np.sqrt(np.maximum(sq, 1e-12))
    return ref


def _moments_ref(axes, keepdims=False):
    def ref(x):
        mean = np.mean(x, axis=tuple(axes), keepdims=True)
        var = np.mean((x - mean) ** 2, axis=tuple(axes), keepdims=keepdims)
        return (mean if keepdims else np.squeeze(mean, tuple(axes))), var
    return ref


SPECS += [
    Spec("l2_loss", fn=nn.l2_loss, ref=_f64(lambda x: np.sum(x * x) / 2), shapes=[(3, 4)],
         grad2=True),
    Spec("l2_loss_scalar", fn=nn.l2_loss, ref=_f64(lambda x: x * x / 2), shapes=[()]),
    Spec("l2_loss_empty", fn=nn.l2_loss, ref=_f64(lambda x: np.sum(x * x) / 2),
         shapes=[(0, 3)], grad=False),
    Spec("l2_loss_float64", fn=nn.l2_loss, ref=_f64(lambda x: np.sum(x * x) / 2),
         shapes=[(5,)], dtype="float64", grad=False, rtol=1e-13),
    Spec("l2_normalize_all", fn=nn.l2_normalize, ref=_f64(_l2_normalize_ref(None)),
         shapes=[(3, 4)], grad2=True),
    Spec("l2_normalize_axis1", fn=lambda x: nn.l2_normalize(x, axis=1),
         ref=_f64(_l2_normalize_ref(1)), shapes=[(3, 4)]),
    Spec("l2_normalize_axes", fn=lambda x: nn.l2_normalize(x, axis=[0, -1]),
         ref=_f64(_l2_normalize_ref((0, 2))), shapes=[(2, 3, 2)]),
    Spec("l2_normalize_zero_row", fn=lambda x: nn.l2_normalize(x, axis=-1),
         ref=_f64(_l2_normalize_ref(-1)), shapes=[(2, 2)], grad=False,
         inputs=_fixed(np.array([[3.0, 4.0], [0.0, 0.0]], np.float32))),
    Spec("moments_axis0", fn=lambda x: nn.moments(x, axes=[0]),
         ref=_f64(_moments_ref([0])), shapes=[(5, 3)]),  # no grad2: stop_gradient, as TF
    Spec("moments_all_keepdims", fn=lambda x: nn.moments(x, [0, 1], keepdims=True),
         ref=_f64(_moments_ref([0, 1], True)), shapes=[(4, 3)]),
    Spec("moments_batch_norm_axes", fn=lambda x: nn.moments(x, axes=[0, 1, 2]),
         ref=_f64(_moments_ref([0, 1, 2])), shapes=[(2, 3, 2, 4)]),
    Spec("moments_float64", fn=lambda x: nn.moments(x, axes=[1]),
         ref=_f64(_moments_ref([1])), shapes=[(3, 6)], dtype="float64", grad=False,
         rtol=1e-12),
    Spec("dropout_rate_zero_is_identity", fn=lambda x: nn.dropout(x, 0.0),
         ref=lambda x: x, shapes=[(3, 4)]),
]
