"""Op-spec rows for engine/ops/reduce.py: reductions, scans, argmax/argmin."""

import numpy as np

from engine.ops import math as m
from engine.ops import reduce as r
from tests.op_specs.spec import Spec


def _keep(fn):
    """A numpy reference that keeps the input's dtype (numpy widens ints and bools)."""
    return lambda x: np.asarray(fn(x)).astype(x.dtype)


def _axes(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _int_mean(x, axis=None, keepdims=False):
    """TensorFlow's integer mean: a wide sum divided with truncation toward zero."""
    total = np.sum(x, axis=_axes(axis), dtype=np.int64, keepdims=keepdims)
    count = x.size // max(np.size(total), 1)
    return np.asarray(np.trunc(total / count)).astype(x.dtype)


def _exclusive(fn, identity):
    """Exclusive/reverse scans built from numpy's inclusive ones."""
    def ref(x, axis=0, reverse=False):
        y = np.flip(x, axis) if reverse else x
        out = np.moveaxis(fn(y, axis=axis, dtype=x.dtype), axis, 0)
        out = np.concatenate([np.full((1,) + out.shape[1:], identity, x.dtype), out[:-1]])
        out = np.moveaxis(out, 0, axis)
        return np.flip(out, axis) if reverse else out
    return ref


def _logsumexp(x, axis=None, keepdims=False):
    top = np.max(x, axis=_axes(axis), keepdims=True)
    out = np.log(np.sum(np.exp(x - top), axis=_axes(axis), keepdims=True)) + top
    return (out if keepdims else np.squeeze(out, _axes(axis))).astype(x.dtype)


def _ties(rng):
    return [np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [-1.0, 0.0, 5.0]], np.float32)]


# (name, twinflow reduce, numpy function, extra numpy kwargs)
_SUMLIKE = [("sum", r.reduce_sum, np.sum, True), ("prod", r.reduce_prod, np.prod, True),
            ("max", r.reduce_max, np.max, False), ("min", r.reduce_min, np.min, False)]
# (suffix, shape, axis, keepdims)
_CASES = [("all", (3, 4), None, False), ("ax1", (3, 4), 1, False),
          ("neg_keep", (2, 3, 4), -1, True), ("ax02", (2, 3, 4), [0, 2], False),
          ("ax02_keep", (2, 3, 4), [0, -1], True), ("none_keep", (2, 3), None, True),
          ("noaxes", (2, 3), [], False), ("scalar", (), None, False),
          ("vector", (5,), 0, False)]

SPECS = []
for _name, _fn, _np, _has_dtype in _SUMLIKE:
    for _suffix, _shape, _axis, _kd in _CASES:
        SPECS.append(Spec(
            f"reduce_{_name}_{_suffix}",
            fn=lambda x, f=_fn, a=_axis, k=_kd: f(x, a, keepdims=k),
            ref=lambda x, f=_np, a=_axis, k=_kd: _keep(
                lambda v: f(v, axis=_axes(a), keepdims=k))(x),
            shapes=[_shape], domain=(0.5, 2.0) if _name == "prod" else (-2.0, 2.0),
            grad2=_name in ("sum", "max") and _suffix in ("ax1", "ax02")))
    for _dt in ("int32", "int64", "uint8", "float64"):
        SPECS.append(Spec(
            f"reduce_{_name}_{_dt}", fn=lambda x, f=_fn: f(x, [0, 2]),
            ref=lambda x, f=_np: _keep(lambda v: f(v, axis=(0, 2)))(x),
            shapes=[(2, 3, 4)], dtype=_dt, domain=(0, 4), grad=_dt == "float64"))

SPECS += [
    # empty reductions: 0, 1, -inf, +inf, dtype lowest/largest, as TensorFlow
    Spec("reduce_sum_empty", fn=lambda x: r.reduce_sum(x, 0), ref=lambda x: x.sum(0),
         shapes=[(0, 3)]),
    Spec("reduce_prod_empty", fn=lambda x: r.reduce_prod(x, 0), ref=lambda x: x.prod(0),
         shapes=[(0, 3)]),
    Spec("reduce_max_empty", fn=lambda x: r.reduce_max(x, 0),
         ref=lambda x: np.full(3, -np.inf, np.float32), shapes=[(0, 3)], grad=False),
    Spec("reduce_min_empty_int", fn=lambda x: r.reduce_min(x, 0),
         ref=lambda x: np.full(3, 2 ** 31 - 1, np.int32), shapes=[(0, 3)], dtype="int32"),
    Spec("reduce_max_empty_uint8", fn=lambda x: r.reduce_max(x),
         ref=lambda x: np.uint8(0), shapes=[(0,)], dtype="uint8"),
    Spec("reduce_sum_keeps_empty_other_dim", fn=lambda x: r.reduce_sum(x, 1, keepdims=True),
         ref=lambda x: x.sum(1, keepdims=True), shapes=[(0, 3)]),
    Spec("reduce_sum_int8_wraps", fn=lambda x: r.reduce_sum(x), ref=lambda x: np.int8(-56),
         inputs=lambda rng: [np.array([100, 100], np.int8)]),
    Spec("reduce_sum_complex", fn=lambda x: r.reduce_sum(x, 1),
         ref=lambda x: x.sum(1), grad=False,
         inputs=lambda rng: [(rng.standard_normal((2, 3)) + 1j).astype(np.complex64)]),
    # mean: float, keepdims, negative axes, integer truncation, empty -> nan
    Spec("reduce_mean_all", fn=r.reduce_mean, ref=_keep(np.mean), shapes=[(3, 4)],
         grad2=True),
    Spec("reduce_mean_ax_neg_keep", fn=lambda x: r.reduce_mean(x, [-1, 0], keepdims=True),
         ref=lambda x: np.mean(x, (0, 2), keepdims=True), shapes=[(2, 3, 4)]),
    Spec("reduce_mean_ax1", fn=lambda x: r.reduce_mean(x, 1),
         ref=lambda x: np.mean(x, 1), shapes=[(4, 3, 2)], grad2=True),
    Spec("reduce_mean_int32", fn=lambda x: r.reduce_mean(x, 1),
         ref=lambda x: _int_mean(x, 1), shapes=[(4, 3)], dtype="int32", domain=(-9, 9)),
    Spec("reduce_mean_uint8_wide", fn=r.reduce_mean, ref=lambda x: _int_mean(x),
         inputs=lambda rng: [np.array([250, 250, 251], np.uint8)]),
    Spec("reduce_mean_empty_nan", fn=lambda x: r.reduce_mean(x, 0),
         ref=lambda x: np.full(3, np.nan, np.float32), shapes=[(0, 3)],
         grad=False),
    Spec("reduce_mean_empty_int_zero", fn=r.reduce_mean, ref=lambda x: np.int32(0),
         shapes=[(0,)], dtype="int32"),
    # max/min: ties, NaN propagates
    Spec("reduce_max_ties", fn=lambda x: r.reduce_max(x, 1), ref=lambda x: x.max(1),
         inputs=_ties, grad=False),
    Spec("reduce_min_nan", fn=r.reduce_min, ref=lambda x: np.float32(np.nan), grad=False,
         inputs=lambda rng: [np.array([1.0, np.nan, -3.0], np.float32)]),
    # second derivatives through the gradient functions themselves
    Spec("reduce_sum_square_grad2", fn=lambda x: r.reduce_sum(m.square(x), [0, 2]),
         ref=lambda x: np.sum(x * x, (0, 2)), shapes=[(2, 3, 4)], grad2=True),
    Spec("reduce_mean_square_grad2", fn=lambda x: r.reduce_mean(m.square(x), -1),
         ref=lambda x: np.mean(x * x, -1), shapes=[(3, 4)], grad2=True),
    Spec("reduce_max_squared_grad2", fn=lambda x: m.square(r.reduce_max(x, 0)),
         ref=lambda x: np.square(x.max(0)), shapes=[(4, 3)], grad2=True),
    Spec("reduce_min_cubed_grad2", fn=lambda x: m.pow(r.reduce_min(x, [1], keepdims=True), 3.0),
         ref=lambda x: x.min(1, keepdims=True) ** 3, shapes=[(4, 3)], grad2=True),
    # prod: zero-safe gradient (one zero, two zeros in a group), multi-axis, second order
    Spec("reduce_prod_one_zero", fn=lambda x: r.reduce_prod(x, 1), ref=lambda x: x.prod(1),
         inputs=lambda rng: [np.array([[1.5, 0.0, -2.0], [0.5, 2.0, 3.0]], np.float32)]),
    Spec("reduce_prod_two_zeros", fn=lambda x: r.reduce_prod(x, [0, 1]),
         ref=lambda x: x.prod((0, 1)),
         inputs=lambda rng: [np.array([[1.5, 0.0], [0.0, 2.0], [1.0, 3.0]], np.float32)]),
    Spec("reduce_prod_zero_multi_axis", fn=lambda x: r.reduce_prod(x, [2, 0]),
         ref=lambda x: x.prod((0, 2)),
         inputs=lambda rng: [np.where(rng.random((2, 3, 2)) < 0.2, 0.0,
                                      rng.uniform(0.5, 2, (2, 3, 2))).astype(np.float32)]),
    Spec("reduce_prod_grad2", fn=lambda x: r.reduce_prod(x, [0, 1]),
         ref=lambda x: x.prod((0, 1)), shapes=[(2, 3, 2)], domain=(0.5, 1.5), grad2=True),
    # any / all
    Spec("reduce_any_ax1", fn=lambda x: r.reduce_any(x, 1), ref=lambda x: x.any(1),
         shapes=[(4, 3)], dtype="bool", grad=False),
    Spec("reduce_all_keep", fn=lambda x: r.reduce_all(x, -1, keepdims=True),
         ref=lambda x: x.all(-1, keepdims=True), shapes=[(4, 2)], dtype="bool", grad=False),
    Spec("reduce_any_empty", fn=r.reduce_any, ref=lambda x: np.bool_(False), shapes=[(0,)],
         dtype="bool", grad=False),
    Spec("reduce_all_empty", fn=r.reduce_all, ref=lambda x: np.bool_(True), shapes=[(0, 2)],
         dtype="bool", grad=False),
    # euclidean norm
    Spec("reduce_euclidean_norm_ax1", fn=lambda x: r.reduce_euclidean_norm(x, 1),
         ref=lambda x: np.sqrt(np.sum(x * x, 1)), shapes=[(3, 4)]),
    Spec("reduce_euclidean_norm_keep", fn=lambda x: r.reduce_euclidean_norm(x, None, True),
         ref=lambda x: np.sqrt(np.sum(x * x, keepdims=True)), shapes=[(2, 3)]),
    Spec("reduce_euclidean_norm_int", fn=r.reduce_euclidean_norm, ref=lambda x: np.int32(5),
         inputs=lambda rng: [np.array([3, 4, 1], np.int32)]),
    # composites
    Spec("reduce_logsumexp_all", fn=r.reduce_logsumexp, ref=_logsumexp, shapes=[(3, 4)],
         grad2=True),
    Spec("reduce_logsumexp_ax1_keep", fn=lambda x: r.reduce_logsumexp(x, 1, keepdims=True),
         ref=lambda x: _logsumexp(x, 1, True), shapes=[(3, 4)], domain=(-50.0, 50.0)),
    Spec("reduce_logsumexp_large", fn=lambda x: r.reduce_logsumexp(x, [0]),
         ref=lambda x: _logsumexp(x, 0), inputs=lambda rng: [
             np.array([[1000.0, -1000.0], [1000.5, -1001.0]], np.float32)]),
    Spec("reduce_logsumexp_neg_inf", fn=lambda x: r.reduce_logsumexp(x, 1),
         ref=lambda x: np.array([-np.inf, 2.0], np.float32), grad=False,
         inputs=lambda rng: [np.array([[-np.inf, -np.inf], [2.0, -np.inf]], np.float32)]),
    Spec("reduce_variance_ax0", fn=lambda x: r.reduce_variance(x, 0),
         ref=lambda x: np.var(x, 0), shapes=[(5, 3)], grad2=True),
    Spec("reduce_variance_keep", fn=lambda x: r.reduce_variance(x, [-1], keepdims=True),
         ref=lambda x: np.var(x, -1, keepdims=True), shapes=[(2, 3, 4)]),
    Spec("reduce_std_all", fn=r.reduce_std, ref=_keep(np.std), shapes=[(4, 3)]),
    Spec("reduce_std_ax1_f64", fn=lambda x: r.reduce_std(x, 1), ref=lambda x: np.std(x, 1),
         shapes=[(4, 3)], dtype="float64"),
    Spec("count_nonzero_ax1", fn=lambda x: r.count_nonzero(x, 1),
         ref=lambda x: np.count_nonzero(x, 1).astype(np.int64), shapes=[(4, 5)],
         dtype="int32", domain=(-1, 2)),
    Spec("count_nonzero_float_keep", fn=lambda x: r.count_nonzero(x, keepdims=True,
                                                                   dtype="float32"),
         ref=lambda x: np.full((1, 1), np.count_nonzero(x), np.float32), grad=False,
         inputs=lambda rng: [np.array([[0.0, 1.5], [0.0, -2.0]], np.float32)]),
    Spec("count_nonzero_bool", fn=r.count_nonzero, ref=lambda x: np.int64(x.sum()),
         shapes=[(6,)], dtype="bool", grad=False),
    # scans
    Spec("cumsum_ax0", fn=r.cumsum, ref=lambda x: np.cumsum(x, 0), shapes=[(4, 3)],
         grad2=True),
    Spec("cumsum_neg_axis", fn=lambda x: r.cumsum(x, -1), ref=lambda x: np.cumsum(x, -1),
         shapes=[(2, 3, 4)]),
    Spec("cumsum_exclusive", fn=lambda x: r.cumsum(x, 1, exclusive=True),
         ref=lambda x: _exclusive(np.cumsum, 0)(x, 1), shapes=[(3, 4)]),
    Spec("cumsum_reverse", fn=lambda x: r.cumsum(x, 1, reverse=True),
         ref=lambda x: np.flip(np.cumsum(np.flip(x, 1), 1), 1), shapes=[(3, 4)]),
    Spec("cumsum_exclusive_reverse", fn=lambda x: r.cumsum(x, 0, True, True),
         ref=lambda x: _exclusive(np.cumsum, 0)(x, 0, reverse=True), shapes=[(4, 2)]),
    Spec("cumsum_int8", fn=lambda x: r.cumsum(x, 0), ref=lambda x: np.cumsum(x, 0, np.int8),
         shapes=[(6,)], dtype="int8", domain=(50, 100)),
    Spec("cumsum_empty", fn=lambda x: r.cumsum(x, 0, exclusive=True),
         ref=lambda x: x.copy(), shapes=[(0, 2)]),
    Spec("cumprod_ax1", fn=lambda x: r.cumprod(x, 1), ref=lambda x: np.cumprod(x, 1),
         shapes=[(3, 4)], domain=(0.5, 2.0), grad2=True),
    Spec("cumprod_exclusive_reverse", fn=lambda x: r.cumprod(x, -1, True, True),
         ref=lambda x: _exclusive(np.cumprod, 1)(x, 1, reverse=True), shapes=[(2, 4)],
         domain=(0.5, 2.0)),
    Spec("cumprod_int32_exclusive", fn=lambda x: r.cumprod(x, 0, exclusive=True),
         ref=lambda x: _exclusive(np.cumprod, 1)(x, 0), shapes=[(5,)], dtype="int32",
         domain=(1, 5)),
    # argmax / argmin (no gradient)
    Spec("argmax_default_axis", fn=r.argmax, ref=lambda x: np.argmax(x, 0),
         shapes=[(4, 3)], grad=False),
    Spec("argmax_neg_axis_int32", fn=lambda x: r.argmax(x, -1, output_type="int32"),
         ref=lambda x: np.argmax(x, -1).astype(np.int32), shapes=[(2, 3, 4)], grad=False),
    Spec("argmin_ax1_int", fn=lambda x: r.argmin(x, 1), ref=lambda x: np.argmin(x, 1),
         shapes=[(5, 6)], dtype="int32", domain=(0, 3), grad=False),
    Spec("argmax_bool", fn=r.argmax, ref=lambda x: np.argmax(x, 0), shapes=[(7,)],
         dtype="bool", grad=False),
    Spec("argmax_nan_ignored", fn=r.argmax, ref=lambda x: np.int64(3), grad=False,
         inputs=lambda rng: [np.array([np.nan, 5.0, np.nan, 7.0], np.float32)]),
    Spec("argmin_nan_ignored", fn=r.argmin, ref=lambda x: np.int64(2), grad=False,
         inputs=lambda rng: [np.array([2.0, np.nan, 1.0], np.float32)]),
]

# Rows without a float input have nothing to differentiate.
for _spec in SPECS:
    if not any(a.dtype.kind == "f" for a in _spec.make_inputs(np.random.default_rng(0))):
        _spec.grad = False
