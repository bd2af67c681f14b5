"""Op-spec rows for engine/ops/math.py and engine/ops/core.py."""

import numpy as np

from engine.ops import core
from engine.ops import math as m
from tests.op_specs.spec import Spec

BCAST = [[(3, 4), (3, 4)], [(3, 4), (4,)], [(2, 1, 4), (3, 1)], [(0, 4), (4,)], [(), (5,)]]


def _binary_rows(name, fn, ref, domain=(-2.0, 2.0), grad=True, grad2=False,
                 dtype="float32", domains=None):
    rows = []
    for k, shapes in enumerate(BCAST):
        rows.append(Spec(f"{name}_{k}", fn=fn, ref=ref, shapes=shapes, dtype=dtype,
                         domain=domain, grad=grad, grad2=grad2 and k < 3,
                         inputs=domains(shapes) if domains else None))
    return rows


def _positive_second(shapes):
    def make(rng):
        return [rng.uniform(-2, 2, shapes[0]).astype(np.float32),
                rng.uniform(0.5, 2, shapes[1]).astype(np.float32)]
    return make


def _pow_inputs(shapes):
    def make(rng):
        return [rng.uniform(0.5, 2, shapes[0]).astype(np.float32),
                rng.uniform(-2, 2, shapes[1]).astype(np.float32)]
    return make


def _f32(fn):
    """A numpy reference that keeps the input dtype (and overflows to inf quietly)."""
    def ref(*xs):
        with np.errstate(over="ignore"):
            return np.asarray(fn(*xs)).astype(xs[0].dtype)
    return ref


SPECS = []
SPECS += _binary_rows("add", m.add, np.add, grad2=True)
SPECS += _binary_rows("subtract", m.subtract, np.subtract)
SPECS += _binary_rows("multiply", m.multiply, np.multiply, grad2=True)
SPECS += _binary_rows("divide", m.divide, np.divide, domains=_positive_second, grad2=True)
SPECS += _binary_rows("pow", m.pow, np.power, domains=_pow_inputs, grad2=True)
SPECS += _binary_rows("maximum", m.maximum, np.maximum)
SPECS += _binary_rows("minimum", m.minimum, np.minimum)
SPECS += _binary_rows("squared_difference", m.squared_difference,
                      lambda x, y: np.square(x - y), grad2=True)
SPECS += _binary_rows("floormod", m.floormod, np.mod, domains=_positive_second, grad=False)
SPECS += [
    Spec("floormod_grad", fn=m.floormod, ref=np.mod, shapes=[(5,), (5,)],
         inputs=lambda rng: [np.array([0.3, 1.7, -2.2, 5.1, -0.4], np.float32),
                             np.array([1.0, 0.7, 1.5, 2.0, 0.9], np.float32)]),
    Spec("floordiv_float", fn=m.floordiv, ref=np.floor_divide, shapes=[(3, 4), (4,)],
         grad=False, inputs=_positive_second([(3, 4), (4,)])),
    Spec("floordiv_int", fn=m.floordiv, ref=np.floor_divide, shapes=[(6,), (6,)],
         dtype="int32", domain=(1, 9), grad=False),
    Spec("floormod_int_negative", fn=m.floormod, ref=np.mod, shapes=[(6,), (6,)],
         grad=False, inputs=lambda rng: [np.array([-7, 7, -7, 7, 0, 5], np.int32),
                                         np.array([3, 3, -3, -3, 2, 5], np.int32)]),
    Spec("truediv_int32_to_float64", fn=m.truediv, ref=np.true_divide, shapes=[(4,), (4,)],
         dtype="int32", domain=(1, 9), grad=False),
    Spec("truediv_int8_to_float32", fn=m.truediv,
         ref=lambda x, y: (x.astype(np.float32) / y.astype(np.float32)),
         shapes=[(4,), (4,)], dtype="int8", domain=(1, 9), grad=False),
    Spec("add_int32", fn=m.add, ref=np.add, shapes=[(3,), (3,)], dtype="int32",
         domain=(-50, 50), grad=False),
    Spec("add_python_scalar", fn=lambda x: m.add(x, 1.5),
         ref=lambda x: x + np.float32(1.5), shapes=[(3,)], grad2=True),
    Spec("rsub_python_scalar", fn=lambda x: 2.0 - x, ref=lambda x: np.float32(2.0) - x,
         shapes=[(3,)]),
    Spec("int_pow", fn=m.pow, ref=np.power, shapes=[(4,), (4,)], dtype="int32",
         domain=(0, 4), grad=False),
    Spec("divide_no_nan", fn=m.divide_no_nan,
         ref=lambda x, y: np.where(y == 0, np.float32(0), x / np.where(y == 0, 1, y)),
         shapes=[(4,), (4,)],
         grad=False,  # y crosses 0 under the finite difference: see the row below
         inputs=lambda rng: [rng.uniform(-2, 2, 4).astype(np.float32),
                             np.array([0.5, 0.0, -1.5, 2.0], np.float32)]),
    Spec("divide_no_nan_grad", fn=m.divide_no_nan, ref=np.divide, shapes=[(3, 4), (4,)],
         inputs=_positive_second([(3, 4), (4,)])),
]

_UNARY = [
    ("negative", m.negative, np.negative, (-2, 2), True),
    ("abs", m.abs, np.abs, (-2, 2), True),
    ("sign", m.sign, np.sign, (-2, 2), False),
    ("square", m.square, np.square, (-2, 2), True),
    ("sqrt", m.sqrt, np.sqrt, (0.2, 3), True),
    ("rsqrt", m.rsqrt, _f32(lambda x: 1 / np.sqrt(x)), (0.2, 3), True),
    ("exp", m.exp, np.exp, (-2, 2), True),
    ("log", m.log, np.log, (0.2, 3), True),
    ("log1p", m.log1p, np.log1p, (-0.5, 2), True),
    ("expm1", m.expm1, np.expm1, (-2, 2), True),
    ("sin", m.sin, np.sin, (-3, 3), True),
    ("cos", m.cos, np.cos, (-3, 3), True),
    ("tan", m.tan, np.tan, (-1.2, 1.2), True),
    ("asin", m.asin, np.arcsin, (-0.9, 0.9), False),
    ("acos", m.acos, np.arccos, (-0.9, 0.9), False),
    ("atan", m.atan, np.arctan, (-3, 3), False),
    ("sinh", m.sinh, np.sinh, (-2, 2), False),
    ("cosh", m.cosh, np.cosh, (-2, 2), False),
    ("tanh", m.tanh, np.tanh, (-3, 3), True),
    ("sigmoid", m.sigmoid, _f32(lambda x: 1 / (1 + np.exp(-x.astype(np.float64)))),
     (-8, 8), True),
    ("reciprocal", m.reciprocal, np.reciprocal, (0.3, 3), True),
    ("round", m.round, np.round, (-4, 4), False),
    ("floor", m.floor, np.floor, (-4, 4), False),
    ("ceil", m.ceil, np.ceil, (-4, 4), False),
    ("is_nan", m.is_nan, np.isnan, (-4, 4), False),
    ("is_finite", m.is_finite, np.isfinite, (-4, 4), False),
]
for _name, _fn, _ref, _domain, _grad in _UNARY:
    SPECS.append(Spec(f"{_name}", fn=_fn, ref=_ref, shapes=[(3, 4)], domain=_domain,
                      grad=_grad, grad2=_grad and _name not in ("abs", "negative")))
    SPECS.append(Spec(f"{_name}_empty", fn=_fn, ref=_ref, shapes=[(0, 2)], domain=_domain,
                      grad=False))
SPECS += [
    Spec("asin_grad", fn=m.asin, ref=np.arcsin, shapes=[(5,)], domain=(-0.8, 0.8)),
    Spec("acos_grad", fn=m.acos, ref=np.arccos, shapes=[(5,)], domain=(-0.8, 0.8)),
    Spec("atan_grad", fn=m.atan, ref=np.arctan, shapes=[(5,)]),
    Spec("sinh_grad", fn=m.sinh, ref=np.sinh, shapes=[(5,)]),
    Spec("cosh_grad", fn=m.cosh, ref=np.cosh, shapes=[(5,)]),
    Spec("is_inf", fn=m.is_inf, ref=np.isinf, shapes=[(4,)], grad=False,
         inputs=lambda rng: [np.array([1.0, np.inf, -np.inf, np.nan], np.float32)]),
    Spec("abs_int", fn=m.abs, ref=np.abs, shapes=[(5,)], dtype="int32", domain=(-9, 9),
         grad=False),
    Spec("sigmoid_extreme", fn=m.sigmoid,
         ref=_f32(lambda x: 1 / (1 + np.exp(-x.astype(np.float64)))), shapes=[(4,)],
         grad=False, inputs=lambda rng: [np.array([-1000, -50, 50, 1000], np.float32)]),
]

_COMPARE = [("equal", m.equal, np.equal), ("not_equal", m.not_equal, np.not_equal),
            ("less", m.less, np.less), ("less_equal", m.less_equal, np.less_equal),
            ("greater", m.greater, np.greater),
            ("greater_equal", m.greater_equal, np.greater_equal)]
for _name, _fn, _ref in _COMPARE:
    SPECS.append(Spec(_name, fn=_fn, ref=_ref, shapes=[(3, 4), (4,)], dtype="int32",
                      domain=(0, 3), grad=False))
    SPECS.append(Spec(f"{_name}_float", fn=_fn, ref=_ref, shapes=[(2, 3), (2, 3)],
                      grad=False))

SPECS += [
    Spec("logical_and", fn=m.logical_and, ref=np.logical_and, shapes=[(3, 4), (4,)],
         dtype="bool", grad=False),
    Spec("logical_or", fn=m.logical_or, ref=np.logical_or, shapes=[(3, 4), (3, 4)],
         dtype="bool", grad=False),
    Spec("logical_xor", fn=m.logical_xor, ref=np.logical_xor, shapes=[(5,), (5,)],
         dtype="bool", grad=False),
    Spec("logical_not", fn=m.logical_not, ref=np.logical_not, shapes=[(5,)], dtype="bool",
         grad=False),
    Spec("where_select", fn=m.where, ref=np.where, shapes=[(3, 4), (3, 4), (4,)],
         dtype=["bool", "float32", "float32"]),
    Spec("where_indices", fn=m.where, ref=lambda c: np.argwhere(c).astype(np.int64),
         shapes=[(3, 4)], dtype="bool", grad=False),
    Spec("add_n", fn=lambda a, b, c: m.add_n([a, b, c]), ref=lambda a, b, c: a + b + c,
         shapes=[(2, 3)] * 3, grad2=True),
    Spec("unbroadcast", fn=lambda g, like: m.unbroadcast_to_shape_of(g, like),
         ref=lambda g, like: g.sum(axis=(0, 2), keepdims=True)[0], shapes=[(4, 2, 3), (2, 1)],
         grad=True),
    Spec("unbroadcast_same", fn=lambda g, like: m.unbroadcast_to_shape_of(g, like),
         ref=lambda g, like: g, shapes=[(2, 3), (2, 3)]),
    Spec("cast_float_to_int", fn=lambda x: m.cast(x, "int32"),
         ref=lambda x: np.trunc(x).astype(np.int32), shapes=[(6,)], domain=(-5, 5),
         grad=False),
    Spec("cast_float32_to_float64", fn=lambda x: m.cast(x, "float64"),
         ref=lambda x: x.astype(np.float64), shapes=[(6,)]),
    Spec("cast_bool_to_float", fn=lambda x: m.cast(x, "float32"),
         ref=lambda x: x.astype(np.float32), shapes=[(6,)], dtype="bool", grad=False),
    Spec("saturate_cast", fn=lambda x: m.saturate_cast(x, "uint8"),
         ref=lambda x: np.clip(x, 0, 255).astype(np.uint8), shapes=[(6,)],
         domain=(-300, 300), grad=False),
    Spec("clip_by_value", fn=lambda x: m.clip_by_value(x, -0.5, 0.5),
         ref=lambda x: np.clip(x, np.float32(-0.5), np.float32(0.5)), shapes=[(3, 4)]),
    Spec("identity", fn=core.identity, ref=lambda x: x, shapes=[(2, 3)]),
    Spec("stop_gradient", fn=lambda x: core.stop_gradient(x) * x, ref=lambda x: x * x,
         shapes=[(4,)], grad=False),  # its gradient (x, not 2x) is tested in test_tape
    Spec("broadcast_gradient_args", fn=lambda a, b: m.broadcast_gradient_args(a, b),
         ref=lambda a, b: (np.array([0, 2], np.int32), np.array([1], np.int32)),
         shapes=[(3,), (3,)], grad=False,
         inputs=lambda rng: [np.array([1, 4, 1], np.int32), np.array([3, 1, 5], np.int32)]),
]
