"""tf.linalg: matrix products, norms and friends (re-exports only)."""

from engine.ops.array import eye  # noqa: F401
from engine.ops.linalg import (  # noqa: F401
    diag_part, einsum, global_norm, matmul, norm, tensordot, trace)
from engine.ops.nn import l2_normalize  # noqa: F401
from engine.ops.qr import qr  # noqa: F401
