"""tf.dtypes: the DType objects and conversions (re-exports only)."""

from engine.dtypes import (  # noqa: F401,A004
    DType, as_dtype, bool, complex64, complex128, double, float16, float32, float64, half,
    int8, int16, int32, int64, resource, string, uint8, uint16, uint32, uint64, variant)
from engine.ops.math import cast, saturate_cast  # noqa: F401
