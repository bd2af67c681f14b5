"""Small helpers shared by the op modules: registering whole families in one line."""

from __future__ import annotations

import numpy as np

from engine import infer as _infer
from engine.registry import NO_GRADIENT, register

__all__ = ["unary", "binary", "dtype_error", "tf_type_name"]

_TF_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def tf_type_name(dtype) -> str:
    """The C++-style name TensorFlow's kernels print: float, double, half, int32, ..."""
    return _TF_TYPE_NAMES.get(dtype.name, dtype.name)


def dtype_error(op_name: str, dtype, allowed: str) -> TypeError:
    return TypeError(f"Value passed to parameter 'x' of '{op_name}' has DataType "
                     f"{dtype.name} not in list of allowed values: {allowed}")


def _kind_infer(op_name: str, kinds: str, allowed: str, out_dtype=None):
    """infer for unary ops defined only on some dtype kinds (numpy kind letters)."""
    def infer(inputs, attrs):
        dtype = inputs[0].dtype
        if dtype._np.kind not in kinds:
            raise dtype_error(op_name, dtype, allowed)
        return [(out_dtype or dtype, inputs[0].shape)]
    return infer


FLOAT_KINDS = ("fc", "float16, float32, float64, complex64, complex128")
NUMERIC_KINDS = ("iufc", "float16, float32, float64, int8, int16, int32, int64, uint8, "
                         "complex64, complex128")
INT_FLOAT_KINDS = ("iuf", "float16, float32, float64, int8, int16, int32, int64, uint8")
BOOL_KINDS = ("b", "bool")


def unary(name: str, kernel, grad=NO_GRADIENT, kinds=NUMERIC_KINDS, out_dtype=None):
    """Registers an elementwise one-input op whose output has the input's shape.

    The kernel is wrapped with a dtype-kind check only when numpy would otherwise
    silently change the dtype (sqrt of an int gives float64 in numpy).
    """
    letters, allowed = kinds

    def checked(x, _k=kernel, _letters=letters):
        if x.dtype.kind not in _letters:
            raise dtype_error(name, x.dtype, allowed)
        return _k(x)

    return register(name, checked, _kind_infer(name, letters, allowed, out_dtype), grad)


def binary(name: str, kernel, grad=NO_GRADIENT, out_dtype=None, kinds=None):
    """Registers a broadcasting two-input op whose inputs share one dtype."""
    infer = _infer.binary_infer(name, out_dtype)
    if kinds is not None:
        letters, allowed = kinds
        base_infer = infer

        def infer(inputs, attrs):  # noqa: F811 - the checked variant
            if inputs[0].dtype._np.kind not in letters:
                raise dtype_error(name, inputs[0].dtype, allowed)
            return base_infer(inputs, attrs)

        raw = kernel

        def kernel(x, y, _k=raw):  # noqa: F811
            if x.dtype.kind not in letters:
                raise dtype_error(name, x.dtype, allowed)
            return _k(x, y)

    return register(name, kernel, infer, grad, same_dtype=(0, 1))


LAPACK_TYPES = ("float16", "float32", "float64", "complex64", "complex128")


def lapack_input(op_name: str, x):
    """x checked for a matrix decomposition (Qr, Svd), as the array LAPACK will factor:
    float16 is factored in float32 (numpy's LAPACK has no half precision)."""
    from engine import errors
    if x.dtype.name not in LAPACK_TYPES:
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'T' of {x.dtype.name} is not in the list of allowed "
            f"values: double, float, half, complex64, complex128\n\t; NodeDef: "
            f"{{{{node {op_name}}}}}")
    if x.ndim < 2:
        raise errors.InvalidArgumentError(
            None, None, f"Input tensor 0 must have rank >= 2, got {x.ndim}")
    return x.astype(np.float32) if x.dtype == np.float16 else x
